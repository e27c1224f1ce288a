/* SPDX-License-Identifier: MIT */
/*
 * JWK sets (jwk.h) as fetched from jwks_uri: parse, then check what the
 * rest of the module relies on: every kept key has an EVP_PKEY and at
 * least one algorithm, kids are unique and each finds its own key.
 */
#include "config.h"

#include <string.h>

#include <jansson.h>

#include "err.h"
#include "fuzz.h"
#include "jwk.h"

/*
 * The kid or alg a kept key carries must be one the document spelled
 * exactly: "kid":"a\u0000b" must not become a key named "a" (two parsers,
 * two answers), as jws.c and claims.c refuse for tokens.
 */
static int
spelled(const json_t *keys, const char *member, const char *value)
{
	const json_t *k, *v;
	size_t i;

	json_array_foreach(keys, i, k) {
		if ((v = json_object_get(k, member)) != NULL &&
		    json_is_string(v) &&
		    json_string_length(v) == strlen(value) &&
		    memcmp(json_string_value(v), value, strlen(value)) == 0)
			return 1;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pa_jwks *set = NULL;
	const struct pa_jwk *k;
	json_t *doc;
	size_t i;
	int r;

	r = pa_jwks_parse((const char *)data, size, &set);
	if (r != PA_OK) {
		FUZZ_CHECK(set == NULL);
		return 0;
	}
	FUZZ_CHECK(set->nkeys > 0 && set->nkeys <= PA_JWKS_MAX_KEYS);
	doc = json_loadb((const char *)data, size, 0, NULL);
	FUZZ_CHECK(doc != NULL);
	for (i = 0; i < set->nkeys; i++) {
		k = &set->keys[i];
		FUZZ_CHECK(k->pkey != NULL && pa_jwk_algs(k) != 0);
		FUZZ_CHECK(k->kty == PA_KTY_RSA || k->kty == PA_KTY_EC ||
		    k->kty == PA_KTY_OKP);
		FUZZ_CHECK(k->kid == NULL || strlen(k->kid) <= PA_JWK_MAX_KID);
		/* The first key with a kid wins; a later twin was dropped. */
		if (k->kid != NULL)
			FUZZ_CHECK(pa_jwks_find(set, k->kid) == k);
		FUZZ_CHECK(k->kid == NULL ||
		    spelled(json_object_get(doc, "keys"), "kid", k->kid));
		FUZZ_CHECK(k->alg == NULL ||
		    spelled(json_object_get(doc, "keys"), "alg", k->alg));
	}
	json_decref(doc);
	k = pa_jwks_find(set, NULL);
	FUZZ_CHECK(k == NULL || (set->nkeys == 1 && k->kid == NULL));
	pa_jwks_free(set);
	return 0;
}
