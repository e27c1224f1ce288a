/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "err.h"
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

static int
secret_file_is_safe(const struct stat *st)
{
	if (!S_ISREG(st->st_mode))
		return 0;
	/* Root's file, or the caller's own when tests run unprivileged. */
	if (st->st_uid != 0 && st->st_uid != geteuid())
		return 0;
	if ((st->st_mode & (S_IRWXG | S_IRWXO)) != 0)
		return 0;
	return 1;
}

int
pa_secret_read_file(const char *path, size_t max, char **out)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0, start = 0;
	ssize_t n;
	int fd = -1, r = PA_ERR_SECRET_FILE;

	*out = NULL;
	/* O_NOFOLLOW: a symlink planted in place of the file is refused. */
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY)) < 0)
		goto out;
	if (fstat(fd, &st) != 0 || !secret_file_is_safe(&st))
		goto out;
	if ((buf = malloc(max + 1)) == NULL) {
		r = PA_ERR_ALLOC;
		goto out;
	}
	for (;;) {
		n = read(fd, buf + len, max + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto out;
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			r = PA_ERR_TOO_LARGE;
			goto out;
		}
	}
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' ||
	    buf[len - 1] == ' ' || buf[len - 1] == '\t'))
		len--;
	while (start < len && (buf[start] == ' ' || buf[start] == '\t'))
		start++;
	if (len == start || memchr(buf + start, '\0', len - start) != NULL)
		goto out;
	memmove(buf, buf + start, len - start);
	len -= start;
	buf[len] = '\0';
	*out = buf;
	buf = NULL;
	r = PA_OK;
 out:
	if (buf != NULL)
		pa_freezero(buf, max + 1);
	if (fd >= 0)
		close(fd);
	return r;
}
