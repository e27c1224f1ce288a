#!/bin/bash
# SPDX-License-Identifier: MIT
# Sessions follow the token service (issue 12 §3): a session opened
# through the real PAM stack is refreshed every session_refresh seconds;
# a role change at the service reaches its groups (glibc, NSS index), a
# demotion below the gate it was opened through or a disabled account
# runs on_session_revoked and session_revoked_hook; an unreachable
# service changes nothing; logout revokes the latest refresh token.
# Sessions are held open by tests/pam_client through the system PAM, as
# root (pam_wrapper serialises its processes: no session could wait).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/pam_lib.sh"
[ -e "$PA_MODULE" ] || skip_all "module not built: $PA_MODULE"
[ "$(id -u)" -eq 0 ] && [ -d /etc/pam.d ] ||
	skip_all "needs root: sessions are held open through the system PAM"
unshare -m true 2>/dev/null || skip_all "needs mount namespaces to resolve through glibc"
pa_require_python_modules jwt cryptography
SO="$top_builddir/.libs/libnss_posauth.so.2"
[ -e "$SO" ] || skip_all "NSS module not built"

pa_tmpdir W
pa_make_ca "$W" tokend || exit 1
pa_start_tokend "$W" || exit 1
# Owned by root, writable by nobody else: the service runs nothing else.
HOOK="$W/hook.sh"
HOOKLOG="$W/hook.log"
printf '#!/bin/sh\necho "$@" >>%s\n' "$HOOKLOG" >"$HOOK"
chmod 0755 "$HOOK"
: >"$HOOKLOG"
FOLLOW_CONF=("session_refresh = 2" "session_revoked_hook = $HOOK")
ROLES=("[roles]" "cashier = pos-cashier" "manager = pos-manager, pos-cashier")
pa_pam_setup "$W" "${FOLLOW_CONF[@]}" "${ROLES[@]}"
RUN="$W/run"
CACHE="$W/cache"

# Two system PAM services: one without a gate, one that admits managers.
svc="posauth-follow-$$"
gated="posauth-follow-gated-$$"
pa_pam_service gated allow_roles=manager
cp "$PA_PAM_DIR/pam.d/posauth" "/etc/pam.d/$svc"
cp "$PA_PAM_DIR/pam.d/gated" "/etc/pam.d/$gated"
pa_on_exit "rm -f /etc/pam.d/$svc /etc/pam.d/$gated"

# open_session SERVICE USER PIN LOGIND_ID: a session held open until
# $W/go.USER exists, then closed (pam_client's status in $W/USER.rc).
open_session() {
	local service=$1 user=$2 pin=$3 lid=$4
	rm -f "$W/go.$user" "$W/$user.rc"
	( printf '%s\n' "$pin" | "$top_builddir/tests/pam_client" "$service" "$user" \
		auth acct ${lid:+putenv:XDG_SESSION_ID=$lid} open "wait:$W/go.$user" close \
		>"$W/$user.out" 2>&1
	  echo $? >"$W/$user.rc" ) &
	pa_on_exit "touch '$W/go.$user'"
}
# close_session USER: lets its client close, waits for it.
close_session() {
	touch "$W/go.$1"
	for _ in $(seq 100); do [ -s "$W/$1.rc" ] && break; sleep 0.1; done
	[ "$(cat "$W/$1.rc" 2>/dev/null)" = 0 ]
}

# wait_until SECONDS CMD...: polls CMD every 0.1 s; WAITED_MS is how
# long it took (or the whole wait).
wait_until() {
	local limit=$(($1 * 10)) i start
	shift
	start=$(date +%s%N)
	for ((i = 0; i < limit; i++)); do
		if "$@"; then
			WAITED_MS=$((($(date +%s%N) - start) / 1000000))
			return 0
		fi
		sleep 0.1
	done
	WAITED_MS=$((($(date +%s%N) - start) / 1000000))
	return 1
}

# glibc itself, with "posauth" in a private nsswitch.conf.
printf 'passwd: files posauth\ngroup: files posauth\n' >"$W/nsswitch.conf"
# A sanitizer build's NSS module needs its runtime preloaded into id(1).
NSS_SAN=$(ldd "$top_builddir/.libs/libnss_posauth.so.2" 2>/dev/null |
	awk '/lib(asan|ubsan)\.so/ { print $3 }' | tr '\n' ' ')
groups_of() {
	unshare -m sh -c 'mount --bind "$1" /etc/nsswitch.conf || exit 99
		shift; exec "$@"' sh "$W/nsswitch.conf" \
		env LD_LIBRARY_PATH="$top_builddir/.libs" LD_PRELOAD="$NSS_SAN" \
		ASAN_OPTIONS=detect_leaks=0 POSAUTH_NSS_INDEX="$W/nss/nss.db" \
		id -Gn "$1" 2>/dev/null | tr ' ' '\n' | sort | tr '\n' ' '
}
has_group() { grep -qw -- "$2" <<<"$(groups_of "$1")"; }
lacks_group() { groups_of "$1" | grep -q . && ! has_group "$1" "$2"; }

# pin_login SERVICE USER PIN: one authentication through the system PAM;
# PAM_OUT and PAM_RC.
pin_login() {
	PAM_OUT=$(printf '%s\n' "$3" | "$top_builddir/tests/pam_client" "$1" "$2" auth 2>&1)
	PAM_RC=$?
}
file_changed() { [ "$(file_sum "$1")" != "$2" ]; }
log_has() { log_since "$1" | grep -q -- "$2"; }
rec_rt_changed() { [ "$(cached_rt "$1")" != "$2" ]; }
cached_rt() { grep -o '"refresh_token":"[^"]*"' "$CACHE/$1.rec" 2>/dev/null; }
file_sum() { sha256sum "$RUN/$1/token" 2>/dev/null | cut -d' ' -f1; }
log_since() { pa_daemon_log_since "$1"; }
refreshes_of() { log_since "$2" | grep -c "user \"$1\": token refresh accepted"; }
revoked() { pa_tokend_revoked | pa_json_get "${1:-families_revoked}"; }

# --- (a) a session is refreshed, its token file rewritten, its token rotated ---
open_session "$svc" alice 1234 pa-test-a
wait_until 10 test -s "$RUN/alice/token"
tap_ok $? test_session_opened_with_token_file || tap_diag "$(cat "$W/alice.out")"
sum0=$(file_sum alice)
rt0=$(cached_rt alice)
pa_tokend_stats reset >/dev/null
wait_until 10 file_changed alice "$sum0"
tap_ok $? test_refresh_rewrites_token_file
tap_diag "first refresh rewrote the token file after ${WAITED_MS} ms (session_refresh = 2)"
tap_is "$(stat -c %a "$RUN/alice/token" 2>&1)" 600 test_rewritten_token_file_is_0600
payload=$(cut -d. -f2 "$RUN/alice/token" | tr '_-' '/+' | base64 -d 2>/dev/null)
grep -q '"preferred_username": *"alice"' <<<"$payload"
tap_ok $? test_rewritten_file_holds_alices_token
[ -n "$rt0" ] && wait_until 10 rec_rt_changed alice "$rt0"
tap_ok $? test_refresh_rotates_the_refresh_token
mark=$(pa_daemon_log_size)
sleep 5
n=$(refreshes_of alice "$mark")
grants=$(pa_tokend_stats | pa_json_get token.refresh_token)
# 5 s at 2 s +-10 %: two or three refreshes, each one refresh grant.
[ "$n" -ge 2 ] && [ "$n" -le 3 ] && [ "$grants" -ge "$n" ]
tap_ok $? test_refreshed_every_session_refresh_seconds || tap_diag "refreshes=$n grants=$grants"
tap_is "$(revoked reuse_detected)" 0 test_no_spent_refresh_token_presented_again

# --- (b) a role change reaches the groups; no action while the gate passes -------
has_group alice pos-cashier && lacks_group alice pos-manager
tap_ok $? test_cashier_has_cashier_groups || tap_diag "$(groups_of alice)"
pa_tokend_user '{"username":"alice","roles":["cashier","manager"]}' >/dev/null
wait_until 10 has_group alice pos-manager
tap_ok $? test_promotion_reaches_groups_through_glibc || tap_diag "$(groups_of alice)"
tap_diag "promotion seen by id -Gn after ${WAITED_MS} ms"
pa_tokend_user '{"username":"alice","roles":["cashier"]}' >/dev/null
wait_until 10 lacks_group alice pos-manager
tap_ok $? test_demotion_reaches_groups_through_glibc || tap_diag "$(groups_of alice)"
tap_diag "demotion seen by id -Gn after ${WAITED_MS} ms"
! grep -q '^alice ' "$HOOKLOG"
tap_ok $? test_no_action_while_the_gate_still_passes || tap_diag "$(cat "$HOOKLOG")"

# --- (c) a demotion below the gate the session was opened through -----------------
open_session "$gated" bob 2345 pa-test-b
wait_until 10 test -s "$RUN/bob/token"
tap_ok $? test_manager_session_opened_through_gated_service || tap_diag "$(cat "$W/bob.out")"
mark=$(pa_daemon_log_size)
pa_tokend_user '{"username":"bob","roles":["cashier"]}' >/dev/null
wait_until 10 grep -q '^bob ' "$HOOKLOG"
tap_is "$(grep '^bob ' "$HOOKLOG")" "bob pa-test-b roles" test_demotion_below_gate_runs_hook_with_reason_roles
tap_diag "demotion below the gate reached the hook after ${WAITED_MS} ms"
log_since "$mark" | grep -q "running /.*/loginctl lock-session pa-test-b"
tap_ok $? test_default_action_locks_the_logind_session || tap_diag "$(log_since "$mark" | grep bob)"
sleep 3
tap_is "$(grep -c '^bob ' "$HOOKLOG")" 1 test_shrunk_roles_acted_on_once
close_session bob
tap_ok $? test_demoted_session_still_closes

# --- (d) a disabled account ends the session's grant -----------------------------
open_session "$svc" erin 5678 ""
wait_until 10 test -s "$RUN/erin/token"
tap_ok $? test_session_without_logind_id_opened || tap_diag "$(cat "$W/erin.out")"
wait_until 15 grep -q '"verifier"' "$CACHE/erin.rec"
tap_ok $? test_verifier_cached_before_disable
# Offline grace works for erin now (so the check below can fail).
pa_tokend_control '{"fault":"down","fault_endpoints":["token"]}' >/dev/null
pin_login "$svc" erin 5678
tap_is "$PAM_RC" 0 test_offline_login_works_before_disable || tap_diag "$PAM_OUT"
pa_tokend_control '{"fault":"none","fault_endpoints":null}' >/dev/null
mark=$(pa_daemon_log_size)
pa_tokend_user '{"username":"erin","disabled":true}' >/dev/null
wait_until 10 grep -q '^erin ' "$HOOKLOG"
tap_is "$(grep '^erin ' "$HOOKLOG")" "erin - revoked" test_disable_runs_hook_with_reason_revoked
tap_diag "disable reached the hook after ${WAITED_MS} ms"
! grep -q '"verifier"' "$CACHE/erin.rec"
tap_ok $? test_disable_wipes_the_offline_verifier
log_since "$mark" | grep -q 'user "erin": session could not be locked: no logind session'
tap_ok $? test_no_logind_id_is_a_warning || tap_diag "$(log_since "$mark" | grep erin)"
[ ! -e "$RUN/erin/token" ]
tap_ok $? test_revoked_session_token_file_removed
mark=$(pa_daemon_log_size)
sleep 5
tap_is "$(log_since "$mark" | grep -c 'user "erin": token refresh')" 0 test_revoked_session_refresh_stops
pa_tokend_control '{"fault":"down","fault_endpoints":["token"]}' >/dev/null
pin_login "$svc" erin 5678
[ "$PAM_RC" -ne 0 ] && grep -qF "$E_UNAVAIL" <<<"$PAM_OUT"
tap_ok $? test_no_offline_login_after_disable || tap_diag "$PAM_OUT"
pa_tokend_control '{"fault":"none","fault_endpoints":null}' >/dev/null
pa_tokend_user '{"username":"erin","disabled":false}' >/dev/null
close_session erin
tap_ok $? test_revoked_session_still_closes

# --- (e) an unreachable service changes nothing -----------------------------------
hooks=$(wc -l <"$HOOKLOG")
pa_tokend_control '{"fault":"down"}' >/dev/null
mark=$(pa_daemon_log_size)
wait_until 10 log_has "$mark" 'user "alice": session refresh failed'
tap_ok $? test_unreachable_refresh_is_retried || tap_diag "$(log_since "$mark" | tail -5)"
sleep 4
sum_down=$(file_sum alice)
[ "$(wc -l <"$HOOKLOG")" = "$hooks" ] && [ -n "$sum_down" ] && has_group alice pos-cashier
tap_ok $? test_outage_keeps_session_token_file_and_groups
mark=$(pa_daemon_log_size)
pa_tokend_control '{"fault":"none"}' >/dev/null
wait_until 15 file_changed alice "$sum_down"
tap_ok $? test_refreshes_again_when_the_service_is_back
tap_diag "first refresh after the outage ended: ${WAITED_MS} ms"
[ "$(refreshes_of alice "$mark")" -ge 1 ] && [ "$(revoked reuse_detected)" = 0 ]
tap_ok $? test_outage_spends_no_refresh_token_twice

# --- (e2) a refusal that is about the terminal, not the person ------------------------
# A mistyped client secret makes every refresh answer invalid_client: that
# must not lock every open session, only say loudly what to fix.
hooks=$(wc -l <"$HOOKLOG")
cp -p "$CLIENT_SECRET_FILE" "$W/secret.good"
(umask 077 && echo "not-the-secret" >"$CLIENT_SECRET_FILE")
mark=$(pa_daemon_log_size)
wait_until 10 log_has "$mark" 'user "alice": session refresh failed (invalid_client), the session is kept'
tap_ok $? test_invalid_client_is_not_a_revocation || tap_diag "$(log_since "$mark" | tail -5)"
[ "$(wc -l <"$HOOKLOG")" = "$hooks" ] && [ -s "$RUN/alice/token" ] && has_group alice pos-cashier
tap_ok $? test_invalid_client_keeps_session_and_groups
cp -p "$W/secret.good" "$CLIENT_SECRET_FILE"
sum_bad=$(file_sum alice)
wait_until 15 file_changed alice "$sum_bad"
tap_ok $? test_refreshes_again_with_the_right_secret

# --- (f) logout after refreshes ----------------------------------------------------
before=$(revoked)
rt_now=$(cached_rt alice)
[ -n "$rt_now" ] && [ "$rt_now" != "$rt0" ]
tap_ok $? test_cache_holds_a_rotated_refresh_token
close_session alice
tap_ok $? test_session_closes_after_refreshes || tap_diag "$(cat "$W/alice.out")"
[ ! -e "$RUN/alice/token" ]
tap_ok $? test_close_removes_the_rewritten_token_file
tap_is "$(($(revoked) - before))" 1 test_close_revokes_the_sessions_grant
# revoke.c drops the record's refresh token only when it is the one
# revoked: the latest, rotated one.
[ -z "$(cached_rt alice)" ]
tap_ok $? test_close_revokes_the_latest_refresh_token || tap_diag "$(cached_rt alice)"

# --- (g) on_session_revoked = none ------------------------------------------------
pa_pam_conf "$PA_PAM_CONF" "${FOLLOW_CONF[@]}" "on_session_revoked = none" "${ROLES[@]}"
open_session "$svc" carol 3456 pa-test-c
wait_until 10 test -s "$RUN/carol/token"
tap_ok $? test_session_opened_under_action_none || tap_diag "$(cat "$W/carol.out")"
mark=$(pa_daemon_log_size)
pa_tokend_user '{"username":"carol","disabled":true}' >/dev/null
wait_until 10 grep -q '^carol ' "$HOOKLOG"
tap_is "$(grep '^carol ' "$HOOKLOG")" "carol pa-test-c revoked" test_action_none_still_runs_hook
log=$(log_since "$mark")
grep -q 'user "carol": session left alone (on_session_revoked = none)' <<<"$log" &&
	! grep -q "loginctl" <<<"$log"
tap_ok $? test_action_none_calls_no_loginctl || tap_diag "$(grep carol <<<"$log")"
pa_tokend_user '{"username":"carol","disabled":false}' >/dev/null
close_session carol

# A hook anyone may change is not run as root.
chmod 0777 "$HOOK"
pa_tokend_user '{"username":"bob","roles":["manager"]}' >/dev/null
open_session "$gated" bob 2345 pa-test-b2
wait_until 10 test -s "$RUN/bob/token"
mark=$(pa_daemon_log_size)
pa_tokend_user '{"username":"bob","roles":["cashier"]}' >/dev/null
wait_until 10 log_has "$mark" 'session_revoked_hook .* not run'
tap_ok $? test_group_writable_hook_refused || tap_diag "$(log_since "$mark" | grep -i hook)"
tap_is "$(grep -c '^bob ' "$HOOKLOG")" 1 test_refused_hook_did_not_run
close_session bob
chmod 0755 "$HOOK"

tap_done
