/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <string.h>

#include "log.h"
#include "tap.h"

static char last[1100];
static int calls;

static void
capture(void *ctx, int prio, const char *line)
{
	(void)ctx;
	(void)prio;
	calls++;
	snprintf(last, sizeof(last), "%s", line);
}

int
main(void)
{
	struct pa_log lg = { capture, NULL, 0 };
	char q[PA_QUOTE_MAX], small[12];
	char big[4000];

	pa_log(&lg, LOG_DEBUG, "hidden %d", 1);
	ok(calls == 0, "test_debug_lines_dropped_without_debug");
	lg.debug = 1;
	pa_log(&lg, LOG_DEBUG, "shown %d", 2);
	ok(calls == 1 && strcmp(last, "shown 2") == 0,
	    "test_debug_lines_kept_with_debug");

	pa_log_quote("alice", q, sizeof(q));
	ok(strcmp(q, "alice") == 0, "test_plain_name_unchanged");
	pa_log_quote("a\nb\"c\\", q, sizeof(q));
	ok(strcmp(q, "a\\x0ab\\x22c\\x5c") == 0,
	    "test_newline_and_quote_escaped");
	pa_log_quote("\xff\x01", q, sizeof(q));
	ok(strcmp(q, "\\xff\\x01") == 0, "test_non_ascii_escaped");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	pa_log_quote(big, q, sizeof(q));
	ok(strlen(q) < sizeof(q) && strcmp(q + strlen(q) - 3, "...") == 0,
	    "test_long_name_truncated_with_marker");
	pa_log_quote("\n\n\n\n\n\n", small, sizeof(small));
	ok(strlen(small) < sizeof(small), "test_escape_never_overflows");
	pa_log(&lg, LOG_ERR, "%s", big);
	ok(strlen(last) < 1024, "test_log_line_bounded");
	return tap_done();
}
