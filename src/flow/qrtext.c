/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <qrencode.h>

#include "buf.h"
#include "err.h"
#include "qrtext.h"

/* The four ways two stacked modules look; "ink" is a light module. */
static const char *const half[4] = {
	" ",			/* both dark */
	"\xe2\x96\x84",		/* U+2584 lower half: bottom light */
	"\xe2\x96\x80",		/* U+2580 upper half: top light */
	"\xe2\x96\x88",		/* U+2588 full block: both light */
};

/* Light outside the symbol: the quiet zone, and the odd last row. */
static int
light(const unsigned char *dark, size_t width, long x, long y)
{
	if (x < 0 || y < 0 || (size_t)x >= width || (size_t)y >= width)
		return 1;
	return dark[(size_t)y * width + (size_t)x] == 0;
}

int
pa_qr_render(const unsigned char *dark, size_t width, struct pa_buf *out)
{
	long q = PA_QR_QUIET, w = (long)width, x, y;
	int r = PA_OK;

	if (dark == NULL || width == 0 || width > 177)	/* version 40 */
		return PA_ERR_ARG;
	for (y = -q; r == PA_OK && y < w + q; y += 2) {
		for (x = -q; r == PA_OK && x < w + q; x++)
			r = pa_buf_puts(out, half[light(dark, width, x, y) << 1 |
			    light(dark, width, x, y + 1)]);
		if (r == PA_OK)
			r = pa_buf_putc(out, '\n');
	}
	return r;
}

int
pa_qr_text(const char *data, struct pa_buf *out)
{
	QRcode *qr;
	unsigned char *dark = NULL;
	size_t i, n, len = data != NULL ? strlen(data) : 0;
	int r;

	if (len == 0 || len > PA_QR_MAX_DATA)
		return PA_ERR_ARG;
	/* Case-sensitive 8-bit mode: a URI's query must come out as it went in. */
	errno = 0;
	if ((qr = QRcode_encodeString8bit(data, 0, QR_ECLEVEL_L)) == NULL)
		return errno == ENOMEM ? PA_ERR_ALLOC : PA_ERR_ARG;
	n = (size_t)qr->width * (size_t)qr->width;
	r = PA_ERR_ALLOC;
	if ((dark = malloc(n)) == NULL)
		goto out;
	/* libqrencode: bit 0 of each byte is the module's colour (1 dark). */
	for (i = 0; i < n; i++)
		dark[i] = qr->data[i] & 1;
	r = pa_qr_render(dark, (size_t)qr->width, out);
 out:
	free(dark);
	QRcode_free(qr);
	return r;
}
