/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "daemon.h"
#include "err.h"

void
pd_outage_init(struct pd *d)
{
	pthread_mutex_init(&d->outage.lock, NULL);
}

int
pd_outage_known(struct pd *d)
{
	int down;

	pthread_mutex_lock(&d->outage.lock);
	down = d->outage.down;
	pthread_mutex_unlock(&d->outage.lock);
	return down;
}

void
pd_outage_report(struct pd *d, int status, const char *why)
{
	(void)d;
	(void)status;
	(void)why;
}

long long
pd_outage_tick(struct pd *d, const struct pa_conf *conf, long long mono_ms)
{
	(void)d;
	(void)conf;
	(void)mono_ms;
	return LLONG_MAX;
}

void
pd_outage_describe(struct pd *d, char *out, size_t outlen)
{
	(void)d;
	snprintf(out, outlen, "online");
}
