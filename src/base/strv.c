/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "strv.h"

void
pa_strv_free(char **v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
pa_strv_freezero(char **v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		if (v[i] != NULL) {
			explicit_bzero(v[i], strlen(v[i]));
			free(v[i]);
		}
	free(v);
}

int
pa_strv_has(char *const *v, size_t n, const char *s)
{
	size_t i;

	for (i = 0; v != NULL && s != NULL && i < n; i++)
		if (strcmp(v[i], s) == 0)
			return 1;
	return 0;
}

int
pa_strv_intersect(char *const *a, size_t na, char *const *b, size_t nb)
{
	size_t i;

	for (i = 0; a != NULL && i < na; i++)
		if (pa_strv_has(b, nb, a[i]))
			return 1;
	return 0;
}

int
pa_strv_dup(char *const *in, size_t n, char ***out)
{
	char **v;
	size_t i;

	*out = NULL;
	if (n == 0)
		return PA_OK;
	if ((v = calloc(n, sizeof(*v))) == NULL)
		return PA_ERR_ALLOC;
	for (i = 0; i < n; i++)
		if ((v[i] = strdup(in[i])) == NULL) {
			pa_strv_free(v, i);
			return PA_ERR_ALLOC;
		}
	*out = v;
	return PA_OK;
}

int
pa_strv_add_unique(char ***v, size_t *n, size_t max, const char *s)
{
	char **nv, *copy;

	if (pa_strv_has(*v, *n, s))
		return PA_OK;
	if (*n >= max)
		return PA_ERR_TOO_LARGE;
	if ((copy = strdup(s)) == NULL)
		return PA_ERR_ALLOC;
	if ((nv = reallocarray(*v, *n + 1, sizeof(*nv))) == NULL) {
		free(copy);
		return PA_ERR_ALLOC;
	}
	nv[(*n)++] = copy;
	*v = nv;
	return PA_OK;
}

static int
split_fail(char *msg, size_t msglen, const char *what, const char *item)
{
	if (msg == NULL || msglen == 0)
		return PA_ERR_CONFIG;
	if (item != NULL)
		snprintf(msg, msglen, "%s '%s' in list", what, item);
	else
		snprintf(msg, msglen, "%s", what);
	return PA_ERR_CONFIG;
}

/* The next item of *p, trimmed, copied into a new string. */
static int
split_next(const char **p, char **item)
{
	const char *s = *p, *e;
	size_t len;

	while (*s == ' ' || *s == '\t')
		s++;
	e = strchr(s, ',');
	len = e != NULL ? (size_t)(e - s) : strlen(s);
	*p = e != NULL ? e + 1 : NULL;
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	return (*item = strndup(s, len)) == NULL ? PA_ERR_ALLOC : PA_OK;
}

int
pa_strv_split(const char *s, size_t max, pa_strv_check_fn check,
    char ***out, size_t *nout, char *msg, size_t msglen)
{
	char **v = NULL, *item = NULL;
	size_t n = 0;
	int r = PA_OK;

	*out = NULL;
	*nout = 0;
	if (*s == '\0')
		return PA_OK;
	while (s != NULL && r == PA_OK) {
		if ((r = split_next(&s, &item)) != PA_OK)
			break;
		if (*item == '\0')
			r = split_fail(msg, msglen, "empty item in list", NULL);
		else if (check != NULL && (r = check(item, msg, msglen)) !=
		    PA_OK)
			break;
		else if (pa_strv_has(v, n, item))
			r = split_fail(msg, msglen, "duplicate item", item);
		else if (n >= max)
			r = split_fail(msg, msglen, "too many items in list",
			    NULL);
		else if ((r = pa_strv_add_unique(&v, &n, max, item)) != PA_OK)
			break;
		free(item);
		item = NULL;
	}
	free(item);
	if (r != PA_OK) {
		pa_strv_free(v, n);
		return r;
	}
	*out = v;
	*nout = n;
	return PA_OK;
}

int
pa_strv_join(char *const *v, size_t n, const char *sep, struct pa_buf *b)
{
	size_t i;
	int r;

	for (i = 0; i < n; i++)
		if ((i > 0 && (r = pa_buf_puts(b, sep)) != PA_OK) ||
		    (r = pa_buf_puts(b, v[i])) != PA_OK)
			return r;
	return PA_OK;
}
