/* SPDX-License-Identifier: MIT */
/*
 * The NSS index: writer, reader, and the glibc entry points over it.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <nss.h>
#include <pthread.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "nssdb.h"
#include "nss_posauth.h"
#include "tap.h"


static const uint32_t alice_gids[] = { 5000, 210000, 210001 };
static const uint32_t bob_gids[] = { 210000 };
static const struct pa_nss_user users[] = {
	{ "alice", 200001, 200001, "Alice Example", "/home/alice", "/bin/bash",
	    alice_gids, 3 },
	{ "bob", 200002, 200002, "", "/home/bob", "/bin/bash", bob_gids, 1 },
	{ "carol", 200003, 200003, "Carol,,,", "/home/carol", "/bin/sh",
	    NULL, 0 },
};
static const char *const cashiers[] = { "alice", "bob" };
static const char *const managers[] = { "alice" };
static const char *const outsiders[] = { "dave" };
static const struct pa_nss_group groups[] = {
	{ "alice", 200001, NULL, 0 },
	{ "bob", 200002, NULL, 0 },
	{ "carol", 200003, NULL, 0 },
	{ "pos-cashiers", 210000, cashiers, 2 },
	{ "pos-managers", 210001, managers, 1 },
	{ "pos-outside", 210002, outsiders, 1 },
};
#define NUSERS (sizeof(users) / sizeof(users[0]))
#define NGROUPS (sizeof(groups) / sizeof(groups[0]))

static char dir[64];
static char path[128];

static int
pw_equals(const struct passwd *pw, const struct pa_nss_user *u)
{
	return strcmp(pw->pw_name, u->name) == 0 &&
	    strcmp(pw->pw_passwd, "x") == 0 && pw->pw_uid == u->uid &&
	    pw->pw_gid == u->gid && strcmp(pw->pw_gecos, u->gecos) == 0 &&
	    strcmp(pw->pw_dir, u->home) == 0 &&
	    strcmp(pw->pw_shell, u->shell) == 0;
}

static int
gr_equals(const struct group *gr, const struct pa_nss_group *g)
{
	size_t i;

	if (strcmp(gr->gr_name, g->name) != 0 || gr->gr_gid != g->gid ||
	    strcmp(gr->gr_passwd, "x") != 0)
		return 0;
	for (i = 0; i < g->nmembers; i++) {
		if (gr->gr_mem[i] == NULL ||
		    strcmp(gr->gr_mem[i], g->members[i]) != 0)
			return 0;
	}
	return gr->gr_mem[i] == NULL;
}

static int
write_fixture(const char *p)
{
	return pa_nssdb_write(p, users, NUSERS, groups, NGROUPS);
}

static char *
read_file(const char *p, size_t *len)
{
	struct stat st;
	char *buf;
	int fd;

	if ((fd = open(p, O_RDONLY)) < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || (buf = malloc((size_t)st.st_size + 1)) ==
	    NULL || read(fd, buf, (size_t)st.st_size) != st.st_size) {
		close(fd);
		return NULL;
	}
	close(fd);
	*len = (size_t)st.st_size;
	return buf;
}

static int
put_file(const char *p, const void *data, size_t len)
{
	int fd, r = -1;

	if ((fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0)
		return -1;
	if (write(fd, data, len) == (ssize_t)len)
		r = 0;
	close(fd);
	return r;
}

static void
test_roundtrip(void)
{
	struct pa_nssdb *db = NULL;
	struct passwd pw;
	struct group gr;
	struct stat st;
	char buf[1024];
	size_t i;
	int all;

	ok(write_fixture(path) == PA_OK, "write_index_succeeds");
	ok(stat(path, &st) == 0 && (st.st_mode & 07777) == 0644,
	    "index_file_mode_is_0644");
	ok(pa_nssdb_open(path, &db) == PA_OK, "open_index");
	ok(pa_nssdb_nusers(db) == NUSERS && pa_nssdb_ngroups(db) == NGROUPS,
	    "counts_match");
	for (all = 1, i = 0; i < NUSERS; i++) {
		all &= pa_nssdb_getpwnam(db, users[i].name, &pw, buf,
		    sizeof(buf)) == PA_OK && pw_equals(&pw, &users[i]);
		all &= pa_nssdb_getpwuid(db, users[i].uid, &pw, buf,
		    sizeof(buf)) == PA_OK && pw_equals(&pw, &users[i]);
	}
	ok(all, "every_user_found_by_name_and_uid");
	for (all = 1, i = 0; i < NGROUPS; i++) {
		all &= pa_nssdb_getgrnam(db, groups[i].name, &gr, buf,
		    sizeof(buf)) == PA_OK && gr_equals(&gr, &groups[i]);
		all &= pa_nssdb_getgrgid(db, groups[i].gid, &gr, buf,
		    sizeof(buf)) == PA_OK && gr_equals(&gr, &groups[i]);
	}
	ok(all, "every_group_found_by_name_and_gid_with_members");
	ok(pa_nssdb_getpwnam(db, "mallory", &pw, buf, sizeof(buf)) ==
	    PA_ERR_NOT_FOUND, "missing_name_not_found");
	ok(pa_nssdb_getpwnam(db, "alic", &pw, buf, sizeof(buf)) ==
	    PA_ERR_NOT_FOUND && pa_nssdb_getpwnam(db, "alicex", &pw, buf,
	    sizeof(buf)) == PA_ERR_NOT_FOUND && pa_nssdb_getpwnam(db, "",
	    &pw, buf, sizeof(buf)) == PA_ERR_NOT_FOUND,
	    "prefix_and_empty_names_not_found");
	ok(pa_nssdb_getpwuid(db, 200004, &pw, buf, sizeof(buf)) ==
	    PA_ERR_NOT_FOUND && pa_nssdb_getpwuid(db, 0, &pw, buf,
	    sizeof(buf)) == PA_ERR_NOT_FOUND, "missing_uid_not_found");
	ok(pa_nssdb_getgrnam(db, "wheel", &gr, buf, sizeof(buf)) ==
	    PA_ERR_NOT_FOUND && pa_nssdb_getgrgid(db, 5000, &gr, buf,
	    sizeof(buf)) == PA_ERR_NOT_FOUND,
	    "local_groups_are_not_served");
	ok(pa_nssdb_getpwnam(NULL, "alice", &pw, buf, sizeof(buf)) ==
	    PA_ERR_NOT_FOUND, "no_index_means_not_found");
	pa_nssdb_close(db);
}

static void
test_writer_rejects(void)
{
	struct pa_nss_user u[2];
	struct pa_nss_group g[2];
	char *before, *after;
	size_t blen = 0, alen = 0;
	static const uint32_t zero_gid[] = { 0 };

	ok(write_fixture(path) == PA_OK && (before = read_file(path, &blen)) !=
	    NULL, "fixture_written");
	memcpy(u, users, sizeof(u));
	u[1].gecos = "evil:0:0";
	ok(pa_nssdb_write(path, u, 2, NULL, 0) == PA_ERR_ARG,
	    "colon_in_gecos_rejected");
	memcpy(u, users, sizeof(u));
	u[1].home = "/home/bob\nroot::0:0::/:/bin/sh";
	ok(pa_nssdb_write(path, u, 2, NULL, 0) == PA_ERR_ARG,
	    "newline_in_home_rejected");
	memcpy(u, users, sizeof(u));
	u[1].name = "";
	ok(pa_nssdb_write(path, u, 2, NULL, 0) == PA_ERR_ARG,
	    "empty_name_rejected");
	memcpy(u, users, sizeof(u));
	u[1].name = "alice";
	ok(pa_nssdb_write(path, u, 2, NULL, 0) == PA_ERR_ARG,
	    "duplicate_user_name_rejected");
	memcpy(u, users, sizeof(u));
	u[1].uid = u[0].uid;
	ok(pa_nssdb_write(path, u, 2, NULL, 0) == PA_ERR_ARG,
	    "duplicate_uid_rejected");
	memcpy(u, users, sizeof(u));
	u[1].uid = 0;
	ok(pa_nssdb_write(path, u, 2, NULL, 0) == PA_ERR_ARG,
	    "uid_0_rejected");
	memcpy(u, users, sizeof(u));
	u[1].gids = zero_gid;
	u[1].ngids = 1;
	ok(pa_nssdb_write(path, u, 2, NULL, 0) == PA_ERR_ARG,
	    "supplementary_gid_0_rejected");
	memcpy(u, users, sizeof(u));
	u[1].shell = "bin/sh";
	ok(pa_nssdb_write(path, u, 2, NULL, 0) == PA_ERR_ARG,
	    "relative_shell_rejected");
	memcpy(g, &groups[3], sizeof(g));
	g[1].gid = g[0].gid;
	ok(pa_nssdb_write(path, users, NUSERS, g, 2) == PA_ERR_ARG,
	    "duplicate_gid_rejected");
	memcpy(g, &groups[3], sizeof(g));
	g[1].name = "a,b";
	ok(pa_nssdb_write(path, users, NUSERS, g, 2) == PA_ERR_ARG,
	    "comma_in_group_name_rejected");
	after = read_file(path, &alen);
	ok(after != NULL && alen == blen && memcmp(before, after, blen) == 0,
	    "failed_write_keeps_old_index");
	free(before);
	free(after);
	ok(pa_nssdb_write("/nonexistent-dir/x/nss.db", users, NUSERS, groups,
	    NGROUPS) == PA_ERR_SYSTEM, "unwritable_path_is_system_error");
}

static void
test_empty_index(void)
{
	struct pa_nssdb *db = NULL;
	struct passwd pw;
	char buf[256];

	ok(pa_nssdb_write(path, NULL, 0, NULL, 0) == PA_OK,
	    "empty_index_written");
	ok(pa_nssdb_open(path, &db) == PA_OK && pa_nssdb_nusers(db) == 0,
	    "empty_index_opens");
	ok(pa_nssdb_getpwnam(db, "alice", &pw, buf, sizeof(buf)) ==
	    PA_ERR_NOT_FOUND && pa_nssdb_getpwuid(db, 200001, &pw, buf,
	    sizeof(buf)) == PA_ERR_NOT_FOUND &&
	    pa_nssdb_pwent(db, 0, &pw, buf, sizeof(buf)) == PA_ERR_NOT_FOUND,
	    "empty_index_finds_nothing");
	pa_nssdb_close(db);
}

/* Many names: collisions in the tables, every name still found. */
static void
test_many_names(void)
{
	enum { N = 20000 };
	struct pa_nss_user *u;
	struct pa_nss_group *g;
	struct pa_nssdb *db = NULL;
	struct passwd pw;
	struct group gr;
	char (*names)[16], buf[512], miss[32];
	size_t i;
	int all = 1, none = 1;

	u = calloc(N, sizeof(*u));
	g = calloc(N, sizeof(*g));
	names = calloc(N, sizeof(*names));
	if (u == NULL || g == NULL || names == NULL)
		abort();
	for (i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "staff%zu", i);
		u[i] = (struct pa_nss_user){ names[i], 300000 + (uint32_t)i,
		    300000 + (uint32_t)i, "", "/home/x", "/bin/sh", NULL, 0 };
		/* gids that share low bits, to crowd the gid table */
		g[i] = (struct pa_nss_group){ names[i],
		    400000 + (uint32_t)i * 65536u % 4000000u + (uint32_t)i,
		    NULL, 0 };
	}
	ok(pa_nssdb_write(path, u, N, g, N) == PA_OK, "many_names_written");
	ok(pa_nssdb_open(path, &db) == PA_OK, "many_names_open");
	for (i = 0; i < N; i++) {
		all &= pa_nssdb_getpwnam(db, names[i], &pw, buf, sizeof(buf)) ==
		    PA_OK && pw.pw_uid == u[i].uid;
		all &= pa_nssdb_getpwuid(db, u[i].uid, &pw, buf, sizeof(buf)) ==
		    PA_OK && strcmp(pw.pw_name, names[i]) == 0;
		all &= pa_nssdb_getgrgid(db, g[i].gid, &gr, buf, sizeof(buf)) ==
		    PA_OK && strcmp(gr.gr_name, names[i]) == 0;
		snprintf(miss, sizeof(miss), "staff%zu", i + N);
		none &= pa_nssdb_getpwnam(db, miss, &pw, buf, sizeof(buf)) ==
		    PA_ERR_NOT_FOUND;
	}
	ok(all, "every_one_of_many_names_found");
	ok(none, "missing_names_among_many_not_found");
	pa_nssdb_close(db);
	free(u);
	free(g);
	free(names);
}

/*
 * Looks everything up in a possibly damaged file: each answer must be a
 * miss or exactly the original data. Returns 0 when an answer is wrong.
 */
static int
lookups_sane(const struct pa_nssdb *db)
{
	struct passwd pw;
	struct group gr;
	char buf[1024];
	gid_t *gl;
	long start, size;
	size_t i;
	int r, sane = 1;

	for (i = 0; i < NUSERS; i++) {
		r = pa_nssdb_getpwnam(db, users[i].name, &pw, buf, sizeof(buf));
		sane &= r == PA_ERR_NOT_FOUND ||
		    (r == PA_OK && pw_equals(&pw, &users[i]));
		r = pa_nssdb_getpwuid(db, users[i].uid, &pw, buf, sizeof(buf));
		sane &= r == PA_ERR_NOT_FOUND ||
		    (r == PA_OK && pw_equals(&pw, &users[i]));
		r = pa_nssdb_pwent(db, i, &pw, buf, sizeof(buf));
		sane &= r != PA_OK || pw_equals(&pw, &users[i]);
		start = 0;
		size = 1;
		if ((gl = malloc(sizeof(*gl))) == NULL)
			abort();
		r = pa_nssdb_initgroups(db, users[i].name, 0, &start, &size,
		    &gl, 0);
		sane &= r == PA_ERR_NOT_FOUND || (r == PA_OK &&
		    (size_t)start == users[i].ngids &&
		    (start == 0 || memcmp(gl, users[i].gids,
		    (size_t)start * sizeof(*gl)) == 0));
		free(gl);
	}
	for (i = 0; i < NGROUPS; i++) {
		r = pa_nssdb_getgrnam(db, groups[i].name, &gr, buf, sizeof(buf));
		sane &= r == PA_ERR_NOT_FOUND ||
		    (r == PA_OK && gr_equals(&gr, &groups[i]));
		r = pa_nssdb_getgrgid(db, groups[i].gid, &gr, buf, sizeof(buf));
		sane &= r == PA_ERR_NOT_FOUND ||
		    (r == PA_OK && gr_equals(&gr, &groups[i]));
		r = pa_nssdb_grent(db, i, &gr, buf, sizeof(buf));
		sane &= r != PA_OK || gr_equals(&gr, &groups[i]);
	}
	sane &= pa_nssdb_getpwnam(db, "mallory", &pw, buf, sizeof(buf)) ==
	    PA_ERR_NOT_FOUND;
	sane &= pa_nssdb_getgrgid(db, 1, &gr, buf, sizeof(buf)) ==
	    PA_ERR_NOT_FOUND;
	return sane;
}

static void
test_truncated(void)
{
	struct pa_nssdb *db;
	char *orig, tpath[160];
	size_t len = 0, cut;
	int rejected = 1, sane = 1;

	snprintf(tpath, sizeof(tpath), "%s/trunc.db", dir);
	ok(write_fixture(path) == PA_OK && (orig = read_file(path, &len)) !=
	    NULL, "fixture_for_truncation");
	for (cut = 0; cut < len; cut++) {
		if (put_file(tpath, orig, cut) != 0)
			abort();
		db = NULL;
		if (pa_nssdb_open(tpath, &db) == PA_OK) {
			rejected = 0;
			sane &= lookups_sane(db);
		}
		sane &= lookups_sane(db);
		pa_nssdb_close(db);
	}
	ok(rejected, "index_truncated_at_every_offset_is_rejected");
	ok(sane, "truncated_index_lookups_never_wrong");
	free(orig);
}

/* Every single bit of the file flipped in turn. */
static void
test_bit_flips(void)
{
	struct pa_nssdb *db;
	char *orig, tpath[160];
	size_t len = 0, pos;
	int bit, sane = 1, opened = 0;

	snprintf(tpath, sizeof(tpath), "%s/flip.db", dir);
	ok(write_fixture(path) == PA_OK && (orig = read_file(path, &len)) !=
	    NULL, "fixture_for_bit_flips");
	for (pos = 0; pos < len; pos++) {
		for (bit = 0; bit < 8; bit++) {
			orig[pos] ^= (char)(1 << bit);
			if (put_file(tpath, orig, len) != 0)
				abort();
			orig[pos] ^= (char)(1 << bit);
			db = NULL;
			if (pa_nssdb_open(tpath, &db) == PA_OK)
				opened++;
			sane &= lookups_sane(db);
			pa_nssdb_close(db);
		}
	}
	ok(sane, "single_bit_flips_never_give_wrong_data");
	ok(opened > 0, "flips_outside_header_still_open");
	free(orig);
}

/* Random multi-byte damage, fixed seed so a failure reproduces. */
static void
test_random_damage(void)
{
	struct pa_nssdb *db;
	char *orig, *copy, tpath[160];
	size_t len = 0, k;
	unsigned seed = 12345;
	int iter, sane = 1;

	snprintf(tpath, sizeof(tpath), "%s/rand.db", dir);
	if (write_fixture(path) != PA_OK ||
	    (orig = read_file(path, &len)) == NULL ||
	    (copy = malloc(len)) == NULL)
		abort();
	for (iter = 0; iter < 2000; iter++) {
		memcpy(copy, orig, len);
		for (k = 0; k < 1 + (size_t)(rand_r(&seed) % 16); k++)
			copy[(size_t)rand_r(&seed) % len] = (char)rand_r(&seed);
		if (put_file(tpath, copy, len) != 0)
			abort();
		db = NULL;
		(void)pa_nssdb_open(tpath, &db);
		sane &= lookups_sane(db);
		pa_nssdb_close(db);
	}
	ok(sane, "random_damage_never_gives_wrong_data");
	free(orig);
	free(copy);
}

/*
 * A hostile header that passes its own check: the longest probe claimed
 * huge and every slot pointing at record 0. A miss must still end.
 */
static void
test_hostile_probe_length(void)
{
	struct pa_nssdb_hdr h;
	struct pa_nssdb *db = NULL;
	struct passwd pw;
	char *orig, tpath[160], buf[512];
	size_t len = 0, toff, i;
	uint32_t one = 1;

	snprintf(tpath, sizeof(tpath), "%s/probe.db", dir);
	if (write_fixture(path) != PA_OK ||
	    (orig = read_file(path, &len)) == NULL)
		abort();
	memcpy(&h, orig, sizeof(h));
	h.max_probe[0] = UINT32_MAX;
	h.check = pa_nssdb_hash(&h, offsetof(struct pa_nssdb_hdr, check));
	memcpy(orig, &h, sizeof(h));
	toff = sizeof(h) + NUSERS * sizeof(struct pa_nssdb_urec) +
	    NGROUPS * sizeof(struct pa_nssdb_grec);
	toff += (4 * 4 + 7) & ~(size_t)7;		/* users' gids */
	toff += 4 * sizeof(struct pa_nssdb_sref);	/* members */
	for (i = 0; i < h.uslots; i++)
		memcpy(orig + toff + i * 4, &one, 4);
	if (put_file(tpath, orig, len) != 0)
		abort();
	ok(pa_nssdb_open(tpath, &db) == PA_OK &&
	    pa_nssdb_getpwnam(db, "mallory", &pw, buf, sizeof(buf)) ==
	    PA_ERR_NOT_FOUND && pa_nssdb_getpwnam(db, "alice", &pw, buf,
	    sizeof(buf)) == PA_OK, "full_table_with_huge_probe_still_ends");
	pa_nssdb_close(db);
	free(orig);
}

/* ---- the glibc entry points ---- */

static size_t
pw_size(const struct pa_nss_user *u)
{
	return strlen(u->name) + 1 + 2 + strlen(u->gecos) + 1 +
	    strlen(u->home) + 1 + strlen(u->shell) + 1;
}

static void
test_entry_points(void)
{
	struct passwd pw;
	struct group gr;
	char buf[1024];
	size_t need, len;
	int err, all;

	if (write_fixture(path) != PA_OK || setenv("POSAUTH_NSS_INDEX", path,
	    1) != 0)
		abort();
	err = 0;
	ok(_nss_posauth_getpwnam_r("alice", &pw, buf, sizeof(buf), &err) ==
	    NSS_STATUS_SUCCESS && pw_equals(&pw, &users[0]),
	    "nss_getpwnam_finds_user");
	ok(_nss_posauth_getpwuid_r(200002, &pw, buf, sizeof(buf), &err) ==
	    NSS_STATUS_SUCCESS && pw_equals(&pw, &users[1]),
	    "nss_getpwuid_finds_user");
	ok(_nss_posauth_getgrnam_r("pos-cashiers", &gr, buf, sizeof(buf),
	    &err) == NSS_STATUS_SUCCESS && gr_equals(&gr, &groups[3]),
	    "nss_getgrnam_finds_group");
	ok(_nss_posauth_getgrgid_r(210001, &gr, buf, sizeof(buf), &err) ==
	    NSS_STATUS_SUCCESS && gr_equals(&gr, &groups[4]),
	    "nss_getgrgid_finds_group");
	err = 0;
	ok(_nss_posauth_getpwnam_r("root", &pw, buf, sizeof(buf), &err) ==
	    NSS_STATUS_NOTFOUND && err == ENOENT,
	    "nss_miss_is_notfound_enoent");
	err = 0;
	ok(_nss_posauth_getgrgid_r(0, &gr, buf, sizeof(buf), &err) ==
	    NSS_STATUS_NOTFOUND && err == ENOENT,
	    "nss_group_miss_is_notfound_enoent");

	need = pw_size(&users[0]);
	for (all = 1, len = 0; len < need; len++) {
		err = 0;
		all &= _nss_posauth_getpwnam_r("alice", &pw, buf, len, &err) ==
		    NSS_STATUS_TRYAGAIN && err == ERANGE;
	}
	ok(all, "nss_getpwnam_small_buffer_is_erange");
	ok(_nss_posauth_getpwnam_r("alice", &pw, buf, need, &err) ==
	    NSS_STATUS_SUCCESS && pw_equals(&pw, &users[0]),
	    "nss_getpwnam_exact_buffer_fits");
	/* alignment padding, the member array, then the strings */
	need = (8 - (uintptr_t)(buf + 1) % 8) % 8 + 3 * sizeof(char *) +
	    sizeof("pos-cashiers") + sizeof("x") + sizeof("alice") +
	    sizeof("bob");
	for (all = 1, len = 0; len < need; len++) {
		err = 0;
		all &= _nss_posauth_getgrnam_r("pos-cashiers", &gr, buf + 1, len,
		    &err) == NSS_STATUS_TRYAGAIN && err == ERANGE;
	}
	ok(all, "nss_getgrnam_small_buffer_is_erange");
	ok(_nss_posauth_getgrnam_r("pos-cashiers", &gr, buf + 1, need, &err) ==
	    NSS_STATUS_SUCCESS && gr_equals(&gr, &groups[3]),
	    "nss_getgrnam_unaligned_buffer_works");

	if (setenv("POSAUTH_NSS_INDEX", "/nonexistent/nss.db", 1) != 0)
		abort();
	err = 0;
	ok(_nss_posauth_getpwnam_r("alice", &pw, buf, sizeof(buf), &err) ==
	    NSS_STATUS_NOTFOUND && err == ENOENT,
	    "nss_missing_index_is_notfound");
	if (setenv("POSAUTH_NSS_INDEX", path, 1) != 0)
		abort();
}

static int
has_gid(const gid_t *g, long n, gid_t gid)
{
	long i, c = 0;

	for (i = 0; i < n; i++)
		c += g[i] == gid;
	return c == 1;
}

static void
test_initgroups(void)
{
	gid_t *g;
	long start, size;
	int err = 0;

	if (write_fixture(path) != PA_OK || (g = malloc(sizeof(*g))) == NULL)
		abort();
	/* glibc puts the primary group first; 210000 is already there */
	g[0] = 200001;
	start = 1;
	size = 1;
	ok(_nss_posauth_initgroups_dyn("alice", 210000, &start, &size, &g, 0,
	    &err) == NSS_STATUS_SUCCESS, "nss_initgroups_succeeds");
	ok(start == 3 && g[0] == 200001 && has_gid(g, start, 5000) &&
	    has_gid(g, start, 210001) && !has_gid(g, start, 210000),
	    "initgroups_skips_group_argument_and_grows");
	ok(size >= start, "initgroups_size_covers_start");
	/* again: everything already present, nothing added twice */
	ok(_nss_posauth_initgroups_dyn("alice", 210000, &start, &size, &g, 0,
	    &err) == NSS_STATUS_SUCCESS && start == 3,
	    "initgroups_adds_no_duplicates");
	free(g);

	if ((g = malloc(sizeof(*g))) == NULL)
		abort();
	g[0] = 200001;
	start = 1;
	size = 1;
	ok(_nss_posauth_initgroups_dyn("alice", 200001, &start, &size, &g, 2,
	    &err) == NSS_STATUS_SUCCESS && start == 2 && size == 2 &&
	    g[1] == 5000, "initgroups_respects_limit");
	free(g);

	if ((g = malloc(4 * sizeof(*g))) == NULL)
		abort();
	start = 0;
	size = 4;
	err = 0;
	ok(_nss_posauth_initgroups_dyn("mallory", 1, &start, &size, &g, 0,
	    &err) == NSS_STATUS_NOTFOUND && err == ENOENT && start == 0,
	    "initgroups_unknown_user_notfound");
	ok(_nss_posauth_initgroups_dyn("carol", 200003, &start, &size, &g, 0,
	    &err) == NSS_STATUS_SUCCESS && start == 0,
	    "initgroups_user_without_groups_adds_none");
	free(g);
}

static void
test_enumeration(void)
{
	struct passwd pw;
	struct group gr;
	char buf[1024];
	size_t n = 0;
	int err = 0, all = 1;

	if (write_fixture(path) != PA_OK)
		abort();
	_nss_posauth_setpwent(0);
	ok(_nss_posauth_getpwent_r(&pw, buf, 4, &err) == NSS_STATUS_TRYAGAIN &&
	    err == ERANGE, "getpwent_small_buffer_is_erange");
	while (_nss_posauth_getpwent_r(&pw, buf, sizeof(buf), &err) ==
	    NSS_STATUS_SUCCESS && n < NUSERS + 1)
		all &= pw_equals(&pw, &users[n++]);
	ok(all && n == NUSERS, "getpwent_lists_every_user_once_after_erange");
	_nss_posauth_endpwent();
	_nss_posauth_setgrent(0);
	for (n = 0; _nss_posauth_getgrent_r(&gr, buf, sizeof(buf), &err) ==
	    NSS_STATUS_SUCCESS && n < NGROUPS + 1; n++)
		all &= gr_equals(&gr, &groups[n]);
	ok(all && n == NGROUPS, "getgrent_lists_every_group");
	err = 0;
	ok(_nss_posauth_getgrent_r(&gr, buf, sizeof(buf), &err) ==
	    NSS_STATUS_NOTFOUND && err == ENOENT, "getgrent_end_is_notfound");
	_nss_posauth_endgrent();
}

/* A process keeps answering from the newest index without a restart. */
static void
test_replaced_index(void)
{
	static const struct pa_nss_user dave = { "dave", 200010, 200010, "",
	    "/home/dave", "/bin/sh", NULL, 0 };
	struct passwd pw;
	char buf[1024];
	int err = 0;

	if (write_fixture(path) != PA_OK)
		abort();
	ok(_nss_posauth_getpwnam_r("alice", &pw, buf, sizeof(buf), &err) ==
	    NSS_STATUS_SUCCESS, "before_replacement_alice_found");
	ok(pa_nssdb_write(path, &dave, 1, NULL, 0) == PA_OK, "index_replaced");
	ok(_nss_posauth_getpwnam_r("dave", &pw, buf, sizeof(buf), &err) ==
	    NSS_STATUS_SUCCESS && pw.pw_uid == 200010 &&
	    _nss_posauth_getpwnam_r("alice", &pw, buf, sizeof(buf), &err) ==
	    NSS_STATUS_NOTFOUND, "replaced_index_picked_up");
	ok(unlink(path) == 0 && _nss_posauth_getpwnam_r("dave", &pw, buf,
	    sizeof(buf), &err) == NSS_STATUS_NOTFOUND,
	    "removed_index_means_notfound");
	if (put_file(path, "garbage", 7) != 0)
		abort();
	ok(_nss_posauth_getpwnam_r("dave", &pw, buf, sizeof(buf), &err) ==
	    NSS_STATUS_NOTFOUND, "garbage_index_means_notfound");
}

static volatile int stop_threads;

static void *
reader_thread(void *arg)
{
	struct passwd pw;
	char buf[512];
	long bad = 0;
	int err;
	enum nss_status s;

	(void)arg;
	while (!stop_threads) {
		s = _nss_posauth_getpwnam_r("alice", &pw, buf, sizeof(buf), &err);
		if (s == NSS_STATUS_SUCCESS && !pw_equals(&pw, &users[0]))
			bad++;
		if (s != NSS_STATUS_SUCCESS && s != NSS_STATUS_NOTFOUND)
			bad++;
	}
	return (void *)bad;
}

/* Threads look up while the index is replaced, and a child after fork. */
static void
test_threads_and_fork(void)
{
	pthread_t t[4];
	struct passwd pw;
	char buf[512];
	void *res;
	int i, err, status, bad = 0, writes_ok = 1;
	pid_t pid;

	if (write_fixture(path) != PA_OK)
		abort();
	stop_threads = 0;
	for (i = 0; i < 4; i++) {
		if (pthread_create(&t[i], NULL, reader_thread, NULL) != 0)
			abort();
	}
	for (i = 0; i < 20; i++) {
		writes_ok &= write_fixture(path) == PA_OK;
		if ((pid = fork()) == 0)
			_exit(_nss_posauth_getpwnam_r("bob", &pw, buf,
			    sizeof(buf), &err) == NSS_STATUS_SUCCESS ? 0 : 1);
		if (pid < 0 || waitpid(pid, &status, 0) != pid ||
		    !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			bad++;
	}
	stop_threads = 1;
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], &res);
		bad += res != NULL;
	}
	ok(writes_ok, "index_rewritten_under_readers");
	ok(bad == 0, "threads_and_forked_children_see_only_valid_data");
}

/*
 * Rewrites one user record of the fixture in a copy, with uid and gid
 * changed and its check recomputed as the format says (FNV-1a 64 over
 * the record after the check, its strings, its gids), so the reader sees
 * a well-formed record that the writer would never have produced.
 */
static int
forge_ids(const char *out, const char *name, uint32_t uid, uint32_t gid,
    uint32_t supp)
{
	struct pa_nssdb_hdr h;
	struct pa_nssdb_urec *u;
	char *buf, *strs, *tmp;
	size_t len, i, users_off = sizeof(h), gids_off, tlen;
	uint32_t *gids;
	int r = -1;

	if ((buf = read_file(path, &len)) == NULL)
		return -1;
	memcpy(&h, buf, sizeof(h));
	gids_off = users_off + h.nusers * sizeof(*u) +
	    h.ngroups * sizeof(struct pa_nssdb_grec);
	gids = (uint32_t *)(void *)(buf + gids_off);
	strs = buf + len - h.str_len;
	for (i = 0; i < h.nusers; i++) {
		u = (struct pa_nssdb_urec *)(void *)(buf + users_off +
		    i * sizeof(*u));
		if (u->name.len != strlen(name) ||
		    memcmp(strs + u->name.off, name, u->name.len) != 0)
			continue;
		u->uid = uid;
		u->gid = gid;
		if (u->ngids > 0)
			gids[u->gids_start] = supp;
		tlen = sizeof(*u) - sizeof(u->check) + u->name.len +
		    u->gecos.len + u->home.len + u->shell.len +
		    u->ngids * sizeof(uint32_t);
		if ((tmp = malloc(tlen)) == NULL)
			break;
		len = 0;
		memcpy(tmp, (char *)u + sizeof(u->check), sizeof(*u) -
		    sizeof(u->check));
		tlen = sizeof(*u) - sizeof(u->check);
#define ADD(s) do { memcpy(tmp + tlen, strs + (s).off, (s).len); \
	tlen += (s).len; } while (0)
		ADD(u->name);
		ADD(u->gecos);
		ADD(u->home);
		ADD(u->shell);
#undef ADD
		memcpy(tmp + tlen, gids + u->gids_start,
		    u->ngids * sizeof(uint32_t));
		tlen += u->ngids * sizeof(uint32_t);
		u->check = pa_nssdb_hash(tmp, tlen);
		free(tmp);
		r = 0;
		break;
	}
	if (r == 0) {
		r = put_file(out, buf, (size_t)(strs + h.str_len - buf));
	}
	free(buf);
	return r;
}

static int
getpw_named(const char *p, const char *name, uid_t *uid)
{
	struct pa_nssdb *db = NULL;
	struct passwd pw;
	char buf[1024];
	int r;

	if ((r = pa_nssdb_open(p, &db)) != PA_OK)
		return r;
	r = pa_nssdb_getpwnam(db, name, &pw, buf, sizeof(buf));
	if (r == PA_OK && uid != NULL)
		*uid = pw.pw_uid;
	pa_nssdb_close(db);
	return r;
}

/* Security review hole 1: the reader itself never serves root. */
static void
test_root_ids_refused(void)
{
	char p[160];
	uid_t uid = 1;
	gid_t *g = malloc(8 * sizeof(gid_t));
	long start = 0, size = 8;
	struct pa_nssdb *db = NULL;

	snprintf(p, sizeof(p), "%s/forged.db", dir);
	ok(write_fixture(path) == PA_OK &&
	    forge_ids(p, "bob", 200002, 200002, 210000) == 0 &&
	    getpw_named(p, "bob", &uid) == PA_OK && uid == 200002,
	    "test_forged_copy_with_same_ids_still_reads");
	ok(forge_ids(p, "bob", 0, 200002, 210000) == 0 &&
	    getpw_named(p, "bob", NULL) == PA_ERR_NOT_FOUND,
	    "test_reader_refuses_uid_0_entry");
	ok(forge_ids(p, "bob", 200002, 0, 210000) == 0 &&
	    getpw_named(p, "bob", NULL) == PA_ERR_NOT_FOUND,
	    "test_reader_refuses_gid_0_entry");
	ok(forge_ids(p, "bob", 200002, 200002, 0) == 0 &&
	    getpw_named(p, "bob", NULL) == PA_ERR_NOT_FOUND &&
	    pa_nssdb_open(p, &db) == PA_OK && g != NULL &&
	    pa_nssdb_initgroups(db, "bob", 99, &start, &size, &g, 0) ==
	    PA_ERR_NOT_FOUND && start == 0,
	    "test_reader_refuses_supplementary_gid_0");
	pa_nssdb_close(db);
	free(g);
	ok(getpw_named(p, "alice", NULL) == PA_OK,
	    "test_other_entries_still_served");
	unlink(p);
}

/* Whoever can write the index decides who is who. */
static void
test_unsafe_index_file_refused(void)
{
	ok(write_fixture(path) == PA_OK && chmod(path, 0666) == 0 &&
	    getpw_named(path, "alice", NULL) == PA_ERR_CACHE_CORRUPT,
	    "test_world_writable_index_refused");
	ok(chmod(path, 0664) == 0 &&
	    getpw_named(path, "alice", NULL) == PA_ERR_CACHE_CORRUPT,
	    "test_group_writable_index_refused");
	ok(chmod(path, 0644) == 0 &&
	    getpw_named(path, "alice", NULL) == PA_OK,
	    "test_root_only_writable_index_read");
	if (geteuid() == 0) {
		ok(chown(path, 65534, 0) == 0 &&
		    getpw_named(path, "alice", NULL) == PA_ERR_CACHE_CORRUPT,
		    "test_index_owned_by_another_user_refused");
		if (chown(path, 0, 0) != 0)
			exit(90);
	} else
		tap_skip_one("test_index_owned_by_another_user_refused",
		    "needs root to chown");
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/test_nssdb.XXXXXX",
	    tmp != NULL && strlen(tmp) < 32 ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		return 99;
	snprintf(path, sizeof(path), "%s/nss.db", dir);

	test_roundtrip();
	test_writer_rejects();
	test_empty_index();
	test_many_names();
	test_truncated();
	test_bit_flips();
	test_random_damage();
	test_hostile_probe_length();
	test_entry_points();
	test_initgroups();
	test_enumeration();
	test_replaced_index();
	test_root_ids_refused();
	test_unsafe_index_file_refused();
	test_threads_and_fork();

	{
		char p[160];
		const char *files[] = { "nss.db", "trunc.db", "flip.db",
		    "rand.db", "probe.db" };
		size_t i;

		for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
			snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
			unlink(p);
		}
		rmdir(dir);
	}
	return tap_done();
}
