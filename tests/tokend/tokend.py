#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tokend - the reference OAuth2/OIDC token service for pam_posauth tests.

A deliberately small HTTPS provider: password and refresh_token grants
(RFC 6749) and the device authorization grant (RFC 8628), with
client_secret_basic, private_key_jwt (RFC 7523) or tls_client_auth
(RFC 8705) client authentication, DPoP-bound tokens (RFC 9449) and a
protected resource to use them on, revocation (RFC 7009), introspection
(RFC 7662), discovery and JWKS.  It signs its JWTs by hand with
python3-cryptography instead of a JOSE library, so that the test-only
forging modes (alg none, HS256 keyed with the public key, jku/jwk headers,
...) can build exactly the malformed tokens an attacker would, and so that
the module's verifier is checked against an independent implementation.

It is a TEST server: keys live in memory, state is lost on exit, and
/_test/control lets any loopback client break it on purpose.  Never expose
it beyond 127.0.0.1.
"""

import argparse
import base64
import copy
import hashlib
import hmac
import ipaddress
import json
import os
import re
import secrets
import signal
import socket
import ssl
import struct
import sys
import threading
import time
import uuid
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, unquote_plus, urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature, encode_dss_signature)

# alg -> (key type, hash, EC curve, EC coordinate size); RFC 7518 §3.1.
ALGS = {
    "RS256": ("RSA", hashes.SHA256, None, 0),
    "RS384": ("RSA", hashes.SHA384, None, 0),
    "RS512": ("RSA", hashes.SHA512, None, 0),
    "PS256": ("RSA", hashes.SHA256, None, 0),
    "ES256": ("EC", hashes.SHA256, ec.SECP256R1, 32),
    "ES384": ("EC", hashes.SHA384, ec.SECP384R1, 48),
    "EdDSA": ("OKP", None, None, 0),
}

FAULTS = ("none", "down", "http500", "http503", "slow", "bad_json",
          "trickle", "huge", "redirect", "nested_json", "tls_abort",
          "http400_plain")
FORGES = ("none", "alg_none", "hs256_pubkey", "wrong_iss", "wrong_aud",
          "multi_aud_no_azp", "multi_aud_wrong_azp", "wrong_tenant",
          "wrong_store", "wrong_user", "expired", "not_yet_valid",
          "iat_future", "no_exp", "tampered_payload", "unknown_kid",
          "jku_header", "jwk_header", "crit_unknown", "garbage", "oversize",
          "roles_not_array", "wrong_alg_for_key")
ENDPOINTS = ("discovery", "jwks", "token", "revoke", "introspect",
             "device_authorization", "resource")
# Endpoints whose body is an OAuth form and which authenticate the client.
FORM_ENDPOINTS = ("token", "revoke", "introspect", "device_authorization")

DEFAULT_SETTINGS = {
    "fault": "none",
    "fault_endpoints": None,        # None: every endpoint the fault fits
    "slow_seconds": 5.0,
    "forge": "none",
    "expires_in": 300,
    "wrong_issuer_in_discovery": False,
    "jwks_extra_keys": 0,           # padding keys (unusable kids) in JWKS
    "device_interval": 5,           # RFC 8628 §3.2 polling interval
    "device_expires_in": 300,       # device_code lifetime in seconds
    # What a device-grant (second factor) login asserts.  The acr is ours,
    # not a registered value: a terminal that demands MFA names it in its
    # configuration, so it must not be mistaken for any IdP's own level.
    "acr": "urn:posauth:mfa",
    "amr": ["pwd", "otp"],          # RFC 8176 method values
    "device_auto": None,            # None, "approve" or "deny"
    "device_auto_delay": 0,         # seconds before device_auto acts
    # The first N polls of each new grant answer slow_down whatever their
    # timing: a terminal that honours the interval never polls early, so
    # this is how a test makes the service ask it to slow down.
    "device_slow_down": 0,
    "dpop_nonce": False,            # demand server nonces in DPoP proofs
    "dpop_required": False,         # refuse token requests without a proof
    # A service this far away (one round trip, ms): a new connection
    # waits two (TCP and TLS 1.3 handshakes), every request one more.
    "latency_ms": 0,
}

# Client authentication methods, by their RFC 8414 / OIDC Discovery names.
AUTH_METHODS = ("client_secret_basic", "private_key_jwt", "tls_client_auth")

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
# RFC 8628 §6.1: no vowels (no words), no look-alikes such as 0/O or 1/I.
USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"
SLOW_DOWN_STEP = 5                  # RFC 8628 §3.5: +5 s per slow_down
DEVICE_RECORD_KEEP = 600            # seconds an ended record stays listed

DEFAULT_SCOPE = "openid pos"
REFRESH_LIFETIME = 8 * 3600
MAX_BODY = 64 * 1024
HUGE_BODY = 64 * 1024 * 1024
TRICKLE_INTERVAL = 2.0
ATTACKER_JKU = "https://attacker.invalid/jwks.json"
# RFC 8628 §3.3 has the person open this page; no browser ever does here.
DEVICE_PAGE = (b"<!DOCTYPE html><html><head><title>tokend device login"
               b"</title></head><body><p>This is a test server: approve or "
               b"deny the code with POST /_test/device from the loopback "
               b"interface.</p></body></html>\n")
MAX_JWS = 16 * 1024                 # a client assertion or DPoP proof
B64U_RE = re.compile(r"[A-Za-z0-9_-]*")
PRIVATE_JWK_MEMBERS = frozenset(("d", "p", "q", "dp", "dq", "qi", "oth", "k"))
# Algorithms a client may sign with: asymmetric only (RFC 7523 §3 allows
# MACs with the secret, but then it is just the secret again).
CLIENT_ALGS = ("ES256", "EdDSA", "RS256", "PS256")
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_MAX_LIFETIME = 60         # seconds an assertion may live
DPOP_WINDOW = 60                    # a proof's iat may be this far off now
DPOP_NONCE_LIFETIME = 300           # seconds before the nonce rotates
TOKEN68_RE = re.compile(r"[A-Za-z0-9._~+/-]+=*")   # RFC 7235 §2.1
CLOCK_LEEWAY = 5                    # for iat/nbf from the client's clock
# Valid scope-token characters, RFC 6749 §3.3.
SCOPE_CHARS = frozenset(chr(c) for c in range(0x21, 0x7f)) - {'"', "\\"}

_log_lock = threading.Lock()


def log(msg):
    with _log_lock:
        sys.stderr.write("%s tokend[%d]: %s\n"
                         % (time.strftime("%H:%M:%S"), os.getpid(), msg))
        sys.stderr.flush()


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64u_decode(text):
    if isinstance(text, str):
        text = text.encode("ascii")
    return base64.urlsafe_b64decode(text + b"=" * (-len(text) % 4))


def b64u_json(obj):
    return b64u(json.dumps(obj, separators=(",", ":")).encode("utf-8"))


def uint_bytes(n, size=0):
    return n.to_bytes(max(size, (n.bit_length() + 7) // 8), "big")


def b64u_strict(text):
    """base64url from a client: no padding, no stray characters, and the
    one canonical spelling, so that nothing is silently skipped."""
    if not isinstance(text, str) or not B64U_RE.fullmatch(text) or \
            len(text) % 4 == 1:
        raise ValueError("not base64url")
    data = b64u_decode(text)
    if b64u(data) != text:
        raise ValueError("non-canonical base64url")
    return data


def _no_duplicates(pairs):
    obj = {}
    for name, value in pairs:
        if name in obj:
            # RFC 7515 §5.2 / RFC 7519 §4: a repeated member is either an
            # error or last-one-wins; two parsers disagreeing on which
            # claim counts is how signatures get bypassed, so refuse.
            raise ValueError("duplicate member %r" % name)
        obj[name] = value
    return obj


def _no_constant(name):
    raise ValueError("%s is not JSON" % name)


def json_object(data):
    """A JSON object from client bytes, strictly: UTF-8, no duplicate
    members, no NaN/Infinity; ValueError otherwise."""
    obj = json.loads(data.decode("utf-8"), object_pairs_hook=_no_duplicates,
                     parse_constant=_no_constant)
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    return obj


def parse_jws(token):
    """A compact JWS from a client: (header, claims, signing input,
    signature).  Only decodes; the caller verifies.  ValueError if it is
    not exactly three canonical base64url parts of JSON objects."""
    if not isinstance(token, str) or len(token) > MAX_JWS:
        raise ValueError("missing or oversized JWS")
    parts = token.split(".")
    if len(parts) != 3:
        raise ValueError("not a compact JWS")
    header = json_object(b64u_strict(parts[0]))
    claims = json_object(b64u_strict(parts[1]))
    signature = b64u_strict(parts[2])
    return header, claims, (parts[0] + "." + parts[1]).encode("ascii"), \
        signature


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def rsa_padding(alg, hash_alg):
    if alg.startswith("PS"):
        # RFC 7518 §3.5: the salt is as long as the hash output.
        return padding.PSS(mgf=padding.MGF1(hash_alg()),
                           salt_length=hash_alg.digest_size)
    return padding.PKCS1v15()


def verify_signature(public, alg, data, sig):
    """Check a JWS signature made with alg by public's private half.  The
    caller has already tied alg to the key's type."""
    kty, hash_alg, _, size = ALGS[alg]
    try:
        if kty == "RSA":
            public.verify(sig, data, rsa_padding(alg, hash_alg), hash_alg())
        elif kty == "EC":
            if len(sig) != 2 * size:
                return False
            der = encode_dss_signature(int.from_bytes(sig[:size], "big"),
                                       int.from_bytes(sig[size:], "big"))
            public.verify(der, data, ec.ECDSA(hash_alg()))
        else:
            public.verify(sig, data)
    except InvalidSignature:
        return False
    return True


class PublicJWK:
    """A client's public key from a JWK (RFC 7517/7518): the registered
    private_key_jwt key, or a DPoP proof's embedded key.  Raises
    ValueError for anything but a well-formed public key we can use."""

    def __init__(self, jwk):
        if not isinstance(jwk, dict):
            raise ValueError("a JWK must be a JSON object")
        private = PRIVATE_JWK_MEMBERS & set(jwk)
        if private:
            # A private key sent or registered where only the public half
            # belongs is a leak in progress, not something to shrug off.
            raise ValueError("JWK has private members: %s"
                             % ", ".join(sorted(private)))
        kty = jwk.get("kty")
        if kty == "EC":
            if jwk.get("crv") != "P-256":
                raise ValueError("EC keys must be P-256")
            x, y = b64u_strict(jwk.get("x")), b64u_strict(jwk.get("y"))
            # RFC 7518 §6.2.1.2: coordinates are full length, always.
            if len(x) != 32 or len(y) != 32:
                raise ValueError("EC coordinates must be 32 octets")
            self.key = ec.EllipticCurvePublicNumbers(
                int.from_bytes(x, "big"), int.from_bytes(y, "big"),
                ec.SECP256R1()).public_key()     # ValueError off the curve
            self.algs, members = ("ES256",), ("crv", "kty", "x", "y")
        elif kty == "RSA":
            n, e = b64u_strict(jwk.get("n")), b64u_strict(jwk.get("e"))
            # RFC 7518 §6.3.1: minimal big-endian, no leading zero octet.
            if not n or not e or n[0] == 0 or e[0] == 0:
                raise ValueError("RSA n and e must be minimal and non-zero")
            n, e = int.from_bytes(n, "big"), int.from_bytes(e, "big")
            if n.bit_length() < 2048 or e < 3 or e % 2 == 0:
                raise ValueError("RSA key too small or bad exponent")
            self.key = rsa.RSAPublicNumbers(e, n).public_key()
            self.algs, members = ("RS256", "PS256"), ("e", "kty", "n")
        elif kty == "OKP":
            if jwk.get("crv") != "Ed25519":
                raise ValueError("OKP keys must be Ed25519")
            x = b64u_strict(jwk.get("x"))
            if len(x) != 32:
                raise ValueError("Ed25519 x must be 32 octets")
            self.key = ed25519.Ed25519PublicKey.from_public_bytes(x)
            self.algs, members = ("EdDSA",), ("crv", "kty", "x")
        else:
            raise ValueError("kty must be EC, RSA or OKP")
        if "alg" in jwk:
            if jwk["alg"] not in self.algs:
                raise ValueError("JWK alg %r does not fit its key"
                                 % (jwk["alg"],))
            self.algs = (jwk["alg"],)
        if jwk.get("use", "sig") != "sig":
            raise ValueError("JWK use must be sig")
        self.kid = jwk.get("kid")
        # RFC 7638 §3: the required members only, sorted, no whitespace.
        canonical = json.dumps({m: jwk[m] for m in members}, sort_keys=True,
                               separators=(",", ":"))
        self.thumbprint = b64u(hashlib.sha256(canonical.encode()).digest())

    def verify(self, alg, data, sig):
        return alg in self.algs and verify_signature(self.key, alg, data, sig)


class SigningKey:
    """One asymmetric key with its kid; signs and verifies JWS input."""

    def __init__(self, alg):
        self.alg = alg
        self.kty, self._hash, curve, self._size = ALGS[alg]
        if self.kty == "RSA":
            self._key = rsa.generate_private_key(65537, 2048)
        elif self.kty == "EC":
            self._key = ec.generate_private_key(curve())
        else:
            self._key = ed25519.Ed25519PrivateKey.generate()
        self.kid = "%s-%s" % (alg.lower(), secrets.token_hex(6))
        self.public = self._key.public_key()

    def sign(self, data):
        if self.kty == "RSA":
            return self._key.sign(data, rsa_padding(self.alg, self._hash),
                                  self._hash())
        if self.kty == "EC":
            # JWS wants the raw r||s form, not DER (RFC 7518 §3.4).
            r, s = decode_dss_signature(
                self._key.sign(data, ec.ECDSA(self._hash())))
            return uint_bytes(r, self._size) + uint_bytes(s, self._size)
        return self._key.sign(data)

    def verify(self, data, sig):
        return verify_signature(self.public, self.alg, data, sig)

    def public_jwk(self):
        jwk = {"kty": self.kty, "kid": self.kid, "use": "sig",
               "alg": self.alg}
        if self.kty == "RSA":
            nums = self.public.public_numbers()
            jwk.update(n=b64u(uint_bytes(nums.n)), e=b64u(uint_bytes(nums.e)))
        elif self.kty == "EC":
            nums = self.public.public_numbers()
            jwk.update(crv="P-256" if self._size == 32 else "P-384",
                       x=b64u(uint_bytes(nums.x, self._size)),
                       y=b64u(uint_bytes(nums.y, self._size)))
        else:
            raw = self.public.public_bytes(serialization.Encoding.Raw,
                                           serialization.PublicFormat.Raw)
            jwk.update(crv="Ed25519", x=b64u(raw))
        return jwk

    def public_pem(self):
        return self.public.public_bytes(
            serialization.Encoding.PEM,
            serialization.PublicFormat.SubjectPublicKeyInfo)


def jws(header, claims, key):
    signing_input = b64u_json(header) + "." + b64u_json(claims)
    return signing_input + "." + b64u(key.sign(signing_input.encode("ascii")))


class User:
    def __init__(self, entry):
        def need(field, kinds):
            value = entry.get(field)
            if not isinstance(value, kinds) or value in ("", []):
                raise ValueError("user %r: bad or missing %r"
                                 % (entry.get("username"), field))
            return value

        self.username = need("username", str)
        self.pin = need("pin", str)
        self.roles = need("roles", list)
        self.tenant = need("tenant", str)
        self.store = need("store", (str, list))
        self.name = entry.get("name", self.username)
        # /_test/user may disable a person: no grant of theirs works then.
        self.disabled = entry.get("disabled", False) is True
        if not all(isinstance(r, str) for r in self.roles):
            raise ValueError("user %r: roles must be strings" % self.username)
        if isinstance(self.store, list) and \
                not all(isinstance(s, str) for s in self.store):
            raise ValueError("user %r: stores must be strings"
                             % self.username)
        # sub must never change for a person (OIDC Core §2), so it is
        # derived from tenant and username, not from process state.
        self.sub = entry.get("sub") or str(uuid.uuid5(
            uuid.NAMESPACE_URL,
            "posauth:%s:%s" % (self.tenant, self.username)))


def printable(value, max_len):
    """A non-empty string of printable ASCII, at most max_len long."""
    return isinstance(value, str) and 0 < len(value) <= max_len and \
        all(0x20 < ord(c) < 0x7f for c in value)


def parse_dn(text):
    """An RFC 4514 string as python3-cryptography reads it; ValueError."""
    name = x509.Name.from_rfc4514_string(text)
    if not len(name):
        raise ValueError("empty distinguished name")
    return name


def printable_dn(text):
    if not isinstance(text, str) or not 0 < len(text) <= 1024:
        return False
    try:
        parse_dn(text)
    except ValueError:
        return False
    return True


def norm_url(url):
    """An https URL in RFC 3986 §6.2.2-6.2.3 normal form (scheme and host
    in lower case, no default port, "/" for an empty path) for comparing
    htu; None when it is not an https URL or carries userinfo."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() != "https" or not parts.hostname or \
            "@" in parts.netloc:
        return None
    host = parts.hostname
    if ":" in host:
        host = "[%s]" % host
    if port not in (None, 443):
        host += ":%d" % port
    out = "https://" + host + (parts.path or "/")
    # A query or fragment in htu can never match: §4.2 leaves them out.
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        out += "?" + parts.query + "#" + parts.fragment
    return out


def remember_once(cache, key, until, now):
    """A replay cache: False if key is already in it, else remember key
    until the given time and answer True.  Expired entries go first."""
    if len(cache) > 256:
        for old in [k for k, t in cache.items() if t < now]:
            del cache[old]
    if key in cache and cache[key] >= now:
        return False
    cache[key] = until
    return True


def load_users(path):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    users = {}
    for entry in doc.get("users", []):
        user = User(entry)
        if user.username in users:
            raise ValueError("duplicate user %r" % user.username)
        users[user.username] = user
    if not users:
        raise ValueError("no users")
    return users


class Family:
    """Every refresh token descended from one login (one grant)."""

    def __init__(self, user, scope, amr, acr=None, auth_time=None, jkt=None):
        self.id = secrets.token_hex(8)
        self.username = user.username
        self.scope = scope
        # The DPoP key (RFC 7638 thumbprint) of the grant's first token
        # request: every refresh must prove possession of the same key.
        self.jkt = jkt
        # How the person authenticated; refreshes repeat it unchanged,
        # since a refresh is not a new authentication (OIDC Core §12.2).
        self.amr = amr
        self.acr = acr
        self.auth_time = int(auth_time or time.time())
        self.revoked = False
        self.refresh_hashes = []
        self.jtis = set()


class DeviceAuth:
    """One RFC 8628 device authorization, from issue until it ends."""

    def __init__(self, user_code, login_hint, scope, settings, now):
        self.user_code = user_code          # 8 letters, no dash
        self.login_hint = login_hint
        self.scope = scope
        self.created = now
        self.expires_at = now + settings["device_expires_in"]
        self.interval = settings["device_interval"]
        self.last_poll = None
        self.state = "pending"      # approved denied redeemed expired
        self.user = None            # who approved
        self.approved_at = None
        self.auto = settings["device_auto"]
        self.auto_at = now + settings["device_auto_delay"]
        self.forced_slow_downs = settings["device_slow_down"]

    def display_code(self):
        return self.user_code[:4] + "-" + self.user_code[4:]

    def public(self, now):
        return {"user_code": self.display_code(),
                "login_hint": self.login_hint, "state": self.state,
                "user": self.user, "scope": self.scope,
                "interval": self.interval,
                "expires_in": max(0, int(self.expires_at - now))}


class RefreshRecord:
    def __init__(self, family, now):
        self.family = family
        self.used = False
        self.iat = now
        self.exp = now + REFRESH_LIFETIME


class OAuthError(Exception):
    """An RFC 6749 §5.2 error response."""

    def __init__(self, status, error, description):
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description


class State:
    """Everything shared between request threads, behind one lock."""

    def __init__(self, users, client_id, client_secret, alg, client_jwk=None,
                 mtls=False, client_cert_subject=None):
        self.lock = threading.RLock()
        self.users = users
        self.client_id = client_id
        self._client_secret = client_secret
        self.issuer = None
        self.base_url = None
        # Without --client-ca the TLS layer never asks for a certificate,
        # so tls_client_auth cannot work and is neither allowed nor shown.
        self.mtls = mtls
        methods = [m for m in AUTH_METHODS
                   if mtls or m != "tls_client_auth"]
        # Command-line choices are the defaults that "reset" returns to.
        self.defaults = dict(DEFAULT_SETTINGS, client_auth_methods=methods,
                             client_jwk=client_jwk,
                             client_cert_subject=client_cert_subject)
        self.settings = copy.deepcopy(self.defaults)
        self._client_key = None           # PublicJWK of client_jwk
        self._client_subject = None       # x509.Name of client_cert_subject
        self._derive()
        self._assertion_jtis = {}         # jti -> exp, replay cache
        self._dpop_jtis = {}              # jti -> until, replay cache
        self._dpop_nonce = secrets.token_urlsafe(16)
        self._dpop_nonce_at = time.monotonic()
        self.url_bases = []               # https://host:port we answer as
        self.keys = [SigningKey(alg)]     # current key first
        self._attacker_keys = {}
        self._refresh = {}                # sha256(token) -> RefreshRecord
        self._jti_family = {}
        self._revoked_jtis = set()
        self._reuse_detected = 0
        self._devices = {}                # sha256(device_code) -> DeviceAuth
        self._user_codes = {}             # user_code -> DeviceAuth
        self.reset_stats()

    # --- keys -----------------------------------------------------------

    @property
    def current(self):
        return self.keys[0]

    def attacker_key(self, alg):
        """A key that is never published, cached so tests see one kid."""
        if alg not in self._attacker_keys:
            self._attacker_keys[alg] = SigningKey(alg)
        return self._attacker_keys[alg]

    def key_by_kid(self, kid):
        for key in self.keys:
            if key.kid == kid:
                return key
        return None

    def jwks(self):
        with self.lock:
            keys = [k.public_jwk() for k in self.keys]
            extra = self.settings["jwks_extra_keys"]
        # A hostile or bloated key set: copies of a real public key under
        # made-up kids, placed first so a verifier must wade through them.
        if extra:
            pad = dict(keys[0])
            keys = [dict(pad, kid="pad-%d" % i) for i in range(extra)] + keys
        return {"keys": keys}

    # --- settings -------------------------------------------------------

    def public_settings(self):
        s = dict(self.settings)
        s.update(alg=self.current.alg, current_kid=self.current.kid,
                 kids=[k.kid for k in self.keys], issuer=self.issuer,
                 client_id=self.client_id)
        return s

    def _derive(self):
        """Parse the settings that hold keys (lock held or not shared)."""
        jwk = self.settings["client_jwk"]
        self._client_key = PublicJWK(jwk) if jwk is not None else None
        dn = self.settings["client_cert_subject"]
        self._client_subject = parse_dn(dn) if dn is not None else None

    def control(self, req):
        """Apply a /_test/control body; raises ValueError on a bad field."""
        known = set(self.defaults) | {"rotate", "drop_old_keys", "alg",
                                      "reset", "rotate_dpop_nonce"}
        unknown = set(req) - known
        if unknown:
            # A typo in a test must fail loudly, not silently test nothing.
            raise ValueError("unknown field(s): %s" % ", ".join(sorted(unknown)))
        checks = {
            "fault": lambda v: v in FAULTS,
            "forge": lambda v: v in FORGES,
            "alg": lambda v: v in ALGS,
            "latency_ms": lambda v: isinstance(v, int)
            and not isinstance(v, bool) and 0 <= v <= 10000,
            "slow_seconds": lambda v: isinstance(v, (int, float))
            and not isinstance(v, bool) and 0 <= v <= 600,
            "expires_in": lambda v: isinstance(v, int)
            and not isinstance(v, bool) and -86400 <= v <= 86400,
            "jwks_extra_keys": lambda v: isinstance(v, int)
            and not isinstance(v, bool) and 0 <= v <= 100000,
            "fault_endpoints": lambda v: v is None or (
                isinstance(v, list) and all(e in ENDPOINTS for e in v)),
            "device_interval": lambda v: isinstance(v, int)
            and not isinstance(v, bool) and 1 <= v <= 3600,
            "device_expires_in": lambda v: isinstance(v, int)
            and not isinstance(v, bool) and 1 <= v <= 86400,
            "acr": lambda v: v is None or printable(v, 256),
            "amr": lambda v: v is None or (
                isinstance(v, list) and 0 < len(v) <= 16
                and all(printable(m, 64) for m in v)),
            "device_auto": lambda v: v in (None, "approve", "deny"),
            "device_auto_delay": lambda v: isinstance(v, (int, float))
            and not isinstance(v, bool) and 0 <= v <= 600,
            "device_slow_down": lambda v: isinstance(v, int)
            and not isinstance(v, bool) and 0 <= v <= 100,
            "client_auth_methods": lambda v: isinstance(v, list) and v
            and all(isinstance(m, str) for m in v)
            and len(set(v)) == len(v) and set(v) <= set(AUTH_METHODS)
            and (self.mtls or "tls_client_auth" not in v),
            "client_jwk": lambda v: v is None or isinstance(v, dict),
            "client_cert_subject": lambda v: v is None or (
                self.mtls and printable_dn(v)),
        }
        for field, value in req.items():
            check = checks.get(field, lambda v: isinstance(v, bool))
            if not check(value):
                raise ValueError("bad value for %s: %r" % (field, value))
        if req.get("client_jwk") is not None:
            try:
                PublicJWK(req["client_jwk"])
            except ValueError as exc:
                raise ValueError("bad client_jwk: %s" % exc)
        with self.lock:
            if req.get("reset"):
                self.settings = copy.deepcopy(self.defaults)
            if "alg" in req and req["alg"] != self.current.alg:
                self.keys.insert(0, SigningKey(req["alg"]))
            if req.get("rotate"):
                self.keys.insert(0, SigningKey(self.current.alg))
            if req.get("drop_old_keys"):
                del self.keys[1:]
            if req.get("rotate_dpop_nonce"):
                self._rotate_dpop_nonce()
            for field in self.defaults:
                if field in req:
                    self.settings[field] = req[field]
            self._derive()
            return self.public_settings()

    def fault_for(self, endpoint):
        with self.lock:
            only = self.settings["fault_endpoints"]
            if only is not None and endpoint not in only:
                return "none"
            return self.settings["fault"]

    # --- stats ----------------------------------------------------------

    def reset_stats(self):
        with self.lock:
            self.stats = {"discovery": 0, "jwks": 0,
                          "token": {"password": 0, "refresh_token": 0,
                                    "device_code": 0, "other": 0},
                          "revoke": 0, "introspect": 0,
                          "device_authorization": 0, "resource": 0,
                          "redirected": 0}

    def count(self, endpoint, grant=None):
        with self.lock:
            if endpoint == "token":
                if grant == DEVICE_GRANT:
                    grant = "device_code"
                elif grant not in ("password", "refresh_token"):
                    grant = "other"
                self.stats["token"][grant] += 1
            elif endpoint in self.stats:
                self.stats[endpoint] += 1

    def revoked_summary(self):
        with self.lock:
            families = {r.family.id: r.family for r in self._refresh.values()}
            revoked = [f for f in families.values() if f.revoked]
            return {"families_revoked": len(revoked),
                    "refresh_tokens_revoked":
                        sum(len(f.refresh_hashes) for f in revoked),
                    "access_tokens_revoked": len(self._revoked_jtis) +
                        sum(len(f.jtis) for f in revoked),
                    "reuse_detected": self._reuse_detected}

    # --- clients and users ----------------------------------------------

    def client_ok(self, client_id, secret):
        # Both compared in constant time: the secret is what a timing
        # oracle would leak, and the id costs nothing to protect too.
        id_ok = hmac.compare_digest(client_id.encode(), self.client_id.encode())
        secret_ok = hmac.compare_digest(secret.encode(),
                                        self._client_secret.encode())
        return id_ok and secret_ok

    def verify_client_assertion(self, assertion):
        """private_key_jwt (RFC 7523 §2.2 and §3, OIDC Core §9): returns
        the client_id, or raises OAuthError 401 invalid_client."""
        def refuse(why):
            return OAuthError(401, "invalid_client", "client_assertion " + why)

        with self.lock:
            key = self._client_key
        if key is None:
            raise refuse("cannot be checked: no client key is registered")
        try:
            header, claims, signing_input, sig = parse_jws(assertion)
        except ValueError as exc:
            raise refuse("is malformed: %s" % exc)
        alg = header.get("alg")
        # The registered key decides the algorithm, never the header alone.
        if alg not in CLIENT_ALGS or alg not in key.algs:
            raise refuse("alg %s does not fit the registered key"
                         % json.dumps(alg))
        if "crit" in header:
            raise refuse("has crit extensions we do not understand")
        typ = header.get("typ")
        if typ is not None and (not isinstance(typ, str) or typ.lower() not in
                                ("jwt", "client-authentication+jwt")):
            # A DPoP proof or an access token is not a client assertion.
            raise refuse("typ must be JWT")
        if key.kid is not None and header.get("kid", key.kid) != key.kid:
            raise refuse("kid is not the registered key's")
        if not key.verify(alg, signing_input, sig):
            raise refuse("signature does not verify")
        if claims.get("iss") != self.client_id or \
                claims.get("sub") != self.client_id:
            raise refuse("iss and sub must both be the client_id")
        aud = claims.get("aud")
        # OIDC Core §9 names the token endpoint; many providers also take
        # the issuer (RFC 7523 §3 says "identifies the AS"), so both do,
        # at every endpoint.  Exact strings: no normalisation.
        ours = (self.base_url + "/token", self.issuer)
        if not any(isinstance(a, str) and a in ours
                   for a in (aud if isinstance(aud, list) else [aud])):
            raise refuse("aud must be the token endpoint URL or the issuer")
        now = time.time()
        exp, iat, nbf = claims.get("exp"), claims.get("iat"), claims.get("nbf")
        if not is_number(exp) or exp <= now:
            raise refuse("has expired or has no exp")
        if exp > now + ASSERTION_MAX_LIFETIME + CLOCK_LEEWAY:
            # Short lives keep the replay cache honest: a jti need only be
            # remembered until its assertion would have died anyway.
            raise refuse("may live at most %d s" % ASSERTION_MAX_LIFETIME)
        if iat is not None and (not is_number(iat) or
                                iat > now + CLOCK_LEEWAY or
                                exp - iat > ASSERTION_MAX_LIFETIME +
                                CLOCK_LEEWAY):
            raise refuse("iat is in the future or too long before exp")
        if nbf is not None and (not is_number(nbf) or
                                nbf > now + CLOCK_LEEWAY):
            raise refuse("is not valid yet")
        jti = claims.get("jti")
        if not printable(jti, 256):
            raise refuse("needs a jti")
        with self.lock:
            if remember_once(self._assertion_jtis, jti, exp, now):
                return self.client_id
        raise refuse("was replayed (jti seen before)")

    # --- DPoP (RFC 9449) -------------------------------------------------

    def _rotate_dpop_nonce(self):
        self._dpop_nonce = secrets.token_urlsafe(16)
        self._dpop_nonce_at = time.monotonic()

    def dpop_nonce(self):
        """The nonce proofs must carry now; it changes every few minutes
        (RFC 9449 §8), so clients must take it from each DPoP-Nonce."""
        with self.lock:
            if time.monotonic() - self._dpop_nonce_at >= DPOP_NONCE_LIFETIME:
                self._rotate_dpop_nonce()
            return self._dpop_nonce

    def verify_dpop(self, proof, method, path, access_token=None,
                    nonce=False):
        """RFC 9449 §4.3: check a DPoP proof for this request and return
        its key's RFC 7638 thumbprint.  Raises OAuthError 400
        invalid_dpop_proof, or use_dpop_nonce when nonce is True, nonces
        are on, and the proof lacks the current one."""
        def refuse(why):
            return OAuthError(400, "invalid_dpop_proof", "DPoP proof " + why)

        try:
            header, claims, signing_input, sig = parse_jws(proof)
        except ValueError as exc:
            raise refuse("is malformed: %s" % exc)
        if header.get("typ") != "dpop+jwt":
            raise refuse("typ must be dpop+jwt")
        alg = header.get("alg")
        if alg not in CLIENT_ALGS:
            raise refuse("alg must be one of " + " ".join(CLIENT_ALGS))
        if "crit" in header:
            raise refuse("has crit extensions we do not understand")
        try:
            key = PublicJWK(header.get("jwk"))
        except ValueError as exc:
            raise refuse("jwk header: %s" % exc)
        if alg not in key.algs:
            raise refuse("alg does not fit the jwk")
        if not key.verify(alg, signing_input, sig):
            raise refuse("signature does not verify with its jwk")
        jti = claims.get("jti")
        if not printable(jti, 256):
            raise refuse("needs a jti")
        if claims.get("htm") != method:
            raise refuse("htm must be " + method)
        htu = claims.get("htu")
        # RFC 9449 §4.3 item 9: our URL for this request, minus query and
        # fragment, compared after RFC 3986 §6.2.2-6.2.3 normalisation.
        if not isinstance(htu, str) or norm_url(htu) is None or \
                norm_url(htu) not in [norm_url(b + path)
                                      for b in self.url_bases]:
            raise refuse("htu must be the URL of this endpoint")
        now = time.time()
        iat = claims.get("iat")
        if not is_number(iat) or abs(now - iat) > DPOP_WINDOW:
            raise refuse("iat must be within %d s of now" % DPOP_WINDOW)
        if access_token is not None:
            ath = b64u(hashlib.sha256(access_token.encode()).digest())
            if claims.get("ath") != ath:
                raise refuse("ath is not the hash of this access token")
        with self.lock:
            if nonce and self.settings["dpop_nonce"] and \
                    claims.get("nonce") != self.dpop_nonce():
                # Not recorded as used: the client signs a new proof with
                # the nonce from this answer's DPoP-Nonce header.
                raise OAuthError(400, "use_dpop_nonce", "DPoP proof must "
                                 "carry the nonce from DPoP-Nonce")
            # Remembered for as long as its iat keeps it acceptable.
            if not remember_once(self._dpop_jtis, jti,
                                 max(now, iat) + DPOP_WINDOW, now):
                raise refuse("was replayed (jti seen before)")
        return key.thumbprint

    def client_cert_ok(self, der):
        """RFC 8705 §2.1.2 tls_client_auth: the (already chain-verified)
        certificate's subject DN equals the registered one: the same
        attributes in the same order with exactly the same values."""
        with self.lock:
            want = self._client_subject
        if want is None:
            return False
        return x509.load_der_x509_certificate(der).subject == want

    def check_pin(self, username, pin):
        user = self.users.get(username)
        # Compare against a dummy for unknown users, so the answer time
        # does not tell which usernames exist.
        expected = user.pin if user else "\0" * 16
        match = hmac.compare_digest(expected.encode(), pin.encode())
        with self.lock:
            disabled = user is not None and user.disabled
        return user if (user and match and not disabled) else None

    def set_user(self, req):
        """/_test/user: change a person for the grants that follow (roles,
        disabled); ValueError for a bad field, LookupError for no such
        user. Tokens already issued keep what they say."""
        unknown = set(req) - {"username", "roles", "disabled"}
        if unknown:
            raise ValueError("unknown field(s): %s" % ", ".join(sorted(unknown)))
        roles = req.get("roles")
        if roles is not None and not (
                isinstance(roles, list) and len(roles) <= 64
                and all(printable(r, 64) for r in roles)):
            raise ValueError("roles must be a list of printable strings")
        if "disabled" in req and not isinstance(req["disabled"], bool):
            raise ValueError("disabled must be true or false")
        with self.lock:
            user = self.users.get(req.get("username"))
            if user is None:
                raise LookupError("no such user: %r" % (req.get("username"),))
            if roles is not None:
                user.roles = list(roles)
            if "disabled" in req:
                user.disabled = req["disabled"]
            return {"username": user.username, "roles": list(user.roles),
                    "disabled": user.disabled}

    # --- tokens ---------------------------------------------------------

    def _claims(self, user, family, now, expires_in):
        claims = {"iss": self.issuer, "sub": user.sub, "aud": self.client_id,
                  "azp": self.client_id, "exp": now + expires_in, "iat": now,
                  "nbf": now, "jti": str(uuid.uuid4()),
                  "auth_time": family.auth_time,
                  "preferred_username": user.username, "name": user.name,
                  "roles": list(user.roles), "tenant": user.tenant,
                  "store": user.store}
        # OIDC Core §2 / RFC 9068 §2.2.1: how the user authenticated, so a
        # terminal that demands a second factor can tell the logins apart.
        if family.acr is not None:
            claims["acr"] = family.acr
        if family.amr is not None:
            claims["amr"] = list(family.amr)
        return claims

    def _forge_claims(self, claims, forge, user, now):
        """Claim-level lies: the signature stays valid."""
        if forge == "wrong_iss":
            claims["iss"] = "https://issuer.attacker.invalid"
        elif forge == "wrong_aud":
            claims["aud"] = claims["azp"] = "other-client"
        elif forge == "multi_aud_no_azp":
            claims["aud"] = [self.client_id, "other"]
            del claims["azp"]
        elif forge == "multi_aud_wrong_azp":
            claims["aud"] = [self.client_id, "other"]
            claims["azp"] = "other"
        elif forge == "wrong_tenant":
            claims["tenant"] = "evil"
        elif forge == "wrong_store":
            claims["store"] = "store-999"
        elif forge == "wrong_user":
            others = [u for u in self.users if u != user.username]
            claims["preferred_username"] = others[0] if others else "nobody"
        elif forge == "expired":
            claims["exp"] = now - 3600
            claims["iat"] = claims["nbf"] = now - 3600 - 300
        elif forge == "not_yet_valid":
            claims["nbf"] = now + 3600
        elif forge == "iat_future":
            claims["iat"] = now + 3600
        elif forge == "no_exp":
            del claims["exp"]
        elif forge == "roles_not_array":
            claims["roles"] = " ".join(user.roles)
        elif forge == "oversize":
            claims["pad"] = "A" * (200 * 1024)

    def _encode(self, header, claims, forge):
        """Header- and signature-level lies."""
        key = self.current
        if forge == "garbage":
            return "not.a.jwt!!"
        if forge == "alg_none":
            header["alg"] = "none"
            return b64u_json(header) + "." + b64u_json(claims) + "."
        if forge == "hs256_pubkey":
            # The classic key-confusion attack: a verifier that lets the
            # header pick the algorithm will HMAC with the public key PEM.
            header["alg"] = "HS256"
            signing_input = b64u_json(header) + "." + b64u_json(claims)
            mac = hmac.new(key.public_pem(), signing_input.encode("ascii"),
                           hashlib.sha256).digest()
            return signing_input + "." + b64u(mac)
        if forge in ("unknown_kid", "jku_header", "jwk_header"):
            attacker = self.attacker_key(key.alg)
            header["kid"] = attacker.kid
            if forge == "jku_header":
                header["jku"] = ATTACKER_JKU
            elif forge == "jwk_header":
                header["jwk"] = attacker.public_jwk()
            return jws(header, claims, attacker)
        if forge == "wrong_alg_for_key":
            # The header names an algorithm of another key type while the
            # kid points at our key: the verifier must tie alg to the key.
            other = "ES256" if key.kty == "RSA" else "RS256"
            header["alg"] = other
            return jws(header, claims, self.attacker_key(other))
        if forge == "crit_unknown":
            # RFC 7515 §4.1.11: an unknown crit extension makes it invalid.
            header["crit"] = ["exp_ext"]
            header["exp_ext"] = int(time.time()) + 3600
        token = jws(header, claims, key)
        if forge == "tampered_payload":
            h, _, sig = token.split(".")
            claims = dict(claims, roles=["admin"])
            token = h + "." + b64u_json(claims) + "." + sig
        return token

    def _jwt(self, claims, typ, forge, user, now):
        claims = dict(claims)
        self._forge_claims(claims, forge, user, now)
        header = {"alg": self.current.alg, "typ": typ, "kid": self.current.kid}
        return self._encode(header, claims, forge)

    def issue(self, user, family, jkt=None):
        """Mint an access token, id token and refresh token (lock held);
        with jkt, the access token is DPoP-bound to that key."""
        now = int(time.time())
        expires_in = self.settings["expires_in"]
        forge = self.settings["forge"]
        at_claims = self._claims(user, family, now, expires_in)
        at_claims["scope"] = family.scope
        at_claims["client_id"] = self.client_id
        if jkt is not None:
            at_claims["cnf"] = {"jkt": jkt}     # RFC 9449 §6.1
        id_claims = self._claims(user, family, now, expires_in)
        # RFC 9068 §2.1: access tokens are typed so that an id token can
        # never be replayed as one.
        access = self._jwt(at_claims, "at+jwt", forge, user, now)
        id_token = self._jwt(id_claims, "JWT", forge, user, now)
        family.jtis.add(at_claims["jti"])
        self._jti_family[at_claims["jti"]] = family
        refresh = secrets.token_urlsafe(32)
        digest = hashlib.sha256(refresh.encode()).hexdigest()
        self._refresh[digest] = RefreshRecord(family, now)
        family.refresh_hashes.append(digest)
        return {"access_token": access, "id_token": id_token,
                "refresh_token": refresh,
                "token_type": "DPoP" if jkt else "Bearer",
                "expires_in": expires_in, "scope": family.scope}

    def password_grant(self, username, pin, scope, jkt=None):
        user = self.check_pin(username, pin)
        if user is None:
            raise OAuthError(400, "invalid_grant", "invalid username or PIN")
        with self.lock:
            # A PIN alone: one factor, and deliberately no acr, so that no
            # acr-checking terminal can take it for a second-factor login.
            return self.issue(user, Family(user, scope, amr=["pwd"],
                                           jkt=jkt), jkt)

    def refresh_grant(self, token, scope, jkt=None):
        digest = hashlib.sha256(token.encode()).hexdigest()
        with self.lock:
            rec = self._refresh.get(digest)
            if rec is None or rec.family.revoked:
                raise OAuthError(400, "invalid_grant", "invalid refresh token")
            family = rec.family
            if rec.used:
                # A rotated-out token came back: either the client or a
                # thief holds a copy, so nothing from this login can be
                # trusted (OAuth 2.0 Security BCP, RFC 9700 §4.14.2).
                self._reuse_detected += 1
                family.revoked = True
                raise OAuthError(400, "invalid_grant",
                                 "refresh token reused; grant revoked")
            if rec.exp <= time.time():
                raise OAuthError(400, "invalid_grant", "refresh token expired")
            if family.jkt is not None and jkt != family.jkt:
                # RFC 9449 §5 binds refresh tokens of public clients; we
                # bind ours too, so a copied refresh token and client
                # credentials are still useless without the DPoP key.
                raise OAuthError(400, "invalid_grant", "refresh token is "
                                 "bound to another DPoP key" if jkt else
                                 "refresh token is DPoP-bound; send a proof")
            user = self.users.get(family.username)
            if user is None:
                family.revoked = True
                raise OAuthError(400, "invalid_grant", "user no longer exists")
            if user.disabled:
                # The grant stays: enabling the person again revives it,
                # as an IdP's "disable account" switch does.
                raise OAuthError(400, "invalid_grant", "user is disabled")
            if scope is not None and \
                    not set(scope.split()) <= set(family.scope.split()):
                # RFC 6749 §6: a refresh may narrow the scope, never widen.
                raise OAuthError(400, "invalid_scope",
                                 "scope exceeds the original grant")
            rec.used = True
            # An unbound grant may still get a bound access token when the
            # request has a proof; the grant itself stays unbound.
            return self.issue(user, family, jkt)

    # --- device authorization grant (RFC 8628) ----------------------------

    def _new_user_code(self):
        while True:
            code = "".join(secrets.choice(USER_CODE_ALPHABET)
                           for _ in range(8))
            if code not in self._user_codes:
                return code

    def _device_tick(self, rec, now):
        """Let time act on a record: device_auto, then expiry (lock held)."""
        if rec.state == "pending" and rec.auto and now >= rec.auto_at and \
                rec.auto_at < rec.expires_at:
            if rec.auto == "approve" and rec.login_hint in self.users:
                rec.state, rec.user = "approved", rec.login_hint
                rec.approved_at = int(rec.auto_at)
            else:
                # Nobody to approve as: an unknown login_hint is denied.
                rec.state = "denied"
        if rec.state in ("pending", "approved", "denied") and \
                now >= rec.expires_at:
            rec.state = "expired"

    def _device_purge(self, now):
        for digest, rec in list(self._devices.items()):
            if now >= rec.expires_at + DEVICE_RECORD_KEEP:
                del self._devices[digest]
                del self._user_codes[rec.user_code]

    def device_authorize(self, login_hint, scope):
        """RFC 8628 §3.2: a device_code for the terminal, a user_code for
        the person."""
        now = time.time()
        device_code = secrets.token_urlsafe(32)
        digest = hashlib.sha256(device_code.encode()).hexdigest()
        with self.lock:
            self._device_purge(now)
            rec = DeviceAuth(self._new_user_code(), login_hint, scope,
                             self.settings, now)
            self._devices[digest] = rec
            self._user_codes[rec.user_code] = rec
        uri = self.base_url + "/device"
        return {"device_code": device_code,
                "user_code": rec.display_code(),
                "verification_uri": uri,
                "verification_uri_complete":
                    uri + "?user_code=" + rec.display_code(),
                "expires_in": int(rec.expires_at - now),
                "interval": rec.interval}

    def device_grant(self, device_code, jkt=None):
        """RFC 8628 §3.4-3.5: one poll of the token endpoint."""
        now = time.time()
        digest = hashlib.sha256(device_code.encode()).hexdigest()
        with self.lock:
            rec = self._devices.get(digest)
            if rec is None:
                raise OAuthError(400, "invalid_grant", "unknown device_code")
            self._device_tick(rec, now)
            if rec.state == "redeemed":
                raise OAuthError(400, "invalid_grant",
                                 "device_code already redeemed")
            if rec.state == "expired":
                raise OAuthError(400, "expired_token",
                                 "device_code expired")
            if rec.state == "denied":
                raise OAuthError(400, "access_denied",
                                 "the user denied the request")
            if rec.state == "pending":
                # The first poll is never too early; after that each poll
                # must wait the interval since the previous one, and every
                # slow_down lengthens it for the rest of this grant.
                early = rec.last_poll is not None and \
                    now - rec.last_poll < rec.interval
                rec.last_poll = now
                if rec.forced_slow_downs > 0:
                    rec.forced_slow_downs -= 1
                    early = True
                if early:
                    rec.interval += SLOW_DOWN_STEP
                    raise OAuthError(400, "slow_down",
                                     "polling too fast; interval is now %d s"
                                     % rec.interval)
                raise OAuthError(400, "authorization_pending",
                                 "waiting for the user")
            user = self.users.get(rec.user)
            if user is None or user.disabled:
                rec.state = "denied"
                raise OAuthError(400, "access_denied", "user no longer "
                                 "exists or is disabled")
            rec.state = "redeemed"
            acr, amr = self.settings["acr"], self.settings["amr"]
            family = Family(user, rec.scope, amr=amr, acr=acr,
                            auth_time=rec.approved_at, jkt=jkt)
            return self.issue(user, family, jkt)

    def device_list(self):
        now = time.time()
        with self.lock:
            out = []
            for rec in sorted(self._devices.values(),
                              key=lambda r: r.created, reverse=True):
                self._device_tick(rec, now)
                out.append(rec.public(now))
            return {"device_authorizations": out}

    def device_act(self, req):
        """/_test/device: approve or deny as a user would; ValueError for a
        bad request, LookupError for an unknown code."""
        unknown = set(req) - {"user_code", "action", "user"}
        if unknown:
            raise ValueError("unknown field(s): %s" % ", ".join(sorted(unknown)))
        code, action = req.get("user_code"), req.get("action")
        if not isinstance(code, str):
            raise ValueError("user_code must be a string")
        # RFC 8628 §6.1: case and punctuation do not matter to a person.
        code = "".join(c for c in code.upper() if c not in "- ")
        if len(code) != 8 or not set(code) <= set(USER_CODE_ALPHABET):
            raise ValueError("malformed user_code")
        if action not in ("approve", "deny"):
            raise ValueError("action must be approve or deny")
        if not isinstance(req.get("user", ""), str):
            raise ValueError("user must be a string")
        now = time.time()
        with self.lock:
            rec = self._user_codes.get(code)
            if rec is None:
                raise LookupError("unknown user_code")
            self._device_tick(rec, now)
            username = req.get("user", rec.login_hint)
            if action == "approve" and username not in self.users:
                raise ValueError("no such user: %r" % (username,))
            if rec.state != "pending":
                return False, rec.public(now)
            if action == "approve":
                rec.state, rec.user, rec.approved_at = \
                    "approved", username, int(now)
            else:
                rec.state = "denied"
            return True, rec.public(now)

    def verify_access_token(self, token):
        """Claims of an honest, live access token of ours, else None."""
        try:
            h64, p64, s64 = token.split(".")
            header = json.loads(b64u_decode(h64))
            claims = json.loads(b64u_decode(p64))
            sig = b64u_decode(s64)
        except (ValueError, TypeError):
            return None
        if not isinstance(header, dict) or not isinstance(claims, dict):
            return None
        with self.lock:
            key = self.key_by_kid(header.get("kid"))
            if key is None or header.get("alg") != key.alg or "crit" in header:
                return None
            if header.get("typ") != "at+jwt":
                return None
            if not key.verify((h64 + "." + p64).encode("ascii"), sig):
                return None
            now = time.time()
            exp, nbf = claims.get("exp"), claims.get("nbf", 0)
            if not isinstance(exp, int) or exp <= now or \
                    not isinstance(nbf, int) or nbf > now:
                return None
            if claims.get("iss") != self.issuer:
                return None
            jti = claims.get("jti")
            family = self._jti_family.get(jti)
            if jti in self._revoked_jtis or (family and family.revoked):
                return None
            return claims

    def introspect(self, token):
        digest = hashlib.sha256(token.encode()).hexdigest()
        with self.lock:
            rec = self._refresh.get(digest)
            if rec is not None:
                live = not (rec.used or rec.family.revoked
                            or rec.exp <= time.time())
                user = self.users.get(rec.family.username)
                if not live or user is None:
                    return {"active": False}
                out = {"active": True, "token_type": "refresh_token",
                       "client_id": self.client_id,
                       "username": user.username, "sub": user.sub,
                       "scope": rec.family.scope, "iat": rec.iat,
                       "exp": rec.exp, "iss": self.issuer}
                if rec.family.jkt is not None:
                    out["cnf"] = {"jkt": rec.family.jkt}
                return out
        claims = self.verify_access_token(token)
        if claims is None:
            return {"active": False}
        out = dict(claims)
        # RFC 9449 §6.2: a bound token introspects with its cnf and type.
        bound = isinstance(claims.get("cnf"), dict)
        out.update(active=True, token_type="DPoP" if bound else "Bearer",
                   username=claims.get("preferred_username"))
        return out

    def revoke(self, token):
        """RFC 7009 §2.2: unknown or invalid tokens are not an error."""
        digest = hashlib.sha256(token.encode()).hexdigest()
        with self.lock:
            rec = self._refresh.get(digest)
            if rec is not None:
                # §2.1: revoking a refresh token ends the whole grant,
                # including the access tokens minted from it.
                rec.family.revoked = True
                return "refresh_token"
        claims = self.verify_access_token(token)
        if claims is not None:
            with self.lock:
                self._revoked_jtis.add(claims.get("jti"))
            return "access_token"
        return "unknown"


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def __init__(self, address, ssl_ctx, state):
        self.ssl_ctx = ssl_ctx
        self.state = state
        super().__init__(address, Handler)

    def get_request(self):
        sock, addr = self.socket.accept()
        # The TLS handshake runs later, in the request's own thread: a
        # client that connects and then stalls must not block the others.
        return (self.ssl_ctx.wrap_socket(sock, server_side=True,
                                         do_handshake_on_connect=False),
                addr)

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        log("%s connection error: %s: %s" % (client_address[0],
                                             type(exc).__name__, exc))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "tokend/1"
    sys_version = ""
    timeout = 30        # an idle or half-sent request frees its thread

    # --- plumbing -------------------------------------------------------

    def setup(self):
        self.request.settimeout(self.timeout)
        # TLS 1.3 session tickets go out as small writes before the
        # answer; with Nagle on, the answer then waits for the client's
        # delayed ACK (40 ms), which would dominate every benchmark.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        state = self.server.state
        if state.settings["fault"] == "tls_abort":
            # Hang up in the middle of the handshake: the client has sent
            # its hello and gets a reset instead of a server hello. One
            # connection only, or the control endpoint could not undo it.
            with state.lock:
                state.settings["fault"] = "none"
            self.request.recv(1, socket.MSG_PEEK)
            self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                    struct.pack("ii", 1, 0))
            raise ConnectionAbortedError("tls_abort fault")
        latency = state.settings["latency_ms"]
        if latency:
            time.sleep(2 * latency / 1000.0)
        self.request.do_handshake()
        super().setup()

    def log_request(self, code="-", size="-"):
        # BaseHTTPRequestHandler's own lines (parse errors) would echo the
        # raw request line, which could carry anything a client typed.
        self._log_line(code, "")

    def log_message(self, fmt, *args):
        log("%s %s" % (self.client_address[0], fmt % args))

    def _log_line(self, status, note):
        path = urlsplit(getattr(self, "path", "") or "").path[:128]
        ms = (time.monotonic() - getattr(self, "_t0", time.monotonic())) * 1000
        log("%s %s %s %s %dms%s" % (
            self.client_address[0], getattr(self, "command", None) or "-",
            json.dumps(path), status, ms, " " + note if note else ""))

    def _send(self, status, body=b"", ctype="application/json",
              headers=(), trickle=False):
        lines = ["HTTP/1.1 %d %s" % (status, HTTPStatus(status).phrase),
                 "Date: " + self.date_time_string(),
                 "Server: " + self.server_version,
                 "Content-Length: %d" % len(body)]
        if body:
            lines.append("Content-Type: " + ctype)
        lines.extend("%s: %s" % h for h in headers)
        if self.close_connection:
            lines.append("Connection: close")
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
        self._status = status
        try:
            if trickle:
                for i in range(len(raw)):
                    self.wfile.write(raw[i:i + 1])
                    time.sleep(TRICKLE_INTERVAL)
            else:
                self.wfile.write(raw)
        except OSError as exc:
            self._note += " client-gone(%s)" % type(exc).__name__
            self.close_connection = True

    def _json(self, status, obj, headers=(), **kw):
        body = json.dumps(obj, separators=(",", ":")).encode("utf-8")
        self._send(status, body, headers=headers, **kw)

    def _oauth_error(self, err, trickle=False, headers=()):
        headers = [("Cache-Control", "no-store"),
                   ("Pragma", "no-cache")] + list(headers)
        if err.status == 401:
            # RFC 6749 §5.2: 401 must name the scheme the client should use.
            headers.append(("WWW-Authenticate",
                            'Basic realm="tokend", error="%s"' % err.error))
        self._note += " error=" + err.error
        self._json(err.status, {"error": err.error,
                                "error_description": err.description},
                   headers=headers, trickle=trickle)

    def _read_body(self):
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            self._send(411)
            return None
        length = self.headers.get("Content-Length")
        if length is None:
            return b""
        try:
            n = int(length)
        except ValueError:
            n = -1
        if n < 0 or n > MAX_BODY:
            # Unread bytes would be parsed as the next request: drop it.
            self.close_connection = True
            self._send(413 if n > MAX_BODY else 400)
            return None
        return self.rfile.read(n)

    # --- dispatch -------------------------------------------------------

    def do_GET(self):
        self._dispatch()

    def do_POST(self):
        self._dispatch()

    def _dispatch(self):
        self._t0 = time.monotonic()
        self._status = "-"
        self._note = ""
        try:
            body = self._read_body()
            latency = self.server.state.settings["latency_ms"]
            if latency and not self.path.startswith("/_test/"):
                time.sleep(latency / 1000.0)
            if body is not None:
                self._route(urlsplit(self.path).path, body)
        except Exception as exc:        # noqa: BLE001 - keep serving
            self._note += " exception=%s" % type(exc).__name__
            log("handler error: %r" % exc)
            if self._status == "-":
                self.close_connection = True
                self._json(500, {"error": "server_error"})
        self._log_line(self._status, self._note.strip())

    def _endpoint_for(self, path):
        state = self.server.state
        issuer_path = urlsplit(state.issuer).path.rstrip("/")
        if path in ("/.well-known/openid-configuration",
                    "/.well-known/oauth-authorization-server",
                    issuer_path + "/.well-known/openid-configuration"):
            return "discovery"
        return {"/jwks": "jwks", "/token": "token", "/revoke": "revoke",
                "/introspect": "introspect",
                "/device_authorization": "device_authorization",
                "/device": "device", "/resource": "resource"}.get(path)

    def _route(self, path, body):
        if path.startswith("/_test/"):
            return self._test_endpoint(path, body)
        endpoint = self._endpoint_for(path)
        if endpoint is None:
            return self._json(404, {"error": "not_found"})
        state = self.server.state
        form = None
        if endpoint in FORM_ENDPOINTS:
            try:
                form = self._parse_form(body)
            except OAuthError as err:
                form = err
        grant = form.get("grant_type") if isinstance(form, dict) else None
        state.count(endpoint, grant)
        if grant:
            self._note += " grant=" + json.dumps(grant[:32])

        fault = state.fault_for(endpoint)
        if fault != "none":
            self._note += " fault=" + fault
            if self._apply_fault(fault, endpoint, path):
                return
        trickle = fault == "trickle"

        want = "POST" if endpoint in FORM_ENDPOINTS else "GET"
        if self.command != want:
            return self._send(405, headers=[("Allow", want)], trickle=trickle)
        if endpoint == "discovery":
            return self._json(200, self._discovery(), trickle=trickle)
        if endpoint == "jwks":
            return self._json(200, state.jwks(), trickle=trickle)
        if endpoint == "device":
            return self._send(200, DEVICE_PAGE, ctype="text/html")
        if endpoint == "resource":
            return self._resource(trickle)
        try:
            if isinstance(form, OAuthError):
                raise form
            self._authenticate_client(form)
            handler = {"token": self._token, "revoke": self._revoke,
                       "introspect": self._introspect,
                       "device_authorization":
                           self._device_authorization}[endpoint]
            status, obj = handler(form)
        except OAuthError as err:
            return self._oauth_error(err, trickle=trickle,
                                     headers=self._nonce_header(endpoint))
        if endpoint == "token" and fault == "bad_json":
            # A 200 that claims JSON but is an HTML error page, as a
            # misconfigured proxy in front of the IdP would send.
            return self._send(200, b"<html><body>Service Unavailable"
                              b"</body></html>", trickle=trickle)
        if obj is None:
            return self._send(status, trickle=trickle)
        return self._json(status, obj, trickle=trickle, headers=[
            ("Cache-Control", "no-store"), ("Pragma", "no-cache")] +
            self._nonce_header(endpoint))

    def _nonce_header(self, endpoint):
        """RFC 9449 §8: while nonces are on, every token endpoint answer
        names the current one, errors and successes alike."""
        state = self.server.state
        if endpoint != "token" or not state.settings["dpop_nonce"]:
            return []
        return [("DPoP-Nonce", state.dpop_nonce())]

    def _apply_fault(self, fault, endpoint, path):
        """Act out a fault; True when the response is already handled."""
        state = self.server.state
        if fault == "down":
            self.close_connection = True
            self._status = "dropped"
            return True
        if fault == "slow":
            time.sleep(state.settings["slow_seconds"])
        elif fault in ("http500", "http503"):
            status = 500 if fault == "http500" else 503
            headers = [("Retry-After", "1")] if status == 503 else []
            self._json(status, {"error": "temporarily_unavailable"},
                       headers=headers)
            return True
        elif fault == "http400_plain":
            # A proxy or a misrouted request: a 4xx without an OAuth body.
            self._send(400, b"<html><body>Bad Request</body></html>",
                       ctype="text/html")
            return True
        elif fault == "redirect":
            # Points back at us so a test can prove (via the "redirected"
            # counter) that the client did not follow it.
            location = "%s/_test/redirected?from=%s" % (state.base_url,
                                                        quote(path))
            self._send(302, headers=[("Location", location)])
            return True
        elif fault == "nested_json" and endpoint == "token":
            # 30,000 levels of arrays, under the 64 KiB cap: a parser that
            # recurses without a limit runs out of stack here.
            depth = 30000
            self._send(200, b"[" * depth + b"]" * depth)
            return True
        elif fault == "huge" and endpoint == "token":
            self._send_huge()
            return True
        return False

    def _send_huge(self):
        prefix, suffix = b'{"access_token":"', b'"}'
        filler = HUGE_BODY - len(prefix) - len(suffix)
        head = ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                "Content-Length: %d\r\nConnection: close\r\n\r\n" % HUGE_BODY)
        self.close_connection = True
        self._status = 200
        chunk = b"A" * (1 << 20)
        try:
            self.wfile.write(head.encode("ascii") + prefix)
            while filler > 0:
                self.wfile.write(chunk[:filler])
                filler -= len(chunk)
            self.wfile.write(suffix)
        except OSError as exc:
            self._note += " client-gone(%s)" % type(exc).__name__

    # --- OAuth endpoints ------------------------------------------------

    def _parse_form(self, body):
        ctype = self.headers.get("Content-Type", "").split(";")[0].strip()
        if ctype.lower() != "application/x-www-form-urlencoded":
            raise OAuthError(400, "invalid_request",
                             "expected application/x-www-form-urlencoded")
        try:
            pairs = parse_qs(body.decode("utf-8"), keep_blank_values=True,
                             strict_parsing=bool(body), max_num_fields=32)
        except ValueError:
            raise OAuthError(400, "invalid_request", "malformed form body")
        for name, values in pairs.items():
            if len(values) > 1:
                # RFC 6749 §3.2: a repeated parameter is an error, not a
                # choice for the server to make.
                raise OAuthError(400, "invalid_request",
                                 "parameter %s repeated" % name)
        return {k: v[0] for k, v in pairs.items()}

    def _authenticate_client(self, form):
        """Exactly one of client_secret_basic (RFC 6749 §2.3.1),
        private_key_jwt (RFC 7523 §2.2) and tls_client_auth (RFC 8705
        §2.1) per request (RFC 6749 §2.3)."""
        state = self.server.state
        if "client_secret" in form:
            # §2.3.1 lets servers refuse secrets in the body; we do, so a
            # client that sends them there fails the tests.
            raise OAuthError(401, "invalid_client",
                             "client_secret_post is not accepted")
        auths = self.headers.get_all("Authorization") or []
        if len(auths) > 1:
            raise OAuthError(400, "invalid_request",
                             "more than one Authorization header")
        assertion = "client_assertion" in form or \
            "client_assertion_type" in form
        if auths and assertion:
            raise OAuthError(400, "invalid_request", "more than one client "
                             "authentication method (RFC 6749 section 2.3)")
        if assertion:
            method = "private_key_jwt"
        elif auths:
            method = "client_secret_basic"
        elif "client_id" in form:
            # A client_id and nothing else: only the TLS layer can vouch.
            # A certificate next to another method is not a second method
            # in the request, just a TLS detail, and is ignored.
            method = "tls_client_auth"
        else:
            raise OAuthError(401, "invalid_client",
                             "client authentication required")
        self._note += " auth=" + method
        with state.lock:
            allowed = method in state.settings["client_auth_methods"]
        if not allowed:
            raise OAuthError(401, "invalid_client",
                             "%s is not allowed for this client" % method)
        if method == "private_key_jwt":
            return self._authenticate_assertion(form)
        if method == "tls_client_auth":
            return self._authenticate_tls(form)
        scheme, _, creds = auths[0].partition(" ")
        if scheme.lower() != "basic":
            raise OAuthError(401, "invalid_client", "client authentication "
                             "required (HTTP Basic)")
        try:
            decoded = base64.b64decode(creds.strip(), validate=True)
            raw_id, sep, raw_secret = decoded.decode("utf-8").partition(":")
        except ValueError:
            raise OAuthError(401, "invalid_client", "malformed Basic header")
        # Both halves are form-urlencoded before Basic encoding (§2.3.1).
        client_id, secret = unquote_plus(raw_id), unquote_plus(raw_secret)
        if not sep or not state.client_ok(client_id, secret):
            raise OAuthError(401, "invalid_client", "client authentication "
                             "failed")
        if form.get("client_id", client_id) != client_id:
            raise OAuthError(401, "invalid_client", "client_id mismatch")

    def _authenticate_tls(self, form):
        state = self.server.state
        # Only a certificate that verified against --client-ca gets here:
        # with CERT_OPTIONAL a bad one has already failed the handshake.
        der = self.request.getpeercert(binary_form=True)
        if not der:
            raise OAuthError(401, "invalid_client", "no client certificate "
                             "(tls_client_auth)")
        if not state.client_cert_ok(der):
            raise OAuthError(401, "invalid_client", "client certificate "
                             "subject is not the registered one")
        if not hmac.compare_digest(form["client_id"].encode(),
                                   state.client_id.encode()):
            raise OAuthError(401, "invalid_client", "unknown client_id")

    def _authenticate_assertion(self, form):
        state = self.server.state
        if form.get("client_assertion_type") != ASSERTION_TYPE:
            raise OAuthError(401, "invalid_client", "client_assertion_type "
                             "must be " + ASSERTION_TYPE)
        if not form.get("client_assertion"):
            raise OAuthError(400, "invalid_request",
                             "client_assertion is missing")
        client_id = state.verify_client_assertion(form["client_assertion"])
        # RFC 7521 §4.2: client_id is optional, but must match when sent.
        if form.get("client_id", client_id) != client_id:
            raise OAuthError(401, "invalid_client", "client_id mismatch")

    @staticmethod
    def _scope(form):
        """The scope parameter, checked against RFC 6749 §3.3, or None."""
        scope = form.get("scope")
        if scope is not None and (not scope.split(" ") or
                                  not all(t and set(t) <= SCOPE_CHARS
                                          for t in scope.split(" "))):
            raise OAuthError(400, "invalid_scope", "malformed scope")
        return scope

    def _token(self, form):
        state = self.server.state
        grant = form.get("grant_type")
        if not grant:
            raise OAuthError(400, "invalid_request", "grant_type missing")
        scope = self._scope(form)
        if grant not in ("password", "refresh_token", DEVICE_GRANT):
            raise OAuthError(400, "unsupported_grant_type",
                             "only password, refresh_token and device_code "
                             "are supported")
        # Before the grant, so a bad proof never uses up a device code or
        # rotates a refresh token.
        jkt = self._token_dpop()
        if grant == "password":
            username, pin = form.get("username"), form.get("password")
            if not username or pin is None:
                raise OAuthError(400, "invalid_request",
                                 "username and password are required")
            self._note += " user=" + json.dumps(username[:64])
            return 200, state.password_grant(username, pin,
                                             scope or DEFAULT_SCOPE, jkt)
        if grant == "refresh_token":
            token = form.get("refresh_token")
            if not token:
                raise OAuthError(400, "invalid_request",
                                 "refresh_token is required")
            return 200, state.refresh_grant(token, scope, jkt)
        code = form.get("device_code")
        if not code:
            raise OAuthError(400, "invalid_request", "device_code is required")
        return 200, state.device_grant(code, jkt)

    def _token_dpop(self):
        """The DPoP key thumbprint of a token request, or None."""
        state = self.server.state
        proofs = self.headers.get_all("DPoP") or []
        if not proofs:
            if state.settings["dpop_required"]:
                raise OAuthError(400, "invalid_dpop_proof",
                                 "a DPoP proof is required")
            return None
        if len(proofs) > 1:
            raise OAuthError(400, "invalid_dpop_proof",
                             "more than one DPoP header")
        jkt = state.verify_dpop(proofs[0], "POST", "/token", nonce=True)
        self._note += " dpop"
        return jkt

    # --- protected resource -----------------------------------------------

    def _resource(self, trickle):
        """A protected resource, as the POS application's API would be:
        RFC 6750 for Bearer tokens, RFC 9449 §7 for DPoP-bound ones.
        Answers who the token is for, or a 401 challenge."""
        state = self.server.state
        auths = self.headers.get_all("Authorization") or []
        if len(auths) > 1:
            return self._challenge("Bearer", "invalid_request",
                                   "more than one Authorization header", 400)
        scheme, _, token = (auths[0] if auths else "").partition(" ")
        scheme = {"bearer": "Bearer", "dpop": "DPoP"}.get(scheme.lower())
        token = token.strip(" ")
        if scheme is None:
            # RFC 6750 §3.1: no credentials, so no error code: just say
            # which schemes would do.
            return self._challenge(None, None, "an access token is required")
        claims = state.verify_access_token(token) \
            if TOKEN68_RE.fullmatch(token) else None
        if claims is None:
            return self._challenge(scheme, "invalid_token", "the access "
                                   "token is invalid, expired or revoked")
        cnf = claims.get("cnf")
        jkt = cnf.get("jkt") if isinstance(cnf, dict) else None
        if scheme == "Bearer" and jkt is not None:
            # RFC 9449 §7.2: a bound token without its proof is refused,
            # whatever scheme it came under.
            return self._challenge("DPoP", "invalid_token", "the token is "
                                   "DPoP-bound: send it as DPoP with a proof")
        if scheme == "DPoP":
            if jkt is None:
                return self._challenge("DPoP", "invalid_token",
                                       "the token is not DPoP-bound")
            proofs = self.headers.get_all("DPoP") or []
            if len(proofs) != 1:
                return self._challenge("DPoP", "invalid_dpop_proof",
                                       "exactly one DPoP proof is required")
            try:
                proof_jkt = state.verify_dpop(proofs[0], "GET", "/resource",
                                              access_token=token)
            except OAuthError as err:
                return self._challenge("DPoP", err.error, err.description)
            if proof_jkt != jkt:
                return self._challenge("DPoP", "invalid_token", "the proof's "
                                       "key is not the one the token is "
                                       "bound to")
        self._note += " user=" + json.dumps(claims.get("preferred_username"))
        return self._json(200, {"user": claims.get("preferred_username"),
                                "roles": claims.get("roles"),
                                "token_type": scheme}, trickle=trickle)

    def _challenge(self, scheme, error, description, status=401):
        """A 401 (or 400) with WWW-Authenticate per RFC 6750 §3 and
        RFC 9449 §7.1; with no scheme, one challenge for each."""
        challenges = []
        for name in [scheme] if scheme else ["Bearer", "DPoP"]:
            params = ['realm="tokend"']
            if error:
                params += ['error="%s"' % error,
                           'error_description="%s"' % description]
            if name == "DPoP":
                params.append('algs="%s"' % " ".join(CLIENT_ALGS))
            challenges.append(("WWW-Authenticate",
                               name + " " + ", ".join(params)))
        body = {"error_description": description}
        if error:
            self._note += " error=" + error
            body = {"error": error, "error_description": description}
        self._json(status, body, headers=challenges)

    def _device_authorization(self, form):
        """RFC 8628 §3.1-3.2, plus login_hint: the terminal already knows
        from the PIN step whom it expects, and the tests need to know it
        too to approve as that user (or, on purpose, as another)."""
        scope = self._scope(form)
        hint = form.get("login_hint")
        if not printable(hint, 64):
            raise OAuthError(400, "invalid_request", "login_hint (the "
                             "expected username) is required")
        self._note += " login_hint=" + json.dumps(hint)
        return 200, self.server.state.device_authorize(
            hint, scope or DEFAULT_SCOPE)

    def _revoke(self, form):
        token = form.get("token")
        if not token:
            raise OAuthError(400, "invalid_request", "token is required")
        self._note += " revoked=" + self.server.state.revoke(token)
        return 200, None

    def _introspect(self, form):
        token = form.get("token")
        if not token:
            raise OAuthError(400, "invalid_request", "token is required")
        result = self.server.state.introspect(token)
        self._note += " active=%s" % str(result["active"]).lower()
        return 200, result

    def _discovery(self):
        state = self.server.state
        with state.lock:
            algs = list(dict.fromkeys(k.alg for k in state.keys))
            acr = state.settings["acr"]
            methods = list(state.settings["client_auth_methods"])
            issuer = state.issuer
            if state.settings["wrong_issuer_in_discovery"]:
                issuer = "https://wrong-issuer.invalid"
        base = state.base_url
        doc = {
            "issuer": issuer,
            "token_endpoint": base + "/token",
            "jwks_uri": base + "/jwks",
            "revocation_endpoint": base + "/revoke",
            "introspection_endpoint": base + "/introspect",
            "device_authorization_endpoint": base + "/device_authorization",
            "grant_types_supported": ["password", "refresh_token",
                                      DEVICE_GRANT],
            "token_endpoint_auth_methods_supported": methods,
            "revocation_endpoint_auth_methods_supported": methods,
            "introspection_endpoint_auth_methods_supported": methods,
            "id_token_signing_alg_values_supported": algs,
            "subject_types_supported": ["public"],
            "scopes_supported": ["openid", "pos"],
            "claims_supported": ["iss", "sub", "aud", "azp", "exp", "iat",
                                 "nbf", "jti", "auth_time", "acr", "amr",
                                 "preferred_username", "name", "roles",
                                 "tenant", "store"],
        }
        if acr is not None:
            doc["acr_values_supported"] = [acr]
        doc["dpop_signing_alg_values_supported"] = list(CLIENT_ALGS)
        if "private_key_jwt" in methods:
            for endpoint in ("token", "revocation", "introspection"):
                doc[endpoint + "_endpoint_auth_signing_alg_values_supported"] \
                    = list(CLIENT_ALGS)
        return doc

    # --- test endpoints -------------------------------------------------

    def _test_endpoint(self, path, body):
        state = self.server.state
        if path == "/_test/redirected":
            state.count("redirected")
            return self._json(200, {"redirected": True})
        # Anyone who can reach these can break or read the server, so they
        # are loopback-only even though we normally bind to loopback.
        try:
            loopback = ipaddress.ip_address(self.client_address[0]).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            return self._json(403, {"error": "loopback only"})
        req = {}
        if self.command == "POST":
            try:
                req = json.loads(body.decode("utf-8") or "{}")
                if not isinstance(req, dict):
                    raise ValueError("body must be a JSON object")
            except ValueError as exc:
                return self._json(400, {"error": "bad json: %s" % exc})
        if path == "/_test/control" and self.command == "POST":
            try:
                settings = state.control(req)
            except ValueError as exc:
                return self._json(400, {"error": str(exc)})
            self._note += " " + json.dumps(req, separators=(",", ":"))
            return self._json(200, settings)
        if path == "/_test/control":
            with state.lock:
                return self._json(200, state.public_settings())
        if path == "/_test/stats":
            if self.command == "POST" and req.get("reset"):
                state.reset_stats()
            with state.lock:
                return self._json(200, json.loads(json.dumps(state.stats)))
        if path == "/_test/revoked":
            return self._json(200, state.revoked_summary())
        if path == "/_test/user" and self.command == "POST":
            try:
                user = state.set_user(req)
            except LookupError as exc:
                return self._json(404, {"error": str(exc)})
            except ValueError as exc:
                return self._json(400, {"error": str(exc)})
            self._note += " " + json.dumps(user, separators=(",", ":"))
            return self._json(200, user)
        if path == "/_test/device" and self.command == "POST":
            try:
                changed, rec = state.device_act(req)
            except LookupError as exc:
                return self._json(404, {"error": str(exc)})
            except ValueError as exc:
                return self._json(400, {"error": str(exc)})
            self._note += " %s %s" % (req.get("action"), rec["state"])
            if not changed:
                # Approving twice, or after expiry, is a test bug to see.
                return self._json(409, dict(rec, error="not pending"))
            return self._json(200, rec)
        if path == "/_test/device":
            return self._json(200, state.device_list())
        return self._json(404, {"error": "not_found"})


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cert", required=True, help="server certificate (PEM)")
    p.add_argument("--key", required=True, help="server private key (PEM)")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port")
    p.add_argument("--port-file", help="write the chosen port here")
    p.add_argument("--users", required=True, help="users JSON file")
    p.add_argument("--client-id", required=True)
    p.add_argument("--client-secret-file", required=True)
    p.add_argument("--issuer", help="default https://localhost:PORT")
    p.add_argument("--alg", default="RS256", choices=sorted(ALGS))
    p.add_argument("--bind", default="127.0.0.1")
    p.add_argument("--client-jwk", help="the client's public JWK (JSON) "
                   "for private_key_jwt")
    p.add_argument("--client-ca", help="CA (PEM) for client certificates; "
                   "enables tls_client_auth")
    p.add_argument("--client-cert-subject", help="RFC 4514 subject DN of "
                   "the client's certificate, e.g. 'CN=pos-01,O=Acme'")
    return p.parse_args(argv)


def write_port_file(path, port):
    # Written then renamed, so a poller never reads a half-written port.
    tmp = "%s.%d.tmp" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.replace(tmp, path)


def main(argv):
    args = parse_args(argv)
    try:
        users = load_users(args.users)
        with open(args.client_secret_file, encoding="utf-8") as f:
            secret = f.read().rstrip("\r\n")
        if not secret:
            raise ValueError("empty client secret")
        client_jwk = None
        if args.client_jwk:
            with open(args.client_jwk, encoding="utf-8") as f:
                client_jwk = json_object(f.read().encode("utf-8"))
            PublicJWK(client_jwk)
        if args.client_cert_subject is not None:
            if not args.client_ca:
                raise ValueError("--client-cert-subject needs --client-ca")
            if not printable_dn(args.client_cert_subject):
                raise ValueError("--client-cert-subject is not an RFC 4514 "
                                 "distinguished name")
    except (OSError, ValueError) as exc:
        log("startup failed: %s" % exc)
        return 2

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(args.cert, args.key)
    if args.client_ca:
        # Ask every client for a certificate but do not insist: the other
        # methods must keep working on the same port.  One that is sent
        # must verify, or the handshake fails.
        try:
            ctx.load_verify_locations(cafile=args.client_ca)
        except (OSError, ssl.SSLError) as exc:
            log("startup failed: --client-ca: %s" % exc)
            return 2
        ctx.verify_mode = ssl.CERT_OPTIONAL

    state = State(users, args.client_id, secret, args.alg, client_jwk,
                  mtls=bool(args.client_ca),
                  client_cert_subject=args.client_cert_subject)
    if ":" in args.bind:
        Server.address_family = socket.AF_INET6
    server = Server((args.bind, args.port), ctx, state)
    port = server.server_address[1]
    state.base_url = "https://localhost:%d" % port
    state.issuer = args.issuer or state.base_url
    # DPoP htu may name us as in discovery or by the address we bind.
    literal = "[%s]" % args.bind if ":" in args.bind else args.bind
    state.url_bases = [state.base_url, "https://%s:%d" % (literal, port)]

    def on_signal(signum, _frame):
        log("signal %d: shutting down" % signum)
        # shutdown() waits for serve_forever() to return, so it must not
        # run on the thread that is inside serve_forever().
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    if args.port_file:
        write_port_file(args.port_file, port)
    log("listening on %s:%d issuer=%s alg=%s kid=%s users=%d"
        % (args.bind, port, state.issuer, state.current.alg,
           state.current.kid, len(users)))
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    log("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
