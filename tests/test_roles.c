/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "err.h"
#include "roles.h"
#include "tap.h"

int
main(void)
{
	char *cashier[] = { "cashier" };
	char *both[] = { "cashier", "trainee" };
	char *allow[] = { "cashier", "manager" };
	char *deny[] = { "trainee" };
	char *admin[] = { "admin" };

	ok(pa_roles_gate(cashier, 1, NULL, 0, NULL, 0) == PA_OK,
	    "test_no_gates_allow_everyone");
	ok(pa_roles_gate(cashier, 1, allow, 2, NULL, 0) == PA_OK,
	    "test_allowed_role_passes");
	ok(pa_roles_gate(admin, 1, allow, 2, NULL, 0) == PA_ERR_ROLE_DENIED,
	    "test_role_outside_allow_denied");
	ok(pa_roles_gate(NULL, 0, allow, 2, NULL, 0) == PA_ERR_ROLE_DENIED,
	    "test_no_roles_fail_allow_gate");
	ok(pa_roles_gate(both, 2, allow, 2, deny, 1) == PA_ERR_ROLE_DENIED,
	    "test_deny_wins_over_allow");
	ok(pa_roles_gate(cashier, 1, NULL, 0, deny, 1) == PA_OK,
	    "test_deny_gate_spares_others");
	return tap_done();
}
