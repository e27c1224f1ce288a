/* SPDX-License-Identifier: MIT */
/*
 * A tiny TAP producer for the unit tests; automake's tap-driver.sh reads it.
 * Each ok() is one named behaviour; a failed check prints where it failed.
 */
#ifndef POSAUTH_TAP_H
#define POSAUTH_TAP_H

#include <stdio.h>
#include <stdlib.h>

static int tap_count;
static int tap_failed;

#define ok(cond, name) tap_ok(!!(cond), (name), __FILE__, __LINE__)

static inline int
tap_ok(int pass, const char *name, const char *file, int line)
{
	tap_count++;
	printf("%s %d - %s\n", pass ? "ok" : "not ok", tap_count, name);
	if (!pass) {
		tap_failed++;
		printf("#   failed at %s:%d\n", file, line);
	}
	fflush(stdout);
	return pass;
}

static inline void
tap_skip_one(const char *name, const char *why)
{
	tap_count++;
	printf("ok %d - %s # SKIP %s\n", tap_count, name, why);
	fflush(stdout);
}

static inline int
tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
