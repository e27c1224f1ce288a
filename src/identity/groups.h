/* SPDX-License-Identifier: MIT */
/*
 * Role to local group mapping ([roles] and default_groups in posauth.conf):
 * the token's roles decide a staff member's Unix groups, so kiosk policies
 * and sudo rules can key on groups with no code change per shop.
 */
#ifndef POSAUTH_GROUPS_H
#define POSAUTH_GROUPS_H

#include <stddef.h>

struct pa_conf;

#define PA_GROUPS_MAX 256

/*
 * The groups for a set of roles: default_groups first, then each role's
 * groups in config order, without duplicates. Roles not in the map give
 * no group. Free with pa_groups_free().
 */
int pa_groups_for_roles(const struct pa_conf *conf, char *const *roles,
    size_t nroles, char ***groups, size_t *n);
void pa_groups_free(char **groups, size_t n);

/*
 * 1 when name is a group that default_groups or [roles] maps to: a staff
 * member of that name would have a group of their own with the same name.
 */
int pa_groups_mapped(const struct pa_conf *conf, const char *name);

#endif
