/* SPDX-License-Identifier: MIT */
/*
 * Key rotation and the JWKS refresh throttle, in one process against the
 * running tests/tokend: pa_login_online() takes "now" as an argument, so
 * the 60-second rule is exercised without waiting or faking the clock.
 * No device cache here: the process copy alone must obey the rule.
 *
 *   login_rotation CONFIG USER ROTATE-COMMAND   (PIN on stdin)
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "err.h"
#include "log.h"
#include "login.h"
#include "provider.h"
#include "tap.h"

static void
emit(void *ctx, int prio, const char *line)
{
	(void)ctx;
	(void)prio;
	printf("# %s\n", line);
}

static int
login(const struct pa_conf *conf, const char *user, const char *pin,
    long long now, int *fetches)
{
	struct pa_log lg = { emit, NULL, 0 };
	struct pa_login_result res;
	int r;

	r = pa_login_online(conf, &lg, user, pin, now, &res);
	*fetches = res.document_fetches;
	pa_login_result_clear(&res);
	return r;
}

int
main(int argc, char **argv)
{
	struct pa_conf *conf = NULL;
	char pin[256];
	long long t0 = (long long)time(NULL);
	int r, f;
	size_t len;

	if (argc != 4 || fgets(pin, sizeof(pin), stdin) == NULL)
		return 2;
	len = strlen(pin);
	if (len > 0 && pin[len - 1] == '\n')
		pin[len - 1] = '\0';
	if (pa_conf_load(argv[1], &conf, NULL, NULL) != PA_OK) {
		printf("Bail out! config %s\n", argv[1]);
		return 1;
	}
	r = login(conf, argv[2], pin, t0, &f);
	ok(r == PA_OK && f == 2, "test_first_login_fetches_discovery_and_jwks");
	r = login(conf, argv[2], pin, t0, &f);
	ok(r == PA_OK && f == 0, "test_second_login_uses_cached_documents");
	if (system(argv[3]) != 0)
		printf("Bail out! rotate command failed\n");
	r = login(conf, argv[2], pin, t0 + 10, &f);
	ok(r == PA_OK && f == 1, "test_unknown_kid_refetches_jwks_once");
	if (system(argv[3]) != 0)
		printf("Bail out! rotate command failed\n");
	r = login(conf, argv[2], pin, t0 + 20, &f);
	ok(r == PA_ERR_KID && f == 0,
	    "test_second_unknown_kid_within_60s_does_not_refetch");
	r = login(conf, argv[2], pin, t0 + 10 + PA_JWKS_MIN_REFRESH, &f);
	ok(r == PA_OK && f == 1, "test_unknown_kid_after_60s_refetches_again");
	r = login(conf, argv[2], pin, t0 + 11 + PA_JWKS_MIN_REFRESH, &f);
	ok(r == PA_OK && f == 0, "test_rotated_keys_are_cached_again");
	pa_conf_free(conf);
	pa_provider_forget();
	return tap_done();
}
