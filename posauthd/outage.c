/* SPDX-License-Identifier: MIT */
/*
 * An unreachable token service, remembered. Without this every login of
 * an outage pays the whole network wait before the device cache decides
 * (seconds for a service that stalls after TLS). Once a contact ends
 * "unreachable", logins the cache can decide go straight to it, and this
 * file probes the service in the background instead, on a jittered
 * exponential schedule (backoff.h), until it answers. The first answer,
 * from a probe or a login, ends the outage; the revocations logouts
 * queued meanwhile go out then.
 *
 * The same round keeps discovery and the signing keys young, so no
 * login waits on them: they are fetched again at three quarters of the
 * age at which a login would.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache.h"
#include "conf.h"
#include "daemon.h"
#include "err.h"
#include "http.h"
#include "provider.h"
#include "revoke.h"

#define DOCS_REFRESH_AT		(PA_PROVIDER_MAX_AGE * 3 / 4)	/* s */
#define DOCS_JITTER_PCT		10
#define DOCS_RETRY_MIN_MS	60000LL
#define DOCS_RETRY_MAX_MS	(15 * 60000LL)
#define DOCS_FIRST_SPREAD_MS	2000	/* stale ones found: fetched within */
#define DOCS_LOOK_AGAIN_MS	60000LL

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

/* Whether status came from the service answering (yes or no). */
static int
is_answer(int status)
{
	enum pa_failure_class c = pa_failure_class(status);

	return c == PA_CLASS_NONE || c == PA_CLASS_REJECTED ||
	    c == PA_CLASS_INVALID;
}

void
pd_outage_report(struct pd *d, int status, const char *why)
{
	struct pd_outage *o = &d->outage;
	struct pd_conf *c;
	long long now = pd_mono_ms(), wall = (long long)time(NULL), first;
	long min_s = PA_PROBE_MIN_DEFAULT, max_s = PA_PROBE_MAX_DEFAULT;
	int wake = 0;

	if (status != PA_ERR_UNREACHABLE && !is_answer(status))
		return;		/* ours, not the service's: says nothing */
	c = pd_conf_get(d);
	if (c->status == PA_OK) {
		min_s = c->conf->outage_probe_min;
		max_s = c->conf->outage_probe_max;
	}
	pd_conf_put(d, c);
	pthread_mutex_lock(&o->lock);
	if (status == PA_ERR_UNREACHABLE && !o->down) {
		first = pd_bg_backoff(d, 0, min_s * 1000LL, max_s * 1000LL);
		o->down = 1;
		o->since = wall;
		o->probes = 0;
		o->next_probe = now + first;
		o->next_probe_wall = wall + (first + 999) / 1000;
		snprintf(o->why, sizeof(o->why), "%s", why ? why : "");
		wake = 1;
		pa_log(&d->log, LOG_WARNING, "outage begins: token service "
		    "unreachable%s%s; logins the device cache can decide go "
		    "there, next probe in %lld ms", o->why[0] ? ": " : "", o->why, first);
	} else if (status != PA_ERR_UNREACHABLE && o->down) {
		o->down = 0;
		o->next_probe = 0;
		o->next_probe_wall = 0;
		o->flush_at = now;	/* what logouts queued goes now */
		wake = 1;
		pa_log(&d->log, LOG_NOTICE, "outage ends: token service "
		    "reachable again after %lld s", wall - o->since);
	}
	pthread_mutex_unlock(&o->lock);
	if (wake)
		pd_bg_wake(d);
}

/* Fetches both documents; the status says whether the service answered. */
static int
fetch_docs(const struct pa_conf *conf, struct pa_cache *store,
    char *why, size_t whylen)
{
	struct pa_provider prov;
	struct pa_http *http = NULL;
	int r;

	why[0] = '\0';
	if ((r = pa_http_new_for(conf, &http)) != PA_OK)
		return r;
	pa_provider_init(&prov, http, conf->issuer);
	prov.store = store;
	r = pa_provider_refresh(&prov, (long long)time(NULL));
	if (r != PA_OK && pa_http_error(http)[0] != '\0')
		snprintf(why, whylen, "%s", pa_http_error(http));
	pa_provider_clear(&prov);
	pa_http_free(http);
	return r;
}

/* Sends every user's queued revocations (the service is back). */
static void
flush_revocations(struct pd *d, const struct pa_conf *conf,
    struct pa_cache *cache)
{
	char **users = NULL;
	size_t n = 0, i;
	int left, sent = 0, pending = 0;

	if (cache == NULL || pa_cache_list(cache, &users, &n) != PA_OK)
		return;
	for (i = 0; i < n && !pd_outage_known(d); i++) {
		left = pa_revoke_flush(cache, conf, &d->log, users[i],
		    (long long)time(NULL));
		if (left > 0)
			pending += left;
		else if (left == 0)
			sent++;
	}
	pa_cache_list_free(users, n);
	if (pending > 0)
		pa_log(&d->log, LOG_WARNING, "%d token revocation(s) still "
		    "pending", pending);
	else
		pa_log(&d->log, LOG_DEBUG, "queued revocations flushed");
	(void)sent;
}

/* When the documents in the cache will want fetching again (mono ms). */
static long long
docs_due(struct pd *d, const struct pa_conf *conf, struct pa_cache *cache,
    long long now)
{
	long long age;

	/*
	 * None yet: the first login fetches them (a terminal nobody uses
	 * asks nothing); look again in a while for what it stored.
	 */
	if (pa_provider_docs_age(cache, conf->issuer, (long long)time(NULL),
	    &age) != PA_OK)
		return now + pd_bg_jitter(d, DOCS_LOOK_AGAIN_MS, DOCS_JITTER_PCT);
	if (age >= DOCS_REFRESH_AT)
		return now + pd_bg_spread(d, DOCS_FIRST_SPREAD_MS);
	return now + pd_bg_jitter(d, (DOCS_REFRESH_AT - age) * 1000LL,
	    DOCS_JITTER_PCT);
}

static void
probe(struct pd *d, const struct pa_conf *conf, struct pa_cache *cache,
    long long now)
{
	struct pd_outage *o = &d->outage;
	char why[128];
	long long next;
	int r;

	r = fetch_docs(conf, cache, why, sizeof(why));
	if (r != PA_ERR_UNREACHABLE) {
		pa_log(&d->log, LOG_DEBUG, "outage probe: the service "
		    "answered (%s)", pa_strerror(r));
		pd_outage_report(d, r, NULL);
		if (r == PA_OK) {
			pthread_mutex_lock(&o->lock);
			o->docs_at = docs_due(d, conf, cache, pd_mono_ms());
			pthread_mutex_unlock(&o->lock);
		}
		return;
	}
	pthread_mutex_lock(&o->lock);
	if (o->down) {
		o->probes++;
		next = pd_bg_backoff(d, o->probes,
		    conf->outage_probe_min * 1000LL,
		    conf->outage_probe_max * 1000LL);
		o->next_probe = now + next;
		o->next_probe_wall = (long long)time(NULL) +
		    (next + 999) / 1000;
		snprintf(o->why, sizeof(o->why), "%s", why);
		pa_log(&d->log, LOG_DEBUG, "outage probe %u: still "
		    "unreachable (%s); next in %lld ms", o->probes, why, next);
	}
	pthread_mutex_unlock(&o->lock);
}

static void
refresh_docs(struct pd *d, const struct pa_conf *conf,
    struct pa_cache *cache, long long now)
{
	struct pd_outage *o = &d->outage;
	char why[128];
	long long next;
	int r;

	r = fetch_docs(conf, cache, why, sizeof(why));
	pd_outage_report(d, r, why);
	pthread_mutex_lock(&o->lock);
	if (r == PA_OK) {
		o->docs_failures = 0;
		o->docs_at = docs_due(d, conf, cache, pd_mono_ms());
		pa_log(&d->log, LOG_DEBUG, "discovery and signing keys "
		    "refreshed");
	} else {
		/* Logins fetch what they need meanwhile; retry later. */
		next = pd_bg_backoff(d, o->docs_failures++, DOCS_RETRY_MIN_MS,
		    DOCS_RETRY_MAX_MS);
		o->docs_at = now + next;
		if (r != PA_ERR_UNREACHABLE)
			pa_log(&d->log, LOG_WARNING, "discovery or signing "
			    "keys not refreshed: %s", pa_strerror(r));
	}
	pthread_mutex_unlock(&o->lock);
}

static long long
earliest(long long a, long long b)
{
	return b > 0 && b < a ? b : a;
}

long long
pd_outage_tick(struct pd *d, const struct pa_conf *conf, long long now)
{
	struct pd_outage *o = &d->outage;
	struct pa_cache *cache = NULL;
	long long next_probe, flush_at, docs_at, next = LLONG_MAX;
	int down;

	if (pa_cache_open(conf->cache_dir, 1, &cache) != PA_OK)
		cache = NULL;
	pthread_mutex_lock(&o->lock);
	if (o->docs_at == 0)
		o->docs_at = docs_due(d, conf, cache, now);
	down = o->down;
	next_probe = o->next_probe;
	flush_at = o->flush_at;
	docs_at = o->docs_at;
	pthread_mutex_unlock(&o->lock);

	if (down && next_probe <= now)
		probe(d, conf, cache, now);
	else if (!down && flush_at > 0 && flush_at <= now) {
		pthread_mutex_lock(&o->lock);
		o->flush_at = 0;
		pthread_mutex_unlock(&o->lock);
		flush_revocations(d, conf, cache);
	} else if (!down && docs_at <= now)
		refresh_docs(d, conf, cache, now);
	pa_cache_close(cache);

	pthread_mutex_lock(&o->lock);
	if (o->down)
		next = earliest(next, o->next_probe);
	else {
		next = earliest(next, o->flush_at);
		next = earliest(next, o->docs_at);
	}
	pthread_mutex_unlock(&o->lock);
	/* One job per round: a round that did something comes back soon. */
	return next;
}

void
pd_outage_describe(struct pd *d, int *down, long long *since,
    long long *next_probe, char *why, size_t whylen)
{
	pthread_mutex_lock(&d->outage.lock);
	*down = d->outage.down;
	*since = d->outage.since;
	*next_probe = d->outage.next_probe_wall;
	snprintf(why, whylen, "%s", d->outage.why);
	pthread_mutex_unlock(&d->outage.lock);
}
