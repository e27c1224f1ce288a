/* SPDX-License-Identifier: MIT */
/*
 * JSON Web Signature, compact serialization only (RFC 7515 §7.1), as
 * used by JWTs (RFC 7519) and by nothing else here. Parsing checks the
 * form and the protected header; verifying binds the algorithm to the
 * key and checks the signature with OpenSSL. A token is trusted only
 * after pa_jws_verify() returned PA_OK; claims come after that.
 */
#ifndef POSAUTH_JWS_H
#define POSAUTH_JWS_H

#include <stddef.h>

#include <jansson.h>

#include "jwk.h"

/* Longest "kid" accepted in a token header, in bytes. */
#define PA_JWS_MAX_KID	PA_JWK_MAX_KID

struct pa_jws {
	char *alg_name;		/* header "alg", e.g. "RS256" */
	unsigned alg;		/* its PA_ALG_* bit */
	char *kid;		/* header "kid", NULL when absent */
	json_t *header;		/* the decoded protected header */
	unsigned char *payload;	/* decoded, NUL-terminated */
	size_t payload_len;	/* without the NUL */
	unsigned char *sig;	/* decoded signature */
	size_t sig_len;
	char *signing_input;	/* "b64header.b64payload" as received */
	size_t signing_input_len;
};

/*
 * Parses a compact JWS of len bytes. Nothing here is trusted yet.
 *
 * PA_ERR_TOO_LARGE: len > max_len.
 * PA_ERR_JWS_FORMAT: not three non-empty base64url segments separated by
 *   two dots (a 5-segment JWE is this too), or a byte outside the
 *   base64url alphabet and '.'.
 * PA_ERR_BASE64: a segment that is not canonical base64url.
 * PA_ERR_JWS_HEADER: header not a JSON object (duplicate names refused),
 *   "alg" missing or not a string; "jku", "x5u", "jwk" or "x5c" present
 *   (keys are never taken from the token, RFC 8725 §3.10); "b64" other
 *   than true (RFC 7797 unencoded payloads are not supported); "enc" or
 *   "zip" (JWE members); "cty" present (no nested JWTs); "kid" not a
 *   string or longer than PA_JWS_MAX_KID; "typ" not a string or not one
 *   of "JWT", "application/jwt", "at+jwt", "application/at+jwt"
 *   (case-insensitive, RFC 7515 §4.1.9), so that another kind of JWT
 *   (logout, secevent, dpop...) is not taken for a login token
 *   (RFC 8725 §3.11).
 * PA_ERR_CRIT: "crit" present in any form: we implement no extension,
 *   and RFC 7515 §4.1.11 says to reject what we do not understand.
 * PA_ERR_ALG: "alg" is "none", an HMAC algorithm or anything else not
 *   in alg.h. The allowlist itself is applied by pa_jws_verify().
 * Also PA_ERR_ARG, PA_ERR_ALLOC.
 */
int pa_jws_parse(const char *token, size_t len, size_t max_len,
    struct pa_jws **out);

/*
 * Verifies the signature of a parsed JWS with key. PA_OK only when:
 * the alg is in allowed_algs (else PA_ERR_ALG); the key may be used with
 * that alg: RS and PS need an RSA key, ES256 a P-256 key, ES384 a P-384
 * key, EdDSA an Ed25519 or Ed448 key, and a JWK "alg" must equal the
 * token's (else PA_ERR_KEY_MISMATCH); the signature has the exact length
 * the algorithm produces (RSA: the modulus size, RFC 7518 §3.3; ES256:
 * 64 bytes R||S, ES384: 96, RFC 7518 §3.4; Ed25519: 64, Ed448: 114) and
 * verifies over the signing input as received (else PA_ERR_SIGNATURE).
 * PS* use PSS with MGF1 of the same hash and salt length = hash length
 * (RFC 7518 §3.5). Other failures give PA_ERR_ARG, PA_ERR_ALLOC or
 * PA_ERR_INTERNAL; never PA_OK.
 */
int pa_jws_verify(const struct pa_jws *jws, const struct pa_jwk *key,
    unsigned allowed_algs);

/*
 * Parses the payload as a JWT claims set: a JSON object (RFC 7519 §7.2
 * step 10) with no duplicate member names. Call only after
 * pa_jws_verify() succeeded. *out is a new reference for the caller to
 * json_decref(). Returns PA_OK, PA_ERR_ARG or PA_ERR_JSON (not JSON, not
 * an object, duplicate names, nested too deep).
 */
int pa_jws_claims(const struct pa_jws *jws, json_t **out);

void pa_jws_free(struct pa_jws *jws);

/*
 * The "exp" claim of a compact JWT, read WITHOUT verifying anything: only
 * to tell when a token we already hold needs renewing, never to trust it.
 * PA_OK, PA_ERR_JWS_FORMAT, PA_ERR_BASE64, PA_ERR_JSON or
 * PA_ERR_CLAIM_MISSING.
 */
int pa_jws_peek_exp_unverified(const char *jwt, long long *exp);

#endif
