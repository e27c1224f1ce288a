/* SPDX-License-Identifier: MIT */
/*
 * posauth.conf: `key = value` lines, `#` comments, `[section]` headers.
 * Defaults live in one table in conf.c; every key is documented in
 * posauth.conf(5). The file is the only place for settings: the module's
 * arguments (modargs.h) choose a file and a role gate, never a key.
 */
#ifndef POSAUTH_CONF_H
#define POSAUTH_CONF_H

#include <stddef.h>

#define PA_DEFAULT_CONFIG "/etc/posauth/posauth.conf"
#define PA_CONF_MAX_BYTES (1024 * 1024)	/* larger files are refused */
#define PA_CONF_LINE_MAX 4096		/* bytes per line, without newline */

enum pa_token_kind {
	PA_TOKEN_ID = 0,	/* verify the id_token */
	PA_TOKEN_ACCESS = 1,	/* verify the access_token (must be a JWT) */
};

/* What happens to a running session whose grant the service ended. */
enum pa_revoked_action {
	PA_REVOKED_LOCK = 0,		/* loginctl lock-session */
	PA_REVOKED_TERMINATE = 1,	/* loginctl terminate-session */
	PA_REVOKED_NONE = 2,		/* only the hook, if any */
};

/* How the terminal authenticates to the token service (RFC 6749 §2.3). */
enum pa_client_auth {
	PA_CLIENT_SECRET_BASIC = 0,	/* client_secret_file, HTTP Basic */
	PA_CLIENT_PRIVATE_KEY_JWT = 1,	/* RFC 7523 assertion, device key */
	PA_CLIENT_TLS = 2,		/* RFC 8705 tls_client_auth */
};

/* [roles]: role = group, group ... */
struct pa_role_map {
	char *role;
	char **groups;
	size_t ngroups;
};

/* [offline_grace]: role = seconds */
struct pa_role_grace {
	char *role;
	long seconds;
};

struct pa_conf {
	char *path;			/* file it was read from */

	/* token service */
	char *issuer;			/* https URL, required */
	char *client_id;		/* required */
	char *client_secret_file;	/* root-owned, mode 0600/0400; required
					 * for client_secret_basic */
	enum pa_client_auth client_auth;	/* default client_secret_basic */
	char *client_cert_file;		/* tls_client_auth: PEM certificate */
	char *client_key_file;		/* tls_client_auth: its PEM key */
	char *device_key;		/* "file" (default), "tpm2", "tpm2:URI" */
	char *device_key_type;		/* ec-p256 (default), ed25519, rsa-3072 */
	int dpop;			/* RFC 9449 bound tokens, default no */
	char *ca_file;			/* the only trust anchors, when set */
	char *scope;			/* requested scope, default "openid" */
	char *audience;			/* default: client_id */
	enum pa_token_kind token;	/* default: id_token */
	unsigned algorithms;		/* PA_ALG_* mask, default PA_ALG_DEFAULT */
	long leeway;			/* seconds, default 60 */
	long connect_timeout;		/* seconds, default 3 */
	long timeout;			/* seconds, whole request, default 10 */
	/* posauthd's retries of an unreachable service: first, most (s) */
	long outage_probe_min;		/* default 5 */
	long outage_probe_max;		/* default 300 */
	size_t max_response_bytes;	/* default 65536 */

	/* claims */
	char *username_claim;		/* default preferred_username */
	char *roles_claim;		/* default roles; dotted path */
	char *tenant;			/* optional; when set must match */
	char *tenant_claim;		/* default tenant */
	char *store;			/* optional; when set must match */
	char *store_claim;		/* default store */
	char *username_pattern;		/* POSIX ERE, default below */

	/* device cache and offline grace */
	char *cache_dir;		/* default /var/lib/posauth */
	char *runtime_dir;		/* default /run/posauth */
	long offline_grace;		/* seconds, default 43200, 0 = off */
	char **offline_roles;		/* NULL = any role */
	size_t n_offline_roles;
	struct pa_role_grace *role_grace;	/* [offline_grace] */
	size_t n_role_grace;
	long offline_max_failures;	/* default 5 */
	long offline_lockout;		/* seconds, default 900 */
	unsigned offline_kdf_cost;	/* log2 of scrypt N, default in conf.c */

	/* second factor: the device authorization grant (RFC 8628) */
	char **mfa_roles;		/* NULL = no role needs it */
	size_t n_mfa_roles;
	char *mfa_acr;			/* acr, or amr entry, required; NULL: any */
	long offline_mfa_grace;		/* seconds after the last MFA, default 0 */

	/* NSS and groups */
	struct pa_role_map *roles;	/* [roles] */
	size_t nroles;
	char **default_groups;
	size_t n_default_groups;
	char *nss_index;		/* default /var/cache/posauth/nss.db */
	char *uid_claim;		/* optional numeric claim */
	unsigned long uid_min;		/* default 200000 */
	unsigned long uid_max;		/* default 299999 */
	char *home_pattern;		/* default /home/%u */
	char *shell;			/* default /bin/bash */
	long nss_expire;		/* days, default 90 */

	/* sessions follow the token service */
	long session_refresh;		/* seconds, default 300, 0 = off */
	enum pa_revoked_action on_session_revoked;	/* default lock */
	char *session_revoked_hook;	/* absolute path, optional */
};

/*
 * Called once for every problem found, so check-config can list them all.
 * key may be NULL (syntax errors); line is 0 for file-level problems.
 */
typedef void (*pa_conf_report_fn)(void *ctx, const char *file,
    unsigned line, const char *key, const char *msg);

/*
 * Reads and validates a config file. Returns PA_OK with *out set, or
 * PA_ERR_CONFIG (every problem reported) / PA_ERR_SYSTEM (cannot read)
 * with *out NULL. A config with any problem is never returned: logins
 * are denied rather than run on a half-understood config.
 */
int pa_conf_load(const char *path, struct pa_conf **out,
    pa_conf_report_fn report, void *ctx);

/* The same for text already in memory; name is used in reports. */
int pa_conf_parse(const char *text, size_t len, const char *name,
    struct pa_conf **out, pa_conf_report_fn report, void *ctx);

void pa_conf_free(struct pa_conf *conf);

#endif
