/* SPDX-License-Identifier: MIT */
/*
 * The device cache: what this terminal remembers about each staff member
 * between online logins, so an offline login can be decided and a session
 * can refresh and revoke its tokens. Pure library code; the PAM module and
 * posauthctl decide what to do with the answers. cache.c is the directory,
 * its key and locks; cache_record.c, cache_clock.c and cache_doc.c the
 * three kinds of file in it; seal.c their envelope.
 *
 * Layout of cache_dir (0700, owned by root or, for tests, by the euid):
 *   device.key      32 random bytes, 0600: the HMAC key of every file below
 *   <user>.rec      one record per user, 0600
 *   clock           high-water mark of the wall clock, 0600
 *   .lock           empty; fcntl byte-range locks serialise writers (and
 *                   NSS index rebuilds: pa_cache_lock_index())
 *   .tmp-<random>   short-lived temp files of an atomic write
 * A user name only ever names a file through "<user>.rec" after it passed
 * [a-z0-9._-]{1,64} without a leading '.', so no name can leave the
 * directory or collide with device.key, clock or the dot files.
 *
 * File format of a record and of the clock file (all ASCII): the seal of
 * seal.h, with kind "record" (name = the user name of the file) or
 * "clock" (name empty), around a body of one compact JSON object with
 * sorted keys, then "\n".
 * The MAC binds the body to the file it belongs to: a record copied onto
 * another user's file name, a clock file renamed to a record, a flipped
 * byte anywhere, a truncated or oversized file all fail. The MAC is
 * checked before the JSON parser sees a byte.
 *
 * Record body, version 1 (unknown keys, wrong types, out-of-range values
 * or a "user" different from the file name make the record corrupt):
 *   {"v":1, "user":s, "roles":[s...], "tenant":s?, "store":s?, "name":s?,
 *    "sub":s?, "uid":n?, "token_exp":n, "last_online":n, "last_mfa":n?,
 *    "verifier":{"alg":n,"cost":n,"salt":hex32,"hash":hex64}?,
 *    "failures":n, "locked_until":n, "refresh_token":s?,
 *    "access_token":s?, "access_exp":n, "pending_revocations":[s...]}
 * "last_mfa" came with the second factor; a record without it (written
 * before) reads as never, and one is written only when not 0, so an
 * older reader keeps reading records of staff who never used it.
 * Clock body: {"v":1, "high_water":n}.
 *
 * Readers take no lock: every write is a temp file (O_EXCL, 0600) that is
 * written, fsync'ed and renamed over the old file, then the directory is
 * fsync'ed, so a reader sees the old or the new file, never half of one;
 * a failed write removes its temp file and leaves the old one intact.
 * Writers of one user hold an exclusive OFD lock on one byte of ".lock"
 * (byte 1 + hash(user) mod 65536; byte 0 is the clock) for the whole
 * read-modify-write, so concurrent updates are neither lost nor torn.
 * Two users sharing a byte only wait for each other.
 *
 * Secrets: the PIN is never stored, only its verifier (kdf.h). Tokens in
 * a record are wiped when it is freed; the file buffers and the string
 * values of our JSON trees are wiped before they are freed. (jansson's
 * lexer keeps a scratch copy of each string while parsing and frees it
 * unwiped; we cannot reach it without replacing the process-wide jansson
 * allocator, which is not ours to change inside someone else's process.)
 *
 * Not cleaned up: a ".tmp-*" file left by a crash between create and
 * rename (harmless, 0600, never read back).
 */
#ifndef POSAUTH_CACHE_H
#define POSAUTH_CACHE_H

#include <stddef.h>

#include "kdf.h"

#define PA_CACHE_DEFAULT_DIR	"/var/lib/posauth"
#define PA_CACHE_USER_MAX	64	/* bytes of a user name */
#define PA_CACHE_MAX_FILE	65536	/* bytes of a whole record file */
#define PA_CACHE_MAX_ROLES	64
#define PA_CACHE_MAX_PENDING	8	/* refresh tokens awaiting revocation */

/* Returned by a pa_cache_update() callback to delete the record. */
#define PA_CACHE_DELETE		1
/* ... or to leave it as it is (nothing changed: no write, no fsync). */
#define PA_CACHE_KEEP		2

struct pa_cache;	/* an open, checked cache directory and its key */

/*
 * Every pointer is owned by the record and allocated with malloc();
 * pa_cache_record_free() frees them all. NULL strings are "absent".
 */
struct pa_cache_record {
	char *user;
	/* claims of the last verified online login */
	char **roles;
	size_t nroles;			/* <= PA_CACHE_MAX_ROLES */
	char *tenant;
	char *store;
	char *name;
	char *sub;
	long long uid;			/* valid when has_uid */
	int has_uid;
	long long token_exp;		/* exp of that token, epoch seconds */
	long long last_online;		/* time of that login, epoch seconds */
	long long last_mfa;		/* the last login with the second
					   factor, epoch seconds, 0 = never */
	/* offline login */
	int has_verifier;
	struct pa_verifier verifier;
	unsigned failures;		/* consecutive wrong offline PINs */
	long long locked_until;		/* epoch seconds, 0 = not locked */
	/* session tokens (secrets: wiped on free) */
	char *refresh_token;
	char *access_token;
	long long access_exp;
	char **pending_revocations;	/* oldest first */
	size_t npending;		/* <= PA_CACHE_MAX_PENDING */
};

/*
 * Opens the cache directory dir (PA_CACHE_DEFAULT_DIR when NULL) and its
 * device key. With create, a missing directory is made 0700 (its parent
 * must exist) and a missing device key is generated. Returns PA_OK,
 * PA_ERR_NOT_FOUND (missing and !create), PA_ERR_CACHE (a symlink, not
 * a directory, wrong owner, group/other permission bits, or an unusable
 * device key: wrong owner, mode or size), PA_ERR_SYSTEM or PA_ERR_ALLOC.
 * Online logins must still work when this fails; the caller logs it.
 */
int pa_cache_open(const char *dir, int create, struct pa_cache **out);
void pa_cache_close(struct pa_cache *c);

/*
 * Reads user's record. PA_OK with *out set, PA_ERR_ARG (not a valid
 * user name), PA_ERR_NOT_FOUND, PA_ERR_CACHE_CORRUPT (the caller treats
 * it as absent), PA_ERR_CACHE (record file is a symlink, not a regular
 * file, or has the wrong owner or mode), PA_ERR_SYSTEM, PA_ERR_ALLOC.
 */
int pa_cache_get(struct pa_cache *c, const char *user,
    struct pa_cache_record **out);

/*
 * Writes rec (for rec->user) atomically under the user's lock.
 * PA_ERR_ARG for an invalid record, PA_ERR_TOO_LARGE when it would
 * exceed PA_CACHE_MAX_FILE, PA_ERR_SYSTEM when a write step fails (the
 * old record is left intact).
 */
int pa_cache_put(struct pa_cache *c, const struct pa_cache_record *rec);

/*
 * Locked read-modify-write of user's record. fn gets the current record
 * and exists = 1, or, when there is none or it is corrupt, a zeroed
 * record with only user set and exists = 0. fn returns 0 to write rec
 * back, PA_CACHE_KEEP to leave the file alone (PA_OK is returned),
 * PA_CACHE_DELETE to delete the record, or a negative status to
 * leave everything as it was; that status is then returned. fn must not
 * change rec->user. A record file that is unsafe (PA_ERR_CACHE) is not
 * overwritten: the update fails and the caller must fail closed.
 */
int pa_cache_update(struct pa_cache *c, const char *user,
    int (*fn)(struct pa_cache_record *rec, int exists, void *arg),
    void *arg);

/*
 * The user's record lock, held across several steps that must not
 * interleave with another process's: the offline PIN check persists the
 * attempt before the slow KDF runs and clears it afterwards. While it is
 * held, pa_cache_get() reads the current record and pa_cache_put_locked()
 * replaces it (pa_cache_put() and pa_cache_update() would wait for the
 * lock forever: it is not recursive). PA_ERR_ARG, PA_ERR_CACHE,
 * PA_ERR_SYSTEM, PA_ERR_ALLOC.
 */
struct pa_cache_lock;
int pa_cache_lock_user(struct pa_cache *c, const char *user,
    struct pa_cache_lock **out);
/*
 * The lock of the NSS index (nssindex.c): one rebuild at a time, in the
 * cache's own lock file.
 */
int pa_cache_lock_index(struct pa_cache *c, struct pa_cache_lock **out);
int pa_cache_put_locked(struct pa_cache *c, const struct pa_cache_lock *l,
    const struct pa_cache_record *rec);
void pa_cache_unlock(struct pa_cache_lock *l);

/* Removes user's record. PA_OK, PA_ERR_NOT_FOUND, PA_ERR_ARG, ... */
int pa_cache_delete(struct pa_cache *c, const char *user);

/*
 * Lists the user names that have a record file, sorted. Contents are not
 * checked: a listed record may still be corrupt. Free with
 * pa_cache_list_free().
 */
int pa_cache_list(struct pa_cache *c, char ***users, size_t *n);
void pa_cache_list_free(char **users, size_t n);

/* Frees a record, wiping its tokens and verifier. NULL is fine. */
void pa_cache_record_free(struct pa_cache_record *r);

/*
 * Moves token (malloc'ed; owned by the record afterwards, also on error)
 * to the end of rec's revocation queue. When the queue is full the oldest
 * entry is wiped and dropped: the queue is bounded so an unreachable
 * token service cannot grow a record without limit.
 */
int pa_cache_record_queue_revocation(struct pa_cache_record *rec,
    char *token);

/*
 * Clock rollback protection. The cache keeps the newest wall-clock time
 * it was told about (the "clock" file). pa_cache_clock_check() returns
 * PA_ERR_CLOCK when now < high_water - leeway, and also when there is no
 * trusted high-water mark (clock file missing or corrupt): an offline
 * login is only possible after an online login seeded the mark, and a
 * deleted or damaged mark must not reopen the door to a rolled-back
 * clock. pa_cache_clock_advance() raises the mark to now (never lowers
 * it) and replaces a missing or corrupt clock file; call it after every
 * online login (the token service vouched for the time) and after a
 * successful offline login. An unsafe clock file (symlink, wrong mode)
 * is PA_ERR_CACHE for both.
 */
int pa_cache_clock_check(struct pa_cache *c, long long now, long leeway);
int pa_cache_clock_advance(struct pa_cache *c, long long now);

/*
 * Sets the mark to now, lower or higher. Only for when the token service
 * has just vouched for the time (a verified token issued within leeway of
 * now): it lets a terminal whose clock once jumped ahead recover, which
 * pa_cache_clock_advance() alone never would.
 */
int pa_cache_clock_set(struct pa_cache *c, long long now);

/*
 * Public documents of the token service (discovery, JWKS), kept between
 * processes so a login costs one token request. Sealed like records
 * (kind "doc", name = the document's name, [a-z]{1,16}), stored as
 * "<name>.doc" with the time it was fetched and the issuer (owner) it
 * belongs to. pa_cache_doc_get() returns PA_ERR_NOT_FOUND for a missing
 * document or one of another owner, PA_ERR_CACHE_CORRUPT for a bad one.
 */
int pa_cache_doc_get(struct pa_cache *c, const char *name, const char *owner,
    char **body, size_t *len, long long *stored_at);
int pa_cache_doc_put(struct pa_cache *c, const char *name, const char *owner,
    const char *body, size_t len, long long now);

#endif
