/* SPDX-License-Identifier: MIT */
/*
 * libnss_patest.so.2: a stand-in for "whatever else nsswitch.conf lists"
 * (LDAP, SSSD, extrausers) in tests of names.c. It serves the names in the
 * file named by PATEST_NAMES, one per line:
 *	user NAME UID
 *	group NAME GID
 *	unavail NAME		(answers NSS_STATUS_UNAVAIL for NAME)
 * Test code only: never installed, never listed in a real nsswitch.conf.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <nss.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum nss_status _nss_patest_getpwnam_r(const char *, struct passwd *, char *,
    size_t, int *);
enum nss_status _nss_patest_getgrnam_r(const char *, struct group *, char *,
    size_t, int *);

/* 1 found (*id set), 0 not found, -1 unavailable. */
static int
patest_find(const char *kind, const char *name, unsigned long *id)
{
	char line[512], k[32], n[256];
	const char *path = getenv("PATEST_NAMES");
	unsigned long v;
	FILE *f;
	int found = 0, fields;

	if (path == NULL || (f = fopen(path, "re")) == NULL)
		return -1;
	while (found == 0 && fgets(line, sizeof(line), f) != NULL) {
		fields = sscanf(line, "%31s %255s %lu", k, n, &v);
		if (fields < 2 || strcmp(n, name) != 0)
			continue;
		if (strcmp(k, "unavail") == 0)
			found = -1;
		else if (strcmp(k, kind) == 0 && fields == 3) {
			*id = v;
			found = 1;
		}
	}
	fclose(f);
	return found;
}

static char *
patest_copy(const char *s, char **buf, size_t *left)
{
	size_t n = strlen(s) + 1;
	char *p = *buf;

	if (n > *left)
		return NULL;
	memcpy(p, s, n);
	*buf += n;
	*left -= n;
	return p;
}

enum nss_status
_nss_patest_getpwnam_r(const char *name, struct passwd *pw, char *buf,
    size_t buflen, int *errnop)
{
	unsigned long id = 0;
	int f = patest_find("user", name, &id);

	if (f < 0) {
		*errnop = ENOENT;
		return NSS_STATUS_UNAVAIL;
	}
	if (f == 0) {
		*errnop = ENOENT;
		return NSS_STATUS_NOTFOUND;
	}
	if ((pw->pw_name = patest_copy(name, &buf, &buflen)) == NULL ||
	    (pw->pw_passwd = patest_copy("x", &buf, &buflen)) == NULL ||
	    (pw->pw_gecos = patest_copy("", &buf, &buflen)) == NULL ||
	    (pw->pw_dir = patest_copy("/", &buf, &buflen)) == NULL ||
	    (pw->pw_shell = patest_copy("/bin/sh", &buf, &buflen)) == NULL) {
		*errnop = ERANGE;
		return NSS_STATUS_TRYAGAIN;
	}
	pw->pw_uid = (uid_t)id;
	pw->pw_gid = (gid_t)id;
	return NSS_STATUS_SUCCESS;
}

enum nss_status
_nss_patest_getgrnam_r(const char *name, struct group *gr, char *buf,
    size_t buflen, int *errnop)
{
	unsigned long id = 0;
	int f = patest_find("group", name, &id);
	char **mem;

	if (f < 0) {
		*errnop = ENOENT;
		return NSS_STATUS_UNAVAIL;
	}
	if (f == 0) {
		*errnop = ENOENT;
		return NSS_STATUS_NOTFOUND;
	}
	if (buflen < sizeof(char *) * 2) {
		*errnop = ERANGE;
		return NSS_STATUS_TRYAGAIN;
	}
	mem = (char **)(void *)buf;
	mem[0] = NULL;
	buf += sizeof(char *);
	buflen -= sizeof(char *);
	if ((gr->gr_name = patest_copy(name, &buf, &buflen)) == NULL ||
	    (gr->gr_passwd = patest_copy("x", &buf, &buflen)) == NULL) {
		*errnop = ERANGE;
		return NSS_STATUS_TRYAGAIN;
	}
	gr->gr_mem = mem;
	gr->gr_gid = (gid_t)id;
	return NSS_STATUS_SUCCESS;
}
