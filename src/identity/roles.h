/* SPDX-License-Identifier: MIT */
/*
 * What the verified roles allow: the allow/deny gates of the account phase.
 * (The role to local group mapping is groups.h.)
 */
#ifndef POSAUTH_ROLES_H
#define POSAUTH_ROLES_H

#include <stddef.h>

/*
 * PA_OK when roles intersect allow (or allow is NULL) and do not intersect
 * deny; PA_ERR_ROLE_DENIED otherwise. Role names compare exactly.
 */
int pa_roles_gate(char *const *roles, size_t nroles,
    char *const *allow, size_t nallow, char *const *deny, size_t ndeny);

#endif
