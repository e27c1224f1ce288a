/* SPDX-License-Identifier: MIT */
/*
 * When to try again. Thousands of terminals share one token service: if
 * they all lose it at the same moment and retry on the same schedule,
 * they all come back at the same moment too. Every periodic or retried
 * request the login service makes (outage probes, key refreshes,
 * session refreshes, revocation flushes) takes its delay from here.
 *
 * Delays are milliseconds. The random source is a parameter so the
 * fleet's behaviour can be simulated with a seeded generator; the
 * service seeds one per process from getrandom(). libc only.
 */
#ifndef POSAUTH_BACKOFF_H
#define POSAUTH_BACKOFF_H

#include <stdint.h>

/*
 * The outage probe's schedule: the first retry after this, doubling up to
 * the cap (posauth.conf's outage_probe_min and outage_probe_max, seconds).
 */
#define PA_PROBE_MIN_DEFAULT	5
#define PA_PROBE_MAX_DEFAULT	300

/* A small, fast generator (splitmix64): not for secrets. */
struct pa_rng {
	uint64_t s;
};

void pa_rng_seed(struct pa_rng *g, uint64_t seed);
/* Seeds from getrandom(); falls back to the time and pid. */
void pa_rng_seed_random(struct pa_rng *g);
uint64_t pa_rng_next(struct pa_rng *g);
/* Uniform in [0, n); 0 when n is 0. */
uint64_t pa_rng_below(struct pa_rng *g, uint64_t n);

/*
 * The delay before retry number attempt (0 for the first retry after a
 * failure): exponential from base_ms, capped at cap_ms, then "equal
 * jitter": uniform in [d/2, d]. Never all at once, never sooner than
 * half the nominal delay, so a retry storm cannot form and a failing
 * service is not hammered by the unlucky draws.
 */
long long pa_backoff_ms(struct pa_rng *g, unsigned attempt, long long base_ms,
    long long cap_ms);

/*
 * A periodic delay: period_ms varied by up to +-spread_pct percent
 * (0..50), so terminals started together drift apart.
 */
long long pa_jitter_ms(struct pa_rng *g, long long period_ms,
    unsigned spread_pct);

/*
 * A wait in [0, window_ms): for work every terminal starts on the same
 * event (the token service coming back), spreading it across a window.
 */
long long pa_spread_ms(struct pa_rng *g, long long window_ms);

#endif
