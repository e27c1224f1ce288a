#!/bin/bash
# SPDX-License-Identifier: MIT
# Outages remembered (issue 12 §1): once a login finds the token service
# unreachable, posauthd decides logins the device cache can decide
# without asking the network again, still tries the service for anyone
# the cache cannot let in, probes it in the background, and ends the
# outage, sending the revocations logouts queued, as soon as it answers:
# no login needed. Counted at tokend, not timed.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/pam_lib.sh"
pa_pam_require
pa_require_python_modules jwt cryptography
CTL="$top_builddir/posauthctl"
[ -x "$CTL" ] || skip_all "posauthctl not built: $CTL"
[ "$(id -u)" = 0 ] || skip_all "needs root (posauthctl status is root's)"

pa_tmpdir W
pa_make_ca "$W" tokend || exit 1
pa_start_tokend "$W" || exit 1
PA_TIMEOUT=2 PA_CONNECT_TIMEOUT=1 PA_PROBE_MIN=1 PA_PROBE_MAX=2 \
	pa_pam_setup "$W"
RUN="$PA_PAM_DIR/run"
password_grants() { pa_json_get token.password <<<"$(pa_tokend_stats)"; }
revoked() { pa_tokend_revoked | pa_json_get families_revoked; }
status() { "$CTL" -S "$PA_PAM_SOCKET" -c "$PA_PAM_CONF" status "$@" 2>&1; }
logged() { grep -c -- "$1" "$POSAUTHD_LOG"; }

pa_pam_expect test_online_login_before_outage ok alice 1234 authenticate
pa_pam_expect test_second_user_online ok bob 2345 authenticate
out=$(status)
grep -q "^logins:  online" <<<"$out"
tap_ok $? test_status_says_online || tap_diag "$out"

# --- the service completes TLS and never answers ------------------------------------
# A session opened online, closed while the service stalls: its refresh
# token is queued for revocation.
rm -f "$W/go"
printf '2345\n' | pa_wrapped "$top_builddir/tests/pam_client" posauth bob \
	auth open "wait:$W/go" close >"$W/session.out" 2>&1 &
client=$!
for _ in $(seq 100); do [ -f "$RUN/bob/token" ] && break; sleep 0.1; done
pa_tokend_control '{"fault":"slow","slow_seconds":60}' >/dev/null
touch "$W/go"
wait "$client"
tap_ok $? test_logout_during_outage_succeeds || tap_diag "$(cat "$W/session.out")"
grep -q '"pending_revocations":\["' "$PA_PAM_DIR/cache/bob.rec"
tap_ok $? test_logout_during_outage_queues_revocation
pa_pam_expect test_first_login_of_outage_waits_then_offline ok alice 1234 authenticate
tap_is "$(logged 'outage begins')" 1 test_outage_is_remembered

pa_tokend_stats reset >/dev/null
pa_pam_expect test_login_during_outage_is_offline ok alice 1234 authenticate
tap_is "$(password_grants)" 0 test_login_during_outage_asks_no_network
grep -q "known unreachable, deciding from the device cache" <<<"$PAM_OUT"
tap_ok $? test_login_during_outage_says_why
pa_pam_expect test_wrong_pin_during_outage_denied "$E_AUTH" alice 9999 authenticate
tap_is "$(password_grants)" 0 test_wrong_pin_during_outage_asks_no_network

# carol never logged in here: nothing to lose by asking the service.
pa_pam_expect test_uncached_user_during_outage_unavailable "$E_UNAVAIL" carol 3456 authenticate
tap_is "$(password_grants)" 1 test_uncached_user_during_outage_tried_online

out=$(status)
grep -q "^logins:  OFFLINE since .*next probe at" <<<"$out"
tap_ok $? test_status_shows_outage_and_next_probe || tap_diag "$out"
out=$(status --json)
"$PA_PYTHON3" -c '
import json, sys, time
d = json.loads(sys.argv[1])["logins"]
assert d["state"] == "offline", d
assert abs(d["since"] - time.time()) < 120, d
assert d["next_probe"] >= d["since"], d
' "$out"
tap_ok $? test_status_json_shows_outage || tap_diag "$out"

# Probes keep coming while it lasts (1 s, then at most 2 s apart).
probes=$(logged "outage probe [0-9]*: still unreachable")
sleep 5
[ "$(logged "outage probe [0-9]*: still unreachable")" -gt "$probes" ]
tap_ok $? test_probes_continue_during_outage

# --- the service comes back: no login needed --------------------------------------
before=$(revoked)
pa_curl --fail-with-body -X POST -H 'Content-Type: application/json' \
	--data '{"fault":"none"}' "$TOKEND_URL/_test/control" >/dev/null
for _ in $(seq 100); do
	[ "$(logged 'outage ends')" -ge 1 ] && break
	sleep 0.1
done
tap_is "$(logged 'outage ends')" 1 test_probe_ends_outage_without_a_login
for _ in $(seq 50); do
	grep -q '"pending_revocations":\["' "$PA_PAM_DIR/cache/bob.rec" || break
	sleep 0.1
done
after=$(revoked)
[ "$after" -gt "$before" ] && ! grep -q '"pending_revocations":\["' "$PA_PAM_DIR/cache/bob.rec"
tap_ok $? test_queued_revocations_sent_when_outage_ends || tap_diag "before=$before after=$after"
out=$(status)
grep -q "^logins:  online" <<<"$out"
tap_ok $? test_status_online_again || tap_diag "$out"
pa_tokend_stats reset >/dev/null
pa_pam_expect test_login_after_outage_is_online ok alice 1234 authenticate
tap_is "$(password_grants)" 1 test_login_after_outage_asks_service

# --- a "no" is never an outage --------------------------------------------------------
pa_pam_expect test_wrong_pin_online_denied "$E_AUTH" alice 9999 authenticate
pa_pam_expect test_right_pin_after_online_no ok alice 1234 authenticate
tap_is "$(logged 'outage begins')" 1 test_refusal_starts_no_outage

# A service that answers 503 is down for logins too: remembered.
pa_tokend_control '{"fault":"http503"}' >/dev/null
pa_pam_expect test_503_login_offline ok alice 1234 authenticate
tap_is "$(logged 'outage begins')" 2 test_503_starts_outage
pa_tokend_control '{"fault":"none"}' >/dev/null
tap_is "$(logged 'outage ends')" 2 test_503_outage_ends

# --- documents are kept young in the background ----------------------------------------
# A posauthd whose clock is 50 minutes ahead finds the cached discovery
# and keys past three quarters of their life and fetches them at once.
if [ -n "${PA_FAKETIME_LIB:=$(ls /usr/lib/*-linux-gnu/faketime/libfaketime.so.1 2>/dev/null | head -1)}" ]; then
	pa_stop_posauthd
	# Tokens must outlive the 50 minutes too.
	pa_tokend_control '{"expires_in":7200}' >/dev/null
	pa_tokend_stats reset >/dev/null
	PA_POSAUTHD_PRELOAD="$PA_FAKETIME_LIB" \
		PA_POSAUTHD_ENV="FAKETIME=+50m FAKETIME_DONT_FAKE_MONOTONIC=1" \
		pa_start_posauthd "$PA_PAM_CONF" "$PA_PAM_SOCKET" || exit 1
	for _ in $(seq 50); do
		[ "$(pa_json_get jwks <<<"$(pa_tokend_stats)")" -ge 1 ] && break
		sleep 0.1
	done
	stats=$(pa_tokend_stats)
	tap_is "$(pa_json_get discovery <<<"$stats"):$(pa_json_get jwks <<<"$stats")" \
		"1:1" test_aging_documents_refreshed_in_background
	pa_tokend_stats reset >/dev/null
	pa_pam_expect test_login_after_refresh ok alice 1234 authenticate
	stats=$(pa_tokend_stats)
	tap_is "$(pa_json_get discovery <<<"$stats"):$(pa_json_get jwks <<<"$stats")" \
		"0:0" test_login_after_refresh_fetches_no_documents
	# Back on the real clock the documents are from the future: suspect,
	# fetched again at once; after that a restart leaves them alone.
	pa_restart_posauthd || exit 1
	sleep 3
	pa_restart_posauthd || exit 1
	pa_tokend_stats reset >/dev/null
	sleep 3
	stats=$(pa_tokend_stats)
	tap_is "$(pa_json_get discovery <<<"$stats"):$(pa_json_get jwks <<<"$stats")" \
		"0:0" test_young_documents_left_alone
else
	tap_skip test_aging_documents_refreshed_in_background "libfaketime not installed"
fi
tap_done
