#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/tokend_smoke.sh - proves the reference token service itself.
#
# Every integration test trusts tokend to be an honest IdP when told to,
# and to forge exactly the attack it was asked for otherwise.  This test
# checks both with curl and an independent JOSE implementation (PyJWT), so
# a module test that fails points at the module, not at its test server.

# shellcheck source=tests/lib.sh
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"

command -v curl >/dev/null || skip_all "curl not found"
command -v openssl >/dev/null || skip_all "openssl not found"
pa_require_python_modules jwt cryptography

# helper ARGS...: the test client (keys, assertions, DPoP proofs).
helper() { "$PA_PYTHON3" "$top_srcdir/tests/tokend/client_helpers.py" "$@"; }

pa_tmpdir WORK
pa_make_ca "$WORK" smoke || { echo "Bail out! cannot make certificates"; exit 1; }
# The terminal's private_key_jwt key, registered on the command line.
helper keygen ES256 "$WORK/client.pem" "$WORK/client.jwk" ||
	{ echo "Bail out! cannot make a client key"; exit 1; }

# mk_client_cert CA NAME SUBJECT: $WORK/NAME.pem and .key, a TLS client
# certificate signed by $WORK/CA.pem (a new CA of that name if missing).
mk_client_cert() {
	local ca=$1 name=$2 subj=$3
	(
		cd "$WORK" || exit 1
		[ -f "$ca.pem" ] || openssl req -x509 -newkey ec \
			-pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
			-keyout "$ca.key" -out "$ca.pem" -subj "/CN=$ca Test CA" \
			-addext "basicConstraints=critical,CA:TRUE" \
			-addext "keyUsage=critical,keyCertSign,cRLSign" || exit 1
		printf '%s\n' "basicConstraints=critical,CA:FALSE" \
			"keyUsage=critical,digitalSignature" \
			"extendedKeyUsage=clientAuth" >"$name.ext"
		openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout "$name.key" -out "$name.csr" -subj "$subj" &&
		openssl x509 -req -in "$name.csr" -CA "$ca.pem" -CAkey "$ca.key" \
			-set_serial "0x$(openssl rand -hex 8)" -days 1 \
			-extfile "$name.ext" -out "$name.pem"
	) >>"$WORK/openssl.log" 2>&1
}
# The terminal's certificate, one with another subject from the same CA,
# and one with the right subject from a CA tokend does not know.
TERMINAL_DN="CN=pos-terminal-01,O=Acme POS"
if ! { mk_client_cert clientca terminal "/O=Acme POS/CN=pos-terminal-01" &&
	mk_client_cert clientca other "/O=Acme POS/CN=pos-terminal-99" &&
	mk_client_cert rogueca rogue "/O=Acme POS/CN=pos-terminal-01"; }; then
	echo "Bail out! cannot make client certificates"
	exit 1
fi

pa_start_tokend "$WORK" --client-jwk "$WORK/client.jwk" \
	--client-ca "$WORK/clientca.pem" --client-cert-subject "$TERMINAL_DN" ||
	{ echo "Bail out! tokend did not start"; exit 1; }

# post ENDPOINT CURL-ARGS...: sets BODY and STATUS.
post() {
	local out
	out=$(pa_tokend_post "$@")
	STATUS=${out##*$'\n'}
	BODY=${out%$'\n'*}
}
field() { printf '%s' "$BODY" | pa_json_get "$1" 2>/dev/null; }
login() { post token -d grant_type=password -d "username=$1" -d "password=$2"; }
refresh() { post token -d grant_type=refresh_token --data-urlencode "refresh_token=$1"; }
control() { pa_tokend_control "$1" >/dev/null; }
fetch_jwks() { pa_curl "$TOKEND_URL/jwks" >"$WORK/jwks.json"; }

# An independent verifier: PyJWT against the published JWKS.
cat >"$WORK/check.py" <<'EOF'
import base64, hashlib, hmac, json, sys, time
import jwt
from cryptography.hazmat.primitives import serialization

mode, token_file, jwks_file, issuer, aud = sys.argv[1:6]
token = open(token_file).read()
want = dict(a.split("=", 1) for a in sys.argv[6:])
jwks = {k["kid"]: k for k in json.load(open(jwks_file))["keys"]}

def b64d(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))

def fail(msg):
    sys.exit("%s: %s" % (mode, msg))

def sig_ok(tok, jwk):
    # Signature only: PyJWS would also refuse crit, which we test apart.
    alg = jwt.algorithms.get_default_algorithms()[jwk["alg"]]
    signing_input, _, sig = tok.rpartition(".")
    return alg.verify(signing_input.encode(), alg.from_jwk(jwk), b64d(sig))

if mode == "garbage":
    token == "not.a.jwt!!" or fail("not the garbage string")
    sys.exit(0)
h64, p64, s64 = token.split(".")
header, claims = json.loads(b64d(h64)), json.loads(b64d(p64))
jwk = jwks.get(header.get("kid"))
published = jwk is not None and sig_ok(token, jwk)

if mode == "honest":
    published or fail("signature does not verify against the JWKS")
    header["alg"] == jwk["alg"] or fail("alg differs from the JWK")
    claims = jwt.decode(token, jwt.PyJWK(jwk).key, algorithms=[jwk["alg"]],
                        audience=aud, issuer=issuer, options={"require": [
                            "exp", "iat", "nbf", "iss", "aud", "sub", "jti"]})
    claims["azp"] == aud or fail("azp is not the client")
    for k, v in want.items():
        got = header.get(k[7:]) if k.startswith("header.") else claims.get(k)
        if json.dumps(got) != v and got != v:
            fail("%s is %r, want %s" % (k, got, v))
    sys.exit(0)

now = time.time()
checks = {
    "alg_none": lambda: header["alg"] == "none" and s64 == "",
    "hs256_pubkey": lambda: header["alg"] == "HS256" and jwk is not None
        and hmac.compare_digest(b64d(s64), hmac.new(
            jwt.PyJWK(jwk).key.public_bytes(
                serialization.Encoding.PEM,
                serialization.PublicFormat.SubjectPublicKeyInfo),
            (h64 + "." + p64).encode(), hashlib.sha256).digest()),
    "wrong_iss": lambda: published and claims["iss"] != issuer,
    "wrong_aud": lambda: published and aud not in claims["aud"],
    "multi_aud_no_azp": lambda: published
        and claims["aud"] == [aud, "other"] and "azp" not in claims,
    "multi_aud_wrong_azp": lambda: published
        and claims["aud"] == [aud, "other"] and claims["azp"] == "other",
    "wrong_tenant": lambda: published and claims["tenant"] != "acme",
    "wrong_store": lambda: published and claims["store"] != "store-042",
    "wrong_user": lambda: published
        and claims["preferred_username"] != "alice",
    "expired": lambda: published and claims["exp"] < now,
    "not_yet_valid": lambda: published and claims["nbf"] > now,
    "iat_future": lambda: published and claims["iat"] > now,
    "no_exp": lambda: published and "exp" not in claims,
    "tampered_payload": lambda: jwk is not None and not published
        and claims["roles"] == ["admin"],
    "unknown_kid": lambda: jwk is None,
    "jku_header": lambda: jwk is None and header["jku"].startswith("https://"),
    "jwk_header": lambda: jwk is None and sig_ok(token, header["jwk"]),
    "crit_unknown": lambda: published and header["crit"] == ["exp_ext"]
        and "exp_ext" in header,
    "oversize": lambda: published and len(token) > 200 * 1024,
    "roles_not_array": lambda: published and isinstance(claims["roles"], str),
    "wrong_alg_for_key": lambda: jwk is not None
        and header["alg"] != jwk["alg"] and not published,
}
checks[mode]() or fail("token does not show the forgery: %s %s"
                       % (header, {k: claims[k] for k in claims if k != "pad"}))
EOF
# check MODE TOKEN [claim=value...]: the token goes through a file, as an
# oversize one would not fit in an argument.
check() {
	printf '%s' "$2" >"$WORK/token"
	"$PA_PYTHON3" "$WORK/check.py" "$1" "$WORK/token" "$WORK/jwks.json" \
		"$TOKEND_URL" "$CLIENT_ID" "${@:3}"
}

# --- discovery and keys -----------------------------------------------------

BODY=$(pa_curl "$TOKEND_URL/.well-known/openid-configuration")
ok=0
for f in issuer token_endpoint jwks_uri revocation_endpoint \
	introspection_endpoint grant_types_supported \
	id_token_signing_alg_values_supported; do
	field "$f" >/dev/null || { tap_diag "missing $f"; ok=1; }
done
tap_ok $ok test_discovery_has_required_fields
tap_is "$(field issuer)" "$TOKEND_URL" test_discovery_issuer_is_server_url
tap_is "$(field token_endpoint_auth_methods_supported)" \
	'["client_secret_basic", "private_key_jwt", "tls_client_auth"]' \
	test_discovery_advertises_every_client_auth_method
tap_is "$(field token_endpoint_auth_signing_alg_values_supported)" \
	'["ES256", "EdDSA", "RS256", "PS256"]' test_discovery_advertises_assertion_algs

fetch_jwks
BODY=$(cat "$WORK/jwks.json")
CUR_KID=$(pa_tokend_control '{}' | pa_json_get current_kid)
[ "$(field keys.0.kid)" = "$CUR_KID" ] && [ "$(field keys.0.use)" = sig ] &&
	[ "$(field keys.0.kty)" = RSA ] && field keys.0.n >/dev/null
tap_ok $? test_jwks_parses_with_current_kid

# --- password grant -----------------------------------------------------------

login alice 1234
[ "$STATUS" = 200 ] && [ "$(field token_type)" = Bearer ] &&
	[ "$(field expires_in)" = 300 ] && field refresh_token >/dev/null
tap_ok $? test_password_grant_alice_succeeds
ALICE_AT=$(field access_token)
ALICE_RT=$(field refresh_token)
check honest "$(field id_token)" preferred_username=alice roles='["cashier"]' \
	tenant=acme store=store-042 header.typ=JWT
tap_ok $? test_id_token_verifies_against_jwks
check honest "$ALICE_AT" preferred_username=alice header.typ=at+jwt \
	scope="openid pos"
tap_ok $? test_access_token_is_typed_at_jwt_with_scope

login frank 6789
check honest "$(field id_token)" store='["store-042", "store-043"]'
tap_ok $? test_store_array_is_kept_as_array
login mallory 9999
check honest "$(field id_token)" tenant=evil
tap_ok $? test_other_tenant_user_gets_own_tenant

login alice 0000
tap_is "$STATUS $(field error)" "400 invalid_grant" test_wrong_pin_is_invalid_grant
login nosuchuser 1234
tap_is "$STATUS $(field error)" "400 invalid_grant" test_unknown_user_is_invalid_grant
post token -d grant_type=password -d username=alice
tap_is "$STATUS $(field error)" "400 invalid_request" test_missing_pin_is_invalid_request
post token -d grant_type=client_credentials
tap_is "$STATUS $(field error)" "400 unsupported_grant_type" \
	test_unknown_grant_is_unsupported_grant_type
post token -d grant_type=password -d username=alice -d username=bob -d password=1234
tap_is "$STATUS $(field error)" "400 invalid_request" test_repeated_parameter_is_invalid_request

out=$(pa_curl -i -u "$CLIENT_ID:wrong" -d grant_type=password -d username=alice \
	-d password=1234 "$TOKEND_URL/token")
printf '%s' "$out" | grep -q '^HTTP/1.1 401' &&
	printf '%s' "$out" | grep -qi '^WWW-Authenticate: Basic' &&
	printf '%s' "$out" | grep -q '"invalid_client"'
tap_ok $? test_wrong_client_secret_is_401_invalid_client
out=$(pa_curl -w '%{http_code}' -d grant_type=password -d username=alice \
	-d password=1234 -d "client_id=$CLIENT_ID" \
	--data-urlencode "client_secret=$CLIENT_SECRET" "$TOKEND_URL/token")
tap_is "${out: -3}" 401 test_client_secret_in_body_is_refused

# --- refresh tokens -------------------------------------------------------------

refresh "$ALICE_RT"
RT2=$(field refresh_token)
[ "$STATUS" = 200 ] && [ -n "$RT2" ] && [ "$RT2" != "$ALICE_RT" ]
tap_ok $? test_refresh_rotates_refresh_token
check honest "$(field access_token)" preferred_username=alice
tap_ok $? test_refreshed_access_token_verifies
refresh "$RT2"
RT3=$(field refresh_token)
tap_is "$STATUS" 200 test_rotated_refresh_token_works_once

refresh "$ALICE_RT"
tap_is "$STATUS $(field error)" "400 invalid_grant" test_refresh_token_reuse_is_invalid_grant
refresh "$RT3"
tap_is "$STATUS $(field error)" "400 invalid_grant" test_refresh_token_reuse_revokes_family
post introspect --data-urlencode "token=$ALICE_AT"
tap_is "$(field active)" false test_reuse_also_deactivates_access_tokens
BODY=$(pa_tokend_revoked)
[ "$(field families_revoked)" -ge 1 ] && [ "$(field refresh_tokens_revoked)" -ge 3 ] &&
	[ "$(field reuse_detected)" = 1 ]
tap_ok $? test_revoked_counters_report_family

# --- revocation and introspection -------------------------------------------------

login bob 2345
BOB_AT=$(field access_token)
BOB_RT=$(field refresh_token)
post introspect --data-urlencode "token=$BOB_AT"
[ "$(field active)" = true ] && [ "$(field preferred_username)" = bob ]
tap_ok $? test_introspect_active_access_token
post introspect --data-urlencode "token=$BOB_RT" -d token_type_hint=refresh_token
[ "$(field active)" = true ] && [ "$(field username)" = bob ]
tap_ok $? test_introspect_active_refresh_token
post revoke --data-urlencode "token=$BOB_RT" -d token_type_hint=refresh_token
tap_is "$STATUS" 200 test_revoke_refresh_token_answers_200
post introspect --data-urlencode "token=$BOB_RT"
tap_is "$(field active)" false test_revoked_refresh_token_is_inactive
refresh "$BOB_RT"
tap_is "$STATUS $(field error)" "400 invalid_grant" test_revoked_refresh_token_is_invalid_grant
post revoke -d token=never-issued
tap_is "$STATUS" 200 test_revoke_unknown_token_answers_200
post introspect -d token=not.a.jwt
tap_is "$STATUS $(field active)" "200 false" test_introspect_garbage_is_inactive
login carol 3456
CAROL_AT=$(field access_token)
post revoke --data-urlencode "token=$CAROL_AT"
post introspect --data-urlencode "token=$CAROL_AT"
tap_is "$(field active)" false test_revoked_access_token_is_inactive
out=$(pa_curl -o /dev/null -w '%{http_code}' -u foo:bar -d token=x "$TOKEND_URL/introspect")
tap_is "$out" 401 test_introspect_requires_client_auth

# --- a person changed at the service (/_test/user) ---------------------------------

# roles_of TOKEN: the roles claim, comma-joined.
roles_of() {
	"$PA_PYTHON3" -c 'import json,base64,sys; p=sys.argv[1].split(".")[1]
print(",".join(json.loads(base64.urlsafe_b64decode(p+"="*(-len(p)%4)))["roles"]))' "$1"
}
user_set() {
	local out
	out=$(pa_curl -w '\n%{http_code}' -X POST -H 'Content-Type: application/json' \
		--data "$1" "$TOKEND_URL/_test/user")
	STATUS=${out##*$'\n'}
	BODY=${out%$'\n'*}
}
login erin 5678
ERIN_RT=$(field refresh_token)
user_set '{"username":"erin","roles":["cashier"]}'
[ "$STATUS" = 200 ] && [ "$(field roles)" = '["cashier"]' ] && [ "$(field disabled)" = false ]
tap_ok $? test_user_endpoint_answers_the_person || tap_diag "$STATUS $BODY"
refresh "$ERIN_RT"
ERIN_RT=$(field refresh_token)
tap_is "$STATUS $(roles_of "$(field access_token)")/$(roles_of "$(field id_token)")" \
	"200 cashier/cashier" test_role_change_reaches_refreshed_tokens
login erin 5678
tap_is "$(roles_of "$(field access_token)")" cashier test_role_change_reaches_password_grant
user_set '{"username":"erin","disabled":true}'
refresh "$ERIN_RT"
tap_is "$STATUS $(field error)" "400 invalid_grant" test_disabled_user_refresh_is_invalid_grant
login erin 5678
tap_is "$STATUS $(field error)" "400 invalid_grant" test_disabled_user_password_is_invalid_grant
user_set '{"username":"erin","disabled":false,"roles":["cashier","manager"]}'
refresh "$ERIN_RT"
[ "$STATUS" = 200 ] && [ "$(roles_of "$(field access_token)")" = cashier,manager ]
tap_ok $? test_enabled_again_refresh_works
user_set '{"username":"nobody","disabled":true}'
tap_is "$STATUS" 404 test_user_endpoint_unknown_user_is_404
user_set '{"username":"erin","role":["admin"]}'
tap_is "$STATUS" 400 test_user_endpoint_rejects_unknown_field
user_set '{"username":"erin","disabled":"yes"}'
tap_is "$STATUS" 400 test_user_endpoint_rejects_bad_value

# --- faults ----------------------------------------------------------------------

BODY=$(pa_tokend_control '{"fault":"http503"}')
tap_is "$(field fault)" http503 test_control_from_loopback_answers_settings
out=$(pa_curl -o /dev/null -w '%{http_code}' "$TOKEND_URL/jwks")
tap_is "$out" 503 test_fault_http503_gives_503
control '{"fault":"http500"}'
login alice 1234
tap_is "$STATUS" 500 test_fault_http500_gives_500

control '{"fault":"down"}'
pa_curl -o /dev/null "$TOKEND_URL/.well-known/openid-configuration" 2>/dev/null
rc=$?
[ $rc = 52 ] || [ $rc = 56 ]
tap_ok $? test_fault_down_closes_connection || tap_diag "curl exit $rc"
BODY=$(pa_tokend_stats)
tap_ok $? test_test_endpoints_ignore_faults

control '{"fault":"bad_json"}'
login alice 1234
[ "$STATUS" = 200 ] && ! field error >/dev/null && ! printf '%s' "$BODY" | pa_json_get "" >/dev/null 2>&1
tap_ok $? test_fault_bad_json_gives_200_non_json

control '{"fault":"huge"}'
out=$(pa_curl -o /dev/null -w '%{size_download}' -H "$PA_BASIC_AUTH" \
	-d grant_type=password -d username=alice -d password=1234 "$TOKEND_URL/token")
tap_is "$out" 67108864 test_fault_huge_sends_64_mib

pa_tokend_stats reset >/dev/null
control '{"fault":"redirect"}'
out=$(pa_curl -o /dev/null -w '%{http_code} %{redirect_url}' "$TOKEND_URL/jwks")
[ "${out%% *}" = 302 ] && [ -n "${out#* }" ] &&
	[ "$(pa_tokend_stats | pa_json_get redirected)" = 0 ]
tap_ok $? test_fault_redirect_gives_302 || tap_diag "$out"

control '{"fault":"slow","slow_seconds":1}'
out=$(pa_curl -o /dev/null -w '%{time_total}' "$TOKEND_URL/jwks")
awk -v t="$out" 'BEGIN { exit !(t >= 1.0) }'
tap_ok $? test_fault_slow_delays_answer || tap_diag "took $out s"

control '{"fault":"none","latency_ms":200}'
out=$(pa_curl -o /dev/null -w '%{time_appconnect} %{time_total}' "$TOKEND_URL/jwks")
control '{"latency_ms":0}'
awk -v a="${out% *}" -v t="${out#* }" 'BEGIN { exit !(a >= 0.4 && t - a >= 0.2) }'
tap_ok $? test_latency_delays_handshake_and_request || tap_diag "appconnect, total: $out"

control '{"fault":"trickle"}'
PA_CURL_TIMEOUT=3 pa_curl -o /dev/null "$TOKEND_URL/jwks" 2>/dev/null
tap_is $? 28 test_fault_trickle_starves_client

control '{"fault":"http503","fault_endpoints":["token"]}'
out=$(pa_curl -o /dev/null -w '%{http_code}' "$TOKEND_URL/jwks")
login alice 1234
tap_is "$out $STATUS" "200 503" test_fault_endpoints_limits_fault

control '{"fault":"none","fault_endpoints":null}'
login alice 1234
tap_is "$STATUS" 200 test_fault_none_restores_service

out=$(pa_curl -w '%{http_code}' -o /dev/null -X POST -H 'Content-Type: application/json' \
	--data '{"fualt":"down"}' "$TOKEND_URL/_test/control")
tap_is "$out" 400 test_control_rejects_unknown_field

# --- settings ----------------------------------------------------------------------

control '{"expires_in":60}'
login alice 1234
[ "$(field expires_in)" = 60 ] && check honest "$(field access_token)" &&
	"$PA_PYTHON3" -c 'import json,base64,sys; p=sys.argv[1].split(".")[1];
c=json.loads(base64.urlsafe_b64decode(p+"="*(-len(p)%4))); sys.exit(c["exp"]-c["iat"]!=60)' \
		"$(field access_token)"
tap_ok $? test_expires_in_sets_token_lifetime

control '{"wrong_issuer_in_discovery":true}'
out=$(pa_curl "$TOKEND_URL/.well-known/openid-configuration" | pa_json_get issuer)
[ "$out" != "$TOKEND_URL" ]
tap_ok $? test_wrong_issuer_in_discovery

BODY=$(pa_tokend_control '{"reset":true}')
[ "$(field expires_in)" = 300 ] && [ "$(field wrong_issuer_in_discovery)" = false ] &&
	[ "$(field current_kid)" = "$CUR_KID" ]
tap_ok $? test_reset_restores_defaults_keeps_keys

# --- forged tokens -----------------------------------------------------------------

fetch_jwks
for mode in alg_none hs256_pubkey wrong_iss wrong_aud multi_aud_no_azp \
	multi_aud_wrong_azp wrong_tenant wrong_store wrong_user expired \
	not_yet_valid iat_future no_exp tampered_payload unknown_kid jku_header \
	jwk_header crit_unknown garbage oversize roles_not_array wrong_alg_for_key; do
	control "{\"forge\":\"$mode\"}"
	login alice 1234
	out=$( { check "$mode" "$(field access_token)" &&
		check "$mode" "$(field id_token)"; } 2>&1)
	tap_ok $? "test_forge_${mode}_yields_forged_tokens" || tap_diag "$out"
done
control '{"forge":"none"}'
login alice 1234
check honest "$(field id_token)"
tap_ok $? test_forge_none_is_honest_again

# --- keys and algorithms -----------------------------------------------------------

BODY=$(pa_tokend_control '{"rotate":true}')
NEW_KID=$(field current_kid)
fetch_jwks
BODY=$(cat "$WORK/jwks.json")
[ "$NEW_KID" != "$CUR_KID" ] && [ "$(field keys.0.kid)" = "$NEW_KID" ] &&
	[ "$(field keys.1.kid)" = "$CUR_KID" ]
tap_ok $? test_key_rotation_adds_kid_keeps_old
login alice 1234
check honest "$(field id_token)" header.kid="$NEW_KID"
tap_ok $? test_tokens_after_rotation_use_new_kid

control '{"drop_old_keys":true}'
fetch_jwks
BODY=$(cat "$WORK/jwks.json")
tap_is "$("$PA_PYTHON3" -c 'import json, sys; print(len(json.load(sys.stdin)["keys"]))' \
	<"$WORK/jwks.json")" 1 test_drop_old_keys_leaves_one

for alg in RS384 RS512 PS256 ES256 ES384 EdDSA RS256; do
	control "{\"alg\":\"$alg\"}"
	fetch_jwks
	login alice 1234
	check honest "$(field id_token)" header.alg="$alg" &&
		check honest "$(field access_token)" header.alg="$alg"
	tap_ok $? "test_alg_${alg}_tokens_verify_with_pyjwt"
done

# --- device authorization grant (RFC 8628) ------------------------------------

control '{"reset":true}'
fetch_jwks
DEVICE_GRANT=urn:ietf:params:oauth:grant-type:device_code
# device_start HINT [curl args...]: sets BODY STATUS DEVICE_CODE USER_CODE.
device_start() {
	local hint=$1
	shift
	post device_authorization -d "login_hint=$hint" "$@"
	DEVICE_CODE=$(field device_code)
	USER_CODE=$(field user_code)
}
device_poll() { post token -d "grant_type=$DEVICE_GRANT" --data-urlencode "device_code=$1"; }
# device_act USER_CODE approve|deny [USER]: answers the HTTP status.
device_act() {
	local req
	req=$("$PA_PYTHON3" -c 'import json, sys
r = {"user_code": sys.argv[1], "action": sys.argv[2]}
if len(sys.argv) > 3: r["user"] = sys.argv[3]
print(json.dumps(r))' "$@")
	pa_curl -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
		--data "$req" "$TOKEND_URL/_test/device"
}
# device_listed USER_CODE FIELD: that field of the code's /_test/device entry.
device_listed() {
	pa_curl "$TOKEND_URL/_test/device" | "$PA_PYTHON3" -c 'import json, sys
for d in json.load(sys.stdin)["device_authorizations"]:
    if d["user_code"] == sys.argv[1]:
        v = d[sys.argv[2]]
        print(v if isinstance(v, str) else json.dumps(v))' "$1" "$2"
}

BODY=$(pa_curl "$TOKEND_URL/.well-known/openid-configuration")
[ "$(field device_authorization_endpoint)" = "$TOKEND_URL/device_authorization" ] &&
	field grant_types_supported | grep -qF "\"$DEVICE_GRANT\""
tap_ok $? test_discovery_has_device_authorization_endpoint

control '{"device_interval":1}'
pa_tokend_stats reset >/dev/null
device_start bob -d "scope=openid pos"
[ "$STATUS" = 200 ] && [ "${#DEVICE_CODE}" -ge 32 ] &&
	[[ $USER_CODE =~ ^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$ ]] &&
	[ "$(field verification_uri)" = "$TOKEND_URL/device" ] &&
	[ "$(field verification_uri_complete)" = "$TOKEND_URL/device?user_code=$USER_CODE" ] &&
	[ "$(field expires_in)" = 300 ] && [ "$(field interval)" = 1 ]
tap_ok $? test_device_authorization_answers_codes || tap_diag "$STATUS $BODY"
out=$(pa_curl -o /dev/null -w '%{http_code}' "$(field verification_uri_complete)")
tap_is "$out" 200 test_device_verification_page_exists

pa_curl "$TOKEND_URL/_test/device" | "$PA_PYTHON3" -c 'import json, sys
d = json.load(sys.stdin)["device_authorizations"][0]
sys.exit(not (d["user_code"] == sys.argv[1] and d["login_hint"] == "bob"
              and d["state"] == "pending"))' "$USER_CODE"
tap_ok $? test_device_pending_listed_with_login_hint

device_poll "$DEVICE_CODE"
ok=$?
[ "$STATUS $(field error)" = "400 authorization_pending" ] || ok=1
tap_is "$(device_act "$USER_CODE" approve)" 200 test_device_test_endpoint_approves
sleep 1.1
device_poll "$DEVICE_CODE"
[ $ok = 0 ] && [ "$STATUS" = 200 ] && [ "$(field token_type)" = Bearer ] &&
	field refresh_token >/dev/null &&
	check honest "$(field id_token)" preferred_username=bob acr=urn:posauth:mfa \
		amr='["pwd", "otp"]' &&
	check honest "$(field access_token)" preferred_username=bob header.typ=at+jwt \
		acr=urn:posauth:mfa amr='["pwd", "otp"]' scope="openid pos"
tap_ok $? test_device_grant_pending_then_tokens || tap_diag "$STATUS $BODY"
DEVICE_RT=$(field refresh_token)

device_poll "$DEVICE_CODE"
tap_is "$STATUS $(field error)" "400 invalid_grant" test_device_code_redeemed_only_once
refresh "$DEVICE_RT"
check honest "$(field id_token)" preferred_username=bob acr=urn:posauth:mfa amr='["pwd", "otp"]'
tap_ok $? test_device_refresh_keeps_acr_amr

login alice 1234
"$PA_PYTHON3" -c 'import json, base64, sys
p = sys.argv[1].split(".")[1]
c = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
sys.exit(not (c["amr"] == ["pwd"] and "acr" not in c and "auth_time" in c))' "$(field id_token)"
tap_ok $? test_password_grant_has_amr_pwd_and_no_acr

device_start bob
device_act "$USER_CODE" approve carol >/dev/null
device_poll "$DEVICE_CODE"
[ "$STATUS" = 200 ] && check honest "$(field id_token)" preferred_username=carol \
	roles='["admin"]'
tap_ok $? test_device_approval_by_other_user_gives_their_token

device_start bob
device_act "$USER_CODE" deny >/dev/null
device_poll "$DEVICE_CODE"
tap_is "$STATUS $(field error)" "400 access_denied" test_device_deny_gives_access_denied
tap_is "$(device_act "$USER_CODE" approve)" 409 test_device_cannot_approve_after_deny

device_start bob
device_poll "$DEVICE_CODE"
device_poll "$DEVICE_CODE"
[ "$STATUS $(field error)" = "400 slow_down" ] && [ "$(device_listed "$USER_CODE" interval)" = 6 ]
tap_ok $? test_device_polling_too_fast_is_slow_down || tap_diag "$STATUS $BODY"
sleep 1.1
device_poll "$DEVICE_CODE"
[ "$STATUS $(field error)" = "400 slow_down" ] && [ "$(device_listed "$USER_CODE" interval)" = 11 ]
tap_ok $? test_device_slow_down_raises_interval_by_5

# device_slow_down: the first poll is never early, yet it gets slow_down.
control '{"device_slow_down":1}'
device_start bob
device_poll "$DEVICE_CODE"
[ "$STATUS $(field error)" = "400 slow_down" ] && [ "$(device_listed "$USER_CODE" interval)" = 6 ]
tap_ok $? test_device_slow_down_setting_forces_the_first_poll || tap_diag "$STATUS $BODY"
control '{"device_slow_down":0}'

control '{"device_expires_in":1}'
device_start bob
[ "$(field expires_in)" = 1 ]
ok=$?
sleep 1.2
device_poll "$DEVICE_CODE"
[ $ok = 0 ] && [ "$STATUS $(field error)" = "400 expired_token" ] &&
	[ "$(device_listed "$USER_CODE" state)" = expired ]
tap_ok $? test_device_expiry_gives_expired_token || tap_diag "$STATUS $BODY"
control '{"device_expires_in":300}'

control '{"device_auto":"approve","acr":"urn:example:loa:3","amr":["pwd","hwk"]}'
device_start dave
device_poll "$DEVICE_CODE"
[ "$STATUS" = 200 ] && check honest "$(field id_token)" preferred_username=dave \
	acr=urn:example:loa:3 amr='["pwd", "hwk"]'
tap_ok $? test_device_auto_approve_and_acr_amr_settings
control '{"device_auto":"deny","acr":null,"amr":null}'
device_start dave
device_poll "$DEVICE_CODE"
tap_is "$STATUS $(field error)" "400 access_denied" test_device_auto_deny
control '{"device_auto":"approve","device_auto_delay":30}'
device_start dave
device_poll "$DEVICE_CODE"
tap_is "$STATUS $(field error)" "400 authorization_pending" test_device_auto_delay_waits
control '{"device_auto":null,"device_auto_delay":0}'
device_start dave
device_act "$USER_CODE" approve >/dev/null
device_poll "$DEVICE_CODE"
"$PA_PYTHON3" -c 'import json, base64, sys
p = sys.argv[1].split(".")[1]
c = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
sys.exit("acr" in c or "amr" in c)' "$(field id_token)"
tap_ok $? test_device_acr_amr_null_leaves_claims_out

post device_authorization -d scope=openid
tap_is "$STATUS $(field error)" "400 invalid_request" test_device_authorization_needs_login_hint
out=$(pa_curl -o /dev/null -w '%{http_code}' -d login_hint=bob "$TOKEND_URL/device_authorization")
tap_is "$out" 401 test_device_authorization_needs_client_auth
device_poll not-a-device-code
tap_is "$STATUS $(field error)" "400 invalid_grant" test_unknown_device_code_is_invalid_grant
tap_is "$(device_act BBBB-BBBB approve)" 404 test_device_unknown_user_code_is_404
device_start bob
out=$(pa_curl -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
	--data "{\"user_code\":\"$USER_CODE\",\"action\":\"approve\",\"user\":5}" \
	"$TOKEND_URL/_test/device")
tap_is "$out $(device_act "$USER_CODE" approve nosuchuser) $(device_listed "$USER_CODE" state)" \
	"400 400 pending" test_device_test_endpoint_refuses_bad_user

BODY=$(pa_tokend_stats)
[ "$(field device_authorization)" -ge 9 ] && [ "$(field token.device_code)" -ge 12 ]
tap_ok $? test_stats_count_device_grant || tap_diag "$BODY"
control '{"reset":true}'

# --- private_key_jwt client authentication (RFC 7523) --------------------------

TOKEN_EP="$TOKEND_URL/token"
ASSERTION_TYPE=urn:ietf:params:oauth:client-assertion-type:jwt-bearer
# assertion AUD [options]: a client assertion signed with $WORK/client.pem.
assertion() { helper assertion "$WORK/${KEY:-client}.pem" "${ALG:-ES256}" "$CLIENT_ID" "$@"; }
# post_noauth ENDPOINT CURL-ARGS...: like post, without HTTP Basic; the
# response headers go to $WORK/headers.
post_noauth() {
	local endpoint=$1 out
	shift
	out=$(pa_curl -D "$WORK/headers" -w '\n%{http_code}\n' "$@" "$TOKEND_URL/$endpoint")
	STATUS=${out##*$'\n'}
	BODY=${out%$'\n'*}
}
# pkj ENDPOINT ASSERTION CURL-ARGS...: authenticates with private_key_jwt.
pkj() {
	local endpoint=$1 a=$2
	shift 2
	post_noauth "$endpoint" -d "client_assertion_type=$ASSERTION_TYPE" \
		--data-urlencode "client_assertion=$a" "$@"
}
pkj_login() { pkj token "$1" -d grant_type=password -d username=alice -d password=1234 "${@:2}"; }

pkj_login "$(assertion "$TOKEN_EP")"
[ "$STATUS" = 200 ] && check honest "$(field access_token)" preferred_username=alice
tap_ok $? test_private_key_jwt_accepted || tap_diag "$STATUS $BODY"
PKJ_AT=$(field access_token)
PKJ_RT=$(field refresh_token)
ok=0
pkj introspect "$(assertion "$TOKEN_EP")" --data-urlencode "token=$PKJ_AT"
[ "$STATUS $(field active)" = "200 true" ] || ok=1
pkj device_authorization "$(assertion "$TOKEN_EP")" -d login_hint=alice
[ "$STATUS" = 200 ] || ok=1
pkj revoke "$(assertion "$TOKEN_EP")" --data-urlencode "token=$PKJ_RT"
[ "$STATUS" = 200 ] || ok=1
pkj token "$(assertion "$TOKEN_EP")" -d grant_type=refresh_token --data-urlencode "refresh_token=$PKJ_RT"
[ "$STATUS $(field error)" = "400 invalid_grant" ] || ok=1
tap_ok $ok test_private_key_jwt_at_introspect_device_revoke
pkj_login "$(assertion "$TOKEND_URL")"
tap_is "$STATUS" 200 test_private_key_jwt_aud_issuer_accepted
pkj_login "$(assertion "$TOKEN_EP")" -d "client_id=$CLIENT_ID"
tap_is "$STATUS" 200 test_private_key_jwt_with_matching_client_id

A=$(assertion "$TOKEN_EP")
pkj_login "$A"
pkj_login "$A"
tap_is "$STATUS $(field error)" "401 invalid_client" test_private_key_jwt_replayed_jti_refused
pkj_login "$(assertion "$TOKEN_EP" --iat-offset -90 --exp-in 60)"
tap_is "$STATUS $(field error)" "401 invalid_client" test_private_key_jwt_expired_refused
pkj_login "$(assertion "$TOKEN_EP" --exp-in 600)"
tap_is "$STATUS $(field error)" "401 invalid_client" test_private_key_jwt_long_lived_refused
pkj_login "$(assertion "$TOKEN_EP" --drop exp)"
tap_is "$STATUS $(field error)" "401 invalid_client" test_private_key_jwt_without_exp_refused
pkj_login "$(assertion "$TOKEN_EP" --iat-offset 30 --exp-in 20)"
tap_is "$STATUS $(field error)" "401 invalid_client" test_private_key_jwt_future_iat_refused
ok=0
for aud in "$TOKEND_URL/introspect" "https://localhost.invalid/token" "$TOKEN_EP/"; do
	pkj_login "$(assertion "$aud")"
	[ "$STATUS $(field error)" = "401 invalid_client" ] || { ok=1; tap_diag "aud $aud: $STATUS"; }
done
tap_ok $ok test_private_key_jwt_wrong_aud_refused
pkj_login "$(assertion "$TOKEN_EP" --claim iss=other-client)"
tap_is "$STATUS $(field error)" "401 invalid_client" test_private_key_jwt_iss_not_client_refused
pkj_login "$(assertion "$TOKEN_EP" --drop jti)"
tap_is "$STATUS $(field error)" "401 invalid_client" test_private_key_jwt_without_jti_refused
helper keygen ES256 "$WORK/rogue.pem" "$WORK/rogue.jwk"
pkj_login "$(KEY=rogue assertion "$TOKEN_EP")"
tap_is "$STATUS $(field error)" "401 invalid_client" test_private_key_jwt_other_key_refused
pkj_login "$(ALG=none assertion "$TOKEN_EP")"
tap_is "$STATUS $(field error)" "401 invalid_client" test_private_key_jwt_alg_none_refused
pkj_login "$(assertion "$TOKEN_EP" --header typ=dpop+jwt)"
tap_is "$STATUS $(field error)" "401 invalid_client" test_private_key_jwt_foreign_typ_refused
pkj_login "$(assertion "$TOKEN_EP")x"
tap_is "$STATUS $(field error)" "401 invalid_client" test_private_key_jwt_malformed_refused
pkj_login "$(assertion "$TOKEN_EP")" -d client_id=other-client
tap_is "$STATUS $(field error)" "401 invalid_client" test_private_key_jwt_client_id_mismatch_refused
post_noauth token -d client_assertion_type=urn:example:saml --data-urlencode \
	"client_assertion=$(assertion "$TOKEN_EP")" -d grant_type=password -d username=alice -d password=1234
tap_is "$STATUS $(field error)" "401 invalid_client" test_unknown_client_assertion_type_refused
out=$(pa_curl -w '\n%{http_code}' -H "$PA_BASIC_AUTH" -d "client_assertion_type=$ASSERTION_TYPE" \
	--data-urlencode "client_assertion=$(assertion "$TOKEN_EP")" -d grant_type=password \
	-d username=alice -d password=1234 "$TOKEN_EP")
BODY=${out%$'\n'*}
tap_is "${out##*$'\n'} $(field error)" "400 invalid_request" test_basic_and_assertion_together_refused

ok=0
for alg in EdDSA RS256 PS256; do
	helper keygen "$alg" "$WORK/k$alg.pem" "$WORK/k$alg.jwk"
	control "{\"client_jwk\":$(cat "$WORK/k$alg.jwk")}" || { ok=1; continue; }
	pkj_login "$(KEY=k$alg ALG=$alg assertion "$TOKEN_EP")"
	[ "$STATUS" = 200 ] || { ok=1; tap_diag "$alg: $STATUS $BODY"; }
done
tap_ok $ok test_private_key_jwt_eddsa_rs256_ps256_via_control
pkj_login "$(KEY=kPS256 ALG=RS256 assertion "$TOKEN_EP")"
tap_is "$STATUS" 401 test_private_key_jwt_alg_must_match_jwk_alg
out=$(pa_curl -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
	--data "$("$PA_PYTHON3" -c 'import json, sys
jwk = json.load(open(sys.argv[1]))
jwk["d"] = "AAAA"
print(json.dumps({"client_jwk": jwk}))' "$WORK/client.jwk")" "$TOKEND_URL/_test/control")
tap_is "$out" 400 test_control_refuses_private_client_jwk
control '{"client_jwk":null}'
pkj_login "$(assertion "$TOKEN_EP")"
tap_is "$STATUS $(field error)" "401 invalid_client" test_private_key_jwt_without_registered_key_refused
control '{"reset":true}'
pkj_login "$(assertion "$TOKEN_EP")"
tap_is "$STATUS" 200 test_reset_restores_command_line_client_jwk
ok=0
for bad in '[]' '["client_secret_post"]' '[{}]' '["private_key_jwt","private_key_jwt"]' \
	'"private_key_jwt"'; do
	out=$(pa_curl -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
		--data "{\"client_auth_methods\":$bad}" "$TOKEND_URL/_test/control")
	[ "$out" = 400 ] || { ok=1; tap_diag "$bad: $out"; }
done
tap_ok $ok test_control_refuses_bad_client_auth_methods

BODY=$(pa_tokend_control '{"client_auth_methods":["private_key_jwt"]}')
login alice 1234
ok=$STATUS
pkj_login "$(assertion "$TOKEN_EP")"
BODY=$(pa_curl "$TOKEND_URL/.well-known/openid-configuration")
[ "$ok $STATUS" = "401 200" ] &&
	[ "$(field token_endpoint_auth_methods_supported)" = '["private_key_jwt"]' ]
tap_ok $? test_client_auth_methods_can_require_private_key_jwt
control '{"client_auth_methods":["client_secret_basic"]}'
pkj_login "$(assertion "$TOKEN_EP")"
ok=$STATUS
BODY=$(pa_curl "$TOKEND_URL/.well-known/openid-configuration")
[ "$ok" = 401 ] && [ "$(field token_endpoint_auth_methods_supported)" = '["client_secret_basic"]' ] &&
	! field token_endpoint_auth_signing_alg_values_supported >/dev/null
tap_ok $? test_client_auth_methods_can_refuse_private_key_jwt
control '{"reset":true}'

# --- tls_client_auth (RFC 8705) -------------------------------------------------

# mtls CERT CURL-ARGS...: a password grant authenticated by the certificate
# $WORK/CERT.pem ("" for none) plus client_id; sets BODY STATUS CURL_RC.
mtls() {
	local cert=$1 out
	shift
	out=$(pa_curl -w '\n%{http_code}\n' ${cert:+--cert "$WORK/$cert.pem" --key "$WORK/$cert.key"} \
		-d grant_type=password -d username=alice -d password=1234 "$@" "$TOKEN_EP" 2>/dev/null)
	CURL_RC=$?
	STATUS=${out##*$'\n'}
	BODY=${out%$'\n'*}
}

mtls terminal -d "client_id=$CLIENT_ID"
[ "$STATUS" = 200 ] && check honest "$(field access_token)" preferred_username=alice
tap_ok $? test_tls_client_auth_accepted || tap_diag "$CURL_RC $STATUS $BODY"
out=$(pa_curl -w '\n%{http_code}' --cert "$WORK/terminal.pem" --key "$WORK/terminal.key" \
	-d "client_id=$CLIENT_ID" --data-urlencode "token=$(field access_token)" "$TOKEND_URL/introspect")
tap_is "${out##*$'\n'} $(printf '%s' "${out%$'\n'*}" | pa_json_get active)" "200 true" \
	test_tls_client_auth_at_introspect
mtls "" -d "client_id=$CLIENT_ID"
tap_is "$STATUS $(field error)" "401 invalid_client" test_tls_client_auth_without_cert_refused
mtls other -d "client_id=$CLIENT_ID"
tap_is "$STATUS $(field error)" "401 invalid_client" test_tls_client_auth_wrong_subject_refused
mtls terminal -d client_id=other-client
tap_is "$STATUS $(field error)" "401 invalid_client" test_tls_client_auth_wrong_client_id_refused
mtls terminal
tap_is "$STATUS $(field error)" "401 invalid_client" test_tls_client_auth_needs_client_id
mtls rogue -d "client_id=$CLIENT_ID"
[ "$CURL_RC" != 0 ] && [ "$STATUS" = 000 ]
tap_ok $? test_tls_client_auth_unknown_ca_fails_handshake || tap_diag "$CURL_RC $STATUS"
mtls terminal -H "$PA_BASIC_AUTH"
tap_is "$STATUS" 200 test_certificate_beside_basic_is_not_a_second_method
out=$(openssl x509 -in "$WORK/terminal.pem" -noout -subject -nameopt RFC2253)
tap_is "$out" "subject=$TERMINAL_DN" test_openssl_rfc2253_subject_is_the_registered_form

control '{"client_cert_subject":"CN=pos-terminal-99,O=Acme POS"}'
mtls other -d "client_id=$CLIENT_ID"
ok=$STATUS
mtls terminal -d "client_id=$CLIENT_ID"
tap_is "$ok $STATUS" "200 401" test_control_client_cert_subject_changes_match
out=$(pa_curl -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
	--data '{"client_cert_subject":"CN=a, O=b"}' "$TOKEND_URL/_test/control")
tap_is "$out" 400 test_control_refuses_bad_client_cert_subject
control '{"client_cert_subject":null}'
mtls terminal -d "client_id=$CLIENT_ID"
tap_is "$STATUS" 401 test_tls_client_auth_without_registered_subject_refused
control '{"reset":true}'
mtls terminal -d "client_id=$CLIENT_ID"
tap_is "$STATUS" 200 test_reset_restores_command_line_cert_subject
control '{"client_auth_methods":["client_secret_basic","private_key_jwt"]}'
mtls terminal -d "client_id=$CLIENT_ID"
ok=$STATUS
BODY=$(pa_curl "$TOKEND_URL/.well-known/openid-configuration")
[ "$ok" = 401 ] && [ "$(field token_endpoint_auth_methods_supported)" = \
	'["client_secret_basic", "private_key_jwt"]' ]
tap_ok $? test_client_auth_methods_can_refuse_tls_client_auth
control '{"reset":true}'

# --- DPoP (RFC 9449) ------------------------------------------------------------

RESOURCE="$TOKEND_URL/resource"
for k in dpop dpop2; do
	helper keygen ES256 "$WORK/$k.pem" "$WORK/$k.jwk"
done
JKT=$(helper thumbprint "$WORK/dpop.jwk")
# proof KEY HTM HTU [options]: a DPoP proof signed by $WORK/KEY.pem.
proof() { local key=$1; shift; helper dpop "$WORK/$key.pem" "${DALG:-ES256}" "$@"; }
# dpop_login PROOF [curl args...]: alice's password grant with that proof.
dpop_login() {
	post token -D "$WORK/headers" -H "DPoP: $1" -d grant_type=password \
		-d username=alice -d password=1234 "${@:2}"
}
# claim TOKEN PATH: a claim of a JWT, unverified.
claim() { helper claims "$1" | pa_json_get "$2" 2>/dev/null; }
# res CURL-ARGS...: GET /resource; sets BODY STATUS, headers in $WORK/headers.
res() {
	local out
	out=$(pa_curl -D "$WORK/headers" -w '\n%{http_code}\n' "$@" "$RESOURCE")
	STATUS=${out##*$'\n'}
	BODY=${out%$'\n'*}
}
challenges() { grep -i '^WWW-Authenticate:' "$WORK/headers" | tr -d '\r'; }
header_of() { grep -i "^$1:" "$WORK/headers" | tr -d '\r' | sed 's/^[^:]*: *//'; }

BODY=$(pa_curl "$TOKEND_URL/.well-known/openid-configuration")
tap_is "$(field dpop_signing_alg_values_supported)" '["ES256", "EdDSA", "RS256", "PS256"]' \
	test_discovery_advertises_dpop_algs

dpop_login "$(proof dpop POST "$TOKEN_EP")"
DPOP_AT=$(field access_token)
DPOP_RT=$(field refresh_token)
[ "$STATUS $(field token_type)" = "200 DPoP" ] && [ "$(claim "$DPOP_AT" cnf.jkt)" = "$JKT" ] &&
	check honest "$DPOP_AT" preferred_username=alice header.typ=at+jwt &&
	! claim "$(field id_token)" cnf >/dev/null
tap_ok $? test_dpop_token_is_bound_to_proof_key || tap_diag "$STATUS $BODY"
post introspect --data-urlencode "token=$DPOP_AT"
tap_is "$(field active) $(field token_type) $(field cnf.jkt)" "true DPoP $JKT" \
	test_introspect_bound_access_token_has_cnf
post introspect --data-urlencode "token=$DPOP_RT"
tap_is "$(field active) $(field cnf.jkt)" "true $JKT" test_introspect_bound_refresh_token_has_cnf

ok=0
for alg in EdDSA RS256 PS256; do
	helper keygen "$alg" "$WORK/d$alg.pem" "$WORK/d$alg.jwk"
	dpop_login "$(DALG=$alg proof "d$alg" POST "$TOKEN_EP")"
	[ "$STATUS $(claim "$(field access_token)" cnf.jkt)" = "200 $(helper thumbprint "$WORK/d$alg.jwk")" ] ||
		{ ok=1; tap_diag "$alg: $STATUS $BODY"; }
done
tap_ok $ok test_dpop_proofs_eddsa_rs256_ps256_accepted
ok=0
for htu in "https://127.0.0.1:$TOKEND_PORT/token" "HTTPS://LOCALHOST:$TOKEND_PORT/token"; do
	dpop_login "$(proof dpop POST "$htu")"
	[ "$STATUS" = 200 ] || { ok=1; tap_diag "$htu: $STATUS $BODY"; }
done
tap_ok $ok test_dpop_htu_by_address_or_in_other_case_accepted

P=$(proof dpop POST "$TOKEN_EP")
dpop_login "$P"
dpop_login "$P"
tap_is "$STATUS $(field error)" "400 invalid_dpop_proof" test_dpop_replayed_proof_refused
# dpop_refused NAME PROOF: the password grant with PROOF is invalid_dpop_proof.
dpop_refused() {
	dpop_login "$2"
	tap_is "$STATUS $(field error)" "400 invalid_dpop_proof" "$1"
}
dpop_refused test_dpop_wrong_htm_refused "$(proof dpop GET "$TOKEN_EP")"
dpop_refused test_dpop_wrong_htu_refused "$(proof dpop POST "$TOKEND_URL/revoke")"
dpop_refused test_dpop_htu_with_query_refused "$(proof dpop POST "$TOKEN_EP?x=1")"
dpop_refused test_dpop_htu_of_other_host_refused "$(proof dpop POST "https://tokend.invalid:$TOKEND_PORT/token")"
dpop_refused test_dpop_old_iat_refused "$(proof dpop POST "$TOKEN_EP" --iat-offset -90)"
dpop_refused test_dpop_future_iat_refused "$(proof dpop POST "$TOKEN_EP" --iat-offset 90)"
dpop_refused test_dpop_without_jti_refused "$(proof dpop POST "$TOKEN_EP" --drop jti)"
dpop_refused test_dpop_private_key_in_jwk_refused "$(proof dpop POST "$TOKEN_EP" --with-private)"
dpop_refused test_dpop_wrong_typ_refused "$(proof dpop POST "$TOKEN_EP" --typ JWT)"
dpop_refused test_dpop_alg_none_refused "$(DALG=none proof dpop POST "$TOKEN_EP")"
dpop_refused test_dpop_jwk_of_other_key_refused "$(proof dpop POST "$TOKEN_EP" --jwk-of "$WORK/dpop2.pem")"
post token -H "DPoP: $(proof dpop POST "$TOKEN_EP")" -H "DPoP: $(proof dpop POST "$TOKEN_EP")" \
	-d grant_type=password -d username=alice -d password=1234
tap_is "$STATUS $(field error)" "400 invalid_dpop_proof" test_dpop_two_proofs_refused

control '{"dpop_required":true}'
login alice 1234
ok="$STATUS $(field error)"
dpop_login "$(proof dpop POST "$TOKEN_EP")"
tap_is "$ok / $STATUS" "400 invalid_dpop_proof / 200" test_dpop_required_refuses_request_without_proof
control '{"dpop_required":false,"dpop_nonce":true}'
dpop_login "$(proof dpop POST "$TOKEN_EP")"
NONCE=$(header_of DPoP-Nonce)
[ "$STATUS $(field error)" = "400 use_dpop_nonce" ] && [ -n "$NONCE" ]
tap_ok $? test_dpop_nonce_demanded_with_header || tap_diag "$STATUS $BODY"
dpop_login "$(proof dpop POST "$TOKEN_EP" --nonce "$NONCE")"
[ "$STATUS $(field token_type)" = "200 DPoP" ] && [ "$(header_of DPoP-Nonce)" = "$NONCE" ]
tap_ok $? test_dpop_nonce_then_accepted || tap_diag "$STATUS $BODY"
dpop_login "$(proof dpop POST "$TOKEN_EP" --nonce "x$NONCE")"
tap_is "$STATUS $(field error)" "400 use_dpop_nonce" test_dpop_wrong_nonce_refused
control '{"rotate_dpop_nonce":true}'
dpop_login "$(proof dpop POST "$TOKEN_EP" --nonce "$NONCE")"
NEW_NONCE=$(header_of DPoP-Nonce)
[ "$STATUS $(field error)" = "400 use_dpop_nonce" ] && [ -n "$NEW_NONCE" ] && [ "$NEW_NONCE" != "$NONCE" ]
tap_ok $? test_dpop_nonce_rotation_refuses_old_nonce
control '{"dpop_nonce":false}'
dpop_login "$(proof dpop POST "$TOKEN_EP")"
[ "$STATUS" = 200 ] && [ -z "$(header_of DPoP-Nonce)" ]
tap_ok $? test_dpop_nonce_off_again

refresh_with() { post token -H "DPoP: $1" -d grant_type=refresh_token --data-urlencode "refresh_token=$2"; }
refresh_with "$(proof dpop2 POST "$TOKEN_EP")" "$DPOP_RT"
tap_is "$STATUS $(field error)" "400 invalid_grant" test_dpop_refresh_with_other_key_refused
refresh "$DPOP_RT"
tap_is "$STATUS $(field error)" "400 invalid_grant" test_dpop_refresh_without_proof_refused
refresh_with "$(proof dpop POST "$TOKEN_EP")" "$DPOP_RT"
[ "$STATUS $(field token_type)" = "200 DPoP" ] && [ "$(claim "$(field access_token)" cnf.jkt)" = "$JKT" ]
tap_ok $? test_dpop_refresh_with_same_key_stays_bound || tap_diag "$STATUS $BODY"

login alice 1234
refresh_with "$(proof dpop POST "$TOKEN_EP")" "$(field refresh_token)"
ok="$(field token_type) $(claim "$(field access_token)" cnf.jkt)"
refresh "$(field refresh_token)"
tap_is "$ok / $STATUS $(field token_type)" "DPoP $JKT / 200 Bearer" \
	test_unbound_grant_refreshed_with_proof_binds_only_access_token

control '{"device_interval":1,"device_auto":"approve"}'
device_start bob
post token -H "DPoP: $(proof dpop POST "$TOKEN_EP")" -d "grant_type=$DEVICE_GRANT" \
	--data-urlencode "device_code=$DEVICE_CODE"
[ "$STATUS $(field token_type)" = "200 DPoP" ] && [ "$(claim "$(field access_token)" cnf.jkt)" = "$JKT" ]
tap_ok $? test_device_grant_with_dpop_is_bound || tap_diag "$STATUS $BODY"
control '{"reset":true}'

# The protected resource.
login alice 1234
PLAIN_AT=$(field access_token)
res -H "Authorization: Bearer $PLAIN_AT"
tap_is "$STATUS $(field user) $(field roles) $(field token_type)" '200 alice ["cashier"] Bearer' \
	test_resource_accepts_unbound_token_as_bearer
# dres TOKEN PROOF-ARGS...: the token under the DPoP scheme, with a proof.
dres() {
	local at=$1
	shift
	res -H "Authorization: DPoP $at" -H "DPoP: $(proof "$@")"
}
dres "$DPOP_AT" dpop GET "$RESOURCE" --ath-of "$DPOP_AT"
tap_is "$STATUS $(field user) $(field token_type)" "200 alice DPoP" \
	test_resource_accepts_dpop_token_with_proof
res -H "Authorization: DPoP $DPOP_AT"
[ "$STATUS $(field error)" = "401 invalid_dpop_proof" ] &&
	challenges | grep -q '^WWW-Authenticate: DPoP .*error="invalid_dpop_proof"'
tap_ok $? test_resource_refuses_dpop_token_without_proof
res -H "Authorization: Bearer $DPOP_AT"
[ "$STATUS $(field error)" = "401 invalid_token" ] &&
	challenges | grep -q '^WWW-Authenticate: DPoP .*error="invalid_token"'
tap_ok $? test_resource_refuses_bound_token_as_bearer || tap_diag "$(challenges)"
# res_refused NAME ERROR PROOF-ARGS...: the bound token with that proof.
res_refused() {
	local name=$1 want=$2
	shift 2
	dres "$DPOP_AT" "$@"
	[ "$STATUS $(field error)" = "401 $want" ] &&
		challenges | grep -q "^WWW-Authenticate: DPoP .*error=\"$want\""
	tap_ok $? "$name" || tap_diag "$STATUS $BODY"
}
res_refused test_resource_refuses_proof_with_wrong_ath invalid_dpop_proof \
	dpop GET "$RESOURCE" --ath-of "$PLAIN_AT"
res_refused test_resource_refuses_proof_without_ath invalid_dpop_proof \
	dpop GET "$RESOURCE"
res_refused test_resource_refuses_proof_with_wrong_htu invalid_dpop_proof \
	dpop GET "$TOKEN_EP" --ath-of "$DPOP_AT"
res_refused test_resource_refuses_proof_with_wrong_htm invalid_dpop_proof \
	dpop POST "$RESOURCE" --ath-of "$DPOP_AT"
res_refused test_resource_refuses_proof_of_other_key invalid_token \
	dpop2 GET "$RESOURCE" --ath-of "$DPOP_AT"
P=$(proof dpop GET "$RESOURCE" --ath-of "$DPOP_AT")
res -H "Authorization: DPoP $DPOP_AT" -H "DPoP: $P"
res -H "Authorization: DPoP $DPOP_AT" -H "DPoP: $P"
tap_is "$STATUS $(field error)" "401 invalid_dpop_proof" test_resource_refuses_replayed_proof
dres "$PLAIN_AT" dpop GET "$RESOURCE" --ath-of "$PLAIN_AT"
tap_is "$STATUS $(field error)" "401 invalid_token" test_resource_refuses_unbound_token_as_dpop
res
[ "$STATUS" = 401 ] && [ "$(challenges | wc -l)" = 2 ] &&
	challenges | grep -q '^WWW-Authenticate: Bearer realm="tokend"$' &&
	challenges | grep -q '^WWW-Authenticate: DPoP realm="tokend", algs="ES256 EdDSA RS256 PS256"$'
tap_ok $? test_resource_without_token_challenges_both_schemes || tap_diag "$(challenges)"
res -H "Authorization: Bearer not.a.token"
[ "$STATUS $(field error)" = "401 invalid_token" ] &&
	challenges | grep -q '^WWW-Authenticate: Bearer .*error="invalid_token"'
tap_ok $? test_resource_refuses_garbage_bearer
post revoke --data-urlencode "token=$DPOP_AT"
ok=$STATUS
dres "$DPOP_AT" dpop GET "$RESOURCE" --ath-of "$DPOP_AT"
tap_is "$ok $STATUS $(field error)" "200 401 invalid_token" test_revoked_bound_token_refused_without_proof_to_revoke
out=$(pa_curl -o /dev/null -w '%{http_code}' -X POST "$RESOURCE")
tap_is "$out" 405 test_resource_is_get_only
pa_tokend_stats reset >/dev/null
res -H "Authorization: Bearer $PLAIN_AT"
tap_is "$(pa_tokend_stats | pa_json_get resource)" 1 test_stats_count_resource

# --- stats and robustness --------------------------------------------------------------

pa_tokend_stats reset >/dev/null
pa_curl -o /dev/null "$TOKEND_URL/.well-known/openid-configuration"
login alice 1234
refresh "$(field refresh_token)"
BODY=$(pa_tokend_stats)
[ "$(field discovery)" = 1 ] && [ "$(field token.password)" = 1 ] &&
	[ "$(field token.refresh_token)" = 1 ] && [ "$(field jwks)" = 0 ]
tap_ok $? test_stats_count_per_endpoint_and_grant || tap_diag "$BODY"

# Plain text on the TLS port, garbage over TLS, an oversized body.
# In a subshell: the builtin printf may take a SIGPIPE when tokend hangs up.
(printf 'GET / HTTP/1.0\r\n\r\n' >"/dev/tcp/127.0.0.1/$TOKEND_PORT") 2>/dev/null
printf 'BLAH\r\n\r\n' | openssl s_client -quiet -connect "127.0.0.1:$TOKEND_PORT" \
	-CAfile "$TOKEND_CA" >/dev/null 2>&1
out=$(pa_curl -o /dev/null -w '%{http_code}' -H "Content-Length: 99999999" \
	-X POST "$TOKEND_URL/token")
login alice 1234
tap_is "$out $STATUS" "413 200" test_bad_requests_do_not_kill_server

# A PIN and tokens that would be easy to spot if they leaked into the log.
login erin 918273645
login erin 5678
LEAK_RT=$(field refresh_token)
LEAK_AT=$(field access_token)
pa_stop_tokend
tap_ok $? test_sigterm_stops_cleanly
grep -q 'stopped' "$TOKEND_LOG" && ! grep -q -F -e 918273645 -e "$CLIENT_SECRET" \
	-e "$LEAK_RT" -e "${LEAK_AT:0:40}" -e "$DEVICE_CODE" -e "${A##*.}" \
	-e "${P##*.}" "$TOKEND_LOG"
tap_ok $? test_log_has_no_pins_tokens_or_secrets

tap_done
