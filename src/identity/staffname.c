/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "err.h"
#include "groups.h"
#include "staffname.h"

int
pa_names_staff_ok(struct pa_names *n, const struct pa_conf *conf,
    const char *user, struct pa_name_owner *owner, char *why, size_t whylen)
{
	struct pa_name_owner tmp = { 0, 0, "" };
	struct pa_name_owner *o = owner != NULL ? owner : &tmp;
	int r;

	if ((r = pa_names_lookup(n, user, o, why, whylen)) != PA_OK)
		return r;
	if (o->kinds != 0) {
		if (why != NULL && whylen > 0)
			snprintf(why, whylen, "the name is a %s known to %s",
			    (o->kinds & PA_NAME_USER) ?
			    ((o->kinds & PA_NAME_GROUP) ? "user and a group" :
			    "user") : "group", o->source);
		return PA_ERR_NOT_FOUND;
	}
	/* Each staff member has a group of their own name. */
	if (conf != NULL && pa_groups_mapped(conf, user)) {
		if (why != NULL && whylen > 0)
			snprintf(why, whylen, "the name is a group that [roles] "
			    "or default_groups map roles to");
		return PA_ERR_NOT_FOUND;
	}
	return PA_OK;
}

int
pa_names_staff_ok_system(const struct pa_conf *conf, const char *user,
    struct pa_name_owner *owner, char *why, size_t whylen)
{
	struct pa_names *n = NULL;
	int r;

	if (owner != NULL)
		memset(owner, 0, sizeof(*owner));
	if ((r = pa_names_open(NULL, &n, why, whylen)) != PA_OK)
		return r;
	r = pa_names_staff_ok(n, conf, user, owner, why, whylen);
	pa_names_close(n);
	return r;
}
