/* SPDX-License-Identifier: MIT */
/*
 * Open sessions follow the token service: their access tokens are
 * refreshed before they expire, their roles re-applied, and a refused
 * refresh ends what the session may do. A demoted cashier who kept admin
 * rights because an old token was still trusted is why.
 *
 * The worker takes one due session at a time out of the state (marked
 * busy), refreshes it without any lock held, and puts the outcome back
 * under the state lock; a close meanwhile wins, and the refresh token
 * the service just rotated is then revoked, not leaked.
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "authflow.h"
#include "claims.h"
#include "conf.h"
#include "daemon.h"
#include "err.h"
#include "oidc.h"
#include "refresh.h"
#include "roles.h"
#include "secret.h"
#include "session.h"
#include "state.h"

#define FOLLOW_PER_TICK		32	/* refreshes before the others run */
#define FOLLOW_RETRY_MIN_MS	1000LL	/* first retry, at the shortest */
#define FOLLOW_RETRY_BASE_MS	5000LL
#define FOLLOW_OUTAGE_MS	10000LL	/* look again while known down */

/* One refresh's outcome, applied to its session under the state lock. */
struct apply {
	struct pd *d;
	const struct pa_conf *conf;
	struct pa_refresh *rf;
	int status;
	long long now, mono;
	long long period_ms;		/* jittered */
	long long retry_ms;		/* backoff for this attempt */
	/* for after the lock */
	const char *reason;		/* an action is due: why */
	char *logind_id;
	char *orphan;			/* a rotated refresh token to revoke */
};

static long long
period_ms(const struct pa_conf *conf)
{
	return conf->session_refresh * 1000LL;
}

/* Retries start soon and grow to the period (never far past it). */
static long long
retry_ms(struct pd *d, const struct pa_conf *conf, unsigned attempt)
{
	long long base = FOLLOW_RETRY_BASE_MS, cap = period_ms(conf);

	if (base > cap)
		base = cap;
	if (base < FOLLOW_RETRY_MIN_MS)
		base = FOLLOW_RETRY_MIN_MS;
	if (cap < base)
		cap = base;
	return pd_bg_backoff(d, attempt, base, cap);
}

/* The rotated refresh token replaces the spent one (wiped). */
static void
take_refresh_token(struct pd_session *ss, struct pa_tokens *t)
{
	if (t == NULL || t->refresh_token == NULL)
		return;
	pa_strfreezero(ss->refresh_token);
	ss->refresh_token = t->refresh_token;
	t->refresh_token = NULL;
}

/* The POS application reads the new access token from the same place. */
static void
rewrite_token_file(struct apply *a, struct pd_session *ss, const char *q)
{
	const char *tok = a->rf->tokens->access_token;
	int r;

	if (!ss->file.have || tok == NULL)
		return;
	r = pa_session_rewrite_token_if(a->conf->runtime_dir, ss->user,
	    ss->uid, ss->gid, tok, &ss->file);
	if (r == PA_ERR_NOT_FOUND) {
		/* A newer session of the same user wrote it: theirs now. */
		ss->file.have = 0;
		pa_log(&a->d->log, LOG_INFO, "user \"%s\": session token file "
		    "belongs to a newer session, not rewritten", q);
	} else if (r != PA_OK)
		pa_log(&a->d->log, LOG_ERR, "user \"%s\": session token file "
		    "not rewritten: %s", q, pa_strerror(r));
}

/* Roles that no longer pass the gate the session was opened through. */
static void
regate(struct apply *a, struct pd_session *ss, const char *q)
{
	const struct pa_claims *cl = a->rf->claims;
	int r;

	r = pa_roles_gate(cl->roles, cl->nroles, ss->nallow ? ss->allow :
	    NULL, ss->nallow, ss->ndeny ? ss->deny : NULL, ss->ndeny);
	if (r == PA_OK) {
		ss->gate_failed = 0;
		return;
	}
	/* Acted on once; again only after the roles passed in between. */
	if (ss->gate_failed)
		return;
	ss->gate_failed = 1;
	a->reason = "roles";
	pa_log(&a->d->log, LOG_NOTICE, "user \"%s\": roles no longer pass "
	    "the role gate of service %s", q, ss->service ? ss->service :
	    "(unknown)");
}

static void
apply_success(struct apply *a, struct pd_session *ss, const char *q)
{
	const struct pa_tokens *t = a->rf->tokens;
	long long left;

	rewrite_token_file(a, ss, q);
	take_refresh_token(ss, a->rf->tokens);
	ss->access_life = t->expires_in;
	ss->access_exp = t->expires_in > 0 ? a->now + t->expires_in :
	    a->rf->claims->exp;
	ss->attempts = 0;
	left = (ss->access_exp - a->now) * 1000;
	ss->due = a->mono + pa_refresh_delay_ms(a->period_ms,
	    ss->access_life, left);
	regate(a, ss, q);
}

/*
 * The grant is over: the session keeps nothing to refresh with, and
 * the POS application no access token of it.
 */
static void
apply_refusal(struct apply *a, struct pd_session *ss, const char *q)
{
	int r;

	pa_strfreezero(ss->refresh_token);
	ss->refresh_token = NULL;
	ss->due = LLONG_MAX;
	if (ss->file.have && (r = pa_session_remove_token_if(
	    a->conf->runtime_dir, ss->user, &ss->file)) != PA_OK &&
	    r != PA_ERR_NOT_FOUND)
		pa_log(&a->d->log, LOG_ERR, "user \"%s\": session token file "
		    "not removed: %s", q, pa_strerror(r));
	ss->file.have = 0;
	a->reason = "revoked";
	pa_log(&a->d->log, LOG_NOTICE, "user \"%s\": the token service "
	    "ended the session's grant (%s)", q, a->rf->why);
}

/* Under the state lock: the session, or NULL when it closed meanwhile. */
static void
apply(struct pd_session *ss, void *arg)
{
	struct apply *a = arg;
	char q[PA_QUOTE_MAX];

	if (ss == NULL) {
		/* Closed while we asked: its new refresh token is ours to end. */
		if (a->rf->tokens != NULL && a->rf->tokens->refresh_token) {
			a->orphan = a->rf->tokens->refresh_token;
			a->rf->tokens->refresh_token = NULL;
		}
		return;
	}
	pa_log_quote(ss->user, q, sizeof(q));
	if (a->status == PA_OK)
		apply_success(a, ss, q);
	else if (a->rf->refused)
		apply_refusal(a, ss, q);
	else {
		/* Unreachable or a local failure: keep all, try again. */
		take_refresh_token(ss, a->rf->tokens);
		ss->attempts++;
		ss->due = a->mono + a->retry_ms;
		/* An answer that is not about the person: ours to fix. */
		pa_log(&a->d->log, a->status == PA_ERR_REJECTED ? LOG_ERR :
		    LOG_INFO, "user \"%s\": session refresh failed (%s)%s, "
		    "again in %lld ms", q, a->rf->why,
		    a->status == PA_ERR_REJECTED ? ", the session is kept: "
		    "check client_id and the client secret" : "",
		    a->retry_ms);
	}
	if (a->reason != NULL && ss->logind_id != NULL)
		a->logind_id = strdup(ss->logind_id);
}

/* What the service's answer says about its reach (outage.c). */
static void
report(struct pd *d, int status, const struct pa_refresh *rf)
{
	if (status == PA_OK || status == PA_ERR_UNREACHABLE)
		pd_outage_report(d, status, rf->why);
	else if (rf->refused)
		pd_outage_report(d, PA_ERR_REJECTED, rf->why);
}

/* One session's refresh, from the network to its consequences. */
static void
follow_one(struct pd *d, const struct pa_conf *conf, struct pd_follow_job *job)
{
	struct pa_refresh rf;
	struct apply a;

	memset(&a, 0, sizeof(a));
	a.now = (long long)time(NULL);
	a.status = pa_auth_session_refresh(conf, &d->log, job->user,
	    job->refresh_token, a.now, &rf);
	report(d, a.status, &rf);
	a.d = d;
	a.conf = conf;
	a.rf = &rf;
	a.mono = pd_mono_ms();
	a.period_ms = pd_bg_jitter(d, period_ms(conf), PD_FOLLOW_JITTER_PCT);
	a.retry_ms = retry_ms(d, conf, job->attempts);
	pd_follow_done(d->state, job, apply, &a);
	if (a.reason != NULL)
		pd_session_act(d, conf, job->user, a.logind_id, a.reason);
	if (a.orphan != NULL)
		pa_auth_session_end(conf, &d->log, job->user, a.orphan, NULL,
		    a.now);
	pa_strfreezero(a.orphan);
	free(a.logind_id);
	pa_refresh_clear(&rf);
}

long long
pd_follow_tick(struct pd *d, const struct pa_conf *conf, long long mono_ms)
{
	struct pd_follow_job job;
	int n;

	if (conf->session_refresh <= 0)
		return LLONG_MAX;
	/* Known down: the outage probe says when it is back. */
	if (pd_outage_known(d))
		return mono_ms + pd_bg_jitter(d, FOLLOW_OUTAGE_MS,
		    PD_FOLLOW_JITTER_PCT);
	for (n = 0; n < FOLLOW_PER_TICK; n++) {
		if (pd_follow_take(d->state, pd_mono_ms(), &job) != PA_OK)
			break;
		follow_one(d, conf, &job);
		pd_follow_job_clear(&job);
	}
	/* More were due: the other parts run first, then these. */
	if (n == FOLLOW_PER_TICK)
		return pd_mono_ms();
	return pd_follow_next(d->state);
}
