/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alg.h"
#include "buf.h"
#include "conf.h"
#include "err.h"
#include "fileio.h"
#include "strv.h"
#include "user.h"

#define CONF_MSG_MAX 512
#define CONF_LIST_MAX 64		/* items in one comma list */
#define CONF_SECTION_MAX 256		/* entries in [roles], [offline_grace] */
/* Durations stay far from overflow when added to a 64-bit time_t. */
#define CONF_SECONDS_MAX 2147483647LL
/* (uid_t)-1 means "unchanged" to chown(2) and friends: never hand it out. */
#define CONF_UID_MAX 4294967294LL

enum conf_type {
	CT_STRING,	/* char * */
	CT_LONG,	/* long */
	CT_ULONG,	/* unsigned long */
	CT_SIZE,	/* size_t */
	CT_UINT,	/* unsigned */
	CT_TOKEN,	/* enum pa_token_kind */
	CT_REVOKED,	/* enum pa_revoked_action */
	CT_ALGS,	/* unsigned PA_ALG_* mask */
	CT_LIST,	/* char ** plus a size_t count */
	CT_CLIENT_AUTH,	/* enum pa_client_auth */
	CT_BOOL,	/* int, yes or no */
};

enum conf_section {
	SEC_TOP,
	SEC_ROLES,
	SEC_GRACE,
	SEC_UNKNOWN,	/* reported once at its header, entries skipped */
};

/* A parsed value before it is swapped into struct pa_conf. */
union conf_val {
	char *s;
	long long n;
	struct {
		char **v;
		size_t n;
	} list;
};

/* Validates one string (or one list item); fills msg when it fails. */
typedef pa_strv_check_fn conf_check_fn;

struct conf_key {
	const char *name;
	enum conf_type type;
	size_t off;		/* field in struct pa_conf */
	size_t count_off;	/* CT_LIST: its item count */
	const char *def;	/* NULL: unset unless configured */
	int required;
	long long min, max;	/* numbers, inclusive */
	conf_check_fn check;	/* CT_STRING and CT_LIST items */
};

struct conf_parser {
	const char *file;
	unsigned line;
	pa_conf_report_fn report;
	void *ctx;
	unsigned nerr;
	int oom;
	enum conf_section section;
	unsigned *seen;		/* per key: line it was set on, 0 = not yet */
	struct pa_conf *conf;
};

static int check_issuer(const char *, char *, size_t);
static int check_word(const char *, char *, size_t);
static int check_text(const char *, char *, size_t);
static int check_abs_path(const char *, char *, size_t);
static int check_claim_path(const char *, char *, size_t);
static int check_pattern(const char *, char *, size_t);
static int check_home_pattern(const char *, char *, size_t);
static int check_role(const char *, char *, size_t);
static int check_group(const char *, char *, size_t);
static int check_alg(const char *, char *, size_t);
static int check_scope(const char *, char *, size_t);
static int check_device_key(const char *, char *, size_t);
static int check_device_key_type(const char *, char *, size_t);

#define F(field) offsetof(struct pa_conf, field)
#define STR(k, def, req, chk) { #k, CT_STRING, F(k), 0, def, req, 0, 0, chk }
#define NUM(k, t, def, lo, hi) { #k, t, F(k), 0, def, 0, lo, hi, NULL }
#define LIST(k, cnt, chk) { #k, CT_LIST, F(k), F(cnt), NULL, 0, 0, 0, chk }

/*
 * Every top-level key, its type, default and rule: the one place to look.
 * Defaults go through the same parser as the file, so a default can never
 * be something the file would refuse. posauth.conf(5) documents each key.
 */
static const struct conf_key conf_keys[] = {
	STR(issuer, NULL, 1, check_issuer),
	STR(client_id, NULL, 1, check_word),
	STR(client_secret_file, NULL, 0, check_abs_path),
	{ "client_auth", CT_CLIENT_AUTH, F(client_auth), 0,
	    "client_secret_basic", 0, 0, 0, NULL },
	STR(client_cert_file, NULL, 0, check_abs_path),
	STR(client_key_file, NULL, 0, check_abs_path),
	STR(device_key, "file", 0, check_device_key),
	STR(device_key_type, "ec-p256", 0, check_device_key_type),
	{ "dpop", CT_BOOL, F(dpop), 0, "no", 0, 0, 0, NULL },
	STR(ca_file, NULL, 0, check_abs_path),
	STR(scope, "openid", 0, check_scope),
	STR(audience, NULL, 0, check_word),
	{ "token", CT_TOKEN, F(token), 0, "id_token", 0, 0, 0, NULL },
	{ "algorithms", CT_ALGS, F(algorithms), 0, "RS256,ES256,EdDSA",
	    0, 0, 0, check_alg },
	NUM(leeway, CT_LONG, "60", 0, 600),
	NUM(connect_timeout, CT_LONG, "3", 1, 60),
	NUM(timeout, CT_LONG, "10", 1, 300),
	NUM(outage_probe_min, CT_LONG, "5", 1, 3600),
	NUM(outage_probe_max, CT_LONG, "300", 1, 86400),
	NUM(max_response_bytes, CT_SIZE, "65536", 4096, 16777216),
	STR(username_claim, "preferred_username", 0, check_claim_path),
	STR(roles_claim, "roles", 0, check_claim_path),
	STR(tenant, NULL, 0, check_text),
	STR(tenant_claim, "tenant", 0, check_claim_path),
	STR(store, NULL, 0, check_text),
	STR(store_claim, "store", 0, check_claim_path),
	STR(username_pattern, PA_DEFAULT_USERNAME_PATTERN, 0, check_pattern),
	STR(cache_dir, "/var/lib/posauth", 0, check_abs_path),
	STR(runtime_dir, "/run/posauth", 0, check_abs_path),
	NUM(offline_grace, CT_LONG, "43200", 0, CONF_SECONDS_MAX),
	LIST(offline_roles, n_offline_roles, check_role),
	NUM(offline_max_failures, CT_LONG, "5", 0, 100),
	NUM(offline_lockout, CT_LONG, "900", 0, CONF_SECONDS_MAX),
	NUM(offline_kdf_cost, CT_UINT, "15", 10, 22),
	LIST(mfa_roles, n_mfa_roles, check_role),
	STR(mfa_acr, NULL, 0, check_text),
	NUM(offline_mfa_grace, CT_LONG, "0", 0, CONF_SECONDS_MAX),
	LIST(default_groups, n_default_groups, check_group),
	STR(nss_index, "/var/cache/posauth/nss.db", 0, check_abs_path),
	STR(uid_claim, NULL, 0, check_claim_path),
	NUM(uid_min, CT_ULONG, "200000", 1000, CONF_UID_MAX),
	NUM(uid_max, CT_ULONG, "299999", 1000, CONF_UID_MAX),
	STR(home_pattern, "/home/%u", 0, check_home_pattern),
	STR(shell, "/bin/bash", 0, check_abs_path),
	NUM(nss_expire, CT_LONG, "90", 0, 36500),
	NUM(session_refresh, CT_LONG, "300", 0, 86400),
	{ "on_session_revoked", CT_REVOKED, F(on_session_revoked), 0, "lock",
	    0, 0, 0, NULL },
	STR(session_revoked_hook, NULL, 0, check_abs_path),
};

#define NKEYS (sizeof(conf_keys) / sizeof(conf_keys[0]))

#undef F
#undef STR
#undef NUM
#undef LIST

static int
fail(char *msg, size_t msglen, const char *text)
{
	snprintf(msg, msglen, "%s", text);
	return PA_ERR_CONFIG;
}

/* Bytes from lo to 0x7e only: no control bytes, no DEL, no non-ASCII. */
static int
all_bytes_in(const char *s, unsigned char lo)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < lo || *p > 0x7e)
			return 0;
	return 1;
}

static int
has_control_byte(const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 1;
	return 0;
}

/*
 * The issuer decides which server's keys we trust and must equal the
 * token's iss byte for byte (OIDC Core §3.1.3.7), so it is taken as given
 * (a trailing '/' stays) and only plain https URLs are accepted: no
 * query or fragment (OIDC Discovery §3), no userinfo that could make
 * "https://pos.example@evil.example" look like the real host.
 */
static int
check_issuer(const char *v, char *msg, size_t msglen)
{
	const char *host = v + strlen("https://");
	size_t authority;

	if (strncmp(v, "https://", strlen("https://")) != 0)
		return fail(msg, msglen, "must be an https:// URL");
	if (!all_bytes_in(v, 0x21))
		return fail(msg, msglen,
		    "must not contain spaces, control or non-ASCII bytes");
	if (strchr(v, '?') != NULL || strchr(v, '#') != NULL)
		return fail(msg, msglen, "must not have a query or fragment");
	authority = strcspn(host, "/");
	if (authority == 0)
		return fail(msg, msglen, "has no host");
	if (memchr(host, '@', authority) != NULL)
		return fail(msg, msglen, "must not contain user information");
	return PA_OK;
}

static int
check_word(const char *v, char *msg, size_t msglen)
{
	if (!all_bytes_in(v, 0x21))
		return fail(msg, msglen,
		    "must be printable ASCII without spaces");
	return PA_OK;
}

/*
 * tenant and store may be any text the token service uses, but they reach
 * session environments (POSAUTH_TENANT, POSAUTH_STORE): printable ASCII.
 */
static int
check_text(const char *v, char *msg, size_t msglen)
{
	if (!all_bytes_in(v, 0x20))
		return fail(msg, msglen, "must be printable ASCII");
	return PA_OK;
}

static int
check_abs_path(const char *v, char *msg, size_t msglen)
{
	if (v[0] != '/')
		return fail(msg, msglen, "must be an absolute path");
	if (has_control_byte(v))
		return fail(msg, msglen, "must not contain control bytes");
	if (strlen(v) >= PATH_MAX)
		return fail(msg, msglen, "path too long");
	return PA_OK;
}

/* "a.b.c" with no empty segment; see pa_claim_path(). */
static int
check_claim_path(const char *v, char *msg, size_t msglen)
{
	size_t len = strlen(v);

	if (!all_bytes_in(v, 0x21))
		return fail(msg, msglen,
		    "must be printable ASCII without spaces");
	if (v[0] == '.' || v[len - 1] == '.' || strstr(v, "..") != NULL)
		return fail(msg, msglen,
		    "claim path has an empty segment");
	return PA_OK;
}

static int
check_pattern(const char *v, char *msg, size_t msglen)
{
	char why[256];
	int r;

	if ((r = pa_user_pattern_check(v, why, sizeof(why))) == PA_ERR_CONFIG)
		snprintf(msg, msglen, "regular expression does not compile: %s",
		    why);
	else if (r != PA_OK)
		snprintf(msg, msglen, "cannot check regular expression: %s",
		    pa_strerror(r));
	return r;
}

/* %u is the user name, %% a '%'; anything else is a typo we refuse. */
static int
check_home_pattern(const char *v, char *msg, size_t msglen)
{
	const char *p;
	int r;

	if ((r = check_abs_path(v, msg, msglen)) != PA_OK)
		return r;
	for (p = v; *p != '\0'; p++) {
		if (*p != '%')
			continue;
		if (p[1] != 'u' && p[1] != '%')
			return fail(msg, msglen, "only %u and %% may follow '%'");
		p++;
	}
	return PA_OK;
}

static int
check_role(const char *v, char *msg, size_t msglen)
{
	if (!pa_role_name_valid(v))
		return fail(msg, msglen, "invalid role name (1-64 printable "
		    "ASCII bytes, no space, ',' or ':')");
	return PA_OK;
}

/* No role may ever lead to membership of root's group. */
static int
check_group(const char *v, char *msg, size_t msglen)
{
	if (!pa_group_name_valid(v)) {
		snprintf(msg, msglen, "invalid group name '%s'", v);
		return PA_ERR_CONFIG;
	}
	if (strcmp(v, "root") == 0)
		return fail(msg, msglen, "group 'root' is not allowed");
	return PA_OK;
}

/*
 * RFC 6749 §3.3: scope tokens separated by single spaces, each
 * %x21 / %x23-5B / %x5D-7E. Some providers put preferred_username and
 * the roles under "profile", and issue refresh tokens only for
 * "offline_access".
 */
static int
check_scope(const char *v, char *msg, size_t msglen)
{
	const char *p;

	if (v[0] == ' ' || v[strlen(v) - 1] == ' ' || strstr(v, "  ") != NULL)
		return fail(msg, msglen, "scope tokens are separated by single "
		    "spaces");
	for (p = v; *p != '\0'; p++)
		if (*p != ' ' && (*p < 0x21 || *p > 0x7e || *p == '"' ||
		    *p == '\\'))
			return fail(msg, msglen, "scope tokens are printable "
			    "ASCII without '\"' or '\\'");
	return PA_OK;
}

/* HS* and "none" are unknown to pa_alg_from_name, so they fail here. */
/*
 * "file", "tpm2" (a key made in the TPM, its blob in cache_dir) or
 * "tpm2:URI" for an OSSL_STORE URI of the tpm2 provider (handle:0x81...).
 */
static int
check_device_key(const char *v, char *msg, size_t msglen)
{
	if (strcmp(v, "file") == 0 || strcmp(v, "tpm2") == 0)
		return PA_OK;
	if (strncmp(v, "tpm2:", 5) == 0 && v[5] != '\0' &&
	    all_bytes_in(v, 0x21))
		return PA_OK;
	return fail(msg, msglen, "must be file, tpm2 or tpm2:URI");
}

static int
check_device_key_type(const char *v, char *msg, size_t msglen)
{
	if (strcmp(v, "ec-p256") == 0 || strcmp(v, "ed25519") == 0 ||
	    strcmp(v, "rsa-3072") == 0)
		return PA_OK;
	return fail(msg, msglen, "must be ec-p256, ed25519 or rsa-3072");
}

static int
check_alg(const char *v, char *msg, size_t msglen)
{
	if (pa_alg_from_name(v) == 0) {
		snprintf(msg, msglen, "unknown or forbidden algorithm '%s'", v);
		return PA_ERR_CONFIG;
	}
	return PA_OK;
}

static char *
trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	return s;
}

/* "a, b,c" -> {"a","b","c"}; empty items and duplicates are errors. */
static int
list_split(const char *value, conf_check_fn check, char ***out, size_t *nout,
    char *msg, size_t msglen)
{
	return pa_strv_split(value, CONF_LIST_MAX, check, out, nout, msg,
	    msglen);
}

/*
 * Decimal digits only: no sign, no spaces, no "0x", no trailing junk, and
 * a value strtoll cannot hold is an error rather than a clamped LLONG_MAX.
 */
static int
parse_number(const char *value, long long min, long long max, long long *out,
    char *msg, size_t msglen)
{
	const char *p;
	long long n;

	for (p = value; *p != '\0'; p++)
		if (*p < '0' || *p > '9')
			return fail(msg, msglen, "not a decimal number");
	errno = 0;
	n = strtoll(value, NULL, 10);
	if (errno == ERANGE || n < min || n > max) {
		snprintf(msg, msglen, "must be between %lld and %lld", min,
		    max);
		return PA_ERR_CONFIG;
	}
	*out = n;
	return PA_OK;
}

static int
parse_algs(const char *value, long long *out, char *msg, size_t msglen)
{
	char **names = NULL;
	size_t n = 0, i;
	unsigned mask = 0;
	int r;

	if ((r = list_split(value, check_alg, &names, &n, msg, msglen)) !=
	    PA_OK)
		goto out;
	for (i = 0; i < n; i++)
		mask |= pa_alg_from_name(names[i]);
	*out = mask;
 out:
	pa_strv_free(names, n);
	return r;
}

/* Parses value for key k into v; PA_OK, PA_ERR_CONFIG (msg) or ALLOC. */
static int
conf_parse_value(const struct conf_key *k, const char *value,
    union conf_val *v, char *msg, size_t msglen)
{
	int r;

	memset(v, 0, sizeof(*v));
	if (*value == '\0') {
		/* "offline_roles =" is an empty list, not an error. */
		if (k->type == CT_LIST)
			return PA_OK;
		return fail(msg, msglen, "empty value");
	}
	switch (k->type) {
	case CT_STRING:
		if ((r = k->check(value, msg, msglen)) != PA_OK)
			return r;
		if ((v->s = strdup(value)) == NULL)
			return PA_ERR_ALLOC;
		return PA_OK;
	case CT_LONG:
	case CT_ULONG:
	case CT_SIZE:
	case CT_UINT:
		return parse_number(value, k->min, k->max, &v->n, msg, msglen);
	case CT_TOKEN:
		if (strcmp(value, "id_token") == 0)
			v->n = PA_TOKEN_ID;
		else if (strcmp(value, "access_token") == 0)
			v->n = PA_TOKEN_ACCESS;
		else
			return fail(msg, msglen,
			    "must be id_token or access_token");
		return PA_OK;
	case CT_REVOKED:
		if (strcmp(value, "lock") == 0)
			v->n = PA_REVOKED_LOCK;
		else if (strcmp(value, "terminate") == 0)
			v->n = PA_REVOKED_TERMINATE;
		else if (strcmp(value, "none") == 0)
			v->n = PA_REVOKED_NONE;
		else
			return fail(msg, msglen,
			    "must be lock, terminate or none");
		return PA_OK;
	case CT_ALGS:
		return parse_algs(value, &v->n, msg, msglen);
	case CT_CLIENT_AUTH:
		if (strcmp(value, "client_secret_basic") == 0)
			v->n = PA_CLIENT_SECRET_BASIC;
		else if (strcmp(value, "private_key_jwt") == 0)
			v->n = PA_CLIENT_PRIVATE_KEY_JWT;
		else if (strcmp(value, "tls_client_auth") == 0)
			v->n = PA_CLIENT_TLS;
		else
			return fail(msg, msglen, "must be client_secret_basic, "
			    "private_key_jwt or tls_client_auth");
		return PA_OK;
	case CT_BOOL:
		if (strcmp(value, "yes") == 0)
			v->n = 1;
		else if (strcmp(value, "no") == 0)
			v->n = 0;
		else
			return fail(msg, msglen, "must be yes or no");
		return PA_OK;
	case CT_LIST:
		return list_split(value, k->check, &v->list.v, &v->list.n,
		    msg, msglen);
	}
	return PA_ERR_INTERNAL;
}

/*
 * Exchanges the field's value with v, so the old value can be freed.
 */
static void
conf_swap(struct pa_conf *conf, const struct conf_key *k, union conf_val *v)
{
	char *field = (char *)conf + k->off;
	long long n = v->n;

	switch (k->type) {
	case CT_STRING: {
		char *old = *(char **)(void *)field;

		*(char **)(void *)field = v->s;
		v->s = old;
		return;
	}
	case CT_LIST: {
		char **old = *(char ***)(void *)field;
		size_t *count = (size_t *)(void *)((char *)conf + k->count_off);
		size_t oldn = *count;

		*(char ***)(void *)field = v->list.v;
		*count = v->list.n;
		v->list.v = old;
		v->list.n = oldn;
		return;
	}
	case CT_LONG:
		v->n = *(long *)(void *)field;
		*(long *)(void *)field = (long)n;
		return;
	case CT_ULONG:
		v->n = (long long)*(unsigned long *)(void *)field;
		*(unsigned long *)(void *)field = (unsigned long)n;
		return;
	case CT_SIZE:
		v->n = (long long)*(size_t *)(void *)field;
		*(size_t *)(void *)field = (size_t)n;
		return;
	case CT_UINT:
	case CT_ALGS:
		v->n = *(unsigned *)(void *)field;
		*(unsigned *)(void *)field = (unsigned)n;
		return;
	case CT_TOKEN:
		v->n = *(enum pa_token_kind *)(void *)field;
		*(enum pa_token_kind *)(void *)field = (enum pa_token_kind)n;
		return;
	case CT_CLIENT_AUTH:
		v->n = *(enum pa_client_auth *)(void *)field;
		*(enum pa_client_auth *)(void *)field = (enum pa_client_auth)n;
		return;
	case CT_BOOL:
		v->n = *(int *)(void *)field;
		*(int *)(void *)field = (int)n;
		return;
	case CT_REVOKED:
		v->n = *(enum pa_revoked_action *)(void *)field;
		*(enum pa_revoked_action *)(void *)field =
		    (enum pa_revoked_action)n;
		return;
	}
}

static void
conf_val_free(const struct conf_key *k, union conf_val *v)
{
	if (k->type == CT_STRING)
		free(v->s);
	else if (k->type == CT_LIST)
		pa_strv_free(v->list.v, v->list.n);
	memset(v, 0, sizeof(*v));
}

static const struct conf_key *
conf_key_find(const char *name, size_t *idx)
{
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		if (strcmp(conf_keys[i].name, name) == 0) {
			if (idx != NULL)
				*idx = i;
			return &conf_keys[i];
		}
	}
	return NULL;
}

static int
conf_apply_defaults(struct pa_conf *conf)
{
	char msg[CONF_MSG_MAX];
	union conf_val v;
	size_t i;
	int r;

	for (i = 0; i < NKEYS; i++) {
		if (conf_keys[i].def == NULL)
			continue;
		/* A default the parser refuses is our bug, not the admin's. */
		if ((r = conf_parse_value(&conf_keys[i], conf_keys[i].def, &v,
		    msg, sizeof(msg))) != PA_OK)
			return r == PA_ERR_ALLOC ? r : PA_ERR_INTERNAL;
		conf_swap(conf, &conf_keys[i], &v);
		conf_val_free(&conf_keys[i], &v);
	}
	return PA_OK;
}

static void conf_error(struct conf_parser *, unsigned, const char *,
    const char *, ...) __attribute__((format(printf, 4, 5)));

static void
conf_error(struct conf_parser *p, unsigned line, const char *key,
    const char *fmt, ...)
{
	char msg[CONF_MSG_MAX];
	va_list ap;

	p->nerr++;
	if (p->report == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p->report(p->ctx, p->file, line, key, msg);
}

static void
conf_set_top(struct conf_parser *p, const char *key, const char *value)
{
	const struct conf_key *k;
	char msg[CONF_MSG_MAX];
	union conf_val v;
	size_t idx;
	int r;

	if ((k = conf_key_find(key, &idx)) == NULL) {
		conf_error(p, p->line, key, "unknown key");
		return;
	}
	if (p->seen[idx] != 0) {
		conf_error(p, p->line, key, "duplicate key (first set on "
		    "line %u)", p->seen[idx]);
		return;
	}
	p->seen[idx] = p->line;
	if ((r = conf_parse_value(k, value, &v, msg, sizeof(msg))) != PA_OK) {
		if (r == PA_ERR_ALLOC)
			p->oom = 1;
		else
			conf_error(p, p->line, key, "%s", msg);
		return;
	}
	conf_swap(p->conf, k, &v);
	conf_val_free(k, &v);
}

static int
role_is_mapped(const struct pa_conf *conf, const char *role)
{
	size_t i;

	for (i = 0; i < conf->nroles; i++)
		if (strcmp(conf->roles[i].role, role) == 0)
			return 1;
	return 0;
}

static int
role_has_grace(const struct pa_conf *conf, const char *role)
{
	size_t i;

	for (i = 0; i < conf->n_role_grace; i++)
		if (strcmp(conf->role_grace[i].role, role) == 0)
			return 1;
	return 0;
}

/* [roles] role = group, group ... */
static void
conf_set_role_map(struct conf_parser *p, const char *role, const char *value)
{
	struct pa_conf *conf = p->conf;
	struct pa_role_map *tmp, *m;
	char msg[CONF_MSG_MAX], **groups = NULL, *name = NULL;
	size_t ngroups = 0;
	int r;

	if (role_is_mapped(conf, role)) {
		conf_error(p, p->line, role, "duplicate role in [roles]");
		goto out;
	}
	if (conf->nroles >= CONF_SECTION_MAX) {
		conf_error(p, p->line, role, "too many entries in [roles]");
		goto out;
	}
	if (*value == '\0') {
		conf_error(p, p->line, role, "no groups given");
		goto out;
	}
	if ((r = list_split(value, check_group, &groups, &ngroups, msg,
	    sizeof(msg))) != PA_OK) {
		if (r == PA_ERR_ALLOC)
			p->oom = 1;
		else
			conf_error(p, p->line, role, "%s", msg);
		goto out;
	}
	if ((name = strdup(role)) == NULL ||
	    (tmp = reallocarray(conf->roles, conf->nroles + 1,
	    sizeof(*tmp))) == NULL) {
		p->oom = 1;
		goto out;
	}
	conf->roles = tmp;
	m = &conf->roles[conf->nroles++];
	m->role = name;
	m->groups = groups;
	m->ngroups = ngroups;
	name = NULL;
	groups = NULL;
 out:
	free(name);
	pa_strv_free(groups, ngroups);
}

/* [offline_grace] role = seconds */
static void
conf_set_role_grace(struct conf_parser *p, const char *role,
    const char *value)
{
	struct pa_conf *conf = p->conf;
	struct pa_role_grace *tmp;
	char msg[CONF_MSG_MAX], *name = NULL;
	long long n;

	if (role_has_grace(conf, role)) {
		conf_error(p, p->line, role, "duplicate role in "
		    "[offline_grace]");
		goto out;
	}
	if (conf->n_role_grace >= CONF_SECTION_MAX) {
		conf_error(p, p->line, role, "too many entries in "
		    "[offline_grace]");
		goto out;
	}
	if (parse_number(value, 0, CONF_SECONDS_MAX, &n, msg, sizeof(msg)) !=
	    PA_OK) {
		conf_error(p, p->line, role, "%s", msg);
		goto out;
	}
	if ((name = strdup(role)) == NULL ||
	    (tmp = reallocarray(conf->role_grace, conf->n_role_grace + 1,
	    sizeof(*tmp))) == NULL) {
		p->oom = 1;
		goto out;
	}
	conf->role_grace = tmp;
	conf->role_grace[conf->n_role_grace].role = name;
	conf->role_grace[conf->n_role_grace].seconds = (long)n;
	conf->n_role_grace++;
	name = NULL;
 out:
	free(name);
}

static void
conf_section_entry(struct conf_parser *p, const char *key, const char *value)
{
	/*
	 * "issuer = ..." after a [roles] header is almost surely a key put
	 * in the wrong place, not a role named "issuer": say so instead of
	 * quietly mapping a role (or failing on a strange group name).
	 */
	if (conf_key_find(key, NULL) != NULL) {
		conf_error(p, p->line, key, "top-level key inside a [section]; "
		    "move it above the first section header");
		return;
	}
	if (!pa_role_name_valid(key)) {
		conf_error(p, p->line, key, "invalid role name (1-64 "
		    "printable ASCII bytes, no space, ',' or ':')");
		return;
	}
	if (p->section == SEC_ROLES)
		conf_set_role_map(p, key, value);
	else
		conf_set_role_grace(p, key, value);
}

static void
conf_section_header(struct conf_parser *p, char *line)
{
	size_t len = strlen(line);
	char *name;

	if (line[len - 1] != ']') {
		p->section = SEC_UNKNOWN;
		conf_error(p, p->line, NULL, "malformed section header");
		return;
	}
	line[len - 1] = '\0';
	name = trim(line + 1);
	if (strcmp(name, "roles") == 0)
		p->section = SEC_ROLES;
	else if (strcmp(name, "offline_grace") == 0)
		p->section = SEC_GRACE;
	else {
		p->section = SEC_UNKNOWN;
		conf_error(p, p->line, NULL, "unknown section [%s]", name);
	}
}

/*
 * Comments: a line whose first non-blank byte is '#', or the rest of a
 * line from a '#' that follows a space or tab. A '#' inside a value
 * ("pos#1") is kept, so only " #" cannot appear in a value.
 */
static void
strip_comment(char *line)
{
	char *p = line;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '#') {
		*line = '\0';
		return;
	}
	for (; *p != '\0'; p++) {
		if (*p == '#' && (p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			return;
		}
	}
}

static void
conf_parse_line(struct conf_parser *p, char *line)
{
	char *eq, *key, *value;

	strip_comment(line);
	line = trim(line);
	if (*line == '\0')
		return;
	if (*line == '[') {
		if (has_control_byte(line))
			conf_error(p, p->line, NULL, "control byte in line");
		else
			conf_section_header(p, line);
		return;
	}
	if ((eq = strchr(line, '=')) == NULL) {
		conf_error(p, p->line, NULL, "expected 'key = value'");
		return;
	}
	*eq = '\0';
	key = trim(line);
	value = trim(eq + 1);
	if (*key == '\0') {
		conf_error(p, p->line, NULL, "missing key before '='");
		return;
	}
	/* Tabs may surround key and value, no control byte is inside. */
	if (has_control_byte(key) || has_control_byte(value)) {
		conf_error(p, p->line, NULL, "control byte in line");
		return;
	}
	switch (p->section) {
	case SEC_TOP:
		conf_set_top(p, key, value);
		break;
	case SEC_ROLES:
	case SEC_GRACE:
		conf_section_entry(p, key, value);
		break;
	case SEC_UNKNOWN:
		break;
	}
}

static void
conf_parse_text(struct conf_parser *p, const char *text, size_t len)
{
	char buf[PA_CONF_LINE_MAX + 1];
	const char *start = text, *end = text + len, *nl;
	size_t linelen;

	while (start < end) {
		p->line++;
		nl = memchr(start, '\n', (size_t)(end - start));
		linelen = (size_t)((nl != NULL ? nl : end) - start);
		if (linelen > 0 && start[linelen - 1] == '\r')
			linelen--;	/* CRLF files from Windows editors */
		if (linelen > PA_CONF_LINE_MAX)
			conf_error(p, p->line, NULL, "line longer than %d bytes",
			    PA_CONF_LINE_MAX);
		else if (memchr(start, '\0', linelen) != NULL)
			conf_error(p, p->line, NULL, "NUL byte in line");
		else {
			memcpy(buf, start, linelen);
			buf[linelen] = '\0';
			conf_parse_line(p, buf);
		}
		if (nl == NULL)
			break;
		start = nl + 1;
	}
}

static unsigned
seen_line(const struct conf_parser *p, const char *name)
{
	size_t idx;

	if (p->seen == NULL || conf_key_find(name, &idx) == NULL)
		return 0;
	return p->seen[idx];
}

/* The credentials the chosen client_auth needs are all there. */
static void
conf_cross_check_client(struct conf_parser *p)
{
	const struct pa_conf *c = p->conf;

	if (c->client_auth == PA_CLIENT_SECRET_BASIC &&
	    c->client_secret_file == NULL)
		conf_error(p, 0, "client_secret_file", "missing required key "
		    "(client_auth is client_secret_basic)");
	if (c->client_auth == PA_CLIENT_TLS && c->client_cert_file == NULL)
		conf_error(p, seen_line(p, "client_auth"), "client_cert_file",
		    "required by client_auth = tls_client_auth");
	if (c->client_auth == PA_CLIENT_TLS && c->client_key_file == NULL)
		conf_error(p, seen_line(p, "client_auth"), "client_key_file",
		    "required by client_auth = tls_client_auth");
}

/* Checks between keys, run after the whole file. */
static void
conf_cross_check(struct conf_parser *p)
{
	const struct pa_conf *c = p->conf;

	if (c->timeout < c->connect_timeout)
		conf_error(p, seen_line(p, "timeout"), "timeout",
		    "must be at least connect_timeout (%ld)",
		    c->connect_timeout);
	if (c->outage_probe_max < c->outage_probe_min)
		conf_error(p, seen_line(p, "outage_probe_max"),
		    "outage_probe_max", "must be at least outage_probe_min "
		    "(%ld)", c->outage_probe_min);
	conf_cross_check_client(p);
	if (c->uid_min >= c->uid_max)
		conf_error(p, seen_line(p, "uid_max"), "uid_max",
		    "must be greater than uid_min (%lu)", c->uid_min);
	/* Offline PIN guessing is bounded only by the lockout. */
	if (c->offline_grace > 0 && c->offline_max_failures == 0)
		conf_error(p, seen_line(p, "offline_max_failures"),
		    "offline_max_failures", "must be at least 1 while "
		    "offline_grace is on");
	if (c->offline_grace > 0 && c->offline_lockout == 0)
		conf_error(p, seen_line(p, "offline_lockout"),
		    "offline_lockout", "must be at least 1 while "
		    "offline_grace is on");
}

static void
conf_check_required(struct conf_parser *p)
{
	size_t i;

	/* A key given with a bad value was reported already. */
	for (i = 0; i < NKEYS; i++)
		if (conf_keys[i].required && p->seen[i] == 0)
			conf_error(p, 0, conf_keys[i].name,
			    "missing required key");
}

static int
conf_default_audience(struct pa_conf *conf)
{
	if (conf->audience != NULL || conf->client_id == NULL)
		return PA_OK;
	if ((conf->audience = strdup(conf->client_id)) == NULL)
		return PA_ERR_ALLOC;
	return PA_OK;
}

int
pa_conf_parse(const char *text, size_t len, const char *name,
    struct pa_conf **out, pa_conf_report_fn report, void *ctx)
{
	struct conf_parser p;
	struct pa_conf *conf = NULL;
	unsigned seen[NKEYS];
	int r;

	if (out == NULL || (text == NULL && len != 0))
		return PA_ERR_ARG;
	*out = NULL;
	memset(&p, 0, sizeof(p));
	memset(seen, 0, sizeof(seen));
	p.file = name != NULL ? name : "(config)";
	p.report = report;
	p.ctx = ctx;
	p.seen = seen;
	if ((conf = calloc(1, sizeof(*conf))) == NULL ||
	    (conf->path = strdup(p.file)) == NULL) {
		r = PA_ERR_ALLOC;
		goto out;
	}
	p.conf = conf;
	if ((r = conf_apply_defaults(conf)) != PA_OK)
		goto out;
	if (len > PA_CONF_MAX_BYTES)
		conf_error(&p, 0, NULL, "file larger than %d bytes",
		    PA_CONF_MAX_BYTES);
	else {
		conf_parse_text(&p, text, len);
		conf_check_required(&p);
		conf_cross_check(&p);
	}
	if (p.oom || conf_default_audience(conf) != PA_OK) {
		r = PA_ERR_ALLOC;
		goto out;
	}
	if (p.nerr != 0) {
		r = PA_ERR_CONFIG;
		goto out;
	}
	*out = conf;
	conf = NULL;
	r = PA_OK;
 out:
	pa_conf_free(conf);
	return r;
}

/*
 * A config that others can write could point issuer at their own server
 * and so let them mint logins: refuse it like sshd refuses a group-writable
 * authorized_keys. Symlinks are followed (alternatives-style setups); the
 * checks apply to the file actually opened.
 */
static int
conf_file_is_safe(struct conf_parser *p, const struct stat *st)
{
	if (!S_ISREG(st->st_mode)) {
		conf_error(p, 0, NULL, "not a regular file");
		return 0;
	}
	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		conf_error(p, 0, NULL, "owned by uid %lu, not by root",
		    (unsigned long)st->st_uid);
		return 0;
	}
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		conf_error(p, 0, NULL, "writable by group or others "
		    "(mode %04o)", (unsigned)(st->st_mode & 07777));
		return 0;
	}
	if (st->st_size > PA_CONF_MAX_BYTES) {
		conf_error(p, 0, NULL, "file larger than %d bytes",
		    PA_CONF_MAX_BYTES);
		return 0;
	}
	return 1;
}

/* Opens anything: conf_file_is_safe() says what is wrong, in words. */
static const struct pa_file_policy conf_open_policy = {
	.follow = 1, .any_owner = 1, .type = PA_FILE_ANY,
};

int
pa_conf_load(const char *path, struct pa_conf **out,
    pa_conf_report_fn report, void *ctx)
{
	struct conf_parser p;
	struct stat st;
	struct pa_buf buf;
	int fd = -1, r;

	if (out == NULL || path == NULL)
		return PA_ERR_ARG;
	*out = NULL;
	memset(&p, 0, sizeof(p));
	p.file = path;
	p.report = report;
	p.ctx = ctx;
	pa_buf_init(&buf, PA_CONF_MAX_BYTES);
	/* O_NONBLOCK inside: a FIFO put in place of the file must not hang. */
	if ((r = pa_open_checked_at(AT_FDCWD, path, O_RDONLY,
	    &conf_open_policy, &fd, &st)) != PA_OK) {
		conf_error(&p, 0, NULL, "cannot open: %s",
		    r == PA_ERR_NOT_FOUND ? "no such file" : strerror(errno));
		r = PA_ERR_SYSTEM;
		goto out;
	}
	if (!conf_file_is_safe(&p, &st)) {
		r = PA_ERR_CONFIG;
		goto out;
	}
	if ((r = pa_read_all(fd, PA_CONF_MAX_BYTES, &buf)) != PA_OK) {
		if (r == PA_ERR_TOO_LARGE)
			conf_error(&p, 0, NULL, "file larger than %d bytes",
			    PA_CONF_MAX_BYTES);
		else
			conf_error(&p, 0, NULL, "cannot read: %s",
			    strerror(errno));
		r = r == PA_ERR_TOO_LARGE ? PA_ERR_CONFIG : r;
		goto out;
	}
	r = pa_conf_parse((const char *)buf.d, buf.len, path, out, report,
	    ctx);
 out:
	pa_buf_clear(&buf);
	if (fd >= 0)
		close(fd);
	return r;
}

void
pa_conf_free(struct pa_conf *conf)
{
	union conf_val v;
	size_t i;

	if (conf == NULL)
		return;
	for (i = 0; i < NKEYS; i++) {
		if (conf_keys[i].type != CT_STRING &&
		    conf_keys[i].type != CT_LIST)
			continue;
		memset(&v, 0, sizeof(v));
		conf_swap(conf, &conf_keys[i], &v);
		conf_val_free(&conf_keys[i], &v);
	}
	for (i = 0; i < conf->nroles; i++) {
		free(conf->roles[i].role);
		pa_strv_free(conf->roles[i].groups, conf->roles[i].ngroups);
	}
	free(conf->roles);
	for (i = 0; i < conf->n_role_grace; i++)
		free(conf->role_grace[i].role);
	free(conf->role_grace);
	free(conf->path);
	free(conf);
}
