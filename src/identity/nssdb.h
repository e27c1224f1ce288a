/* SPDX-License-Identifier: MIT */
/*
 * The NSS index: the public part of every staff account (names, ids,
 * gecos, home, shell, group memberships; never a secret), written by the
 * PAM module and posauthctl and read by libnss_posauth.so.2 in every
 * process that resolves a user.
 *
 * File format (version 1, host byte order; the header records the byte
 * order so a foreign file is rejected, not misread). Every section starts
 * on an 8-byte boundary and they follow each other in this order, so
 * every offset is computed from the counts in the header and the file
 * size must match that computation exactly:
 *
 *   header      struct pa_nssdb_hdr (96 bytes), FNV-1a-64 checked
 *   users       struct pa_nssdb_urec[nusers]
 *   groups      struct pa_nssdb_grec[ngroups]
 *   gids        uint32_t[ngids]: every user's supplementary gids
 *   members     struct pa_nssdb_sref[nmembers]: every group's members
 *   4 tables    uint32_t[uslots] by user name, uint32_t[uslots] by uid,
 *               uint32_t[gslots] by group name, uint32_t[gslots] by gid
 *   strings     str_len bytes, each string NUL-terminated
 *
 * The tables use open addressing with linear probing; a slot holds
 * record index + 1 (0 = empty), slots are a power of two at least twice
 * the number of records (load factor <= 0.5), and the header records the
 * longest probe sequence the writer produced, so a miss costs at most that
 * many probes even in a damaged file. The hash is FNV-1a 64 (offset basis
 * 0xcbf29ce484222325, prime 0x100000001b3) over the name bytes, or over the
 * 4 little-endian bytes of an id; it is not keyed because the file is
 * written by root from names the token service vouched for, and a
 * collision only costs a probe.
 *
 * Every record carries an FNV-1a-64 check over its fields and all the
 * bytes it refers to (strings, gids, member names), so a record damaged on
 * disk is reported as absent rather than handed out with a wrong uid. The
 * reader bounds-checks every offset and length against the mapping and
 * treats a file that fails any check as empty.
 *
 * Writers must serialise among themselves (the caller holds a lock around
 * its read-modify-write of the user set); readers need no lock because a
 * new index replaces the old one by rename().
 */
#ifndef POSAUTH_NSSDB_H
#define POSAUTH_NSSDB_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct passwd;
struct group;

#define PA_NSSDB_MAGIC		"PANSSDB1"
#define PA_NSSDB_VERSION	1u
#define PA_NSSDB_BYTE_ORDER	0x01020304u
#define PA_NSSDB_MAX_STR	1024u		/* one name, gecos, home, shell */
#define PA_NSSDB_MAX_USERS	(1u << 22)
#define PA_NSSDB_MAX_GROUPS	(1u << 22)
#define PA_NSSDB_MAX_GIDS	(1u << 24)	/* all users' gids together */
#define PA_NSSDB_MAX_MEMBERS	(1u << 24)	/* all groups' members together */
#define PA_NSSDB_MAX_USER_GIDS	65536u		/* NGROUPS_MAX on Linux */
#define PA_NSSDB_MAX_FILE	(1ull << 30)

struct pa_nssdb_hdr {
	char magic[8];
	uint32_t version;
	uint32_t byte_order;
	uint64_t file_size;
	uint32_t nusers;
	uint32_t ngroups;
	uint32_t ngids;
	uint32_t nmembers;
	uint32_t uslots;		/* power of two, >= 2 * nusers */
	uint32_t gslots;		/* power of two, >= 2 * ngroups */
	uint32_t max_probe[4];		/* uname, uid, gname, gid */
	uint32_t str_len;
	uint32_t reserved[5];		/* zero */
	uint64_t check;			/* FNV-1a 64 of the bytes before it */
};

/* A string: offset into the string table and length without the NUL. */
struct pa_nssdb_sref {
	uint32_t off;
	uint32_t len;
};

struct pa_nssdb_urec {
	uint64_t check;			/* over everything below and referred to */
	uint32_t uid;
	uint32_t gid;
	struct pa_nssdb_sref name, gecos, home, shell;
	uint32_t gids_start;		/* index into the gids section */
	uint32_t ngids;
};

struct pa_nssdb_grec {
	uint64_t check;
	uint32_t gid;
	uint32_t reserved;		/* zero */
	struct pa_nssdb_sref name;
	uint32_t members_start;		/* index into the members section */
	uint32_t nmembers;
};

/* ---- writer ---- */

struct pa_nss_user {
	const char *name;
	uint32_t uid;
	uint32_t gid;			/* primary: the user's own group */
	const char *gecos;
	const char *home;
	const char *shell;
	const uint32_t *gids;		/* every supplementary gid, resolved */
	size_t ngids;
};

/* A group we serve: each user's own group and mapped non-local groups. */
struct pa_nss_group {
	const char *name;
	uint32_t gid;
	const char *const *members;
	size_t nmembers;
};

/*
 * Replaces the index at path atomically: a temporary file beside it
 * (O_EXCL), written, fsync'ed, made 0644, renamed over path, directory
 * fsync'ed; the directory is created 0755 when missing (one level). On
 * any failure before the rename the old index is left as it was. Rejects
 * (PA_ERR_ARG) any string with ':' or '\n' or longer than
 * PA_NSSDB_MAX_STR; a user, group or member name that is empty, has ',' or
 * starts with '+' or '-'; a home or shell that is not absolute; uid or any
 * gid 0 (a staff account must never be root) or (uint32_t)-1; a duplicate
 * user name, uid, group name or gid. PA_ERR_TOO_LARGE past the
 * PA_NSSDB_MAX_* counts; PA_ERR_SYSTEM (errno kept) when the file cannot
 * be written. Writes no secrets: there is no field for one.
 */
int pa_nssdb_write(const char *path, const struct pa_nss_user *users,
    size_t nusers, const struct pa_nss_group *groups, size_t ngroups);

/* ---- reader ---- */

struct pa_nssdb;

/*
 * Maps an index read-only. PA_ERR_NOT_FOUND when path does not exist,
 * PA_ERR_CACHE_CORRUPT when it is not a consistent index or not a file
 * that only root (or the caller's own euid) owns and can write,
 * PA_ERR_SYSTEM for other failures. Records holding uid 0 or gid 0
 * (primary, supplementary or a group's) read as damaged: absent.
 */
int pa_nssdb_open(const char *path, struct pa_nssdb **out);
void pa_nssdb_close(struct pa_nssdb *db);
size_t pa_nssdb_nusers(const struct pa_nssdb *db);
size_t pa_nssdb_ngroups(const struct pa_nssdb *db);

/*
 * Lookups copy the record into pw/gr and buf, like getpwnam_r(3).
 * PA_OK; PA_ERR_NOT_FOUND for a miss or a damaged record;
 * PA_ERR_TOO_LARGE when buf cannot hold the record (the caller's ERANGE).
 * db may be NULL (no index): every lookup misses.
 */
int pa_nssdb_getpwnam(const struct pa_nssdb *db, const char *name,
    struct passwd *pw, char *buf, size_t buflen);
int pa_nssdb_getpwuid(const struct pa_nssdb *db, uid_t uid,
    struct passwd *pw, char *buf, size_t buflen);
int pa_nssdb_getgrnam(const struct pa_nssdb *db, const char *name,
    struct group *gr, char *buf, size_t buflen);
int pa_nssdb_getgrgid(const struct pa_nssdb *db, gid_t gid,
    struct group *gr, char *buf, size_t buflen);

/*
 * Enumeration by record index, 0 <= idx < count. A damaged record gives
 * PA_ERR_CACHE_CORRUPT so the caller can skip it and go on.
 */
int pa_nssdb_pwent(const struct pa_nssdb *db, size_t idx,
    struct passwd *pw, char *buf, size_t buflen);
int pa_nssdb_grent(const struct pa_nssdb *db, size_t idx,
    struct group *gr, char *buf, size_t buflen);

/*
 * The supplementary gids of user, with glibc's initgroups_dyn contract:
 * appended to (*groupsp)[*start...], skipping skip_gid and gids already in
 * the array, growing the array (realloc) up to limit entries when limit
 * > 0. PA_OK (also when limit stopped it), PA_ERR_NOT_FOUND, PA_ERR_ALLOC.
 */
int pa_nssdb_initgroups(const struct pa_nssdb *db, const char *user,
    gid_t skip_gid, long *start, long *size, gid_t **groupsp, long limit);

/*
 * The process-wide index used by the NSS module: acquire returns the
 * current mapping of path (NULL when there is no usable index) with a lock
 * held, remapping first when path now names another file (a stat() per
 * call compares device, inode, size, mtime and ctime); release drops the
 * lock.
 * Use the handle only between the two. The lock is never held across
 * calls, and fork handlers keep a child from inheriting it held; the NSS
 * glue also keeps its enumeration positions under it, so one lock is all
 * there is. A missing or damaged file is remembered by identity, so it is
 * not reopened on every call.
 */
const struct pa_nssdb *pa_nssdb_shared_acquire(const char *path);
void pa_nssdb_shared_release(void);

/* The FNV-1a 64 hash of the format, for tools and tests. */
uint64_t pa_nssdb_hash(const void *data, size_t len);

#endif
