/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <string.h>

#include "err.h"
#include "modargs.h"
#include "tap.h"

int
main(void)
{
	struct pa_modargs a;
	const char *good[] = { "debug", "try_first_pass",
	    "config=/etc/x.conf", "allow_roles=cashier, manager",
	    "deny_roles=trainee" };
	const char *typo[] = { "allowroles=cashier" };
	const char *empty[] = { "allow_roles=cashier,,manager" };
	const char *relcfg[] = { "config=x.conf" };
	const char *twice[] = { "allow_roles=a", "allow_roles=b" };
	char **l;
	size_t n;

	ok(pa_modargs_parse(5, good, &a) == PA_OK && a.debug &&
	    a.try_first_pass && !a.use_first_pass &&
	    strcmp(a.config, "/etc/x.conf") == 0 && a.n_allow == 2 &&
	    strcmp(a.allow_roles[1], "manager") == 0 && a.n_deny == 1,
	    "test_all_arguments_parsed");
	pa_modargs_clear(&a);
	ok(pa_modargs_parse(1, typo, &a) == PA_ERR_ARG &&
	    strcmp(a.bad_arg, "allowroles=cashier") == 0,
	    "test_unknown_argument_is_an_error");
	ok(pa_modargs_parse(1, empty, &a) == PA_ERR_ARG,
	    "test_empty_list_item_is_an_error");
	ok(pa_modargs_parse(1, relcfg, &a) == PA_ERR_ARG,
	    "test_relative_config_path_refused");
	ok(pa_modargs_parse(2, twice, &a) == PA_ERR_ARG,
	    "test_repeated_gate_refused");
	ok(pa_modargs_parse(0, NULL, &a) == PA_OK && a.allow_roles == NULL,
	    "test_no_arguments_no_gates");
	ok(pa_split_list(" a , b ", &l, &n) == PA_OK && n == 2 &&
	    strcmp(l[0], "a") == 0 && strcmp(l[1], "b") == 0,
	    "test_list_items_trimmed");
	pa_list_free(l, n);
	ok(pa_split_list("", &l, &n) == PA_ERR_ARG, "test_empty_list_refused");
	return tap_done();
}
