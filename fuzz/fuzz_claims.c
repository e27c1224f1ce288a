/* SPDX-License-Identifier: MIT */
/*
 * The claims of a verified token (claims.h): the input is a JWS payload,
 * parsed as pa_jws_claims() does, then checked against two fixed
 * configurations: the defaults, and one with every optional rule on
 * (tenant, store, uid range, dotted claim paths, no leeway).
 * "now" is fixed so the seeds stay valid.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "claims.h"
#include "conf.h"
#include "err.h"
#include "fuzz.h"
#include "jws.h"

#define FUZZ_NOW 1700000000LL
#define FUZZ_USER "alice"

static const char conf_plain[] =
    "issuer = https://id.example.com/realms/pos\n"
    "client_id = pos-terminal\n"
    "client_secret_file = /etc/posauth/client_secret\n";

static const char conf_strict[] =
    "issuer = https://id.example.com/realms/pos\n"
    "client_id = pos-terminal\n"
    "client_secret_file = /etc/posauth/client_secret\n"
    "leeway = 0\n"
    "username_claim = preferred_username\n"
    "roles_claim = realm_access.roles\n"
    "tenant = acme\n"
    "store = store-042\n"
    "uid_claim = ext.uid\n";

static struct pa_conf *
fuzz_conf(int strict)
{
	static struct pa_conf *conf[2];
	const char *text = strict ? conf_strict : conf_plain;

	if (conf[strict] == NULL)
		FUZZ_CHECK(pa_conf_parse(text, strlen(text), "fuzz",
		    &conf[strict], NULL, NULL) == PA_OK);
	return conf[strict];
}

static void
fuzz_verify(json_t *payload, const struct pa_conf *conf)
{
	struct pa_claims *c = NULL;
	size_t i;
	int r;

	r = pa_claims_verify(payload, conf, FUZZ_USER, FUZZ_NOW, &c);
	if (r != PA_OK) {
		FUZZ_CHECK(c == NULL);
		return;
	}
	FUZZ_CHECK(c->username != NULL && strcmp(c->username, FUZZ_USER) == 0);
	FUZZ_CHECK(FUZZ_NOW < c->exp + conf->leeway);
	FUZZ_CHECK(c->nroles <= PA_CLAIMS_MAX_ROLES);
	for (i = 0; i < c->nroles; i++)
		FUZZ_CHECK(pa_claims_has_role(c, c->roles[i]));
	if (conf->tenant != NULL)
		FUZZ_CHECK(c->tenant != NULL &&
		    strcmp(c->tenant, conf->tenant) == 0);
	if (conf->store != NULL)
		FUZZ_CHECK(c->store != NULL &&
		    strcmp(c->store, conf->store) == 0);
	if (conf->uid_claim != NULL)
		FUZZ_CHECK(c->has_uid && c->uid >= (long long)conf->uid_min &&
		    c->uid <= (long long)conf->uid_max);
	pa_claims_free(c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pa_jws jws;
	json_t *payload = NULL;
	unsigned char *copy;

	/* pa_jws_parse() hands out the payload NUL-terminated. */
	if ((copy = malloc(size + 1)) == NULL)
		return 0;
	if (size > 0)
		memcpy(copy, data, size);
	copy[size] = '\0';
	memset(&jws, 0, sizeof(jws));
	jws.payload = copy;
	jws.payload_len = size;
	if (pa_jws_claims(&jws, &payload) == PA_OK) {
		fuzz_verify(payload, fuzz_conf(0));
		fuzz_verify(payload, fuzz_conf(1));
		(void)pa_claim_path(payload, "realm_access.roles");
		json_decref(payload);
	}
	free(copy);
	return 0;
}
