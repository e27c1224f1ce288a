/* SPDX-License-Identifier: MIT */
/*
 * Prints how long one offline PIN check takes at each scrypt cost, so
 * offline_kdf_cost can be set for a terminal (aim: about 100 ms).
 * Usage: bench_kdf [min_cost [max_cost [rounds]]], default 12 17 5.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "kdf.h"

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
	static const char pin[] = "918273";
	struct pa_verifier v;
	double t[32], t0;
	unsigned lo = 12, hi = 17, rounds = 5, cost, i;

	if (argc > 1)
		lo = (unsigned)strtoul(argv[1], NULL, 10);
	if (argc > 2)
		hi = (unsigned)strtoul(argv[2], NULL, 10);
	if (argc > 3)
		rounds = (unsigned)strtoul(argv[3], NULL, 10);
	if (rounds < 1 || rounds > 32 || lo < PA_KDF_COST_MIN ||
	    hi > PA_KDF_COST_MAX || lo > hi) {
		fprintf(stderr, "usage: bench_kdf [min_cost [max_cost "
		    "[rounds 1..32]]] (cost %u..%u)\n",
		    PA_KDF_COST_MIN, PA_KDF_COST_MAX);
		return 2;
	}
	printf("cost  N         memory    median ms  min ms\n");
	for (cost = lo; cost <= hi; cost++) {
		if (pa_kdf_make(pin, strlen(pin), cost, &v) != PA_OK) {
			fprintf(stderr, "cost %u: pa_kdf_make failed\n", cost);
			return 1;
		}
		for (i = 0; i < rounds; i++) {
			t0 = now_ms();
			if (pa_kdf_check(pin, strlen(pin), &v) != PA_OK) {
				fprintf(stderr, "cost %u: check failed\n", cost);
				return 1;
			}
			t[i] = now_ms() - t0;
		}
		qsort(t, rounds, sizeof(t[0]), cmp_double);
		printf("%-5u %-9lu %4lu MiB  %9.1f  %6.1f\n", cost,
		    1ul << cost, (128ul * 8 << cost) >> 20, t[rounds / 2],
		    t[0]);
	}
	return 0;
}
