/* SPDX-License-Identifier: MIT */
/*
 * JWT verifications per second per algorithm: parse + verify of a signed
 * compact token against its JWK, the work a login does per token.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alg.h"
#include "err.h"
#include "jwk.h"
#include "jws.h"
#include "../jose_test.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	static const struct {
		const char *alg, *type;
		unsigned bits;
	} cases[] = {
		{ "RS256", "RSA", 2048 }, { "RS384", "RSA", 2048 },
		{ "RS512", "RSA", 2048 }, { "PS256", "RSA", 2048 },
		{ "ES256", "P-256", 0 }, { "ES384", "P-384", 0 },
		{ "EdDSA", "ED25519", 0 },
	};
	double secs = argc > 1 ? atof(argv[1]) : 1.0;
	size_t i;

	printf("%-6s %12s %10s\n", "alg", "verify/s", "us/verify");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		EVP_PKEY *k = jt_keygen(cases[i].type, cases[i].bits);
		char *jwk = jt_jwk(k, "k1", NULL);
		const char *one[1] = { jwk };
		char *set = jt_jwks(1, one);
		char *hdr = jt_fmt("{\"alg\":\"%s\",\"kid\":\"k1\",\"typ\":\"JWT\"}",
		    cases[i].alg);
		char *tok = jt_token(k, cases[i].alg, hdr,
		    "{\"iss\":\"https://id.example\",\"sub\":\"alice\","
		    "\"aud\":\"pos\",\"exp\":4000000000,\"roles\":[\"cashier\"]}", 0);
		struct pa_jwks *jwks = NULL;
		struct pa_jws *jws;
		double t0, t;
		long n = 0, bad = 0;

		if (pa_jwks_parse(set, strlen(set), &jwks) != PA_OK)
			return 1;
		t0 = now_s();
		do {
			for (int j = 0; j < 50; j++, n++) {
				jws = NULL;
				if (pa_jws_parse(tok, strlen(tok), 65536, &jws) !=
				    PA_OK || pa_jws_verify(jws, pa_jwks_find(jwks,
				    "k1"), ~0u) != PA_OK)
					bad++;
				pa_jws_free(jws);
			}
			t = now_s() - t0;
		} while (t < secs);
		printf("%-6s %12.0f %10.1f%s\n", cases[i].alg, (double)n / t,
		    t * 1e6 / (double)n, bad ? "  (FAILURES)" : "");
		pa_jwks_free(jwks);
		free(tok);
		free(hdr);
		free(set);
		free(jwk);
		EVP_PKEY_free(k);
	}
	return 0;
}
