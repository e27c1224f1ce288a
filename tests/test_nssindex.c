/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "conf.h"
#include "err.h"
#include "groups.h"
#include "nssdb.h"
#include "names.h"
#include "nssindex.h"
#include "tap.h"
#include "testutil.h"

static char dir[] = "/tmp/test_nssindex.XXXXXX";
static char path_passwd[256], path_group[256], path_index[256];
static char path_nss[256];
static struct pa_names_paths paths;
static char path_cache[256];
static const long long NOW = 1800000000LL;

static struct pa_conf *
conf_with(const char *extra)
{
	return tu_conf("cache_dir = %s\nnss_index = %s\nuid_min = 200000\n"
	    "uid_max = 200999\n%s", path_cache, path_index, extra);
}

static void
put(struct pa_cache *c, const char *user, const char *role, const char *name,
    long long last_online, long long uid)
{
	struct pa_cache_record rec;
	char *roles[1];

	memset(&rec, 0, sizeof(rec));
	rec.user = (char *)user;
	roles[0] = (char *)role;
	rec.roles = role ? roles : NULL;
	rec.nroles = role ? 1 : 0;
	rec.name = (char *)name;
	rec.last_online = last_online;
	rec.token_exp = last_online + 300;
	if (uid > 0) {
		rec.uid = uid;
		rec.has_uid = 1;
	}
	if (pa_cache_put(c, &rec) != PA_OK)
		exit(98);
}

static int
lookup(const char *user, struct passwd *pw, char *buf, size_t len)
{
	struct pa_nssdb *db = NULL;
	int r;

	if (pa_nssdb_open(path_index, &db) != PA_OK)
		return PA_ERR_NOT_FOUND;
	r = pa_nssdb_getpwnam(db, user, pw, buf, len);
	pa_nssdb_close(db);
	return r;
}

static int
has_group(const char *user, gid_t gid)
{
	struct pa_nssdb *db = NULL;
	gid_t *groups = malloc(64 * sizeof(gid_t));
	long start = 0, size = 64, i;
	int found = 0;

	if (groups == NULL || pa_nssdb_open(path_index, &db) != PA_OK) {
		free(groups);
		return 0;
	}
	pa_nssdb_initgroups(db, user, (gid_t)-1, &start, &size, &groups, 64);
	for (i = 0; i < start; i++)
		if (groups[i] == gid)
			found = 1;
	pa_nssdb_close(db);
	free(groups);
	return found;
}

static gid_t
served_gid(const char *group)
{
	struct pa_nssdb *db = NULL;
	struct group gr;
	char buf[4096];
	gid_t gid = 0;

	if (pa_nssdb_open(path_index, &db) != PA_OK)
		return 0;
	if (pa_nssdb_getgrnam(db, group, &gr, buf, sizeof(buf)) == PA_OK)
		gid = gr.gr_gid;
	pa_nssdb_close(db);
	return gid;
}

int
main(void)
{
	struct pa_cache *c = NULL;
	struct pa_conf *conf;
	struct passwd pw;
	struct stat st;
	char buf[4096];
	char **groups = NULL;
	size_t n = 0, nusers = 0;
	uid_t alice_uid;
	char *roles2[] = { "manager", "cashier" };

	if (mkdtemp(dir) == NULL)
		return 99;
	snprintf(path_passwd, sizeof(path_passwd), "%s/passwd", dir);
	snprintf(path_group, sizeof(path_group), "%s/group", dir);
	snprintf(path_index, sizeof(path_index), "%s/idx/nss.db", dir);
	snprintf(path_cache, sizeof(path_cache), "%s/cache", dir);
	snprintf(path_nss, sizeof(path_nss), "%s/nsswitch.conf", dir);
	tu_write_file(path_nss, "passwd: files posauth\ngroup: files posauth\n");
	paths.passwd = path_passwd;
	paths.group = path_group;
	paths.nsswitch = path_nss;
	tu_write_file(path_passwd, "root:x:0:0::/root:/bin/sh\n"
	    "kiosk:x:200500:200500::/home/kiosk:/bin/sh\n");
	tu_write_file(path_group, "root:x:0:\nusers:x:100:\nsudo:x:27:\n"
	    "wheel:x:0:\n");
	conf = conf_with("default_groups = users\n"
	    "[roles]\n"
	    "cashier = pos-cashier\n"
	    "manager = pos-manager, sudo\n"
	    "shady = wheel\n"
	    "odd = kiosk\n");
	if (conf == NULL || pa_cache_open(path_cache, 1, &c) != PA_OK)
		return 97;

	ok(pa_groups_for_roles(conf, roles2, 2, &groups, &n) == PA_OK &&
	    n == 4 && strcmp(groups[0], "users") == 0 &&
	    strcmp(groups[1], "pos-cashier") == 0 &&
	    strcmp(groups[2], "pos-manager") == 0 &&
	    strcmp(groups[3], "sudo") == 0,
	    "test_groups_follow_config_order_with_defaults_first");
	pa_groups_free(groups, n);

	put(c, "alice", "cashier", "Alice: Example\n", NOW - 60, 0);
	put(c, "bob", "manager", "Bob", NOW - 60, 0);
	put(c, "olduser", "cashier", NULL, NOW - 100LL * 86400, 0);
	put(c, "wiped", NULL, NULL, 0, 0);
	put(c, "claimed", "cashier", NULL, NOW - 60, 200777);
	put(c, "clash", "cashier", NULL, NOW - 60, 200500);
	put(c, "eve", "shady", NULL, NOW - 60, 0);
	/* names other sources own, or a served role group's */
	put(c, "sudo", "cashier", NULL, NOW - 60, 0);
	put(c, "kiosk", "cashier", NULL, NOW - 60, 0);
	put(c, "pos-manager", "manager", NULL, NOW - 60, 0);
	put(c, "olga", "odd", NULL, NOW - 60, 0);

	ok(pa_nssindex_rebuild_with(conf, c, NOW, NULL, &paths,
	    &nusers) == PA_OK && nusers == 5,
	    "test_rebuild_writes_current_users");
	ok(lookup("sudo", &pw, buf, sizeof(buf)) == PA_ERR_NOT_FOUND &&
	    served_gid("sudo") == 0,
	    "test_staff_id_named_like_a_local_group_left_out");
	ok(lookup("kiosk", &pw, buf, sizeof(buf)) == PA_ERR_NOT_FOUND,
	    "test_staff_id_named_like_a_local_user_left_out");
	ok(lookup("pos-manager", &pw, buf, sizeof(buf)) == PA_ERR_NOT_FOUND &&
	    served_gid("pos-manager") >= 200000,
	    "test_staff_id_named_like_a_role_group_left_out_group_kept");
	ok(lookup("olga", &pw, buf, sizeof(buf)) == PA_OK &&
	    served_gid("kiosk") == 0 && !has_group("olga", 200500),
	    "test_role_group_named_like_a_local_user_not_served");
	ok(lookup("alice", &pw, buf, sizeof(buf)) == PA_OK &&
	    pw.pw_uid >= 200000 && pw.pw_uid <= 200999 &&
	    pw.pw_uid != 200500 && strcmp(pw.pw_dir, "/home/alice") == 0 &&
	    strcmp(pw.pw_shell, "/bin/bash") == 0,
	    "test_user_gets_uid_in_range_home_and_shell");
	alice_uid = pw.pw_uid;
	ok(strchr(pw.pw_gecos, ':') == NULL &&
	    strchr(pw.pw_gecos, '\n') == NULL &&
	    strcmp(pw.pw_gecos, "Alice Example") == 0,
	    "test_gecos_sanitised");
	ok(lookup("olduser", &pw, buf, sizeof(buf)) == PA_ERR_NOT_FOUND,
	    "test_expired_user_left_out");
	ok(lookup("wiped", &pw, buf, sizeof(buf)) == PA_ERR_NOT_FOUND,
	    "test_wiped_user_left_out");
	ok(lookup("claimed", &pw, buf, sizeof(buf)) == PA_OK &&
	    pw.pw_uid == 200777, "test_uid_claim_used");
	ok(lookup("clash", &pw, buf, sizeof(buf)) == PA_ERR_NOT_FOUND,
	    "test_claimed_uid_of_local_user_left_out");
	ok(has_group("alice", 100) && has_group("bob", 27) &&
	    has_group("bob", 100), "test_existing_local_groups_added");
	ok(served_gid("pos-cashier") >= 200000 &&
	    has_group("alice", served_gid("pos-cashier")) &&
	    !has_group("alice", served_gid("pos-manager")),
	    "test_missing_groups_served_by_index");
	ok(!has_group("eve", 0), "test_gid_zero_never_mapped");
	ok(stat(path_index, &st) == 0 && (st.st_mode & 0777) == 0644,
	    "test_index_is_world_readable");

	/* A newcomer must not move anyone already there. */
	put(c, "aaron", "cashier", NULL, NOW - 30, 0);
	ok(pa_nssindex_rebuild_with(conf, c, NOW, NULL, &paths,
	    &nusers) == PA_OK && nusers == 6 &&
	    lookup("alice", &pw, buf, sizeof(buf)) == PA_OK &&
	    pw.pw_uid == alice_uid, "test_uids_stable_across_rebuilds");
	ok(pa_cache_delete(c, "alice") == PA_OK &&
	    pa_nssindex_rebuild_with(conf, c, NOW, NULL, &paths,
	    &nusers) == PA_OK &&
	    lookup("alice", &pw, buf, sizeof(buf)) == PA_ERR_NOT_FOUND,
	    "test_purged_user_vanishes");

	pa_cache_close(c);
	pa_conf_free(conf);
	{
		char cmd[4300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			return 96;
	}
	return tap_done();
}
