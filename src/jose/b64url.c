/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "b64url.h"
#include "err.h"

static const char b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Returns the 6-bit value of c, or -1 if c is not in the alphabet. */
static int
b64url_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/*
 * A final group of 2 characters carries 12 bits for 8 bits of data, one
 * of 3 carries 18 for 16. RFC 4648 §3.5 lets decoders reject set pad
 * bits; we do, so that "AB" and "AA" cannot both mean 0x00.
 */
static int
b64url_tail_is_canonical(int last_value, size_t rem)
{
	if (rem == 2)
		return (last_value & 0x0f) == 0;
	if (rem == 3)
		return (last_value & 0x03) == 0;
	return 1;
}

int
pa_b64url_decode(const char *in, size_t inlen, unsigned char **out,
    size_t *outlen)
{
	unsigned char *buf = NULL;
	size_t i, o = 0, rem, need;
	uint32_t acc = 0;
	int v = 0, r = PA_ERR_INTERNAL;

	if (out == NULL || outlen == NULL || (in == NULL && inlen != 0))
		return PA_ERR_ARG;
	*out = NULL;
	*outlen = 0;
	/* One leftover character holds 6 bits: never a whole byte. */
	rem = inlen % 4;
	if (rem == 1) {
		r = PA_ERR_BASE64;
		goto out;
	}
	/* need <= inlen, so the +1 for the NUL cannot wrap. */
	need = (inlen / 4) * 3 + (rem == 0 ? 0 : rem - 1);
	if ((buf = malloc(need + 1)) == NULL) {
		r = PA_ERR_ALLOC;
		goto out;
	}
	for (i = 0; i < inlen; i++) {
		if ((v = b64url_value((unsigned char)in[i])) < 0) {
			r = PA_ERR_BASE64;
			goto out;
		}
		acc = (acc << 6) | (uint32_t)v;
		if (i % 4 == 3) {
			buf[o++] = (acc >> 16) & 0xff;
			buf[o++] = (acc >> 8) & 0xff;
			buf[o++] = acc & 0xff;
			acc = 0;
		}
	}
	if (!b64url_tail_is_canonical(v, rem)) {
		r = PA_ERR_BASE64;
		goto out;
	}
	if (rem == 2) {
		buf[o++] = (acc >> 4) & 0xff;
	} else if (rem == 3) {
		buf[o++] = (acc >> 10) & 0xff;
		buf[o++] = (acc >> 2) & 0xff;
	}
	if (o != need) {
		r = PA_ERR_INTERNAL;
		goto out;
	}
	buf[o] = '\0';
	*out = buf;
	*outlen = o;
	buf = NULL;
	r = PA_OK;
 out:
	free(buf);
	return r;
}

int
pa_b64url_encode(const unsigned char *in, size_t len, char **out)
{
	char *buf = NULL;
	size_t i, o = 0, need;
	uint32_t acc;
	int r = PA_ERR_INTERNAL;

	if (out == NULL || (in == NULL && len != 0))
		return PA_ERR_ARG;
	*out = NULL;
	/* 4 characters per 3 bytes, rounded up, plus the NUL. */
	if (len / 3 >= (SIZE_MAX - 8) / 4) {
		r = PA_ERR_TOO_LARGE;
		goto out;
	}
	need = (len / 3) * 4 + (len % 3 == 0 ? 0 : len % 3 + 1);
	if ((buf = malloc(need + 1)) == NULL) {
		r = PA_ERR_ALLOC;
		goto out;
	}
	for (i = 0; i + 3 <= len; i += 3) {
		acc = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8) |
		    in[i + 2];
		buf[o++] = b64url_alphabet[(acc >> 18) & 0x3f];
		buf[o++] = b64url_alphabet[(acc >> 12) & 0x3f];
		buf[o++] = b64url_alphabet[(acc >> 6) & 0x3f];
		buf[o++] = b64url_alphabet[acc & 0x3f];
	}
	if (len - i == 1) {
		acc = (uint32_t)in[i] << 16;
		buf[o++] = b64url_alphabet[(acc >> 18) & 0x3f];
		buf[o++] = b64url_alphabet[(acc >> 12) & 0x3f];
	} else if (len - i == 2) {
		acc = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8);
		buf[o++] = b64url_alphabet[(acc >> 18) & 0x3f];
		buf[o++] = b64url_alphabet[(acc >> 12) & 0x3f];
		buf[o++] = b64url_alphabet[(acc >> 6) & 0x3f];
	}
	if (o != need) {
		r = PA_ERR_INTERNAL;
		goto out;
	}
	buf[o] = '\0';
	*out = buf;
	buf = NULL;
	r = PA_OK;
 out:
	free(buf);
	return r;
}
