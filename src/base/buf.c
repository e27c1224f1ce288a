/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"

#define BUF_MIN_CAP 128

void
pa_buf_init(struct pa_buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void
pa_buf_clear(struct pa_buf *b)
{
	if (b->d != NULL) {
		explicit_bzero(b->d, b->cap);
		free(b->d);
	}
	b->d = NULL;
	b->len = b->cap = 0;
}

void
pa_buf_reset(struct pa_buf *b)
{
	if (b->d != NULL) {
		explicit_bzero(b->d, b->cap);
		b->d[0] = '\0';
	}
	b->len = 0;
}

/* Room for len + n bytes and the NUL after them. */
static int
buf_grow(struct pa_buf *b, size_t n)
{
	unsigned char *nd;
	size_t want;

	if (n > b->max || b->len > b->max - n)
		return PA_ERR_TOO_LARGE;
	if (b->len + n < b->cap)
		return PA_OK;
	want = b->cap > 0 ? b->cap : BUF_MIN_CAP;
	while (want <= b->len + n && want < SIZE_MAX / 2)
		want *= 2;
	if (want > b->max + 1)
		want = b->max + 1;
	/* Never realloc(): a moved block would leave its old copy behind. */
	if ((nd = malloc(want)) == NULL)
		return PA_ERR_ALLOC;
	if (b->d != NULL) {
		memcpy(nd, b->d, b->len);
		explicit_bzero(b->d, b->cap);
		free(b->d);
	}
	nd[b->len] = '\0';
	b->d = nd;
	b->cap = want;
	return PA_OK;
}

int
pa_buf_reserve(struct pa_buf *b, size_t n, unsigned char **p)
{
	int r;

	*p = NULL;
	if ((r = buf_grow(b, n)) != PA_OK)
		return r;
	*p = b->d + b->len;
	return PA_OK;
}

void
pa_buf_commit(struct pa_buf *b, size_t n)
{
	/* Callers commit at most what they reserved. */
	if (b->d == NULL || n > b->cap - 1 - b->len)
		return;
	b->len += n;
	b->d[b->len] = '\0';
}

int
pa_buf_put(struct pa_buf *b, const void *p, size_t n)
{
	unsigned char *dst;
	int r;

	if (n == 0)
		return buf_grow(b, 0);
	if ((r = pa_buf_reserve(b, n, &dst)) != PA_OK)
		return r;
	memcpy(dst, p, n);
	pa_buf_commit(b, n);
	return PA_OK;
}

int
pa_buf_putc(struct pa_buf *b, unsigned char c)
{
	return pa_buf_put(b, &c, 1);
}

int
pa_buf_puts(struct pa_buf *b, const char *s)
{
	return pa_buf_put(b, s, strlen(s));
}

int
pa_buf_printf(struct pa_buf *b, const char *fmt, ...)
{
	unsigned char *dst;
	va_list ap;
	int n, r;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return PA_ERR_INTERNAL;
	if ((r = pa_buf_reserve(b, (size_t)n, &dst)) != PA_OK)
		return r;
	va_start(ap, fmt);
	vsnprintf((char *)dst, (size_t)n + 1, fmt, ap);
	va_end(ap);
	pa_buf_commit(b, (size_t)n);
	return PA_OK;
}

const char *
pa_buf_str(const struct pa_buf *b)
{
	return b->d != NULL ? (const char *)b->d : "";
}

char *
pa_buf_steal(struct pa_buf *b, size_t *len)
{
	char *s;

	if (b->d == NULL && buf_grow(b, 0) != PA_OK)
		return NULL;
	s = (char *)b->d;
	if (len != NULL)
		*len = b->len;
	b->d = NULL;
	b->len = b->cap = 0;
	return s;
}
