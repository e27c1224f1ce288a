/* SPDX-License-Identifier: MIT */
/*
 * pam_posauth: PAM entry points. Glue only: arguments, the conversation,
 * PAM data and the session environment; the decisions are src/authflow.c's
 * and pa_pam_code() (src/pamcode.c) is the only place our statuses become
 * PAM codes.
 */
#include "config.h"

#include <errno.h>
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

#include "authflow.h"
#include "buf.h"
#include "cache.h"
#include "claims.h"
#include "conf.h"
#include "err.h"
#include "hostenv.h"
#include "log.h"
#include "login.h"
#include "modargs.h"
#include "oidc.h"
#include "pamcode.h"
#include "roles.h"
#include "secret.h"
#include "session.h"
#include "strv.h"

#define STATE_KEY "pam_posauth.state"
#define SESSION_KEY "pam_posauth.session"
/* pam_unix's delay after a failed login: slows guessing at the terminal. */
#define FAIL_DELAY_USEC 2000000u
#define PWBUF_MAX (1024 * 1024)
#define ENV_MAX 4096

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
	int silent;		/* PAM_SILENT: no messages to the user */
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
 * Parses arguments, reads the config when asked and fetches the user
 * name. Returns a PA status; on failure the reason is already logged.
 */
static int
call_begin(struct module_call *c, pam_handle_t *pamh, int flags, int argc,
    const char **argv, int need_conf)
{
	int r;

	memset(c, 0, sizeof(*c));
	c->pamh = pamh;
	c->silent = (flags & PAM_SILENT) != 0;
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
	if (pam_set_item(c->pamh, PAM_AUTHTOK, resp) != PAM_SUCCESS) {
		pa_strfreezero(resp);
		return PA_ERR_INTERNAL;
	}
	*pin = resp;
	return PA_OK;
}

/* Keeps what auth proved; the result's claims and tokens move in. */
static int
save_state(struct module_call *c, struct pa_auth_result *res)
{
	struct module_state *st;

	if ((st = calloc(1, sizeof(*st))) == NULL ||
	    (st->user = strdup(c->user)) == NULL) {
		free(st);
		return PA_ERR_ALLOC;
	}
	st->claims = res->claims;
	st->tokens = res->tokens;
	st->offline = res->offline;
	res->claims = NULL;
	res->tokens = NULL;
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

PAM_EXTERN int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	struct module_call c;
	struct pa_auth_result res;
	char *pin = NULL;
	int r;

	memset(&res, 0, sizeof(res));
	/* A failed attempt must not leave an earlier success behind. */
	pam_set_data(pamh, STATE_KEY, NULL, NULL);
	r = call_begin(&c, pamh, flags, argc, argv, 1);
	/* libpam applies it only when the stack fails. */
	if (!c.args.nodelay)
		(void)pam_fail_delay(pamh, FAIL_DELAY_USEC);
	if (r != PA_OK)
		goto out;
	/* Never prompt for, nor send, a name that is not ours. */
	if ((r = pa_auth_staff_name(c.conf, &c.log, c.user)) != PA_OK ||
	    (r = get_pin(&c, &pin)) != PA_OK)
		goto out;
	if ((r = pa_auth_login(c.conf, &c.log, c.user, pin,
	    (long long)time(NULL), &res, NULL)) == PA_OK)
		r = save_state(&c, &res);
 out:
	pa_auth_result_clear(&res);
	pa_strfreezero(pin);
	call_end(&c);
	return pa_pam_code(PA_PHASE_AUTH, r);
}

PAM_EXTERN int
pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	const char *user = NULL;
	int r;

	(void)flags;
	(void)argc;
	(void)argv;
	/* No credentials beyond the session token file (session phase). */
	if (pam_get_user(pamh, &user, NULL) != PAM_SUCCESS)
		r = PA_ERR_USERNAME;
	else
		r = find_state(pamh, user) != NULL ? PA_OK : PA_ERR_NOT_FOUND;
	return pa_pam_code(PA_PHASE_SETCRED, r);
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

	if ((r = call_begin(&c, pamh, flags, argc, argv, 0)) != PA_OK)
		goto out;
	pa_log_quote(c.user, q, sizeof(q));
	if ((st = find_state(pamh, c.user)) == NULL &&
	    (r = call_conf(&c)) != PA_OK) {
		/* Local accounts stay pam_unix's while the config is broken. */
		if (pa_auth_local_name(c.user))
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
		if ((r = pa_auth_staff_name(c.conf, &c.log, c.user)) != PA_OK ||
		    (r = pa_auth_known_staff(c.conf, c.user,
		    (long long)time(NULL), &rec)) != PA_OK) {
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
	return pa_pam_code(PA_PHASE_ACCOUNT, r);
}

static int
putenv_kv(pam_handle_t *pamh, const char *key, const char *value)
{
	struct pa_buf b;
	int r = PA_OK;

	if (value == NULL)
		return PA_OK;
	pa_buf_init(&b, ENV_MAX);
	if ((r = pa_buf_printf(&b, "%s=%s", key, value)) == PA_OK &&
	    pam_putenv(pamh, pa_buf_str(&b)) != PAM_SUCCESS)
		r = PA_ERR_INTERNAL;
	pa_buf_clear(&b);
	return r;
}

/* Roles, tenant and store (printable, claims.c) for kiosk policies. */
static int
session_env(pam_handle_t *pamh, const struct pa_claims *cl)
{
	struct pa_buf roles;
	int r;

	pa_buf_init(&roles, ENV_MAX);
	if ((r = pa_strv_join(cl->roles, cl->nroles, ",", &roles)) == PA_OK &&
	    (r = putenv_kv(pamh, "POSAUTH_ROLES", pa_buf_str(&roles))) ==
	    PA_OK && (r = putenv_kv(pamh, "POSAUTH_TENANT", cl->tenant)) ==
	    PA_OK)
		r = putenv_kv(pamh, "POSAUTH_STORE", cl->store);
	pa_buf_clear(&roles);
	return r;
}

/* The access token for this session: fresh from login, or cached. */
static char *
session_token(struct module_call *c, const struct module_state *st,
    long long now)
{
	struct pa_cache *cache = NULL;
	struct pa_cache_record *rec = NULL;
	char *tok = NULL;

	if (st->tokens != NULL && st->tokens->access_token != NULL)
		return strdup(st->tokens->access_token);
	if (pa_cache_open(c->conf->cache_dir, 0, &cache) != PA_OK)
		return NULL;
	if (pa_cache_get(cache, c->user, &rec) == PA_OK &&
	    rec->access_token != NULL && rec->access_exp > now)
		tok = strdup(rec->access_token);
	pa_cache_record_free(rec);
	pa_cache_close(cache);
	return tok;
}

/* getpwnam_r with a buffer that grows as ERANGE asks, up to a bound. */
static int
lookup_passwd(const char *user, struct passwd *pw, char **bufp)
{
	struct passwd *res = NULL;
	size_t len = 4096;
	char *buf = NULL, *tmp;
	int e;

	*bufp = NULL;
	for (;;) {
		if ((tmp = realloc(buf, len)) == NULL) {
			free(buf);
			return PA_ERR_ALLOC;
		}
		buf = tmp;
		if ((e = getpwnam_r(user, pw, buf, len, &res)) != ERANGE ||
		    len >= PWBUF_MAX)
			break;
		len *= 2;
	}
	if (e != 0 || res == NULL) {
		free(buf);
		return PA_ERR_NOT_FOUND;
	}
	*bufp = buf;
	return PA_OK;
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

/* Writes the token file (the user's) and says where it is. */
static int
session_write(struct module_call *c, const char *token, const char *q)
{
	struct passwd pw;
	char *pwbuf = NULL, *path = NULL;
	int r;

	/* The token file belongs to the user, so their uid must resolve. */
	if ((r = lookup_passwd(c->user, &pw, &pwbuf)) != PA_OK) {
		pa_log(&c->log, LOG_ERR, "user \"%s\": no passwd entry, "
		    "session token not written", q);
		return r == PA_ERR_NOT_FOUND ? PA_ERR_SYSTEM : r;
	}
	if ((r = pa_session_write_token(c->conf->runtime_dir, c->user,
	    pw.pw_uid, pw.pw_gid, token, &path)) != PA_OK)
		pa_log(&c->log, LOG_ERR, "user \"%s\": session token not "
		    "written to %s: %s", q, c->conf->runtime_dir,
		    pa_strerror(r));
	else
		r = putenv_kv(c->pamh, "POSAUTH_TOKEN_FILE", path);
	free(path);
	free(pwbuf);
	return r;
}

PAM_EXTERN int
pam_sm_open_session(pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	struct module_call c;
	const struct module_state *st;
	char q[PA_QUOTE_MAX], *token = NULL;
	int r;

	if ((r = call_begin(&c, pamh, flags, argc, argv, 1)) != PA_OK)
		goto out;
	/* Only sessions this module authenticated are ours to open. */
	if ((st = find_state(pamh, c.user)) == NULL) {
		r = PA_ERR_NOT_FOUND;
		goto out;
	}
	pa_log_quote(c.user, q, sizeof(q));
	if ((r = session_env(pamh, st->claims)) != PA_OK)
		goto out;
	if ((token = session_token(&c, st, (long long)time(NULL))) == NULL)
		pa_log(&c.log, LOG_INFO, "user \"%s\": session without a "
		    "token%s", q, st->offline ? " (offline login)" : "");
	else if ((r = session_write(&c, token, q)) != PA_OK)
		goto out;
	r = session_remember(&c, st, &token);
 out:
	pa_strfreezero(token);
	call_end(&c);
	return pa_pam_code(PA_PHASE_SESSION, r);
}

PAM_EXTERN int
pam_sm_close_session(pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	struct module_call c;
	const struct module_session *ms;
	const void *data = NULL;
	int r;

	if ((r = call_begin(&c, pamh, flags, argc, argv, 0)) != PA_OK)
		goto out;
	/*
	 * Only what this handle's open_session started is ended here: a
	 * close without it (cron, su -c, runuser, a stack where we did not
	 * authenticate) must not revoke or remove another session's token.
	 */
	if (pam_get_data(pamh, SESSION_KEY, &data) != PAM_SUCCESS ||
	    (ms = data) == NULL || strcmp(ms->user, c.user) != 0) {
		r = PA_ERR_NOT_FOUND;
		goto out;
	}
	if ((r = call_conf(&c)) != PA_OK)
		goto out;
	pa_auth_session_end(c.conf, &c.log, c.user, ms->refresh_token,
	    ms->token_written, (long long)time(NULL));
	pam_set_data(pamh, SESSION_KEY, NULL, NULL);
 out:
	call_end(&c);
	return pa_pam_code(PA_PHASE_SESSION, r);
}

PAM_EXTERN int
pam_sm_chauthtok(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct module_call c;
	int r;

	if ((r = call_begin(&c, pamh, flags, argc, argv, 1)) != PA_OK)
		goto out;
	/* Names we would never authenticate are left to other modules. */
	if ((r = pa_auth_staff_name(c.conf, &c.log, c.user)) != PA_OK)
		goto out;
	if (!c.silent)
		pam_error(pamh, "PINs are changed at the token service, "
		    "not on this terminal.");
	r = PA_ERR_UNSUPPORTED;
 out:
	call_end(&c);
	return pa_pam_code(PA_PHASE_PASSWORD, r);
}
