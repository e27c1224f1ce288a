/* SPDX-License-Identifier: MIT */
/*
 * posauth.conf (conf.h, pa_conf_parse): every problem is reported with
 * the file name and a message; a config that parses has every required
 * key and passes the cross-key checks; module arguments applied on top
 * keep it consistent or leave it unchanged.
 */
#include "config.h"

#include <string.h>

#include "conf.h"
#include "err.h"
#include "fuzz.h"

#define FUZZ_NAME "fuzz.conf"

struct report_ctx {
	unsigned n;
};

static void
report(void *ctx, const char *file, unsigned line, const char *key,
    const char *msg)
{
	struct report_ctx *rc = ctx;

	FUZZ_CHECK(file != NULL && msg != NULL && msg[0] != '\0');
	FUZZ_CHECK(strcmp(file, FUZZ_NAME) == 0 ||
	    strcmp(file, "argument") == 0);
	/* Reports end up in syslog: they must be plain strings. */
	(void)strlen(msg);
	if (key != NULL)
		(void)strlen(key);
	(void)line;
	rc->n++;
}

static void
check_conf(const struct pa_conf *c)
{
	FUZZ_CHECK(c->issuer != NULL && strncmp(c->issuer, "https://", 8) == 0);
	FUZZ_CHECK(c->client_id != NULL);
	/* Each client_auth has the credentials it needs. */
	FUZZ_CHECK(c->client_auth != PA_CLIENT_SECRET_BASIC ||
	    c->client_secret_file != NULL);
	FUZZ_CHECK(c->client_auth != PA_CLIENT_TLS ||
	    (c->client_cert_file != NULL && c->client_key_file != NULL));
	FUZZ_CHECK(c->device_key != NULL && c->device_key_type != NULL);
	FUZZ_CHECK(c->audience != NULL);
	FUZZ_CHECK(c->timeout >= c->connect_timeout);
	FUZZ_CHECK(c->uid_min < c->uid_max);
	FUZZ_CHECK(c->algorithms != 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct report_ctx rc = { 0 };
	struct pa_conf *conf = NULL;
	int r;

	r = pa_conf_parse((const char *)data, size, FUZZ_NAME, &conf, report,
	    &rc);
	if (r != PA_OK) {
		FUZZ_CHECK(conf == NULL);
		/* A refused config always says why. */
		FUZZ_CHECK(r != PA_ERR_CONFIG || rc.n > 0);
		return 0;
	}
	FUZZ_CHECK(rc.n == 0);
	check_conf(conf);
	pa_conf_free(conf);
	return 0;
}
