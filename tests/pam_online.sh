#!/bin/bash
# SPDX-License-Identifier: MIT
# Online login through the real PAM stack: pamtester + pam_wrapper load
# the module from the build tree, which talks HTTPS to tests/tokend.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/pam_lib.sh"
pa_pam_require
pa_require_python_modules jwt cryptography

# Pure online behaviour here; offline grace has its own test.
export PA_OFFLINE_GRACE=0
pa_tmpdir W
pa_make_ca "$W" tokend || exit 1
# Staff ids that name local groups (Debian's sudo and adm) or a role group
# the config maps: the service knows them, the terminal must refuse them.
"$PA_PYTHON3" - "$top_srcdir/tests/tokend/users.json" "$W/users.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for name in ("sudo", "adm", "pos-manager"):
    d["users"].append({"username": name, "pin": "1111", "roles": ["manager"],
                       "tenant": "acme", "store": "store-042"})
json.dump(d, open(sys.argv[2], "w"))
PY
pa_start_tokend "$W" --users "$W/users.json" || exit 1
pa_pam_setup "$W" "[roles]" "manager = pos-manager"

# --- honest logins ---------------------------------------------------------
pa_pam_expect test_honest_cashier_logs_in ok alice 1234 authenticate acct_mgmt
pa_pam_expect test_store_array_containing_ours_logs_in ok frank 6789 authenticate
pa_pam_expect test_auth_account_setcred_succeed_after_login ok bob 2345 \
	authenticate acct_mgmt setcred

# --- one token request per login ------------------------------------------------
pa_tokend_stats reset >/dev/null
pa_pam_expect test_login_with_cached_documents ok alice 1234 authenticate
stats=$(pa_tokend_stats)
tap_is "$(pa_json_get token.password <<<"$stats"):$(pa_json_get discovery <<<"$stats"):$(pa_json_get jwks <<<"$stats")" \
	"1:0:0" test_login_makes_exactly_one_token_request
[ "$(stat -c %a "$W/cache/jwks.doc" 2>&1)" = 600 ] && [ "$(stat -c %a "$W/cache/discovery.doc" 2>&1)" = 600 ]
tap_ok $? test_cached_documents_are_root_only

# --- the service says no ------------------------------------------------------
pa_pam_expect test_wrong_pin_denied "$E_AUTH" alice 9999 authenticate
pa_pam_expect test_unknown_user_denied "$E_AUTH" zed 1234 authenticate
pa_pam_expect test_other_store_denied "$E_AUTH" dave 4567 authenticate
pa_pam_expect test_other_tenant_denied "$E_AUTH" mallory 9999 authenticate
pa_pam_expect test_empty_pin_denied "$E_AUTH" alice "" authenticate

# --- names refused before any network use ------------------------------------
pa_tokend_stats reset >/dev/null
pa_pam_expect test_uppercase_name_unknown "$E_USER_UNKNOWN" Alice 1234 authenticate
pa_pam_expect test_dotdot_name_unknown "$E_USER_UNKNOWN" ../etc 1234 authenticate
pa_pam_expect test_slash_name_unknown "$E_USER_UNKNOWN" a/b 1234 authenticate
long=$(printf 'a%.0s' $(seq 300))
pa_pam_expect test_overlong_name_unknown "$E_USER_UNKNOWN" "$long" 1234 authenticate
pa_pam_expect test_local_account_left_to_pam_unix "$E_USER_UNKNOWN" root secret authenticate
# Security review hole 1: a staff id named like a local group became root
# through sudo's %sudo rule; one named like a role group would merge with it.
if grep -q '^sudo:' /etc/group && grep -q '^adm:' /etc/group; then
	pa_pam_expect test_staff_id_named_like_local_group_sudo_unknown "$E_USER_UNKNOWN" sudo 1111 authenticate
	grep -q 'user "sudo": not a staff id here: the name is a group known to files' "$PA_PAM_DIR/pam.err"
	tap_ok $? test_staff_id_group_collision_logged_loudly || tap_diag "$(cat "$PA_PAM_DIR/pam.err")"
	pa_pam_expect test_staff_id_named_like_local_group_adm_unknown "$E_USER_UNKNOWN" adm 1111 authenticate
else
	tap_skip test_staff_id_named_like_local_group_sudo_unknown "no sudo/adm group here"
	tap_skip test_staff_id_group_collision_logged_loudly "no sudo/adm group here"
	tap_skip test_staff_id_named_like_local_group_adm_unknown "no sudo/adm group here"
fi
pa_pam_expect test_staff_id_named_like_role_group_unknown "$E_USER_UNKNOWN" pos-manager 1111 authenticate
stats=$(pa_tokend_stats)
tap_is "$(pa_json_get token.password <<<"$stats" 2>/dev/null || echo "$stats")" 0 \
	test_refused_names_never_reach_the_service

# --- forged and malformed tokens ---------------------------------------------
for forge in alg_none hs256_pubkey wrong_iss wrong_aud multi_aud_no_azp \
	multi_aud_wrong_azp wrong_tenant wrong_store wrong_user expired \
	not_yet_valid iat_future no_exp tampered_payload unknown_kid \
	jku_header jwk_header crit_unknown garbage oversize roles_not_array \
	wrong_alg_for_key; do
	pa_tokend_control "{\"forge\":\"$forge\"}" >/dev/null
	pa_pam_expect "test_forged_${forge}_denied" "$E_AUTH" alice 1234 authenticate
done
pa_tokend_control '{"forge":"none"}' >/dev/null
pa_pam_expect test_honest_login_again_after_forgeries ok alice 1234 authenticate
# The log names the claim that failed, what was expected and what came.
pa_tokend_control '{"forge":"roles_not_array"}' >/dev/null
pa_pam alice 1234 authenticate
grep -q 'claim "roles": expected an array of role names, found a string' "$PA_PAM_DIR/pam.err"
tap_ok $? test_malformed_roles_claim_named_in_log || tap_diag "$(cat "$PA_PAM_DIR/pam.err")"
pa_tokend_control '{"forge":"no_exp"}' >/dev/null
pa_pam alice 1234 authenticate
grep -q 'claim "exp" missing' "$PA_PAM_DIR/pam.err"
tap_ok $? test_missing_claim_named_in_log || tap_diag "$(cat "$PA_PAM_DIR/pam.err")"
pa_tokend_control '{"forge":"none"}' >/dev/null

# --- the service misbehaves ---------------------------------------------------
pa_tokend_control '{"fault":"http503"}' >/dev/null
pa_pam_expect test_service_503_is_unavailable "$E_UNAVAIL" alice 1234 authenticate
pa_tokend_control '{"fault":"http500"}' >/dev/null
pa_pam_expect test_service_500_is_unavailable "$E_UNAVAIL" alice 1234 authenticate
pa_tokend_control '{"fault":"down"}' >/dev/null
pa_pam_expect test_dropped_connection_is_unavailable "$E_UNAVAIL" alice 1234 authenticate
pa_tokend_control '{"fault":"http400_plain","fault_endpoints":["token"]}' >/dev/null
pa_pam_expect test_plain_400_is_a_refusal "$E_AUTH" alice 1234 authenticate
grep -q "HTTP 400 without an OAuth error" "$PA_PAM_DIR/pam.err"
tap_ok $? test_plain_400_logs_the_http_status || tap_diag "$(cat "$PA_PAM_DIR/pam.err")"
pa_tokend_control '{"fault":"none","fault_endpoints":null}' >/dev/null
pa_pam_expect test_login_after_plain_400 ok alice 1234 authenticate
pa_tokend_control '{"fault":"bad_json"}' >/dev/null
pa_pam_expect test_non_json_answer_denied "$E_AUTH" alice 1234 authenticate
pa_tokend_control '{"fault":"huge"}' >/dev/null
pa_pam_expect test_huge_answer_denied "$E_AUTH" alice 1234 authenticate
pa_tokend_control '{"fault":"redirect"}' >/dev/null
pa_pam_expect test_redirect_not_followed "$E_AUTH" alice 1234 authenticate
pa_tokend_control '{"fault":"slow","slow_seconds":8}' >/dev/null
# pam_client -t: the module's own time, without the pam_wrapper lock wait
timed_login() {
	printf '%s\n' "$2" | pa_wrapped "$top_builddir/tests/pam_client" -t \
		posauth "$1" auth 2>/dev/null | awk '/^elapsed_ms:/ { print $2 }'
}
ms=$(timed_login alice 1234)
[ -n "$ms" ] && [ "$ms" -le 5000 ]
tap_ok $? test_timeout_bounds_the_wait || tap_diag "took ${ms} ms with timeout = 4"
# A failed login asks libpam for pam_unix's delay (2 s, +-25 %), which
# slows guessing at the terminal; nodelay turns it off.
pa_tokend_control '{"fault":"none"}' >/dev/null
PA_PAM_DELAY=1 pa_pam_service posauth
ms=$(timed_login alice 0000)
[ -n "$ms" ] && [ "$ms" -ge 1400 ]
tap_ok $? test_failed_login_is_delayed || tap_diag "took ${ms} ms"
pa_pam_service posauth
ms2=$(timed_login alice 0000)
[ -n "$ms2" ] && [ "$ms2" -lt 1400 ]
tap_ok $? test_nodelay_turns_the_delay_off || tap_diag "took ${ms2} ms"
# A terminal that has not cached the service's documents yet: none in the
# device cache, and a posauthd that has not fetched any.
fresh_terminal() { rm -f "$W/cache/"*.doc; pa_restart_posauthd; }
fresh_terminal
pa_tokend_control '{"fault":"none","wrong_issuer_in_discovery":true}' >/dev/null
pa_pam_expect test_discovery_issuer_mismatch_denied "$E_AUTH" alice 1234 authenticate
pa_tokend_control '{"reset":true}' >/dev/null
# A terminal that is not retrying a failed background fetch (the
# mismatch above made one fail), so none lands between the rotations.
fresh_terminal

# --- keys and algorithms -----------------------------------------------------
pa_pam_expect test_login_caches_documents ok alice 1234 authenticate
pa_tokend_control '{"rotate":true,"drop_old_keys":true}' >/dev/null
pa_pam_expect test_login_after_key_rotation ok alice 1234 authenticate
pa_tokend_control '{"rotate":true,"drop_old_keys":true}' >/dev/null
# The unknown-kid refresh is rate limited across processes (once a minute).
pa_pam_expect test_second_rotation_within_a_minute_waits "$E_AUTH" alice 1234 authenticate
fresh_terminal
pa_tokend_control '{"alg":"ES256"}' >/dev/null
pa_pam_expect test_es256_token_accepted ok alice 1234 authenticate
fresh_terminal
pa_tokend_control '{"alg":"EdDSA"}' >/dev/null
pa_pam_expect test_eddsa_token_accepted ok alice 1234 authenticate
fresh_terminal
pa_tokend_control '{"alg":"PS256"}' >/dev/null
pa_pam_expect test_alg_outside_allowlist_denied "$E_AUTH" alice 1234 authenticate
pa_pam_conf "$PA_PAM_CONF" "algorithms = PS256"
pa_pam_expect test_configured_algorithm_accepted ok alice 1234 authenticate
fresh_terminal
pa_tokend_control '{"alg":"RS256"}' >/dev/null
pa_pam_conf "$PA_PAM_CONF" "token = access_token"
pa_pam_expect test_access_token_mode_logs_in ok alice 1234 authenticate
pa_pam_conf "$PA_PAM_CONF"

# --- account phase: role gates -----------------------------------------------
pa_pam_service gate allow_roles=manager,admin
PA_PAM_SERVICE=gate
pa_pam_expect test_allow_roles_admits_manager ok bob 2345 authenticate acct_mgmt
pa_pam_expect test_allow_roles_keeps_cashier_out "$E_PERM" alice 1234 authenticate acct_mgmt
pa_pam_service gate deny_roles=cashier
pa_pam_expect test_deny_roles_keeps_cashier_out "$E_PERM" erin 5678 authenticate acct_mgmt
pa_pam_expect test_deny_roles_spares_others ok carol 3456 authenticate acct_mgmt
pa_pam_service gate allowroles=manager
pa_pam_expect test_misspelt_argument_denies "$E_SERVICE" bob 2345 authenticate
# Security review hole 7: the account phase of a staff member this handle
# did not authenticate (ssh public keys, another module did auth) still
# applies the gate, with the roles the service last vouched for.
pa_pam_service gate allow_roles=manager,admin
pa_pam_expect test_account_gate_without_auth_keeps_cashier_out "$E_PERM" alice 1234 acct_mgmt
grep -q 'account denied by role gate (cached roles)' "$PA_PAM_DIR/pam.err"
tap_ok $? test_account_gate_without_auth_is_logged || tap_diag "$(cat "$PA_PAM_DIR/pam.err")"
pa_pam_expect test_account_gate_without_auth_admits_manager ok bob 2345 acct_mgmt
pa_pam_expect test_account_without_auth_unknown_name "$E_USER_UNKNOWN" zed 1234 acct_mgmt
pa_pam_expect test_account_without_auth_local_user "$E_USER_UNKNOWN" root x acct_mgmt
# A signed "no" (another store now) takes the cached roles: gated out.
pa_tokend_control '{"forge":"wrong_store"}' >/dev/null
pa_pam_expect test_signed_no_for_manager "$E_AUTH" erin 5678 authenticate
pa_tokend_control '{"forge":"none"}' >/dev/null
pa_pam_expect test_known_staff_without_cached_roles_gated_out "$E_PERM" erin 5678 acct_mgmt
PA_PAM_SERVICE=posauth
pa_pam_expect test_account_without_gate_admits_known_staff ok alice 1234 acct_mgmt
pa_pam_expect test_failed_auth_leaves_no_claims "$E_AUTH" alice 0000 authenticate acct_mgmt

# --- password phase ----------------------------------------------------------
pa_pam_expect test_pin_change_refused "$E_AUTHTOK" alice 1234 chauthtok
grep -q "changed at the token service" <<<"$PAM_OUT"
tap_ok $? test_pin_change_explains_where

# --- configuration problems deny ------------------------------------------------
pa_pam_conf "$PA_PAM_CONF" "colour = blue"
pa_pam_expect test_unknown_config_key_denies "$E_SERVICE" alice 1234 authenticate
pa_pam_conf "$PA_PAM_CONF"
chmod 0644 "$CLIENT_SECRET_FILE"
pa_pam_expect test_readable_client_secret_refused "$E_SERVICE" alice 1234 authenticate
chmod 0600 "$CLIENT_SECRET_FILE"
pa_make_ca "$W/other" other || exit 1
PA_CONF_CA="$W/other/ca.pem" pa_pam_conf "$PA_PAM_CONF"
pa_pam_expect test_untrusted_ca_is_unavailable "$E_UNAVAIL" alice 1234 authenticate
pa_pam_conf "$PA_PAM_CONF"

# --- no secret in logs ---------------------------------------------------------
: >"$PA_PAM_DIR/pam.log"
# Level 2 shows the module's syslog lines; 3 would add pam_wrapper's own
# trace of PAM_AUTHTOK, which is not ours to judge.
PAM_WRAPPER_DEBUGLEVEL=2 pa_pam carol 3456 authenticate
grep -q "online login accepted" "$PA_PAM_DIR/pam.log"
tap_ok $? test_login_logged || tap_diag "$(cat "$PA_PAM_DIR/pam.log")"
! grep -q "3456" "$PA_PAM_DIR/pam.log" && ! grep -q "$CLIENT_SECRET" "$PA_PAM_DIR/pam.log" &&
	! grep -q "eyJ" "$PA_PAM_DIR/pam.log"
tap_ok $? test_no_pin_secret_or_token_in_logs

# --- the service goes away ------------------------------------------------------
pa_stop_tokend
pa_pam_expect test_stopped_service_is_unavailable "$E_UNAVAIL" alice 1234 authenticate

tap_done
