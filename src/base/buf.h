/* SPDX-License-Identifier: MIT */
/*
 * A growable byte buffer with a hard maximum that wipes what it lets go of
 * (after OpenSSH's sshbuf): growing copies into a new block and wipes the
 * old one, clearing wipes and frees. Everything that builds a body, a
 * form or a string table that may hold a PIN, a token or a secret uses it,
 * so no copy is ever freed unwiped. libc only: the NSS module may link it.
 *
 * The buffer always keeps a NUL after its contents, so pa_buf_str() is a
 * C string view (contents holding a NUL are shorter as a C string).
 */
#ifndef POSAUTH_BUF_H
#define POSAUTH_BUF_H

#include <stddef.h>

struct pa_buf {
	unsigned char *d;
	size_t len;	/* bytes in use */
	size_t cap;	/* bytes allocated, a NUL after len always fits */
	size_t max;	/* the most len may ever be */
};

/* An empty buffer that may grow to max bytes; allocates nothing yet. */
void pa_buf_init(struct pa_buf *b, size_t max);
/* Wipes and frees the contents; the buffer is empty and usable again. */
void pa_buf_clear(struct pa_buf *b);
/* Wipes the contents and keeps the allocation. */
void pa_buf_reset(struct pa_buf *b);

/* Appends; PA_ERR_TOO_LARGE past max (nothing appended), PA_ERR_ALLOC. */
int pa_buf_put(struct pa_buf *b, const void *p, size_t n);
int pa_buf_putc(struct pa_buf *b, unsigned char c);
int pa_buf_puts(struct pa_buf *b, const char *s);
int pa_buf_printf(struct pa_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Makes room for n more bytes and returns where they go in *p; the caller
 * writes them and commits with pa_buf_commit(b, n). Used by readers.
 */
int pa_buf_reserve(struct pa_buf *b, size_t n, unsigned char **p);
void pa_buf_commit(struct pa_buf *b, size_t n);

/* "" for an empty buffer; valid until the next change. */
const char *pa_buf_str(const struct pa_buf *b);

/*
 * Moves the contents out as a malloc'ed NUL-terminated string (the caller
 * wipes and frees it) and leaves the buffer empty. NULL on an empty
 * buffer's allocation failure.
 */
char *pa_buf_steal(struct pa_buf *b, size_t *len);

#endif
