/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "err.h"
#include "groups.h"

void
pa_groups_free(char **groups, size_t n)
{
	size_t i;

	for (i = 0; groups != NULL && i < n; i++)
		free(groups[i]);
	free(groups);
}

static int
groups_add(char **list, size_t *n, const char *name)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp(list[i], name) == 0)
			return PA_OK;
	if (*n >= PA_GROUPS_MAX)
		return PA_ERR_TOO_LARGE;
	if ((list[*n] = strdup(name)) == NULL)
		return PA_ERR_ALLOC;
	(*n)++;
	return PA_OK;
}

int
pa_groups_for_roles(const struct pa_conf *conf, char *const *roles,
    size_t nroles, char ***groups, size_t *n)
{
	char **list;
	size_t cnt = 0, i, j, k;
	int r = PA_OK;

	*groups = NULL;
	*n = 0;
	if ((list = calloc(PA_GROUPS_MAX, sizeof(*list))) == NULL)
		return PA_ERR_ALLOC;
	for (i = 0; r == PA_OK && i < conf->n_default_groups; i++)
		r = groups_add(list, &cnt, conf->default_groups[i]);
	/* Config order, not token order: the result must not depend on how
	 * the service happens to order the roles. */
	for (j = 0; r == PA_OK && j < conf->nroles; j++) {
		for (i = 0; i < nroles; i++)
			if (strcmp(conf->roles[j].role, roles[i]) == 0)
				break;
		if (i == nroles)
			continue;
		for (k = 0; r == PA_OK && k < conf->roles[j].ngroups; k++)
			r = groups_add(list, &cnt, conf->roles[j].groups[k]);
	}
	if (r != PA_OK) {
		pa_groups_free(list, cnt);
		return r;
	}
	*groups = list;
	*n = cnt;
	return PA_OK;
}

int
pa_groups_mapped(const struct pa_conf *conf, const char *name)
{
	size_t i, j;

	for (i = 0; i < conf->n_default_groups; i++)
		if (strcmp(conf->default_groups[i], name) == 0)
			return 1;
	for (i = 0; i < conf->nroles; i++)
		for (j = 0; j < conf->roles[i].ngroups; j++)
			if (strcmp(conf->roles[i].groups[j], name) == 0)
				return 1;
	return 0;
}
