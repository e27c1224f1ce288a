/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "claims.h"
#include "err.h"
#include "hex.h"
#include "mfa.h"
#include "oidc.h"
#include "secret.h"
#include "state.h"
#include "strv.h"

#define RATE_SLOTS 256

struct rate {
	uid_t uid;
	int used;
	long long at[PD_RATE_ATTEMPTS];	/* times of the last attempts */
	unsigned next;
};

struct pd_state {
	pthread_mutex_t lock;
	struct pd_login **logins;
	size_t nlogins;
	struct pd_session **sessions;
	size_t nsessions;
	struct pd_mfa_pending **mfas;
	size_t nmfas;
	struct rate rates[RATE_SLOTS];
};

static int
new_id(char id[PD_ID_LEN + 1])
{
	unsigned char rnd[PD_ID_LEN / 2];
	ssize_t n;

	do
		n = getrandom(rnd, sizeof(rnd), 0);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(rnd))
		return PA_ERR_SYSTEM;
	pa_hex_encode(rnd, sizeof(rnd), id);
	id[PD_ID_LEN] = '\0';
	return PA_OK;
}

static void
login_free(struct pd_login *l)
{
	if (l == NULL)
		return;
	free(l->user);
	pa_claims_free(l->claims);
	pa_tokens_free(l->tokens);
	pa_freezero(l, sizeof(*l));
}

void
pd_session_free(struct pd_session *ss)
{
	if (ss == NULL)
		return;
	free(ss->user);
	pa_strfreezero(ss->refresh_token);
	free(ss->service);
	free(ss->logind_id);
	pa_strv_free(ss->allow, ss->nallow);
	pa_strv_free(ss->deny, ss->ndeny);
	pa_freezero(ss, sizeof(*ss));
}

int
pd_state_new(struct pd_state **out)
{
	struct pd_state *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return PA_ERR_ALLOC;
	if (pthread_mutex_init(&s->lock, NULL) != 0) {
		free(s);
		return PA_ERR_SYSTEM;
	}
	*out = s;
	return PA_OK;
}

void
pd_state_free(struct pd_state *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nlogins; i++)
		login_free(s->logins[i]);
	for (i = 0; i < s->nsessions; i++)
		pd_session_free(s->sessions[i]);
	for (i = 0; i < s->nmfas; i++)
		pd_mfa_pending_free(s->mfas[i]);
	free(s->mfas);
	free(s->logins);
	free(s->sessions);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

/* Drops logins nobody opened a session for in time. Lock held. */
static void
sweep_logins(struct pd_state *s, long long now)
{
	size_t i = 0;

	while (i < s->nlogins) {
		if (now - s->logins[i]->created <= PD_LOGIN_TTL) {
			i++;
			continue;
		}
		login_free(s->logins[i]);
		s->logins[i] = s->logins[--s->nlogins];
	}
}

int
pd_login_add(struct pd_state *s, const char *user, uid_t by_uid,
    struct pa_claims **claims, struct pa_tokens **tokens, int offline,
    long long now, char id[PD_ID_LEN + 1])
{
	struct pd_login *l, **tmp;
	int r;

	if ((l = calloc(1, sizeof(*l))) == NULL) {
		r = PA_ERR_ALLOC;
		goto fail;
	}
	l->claims = *claims;
	l->tokens = *tokens;
	*claims = NULL;
	*tokens = NULL;
	l->by_uid = by_uid;
	l->offline = offline;
	l->created = now;
	if ((r = new_id(l->id)) != PA_OK)
		goto fail;
	if ((l->user = strdup(user)) == NULL) {
		r = PA_ERR_ALLOC;
		goto fail;
	}
	pthread_mutex_lock(&s->lock);
	sweep_logins(s, now);
	r = PA_ERR_TOO_LARGE;
	if (s->nlogins < PD_MAX_LOGINS && (tmp = reallocarray(s->logins,
	    s->nlogins + 1, sizeof(*tmp))) != NULL) {
		s->logins = tmp;
		s->logins[s->nlogins++] = l;
		memcpy(id, l->id, sizeof(l->id));
		r = PA_OK;
	}
	pthread_mutex_unlock(&s->lock);
	if (r == PA_OK)
		return PA_OK;
 fail:
	login_free(l);
	pa_claims_free(*claims);
	pa_tokens_free(*tokens);
	*claims = NULL;
	*tokens = NULL;
	return r;
}

/* Lock held. */
static struct pd_login *
login_find(struct pd_state *s, const char *id, size_t *idx)
{
	size_t i;

	for (i = 0; id != NULL && i < s->nlogins; i++)
		if (pa_secret_equal(s->logins[i]->id, id, PD_ID_LEN) &&
		    strlen(id) == PD_ID_LEN) {
			*idx = i;
			return s->logins[i];
		}
	return NULL;
}

int
pd_login_with(struct pd_state *s, const char *id, const char *user,
    uid_t by_uid, long long now,
    int (*fn)(const struct pd_login *l, void *arg), void *arg)
{
	struct pd_login *l;
	size_t i;
	int r = PA_ERR_NOT_FOUND;

	pthread_mutex_lock(&s->lock);
	sweep_logins(s, now);
	if ((l = login_find(s, id, &i)) != NULL &&
	    strcmp(l->user, user) == 0 && (by_uid == 0 || l->by_uid == by_uid))
		r = fn(l, arg);
	pthread_mutex_unlock(&s->lock);
	return r;
}

void
pd_login_drop(struct pd_state *s, const char *id)
{
	struct pd_login *l;
	size_t i;

	pthread_mutex_lock(&s->lock);
	if ((l = login_find(s, id, &i)) != NULL) {
		s->logins[i] = s->logins[--s->nlogins];
		login_free(l);
	}
	pthread_mutex_unlock(&s->lock);
}

int
pd_session_new(const char *user, long long now, struct pd_session **out)
{
	struct pd_session *ss;

	*out = NULL;
	if ((ss = calloc(1, sizeof(*ss))) == NULL)
		return PA_ERR_ALLOC;
	if ((ss->user = strdup(user)) == NULL) {
		free(ss);
		return PA_ERR_ALLOC;
	}
	ss->opened = now;
	ss->due = LLONG_MAX;
	*out = ss;
	return PA_OK;
}

int
pd_session_add(struct pd_state *s, struct pd_session **ssp,
    char id[PD_ID_LEN + 1])
{
	struct pd_session *ss = *ssp, **tmp;
	int r;

	*ssp = NULL;
	if ((r = new_id(ss->id)) != PA_OK)
		goto fail;
	pthread_mutex_lock(&s->lock);
	r = PA_ERR_TOO_LARGE;
	if (s->nsessions < PD_MAX_SESSIONS && (tmp = reallocarray(s->sessions,
	    s->nsessions + 1, sizeof(*tmp))) != NULL) {
		s->sessions = tmp;
		s->sessions[s->nsessions++] = ss;
		memcpy(id, ss->id, sizeof(ss->id));
		r = PA_OK;
	}
	pthread_mutex_unlock(&s->lock);
	if (r == PA_OK)
		return PA_OK;
 fail:
	pd_session_free(ss);
	return r;
}

struct pd_session *
pd_session_take(struct pd_state *s, const char *id, const char *user)
{
	struct pd_session *ss = NULL;
	size_t i;

	if (id == NULL || strlen(id) != PD_ID_LEN)
		return NULL;
	pthread_mutex_lock(&s->lock);
	for (i = 0; i < s->nsessions; i++)
		if (pa_secret_equal(s->sessions[i]->id, id, PD_ID_LEN) &&
		    strcmp(s->sessions[i]->user, user) == 0) {
			ss = s->sessions[i];
			s->sessions[i] = s->sessions[--s->nsessions];
			break;
		}
	pthread_mutex_unlock(&s->lock);
	return ss;
}

void
pd_follow_job_clear(struct pd_follow_job *job)
{
	free(job->user);
	pa_strfreezero(job->refresh_token);
	memset(job, 0, sizeof(*job));
}

/* Lock held. */
static int
followed(const struct pd_session *ss)
{
	return ss->refresh_token != NULL && !ss->busy && ss->due != LLONG_MAX;
}

int
pd_follow_take(struct pd_state *s, long long mono, struct pd_follow_job *job)
{
	struct pd_session *ss = NULL;
	size_t i;
	int r = PA_ERR_NOT_FOUND;

	memset(job, 0, sizeof(*job));
	pthread_mutex_lock(&s->lock);
	for (i = 0; i < s->nsessions && ss == NULL; i++)
		if (followed(s->sessions[i]) && s->sessions[i]->due <= mono)
			ss = s->sessions[i];
	if (ss != NULL) {
		r = PA_ERR_ALLOC;
		if ((job->user = strdup(ss->user)) != NULL &&
		    (job->refresh_token = strdup(ss->refresh_token)) != NULL) {
			memcpy(job->id, ss->id, sizeof(job->id));
			job->attempts = ss->attempts;
			ss->busy = 1;
			r = PA_OK;
		}
	}
	pthread_mutex_unlock(&s->lock);
	if (r != PA_OK)
		pd_follow_job_clear(job);
	return r;
}

long long
pd_follow_next(struct pd_state *s)
{
	long long next = LLONG_MAX;
	size_t i;

	pthread_mutex_lock(&s->lock);
	for (i = 0; i < s->nsessions; i++)
		if (followed(s->sessions[i]) && s->sessions[i]->due < next)
			next = s->sessions[i]->due;
	pthread_mutex_unlock(&s->lock);
	return next;
}

void
pd_follow_done(struct pd_state *s, const struct pd_follow_job *job,
    void (*fn)(struct pd_session *ss, void *arg), void *arg)
{
	struct pd_session *ss = NULL;
	size_t i;

	pthread_mutex_lock(&s->lock);
	for (i = 0; i < s->nsessions && ss == NULL; i++)
		if (memcmp(s->sessions[i]->id, job->id, PD_ID_LEN) == 0)
			ss = s->sessions[i];
	if (ss != NULL)
		ss->busy = 0;
	fn(ss, arg);
	pthread_mutex_unlock(&s->lock);
}

/* The slot of uid: its own, a free one, or the one quiet longest. */
static struct rate *
rate_slot(struct pd_state *s, uid_t uid)
{
	struct rate *best = NULL;
	long long newest, best_newest = 0;
	unsigned i, j;

	for (i = 0; i < RATE_SLOTS; i++)
		if (s->rates[i].used && s->rates[i].uid == uid)
			return &s->rates[i];
	for (i = 0; i < RATE_SLOTS; i++) {
		if (!s->rates[i].used) {
			best = &s->rates[i];
			break;
		}
		for (newest = 0, j = 0; j < PD_RATE_ATTEMPTS; j++)
			if (s->rates[i].at[j] > newest)
				newest = s->rates[i].at[j];
		if (best == NULL || newest < best_newest) {
			best = &s->rates[i];
			best_newest = newest;
		}
	}
	memset(best, 0, sizeof(*best));
	best->used = 1;
	best->uid = uid;
	return best;
}

int
pd_rate_allow(struct pd_state *s, uid_t uid, long long now)
{
	struct rate *rt;
	unsigned i, recent = 0;
	int ok;

	pthread_mutex_lock(&s->lock);
	rt = rate_slot(s, uid);
	for (i = 0; i < PD_RATE_ATTEMPTS; i++)
		if (rt->at[i] != 0 && now - rt->at[i] < PD_RATE_WINDOW)
			recent++;
	ok = recent < PD_RATE_ATTEMPTS;
	if (ok) {
		rt->at[rt->next] = now;
		rt->next = (rt->next + 1) % PD_RATE_ATTEMPTS;
	}
	pthread_mutex_unlock(&s->lock);
	return ok;
}

void
pd_mfa_pending_free(struct pd_mfa_pending *p)
{
	if (p == NULL)
		return;
	free(p->user);
	pa_strfreezero(p->pin);
	pa_mfa_free(p->mfa);
	pa_freezero(p, sizeof(*p));
}

/* Drops second factors whose code expired without a wait. Lock held. */
static void
sweep_mfas(struct pd_state *s, long long now)
{
	size_t i = 0;

	while (i < s->nmfas) {
		if (now < s->mfas[i]->mfa->expires_at &&
		    now - s->mfas[i]->created <= PD_LOGIN_TTL) {
			i++;
			continue;
		}
		pd_mfa_pending_free(s->mfas[i]);
		s->mfas[i] = s->mfas[--s->nmfas];
	}
}

int
pd_mfa_add(struct pd_state *s, const char *user, uid_t by_uid,
    const char *pin, struct pa_mfa **mfa, long long now,
    char id[PD_ID_LEN + 1])
{
	struct pd_mfa_pending *p, **tmp;
	int r = PA_ERR_ALLOC;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		pa_mfa_free(*mfa);
		*mfa = NULL;
		return PA_ERR_ALLOC;
	}
	p->mfa = *mfa;
	*mfa = NULL;
	p->by_uid = by_uid;
	p->created = now;
	if ((p->user = strdup(user)) == NULL ||
	    (p->pin = strdup(pin)) == NULL ||
	    (r = new_id(p->id)) != PA_OK)
		goto fail;
	pthread_mutex_lock(&s->lock);
	sweep_mfas(s, now);
	r = PA_ERR_TOO_LARGE;
	if (s->nmfas < PD_MAX_MFA && (tmp = reallocarray(s->mfas,
	    s->nmfas + 1, sizeof(*tmp))) != NULL) {
		s->mfas = tmp;
		s->mfas[s->nmfas++] = p;
		memcpy(id, p->id, sizeof(p->id));
		r = PA_OK;
	}
	pthread_mutex_unlock(&s->lock);
	if (r == PA_OK)
		return PA_OK;
 fail:
	pd_mfa_pending_free(p);
	return r;
}

struct pd_mfa_pending *
pd_mfa_take(struct pd_state *s, const char *id, const char *user,
    uid_t by_uid, long long now)
{
	struct pd_mfa_pending *p = NULL;
	size_t i;

	if (id == NULL || strlen(id) != PD_ID_LEN)
		return NULL;
	pthread_mutex_lock(&s->lock);
	sweep_mfas(s, now);
	for (i = 0; i < s->nmfas; i++) {
		if (!pa_secret_equal(s->mfas[i]->id, id, PD_ID_LEN))
			continue;
		if (strcmp(s->mfas[i]->user, user) == 0 &&
		    (by_uid == 0 || s->mfas[i]->by_uid == by_uid)) {
			p = s->mfas[i];
			s->mfas[i] = s->mfas[--s->nmfas];
		}
		break;
	}
	pthread_mutex_unlock(&s->lock);
	return p;
}
