/* SPDX-License-Identifier: MIT */
/*
 * libnss_posauth.so.2: glibc NSS entry points over the index (nssdb.c).
 * Thin on purpose: every entry point takes the process-wide mapping, asks
 * nssdb, maps the status to glibc's contract and releases the mapping.
 * It runs inside every process that resolves a user, so: no network, no
 * logging, no lock held across calls, and no state that breaks on fork.
 */
#include "config.h"

#include <sys/types.h>

#include <errno.h>
#include <grp.h>
#include <nss.h>
#include <pwd.h>
#include <stdlib.h>

#include "err.h"
#include "nssdb.h"
#include "nss_posauth.h"

#ifndef PA_NSS_INDEX
#define PA_NSS_INDEX "/var/cache/posauth/nss.db"
#endif


/*
 * Tests point the module at their own index. secure_getenv() ignores the
 * variable in setuid/setgid processes, so su or passwd cannot be fed a
 * forged index by the user running them.
 */
static const char *
index_path(void)
{
	const char *p = secure_getenv("POSAUTH_NSS_INDEX");

	return (p != NULL && *p != '\0') ? p : PA_NSS_INDEX;
}

/* The one place nssdb statuses become glibc's. */
static enum nss_status
to_nss(int r, int *errnop)
{
	switch (r) {
	case PA_OK:
		return NSS_STATUS_SUCCESS;
	case PA_ERR_TOO_LARGE:
		*errnop = ERANGE;
		return NSS_STATUS_TRYAGAIN;
	case PA_ERR_ALLOC:
		*errnop = ENOMEM;
		return NSS_STATUS_TRYAGAIN;
	default:
		/* a miss, no index or a damaged one: someone else's user */
		*errnop = ENOENT;
		return NSS_STATUS_NOTFOUND;
	}
}

enum nss_status
_nss_posauth_getpwnam_r(const char *name, struct passwd *pw, char *buf,
    size_t buflen, int *errnop)
{
	const struct pa_nssdb *db = pa_nssdb_shared_acquire(index_path());
	int r = pa_nssdb_getpwnam(db, name, pw, buf, buflen);

	pa_nssdb_shared_release();
	return to_nss(r, errnop);
}

enum nss_status
_nss_posauth_getpwuid_r(uid_t uid, struct passwd *pw, char *buf,
    size_t buflen, int *errnop)
{
	const struct pa_nssdb *db = pa_nssdb_shared_acquire(index_path());
	int r = pa_nssdb_getpwuid(db, uid, pw, buf, buflen);

	pa_nssdb_shared_release();
	return to_nss(r, errnop);
}

enum nss_status
_nss_posauth_getgrnam_r(const char *name, struct group *gr, char *buf,
    size_t buflen, int *errnop)
{
	const struct pa_nssdb *db = pa_nssdb_shared_acquire(index_path());
	int r = pa_nssdb_getgrnam(db, name, gr, buf, buflen);

	pa_nssdb_shared_release();
	return to_nss(r, errnop);
}

enum nss_status
_nss_posauth_getgrgid_r(gid_t gid, struct group *gr, char *buf,
    size_t buflen, int *errnop)
{
	const struct pa_nssdb *db = pa_nssdb_shared_acquire(index_path());
	int r = pa_nssdb_getgrgid(db, gid, gr, buf, buflen);

	pa_nssdb_shared_release();
	return to_nss(r, errnop);
}

enum nss_status
_nss_posauth_initgroups_dyn(const char *user, gid_t group, long *start,
    long *size, gid_t **groupsp, long limit, int *errnop)
{
	const struct pa_nssdb *db = pa_nssdb_shared_acquire(index_path());
	int r = pa_nssdb_initgroups(db, user, group, start, size, groupsp,
	    limit);

	pa_nssdb_shared_release();
	return to_nss(r, errnop);
}

/*
 * Enumeration: one position per database, guarded by the lock that
 * pa_nssdb_shared_acquire() takes, so there is a single lock to keep
 * fork-safe. The position is an index, so an index replaced mid-walk is
 * continued at the same position in the new file.
 */
static size_t pwent_next, grent_next;

static enum nss_status
ent_rewind(size_t *pos)
{
	(void)pa_nssdb_shared_acquire(index_path());
	*pos = 0;
	pa_nssdb_shared_release();
	return NSS_STATUS_SUCCESS;
}

enum nss_status
_nss_posauth_setpwent(int stayopen)
{
	(void)stayopen;
	return ent_rewind(&pwent_next);
}

enum nss_status
_nss_posauth_endpwent(void)
{
	return ent_rewind(&pwent_next);
}

enum nss_status
_nss_posauth_setgrent(int stayopen)
{
	(void)stayopen;
	return ent_rewind(&grent_next);
}

enum nss_status
_nss_posauth_endgrent(void)
{
	return ent_rewind(&grent_next);
}

/*
 * Damaged records are skipped; ERANGE leaves the position alone so the
 * caller's retry with a bigger buffer gets the same entry.
 */
enum nss_status
_nss_posauth_getpwent_r(struct passwd *pw, char *buf, size_t buflen,
    int *errnop)
{
	const struct pa_nssdb *db = pa_nssdb_shared_acquire(index_path());
	int r = PA_ERR_NOT_FOUND;

	while (pwent_next < pa_nssdb_nusers(db)) {
		r = pa_nssdb_pwent(db, pwent_next, pw, buf, buflen);
		if (r == PA_ERR_TOO_LARGE)
			break;
		pwent_next++;
		if (r == PA_OK)
			break;
		r = PA_ERR_NOT_FOUND;
	}
	pa_nssdb_shared_release();
	return to_nss(r, errnop);
}

enum nss_status
_nss_posauth_getgrent_r(struct group *gr, char *buf, size_t buflen,
    int *errnop)
{
	const struct pa_nssdb *db = pa_nssdb_shared_acquire(index_path());
	int r = PA_ERR_NOT_FOUND;

	while (grent_next < pa_nssdb_ngroups(db)) {
		r = pa_nssdb_grent(db, grent_next, gr, buf, buflen);
		if (r == PA_ERR_TOO_LARGE)
			break;
		grent_next++;
		if (r == PA_OK)
			break;
		r = PA_ERR_NOT_FOUND;
	}
	pa_nssdb_shared_release();
	return to_nss(r, errnop);
}
