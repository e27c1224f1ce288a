/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <string.h>

#include "alg.h"

static const struct {
	const char *name;
	unsigned bit;
} alg_table[] = {
	{ "RS256", PA_ALG_RS256 }, { "RS384", PA_ALG_RS384 },
	{ "RS512", PA_ALG_RS512 }, { "PS256", PA_ALG_PS256 },
	{ "PS384", PA_ALG_PS384 }, { "PS512", PA_ALG_PS512 },
	{ "ES256", PA_ALG_ES256 }, { "ES384", PA_ALG_ES384 },
	{ "EdDSA", PA_ALG_EDDSA },
};

unsigned
pa_alg_from_name(const char *name)
{
	size_t i;

	if (name == NULL)
		return 0;
	/* Case matters: JOSE names are case-sensitive (RFC 7515 §4.1.1). */
	for (i = 0; i < sizeof(alg_table) / sizeof(alg_table[0]); i++)
		if (strcmp(alg_table[i].name, name) == 0)
			return alg_table[i].bit;
	return 0;
}

const char *
pa_alg_name(unsigned alg)
{
	size_t i;

	for (i = 0; i < sizeof(alg_table) / sizeof(alg_table[0]); i++)
		if (alg_table[i].bit == alg)
			return alg_table[i].name;
	return NULL;
}
