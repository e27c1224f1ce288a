/* SPDX-License-Identifier: MIT */
/*
 * A tiny TAP producer for the unit tests; automake's tap-driver.sh reads it.
 * Each ok() is one named behaviour; a failed check prints where it failed.
 */
#ifndef POSAUTH_TAP_H
#define POSAUTH_TAP_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Equality checks that show both sides on failure (OpenSSH's ASSERT_*). */
#define is_int(got, want, name) \
	tap_is_int((long long)(got), (long long)(want), (name), __FILE__, \
	    __LINE__)
#define is_str(got, want, name) \
	tap_is_str((got), (want), (name), __FILE__, __LINE__)

static inline int
tap_is_int(long long got, long long want, const char *name, const char *file,
    int line)
{
	int pass = tap_ok(got == want, name, file, line);

	if (!pass)
		printf("#   got: %lld\n#  want: %lld\n", got, want);
	return pass;
}

static inline int
tap_is_str(const char *got, const char *want, const char *name,
    const char *file, int line)
{
	int pass = tap_ok(got != NULL && want != NULL && strcmp(got, want) == 0,
	    name, file, line);

	if (!pass)
		printf("#   got: '%s'\n#  want: '%s'\n", got ? got : "(null)",
		    want ? want : "(null)");
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
