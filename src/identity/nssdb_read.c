/* SPDX-License-Identifier: MIT */
/*
 * The NSS index reader (nssdb.h): maps the file, checks it, answers
 * lookups, and the format's hashing and record checks it shares with the
 * writer. The only part of the index linked into libnss_posauth.so.2:
 * libc alone.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <pwd.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "fileio.h"
#include "nssdb.h"
#include "nssdb_int.h"

/* The layout is part of the file format: no compiler padding allowed. */
_Static_assert(sizeof(struct pa_nssdb_hdr) == 96, "header size");
_Static_assert(sizeof(struct pa_nssdb_sref) == 8, "sref size");
_Static_assert(sizeof(struct pa_nssdb_urec) == 56, "user record size");
_Static_assert(sizeof(struct pa_nssdb_grec) == 32, "group record size");
_Static_assert(offsetof(struct pa_nssdb_hdr, check) == 88, "header check");

struct pa_nssdb {
	void *map;
	size_t size;
	const struct pa_nssdb_urec *users;
	const struct pa_nssdb_grec *groups;
	const uint32_t *gids;
	const struct pa_nssdb_sref *members;
	const uint32_t *tables[4];
	const char *strs;
	size_t str_len;
	uint32_t nusers, ngroups, ngids, nmembers;
	uint32_t masks[4];
	uint32_t max_probe[4];
};

/* ------------------------------------------------------------------ */
/* hashing and layout, shared by writer and reader                     */

uint64_t
nssdb_fnv_update(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= FNV_PRIME;
	}
	return h;
}

uint64_t
pa_nssdb_hash(const void *data, size_t len)
{
	return nssdb_fnv_update(FNV_BASIS, data, len);
}

/* Ids hash as little-endian bytes so the table order is documented. */
uint64_t
nssdb_hash_id(uint32_t id)
{
	unsigned char b[4];

	b[0] = id & 0xff;
	b[1] = (id >> 8) & 0xff;
	b[2] = (id >> 16) & 0xff;
	b[3] = (id >> 24) & 0xff;
	return pa_nssdb_hash(b, sizeof(b));
}

static size_t
align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

uint32_t
nssdb_table_slots(uint32_t n)
{
	uint32_t slots = 2;

	/* n <= 2^22, so this cannot overflow */
	while (slots < 2 * n)
		slots <<= 1;
	return slots;
}

/*
 * Section offsets from the counts. The counts are bounded by the
 * PA_NSSDB_MAX_* limits before this is called, so no sum can overflow a
 * 64-bit size_t; the result is checked against PA_NSSDB_MAX_FILE.
 */
int
nssdb_compute_layout(const struct pa_nssdb_hdr *h, struct nssdb_layout *l)
{
	size_t off = sizeof(*h);
	int i;

	if (h->nusers > PA_NSSDB_MAX_USERS || h->ngroups > PA_NSSDB_MAX_GROUPS ||
	    h->ngids > PA_NSSDB_MAX_GIDS || h->nmembers > PA_NSSDB_MAX_MEMBERS ||
	    h->str_len > PA_NSSDB_MAX_FILE)
		return PA_ERR_TOO_LARGE;
	l->users = off;
	off += (size_t)h->nusers * sizeof(struct pa_nssdb_urec);
	l->groups = off;
	off += (size_t)h->ngroups * sizeof(struct pa_nssdb_grec);
	l->gids = off;
	off = align8(off + (size_t)h->ngids * sizeof(uint32_t));
	l->members = off;
	off += (size_t)h->nmembers * sizeof(struct pa_nssdb_sref);
	for (i = 0; i < 4; i++) {
		l->tables[i] = off;
		off = align8(off + (size_t)(i < T_GNAME ? h->uslots : h->gslots) *
		    sizeof(uint32_t));
	}
	l->strings = off;
	off += h->str_len;
	if (off > PA_NSSDB_MAX_FILE)
		return PA_ERR_TOO_LARGE;
	l->end = off;
	return PA_OK;
}

/*
 * A string reference is usable when it lies inside the string table and
 * is followed by its NUL; the record check covers its bytes. No check
 * against PA_NSSDB_MAX_STR here: the table bound is what keeps reads in
 * the mapping, and a small known bound makes GCC inline the copies as
 * `rep movs`, which cost a third of a lookup.
 */
const char *
nssdb_sref_str(const char *strs, size_t str_len, struct pa_nssdb_sref s)
{
	if (s.off >= str_len ||
	    s.len >= str_len - s.off || strs[s.off + s.len] != '\0')
		return NULL;
	return strs + s.off;
}

int
nssdb_user_check(const struct pa_nssdb_urec *r, const char *strs, size_t str_len,
    const uint32_t *gids, size_t ngids, uint64_t *out)
{
	const struct pa_nssdb_sref *s[4];
	const char *p;
	uint64_t h;
	int i;

	s[0] = &r->name; s[1] = &r->gecos; s[2] = &r->home; s[3] = &r->shell;
	h = nssdb_fnv_update(FNV_BASIS, (const char *)r + sizeof(r->check),
	    sizeof(*r) - sizeof(r->check));
	for (i = 0; i < 4; i++) {
		if ((p = nssdb_sref_str(strs, str_len, *s[i])) == NULL)
			return PA_ERR_CACHE_CORRUPT;
		h = nssdb_fnv_update(h, p, s[i]->len);
	}
	if (r->gids_start > ngids || r->ngids > ngids - r->gids_start ||
	    r->ngids > PA_NSSDB_MAX_USER_GIDS)
		return PA_ERR_CACHE_CORRUPT;
	h = nssdb_fnv_update(h, gids + r->gids_start, r->ngids * sizeof(uint32_t));
	*out = h;
	return PA_OK;
}

int
nssdb_group_check(const struct pa_nssdb_grec *r, const char *strs, size_t str_len,
    const struct pa_nssdb_sref *members, size_t nmembers, uint64_t *out)
{
	const char *p;
	uint64_t h;
	size_t i;

	h = nssdb_fnv_update(FNV_BASIS, (const char *)r + sizeof(r->check),
	    sizeof(*r) - sizeof(r->check));
	if ((p = nssdb_sref_str(strs, str_len, r->name)) == NULL)
		return PA_ERR_CACHE_CORRUPT;
	h = nssdb_fnv_update(h, p, r->name.len);
	if (r->members_start > nmembers ||
	    r->nmembers > nmembers - r->members_start)
		return PA_ERR_CACHE_CORRUPT;
	for (i = 0; i < r->nmembers; i++) {
		struct pa_nssdb_sref m = members[r->members_start + i];

		if ((p = nssdb_sref_str(strs, str_len, m)) == NULL)
			return PA_ERR_CACHE_CORRUPT;
		h = nssdb_fnv_update(h, &m, sizeof(m));
		h = nssdb_fnv_update(h, p, m.len);
	}
	*out = h;
	return PA_OK;
}

/* ------------------------------------------------------------------ */
/* reader                                                              */

static int
header_valid(const struct pa_nssdb_hdr *h, size_t size, struct nssdb_layout *l)
{
	size_t i;

	if (memcmp(h->magic, PA_NSSDB_MAGIC, sizeof(h->magic)) != 0 ||
	    h->version != PA_NSSDB_VERSION ||
	    h->byte_order != PA_NSSDB_BYTE_ORDER ||
	    h->check != pa_nssdb_hash(h, offsetof(struct pa_nssdb_hdr, check)))
		return 0;
	for (i = 0; i < sizeof(h->reserved) / sizeof(h->reserved[0]); i++) {
		if (h->reserved[i] != 0)
			return 0;
	}
	/* slot counts must be powers of two keeping the load <= 0.5 */
	if (h->uslots < 2 || (h->uslots & (h->uslots - 1)) != 0 ||
	    h->gslots < 2 || (h->gslots & (h->gslots - 1)) != 0 ||
	    h->uslots > 2 * PA_NSSDB_MAX_USERS ||
	    h->gslots > 2 * PA_NSSDB_MAX_GROUPS ||
	    (uint64_t)h->nusers * 2 > h->uslots ||
	    (uint64_t)h->ngroups * 2 > h->gslots)
		return 0;
	if (nssdb_compute_layout(h, l) != PA_OK)
		return 0;
	return h->file_size == l->end && l->end == size;
}

static int
map_fd(int fd, size_t size, struct pa_nssdb **out)
{
	struct pa_nssdb *db = NULL;
	struct pa_nssdb_hdr hc, *h = &hc;
	struct nssdb_layout l;
	unsigned char *base;
	int i, r = PA_ERR_CACHE_CORRUPT;

	if (size < sizeof(*h) || size > PA_NSSDB_MAX_FILE)
		return PA_ERR_CACHE_CORRUPT;
	if ((db = calloc(1, sizeof(*db))) == NULL)
		return PA_ERR_ALLOC;
	db->map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	if (db->map == MAP_FAILED) {
		db->map = NULL;
		r = PA_ERR_SYSTEM;
		goto out;
	}
	db->size = size;
	base = db->map;
	/* one copy, so every bound below comes from the bytes validated */
	memcpy(&hc, base, sizeof(hc));
	if (!header_valid(h, size, &l))
		goto out;
	db->users = (const void *)(base + l.users);
	db->groups = (const void *)(base + l.groups);
	db->gids = (const void *)(base + l.gids);
	db->members = (const void *)(base + l.members);
	for (i = 0; i < 4; i++)
		db->tables[i] = (const void *)(base + l.tables[i]);
	db->strs = (const char *)base + l.strings;
	db->str_len = h->str_len;
	db->nusers = h->nusers;
	db->ngroups = h->ngroups;
	db->ngids = h->ngids;
	db->nmembers = h->nmembers;
	db->masks[T_UNAME] = db->masks[T_UID] = h->uslots - 1;
	db->masks[T_GNAME] = db->masks[T_GID] = h->gslots - 1;
	for (i = 0; i < 4; i++)
		db->max_probe[i] = h->max_probe[i];
	*out = db;
	db = NULL;
	r = PA_OK;
 out:
	pa_nssdb_close(db);
	return r;
}

/*
 * Whoever can write the index decides every process's idea of who is
 * who: only root's file, writable by root alone, is believed. A process
 * may also believe a file of its own euid (tests): it can only fool
 * itself that way.
 */
static const struct pa_file_policy index_policy = {
	.follow = 1, .deny_mode = S_IWGRP | S_IWOTH,
};

static int
open_fd(const char *path, struct stat *st, struct pa_nssdb **out)
{
	int fd, r;

	*out = NULL;
	r = pa_open_checked_at(AT_FDCWD, path, O_RDONLY, &index_policy, &fd,
	    st);
	if (r == PA_ERR_UNSAFE_FILE)
		return PA_ERR_CACHE_CORRUPT;
	if (r != PA_OK)
		return r;
	if (st->st_size < 0 || (uint64_t)st->st_size > PA_NSSDB_MAX_FILE)
		r = PA_ERR_CACHE_CORRUPT;
	else
		r = map_fd(fd, (size_t)st->st_size, out);
	close(fd);	/* the mapping keeps the inode */
	return r;
}

int
pa_nssdb_open(const char *path, struct pa_nssdb **out)
{
	struct stat st;

	if (path == NULL || out == NULL)
		return PA_ERR_ARG;
	return open_fd(path, &st, out);
}

void
pa_nssdb_close(struct pa_nssdb *db)
{
	if (db == NULL)
		return;
	if (db->map != NULL)
		munmap(db->map, db->size);
	free(db);
}

size_t
pa_nssdb_nusers(const struct pa_nssdb *db)
{
	return db == NULL ? 0 : db->nusers;
}

size_t
pa_nssdb_ngroups(const struct pa_nssdb *db)
{
	return db == NULL ? 0 : db->ngroups;
}

/*
 * Copies user record idx out of the mapping and verifies it: a record is
 * read once into *out so later checks see the bytes that were verified.
 */
static int
load_user(const struct pa_nssdb *db, uint32_t idx, struct pa_nssdb_urec *out)
{
	uint64_t check;
	uint32_t i;

	if (idx >= db->nusers)
		return PA_ERR_CACHE_CORRUPT;
	memcpy(out, &db->users[idx], sizeof(*out));
	if (nssdb_user_check(out, db->strs, db->str_len, db->gids, db->ngids,
	    &check) != PA_OK || check != out->check)
		return PA_ERR_CACHE_CORRUPT;
	/*
	 * The writer never produces root's ids, but this file is trusted by
	 * every process on the machine: a staff entry is never root and
	 * never in root's group, whatever the file says.
	 */
	if (out->uid == 0 || out->gid == 0)
		return PA_ERR_CACHE_CORRUPT;
	for (i = 0; i < out->ngids; i++)
		if (db->gids[out->gids_start + i] == 0)
			return PA_ERR_CACHE_CORRUPT;
	return PA_OK;
}

static int
load_group(const struct pa_nssdb *db, uint32_t idx, struct pa_nssdb_grec *out)
{
	uint64_t check;

	if (idx >= db->ngroups)
		return PA_ERR_CACHE_CORRUPT;
	memcpy(out, &db->groups[idx], sizeof(*out));
	if (nssdb_group_check(out, db->strs, db->str_len, db->members, db->nmembers,
	    &check) != PA_OK || check != out->check || out->gid == 0)
		return PA_ERR_CACHE_CORRUPT;
	return PA_OK;
}

static int
sref_equals(const struct pa_nssdb *db, struct pa_nssdb_sref s,
    const char *name, size_t len)
{
	const char *p;

	if (s.len != len || (p = nssdb_sref_str(db->strs, db->str_len, s)) == NULL)
		return 0;
	return memcmp(p, name, len) == 0;
}

/*
 * Walks one hash table. The probe count is bounded by the writer's
 * longest probe (checked header) and by the table size, so a damaged
 * table costs at most a miss. match() says whether record idx has the key.
 */
typedef int (*match_fn)(const struct pa_nssdb *, uint32_t, const void *,
    size_t, void *);

static int
table_find(const struct pa_nssdb *db, int table, uint64_t h,
    match_fn match, const void *key, size_t keylen, void *rec)
{
	const uint32_t *t = db->tables[table];
	uint32_t mask = db->masks[table], i, v;

	for (i = 0; i <= db->max_probe[table] && i <= mask; i++) {
		v = t[(h + i) & mask];
		if (v == 0)
			break;
		if (match(db, v - 1, key, keylen, rec))
			return PA_OK;
	}
	return PA_ERR_NOT_FOUND;
}

static int
match_uname(const struct pa_nssdb *db, uint32_t idx, const void *key,
    size_t keylen, void *rec)
{
	struct pa_nssdb_urec *r = rec;

	if (idx >= db->nusers ||
	    !sref_equals(db, db->users[idx].name, key, keylen))
		return 0;
	return load_user(db, idx, r) == PA_OK &&
	    sref_equals(db, r->name, key, keylen);
}

static int
match_uid(const struct pa_nssdb *db, uint32_t idx, const void *key,
    size_t keylen, void *rec)
{
	struct pa_nssdb_urec *r = rec;
	uint32_t id;

	(void)keylen;
	memcpy(&id, key, sizeof(id));
	if (idx >= db->nusers || db->users[idx].uid != id)
		return 0;
	return load_user(db, idx, r) == PA_OK && r->uid == id;
}

static int
match_gname(const struct pa_nssdb *db, uint32_t idx, const void *key,
    size_t keylen, void *rec)
{
	struct pa_nssdb_grec *r = rec;

	if (idx >= db->ngroups ||
	    !sref_equals(db, db->groups[idx].name, key, keylen))
		return 0;
	return load_group(db, idx, r) == PA_OK &&
	    sref_equals(db, r->name, key, keylen);
}

static int
match_gid(const struct pa_nssdb *db, uint32_t idx, const void *key,
    size_t keylen, void *rec)
{
	struct pa_nssdb_grec *r = rec;
	uint32_t id;

	(void)keylen;
	memcpy(&id, key, sizeof(id));
	if (idx >= db->ngroups || db->groups[idx].gid != id)
		return 0;
	return load_group(db, idx, r) == PA_OK && r->gid == id;
}

static int
find_user_name(const struct pa_nssdb *db, const char *name,
    struct pa_nssdb_urec *rec)
{
	size_t len;

	if (db == NULL || name == NULL)
		return PA_ERR_NOT_FOUND;
	len = strnlen(name, PA_NSSDB_MAX_STR + 1);
	if (len == 0 || len > PA_NSSDB_MAX_STR)
		return PA_ERR_NOT_FOUND;
	return table_find(db, T_UNAME, pa_nssdb_hash(name, len), match_uname,
	    name, len, rec);
}

/* Bump allocation in the caller's buffer; fails instead of overrunning. */
struct bufpos {
	char *buf;
	size_t len, used;
};

static char *
buf_take(struct bufpos *b, size_t n)
{
	char *p;

	if (n > b->len - b->used)
		return NULL;
	p = b->buf + b->used;
	b->used += n;
	return p;
}

static char *
buf_str(struct bufpos *b, const struct pa_nssdb *db, struct pa_nssdb_sref s)
{
	const char *src = nssdb_sref_str(db->strs, db->str_len, s);
	char *p;

	if (src == NULL || (p = buf_take(b, (size_t)s.len + 1)) == NULL)
		return NULL;
	memcpy(p, src, s.len);
	p[s.len] = '\0';
	return p;
}

static int
fill_passwd(const struct pa_nssdb *db, const struct pa_nssdb_urec *r,
    struct passwd *pw, char *buf, size_t buflen)
{
	struct bufpos b = { buf, buflen, 0 };
	char *x;

	if (pw == NULL || buf == NULL)
		return PA_ERR_ARG;
	if ((pw->pw_name = buf_str(&b, db, r->name)) == NULL ||
	    (x = buf_take(&b, 2)) == NULL ||
	    (pw->pw_gecos = buf_str(&b, db, r->gecos)) == NULL ||
	    (pw->pw_dir = buf_str(&b, db, r->home)) == NULL ||
	    (pw->pw_shell = buf_str(&b, db, r->shell)) == NULL)
		return PA_ERR_TOO_LARGE;
	/* no password here: authentication is the PAM module's business */
	memcpy(x, "x", 2);
	pw->pw_passwd = x;
	pw->pw_uid = r->uid;
	pw->pw_gid = r->gid;
	return PA_OK;
}

static int
fill_group(const struct pa_nssdb *db, const struct pa_nssdb_grec *r,
    struct group *gr, char *buf, size_t buflen)
{
	struct bufpos b = { buf, buflen, 0 };
	size_t pad, i;
	char **mem, *x;

	if (gr == NULL || buf == NULL)
		return PA_ERR_ARG;
	/* the member pointer array must be aligned inside the buffer */
	pad = (alignof(char *) - ((uintptr_t)buf % alignof(char *))) %
	    alignof(char *);
	if (buf_take(&b, pad) == NULL ||
	    (size_t)r->nmembers + 1 > (buflen - b.used) / sizeof(char *))
		return PA_ERR_TOO_LARGE;
	mem = (char **)(void *)buf_take(&b,
	    ((size_t)r->nmembers + 1) * sizeof(char *));
	if (mem == NULL ||
	    (gr->gr_name = buf_str(&b, db, r->name)) == NULL ||
	    (x = buf_take(&b, 2)) == NULL)
		return PA_ERR_TOO_LARGE;
	memcpy(x, "x", 2);
	gr->gr_passwd = x;
	for (i = 0; i < r->nmembers; i++) {
		/* bounds checked by load_group */
		if ((mem[i] = buf_str(&b, db,
		    db->members[r->members_start + i])) == NULL)
			return PA_ERR_TOO_LARGE;
	}
	mem[r->nmembers] = NULL;
	gr->gr_mem = mem;
	gr->gr_gid = r->gid;
	return PA_OK;
}

int
pa_nssdb_getpwnam(const struct pa_nssdb *db, const char *name,
    struct passwd *pw, char *buf, size_t buflen)
{
	struct pa_nssdb_urec rec;
	int r;

	if ((r = find_user_name(db, name, &rec)) != PA_OK)
		return r;
	return fill_passwd(db, &rec, pw, buf, buflen);
}

int
pa_nssdb_getpwuid(const struct pa_nssdb *db, uid_t uid,
    struct passwd *pw, char *buf, size_t buflen)
{
	struct pa_nssdb_urec rec;
	uint32_t id = (uint32_t)uid;
	int r;

	if (db == NULL || (uid_t)id != uid)
		return PA_ERR_NOT_FOUND;
	if ((r = table_find(db, T_UID, nssdb_hash_id(id), match_uid, &id,
	    sizeof(id), &rec)) != PA_OK)
		return r;
	return fill_passwd(db, &rec, pw, buf, buflen);
}

int
pa_nssdb_getgrnam(const struct pa_nssdb *db, const char *name,
    struct group *gr, char *buf, size_t buflen)
{
	struct pa_nssdb_grec rec;
	size_t len;
	int r;

	if (db == NULL || name == NULL)
		return PA_ERR_NOT_FOUND;
	len = strnlen(name, PA_NSSDB_MAX_STR + 1);
	if (len == 0 || len > PA_NSSDB_MAX_STR)
		return PA_ERR_NOT_FOUND;
	if ((r = table_find(db, T_GNAME, pa_nssdb_hash(name, len), match_gname,
	    name, len, &rec)) != PA_OK)
		return r;
	return fill_group(db, &rec, gr, buf, buflen);
}

int
pa_nssdb_getgrgid(const struct pa_nssdb *db, gid_t gid,
    struct group *gr, char *buf, size_t buflen)
{
	struct pa_nssdb_grec rec;
	uint32_t id = (uint32_t)gid;
	int r;

	if (db == NULL || (gid_t)id != gid)
		return PA_ERR_NOT_FOUND;
	if ((r = table_find(db, T_GID, nssdb_hash_id(id), match_gid, &id,
	    sizeof(id), &rec)) != PA_OK)
		return r;
	return fill_group(db, &rec, gr, buf, buflen);
}

int
pa_nssdb_pwent(const struct pa_nssdb *db, size_t idx,
    struct passwd *pw, char *buf, size_t buflen)
{
	struct pa_nssdb_urec rec;
	int r;

	if (db == NULL || idx >= db->nusers)
		return PA_ERR_NOT_FOUND;
	if ((r = load_user(db, (uint32_t)idx, &rec)) != PA_OK)
		return r;
	return fill_passwd(db, &rec, pw, buf, buflen);
}

int
pa_nssdb_grent(const struct pa_nssdb *db, size_t idx,
    struct group *gr, char *buf, size_t buflen)
{
	struct pa_nssdb_grec rec;
	int r;

	if (db == NULL || idx >= db->ngroups)
		return PA_ERR_NOT_FOUND;
	if ((r = load_group(db, (uint32_t)idx, &rec)) != PA_OK)
		return r;
	return fill_group(db, &rec, gr, buf, buflen);
}

static int
gid_present(const gid_t *groups, long n, gid_t gid)
{
	long i;

	for (i = 0; i < n; i++) {
		if (groups[i] == gid)
			return 1;
	}
	return 0;
}

/* glibc's growth rule: double, but never past a positive limit. */
static int
grow_groups(long *size, gid_t **groupsp, long limit)
{
	long nsize;
	gid_t *ng;

	if (*size < 1)
		nsize = 16;
	else if (*size > LONG_MAX / 2)
		return PA_ERR_TOO_LARGE;
	else
		nsize = *size * 2;
	if (limit > 0 && nsize > limit)
		nsize = limit;
	if ((unsigned long)nsize > SIZE_MAX / sizeof(gid_t))
		return PA_ERR_TOO_LARGE;
	if ((ng = realloc(*groupsp, (size_t)nsize * sizeof(gid_t))) == NULL)
		return PA_ERR_ALLOC;
	*groupsp = ng;
	*size = nsize;
	return PA_OK;
}

int
pa_nssdb_initgroups(const struct pa_nssdb *db, const char *user,
    gid_t skip_gid, long *start, long *size, gid_t **groupsp, long limit)
{
	struct pa_nssdb_urec rec;
	uint32_t i;
	gid_t gid;
	int r;

	if (start == NULL || size == NULL || groupsp == NULL || *start < 0 ||
	    *start > *size)
		return PA_ERR_ARG;
	if ((r = find_user_name(db, user, &rec)) != PA_OK)
		return r;
	for (i = 0; i < rec.ngids; i++) {
		/* bounds checked by load_user */
		gid = db->gids[rec.gids_start + i];
		if (gid == skip_gid || gid_present(*groupsp, *start, gid))
			continue;
		if (*start == *size) {
			if (limit > 0 && *size >= limit)
				break;		/* full: glibc keeps what fits */
			if ((r = grow_groups(size, groupsp, limit)) != PA_OK)
				return r;
		}
		(*groupsp)[(*start)++] = gid;
	}
	return PA_OK;
}

/* ------------------------------------------------------------------ */
/* process-wide mapping for the NSS module                             */

/*
 * One mapping per process, replaced when the path names another file.
 * The mutex is held only for the duration of one lookup and copy, so a
 * mapping is never unmapped while a result is being copied out of it.
 */
static struct {
	struct pa_nssdb *db;
	char *path;
	int have_id;		/* dev/ino/size/mtime below are valid */
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtim;
	struct timespec ctim;	/* chmod/chown change it, not mtime */
} shared;
static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t shared_once = PTHREAD_ONCE_INIT;

static void
shared_prefork(void)
{
	pthread_mutex_lock(&shared_lock);
}

static void
shared_postfork(void)
{
	pthread_mutex_unlock(&shared_lock);
}

static void
shared_init(void)
{
	/* a fork while another thread looks up must not leave it locked */
	pthread_atfork(shared_prefork, shared_postfork, shared_postfork);
}

static void
shared_drop(void)
{
	pa_nssdb_close(shared.db);
	shared.db = NULL;
	free(shared.path);
	shared.path = NULL;
	shared.have_id = 0;
}

static int
shared_same(const char *path, const struct stat *st)
{
	return shared.have_id && shared.path != NULL &&
	    strcmp(shared.path, path) == 0 &&
	    shared.dev == st->st_dev && shared.ino == st->st_ino &&
	    shared.size == st->st_size &&
	    shared.mtim.tv_sec == st->st_mtim.tv_sec &&
	    shared.mtim.tv_nsec == st->st_mtim.tv_nsec &&
	    shared.ctim.tv_sec == st->st_ctim.tv_sec &&
	    shared.ctim.tv_nsec == st->st_ctim.tv_nsec;
}

/* Remembers the file even when unusable, so it is not re-read per call. */
static void
shared_load(const char *path)
{
	struct stat st;
	int r;

	shared_drop();
	if ((shared.path = strdup(path)) == NULL)
		return;
	r = open_fd(path, &st, &shared.db);
	if (r == PA_OK || r == PA_ERR_CACHE_CORRUPT) {
		shared.have_id = 1;
		shared.dev = st.st_dev;
		shared.ino = st.st_ino;
		shared.size = st.st_size;
		shared.mtim = st.st_mtim;
		shared.ctim = st.st_ctim;
	}
}

const struct pa_nssdb *
pa_nssdb_shared_acquire(const char *path)
{
	struct stat st;

	pthread_once(&shared_once, shared_init);
	pthread_mutex_lock(&shared_lock);
	if (path == NULL || stat(path, &st) != 0) {
		shared_drop();
		return NULL;
	}
	if (!shared_same(path, &st))
		shared_load(path);
	return shared.db;
}

void
pa_nssdb_shared_release(void)
{
	pthread_mutex_unlock(&shared_lock);
}
