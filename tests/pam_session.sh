#!/bin/bash
# SPDX-License-Identifier: MIT
# Session phase through the real PAM stack: the token file in runtime_dir
# (owner, modes, POSAUTH_* environment) and revocation at logout, also
# when the service is unreachable at logout (queued, sent at the next
# online login).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/pam_lib.sh"
pa_pam_require
pa_require_python_modules jwt cryptography
NSSW=$(ls /usr/lib/*-linux-gnu/libnss_wrapper.so 2>/dev/null | head -1)
[ -n "$NSSW" ] || skip_all "libnss-wrapper not installed"

pa_tmpdir W
pa_make_ca "$W" tokend || exit 1
pa_start_tokend "$W" || exit 1
# Sessions here do not follow the token service (pam_follow.sh tests
# that): a refresh rebuilds the NSS index, which the test of a staff
# member missing from it takes away on purpose.
pa_pam_setup "$W" "session_refresh = 0"
RUN="$W/run"

# The token file belongs to the staff member as the NSS index knows them:
# read it back through our NSS module (nss_wrapper loads it).
SO="$top_builddir/.libs/libnss_posauth.so.2"
index_ids() {
	env LD_PRELOAD="$PA_SAN_PRELOAD$NSSW" NSS_WRAPPER_PASSWD=/etc/passwd \
		NSS_WRAPPER_GROUP=/etc/group NSS_WRAPPER_MODULE_SO_PATH="$SO" \
		NSS_WRAPPER_MODULE_FN_PREFIX=posauth POSAUTH_NSS_INDEX="$W/nss/nss.db" \
		getent passwd "$1" | cut -d: -f3,4
}

revoked() { pa_tokend_revoked | pa_json_get "${1:-families_revoked}"; }

# A session left open (pamtester exits without closing it) keeps its file.
pa_pam_expect test_session_opens_after_login ok alice 1234 authenticate open_session
tok="$RUN/alice/token"
[ -f "$tok" ]
tap_ok $? test_session_writes_token_file
ids=$(index_ids alice)
[ -n "$ids" ] || tap_diag "alice not in the index"
tap_is "$(stat -c '%u:%g %a' "$RUN/alice" 2>&1)" "0:0 711" test_token_dir_is_roots_0711
tap_is "$(stat -c '%u:%g %a' "$tok" 2>&1)" "$ids 600" test_token_file_is_the_users_0600
tap_is "$(stat -c '%u %a' "$RUN" 2>&1)" "0 755" test_runtime_dir_is_roots
payload=$(cut -d. -f2 "$tok" | tr '_-' '/+' | base64 -d 2>/dev/null)
grep -q '"preferred_username": *"alice"' <<<"$payload"
tap_ok $? test_token_file_holds_alices_access_token || tap_diag "$payload"

# pamtester does not print the PAM environment; tests/pam_client does.
env_out=$(printf '2345\n' | pa_wrapped "$top_builddir/tests/pam_client" posauth bob auth open env 2>/dev/null)
grep -qx "POSAUTH_ROLES=manager" <<<"$env_out" &&
	grep -qx "POSAUTH_TENANT=acme" <<<"$env_out" &&
	grep -qx "POSAUTH_STORE=store-042" <<<"$env_out" &&
	grep -qx "POSAUTH_TOKEN_FILE=$RUN/bob/token" <<<"$env_out"
tap_ok $? test_session_environment_names_roles_and_token || tap_diag "$env_out"

# Logout revokes this session's refresh token at the service.
before=$(revoked)
pa_tokend_stats reset >/dev/null
pa_pam_expect test_login_and_logout ok alice 1234 authenticate open_session close_session
stats=$(pa_tokend_stats)
tap_is "$(pa_json_get token.password <<<"$stats"):$(pa_json_get revoke <<<"$stats"):$(pa_json_get discovery <<<"$stats")" \
	"1:1:0" test_login_and_logout_cost_one_token_and_one_revocation_request
[ ! -e "$RUN/alice/token" ]
tap_ok $? test_logout_removes_token_file
after=$(revoked)
# Exactly this session's family: the earlier session, still open, keeps
# its refresh token (it revokes it itself at its own logout).
tap_is "$((after - before))" 1 test_logout_revokes_this_sessions_refresh_token

# Logout while the service is unreachable: queued, sent later. One PAM
# handle opens the session online, the service goes down, then it closes.
before=$(revoked)
rm -f "$W/go"
printf '1234\n' | pa_wrapped "$top_builddir/tests/pam_client" posauth alice auth open "wait:$W/go" close \
	>"$W/outage.out" 2>&1 &
client=$!
for _ in $(seq 100); do [ -f "$RUN/alice/token" ] && break; sleep 0.1; done
pa_tokend_control '{"fault":"down"}' >/dev/null
touch "$W/go"
wait "$client"
tap_ok $? test_logout_during_outage_succeeds || tap_diag "$(cat "$W/outage.out")"
grep -q '"pending_revocations":\["' "$PA_PAM_DIR/cache/alice.rec"
tap_ok $? test_offline_logout_queues_revocation
pa_tokend_control '{"fault":"none"}' >/dev/null
pa_pam_expect test_next_online_login ok alice 1234 authenticate
after=$(revoked)
[ "$after" -gt "$before" ] && ! grep -q '"pending_revocations":\["' "$PA_PAM_DIR/cache/alice.rec"
tap_ok $? test_queued_revocation_sent_at_next_online_login || tap_diag "before=$before after=$after"

# Security review hole 6: a close_session in a handle that did not open
# the session (cron, su -c, runuser through common-session) touches
# nothing: not the running session's refresh token, not its token file.
pa_pam_expect test_running_session_opened ok alice 1234 authenticate open_session
before=$(revoked)
sum=$(sha256sum "$RUN/alice/token")
# The module ignores it; a stack where every module ignores is "denied".
pa_pam_expect test_close_without_open_is_ignored "$E_PERM" alice 1234 close_session
tap_is "$(revoked)" "$before" test_close_without_open_revokes_nothing
tap_is "$(sha256sum "$RUN/alice/token" 2>&1)" "$sum" test_close_without_open_keeps_token_file
# A second session of the same user: the first one's logout leaves the
# second one's token file alone.
rm -f "$W/go2"
printf '1234\n' | pa_wrapped "$top_builddir/tests/pam_client" posauth alice auth open "wait:$W/go2" close \
	>"$W/first.out" 2>&1 &
client=$!
for _ in $(seq 100); do grep -q . "$RUN/alice/token" 2>/dev/null && [ "$(sha256sum "$RUN/alice/token")" != "$sum" ] && break; sleep 0.1; done
first=$(sha256sum "$RUN/alice/token")
pa_pam_expect test_second_session_opened ok alice 1234 authenticate open_session
second=$(sha256sum "$RUN/alice/token")
touch "$W/go2"
wait "$client"
[ "$first" != "$second" ] && [ "$(sha256sum "$RUN/alice/token" 2>&1)" = "$second" ]
tap_ok $? test_first_logout_keeps_second_sessions_token_file

# A staff member the NSS index does not hold (it was lost between login
# and session) gets no session: no file owned by a uid nobody resolves.
rm -f "$W/go3"
printf '3456\n' | pa_wrapped "$top_builddir/tests/pam_client" posauth carol auth \
	"wait:$W/go3" open >"$W/carol.out" 2>&1 &
client=$!
for _ in $(seq 100); do
	grep -q 'user "carol": online login accepted' "$POSAUTHD_LOG" && break
	sleep 0.1
done
mv "$W/nss/nss.db" "$W/nss.db.saved"
touch "$W/go3"
wait "$client"
tap_ok $((! $?)) test_session_of_staff_missing_from_index_fails || tap_diag "$(cat "$W/carol.out")"
grep -q "Cannot make/remove an entry for the specified session" "$W/carol.out"
tap_ok $? test_missing_from_index_is_a_session_error || tap_diag "$(cat "$W/carol.out")"
[ ! -e "$RUN/carol" ]
tap_ok $? test_no_token_file_for_staff_missing_from_index
mv "$W/nss.db.saved" "$W/nss/nss.db"

# A planted symlink in runtime_dir is not followed.
mkdir -p "$W/elsewhere"
rm -rf "$RUN/bob"
ln -s "$W/elsewhere" "$RUN/bob"
pa_pam_expect test_symlinked_user_dir_fails_session \
	"Cannot make/remove an entry for the specified session" bob 2345 authenticate open_session
[ -L "$RUN/bob" ] && [ ! -e "$W/elsewhere/token" ] && [ -z "$(ls -A "$W/elsewhere")" ]
tap_ok $? test_symlinked_user_dir_not_followed
rm -f "$RUN/bob"

tap_done
