/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "err.h"
#include "roles.h"
#include "strv.h"

int
pa_roles_gate(char *const *roles, size_t nroles,
    char *const *allow, size_t nallow, char *const *deny, size_t ndeny)
{
	/* Deny wins: a role listed in both lists keeps the user out. */
	if (deny != NULL && pa_strv_intersect(roles, nroles, deny, ndeny))
		return PA_ERR_ROLE_DENIED;
	if (allow != NULL && !pa_strv_intersect(roles, nroles, allow, nallow))
		return PA_ERR_ROLE_DENIED;
	return PA_OK;
}
