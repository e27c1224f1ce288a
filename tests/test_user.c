/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <locale.h>
#include <string.h>

#include "err.h"
#include "tap.h"
#include "user.h"

#define DEF PA_DEFAULT_USERNAME_PATTERN

int
main(void)
{
	char longname[PA_NAME_MAX + 2];
	char role65[PA_ROLE_MAX + 2];
	char msg[256];

	ok(pa_user_valid("alice", DEF) == PA_OK, "test_plain_name_is_valid");
	ok(pa_user_valid("a.b-c_1", DEF) == PA_OK,
	    "test_name_with_dot_dash_underscore_is_valid");
	ok(pa_user_valid("alice", NULL) == PA_OK,
	    "test_null_pattern_means_default");
	ok(pa_user_valid(NULL, DEF) == PA_ERR_USERNAME,
	    "test_null_name_is_rejected");
	ok(pa_user_valid("", "^.*$") == PA_ERR_USERNAME,
	    "test_empty_name_is_rejected");
	ok(pa_user_valid("a/b", "^.+$") == PA_ERR_USERNAME,
	    "test_slash_is_rejected_even_if_pattern_allows");
	ok(pa_user_valid("..", "^.+$") == PA_ERR_USERNAME,
	    "test_dotdot_is_rejected_even_if_pattern_allows");
	ok(pa_user_valid(".", "^.+$") == PA_ERR_USERNAME,
	    "test_dot_is_rejected_even_if_pattern_allows");
	ok(pa_user_valid("a:b", "^.+$") == PA_ERR_USERNAME,
	    "test_colon_is_rejected_even_if_pattern_allows");
	ok(pa_user_valid("alice\nroot", "^.+$") == PA_ERR_USERNAME,
	    "test_newline_is_rejected_even_if_pattern_allows");
	ok(pa_user_valid("alice\x7f", "^.+$") == PA_ERR_USERNAME,
	    "test_del_is_rejected_even_if_pattern_allows");
	ok(pa_user_valid("alice\t", "^.+$") == PA_ERR_USERNAME,
	    "test_tab_is_rejected_even_if_pattern_allows");

	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';	/* PA_NAME_MAX + 1 bytes */
	ok(pa_user_valid(longname, "^a+$") == PA_ERR_USERNAME,
	    "test_name_over_256_bytes_is_rejected_before_regex");
	longname[PA_NAME_MAX] = '\0';
	ok(pa_user_valid(longname, "^a+$") == PA_OK,
	    "test_name_of_256_bytes_is_left_to_pattern");
	longname[65] = '\0';
	ok(pa_user_valid(longname, DEF) == PA_ERR_USERNAME,
	    "test_default_pattern_rejects_65_bytes");
	longname[64] = '\0';
	ok(pa_user_valid(longname, DEF) == PA_OK,
	    "test_default_pattern_accepts_64_bytes");

	ok(pa_user_valid("\xff", DEF) == PA_ERR_USERNAME,
	    "test_non_utf8_byte_rejected_by_default_pattern");
	ok(pa_user_valid("al\xc3\xa9", DEF) == PA_ERR_USERNAME,
	    "test_non_ascii_rejected_by_default_pattern");
	ok(pa_user_valid("Alice", DEF) == PA_ERR_USERNAME,
	    "test_uppercase_rejected_by_default_pattern");
	ok(pa_user_valid("-alice", DEF) == PA_ERR_USERNAME,
	    "test_leading_dash_rejected_by_default_pattern");
	ok(pa_user_valid("abc-def", "[a-z]+") == PA_ERR_USERNAME,
	    "test_unanchored_pattern_must_match_whole_name");
	ok(pa_user_valid("xabc", "abc") == PA_ERR_USERNAME,
	    "test_unanchored_pattern_suffix_match_is_not_enough");
	ok(pa_user_valid("abcdef", "[a-z]+") == PA_OK,
	    "test_unanchored_pattern_full_match_is_accepted");
	ok(pa_user_valid("alice", "[a-") == PA_ERR_CONFIG,
	    "test_bad_pattern_is_a_config_error");

	/* A caller's UTF-8 locale must not widen [[:alpha:]] to "é". */
	if (setlocale(LC_ALL, "C.UTF-8") != NULL) {
		ok(pa_user_valid("\xc3\xa9", "^[[:alpha:]]+$") ==
		    PA_ERR_USERNAME, "test_pattern_runs_in_c_locale");
		ok(strcmp(setlocale(LC_CTYPE, NULL), "C.UTF-8") == 0,
		    "test_caller_locale_is_restored");
		setlocale(LC_ALL, "C");
	} else {
		ok(1, "test_pattern_runs_in_c_locale # SKIP no C.UTF-8");
		ok(1, "test_caller_locale_is_restored # SKIP no C.UTF-8");
	}

	ok(pa_group_name_valid("pos-staff"), "test_group_name_valid");
	ok(!pa_group_name_valid("Staff"), "test_group_name_uppercase_rejected");
	ok(!pa_group_name_valid("a/b"), "test_group_name_slash_rejected");
	ok(!pa_group_name_valid(""), "test_group_name_empty_rejected");
	ok(!pa_group_name_valid(NULL), "test_group_name_null_rejected");

	memset(role65, 'r', sizeof(role65) - 1);
	role65[sizeof(role65) - 1] = '\0';
	ok(pa_role_name_valid("pos:cashier") == 0,
	    "test_role_with_colon_rejected");
	ok(pa_role_name_valid("Store-Manager") &&
	    pa_role_name_valid("urn.pos/cashier"), "test_role_names_valid");
	ok(!pa_role_name_valid("a,b") && !pa_role_name_valid("a b") &&
	    !pa_role_name_valid("a\nb") && !pa_role_name_valid(""),
	    "test_role_separators_rejected");
	ok(!pa_role_name_valid(role65), "test_role_over_64_bytes_rejected");
	role65[PA_ROLE_MAX] = '\0';
	ok(pa_role_name_valid(role65), "test_role_of_64_bytes_accepted");

	ok(pa_user_pattern_check(DEF, msg, sizeof(msg)) == PA_OK,
	    "test_default_pattern_compiles");
	ok(pa_user_pattern_check("(", msg, sizeof(msg)) == PA_ERR_CONFIG &&
	    msg[0] != '\0', "test_bad_pattern_reports_regerror");
	return tap_done();
}
