#!/bin/bash
# SPDX-License-Identifier: MIT
# The second factor (RFC 8628 device grant) through the real PAM stack:
# pamtester, pam_posauth.so, posauthd and tokend. A PIN that is right is
# not enough for mfa_roles, nor for anyone on a line with `mfa`: the
# conversation shows a code and a QR code, the person approves (tokend's
# device_auto, or /_test/device as the person) and the module waits.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/pam_lib.sh"
pa_pam_require
pa_require_python_modules jwt cryptography
command -v faketime >/dev/null || skip_all "faketime not installed"
command -v zbarimg >/dev/null || skip_all "zbarimg (zbar-tools) not installed"

pa_tmpdir W
pa_make_ca "$W" tokend || exit 1
pa_start_tokend "$W" || exit 1
# posauthd's clock moves for the offline window (pa_pam_at).
echo "+0" >"$W/faketime"
export PA_POSAUTHD_PRELOAD="$(ls /usr/lib/*-linux-gnu/faketime/libfaketime.so.1 | head -1)"
export PA_POSAUTHD_ENV="FAKETIME_TIMESTAMP_FILE=$W/faketime FAKETIME_NO_CACHE=1 FAKETIME_DONT_FAKE_MONOTONIC=1"
MFA_CONF=("mfa_roles = admin" "mfa_acr = urn:posauth:mfa")
pa_pam_setup "$W" "${MFA_CONF[@]}"
pa_pam_service posauth_mfa mfa

# Every case sets what it relies on; the rest stays tokend's default.
device() {
	pa_tokend_control "{\"device_interval\":1,\"device_expires_in\":30,
		\"device_auto\":null,\"device_auto_delay\":0,\"device_slow_down\":0,
		\"acr\":\"urn:posauth:mfa\",\"amr\":[\"pwd\",\"otp\"]${1:+,$1}}" >/dev/null
}
# The newest device authorization tokend issued, as JSON.
newest() { pa_curl --fail-with-body "$TOKEND_URL/_test/device" | pa_json_get device_authorizations.0; }
logged() { grep -qF -- "$1" "$PA_PAM_DIR/pam.err"; }
pa_pam_at() {
	echo "$1" >"$W/faketime"
	shift
	pa_pam "$@"
	echo "+0" >"$W/faketime"
}

# --- who needs it ---------------------------------------------------------------------
device '"device_auto":"approve"'
pa_tokend_stats reset >/dev/null
pa_pam_expect test_cashier_needs_no_second_factor ok alice 1234 authenticate
! grep -qF "Second factor" <<<"$PAM_OUT" &&
	[ "$(pa_tokend_stats | pa_json_get device_authorization)" = 0 ]
tap_ok $? test_cashier_sees_no_code || tap_diag "$PAM_OUT"
pa_pam_expect test_admin_wrong_pin_denied "$E_AUTH" carol 0000 authenticate
[ "$(pa_tokend_stats | pa_json_get device_authorization)" = 0 ]
tap_ok $? test_wrong_pin_starts_no_second_factor

# --- approve ----------------------------------------------------------------------------
device '"device_auto":"approve","device_auto_delay":1'
FAMILIES=$(pa_tokend_revoked | pa_json_get families_revoked)
pa_pam_expect test_admin_approved_on_phone ok carol 3456 authenticate acct_mgmt open_session close_session
APPROVED_OUT=$PAM_OUT
grep -qF "Second factor required" <<<"$PAM_OUT" &&
	grep -qF "$(newest | pa_json_get user_code)" <<<"$PAM_OUT" &&
	grep -qF "$TOKEND_URL/device" <<<"$PAM_OUT"
tap_ok $? test_conversation_shows_uri_and_code || tap_diag "$PAM_OUT"
CODE=$(newest | pa_json_get user_code)
"$PA_PYTHON3" "$top_srcdir/tests/qr_decode.py" "$W/qr.png" <<<"$PAM_OUT" &&
	[ "$(zbarimg -q --raw "$W/qr.png")" = "$TOKEND_URL/device?user_code=$CODE" ]
tap_ok $? test_qr_code_decodes_to_verification_uri_complete ||
	tap_diag "zbarimg: $(zbarimg -q --raw "$W/qr.png" 2>&1)"
[ "$(newest | pa_json_get state)" = redeemed ] && logged "second factor accepted"
tap_ok $? test_approval_redeemed_and_logged
"$PA_PYTHON3" - "$W/cache/carol.rec" <<'PY'
import sys
body = open(sys.argv[1], "rb").read()
sys.exit(0 if b'"last_mfa":' in body else 1)
PY
tap_ok $? test_cache_records_last_mfa
# The PIN step's grant and, at close_session, the session's: a PIN alone
# leaves no live refresh token behind.
[ "$(pa_tokend_revoked | pa_json_get families_revoked)" -ge $((FAMILIES + 2)) ]
tap_ok $? test_pin_step_refresh_token_revoked || tap_diag "$(pa_tokend_revoked)"
# What the README shows.
sed -n '/Second factor required/,/Waiting for your approval/p' <<<"$APPROVED_OUT" >"$W/conversation.txt"

# --- deny, expire, slow down --------------------------------------------------------------
device '"device_auto":"deny","device_auto_delay":1'
pa_pam_expect test_denied_on_phone_fails "$E_AUTH" carol 3456 authenticate
logged "second factor denied"
tap_ok $? test_denial_is_logged

device '"device_expires_in":2'
pa_pam_expect test_expired_code_fails "$E_AUTH" carol 3456 authenticate
logged "second factor not given in time"
tap_ok $? test_expiry_is_logged

device '"device_auto":"approve","device_auto_delay":2,"device_slow_down":1'
pa_tokend_stats reset >/dev/null
pa_pam_expect test_slow_down_then_approved ok carol 3456 authenticate
# One forced slow_down (interval 1 -> 6 s); had the poller kept to 1 s,
# tokend would have answered slow_down again and grown it further.
[ "$(newest | pa_json_get interval)" = 6 ] &&
	[ "$(pa_tokend_stats | pa_json_get token.device_code)" = 2 ]
tap_ok $? test_slow_down_lengthens_the_interval_once ||
	tap_diag "$(newest) $(pa_tokend_stats)"

# The device authorization cannot be had: unreachable, not an offline login.
device
pa_tokend_control '{"fault":"http503","fault_endpoints":["device_authorization"]}' >/dev/null
pa_pam_expect test_device_authorization_unreachable_is_unavail "$E_UNAVAIL" carol 3456 authenticate
! logged "offline login accepted"
tap_ok $? test_device_authorization_unreachable_is_no_offline_login
pa_tokend_control '{"fault":"none","fault_endpoints":null}' >/dev/null

# A client that gives up (ssh's LoginGraceTime, Ctrl-C) ends the polling.
device
PA_PAMTESTER_WRAP="timeout 3" pa_pam carol 3456 authenticate
sleep 2
pa_daemon_settle 0
grep -qF 'second factor abandoned, the client went away' "$POSAUTHD_LOG" &&
	[ "$(newest | pa_json_get state)" = pending ]
tap_ok $? test_client_hanging_up_ends_the_wait || tap_diag "$PAM_OUT"

# --- what the token must prove ---------------------------------------------------------------
device
PREV=$(newest | pa_json_get user_code)
( pa_pam carol 3456 authenticate; echo "$PAM_RC" >"$W/bg.rc"; printf '%s' "$PAM_OUT" >"$W/bg.out" ) &
BG=$!
# Up to three minutes: pamtester may wait for the suite's pam_wrapper
# lock, which a test running beside this one can hold for a minute.
CODE=$PREV
for _ in $(seq 900); do
	CODE=$(newest | pa_json_get user_code)
	[ "$CODE" != "$PREV" ] && break
	sleep 0.2
done
pa_curl --fail-with-body -X POST -H 'Content-Type: application/json' \
	--data "{\"user_code\":\"$CODE\",\"action\":\"approve\",\"user\":\"bob\"}" \
	"$TOKEND_URL/_test/device" >/dev/null
wait "$BG"
[ "$(cat "$W/bg.rc")" != 0 ] && grep -qF "$E_AUTH" "$W/bg.out" &&
	grep -qF "token is for another user" "$W/bg.out"
tap_ok $? test_phone_logged_in_as_someone_else_fails || tap_diag "$(cat "$W/bg.out")"

device '"device_auto":"approve","acr":null,"amr":["pwd"]'
pa_pam_expect test_token_without_required_acr_fails "$E_AUTH" carol 3456 authenticate
logged "does not show the required second factor"
tap_ok $? test_missing_acr_is_logged
device '"device_auto":"approve","acr":null,"amr":["pwd","urn:posauth:mfa"]'
pa_pam_expect test_amr_entry_satisfies_mfa_acr ok carol 3456 authenticate

# --- a line with mfa, for a cashier ---------------------------------------------------------
device '"device_auto":"approve","device_auto_delay":1'
PA_PAM_SERVICE=posauth_mfa
pa_pam_expect test_mfa_line_asks_cashier_too ok alice 1234 authenticate acct_mgmt
grep -qF "Second factor required" <<<"$PAM_OUT" && [ "$(newest | pa_json_get login_hint)" = alice ]
tap_ok $? test_mfa_line_showed_the_code_to_the_cashier
device '"device_auto":"deny"'
pa_pam_expect test_mfa_line_cashier_denied "$E_AUTH" alice 1234 authenticate
PA_PAM_SERVICE=posauth

# --- offline ---------------------------------------------------------------------------------
# carol and alice have a fresh verifier; alice on the plain line had none
# of the second factor lately, carol had it minutes ago.
device '"device_auto":"approve"'
pa_pam_expect test_admin_mfa_login_before_outage ok carol 3456 authenticate
pa_pam_expect test_cashier_login_before_outage ok alice 1234 authenticate
pa_tokend_control '{"fault":"down"}' >/dev/null
pa_pam_expect test_cashier_offline_still_works ok alice 1234 authenticate
pa_pam_expect test_admin_no_offline_without_offline_mfa_grace "$E_UNAVAIL" carol 3456 authenticate
PA_PAM_SERVICE=posauth_mfa
pa_pam_expect test_mfa_line_no_offline_for_cashier "$E_UNAVAIL" alice 1234 authenticate
PA_PAM_SERVICE=posauth
# The same with a window: within it the last online MFA login counts.
pa_pam_conf "$PA_PAM_CONF" "${MFA_CONF[@]}" "offline_mfa_grace = 600"
pa_pam_expect test_admin_offline_within_offline_mfa_grace ok carol 3456 authenticate
pa_pam_at +700s carol 3456 authenticate
[ "$PAM_RC" -ne 0 ] && grep -qF "$E_UNAVAIL" <<<"$PAM_OUT"
tap_ok $? test_admin_no_offline_after_offline_mfa_grace || tap_diag "$PAM_OUT"
pa_pam_at +300s alice 1234 authenticate
[ "$PAM_RC" -eq 0 ]
tap_ok $? test_cashier_offline_unaffected_by_offline_mfa_grace || tap_diag "$PAM_OUT"
pa_tokend_control '{"fault":"none"}' >/dev/null

# For the README: the conversation as pamtester printed it.
tap_diag "conversation:" "$(cat "$W/conversation.txt")"
tap_done
