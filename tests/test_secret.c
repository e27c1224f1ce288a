/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alg.h"
#include "err.h"
#include "fileio.h"
#include "secret.h"
#include "tap.h"

static char dir[] = "/tmp/test_secret.XXXXXX";

static const char *
put(const char *name, const char *text, mode_t mode)
{
	static char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || pa_write_all(fd, text, strlen(text)) != PA_OK)
		exit(99);
	close(fd);
	chmod(path, mode);
	return path;
}

int
main(void)
{
	char *s = NULL;
	char big[5000];
	const char *p;

	if (mkdtemp(dir) == NULL)
		return 99;
	p = put("ok", "  s3cret\n", 0600);
	ok(pa_secret_read_file(p, 4096, &s) == PA_OK &&
	    strcmp(s, "s3cret") == 0, "test_secret_read_and_trimmed");
	pa_strfreezero(s);
	p = put("groupread", "s3cret\n", 0640);
	ok(pa_secret_read_file(p, 4096, &s) == PA_ERR_SECRET_FILE,
	    "test_group_readable_secret_refused");
	p = put("empty", "\n", 0600);
	ok(pa_secret_read_file(p, 4096, &s) == PA_ERR_SECRET_FILE,
	    "test_empty_secret_refused");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	p = put("big", big, 0600);
	ok(pa_secret_read_file(p, 4096, &s) == PA_ERR_TOO_LARGE,
	    "test_oversized_secret_refused");
	{
		char link[160];

		snprintf(link, sizeof(link), "%s/link", dir);
		if (symlink("ok", link) != 0)
			return 98;
		ok(pa_secret_read_file(link, 4096, &s) == PA_ERR_SECRET_FILE,
		    "test_symlinked_secret_refused");
	}
	ok(pa_secret_read_file("/nonexistent/x", 4096, &s) ==
	    PA_ERR_SECRET_FILE, "test_missing_secret_refused");
	ok(pa_secret_equal("abc", "abc", 3) && !pa_secret_equal("abc", "abd",
	    3), "test_constant_time_compare");

	ok(pa_alg_from_name("RS256") == PA_ALG_RS256 &&
	    pa_alg_from_name("EdDSA") == PA_ALG_EDDSA,
	    "test_alg_names_known");
	ok(pa_alg_from_name("none") == 0 && pa_alg_from_name("HS256") == 0 &&
	    pa_alg_from_name("rs256") == 0 && pa_alg_from_name(NULL) == 0,
	    "test_none_hmac_and_wrong_case_unknown");
	ok(strcmp(pa_alg_name(PA_ALG_ES384), "ES384") == 0 &&
	    pa_alg_name(PA_ALG_RS256 | PA_ALG_ES256) == NULL,
	    "test_alg_name_of_one_bit_only");
	{
		char cmd[256];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			return 97;
	}
	return tap_done();
}
