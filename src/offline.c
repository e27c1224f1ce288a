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

static int
role_listed(char *const *list, size_t n, const char *role)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(list[i], role) == 0)
			return 1;
	return 0;
}

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
		    !role_listed(conf->offline_roles, conf->n_offline_roles,
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

static void
free_list(char **l, size_t n)
{
	size_t i;

	for (i = 0; l != NULL && i < n; i++)
		free(l[i]);
	free(l);
}

static int
dup_list(char *const *in, size_t n, char ***out)
{
	char **l;
	size_t i;

	*out = NULL;
	if (n == 0)
		return PA_OK;
	if ((l = calloc(n, sizeof(*l))) == NULL)
		return PA_ERR_ALLOC;
	for (i = 0; i < n; i++)
		if ((l[i] = strdup(in[i])) == NULL) {
			free_list(l, n);
			return PA_ERR_ALLOC;
		}
	*out = l;
	return PA_OK;
}

/*
 * Drops claims and tokens from rec. The refresh token is queued for
 * revocation when the user is being shut out (revoke); a new login only
 * replaces it, since it may belong to a session still open here, which
 * revokes it itself at logout.
 */
static int
record_wipe_identity(struct pa_cache_record *rec, int revoke)
{
	int r = PA_OK;

	free_list(rec->roles, rec->nroles);
	rec->roles = NULL;
	rec->nroles = 0;
	free(rec->tenant);
	free(rec->store);
	free(rec->name);
	free(rec->sub);
	rec->tenant = rec->store = rec->name = rec->sub = NULL;
	rec->has_uid = 0;
	rec->uid = 0;
	rec->token_exp = 0;
	OPENSSL_cleanse(&rec->verifier, sizeof(rec->verifier));
	rec->has_verifier = 0;
	pa_strfreezero(rec->access_token);
	rec->access_token = NULL;
	rec->access_exp = 0;
	if (rec->refresh_token != NULL && revoke)
		r = pa_cache_record_queue_revocation(rec, rec->refresh_token);
	else
		pa_strfreezero(rec->refresh_token);
	rec->refresh_token = NULL;
	return r;
}

struct remember_arg {
	const struct pa_claims *claims;
	const struct pa_tokens *tokens;
	const struct pa_verifier *verifier;
	long long now;
};

static int
remember_cb(struct pa_cache_record *rec, int exists, void *argp)
{
	struct remember_arg *a = argp;
	const struct pa_claims *cl = a->claims;
	int r;

	(void)exists;
	if ((r = record_wipe_identity(rec, 0)) != PA_OK)
		return r;
	if ((r = dup_list(cl->roles, cl->nroles, &rec->roles)) != PA_OK)
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
	rec->last_online = a->now;
	rec->verifier = *a->verifier;
	rec->has_verifier = a->verifier->alg != 0;
	rec->failures = 0;
	rec->locked_until = 0;
	if (a->tokens != NULL) {
		if ((r = dup_str(a->tokens->refresh_token,
		    &rec->refresh_token)) != PA_OK ||
		    (r = dup_str(a->tokens->access_token,
		    &rec->access_token)) != PA_OK)
			return r;
		rec->access_exp = a->tokens->expires_in > 0 ?
		    a->now + a->tokens->expires_in : cl->exp;
	}
	return 0;
}

int
pa_offline_remember(struct pa_cache *c, const struct pa_conf *conf,
    const char *user, const char *pin, const struct pa_claims *claims,
    const struct pa_tokens *tokens, long long now)
{
	struct pa_verifier v;
	struct remember_arg a;
	int r;

	/*
	 * The slow KDF runs before the lock is taken, and not at all when
	 * offline logins are off: then no verifier may exist anyway.
	 */
	memset(&v, 0, sizeof(v));
	if (conf->offline_grace > 0 && (r = pa_kdf_make(pin, strlen(pin),
	    conf->offline_kdf_cost, &v)) != PA_OK)
		return r;
	a.claims = claims;
	a.tokens = tokens;
	a.verifier = &v;
	a.now = now;
	r = pa_cache_update(c, user, remember_cb, &a);
	OPENSSL_cleanse(&v, sizeof(v));
	if (r != PA_OK)
		return r;
	/* A token issued "now" by the service confirms our clock. */
	if (claims->has_iat && claims->iat <= now + conf->leeway &&
	    claims->iat >= now - conf->leeway)
		return pa_cache_clock_set(c, now);
	return pa_cache_clock_advance(c, now);
}

static int
forget_cb(struct pa_cache_record *rec, int exists, void *arg)
{
	int r;

	(void)arg;
	if (!exists)
		return PA_ERR_NOT_FOUND;
	if ((r = record_wipe_identity(rec, 1)) != PA_OK)
		return r;
	/*
	 * last_online stays: the user keeps their uid on this terminal (files,
	 * running processes) until nss_expire, but without roles no groups,
	 * and without a verifier no offline login.
	 */
	rec->failures = 0;
	rec->locked_until = 0;
	return 0;
}

int
pa_offline_forget(struct pa_cache *c, const char *user)
{
	int r = pa_cache_update(c, user, forget_cb, NULL);

	return r == PA_ERR_NOT_FOUND ? PA_OK : r;
}

struct login_arg {
	const struct pa_conf *conf;
	const char *pin;
	long long now;
	struct pa_claims *claims;	/* out */
	int verdict;			/* the answer, written back or not */
};

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
	    dup_list(rec->roles, rec->nroles, &cl->roles) != PA_OK ||
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
login_cb(struct pa_cache_record *rec, int exists, void *argp)
{
	struct login_arg *a = argp;
	const struct pa_conf *conf = a->conf;
	long grace;
	int r, expired_lock = 0;

	if (!exists || !rec->has_verifier || rec->last_online <= 0)
		return PA_ERR_NOT_FOUND;
	/* A record from the future is as suspect as a rolled-back clock. */
	if (rec->last_online > a->now + conf->leeway)
		return PA_ERR_CLOCK;
	grace = pa_offline_grace_for(conf, rec->roles, rec->nroles);
	if (grace <= 0 || a->now - rec->last_online > grace)
		return PA_ERR_OFFLINE_DENIED;
	if (rec->locked_until > a->now)
		return PA_ERR_LOCKED;
	if (rec->locked_until != 0) {
		/* The lockout has run out: a fresh start. */
		rec->locked_until = 0;
		rec->failures = 0;
		expired_lock = 1;
	}
	r = pa_kdf_check(a->pin, strlen(a->pin), &rec->verifier);
	if (r == PA_ERR_BAD_PIN) {
		rec->failures++;
		if (rec->failures >= (unsigned)conf->offline_max_failures) {
			rec->locked_until = a->now + conf->offline_lockout;
			rec->failures = 0;
		}
		a->verdict = PA_ERR_BAD_PIN;
		return 0;	/* write the counter back */
	}
	if (r != PA_OK)
		return r == PA_ERR_CACHE_CORRUPT ? PA_ERR_NOT_FOUND : r;
	if ((r = claims_from_record(rec, &a->claims)) != PA_OK)
		return r;
	a->verdict = PA_OK;
	if (rec->failures == 0 && !expired_lock)
		return PA_CACHE_KEEP;	/* nothing to count: no write */
	rec->failures = 0;
	return 0;
}

int
pa_offline_login(struct pa_cache *c, const struct pa_conf *conf,
    const char *user, const char *pin, long long now,
    struct pa_claims **claims)
{
	struct login_arg a;
	int r;

	*claims = NULL;
	if (conf->offline_grace <= 0)
		return PA_ERR_OFFLINE_DENIED;
	if ((r = pa_cache_clock_check(c, now, conf->leeway)) != PA_OK)
		return r;
	memset(&a, 0, sizeof(a));
	a.conf = conf;
	a.pin = pin;
	a.now = now;
	a.verdict = PA_ERR_INTERNAL;
	if ((r = pa_cache_update(c, user, login_cb, &a)) != PA_OK) {
		pa_claims_free(a.claims);
		return r;
	}
	if (a.verdict != PA_OK) {
		pa_claims_free(a.claims);
		return a.verdict;
	}
	*claims = a.claims;
	/* Offline success also moves the clock mark forward. */
	pa_cache_clock_advance(c, now);
	return PA_OK;
}
