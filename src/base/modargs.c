/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "modargs.h"
#include "strv.h"
#include "user.h"

#define LIST_MAX 64

/* The same rule as roles in posauth.conf and in tokens. */
static int
check_role(const char *role, char *msg, size_t msglen)
{
	(void)msg;
	(void)msglen;
	return pa_role_name_valid(role) ? PA_OK : PA_ERR_CONFIG;
}

void
pa_modargs_clear(struct pa_modargs *a)
{
	pa_strv_free(a->allow_roles, a->n_allow);
	pa_strv_free(a->deny_roles, a->n_deny);
	memset(a, 0, sizeof(*a));
}

/* An empty list would gate nothing: "allow_roles=" is an error too. */
static int
role_list(const char *value, char ***out, size_t *n)
{
	if (*out != NULL || *value == '\0')
		return PA_ERR_ARG;
	return pa_strv_split(value, LIST_MAX, check_role, out, n, NULL, 0) ==
	    PA_OK ? PA_OK : PA_ERR_ARG;
}

int
pa_modargs_parse(int argc, const char **argv, struct pa_modargs *a)
{
	int i, r = PA_OK;

	memset(a, 0, sizeof(*a));
	for (i = 0; i < argc && r == PA_OK; i++) {
		const char *arg = argv[i];

		if (strcmp(arg, "debug") == 0)
			a->debug = 1;
		else if (strcmp(arg, "use_first_pass") == 0)
			a->use_first_pass = 1;
		else if (strcmp(arg, "try_first_pass") == 0)
			a->try_first_pass = 1;
		else if (strcmp(arg, "nodelay") == 0)
			a->nodelay = 1;
		else if (strcmp(arg, "mfa") == 0)
			a->mfa = 1;
		else if (strncmp(arg, "socket=", 7) == 0 && arg[7] == '/' &&
		    a->socket == NULL)
			a->socket = arg + 7;
		else if (strncmp(arg, "allow_roles=", 12) == 0)
			r = role_list(arg + 12, &a->allow_roles, &a->n_allow);
		else if (strncmp(arg, "deny_roles=", 11) == 0)
			r = role_list(arg + 11, &a->deny_roles, &a->n_deny);
		else
			r = PA_ERR_ARG;
		if (r != PA_OK)
			snprintf(a->bad_arg, sizeof(a->bad_arg), "%s", arg);
	}
	if (r != PA_OK) {
		char keep[sizeof(a->bad_arg)];

		memcpy(keep, a->bad_arg, sizeof(keep));
		pa_modargs_clear(a);
		memcpy(a->bad_arg, keep, sizeof(keep));
	}
	return r;
}
