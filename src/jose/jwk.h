/* SPDX-License-Identifier: MIT */
/*
 * JSON Web Key Sets (RFC 7517) holding the token service's public
 * signature keys: RSA and EC (RFC 7518 §6) and OKP (RFC 8037 §2).
 * Each key is turned into an OpenSSL EVP_PKEY once, at parse time, after
 * every check a trust anchor deserves.
 */
#ifndef POSAUTH_JWK_H
#define POSAUTH_JWK_H

#include <stddef.h>

#include <openssl/evp.h>

/* Entries of "keys" looked at; the rest of a longer array is ignored. */
#define PA_JWKS_MAX_KEYS	256
/* A JWKS document larger than this is refused before parsing. */
#define PA_JWKS_MAX_LEN		(1024 * 1024)
/* Longest "kid" kept, in bytes; a key with a longer one is skipped. */
#define PA_JWK_MAX_KID		256
/* RSA moduli accepted, in bits (RFC 7518 §3.3 requires at least 2048). */
#define PA_JWK_RSA_MIN_BITS	2048
#define PA_JWK_RSA_MAX_BITS	8192

enum pa_kty {
	PA_KTY_RSA = 1,
	PA_KTY_EC = 2,
	PA_KTY_OKP = 3,
};

struct pa_jwk {
	char *kid;		/* NULL when the JWK has none */
	char *alg;		/* NULL when the JWK has none */
	int kty;		/* PA_KTY_* */
	int curve;		/* NID_X9_62_prime256v1, NID_secp384r1,
				   NID_ED25519, NID_ED448; 0 for RSA */
	EVP_PKEY *pkey;		/* public key only */
};

struct pa_jwks {
	struct pa_jwk *keys;
	size_t nkeys;
};

/*
 * Parses a JWKS document ({"keys":[...]}) of len bytes.
 *
 * Entries we cannot or must not use for verifying are skipped, not fatal:
 * "use" other than "sig", "key_ops" without "verify", an unknown kty or
 * curve, an "alg" that is not a signature algorithm we implement for that
 * key type, malformed or out-of-range members, an RSA modulus below 2048
 * bits, an EC point not on its curve, a kid already taken by an earlier
 * key. Only the first PA_JWKS_MAX_KEYS entries are looked at.
 *
 * An entry carrying private key material ("d", "p", "q", "dp", "dq",
 * "qi", "oth", or "k") fails the whole set with PA_ERR_JWK: a service
 * that publishes a private key has handed it to everyone, and the
 * document is evidently not the public key set it claims to be.
 *
 * Returns PA_OK, PA_ERR_ARG, PA_ERR_TOO_LARGE, PA_ERR_JSON (not JSON,
 * duplicate member names, nesting too deep), PA_ERR_JWK (not a JWKS,
 * private key material, or no usable key at all) or PA_ERR_ALLOC.
 */
int pa_jwks_parse(const char *json, size_t len, struct pa_jwks **out);

/*
 * Finds the key a token names. A non-NULL kid matches exactly one key
 * with that very kid (byte-wise, case-sensitive, RFC 7517 §4.5).
 * A NULL kid (a token header without "kid") matches only when the set
 * holds exactly one key and that key has no kid either: the only case
 * where there is nothing to choose. We never try keys in turn.
 * Returns NULL when nothing matches.
 */
const struct pa_jwk *pa_jwks_find(const struct pa_jwks *set, const char *kid);

/*
 * The PA_ALG_* bits a key may verify: RS* and PS* for RSA, ES256 for
 * P-256, ES384 for P-384, EdDSA for Ed25519 and Ed448 (RFC 7518 §3.1,
 * RFC 8037 §3.1), narrowed to its own "alg" when the JWK has one.
 * 0 for NULL. The one place that binds algorithms to key types.
 */
unsigned pa_jwk_algs(const struct pa_jwk *key);

void pa_jwks_free(struct pa_jwks *set);

#endif
