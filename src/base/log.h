/* SPDX-License-Identifier: MIT */
/*
 * Logging without a fixed destination: the PAM module sends lines to
 * pam_syslog (authpriv), posauthctl to syslog or stderr. One line per event;
 * no secret is ever passed in (callers log statuses, never tokens or PINs).
 */
#ifndef POSAUTH_LOG_H
#define POSAUTH_LOG_H

#include <stddef.h>
#include <syslog.h>

struct pa_log {
	void (*emit)(void *ctx, int priority, const char *line);
	void *ctx;
	int debug;	/* LOG_DEBUG lines are dropped unless set */
};

void pa_log(const struct pa_log *lg, int priority, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Copies s into out as a printable, quotable form: bytes outside printable
 * ASCII, quotes and backslashes become \xNN, and the result is cut at
 * outlen-1 with "..." so a hostile user name cannot forge log lines.
 */
const char *pa_log_quote(const char *s, char *out, size_t outlen);

#define PA_QUOTE_MAX 96

#endif
