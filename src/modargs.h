/* SPDX-License-Identifier: MIT */
/*
 * pam_posauth module arguments. Unknown arguments are errors: a typo in
 * `allow_roles=` must not silently drop a restriction.
 */
#ifndef POSAUTH_MODARGS_H
#define POSAUTH_MODARGS_H

#include <stddef.h>

struct pa_modargs {
	const char *config;	/* points into argv */
	int debug;
	int use_first_pass;
	int try_first_pass;
	char **allow_roles;	/* NULL: no allow gate */
	size_t n_allow;
	char **deny_roles;
	size_t n_deny;
	char bad_arg[64];	/* the offending argument, for the log */
};

int pa_modargs_parse(int argc, const char **argv, struct pa_modargs *out);
void pa_modargs_clear(struct pa_modargs *a);

/* Splits "a,b,c" into a list of non-empty items. */
int pa_split_list(const char *s, char ***out, size_t *n);
void pa_list_free(char **list, size_t n);

#endif
