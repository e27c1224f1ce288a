/* SPDX-License-Identifier: MIT */
/*
 * The clock high-water mark of the device cache (cache.h): the newest
 * wall-clock time the cache was told about, sealed like a record.
 */
#include "config.h"

#include <jansson.h>

#include "buf.h"
#include "cache.h"
#include "cache_int.h"
#include "err.h"

#define CLOCK_NAME	"clock"
#define KIND_CLOCK	"clock"
#define FORMAT_VERSION	1

static int
clock_read(struct pa_cache *c, long long *hw)
{
	struct pa_buf raw;
	const unsigned char *body;
	size_t blen;
	json_error_t jerr;
	json_int_t v = 0, mark = -1;
	json_t *root = NULL;
	int r;

	pa_buf_init(&raw, PA_CACHE_MAX_FILE);
	if ((r = cache_read_sealed(c, CLOCK_NAME, KIND_CLOCK, "", &raw, &body,
	    &blen)) != PA_OK)
		goto out;
	r = PA_ERR_CACHE_CORRUPT;
	root = json_loadb((const char *)body, blen, JSON_REJECT_DUPLICATES,
	    &jerr);
	if (root == NULL || json_unpack_ex(root, &jerr, 0, "{s:I, s:I !}",
	    "v", &v, "high_water", &mark) != 0 ||
	    v != FORMAT_VERSION || mark < 0)
		goto out;
	*hw = mark;
	r = PA_OK;
 out:
	json_decref(root);
	pa_buf_clear(&raw);
	return r;
}

static int
clock_write(struct pa_cache *c, long long now)
{
	struct pa_buf body;
	json_t *o;
	int r;

	if ((o = json_pack("{s:i, s:I}", "v", FORMAT_VERSION,
	    "high_water", (json_int_t)now)) == NULL)
		return PA_ERR_ALLOC;
	pa_buf_init(&body, PA_CACHE_MAX_FILE);
	if ((r = cache_json_body(o, &body)) == PA_OK)
		r = cache_write_sealed(c, CLOCK_NAME, KIND_CLOCK, "", body.d,
		    body.len);
	pa_buf_clear(&body);
	json_decref(o);
	return r;
}

int
pa_cache_clock_check(struct pa_cache *c, long long now, long leeway)
{
	long long hw = 0;
	int r;

	if (c == NULL || leeway < 0)
		return PA_ERR_ARG;
	r = clock_read(c, &hw);
	/* No trusted mark: no proof the clock was not turned back. */
	if (r == PA_ERR_NOT_FOUND || r == PA_ERR_CACHE_CORRUPT)
		return PA_ERR_CLOCK;
	if (r != PA_OK)
		return r;
	return now < hw - leeway ? PA_ERR_CLOCK : PA_OK;
}

static int
clock_update(struct pa_cache *c, long long now, int may_lower)
{
	long long hw = 0;
	int lfd = -1, r;

	if (c == NULL || now < 0)
		return PA_ERR_ARG;
	if ((r = cache_lock_acquire(c, CACHE_LOCK_CLOCK, &lfd)) != PA_OK)
		goto out;
	r = clock_read(c, &hw);
	if (r == PA_OK && (hw == now || (hw > now && !may_lower)))
		goto out;
	if (r != PA_OK && r != PA_ERR_NOT_FOUND && r != PA_ERR_CACHE_CORRUPT)
		goto out;
	r = clock_write(c, now);
 out:
	cache_lock_release(lfd);
	return r;
}

int
pa_cache_clock_advance(struct pa_cache *c, long long now)
{
	return clock_update(c, now, 0);
}

int
pa_cache_clock_set(struct pa_cache *c, long long now)
{
	return clock_update(c, now, 1);
}
