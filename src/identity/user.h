/* SPDX-License-Identifier: MIT */
/*
 * Names that end up in /etc/passwd-like places (user, group and role
 * names). A name that reaches NSS, a home directory path or a log line
 * must never carry a path separator, a field separator or a control byte,
 * whatever username_pattern an administrator writes.
 */
#ifndef POSAUTH_USER_H
#define POSAUTH_USER_H

#include <stddef.h>

/* Default username_pattern; also the rule for group names. */
#define PA_DEFAULT_USERNAME_PATTERN "^[a-z0-9][a-z0-9._-]{0,63}$"

/* Longest name handed to the regex engine at all. */
#define PA_NAME_MAX 256

/* Longest role name accepted from a token or the config. */
#define PA_ROLE_MAX 64

/*
 * PA_OK when user is acceptable, else PA_ERR_USERNAME. Always refused:
 * NULL, "", longer than PA_NAME_MAX bytes, "." and "..", any byte below
 * 0x20, 0x7f, '/' and ':'. Then the pattern (NULL: the default) must match
 * the WHOLE name, even when the administrator forgot the anchors. The
 * pattern runs in the C locale, so [a-z] means ASCII a-z whatever locale
 * the calling program set. PA_ERR_CONFIG when the pattern does not compile.
 */
int pa_user_valid(const char *user, const char *pattern);

/* The same rules with the default pattern: 1 when valid, 0 otherwise. */
int pa_group_name_valid(const char *name);

/*
 * 1 when name is a usable role name: 1..PA_ROLE_MAX bytes, each printable
 * ASCII other than space, ',' and ':' (the separators of the config lists
 * and the NSS index), else 0.
 */
int pa_role_name_valid(const char *name);

/*
 * PA_OK when pattern compiles as a POSIX ERE (in the C locale, as
 * pa_user_valid uses it), else PA_ERR_CONFIG with regerror's text in msg.
 */
int pa_user_pattern_check(const char *pattern, char *msg, size_t msglen);

#endif
