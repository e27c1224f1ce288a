/* SPDX-License-Identifier: MIT */
/*
 * Lists of strings as (char **, count) pairs, the shape config lists,
 * roles and groups already have: one copy of splitting, copying, finding
 * and freeing them. libc only.
 */
#ifndef POSAUTH_STRV_H
#define POSAUTH_STRV_H

#include <stddef.h>

struct pa_buf;

/* Frees every string and the array; NULL is fine. */
void pa_strv_free(char **v, size_t n);
/* The same, wiping each string first (tokens). */
void pa_strv_freezero(char **v, size_t n);

/* 1 when s is in v (exact bytes). */
int pa_strv_has(char *const *v, size_t n, const char *s);

/* 1 when a and b share an item. */
int pa_strv_intersect(char *const *a, size_t na, char *const *b, size_t nb);

/* A deep copy; n == 0 gives *out NULL. */
int pa_strv_dup(char *const *in, size_t n, char ***out);

/*
 * Appends a copy of s to *v (n items now), unless it is there already
 * (returns PA_OK then too). PA_ERR_TOO_LARGE at max items.
 */
int pa_strv_add_unique(char ***v, size_t *n, size_t max, const char *s);

/* Validates one item; fills msg (may be NULL) when it is refused. */
typedef int (*pa_strv_check_fn)(const char *item, char *msg, size_t msglen);

/*
 * "a, b,c" -> {"a","b","c"}: items split at ',', spaces and tabs around
 * them trimmed. An empty item, a duplicate, more than max items, or an
 * item check refuses is PA_ERR_CONFIG with msg saying which; an empty s
 * gives an empty list. PA_ERR_ALLOC.
 */
int pa_strv_split(const char *s, size_t max, pa_strv_check_fn check,
    char ***out, size_t *nout, char *msg, size_t msglen);

/* Appends the items to b with sep between them. */
int pa_strv_join(char *const *v, size_t n, const char *sep,
    struct pa_buf *b);

#endif
