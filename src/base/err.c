/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <stddef.h>

#include "err.h"

const struct pa_status_info pa_statuses[] = {
#define PA_STATUS_ROW(name, value, text, cls) \
	{ value, #name, text, PA_CLASS_##cls },
	PA_STATUS_TABLE(PA_STATUS_ROW)
#undef PA_STATUS_ROW
};

const unsigned pa_nstatuses = sizeof(pa_statuses) / sizeof(pa_statuses[0]);

const struct pa_status_info *
pa_status_lookup(int status)
{
	unsigned i;

	for (i = 0; i < pa_nstatuses; i++)
		if (pa_statuses[i].status == status)
			return &pa_statuses[i];
	return NULL;
}

const char *
pa_strerror(int status)
{
	const struct pa_status_info *s = pa_status_lookup(status);

	return s != NULL ? s->text : "unknown error";
}

enum pa_failure_class
pa_failure_class(int status)
{
	const struct pa_status_info *s = pa_status_lookup(status);

	return s != NULL ? s->cls : PA_CLASS_LOCAL;
}

const char *
pa_failure_class_name(enum pa_failure_class c)
{
	switch (c) {
	case PA_CLASS_NONE: return "ok";
	case PA_CLASS_LOCAL: return "local";
	case PA_CLASS_UNREACHABLE: return "unreachable";
	case PA_CLASS_REJECTED: return "rejected";
	case PA_CLASS_INVALID: return "invalid";
	}
	return "unknown";
}
