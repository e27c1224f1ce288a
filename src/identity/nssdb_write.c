/* SPDX-License-Identifier: MIT */
/*
 * The NSS index writer (nssdb.h): builds the file from the staff and
 * group lists and publishes it atomically. Linked into the core library,
 * never into the NSS module.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "fileio.h"
#include "nssdb.h"
#include "nssdb_int.h"

/* ------------------------------------------------------------------ */
/* writer                                                              */


struct build {
	struct pa_nssdb_hdr hdr;
	struct nssdb_layout l;
	unsigned char *fixed;		/* header .. tables, zeroed */
	struct pa_nssdb_urec *users;
	struct pa_nssdb_grec *groups;
	uint32_t *gids;
	struct pa_nssdb_sref *members;
	uint32_t *tables[4];
	struct pa_buf st;		/* the string table */
	const struct pa_nss_user *in_users;
	const struct pa_nss_group *in_groups;
	uint32_t shell_last;		/* users mostly share one shell */
	int have_shell_last;
};

/*
 * Fields end up in passwd(5)/group(5) lines: ':' and '\n' would let one
 * field forge others, ',' would split a member list, a leading '+'/'-'
 * means NIS compat to some parsers.
 */
static int
valid_str(const char *s, int kind, size_t *lenp)
{
	size_t len;

	if (s == NULL)
		return 0;
	len = strnlen(s, PA_NSSDB_MAX_STR + 1);
	if (len > PA_NSSDB_MAX_STR || strpbrk(s, ":\n") != NULL)
		return 0;
	switch (kind) {
	case 'n':	/* name */
		if (len == 0 || s[0] == '+' || s[0] == '-' ||
		    strchr(s, ',') != NULL)
			return 0;
		break;
	case 'p':	/* absolute path */
		if (s[0] != '/')
			return 0;
		break;
	}
	*lenp = len;
	return 1;
}

/* Appends s and its NUL to the string table; *out says where it is. */
static int
strtab_add(struct pa_buf *st, const char *s, size_t len,
    struct pa_nssdb_sref *out)
{
	size_t off = st->len;
	int r;

	if (len > PA_NSSDB_MAX_STR)
		return PA_ERR_TOO_LARGE;
	if ((r = pa_buf_put(st, s, len)) != PA_OK ||
	    (r = pa_buf_putc(st, '\0')) != PA_OK)
		return r;
	out->off = (uint32_t)off;
	out->len = (uint32_t)len;
	return PA_OK;
}

static int
key_equal(const struct build *b, int table, uint32_t a, uint32_t c)
{
	switch (table) {
	case T_UNAME:
		return strcmp(b->in_users[a].name, b->in_users[c].name) == 0;
	case T_UID:
		return b->in_users[a].uid == b->in_users[c].uid;
	case T_GNAME:
		return strcmp(b->in_groups[a].name, b->in_groups[c].name) == 0;
	default:
		return b->in_groups[a].gid == b->in_groups[c].gid;
	}
}

/* Inserts record idx; a second record with the same key is an error. */
static int
table_insert(struct build *b, int table, uint64_t h, uint32_t idx)
{
	uint32_t *t = b->tables[table];
	uint32_t mask = (table < T_GNAME ? b->hdr.uslots : b->hdr.gslots) - 1;
	uint32_t i, slot;

	for (i = 0; i <= mask; i++) {
		slot = (uint32_t)((h + i) & mask);
		if (t[slot] == 0) {
			t[slot] = idx + 1;
			if (i > b->hdr.max_probe[table])
				b->hdr.max_probe[table] = i;
			return PA_OK;
		}
		if (key_equal(b, table, t[slot] - 1, idx))
			return PA_ERR_ARG;
	}
	return PA_ERR_INTERNAL;		/* load <= 0.5: cannot happen */
}

/* The slot of a user name already inserted, for reusing its string. */
static int
find_user_string(const struct build *b, const char *name,
    struct pa_nssdb_sref *out)
{
	uint32_t mask = b->hdr.uslots - 1;
	uint64_t h = pa_nssdb_hash(name, strlen(name));
	uint32_t i, v;

	for (i = 0; i <= b->hdr.max_probe[T_UNAME]; i++) {
		v = b->tables[T_UNAME][(h + i) & mask];
		if (v == 0)
			return 0;
		if (strcmp(b->in_users[v - 1].name, name) == 0) {
			*out = b->users[v - 1].name;
			return 1;
		}
	}
	return 0;
}

static int
count_inputs(const struct pa_nss_user *users, size_t nusers,
    const struct pa_nss_group *groups, size_t ngroups,
    struct pa_nssdb_hdr *h)
{
	size_t i, ngids = 0, nmembers = 0;

	if (nusers > PA_NSSDB_MAX_USERS || ngroups > PA_NSSDB_MAX_GROUPS)
		return PA_ERR_TOO_LARGE;
	for (i = 0; i < nusers; i++) {
		if (users[i].ngids > PA_NSSDB_MAX_USER_GIDS ||
		    users[i].ngids > PA_NSSDB_MAX_GIDS - ngids)
			return PA_ERR_TOO_LARGE;
		if (users[i].ngids > 0 && users[i].gids == NULL)
			return PA_ERR_ARG;
		ngids += users[i].ngids;
	}
	for (i = 0; i < ngroups; i++) {
		if (groups[i].nmembers > PA_NSSDB_MAX_MEMBERS - nmembers)
			return PA_ERR_TOO_LARGE;
		if (groups[i].nmembers > 0 && groups[i].members == NULL)
			return PA_ERR_ARG;
		nmembers += groups[i].nmembers;
	}
	memcpy(h->magic, PA_NSSDB_MAGIC, sizeof(h->magic));
	h->version = PA_NSSDB_VERSION;
	h->byte_order = PA_NSSDB_BYTE_ORDER;
	h->nusers = (uint32_t)nusers;
	h->ngroups = (uint32_t)ngroups;
	h->ngids = (uint32_t)ngids;
	h->nmembers = (uint32_t)nmembers;
	h->uslots = nssdb_table_slots(h->nusers);
	h->gslots = nssdb_table_slots(h->ngroups);
	return PA_OK;
}

static int
build_alloc(struct build *b)
{
	int r, i;

	/* strings are not known yet; lay out the fixed part without them */
	if ((r = nssdb_compute_layout(&b->hdr, &b->l)) != PA_OK)
		return r;
	if ((b->fixed = calloc(1, b->l.strings)) == NULL)
		return PA_ERR_ALLOC;
	b->users = (struct pa_nssdb_urec *)(void *)(b->fixed + b->l.users);
	b->groups = (struct pa_nssdb_grec *)(void *)(b->fixed + b->l.groups);
	b->gids = (uint32_t *)(void *)(b->fixed + b->l.gids);
	b->members = (struct pa_nssdb_sref *)(void *)(b->fixed + b->l.members);
	for (i = 0; i < 4; i++)
		b->tables[i] = (uint32_t *)(void *)(b->fixed + b->l.tables[i]);
	return PA_OK;
}

static int
add_shell(struct build *b, const char *shell, size_t len,
    struct pa_nssdb_sref *out)
{
	const char *last;
	int r;

	if (b->have_shell_last) {
		last = (const char *)b->st.d + b->shell_last;
		if (strlen(last) == len && memcmp(last, shell, len) == 0) {
			out->off = b->shell_last;
			out->len = (uint32_t)len;
			return PA_OK;
		}
	}
	if ((r = strtab_add(&b->st, shell, len, out)) != PA_OK)
		return r;
	b->shell_last = out->off;
	b->have_shell_last = 1;
	return PA_OK;
}

static int
build_user(struct build *b, uint32_t idx, uint32_t *gids_next)
{
	const struct pa_nss_user *u = &b->in_users[idx];
	struct pa_nssdb_urec *rec = &b->users[idx];
	size_t nl, gl, hl, sl, i;
	int r;

	if (!valid_str(u->name, 'n', &nl) || !valid_str(u->gecos, 'g', &gl) ||
	    !valid_str(u->home, 'p', &hl) || !valid_str(u->shell, 'p', &sl))
		return PA_ERR_ARG;
	/* uid/gid 0 would make a staff account root; -1 means "no id" */
	if (u->uid == 0 || u->uid == UINT32_MAX || u->gid == 0 ||
	    u->gid == UINT32_MAX)
		return PA_ERR_ARG;
	rec->uid = u->uid;
	rec->gid = u->gid;
	if ((r = strtab_add(&b->st, u->name, nl, &rec->name)) != PA_OK ||
	    (r = strtab_add(&b->st, u->gecos, gl, &rec->gecos)) != PA_OK ||
	    (r = strtab_add(&b->st, u->home, hl, &rec->home)) != PA_OK ||
	    (r = add_shell(b, u->shell, sl, &rec->shell)) != PA_OK)
		return r;
	rec->gids_start = *gids_next;
	rec->ngids = (uint32_t)u->ngids;
	for (i = 0; i < u->ngids; i++) {
		if (u->gids[i] == 0 || u->gids[i] == UINT32_MAX)
			return PA_ERR_ARG;
		b->gids[(*gids_next)++] = u->gids[i];
	}
	if ((r = table_insert(b, T_UNAME, pa_nssdb_hash(u->name, nl),
	    idx)) != PA_OK ||
	    (r = table_insert(b, T_UID, nssdb_hash_id(u->uid), idx)) != PA_OK)
		return r;
	return PA_OK;
}

static int
build_group(struct build *b, uint32_t idx, uint32_t *members_next)
{
	const struct pa_nss_group *g = &b->in_groups[idx];
	struct pa_nssdb_grec *rec = &b->groups[idx];
	struct pa_nssdb_sref *m;
	size_t nl, ml, i;
	int r;

	if (!valid_str(g->name, 'n', &nl) || g->gid == 0 ||
	    g->gid == UINT32_MAX)
		return PA_ERR_ARG;
	rec->gid = g->gid;
	if ((r = strtab_add(&b->st, g->name, nl, &rec->name)) != PA_OK)
		return r;
	rec->members_start = *members_next;
	rec->nmembers = (uint32_t)g->nmembers;
	for (i = 0; i < g->nmembers; i++) {
		if (!valid_str(g->members[i], 'n', &ml))
			return PA_ERR_ARG;
		m = &b->members[(*members_next)++];
		/* members are mostly our own users: share their name string */
		if (!find_user_string(b, g->members[i], m) &&
		    (r = strtab_add(&b->st, g->members[i], ml, m)) != PA_OK)
			return r;
	}
	if ((r = table_insert(b, T_GNAME, pa_nssdb_hash(g->name, nl),
	    idx)) != PA_OK ||
	    (r = table_insert(b, T_GID, nssdb_hash_id(g->gid), idx)) != PA_OK)
		return r;
	return PA_OK;
}

/* Record checks need the final string table, so they come last. */
static int
build_finish(struct build *b)
{
	uint32_t i;
	int r;

	for (i = 0; i < b->hdr.nusers; i++) {
		if ((r = nssdb_user_check(&b->users[i], (const char *)b->st.d,
		    b->st.len, b->gids,
		    b->hdr.ngids, &b->users[i].check)) != PA_OK)
			return PA_ERR_INTERNAL;
	}
	for (i = 0; i < b->hdr.ngroups; i++) {
		if ((r = nssdb_group_check(&b->groups[i],
		    (const char *)b->st.d, b->st.len,
		    b->members, b->hdr.nmembers, &b->groups[i].check)) != PA_OK)
			return PA_ERR_INTERNAL;
	}
	if (b->st.len > UINT32_MAX)
		return PA_ERR_TOO_LARGE;
	b->hdr.str_len = (uint32_t)b->st.len;
	if ((r = nssdb_compute_layout(&b->hdr, &b->l)) != PA_OK)
		return r;
	b->hdr.file_size = b->l.end;
	b->hdr.check = pa_nssdb_hash(&b->hdr, offsetof(struct pa_nssdb_hdr,
	    check));
	memcpy(b->fixed, &b->hdr, sizeof(b->hdr));
	return PA_OK;
}

/* The directory part of path ("." when there is none), malloc'ed. */
static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

/* The index is public, like /etc/passwd: its directory is root's 0755. */
static const struct pa_file_policy index_dir_policy = {
	.deny_mode = S_IWGRP | S_IWOTH, .type = PA_FILE_DIR,
};

/*
 * Readers map whatever path names at the time, so the new index must be
 * complete and on disk before rename() makes it visible; a crash at any
 * point leaves either the old or the new file, never a partial one.
 */
static int
publish(const char *path, const struct build *b)
{
	struct pa_chunk chunks[2];
	const char *base = strrchr(path, '/');
	char *dir = NULL;
	int dfd = -1, r;

	if ((dir = dir_of(path)) == NULL)
		return PA_ERR_ALLOC;
	base = base != NULL ? base + 1 : path;
	if (*base == '\0') {
		r = PA_ERR_ARG;
		goto out;
	}
	if ((r = pa_open_dir(dir, 1, 0755, &index_dir_policy, &dfd)) !=
	    PA_OK) {
		/* A missing parent is as unwritable as a read-only one. */
		if (r == PA_ERR_UNSAFE_FILE)
			r = PA_ERR_ARG;
		else if (r == PA_ERR_NOT_FOUND)
			r = PA_ERR_SYSTEM;
		goto out;
	}
	chunks[0].data = b->fixed;
	chunks[0].len = b->l.strings;
	chunks[1].data = b->st.d;
	chunks[1].len = b->st.len;
	r = pa_write_atomic_at(dfd, base, chunks, 2, 0644, (uid_t)-1,
	    (gid_t)-1, 0);
 out:
	if (dfd >= 0)
		close(dfd);
	free(dir);
	return r;
}

int
pa_nssdb_write(const char *path, const struct pa_nss_user *users,
    size_t nusers, const struct pa_nss_group *groups, size_t ngroups)
{
	struct build b;
	uint32_t i, gids_next = 0, members_next = 0;
	int r;

	memset(&b, 0, sizeof(b));
	pa_buf_init(&b.st, PA_NSSDB_MAX_FILE);
	if (path == NULL || *path == '\0' || (nusers > 0 && users == NULL) ||
	    (ngroups > 0 && groups == NULL))
		return PA_ERR_ARG;
	b.in_users = users;
	b.in_groups = groups;
	if ((r = count_inputs(users, nusers, groups, ngroups, &b.hdr)) != PA_OK ||
	    (r = build_alloc(&b)) != PA_OK)
		goto out;
	for (i = 0; i < b.hdr.nusers; i++) {
		if ((r = build_user(&b, i, &gids_next)) != PA_OK)
			goto out;
	}
	for (i = 0; i < b.hdr.ngroups; i++) {
		if ((r = build_group(&b, i, &members_next)) != PA_OK)
			goto out;
	}
	if ((r = build_finish(&b)) != PA_OK)
		goto out;
	r = publish(path, &b);
 out:
	free(b.fixed);
	pa_buf_clear(&b.st);
	return r;
}

