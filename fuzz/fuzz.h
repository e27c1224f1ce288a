/* SPDX-License-Identifier: MIT */
/*
 * Shared by every fuzz target. A target defines LLVMFuzzerTestOneInput();
 * it is linked either with libFuzzer (`make fuzz`, clang) or with
 * replay_main.c, which feeds it the corpus and regression files so every
 * saved input is replayed by `make check`, with and without sanitizers.
 *
 * The input is never NUL-terminated: parsers get (pointer, length) and an
 * overread past the end is what ASan is there to catch.
 */
#ifndef POSAUTH_FUZZ_H
#define POSAUTH_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * A broken invariant is a finding like a crash: abort so libFuzzer saves
 * the input and the replay test fails.
 */
#define FUZZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: invariant failed: %s\n",	\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

/* A private writable directory for targets that parse files. */
const char *fuzz_tmpdir(void);

#endif
