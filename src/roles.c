/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <string.h>

#include "err.h"
#include "roles.h"

static int
roles_intersect(char *const *a, size_t na, char *const *b, size_t nb)
{
	size_t i, j;

	for (i = 0; i < na; i++)
		for (j = 0; j < nb; j++)
			if (strcmp(a[i], b[j]) == 0)
				return 1;
	return 0;
}

int
pa_roles_gate(char *const *roles, size_t nroles,
    char *const *allow, size_t nallow, char *const *deny, size_t ndeny)
{
	/* Deny wins: a role listed in both lists keeps the user out. */
	if (deny != NULL && roles_intersect(roles, nroles, deny, ndeny))
		return PA_ERR_ROLE_DENIED;
	if (allow != NULL && !roles_intersect(roles, nroles, allow, nallow))
		return PA_ERR_ROLE_DENIED;
	return PA_OK;
}
