/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "backoff.h"

void
pa_rng_seed(struct pa_rng *g, uint64_t seed)
{
	g->s = seed;
}

void
pa_rng_seed_random(struct pa_rng *g)
{
	struct timespec ts;
	uint64_t seed;
	ssize_t n;

	do
		n = getrandom(&seed, sizeof(seed), GRND_NONBLOCK);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(seed)) {
		/* Only the spread suffers: the schedule is not a secret. */
		clock_gettime(CLOCK_REALTIME, &ts);
		seed = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^
		    ((uint64_t)getpid() << 40);
	}
	pa_rng_seed(g, seed);
}

uint64_t
pa_rng_next(struct pa_rng *g)
{
	uint64_t z = (g->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t
pa_rng_below(struct pa_rng *g, uint64_t n)
{
	uint64_t lim, x;

	if (n == 0)
		return 0;
	/* Rejection keeps it uniform: no modulo bias toward small values. */
	lim = UINT64_MAX - UINT64_MAX % n;
	do
		x = pa_rng_next(g);
	while (x >= lim);
	return x % n;
}

long long
pa_backoff_ms(struct pa_rng *g, unsigned attempt, long long base_ms,
    long long cap_ms)
{
	long long d = base_ms < 1 ? 1 : base_ms;

	if (cap_ms < d)
		cap_ms = d;
	while (attempt-- > 0 && d < cap_ms)
		d = d > cap_ms / 2 ? cap_ms : d * 2;
	return d - d / 2 + (long long)pa_rng_below(g, (uint64_t)(d / 2) + 1);
}

long long
pa_jitter_ms(struct pa_rng *g, long long period_ms, unsigned spread_pct)
{
	long long span;

	if (spread_pct > 50)
		spread_pct = 50;
	if (period_ms < 1)
		period_ms = 1;
	span = period_ms / 100 * spread_pct +
	    period_ms % 100 * spread_pct / 100;
	return period_ms - span +
	    (long long)pa_rng_below(g, (uint64_t)(2 * span) + 1);
}

long long
pa_spread_ms(struct pa_rng *g, long long window_ms)
{
	return window_ms <= 0 ? 0 :
	    (long long)pa_rng_below(g, (uint64_t)window_ms);
}
