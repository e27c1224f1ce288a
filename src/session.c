/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "err.h"
#include "fileio.h"
#include "secret.h"
#include "session.h"

#define TOKEN_FILE "token"
#define TOKEN_MAX (256 * 1024)

/* Same rule as the cache: a name that is safe as one path component. */
static int
session_name_ok(const char *user)
{
	size_t i;

	if (user == NULL || user[0] == '\0' || user[0] == '.' ||
	    strlen(user) > 64)
		return 0;
	for (i = 0; user[i] != '\0'; i++)
		if (!((user[i] >= 'a' && user[i] <= 'z') ||
		    (user[i] >= '0' && user[i] <= '9') ||
		    user[i] == '.' || user[i] == '_' || user[i] == '-'))
			return 0;
	return 1;
}

/* Opens (creating 0755 if needed) runtime_dir, refusing a symlink. */
static int
open_runtime_dir(const char *runtime_dir, int create)
{
	struct stat st;
	int fd;

	if (create && mkdir(runtime_dir, 0755) != 0 && errno != EEXIST)
		return -1;
	fd = open(runtime_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	/* Somebody else's directory could be used to swap files under us. */
	if (fstat(fd, &st) != 0 || st.st_uid != geteuid() ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	/* The caller's umask may have made it 0700: users must get in. */
	if (create && (st.st_mode & 07777) != 0755 && fchmod(fd, 0755) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The user's directory: 0700, owned by the user, never a symlink. */
static int
open_user_dir(int rfd, const char *user, uid_t uid, gid_t gid, int create)
{
	struct stat st;
	int fd;

	if (create && mkdirat(rfd, user, 0700) != 0 && errno != EEXIST)
		return -1;
	fd = openat(rfd, user, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0)
		goto bad;
	if (create && (fchown(fd, uid, gid) != 0 || fchmod(fd, 0700) != 0))
		goto bad;
	return fd;
 bad:
	close(fd);
	return -1;
}

int
pa_session_write_token(const char *runtime_dir, const char *user,
    uid_t uid, gid_t gid, const char *token, char **path)
{
	unsigned char rnd[8];
	char tmp[32];
	int rfd = -1, ufd = -1, fd = -1, r = PA_ERR_SYSTEM;
	size_t plen;

	*path = NULL;
	if (!session_name_ok(user) || token == NULL)
		return PA_ERR_ARG;
	if ((rfd = open_runtime_dir(runtime_dir, 1)) < 0 ||
	    (ufd = open_user_dir(rfd, user, uid, gid, 1)) < 0)
		goto out;
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		goto out;
	snprintf(tmp, sizeof(tmp), ".token.%02x%02x%02x%02x%02x%02x%02x%02x",
	    rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
	fd = openat(ufd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd < 0)
		goto out;
	if (fchown(fd, uid, gid) != 0 || fchmod(fd, 0600) != 0 ||
	    pa_write_all(fd, token, strlen(token)) != 0 ||
	    pa_write_all(fd, "\n", 1) != 0 || fsync(fd) != 0) {
		unlinkat(ufd, tmp, 0);
		goto out;
	}
	if (renameat(ufd, tmp, ufd, TOKEN_FILE) != 0) {
		unlinkat(ufd, tmp, 0);
		goto out;
	}
	plen = strlen(runtime_dir) + 1 + strlen(user) + sizeof(TOKEN_FILE) + 1;
	r = PA_ERR_ALLOC;
	if ((*path = malloc(plen)) == NULL)
		goto out;
	snprintf(*path, plen, "%s/%s/%s", runtime_dir, user, TOKEN_FILE);
	r = PA_OK;
 out:
	if (fd >= 0)
		close(fd);
	if (ufd >= 0)
		close(ufd);
	if (rfd >= 0)
		close(rfd);
	return r;
}

int
pa_session_read_token(const char *runtime_dir, const char *user,
    char **token)
{
	char path[4096];
	char *buf = NULL;
	struct stat st;
	ssize_t n;
	size_t len = 0;
	int fd = -1, r = PA_ERR_NOT_FOUND;

	*token = NULL;
	if (!session_name_ok(user))
		return PA_ERR_ARG;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s/%s", runtime_dir, user,
	    TOKEN_FILE) >= sizeof(path))
		return PA_ERR_ARG;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return errno == ENOENT ? PA_ERR_NOT_FOUND : PA_ERR_SYSTEM;
	r = PA_ERR_SYSTEM;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > TOKEN_MAX)
		goto out;
	r = PA_ERR_ALLOC;
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL)
		goto out;
	r = PA_ERR_SYSTEM;
	while (len < (size_t)st.st_size) {
		n = read(fd, buf + len, (size_t)st.st_size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto out;
		len += (size_t)n;
	}
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	buf[len] = '\0';
	*token = buf;
	buf = NULL;
	r = PA_OK;
 out:
	if (buf != NULL)
		pa_freezero(buf, (size_t)st.st_size + 1);
	close(fd);
	return r;
}

int
pa_session_remove_token(const char *runtime_dir, const char *user)
{
	int rfd = -1, ufd = -1, r = PA_OK;

	if (!session_name_ok(user))
		return PA_ERR_ARG;
	if ((rfd = open_runtime_dir(runtime_dir, 0)) < 0)
		return errno == ENOENT ? PA_OK : PA_ERR_SYSTEM;
	if ((ufd = openat(rfd, user, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0) {
		r = errno == ENOENT ? PA_OK : PA_ERR_SYSTEM;
		goto out;
	}
	if (unlinkat(ufd, TOKEN_FILE, 0) != 0 && errno != ENOENT)
		r = PA_ERR_SYSTEM;
	/* Only removed when empty; other files in it are the user's. */
	unlinkat(rfd, user, AT_REMOVEDIR);
 out:
	if (ufd >= 0)
		close(ufd);
	close(rfd);
	return r;
}
