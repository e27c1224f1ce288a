/* SPDX-License-Identifier: MIT */
/*
 * The session requests: open turns a login an AUTH proved into a session
 * (environment for the PAM stack, the session token file), close ends
 * what that open started and nothing else. Both are root's: a PAM host
 * that opens sessions runs as root, a lock screen never does.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "authflow.h"
#include "buf.h"
#include "cache.h"
#include "claims.h"
#include "conf.h"
#include "daemon.h"
#include "err.h"
#include "oidc.h"
#include "refresh.h"
#include "secret.h"
#include "session.h"
#include "state.h"
#include "strv.h"

#define ENV_MAX 4096

/* What open needs of a login, copied out under the state lock. */
struct login_copy {
	char **roles;
	size_t nroles;
	char *tenant, *store;
	char *access_token, *refresh_token;
	long expires_in;		/* of the access token; 0: unknown */
	long long exp;			/* of the verified token */
	int offline;
	int status;
};

static void
login_copy_clear(struct login_copy *lc)
{
	pa_strv_free(lc->roles, lc->nroles);
	free(lc->tenant);
	free(lc->store);
	pa_strfreezero(lc->access_token);
	pa_strfreezero(lc->refresh_token);
	memset(lc, 0, sizeof(*lc));
}

static int
dup_or_null(const char *s, char **out)
{
	*out = NULL;
	if (s != NULL && (*out = strdup(s)) == NULL)
		return PA_ERR_ALLOC;
	return PA_OK;
}

static int
copy_login(const struct pd_login *l, void *arg)
{
	struct login_copy *lc = arg;
	const struct pa_tokens *t = l->tokens;
	size_t i;
	int r = PA_OK;

	for (i = 0; r == PA_OK && i < l->claims->nroles; i++)
		r = pa_strv_add_unique(&lc->roles, &lc->nroles, SIZE_MAX,
		    l->claims->roles[i]);
	if (r == PA_OK)
		r = dup_or_null(l->claims->tenant, &lc->tenant);
	if (r == PA_OK)
		r = dup_or_null(l->claims->store, &lc->store);
	if (r == PA_OK && t != NULL)
		r = dup_or_null(t->access_token, &lc->access_token);
	if (r == PA_OK && t != NULL)
		r = dup_or_null(t->refresh_token, &lc->refresh_token);
	lc->offline = l->offline;
	lc->expires_in = t != NULL ? t->expires_in : 0;
	lc->exp = l->claims->exp;
	lc->status = r;
	return PA_OK;
}

static int
put_env(struct pa_msg *res, const char *key, const char *value)
{
	struct pa_buf b;
	int r;

	if (value == NULL)
		return PA_OK;
	pa_buf_init(&b, ENV_MAX);
	if ((r = pa_buf_printf(&b, "%s=%s", key, value)) == PA_OK)
		r = pa_msg_put_str(res, PA_F_ENV, pa_buf_str(&b));
	pa_buf_clear(&b);
	return r;
}

/* Roles, tenant and store (printable, claims.c) for kiosk policies. */
static int
session_env(struct pa_msg *res, const struct login_copy *lc)
{
	struct pa_buf roles;
	int r;

	pa_buf_init(&roles, ENV_MAX);
	if ((r = pa_strv_join(lc->roles, lc->nroles, ",", &roles)) == PA_OK &&
	    (r = put_env(res, "POSAUTH_ROLES", pa_buf_str(&roles))) == PA_OK &&
	    (r = put_env(res, "POSAUTH_TENANT", lc->tenant)) == PA_OK)
		r = put_env(res, "POSAUTH_STORE", lc->store);
	pa_buf_clear(&roles);
	return r;
}

/* The cached access token, for a login that brought none (offline). */
static char *
cached_token(const struct pa_conf *conf, const char *user, long long now)
{
	struct pa_cache *cache = NULL;
	struct pa_cache_record *rec = NULL;
	char *tok = NULL;

	if (pa_cache_open(conf->cache_dir, 0, &cache) != PA_OK)
		return NULL;
	if (pa_cache_get(cache, user, &rec) == PA_OK &&
	    rec->access_token != NULL && rec->access_exp > now)
		tok = strdup(rec->access_token);
	pa_cache_record_free(rec);
	pa_cache_close(cache);
	return tok;
}

/* Writes the token file, the staff member's own, and names it. */
static int
write_token(struct pd_conn *c, const struct pa_conf *conf, const char *user,
    const char *token, const char *q, struct pa_msg *res,
    struct pd_session *ss)
{
	char *path = NULL;
	int r;

	if ((r = pd_staff_uid(conf, user, &ss->uid, &ss->gid)) != PA_OK) {
		pa_log(&c->d->log, LOG_ERR, "user \"%s\": not in the NSS "
		    "index, session token not written", q);
		return PA_ERR_SYSTEM;
	}
	if ((r = pa_session_write_token(conf->runtime_dir, user, ss->uid,
	    ss->gid, token, &path, &ss->file)) != PA_OK)
		pa_log(&c->d->log, LOG_ERR, "user \"%s\": session token not "
		    "written to %s: %s", q, conf->runtime_dir, pa_strerror(r));
	else
		r = put_env(res, "POSAUTH_TOKEN_FILE", path);
	free(path);
	return r;
}

/* An optional text field of the request; absent is fine. */
static int
optional_str(const struct pa_msg *req, uint16_t tag, char **out)
{
	int r = pa_msg_get_str(req, tag, out);

	return r == PA_ERR_NOT_FOUND ? PA_OK : r;
}

/*
 * logind's session ids are short words; anything else (an option to
 * loginctl, a path) is not one, and the session is then not locked.
 */
static int
logind_id_ok(const char *id)
{
	size_t i;

	if (id[0] == '\0' || id[0] == '-' || strlen(id) > 64)
		return 0;
	for (i = 0; id[i] != '\0'; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') ||
		    (id[i] >= 'A' && id[i] <= 'Z') ||
		    (id[i] >= '0' && id[i] <= '9') || id[i] == '-' ||
		    id[i] == '_' || id[i] == '.'))
			return 0;
	return 1;
}

/*
 * What following the token service needs of the session: the gate it
 * was opened through, the logind session to lock, and when its token
 * runs out. The refresh token moves in from lc.
 */
static int
session_follow_init(struct pd_conn *c, const struct pa_conf *conf,
    const struct pa_msg *req, struct login_copy *lc, long long now,
    struct pd_session *ss)
{
	long long period;
	int r;

	if ((r = optional_str(req, PA_F_SERVICE, &ss->service)) != PA_OK ||
	    (r = optional_str(req, PA_F_LOGIND_SESSION, &ss->logind_id)) !=
	    PA_OK ||
	    (r = pd_gate_lists(req, PA_F_ALLOW_ROLE, &ss->allow,
	    &ss->nallow)) != PA_OK ||
	    (r = pd_gate_lists(req, PA_F_DENY_ROLE, &ss->deny, &ss->ndeny)) !=
	    PA_OK)
		return r;
	if (ss->logind_id != NULL && !logind_id_ok(ss->logind_id)) {
		pa_log(&c->d->log, LOG_WARNING, "user \"%s\": not a logind "
		    "session id, ignored", ss->user);
		free(ss->logind_id);
		ss->logind_id = NULL;
	}
	ss->refresh_token = lc->refresh_token;
	lc->refresh_token = NULL;
	ss->access_life = lc->expires_in;
	ss->access_exp = lc->expires_in > 0 ? now + lc->expires_in : lc->exp;
	if (ss->refresh_token == NULL)
		return PA_OK;	/* an offline login: nothing to follow */
	/* While following is off, the default period holds its place. */
	period = (conf->session_refresh > 0 ? conf->session_refresh :
	    PD_FOLLOW_DEFAULT_S) * 1000LL;
	ss->due = pd_mono_ms() + pa_refresh_delay_ms(pd_bg_jitter(c->d,
	    period, PD_FOLLOW_JITTER_PCT), ss->access_life,
	    (ss->access_exp - now) * 1000);
	return PA_OK;
}

int
pd_handle_open(struct pd_conn *c, const struct pa_msg *req,
    struct pa_msg *res)
{
	const struct pa_conf *conf;
	struct login_copy lc;
	struct pd_session *ss = NULL;
	char *user = NULL, *id = NULL, *token = NULL, sid[PD_ID_LEN + 1];
	char q[PA_QUOTE_MAX];
	long long now = (long long)time(NULL);
	int r;

	memset(&lc, 0, sizeof(lc));
	if ((r = pd_conf_of(c, &conf)) != PA_OK ||
	    (r = pa_msg_get_str(req, PA_F_USER, &user)) != PA_OK)
		goto out;
	/* Only sessions an AUTH here proved are ours to open. */
	if (pa_msg_get_str(req, PA_F_LOGIN_ID, &id) != PA_OK ||
	    pd_login_with(c->d->state, id, user, c->uid, now, copy_login,
	    &lc) != PA_OK) {
		r = PA_ERR_NOT_FOUND;
		goto out;
	}
	if ((r = lc.status) != PA_OK)
		goto out;
	pa_log_quote(user, q, sizeof(q));
	if ((r = session_env(res, &lc)) != PA_OK ||
	    (r = pd_session_new(user, now, &ss)) != PA_OK)
		goto out;
	token = lc.access_token != NULL ? strdup(lc.access_token) :
	    cached_token(conf, user, now);
	if (token == NULL)
		pa_log(&c->d->log, LOG_INFO, "user \"%s\": session without a "
		    "token%s", q, lc.offline ? " (offline login)" : "");
	else if ((r = write_token(c, conf, user, token, q, res, ss)) != PA_OK)
		goto out;
	if ((r = session_follow_init(c, conf, req, &lc, now, ss)) != PA_OK ||
	    (r = pd_session_add(c->d->state, &ss, sid)) != PA_OK)
		goto out;
	/* The worker's schedule has a new session in it. */
	pd_bg_wake(c->d);
	/* One login, one session: the id is spent. */
	pd_login_drop(c->d->state, id);
	r = pa_msg_put_str(res, PA_F_SESSION_ID, sid);
	pa_log(&c->d->log, LOG_INFO, "user \"%s\": session opened%s", q,
	    lc.offline ? " (offline login)" : "");
 out:
	pd_session_free(ss);
	login_copy_clear(&lc);
	pa_strfreezero(token);
	free(user);
	free(id);
	return r;
}

int
pd_handle_close(struct pd_conn *c, const struct pa_msg *req,
    struct pa_msg *res)
{
	const struct pa_conf *conf;
	struct pd_session *ss = NULL;
	char *user = NULL, *id = NULL, q[PA_QUOTE_MAX];
	int r;

	(void)res;
	if ((r = pd_conf_of(c, &conf)) != PA_OK ||
	    (r = pa_msg_get_str(req, PA_F_USER, &user)) != PA_OK)
		goto out;
	/*
	 * Only what this handle's open started is ended here: a close
	 * without it (cron, su -c, runuser) must not revoke or remove
	 * another session's token.
	 */
	if (pa_msg_get_str(req, PA_F_SESSION_ID, &id) != PA_OK ||
	    (ss = pd_session_take(c->d->state, id, user)) == NULL) {
		r = PA_ERR_NOT_FOUND;
		goto out;
	}
	pa_auth_session_end(conf, &c->d->log, user, ss->refresh_token,
	    &ss->file, (long long)time(NULL));
	pa_log(&c->d->log, LOG_INFO, "user \"%s\": session closed",
	    pa_log_quote(user, q, sizeof(q)));
 out:
	pd_session_free(ss);
	free(user);
	free(id);
	return r;
}
