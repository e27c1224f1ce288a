#!/bin/bash
# SPDX-License-Identifier: MIT
# The etc/pam.d examples, run as written (module path and socket aside)
# through pamtester: who gets in where, and local accounts left to
# pam_unix; the lock screen run as the staff member it unlocks; the
# home directory a staff member's first session makes.
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
pa_pam_setup "$W" "home_pattern = $W/home/%u"
mkdir -m 0755 "$W/home"
for ex in kiosk sshd lockscreen example; do
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
# The example's line says mfa: the phone approves (tokend, at once).
pa_tokend_control '{"device_interval":1,"device_auto":"approve"}' >/dev/null
pa_pam_expect test_sshd_admits_admin ok carol 3456 authenticate acct_mgmt
grep -qF "Second factor required" <<<"$PAM_OUT"
tap_ok $? test_sshd_asks_the_second_factor || tap_diag "$PAM_OUT"
pa_pam_expect test_sshd_refuses_cashier "$E_PERM" alice 1234 authenticate acct_mgmt

# --- the lock screen runs as the staff member it unlocks --------------------------
# The service's rules, by the uid of the process asking (SO_PEERCRED). The
# staff member's uid is the one the NSS index gives them.
SO="$top_builddir/.libs/libnss_posauth.so.2"
NSSW=$(ls /usr/lib/*-linux-gnu/libnss_wrapper.so 2>/dev/null | head -1)
index_ids() {
	env LD_PRELOAD="$PA_SAN_PRELOAD$NSSW" NSS_WRAPPER_PASSWD=/etc/passwd \
		NSS_WRAPPER_GROUP=/etc/group NSS_WRAPPER_MODULE_SO_PATH="$SO" \
		NSS_WRAPPER_MODULE_FN_PREFIX=posauth POSAUTH_NSS_INDEX="$W/nss/nss.db" \
		getent passwd "$1" | cut -d: -f3,4
}
# pa_pam_as UID:GID USER PIN OPS...: pamtester run as that uid.
pa_pam_as() {
	local ids=$1
	shift
	PA_PAMTESTER_WRAP="setpriv --reuid=${ids%%:*} --regid=${ids##*:} --clear-groups" pa_pam "$@"
}
if [ "$(id -u)" -ne 0 ] || [ -z "$NSSW" ] || ! command -v setpriv >/dev/null; then
	for t in test_lockscreen_unlocks_own_session test_lockscreen_wrong_pin_denied \
		test_lockscreen_cannot_authenticate_someone_else test_lockscreen_refusal_logged \
		test_lockscreen_account_gate_own_roles test_lockscreen_cannot_gate_someone_else \
		test_non_root_cannot_open_sessions test_non_staff_uid_cannot_authenticate_staff \
		test_lockscreen_rate_limited test_rate_limit_is_per_uid test_root_is_not_rate_limited; do
		tap_skip "$t" "needs root, setpriv and nss_wrapper"
	done
else
	pa_pam_expect test_root_logs_alice_in ok alice 1234 authenticate
	pa_pam_expect test_root_logs_bob_in ok bob 2345 authenticate
	alice_ids=$(index_ids alice)
	bob_ids=$(index_ids bob)
	# The processes of another uid must reach the socket and the services.
	chmod 0711 "$W"
	chmod -R a+rX "$W/pam.d"
	PA_PAM_SERVICE=lockscreen
	pa_pam_as "$alice_ids" alice 1234 authenticate acct_mgmt
	tap_is "$PAM_RC" 0 test_lockscreen_unlocks_own_session || tap_diag "$PAM_OUT"
	pa_pam_as "$alice_ids" alice 0000 authenticate
	[ "$PAM_RC" -ne 0 ] && grep -qF "$E_AUTH" <<<"$PAM_OUT"
	tap_ok $? test_lockscreen_wrong_pin_denied || tap_diag "$PAM_OUT"
	before=$(pa_tokend_stats | pa_json_get token.password)
	pa_pam_as "$alice_ids" bob 2345 authenticate
	[ "$PAM_RC" -ne 0 ] && grep -qF "$E_PERM" <<<"$PAM_OUT" &&
		[ "$(pa_tokend_stats | pa_json_get token.password)" = "$before" ]
	tap_ok $? test_lockscreen_cannot_authenticate_someone_else || tap_diag "$PAM_OUT"
	grep -q "auth request from uid ${alice_ids%%:*} .*refused" <<<"$PAM_OUT"
	tap_ok $? test_lockscreen_refusal_logged || tap_diag "$PAM_OUT"
	PA_PAM_SERVICE=kiosk
	pa_pam_as "$alice_ids" alice 1234 acct_mgmt
	tap_is "$PAM_RC" 0 test_lockscreen_account_gate_own_roles || tap_diag "$PAM_OUT"
	pa_pam_as "$alice_ids" bob x acct_mgmt
	[ "$PAM_RC" -ne 0 ] && grep -qF "$E_PERM" <<<"$PAM_OUT"
	tap_ok $? test_lockscreen_cannot_gate_someone_else || tap_diag "$PAM_OUT"
	PA_PAM_SERVICE=posauth
	pa_pam_as "$bob_ids" bob 2345 authenticate open_session
	[ "$PAM_RC" -ne 0 ] && grep -q "open-session request from uid ${bob_ids%%:*} .*refused" <<<"$PAM_OUT" &&
		[ ! -e "$W/run/bob/token" ]
	tap_ok $? test_non_root_cannot_open_sessions || tap_diag "$PAM_OUT"
	PA_PAM_SERVICE=lockscreen
	pa_pam_as 65534:65534 alice 1234 authenticate
	[ "$PAM_RC" -ne 0 ] && grep -qF "$E_PERM" <<<"$PAM_OUT"
	tap_ok $? test_non_staff_uid_cannot_authenticate_staff || tap_diag "$PAM_OUT"
	# Five PINs a minute for a process of alice's: two were used above.
	for pin in 0001 0002 0003; do pa_pam_as "$alice_ids" alice "$pin" authenticate; done
	pa_pam_as "$alice_ids" alice 1234 authenticate
	[ "$PAM_RC" -ne 0 ] && grep -q "retries\|maximum" <<<"$PAM_OUT"
	tap_ok $? test_lockscreen_rate_limited || tap_diag "$PAM_OUT"
	pa_pam_as "$bob_ids" bob 2345 authenticate
	tap_is "$PAM_RC" 0 test_rate_limit_is_per_uid || tap_diag "$PAM_OUT"
	pa_pam_expect test_root_is_not_rate_limited ok alice 1234 authenticate
	chmod 0700 "$W"
fi

# --- a staff member's first session makes their home -----------------------------
# pam_mkhomedir's helper runs with an empty environment, so the staff
# member must resolve through the system's NSS: a private mount namespace
# gives glibc an nsswitch.conf with posauth, a linker cache that finds the
# built module, and the test's index where the module looks for it.
if [ "$(id -u)" -ne 0 ] || ! unshare -m true 2>/dev/null || [ -n "$PA_SAN_PRELOAD" ] ||
	[ ! -x /sbin/mkhomedir_helper ]; then
	tap_skip test_first_session_makes_the_home "needs root and a mount namespace, no sanitizers"
	tap_skip test_home_is_the_staff_members_and_private "needs root and a mount namespace"
else
	printf 'passwd: files posauth\ngroup: files posauth\nshadow: files\n' >"$W/nsswitch.conf"
	printf '%s\ninclude /etc/ld.so.conf.d/*.conf\n' "$(cd "$top_builddir/.libs" && pwd)" >"$W/ld.so.conf"
	ldconfig -X -C "$W/ld.so.cache" -f "$W/ld.so.conf" 2>/dev/null
	index_dir=$(dirname "$(strings "$SO" | grep -m1 '^/.*nss\.db$')")
	cat >"$W/ns-wrap.sh" <<NS
#!/bin/sh
mount --bind "$W/nsswitch.conf" /etc/nsswitch.conf &&
	mount --bind "$W/ld.so.cache" /etc/ld.so.cache &&
	mount -t tmpfs tmpfs "$(dirname "$index_dir")" &&
	mkdir -p "$index_dir" && mount --bind "$W/nss" "$index_dir" || exit 99
exec "\$@"
NS
	chmod 0755 "$W/ns-wrap.sh"
	PA_PAMTESTER_WRAP="unshare -m $W/ns-wrap.sh"
	PA_PAM_SERVICE=kiosk pa_pam bob 2345 authenticate acct_mgmt open_session
	unset PA_PAMTESTER_WRAP
	[ "$PAM_RC" -eq 0 ] && [ -d "$W/home/bob" ]
	tap_ok $? test_first_session_makes_the_home || tap_diag "$PAM_OUT"
	tap_is "$(stat -c '%u:%g %a' "$W/home/bob" 2>&1)" "$(index_ids bob) 700" \
		test_home_is_the_staff_members_and_private
fi

if command -v visudo >/dev/null; then
	visudo -cf "$top_srcdir/etc/sudoers.d/posauth-managers" >/dev/null
	tap_ok $? test_sudoers_example_parses
else
	tap_skip test_sudoers_example_parses "visudo not installed"
fi
tap_done
