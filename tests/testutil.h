/* SPDX-License-Identifier: MIT */
/*
 * What several unit tests need: a file with some text in it, and a
 * configuration with the required keys plus the lines a test cares about.
 */
#ifndef POSAUTH_TESTUTIL_H
#define POSAUTH_TESTUTIL_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "err.h"

static inline void
tu_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		exit(99);
	fputs(text, f);
	fclose(f);
}

/* issuer, client_id and client_secret_file, then the formatted lines. */
static inline struct pa_conf *
tu_conf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static inline struct pa_conf *
tu_conf(const char *fmt, ...)
{
	char text[8192];
	struct pa_conf *conf = NULL;
	va_list ap;
	int n;

	n = snprintf(text, sizeof(text), "issuer = https://id.example.test\n"
	    "client_id = pos\nclient_secret_file = /nonexistent/secret\n");
	va_start(ap, fmt);
	vsnprintf(text + n, sizeof(text) - (size_t)n, fmt, ap);
	va_end(ap);
	if (pa_conf_parse(text, strlen(text), "test.conf", &conf, NULL,
	    NULL) != PA_OK)
		return NULL;
	return conf;
}

#endif
