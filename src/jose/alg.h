/* SPDX-License-Identifier: MIT */
/*
 * JWS algorithms we accept (RFC 7518 §3, RFC 8037 §3.1). The set is a
 * bitmask so the configured allowlist can be checked in one step.
 * HMAC and "none" are deliberately absent: a verifier holding only public
 * keys must never accept them (the classic HS256-with-the-public-key forgery).
 */
#ifndef POSAUTH_ALG_H
#define POSAUTH_ALG_H

enum pa_alg {
	PA_ALG_RS256 = 1u << 0,
	PA_ALG_RS384 = 1u << 1,
	PA_ALG_RS512 = 1u << 2,
	PA_ALG_PS256 = 1u << 3,
	PA_ALG_PS384 = 1u << 4,
	PA_ALG_PS512 = 1u << 5,
	PA_ALG_ES256 = 1u << 6,
	PA_ALG_ES384 = 1u << 7,
	PA_ALG_EDDSA = 1u << 8,
};

#define PA_ALG_DEFAULT (PA_ALG_RS256 | PA_ALG_ES256 | PA_ALG_EDDSA)

/* Returns the PA_ALG_* bit for a JOSE name ("RS256"), 0 if unknown. */
unsigned pa_alg_from_name(const char *name);
/* Returns the JOSE name of one PA_ALG_* bit, NULL if not exactly one. */
const char *pa_alg_name(unsigned alg);

#endif
