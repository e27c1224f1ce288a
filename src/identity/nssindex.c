/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache.h"
#include "conf.h"
#include "err.h"
#include "groups.h"
#include "idmap.h"
#include "log.h"
#include "staffname.h"
#include "nssdb.h"
#include "nssindex.h"
#include "user.h"

#define NSSINDEX_MAX_USERS 200000

/* One staff member on the way into the index. */
struct staff {
	char *name;
	char *gecos;
	char *home;
	char **groups;		/* mapped group names */
	size_t ngroups;
	uint32_t uid, gid;
	int has_ids;
	uint32_t *gids;		/* supplementary, filled last */
	size_t ngids;
};

/* A group the index serves (mapped, not in /etc/group). */
struct served {
	char *name;
	uint32_t gid;
	int has_gid;
	const char **members;
	size_t nmembers;
};

struct build {
	const struct pa_conf *conf;
	const struct pa_log *lg;
	struct staff *staff;
	size_t nstaff;
	struct served *served;
	size_t nserved;
	struct pa_idset *used;
	struct pa_nssdb *old;
	struct pa_names *names;	/* every other source of users and groups */
};

void
pa_nssindex_gecos(const char *name, char *out, size_t outlen)
{
	size_t o = 0;
	const unsigned char *p = (const unsigned char *)name;

	if (outlen == 0)
		return;
	/* ':' and newline would split the passwd line; ',' splits gecos. */
	for (; p != NULL && *p != '\0' && o + 1 < outlen; p++)
		if (*p >= 0x20 && *p != 0x7f && *p != ':' && *p != ',' &&
		    *p != '\\')
			out[o++] = (char)*p;
	out[o] = '\0';
}

static char *
home_for(const char *pattern, const char *user)
{
	char buf[4096];
	size_t o = 0, ulen = strlen(user);
	const char *p;

	for (p = pattern; *p != '\0'; p++) {
		if (p[0] == '%' && p[1] == 'u') {
			if (o + ulen >= sizeof(buf))
				return NULL;
			memcpy(buf + o, user, ulen);
			o += ulen;
			p++;
			continue;
		}
		if (p[0] == '%' && p[1] == '%')
			p++;
		if (o + 1 >= sizeof(buf))
			return NULL;
		buf[o++] = *p;
	}
	buf[o] = '\0';
	return strdup(buf);
}

static void
build_free(struct build *b)
{
	size_t i;

	for (i = 0; i < b->nstaff; i++) {
		free(b->staff[i].name);
		free(b->staff[i].gecos);
		free(b->staff[i].home);
		pa_groups_free(b->staff[i].groups, b->staff[i].ngroups);
		free(b->staff[i].gids);
	}
	free(b->staff);
	for (i = 0; i < b->nserved; i++) {
		free(b->served[i].name);
		free(b->served[i].members);
	}
	free(b->served);
	pa_idset_free(b->used);
	pa_nssdb_close(b->old);
	pa_names_close(b->names);
}

/* A record worth an index entry: verified once, not wiped, not expired. */
static int
record_current(const struct pa_conf *conf, const struct pa_cache_record *rec,
    long long now)
{
	if (rec->last_online <= 0)
		return 0;
	if (conf->nss_expire > 0 &&
	    now - rec->last_online > (long long)conf->nss_expire * 86400)
		return 0;
	return 1;
}

static int
staff_from_record(struct build *b, const struct pa_cache_record *rec,
    struct staff *s)
{
	char gecos[256];
	int r;

	memset(s, 0, sizeof(*s));
	pa_nssindex_gecos(rec->name, gecos, sizeof(gecos));
	if ((s->name = strdup(rec->user)) == NULL ||
	    (s->gecos = strdup(gecos)) == NULL ||
	    (s->home = home_for(b->conf->home_pattern, rec->user)) == NULL)
		return PA_ERR_ALLOC;
	if ((r = pa_groups_for_roles(b->conf, rec->roles, rec->nroles,
	    &s->groups, &s->ngroups)) != PA_OK)
		return r;
	if (rec->has_uid) {
		/* uid_claim: the directory's number, if it is free here. */
		s->uid = (uint32_t)rec->uid;
		s->gid = (uint32_t)rec->uid;
		s->has_ids = 1;
	}
	return PA_OK;
}

/*
 * A staff member whose name another source owns, as a user or as a group,
 * or whose own group would be a group [roles] maps to, is left out and
 * said so: serving them would hand out that name's rights by name (sudo's
 * %group rules, sshd's AllowGroups). PA_ERR_NOT_FOUND for those; a source
 * that cannot answer fails the rebuild, which keeps the old index.
 */
static int
staff_name_ours(struct build *b, const char *user)
{
	char why[256];
	int r;

	r = pa_names_staff_ok(b->names, b->conf, user, NULL, why,
	    sizeof(why));
	if (r == PA_ERR_NOT_FOUND) {
		char q[PA_QUOTE_MAX];

		pa_log(b->lg, LOG_ERR, "user \"%s\": left out of the NSS "
		    "index: %s", pa_log_quote(user, q, sizeof(q)), why);
	}
	else if (r != PA_OK)
		pa_log(b->lg, LOG_ERR, "NSS index not rebuilt: %s", why);
	return r;
}

/* One record into b->staff, when it is current and the name is ours. */
static int
load_one(struct build *b, struct pa_cache *c, const char *user,
    long long now)
{
	struct pa_cache_record *rec = NULL;
	int r;

	/* A corrupt record is an absent one. */
	if (pa_cache_get(c, user, &rec) != PA_OK)
		return PA_OK;
	if (!record_current(b->conf, rec, now)) {
		r = PA_OK;
		goto out;
	}
	if ((r = staff_name_ours(b, rec->user)) != PA_OK) {
		if (r == PA_ERR_NOT_FOUND)
			r = PA_OK;
		goto out;
	}
	/* Counted even on failure: build_free() frees what was filled. */
	r = staff_from_record(b, rec, &b->staff[b->nstaff++]);
 out:
	pa_cache_record_free(rec);
	return r;
}

static int
load_staff(struct build *b, struct pa_cache *c, long long now)
{
	char **names = NULL;
	size_t n = 0, i, want;
	int r;

	if ((r = pa_cache_list(c, &names, &n)) != PA_OK)
		return r;
	if (n == 0)
		goto out;
	want = n > NSSINDEX_MAX_USERS ? NSSINDEX_MAX_USERS : n;
	if ((b->staff = calloc(want, sizeof(*b->staff))) == NULL) {
		r = PA_ERR_ALLOC;
		goto out;
	}
	for (i = 0; i < want && r == PA_OK; i++)
		r = load_one(b, c, names[i], now);
 out:
	pa_cache_list_free(names, n);
	return r;
}

/* Ids the previous index gave, kept when still free: files stay owned. */
static void
reuse_old_ids(struct build *b)
{
	struct passwd pw;
	char buf[4096];
	size_t i;

	for (i = 0; i < b->nstaff; i++) {
		struct staff *s = &b->staff[i];

		if (s->has_ids || b->old == NULL ||
		    pa_nssdb_getpwnam(b->old, s->name, &pw, buf,
		    sizeof(buf)) != PA_OK)
			continue;
		if (pa_idset_has(b->used, pw.pw_uid) ||
		    pa_idset_has(b->used, pw.pw_gid))
			continue;
		s->uid = pw.pw_uid;
		s->gid = pw.pw_gid;
		s->has_ids = 1;
		pa_idset_add(b->used, s->uid);
		pa_idset_add(b->used, s->gid);
	}
}

static int
assign_ids(struct build *b)
{
	size_t i, keep = 0;
	char q[PA_QUOTE_MAX];
	int r;

	/* Claimed uids first: they are not ours to move. */
	for (i = 0; i < b->nstaff; i++) {
		struct staff *s = &b->staff[i];

		if (!s->has_ids)
			continue;
		if (pa_idset_has(b->used, s->uid) ||
		    pa_idset_has(b->used, s->gid)) {
			pa_log(b->lg, LOG_ERR, "user \"%s\": uid %u already "
			    "in use, left out of the NSS index",
			    pa_log_quote(s->name, q, sizeof(q)), s->uid);
			s->has_ids = -1;
			continue;
		}
		pa_idset_add(b->used, s->uid);
		pa_idset_add(b->used, s->gid);
	}
	reuse_old_ids(b);
	for (i = 0; i < b->nstaff; i++) {
		struct staff *s = &b->staff[i];

		if (s->has_ids != 0)
			continue;
		if ((r = pa_idmap_assign_user(s->name, b->conf->uid_min,
		    b->conf->uid_max, b->used, &s->uid, &s->gid)) != PA_OK)
			return r;
		s->has_ids = 1;
	}
	/* Drop the users left out. */
	for (i = 0; i < b->nstaff; i++) {
		if (b->staff[i].has_ids < 0) {
			free(b->staff[i].name);
			free(b->staff[i].gecos);
			free(b->staff[i].home);
			pa_groups_free(b->staff[i].groups, b->staff[i].ngroups);
			free(b->staff[i].gids);
			continue;
		}
		b->staff[keep++] = b->staff[i];
	}
	b->nstaff = keep;
	return PA_OK;
}

/*
 * What a mapped group is: 1 with *gid for a group another source owns (a
 * supplementary gid), 0 for a name nobody else has (we serve it), -1 for
 * one we must not touch (a user elsewhere: serving a group of that name
 * would merge two identities), -2 when a source cannot answer.
 */
static int
mapped_group_kind(struct build *b, const char *name, uint32_t *gid)
{
	struct pa_name_owner o;
	char why[256], q[PA_QUOTE_MAX];

	pa_log_quote(name, q, sizeof(q));
	if (pa_names_lookup(b->names, name, &o, why, sizeof(why)) != PA_OK) {
		pa_log(b->lg, LOG_ERR, "NSS index not rebuilt: %s", why);
		return -2;
	}
	if (o.kinds & PA_NAME_GROUP) {
		*gid = o.gid;
		return 1;
	}
	if (o.kinds & PA_NAME_USER) {
		pa_log(b->lg, LOG_ERR, "group \"%s\" mapped in posauth.conf "
		    "is a user name known to %s: not served", q, o.source);
		return -1;
	}
	return 0;
}

static struct served *
served_get(struct build *b, const char *name)
{
	struct served *tmp;
	size_t i;

	for (i = 0; i < b->nserved; i++)
		if (strcmp(b->served[i].name, name) == 0)
			return &b->served[i];
	if ((tmp = reallocarray(b->served, b->nserved + 1,
	    sizeof(*tmp))) == NULL)
		return NULL;
	b->served = tmp;
	memset(&tmp[b->nserved], 0, sizeof(*tmp));
	if ((tmp[b->nserved].name = strdup(name)) == NULL)
		return NULL;
	return &b->served[b->nserved++];
}

static int
add_gid(struct staff *s, uint32_t gid)
{
	uint32_t *tmp;
	size_t i;

	for (i = 0; i < s->ngids; i++)
		if (s->gids[i] == gid)
			return PA_OK;
	if ((tmp = reallocarray(s->gids, s->ngids + 1, sizeof(*tmp))) == NULL)
		return PA_ERR_ALLOC;
	s->gids = tmp;
	s->gids[s->ngids++] = gid;
	return PA_OK;
}

static int
add_member(struct served *g, const char *user)
{
	const char **tmp;

	if ((tmp = reallocarray(g->members, g->nmembers + 1,
	    sizeof(*tmp))) == NULL)
		return PA_ERR_ALLOC;
	g->members = tmp;
	g->members[g->nmembers++] = user;
	return PA_OK;
}

static int
is_staff_name(const struct build *b, const char *name)
{
	size_t i;

	for (i = 0; i < b->nstaff; i++)
		if (strcmp(b->staff[i].name, name) == 0)
			return 1;
	return 0;
}

/* Local groups become supplementary gids; the rest we serve. */
static int
resolve_groups(struct build *b)
{
	struct served *g;
	struct group gr;
	char buf[4096], q[PA_QUOTE_MAX];
	uint32_t gid;
	size_t i, j;
	int kind, r;

	for (i = 0; i < b->nstaff; i++) {
		struct staff *s = &b->staff[i];

		for (j = 0; j < s->ngroups; j++) {
			if ((kind = mapped_group_kind(b, s->groups[j],
			    &gid)) == -2)
				return PA_ERR_SYSTEM;
			if (kind < 0)
				continue;
			if (kind == 1) {
				/* No path from a token to gid 0. */
				if (gid == 0) {
					pa_log(b->lg, LOG_ERR, "group \"%s\" "
					    "has gid 0, not mapped",
					    pa_log_quote(s->groups[j], q,
					    sizeof(q)));
					continue;
				}
				if ((r = add_gid(s, gid)) != PA_OK)
					return r;
				continue;
			}
			/* Left out with the staff member already; never
			 * merged with a user's own group. */
			if (is_staff_name(b, s->groups[j]))
				continue;
			if ((g = served_get(b, s->groups[j])) == NULL ||
			    add_member(g, s->name) != PA_OK)
				return PA_ERR_ALLOC;
		}
	}
	/* Served gids: the previous index's when still free, else new. */
	for (i = 0; i < b->nserved; i++) {
		g = &b->served[i];
		if (b->old != NULL && pa_nssdb_getgrnam(b->old, g->name, &gr,
		    buf, sizeof(buf)) == PA_OK &&
		    !pa_idset_has(b->used, gr.gr_gid)) {
			g->gid = gr.gr_gid;
			g->has_gid = 1;
			pa_idset_add(b->used, g->gid);
		}
	}
	for (i = 0; i < b->nserved; i++) {
		g = &b->served[i];
		if (g->has_gid)
			continue;
		if ((r = pa_idmap_assign(g->name, b->conf->uid_min,
		    b->conf->uid_max, pa_idset_taken, b->used,
		    &g->gid)) != PA_OK)
			return r;
		pa_idset_add(b->used, g->gid);
		g->has_gid = 1;
	}
	for (i = 0; i < b->nserved; i++)
		for (j = 0; j < b->served[i].nmembers; j++)
			for (size_t k = 0; k < b->nstaff; k++)
				if (strcmp(b->staff[k].name,
				    b->served[i].members[j]) == 0 &&
				    (r = add_gid(&b->staff[k],
				    b->served[i].gid)) != PA_OK)
					return r;
	return PA_OK;
}

static int
write_index(struct build *b)
{
	struct pa_nss_user *users = NULL;
	struct pa_nss_group *groups = NULL;
	size_t i, ng = 0;
	int r = PA_ERR_ALLOC;

	if (b->nstaff > 0 &&
	    (users = calloc(b->nstaff, sizeof(*users))) == NULL)
		goto out;
	if (b->nstaff + b->nserved > 0 && (groups = calloc(b->nstaff +
	    b->nserved, sizeof(*groups))) == NULL)
		goto out;
	for (i = 0; i < b->nstaff; i++) {
		struct staff *s = &b->staff[i];

		users[i].name = s->name;
		users[i].uid = s->uid;
		users[i].gid = s->gid;
		users[i].gecos = s->gecos;
		users[i].home = s->home;
		users[i].shell = b->conf->shell;
		users[i].gids = s->gids;
		users[i].ngids = s->ngids;
		/* The user's own group, as useradd would make it. */
		groups[ng].name = s->name;
		groups[ng].gid = s->gid;
		ng++;
	}
	for (i = 0; i < b->nserved; i++) {
		groups[ng].name = b->served[i].name;
		groups[ng].gid = b->served[i].gid;
		groups[ng].members = b->served[i].members;
		groups[ng].nmembers = b->served[i].nmembers;
		ng++;
	}
	r = pa_nssdb_write(b->conf->nss_index, users, b->nstaff, groups, ng);
 out:
	free(users);
	free(groups);
	return r;
}

int
pa_nssindex_rebuild_with(const struct pa_conf *conf, struct pa_cache *c,
    long long now, const struct pa_log *lg,
    const struct pa_names_paths *paths, size_t *nusers)
{
	struct pa_cache_lock *lk = NULL;
	struct build b;
	char why[256];
	int r;

	memset(&b, 0, sizeof(b));
	b.conf = conf;
	b.lg = lg;
	if (nusers != NULL)
		*nusers = 0;
	/* One rebuild at a time: read, decide and write under one lock. */
	if ((r = pa_cache_lock_index(c, &lk)) != PA_OK)
		return r;
	if ((r = pa_names_open(paths, &b.names, why, sizeof(why))) != PA_OK) {
		pa_log(lg, LOG_ERR, "NSS index not rebuilt: %s", why);
		goto out;
	}
	if ((r = pa_idmap_load_local(paths && paths->passwd ? paths->passwd :
	    PA_NAMES_PASSWD, paths && paths->group ? paths->group :
	    PA_NAMES_GROUP, &b.used)) != PA_OK)
		goto out;
	if (pa_nssdb_open(conf->nss_index, &b.old) != PA_OK)
		b.old = NULL;
	if ((r = load_staff(&b, c, now)) != PA_OK ||
	    (r = assign_ids(&b)) != PA_OK ||
	    (r = resolve_groups(&b)) != PA_OK ||
	    (r = write_index(&b)) != PA_OK)
		goto out;
	if (nusers != NULL)
		*nusers = b.nstaff;
 out:
	build_free(&b);
	pa_cache_unlock(lk);
	return r;
}

int
pa_nssindex_rebuild(const struct pa_conf *conf, struct pa_cache *c,
    long long now, const struct pa_log *lg, size_t *nusers)
{
	return pa_nssindex_rebuild_with(conf, c, now, lg, NULL, nusers);
}

int
pa_nssindex_staff(const struct pa_conf *conf, const char *name, uid_t uid,
    struct pa_staff_id *out)
{
	struct pa_nssdb *db = NULL;
	struct passwd pw;
	char buf[4096];
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = pa_nssdb_open(conf->nss_index, &db)) != PA_OK)
		return r == PA_ERR_SYSTEM ? r : PA_ERR_NOT_FOUND;
	if (name != NULL)
		r = pa_nssdb_getpwnam(db, name, &pw, buf, sizeof(buf));
	else
		r = pa_nssdb_getpwuid(db, uid, &pw, buf, sizeof(buf));
	pa_nssdb_close(db);
	if (r != PA_OK)
		return r == PA_ERR_TOO_LARGE ? PA_ERR_SYSTEM : PA_ERR_NOT_FOUND;
	if (strlen(pw.pw_name) >= sizeof(out->name))
		return PA_ERR_NOT_FOUND;
	strcpy(out->name, pw.pw_name);
	out->uid = pw.pw_uid;
	out->gid = pw.pw_gid;
	return PA_OK;
}
