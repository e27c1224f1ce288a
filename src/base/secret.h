/* SPDX-License-Identifier: MIT */
/*
 * Handling of secrets in memory (PIN, client secret, tokens): wiped before
 * they are freed, compared in constant time, read only from files that
 * nobody but root can read.
 */
#ifndef POSAUTH_SECRET_H
#define POSAUTH_SECRET_H

#include <stddef.h>

/* The longest client secret we read. */
#define PA_CLIENT_SECRET_MAX 4096

/* Wipes len bytes of p, then frees it. NULL is fine. */
void pa_freezero(void *p, size_t len);
/* Wipes a NUL-terminated string, then frees it. NULL is fine. */
void pa_strfreezero(char *s);
/* Constant-time equality of two byte strings of the same length. */
int pa_secret_equal(const void *a, const void *b, size_t len);

/*
 * Reads a secret from a file that must be a regular file owned by root
 * (or by the calling euid when it is not root, for tests run as a user),
 * with no group or other permission bits. Surrounding whitespace and one
 * trailing newline are removed. Returns PA_OK, PA_ERR_SECRET_FILE, or
 * PA_ERR_TOO_LARGE (more than max bytes).
 */
int pa_secret_read_file(const char *path, size_t max, char **out);

#endif
