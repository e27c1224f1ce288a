/* SPDX-License-Identifier: MIT */
/*
 * MFA_WAIT: the second half of a login that needs the second factor.
 * The connection stays open while the person reaches for their phone;
 * this thread polls the token endpoint (RFC 8628 §3.4) at the interval
 * the service asked, slower after each slow_down, until the grant ends,
 * the code expires or the client goes away.
 */
#include "config.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "authflow.h"
#include "claims.h"
#include "conf.h"
#include "daemon.h"
#include "err.h"
#include "log.h"
#include "login.h"
#include "mfa.h"
#include "state.h"

/*
 * Sleeps ms unless the client hangs up or sends anything (it has nothing
 * more to say in this protocol): then 1, and the wait is abandoned.
 */
static int
client_gone(int fd, long long ms)
{
	struct pollfd p = { fd, POLLIN | POLLRDHUP, 0 };
	long long end = pd_mono_ms() + ms, left;
	int n;

	while ((left = end - pd_mono_ms()) > 0) {
		n = poll(&p, 1, left > 1000 ? 1000 : (int)left);
		if (n > 0)
			return 1;
	}
	return 0;
}

/*
 * Polls until the grant ends. An unreachable service is polled again
 * until the code expires (a phone approval outlives a dropped packet);
 * if it is still unreachable then, that is the answer.
 */
static int
mfa_poll_loop(struct pd_conn *c, const struct pa_conf *conf,
    struct pd_mfa_pending *p, struct pa_login_result *lr, int *gone)
{
	long long now, wait;
	int r, unreachable = 0;

	for (;;) {
		now = (long long)time(NULL);
		if (now >= p->mfa->expires_at)
			return unreachable ? PA_ERR_UNREACHABLE :
			    PA_ERR_MFA_EXPIRED;
		wait = p->mfa->interval;
		if (wait > p->mfa->expires_at - now)
			wait = p->mfa->expires_at - now;
		if (client_gone(c->fd, wait * 1000)) {
			*gone = 1;
			return PA_ERR_MFA_DENIED;
		}
		pa_login_result_clear(lr);
		r = pa_mfa_poll(conf, &c->d->log, p->user, p->mfa,
		    (long long)time(NULL), lr);
		if (r == PA_ERR_UNREACHABLE)
			pd_outage_report(c->d, r, lr->detail);
		else if (pa_failure_class(r) != PA_CLASS_LOCAL)
			pd_outage_report(c->d, PA_OK, "");
		unreachable = r == PA_ERR_UNREACHABLE;
		if (r != PA_ERR_MFA_PENDING && r != PA_ERR_UNREACHABLE)
			return r;
	}
}

static void
mfa_log_end(struct pd_conn *c, const char *user, int r, int gone)
{
	char q[PA_QUOTE_MAX];

	pa_log_quote(user, q, sizeof(q));
	if (gone)
		pa_log(&c->d->log, LOG_NOTICE, "user \"%s\": second factor "
		    "abandoned, the client went away", q);
	else if (r == PA_OK)
		pa_log(&c->d->log, LOG_INFO, "user \"%s\": second factor "
		    "accepted", q);
	else
		pa_log(&c->d->log, r == PA_ERR_UNREACHABLE ? LOG_WARNING :
		    LOG_NOTICE, "user \"%s\": login denied, second factor: %s",
		    q, pa_strerror(r));
}

int
pd_handle_mfa_wait(struct pd_conn *c, const struct pa_msg *req,
    struct pa_msg *res, int *replied)
{
	const struct pa_conf *conf;
	struct pd_mfa_pending *p = NULL;
	struct pa_login_result lr;
	struct pa_auth_result ar;
	struct pa_auth_pending pend;
	char *user = NULL, *mfa_id = NULL, id[PD_ID_LEN + 1];
	long long now = (long long)time(NULL);
	int r, gone = 0;

	memset(&lr, 0, sizeof(lr));
	memset(&ar, 0, sizeof(ar));
	memset(&pend, 0, sizeof(pend));
	if ((r = pd_conf_of(c, &conf)) != PA_OK ||
	    (r = pa_msg_get_str(req, PA_F_USER, &user)) != PA_OK ||
	    (r = pa_msg_get_str(req, PA_F_MFA_ID, &mfa_id)) != PA_OK)
		goto out;
	/* Someone else's, spent, or expired: all the same to the caller. */
	if ((p = pd_mfa_take(c->d->state, mfa_id, user, c->uid, now)) ==
	    NULL) {
		r = PA_ERR_NOT_FOUND;
		goto out;
	}
	r = mfa_poll_loop(c, conf, p, &lr, &gone);
	mfa_log_end(c, p->user, r, gone);
	if (gone)
		goto out;
	now = (long long)time(NULL);
	if (r == PA_OK) {
		pa_auth_mfa_done(conf, &c->d->log, p->user, p->pin, &lr, now,
		    &ar, &pend);
		r = pd_login_add(c->d->state, p->user, c->uid, &ar.claims,
		    &ar.tokens, 0, now, id);
	}
	*replied = 1;
	(void)pd_auth_reply(c, res, r, r == PA_OK ? id : NULL, 0);
	pd_auth_finish(c, conf, &pend);
 out:
	pa_login_result_clear(&lr);
	pa_auth_result_clear(&ar);
	pd_mfa_pending_free(p);
	free(user);
	free(mfa_id);
	return r == PA_ERR_BAD_RESPONSE ? PA_ERR_ARG : r;
}
