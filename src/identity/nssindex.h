/* SPDX-License-Identifier: MIT */
/*
 * Builds the public NSS index (nssdb.h) from the device cache: which staff
 * exist on this terminal, their uid, home, shell and groups. Runs in the
 * PAM module and posauthctl whenever a record changes; the NSS module only
 * ever reads the result.
 */
#ifndef POSAUTH_NSSINDEX_H
#define POSAUTH_NSSINDEX_H

#include <stddef.h>
#include <sys/types.h>

struct pa_cache;
struct pa_conf;
struct pa_log;
struct pa_names_paths;

/*
 * Rewrites conf->nss_index from every usable record in c: users whose
 * last online login is within nss_expire days (0: no expiry). Ids stay
 * what the previous index gave them; new ones come from idmap.c, never
 * colliding with local ids. A staff member whose name another source of
 * users or groups owns (names.h), or that names a mapped group, is left
 * out and logged. Mapped groups that another source has become
 * supplementary gids (never gid 0); mapped groups nobody has are served
 * by the index; a mapped group that is a user name elsewhere is refused.
 * *nusers (may be NULL) gets the number of users written.
 */
int pa_nssindex_rebuild(const struct pa_conf *conf, struct pa_cache *c,
    long long now, const struct pa_log *lg, size_t *nusers);

/* The same with other name sources (NULL: the system's), for tests. */
int pa_nssindex_rebuild_with(const struct pa_conf *conf, struct pa_cache *c,
    long long now, const struct pa_log *lg,
    const struct pa_names_paths *paths, size_t *nusers);

/* A staff member as the index serves them. */
struct pa_staff_id {
	char name[65];		/* PA_NAME_COMPONENT_MAX + 1 */
	uid_t uid;
	gid_t gid;
};

/*
 * Looks a staff member up in conf->nss_index, by name (when name is not
 * NULL) or by uid: what the service wrote and trusts, where the system's
 * NSS may not list staff at all. PA_OK, PA_ERR_NOT_FOUND (also for an
 * index that is missing or unusable) or PA_ERR_SYSTEM.
 */
int pa_nssindex_staff(const struct pa_conf *conf, const char *name, uid_t uid,
    struct pa_staff_id *out);

/* gecos from a display name: printable ASCII/UTF-8 only, no ':' or ','. */
void pa_nssindex_gecos(const char *name, char *out, size_t outlen);

#endif
