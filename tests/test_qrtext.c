/* SPDX-License-Identifier: MIT */
/*
 * qrtext.c: the half-block text decodes back to libqrencode's own matrix,
 * with the quiet zone around it, so what a phone sees is what was encoded.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <qrencode.h>

#include "buf.h"
#include "err.h"
#include "qrtext.h"
#include "tap.h"

/* One character of the rendering: its two modules, 1 = light; -1: junk. */
static int
cell(const char **p, int *top, int *bottom)
{
	static const struct { const char *s; int t, b; } glyph[] = {
		{ " ", 0, 0 }, { "\xe2\x96\x84", 0, 1 },
		{ "\xe2\x96\x80", 1, 0 }, { "\xe2\x96\x88", 1, 1 },
	};
	size_t i;

	for (i = 0; i < 4; i++)
		if (strncmp(*p, glyph[i].s, strlen(glyph[i].s)) == 0) {
			*p += strlen(glyph[i].s);
			*top = glyph[i].t;
			*bottom = glyph[i].b;
			return 0;
		}
	return -1;
}

/*
 * Decodes text into a size x size light map (size = the widest line;
 * every line must have it). 0 on success.
 */
static int
decode(const char *text, unsigned char **lightp, size_t *sizep)
{
	const char *p = text;
	size_t cols = 0, rows = 0, x, size = 0;
	unsigned char *l = NULL;
	int t, b;

	while (*p != '\0') {
		for (x = 0; *p != '\n'; x++) {
			if (*p == '\0' || cell(&p, &t, &b) != 0)
				goto bad;
			if (size == 0)
				continue;
			if (x >= size)
				goto bad;
			l[2 * rows * size + x] = (unsigned char)t;
			if (2 * rows + 1 < size)
				l[(2 * rows + 1) * size + x] = (unsigned char)b;
			else if (!b)
				goto bad;	/* the padding row must be light */
		}
		p++;
		if (size == 0) {
			/* First line: learn the width, then start over. */
			cols = x;
			size = cols;
			if ((l = calloc(size, size)) == NULL)
				return -1;
			p = text;
			continue;
		}
		if (x != cols)
			goto bad;
		rows++;
	}
	if (rows != (size + 1) / 2)
		goto bad;
	*lightp = l;
	*sizep = size;
	return 0;
 bad:
	free(l);
	return -1;
}

/* Whether text is exactly data's libqrencode symbol with a quiet zone. */
static int
matches_libqrencode(const char *text, const char *data)
{
	QRcode *qr = QRcode_encodeString8bit(data, 0, QR_ECLEVEL_L);
	unsigned char *l = NULL;
	size_t size = 0, x, y, q = PA_QR_QUIET, w;
	int same = 0;

	if (qr == NULL || decode(text, &l, &size) != 0)
		goto out;
	w = (size_t)qr->width;
	if (size != w + 2 * q)
		goto out;
	same = 1;
	for (y = 0; y < size; y++)
		for (x = 0; x < size; x++) {
			int dark = x >= q && y >= q && x < q + w && y < q + w &&
			    (qr->data[(y - q) * w + (x - q)] & 1);

			if (l[y * size + x] == dark)
				same = 0;
		}
 out:
	free(l);
	if (qr != NULL)
		QRcode_free(qr);
	return same;
}

int
main(void)
{
	static const char *uris[] = {
		"https://127.0.0.1:8443/device?user_code=BCDF-GHJK",
		"https://login.example.com/device?user_code=WDJB-MJHT&x=Y",
		"a",
	};
	unsigned char m[4] = { 1, 0, 0, 1 };
	char big[PA_QR_MAX_DATA + 2];
	struct pa_buf b;
	size_t i;

	for (i = 0; i < sizeof(uris) / sizeof(uris[0]); i++) {
		pa_buf_init(&b, 1 << 20);
		ok(pa_qr_text(uris[i], &b) == PA_OK &&
		    matches_libqrencode(pa_buf_str(&b), uris[i]),
		    "test_text_decodes_to_the_libqrencode_matrix");
		pa_buf_clear(&b);
	}

	/* 2x2 with the quiet zone: 6 columns, 3 lines, known glyphs. */
	pa_buf_init(&b, 4096);
	ok(pa_qr_render(m, 2, &b) == PA_OK, "test_render_small");
	is_str(pa_buf_str(&b),
	    "\xe2\x96\x88\xe2\x96\x88\xe2\x96\x88\xe2\x96\x88\xe2\x96\x88"
	    "\xe2\x96\x88\n"
	    "\xe2\x96\x88\xe2\x96\x88\xe2\x96\x84\xe2\x96\x80\xe2\x96\x88"
	    "\xe2\x96\x88\n"
	    "\xe2\x96\x88\xe2\x96\x88\xe2\x96\x88\xe2\x96\x88\xe2\x96\x88"
	    "\xe2\x96\x88\n",
	    "test_render_dark_is_blank_light_is_ink_with_quiet_zone");
	pa_buf_clear(&b);

	pa_buf_init(&b, 4096);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ok(pa_qr_text("", &b) == PA_ERR_ARG && pa_qr_text(NULL, &b) ==
	    PA_ERR_ARG && pa_qr_text(big, &b) == PA_ERR_ARG,
	    "test_empty_or_oversized_data_refused");
	ok(pa_qr_render(m, 0, &b) == PA_ERR_ARG, "test_zero_width_refused");
	pa_buf_clear(&b);

	pa_buf_init(&b, 64);
	ok(pa_qr_text(uris[0], &b) == PA_ERR_TOO_LARGE,
	    "test_full_buffer_is_too_large");
	pa_buf_clear(&b);

	return tap_done();
}
