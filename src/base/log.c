/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

void
pa_log(const struct pa_log *lg, int priority, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (lg == NULL || lg->emit == NULL)
		return;
	if (priority == LOG_DEBUG && !lg->debug)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	lg->emit(lg->ctx, priority, line);
}

const char *
pa_log_quote(const char *s, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	unsigned char ch;

	if (outlen < 8) {
		if (outlen > 0)
			out[0] = '\0';
		return out;
	}
	if (s == NULL) {
		snprintf(out, outlen, "(null)");
		return out;
	}
	for (; *s != '\0'; s++) {
		ch = (unsigned char)*s;
		/* room for one escape plus "..." and the NUL */
		if (o + 4 + 4 > outlen) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (ch < 0x20 || ch >= 0x7f || ch == '"' || ch == '\\') {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[ch >> 4];
			out[o++] = hex[ch & 0xf];
		} else
			out[o++] = (char)ch;
	}
	out[o] = '\0';
	return out;
}
