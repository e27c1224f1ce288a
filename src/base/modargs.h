/* SPDX-License-Identifier: MIT */
/*
 * pam_posauth module arguments. Unknown arguments are errors: a typo in
 * `allow_roles=` must not silently drop a restriction.
 */
#ifndef POSAUTH_MODARGS_H
#define POSAUTH_MODARGS_H

#include <stddef.h>

struct pa_modargs {
	const char *socket;	/* posauthd's; points into argv */
	int debug;
	int use_first_pass;
	int try_first_pass;
	int nodelay;		/* no pam_fail_delay after a failed login */
	int mfa;		/* every login here needs the second factor */
	char **allow_roles;	/* NULL: no allow gate */
	size_t n_allow;
	char **deny_roles;
	size_t n_deny;
	char bad_arg[64];	/* the offending argument, for the log */
};

/*
 * PA_OK, or PA_ERR_ARG with bad_arg naming the argument: an unknown one
 * (config= too: the configuration is posauthd's now), a relative or
 * repeated socket path, a role list that is empty, repeats a role, names
 * an invalid role (the rule of posauth.conf and tokens) or is given twice.
 */
int pa_modargs_parse(int argc, const char **argv, struct pa_modargs *out);
void pa_modargs_clear(struct pa_modargs *a);

#endif
