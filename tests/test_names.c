/* SPDX-License-Identifier: MIT */
/*
 * names.c: who else owns a name. The local files come from temp files;
 * "whatever else nsswitch.conf lists" is tests/nss_patest.c, loaded from
 * the build tree like glibc would load libnss_ldap.so.2.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "err.h"
#include "staffname.h"
#include "nssdb.h"
#include "tap.h"
#include "testutil.h"

static char dir[] = "/tmp/test_names.XXXXXX";
static char p_passwd[256], p_group[256], p_nss[256], p_names[256];
static char moddir[1024];
static const char *builddir = ".";

static struct pa_conf *
conf_with(const char *extra)
{
	struct pa_conf *conf = tu_conf("%s", extra);

	if (conf == NULL)
		exit(97);
	return conf;
}

static struct pa_names *
open_names(const char *nsswitch)
{
	struct pa_names_paths p = { p_passwd, p_group, p_nss, moddir };
	struct pa_names *n = NULL;

	tu_write_file(p_nss, nsswitch);
	if (pa_names_open(&p, &n, NULL, 0) != PA_OK)
		return NULL;
	return n;
}

static unsigned
kinds(struct pa_names *n, const char *name)
{
	struct pa_name_owner o;

	if (pa_names_lookup(n, name, &o, NULL, 0) != PA_OK)
		return 99;
	return o.kinds;
}

static void
test_files(void)
{
	struct pa_names *n = open_names("passwd: files\ngroup: files\n");
	struct pa_name_owner o;

	ok(n != NULL, "test_opens_files_and_nsswitch");
	ok(kinds(n, "root") == (PA_NAME_USER | PA_NAME_GROUP),
	    "test_root_is_a_user_and_a_group");
	ok(pa_names_lookup(n, "sudo", &o, NULL, 0) == PA_OK &&
	    o.kinds == PA_NAME_GROUP && o.gid == 27 &&
	    strcmp(o.source, "files") == 0,
	    "test_local_group_found_with_its_gid");
	ok(kinds(n, "kiosk") == PA_NAME_USER, "test_local_user_found");
	ok(kinds(n, "alice") == 0, "test_staff_name_is_free");
	ok(kinds(n, "roo") == 0 && kinds(n, "sud") == 0,
	    "test_prefix_is_not_a_match");
	pa_names_close(n);
}

static void
test_other_services(void)
{
	struct pa_names *n;
	struct pa_name_owner o;
	char why[256];

	tu_write_file(p_names, "user ldapuser 5000\ngroup wheel 10\n"
	    "unavail broken\n");
	n = open_names("passwd: files [NOTFOUND=return] patest posauth\n"
	    "group:  files [ NOTFOUND = return ] patest\n");
	ok(n != NULL, "test_nsswitch_with_actions_parses");
	ok(pa_names_lookup(n, "ldapuser", &o, NULL, 0) == PA_OK &&
	    o.kinds == PA_NAME_USER && strcmp(o.source, "patest") == 0,
	    "test_user_of_another_service_found");
	ok(pa_names_lookup(n, "wheel", &o, NULL, 0) == PA_OK &&
	    o.kinds == PA_NAME_GROUP && o.gid == 10,
	    "test_group_of_another_service_found");
	ok(kinds(n, "alice") == 0, "test_free_name_free_everywhere");
	why[0] = '\0';
	ok(pa_names_lookup(n, "broken", &o, why, sizeof(why)) ==
	    PA_ERR_SYSTEM && strstr(why, "patest") != NULL,
	    "test_unavailable_service_fails_closed");
	pa_names_close(n);

	n = open_names("passwd: files nosuchservice\ngroup: files\n");
	ok(n != NULL && kinds(n, "alice") == 0,
	    "test_service_not_installed_is_skipped_like_glibc");
	pa_names_close(n);
}

/* Our own module, listed in nsswitch.conf, must never count. */
static void
test_posauth_is_not_asked(void)
{
	char tdir[300], link[400], target[1100], index[400];
	struct pa_nss_user u = { "alice", 200001, 200001, "", "/home/alice",
	    "/bin/sh", NULL, 0 };
	struct pa_nss_group g = { "alice", 200001, NULL, 0 };
	struct pa_names_paths p = { p_passwd, p_group, p_nss, tdir };
	struct pa_names *n = NULL;

	snprintf(tdir, sizeof(tdir), "%s/mod", dir);
	snprintf(link, sizeof(link), "%s/libnss_posauth.so.2", tdir);
	snprintf(target, sizeof(target), "%s/.libs/libnss_posauth.so.2",
	    builddir);
	snprintf(index, sizeof(index), "%s/nss.db", dir);
	if (mkdir(tdir, 0700) != 0 || symlink(target, link) != 0 ||
	    pa_nssdb_write(index, &u, 1, &g, 1) != PA_OK)
		exit(96);
	setenv("POSAUTH_NSS_INDEX", index, 1);
	tu_write_file(p_nss, "passwd: files posauth\ngroup: files posauth\n");
	ok(pa_names_open(&p, &n, NULL, 0) == PA_OK && kinds(n, "alice") == 0,
	    "test_posauth_index_never_makes_a_name_taken");
	pa_names_close(n);
	unsetenv("POSAUTH_NSS_INDEX");
}

static void
test_fail_closed(void)
{
	struct pa_names_paths p = { "/nonexistent/passwd", p_group, p_nss,
	    moddir };
	struct pa_names *n = NULL;
	char why[256];

	tu_write_file(p_nss, "passwd: files\ngroup: files\n");
	ok(pa_names_open(&p, &n, why, sizeof(why)) == PA_ERR_SYSTEM &&
	    n == NULL && strstr(why, "/nonexistent/passwd") != NULL,
	    "test_unreadable_passwd_fails_closed");
	p.passwd = p_passwd;
	p.group = "/nonexistent/group";
	ok(pa_names_open(&p, &n, NULL, 0) == PA_ERR_SYSTEM,
	    "test_unreadable_group_fails_closed");
	p.group = p_group;
	p.nsswitch = "/nonexistent/nsswitch.conf";
	ok(pa_names_open(&p, &n, NULL, 0) == PA_OK && kinds(n, "kiosk") ==
	    PA_NAME_USER, "test_missing_nsswitch_means_files_only");
	pa_names_close(n);
	p.nsswitch = p_nss;
	tu_write_file(p_nss, "passwd: files ../../evil\n");
	ok(pa_names_open(&p, &n, NULL, 0) == PA_ERR_SYSTEM,
	    "test_service_name_with_a_path_is_refused");
}

static void
test_staff_ok(void)
{
	struct pa_conf *conf = conf_with("default_groups = users\n[roles]\n"
	    "manager = pos-manager, sudo\n");
	struct pa_names *n = open_names("passwd: files\ngroup: files\n");
	struct pa_name_owner o;
	char why[256];

	ok(pa_names_staff_ok(n, conf, "alice", &o, why, sizeof(why)) ==
	    PA_OK, "test_staff_id_ok");
	ok(pa_names_staff_ok(n, conf, "sudo", &o, why, sizeof(why)) ==
	    PA_ERR_NOT_FOUND && o.kinds == PA_NAME_GROUP &&
	    strstr(why, "group known to files") != NULL,
	    "test_staff_id_named_like_a_local_group_refused");
	ok(pa_names_staff_ok(n, conf, "kiosk", &o, why, sizeof(why)) ==
	    PA_ERR_NOT_FOUND && (o.kinds & PA_NAME_USER),
	    "test_local_user_is_not_staff");
	ok(pa_names_staff_ok(n, conf, "pos-manager", &o, why, sizeof(why)) ==
	    PA_ERR_NOT_FOUND && o.kinds == 0 && strstr(why, "[roles]"),
	    "test_staff_id_named_like_a_served_role_group_refused");
	ok(pa_names_staff_ok(n, conf, "users", &o, why, sizeof(why)) ==
	    PA_ERR_NOT_FOUND, "test_staff_id_named_like_a_default_group_refused");
	pa_names_close(n);
	pa_conf_free(conf);
}

int
main(void)
{
	const char *b = getenv("top_builddir");

	if (b != NULL)
		builddir = b;
	if (mkdtemp(dir) == NULL)
		return 99;
	snprintf(p_passwd, sizeof(p_passwd), "%s/passwd", dir);
	snprintf(p_group, sizeof(p_group), "%s/group", dir);
	snprintf(p_nss, sizeof(p_nss), "%s/nsswitch.conf", dir);
	snprintf(p_names, sizeof(p_names), "%s/names", dir);
	snprintf(moddir, sizeof(moddir), "%s/tests/.libs", builddir);
	setenv("PATEST_NAMES", p_names, 1);
	tu_write_file(p_names, "");
	tu_write_file(p_passwd, "root:x:0:0:root:/root:/bin/bash\n"
	    "kiosk:x:1000:1000::/home/kiosk:/bin/sh\n"
	    "+nisuser::::::\n");
	tu_write_file(p_group, "root:x:0:\nsudo:x:27:kiosk\nusers:x:100:\n");
	test_files();
	test_other_services();
	test_posauth_is_not_asked();
	test_fail_closed();
	test_staff_ok();
	return tap_done();
}
