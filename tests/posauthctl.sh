#!/bin/bash
# SPDX-License-Identifier: MIT
# posauthctl against posauthd, a device cache filled by logins through the
# real PAM module (pamtester + pam_wrapper) and a real HTTPS token service
# (tokend). The commands that read the cache or secrets are answered by
# posauthd (pa_pam_setup starts it); check-config and test-login run in
# posauthctl itself.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/pam_lib.sh"
pa_pam_require
pa_require_python_modules jwt cryptography

CTL="$top_builddir/posauthctl"
[ -x "$CTL" ] || skip_all "posauthctl not built: $CTL"
[ -x "$PA_POSAUTHD" ] || skip_all "posauthd not built: $PA_POSAUTHD"
SO="$top_builddir/.libs/libnss_posauth.so.2"
[ -e "$SO" ] || skip_all "NSS module not built"
PA_NSS_WRAPPER=$(for d in /usr/lib/*-linux-gnu /usr/lib64 /usr/lib; do
	[ -e "$d/libnss_wrapper.so" ] && { echo "$d/libnss_wrapper.so"; break; }
done)
[ -n "$PA_NSS_WRAPPER" ] || skip_all "libnss-wrapper not installed"
[ "$(id -u)" = 0 ] || skip_all "needs root (the cache and token files are root's)"
command -v setpriv >/dev/null || skip_all "setpriv not installed"
# The audit lines name the sudo user: only where a test sets one.
unset SUDO_USER

pa_tmpdir W
pa_make_ca "$W" tokend || exit 1
pa_start_tokend "$W" || exit 1
# The index goes under $W: the default path is the system's.
IDX="$W/nss/nss.db"  # pa_pam_conf points nss_index here
PA_KDF_COST=10 pa_pam_setup "$W" "offline_max_failures = 2"
CONF=$PA_PAM_CONF
SOCK=$POSAUTHD_SOCKET
DLOG=$POSAUTHD_LOG

# uid:gid of a staff member as the NSS index has them (nss_wrapper loads
# our NSS module).
index_ids() {
	env LD_PRELOAD="$PA_SAN_PRELOAD$PA_NSS_WRAPPER" NSS_WRAPPER_PASSWD=/etc/passwd \
		NSS_WRAPPER_GROUP=/etc/group NSS_WRAPPER_MODULE_SO_PATH="$SO" \
		NSS_WRAPPER_MODULE_FN_PREFIX=posauth POSAUTH_NSS_INDEX="$IDX" \
		getent passwd "$1" | cut -d: -f3,4
}

# ctl_run ARGS...: posauthctl with the test config and posauthd's socket;
# sets OUT ERR RC.
ctl_run() {
	OUT=$(env ${PA_SAN_PRELOAD:+LD_PRELOAD="$PA_SAN_PRELOAD"} \
		"$CTL" -S "$SOCK" -c "$CONF" "$@" 2>"$W/ctl.err")
	RC=$?
	ERR=$(cat "$W/ctl.err")
	printf '%s\n%s\n' "$OUT" "$ERR" >>"$W/ctl.all"
}

# ctl_bare ARGS...: posauthctl with nothing preset (no -c, no -S).
ctl_bare() {
	OUT=$(env ${PA_SAN_PRELOAD:+LD_PRELOAD="$PA_SAN_PRELOAD"} \
		"$CTL" "$@" 2>"$W/ctl.err")
	RC=$?
	ERR=$(cat "$W/ctl.err")
	printf '%s\n%s\n' "$OUT" "$ERR" >>"$W/ctl.all"
}

# dlog_mark / dlog_new: posauthd's log lines since the mark.
dlog_mark() { DLOG_POS=$(pa_daemon_log_size); }
dlog_new() { pa_daemon_log_since "$DLOG_POS"; }

# ctl_in INPUT ARGS...: the same with INPUT on stdin (test-login's PIN);
# its output is also kept in $W/pin.all.
ctl_in() {
	local input=$1
	shift
	OUT=$(printf '%s' "$input" | "$CTL" -c "$CONF" "$@" 2>"$W/ctl.err")
	RC=$?
	ERR=$(cat "$W/ctl.err")
	printf '%s\n%s\n' "$OUT" "$ERR" | tee -a "$W/pin.all" >>"$W/ctl.all"
}

# ctl_as UID:GID ARGS...: posauthctl as another user, not root.
ctl_as() {
	local ids=$1
	shift
	OUT=$(setpriv --reuid="${ids%:*}" --regid="${ids#*:}" --clear-groups \
		env ${PA_SAN_PRELOAD:+LD_PRELOAD="$PA_SAN_PRELOAD"} \
		"$CTL" -S "$SOCK" -c "$CONF" "$@" 2>"$W/ctl.err")
	RC=$?
	ERR=$(cat "$W/ctl.err")
}

# ctl_as_user ARGS...: posauthctl as alice, by her uid in the NSS index.
ctl_as_user() {
	ctl_as "$ALICE_IDS" "$@"
}

diag_ctl() {
	tap_diag "rc=$RC" "stdout: $OUT" "stderr: $ERR"
}

# expect_rc NAME WANT: checks the last run's exit code.
expect_rc() {
	[ "$RC" -eq "$2" ]
	tap_ok $? "$1" || { tap_diag "want rc=$2"; diag_ctl; }
}

# json_check NAME PYTHON-EXPR: OUT must be JSON and EXPR (over d) true.
json_check() {
	"$PA_PYTHON3" -c '
import json, sys
d = json.loads(sys.argv[2])
sys.exit(0 if eval("(" + sys.argv[1] + ")") else 1)' "$2" "$OUT" 2>>"$W/json.err"
	tap_ok $? "$1" || diag_ctl
}

is_json() {
	/usr/bin/python3 -c 'import json,sys; json.load(sys.stdin)' <<<"$OUT"
}

# rec_field USER FIELD: a field of USER's record body (JSON after two
# header lines, see cache.h); empty when absent.
rec_field() {
	"$PA_PYTHON3" -c '
import json, sys
body = open(sys.argv[1]).read().split("\n", 2)[2]
v = json.loads(body).get(sys.argv[2])
print("" if v is None else v)' "$W/cache/$1.rec" "$2"
}

stat_of() {
	"$PA_PYTHON3" -c 'import json, sys; print(json.load(sys.stdin)["token"]["refresh_token"])'
}

# --- help and usage ----------------------------------------------------------
for cmd in status users show purge unlock check-config token test-login; do
	ctl_run "$cmd" --help
	[ "$RC" -eq 0 ] && grep -q "^Usage: posauthctl .*$cmd" <<<"$OUT" &&
		grep -q "^Exit status:" <<<"$OUT" && grep -q "6  not found" <<<"$OUT"
	tap_ok $? "test_help_of_${cmd//-/_}_documents_exit_codes" || diag_ctl
done
ctl_run --help
[ "$RC" -eq 0 ] && grep -q "check-config" <<<"$OUT" && grep -q "test-login" <<<"$OUT" &&
	grep -q "7  root required" <<<"$OUT" && grep -q "9  posauthd not reachable" <<<"$OUT" &&
	grep -q -- "-S, --socket PATH" <<<"$OUT"
tap_ok $? test_global_help_lists_commands_and_exit_codes || diag_ctl
for cmd in status users show purge unlock token; do
	ctl_run "$cmd" --help
	grep -q "^Answered by posauthd" <<<"$OUT"
	tap_ok $? "test_help_of_${cmd}_says_posauthd_answers" || diag_ctl
done
ctl_run check-config --help
! grep -q "posauthd, which owns" <<<"$OUT"
tap_ok $? test_help_of_check_config_runs_here || diag_ctl
ctl_run help unlock
[ "$RC" -eq 0 ] && grep -q "Usage: posauthctl .*unlock" <<<"$OUT"
tap_ok $? test_help_command_shows_subcommand_help || diag_ctl

ctl_run frobnicate
expect_rc test_unknown_command_is_usage_error 2
ctl_run users --bogus
expect_rc test_unknown_option_is_usage_error 2
ctl_run show
expect_rc test_show_without_user_is_usage_error 2
ctl_run purge
expect_rc test_purge_without_user_or_all_is_usage_error 2
ctl_run purge alice --all
expect_rc test_purge_user_and_all_is_usage_error 2
ctl_run show 'a/../b'
expect_rc test_invalid_user_name_is_usage_error 2
ctl_run status extra
expect_rc test_status_with_operand_is_usage_error 2
ctl_run test-login alice 1234
expect_rc test_pin_never_taken_from_argv 2

# --- check-config ----------------------------------------------------------------
ctl_run check-config
[ "$RC" -eq 0 ] && grep -q ": ok$" <<<"$OUT"
tap_ok $? test_check_config_clean_file_exits_0 || diag_ctl
{
	echo "issuer = $TOKEND_URL"
	echo "client_id = $CLIENT_ID"
	echo "client_secret_file = $CLIENT_SECRET_FILE"
	echo "colour = blue"
	echo "timeout = soon"
} >"$W/bad.conf"
ctl_run check-config "$W/bad.conf"
[ "$RC" -eq 3 ] && grep -q "^$W/bad.conf:4: colour: " <<<"$OUT" &&
	grep -q "^$W/bad.conf:5: timeout: " <<<"$OUT"
tap_ok $? test_check_config_reports_both_problems_with_lines || diag_ctl
ctl_run check-config --json "$W/bad.conf"
[ "$RC" -eq 3 ] && is_json
tap_ok $? test_check_config_json_is_json || diag_ctl
json_check test_check_config_json_lists_lines_and_keys \
	'd["ok"] is False and d["count"] == 2 and [(p["line"], p["key"]) for p in d["problems"]] == [(4, "colour"), (5, "timeout")]'
ctl_run check-config --json
json_check test_check_config_json_clean 'd["ok"] is True and d["problems"] == []'
ctl_run check-config "$W/missing.conf"
expect_rc test_check_config_missing_file_exits_3 3
# posauthd serves its own configuration only.
ctl_run -c "$W/bad.conf" users
[ "$RC" -eq 3 ] && grep -q "posauthd uses $CONF; -c $W/bad.conf cannot be served" <<<"$ERR"
tap_ok $? test_other_config_is_refused_by_posauthd || diag_ctl
ctl_run users -c "$W/bad.conf"
expect_rc test_other_config_after_the_command_is_refused 3
ln -s "$CONF" "$W/link.conf"
pushd "$W" >/dev/null || exit 1
ctl_bare -S "$SOCK" -c link.conf users
popd >/dev/null || exit 1
expect_rc test_relative_link_to_the_same_config_is_served 0
ctl_bare -S "$SOCK" users --json
[ "$RC" -eq 0 ] && is_json
tap_ok $? test_without_c_posauthds_config_is_used || diag_ctl

# --- posauthd not running -----------------------------------------------------------
t0=$(date +%s%N)
ctl_bare -S "$W/none.sock" users
t1=$(date +%s%N)
[ "$RC" -eq 9 ] && grep -q "posauthd not running" <<<"$ERR" && grep -qF "$W/none.sock" <<<"$ERR"
tap_ok $? test_posauthd_not_running_exits_9 || diag_ctl
[ $(((t1 - t0) / 1000000)) -lt 1000 ]
tap_ok $? test_posauthd_not_running_is_said_at_once || tap_diag "$(((t1 - t0) / 1000000)) ms"
ctl_bare -S "$W/none.sock" token alice
expect_rc test_token_without_posauthd_exits_9 9
ctl_bare -S "$W/none.sock" users --help
[ "$RC" -eq 0 ] && grep -q "^Usage: posauthctl" <<<"$OUT"
tap_ok $? test_help_needs_no_posauthd || diag_ctl
ctl_bare -S "$W/none.sock" show
expect_rc test_usage_error_needs_no_posauthd 2
ctl_bare -S "$W/none.sock" -c "$CONF" check-config
expect_rc test_check_config_needs_no_posauthd 0

# --- posauthd's configuration unusable ----------------------------------------------
# posauthd reads its file again when it changes.
cp "$CONF" "$W/good.conf"
echo "colour = blue" >>"$CONF"
ctl_run users
[ "$RC" -eq 3 ] && grep -q "posauthd's configuration $CONF is unusable" <<<"$ERR"
tap_ok $? test_unusable_posauthd_config_exits_3 || diag_ctl
cat "$W/good.conf" >"$CONF"
ctl_run users
expect_rc test_fixed_config_is_served_again 0

# --- an empty terminal -----------------------------------------------------------
ctl_run users --json
[ "$RC" -eq 0 ] && is_json
tap_ok $? test_users_before_any_login_is_empty_not_an_error || diag_ctl
json_check test_users_json_empty_list 'd["users"] == []'

# --- logins fill the cache ----------------------------------------------------------
pa_pam_expect test_setup_alice_logs_in ok alice 1234 authenticate
pa_pam_expect test_setup_bob_logs_in ok bob 2345 authenticate
pa_pam_expect test_setup_carol_logs_in ok carol 3456 authenticate

# --- users / show ----------------------------------------------------------------------
ctl_run users
[ "$RC" -eq 0 ] && grep -q "^alice  *cashier  *20[0-9-]*T[0-9:]*Z " <<<"$OUT" &&
	grep -q "^bob  *manager" <<<"$OUT"
tap_ok $? test_users_lists_cached_users_with_roles || diag_ctl
ctl_run users --json
[ "$RC" -eq 0 ] && is_json
tap_ok $? test_users_json_is_json || diag_ctl
json_check test_users_json_fields '[u["user"] for u in d["users"]] == ["alice", "bob", "carol"] and
	d["users"][0]["roles"] == ["cashier"] and d["users"][0]["state"] == "ok" and
	d["users"][0]["locked"] is False and d["users"][0]["failures"] == 0 and
	40000 < d["users"][0]["offline_seconds_left"] <= 43200 and
	d["users"][0]["last_online"].endswith("Z")'

REFRESH=$(rec_field alice refresh_token)
ctl_run show alice
[ "$RC" -eq 0 ] && grep -q "^refresh token: *present" <<<"$OUT" &&
	grep -q "^roles: *cashier" <<<"$OUT" && grep -q "^access token: *20.*(in " <<<"$OUT" &&
	grep -q "^offline verifier: *present (scrypt, cost 10)" <<<"$OUT"
tap_ok $? test_show_describes_the_record || diag_ctl
ctl_run show --json alice
[ "$RC" -eq 0 ] && is_json
tap_ok $? test_show_json_is_json || diag_ctl
json_check test_show_json_fields 'd["user"] == "alice" and d["refresh_token"] is True and
	d["roles"] == ["cashier"] and d["tenant"] == "acme" and d["store"] == "store-042" and
	d["name"] == "Alice Example" and d["pending_revocations"] == 0 and
	d["verifier"] == {"alg": "scrypt", "cost": 10} and d["access_exp"].endswith("Z")'
[ -n "$REFRESH" ] && ! grep -qF "$REFRESH" <<<"$OUT" && ! grep -q '"hash"\|"salt"' <<<"$OUT"
tap_ok $? test_show_never_prints_tokens_or_verifier_bytes || diag_ctl
ctl_run show zed
expect_rc test_show_unknown_user_exits_6 6
ctl_run show --json zed
expect_rc test_show_json_unknown_user_exits_6 6

# --- status -------------------------------------------------------------------------------
ctl_run status
[ "$RC" -eq 0 ] && grep -q "discovery: ok" <<<"$OUT" && grep -q "signing keys: [1-9]" <<<"$OUT" &&
	grep -q "3 record(s)" <<<"$OUT" && grep -q "3 user(s) may log in offline now" <<<"$OUT"
tap_ok $? test_status_reports_service_cache_and_offline || diag_ctl
grep -q "cached signing keys: [1-9][0-9]*, age [0-9]* s" <<<"$OUT"
tap_ok $? test_status_shows_the_cached_key_set_logins_use || diag_ctl
grep -q "revocation: offered (https://" <<<"$OUT" && grep -q "refresh tokens: [0-9]* of 3 record(s) hold one" <<<"$OUT"
tap_ok $? test_status_shows_revocation_and_refresh_tokens || diag_ctl
ctl_run status --json
[ "$RC" -eq 0 ] && is_json
tap_ok $? test_status_json_is_json || diag_ctl
json_check test_status_json_fields 'd["config"]["ok"] and d["issuer"]["reachable"] is True and
	d["issuer"]["jwks"]["keys"] >= 1 and len(d["issuer"]["jwks"]["kids"]) == d["issuer"]["jwks"]["keys"] and
	d["cache"]["state"] == "ok" and d["cache"]["records"] == 3 and d["cache"]["bytes"] > 0 and
	d["cache"]["clock_ok"] is True and d["offline"]["users_ready"] == 3 and
	d["issuer"]["revocation_offered"] is True and d["cache"]["records_with_refresh_token"] >= 0'

# --- test-login -------------------------------------------------------------------------
cksum_before=$(cat "$W"/cache/*.rec | md5sum)
ctl_in $'1234\n' test-login alice
[ "$RC" -eq 0 ] && grep -q "^  roles: *cashier" <<<"$OUT" && grep -q "^  username: alice" <<<"$OUT" &&
	grep -q "^  token signature *ok" <<<"$OUT" && grep -q "^result: accepted" <<<"$OUT"
tap_ok $? test_test_login_prints_steps_and_roles || diag_ctl
grep -q "refresh token of this test: revoked" <<<"$OUT"
tap_ok $? test_test_login_revokes_its_refresh_token || diag_ctl
ctl_in $'1234\n' test-login --json alice
[ "$RC" -eq 0 ] && is_json
tap_ok $? test_test_login_json_is_json || diag_ctl
json_check test_test_login_json_claims 'd["accepted"] is True and d["claims"]["roles"] == ["cashier"] and
	d["claims"]["tenant"] == "acme" and d["claims"]["store"] == "store-042" and
	d["claims"]["username"] == "alice" and d["claims"]["exp"] > 0 and
	all(s["ok"] for s in d["steps"])'
ctl_in $'9999\n' test-login alice
[ "$RC" -eq 1 ] && grep -q "token request *FAILED" <<<"$OUT"
tap_ok $? test_test_login_wrong_pin_exits_1 || diag_ctl
ctl_in $'9999\n' test-login --json alice
json_check test_test_login_json_wrong_pin 'd["accepted"] is False and d["class"] == "rejected" and
	d["stage"] == "token request" and d["claims"] is None'
ctl_in '' test-login alice
expect_rc test_test_login_without_pin_exits_2 2
ctl_in $'1234\n' test-login root
expect_rc test_test_login_refuses_local_account 1
[ "$(cat "$W"/cache/*.rec | md5sum)" = "$cksum_before" ]
tap_ok $? test_test_login_leaves_the_cache_untouched
! grep -q "9999" "$W/pin.all"
tap_ok $? test_test_login_never_echoes_the_pin

# --- token (root) -----------------------------------------------------------------------------
ALICE_IDS=$(index_ids alice)
[ -n "$ALICE_IDS" ]
tap_ok $? test_setup_alice_in_the_nss_index
dlog_mark
ctl_run token alice
TOKEN=$OUT
[ "$RC" -eq 0 ] && [[ "$OUT" =~ ^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$ ]]
tap_ok $? test_token_as_root_prints_a_jwt || diag_ctl
[ "$(cat "$W/run/alice/token" 2>/dev/null)" = "$TOKEN" ] &&
	[ "$(stat -c %u:%g:%a "$W/run/alice/token")" = "$ALICE_IDS:600" ]
tap_ok $? test_token_rewrites_the_users_session_file || tap_diag "$(ls -ln "$W/run/alice")"
dlog_new | grep -q 'posauthctl token: cached access token of user "alice" handed out (by uid 0)'
tap_ok $? test_token_handout_is_audited_in_posauthds_log || tap_diag "$(dlog_new)"
! grep -qF "$TOKEN" "$DLOG"
tap_ok $? test_token_never_in_posauthds_log
ctl_run token --json alice
[ "$RC" -eq 0 ] && is_json
tap_ok $? test_token_json_is_json || diag_ctl
json_check test_token_json_fresh_token_not_renewed 'd["user"] == "alice" and d["renewed"] is False and
	d["access_token"].count(".") == 2 and d["expires_in"] > 60 and d["token_file"].endswith("/alice/token")'
dlog_mark
SUDO_USER=alice ctl_run token
[ "$RC" -eq 0 ] && [ "$OUT" = "$TOKEN" ]
tap_ok $? test_token_defaults_to_sudo_user || diag_ctl
dlog_new | grep -q 'handed out (by uid 0, sudo user "alice")'
tap_ok $? test_audit_line_names_the_sudo_user || tap_diag "$(dlog_new)"
ctl_run token
expect_rc test_token_as_root_without_user_is_usage_error 2
ctl_run token zed
expect_rc test_token_unknown_user_exits_6 6

# --- not root: posauthd decides by the caller's uid ---------------------------------------
# Others must reach posauthd's socket (it is 0666 in $W).
chmod 0755 "$W"
ctl_as_user token
[ "$RC" -eq 0 ] && [ "$OUT" = "$TOKEN" ]
tap_ok $? test_token_as_user_prints_own_session_token || diag_ctl
dlog_mark
ctl_as_user token bob
[ "$RC" -eq 7 ] && [ -z "$OUT" ] && grep -q "another user's token needs root" <<<"$ERR"
tap_ok $? test_token_as_user_for_another_user_needs_root || diag_ctl
dlog_new | grep -q "posauthctl token: refused for uid ${ALICE_IDS%:*}: another user's token"
tap_ok $? test_refused_token_is_logged_by_posauthd || tap_diag "$(dlog_new)"
dlog_mark
ctl_as_user users
[ "$RC" -eq 7 ] && [ -z "$OUT" ] && grep -q "must be run as root" <<<"$ERR"
tap_ok $? test_users_as_user_needs_root || diag_ctl
dlog_new | grep -q "posauthctl users: refused for uid ${ALICE_IDS%:*}: must be run as root"
tap_ok $? test_refused_users_is_logged_by_posauthd || tap_diag "$(dlog_new)"
for cmd in "status" "show alice" "unlock alice" "purge alice"; do
	# shellcheck disable=SC2086 # the command and its operand
	ctl_as_user $cmd
	expect_rc "test_${cmd%% *}_as_user_needs_root" 7
done
dlog_mark
ctl_as 65534:65534 purge --all
[ "$RC" -eq 7 ] && grep -q "must be run as root" <<<"$ERR"
tap_ok $? test_purge_as_nobody_needs_root || diag_ctl
dlog_new | grep -q "posauthctl purge: refused for uid 65534: must be run as root"
tap_ok $? test_refused_purge_is_logged_by_posauthd || tap_diag "$(dlog_new)"
ctl_run users --json
json_check test_refused_purge_removed_nothing '[u["user"] for u in d["users"]] == ["alice", "bob", "carol"]'
ctl_as 65534:65534 token
[ "$RC" -eq 6 ] && [ -z "$OUT" ]
tap_ok $? test_token_of_a_non_staff_user_exits_6 || diag_ctl
SUDO_USER=alice ctl_as 65534:65534 token
[ "$RC" -eq 6 ] && [ -z "$OUT" ]
tap_ok $? test_sudo_user_hint_gives_no_token_to_non_root || diag_ctl

# --- renewal through the refresh token --------------------------------------------------------
pa_tokend_control '{"expires_in": 1}' >/dev/null
pa_pam_expect test_setup_alice_logs_in_with_short_tokens ok alice 1234 authenticate
ctl_run token alice
sleep 2
OLD_REFRESH=$(rec_field alice refresh_token)
ctl_as_user token
[ "$RC" -eq 7 ] && [ -z "$OUT" ] && grep -q "renewing needs root" <<<"$ERR"
tap_ok $? test_expired_token_as_user_not_printed_exits_7 || diag_ctl
before=$(pa_tokend_stats | stat_of)
ctl_run token --json alice
[ "$RC" -eq 0 ] && is_json
tap_ok $? test_token_renews_an_expiring_token || diag_ctl
json_check test_token_json_says_renewed 'd["renewed"] is True'
after=$(pa_tokend_stats | stat_of)
tap_is "$after" "$((before + 1))" test_renewal_used_the_refresh_grant
NEW_REFRESH=$(rec_field alice refresh_token)
[ -n "$NEW_REFRESH" ] && [ "$NEW_REFRESH" != "$OLD_REFRESH" ]
tap_ok $? test_rotated_refresh_token_is_stored
[ "$(rec_field alice access_token)" = "$("$PA_PYTHON3" -c 'import json,sys; print(json.load(sys.stdin)["access_token"])' <<<"$OUT")" ] &&
	[ "$(cat "$W/run/alice/token")" = "$(rec_field alice access_token)" ]
tap_ok $? test_renewed_token_in_record_and_session_file

# Three renewals at once: the record lock serialises them, so no refresh
# token is used twice and the service sees no reuse.
sleep 2
for i in 1 2 3; do
	env ${PA_SAN_PRELOAD:+LD_PRELOAD="$PA_SAN_PRELOAD"} \
		"$CTL" -S "$SOCK" -c "$CONF" token alice >"$W/par.$i" 2>&1 &
	eval "pid$i=\$!"
done
par_ok=0
for i in 1 2 3; do
	eval "wait \$pid$i" || par_ok=1
done
[ "$par_ok" = 0 ] && [ "$(pa_tokend_revoked | pa_json_get reuse_detected)" = 0 ]
tap_ok $? test_concurrent_renewals_do_not_trip_reuse_detection ||
	tap_diag "$(cat "$W"/par.*)" "$(pa_tokend_revoked)"

# Reuse detection: someone replays a refresh token already rotated away;
# the service revokes the whole grant and the next renewal must fail.
OLD_REFRESH=$(rec_field alice refresh_token)
sleep 2
ctl_run token alice
reply=$(pa_tokend_post token --data grant_type=refresh_token \
	--data-urlencode "refresh_token=$OLD_REFRESH")
grep -q "invalid_grant" <<<"$reply"
tap_ok $? test_replayed_refresh_token_refused_by_service || tap_diag "$reply"
sleep 2
ctl_run token alice
[ "$RC" -eq 1 ] && [ -z "$OUT" ] && grep -q "must log in again" <<<"$ERR"
tap_ok $? test_refused_refresh_exits_1_with_clear_message || diag_ctl
[ -z "$(rec_field alice refresh_token)" ] && [ -z "$(rec_field alice access_token)" ]
tap_ok $? test_refused_refresh_clears_the_record_tokens
ctl_run token alice
[ "$RC" -eq 1 ] && grep -q "no cached refresh token" <<<"$ERR"
tap_ok $? test_token_without_refresh_token_exits_1 || diag_ctl
ctl_run show --json alice
json_check test_show_after_refusal_says_absent 'd["refresh_token"] is False and d["access_exp"] is None'
pa_tokend_control '{"expires_in": 300}' >/dev/null

# --- offline lock and unlock -----------------------------------------------------------------
pa_tokend_control '{"fault":"down"}' >/dev/null
pa_pam_expect test_setup_offline_wrong_pin_1 "$E_AUTH" bob 0000 authenticate
pa_pam_expect test_setup_offline_wrong_pin_2 "$E_AUTH" bob 0000 authenticate
ctl_run users --json
json_check test_users_shows_the_lock '[u for u in d["users"] if u["user"] == "bob"][0]["locked"] is True and
	[u for u in d["users"] if u["user"] == "bob"][0]["locked_until"].endswith("Z")'
ctl_run show bob
grep -q "^locked: *20.*(in 1[0-9]m" <<<"$OUT"
tap_ok $? test_show_says_until_when_locked || diag_ctl
ctl_run status --json
[ "$RC" -eq 5 ] && is_json
tap_ok $? test_status_service_down_exits_5 || diag_ctl
json_check test_status_json_service_down 'd["issuer"]["reachable"] is False and d["offline"]["users_ready"] == 2'
ctl_in $'1234\n' test-login carol
expect_rc test_test_login_unreachable_exits_5 5
pa_pam_expect test_locked_user_denied_offline "$E_AUTH" bob 2345 authenticate
ctl_run unlock --json bob
[ "$RC" -eq 0 ] && is_json
tap_ok $? test_unlock_exits_0 || diag_ctl
json_check test_unlock_json_reports_previous_lock 'd["user"] == "bob" and d["was_locked"] is True'
ctl_run users --json
json_check test_unlock_resets_lock_and_failures '[(u["locked"], u["failures"]) for u in d["users"] if u["user"] == "bob"] == [(False, 0)]'
pa_pam_expect test_unlocked_user_logs_in_offline ok bob 2345 authenticate
ctl_run unlock bob
expect_rc test_unlock_unlocked_user_is_fine 0
ctl_run unlock zed
expect_rc test_unlock_unknown_user_exits_6 6
pa_tokend_control '{"fault":"none"}' >/dev/null

# --- a corrupt record --------------------------------------------------------------------------
cp "$W/cache/carol.rec" "$W/carol.rec.bak"
sed -i '3s/"carol"/"karol"/' "$W/cache/carol.rec"
ctl_run users --json
json_check test_corrupt_record_listed_as_corrupt '[u["state"] for u in d["users"] if u["user"] == "carol"] == ["corrupt"]'
ctl_run users
grep -q "^carol  *corrupt" <<<"$OUT"
tap_ok $? test_corrupt_record_listed_in_table || diag_ctl
ctl_run show carol
expect_rc test_show_corrupt_record_exits_4 4
ctl_run unlock carol
expect_rc test_unlock_corrupt_record_exits_4 4
cp "$W/carol.rec.bak" "$W/cache/carol.rec"

# --- purge ------------------------------------------------------------------------------------
grep -qa "carol" "$IDX"
tap_ok $? test_setup_carol_in_the_nss_index
dlog_mark
ctl_run purge carol
[ "$RC" -eq 0 ] && grep -q 'purged the cached record of user "carol"' <<<"$ERR"
tap_ok $? test_purge_user_exits_0 || diag_ctl
dlog_new | grep -q 'posauthctl purge: purged the cached record of user "carol" (by uid 0)'
tap_ok $? test_purge_is_audited_in_posauthds_log || tap_diag "$(dlog_new)"
ctl_run users --json
json_check test_purge_removes_the_record '"carol" not in [u["user"] for u in d["users"]]'
! grep -qa "carol" "$IDX" && grep -qa "alice" "$IDX"
tap_ok $? test_purge_rewrites_the_nss_index
ctl_run show carol
expect_rc test_purged_user_not_found 6
ctl_run purge carol
expect_rc test_purge_unknown_user_exits_6 6
ctl_run purge --all --json
[ "$RC" -eq 0 ] && is_json
tap_ok $? test_purge_all_exits_0 || diag_ctl
json_check test_purge_all_json_lists_users 'sorted(d["purged"]) == ["alice", "bob"] and d["failed"] == []'
ctl_run users --json
json_check test_purge_all_leaves_no_user 'd["users"] == []'
[ -f "$W/cache/clock" ] && [ -f "$W/cache/device.key" ]
tap_ok $? test_purge_all_keeps_clock_mark_and_device_key
ctl_run purge --all
expect_rc test_purge_all_on_empty_cache_exits_0 0

# --- nothing secret in any output ------------------------------------------------------------
! grep -qF "$CLIENT_SECRET" "$W/ctl.all" && ! grep -qF "$REFRESH" "$W/ctl.all" &&
	! grep -qF "$NEW_REFRESH" "$W/ctl.all"
tap_ok $? test_no_client_secret_or_refresh_token_in_output
! grep -qF "$CLIENT_SECRET" "$DLOG" && ! grep -qF "$REFRESH" "$DLOG" &&
	! grep -qF "$NEW_REFRESH" "$DLOG"
tap_ok $? test_no_client_secret_or_refresh_token_in_posauthds_log

tap_done
