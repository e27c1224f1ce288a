/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <locale.h>
#include <regex.h>
#include <string.h>

#include "err.h"
#include "user.h"

/*
 * Bytes no user or group name may ever hold: control bytes break log
 * lines and terminals, '/' walks out of home and cache directories, ':'
 * splits passwd and group records.
 */
static int
name_is_safe(const char *name)
{
	const unsigned char *p;
	size_t len;

	if (name == NULL || (len = strnlen(name, PA_NAME_MAX + 1)) == 0 ||
	    len > PA_NAME_MAX)
		return 0;
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return 0;
	for (p = (const unsigned char *)name; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '/' || *p == ':')
			return 0;
	return 1;
}

/*
 * regcomp and regexec follow LC_CTYPE/LC_COLLATE of the calling thread.
 * A PAM module runs inside programs that may have set any locale, and in
 * some locales ranges such as [a-z] take in other letters. Switching the
 * thread (not the process) to "C" makes the pattern mean the same thing
 * everywhere.
 */
static int
regex_in_c_locale(const char *pattern, const char *subject, int *matched,
    char *msg, size_t msglen)
{
	locale_t c_locale, old = (locale_t)0;
	regex_t re;
	regmatch_t m[1];
	int rc, compiled = 0, r = PA_ERR_INTERNAL;

	*matched = 0;
	if ((c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0)) ==
	    (locale_t)0) {
		r = PA_ERR_ALLOC;
		goto out;
	}
	old = uselocale(c_locale);
	if ((rc = regcomp(&re, pattern, REG_EXTENDED)) != 0) {
		if (msg != NULL && msglen > 0)
			regerror(rc, &re, msg, msglen);
		r = PA_ERR_CONFIG;
		goto out;
	}
	compiled = 1;
	/*
	 * Without REG_NOSUB we learn where the match lies: an unanchored
	 * pattern such as "[a-z]+" must not accept "alice/../root" because
	 * "alice" matched.
	 */
	if (subject != NULL && regexec(&re, subject, 1, m, 0) == 0 &&
	    m[0].rm_so == 0 && m[0].rm_eo >= 0 &&
	    (size_t)m[0].rm_eo == strlen(subject))
		*matched = 1;
	r = PA_OK;
 out:
	if (compiled)
		regfree(&re);
	if (old != (locale_t)0)
		uselocale(old);
	if (c_locale != (locale_t)0)
		freelocale(c_locale);
	return r;
}

int
pa_user_valid(const char *user, const char *pattern)
{
	int matched = 0, r;

	if (!name_is_safe(user))
		return PA_ERR_USERNAME;
	if (pattern == NULL)
		pattern = PA_DEFAULT_USERNAME_PATTERN;
	if ((r = regex_in_c_locale(pattern, user, &matched, NULL, 0)) != PA_OK)
		return r;
	return matched ? PA_OK : PA_ERR_USERNAME;
}

int
pa_group_name_valid(const char *name)
{
	return pa_user_valid(name, PA_DEFAULT_USERNAME_PATTERN) == PA_OK;
}

int
pa_role_name_valid(const char *name)
{
	const unsigned char *p;
	size_t len;

	if (name == NULL || (len = strnlen(name, PA_ROLE_MAX + 1)) == 0 ||
	    len > PA_ROLE_MAX)
		return 0;
	for (p = (const unsigned char *)name; *p != '\0'; p++)
		if (*p <= 0x20 || *p >= 0x7f || *p == ',' || *p == ':')
			return 0;
	return 1;
}

int
pa_user_pattern_check(const char *pattern, char *msg, size_t msglen)
{
	int matched;

	if (msg != NULL && msglen > 0)
		msg[0] = '\0';
	if (pattern == NULL)
		return PA_ERR_CONFIG;
	return regex_in_c_locale(pattern, NULL, &matched, msg, msglen);
}
