#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 14: the terminal proves itself with its device key, and its tokens
# are bound to it. Through the real PAM stack against tokend: the key made
# at posauthd's first start and printed by posauthctl device-key; each
# client_auth mode end to end (login, refresh, revocation at logout);
# tokend refusing a replayed or expired assertion; DPoP-bound session
# tokens that tokend's /resource takes only with a proof from posauthctl
# dpop-proof, which posauthd makes only for the caller's own session;
# server nonces.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/pam_lib.sh"
pa_pam_require
pa_require_python_modules jwt cryptography
CTL="$top_builddir/posauthctl"
[ -x "$CTL" ] || skip_all "posauthctl not built: $CTL"
[ "$(id -u)" = 0 ] || skip_all "needs root (the device key is root's)"
command -v setpriv >/dev/null || skip_all "setpriv not installed"
SO="$top_builddir/.libs/libnss_posauth.so.2"
NSSW=$(ls /usr/lib/*-linux-gnu/libnss_wrapper.so 2>/dev/null | head -1)
[ -n "$NSSW" ] || skip_all "libnss-wrapper not installed"
HELP="$top_srcdir/tests/tokend/client_helpers.py"
unset SUDO_USER

pa_tmpdir W
# Staff run posauthctl as themselves: the socket in here must be reachable.
chmod 0755 "$W"
pa_make_ca "$W" tokend || exit 1

# A client certificate from a CA of its own, for tls_client_auth.
mk_client_cert() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$W/clientca.key" -out "$W/clientca.pem" -days 2 \
		-subj "/CN=posauth test client CA" &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$W/client.key" -out "$W/client.csr" \
		-subj "/O=Acme POS/CN=pos-terminal-01" &&
	printf 'extendedKeyUsage=clientAuth\n' >"$W/client.ext" &&
	openssl x509 -req -in "$W/client.csr" -CA "$W/clientca.pem" \
		-CAkey "$W/clientca.key" -CAcreateserial -days 2 \
		-extfile "$W/client.ext" -out "$W/client.pem" &&
	chmod 600 "$W/client.key"
} >/dev/null 2>&1
mk_client_cert || { echo "Bail out! cannot make a client certificate"; exit 1; }

pa_start_tokend "$W" --client-ca "$W/clientca.pem" \
	--client-cert-subject "CN=pos-terminal-01,O=Acme POS" || exit 1
pa_pam_setup "$W"
CONF=$PA_PAM_CONF
SOCK=$POSAUTHD_SOCKET
TOKEN_URL="$TOKEND_URL/token"

ctl_run() {
	OUT=$("$CTL" -S "$SOCK" -c "$CONF" "$@" 2>"$W/ctl.err")
	RC=$?
	ERR=$(cat "$W/ctl.err")
}
ctl_as() {
	local ids=$1
	shift
	OUT=$(setpriv --reuid="${ids%:*}" --regid="${ids#*:}" --clear-groups \
		"$CTL" -S "$SOCK" -c "$CONF" "$@" 2>"$W/ctl.err")
	RC=$?
	ERR=$(cat "$W/ctl.err")
}
diag_ctl() { tap_diag "rc=$RC" "stdout: $OUT" "stderr: $ERR"; }
index_ids() {
	env LD_PRELOAD="$PA_SAN_PRELOAD$NSSW" NSS_WRAPPER_PASSWD=/etc/passwd \
		NSS_WRAPPER_GROUP=/etc/group NSS_WRAPPER_MODULE_SO_PATH="$SO" \
		NSS_WRAPPER_MODULE_FN_PREFIX=posauth POSAUTH_NSS_INDEX="$W/nss/nss.db" \
		getent passwd "$1" | cut -d: -f3,4
}
stat_of() { pa_tokend_stats | pa_json_get "$1"; }
# reconf LINES...: a new posauth.conf; posauthd reads it at the next request.
reconf() {
	sleep 0.02
	pa_pam_conf "$CONF" "$@"
}
payload_of() { cut -d. -f2 | tr '_-' '/+' | base64 -d 2>/dev/null; }
thumb_py() {
	"$PA_PYTHON3" -c '
import base64, hashlib, json, sys
k = json.load(sys.stdin)
req = {"EC": ("crv", "kty", "x", "y"), "OKP": ("crv", "kty", "x"),
       "RSA": ("e", "kty", "n")}[k["kty"]]
c = json.dumps({m: k[m] for m in req}, separators=(",", ":"), sort_keys=True)
print(base64.urlsafe_b64encode(hashlib.sha256(c.encode()).digest()).rstrip(b"=").decode())'
}

# --- the device key ----------------------------------------------------------
KEY="$W/cache/signing-key.pem"
tap_is "$(stat -c '%u %a' "$KEY" 2>&1)" "0 600" test_first_start_makes_a_root_only_device_key
ctl_run device-key --json
JWK=$(pa_json_get jwk <<<"$OUT")
JKT=$(pa_json_get thumbprint <<<"$OUT")
[ "$RC" -eq 0 ] && [ "$(thumb_py <<<"$JWK")" = "$JKT" ] &&
	[ "$(pa_json_get kid <<<"$JWK")" = "$JKT" ] &&
	[ "$(pa_json_get alg <<<"$JWK")" = ES256 ] &&
	! grep -q '"d"' <<<"$JWK"
tap_ok $? test_device_key_prints_public_jwk_and_its_rfc7638_thumbprint || diag_ctl
grep -q "device key (file, ES256): thumbprint $JKT" "$POSAUTHD_LOG"
tap_ok $? test_posauthd_logs_the_thumbprint_at_start
ctl_run device-key
[ "$RC" -eq 0 ] && grep -qx "thumbprint: $JKT" <<<"$OUT"
tap_ok $? test_device_key_human_output || diag_ctl

# --- client_secret_basic stays the default -----------------------------------
pa_pam_expect test_client_secret_basic_login ok alice 1234 authenticate open_session
ALICE_IDS=$(index_ids alice)
pa_pam_expect test_bob_logs_in ok bob 2345 authenticate open_session
BOB_IDS=$(index_ids bob)
ctl_as 65534:65534 device-key
tap_is "$RC" 7 test_device_key_is_refused_to_non_root

# --- private_key_jwt -----------------------------------------------------------
# Only assertions are accepted from now on, and there is no secret file.
pa_tokend_control "{\"client_auth_methods\":[\"private_key_jwt\"],\"client_jwk\":$JWK}" >/dev/null
CLIENT_SECRET_FILE=/nonexistent/secret reconf "client_auth = private_key_jwt"
pa_tokend_stats reset >/dev/null
pa_pam_expect test_private_key_jwt_login ok alice 1234 authenticate open_session
tap_is "$(stat_of token.password)" 1 test_private_key_jwt_one_token_request
pa_pam_expect test_private_key_jwt_wrong_pin_is_still_auth_failure "$E_AUTH" alice 9999 authenticate

# Refresh (posauthctl token renews a token that expires within 60 s).
pa_tokend_control '{"expires_in":30}' >/dev/null
pa_pam_expect test_private_key_jwt_login_short_token ok alice 1234 authenticate open_session
ctl_run token alice --json
[ "$RC" -eq 0 ] && [ "$(pa_json_get renewed <<<"$OUT")" = true ]
tap_ok $? test_private_key_jwt_refresh || diag_ctl
pa_tokend_control '{"expires_in":300}' >/dev/null

before=$(pa_tokend_revoked | pa_json_get refresh_tokens_revoked)
pa_pam_expect test_private_key_jwt_logout ok alice 1234 authenticate open_session close_session
after=$(pa_tokend_revoked | pa_json_get refresh_tokens_revoked)
[ "$after" -gt "$before" ]
tap_ok $? test_private_key_jwt_revocation_at_logout || tap_diag "revoked $before -> $after"

# posauthctl test-login runs in posauthctl itself, with the same key.
before=$(pa_tokend_revoked | pa_json_get refresh_tokens_revoked)
OUT=$(printf '3456\n' | "$CTL" -c "$CONF" test-login carol 2>&1)
RC=$?
after=$(pa_tokend_revoked | pa_json_get refresh_tokens_revoked)
[ "$RC" -eq 0 ] && [ "$after" -gt "$before" ]
tap_ok $? test_private_key_jwt_test_login_and_its_revocation || tap_diag "rc=$RC" "$OUT"

# The provider refuses the secret now: a terminal left on it cannot log in.
reconf "client_auth = client_secret_basic"
pa_pam_expect test_secret_refused_when_provider_wants_assertions "$E_AUTH" carol 3456 authenticate
grep -q 'rejected the request at token request: invalid_client' <<<"$PAM_OUT"
tap_ok $? test_secret_refusal_is_logged_as_invalid_client
CLIENT_SECRET_FILE=/nonexistent/secret reconf "client_auth = private_key_jwt"

# tokend checks assertions strictly: the same one twice, or an expired one.
assert() { "$PA_PYTHON3" "$HELP" assertion "$KEY" ES256 "$CLIENT_ID" "$TOKEN_URL" "$@"; }
grant() {
	pa_curl -w '\n%{http_code}' --data-urlencode grant_type=password \
		--data-urlencode username=dave --data-urlencode password=4567 \
		--data-urlencode scope=openid \
		--data-urlencode client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer \
		--data-urlencode "client_assertion=$1" "$TOKEN_URL"
}
A=$(assert --header "kid=\"$JKT\"")
first=$(grant "$A" | tail -1)
second=$(grant "$A")
[ "$first" = 200 ] && [ "$(tail -1 <<<"$second")" = 401 ] && grep -q invalid_client <<<"$second"
tap_ok $? test_tokend_refuses_a_replayed_assertion || tap_diag "$first" "$second"
A=$(assert --header "kid=\"$JKT\"" --iat-offset -120 --exp-in 60)
res=$(grant "$A")
[ "$(tail -1 <<<"$res")" = 401 ] && grep -q invalid_client <<<"$res"
tap_ok $? test_tokend_refuses_an_expired_assertion || tap_diag "$res"
A=$(assert --header "kid=\"$JKT\"" --exp-in 600)
res=$(grant "$A")
[ "$(tail -1 <<<"$res")" = 401 ]
tap_ok $? test_tokend_refuses_a_long_lived_assertion || tap_diag "$res"

# --- DPoP ----------------------------------------------------------------------
pa_tokend_control '{"dpop_required":true}' >/dev/null
pa_pam_expect test_unbound_terminal_refused_when_provider_requires_dpop "$E_AUTH" alice 1234 authenticate
CLIENT_SECRET_FILE=/nonexistent/secret reconf "client_auth = private_key_jwt" "dpop = yes"
pa_pam_expect test_dpop_login ok alice 1234 authenticate open_session
TOK=$(cat "$W/run/alice/token")
got=$(payload_of <<<"$TOK" | pa_json_get cnf.jkt)
tap_is "$got" "$JKT" test_session_token_is_bound_to_the_device_key

resource() { pa_curl -o "$W/res.body" -w '%{http_code}' "$@" "$TOKEND_URL/resource"; }
tap_is "$(resource -H "Authorization: DPoP $TOK")" 401 test_bound_token_without_proof_is_refused
tap_is "$(resource -H "Authorization: Bearer $TOK")" 401 test_bound_token_as_bearer_is_refused
ctl_as "$ALICE_IDS" dpop-proof --method GET --url "$TOKEND_URL/resource"
PROOF=$OUT
[ "$RC" -eq 0 ] && [ "$(resource -H "Authorization: DPoP $TOK" -H "DPoP: $PROOF")" = 200 ] &&
	grep -q '"user": *"alice"' "$W/res.body"
tap_ok $? test_bound_token_with_proof_from_posauthctl_is_accepted || { diag_ctl; tap_diag "$(cat "$W/res.body")"; }
tap_is "$(resource -H "Authorization: DPoP $TOK" -H "DPoP: $PROOF")" 401 test_a_proof_is_good_once
ctl_as "$ALICE_IDS" dpop-proof --method GET --url "$TOKEND_URL/resource" bob
tap_is "$RC" 7 test_proof_for_another_users_session_is_refused
ctl_as "$BOB_IDS" dpop-proof --method GET --url "$TOKEND_URL/resource" alice
tap_is "$RC" 7 test_another_user_cannot_get_a_proof_for_alice
ctl_as 65534:65534 dpop-proof --method GET --url "$TOKEND_URL/resource"
tap_is "$RC" 6 test_no_proof_without_a_session
ctl_as "$ALICE_IDS" dpop-proof --url "$TOKEND_URL/resource"
tap_is "$RC" 2 test_proof_needs_a_method
ctl_as "$ALICE_IDS" dpop-proof --method GET --url "$TOKEND_URL/resource" --nonce 'n-1'
[ "$RC" -eq 0 ] && [ "$(payload_of <<<"$OUT" | pa_json_get nonce)" = n-1 ]
tap_ok $? test_proof_carries_a_resource_servers_nonce || diag_ctl
ctl_as "$ALICE_IDS" dpop-proof --method GET --url "$TOKEND_URL/resource" --nonce 'a"b'
tap_is "$RC" 2 test_proof_refuses_a_bad_nonce
ctl_run dpop-proof --method GET --url "$TOKEND_URL/resource" alice
[ "$RC" -eq 0 ] && [ "$(resource -H "Authorization: DPoP $TOK" -H "DPoP: $OUT")" = 200 ]
tap_ok $? test_root_may_prove_for_a_named_user || diag_ctl

# A refreshed token is bound as well (tokend refuses an unproven refresh).
pa_tokend_control '{"expires_in":30}' >/dev/null
pa_pam_expect test_dpop_login_short_token ok alice 1234 authenticate open_session
ctl_run token alice --json
NEW=$(pa_json_get access_token <<<"$OUT")
[ "$RC" -eq 0 ] && [ "$(pa_json_get renewed <<<"$OUT")" = true ] &&
	[ "$(payload_of <<<"$NEW" | pa_json_get cnf.jkt)" = "$JKT" ]
tap_ok $? test_dpop_refresh_stays_bound || diag_ctl
pa_tokend_control '{"expires_in":300}' >/dev/null

# Server nonces: the first proof lacks it, the retry carries it.
pa_tokend_control '{"dpop_nonce":true,"rotate_dpop_nonce":true}' >/dev/null
pa_tokend_stats reset >/dev/null
pa_pam_expect test_dpop_nonce_is_obeyed ok carol 3456 authenticate
n=$(stat_of token.password)
[ "$n" -ge 2 ] && grep -q use_dpop_nonce "$TOKEND_LOG"
tap_ok $? test_dpop_nonce_needed_one_retry || tap_diag "token requests: $n"
pa_tokend_control '{"rotate_dpop_nonce":true}' >/dev/null
pa_pam_expect test_dpop_rotated_nonce_is_obeyed ok carol 3456 authenticate
pa_tokend_control '{"dpop_nonce":false}' >/dev/null

# A service that ignores the proof gives bearer tokens: refused.
pa_tokend_control '{"dpop_required":false}' >/dev/null
CLIENT_SECRET_FILE=/nonexistent/secret reconf "client_auth = private_key_jwt"
pa_pam_expect test_dpop_off_gives_bearer_login ok erin 5678 authenticate open_session
grep -q '"token_type": *"DPoP"' <<<"$(resource -H "Authorization: Bearer $(cat "$W/run/erin/token")"; cat "$W/res.body")"
tap_ok $((! $?)) test_dpop_off_token_is_a_bearer_token

# --- tls_client_auth -------------------------------------------------------------
pa_tokend_control '{"client_auth_methods":["tls_client_auth"]}' >/dev/null
CLIENT_SECRET_FILE=/nonexistent/secret reconf "client_auth = tls_client_auth" \
	"client_cert_file = $W/client.pem" "client_key_file = $W/client.key"
pa_tokend_stats reset >/dev/null
before=$(pa_tokend_revoked | pa_json_get refresh_tokens_revoked)
pa_pam_expect test_tls_client_auth_login_logout ok frank 6789 authenticate open_session close_session
after=$(pa_tokend_revoked | pa_json_get refresh_tokens_revoked)
[ "$(stat_of token.password)" = 1 ] && [ "$after" -gt "$before" ]
tap_ok $? test_tls_client_auth_token_and_revocation || tap_diag "revoked $before -> $after"
pa_tokend_control '{"expires_in":30}' >/dev/null
pa_pam_expect test_tls_client_auth_login_short_token ok frank 6789 authenticate open_session
ctl_run token frank --json
[ "$RC" -eq 0 ] && [ "$(pa_json_get renewed <<<"$OUT")" = true ]
tap_ok $? test_tls_client_auth_refresh || diag_ctl
pa_tokend_control '{"expires_in":300}' >/dev/null
# The client key is checked like the secret: group-readable fails closed.
chmod 640 "$W/client.key"
pa_pam_expect test_tls_client_key_with_bad_mode_fails_closed "$E_SERVICE" frank 6789 authenticate
chmod 600 "$W/client.key"
# With DPoP on top: mTLS authenticates, the device key binds.
CLIENT_SECRET_FILE=/nonexistent/secret reconf "client_auth = tls_client_auth" \
	"client_cert_file = $W/client.pem" "client_key_file = $W/client.key" "dpop = yes"
pa_pam_expect test_tls_client_auth_with_dpop ok frank 6789 authenticate open_session
got=$(payload_of <"$W/run/frank/token" | pa_json_get cnf.jkt)
tap_is "$got" "$JKT" test_tls_client_auth_dpop_token_is_bound

# --- the other key types, end to end ---------------------------------------------
for t in ed25519:EdDSA rsa-3072:PS256; do
	type=${t%:*} alg=${t#*:}
	pa_stop_posauthd
	rm -f "$KEY"
	CLIENT_SECRET_FILE=/nonexistent/secret reconf "client_auth = private_key_jwt" \
		"dpop = yes" "device_key_type = $type"
	pa_start_posauthd "$CONF" "$SOCK"
	ctl_run device-key --json
	J=$(pa_json_get jwk <<<"$OUT")
	K=$(pa_json_get thumbprint <<<"$OUT")
	[ "$RC" -eq 0 ] && [ "$(pa_json_get alg <<<"$J")" = "$alg" ] &&
		[ "$(thumb_py <<<"$J")" = "$K" ]
	tap_ok $? "test_${type}_device_key_signs_with_$alg" || diag_ctl
	pa_tokend_control "{\"client_auth_methods\":[\"private_key_jwt\"],\"client_jwk\":$J}" >/dev/null
	pa_pam_expect "test_${type}_private_key_jwt_dpop_login" ok erin 5678 authenticate open_session
	tap_is "$(payload_of <"$W/run/erin/token" | pa_json_get cnf.jkt)" "$K" \
		"test_${type}_session_token_is_bound"
done

# --- a key file someone else could read is refused -----------------------------
pa_stop_posauthd
chmod 640 "$KEY"
pa_start_posauthd "$CONF" "$SOCK"
pa_pam_expect test_device_key_with_bad_mode_fails_closed "$E_SYSTEM" frank 6789 authenticate
grep -q "device key (file) unusable" "$POSAUTHD_LOG"
tap_ok $? test_device_key_with_bad_mode_is_logged
chmod 600 "$KEY"

tap_done
