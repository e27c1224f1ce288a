/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <sys/types.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "idmap.h"
#include "nssdb.h"

/* (uint32_t)-1 is never a real id, so it marks an empty slot. */
#define IDSET_EMPTY	UINT32_MAX

struct pa_idset {
	uint32_t *slots;
	size_t cap;		/* power of two */
	size_t count;
	int has_empty;		/* the sentinel id itself was added */
};

static int
range_valid(unsigned long min, unsigned long max)
{
	return min > 0 && min <= max && max < UINT32_MAX;
}

int
pa_idmap_assign(const char *name, unsigned long min, unsigned long max,
    int (*taken)(uint32_t id, void *ctx), void *ctx, uint32_t *out)
{
	uint64_t span, start, i;
	uint32_t id;

	if (name == NULL || *name == '\0' || taken == NULL || out == NULL ||
	    !range_valid(min, max))
		return PA_ERR_ARG;
	span = (uint64_t)max - min + 1;
	start = pa_nssdb_hash(name, strlen(name)) % span;
	for (i = 0; i < span; i++) {
		id = (uint32_t)(min + (start + i) % span);
		if (!taken(id, ctx)) {
			*out = id;
			return PA_OK;
		}
	}
	return PA_ERR_NOT_FOUND;
}

int
pa_idmap_assign_gid(const char *name, uint32_t uid, unsigned long min,
    unsigned long max, int (*gid_taken)(uint32_t id, void *ctx), void *ctx,
    uint32_t *out)
{
	if (name == NULL || *name == '\0' || gid_taken == NULL || out == NULL ||
	    !range_valid(min, max))
		return PA_ERR_ARG;
	/* gid == uid keeps `ls -l` readable; only worth it inside the range */
	if (uid >= min && uid <= max && !gid_taken(uid, ctx)) {
		*out = uid;
		return PA_OK;
	}
	return pa_idmap_assign(name, min, max, gid_taken, ctx, out);
}

/* ---- id set ---- */

static size_t
idset_slot(uint32_t id, size_t mask)
{
	/* Fibonacci hashing spreads consecutive ids across the table */
	return (size_t)(((uint64_t)id * 0x9e3779b97f4a7c15ULL) >> 32) & mask;
}

static void
idset_put(uint32_t *slots, size_t cap, uint32_t id)
{
	size_t mask = cap - 1, s = idset_slot(id, mask);

	while (slots[s] != IDSET_EMPTY && slots[s] != id)
		s = (s + 1) & mask;
	slots[s] = id;
}

static int
idset_alloc(size_t cap, uint32_t **out)
{
	uint32_t *slots;
	size_t i;

	if ((slots = calloc(cap, sizeof(*slots))) == NULL)
		return PA_ERR_ALLOC;
	for (i = 0; i < cap; i++)
		slots[i] = IDSET_EMPTY;
	*out = slots;
	return PA_OK;
}

int
pa_idset_new(struct pa_idset **out)
{
	struct pa_idset *set;
	int r;

	if (out == NULL)
		return PA_ERR_ARG;
	if ((set = calloc(1, sizeof(*set))) == NULL)
		return PA_ERR_ALLOC;
	set->cap = 64;
	if ((r = idset_alloc(set->cap, &set->slots)) != PA_OK) {
		free(set);
		return r;
	}
	*out = set;
	return PA_OK;
}

/* Keeps the load at or below one half so probes stay short. */
static int
idset_grow(struct pa_idset *set)
{
	uint32_t *nslots;
	size_t i, ncap = set->cap * 2;
	int r;

	if ((r = idset_alloc(ncap, &nslots)) != PA_OK)
		return r;
	for (i = 0; i < set->cap; i++) {
		if (set->slots[i] != IDSET_EMPTY)
			idset_put(nslots, ncap, set->slots[i]);
	}
	free(set->slots);
	set->slots = nslots;
	set->cap = ncap;
	return PA_OK;
}

int
pa_idset_add(struct pa_idset *set, uint32_t id)
{
	int r;

	if (set == NULL)
		return PA_ERR_ARG;
	if (id == IDSET_EMPTY) {
		set->has_empty = 1;
		return PA_OK;
	}
	if (pa_idset_has(set, id))
		return PA_OK;
	if (set->count >= PA_IDSET_MAX)
		return PA_ERR_TOO_LARGE;
	if ((set->count + 1) * 2 > set->cap &&
	    (r = idset_grow(set)) != PA_OK)
		return r;
	idset_put(set->slots, set->cap, id);
	set->count++;
	return PA_OK;
}

int
pa_idset_has(const struct pa_idset *set, uint32_t id)
{
	size_t mask, s;

	if (set == NULL)
		return 0;
	if (id == IDSET_EMPTY)
		return set->has_empty;
	mask = set->cap - 1;
	for (s = idset_slot(id, mask); set->slots[s] != IDSET_EMPTY;
	    s = (s + 1) & mask) {
		if (set->slots[s] == id)
			return 1;
	}
	return 0;
}

size_t
pa_idset_count(const struct pa_idset *set)
{
	return set == NULL ? 0 : set->count + (set->has_empty ? 1 : 0);
}

void
pa_idset_free(struct pa_idset *set)
{
	if (set == NULL)
		return;
	free(set->slots);
	free(set);
}

int
pa_idset_taken(uint32_t id, void *ctx)
{
	return pa_idset_has(ctx, id);
}

/* ---- local ids ---- */

static int
load_passwd(const char *path, struct pa_idset *set)
{
	struct passwd *pw;
	FILE *f;
	int r = PA_OK;

	if ((f = fopen(path, "re")) == NULL)
		return PA_ERR_SYSTEM;
	/* fgetpwent skips lines it cannot parse; those hold no usable id */
	while ((pw = fgetpwent(f)) != NULL) {
		if ((r = pa_idset_add(set, (uint32_t)pw->pw_uid)) != PA_OK)
			break;
	}
	fclose(f);
	return r;
}

static int
load_group(const char *path, struct pa_idset *set)
{
	struct group *gr;
	FILE *f;
	int r = PA_OK;

	if ((f = fopen(path, "re")) == NULL)
		return PA_ERR_SYSTEM;
	while ((gr = fgetgrent(f)) != NULL) {
		if ((r = pa_idset_add(set, (uint32_t)gr->gr_gid)) != PA_OK)
			break;
	}
	fclose(f);
	return r;
}

int
pa_idmap_load_local(const char *passwd_path, const char *group_path,
    struct pa_idset **out)
{
	struct pa_idset *set = NULL;
	int r;

	if (out == NULL)
		return PA_ERR_ARG;
	*out = NULL;
	if ((r = pa_idset_new(&set)) != PA_OK)
		goto out;
	if (passwd_path != NULL && (r = load_passwd(passwd_path, set)) != PA_OK)
		goto out;
	if (group_path != NULL && (r = load_group(group_path, set)) != PA_OK)
		goto out;
	*out = set;
	set = NULL;
 out:
	pa_idset_free(set);
	return r;
}

int
pa_idmap_assign_user(const char *name, unsigned long min,
    unsigned long max, struct pa_idset *used, uint32_t *uid, uint32_t *gid)
{
	uint32_t u, g;
	int r;

	if (used == NULL || uid == NULL || gid == NULL)
		return PA_ERR_ARG;
	if ((r = pa_idmap_assign(name, min, max, pa_idset_taken, used,
	    &u)) != PA_OK ||
	    (r = pa_idmap_assign_gid(name, u, min, max, pa_idset_taken, used,
	    &g)) != PA_OK)
		return r;
	if ((r = pa_idset_add(used, u)) != PA_OK ||
	    (r = pa_idset_add(used, g)) != PA_OK)
		return r;
	*uid = u;
	*gid = g;
	return PA_OK;
}
