/* SPDX-License-Identifier: MIT */
/*
 * Test-only JOSE producer for test_jwk and test_jws: generates keys with
 * OpenSSL at run time, writes JWKs and signs compact JWS tokens, so the
 * verifier is checked against an independent signer. Every function
 * aborts on failure: a broken fixture must not look like a passing test.
 */
#ifndef POSAUTH_JOSE_TEST_H
#define POSAUTH_JOSE_TEST_H

#include <stddef.h>

#include <openssl/evp.h>

/* Flags for jt_sign() and jt_token(). */
#define JT_ECDSA_DER	0x01	/* ES*: emit DER, not R||S */
#define JT_PSS_SALT_MAX	0x02	/* PS*: maximal salt, not hash length */

/* "RSA" with bits, "P-256"/"P-384", "ED25519"/"ED448" (bits ignored). */
EVP_PKEY *jt_keygen(const char *type, unsigned bits);

/* base64url of len bytes / of a string; free() the result. */
char *jt_b64(const void *buf, size_t len);
char *jt_b64s(const char *s);

/* printf into a new string; free() the result. */
char *jt_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * The public JWK of pkey as a JSON object text. kid NULL omits it; extra,
 * when not NULL, is spliced in as further members ("\"use\":\"sig\"").
 */
char *jt_jwk(EVP_PKEY *pkey, const char *kid, const char *extra);
/* Raw big-endian components of public keys; free() the buffers. */
void jt_rsa_ne(EVP_PKEY *pkey, unsigned char **n, size_t *nlen,
    unsigned char **e, size_t *elen);
void jt_ec_xy(EVP_PKEY *pkey, unsigned char **x, unsigned char **y,
    size_t *clen);
/* {"keys":[a,b,...]} from n JWK texts. */
char *jt_jwks(size_t n, const char *const *jwks);

/* The JOSE signature of data for alg ("RS256"...). */
void jt_sign(EVP_PKEY *pkey, const char *alg, const char *data, size_t len,
    int flags, unsigned char **sig, size_t *siglen);
/* HMAC-SHA256, for the forged HS256 token. */
void jt_hs256(const void *key, size_t keylen, const char *data, size_t len,
    unsigned char **sig, size_t *siglen);
/* The SubjectPublicKeyInfo PEM of pkey. */
char *jt_pubkey_pem(EVP_PKEY *pkey);

/*
 * b64(header).b64(payload).b64(sig) with the signature of sign_alg by
 * pkey; header and payload are used verbatim.
 */
char *jt_token(EVP_PKEY *pkey, const char *sign_alg, const char *header,
    const char *payload, int flags);

#endif
