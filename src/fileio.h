/* SPDX-License-Identifier: MIT */
/* Whole-buffer writes that survive EINTR and short writes. */
#ifndef POSAUTH_FILEIO_H
#define POSAUTH_FILEIO_H

#include <stddef.h>

/* PA_OK once all len bytes are written, PA_ERR_SYSTEM (errno set) else. */
int pa_write_all(int fd, const void *buf, size_t len);

#endif
