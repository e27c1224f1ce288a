/* SPDX-License-Identifier: MIT */
/*
 * hostenv.c: the caller's environment does not reach libcurl or OpenSSL,
 * and is left exactly as it was.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "err.h"
#include "hostenv.h"
#include "http.h"
#include "tap.h"

int
main(void)
{
	char dir[] = "/tmp/test_hostenv.XXXXXX", keylog[128], cnf[128];
	struct pa_http_opts o = { NULL, 1, 2, 4096, 0 };
	struct pa_http *h = NULL;
	EVP_MD *md;
	FILE *f;

	if (mkdtemp(dir) == NULL)
		return 99;
	snprintf(keylog, sizeof(keylog), "%s/keylog", dir);
	snprintf(cnf, sizeof(cnf), "%s/evil.cnf", dir);
	if ((f = fopen(cnf, "w")) == NULL)
		return 98;
	fputs("openssl_conf = i\n[i]\nalg_section = a\n[a]\n"
	    "default_properties = fips=yes\n", f);
	fclose(f);
	setenv("SSLKEYLOGFILE", keylog, 1);
	setenv("OPENSSL_CONF", cnf, 1);

	ok(pa_hostenv_init() == PA_OK, "test_init_succeeds");
	ok(pa_hostenv_init() == PA_OK, "test_init_twice_is_harmless");
	ok(pa_http_new(&o, &h) == PA_OK, "test_libcurl_usable_after_init");
	pa_http_free(h);
	ok(access(keylog, F_OK) != 0, "test_libcurl_opened_no_key_log");
	ok(getenv("SSLKEYLOGFILE") != NULL &&
	    strcmp(getenv("SSLKEYLOGFILE"), keylog) == 0,
	    "test_callers_environment_restored");
	md = EVP_MD_fetch(NULL, "SHA256", NULL);
	ok(md != NULL, "test_callers_openssl_conf_not_loaded");
	EVP_MD_free(md);
	unlink(cnf);
	rmdir(dir);
	return tap_done();
}
