/* SPDX-License-Identifier: MIT */
/*
 * Stand-in for libFuzzer's main() in the normal build: runs the target's
 * LLVMFuzzerTestOneInput() once on each file named on the command line,
 * and on each regular file inside a named directory. This is how
 * tests/fuzz_smoke.sh replays the seed corpus and every saved crasher
 * under gcc and under the sanitizer build, without clang.
 *
 * Compiled to nothing when POSAUTH_LIBFUZZER is defined, so the same
 * automake rules link the libFuzzer binaries.
 *
 * Exits 0 when every input ran; a crash or a failed FUZZ_CHECK aborts
 * (the sanitizers print the report), so the caller sees a failure.
 */
#include "config.h"

/* The libFuzzer build (scripts/fuzz) brings its own main(). */
#ifndef POSAUTH_LIBFUZZER

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

/* Far above any seed; libFuzzer runs are capped with -max_len anyway. */
#define REPLAY_MAX (16u * 1024 * 1024)

/*
 * Reads the file into a buffer of exactly its size, like libFuzzer does,
 * so a read past the end of the input is a heap overflow ASan reports.
 */
static int
replay_file(const char *path)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int fd, r = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 ||
	    fstat(fd, &st) != 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		goto out;
	}
	if (st.st_size < 0 || (unsigned long long)st.st_size > REPLAY_MAX) {
		fprintf(stderr, "replay: %s: too large\n", path);
		goto out;
	}
	/* malloc(0) may return NULL; one spare byte keeps data non-NULL. */
	if ((buf = malloc(st.st_size > 0 ? (size_t)st.st_size : 1)) == NULL)
		goto out;
	while (len < (size_t)st.st_size) {
		n = read(fd, buf + len, (size_t)st.st_size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "replay: %s: short read\n", path);
			goto out;
		}
		len += (size_t)n;
	}
	LLVMFuzzerTestOneInput(buf, len);
	r = 0;
 out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return r;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Files of a directory in name order, so a failure is reproducible. */
static int
replay_dir(const char *dir, unsigned *count)
{
	char **names = NULL, **tmp, path[4096];
	size_t n = 0, i;
	struct dirent *de;
	struct stat st;
	DIR *d;
	int r = 0;

	if ((d = opendir(dir)) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((tmp = realloc(names, (n + 1) * sizeof(*names))) == NULL ||
		    (tmp[n] = strdup(de->d_name)) == NULL) {
			if (tmp != NULL)
				names = tmp;
			r = -1;
			break;
		}
		names = tmp;
		n++;
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n && r == 0; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if ((r = replay_file(path)) == 0)
			(*count)++;
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r;
}

int
main(int argc, char **argv)
{
	struct stat st;
	unsigned count = 0;
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i],
			    strerror(errno));
			return 1;
		}
		if (S_ISDIR(st.st_mode)) {
			if (replay_dir(argv[i], &count) != 0)
				return 1;
		} else if (replay_file(argv[i]) != 0)
			return 1;
		else
			count++;
	}
	printf("replayed %u inputs\n", count);
	return 0;
}

#endif /* POSAUTH_LIBFUZZER */
