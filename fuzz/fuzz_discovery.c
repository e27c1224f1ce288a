/* SPDX-License-Identifier: MIT */
/*
 * OIDC discovery documents (oidc.h, pa_oidc_meta_parse): whatever is
 * accepted names our issuer exactly and only https endpoints.
 */
#include "config.h"

#include <string.h>

#include "err.h"
#include "fuzz.h"
#include "oidc.h"

#define FUZZ_ISSUER "https://id.example.com/realms/pos"

static int
is_https(const char *url)
{
	return url != NULL && strncmp(url, "https://", 8) == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pa_oidc_meta *m = NULL;
	int r;

	r = pa_oidc_meta_parse((const char *)data, size, FUZZ_ISSUER, &m);
	if (r != PA_OK) {
		FUZZ_CHECK(m == NULL);
		return 0;
	}
	FUZZ_CHECK(strcmp(m->issuer, FUZZ_ISSUER) == 0);
	FUZZ_CHECK(is_https(m->token_endpoint) && is_https(m->jwks_uri));
	FUZZ_CHECK(m->revocation_endpoint == NULL ||
	    is_https(m->revocation_endpoint));
	FUZZ_CHECK(m->introspection_endpoint == NULL ||
	    is_https(m->introspection_endpoint));
	pa_oidc_meta_free(m);
	return 0;
}
