/* SPDX-License-Identifier: MIT */
/*
 * pam_posauth: PAM entry points. Glue only: arguments, the conversation,
 * PAM data and the mapping of our statuses to PAM codes, which happens in
 * pam_code_for() and nowhere else. The logic lives in src/.
 */
#include "config.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PAM_SM_AUTH
#define PAM_SM_ACCOUNT
#define PAM_SM_SESSION
#define PAM_SM_PASSWORD
#include <security/pam_appl.h>
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "cache.h"
#include "claims.h"
#include "conf.h"
#include "err.h"
#include "hostenv.h"
#include "log.h"
#include "login.h"
#include "modargs.h"
#include "names.h"
#include "nssindex.h"
#include "offline.h"
#include "oidc.h"
#include "revoke.h"
#include "roles.h"
#include "secret.h"
#include "service.h"
#include "session.h"
#include "user.h"

#define STATE_KEY "pam_posauth.state"
#define SESSION_KEY "pam_posauth.session"

/* What authentication proved, for the account and session phases. */
struct module_state {
	char *user;
	struct pa_claims *claims;
	struct pa_tokens *tokens;	/* NULL after an offline login */
	int offline;
};

/*
 * What open_session did, for close_session of the same handle: a close
 * ends only what its own open started, never a session someone else
 * opened for the same user (cron, su -c, runuser reach close_session
 * through common-session without ever authenticating here).
 */
struct module_session {
	char *user;
	char *refresh_token;	/* the login's, revoked at close; may be NULL */
	char *token_written;	/* the token file's content, when we wrote it */
};

/* Everything a call needs; torn down in one place. */
struct module_call {
	pam_handle_t *pamh;
	struct pa_modargs args;
	struct pa_conf *conf;
	struct pa_log log;
	const char *user;
};

static void
emit_syslog(void *ctx, int priority, const char *line)
{
	pam_syslog((pam_handle_t *)ctx, priority, "%s", line);
}

static void
report_config(void *ctx, const char *file, unsigned line, const char *key,
    const char *msg)
{
	pam_syslog((pam_handle_t *)ctx, LOG_ERR, "%s:%u: %s%s%s", file, line,
	    key ? key : "", key ? ": " : "", msg);
}

/* The only place our statuses become PAM return codes. */
static int
pam_code_for(int status)
{
	switch (status) {
	case PA_OK:
		return PAM_SUCCESS;
	case PA_ERR_UNREACHABLE:
		return PAM_AUTHINFO_UNAVAIL;
	case PA_ERR_USERNAME:
	case PA_ERR_NOT_FOUND:
		return PAM_USER_UNKNOWN;
	case PA_ERR_ROLE_DENIED:
		return PAM_PERM_DENIED;
	case PA_ERR_ALLOC:
		return PAM_BUF_ERR;
	case PA_ERR_CONFIG:
	case PA_ERR_SECRET_FILE:
	case PA_ERR_ARG:
		return PAM_SERVICE_ERR;
	case PA_ERR_SYSTEM:
	case PA_ERR_INTERNAL:
	case PA_ERR_CACHE:
		/* Local: never "unavailable", never an answer about the PIN. */
		return PAM_SYSTEM_ERR;
	default:
		/* rejected, invalid token, bad PIN: a plain "no" */
		return PAM_AUTH_ERR;
	}
}

static void
state_free(pam_handle_t *pamh, void *data, int error_status)
{
	struct module_state *st = data;

	(void)pamh;
	(void)error_status;
	if (st == NULL)
		return;
	free(st->user);
	pa_claims_free(st->claims);
	pa_tokens_free(st->tokens);
	free(st);
}

static void
call_end(struct module_call *c)
{
	pa_conf_free(c->conf);
	pa_modargs_clear(&c->args);
	memset(c, 0, sizeof(*c));
}

/* Reads the config; PA_ERR_CONFIG (logged) when it cannot be used. */
static int
call_conf(struct module_call *c)
{
	const char *path = c->args.config ? c->args.config : PA_DEFAULT_CONFIG;

	if (pa_conf_load(path, &c->conf, report_config, c->pamh) != PA_OK) {
		pam_syslog(c->pamh, LOG_ERR,
		    "config %s unusable, denying every login", path);
		/* Missing or unreadable is a config problem too. */
		return PA_ERR_CONFIG;
	}
	return PA_OK;
}

/*
 * Parses arguments, reads the config and fetches the user name. Returns a
 * PA status; on failure the reason is already logged.
 */
static int
call_begin(struct module_call *c, pam_handle_t *pamh, int argc,
    const char **argv, int need_conf)
{
	int r;

	memset(c, 0, sizeof(*c));
	c->pamh = pamh;
	c->log.emit = emit_syslog;
	c->log.ctx = pamh;
	/* Before any crypto or HTTP: the caller's environment stays theirs. */
	if ((r = pa_hostenv_init()) != PA_OK) {
		pam_syslog(pamh, LOG_ERR, "cannot start the crypto and HTTP "
		    "libraries: %s", pa_strerror(r));
		return r;
	}
	if ((r = pa_modargs_parse(argc, argv, &c->args)) != PA_OK) {
		pam_syslog(pamh, LOG_ERR, "bad module argument \"%s\"",
		    c->args.bad_arg);
		return r;
	}
	c->log.debug = c->args.debug;
	if (need_conf && (r = call_conf(c)) != PA_OK)
		return r;
	if (pam_get_user(pamh, &c->user, NULL) != PAM_SUCCESS ||
	    c->user == NULL || c->user[0] == '\0')
		return PA_ERR_USERNAME;
	return PA_OK;
}

/* The PIN, from an earlier module or from the user. */
static int
get_pin(struct module_call *c, char **pin)
{
	const void *item = NULL;
	char *resp = NULL;

	*pin = NULL;
	if (c->args.use_first_pass || c->args.try_first_pass) {
		if (pam_get_item(c->pamh, PAM_AUTHTOK, &item) == PAM_SUCCESS &&
		    item != NULL) {
			if ((*pin = strdup(item)) == NULL)
				return PA_ERR_ALLOC;
			return PA_OK;
		}
		if (c->args.use_first_pass)
			return PA_ERR_NO_PIN;
	}
	if (pam_prompt(c->pamh, PAM_PROMPT_ECHO_OFF, &resp, "PIN: ") !=
	    PAM_SUCCESS || resp == NULL) {
		pa_strfreezero(resp);
		return PA_ERR_NO_PIN;
	}
	/* Later modules in the stack may use it with try_first_pass. */
	pam_set_item(c->pamh, PAM_AUTHTOK, resp);
	*pin = resp;
	return PA_OK;
}

static int
save_state(struct module_call *c, struct pa_claims **claims,
    struct pa_tokens **tokens, int offline)
{
	struct module_state *st;

	if ((st = calloc(1, sizeof(*st))) == NULL ||
	    (st->user = strdup(c->user)) == NULL) {
		free(st);
		return PA_ERR_ALLOC;
	}
	st->claims = *claims;
	*claims = NULL;
	if (tokens != NULL) {
		st->tokens = *tokens;
		*tokens = NULL;
	}
	st->offline = offline;
	if (pam_set_data(c->pamh, STATE_KEY, st, state_free) != PAM_SUCCESS) {
		state_free(c->pamh, st, 0);
		return PA_ERR_INTERNAL;
	}
	return PA_OK;
}

/* State from this handle's authentication, only for the same user. */
static const struct module_state *
find_state(pam_handle_t *pamh, const char *user)
{
	const void *data = NULL;
	const struct module_state *st;

	if (pam_get_data(pamh, STATE_KEY, &data) != PAM_SUCCESS ||
	    data == NULL)
		return NULL;
	st = data;
	if (user == NULL || strcmp(st->user, user) != 0)
		return NULL;
	return st;
}

/* The device cache, or NULL (logged) when it cannot be used. */
static struct pa_cache *
cache_open(struct module_call *c, int create)
{
	struct pa_cache *cache = NULL;
	int r;

	if ((r = pa_cache_open(c->conf->cache_dir, create, &cache)) != PA_OK) {
		pa_log(&c->log, r == PA_ERR_NOT_FOUND ? LOG_DEBUG : LOG_ERR,
		    "cache %s not usable: %s", c->conf->cache_dir,
		    pa_strerror(r));
		return NULL;
	}
	return cache;
}

/* A record changed: the NSS index follows (staff appear or vanish). */
static void
cache_changed(struct module_call *c, struct pa_cache *cache, long long now)
{
	int r;

	if ((r = pa_nssindex_rebuild(c->conf, cache, now, &c->log,
	    NULL)) != PA_OK)
		pa_log(&c->log, LOG_ERR, "NSS index %s not rewritten: %s",
		    c->conf->nss_index, pa_strerror(r));
}

/* What an online result means for the device cache. */
static void
cache_after_online(struct module_call *c, int r, const char *pin,
    const struct pa_login_result *res, long long now)
{
	struct pa_cache *cache;
	char q[PA_QUOTE_MAX];
	enum pa_forget how;
	int cr;

	pa_log_quote(c->user, q, sizeof(q));
	if (r == PA_OK) {
		if ((cache = cache_open(c, 1)) == NULL)
			return;
		/* Online logins work without the cache; offline ones won't. */
		if ((cr = pa_offline_remember(cache, c->conf, c->user, pin,
		    res->claims, res->tokens, now)) != PA_OK)
			pa_log(&c->log, LOG_ERR, "user \"%s\": cache update "
			    "failed: %s", q, pa_strerror(cr));
		else {
			cache_changed(c, cache, now);
			/* The service is reachable: send what logouts left. */
			if ((cr = pa_revoke_flush(cache, c->conf, &c->log,
			    c->user, now)) > 0)
				pa_log(&c->log, LOG_WARNING, "user \"%s\": %d "
				    "token revocation(s) still pending", q, cr);
		}
		pa_cache_close(cache);
		return;
	}
	/*
	 * The service said no, or vouched (with a valid signature) for a
	 * person this terminal is not for: no offline login may follow.
	 * A refused PIN takes only the verifier, since anyone can cause it
	 * by typing someone's id; a signed "no" takes the roles too.
	 */
	if (res->signed_no)
		how = PA_FORGET_CLAIMS;
	else if (pa_failure_class(r) == PA_CLASS_REJECTED)
		how = PA_FORGET_VERIFIER;
	else
		return;
	if ((cache = cache_open(c, 0)) == NULL)
		return;
	if ((cr = pa_offline_forget(cache, c->user, how)) != PA_OK)
		pa_log(&c->log, LOG_ERR, "user \"%s\": could not wipe "
		    "cached verifier: %s", q, pa_strerror(cr));
	else if (how == PA_FORGET_CLAIMS)
		cache_changed(c, cache, now);
	pa_cache_close(cache);
}

/*
 * Only called when the service was unreachable. Returns the status for
 * PAM: PA_OK, PA_ERR_BAD_PIN / PA_ERR_LOCKED (a definite no),
 * PA_ERR_UNREACHABLE when the cache has nothing to decide with, or the
 * local failure that kept it from deciding (never "unreachable": that
 * would answer differently for a PIN the failure kept us from checking).
 */
static int
offline_attempt(struct module_call *c, const char *pin, long long now,
    struct pa_claims **claims)
{
	struct pa_cache *cache = NULL;
	char q[PA_QUOTE_MAX];
	int r;

	*claims = NULL;
	pa_log_quote(c->user, q, sizeof(q));
	if (c->conf->offline_grace <= 0)
		return PA_ERR_UNREACHABLE;
	if ((r = pa_cache_open(c->conf->cache_dir, 0, &cache)) != PA_OK) {
		if (r == PA_ERR_NOT_FOUND)
			return PA_ERR_UNREACHABLE;	/* nobody cached yet */
		pa_log(&c->log, LOG_ERR, "user \"%s\": offline login not "
		    "possible, cache %s unusable: %s", q, c->conf->cache_dir,
		    pa_strerror(r));
		return r;
	}
	r = pa_offline_login(cache, c->conf, c->user, pin, now, claims);
	pa_cache_close(cache);
	switch (r) {
	case PA_OK:
		pa_log(&c->log, LOG_NOTICE, "user \"%s\": offline login "
		    "accepted from the device cache", q);
		return PA_OK;
	case PA_ERR_BAD_PIN:
	case PA_ERR_LOCKED:
		pa_log(&c->log, LOG_NOTICE, "user \"%s\": offline login "
		    "denied: %s", q, pa_strerror(r));
		return r;
	case PA_ERR_NOT_FOUND:
	case PA_ERR_OFFLINE_DENIED:
	case PA_ERR_CLOCK:
		pa_log(&c->log, LOG_NOTICE, "user \"%s\": offline login "
		    "denied: %s", q, pa_strerror(r));
		return PA_ERR_UNREACHABLE;
	default:
		pa_log(&c->log, LOG_ERR, "user \"%s\": offline login not "
		    "decided, local failure: %s", q, pa_strerror(r));
		return r;
	}
}

/* A name another source of users or groups knows; unknown counts as no. */
static int
local_name(const char *user)
{
	struct pa_name_owner owner;
	int r;

	r = pa_names_staff_ok_system(NULL, user, &owner, NULL, 0);
	return r == PA_ERR_NOT_FOUND && owner.kinds != 0;
}

/*
 * Whether user is a name this module may handle at all: PA_OK, or
 * PA_ERR_USERNAME / PA_ERR_NOT_FOUND (not ours: a local account, a name
 * another source owns, a mapped group) / PA_ERR_SYSTEM (a source of names
 * cannot answer: fail closed). Logged; a local user is only a debug line,
 * every other collision a warning.
 */
static int
staff_name(struct module_call *c)
{
	struct pa_name_owner owner;
	char q[PA_QUOTE_MAX], why[256];
	int r;

	pa_log_quote(c->user, q, sizeof(q));
	if ((r = pa_user_valid(c->user, c->conf->username_pattern)) != PA_OK) {
		pa_log(&c->log, LOG_NOTICE, "user \"%s\": name not "
		    "acceptable", q);
		return r;
	}
	r = pa_names_staff_ok_system(c->conf, c->user, &owner, why,
	    sizeof(why));
	/* Local accounts are pam_unix's, every day; the rest is a clash. */
	if (r == PA_ERR_NOT_FOUND)
		pa_log(&c->log, owner.kinds & PA_NAME_USER ? LOG_DEBUG :
		    LOG_WARNING, "user \"%s\": not a staff id here: %s", q,
		    why);
	else if (r != PA_OK)
		pa_log(&c->log, LOG_ERR, "user \"%s\": refused, cannot tell "
		    "who owns the name: %s", q, why);
	return r;
}

PAM_EXTERN int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	struct module_call c;
	struct pa_login_result res;
	struct pa_claims *claims = NULL;
	struct pa_cache *store;
	char *pin = NULL;
	long long now;
	int r;

	(void)flags;
	memset(&res, 0, sizeof(res));
	/* A failed attempt must not leave an earlier success behind. */
	pam_set_data(pamh, STATE_KEY, NULL, NULL);
	if ((r = call_begin(&c, pamh, argc, argv, 1)) != PA_OK)
		goto out;
	/* Never prompt for, nor send, a name that is not ours. */
	if ((r = staff_name(&c)) != PA_OK)
		goto out;
	if ((r = get_pin(&c, &pin)) != PA_OK)
		goto out;
	now = (long long)time(NULL);
	/* Discovery and keys come from the cache when young enough. */
	store = cache_open(&c, 1);
	r = pa_login_online_cached(c.conf, &c.log, store, c.user, pin, now,
	    &res);
	pa_cache_close(store);
	if (r != PA_ERR_UNREACHABLE) {
		cache_after_online(&c, r, pin, &res, now);
		if (r == PA_OK)
			r = save_state(&c, &res.claims, &res.tokens, 0);
		goto out;
	}
	/* Only an unreachable service opens the offline path. */
	if ((r = offline_attempt(&c, pin, now, &claims)) == PA_OK)
		r = save_state(&c, &claims, NULL, 1);
 out:
	pa_claims_free(claims);
	pa_login_result_clear(&res);
	pa_strfreezero(pin);
	call_end(&c);
	return pam_code_for(r);
}

PAM_EXTERN int
pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	const char *user = NULL;

	(void)flags;
	(void)argc;
	(void)argv;
	/* No credentials beyond the session token file (session phase). */
	if (pam_get_user(pamh, &user, NULL) != PAM_SUCCESS)
		return PAM_USER_UNKNOWN;
	return find_state(pamh, user) != NULL ? PAM_SUCCESS : PAM_IGNORE;
}

/*
 * The roles of a staff member this handle did not authenticate (ssh
 * public keys, a stack where another module did auth): the last verified
 * ones in the device cache. PA_ERR_NOT_FOUND when the cache does not know
 * the user as staff (no current record: not ours), local statuses when it
 * cannot be read.
 */
static int
cached_roles(struct module_call *c, long long now,
    struct pa_cache_record **out)
{
	struct pa_cache *cache = NULL;
	struct pa_cache_record *rec = NULL;
	int r;

	*out = NULL;
	if ((r = pa_cache_open(c->conf->cache_dir, 0, &cache)) != PA_OK)
		return r;
	r = pa_cache_get(cache, c->user, &rec);
	pa_cache_close(cache);
	if (r == PA_ERR_CACHE_CORRUPT)
		r = PA_ERR_NOT_FOUND;
	if (r != PA_OK)
		return r;
	/* Known staff: what the NSS index would serve (nssindex.c). */
	if (rec->last_online <= 0 || (c->conf->nss_expire > 0 &&
	    now - rec->last_online > (long long)c->conf->nss_expire * 86400)) {
		pa_cache_record_free(rec);
		return PA_ERR_NOT_FOUND;
	}
	*out = rec;
	return PA_OK;
}

PAM_EXTERN int
pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct module_call c;
	const struct module_state *st;
	struct pa_cache_record *rec = NULL;
	char *const *roles;
	size_t nroles;
	char q[PA_QUOTE_MAX];
	int r;

	(void)flags;
	if ((r = call_begin(&c, pamh, argc, argv, 0)) != PA_OK)
		goto out;
	pa_log_quote(c.user, q, sizeof(q));
	if ((st = find_state(pamh, c.user)) == NULL &&
	    (r = call_conf(&c)) != PA_OK) {
		/* Local accounts stay pam_unix's while the config is broken. */
		if (local_name(c.user))
			r = PA_ERR_NOT_FOUND;
		goto out;
	}
	if (st != NULL) {
		roles = st->claims->roles;
		nroles = st->claims->nroles;
	} else {
		/*
		 * Authentication happened elsewhere, or not at all: a staff
		 * member we know still meets the role gate, with the roles
		 * the service last vouched for.
		 */
		if ((r = staff_name(&c)) != PA_OK ||
		    (r = cached_roles(&c, (long long)time(NULL), &rec)) !=
		    PA_OK) {
			if (r != PA_ERR_NOT_FOUND && r != PA_ERR_USERNAME)
				pa_log(&c.log, LOG_ERR, "user \"%s\": account "
				    "denied, cached roles unreadable: %s", q,
				    pa_strerror(r));
			goto out;
		}
		roles = rec->roles;
		nroles = rec->nroles;
	}
	r = pa_roles_gate(roles, nroles, c.args.allow_roles, c.args.n_allow,
	    c.args.deny_roles, c.args.n_deny);
	pa_log(&c.log, r == PA_OK ? LOG_DEBUG : LOG_NOTICE,
	    "user \"%s\": account %s by role gate%s", q,
	    r == PA_OK ? "allowed" : "denied",
	    st == NULL ? " (cached roles)" : "");
 out:
	pa_cache_record_free(rec);
	call_end(&c);
	return pam_code_for(r);
}

static int
putenv_kv(pam_handle_t *pamh, const char *key, const char *value)
{
	char buf[1024];

	if (value == NULL)
		return PAM_SUCCESS;
	if ((size_t)snprintf(buf, sizeof(buf), "%s=%s", key, value) >=
	    sizeof(buf))
		return PAM_BUF_ERR;
	return pam_putenv(pamh, buf);
}

/* Roles, tenant and store for kiosk policies in the session. */
static int
session_env(pam_handle_t *pamh, const struct pa_claims *cl)
{
	char roles[1024];
	size_t i, o = 0;
	int n, pr;

	roles[0] = '\0';
	for (i = 0; i < cl->nroles; i++) {
		n = snprintf(roles + o, sizeof(roles) - o, "%s%s",
		    i ? "," : "", cl->roles[i]);
		if (n < 0 || (size_t)n >= sizeof(roles) - o)
			return PAM_BUF_ERR;
		o += (size_t)n;
	}
	if ((pr = putenv_kv(pamh, "POSAUTH_ROLES", roles)) != PAM_SUCCESS ||
	    (pr = putenv_kv(pamh, "POSAUTH_TENANT", cl->tenant)) != PAM_SUCCESS ||
	    (pr = putenv_kv(pamh, "POSAUTH_STORE", cl->store)) != PAM_SUCCESS)
		return pr;
	return PAM_SUCCESS;
}

/* The access token for this session: fresh from login, or cached. */
static char *
session_token(struct module_call *c, const struct module_state *st,
    long long now)
{
	struct pa_cache *cache;
	struct pa_cache_record *rec = NULL;
	char *tok = NULL;

	if (st->tokens != NULL && st->tokens->access_token != NULL)
		return strdup(st->tokens->access_token);
	if ((cache = cache_open(c, 0)) == NULL)
		return NULL;
	if (pa_cache_get(cache, c->user, &rec) == PA_OK &&
	    rec->access_token != NULL && rec->access_exp > now)
		tok = strdup(rec->access_token);
	pa_cache_record_free(rec);
	pa_cache_close(cache);
	return tok;
}

static void
session_free(pam_handle_t *pamh, void *data, int error_status)
{
	struct module_session *ms = data;

	(void)pamh;
	(void)error_status;
	if (ms == NULL)
		return;
	free(ms->user);
	pa_strfreezero(ms->refresh_token);
	pa_strfreezero(ms->token_written);
	free(ms);
}

/* Remembers what this open started; ownership of token moves in. */
static int
session_remember(struct module_call *c, const struct module_state *st,
    char **token)
{
	struct module_session *ms;

	if ((ms = calloc(1, sizeof(*ms))) == NULL ||
	    (ms->user = strdup(c->user)) == NULL)
		goto fail;
	if (st->tokens != NULL && st->tokens->refresh_token != NULL &&
	    (ms->refresh_token = strdup(st->tokens->refresh_token)) == NULL)
		goto fail;
	ms->token_written = *token;
	*token = NULL;
	if (pam_set_data(c->pamh, SESSION_KEY, ms, session_free) !=
	    PAM_SUCCESS) {
		session_free(c->pamh, ms, 0);
		return PA_ERR_INTERNAL;
	}
	return PA_OK;
 fail:
	session_free(c->pamh, ms, 0);
	return PA_ERR_ALLOC;
}

PAM_EXTERN int
pam_sm_open_session(pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	struct module_call c;
	const struct module_state *st;
	struct passwd pw, *pwp = NULL;
	char pwbuf[4096], q[PA_QUOTE_MAX];
	char *token = NULL, *path = NULL;
	int r, code = PAM_SUCCESS;

	(void)flags;
	if ((r = call_begin(&c, pamh, argc, argv, 1)) != PA_OK) {
		code = r == PA_ERR_USERNAME ? PAM_SESSION_ERR : pam_code_for(r);
		goto out;
	}
	/* Only sessions this module authenticated are ours to open. */
	if ((st = find_state(pamh, c.user)) == NULL) {
		code = PAM_IGNORE;
		goto out;
	}
	pa_log_quote(c.user, q, sizeof(q));
	if ((code = session_env(pamh, st->claims)) != PAM_SUCCESS)
		goto out;
	if ((token = session_token(&c, st, (long long)time(NULL))) == NULL) {
		pa_log(&c.log, LOG_INFO, "user \"%s\": session without a "
		    "token%s", q, st->offline ? " (offline login)" : "");
		code = pam_code_for(session_remember(&c, st, &token));
		goto out;
	}
	/* The token file belongs to the user, so their uid must resolve. */
	if (getpwnam_r(c.user, &pw, pwbuf, sizeof(pwbuf), &pwp) != 0 ||
	    pwp == NULL) {
		pa_log(&c.log, LOG_ERR, "user \"%s\": no passwd entry, "
		    "session token not written", q);
		code = PAM_SESSION_ERR;
		goto out;
	}
	if ((r = pa_session_write_token(c.conf->runtime_dir, c.user,
	    pw.pw_uid, pw.pw_gid, token, &path)) != PA_OK) {
		pa_log(&c.log, LOG_ERR, "user \"%s\": session token not "
		    "written to %s: %s", q, c.conf->runtime_dir,
		    pa_strerror(r));
		code = PAM_SESSION_ERR;
		goto out;
	}
	if ((code = putenv_kv(pamh, "POSAUTH_TOKEN_FILE", path)) !=
	    PAM_SUCCESS)
		goto out;
	code = pam_code_for(session_remember(&c, st, &token));
 out:
	pa_strfreezero(token);
	free(path);
	call_end(&c);
	return code;
}

/* The token file goes only while it still holds what this session wrote. */
static void
session_remove_file(struct module_call *c, const struct module_session *ms,
    const char *q)
{
	char *now = NULL;
	int r;

	if (ms->token_written == NULL)
		return;
	if ((r = pa_session_read_token(c->conf->runtime_dir, c->user,
	    &now)) != PA_OK) {
		if (r != PA_ERR_NOT_FOUND)
			pa_log(&c->log, LOG_ERR, "user \"%s\": session token "
			    "file unreadable: %s", q, pa_strerror(r));
		return;
	}
	/* A newer session of the same user (or a renewal) rewrote it. */
	if (strlen(now) == strlen(ms->token_written) &&
	    pa_secret_equal(now, ms->token_written, strlen(now)) &&
	    (r = pa_session_remove_token(c->conf->runtime_dir,
	    c->user)) != PA_OK)
		pa_log(&c->log, LOG_ERR, "user \"%s\": session token file "
		    "not removed: %s", q, pa_strerror(r));
	pa_strfreezero(now);
}

PAM_EXTERN int
pam_sm_close_session(pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	struct module_call c;
	const struct module_session *ms;
	const void *data = NULL;
	struct pa_cache *cache = NULL;
	char q[PA_QUOTE_MAX];
	int r, code = PAM_SUCCESS;

	(void)flags;
	if ((r = call_begin(&c, pamh, argc, argv, 0)) != PA_OK) {
		code = r == PA_ERR_USERNAME ? PAM_SESSION_ERR : pam_code_for(r);
		goto out;
	}
	/*
	 * Only what this handle's open_session started is ended here: a
	 * close without it (cron, su -c, runuser, a stack where we did not
	 * authenticate) must not revoke or remove another session's token.
	 */
	if (pam_get_data(pamh, SESSION_KEY, &data) != PAM_SUCCESS ||
	    (ms = data) == NULL || strcmp(ms->user, c.user) != 0) {
		code = PAM_IGNORE;
		goto out;
	}
	if ((r = call_conf(&c)) != PA_OK) {
		code = pam_code_for(r);
		goto out;
	}
	pa_log_quote(c.user, q, sizeof(q));
	cache = cache_open(&c, 0);
	/* Logging out ends the session's right to new tokens. */
	if (ms->refresh_token != NULL && (r = pa_revoke_or_queue(cache,
	    c.conf, &c.log, c.user, ms->refresh_token,
	    (long long)time(NULL))) != PA_OK)
		pa_log(&c.log, LOG_ERR, "user \"%s\": refresh token neither "
		    "revoked nor queued: %s", q, pa_strerror(r));
	session_remove_file(&c, ms, q);
	pam_set_data(pamh, SESSION_KEY, NULL, NULL);
 out:
	pa_cache_close(cache);
	call_end(&c);
	return code;
}

PAM_EXTERN int
pam_sm_chauthtok(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct module_call c;
	int r, code;

	(void)flags;
	if ((r = call_begin(&c, pamh, argc, argv, 1)) != PA_OK) {
		code = pam_code_for(r);
		goto out;
	}
	/* Names we would never authenticate are left to other modules. */
	if ((r = staff_name(&c)) != PA_OK) {
		code = pam_code_for(r);
		goto out;
	}
	pam_error(pamh, "PINs are changed at the token service, "
	    "not on this terminal.");
	code = PAM_AUTHTOK_ERR;
 out:
	call_end(&c);
	return code;
}
