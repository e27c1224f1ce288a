/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "fileio.h"
#include "secret.h"
#include "session.h"

#define TOKEN_FILE "token"
#define TOKEN_MAX (256 * 1024)

/* runtime_dir: root's (ours), nobody else may write in it. */
static const struct pa_file_policy runtime_policy = {
	.deny_mode = S_IWGRP | S_IWOTH, .type = PA_FILE_DIR,
};
/* The token file is the user's; whoever owns it, never follow a link. */
static const struct pa_file_policy token_policy = {
	.any_owner = 1,
};

/* Opens (creating 0755 if needed) runtime_dir, refusing a symlink. */
static int
open_runtime_dir(const char *runtime_dir, int create, int *dfdp)
{
	struct stat st;
	int r;

	r = pa_open_dir(runtime_dir, create, 0755, &runtime_policy, dfdp);
	if (r != PA_OK)
		return r;
	/* Somebody else's directory could be used to swap files under us. */
	if (fstat(*dfdp, &st) != 0 || st.st_uid != geteuid()) {
		close(*dfdp);
		*dfdp = -1;
		return PA_ERR_UNSAFE_FILE;
	}
	/* An existing one the umask made 0700: users must get in. */
	if (create && (st.st_mode & 07777) != 0755 &&
	    fchmod(*dfdp, 0755) != 0) {
		close(*dfdp);
		*dfdp = -1;
		return PA_ERR_SYSTEM;
	}
	return PA_OK;
}

/* The user's directory: 0700, owned by the user, never a symlink. */
static int
open_user_dir(int rfd, const char *user, uid_t uid, gid_t gid, int *ufdp)
{
	int fd;

	*ufdp = -1;
	if (mkdirat(rfd, user, 0700) != 0 && errno != EEXIST)
		return PA_ERR_SYSTEM;
	fd = openat(rfd, user, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ELOOP || errno == ENOTDIR ? PA_ERR_UNSAFE_FILE :
		    PA_ERR_SYSTEM;
	if (fchown(fd, uid, gid) != 0 || fchmod(fd, 0700) != 0) {
		close(fd);
		return PA_ERR_SYSTEM;
	}
	*ufdp = fd;
	return PA_OK;
}

int
pa_session_write_token(const char *runtime_dir, const char *user,
    uid_t uid, gid_t gid, const char *token, char **path)
{
	struct pa_chunk chunks[2];
	struct pa_buf p;
	int rfd = -1, ufd = -1, r;

	*path = NULL;
	if (!pa_name_is_component(user) || token == NULL)
		return PA_ERR_ARG;
	if ((r = open_runtime_dir(runtime_dir, 1, &rfd)) != PA_OK ||
	    (r = open_user_dir(rfd, user, uid, gid, &ufd)) != PA_OK)
		goto out;
	chunks[0].data = token;
	chunks[0].len = strlen(token);
	chunks[1].data = "\n";
	chunks[1].len = 1;
	if ((r = pa_write_atomic_at(ufd, TOKEN_FILE, chunks, 2, 0600, uid, gid,
	    0)) != PA_OK)
		goto out;
	pa_buf_init(&p, 4096 + 2 * PA_NAME_COMPONENT_MAX);
	if ((r = pa_buf_printf(&p, "%s/%s/%s", runtime_dir, user,
	    TOKEN_FILE)) == PA_OK && (*path = pa_buf_steal(&p, NULL)) == NULL)
		r = PA_ERR_ALLOC;
	pa_buf_clear(&p);
 out:
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
	struct pa_buf b, p;
	int r;

	*token = NULL;
	if (!pa_name_is_component(user))
		return PA_ERR_ARG;
	pa_buf_init(&p, 4096 + 2 * PA_NAME_COMPONENT_MAX);
	pa_buf_init(&b, TOKEN_MAX);
	if ((r = pa_buf_printf(&p, "%s/%s/%s", runtime_dir, user,
	    TOKEN_FILE)) != PA_OK ||
	    (r = pa_read_file_at(AT_FDCWD, pa_buf_str(&p), &token_policy,
	    TOKEN_MAX, &b)) != PA_OK)
		goto out;
	while (b.len > 0 && (b.d[b.len - 1] == '\n' || b.d[b.len - 1] == '\r'))
		b.d[--b.len] = '\0';
	if ((*token = pa_buf_steal(&b, NULL)) == NULL)
		r = PA_ERR_ALLOC;
 out:
	if (r == PA_ERR_UNSAFE_FILE || r == PA_ERR_TOO_LARGE)
		r = PA_ERR_SYSTEM;
	pa_buf_clear(&b);
	pa_buf_clear(&p);
	return r;
}

int
pa_session_remove_token(const char *runtime_dir, const char *user)
{
	int rfd = -1, ufd = -1, r;

	if (!pa_name_is_component(user))
		return PA_ERR_ARG;
	if ((r = open_runtime_dir(runtime_dir, 0, &rfd)) != PA_OK)
		return r == PA_ERR_NOT_FOUND ? PA_OK : r;
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
