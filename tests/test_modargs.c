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
	    "socket=/run/x.sock", "allow_roles=cashier, manager",
	    "deny_roles=trainee", "nodelay", "mfa" };
	const char *typo[] = { "allowroles=cashier" };
	const char *empty[] = { "allow_roles=cashier,,manager" };
	const char *relsock[] = { "socket=x.sock" };
	const char *sock2[] = { "socket=/a", "socket=/b" };
	const char *config[] = { "config=/etc/posauth/posauth.conf" };
	const char *twice[] = { "allow_roles=a", "allow_roles=b" };
	const char *trimmed[] = { "deny_roles= a , b " };
	const char *blank[] = { "allow_roles=" };
	const char *badrole[] = { "allow_roles=cashier,man ager" };
	const char *colon[] = { "deny_roles=a:b" };
	const char *dup[] = { "allow_roles=a,a" };

	ok(pa_modargs_parse(7, good, &a) == PA_OK && a.debug && a.nodelay &&
	    a.mfa &&
	    a.try_first_pass && !a.use_first_pass &&
	    strcmp(a.socket, "/run/x.sock") == 0 && a.n_allow == 2 &&
	    strcmp(a.allow_roles[1], "manager") == 0 && a.n_deny == 1,
	    "test_all_arguments_parsed");
	pa_modargs_clear(&a);
	ok(pa_modargs_parse(1, blank + 0, &a) == PA_ERR_ARG && !a.mfa,
	    "test_mfa_off_unless_given");
	ok(pa_modargs_parse(1, typo, &a) == PA_ERR_ARG &&
	    strcmp(a.bad_arg, "allowroles=cashier") == 0,
	    "test_unknown_argument_is_an_error");
	ok(pa_modargs_parse(1, empty, &a) == PA_ERR_ARG,
	    "test_empty_list_item_is_an_error");
	ok(pa_modargs_parse(1, relsock, &a) == PA_ERR_ARG &&
	    pa_modargs_parse(2, sock2, &a) == PA_ERR_ARG,
	    "test_relative_or_repeated_socket_refused");
	/* The configuration is posauthd's: an old stack must hear so. */
	ok(pa_modargs_parse(1, config, &a) == PA_ERR_ARG &&
	    strncmp(a.bad_arg, "config=", 7) == 0,
	    "test_config_argument_refused");
	ok(pa_modargs_parse(2, twice, &a) == PA_ERR_ARG,
	    "test_repeated_gate_refused");
	ok(pa_modargs_parse(0, NULL, &a) == PA_OK && a.allow_roles == NULL,
	    "test_no_arguments_no_gates");
	ok(pa_modargs_parse(1, trimmed, &a) == PA_OK && a.n_deny == 2 &&
	    strcmp(a.deny_roles[0], "a") == 0 &&
	    strcmp(a.deny_roles[1], "b") == 0, "test_list_items_trimmed");
	pa_modargs_clear(&a);
	ok(pa_modargs_parse(1, blank, &a) == PA_ERR_ARG,
	    "test_empty_list_refused");
	/* The role rule of posauth.conf and of tokens, not a looser one. */
	ok(pa_modargs_parse(1, badrole, &a) == PA_ERR_ARG &&
	    pa_modargs_parse(1, colon, &a) == PA_ERR_ARG,
	    "test_invalid_role_name_refused");
	ok(pa_modargs_parse(1, dup, &a) == PA_ERR_ARG,
	    "test_duplicate_role_refused");
	return tap_done();
}
