/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <grp.h>
#include <nss.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "names.h"

#define NAMES_MAX_SERVICES	16
#define NAMES_SERVICE_MAX	32	/* bytes of a service name */
#define NAMES_NSSWITCH_MAX	65536	/* bytes of nsswitch.conf */
#define NAMES_BUF_START		1024
#define NAMES_BUF_MAX		(1024 * 1024)
#define NAMES_ENTRIES_MAX	(1u << 20)

typedef enum nss_status (*getpwnam_fn)(const char *, struct passwd *,
    char *, size_t, int *);
typedef enum nss_status (*getgrnam_fn)(const char *, struct group *,
    char *, size_t, int *);

/* One nsswitch service other than files and posauth. */
struct names_service {
	char name[NAMES_SERVICE_MAX];
	int for_passwd, for_group;	/* listed on those lines */
	getpwnam_fn getpwnam;		/* NULL: not asked */
	getgrnam_fn getgrnam;
};

struct names_entry {
	char *name;
	uint32_t gid;
};

struct pa_names {
	struct names_entry *users, *groups;	/* sorted by name */
	size_t nusers, ngroups;
	struct names_service svc[NAMES_MAX_SERVICES];
	size_t nsvc;
};

static void say(char *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static void
say(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL || whylen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

static int
entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct names_entry *)a)->name,
	    ((const struct names_entry *)b)->name);
}

static const struct names_entry *
entry_find(const struct names_entry *v, size_t n, const char *name)
{
	struct names_entry key = { (char *)name, 0 };

	return n == 0 ? NULL : bsearch(&key, v, n, sizeof(*v), entry_cmp);
}

static int
entry_add(struct names_entry **v, size_t *n, const char *name, uint32_t gid)
{
	struct names_entry *tmp;

	/* compat's "+name" and "-name" lines are that module's business. */
	if (name == NULL || name[0] == '\0' || name[0] == '+' || name[0] == '-')
		return PA_OK;
	if (*n >= NAMES_ENTRIES_MAX)
		return PA_ERR_TOO_LARGE;
	if ((tmp = reallocarray(*v, *n + 1, sizeof(*tmp))) == NULL)
		return PA_ERR_ALLOC;
	*v = tmp;
	if ((tmp[*n].name = strdup(name)) == NULL)
		return PA_ERR_ALLOC;
	tmp[*n].gid = gid;
	(*n)++;
	return PA_OK;
}

static void
entries_free(struct names_entry *v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++)
		free(v[i].name);
	free(v);
}

/*
 * Reads every name of a passwd (is_group 0) or group file. The reentrant
 * readers keep no static state, so two threads of a host process can run
 * this at once.
 */
static int
load_file(const char *path, int is_group, struct names_entry **v, size_t *n,
    char *why, size_t whylen)
{
	struct passwd pw, *pwp;
	struct group gr, *grp;
	size_t cap = NAMES_BUF_START;
	char *buf = NULL, *tmp;
	FILE *f;
	int e, r = PA_OK;

	if ((f = fopen(path, "re")) == NULL) {
		say(why, whylen, "cannot read %s: %s", path, strerror(errno));
		return PA_ERR_SYSTEM;
	}
	if ((buf = malloc(cap)) == NULL) {
		r = PA_ERR_ALLOC;
		goto out;
	}
	for (;;) {
		if (is_group)
			e = fgetgrent_r(f, &gr, buf, cap, &grp);
		else
			e = fgetpwent_r(f, &pw, buf, cap, &pwp);
		if (e == ENOENT)
			break;
		if (e == ERANGE && cap < NAMES_BUF_MAX) {
			/* The entry is read again from where it started. */
			cap *= 2;
			if ((tmp = realloc(buf, cap)) == NULL) {
				r = PA_ERR_ALLOC;
				goto out;
			}
			buf = tmp;
			continue;
		}
		if (e != 0) {
			say(why, whylen, "cannot read %s: %s", path,
			    strerror(e));
			r = PA_ERR_SYSTEM;
			goto out;
		}
		r = is_group ? entry_add(v, n, gr.gr_name, (uint32_t)gr.gr_gid) :
		    entry_add(v, n, pw.pw_name, 0);
		if (r != PA_OK)
			goto out;
	}
	if (ferror(f)) {
		say(why, whylen, "cannot read %s: read error", path);
		r = PA_ERR_SYSTEM;
		goto out;
	}
	if (*n > 1)
		qsort(*v, *n, sizeof(**v), entry_cmp);
 out:
	free(buf);
	fclose(f);
	return r;
}

static int
service_name_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len >= NAMES_SERVICE_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

static struct names_service *
service_get(struct pa_names *n, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < n->nsvc; i++)
		if (strlen(n->svc[i].name) == len &&
		    memcmp(n->svc[i].name, name, len) == 0)
			return &n->svc[i];
	if (n->nsvc >= NAMES_MAX_SERVICES)
		return NULL;
	memcpy(n->svc[n->nsvc].name, name, len);
	n->svc[n->nsvc].name[len] = '\0';
	return &n->svc[n->nsvc++];
}

/*
 * "passwd: files [NOTFOUND=return] systemd posauth": every service but
 * files (read directly) and posauth (ours). Action items in brackets,
 * which may hold spaces, are skipped.
 */
static int
parse_db_line(struct pa_names *n, const char *path, const char *p,
    int is_group, char *why, size_t whylen)
{
	struct names_service *s;
	int in_action = 0;

	while (*p != '\0') {
		size_t len;

		p += strspn(p, " \t");
		len = strcspn(p, " \t");
		if (len == 0)
			break;
		if (in_action || p[0] == '[') {
			in_action = memchr(p, ']', len) == NULL;
		} else if ((len == 5 && memcmp(p, "files", 5) == 0) ||
		    (len == 7 && memcmp(p, "posauth", 7) == 0)) {
			/* read directly, or our own */
		} else if (!service_name_ok(p, len) ||
		    (s = service_get(n, p, len)) == NULL) {
			say(why, whylen, "%s: unusable service list", path);
			return PA_ERR_SYSTEM;
		} else if (is_group)
			s->for_group = 1;
		else
			s->for_passwd = 1;
		p += len;
	}
	return PA_OK;
}

static int
parse_nsswitch(struct pa_names *n, const char *path, char *why,
    size_t whylen)
{
	char *text = NULL, *line, *next, *colon;
	size_t len = 0;
	FILE *f;
	int r = PA_OK;

	if ((f = fopen(path, "re")) == NULL) {
		/* No file: glibc uses files alone, which we read anyway. */
		if (errno == ENOENT)
			return PA_OK;
		say(why, whylen, "cannot read %s: %s", path, strerror(errno));
		return PA_ERR_SYSTEM;
	}
	if ((text = malloc(NAMES_NSSWITCH_MAX + 1)) == NULL) {
		r = PA_ERR_ALLOC;
		goto out;
	}
	len = fread(text, 1, NAMES_NSSWITCH_MAX + 1, f);
	if (ferror(f) || len > NAMES_NSSWITCH_MAX) {
		say(why, whylen, "cannot read %s: %s", path,
		    ferror(f) ? "read error" : "file too large");
		r = PA_ERR_SYSTEM;
		goto out;
	}
	text[len] = '\0';
	for (line = text; line != NULL && r == PA_OK; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		line[strcspn(line, "#")] = '\0';
		line += strspn(line, " \t");
		if ((colon = strchr(line, ':')) == NULL)
			continue;
		*colon = '\0';
		if (strcmp(line, "passwd") == 0)
			r = parse_db_line(n, path, colon + 1, 0, why,
			    whylen);
		else if (strcmp(line, "group") == 0)
			r = parse_db_line(n, path, colon + 1, 1, why,
			    whylen);
	}
 out:
	free(text);
	fclose(f);
	return r;
}

/*
 * The module as glibc would load it. A module that is not installed
 * cannot give anyone a name, so it is skipped, as glibc skips it. Modules
 * are never unloaded: glibc does not unload NSS modules either, and some
 * are not written to survive it.
 */
static void
service_load(struct names_service *s, const char *module_dir)
{
	char lib[4096], sym[NAMES_SERVICE_MAX + 32];
	void *h;

	if (module_dir != NULL)
		snprintf(lib, sizeof(lib), "%s/libnss_%s.so.2", module_dir,
		    s->name);
	else
		snprintf(lib, sizeof(lib), "libnss_%s.so.2", s->name);
	if ((h = dlopen(lib, RTLD_NOW | RTLD_LOCAL)) == NULL)
		return;
	if (s->for_passwd) {
		snprintf(sym, sizeof(sym), "_nss_%s_getpwnam_r", s->name);
		s->getpwnam = (getpwnam_fn)dlsym(h, sym);
	}
	if (s->for_group) {
		snprintf(sym, sizeof(sym), "_nss_%s_getgrnam_r", s->name);
		s->getgrnam = (getgrnam_fn)dlsym(h, sym);
	}
}

int
pa_names_open(const struct pa_names_paths *paths, struct pa_names **out,
    char *why, size_t whylen)
{
	const struct pa_names_paths sys = { PA_NAMES_PASSWD, PA_NAMES_GROUP,
	    PA_NAMES_NSSWITCH, NULL };
	struct pa_names *n;
	size_t i;
	int r;

	*out = NULL;
	if (paths == NULL)
		paths = &sys;
	if ((n = calloc(1, sizeof(*n))) == NULL)
		return PA_ERR_ALLOC;
	if ((r = load_file(paths->passwd ? paths->passwd : sys.passwd, 0,
	    &n->users, &n->nusers, why, whylen)) != PA_OK ||
	    (r = load_file(paths->group ? paths->group : sys.group, 1,
	    &n->groups, &n->ngroups, why, whylen)) != PA_OK ||
	    (r = parse_nsswitch(n, paths->nsswitch ? paths->nsswitch :
	    sys.nsswitch, why, whylen)) != PA_OK) {
		pa_names_close(n);
		return r;
	}
	for (i = 0; i < n->nsvc; i++)
		service_load(&n->svc[i], paths->module_dir);
	*out = n;
	return PA_OK;
}

void
pa_names_close(struct pa_names *n)
{
	if (n == NULL)
		return;
	entries_free(n->users, n->nusers);
	entries_free(n->groups, n->ngroups);
	free(n);
}

/* NSS_STATUS_TRYAGAIN with ERANGE asks for a bigger buffer, nothing more. */
static int
ask_service(const struct names_service *s, const char *name, int group,
    struct pa_name_owner *out, char *why, size_t whylen)
{
	struct passwd pw;
	struct group gr;
	enum nss_status st;
	size_t cap = NAMES_BUF_START;
	char *buf = NULL, *tmp;
	int e, r = PA_ERR_ALLOC;

	if ((buf = malloc(cap)) == NULL)
		return PA_ERR_ALLOC;
	for (;;) {
		e = 0;
		st = group ? s->getgrnam(name, &gr, buf, cap, &e) :
		    s->getpwnam(name, &pw, buf, cap, &e);
		if (st != NSS_STATUS_TRYAGAIN || e != ERANGE ||
		    cap >= NAMES_BUF_MAX)
			break;
		cap *= 2;
		if ((tmp = realloc(buf, cap)) == NULL)
			goto out;
		buf = tmp;
	}
	r = PA_OK;
	if (st == NSS_STATUS_SUCCESS) {
		out->kinds |= group ? PA_NAME_GROUP : PA_NAME_USER;
		if (group)
			out->gid = (uint32_t)gr.gr_gid;
		if (out->source[0] == '\0')
			snprintf(out->source, sizeof(out->source), "%s",
			    s->name);
	} else if (st != NSS_STATUS_NOTFOUND) {
		/* UNAVAIL, TRYAGAIN, RETURN: the source exists, we cannot
		 * know what it holds, so the name is not ours to take. */
		say(why, whylen, "name service \"%s\" cannot answer (%s)",
		    s->name, group ? "group" : "passwd");
		r = PA_ERR_SYSTEM;
	}
 out:
	free(buf);
	return r;
}

int
pa_names_lookup(struct pa_names *n, const char *name,
    struct pa_name_owner *out, char *why, size_t whylen)
{
	const struct names_entry *g;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (n == NULL || name == NULL)
		return PA_ERR_ARG;
	if (entry_find(n->users, n->nusers, name) != NULL)
		out->kinds |= PA_NAME_USER;
	if ((g = entry_find(n->groups, n->ngroups, name)) != NULL) {
		out->kinds |= PA_NAME_GROUP;
		out->gid = g->gid;
	}
	if (out->kinds != 0)
		snprintf(out->source, sizeof(out->source), "files");
	/*
	 * The other services are asked even when files answered: a group
	 * known to files and a user known to LDAP are two collisions.
	 */
	for (i = 0; i < n->nsvc; i++) {
		const struct names_service *s = &n->svc[i];
		int r;

		if (s->getpwnam != NULL && (out->kinds & PA_NAME_USER) == 0 &&
		    (r = ask_service(s, name, 0, out, why, whylen)) != PA_OK)
			return r;
		if (s->getgrnam != NULL && (out->kinds & PA_NAME_GROUP) == 0 &&
		    (r = ask_service(s, name, 1, out, why, whylen)) != PA_OK)
			return r;
	}
	return PA_OK;
}
