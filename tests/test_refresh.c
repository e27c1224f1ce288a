/* SPDX-License-Identifier: MIT */
/*
 * refresh.c's schedule: a session is refreshed every period, sooner when
 * its access token would run out first, and never in a tight loop.
 */
#include "config.h"

#include <stdio.h>

#include "refresh.h"
#include "tap.h"

#define PERIOD	300000LL	/* session_refresh's default, in ms */

static void
test_period_when_token_lifetime_unknown(void)
{
	ok(pa_refresh_delay_ms(PERIOD, 0, 0) == PERIOD &&
	    pa_refresh_delay_ms(PERIOD, 0, 123456) == PERIOD,
	    "test_period_when_token_lifetime_unknown");
}

static void
test_period_when_token_outlives_it(void)
{
	ok(pa_refresh_delay_ms(PERIOD, 3600, 3600000) == PERIOD,
	    "test_period_when_token_outlives_it");
	/* The tests' session_refresh = 2 against tokend's 300 s tokens. */
	ok(pa_refresh_delay_ms(2000, 300, 300000) == 2000,
	    "test_short_period_wins_over_long_token");
}

static void
test_refreshed_30s_before_a_long_token_expires(void)
{
	is_int(pa_refresh_delay_ms(PERIOD, 300, 300000), 270000,
	    "test_refreshed_30s_before_a_300s_token_expires");
	is_int(pa_refresh_delay_ms(PERIOD, 3600, 100000), 70000,
	    "test_lead_is_at_most_30s");
}

static void
test_refreshed_a_tenth_before_a_short_token_expires(void)
{
	is_int(pa_refresh_delay_ms(PERIOD, 20, 20000), 18000,
	    "test_refreshed_a_tenth_before_a_20s_token_expires");
}

static void
test_never_a_tight_loop(void)
{
	ok(pa_refresh_delay_ms(PERIOD, 300, 500) == PA_REFRESH_MIN_MS,
	    "test_token_about_to_expire_waits_the_minimum");
	ok(pa_refresh_delay_ms(PERIOD, 300, 0) == PA_REFRESH_MIN_MS &&
	    pa_refresh_delay_ms(PERIOD, 300, -5000) == PA_REFRESH_MIN_MS,
	    "test_expired_token_waits_the_minimum");
	ok(pa_refresh_delay_ms(0, 0, 0) == PA_REFRESH_MIN_MS,
	    "test_zero_period_waits_the_minimum");
}

/* For every lifetime, the refresh comes before the token runs out. */
static void
test_token_never_runs_out(void)
{
	long long life, d;
	int all = 1;

	for (life = 2; life <= 7200; life++) {
		d = pa_refresh_delay_ms(PERIOD, life, life * 1000);
		if (d >= life * 1000 || d < PA_REFRESH_MIN_MS) {
			printf("# lifetime %lld s: refreshed after %lld ms\n",
			    life, d);
			all = 0;
		}
	}
	ok(all, "test_token_never_runs_out");
}

int
main(void)
{
	test_period_when_token_lifetime_unknown();
	test_period_when_token_outlives_it();
	test_refreshed_30s_before_a_long_token_expires();
	test_refreshed_a_tenth_before_a_short_token_expires();
	test_never_a_tight_loop();
	test_token_never_runs_out();
	return tap_done();
}
