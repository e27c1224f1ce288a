/* SPDX-License-Identifier: MIT */
/*
 * Token endpoint responses (RFC 6749 §5.1, pa_oidc_tokens_parse): what
 * is accepted has a non-empty access token, a sane lifetime, and no
 * string that C would read differently from JSON (embedded NUL).
 */
#include "config.h"

#include <string.h>

#include "err.h"
#include "fuzz.h"
#include "oidc.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pa_tokens *t = NULL;
	int r;

	r = pa_oidc_tokens_parse((const char *)data, size, &t);
	if (r != PA_OK) {
		FUZZ_CHECK(t == NULL);
		return 0;
	}
	FUZZ_CHECK(t->access_token != NULL && t->access_token[0] != '\0');
	FUZZ_CHECK(t->id_token == NULL || t->id_token[0] != '\0');
	FUZZ_CHECK(t->refresh_token == NULL || t->refresh_token[0] != '\0');
	FUZZ_CHECK(t->expires_in >= 0 && t->expires_in <= 10L * 365 * 86400);
	pa_tokens_free(t);
	return 0;
}
