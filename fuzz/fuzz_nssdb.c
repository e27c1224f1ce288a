/* SPDX-License-Identifier: MIT */
/*
 * The NSS index reader (nssdb.h), which runs inside every process that
 * resolves a user. The first input byte holds flags, the rest is the
 * index file:
 *
 *   flags & 1   write the file as it is (random bytes fail the header
 *               check and nothing else runs);
 *   otherwise   first repair what a writer would have computed (the
 *               file_size field, each record's FNV check where its
 *               references are in range, then the header check), so the
 *               fuzzer reaches the tables, records and copies behind them.
 *
 * Then every record is enumerated and looked up by name and by id, with
 * a roomy buffer and with one that is too small, and initgroups runs.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "fuzz.h"
#include "nssdb.h"
#include "nssdb_int.h"

#define FLAG_RAW	0x01
#define FUZZ_MAX_RECS	64	/* records enumerated per input */

static char db_path[512];

/* Section offsets as nssdb.h describes them; 0 when the counts are off. */
struct sections {
	size_t users, groups, gids, members, strings, end;
};

static size_t
align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

static int
sections(const struct pa_nssdb_hdr *h, struct sections *s)
{
	size_t off = sizeof(*h);

	if (h->nusers > PA_NSSDB_MAX_USERS || h->ngroups > PA_NSSDB_MAX_GROUPS ||
	    h->ngids > PA_NSSDB_MAX_GIDS || h->nmembers > PA_NSSDB_MAX_MEMBERS ||
	    h->uslots > 2 * PA_NSSDB_MAX_USERS ||
	    h->gslots > 2 * PA_NSSDB_MAX_GROUPS ||
	    h->str_len > PA_NSSDB_MAX_FILE)
		return 0;
	s->users = off;
	off += (size_t)h->nusers * sizeof(struct pa_nssdb_urec);
	s->groups = off;
	off += (size_t)h->ngroups * sizeof(struct pa_nssdb_grec);
	s->gids = off;
	off = align8(off + (size_t)h->ngids * 4);
	s->members = off;
	off += (size_t)h->nmembers * sizeof(struct pa_nssdb_sref);
	off = align8(off + (size_t)h->uslots * 4);
	off = align8(off + (size_t)h->uslots * 4);
	off = align8(off + (size_t)h->gslots * 4);
	off = align8(off + (size_t)h->gslots * 4);
	s->strings = off;
	s->end = off + h->str_len;
	return 1;
}

static const char *
sref(const char *strs, size_t str_len, struct pa_nssdb_sref r)
{
	if (r.off >= str_len || r.len >= str_len - r.off ||
	    strs[r.off + r.len] != '\0')
		return NULL;
	return strs + r.off;
}

static void
fix_user(struct pa_nssdb_urec *u, const unsigned char *base,
    const struct pa_nssdb_hdr *h, const struct sections *s)
{
	const char *strs = (const char *)base + s->strings, *p;
	struct pa_nssdb_sref refs[4];
	uint64_t x;
	int i;

	refs[0] = u->name; refs[1] = u->gecos; refs[2] = u->home;
	refs[3] = u->shell;
	x = nssdb_fnv_update(FNV_BASIS, (const char *)u + sizeof(u->check),
	    sizeof(*u) - sizeof(u->check));
	for (i = 0; i < 4; i++) {
		if ((p = sref(strs, h->str_len, refs[i])) == NULL)
			return;
		x = nssdb_fnv_update(x, p, refs[i].len);
	}
	if (u->gids_start > h->ngids || u->ngids > h->ngids - u->gids_start)
		return;
	x = nssdb_fnv_update(x, base + s->gids + (size_t)u->gids_start * 4,
	    (size_t)u->ngids * 4);
	u->check = x;
}

static void
fix_group(struct pa_nssdb_grec *g, const unsigned char *base,
    const struct pa_nssdb_hdr *h, const struct sections *s)
{
	const char *strs = (const char *)base + s->strings, *p;
	struct pa_nssdb_sref m;
	uint64_t x;
	uint32_t i;

	x = nssdb_fnv_update(FNV_BASIS, (const char *)g + sizeof(g->check),
	    sizeof(*g) - sizeof(g->check));
	if ((p = sref(strs, h->str_len, g->name)) == NULL)
		return;
	x = nssdb_fnv_update(x, p, g->name.len);
	if (g->members_start > h->nmembers ||
	    g->nmembers > h->nmembers - g->members_start)
		return;
	for (i = 0; i < g->nmembers; i++) {
		memcpy(&m, base + s->members +
		    ((size_t)g->members_start + i) * sizeof(m), sizeof(m));
		if ((p = sref(strs, h->str_len, m)) == NULL)
			return;
		x = nssdb_fnv_update(x, &m, sizeof(m));
		x = nssdb_fnv_update(x, p, m.len);
	}
	g->check = x;
}

/* What a writer computes, recomputed over the (mutated) bytes. */
static void
repair(unsigned char *buf, size_t len)
{
	struct pa_nssdb_hdr h;
	struct pa_nssdb_urec u;
	struct pa_nssdb_grec g;
	struct sections s;
	uint32_t i;

	if (len < sizeof(h))
		return;
	memcpy(&h, buf, sizeof(h));
	h.file_size = len;
	if (sections(&h, &s) && s.end == len) {
		for (i = 0; i < h.nusers; i++) {
			memcpy(&u, buf + s.users + (size_t)i * sizeof(u),
			    sizeof(u));
			fix_user(&u, buf, &h, &s);
			memcpy(buf + s.users + (size_t)i * sizeof(u), &u,
			    sizeof(u));
		}
		for (i = 0; i < h.ngroups; i++) {
			memcpy(&g, buf + s.groups + (size_t)i * sizeof(g),
			    sizeof(g));
			fix_group(&g, buf, &h, &s);
			memcpy(buf + s.groups + (size_t)i * sizeof(g), &g,
			    sizeof(g));
		}
	}
	h.check = pa_nssdb_hash(&h, offsetof(struct pa_nssdb_hdr, check));
	memcpy(buf, &h, sizeof(h));
}

static void
write_db(const unsigned char *buf, size_t len)
{
	size_t off = 0;
	ssize_t n;
	int fd;

	if (db_path[0] == '\0')
		snprintf(db_path, sizeof(db_path), "%s/nss.db", fuzz_tmpdir());
	fd = open(db_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	FUZZ_CHECK(fd >= 0);
	while (off < len) {
		n = write(fd, buf + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		FUZZ_CHECK(n > 0);
		off += (size_t)n;
	}
	FUZZ_CHECK(close(fd) == 0);
}

static void
lookups_user(const struct pa_nssdb *db, const char *name, uid_t uid)
{
	struct passwd pw;
	char buf[4096], tiny[8];
	gid_t *groups = NULL;
	long start = 0, size = 0;

	if (pa_nssdb_getpwnam(db, name, &pw, buf, sizeof(buf)) == PA_OK)
		FUZZ_CHECK(strcmp(pw.pw_name, name) == 0);
	if (pa_nssdb_getpwuid(db, uid, &pw, buf, sizeof(buf)) == PA_OK)
		FUZZ_CHECK(pw.pw_uid == uid);
	FUZZ_CHECK(pa_nssdb_getpwnam(db, name, &pw, tiny, sizeof(tiny)) !=
	    PA_OK || strlen(name) < sizeof(tiny));
	if (pa_nssdb_initgroups(db, name, 0, &start, &size, &groups, 0) ==
	    PA_OK)
		FUZZ_CHECK(start <= size);
	free(groups);
	start = size = 0;
	groups = NULL;
	(void)pa_nssdb_initgroups(db, name, 0, &start, &size, &groups, 2);
	FUZZ_CHECK(start <= 2);
	free(groups);
}

static void
lookups_group(const struct pa_nssdb *db, const char *name, gid_t gid)
{
	struct group gr;
	char buf[8192], tiny[24];

	if (pa_nssdb_getgrnam(db, name, &gr, buf, sizeof(buf)) == PA_OK)
		FUZZ_CHECK(strcmp(gr.gr_name, name) == 0);
	if (pa_nssdb_getgrgid(db, gid, &gr, buf, sizeof(buf)) == PA_OK)
		FUZZ_CHECK(gr.gr_gid == gid);
	(void)pa_nssdb_getgrgid(db, gid, &gr, tiny, sizeof(tiny));
}

static void
walk(const struct pa_nssdb *db)
{
	struct passwd pw;
	struct group gr;
	char buf[8192];
	size_t i, n;
	char **m;

	n = pa_nssdb_nusers(db);
	for (i = 0; i < n && i < FUZZ_MAX_RECS; i++) {
		if (pa_nssdb_pwent(db, i, &pw, buf, sizeof(buf)) != PA_OK)
			continue;
		FUZZ_CHECK(strcmp(pw.pw_passwd, "x") == 0);
		/* The lookups copy into buffers of their own. */
		lookups_user(db, pw.pw_name, pw.pw_uid);
	}
	n = pa_nssdb_ngroups(db);
	for (i = 0; i < n && i < FUZZ_MAX_RECS; i++) {
		if (pa_nssdb_grent(db, i, &gr, buf, sizeof(buf)) != PA_OK)
			continue;
		for (m = gr.gr_mem; *m != NULL; m++)
			FUZZ_CHECK(*m >= buf && *m < buf + sizeof(buf));
		lookups_group(db, gr.gr_name, gr.gr_gid);
	}
	lookups_user(db, "alice", 200001);
	lookups_group(db, "pos-cashiers", 210000);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pa_nssdb *db = NULL;
	unsigned char *buf;
	size_t len;
	int r;

	if (size < 1)
		return 0;
	len = size - 1;
	if ((buf = malloc(len > 0 ? len : 1)) == NULL)
		return 0;
	if (len > 0)
		memcpy(buf, data + 1, len);
	if ((data[0] & FLAG_RAW) == 0)
		repair(buf, len);
	write_db(buf, len);
	free(buf);
	r = pa_nssdb_open(db_path, &db);
	if (r != PA_OK) {
		FUZZ_CHECK(db == NULL && r == PA_ERR_CACHE_CORRUPT);
		return 0;
	}
	walk(db);
	pa_nssdb_close(db);
	return 0;
}
