/* SPDX-License-Identifier: MIT */
/*
 * Inside the NSS index (nssdb.h): what the reader and the writer share,
 * the hashing, the layout and the record checks of the format. The NSS
 * module links the reader alone.
 */
#ifndef POSAUTH_NSSDB_INT_H
#define POSAUTH_NSSDB_INT_H

#include <stddef.h>
#include <stdint.h>

#include "nssdb.h"

#define FNV_BASIS	0xcbf29ce484222325ULL
#define FNV_PRIME	0x100000001b3ULL

enum { T_UNAME = 0, T_UID, T_GNAME, T_GID };

struct nssdb_layout {
	size_t users, groups, gids, members, tables[4], strings, end;
};

uint64_t nssdb_fnv_update(uint64_t h, const void *data, size_t len);
uint64_t nssdb_hash_id(uint32_t id);
uint32_t nssdb_table_slots(uint32_t n);
int nssdb_compute_layout(const struct pa_nssdb_hdr *h,
    struct nssdb_layout *l);
const char *nssdb_sref_str(const char *strs, size_t str_len,
    struct pa_nssdb_sref s);
int nssdb_user_check(const struct pa_nssdb_urec *r, const char *strs,
    size_t str_len, const uint32_t *gids, size_t ngids, uint64_t *out);
int nssdb_group_check(const struct pa_nssdb_grec *r, const char *strs,
    size_t str_len, const struct pa_nssdb_sref *members, size_t nmembers,
    uint64_t *out);

#endif
