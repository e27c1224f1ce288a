/* SPDX-License-Identifier: MIT */
/*
 * A QR code as text, for a PAM conversation: the verification URI of the
 * second factor, scanned off the terminal by the person's phone. Text
 * because the conversation is text (ssh keyboard-interactive, a console,
 * a greeter's label); UTF-8 half blocks (U+2580 U+2584 U+2588) because
 * they put two rows of modules in one line, so the code keeps its square
 * shape in a terminal's tall character cells.
 *
 * A light module is drawn with ink and a dark one left blank, as
 * `qrencode -t UTF8` does: terminals draw light text on a dark
 * background, and scanners need the dark modules to be the dark ones.
 * A quiet zone of PA_QR_QUIET light modules surrounds the symbol.
 */
#ifndef POSAUTH_QRTEXT_H
#define POSAUTH_QRTEXT_H

#include <stddef.h>

struct pa_buf;

#define PA_QR_QUIET	2	/* modules; ISO 18004 asks 4, phones need 2 */
#define PA_QR_MAX_DATA	512	/* bytes encoded; a URI is far shorter */

/*
 * Renders a width x width module matrix (dark[y * width + x] nonzero for
 * a dark module) as lines ending in '\n', appended to out.
 */
int pa_qr_render(const unsigned char *dark, size_t width, struct pa_buf *out);

/*
 * Encodes data (8-bit mode, error correction level L, the smallest
 * version that holds it) and renders it. PA_ERR_ARG for empty or longer
 * than PA_QR_MAX_DATA, PA_ERR_ALLOC, PA_ERR_TOO_LARGE when out is full.
 */
int pa_qr_text(const char *data, struct pa_buf *out);

#endif
