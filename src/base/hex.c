/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "err.h"
#include "hex.h"

void
pa_hex_encode(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0x0f];
	}
}

static int
hex_digit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

int
pa_hex_decode(const char *in, size_t inlen, unsigned char *out,
    size_t outlen)
{
	size_t i;

	if (inlen != 2 * outlen)
		return PA_ERR_ARG;
	for (i = 0; i < outlen; i++) {
		int hi = hex_digit(in[2 * i]), lo = hex_digit(in[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return PA_ERR_ARG;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return PA_OK;
}
