#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Writes the seed corpora under fuzz/corpus/ and fuzz/fuzz_jws_keys.h.

    /usr/bin/python3 fuzz/mkcorpus.py        # from the top of the tree

Keys are generated afresh on every run and only their public halves are
kept (in fuzz_jws_keys.h, which fuzz_jws.c verifies with), so the seed
tokens carry valid signatures and no private key is ever written. Rerun
it only to change the seeds: the tokens and the header go together.
The NSS index seeds are binary and made by tests/nssdb_tool (README.md).
"""
import base64
import hashlib
import hmac
import json
import os
import sys

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(TOP, "fuzz", "corpus")

ISSUER = "https://id.example.com/realms/pos"
CLIENT_ID = "pos-terminal"
NOW = 1700000000          # the fixed "now" of fuzz_claims.c and fuzz_jws.c
# fuzz_cache_record.c's device key: a fixture, not a secret.
DEVICE_KEY = b"posauth-fuzz-device-key-32bytes!"
assert len(DEVICE_KEY) == 32


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64j(obj):
    return b64(json.dumps(obj, separators=(",", ":")).encode())


def uint(n, size=None):
    size = size or (n.bit_length() + 7) // 8
    return n.to_bytes(size, "big")


def put(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    elif not isinstance(data, bytes):
        data = json.dumps(data, separators=(",", ":")).encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# --- keys ------------------------------------------------------------------

KEYS = {
    "rsa-1": rsa.generate_private_key(65537, 2048),
    "p256-1": ec.generate_private_key(ec.SECP256R1()),
    "p384-1": ec.generate_private_key(ec.SECP384R1()),
    "ed25519-1": ed25519.Ed25519PrivateKey.generate(),
    "ed448-1": ed448.Ed448PrivateKey.generate(),
}


def jwk(kid, extra=None):
    pub = KEYS[kid].public_key()
    if isinstance(pub, rsa.RSAPublicKey):
        nums = pub.public_numbers()
        k = {"kty": "RSA", "n": b64(uint(nums.n)), "e": b64(uint(nums.e))}
    elif isinstance(pub, ec.EllipticCurvePublicKey):
        nums = pub.public_numbers()
        size = (pub.curve.key_size + 7) // 8
        crv = {256: "P-256", 384: "P-384"}[pub.curve.key_size]
        k = {"kty": "EC", "crv": crv, "x": b64(uint(nums.x, size)),
             "y": b64(uint(nums.y, size))}
    else:
        raw = pub.public_bytes(Encoding.Raw, PublicFormat.Raw)
        crv = "Ed25519" if len(raw) == 32 else "Ed448"
        k = {"kty": "OKP", "crv": crv, "x": b64(raw)}
    k["kid"] = kid
    k["use"] = "sig"
    k.update(extra or {})
    return k


HASH = {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}


def sign(kid, alg, data, der=False):
    key = KEYS[kid]
    if alg.startswith("RS"):
        return key.sign(data, padding.PKCS1v15(), HASH[alg[2:]]())
    if alg.startswith("PS"):
        h = HASH[alg[2:]]
        return key.sign(data, padding.PSS(mgf=padding.MGF1(h()),
                                          salt_length=h.digest_size), h())
    if alg.startswith("ES"):
        sig = key.sign(data, ec.ECDSA(HASH[alg[2:]]()))
        if der:
            return sig
        r, s = decode_dss_signature(sig)
        size = (key.curve.key_size + 7) // 8
        return uint(r, size) + uint(s, size)
    return key.sign(data)


def claims(**over):
    c = {"iss": ISSUER, "aud": CLIENT_ID, "azp": CLIENT_ID,
         "exp": NOW + 300, "iat": NOW - 10, "nbf": NOW - 10,
         "sub": "0b5e6c1e-4c1d-4a8e-9d2a-alice", "name": "Alice Example",
         "preferred_username": "alice", "roles": ["cashier", "supervisor"],
         "tenant": "acme", "store": "store-042",
         "realm_access": {"roles": ["cashier"]}, "ext": {"uid": 200001}}
    c.update(over)
    return {k: v for k, v in c.items() if v is not None}


def token(kid, alg, payload=None, header=None, der=False, raw_header=None):
    h = {"alg": alg, "typ": "JWT", "kid": kid}
    h.update(header or {})
    h = {k: v for k, v in h.items() if v is not None}
    hb = raw_header if raw_header is not None else b64j(h)
    pb = b64j(payload if payload is not None else claims())
    si = (hb + "." + pb).encode()
    return hb + "." + pb + "." + b64(sign(kid, alg, si, der))


# --- fuzz_jws: tokens, and the public keys to verify them with -------------

def write_jws():
    algs = {"rsa-1": ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"],
            "p256-1": ["ES256"], "p384-1": ["ES384"],
            "ed25519-1": ["EdDSA"], "ed448-1": ["EdDSA"]}
    for kid, names in algs.items():
        for alg in names:
            put("jws", "valid_%s_%s.jwt" % (alg.lower(), kid), token(kid, alg))
    t = token("rsa-1", "RS256").split(".")
    put("jws", "sig_truncated.jwt", ".".join(t[:2] + [t[2][:-4]]))
    put("jws", "sig_padded.jwt", ".".join(t) + "==")
    put("jws", "jwe_five_segments.jwt", ".".join(t + t[1:3]))
    put("jws", "empty_signature.jwt", t[0] + "." + t[1] + ".")
    put("jws", "alg_none.jwt", b64j({"alg": "none"}) + "." + t[1] + ".")
    put("jws", "alg_hs256.jwt", b64j({"alg": "HS256", "typ": "JWT"}) + "." +
        t[1] + "." + b64(hmac.new(b"k", b"x", hashlib.sha256).digest()))
    put("jws", "kid_unknown.jwt", token("rsa-1", "RS256",
                                        header={"kid": "nobody"}))
    put("jws", "kid_absent.jwt", token("rsa-1", "RS256", header={"kid": None}))
    put("jws", "key_mismatch_rs256_on_ec.jwt",
        token("rsa-1", "RS256", header={"kid": "p256-1"}))
    put("jws", "es256_der_signature.jwt", token("p256-1", "ES256", der=True))
    put("jws", "header_crit.jwt", token("rsa-1", "RS256",
                                        header={"crit": ["exp"], "exp": 1}))
    put("jws", "header_jku.jwt", token("rsa-1", "RS256",
                                       header={"jku": "https://evil/"}))
    put("jws", "header_b64_false.jwt", token("rsa-1", "RS256",
                                             header={"b64": False}))
    put("jws", "header_typ_dpop.jwt", token("rsa-1", "RS256",
                                            header={"typ": "dpop+jwt"}))
    put("jws", "header_typ_at_jwt.jwt", token("ed25519-1", "EdDSA",
                                              header={"typ": "at+JWT"}))
    put("jws", "header_dup_alg.jwt", token(
        "rsa-1", "RS256",
        raw_header=b64(b'{"alg":"RS256","alg":"none","kid":"rsa-1"}')))
    put("jws", "header_kid_nul.jwt", token(
        "rsa-1", "RS256", raw_header=b64(b'{"alg":"RS256","kid":"rsa-1\\u0000x"}')))
    put("jws", "payload_array.jwt", token("rsa-1", "RS256", payload=[1, 2]))
    put("jws", "expired.jwt", token("p256-1", "ES256",
                                    payload=claims(exp=NOW - 3600)))
    put("jws", "other_user.jwt", token("ed448-1", "EdDSA",
                                       payload=claims(preferred_username="bob")))
    keys = {"keys": [jwk(k) for k in KEYS]}
    text = json.dumps(keys, separators=(",", ":"))
    with open(os.path.join(TOP, "fuzz", "fuzz_jws_keys.h"), "w") as f:
        f.write("/* Public keys of the seed tokens; made by fuzz/mkcorpus.py. */\n")
        f.write("static const char fuzz_jws_jwks[] =\n")
        for i in range(0, len(text), 64):
            f.write('    "%s"\n' % text[i:i + 64].replace('"', '\\"'))
        f.write(";\n")
    return keys


# --- fuzz_jwks -------------------------------------------------------------

def write_jwks(keys):
    put("jwks", "all_key_types.json", keys)
    for k in keys["keys"]:
        put("jwks", "single_%s.json" % k["kid"], {"keys": [k]})
    put("jwks", "no_kid.json", {"keys": [{x: y for x, y in jwk("ed25519-1").items()
                                          if x != "kid"}]})
    rsa_k = jwk("rsa-1")
    put("jwks", "private_d.json", {"keys": [dict(rsa_k, d=rsa_k["n"])]})
    put("jwks", "oct_key.json", {"keys": [{"kty": "oct", "k": "AAAA"}, rsa_k]})
    put("jwks", "use_enc.json", {"keys": [jwk("rsa-1", {"use": "enc"})]})
    put("jwks", "key_ops.json", {"keys": [
        jwk("p256-1", {"key_ops": ["verify", "sign"]}),
        jwk("p384-1", {"key_ops": ["encrypt"]})]})
    put("jwks", "alg_pinned.json", {"keys": [jwk("rsa-1", {"alg": "PS256"}),
                                             jwk("p256-1", {"alg": "ES384"})]})
    put("jwks", "dup_kid.json", {"keys": [jwk("p256-1"),
                                          dict(jwk("p384-1"), kid="p256-1")]})
    put("jwks", "rsa_leading_zero.json", {"keys": [dict(
        rsa_k, n=b64(b"\0" + base64.urlsafe_b64decode(rsa_k["n"] + "==")))]})
    put("jwks", "rsa_e_one.json", {"keys": [dict(rsa_k, e="AQ")]})
    put("jwks", "rsa_1024.json", {"keys": [dict(rsa_k, n=rsa_k["n"][:171])]})
    p = jwk("p256-1")
    put("jwks", "ec_off_curve.json", {"keys": [dict(p, y=p["x"])]})
    put("jwks", "ec_short_x.json", {"keys": [dict(p, x=p["x"][:-2])]})
    put("jwks", "ec_wrong_crv.json", {"keys": [dict(p, crv="P-521")]})
    put("jwks", "not_object.json", '[{"keys":[]}]')
    put("jwks", "keys_empty.json", '{"keys":[]}')
    put("jwks", "dup_member.json", '{"keys":[],"keys":[]}')
    put("jwks", "deep.json", '{"keys":[' + "[" * 40 + "]" * 40 + "]}")


# --- fuzz_claims: payloads -------------------------------------------------

def write_claims():
    put("claims", "valid.json", claims())
    put("claims", "aud_array_azp.json", claims(aud=[CLIENT_ID, "pos-api"]))
    put("claims", "aud_array_no_azp.json", claims(aud=[CLIENT_ID, "x"], azp=None))
    put("claims", "aud_other.json", claims(aud="someone-else"))
    put("claims", "exp_real.json", claims(exp=NOW + 0.5, iat=NOW - 0.25))
    put("claims", "exp_huge.json", claims(exp=1e300))
    put("claims", "exp_negative.json", claims(exp=-1))
    put("claims", "expired.json", claims(exp=NOW - 61))
    put("claims", "nbf_future.json", claims(nbf=NOW + 3600))
    put("claims", "iat_future.json", claims(iat=NOW + 3600))
    put("claims", "user_other.json", claims(preferred_username="bob"))
    put("claims", "user_nul.json",
        json.dumps(claims()).replace('"alice"', '"alice\\u0000x"'))
    put("claims", "store_array.json", claims(store=["store-001", "store-042"]))
    put("claims", "store_array_bad.json", claims(store=["store-001", 42]))
    put("claims", "roles_invalid.json", claims(roles=["ca shier"]))
    put("claims", "roles_not_array.json", claims(roles="cashier"))
    put("claims", "roles_many.json", claims(roles=["r%d" % i for i in range(65)]))
    put("claims", "uid_out_of_range.json", claims(ext={"uid": 5}))
    put("claims", "uid_string.json", claims(ext={"uid": "200001"}))
    put("claims", "tenant_missing.json", claims(tenant=None))
    put("claims", "iss_trailing_slash.json", claims(iss=ISSUER + "/"))
    put("claims", "not_object.json", "[]")
    put("claims", "dup_claim.json", '{"iss":"a","iss":"b"}')


# --- fuzz_discovery, fuzz_token_response ------------------------------------

def write_oidc():
    base = ISSUER + "/protocol/openid-connect"
    doc = {"issuer": ISSUER, "token_endpoint": base + "/token",
           "jwks_uri": base + "/certs",
           "revocation_endpoint": base + "/revoke",
           "introspection_endpoint": base + "/token/introspect",
           "grant_types_supported": ["password", "refresh_token"],
           "id_token_signing_alg_values_supported": ["RS256", "ES256"]}
    put("discovery", "keycloak.json", doc)
    put("discovery", "minimal.json", {k: doc[k] for k in
                                      ("issuer", "token_endpoint", "jwks_uri")})
    put("discovery", "issuer_other.json", dict(doc, issuer="https://evil.example"))
    put("discovery", "http_endpoint.json",
        dict(doc, token_endpoint="http://id.example.com/token"))
    put("discovery", "endpoint_null.json", dict(doc, revocation_endpoint=None))
    put("discovery", "endpoint_number.json", dict(doc, jwks_uri=7))
    put("discovery", "issuer_nul.json",
        json.dumps(doc).replace(ISSUER + '"', ISSUER + '\\u0000"', 1))
    put("discovery", "dup_issuer.json",
        '{"issuer":"%s","issuer":"https://evil"}' % ISSUER)
    put("discovery", "not_object.json", '"%s"' % ISSUER)

    tok = {"access_token": token("rsa-1", "RS256"),
           "id_token": token("p256-1", "ES256"),
           "refresh_token": "rt-fixture-not-a-secret", "token_type": "Bearer",
           "expires_in": 300, "refresh_expires_in": 1800, "scope": "openid"}
    put("token_response", "keycloak.json", tok)
    put("token_response", "minimal.json",
        {"access_token": "opaque", "token_type": "bearer"})
    put("token_response", "token_type_mac.json", dict(tok, token_type="mac"))
    put("token_response", "expires_negative.json", dict(tok, expires_in=-1))
    put("token_response", "expires_real.json", dict(tok, expires_in=1.5))
    put("token_response", "expires_huge.json", dict(tok, expires_in=2 ** 62))
    put("token_response", "id_token_null.json", dict(tok, id_token=None))
    put("token_response", "access_empty.json", dict(tok, access_token=""))
    put("token_response", "error.json",
        {"error": "invalid_grant", "error_description": "bad PIN"})
    put("token_response", "nul_in_body.json", b'{"access_token":"a"}\0')

    dev = {"device_code": "GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS",
           "user_code": "WDJB-MJHT",
           "verification_uri": "https://id.example.com/device",
           "verification_uri_complete":
           "https://id.example.com/device?user_code=WDJB-MJHT",
           "expires_in": 1800, "interval": 5}
    put("device_auth", "rfc8628.json", dev)
    put("device_auth", "minimal.json", {k: dev[k] for k in
                                        ("device_code", "user_code",
                                         "verification_uri", "expires_in")})
    put("device_auth", "escape_in_code.json", dict(dev, user_code="A\x1b[2J"))
    put("device_auth", "http_uri.json",
        dict(dev, verification_uri="http://id.example.com/device"))
    put("device_auth", "interval_huge.json", dict(dev, interval=2 ** 62))
    put("device_auth", "expires_zero.json", dict(dev, expires_in=0))
    put("device_auth", "code_nul.json",
        json.dumps(dev).replace('WDJB-MJHT"', 'WDJB\\u0000"', 1))


# --- fuzz_conf -------------------------------------------------------------

def write_conf():
    full = """# posauth.conf used by the fuzz seeds
issuer = %s
client_id = %s
client_secret_file = /etc/posauth/client_secret
ca_file = /etc/posauth/ca.pem
audience = pos-api
token = access_token
algorithms = RS256, PS256, ES256, ES384, EdDSA
leeway = 30
connect_timeout = 2
timeout = 5
max_response_bytes = 131072
username_claim = preferred_username
roles_claim = realm_access.roles
tenant = acme
store = store-042
username_pattern = ^[a-z][a-z0-9._-]{0,31}$
cache_dir = /var/lib/posauth
runtime_dir = /run/posauth
offline_grace = 43200
offline_roles = cashier, supervisor
offline_max_failures = 5
offline_lockout = 900
offline_kdf_cost = 15
default_groups = pos-staff
nss_index = /var/cache/posauth/nss.db
uid_claim = ext.uid
uid_min = 200000
uid_max = 299999
home_pattern = /home/%%u
shell = /bin/bash
nss_expire = 90

[roles]
cashier = pos-cashiers
supervisor = pos-cashiers, pos-supervisors

[offline_grace]
supervisor = 3600
""" % (ISSUER, CLIENT_ID)
    put("conf", "full.conf", full)
    put("conf", "minimal.conf", "issuer = %s\nclient_id = %s\n"
        "client_secret_file = /etc/posauth/secret\n" % (ISSUER, CLIENT_ID))
    put("conf", "crlf.conf", full.replace("\n", "\r\n"))
    put("conf", "errors.conf", """issuer = http://id.example.com
client_id = pos terminal
leeway = -1
timeout = 99999999999999999999999
algorithms = RS256, HS256, none
unknown_key = 1
issuer = https://again.example.com
no equals sign here
 = value
[roles]
issuer = pos
cashier = root
cashier = wheel
[nosuch]
x = y
[offline_grace
""")
    put("conf", "sections_only.conf", "[roles]\n[offline_grace]\na = 1\n")
    put("conf", "comments.conf", "  # comment\nclient_id = pos#1 # trailing\n"
        "\tissuer\t=\t%s\t\n" % ISSUER)
    put("conf", "nul_byte.conf", b"issuer = https://a\0b\n")
    put("conf", "long_line.conf", "client_id = " + "x" * 5000 + "\n")
    put("conf", "bad_pattern.conf", "username_pattern = ([a-z]\n"
        "home_pattern = /home/%x\n")


# --- fuzz_cache_record -----------------------------------------------------

def record(**over):
    r = {"v": 1, "user": "alice", "roles": ["cashier", "supervisor"],
         "tenant": "acme", "store": "store-042", "name": "Alice Example",
         "sub": "0b5e6c1e", "uid": 200001, "token_exp": NOW + 300,
         "last_online": NOW, "verifier": {"alg": 1, "cost": 12,
                                          "salt": "00" * 16, "hash": "11" * 32},
         "failures": 0, "locked_until": 0, "refresh_token": "rt-fixture",
         "access_token": "at-fixture", "access_exp": NOW + 300,
         "pending_revocations": ["old-rt-1"]}
    r.update(over)
    r = {k: v for k, v in r.items() if v is not None}
    return (json.dumps(r, separators=(",", ":"), sort_keys=True) + "\n").encode()


def sealed(kind, name, body):
    mac = hmac.new(DEVICE_KEY, b"posauth-v1\0" + kind.encode() + b"\0" +
                   name.encode() + b"\0" + body, hashlib.sha256).hexdigest()
    return b"POSAUTH1\n" + mac.encode() + b"\n" + body


def write_cache():
    # Plain bodies: the target seals them with a valid MAC for "alice".
    put("cache_record", "body_full.json", record())
    put("cache_record", "body_minimal.json", record(
        roles=[], tenant=None, store=None, name=None, sub=None, uid=None,
        verifier=None, refresh_token=None, access_token=None,
        pending_revocations=[]))
    put("cache_record", "body_other_user.json", record(user="bob"))
    put("cache_record", "body_unknown_key.json", record(extra=1))
    put("cache_record", "body_cost_too_high.json",
        record(verifier={"alg": 1, "cost": 40, "salt": "00" * 16, "hash": "11" * 32}))
    put("cache_record", "body_salt_upper.json",
        record(verifier={"alg": 1, "cost": 12, "salt": "AA" * 16, "hash": "11" * 32}))
    put("cache_record", "body_roles_many.json",
        record(roles=["r%d" % i for i in range(65)]))
    put("cache_record", "body_pending_full.json",
        record(pending_revocations=["t%d" % i for i in range(8)]))
    put("cache_record", "body_failures_huge.json", record(failures=2 ** 40))
    put("cache_record", "body_uid_negative.json", record(uid=-1))
    put("cache_record", "body_nul_role.json",
        record().replace(b'"cashier"', b'"cash\\u0000ier"'))
    put("cache_record", "body_clock.json", b'{"high_water":1700000000,"v":1}\n')
    # Whole files (they start with the magic): written as they are.
    put("cache_record", "file_sealed.rec", sealed("record", "alice", record()))
    put("cache_record", "file_clock_as_record.rec",
        sealed("clock", "", b'{"high_water":1700000000,"v":1}\n'))
    put("cache_record", "file_bad_mac.rec",
        sealed("record", "alice", record())[:-3] + b"}}\n")
    put("cache_record", "file_truncated.rec", b"POSAUTH1\n0123")


def main():
    keys = write_jws()
    write_jwks(keys)
    write_claims()
    write_oidc()
    write_conf()
    write_cache()
    b64seeds = ["", "QQ", "QUI", "QUJD", "_-_-", "QR", "QUJ=", "A", "a b",
                b64(bytes(range(256)))]
    for i, s in enumerate(b64seeds):
        put("b64url", "seed_%02d" % i, s)
    return 0


if __name__ == "__main__":
    sys.exit(main())
