/* SPDX-License-Identifier: MIT */
/*
 * uid/gid allocation: deterministic, inside the range, never a local id.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "idmap.h"
#include "tap.h"

#define MIN_ID 200000ul
#define MAX_ID 200099ul		/* small, so collisions are certain */

static int
never_taken(uint32_t id, void *ctx)
{
	(void)id;
	(void)ctx;
	return 0;
}

static int
always_taken(uint32_t id, void *ctx)
{
	(void)id;
	(void)ctx;
	return 1;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Assigns names in sorted order against the local set; ids into out. */
static int
assign_all(const char **names, size_t n, const char *passwd,
    const char *group, uint32_t *uids, uint32_t *gids)
{
	struct pa_idset *used = NULL;
	const char **sorted;
	size_t i, j;
	int r;

	if ((sorted = malloc(n * sizeof(*sorted))) == NULL)
		return PA_ERR_ALLOC;
	memcpy(sorted, names, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_str);
	if ((r = pa_idmap_load_local(passwd, group, &used)) != PA_OK)
		goto out;
	for (i = 0; i < n; i++) {
		for (j = 0; strcmp(names[j], sorted[i]) != 0; j++)
			;
		if ((r = pa_idmap_assign_user(sorted[i], MIN_ID, MAX_ID, used,
		    &uids[j], &gids[j])) != PA_OK)
			goto out;
	}
 out:
	pa_idset_free(used);
	free(sorted);
	return r;
}

int
main(void)
{
	static const char *names[] = { "zoe", "alice", "bob", "carol",
	    "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
	    "mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent",
	    "victor", "walter" };
	enum { N = sizeof(names) / sizeof(names[0]) };
	static const char *reversed[N];
	char dir[] = "/tmp/test_idmap.XXXXXX", pw[64], gr[64];
	uint32_t uids[N], gids[N], uids2[N], gids2[N], id, id2;
	struct pa_idset *set = NULL;
	size_t i, j;
	int all, distinct;

	if (mkdtemp(dir) == NULL)
		return 99;
	snprintf(pw, sizeof(pw), "%s/passwd", dir);
	snprintf(gr, sizeof(gr), "%s/group", dir);
	/* local ids inside our range: 200000-200049 as uids and gids */
	{
		FILE *f = fopen(pw, "w"), *g = fopen(gr, "w");

		if (f == NULL || g == NULL)
			return 99;
		fprintf(f, "root:x:0:0:root:/root:/bin/bash\n");
		fprintf(g, "root:x:0:\n");
		for (i = 0; i < 25; i++) {
			fprintf(f, "local%zu:x:%lu:100::/home/l:/bin/sh\n", i,
			    (unsigned long)(MIN_ID + i));
			fprintf(g, "lgroup%zu:x:%lu:\n", i,
			    (unsigned long)(MIN_ID + 25 + i));
		}
		fclose(f);
		fclose(g);
	}

	ok(pa_idmap_assign("alice", MIN_ID, MAX_ID, never_taken, NULL, &id) ==
	    PA_OK && id >= MIN_ID && id <= MAX_ID, "assigned_id_in_range");
	ok(pa_idmap_assign("alice", MIN_ID, MAX_ID, never_taken, NULL, &id2) ==
	    PA_OK && id == id2, "same_name_same_id");
	ok(pa_idmap_assign("alice", 4000000000ul, 4000000000ul, never_taken,
	    NULL, &id) == PA_OK && id == 4000000000u, "single_id_range");
	ok(pa_idmap_assign("alice", MIN_ID, MAX_ID, always_taken, NULL, &id) ==
	    PA_ERR_NOT_FOUND, "full_range_is_an_error");
	ok(pa_idmap_assign("alice", 0, 10, never_taken, NULL, &id) ==
	    PA_ERR_ARG && pa_idmap_assign("alice", 10, 9, never_taken, NULL,
	    &id) == PA_ERR_ARG && pa_idmap_assign("alice", 1, UINT32_MAX,
	    never_taken, NULL, &id) == PA_ERR_ARG && pa_idmap_assign("", 1, 9,
	    never_taken, NULL, &id) == PA_ERR_ARG, "bad_range_or_name_rejected");

	ok(pa_idmap_load_local(pw, gr, &set) == PA_OK &&
	    pa_idset_has(set, 0) && pa_idset_has(set, MIN_ID) &&
	    pa_idset_has(set, MIN_ID + 49) && !pa_idset_has(set, MIN_ID + 50) &&
	    pa_idset_count(set) == 51, "local_ids_loaded_from_files");
	pa_idset_free(set);
	set = NULL;
	ok(pa_idmap_load_local("/nonexistent/passwd", NULL, &set) ==
	    PA_ERR_SYSTEM && set == NULL, "missing_local_file_is_an_error");

	ok(assign_all(names, N, pw, gr, uids, gids) == PA_OK,
	    "assign_all_names");
	for (all = 1, distinct = 1, i = 0; i < N; i++) {
		all &= uids[i] >= MIN_ID + 50 && uids[i] <= MAX_ID;
		for (j = 0; j < i; j++)
			distinct &= uids[i] != uids[j] && gids[i] != gids[j];
	}
	ok(all, "local_ids_skipped");
	ok(distinct, "ids_distinct_despite_collisions");
	for (all = 1, i = 0; i < N; i++)
		all &= gids[i] == uids[i];
	ok(all, "own_group_gid_equals_uid");

	for (i = 0; i < N; i++)
		reversed[i] = names[N - 1 - i];
	ok(assign_all(reversed, N, pw, gr, uids2, gids2) == PA_OK,
	    "assign_in_other_input_order");
	for (all = 1, i = 0; i < N; i++)
		all &= uids2[N - 1 - i] == uids[i] && gids2[N - 1 - i] == gids[i];
	ok(all, "sorted_processing_is_deterministic");

	/* gid == uid when free, else probing; here uid is taken as a gid */
	if (pa_idset_new(&set) != PA_OK || pa_idset_add(set, 200077) != PA_OK)
		return 99;
	ok(pa_idmap_assign_gid("alice", 200070, MIN_ID, MAX_ID,
	    pa_idset_taken, set, &id) == PA_OK && id == 200070,
	    "gid_is_uid_when_free");
	ok(pa_idmap_assign_gid("alice", 200077, MIN_ID, MAX_ID,
	    pa_idset_taken, set, &id) == PA_OK && id != 200077 &&
	    id >= MIN_ID && id <= MAX_ID, "gid_probes_when_uid_taken");
	pa_idset_free(set);

	/* the range fills up: the 101st name has nowhere to go */
	{
		struct pa_idset *used = NULL;
		char name[32];
		uint32_t u, g;
		int r = PA_OK;

		if (pa_idset_new(&used) != PA_OK)
			return 99;
		for (i = 0; i < 100 && r == PA_OK; i++) {
			snprintf(name, sizeof(name), "user%zu", i);
			r = pa_idmap_assign_user(name, MIN_ID, MAX_ID, used, &u,
			    &g);
		}
		ok(r == PA_OK && pa_idset_count(used) == 100,
		    "range_fills_exactly");
		ok(pa_idmap_assign_user("one-too-many", MIN_ID, MAX_ID, used,
		    &u, &g) == PA_ERR_NOT_FOUND, "exhausted_range_is_an_error");
		pa_idset_free(used);
	}

	/* the set grows past its first size and keeps every id */
	if (pa_idset_new(&set) != PA_OK)
		return 99;
	for (all = 1, i = 0; i < 100000; i++)
		all &= pa_idset_add(set, (uint32_t)(i * 7919u)) == PA_OK;
	for (i = 0; i < 100000; i++)
		all &= pa_idset_has(set, (uint32_t)(i * 7919u)) &&
		    !pa_idset_has(set, (uint32_t)(i * 7919u + 1));
	all &= pa_idset_add(set, UINT32_MAX) == PA_OK &&
	    pa_idset_has(set, UINT32_MAX) && pa_idset_count(set) == 100001;
	ok(all, "idset_holds_many_ids");
	pa_idset_free(set);

	unlink(pw);
	unlink(gr);
	rmdir(dir);
	return tap_done();
}
