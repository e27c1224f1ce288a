/* SPDX-License-Identifier: MIT */
/*
 * The requests of a PAM authentication: is this name ours (asked before
 * the PIN prompt), the login itself, and the account's role gate.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "authflow.h"
#include "cache.h"
#include "claims.h"
#include "conf.h"
#include "daemon.h"
#include "err.h"
#include "login.h"
#include "mfa.h"
#include "nssindex.h"
#include "roles.h"
#include "secret.h"
#include "state.h"
#include "strv.h"

int
pd_staff_uid(const struct pa_conf *conf, const char *user, uid_t *uid,
    gid_t *gid)
{
	struct pa_staff_id id;
	int r;

	if ((r = pa_nssindex_staff(conf, user, 0, &id)) == PA_OK) {
		*uid = id.uid;
		*gid = id.gid;
	}
	return r;
}

int
pd_handle_check_user(struct pd_conn *c, const struct pa_msg *req,
    struct pa_msg *res)
{
	const struct pa_conf *conf;
	char *user = NULL;
	int r;

	(void)res;
	if ((r = pd_conf_of(c, &conf)) != PA_OK ||
	    (r = pa_msg_get_str(req, PA_F_USER, &user)) != PA_OK)
		goto out;
	r = pa_auth_staff_name(conf, &c->d->log, user);
 out:
	free(user);
	return r == PA_ERR_BAD_RESPONSE ? PA_ERR_ARG : r;
}

/* The cashier is in; the verifier's KDF runs now, a few at a time. */
void
pd_auth_finish(struct pd_conn *c, const struct pa_conf *conf,
    struct pa_auth_pending *pend)
{
	if (pend->held != NULL) {
		while (sem_wait(&c->d->kdf_slots) != 0)
			;
		pa_auth_finish_verifier(conf, &c->d->log, pend);
		sem_post(&c->d->kdf_slots);
	}
	pa_auth_finish(conf, &c->d->log, pend);
}

/* The answer goes out before the slow rest of a success is done. */
int
pd_auth_reply(struct pd_conn *c, struct pa_msg *res, int status,
    const char *login_id, int offline)
{
	int r;

	if ((r = pa_msg_put_i32(res, PA_F_STATUS, status)) != PA_OK ||
	    (login_id != NULL &&
	    (r = pa_msg_put_str(res, PA_F_LOGIN_ID, login_id)) != PA_OK) ||
	    (r = pa_msg_put_u32(res, PA_F_OFFLINE, offline != 0)) != PA_OK)
		return r;
	return pd_reply(c, res);
}

/*
 * The PIN was right and the second factor is due: start the device grant
 * and answer with what to show and what to wait for. A start that fails
 * is the login's failure (an unreachable service: no offline login, the
 * PIN was checked online a moment ago and the phone is what is missing).
 */
static int
auth_mfa_begin(struct pd_conn *c, const struct pa_conf *conf,
    const char *user, const char *pin, long long now, struct pa_msg *res)
{
	struct pa_mfa *m = NULL;
	char id[PD_ID_LEN + 1];
	uint32_t wait_ms;
	int r;

	if ((r = pa_mfa_start(conf, &c->d->log, user, now, &m)) != PA_OK)
		return r;
	/* The code's life, a last poll's interval and its HTTP timeout. */
	wait_ms = (uint32_t)(m->expires_in + m->interval + conf->timeout +
	    5) * 1000u;
	if ((r = pa_msg_put_i32(res, PA_F_STATUS, PA_ERR_MFA_PENDING)) !=
	    PA_OK || (r = pa_msg_put_str(res, PA_F_MESSAGE, m->message)) !=
	    PA_OK || (r = pa_msg_put_u32(res, PA_F_MFA_WAIT_MS, wait_ms)) !=
	    PA_OK)
		goto out;
	if ((r = pd_mfa_add(c->d->state, user, c->uid, pin, &m, now, id)) !=
	    PA_OK || (r = pa_msg_put_str(res, PA_F_MFA_ID, id)) != PA_OK)
		goto out;
	r = PA_ERR_MFA_PENDING;
 out:
	pa_mfa_free(m);
	return r;
}

/* The answer of a login whose second factor is due: pending, or why not. */
static int
auth_mfa_reply(struct pd_conn *c, const struct pa_conf *conf,
    const char *user, const char *pin, long long now, struct pa_msg *res)
{
	int r;

	if ((r = auth_mfa_begin(c, conf, user, pin, now, res)) !=
	    PA_ERR_MFA_PENDING) {
		/* Half an answer must not go out with the status. */
		pa_msg_clear(res);
		pa_msg_init(res, PA_MSG_RESULT);
		if (pa_msg_put_i32(res, PA_F_STATUS, r) != PA_OK)
			return r;
	}
	(void)pd_reply(c, res);
	return r;
}

int
pd_handle_auth(struct pd_conn *c, const struct pa_msg *req,
    struct pa_msg *res, int *replied)
{
	const struct pa_conf *conf;
	struct pa_auth_result ar;
	struct pa_auth_pending pend;
	char *user = NULL, *pin = NULL, id[PD_ID_LEN + 1];
	long long now = (long long)time(NULL);
	unsigned flags = 0;
	uint32_t mfa = 0;
	int r;

	memset(&ar, 0, sizeof(ar));
	memset(&pend, 0, sizeof(pend));
	if (pa_msg_get_u32(req, PA_F_MFA, &mfa) == PA_OK && mfa != 0)
		flags |= PA_AUTH_MFA;
	if ((r = pd_conf_of(c, &conf)) != PA_OK ||
	    (r = pa_msg_get_str(req, PA_F_USER, &user)) != PA_OK ||
	    (r = pa_msg_get_str(req, PA_F_PIN, &pin)) != PA_OK)
		goto out;
	/* The client asked before prompting; a name may have changed since. */
	if ((r = pa_auth_staff_name(conf, &c->d->log, user)) != PA_OK)
		goto out;
	if (pd_outage_known(c->d))
		flags |= PA_AUTH_OUTAGE;
	r = pa_auth_login(conf, &c->d->log, user, pin, now, flags, &ar, &pend);
	if (ar.online_tried)
		pd_outage_report(c->d, ar.online_status, ar.online_detail);
	*replied = 1;
	if (r == PA_ERR_MFA_PENDING)
		r = auth_mfa_reply(c, conf, user, pin, now, res);
	else {
		if (r == PA_OK)
			r = pd_login_add(c->d->state, user, c->uid, &ar.claims,
			    &ar.tokens, ar.offline, now, id);
		(void)pd_auth_reply(c, res, r, r == PA_OK ? id : NULL,
		    ar.offline);
	}
	pd_auth_finish(c, conf, &pend);
 out:
	pa_auth_result_clear(&ar);
	pa_strfreezero(pin);
	free(user);
	return r == PA_ERR_BAD_RESPONSE ? PA_ERR_ARG : r;
}

struct gate_arg {
	const struct pa_msg *req;
	int status;
};

/* The lists the client's module arguments gave. */
int
pd_gate_lists(const struct pa_msg *req, uint16_t tag, char ***v, size_t *n)
{
	size_t pos = 0;
	char *role;
	int r;

	*v = NULL;
	*n = 0;
	while ((r = pa_msg_next(req, tag, &pos, &role)) == PA_OK) {
		r = pa_strv_add_unique(v, n, 64, role);
		free(role);
		if (r != PA_OK)
			return r;
	}
	return r == PA_ERR_NOT_FOUND ? PA_OK : r;
}

static int
gate(const struct pa_msg *req, char *const *roles, size_t nroles)
{
	char **allow = NULL, **deny = NULL;
	size_t nallow = 0, ndeny = 0;
	int r;

	if ((r = pd_gate_lists(req, PA_F_ALLOW_ROLE, &allow, &nallow)) ==
	    PA_OK && (r = pd_gate_lists(req, PA_F_DENY_ROLE, &deny, &ndeny)) ==
	    PA_OK)
		r = pa_roles_gate(roles, nroles, nallow ? allow : NULL, nallow,
		    ndeny ? deny : NULL, ndeny);
	pa_strv_free(allow, nallow);
	pa_strv_free(deny, ndeny);
	return r;
}

static int
gate_login(const struct pd_login *l, void *argp)
{
	struct gate_arg *a = argp;

	a->status = gate(a->req, l->claims->roles, l->claims->nroles);
	return PA_OK;
}

int
pd_handle_account(struct pd_conn *c, const struct pa_msg *req,
    struct pa_msg *res)
{
	const struct pa_conf *conf;
	struct pa_cache_record *rec = NULL;
	struct gate_arg a = { req, PA_ERR_INTERNAL };
	char *user = NULL, *id = NULL, q[PA_QUOTE_MAX];
	long long now = (long long)time(NULL);
	int r, cached = 0;

	(void)res;
	if ((r = pa_msg_get_str(req, PA_F_USER, &user)) != PA_OK)
		goto out;
	if ((r = pd_conf_of(c, &conf)) != PA_OK) {
		/* Local accounts stay pam_unix's while the config is broken. */
		if (pa_auth_local_name(user))
			r = PA_ERR_NOT_FOUND;
		goto out;
	}
	pa_log_quote(user, q, sizeof(q));
	if (pa_msg_get_str(req, PA_F_LOGIN_ID, &id) == PA_OK &&
	    pd_login_with(c->d->state, id, user, c->uid, now, gate_login,
	    &a) == PA_OK)
		r = a.status;
	else {
		/*
		 * Authentication happened elsewhere, or not at all: a staff
		 * member we know still meets the role gate, with the roles
		 * the service last vouched for.
		 */
		cached = 1;
		if ((r = pa_auth_staff_name(conf, &c->d->log, user)) != PA_OK ||
		    (r = pa_auth_known_staff(conf, user, now, &rec)) != PA_OK) {
			if (r != PA_ERR_NOT_FOUND && r != PA_ERR_USERNAME)
				pa_log(&c->d->log, LOG_ERR, "user \"%s\": "
				    "account denied, cached roles unreadable: "
				    "%s", q, pa_strerror(r));
			goto out;
		}
		r = gate(req, rec->roles, rec->nroles);
	}
	pa_log(&c->d->log, r == PA_OK ? LOG_DEBUG : LOG_NOTICE,
	    "user \"%s\": account %s by role gate%s", q,
	    r == PA_OK ? "allowed" : "denied", cached ? " (cached roles)" : "");
 out:
	pa_cache_record_free(rec);
	free(user);
	free(id);
	return r == PA_ERR_BAD_RESPONSE ? PA_ERR_ARG : r;
}
