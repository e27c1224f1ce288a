#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""client_helpers - the client side of tokend's tests (tests only).

Makes what a terminal would send: client keys and their public JWKs,
private_key_jwt client assertions (RFC 7523) and DPoP proofs (RFC 9449).
JWTs are signed with PyJWT, not with tokend's own code, so that tokend's
verifier is checked against an independent JOSE implementation; JWKs are
built here by hand because PyJWT 2.6 drops leading zero octets from EC
coordinates, which RFC 7518 §6.2.1.2 forbids and tokend refuses.

    client_helpers.py keygen ALG KEY.pem KEY.jwk
    client_helpers.py thumbprint KEY.jwk
    client_helpers.py assertion KEY.pem ALG CLIENT_ID AUD [options]
    client_helpers.py dpop KEY.pem ALG HTM HTU [options]
    client_helpers.py claims JWT          (payload, NOT verified)

Every option that breaks a rule exists so a test can prove tokend refuses
it; see --help of each command.
"""

import argparse
import base64
import hashlib
import json
import sys
import time
import uuid

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

KEY_TYPES = {"ES256": "EC", "EdDSA": "OKP", "RS256": "RSA", "PS256": "RSA"}


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64u_json(obj):
    return b64u(json.dumps(obj, separators=(",", ":")).encode())


def b64u_uint(n, size=0):
    return b64u(n.to_bytes(max(size, (n.bit_length() + 7) // 8), "big"))


def generate(alg):
    kind = KEY_TYPES[alg]
    if kind == "EC":
        return ec.generate_private_key(ec.SECP256R1())
    if kind == "RSA":
        return rsa.generate_private_key(65537, 2048)
    return ed25519.Ed25519PrivateKey.generate()


def load_key(path):
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), None)


def public_jwk(key, with_private=False):
    """The RFC 7517 JWK of key's public half (and, only to test that
    tokend refuses it, of the private half too)."""
    if isinstance(key, ec.EllipticCurvePrivateKey):
        nums = key.private_numbers()
        pub = nums.public_numbers
        jwk = {"kty": "EC", "crv": "P-256", "x": b64u_uint(pub.x, 32),
               "y": b64u_uint(pub.y, 32)}
        if with_private:
            jwk["d"] = b64u_uint(nums.private_value, 32)
    elif isinstance(key, rsa.RSAPrivateKey):
        nums = key.private_numbers()
        jwk = {"kty": "RSA", "n": b64u_uint(nums.public_numbers.n),
               "e": b64u_uint(nums.public_numbers.e)}
        if with_private:
            jwk["d"] = b64u_uint(nums.d)
    else:
        raw = key.public_key().public_bytes(serialization.Encoding.Raw,
                                            serialization.PublicFormat.Raw)
        jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64u(raw)}
        if with_private:
            jwk["d"] = b64u(key.private_bytes(
                serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                serialization.NoEncryption()))
    return jwk


def thumbprint(jwk):
    """RFC 7638 §3: SHA-256 over the required members, sorted, compact."""
    required = {"EC": ("crv", "kty", "x", "y"), "RSA": ("e", "kty", "n"),
                "OKP": ("crv", "kty", "x")}[jwk["kty"]]
    canonical = json.dumps({m: jwk[m] for m in required}, sort_keys=True,
                           separators=(",", ":"))
    return b64u(hashlib.sha256(canonical.encode()).digest())


def sign(claims, key, alg, header):
    if alg == "none":
        # PyJWT will not make these; tokend must refuse them.
        return b64u_json(dict(header, alg="none")) + "." + \
            b64u_json(claims) + "."
    return jwt.encode(claims, key, algorithm=alg, headers=header)


def extra_pairs(pairs):
    """NAME=JSON pairs (a bare word that is not JSON is a string)."""
    out = {}
    for pair in pairs or []:
        name, _, value = pair.partition("=")
        try:
            out[name] = json.loads(value)
        except ValueError:
            out[name] = value
    return out


def cmd_keygen(args):
    key = generate(args.alg)
    with open(args.pem, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    jwk = dict(public_jwk(key), alg=args.alg, use="sig")
    with open(args.jwk, "w") as f:
        json.dump(jwk, f)


def cmd_thumbprint(args):
    with open(args.jwk) as f:
        print(thumbprint(json.load(f)))


def cmd_assertion(args):
    now = int(time.time()) + args.iat_offset
    claims = {"iss": args.client_id, "sub": args.client_id, "aud": args.aud,
              "iat": now, "exp": now + args.exp_in,
              "jti": args.jti or str(uuid.uuid4())}
    claims.update(extra_pairs(args.claim))
    for name in args.drop or []:
        claims.pop(name, None)
    header = {"typ": "JWT"}
    header.update(extra_pairs(args.header))
    print(sign(claims, load_key(args.pem), args.alg, header))


def cmd_dpop(args):
    key = load_key(args.pem)
    claims = {"jti": args.jti or str(uuid.uuid4()), "htm": args.htm,
              "htu": args.htu, "iat": int(time.time()) + args.iat_offset}
    if args.ath_of is not None:
        # RFC 9449 §4.2: base64url of the SHA-256 of the ASCII token.
        claims["ath"] = b64u(hashlib.sha256(args.ath_of.encode()).digest())
    if args.nonce is not None:
        claims["nonce"] = args.nonce
    claims.update(extra_pairs(args.claim))
    for name in args.drop or []:
        claims.pop(name, None)
    header = {"typ": args.typ,
              "jwk": public_jwk(key, with_private=args.with_private)}
    if args.jwk_of:
        # Sign with one key, name another: the signature must not verify.
        header["jwk"] = public_jwk(load_key(args.jwk_of))
    print(sign(claims, key, args.alg, header))


def cmd_claims(args):
    payload = args.jwt.split(".")[1]
    print(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
          .decode())


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)

    k = sub.add_parser("keygen", help="new key: PEM private, JWK public")
    k.add_argument("alg", choices=sorted(KEY_TYPES))
    k.add_argument("pem")
    k.add_argument("jwk")
    k.set_defaults(func=cmd_keygen)

    t = sub.add_parser("thumbprint", help="RFC 7638 SHA-256 thumbprint")
    t.add_argument("jwk")
    t.set_defaults(func=cmd_thumbprint)

    a = sub.add_parser("assertion", help="private_key_jwt client assertion")
    a.add_argument("pem")
    a.add_argument("alg", choices=sorted(KEY_TYPES) + ["none"])
    a.add_argument("client_id")
    a.add_argument("aud")
    a.add_argument("--exp-in", type=int, default=30, help="exp - iat")
    a.add_argument("--iat-offset", type=int, default=0, help="iat - now")
    a.add_argument("--jti")
    a.add_argument("--claim", action="append", help="NAME=JSON, overrides")
    a.add_argument("--drop", action="append", help="leave a claim out")
    a.add_argument("--header", action="append", help="NAME=JSON")
    a.set_defaults(func=cmd_assertion)

    d = sub.add_parser("dpop", help="DPoP proof JWT")
    d.add_argument("pem")
    d.add_argument("alg", choices=sorted(KEY_TYPES) + ["none"])
    d.add_argument("htm")
    d.add_argument("htu")
    d.add_argument("--ath-of", metavar="ACCESS_TOKEN")
    d.add_argument("--nonce")
    d.add_argument("--jti")
    d.add_argument("--iat-offset", type=int, default=0, help="iat - now")
    d.add_argument("--typ", default="dpop+jwt")
    d.add_argument("--claim", action="append", help="NAME=JSON, overrides")
    d.add_argument("--drop", action="append", help="leave a claim out")
    d.add_argument("--with-private", action="store_true",
                   help="put the private key into the jwk header")
    d.add_argument("--jwk-of", metavar="OTHER.pem",
                   help="name another key in the jwk header")
    d.set_defaults(func=cmd_dpop)

    c = sub.add_parser("claims", help="print a JWT's payload, unverified")
    c.add_argument("jwt")
    c.set_defaults(func=cmd_claims)

    args = p.parse_args(argv)
    args.func(args)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
