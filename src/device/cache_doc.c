/* SPDX-License-Identifier: MIT */
/*
 * Public documents of the token service kept in the device cache
 * (cache.h): "<name>.doc", sealed with kind "doc" and the document's name,
 * holding "<stored_at> <owner>\n<document>".
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cache.h"
#include "cache_int.h"
#include "err.h"

#define KIND_DOC	"doc"
#define DOC_SUFFIX	".doc"
#define DOC_NAME_MAX	16

static int
doc_file(const char *name, char *fname, size_t len)
{
	size_t i;

	for (i = 0; name[i] != '\0'; i++)
		if (name[i] < 'a' || name[i] > 'z' || i >= DOC_NAME_MAX)
			return 0;
	return i > 0 && (size_t)snprintf(fname, len, "%s%s", name,
	    DOC_SUFFIX) < len;
}

int
pa_cache_doc_get(struct pa_cache *c, const char *name, const char *owner,
    char **body, size_t *len, long long *stored_at)
{
	char fname[32], *end = NULL;
	struct pa_buf raw;
	const unsigned char *b;
	size_t blen, olen = strlen(owner);
	long long at;
	int r;

	*body = NULL;
	if (!doc_file(name, fname, sizeof(fname)))
		return PA_ERR_ARG;
	pa_buf_init(&raw, PA_CACHE_MAX_FILE);
	/* The file name is the MAC's name: a JWKS cannot pose as discovery. */
	if ((r = cache_read_sealed(c, fname, KIND_DOC, name, &raw, &b,
	    &blen)) != PA_OK)
		goto out;
	r = PA_ERR_CACHE_CORRUPT;
	if (blen == 0 || b[0] < '0' || b[0] > '9' || memchr(b, '\n', blen) ==
	    NULL || memchr(b, '\0', blen) != NULL)
		goto out;
	at = strtoll((const char *)b, &end, 10);
	if (end == NULL || *end != ' ' || at < 0 ||
	    (size_t)((const unsigned char *)end + 1 - b) + olen + 1 > blen ||
	    memcmp(end + 1, owner, olen) != 0 || end[1 + olen] != '\n') {
		/* Another issuer's document is simply not ours. */
		r = PA_ERR_NOT_FOUND;
		goto out;
	}
	blen -= (size_t)((const unsigned char *)end + 2 + olen - b);
	b = (const unsigned char *)end + 2 + olen;
	r = PA_ERR_ALLOC;
	if ((*body = malloc(blen + 1)) == NULL)
		goto out;
	memcpy(*body, b, blen);
	(*body)[blen] = '\0';
	*len = blen;
	*stored_at = at;
	r = PA_OK;
 out:
	pa_buf_clear(&raw);
	return r;
}

int
pa_cache_doc_put(struct pa_cache *c, const char *name, const char *owner,
    const char *body, size_t len, long long now)
{
	char fname[32];
	struct pa_buf b;
	int r;

	if (!doc_file(name, fname, sizeof(fname)) || now < 0 ||
	    strchr(owner, '\n') != NULL)
		return PA_ERR_ARG;
	pa_buf_init(&b, PA_CACHE_MAX_FILE - PA_SEAL_HEADER_LEN);
	if ((r = pa_buf_printf(&b, "%lld %s\n", now, owner)) == PA_OK &&
	    (r = pa_buf_put(&b, body, len)) == PA_OK)
		r = cache_write_sealed(c, fname, KIND_DOC, name, b.d, b.len);
	pa_buf_clear(&b);
	return r;
}
