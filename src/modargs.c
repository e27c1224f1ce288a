/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "modargs.h"

#define LIST_MAX 64

void
pa_list_free(char **list, size_t n)
{
	size_t i;

	if (list == NULL)
		return;
	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

int
pa_split_list(const char *s, char ***out, size_t *n)
{
	char **list = NULL;
	size_t cnt = 0, len;
	const char *p = s, *e;
	int r = PA_ERR_ARG;

	*out = NULL;
	*n = 0;
	if ((list = calloc(LIST_MAX, sizeof(*list))) == NULL)
		return PA_ERR_ALLOC;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		e = strchr(p, ',');
		len = e ? (size_t)(e - p) : strlen(p);
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len == 0 || cnt >= LIST_MAX)
			goto out;
		if ((list[cnt] = strndup(p, len)) == NULL) {
			r = PA_ERR_ALLOC;
			goto out;
		}
		cnt++;
		if (e == NULL)
			break;
		p = e + 1;
	}
	*out = list;
	*n = cnt;
	list = NULL;
	r = PA_OK;
 out:
	pa_list_free(list, cnt);
	return r;
}

void
pa_modargs_clear(struct pa_modargs *a)
{
	pa_list_free(a->allow_roles, a->n_allow);
	pa_list_free(a->deny_roles, a->n_deny);
	memset(a, 0, sizeof(*a));
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
		else if (strncmp(arg, "config=", 7) == 0 && arg[7] == '/')
			a->config = arg + 7;
		else if (strncmp(arg, "allow_roles=", 12) == 0 &&
		    a->allow_roles == NULL)
			r = pa_split_list(arg + 12, &a->allow_roles,
			    &a->n_allow);
		else if (strncmp(arg, "deny_roles=", 11) == 0 &&
		    a->deny_roles == NULL)
			r = pa_split_list(arg + 11, &a->deny_roles,
			    &a->n_deny);
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
