/* SPDX-License-Identifier: MIT */
/*
 * The public half of one of our own keys as a JSON Web Key (RFC 7517,
 * 7518 §6, RFC 8037 for Ed25519) and its RFC 7638 SHA-256 thumbprint:
 * what a provider registers for private_key_jwt, what a DPoP proof
 * carries in its header, and what a bound token's cnf.jkt must equal.
 * The key may live in a provider (a TPM): only its public half is read,
 * through its SubjectPublicKeyInfo.
 */
#ifndef POSAUTH_JWKPUB_H
#define POSAUTH_JWKPUB_H

#include <jansson.h>
#include <openssl/evp.h>

/* 43 base64url characters of a SHA-256 digest, and a NUL. */
#define PA_JKT_LEN 44

/* The public members only ("kty", "crv", "x", "y" / "n", "e"). */
int pa_jwk_public(EVP_PKEY *key, json_t **out);

/* RFC 7638 §3: SHA-256 of the required members in lexicographic order. */
int pa_jwk_thumbprint(EVP_PKEY *key, char out[PA_JKT_LEN]);

/* The same for a public JWK already in JSON (a DPoP proof's header). */
int pa_jwk_thumbprint_json(const json_t *jwk, char out[PA_JKT_LEN]);

#endif
