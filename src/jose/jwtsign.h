/* SPDX-License-Identifier: MIT */
/*
 * Compact JWS (RFC 7515 §7.1) signed with one of our own keys: the client
 * assertion of private_key_jwt (RFC 7523) and the DPoP proof (RFC 9449).
 * The algorithm follows from the key: ES256 for EC P-256 (the signature
 * as r||s, RFC 7518 §3.4, not DER), EdDSA for Ed25519 (RFC 8037), PS256
 * for RSA. Signing goes through EVP only, so a key held in a TPM by
 * OpenSSL's tpm2 provider signs the same way as one from a file.
 */
#ifndef POSAUTH_JWTSIGN_H
#define POSAUTH_JWTSIGN_H

#include <jansson.h>
#include <openssl/evp.h>

/* "ES256", "EdDSA" or "PS256"; NULL for a key we do not sign with. */
const char *pa_jwt_alg_for(EVP_PKEY *key);

/*
 * Sets header's "alg" from the key, then signs header.claims. *out is the
 * compact serialisation, NUL-terminated, for the caller to free.
 */
int pa_jwt_sign(EVP_PKEY *key, json_t *header, const json_t *claims,
    char **out);

/* 128 random bits as base64url (22 characters): a jti. */
int pa_jwt_random_id(char **out);

#endif
