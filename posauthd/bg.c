/* SPDX-License-Identifier: MIT */
/*
 * The background worker: one thread that runs what no login should wait
 * for (outage probes, revocations, document refreshes, session refreshes)
 * at the times their schedules ask, and sleeps in between. Each part
 * says when it next wants to run; a login or a session that changes a
 * schedule wakes the thread.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <time.h>

#include "conf.h"
#include "daemon.h"
#include "err.h"

#define BG_IDLE_MS	60000	/* look at the config again at least this often */

long long
pd_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long
pd_bg_backoff(struct pd *d, unsigned attempt, long long base_ms,
    long long cap_ms)
{
	long long v;

	pthread_mutex_lock(&d->bg.lock);
	v = pa_backoff_ms(&d->bg.rng, attempt, base_ms, cap_ms);
	pthread_mutex_unlock(&d->bg.lock);
	return v;
}

long long
pd_bg_jitter(struct pd *d, long long period_ms, unsigned pct)
{
	long long v;

	pthread_mutex_lock(&d->bg.lock);
	v = pa_jitter_ms(&d->bg.rng, period_ms, pct);
	pthread_mutex_unlock(&d->bg.lock);
	return v;
}

long long
pd_bg_spread(struct pd *d, long long window_ms)
{
	long long v;

	pthread_mutex_lock(&d->bg.lock);
	v = pa_spread_ms(&d->bg.rng, window_ms);
	pthread_mutex_unlock(&d->bg.lock);
	return v;
}

void
pd_bg_wake(struct pd *d)
{
	pthread_mutex_lock(&d->bg.lock);
	d->bg.woken = 1;
	pthread_cond_signal(&d->bg.cond);
	pthread_mutex_unlock(&d->bg.lock);
}

static long long
earliest(long long a, long long b)
{
	return a < b ? a : b;
}

/* One round: every part runs what is due and says when it is next. */
static long long
run_due(struct pd *d, long long now)
{
	struct pd_conf *c = pd_conf_get(d);
	long long next = now + BG_IDLE_MS;

	if (c->status == PA_OK) {
		next = earliest(next, pd_outage_tick(d, c->conf, now));
		next = earliest(next, pd_follow_tick(d, c->conf, now));
	}
	pd_conf_put(d, c);
	return next;
}

static void *
bg_main(void *arg)
{
	struct pd *d = arg;
	struct timespec until;
	long long next;

	for (;;) {
		next = run_due(d, pd_mono_ms());
		pthread_mutex_lock(&d->bg.lock);
		until.tv_sec = next / 1000;
		until.tv_nsec = next % 1000 * 1000000;
		while (!d->bg.stop && !d->bg.woken &&
		    pthread_cond_timedwait(&d->bg.cond, &d->bg.lock,
		    &until) != ETIMEDOUT)
			;
		d->bg.woken = 0;
		if (d->bg.stop) {
			pthread_mutex_unlock(&d->bg.lock);
			break;
		}
		pthread_mutex_unlock(&d->bg.lock);
	}
	return NULL;
}

int
pd_bg_start(struct pd *d)
{
	pthread_condattr_t ca;

	pa_rng_seed_random(&d->bg.rng);
	if (pthread_mutex_init(&d->bg.lock, NULL) != 0 ||
	    pthread_condattr_init(&ca) != 0)
		return PA_ERR_SYSTEM;
	if (pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&d->bg.cond, &ca) != 0) {
		pthread_condattr_destroy(&ca);
		return PA_ERR_SYSTEM;
	}
	pthread_condattr_destroy(&ca);
	pd_outage_init(d);
	if (pthread_create(&d->bg.thread, NULL, bg_main, d) != 0)
		return PA_ERR_SYSTEM;
	d->bg.running = 1;
	return PA_OK;
}

void
pd_bg_stop(struct pd *d)
{
	if (!d->bg.running)
		return;
	pthread_mutex_lock(&d->bg.lock);
	d->bg.stop = 1;
	pthread_cond_signal(&d->bg.cond);
	pthread_mutex_unlock(&d->bg.lock);
	/* A request under way ends within its own timeout. */
	pthread_join(d->bg.thread, NULL);
	d->bg.running = 0;
}
