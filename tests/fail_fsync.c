/* SPDX-License-Identifier: MIT */
/*
 * Test-only LD_PRELOAD shim: fsync() fails with ENOSPC while the file
 * named by POSAUTH_TEST_FAIL_FSYNC exists. Root ignores file modes, so a
 * read-only cache directory cannot simulate a full disk in CI; this can,
 * and it hits the exact step (fsync before rename) where a full disk
 * would surface.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

int fsync(int fd);

int
fsync(int fd)
{
	const char *flag = getenv("POSAUTH_TEST_FAIL_FSYNC");

	(void)fd;
	if (flag != NULL && access(flag, F_OK) == 0) {
		errno = ENOSPC;
		return -1;
	}
	/* Data integrity is not what this shim tests. */
	return 0;
}
