/* SPDX-License-Identifier: MIT */
/* Lowercase hex, one spelling per value (upper case is refused). */
#ifndef POSAUTH_HEX_H
#define POSAUTH_HEX_H

#include <stddef.h>

/* Writes 2 * n digits and no NUL. */
void pa_hex_encode(const unsigned char *in, size_t n, char *out);
/* inlen must be 2 * outlen; PA_OK or PA_ERR_ARG. */
int pa_hex_decode(const char *in, size_t inlen, unsigned char *out,
    size_t outlen);

#endif
