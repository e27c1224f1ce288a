#!/bin/bash
# SPDX-License-Identifier: MIT
# Hostile local input through the real PAM stack: odd user names and PINs,
# a cache directory swapped for a symlink or owned by someone else. Clear
# errors, no crash, no login, nothing written outside the cache directory.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/pam_lib.sh"
pa_pam_require
pa_require_python_modules jwt cryptography

pa_tmpdir W
pa_make_ca "$W" tokend || exit 1
pa_start_tokend "$W" || exit 1
pa_pam_setup "$W"

client() {	# USER, PIN on stdin; exit status 0 only for a login
	pa_wrapped "$top_builddir/tests/pam_client" posauth "$1" auth 2>"$W/err"
}
no_crash() { [ "$1" -lt 128 ]; }	# 128+N: killed by signal N

pa_tokend_stats reset >/dev/null
for name in "a/b" ".." "../../etc/passwd" "$(printf 'a\nb')" "$(printf 'al\tice')" \
	"$(printf '\xff\xfe')" "$(printf 'caf\xc3\xa9')" "ALICE" "-alice" " alice"; do
	printf '1234\n' | client "$name"
	rc=$?
	[ "$rc" -ne 0 ] && no_crash "$rc" && grep -q "User not known" "$W/err"
	tap_ok $? "test_name_$(printf '%q' "$name" | tr -c 'a-zA-Z0-9' _)_is_unknown" ||
		tap_diag "rc=$rc $(cat "$W/err")"
done
long=$(head -c 1048576 /dev/zero | tr '\0' a)
printf '1234\n' | client "$long"
rc=$?
[ "$rc" -ne 0 ] && no_crash "$rc"
tap_ok $? test_name_of_1_MiB_refused_without_crash || tap_diag "rc=$rc"
tap_is "$(pa_tokend_stats | pa_json_get token.password)" 0 test_no_odd_name_reached_the_service

head -c 1048576 /dev/zero | tr '\0' 7 >"$W/bigpin"
echo >>"$W/bigpin"
client alice <"$W/bigpin"
rc=$?
[ "$rc" -ne 0 ] && no_crash "$rc"
tap_ok $? test_pin_of_1_MiB_refused_without_crash || tap_diag "rc=$rc"
printf '12\x0134\n' | client alice
tap_ok $(( $? == 0 )) test_pin_with_control_byte_refused

# Cache directory attacks: swapped for a symlink, owned by someone else.
printf '1234\n' | client alice
tap_ok $? test_login_fills_cache
mv "$W/cache" "$W/cache.real"
mkdir -m 0700 "$W/elsewhere"
ln -s "$W/elsewhere" "$W/cache"
pa_tokend_control '{"fault":"down"}' >/dev/null
printf '1234\n' | client alice
tap_ok $(( $? == 0 )) test_symlinked_cache_gives_no_offline_login
pa_tokend_control '{"fault":"none"}' >/dev/null
printf '1234\n' | client alice
tap_ok $? test_online_login_works_without_usable_cache
[ -z "$(ls -A "$W/elsewhere")" ]
tap_ok $? test_nothing_written_through_the_symlink || ls -la "$W/elsewhere" | tap_diag
rm "$W/cache"
mv "$W/cache.real" "$W/cache"
chown 65534:65534 "$W/cache"
pa_tokend_control '{"fault":"down"}' >/dev/null
printf '1234\n' | client alice
tap_ok $(( $? == 0 )) test_foreign_owned_cache_gives_no_offline_login
chown 0:0 "$W/cache"
printf '1234\n' | client alice
tap_ok $? test_offline_login_again_once_cache_is_roots

# Config problems: a 1 MiB line, a duplicate key, no sections at all.
cp "$PA_PAM_CONF" "$W/good.conf"
{ cat "$W/good.conf"; printf 'store = %s\n' "$long"; } >"$PA_PAM_CONF"
printf '1234\n' | client alice
rc=$?
[ "$rc" -ne 0 ] && no_crash "$rc" && grep -q "Error in service module" "$W/err"
tap_ok $? test_huge_config_line_denies_cleanly || tap_diag "rc=$rc $(cat "$W/err")"
{ cat "$W/good.conf"; echo "leeway = 5"; echo "leeway = 6"; } >"$PA_PAM_CONF"
printf '1234\n' | client alice
grep -q "Error in service module" "$W/err"
tap_ok $? test_duplicate_key_denies
cp "$W/good.conf" "$PA_PAM_CONF"
tap_done
