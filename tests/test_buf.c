/* SPDX-License-Identifier: MIT */
/* buf.c: bounded, growing, and what it lets go of is wiped. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "tap.h"

int
main(void)
{
	struct pa_buf b;
	unsigned char *p;
	char big[1000], *s;
	size_t len = 0;
	int grew = 1, i;

	pa_buf_init(&b, 16);
	ok(strcmp(pa_buf_str(&b), "") == 0 && b.len == 0,
	    "test_empty_buffer_is_empty_string");
	ok(pa_buf_puts(&b, "abc") == PA_OK && pa_buf_putc(&b, 'd') == PA_OK &&
	    pa_buf_printf(&b, "%d", 42) == PA_OK &&
	    strcmp(pa_buf_str(&b), "abcd42") == 0 && b.len == 6,
	    "test_put_putc_printf_append");
	ok(pa_buf_puts(&b, "0123456789x") == PA_ERR_TOO_LARGE &&
	    strcmp(pa_buf_str(&b), "abcd42") == 0,
	    "test_past_max_refused_and_nothing_appended");
	ok(pa_buf_puts(&b, "0123456789") == PA_OK && b.len == 16,
	    "test_exactly_max_fits");
	pa_buf_clear(&b);
	ok(b.d == NULL && b.len == 0 && pa_buf_puts(&b, "x") == PA_OK,
	    "test_clear_leaves_a_usable_buffer");
	pa_buf_clear(&b);

	pa_buf_init(&b, 100000);
	memset(big, 'y', sizeof(big));
	for (i = 0; i < 50 && grew; i++)
		if (pa_buf_put(&b, big, sizeof(big)) != PA_OK)
			grew = 0;
	ok(grew && b.len == 50000 && b.d[b.len] == '\0',
	    "test_grows_and_keeps_a_nul");
	pa_buf_reset(&b);
	ok(b.len == 0 && b.d != NULL && b.d[0] == '\0' && b.d[100] == '\0',
	    "test_reset_wipes_contents_keeps_memory");
	ok(pa_buf_reserve(&b, 5, &p) == PA_OK && (memcpy(p, "hello", 5), 1),
	    "test_reserve_gives_room");
	pa_buf_commit(&b, 5);
	ok(strcmp(pa_buf_str(&b), "hello") == 0, "test_commit_makes_it_count");
	s = pa_buf_steal(&b, &len);
	ok(s != NULL && strcmp(s, "hello") == 0 && len == 5 && b.d == NULL,
	    "test_steal_moves_the_string_out");
	explicit_bzero(s, len);
	free(s);
	pa_buf_clear(&b);
	return tap_done();
}
