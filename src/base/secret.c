/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "buf.h"
#include "err.h"
#include "fileio.h"
#include "secret.h"

void
pa_freezero(void *p, size_t len)
{
	if (p == NULL)
		return;
	OPENSSL_cleanse(p, len);
	free(p);
}

void
pa_strfreezero(char *s)
{
	if (s == NULL)
		return;
	pa_freezero(s, strlen(s));
}

int
pa_secret_equal(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}

int
pa_secret_read_file(const char *path, size_t max, char **out)
{
	struct pa_buf b;
	size_t start = 0, len;
	int r;

	*out = NULL;
	pa_buf_init(&b, max);
	/* Root's (or, for tests, our own) file that nobody else can read. */
	r = pa_read_file_at(AT_FDCWD, path, &pa_policy_private, max, &b);
	if (r != PA_OK) {
		if (r != PA_ERR_TOO_LARGE && r != PA_ERR_ALLOC)
			r = PA_ERR_SECRET_FILE;
		goto out;
	}
	len = b.len;
	while (len > 0 && (b.d[len - 1] == '\n' || b.d[len - 1] == '\r' ||
	    b.d[len - 1] == ' ' || b.d[len - 1] == '\t'))
		len--;
	while (start < len && (b.d[start] == ' ' || b.d[start] == '\t'))
		start++;
	r = PA_ERR_SECRET_FILE;
	if (len == start || memchr(b.d + start, '\0', len - start) != NULL)
		goto out;
	memmove(b.d, b.d + start, len - start);
	/* Wipe what the trim left behind the new end. */
	explicit_bzero(b.d + (len - start), b.len - (len - start));
	b.len = len - start;
	r = (*out = pa_buf_steal(&b, NULL)) == NULL ? PA_ERR_ALLOC : PA_OK;
 out:
	pa_buf_clear(&b);
	return r;
}
