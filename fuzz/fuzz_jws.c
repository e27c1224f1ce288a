/* SPDX-License-Identifier: MIT */
/*
 * Compact JWS (jws.h) as it arrives from the token service: parse, pick
 * the key the header names, verify against it and against every other
 * key of the set with every algorithm allowed (so the alg/key binding
 * and the signature length checks run for each pairing), then parse the
 * payload. The key set holds the public keys of the seed tokens, so the
 * seeds verify and mutations explore the paths around a good signature.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "alg.h"
#include "err.h"
#include "fuzz.h"
#include "jwk.h"
#include "jws.h"

#include "fuzz_jws_keys.h"

#define FUZZ_JWS_MAX (64 * 1024)
#define ALL_ALGS (PA_ALG_RS256 | PA_ALG_RS384 | PA_ALG_RS512 | \
	PA_ALG_PS256 | PA_ALG_PS384 | PA_ALG_PS512 | PA_ALG_ES256 | \
	PA_ALG_ES384 | PA_ALG_EDDSA)

/*
 * A header member we act on must read the same to C as to JSON: a NUL
 * inside would make "RS256\u0000x" pass for RS256 (two parsers, two
 * answers), which the kid and claim checks already refuse.
 */
static int
plain_member(const json_t *hdr, const char *name)
{
	const json_t *v = json_object_get(hdr, name);

	return v == NULL || !json_is_string(v) ||
	    strlen(json_string_value(v)) == json_string_length(v);
}

static struct pa_jwks *
fuzz_keys(void)
{
	static struct pa_jwks *set;

	if (set == NULL)
		FUZZ_CHECK(pa_jwks_parse(fuzz_jws_jwks, strlen(fuzz_jws_jwks),
		    &set) == PA_OK);
	return set;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct pa_jwks *set = fuzz_keys();
	const struct pa_jwk *key;
	struct pa_jws *jws = NULL;
	json_t *claims = NULL;
	size_t i;
	int r;

	r = pa_jws_parse((const char *)data, size, FUZZ_JWS_MAX, &jws);
	if (r != PA_OK) {
		FUZZ_CHECK(jws == NULL);
		return 0;
	}
	FUZZ_CHECK(jws->alg_name != NULL && pa_alg_name(jws->alg) != NULL);
	FUZZ_CHECK(jws->payload_len > 0 && jws->sig_len > 0);
	FUZZ_CHECK(jws->signing_input_len < size &&
	    memcmp(jws->signing_input, data, jws->signing_input_len) == 0);
	FUZZ_CHECK(jws->kid == NULL || strlen(jws->kid) <= PA_JWS_MAX_KID);
	FUZZ_CHECK(plain_member(jws->header, "alg"));
	FUZZ_CHECK(plain_member(jws->header, "typ"));
	FUZZ_CHECK(plain_member(jws->header, "kid"));

	/* What login.c does: the one key the header names, or none. */
	if ((key = pa_jwks_find(set, jws->kid)) != NULL)
		(void)pa_jws_verify(jws, key, ALL_ALGS);
	for (i = 0; i < set->nkeys; i++) {
		r = pa_jws_verify(jws, &set->keys[i], ALL_ALGS);
		/* A signature verifies under its own key only. */
		FUZZ_CHECK(r != PA_OK || (pa_jwk_algs(&set->keys[i]) &
		    jws->alg) != 0);
		/* Nothing verifies when its alg is not allowed. */
		FUZZ_CHECK(pa_jws_verify(jws, &set->keys[i],
		    ALL_ALGS & ~jws->alg) != PA_OK);
	}
	if (pa_jws_claims(jws, &claims) == PA_OK)
		FUZZ_CHECK(json_is_object(claims));
	json_decref(claims);
	pa_jws_free(jws);
	return 0;
}
