/* SPDX-License-Identifier: MIT */
/*
 * uid/gid allocation for staff accounts, which exist in no local file.
 *
 * An id is hash(name) mapped into [min, max], then the next id upwards
 * (wrapping to min) that is not taken. Because collision handling is
 * linear probing over a fixed hash (FNV-1a 64 of the name, the index
 * format's hash), the outcome depends only on the names and on which ids
 * are taken: given the same local ids and the same set of names processed
 * in sorted order, the same ids come out, on every device. A name keeps
 * its id when others are added later unless they collide first, which is
 * why the caller stores assigned ids and passes them as taken rather than
 * re-deriving them.
 *
 * Local uids/gids come straight from the passwd and group files
 * (fgetpwent/fgetgrent), never from getpwuid(): that would ask NSS, and
 * so our own module and its index, about the ids we are about to assign.
 */
#ifndef POSAUTH_IDMAP_H
#define POSAUTH_IDMAP_H

#include <stddef.h>
#include <stdint.h>

/*
 * Assigns the id for name in [min, max]. taken(id, ctx) returns non-zero
 * for ids in use (local ones and ones already assigned). PA_OK with *out
 * set; PA_ERR_ARG for an empty name or a bad range (min 0, min > max, max
 * >= 2^32 - 1: 0 is root and (uint32_t)-1 means "no id"); PA_ERR_NOT_FOUND
 * when every id in the range is taken, after max - min + 1 calls of
 * taken(): keep the configured range (uid_min..uid_max) modest.
 */
int pa_idmap_assign(const char *name, unsigned long min, unsigned long max,
    int (*taken)(uint32_t id, void *ctx), void *ctx, uint32_t *out);

/*
 * The gid of a user's own group: uid itself when gid_taken says it is
 * free, else the same probing as pa_idmap_assign. Same errors.
 */
int pa_idmap_assign_gid(const char *name, uint32_t uid, unsigned long min,
    unsigned long max, int (*gid_taken)(uint32_t id, void *ctx), void *ctx,
    uint32_t *out);

/* A set of ids in use (a hash set; any size up to PA_IDSET_MAX). */
struct pa_idset;

#define PA_IDSET_MAX	(1u << 24)

int pa_idset_new(struct pa_idset **out);
int pa_idset_add(struct pa_idset *set, uint32_t id);	/* PA_ERR_TOO_LARGE */
int pa_idset_has(const struct pa_idset *set, uint32_t id);
size_t pa_idset_count(const struct pa_idset *set);
void pa_idset_free(struct pa_idset *set);

/* Adapter for the taken() callbacks: ctx is a struct pa_idset *. */
int pa_idset_taken(uint32_t id, void *ctx);

/*
 * Every uid in passwd_path and every gid in group_path, in one set: a
 * staff uid never equals a local gid and the reverse, which keeps
 * gid == uid available for each user's own group. Either path may be
 * NULL to skip it. PA_ERR_SYSTEM when a file cannot be opened.
 */
int pa_idmap_load_local(const char *passwd_path, const char *group_path,
    struct pa_idset **out);

/*
 * The whole step for one user with a single set of used ids: uid by
 * pa_idmap_assign, gid by pa_idmap_assign_gid, both then added to used.
 */
int pa_idmap_assign_user(const char *name, unsigned long min,
    unsigned long max, struct pa_idset *used, uint32_t *uid, uint32_t *gid);

#endif
