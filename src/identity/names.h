/* SPDX-License-Identifier: MIT */
/*
 * Who owns a name. A staff id becomes a user name, and each staff member
 * gets a group of the same name; role mappings add more group names. A
 * name that any other source of users or groups already knows (the local
 * files, or whatever else nsswitch.conf lists for passwd and group) is not
 * ours to serve: a staff id "sudo" served as a primary group "sudo" made
 * its holder root through sudo's %sudo rule, which matches by name.
 *
 * The local files are read directly, never through getpwnam(), and every
 * other service of nsswitch.conf is asked through its own module
 * (libnss_<service>.so.2), skipping "posauth": our own index must never
 * make a name look like someone else's, nor hide one. A source that
 * cannot answer (unreadable file, a module answering "unavailable") makes
 * the answer unknown, and callers fail closed.
 */
#ifndef POSAUTH_NAMES_H
#define POSAUTH_NAMES_H

#include <stddef.h>
#include <stdint.h>

#define PA_NAMES_PASSWD		"/etc/passwd"
#define PA_NAMES_GROUP		"/etc/group"
#define PA_NAMES_NSSWITCH	"/etc/nsswitch.conf"

/* Where the sources are; NULL members (or a NULL struct) mean the system's. */
struct pa_names_paths {
	const char *passwd;
	const char *group;
	const char *nsswitch;
	const char *module_dir;	/* NULL: the dynamic linker's search path */
};

#define PA_NAME_USER	0x1u	/* a user of that name exists elsewhere */
#define PA_NAME_GROUP	0x2u	/* a group of that name exists elsewhere */

struct pa_name_owner {
	unsigned kinds;		/* 0: nobody else has the name */
	uint32_t gid;		/* the group's gid, when PA_NAME_GROUP */
	char source[32];	/* "files" or the nsswitch service that has it */
};

struct pa_names;

/*
 * Loads the local files and the other NSS modules. PA_ERR_SYSTEM (with
 * *why naming the source) when a file cannot be read or nsswitch.conf
 * cannot be parsed; a service whose module is not installed is skipped,
 * as glibc skips it. why may be NULL.
 */
int pa_names_open(const struct pa_names_paths *paths, struct pa_names **out,
    char *why, size_t whylen);
void pa_names_close(struct pa_names *n);

/*
 * Who else has name, as a user or a group. PA_OK with *out filled, or
 * PA_ERR_SYSTEM when some source could not answer (why says which): the
 * name must then be treated as taken.
 */
int pa_names_lookup(struct pa_names *n, const char *name,
    struct pa_name_owner *out, char *why, size_t whylen);

#endif
