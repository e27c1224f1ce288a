/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "err.h"
#include "groups.h"
#include "strv.h"

void
pa_groups_free(char **groups, size_t n)
{
	pa_strv_free(groups, n);
}

int
pa_groups_for_roles(const struct pa_conf *conf, char *const *roles,
    size_t nroles, char ***groups, size_t *n)
{
	char **list = NULL;
	size_t cnt = 0, i, k;
	int r = PA_OK;

	*groups = NULL;
	*n = 0;
	for (i = 0; r == PA_OK && i < conf->n_default_groups; i++)
		r = pa_strv_add_unique(&list, &cnt, PA_GROUPS_MAX,
		    conf->default_groups[i]);
	/* Config order, not token order: the result must not depend on how
	 * the service happens to order the roles. */
	for (i = 0; r == PA_OK && i < conf->nroles; i++) {
		if (!pa_strv_has(roles, nroles, conf->roles[i].role))
			continue;
		for (k = 0; r == PA_OK && k < conf->roles[i].ngroups; k++)
			r = pa_strv_add_unique(&list, &cnt, PA_GROUPS_MAX,
			    conf->roles[i].groups[k]);
	}
	if (r != PA_OK) {
		pa_strv_free(list, cnt);
		return r;
	}
	*groups = list;
	*n = cnt;
	return PA_OK;
}

int
pa_groups_mapped(const struct pa_conf *conf, const char *name)
{
	size_t i;

	if (pa_strv_has(conf->default_groups, conf->n_default_groups, name))
		return 1;
	for (i = 0; i < conf->nroles; i++)
		if (pa_strv_has(conf->roles[i].groups, conf->roles[i].ngroups,
		    name))
			return 1;
	return 0;
}
