/* SPDX-License-Identifier: MIT */
/* strv.c: the one way lists of strings are split, copied and joined. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "strv.h"
#include "tap.h"

static int
no_x(const char *item, char *msg, size_t msglen)
{
	if (strchr(item, 'x') == NULL)
		return PA_OK;
	snprintf(msg, msglen, "no x in '%s'", item);
	return PA_ERR_CONFIG;
}

int
main(void)
{
	char **v = NULL, **w = NULL, msg[128];
	size_t n = 0;
	char *ab[] = { "a", "b" }, *bc[] = { "b", "c" }, *d[] = { "d" };
	struct pa_buf b;

	ok(pa_strv_split(" a , b,c\t", 10, NULL, &v, &n, msg, sizeof(msg)) ==
	    PA_OK && n == 3 && strcmp(v[0], "a") == 0 &&
	    strcmp(v[2], "c") == 0, "test_split_trims_items");
	ok(pa_strv_has(v, n, "b") && !pa_strv_has(v, n, "B") &&
	    !pa_strv_has(v, n, "ab"), "test_has_is_exact");
	ok(pa_strv_dup(v, n, &w) == PA_OK && w != v && strcmp(w[1], "b") == 0,
	    "test_dup_copies");
	pa_strv_free(w, n);
	pa_strv_free(v, n);
	ok(pa_strv_split("a,,b", 10, NULL, &v, &n, msg, sizeof(msg)) ==
	    PA_ERR_CONFIG && strstr(msg, "empty") != NULL && v == NULL,
	    "test_split_refuses_empty_item");
	ok(pa_strv_split("a,b,a", 10, NULL, &v, &n, msg, sizeof(msg)) ==
	    PA_ERR_CONFIG && strstr(msg, "duplicate item 'a'") != NULL,
	    "test_split_refuses_duplicates");
	ok(pa_strv_split("a,b,c", 2, NULL, &v, &n, msg, sizeof(msg)) ==
	    PA_ERR_CONFIG && strstr(msg, "too many") != NULL,
	    "test_split_refuses_too_many");
	ok(pa_strv_split("a,xy", 10, no_x, &v, &n, msg, sizeof(msg)) ==
	    PA_ERR_CONFIG && strcmp(msg, "no x in 'xy'") == 0,
	    "test_split_runs_the_item_check");
	ok(pa_strv_split("", 10, NULL, &v, &n, msg, sizeof(msg)) == PA_OK &&
	    n == 0 && v == NULL, "test_split_of_nothing_is_empty");
	ok(pa_strv_add_unique(&v, &n, 2, "a") == PA_OK &&
	    pa_strv_add_unique(&v, &n, 2, "a") == PA_OK && n == 1 &&
	    pa_strv_add_unique(&v, &n, 2, "b") == PA_OK &&
	    pa_strv_add_unique(&v, &n, 2, "c") == PA_ERR_TOO_LARGE && n == 2,
	    "test_add_unique_skips_known_and_stops_at_max");
	pa_strv_free(v, n);
	ok(pa_strv_intersect(ab, 2, bc, 2) && !pa_strv_intersect(ab, 2, d, 1) &&
	    !pa_strv_intersect(NULL, 0, d, 1), "test_intersect");
	pa_buf_init(&b, 64);
	is_int(pa_strv_join(ab, 2, ", ", &b), PA_OK, "test_join_succeeds");
	is_str(pa_buf_str(&b), "a, b", "test_join_puts_separators_between");
	pa_buf_clear(&b);
	return tap_done();
}
