/* SPDX-License-Identifier: MIT */
/*
 * base64url without padding, the encoding of every JOSE segment
 * (RFC 7515 §2 and Appendix C, RFC 4648 §5).
 *
 * The decoder accepts only the canonical form: one token has exactly one
 * spelling, so nothing that compares or logs encoded values can be fooled
 * by an alternative spelling of the same bytes.
 */
#ifndef POSAUTH_B64URL_H
#define POSAUTH_B64URL_H

#include <stddef.h>

/*
 * Decodes inlen bytes of unpadded base64url. Rejected with PA_ERR_BASE64:
 * any byte outside A-Z a-z 0-9 - _ (so '=', '+', '/', whitespace and NUL),
 * inlen % 4 == 1, and non-zero unused bits in the last character.
 * On success *out is a malloc'd buffer of *outlen bytes followed by a NUL
 * that *outlen does not count; empty input gives an empty buffer.
 * Returns PA_OK, PA_ERR_ARG, PA_ERR_BASE64 or PA_ERR_ALLOC.
 */
int pa_b64url_decode(const char *in, size_t inlen, unsigned char **out,
    size_t *outlen);

/*
 * Encodes len bytes as unpadded base64url into a malloc'd NUL-terminated
 * string. Returns PA_OK, PA_ERR_ARG, PA_ERR_TOO_LARGE or PA_ERR_ALLOC.
 */
int pa_b64url_encode(const unsigned char *in, size_t len, char **out);

#endif
