/* SPDX-License-Identifier: MIT */
/*
 * The device cache directory: opening and checking it, its key, its locks
 * and its sealed files. Records, the clock and the provider documents
 * live in cache_record.c, cache_clock.c and cache_doc.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "buf.h"
#include "cache.h"
#include "cache_int.h"
#include "err.h"
#include "fileio.h"
#include "seal.h"

const struct pa_file_policy cache_policy = {
	.deny_mode = S_IRWXG | S_IRWXO,
};
static const struct pa_file_policy cache_dir_policy = {
	.deny_mode = S_IRWXG | S_IRWXO, .type = PA_FILE_DIR,
};

int
cache_status(int r)
{
	return r == PA_ERR_UNSAFE_FILE ? PA_ERR_CACHE : r;
}

/* ---- locks ---- */

off_t
cache_lock_slot_user(const char *user)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (; *user != '\0'; user++) {
		h ^= (unsigned char)*user;
		h *= 16777619u;
	}
	return (off_t)(1 + (h % CACHE_LOCK_USERS));
}

static int
lock_wait(int fd, struct flock *fl)
{
	int cmd = F_SETLKW;

#ifdef F_OFD_SETLKW
	/*
	 * OFD locks belong to the open file description, not the process:
	 * they exclude threads of one process too, and closing some other
	 * descriptor of the file does not drop them.
	 */
	cmd = F_OFD_SETLKW;
#endif
	for (;;) {
		if (fcntl(fd, cmd, fl) == 0)
			return PA_OK;
		if (errno == EINTR)
			continue;
		if (errno == EINVAL && cmd != F_SETLKW) {	/* old kernel */
			cmd = F_SETLKW;
			continue;
		}
		return PA_ERR_SYSTEM;
	}
}

/*
 * The lock file is opened anew each time so every caller (forked child,
 * thread) has its own open file description.
 */
int
cache_lock_acquire(struct pa_cache *c, off_t slot, int *fdp)
{
	struct flock fl;
	struct stat st;
	int fd, r;

	*fdp = -1;
	fd = openat(c->dfd, CACHE_LOCK_NAME, O_RDWR | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0600);
	if (fd < 0)
		return errno == ELOOP ? PA_ERR_CACHE : PA_ERR_SYSTEM;
	r = PA_ERR_SYSTEM;
	if (fstat(fd, &st) != 0)
		goto out;
	if (!S_ISREG(st.st_mode) || (st.st_uid != 0 &&
	    st.st_uid != geteuid())) {
		r = PA_ERR_CACHE;
		goto out;
	}
	/* Holds no data; just keep it as private as everything else. */
	if ((st.st_mode & 07777) != 0600 && fchmod(fd, 0600) != 0)
		goto out;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = slot;
	fl.l_len = 1;
	if ((r = lock_wait(fd, &fl)) != PA_OK)
		goto out;
	*fdp = fd;
	fd = -1;
 out:
	if (fd >= 0)
		close(fd);
	return r;
}

void
cache_lock_release(int fd)
{
	if (fd >= 0)
		close(fd);	/* drops the lock */
}

struct pa_cache_lock {
	int fd;
	char user[PA_CACHE_USER_MAX + 1];	/* "" for the index lock */
};

static int
lock_new(struct pa_cache *c, off_t slot, const char *user,
    struct pa_cache_lock **out)
{
	struct pa_cache_lock *l;
	int r;

	*out = NULL;
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return PA_ERR_ALLOC;
	memcpy(l->user, user, strlen(user) + 1);
	if ((r = cache_lock_acquire(c, slot, &l->fd)) != PA_OK) {
		free(l);
		return r;
	}
	*out = l;
	return PA_OK;
}

int
pa_cache_lock_user(struct pa_cache *c, const char *user,
    struct pa_cache_lock **out)
{
	*out = NULL;
	if (c == NULL || !pa_name_is_component(user))
		return PA_ERR_ARG;
	return lock_new(c, cache_lock_slot_user(user), user, out);
}

int
pa_cache_lock_index(struct pa_cache *c, struct pa_cache_lock **out)
{
	*out = NULL;
	if (c == NULL)
		return PA_ERR_ARG;
	return lock_new(c, CACHE_LOCK_INDEX, "", out);
}

const char *
cache_lock_user(const struct pa_cache_lock *l)
{
	return l->user;
}

void
pa_cache_unlock(struct pa_cache_lock *l)
{
	if (l == NULL)
		return;
	cache_lock_release(l->fd);
	free(l);
}

/* ---- sealed files ---- */

int
cache_read_sealed(struct pa_cache *c, const char *file, const char *kind,
    const char *name, struct pa_buf *raw, const unsigned char **body,
    size_t *blen)
{
	int r;

	r = pa_read_file_at(c->dfd, file, &cache_policy, PA_CACHE_MAX_FILE,
	    raw);
	if (r == PA_ERR_TOO_LARGE)
		return PA_ERR_CACHE_CORRUPT;	/* not worth allocating for */
	if (r != PA_OK)
		return cache_status(r);
	return pa_unseal(c->key, kind, name, raw->d, raw->len, body, blen);
}

int
cache_write_sealed(struct pa_cache *c, const char *file, const char *kind,
    const char *name, const unsigned char *body, size_t blen)
{
	struct pa_buf sealed;
	struct pa_chunk chunk;
	int r;

	pa_buf_init(&sealed, PA_CACHE_MAX_FILE);
	if ((r = pa_seal(c->key, kind, name, body, blen, &sealed)) == PA_OK) {
		chunk.data = sealed.d;
		chunk.len = sealed.len;
		r = pa_write_atomic_at(c->dfd, file, &chunk, 1, 0600,
		    (uid_t)-1, (gid_t)-1, 0);
	}
	pa_buf_clear(&sealed);
	return r;
}

/* ---- the device key: the HMAC key of every file here ---- */

static int
key_load(struct pa_cache *c)
{
	struct pa_buf buf;
	int r;

	pa_buf_init(&buf, PA_SEAL_KEY_LEN);
	r = pa_read_file_at(c->dfd, CACHE_KEY_NAME, &cache_policy,
	    PA_SEAL_KEY_LEN, &buf);
	if (r == PA_OK && buf.len != PA_SEAL_KEY_LEN)
		r = PA_ERR_CACHE;
	if (r == PA_OK)
		memcpy(c->key, buf.d, PA_SEAL_KEY_LEN);
	pa_buf_clear(&buf);
	/* A key of the wrong size is as unusable as a wrong mode. */
	return r == PA_ERR_TOO_LARGE ? PA_ERR_CACHE : cache_status(r);
}

/*
 * A fresh key is linked into place, not renamed: two first logins racing
 * agree on one key instead of one of them sealing records with a key that
 * was just replaced.
 */
static int
key_create(struct pa_cache *c)
{
	unsigned char key[PA_SEAL_KEY_LEN];
	struct pa_chunk chunk = { key, sizeof(key) };
	int r;

	if (RAND_bytes(key, sizeof(key)) != 1)
		return PA_ERR_INTERNAL;
	r = pa_write_atomic_at(c->dfd, CACHE_KEY_NAME, &chunk, 1, 0600,
	    (uid_t)-1, (gid_t)-1, PA_WRITE_NOREPLACE);
	OPENSSL_cleanse(key, sizeof(key));
	return r;
}

/* ---- opening ---- */

int
pa_cache_open(const char *dir, int create, struct pa_cache **out)
{
	struct pa_cache *c = NULL;
	int r = PA_ERR_ARG;

	if (out == NULL)
		return PA_ERR_ARG;
	*out = NULL;
	if (dir == NULL)
		dir = PA_CACHE_DEFAULT_DIR;
	if (*dir == '\0')
		goto out;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		r = PA_ERR_ALLOC;
		goto out;
	}
	c->dfd = -1;
	/* Anyone else who can write here could plant or swap records. */
	r = pa_open_dir(dir, create, 0700, &cache_dir_policy, &c->dfd);
	if (r == PA_ERR_NOT_FOUND && create)
		r = PA_ERR_CACHE;	/* the parent is missing */
	if ((r = cache_status(r)) != PA_OK)
		goto out;
	r = key_load(c);
	if (r == PA_ERR_NOT_FOUND && create) {
		if ((r = key_create(c)) != PA_OK)
			goto out;
		/* Read back: a racing creator's key may be the one that won. */
		r = key_load(c);
	}
	if (r != PA_OK)
		goto out;
	*out = c;
	c = NULL;
 out:
	pa_cache_close(c);
	return r;
}

void
pa_cache_close(struct pa_cache *c)
{
	if (c == NULL)
		return;
	if (c->dfd >= 0)
		close(c->dfd);
	OPENSSL_cleanse(c, sizeof(*c));
	free(c);
}
