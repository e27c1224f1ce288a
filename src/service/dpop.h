/* SPDX-License-Identifier: MIT */
/*
 * DPoP (RFC 9449): proofs of possession of the device key, for token
 * requests (so the tokens come back bound to the key) and for the
 * session's own requests to a resource server (posauthctl dpop-proof),
 * and the server nonces (§8) a token service may demand.
 */
#ifndef POSAUTH_DPOP_H
#define POSAUTH_DPOP_H

#include <stddef.h>

#include <openssl/evp.h>

#define PA_DPOP_NONCE_MAX 256

/*
 * A proof: typ dpop+jwt, the public JWK in the header, claims jti, htm,
 * htu (url without query or fragment, §4.2), iat; nonce when given, ath
 * (base64url SHA-256 of access_token, §4.2) when access_token is given.
 */
int pa_dpop_proof(EVP_PKEY *key, const char *method, const char *url,
    const char *nonce, const char *access_token, long long now, char **out);

/* PA_OK for an http(s) URL and an HTTP method token we sign for. */
int pa_dpop_check_request(const char *method, const char *url);

/*
 * The last nonce the token service gave (DPoP-Nonce header), for the
 * whole process: one service, one nonce at a time. Copies into out
 * (size PA_DPOP_NONCE_MAX), "" when none.
 */
void pa_dpop_nonce_get(char *out);
/* A nonce we may put in a proof (RFC 9449 §8.1 NQCHAR, bounded)? */
int pa_dpop_nonce_valid(const char *nonce);
/* Remembers a nonce; an unusable one (too long, not printable) is not. */
void pa_dpop_nonce_set(const char *nonce);

/*
 * A 400 or 401 answer whose error is use_dpop_nonce (§8): the request
 * may be sent once more with a fresh proof carrying the new nonce.
 */
int pa_dpop_nonce_demanded(long status, const char *body, size_t len);

/*
 * PA_OK when access_token is a JWT whose cnf.jkt (RFC 9449 §6.1) equals
 * jkt; PA_ERR_NOT_BOUND otherwise. The signature is not checked here: a
 * login verifies the token it keeps, this only asks whether the service
 * bound what it issued to our key.
 */
int pa_dpop_token_bound(const char *access_token, const char *jkt);

#endif
