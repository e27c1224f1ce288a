/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
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

/*
 * The user's directory: ours, 0711, never a symlink. The user reaches
 * the token file through it but cannot plant or swap anything in it, and
 * we write in it without a capability to override file permissions (the
 * service keeps CAP_CHOWN alone, for the file). An older release made it
 * the user's 0700: taken back by name before it is opened, which needs
 * no more than CAP_CHOWN either; runtime_dir is ours, so nobody swaps
 * the name between the two steps.
 */
static int
open_user_dir(int rfd, const char *user, int *ufdp)
{
	struct stat st;
	int fd;

	*ufdp = -1;
	if (mkdirat(rfd, user, 0711) != 0 && errno != EEXIST)
		return PA_ERR_SYSTEM;
	if (fstatat(rfd, user, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return PA_ERR_SYSTEM;
	if (!S_ISDIR(st.st_mode))
		return PA_ERR_UNSAFE_FILE;
	if ((st.st_uid != geteuid() || st.st_gid != getegid()) &&
	    fchownat(rfd, user, geteuid(), getegid(),
	    AT_SYMLINK_NOFOLLOW) != 0)
		return PA_ERR_SYSTEM;
	fd = openat(rfd, user, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ELOOP || errno == ENOTDIR ? PA_ERR_UNSAFE_FILE :
		    PA_ERR_SYSTEM;
	if (fchmod(fd, 0711) != 0) {
		close(fd);
		return PA_ERR_SYSTEM;
	}
	*ufdp = fd;
	return PA_OK;
}

/*
 * One writer process (posauthd), whose threads take turns: a removal
 * that checked the file is its session's must not unlink one a newer
 * session wrote in between.
 */
static pthread_mutex_t session_lock = PTHREAD_MUTEX_INITIALIZER;

/* 1 when the token file in ufd is the one id names. */
static int
token_is(int ufd, const struct pa_session_file *id)
{
	struct stat st;

	return id->have && fstatat(ufd, TOKEN_FILE, &st,
	    AT_SYMLINK_NOFOLLOW) == 0 && st.st_dev == id->dev &&
	    st.st_ino == id->ino;
}

/* Session lock held; with over, only while the file is still that one. */
static int
write_token(const char *runtime_dir, const char *user, uid_t uid, gid_t gid,
    const char *token, char **path, struct pa_session_file *id,
    const struct pa_session_file *over)
{
	struct pa_chunk chunks[2];
	struct pa_buf p;
	struct stat st;
	int rfd = -1, ufd = -1, r;

	if ((r = open_runtime_dir(runtime_dir, 1, &rfd)) != PA_OK ||
	    (r = open_user_dir(rfd, user, &ufd)) != PA_OK)
		goto out;
	if (over != NULL && !token_is(ufd, over)) {
		r = PA_ERR_NOT_FOUND;
		goto out;
	}
	chunks[0].data = token;
	chunks[0].len = strlen(token);
	chunks[1].data = "\n";
	chunks[1].len = 1;
	if ((r = pa_write_atomic_at(ufd, TOKEN_FILE, chunks, 2, 0600, uid, gid,
	    0)) != PA_OK)
		goto out;
	/* Each write is a new file (rename): its inode names this one. */
	if (id != NULL && fstatat(ufd, TOKEN_FILE, &st,
	    AT_SYMLINK_NOFOLLOW) == 0) {
		id->dev = st.st_dev;
		id->ino = st.st_ino;
		id->have = 1;
	}
	if (path == NULL)
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
pa_session_write_token(const char *runtime_dir, const char *user,
    uid_t uid, gid_t gid, const char *token, char **path,
    struct pa_session_file *id)
{
	int r;

	*path = NULL;
	if (id != NULL)
		memset(id, 0, sizeof(*id));
	if (!pa_name_is_component(user) || token == NULL)
		return PA_ERR_ARG;
	pthread_mutex_lock(&session_lock);
	r = write_token(runtime_dir, user, uid, gid, token, path, id, NULL);
	pthread_mutex_unlock(&session_lock);
	return r;
}

int
pa_session_rewrite_token_if(const char *runtime_dir, const char *user,
    uid_t uid, gid_t gid, const char *token, struct pa_session_file *id)
{
	struct pa_session_file now;
	int r;

	if (!pa_name_is_component(user) || token == NULL || id == NULL)
		return PA_ERR_ARG;
	memset(&now, 0, sizeof(now));
	pthread_mutex_lock(&session_lock);
	r = write_token(runtime_dir, user, uid, gid, token, NULL, &now, id);
	pthread_mutex_unlock(&session_lock);
	if (r == PA_OK)
		*id = now;
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

/*
 * Removes the token file when id is NULL or names it (the same inode),
 * and the user's directory once empty. PA_ERR_NOT_FOUND when a newer
 * file replaced the one id names (nothing removed).
 */
static int
remove_token(const char *runtime_dir, const char *user,
    const struct pa_session_file *id)
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
	/* stat, never read: the file is the user's and we hold no DAC right. */
	if (id != NULL && !token_is(ufd, id)) {
		r = PA_ERR_NOT_FOUND;
		goto out;
	}
	if (unlinkat(ufd, TOKEN_FILE, 0) != 0 && errno != ENOENT)
		r = PA_ERR_SYSTEM;
	/* Only removed when empty. */
	unlinkat(rfd, user, AT_REMOVEDIR);
 out:
	if (ufd >= 0)
		close(ufd);
	close(rfd);
	return r;
}

int
pa_session_remove_token(const char *runtime_dir, const char *user)
{
	int r;

	pthread_mutex_lock(&session_lock);
	r = remove_token(runtime_dir, user, NULL);
	pthread_mutex_unlock(&session_lock);
	return r;
}

int
pa_session_remove_token_if(const char *runtime_dir, const char *user,
    const struct pa_session_file *id)
{
	int r;

	if (id == NULL)
		return PA_ERR_ARG;
	pthread_mutex_lock(&session_lock);
	r = remove_token(runtime_dir, user, id);
	pthread_mutex_unlock(&session_lock);
	return r;
}

int
pa_session_has_token(const char *runtime_dir, const char *user)
{
	struct pa_buf p;
	struct stat st;
	int r = 0;

	if (!pa_name_is_component(user))
		return 0;
	pa_buf_init(&p, 4096 + 2 * PA_NAME_COMPONENT_MAX);
	if (pa_buf_printf(&p, "%s/%s/%s", runtime_dir, user, TOKEN_FILE) ==
	    PA_OK)
		r = lstat(pa_buf_str(&p), &st) == 0 && S_ISREG(st.st_mode);
	pa_buf_clear(&p);
	return r;
}
