#!/bin/bash
# SPDX-License-Identifier: MIT
# Device cache and offline grace through the real PAM stack: online logins
# fill the cache, then the token service becomes unreachable (stopped,
# dropping connections, answering 5xx) or says no, and the module must
# let in exactly the right people.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/pam_lib.sh"
pa_pam_require
pa_require_python_modules jwt cryptography
command -v faketime >/dev/null || skip_all "faketime not installed"

pa_tmpdir W
pa_make_ca "$W" tokend || exit 1
pa_start_tokend "$W" || exit 1
# posauthd decides, so its clock is the one to move (libfaketime reading
# the offset from a file, pa_pam_at), and its disk the one to fill (the
# fsync shim fails while $W/disk-full exists).
echo "+0" >"$W/faketime"
export PA_POSAUTHD_PRELOAD="$(ls /usr/lib/*-linux-gnu/faketime/libfaketime.so.1 | head -1):$top_builddir/tests/.libs/fail_fsync.so"
export PA_POSAUTHD_ENV="FAKETIME_TIMESTAMP_FILE=$W/faketime FAKETIME_NO_CACHE=1 FAKETIME_DONT_FAKE_MONOTONIC=1 POSAUTH_TEST_FAIL_FSYNC=$W/disk-full"
pa_pam_setup "$W" "offline_max_failures = 3" "offline_lockout = 900" \
	"[offline_grace]" "manager = 600"
CACHE="$W/cache"

# pa_pam_at OFFSET USER PIN OPS...: pamtester with posauthd's clock moved
# by OFFSET (e.g. +1000s, -1d).
pa_pam_at() {
	local offset=$1
	shift
	echo "$offset" >"$W/faketime"
	pa_pam "$@"
	echo "+0" >"$W/faketime"
}
pa_expect_at() {
	local name=$1 want=$2 offset=$3
	shift 3
	pa_pam_at "$offset" "$@"
	if [ "$want" = ok ]; then [ "$PAM_RC" -eq 0 ]; else
		[ "$PAM_RC" -ne 0 ] && grep -qF -- "$want" <<<"$PAM_OUT"; fi
	tap_ok $? "$name" || tap_diag "want: $want" "$PAM_OUT"
}
offline_logged() { grep -q "offline login accepted" "$PA_PAM_DIR/pam.err"; }

# --- online logins fill the cache ------------------------------------------------
pa_pam_expect test_online_login_fills_cache ok alice 1234 authenticate
pa_pam_expect test_manager_online_login ok bob 2345 authenticate
pa_pam_expect test_admin_online_login ok carol 3456 authenticate
[ -f "$CACHE/alice.rec" ] && [ "$(stat -c %a "$CACHE")" = 700 ] &&
	[ "$(stat -c %a "$CACHE/alice.rec")" = 600 ] &&
	[ "$(stat -c %a "$CACHE/device.key")" = 600 ]
tap_ok $? test_cache_files_are_root_only || ls -la "$CACHE" | tap_diag
! grep -rqa -e 1234 -e 2345 -e 3456 "$CACHE"
tap_ok $? test_no_pin_bytes_in_cache

# --- the service is down -------------------------------------------------------------
pa_tokend_control '{"fault":"down"}' >/dev/null
pa_pam_expect test_offline_login_when_service_drops ok alice 1234 authenticate acct_mgmt
offline_logged
tap_ok $? test_offline_login_is_logged_as_offline
pa_pam_expect test_offline_wrong_pin_denied "$E_AUTH" alice 9999 authenticate
pa_pam_expect test_offline_unknown_user_unavailable "$E_UNAVAIL" erin 5678 authenticate
pa_pam_service gate allow_roles=manager
PA_PAM_SERVICE=gate pa_pam_expect test_offline_roles_feed_role_gates "$E_PERM" alice 1234 authenticate acct_mgmt
PA_PAM_SERVICE=posauth

pa_tokend_control '{"fault":"http503"}' >/dev/null
pa_pam_expect test_offline_login_when_service_answers_503 ok alice 1234 authenticate
pa_tokend_control '{"fault":"none"}' >/dev/null

# --- lockout -----------------------------------------------------------------------
pa_tokend_control '{"fault":"down"}' >/dev/null
pa_pam carol 1111 authenticate
pa_pam carol 1112 authenticate
pa_pam carol 1113 authenticate
pa_pam_expect test_locked_after_max_failures "$E_AUTH" carol 3456 authenticate
grep -q "locked" "$PA_PAM_DIR/pam.err"
tap_ok $? test_lockout_is_logged
pa_expect_at test_still_locked_before_lockout_ends "$E_AUTH" +800s carol 3456 authenticate
pa_expect_at test_lock_lifts_after_lockout ok +1000s carol 3456 authenticate

# --- grace windows --------------------------------------------------------------------
# Offline successes move the cache's clock mark forward, so the clock only
# ever travels forward here, until the rollback check at the end; online
# logins (the service vouching for the time) then reset the mark.
relogin_online() {
	pa_tokend_control '{"fault":"none"}' >/dev/null
	pa_pam alice 1234 authenticate && pa_pam bob 2345 authenticate &&
		pa_pam carol 3456 authenticate
	pa_tokend_control '{"fault":"down"}' >/dev/null
}
relogin_online
pa_expect_at test_manager_within_role_grace ok +300s bob 2345 authenticate
pa_expect_at test_cashier_within_grace ok +3600s alice 1234 authenticate
pa_expect_at test_manager_role_grace_is_shorter "$E_UNAVAIL" +3600s bob 2345 authenticate
pa_expect_at test_grace_expiry_denies "$E_UNAVAIL" +43300s alice 1234 authenticate
pa_expect_at test_rolled_back_clock_denies "$E_UNAVAIL" -1d alice 1234 authenticate
grep -q "clock" "$PA_PAM_DIR/pam.err"
tap_ok $? test_rollback_is_logged
pa_pam_expect test_clock_mark_ahead_of_now_denies "$E_UNAVAIL" alice 1234 authenticate
relogin_online
pa_pam_expect test_online_login_resets_clock_mark ok alice 1234 authenticate

# --- only some roles offline ------------------------------------------------------------
pa_pam_conf "$PA_PAM_CONF" "offline_roles = cashier"
pa_pam_expect test_offline_roles_admit_cashier ok alice 1234 authenticate
pa_pam_expect test_offline_roles_exclude_admin "$E_UNAVAIL" carol 3456 authenticate
pa_pam_conf "$PA_PAM_CONF" "offline_grace = 0"
pa_pam_expect test_grace_zero_disables_offline "$E_UNAVAIL" alice 1234 authenticate
pa_pam_conf "$PA_PAM_CONF" "offline_max_failures = 3" "[offline_grace]" "manager = 600"

# --- the service says no: never an offline login afterwards ---------------------------
pa_tokend_control '{"fault":"none"}' >/dev/null
pa_pam_expect test_manager_online_again ok bob 2345 authenticate
grep -q '"verifier"' "$CACHE/bob.rec"
tap_ok $? test_online_login_stores_a_verifier
pa_pam_expect test_online_rejection_denied "$E_AUTH" bob 0000 authenticate
[ ! -f "$CACHE/bob.rec" ] || ! grep -q '"verifier"' "$CACHE/bob.rec"
tap_ok $? test_rejection_wipes_the_verifier
pa_tokend_control '{"fault":"down"}' >/dev/null
pa_pam_expect test_no_offline_login_after_rejection "$E_UNAVAIL" bob 2345 authenticate
pa_tokend_control '{"fault":"none","forge":"wrong_aud"}' >/dev/null
pa_pam_expect test_invalid_token_is_not_an_outage "$E_AUTH" alice 1234 authenticate
! offline_logged
tap_ok $? test_invalid_token_never_falls_back_to_cache
pa_tokend_control '{"forge":"none"}' >/dev/null

# --- security review hole 4: a signed "no" ends the offline path ------------------------
# A staff member moved to another store: the service still vouches for
# them with a valid signature, but not for this store.
pa_tokend_control '{"fault":"none","forge":"none"}' >/dev/null
pa_pam_expect test_erin_online_first ok erin 5678 authenticate
pa_tokend_control '{"forge":"wrong_store"}' >/dev/null
pa_pam_expect test_signed_token_for_other_store_denied "$E_AUTH" erin 5678 authenticate
! grep -q '"verifier"' "$CACHE/erin.rec" && ! grep -q '"roles":\["' "$CACHE/erin.rec"
tap_ok $? test_signed_no_wipes_verifier_and_roles
pa_tokend_control '{"fault":"down","forge":"none"}' >/dev/null
pa_pam_expect test_no_offline_login_after_signed_no "$E_UNAVAIL" erin 5678 authenticate
# The terminal itself moves to another store: cached logins for the old
# one do not count offline.
pa_tokend_control '{"fault":"none"}' >/dev/null
pa_pam_expect test_frank_online ok frank 6789 authenticate
pa_tokend_control '{"fault":"down"}' >/dev/null
pa_pam_conf "$PA_PAM_CONF" "offline_max_failures = 3" "[offline_grace]" "manager = 600"
sed -i 's/^store = store-042$/store = store-043/' "$PA_PAM_CONF"
pa_pam_expect test_offline_login_rechecks_configured_store "$E_UNAVAIL" frank 6789 authenticate
grep -q "offline login not allowed" "$PA_PAM_DIR/pam.err"
tap_ok $? test_store_recheck_logged
pa_pam_conf "$PA_PAM_CONF" "offline_max_failures = 3" "[offline_grace]" "manager = 600"
pa_pam_expect test_offline_login_for_configured_store ok frank 6789 authenticate

# --- security review hole 5: a wrong PIN takes only the verifier -------------------------
pa_tokend_control '{"fault":"none"}' >/dev/null
pa_pam_expect test_bob_online_again ok bob 2345 authenticate
revoked_before=$(pa_tokend_revoked | pa_json_get families_revoked)
refresh_before=$(grep -o '"refresh_token":"[^"]*"' "$CACHE/bob.rec")
pa_pam_expect test_someone_types_bob_and_a_wrong_pin "$E_AUTH" bob 0000 authenticate
! grep -q '"verifier"' "$CACHE/bob.rec"
tap_ok $? test_wrong_pin_wipes_only_the_verifier
[ -n "$refresh_before" ] && grep -qF "$refresh_before" "$CACHE/bob.rec" &&
	grep -q '"roles":\["manager"\]' "$CACHE/bob.rec" && ! grep -q '"pending_revocations":\["' "$CACHE/bob.rec"
tap_ok $? test_wrong_pin_keeps_roles_and_session_tokens
tap_is "$(pa_tokend_revoked | pa_json_get families_revoked)" "$revoked_before" \
	test_wrong_pin_revokes_nothing

# --- security review hole 3: a failed write is no lockout bypass --------------------------
# posauthd with RLIMIT_FSIZE 0 and SIGXFSZ ignored: every write fails. The
# attempt must be counted before the PIN is checked, so: no PIN is
# checked, and the right and the wrong PIN get the same local failure.
pa_pam_expect test_alice_online_before_fsize ok alice 1234 authenticate
pa_tokend_control '{"fault":"down"}' >/dev/null
fsize_wrap() { trap "" XFSZ; ulimit -f 0; exec "$@"; }
PA_POSAUTHD_WRAP=fsize_wrap pa_restart_posauthd || exit 1
outcome() {
	grep -o 'Authentication failure\|System error\|cannot retrieve authentication info\|successfully' <<<"$1" | head -1
}
pa_pam alice 0000 authenticate
wrong_code=$(outcome "$PAM_OUT")
pa_pam alice 1234 authenticate
right_code=$(outcome "$PAM_OUT")
tap_is "$right_code" "$wrong_code" test_unwritable_cache_answers_right_and_wrong_pin_alike
tap_is "$right_code" "System error" test_unwritable_cache_is_a_local_failure ||
	tap_diag "$PAM_OUT"
grep -q '"failures":0' "$CACHE/alice.rec"
tap_ok $? test_unwritable_cache_checked_no_pin
# The PAM caller's own limits are not the service's: a caller that can
# write nothing still logs in.
# pam_wrapper cannot start without writing files, so this one runs
# through the system PAM with a temporary service file, as root.
pa_restart_posauthd || exit 1
if [ "$(id -u)" -eq 0 ] && [ -d /etc/pam.d ]; then
	fsize_service="posauth-fsize-$$"
	cp "$PA_PAM_DIR/pam.d/posauth" "/etc/pam.d/$fsize_service"
	pa_on_exit 'rm -f "/etc/pam.d/$fsize_service"'
	PAM_OUT=$(printf '1234\n' | bash -c 'trap "" XFSZ; ulimit -f 0; exec env "$@"' fsize \
		LD_PRELOAD="$PA_SAN_PRELOAD" "$PA_PAMTESTER" -v "$fsize_service" alice authenticate 2>&1)
	tap_is "$(outcome "$PAM_OUT")" successfully test_callers_file_size_limit_does_not_reach_the_service ||
		tap_diag "$PAM_OUT"
else
	tap_skip test_callers_file_size_limit_does_not_reach_the_service "needs root for a system PAM service"
fi
pa_pam_expect test_right_pin_after_callers_limit ok alice 1234 authenticate
# With writes working again, each wrong PIN counts before the check.
pa_pam alice 0000 authenticate
grep -q '"failures":1' "$CACHE/alice.rec"
tap_ok $? test_wrong_offline_pin_counted
pa_pam_expect test_right_offline_pin_still_works ok alice 1234 authenticate
grep -q '"failures":0' "$CACHE/alice.rec"
tap_ok $? test_right_offline_pin_clears_count
pa_tokend_control '{"fault":"none"}' >/dev/null

# --- tampering --------------------------------------------------------------------------
pa_pam_expect test_online_login_before_tamper ok alice 1234 authenticate
pa_tokend_control '{"fault":"down"}' >/dev/null
cp "$CACHE/alice.rec" "$W/alice.rec.good"
"$PA_PYTHON3" - "$CACHE/alice.rec" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
i = b.index(b'"roles"') + 3
b[i] ^= 0x01
open(p, "wb").write(b)
PY
pa_pam_expect test_flipped_byte_denies_offline "$E_UNAVAIL" alice 1234 authenticate
grep -q "corrupt\|tamper\|not usable\|denied" "$PA_PAM_DIR/pam.err"
tap_ok $? test_corrupt_record_is_logged
cp "$W/alice.rec.good" "$CACHE/bob.rec"
pa_pam_expect test_record_copied_to_other_user_denies "$E_UNAVAIL" bob 1234 authenticate
cp "$W/alice.rec.good" "$CACHE/alice.rec"
chmod 0644 "$CACHE/alice.rec"
# A record or cache that is not root's alone is a local failure, not an
# outage: the PIN is not checked against it.
pa_pam_expect test_world_readable_record_refused "$E_SYSTEM" alice 1234 authenticate
chmod 0600 "$CACHE/alice.rec"
pa_pam_expect test_restored_record_works_again ok alice 1234 authenticate
chmod 0755 "$CACHE"
pa_pam_expect test_open_cache_directory_refused "$E_SYSTEM" alice 1234 authenticate
chmod 0700 "$CACHE"

# --- a full disk loses nothing ---------------------------------------------------------------
pa_tokend_control '{"fault":"none"}' >/dev/null
sum_before=$(sha256sum "$CACHE/alice.rec") || exit 1
touch "$W/disk-full"
pa_pam_expect test_online_login_survives_full_disk ok alice 1234 authenticate
rm -f "$W/disk-full"
tap_is "$(sha256sum "$CACHE/alice.rec")" "$sum_before" test_full_disk_keeps_old_record
ls "$CACHE" | grep -q '^\.tmp' && tap_ok 1 test_full_disk_leaves_no_temp_files ||
	tap_ok 0 test_full_disk_leaves_no_temp_files
pa_tokend_control '{"fault":"down"}' >/dev/null
pa_pam_expect test_old_record_still_logs_in_offline ok alice 1234 authenticate
pa_tokend_control '{"fault":"none"}' >/dev/null

# --- 100 logins at once -----------------------------------------------------------------------
# pam_wrapper names its per-process config copy with one character, so it
# cannot run 100 processes at once; as root the system PAM can, with a
# temporary service file in /etc/pam.d.
users=(alice:1234 bob:2345 carol:3456 erin:5678 frank:6789)
# This part proves the cache under concurrency, not the service's speed:
# 100 TLS handshakes at once on two cores need more than 4 seconds.
PA_CONNECT_TIMEOUT=20 PA_TIMEOUT=60 pa_pam_conf "$PA_PAM_CONF"
if [ "$(id -u)" -eq 0 ] && [ -d /etc/pam.d ]; then
	par_service="posauth-test-$$"
	cp "$PA_PAM_DIR/pam.d/posauth" "/etc/pam.d/$par_service"
	trap 'rm -f "/etc/pam.d/$par_service"; _pa_cleanup' EXIT
	par_login() { printf '%s\n' "$2" | LD_PRELOAD="$PA_SAN_PRELOAD" "$PA_PAMTESTER" "$par_service" "$1" authenticate; }
	nproc_par=100
else
	par_login() { PA_PAM_ERR="$W/par.$3.err" pa_pam "$1" "$2" authenticate; return "$PAM_RC"; }
	nproc_par=30
fi
pids=()
for i in $(seq 0 $((nproc_par - 1))); do
	u=${users[$((i % 5))]}
	par_login "${u%%:*}" "${u##*:}" "$i" >"$W/par.$i.out" 2>&1 &
	pids+=($!)
done
fails=0
for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
tap_is "$fails" 0 "test_${nproc_par}_parallel_online_logins_succeed" ||
	tap_diag "$(cat "$W"/par.*.out | sort | uniq -c | sort -rn | head -5)"
pa_tokend_control '{"fault":"down"}' >/dev/null
bad=0
for u in "${users[@]}"; do
	pa_pam "${u%%:*}" "${u##*:}" authenticate
	[ "$PAM_RC" -eq 0 ] || bad=$((bad + 1))
done
tap_is "$bad" 0 test_every_record_valid_after_parallel_logins
ls "$CACHE" | grep -q '^\.tmp' && tap_ok 1 test_no_temp_files_left ||
	tap_ok 0 test_no_temp_files_left

pa_stop_tokend
pa_pam_expect test_offline_login_with_service_stopped ok alice 1234 authenticate
tap_done
