/* SPDX-License-Identifier: MIT */
/*
 * One connection: hello, one request, who is asking (SO_PEERCRED), the
 * rules of who may ask what, the handler, the answer.
 *
 * Root may ask everything. A caller of another uid may ask whether a name
 * is staff, and may authenticate, and have the account checked of, only
 * the staff member whose uid it runs as (a lock screen unlocking its own
 * session), within its own rate limit; posauthctl token and dpop-proof
 * of its own session are the admin handler's to allow. Anything else from it is
 * refused and logged.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "daemon.h"
#include "err.h"
#include "state.h"

static const char *
type_name(uint8_t type)
{
	switch (type) {
	case PA_MSG_CHECK_USER: return "check-user";
	case PA_MSG_AUTH: return "auth";
	case PA_MSG_ACCOUNT: return "account";
	case PA_MSG_OPEN_SESSION: return "open-session";
	case PA_MSG_CLOSE_SESSION: return "close-session";
	case PA_MSG_ADMIN: return "admin";
	case PA_MSG_MFA_WAIT: return "mfa-wait";
	}
	return "unknown";
}

/*
 * The hello goes out from the accept loop, before the connection waits
 * for a thread: a client bounds its wait by it, and a busy service must
 * not look like a hung one.
 */
int
pd_send_hello(struct pd_conn *c)
{
	struct pa_msg m;
	uint32_t timeout_ms = PD_DEFAULT_TIMEOUT_MS;
	int r;

	if (c->conf != NULL && c->conf->status == PA_OK)
		timeout_ms = (uint32_t)c->conf->conf->timeout * 1000;
	pa_msg_init(&m, PA_MSG_HELLO);
	if ((r = pa_msg_put_u32(&m, PA_F_VERSION, PA_PROTO_VERSION)) ==
	    PA_OK && (r = pa_msg_put_u32(&m, PA_F_TIMEOUT_MS, timeout_ms)) ==
	    PA_OK)
		r = pa_proto_send(c->fd, &m, pa_proto_now_ms() + 100);
	pa_msg_clear(&m);
	return r;
}

int
pd_conf_of(struct pd_conn *c, const struct pa_conf **conf)
{
	*conf = NULL;
	if (c->conf == NULL)
		return PA_ERR_ALLOC;
	if (c->conf->status != PA_OK)
		return c->conf->status;
	*conf = c->conf->conf;
	return PA_OK;
}

int
pd_reply(struct pd_conn *c, struct pa_msg *result)
{
	return pa_proto_send(c->fd, result, pa_proto_now_ms() + PD_REQUEST_MS);
}

/*
 * A caller that is not root may ask only about itself: the user it names
 * must be the staff member whose uid it runs as.
 */
static int
peer_is_user(struct pd_conn *c, const struct pa_msg *req)
{
	char *user = NULL;
	uid_t uid;
	gid_t gid;
	int r = 0;

	if (c->conf == NULL || c->conf->status != PA_OK ||
	    pa_msg_get_str(req, PA_F_USER, &user) != PA_OK)
		goto out;
	r = pd_staff_uid(c->conf->conf, user, &uid, &gid) == PA_OK &&
	    uid == c->uid;
 out:
	free(user);
	return r;
}

/* PA_OK when this caller may make this request now. */
static int
authorize(struct pd_conn *c, const struct pa_msg *req)
{
	if (c->uid == 0)
		return PA_OK;
	switch (req->type) {
	case PA_MSG_CHECK_USER:
	case PA_MSG_ADMIN:	/* the handler says what is whose */
		return PA_OK;
	case PA_MSG_AUTH:
		if (!peer_is_user(c, req))
			return PA_ERR_FORBIDDEN;
		return pd_rate_allow(c->d->state, c->uid, (long long)time(NULL)) ?
		    PA_OK : PA_ERR_RATE;
	case PA_MSG_ACCOUNT:
	case PA_MSG_MFA_WAIT:	/* the id is bound to the uid as well */
		return peer_is_user(c, req) ? PA_OK : PA_ERR_FORBIDDEN;
	default:
		return PA_ERR_FORBIDDEN;
	}
}

static int
dispatch(struct pd_conn *c, const struct pa_msg *req, struct pa_msg *res,
    int *replied)
{
	switch (req->type) {
	case PA_MSG_CHECK_USER:
		return pd_handle_check_user(c, req, res);
	case PA_MSG_AUTH:
		return pd_handle_auth(c, req, res, replied);
	case PA_MSG_ACCOUNT:
		return pd_handle_account(c, req, res);
	case PA_MSG_OPEN_SESSION:
		return pd_handle_open(c, req, res);
	case PA_MSG_CLOSE_SESSION:
		return pd_handle_close(c, req, res);
	case PA_MSG_ADMIN:
		return pd_handle_admin(c, req, res);
	case PA_MSG_MFA_WAIT:
		return pd_handle_mfa_wait(c, req, res, replied);
	}
	return PA_ERR_ARG;
}

void
pd_conn_serve(struct pd_conn *c)
{
	struct pa_msg req, res;
	char why[160];
	int r, replied = 0, started = 0;

	pa_msg_init(&req, 0);
	pa_msg_init(&res, PA_MSG_RESULT);
	r = pa_proto_recv(c->fd, &req, pa_proto_now_ms() + PD_REQUEST_MS, why,
	    sizeof(why));
	if (r == PA_ERR_UNREACHABLE)
		goto out;	/* the client went away: nothing to say */
	if (r != PA_OK || req.type == PA_MSG_HELLO ||
	    req.type == PA_MSG_RESULT) {
		pa_log(&c->d->log, LOG_WARNING, "request from uid %lu pid %ld "
		    "refused: %s", (unsigned long)c->uid, (long)c->pid,
		    r != PA_OK ? why : "not a request");
		r = r == PA_ERR_BAD_RESPONSE || r == PA_OK ? PA_ERR_ARG : r;
		goto answer;
	}
	pa_log(&c->d->log, LOG_DEBUG, "%s request from uid %lu pid %ld: "
	    "start", type_name(req.type), (unsigned long)c->uid, (long)c->pid);
	started = 1;
	if ((r = authorize(c, &req)) != PA_OK) {
		pa_log(&c->d->log, LOG_WARNING, "%s request from uid %lu pid "
		    "%ld refused: %s", type_name(req.type),
		    (unsigned long)c->uid, (long)c->pid, pa_strerror(r));
		goto answer;
	}
	r = dispatch(c, &req, &res, &replied);
 answer:
	if (!replied && pa_msg_put_i32(&res, PA_F_STATUS, r) == PA_OK)
		(void)pd_reply(c, &res);
	/* Tests wait for this line: everything of the request is done. */
	if (started)
		pa_log(&c->d->log, LOG_DEBUG, "%s request from uid %lu pid "
		    "%ld: done (%s)", type_name(req.type),
		    (unsigned long)c->uid, (long)c->pid, pa_strerror(r));
 out:
	pa_msg_clear(&req);
	pa_msg_clear(&res);
	pd_conf_put(c->d, c->conf);
	c->conf = NULL;
}
