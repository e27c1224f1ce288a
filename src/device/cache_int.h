/* SPDX-License-Identifier: MIT */
/*
 * Inside the device cache (cache.h): what its files share. Not for use
 * outside cache*.c.
 */
#ifndef POSAUTH_CACHE_INT_H
#define POSAUTH_CACHE_INT_H

#include <sys/types.h>

#include "seal.h"

struct pa_buf;

#define CACHE_KEY_NAME		"device.key"
#define CACHE_LOCK_NAME		".lock"

/*
 * Byte ranges of the lock file: 0 the clock, 1..65536 users (two users
 * may share one and only wait for each other), 65537 the NSS index.
 */
#define CACHE_LOCK_CLOCK	0
#define CACHE_LOCK_USERS	65536u
#define CACHE_LOCK_INDEX	((off_t)CACHE_LOCK_USERS + 1)

struct pa_cache {
	int dfd;			/* the checked cache directory */
	unsigned char key[PA_SEAL_KEY_LEN];	/* device.key */
};

/* The file policy of everything in the cache: root's alone. */
extern const struct pa_file_policy cache_policy;

/* PA_ERR_UNSAFE_FILE from fileio means an unsafe cache here. */
int cache_status(int fileio_status);

struct pa_cache_lock;
struct json_t;

off_t cache_lock_slot_user(const char *user);
/* The user a record lock was taken for ("" for the index lock). */
const char *cache_lock_user(const struct pa_cache_lock *l);
/* An exclusive lock on one byte of the lock file; release with close. */
int cache_lock_acquire(struct pa_cache *c, off_t slot, int *fdp);
void cache_lock_release(int fd);

/*
 * Reads file (at most PA_CACHE_MAX_FILE bytes) into raw and opens its
 * seal for kind/name; *body points into raw. A file too big or failing
 * its MAC is PA_ERR_CACHE_CORRUPT.
 */
int cache_read_sealed(struct pa_cache *c, const char *file,
    const char *kind, const char *name, struct pa_buf *raw,
    const unsigned char **body, size_t *blen);
/* Seals body for kind/name and replaces file atomically (0600). */
int cache_write_sealed(struct pa_cache *c, const char *file,
    const char *kind, const char *name, const unsigned char *body,
    size_t blen);

/* Compact JSON with sorted keys and a "\n", appended to a wiping buffer. */
int cache_json_body(struct json_t *j, struct pa_buf *out);
/* Wipes the strings of a (shallow) tree, then releases it. */
void cache_json_wipe_free(struct json_t *j);

#endif
