/* SPDX-License-Identifier: MIT */
/*
 * Whether a name may be a staff member on this terminal: nobody else owns
 * it (names.h), and no role maps to a group of that name, since every
 * staff member gets a group of their own name.
 */
#ifndef POSAUTH_STAFFNAME_H
#define POSAUTH_STAFFNAME_H

#include <stddef.h>

#include "names.h"

struct pa_conf;

/*
 * Whether user may be a staff member on this terminal: PA_OK, or
 * PA_ERR_NOT_FOUND when another source owns the name (as a user or a
 * group: *owner says which, owner may be NULL) or conf maps a role to a
 * group of that name (the staff member's own group would collide with
 * it; owner->kinds is 0 then), PA_ERR_SYSTEM when a source cannot answer.
 * why (may be NULL) says which and where.
 */
int pa_names_staff_ok(struct pa_names *n, const struct pa_conf *conf,
    const char *user, struct pa_name_owner *owner, char *why,
    size_t whylen);

/* The same, opening the system's sources for this one question. */
int pa_names_staff_ok_system(const struct pa_conf *conf, const char *user,
    struct pa_name_owner *owner, char *why, size_t whylen);

#endif
