/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cache.h"
#include "claims.h"
#include "conf.h"
#include "err.h"
#include "kdf.h"
#include "offline.h"
#include "oidc.h"
#include "secret.h"
#include "strv.h"

long
pa_offline_grace_for(const struct pa_conf *conf, char *const *roles,
    size_t nroles)
{
	long grace = -1, g;
	size_t i, j;
	int allowed = 0;

	if (conf->offline_grace <= 0)
		return 0;
	for (i = 0; i < nroles; i++) {
		if (conf->offline_roles != NULL &&
		    !pa_strv_has(conf->offline_roles, conf->n_offline_roles,
		    roles[i]))
			continue;
		allowed = 1;
	}
	/* offline_roles unset means any staff member, even without roles. */
	if (conf->offline_roles == NULL)
		allowed = 1;
	if (!allowed)
		return 0;
	grace = conf->offline_grace;
	/* The most restricted role wins: a manager's shorter window applies
	 * to someone who is both cashier and manager. */
	for (i = 0; i < nroles; i++)
		for (j = 0; j < conf->n_role_grace; j++) {
			if (strcmp(conf->role_grace[j].role, roles[i]) != 0)
				continue;
			g = conf->role_grace[j].seconds;
			if (g < grace)
				grace = g;
		}
	return grace < 0 ? 0 : grace;
}

static int
dup_str(const char *s, char **out)
{
	*out = NULL;
	if (s == NULL)
		return PA_OK;
	return (*out = strdup(s)) == NULL ? PA_ERR_ALLOC : PA_OK;
}

/* What the roles gave: groups, gates, the tenant and store checks. */
static void
record_drop_claims(struct pa_cache_record *rec)
{
	pa_strv_free(rec->roles, rec->nroles);
	rec->roles = NULL;
	rec->nroles = 0;
	free(rec->tenant);
	free(rec->store);
	rec->tenant = rec->store = NULL;
}

/*
 * Drops claims and tokens from rec before a new login's are stored. The
 * old refresh token is forgotten, not revoked: it may belong to a session
 * still open here, which revokes it itself at logout.
 */
static void
record_wipe_identity(struct pa_cache_record *rec)
{
	record_drop_claims(rec);
	free(rec->name);
	free(rec->sub);
	rec->name = rec->sub = NULL;
	rec->has_uid = 0;
	rec->uid = 0;
	rec->token_exp = 0;
	OPENSSL_cleanse(&rec->verifier, sizeof(rec->verifier));
	rec->has_verifier = 0;
	pa_strfreezero(rec->access_token);
	rec->access_token = NULL;
	rec->access_exp = 0;
	pa_strfreezero(rec->refresh_token);
	rec->refresh_token = NULL;
}

/* What an online login leaves in rec; the verifier comes later. */
static int
remember_claims(struct pa_cache_record *rec, const struct pa_claims *cl,
    const struct pa_tokens *tokens, long long now)
{
	int r;

	record_wipe_identity(rec);
	if ((r = pa_strv_dup(cl->roles, cl->nroles, &rec->roles)) != PA_OK)
		return r;
	rec->nroles = cl->nroles;
	if ((r = dup_str(cl->tenant, &rec->tenant)) != PA_OK ||
	    (r = dup_str(cl->store, &rec->store)) != PA_OK ||
	    (r = dup_str(cl->name, &rec->name)) != PA_OK ||
	    (r = dup_str(cl->sub, &rec->sub)) != PA_OK)
		return r;
	rec->has_uid = cl->has_uid;
	rec->uid = cl->uid;
	rec->token_exp = cl->exp;
	rec->last_online = now;
	rec->failures = 0;
	rec->locked_until = 0;
	if (tokens != NULL) {
		if ((r = dup_str(tokens->refresh_token,
		    &rec->refresh_token)) != PA_OK ||
		    (r = dup_str(tokens->access_token,
		    &rec->access_token)) != PA_OK)
			return r;
		rec->access_exp = tokens->expires_in > 0 ?
		    now + tokens->expires_in : cl->exp;
	}
	return PA_OK;
}

/* The record under a held lock, or an empty one for a first login. */
static int
read_or_new(struct pa_cache *c, const char *user,
    struct pa_cache_record **rec)
{
	int r = pa_cache_get(c, user, rec);

	if (r != PA_ERR_NOT_FOUND && r != PA_ERR_CACHE_CORRUPT)
		return r;
	if ((*rec = calloc(1, sizeof(**rec))) == NULL ||
	    ((*rec)->user = strdup(user)) == NULL) {
		free(*rec);
		*rec = NULL;
		return PA_ERR_ALLOC;
	}
	return PA_OK;
}

int
pa_offline_remember_begin(struct pa_cache *c, const struct pa_conf *conf,
    const char *user, const struct pa_claims *claims,
    const struct pa_tokens *tokens, long long now, unsigned flags,
    struct pa_cache_lock **held)
{
	struct pa_cache_lock *lk = NULL;
	struct pa_cache_record *rec = NULL;
	int r;

	*held = NULL;
	if ((r = pa_cache_lock_user(c, user, &lk)) != PA_OK)
		return r;
	if ((r = read_or_new(c, user, &rec)) != PA_OK ||
	    (r = remember_claims(rec, claims, tokens, now)) != PA_OK)
		goto out;
	if (flags & PA_REMEMBER_MFA)
		rec->last_mfa = now;
	if ((r = pa_cache_put_locked(c, lk, rec)) != PA_OK)
		goto out;
	/* A token issued "now" by the service confirms our clock. */
	if (claims->has_iat && claims->iat <= now + conf->leeway &&
	    claims->iat >= now - conf->leeway)
		r = pa_cache_clock_set(c, now);
	else
		r = pa_cache_clock_advance(c, now);
	/* No verifier may exist while offline logins are off. */
	if (r == PA_OK && conf->offline_grace > 0) {
		*held = lk;
		lk = NULL;
	}
 out:
	pa_cache_record_free(rec);
	pa_cache_unlock(lk);
	return r;
}

int
pa_offline_remember_pin(struct pa_cache *c, const struct pa_conf *conf,
    struct pa_cache_lock *held, const char *user, const char *pin)
{
	struct pa_cache_record *rec = NULL;
	struct pa_verifier v;
	int r;

	memset(&v, 0, sizeof(v));
	if ((r = pa_kdf_make(pin, strlen(pin), conf->offline_kdf_cost,
	    &v)) != PA_OK)
		goto out;
	/* Read again: the record is what begin wrote, under the same lock. */
	if ((r = pa_cache_get(c, user, &rec)) != PA_OK)
		goto out;
	rec->verifier = v;
	rec->has_verifier = 1;
	r = pa_cache_put_locked(c, held, rec);
 out:
	OPENSSL_cleanse(&v, sizeof(v));
	pa_cache_record_free(rec);
	pa_cache_unlock(held);
	return r;
}

int
pa_offline_remember(struct pa_cache *c, const struct pa_conf *conf,
    const char *user, const char *pin, const struct pa_claims *claims,
    const struct pa_tokens *tokens, long long now)
{
	struct pa_cache_lock *held = NULL;
	int r;

	if ((r = pa_offline_remember_begin(c, conf, user, claims, tokens, now,
	    0, &held)) != PA_OK || held == NULL)
		return r;
	return pa_offline_remember_pin(c, conf, held, user, pin);
}

struct refreshed_arg {
	const char *old_refresh;
	const struct pa_claims *claims;
	const struct pa_tokens *tokens;
	long long now;
};

/* The claims of the refreshed token replace the record's; PIN state stays. */
static int
refreshed_claims(struct pa_cache_record *rec, const struct pa_claims *cl)
{
	char *name = NULL, *sub = NULL;
	int r;

	record_drop_claims(rec);
	if ((r = pa_strv_dup(cl->roles, cl->nroles, &rec->roles)) != PA_OK)
		return r;
	rec->nroles = cl->nroles;
	if ((r = dup_str(cl->tenant, &rec->tenant)) != PA_OK ||
	    (r = dup_str(cl->store, &rec->store)) != PA_OK ||
	    (r = dup_str(cl->name, &name)) != PA_OK ||
	    (r = dup_str(cl->sub, &sub)) != PA_OK) {
		free(name);
		return r;
	}
	free(rec->name);
	free(rec->sub);
	rec->name = name;
	rec->sub = sub;
	rec->has_uid = cl->has_uid;
	rec->uid = cl->uid;
	rec->token_exp = cl->exp;
	return PA_OK;
}

static int
refreshed_cb(struct pa_cache_record *rec, int exists, void *argp)
{
	const struct refreshed_arg *a = argp;
	const struct pa_tokens *t = a->tokens;
	char *access = NULL;
	int r;

	/* A record an administrator removed is not brought back by a refresh. */
	if (!exists)
		return PA_CACHE_KEEP;
	if ((r = refreshed_claims(rec, a->claims)) != PA_OK)
		return r;
	if (t->access_token != NULL &&
	    (access = strdup(t->access_token)) == NULL)
		return PA_ERR_ALLOC;
	pa_strfreezero(rec->access_token);
	rec->access_token = access;
	rec->access_exp = t->expires_in > 0 ? a->now + t->expires_in :
	    a->claims->exp;
	/* Only the latest login's own token is the record's to rotate. */
	if (rec->refresh_token != NULL && a->old_refresh != NULL &&
	    t->refresh_token != NULL &&
	    strcmp(rec->refresh_token, a->old_refresh) == 0) {
		pa_strfreezero(rec->refresh_token);
		if ((rec->refresh_token = strdup(t->refresh_token)) == NULL)
			return PA_ERR_ALLOC;
	}
	return 0;
}

int
pa_offline_refreshed(struct pa_cache *c, const char *user,
    const char *old_refresh, const struct pa_claims *claims,
    const struct pa_tokens *tokens, long long now)
{
	struct refreshed_arg a = { old_refresh, claims, tokens, now };

	return pa_cache_update(c, user, refreshed_cb, &a);
}

static int
forget_cb(struct pa_cache_record *rec, int exists, void *arg)
{
	const enum pa_forget *how = arg;

	if (!exists)
		return PA_ERR_NOT_FOUND;
	if (!rec->has_verifier && (*how == PA_FORGET_VERIFIER ||
	    (rec->nroles == 0 && rec->tenant == NULL && rec->store == NULL)))
		return PA_CACHE_KEEP;	/* nothing to take: no write */
	OPENSSL_cleanse(&rec->verifier, sizeof(rec->verifier));
	rec->has_verifier = 0;
	if (*how == PA_FORGET_CLAIMS)
		record_drop_claims(rec);
	return 0;
}

int
pa_offline_forget(struct pa_cache *c, const char *user, enum pa_forget how)
{
	int r = pa_cache_update(c, user, forget_cb, &how);

	return r == PA_ERR_NOT_FOUND ? PA_OK : r;
}

static int
claims_from_record(const struct pa_cache_record *rec,
    struct pa_claims **out)
{
	struct pa_claims *cl;
	int r = PA_ERR_ALLOC;

	*out = NULL;
	if ((cl = calloc(1, sizeof(*cl))) == NULL)
		return PA_ERR_ALLOC;
	if ((cl->username = strdup(rec->user)) == NULL ||
	    pa_strv_dup(rec->roles, rec->nroles, &cl->roles) != PA_OK ||
	    dup_str(rec->tenant, &cl->tenant) != PA_OK ||
	    dup_str(rec->store, &cl->store) != PA_OK ||
	    dup_str(rec->name, &cl->name) != PA_OK ||
	    dup_str(rec->sub, &cl->sub) != PA_OK)
		goto out;
	cl->nroles = rec->nroles;
	cl->uid = rec->uid;
	cl->has_uid = rec->has_uid;
	cl->exp = rec->token_exp;
	*out = cl;
	cl = NULL;
	r = PA_OK;
 out:
	pa_claims_free(cl);
	return r;
}

static int
same_text(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

int
pa_offline_eligible(const struct pa_conf *conf,
    const struct pa_cache_record *rec, long long now)
{
	long grace;

	/* A verifier kdf.c would refuse is as good as none. */
	if (!rec->has_verifier || rec->verifier.alg != PA_KDF_SCRYPT ||
	    rec->verifier.cost < PA_KDF_COST_MIN ||
	    rec->verifier.cost > PA_KDF_COST_MAX || rec->last_online <= 0)
		return PA_ERR_NOT_FOUND;
	if (rec->last_online > now + conf->leeway)
		return PA_ERR_CLOCK;
	grace = pa_offline_grace_for(conf, rec->roles, rec->nroles);
	if (grace <= 0 || now - rec->last_online > grace ||
	    pa_offline_mfa_ok(conf, rec, 0, now) != PA_OK)
		return PA_ERR_OFFLINE_DENIED;
	/* The terminal may have been moved to another store or tenant. */
	if ((conf->tenant != NULL && !same_text(rec->tenant, conf->tenant)) ||
	    (conf->store != NULL && !same_text(rec->store, conf->store)))
		return PA_ERR_OFFLINE_DENIED;
	if (rec->locked_until > now)
		return PA_ERR_LOCKED;
	return PA_OK;
}

int
pa_offline_roles_need_mfa(const struct pa_conf *conf, char *const *roles,
    size_t nroles)
{
	return conf->mfa_roles != NULL && pa_strv_intersect(conf->mfa_roles,
	    conf->n_mfa_roles, roles, nroles);
}

int
pa_offline_mfa_ok(const struct pa_conf *conf,
    const struct pa_cache_record *rec, int forced, long long now)
{
	if (!forced && !pa_offline_roles_need_mfa(conf, rec->roles,
	    rec->nroles))
		return PA_OK;
	/* A last_mfa from the future is as suspect as a turned-back clock. */
	if (conf->offline_mfa_grace <= 0 || rec->last_mfa <= 0 ||
	    rec->last_mfa > now + conf->leeway ||
	    now - rec->last_mfa > conf->offline_mfa_grace)
		return PA_ERR_OFFLINE_DENIED;
	return PA_OK;
}

long long
pa_offline_left(const struct pa_conf *conf,
    const struct pa_cache_record *rec, long long now)
{
	long grace;
	long long left;

	if (!rec->has_verifier || rec->last_online <= 0 ||
	    rec->last_online > now + conf->leeway)
		return 0;
	if ((grace = pa_offline_grace_for(conf, rec->roles, rec->nroles)) <= 0)
		return 0;
	left = rec->last_online + grace - now;
	/* The second factor's window may be the shorter one. */
	if (pa_offline_roles_need_mfa(conf, rec->roles, rec->nroles)) {
		if (pa_offline_mfa_ok(conf, rec, 1, now) != PA_OK)
			return 0;
		if (rec->last_mfa + conf->offline_mfa_grace - now < left)
			left = rec->last_mfa + conf->offline_mfa_grace - now;
	}
	return left > 0 ? left : 0;
}

/*
 * Counts the attempt that is about to be checked and locks the user when
 * it is the last one allowed. Persisted before the KDF runs, so nothing a
 * caller does to the process afterwards (kill it, make the write fail)
 * can leave a wrong PIN uncounted.
 */
static void
offline_count_attempt(const struct pa_conf *conf,
    struct pa_cache_record *rec, long long now)
{
	if (rec->locked_until != 0 && rec->locked_until <= now) {
		/* The lockout has run out: a fresh start. */
		rec->locked_until = 0;
		rec->failures = 0;
	}
	rec->failures++;
	if (rec->failures >= (unsigned)conf->offline_max_failures)
		rec->locked_until = now + conf->offline_lockout;
}

/* Runs under the user's lock; *claims set only on success. */
static int
offline_check_locked(struct pa_cache *c, const struct pa_cache_lock *lk,
    const struct pa_conf *conf, const char *user, const char *pin,
    long long now, struct pa_claims **claims)
{
	struct pa_cache_record *rec = NULL;
	int r;

	if ((r = pa_cache_get(c, user, &rec)) != PA_OK) {
		/* A corrupt record is an absent one. */
		if (r == PA_ERR_CACHE_CORRUPT)
			r = PA_ERR_NOT_FOUND;
		goto out;
	}
	if ((r = pa_offline_eligible(conf, rec, now)) != PA_OK)
		goto out;
	offline_count_attempt(conf, rec, now);
	/* Not recorded, not checked: the same answer for every PIN. */
	if ((r = pa_cache_put_locked(c, lk, rec)) != PA_OK)
		goto out;
	if ((r = pa_kdf_check(pin, strlen(pin), &rec->verifier)) != PA_OK) {
		if (r == PA_ERR_CACHE_CORRUPT)
			r = PA_ERR_NOT_FOUND;
		goto out;
	}
	if ((r = claims_from_record(rec, claims)) != PA_OK)
		goto out;
	rec->failures = 0;
	rec->locked_until = 0;
	/*
	 * The PIN was right: failing to clear the count only leaves the
	 * user closer to a lockout, which is the safe side.
	 */
	(void)pa_cache_put_locked(c, lk, rec);
 out:
	pa_cache_record_free(rec);
	return r;
}

int
pa_offline_login(struct pa_cache *c, const struct pa_conf *conf,
    const char *user, const char *pin, long long now,
    struct pa_claims **claims)
{
	struct pa_cache_lock *lk = NULL;
	int r;

	*claims = NULL;
	if (conf->offline_grace <= 0)
		return PA_ERR_OFFLINE_DENIED;
	if ((r = pa_cache_clock_check(c, now, conf->leeway)) != PA_OK)
		return r;
	/* One attempt per user at a time, each counted before the next. */
	if ((r = pa_cache_lock_user(c, user, &lk)) != PA_OK)
		return r;
	r = offline_check_locked(c, lk, conf, user, pin, now, claims);
	pa_cache_unlock(lk);
	if (r != PA_OK)
		return r;
	/* Offline success also moves the clock mark forward. */
	pa_cache_clock_advance(c, now);
	return PA_OK;
}
