/* SPDX-License-Identifier: MIT */
/*
 * Test helper for tests/nss_glibc.sh.
 *
 *   nssdb_tool write INDEX < spec	write an index from a text spec:
 *	user:NAME:UID:GID:GECOS:HOME:SHELL:GID,GID,...
 *	group:NAME:GID:MEMBER,MEMBER,...
 *   nssdb_tool grouplist USER GID	getgrouplist(3) through glibc
 *
 * Blank lines and lines starting with '#' in the spec are ignored.
 */
#include "config.h"

#include <sys/types.h>

#include <grp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "nssdb.h"

#define MAX_ITEMS 1024

struct spec {
	struct pa_nss_user users[MAX_ITEMS];
	struct pa_nss_group groups[MAX_ITEMS];
	size_t nusers, ngroups;
};

/* Splits s at sep into at most max fields, in place; returns the count. */
static size_t
split(char *s, char sep, char **fields, size_t max)
{
	size_t n = 0;

	if (*s == '\0')
		return 0;
	while (n < max) {
		fields[n++] = s;
		if ((s = strchr(s, sep)) == NULL)
			break;
		*s++ = '\0';
	}
	return n;
}

static int
parse_u32(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	v = strtoul(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int
parse_user(struct spec *sp, char **f)
{
	struct pa_nss_user *u = &sp->users[sp->nusers];
	char *g[MAX_ITEMS];
	uint32_t *gids;
	size_t n, i;

	n = split(f[7], ',', g, MAX_ITEMS);
	if ((gids = calloc(n + 1, sizeof(*gids))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		if (parse_u32(g[i], &gids[i]) != 0)
			return -1;
	}
	u->name = f[1];
	u->gecos = f[4];
	u->home = f[5];
	u->shell = f[6];
	u->gids = gids;
	u->ngids = n;
	if (parse_u32(f[2], &u->uid) != 0 || parse_u32(f[3], &u->gid) != 0)
		return -1;
	sp->nusers++;
	return 0;
}

static int
parse_group(struct spec *sp, char **f)
{
	struct pa_nss_group *g = &sp->groups[sp->ngroups];
	char **m;

	if ((m = calloc(MAX_ITEMS, sizeof(*m))) == NULL)
		return -1;
	g->name = f[1];
	g->members = (const char *const *)m;
	g->nmembers = split(f[3], ',', m, MAX_ITEMS);
	if (parse_u32(f[2], &g->gid) != 0)
		return -1;
	sp->ngroups++;
	return 0;
}

static int
write_index(const char *path)
{
	static struct spec sp;
	char line[4096], *f[8], *copy;
	size_t n;
	int r;

	while (fgets(line, sizeof(line), stdin) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		/* the spec strings live until exit */
		if ((copy = strdup(line)) == NULL)
			return 1;
		n = split(copy, ':', f, 8);
		if (n == 8 && strcmp(f[0], "user") == 0 &&
		    sp.nusers < MAX_ITEMS) {
			if (parse_user(&sp, f) != 0)
				goto bad;
		} else if (n == 4 && strcmp(f[0], "group") == 0 &&
		    sp.ngroups < MAX_ITEMS) {
			if (parse_group(&sp, f) != 0)
				goto bad;
		} else
			goto bad;
	}
	if ((r = pa_nssdb_write(path, sp.users, sp.nusers, sp.groups,
	    sp.ngroups)) != PA_OK) {
		fprintf(stderr, "nssdb_tool: %s: %s\n", path, pa_strerror(r));
		return 1;
	}
	return 0;
 bad:
	fprintf(stderr, "nssdb_tool: bad spec line: %s\n", line);
	return 1;
}

static int
grouplist(const char *user, const char *gidstr)
{
	gid_t groups[256];
	uint32_t gid;
	int n = 256, i;

	if (parse_u32(gidstr, &gid) != 0)
		return 2;
	if (getgrouplist(user, gid, groups, &n) < 0)
		return 1;
	for (i = 0; i < n; i++)
		printf("%s%u", i ? " " : "", (unsigned)groups[i]);
	printf("\n");
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "write") == 0)
		return write_index(argv[2]);
	if (argc == 4 && strcmp(argv[1], "grouplist") == 0)
		return grouplist(argv[2], argv[3]);
	fprintf(stderr, "usage: nssdb_tool write INDEX < spec\n"
	    "       nssdb_tool grouplist USER GID\n");
	return 2;
}
