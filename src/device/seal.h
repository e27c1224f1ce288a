/* SPDX-License-Identifier: MIT */
/*
 * The tamper-evident envelope of every device cache file:
 *   "POSAUTH1\n"
 *   64 lowercase hex digits: HMAC-SHA256 under the cache key of
 *       "posauth-v1" NUL kind NUL name NUL body
 *   "\n"
 *   body
 * kind says what the file is ("record", "clock", "doc") and name which
 * one (the user, the document), so a record copied onto another user's
 * file, a clock renamed to a record or a flipped byte anywhere fails. The
 * MAC is checked before any parser sees a byte of the body.
 */
#ifndef POSAUTH_SEAL_H
#define POSAUTH_SEAL_H

#include <stddef.h>

struct pa_buf;

#define PA_SEAL_KEY_LEN		32
#define PA_SEAL_HEADER_LEN	(9 + 64 + 1)

/* Appends the sealed file for body to out; PA_ERR_INTERNAL on HMAC. */
int pa_seal(const unsigned char *key, const char *kind, const char *name,
    const unsigned char *body, size_t blen, struct pa_buf *out);

/*
 * Checks file's magic and MAC; on success *body points into file.
 * PA_ERR_CACHE_CORRUPT for anything that does not verify.
 */
int pa_unseal(const unsigned char *key, const char *kind, const char *name,
    const unsigned char *file, size_t len, const unsigned char **body,
    size_t *blen);

#endif
