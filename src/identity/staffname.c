/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "groups.h"
#include "staffname.h"

static void snprintf_why(char *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static void
snprintf_why(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL || whylen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

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
		snprintf_why(why, whylen, "the name is a %s known to %s",
		    (o->kinds & PA_NAME_USER) ? ((o->kinds & PA_NAME_GROUP) ?
		    "user and a group" : "user") : "group", o->source);
		return PA_ERR_NOT_FOUND;
	}
	/* Each staff member has a group of their own name. */
	if (conf != NULL && pa_groups_mapped(conf, user)) {
		snprintf_why(why, whylen, "the name is a group that [roles] or "
		    "default_groups map roles to");
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
