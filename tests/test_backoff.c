/* SPDX-License-Identifier: MIT */
/*
 * backoff.c: retry delays grow, stay within their bounds, and spread a
 * fleet. The fleet is simulated: 1,000 terminals lose the token service
 * within the same minute, each probes it on the schedule posauthd uses
 * (pa_backoff_ms from outage_probe_min to outage_probe_max, defaults),
 * and the service comes back; what matters is when their first requests
 * after that arrive. A seeded generator makes every run the same.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "backoff.h"
#include "tap.h"

#define FLEET		1000
#define NOTICE_MS	60000	/* terminals notice the outage within this */

/*
 * Runs the fleet through an outage of outage_ms; fills hist (per second
 * after the service is back, up to nsec) and returns the spread of the
 * first requests in ms (last minus first).
 */
static long long
fleet(unsigned long long seed, long long outage_ms, unsigned *hist,
    unsigned nsec, unsigned *late)
{
	struct pa_rng g;
	long long first = -1, last = -1, t, back;
	unsigned i, attempt;

	pa_rng_seed(&g, seed);
	memset(hist, 0, nsec * sizeof(*hist));
	*late = 0;
	for (i = 0; i < FLEET; i++) {
		/* Its first failed contact: a login or a refresh. */
		t = pa_spread_ms(&g, NOTICE_MS);
		back = outage_ms;
		for (attempt = 0; t < back; attempt++)
			t += pa_backoff_ms(&g, attempt,
			    PA_PROBE_MIN_DEFAULT * 1000LL,
			    PA_PROBE_MAX_DEFAULT * 1000LL);
		t -= back;	/* ms after the service came back */
		if ((unsigned long long)(t / 1000) < nsec)
			hist[t / 1000]++;
		else
			(*late)++;
		if (first < 0 || t < first)
			first = t;
		if (t > last)
			last = t;
	}
	return last - first;
}

static unsigned
peak(const unsigned *hist, unsigned nsec, unsigned *at)
{
	unsigned i, p = 0;

	for (i = 0; i < nsec; i++)
		if (hist[i] > p) {
			p = hist[i];
			*at = i;
		}
	return p;
}

int
main(void)
{
	static unsigned hist[3600];
	struct pa_rng g;
	long long d, lo, hi, span;
	unsigned i, p, at = 0, late, bad;
	const long long outages[] = { 10 * 60000LL, 60 * 60000LL,
	    8 * 3600000LL };

	pa_rng_seed(&g, 42);
	for (bad = 0, i = 0; i < 10000; i++) {
		d = pa_backoff_ms(&g, 0, 5000, 300000);
		bad += d < 2500 || d > 5000;
	}
	ok(bad == 0, "test_first_retry_is_half_to_full_base");
	for (bad = 0, i = 0; i < 10000; i++) {
		d = pa_backoff_ms(&g, 3, 5000, 300000);
		bad += d < 20000 || d > 40000;
	}
	ok(bad == 0, "test_retry_doubles_per_attempt");
	for (bad = 0, i = 0; i < 10000; i++) {
		d = pa_backoff_ms(&g, 1000, 5000, 300000);
		bad += d < 150000 || d > 300000;
	}
	ok(bad == 0, "test_retry_is_capped_even_after_many_attempts");
	lo = hi = pa_backoff_ms(&g, 20, 5000, 300000);
	for (i = 0; i < 10000; i++) {
		d = pa_backoff_ms(&g, 20, 5000, 300000);
		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
	}
	ok(hi - lo > 140000, "test_capped_retries_still_vary");
	ok(pa_backoff_ms(&g, 0, 0, 0) >= 1 &&
	    pa_backoff_ms(&g, 5, 7000, 1000) <= 7000,
	    "test_backoff_degenerate_bounds_are_safe");
	for (bad = 0, i = 0; i < 10000; i++) {
		d = pa_jitter_ms(&g, 300000, 10);
		bad += d < 270000 || d > 330000;
	}
	ok(bad == 0, "test_jitter_stays_within_its_percent");
	ok(pa_jitter_ms(&g, 1000, 90) >= 500, "test_jitter_is_at_most_half");
	for (bad = 0, i = 0; i < 10000; i++) {
		d = pa_spread_ms(&g, 60000);
		bad += d < 0 || d >= 60000;
	}
	ok(bad == 0 && pa_spread_ms(&g, 0) == 0, "test_spread_is_in_window");
	{
		/* Uniform enough: every tenth of [0, 10) gets its share. */
		unsigned bins[10] = { 0 };

		for (i = 0; i < 100000; i++)
			bins[pa_rng_below(&g, 10)]++;
		for (bad = 0, i = 0; i < 10; i++)
			bad += bins[i] < 9000 || bins[i] > 11000;
		ok(bad == 0, "test_rng_below_is_uniform");
	}

	for (i = 0; i < sizeof(outages) / sizeof(outages[0]); i++) {
		char name[96];

		span = fleet(20261130 + i, outages[i], hist, 3600, &late);
		p = peak(hist, 3600, &at);
		printf("# fleet of %d, outage %lld min: first requests over "
		    "%lld s, busiest second +%u s with %u (%.1f %%)\n", FLEET,
		    outages[i] / 60000, span / 1000, at, p, 100.0 * p / FLEET);
		snprintf(name, sizeof(name), "test_fleet_spreads_over_60s_"
		    "after_%lld_min_outage", outages[i] / 60000);
		ok(span >= 60000 && late == 0, name);
		snprintf(name, sizeof(name), "test_fleet_no_second_over_5pct_"
		    "after_%lld_min_outage", outages[i] / 60000);
		ok(p * 20 <= FLEET, name);
	}
	return tap_done();
}
