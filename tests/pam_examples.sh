#!/bin/bash
# SPDX-License-Identifier: MIT
# The etc/pam.d examples, run as written (module path and socket aside)
# through pamtester: who gets in where, and local accounts left to pam_unix.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/pam_lib.sh"
pa_pam_require
pa_require_python_modules jwt cryptography
UNIX=$(ls /usr/lib/*-linux-gnu/security/pam_unix.so /lib/*-linux-gnu/security/pam_unix.so 2>/dev/null | head -1)
[ -n "$UNIX" ] || skip_all "pam_unix.so not found"

pa_tmpdir W
pa_make_ca "$W" tokend || exit 1
pa_start_tokend "$W" || exit 1
export PA_OFFLINE_GRACE=0
pa_pam_setup "$W"
for ex in kiosk sshd; do
	sed -e "s|pam_posauth.so|$PA_MODULE socket=$PA_PAM_SOCKET|" \
		-e "s|pam_unix.so|$UNIX|" \
		"$top_srcdir/etc/pam.d/posauth-$ex" >"$PA_PAM_DIR/pam.d/$ex"
done

PA_PAM_SERVICE=kiosk
pa_pam_expect test_kiosk_admits_cashier ok alice 1234 authenticate acct_mgmt
pa_pam_expect test_kiosk_admits_manager ok bob 2345 authenticate acct_mgmt
pa_pam_expect test_kiosk_refuses_admin "$E_PERM" carol 3456 authenticate acct_mgmt
pa_pam_expect test_kiosk_wrong_pin_ends_stack "$E_AUTH" alice 0000 authenticate
before=$(pa_tokend_stats | pa_json_get token.password)
pa_pam_expect test_kiosk_local_account_goes_to_pam_unix "$E_AUTH" root not-the-password authenticate
grep -q 'user "root": not a staff id here' "$PA_PAM_DIR/pam.err" &&
	[ "$(pa_tokend_stats | pa_json_get token.password)" = "$before" ]
tap_ok $? test_local_account_never_reaches_the_token_service

PA_PAM_SERVICE=sshd
pa_pam_expect test_sshd_admits_admin ok carol 3456 authenticate acct_mgmt
pa_pam_expect test_sshd_refuses_cashier "$E_PERM" alice 1234 authenticate acct_mgmt

if command -v visudo >/dev/null; then
	visudo -cf "$top_srcdir/etc/sudoers.d/posauth-managers" >/dev/null
	tap_ok $? test_sudoers_example_parses
else
	tap_skip test_sudoers_example_parses "visudo not installed"
fi
tap_done
