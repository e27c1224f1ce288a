/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authflow.h"
#include "cache.h"
#include "claims.h"
#include "conf.h"
#include "err.h"
#include "log.h"
#include "login.h"
#include "mfa.h"
#include "staffname.h"
#include "nssindex.h"
#include "offline.h"
#include "oidc.h"
#include "revoke.h"
#include "secret.h"
#include "session.h"
#include "user.h"

int
pa_auth_staff_name(const struct pa_conf *conf, const struct pa_log *lg,
    const char *user)
{
	struct pa_name_owner owner;
	char q[PA_QUOTE_MAX], why[256];
	int r;

	pa_log_quote(user, q, sizeof(q));
	if ((r = pa_user_valid(user, conf->username_pattern)) != PA_OK) {
		pa_log(lg, LOG_NOTICE, "user \"%s\": name not acceptable", q);
		return r;
	}
	r = pa_names_staff_ok_system(conf, user, &owner, why, sizeof(why));
	/* Local accounts are pam_unix's, every day; the rest is a clash. */
	if (r == PA_ERR_NOT_FOUND)
		pa_log(lg, owner.kinds & PA_NAME_USER ? LOG_DEBUG : LOG_WARNING,
		    "user \"%s\": not a staff id here: %s", q, why);
	else if (r != PA_OK)
		pa_log(lg, LOG_ERR, "user \"%s\": refused, cannot tell who "
		    "owns the name: %s", q, why);
	return r;
}

int
pa_auth_local_name(const char *user)
{
	struct pa_name_owner owner;

	return pa_names_staff_ok_system(NULL, user, &owner, NULL, 0) ==
	    PA_ERR_NOT_FOUND && owner.kinds != 0;
}

void
pa_auth_result_clear(struct pa_auth_result *res)
{
	pa_claims_free(res->claims);
	pa_tokens_free(res->tokens);
	memset(res, 0, sizeof(*res));
}

void
pa_auth_index_follows(const struct pa_conf *conf, const struct pa_log *lg,
    struct pa_cache *cache, long long now)
{
	int r;

	if ((r = pa_nssindex_rebuild(conf, cache, now, lg, NULL)) != PA_OK)
		pa_log(lg, LOG_ERR, "NSS index %s not rewritten: %s",
		    conf->nss_index, pa_strerror(r));
}

/*
 * The claims go into the cache and the index now, so the staff member
 * resolves by the time the session opens; the verifier (a slow KDF) and
 * the revocations logouts left may wait until the verdict has gone.
 */
static void
remember_online(const struct pa_conf *conf, const struct pa_log *lg,
    struct pa_cache *cache, const char *user,
    const struct pa_login_result *res, long long now, unsigned flags,
    struct pa_cache_lock **held)
{
	char q[PA_QUOTE_MAX];
	int r;

	*held = NULL;
	/* Online logins work without the cache; offline ones won't. */
	if ((r = pa_offline_remember_begin(cache, conf, user, res->claims,
	    res->tokens, now, flags, held)) != PA_OK) {
		pa_log(lg, LOG_ERR, "user \"%s\": cache update failed: %s",
		    pa_log_quote(user, q, sizeof(q)), pa_strerror(r));
		return;
	}
	pa_auth_index_follows(conf, lg, cache, now);
}

/*
 * The service said no, or vouched (with a valid signature) for a person
 * this terminal is not for: no offline login may follow. A refused PIN
 * takes only the verifier, since anyone can cause it by typing someone's
 * id; a signed "no" takes the roles too.
 */
static void
forget_after_refusal(const struct pa_conf *conf, const struct pa_log *lg,
    struct pa_cache *cache, const char *user, int r,
    const struct pa_login_result *res, long long now)
{
	enum pa_forget how;
	int cr;

	if (res->signed_no)
		how = PA_FORGET_CLAIMS;
	else if (pa_failure_class(r) == PA_CLASS_REJECTED)
		how = PA_FORGET_VERIFIER;
	else
		return;
	if ((cr = pa_offline_forget(cache, user, how)) != PA_OK) {
		char q[PA_QUOTE_MAX];

		pa_log(lg, LOG_ERR, "user \"%s\": could not wipe cached "
		    "verifier: %s", pa_log_quote(user, q, sizeof(q)),
		    pa_strerror(cr));
	} else if (how == PA_FORGET_CLAIMS)
		pa_auth_index_follows(conf, lg, cache, now);
}

/*
 * Only after an unreachable service. PA_OK, PA_ERR_BAD_PIN / LOCKED (a
 * definite no), PA_ERR_UNREACHABLE when the cache has nothing to decide
 * with, or the local failure that kept it from deciding (never
 * "unreachable": that would answer differently for a PIN the failure
 * kept us from checking).
 */
/*
 * A line with `mfa`: the record's last second factor must be recent
 * enough, whatever its roles (the roles' own rule is offline.c's).
 */
static int
offline_mfa_forced_ok(const struct pa_conf *conf, struct pa_cache *cache,
    const char *user, long long now)
{
	struct pa_cache_record *rec = NULL;
	int r;

	if ((r = pa_cache_get(cache, user, &rec)) != PA_OK)
		return r == PA_ERR_NOT_FOUND || r == PA_ERR_CACHE_CORRUPT ?
		    PA_ERR_OFFLINE_DENIED : r;
	r = pa_offline_mfa_ok(conf, rec, 1, now);
	pa_cache_record_free(rec);
	return r;
}

static int
offline_attempt(const struct pa_conf *conf, const struct pa_log *lg,
    struct pa_cache *cache, int cache_status, const char *user,
    const char *pin, long long now, unsigned flags,
    struct pa_claims **claims)
{
	char q[PA_QUOTE_MAX];
	int r;

	pa_log_quote(user, q, sizeof(q));
	if (conf->offline_grace <= 0)
		return PA_ERR_UNREACHABLE;
	if (cache != NULL && (flags & PA_AUTH_MFA) &&
	    (r = offline_mfa_forced_ok(conf, cache, user, now)) != PA_OK) {
		pa_log(lg, LOG_NOTICE, "user \"%s\": offline login denied: "
		    "the second factor is required here and not recent "
		    "enough (offline_mfa_grace)", q);
		return r == PA_ERR_OFFLINE_DENIED ? PA_ERR_UNREACHABLE : r;
	}
	if (cache == NULL) {
		if (cache_status == PA_ERR_NOT_FOUND)
			return PA_ERR_UNREACHABLE;	/* nobody cached yet */
		pa_log(lg, LOG_ERR, "user \"%s\": offline login not possible, "
		    "cache %s unusable: %s", q, conf->cache_dir,
		    pa_strerror(cache_status));
		return cache_status;
	}
	r = pa_offline_login(cache, conf, user, pin, now, claims);
	switch (r) {
	case PA_OK:
		pa_log(lg, LOG_NOTICE, "user \"%s\": offline login accepted "
		    "from the device cache", q);
		return PA_OK;
	case PA_ERR_BAD_PIN:
	case PA_ERR_LOCKED:
		pa_log(lg, LOG_NOTICE, "user \"%s\": offline login denied: %s",
		    q, pa_strerror(r));
		return r;
	case PA_ERR_NOT_FOUND:
	case PA_ERR_OFFLINE_DENIED:
	case PA_ERR_CLOCK:
		pa_log(lg, LOG_NOTICE, "user \"%s\": offline login denied: %s",
		    q, pa_strerror(r));
		return PA_ERR_UNREACHABLE;
	default:
		pa_log(lg, LOG_ERR, "user \"%s\": offline login not decided, "
		    "local failure: %s", q, pa_strerror(r));
		return r;
	}
}

/* Whether the cache could decide user's login offline at now. */
static int
offline_ready(const struct pa_conf *conf, struct pa_cache *cache,
    const char *user, long long now, unsigned flags)
{
	struct pa_cache_record *rec = NULL;
	int ready;

	if (cache == NULL || conf->offline_grace <= 0 ||
	    pa_cache_get(cache, user, &rec) != PA_OK)
		return 0;
	ready = pa_offline_eligible(conf, rec, now) == PA_OK &&
	    pa_offline_mfa_ok(conf, rec, (flags & PA_AUTH_MFA) != 0, now) ==
	    PA_OK;
	pa_cache_record_free(rec);
	return ready;
}

static void pend_keep(struct pa_auth_pending *pend, struct pa_cache **cache,
    const char *user, const char *pin, long long now);

int
pa_auth_login(const struct pa_conf *conf, const struct pa_log *lg,
    const char *user, const char *pin, long long now, unsigned flags,
    struct pa_auth_result *res, struct pa_auth_pending *pend)
{
	struct pa_auth_pending inline_pend;
	struct pa_login_result lr;
	struct pa_cache *cache = NULL;
	int r, cache_status;

	memset(res, 0, sizeof(*res));
	memset(&lr, 0, sizeof(lr));
	if (pend == NULL)
		pend = &inline_pend;
	memset(pend, 0, sizeof(*pend));
	/* Discovery and keys come from the cache when young enough. */
	cache_status = pa_cache_open(conf->cache_dir, 1, &cache);
	if (cache_status != PA_OK && cache_status != PA_ERR_NOT_FOUND)
		pa_log(lg, LOG_ERR, "cache %s not usable: %s", conf->cache_dir,
		    pa_strerror(cache_status));
	if ((flags & PA_AUTH_OUTAGE) && offline_ready(conf, cache, user, now,
	    flags)) {
		char q[PA_QUOTE_MAX];

		pa_log(lg, LOG_INFO, "user \"%s\": token service known "
		    "unreachable, deciding from the device cache",
		    pa_log_quote(user, q, sizeof(q)));
		r = PA_ERR_UNREACHABLE;
	} else {
		r = pa_login_online_cached(conf, lg, cache, user, pin, now,
		    &lr);
		res->online_tried = 1;
		res->online_status = r;
		snprintf(res->online_detail, sizeof(res->online_detail), "%s",
		    lr.detail);
	}
	if (r == PA_OK && pa_mfa_needed(conf, lr.claims,
	    (flags & PA_AUTH_MFA) != 0)) {
		char q[PA_QUOTE_MAX];

		/* Nothing is remembered of a login that is not done. */
		pa_log(lg, LOG_INFO, "user \"%s\": PIN accepted, second factor "
		    "required%s", pa_log_quote(user, q, sizeof(q)),
		    (flags & PA_AUTH_MFA) ? " by the PAM line" : " by role");
		/*
		 * A PIN alone must not leave a grant that outlives this: its
		 * refresh token is revoked once the answer has gone.
		 */
		pend->revoke = lr.tokens->refresh_token;
		lr.tokens->refresh_token = NULL;
		r = PA_ERR_MFA_PENDING;
	} else if (r == PA_OK) {
		if (cache != NULL)
			remember_online(conf, lg, cache, user, &lr, now, 0,
			    &pend->held);
		res->claims = lr.claims;
		res->tokens = lr.tokens;
		lr.claims = NULL;
		lr.tokens = NULL;
		/* The service is reachable: what logouts left can go. */
		pend->flush = cache != NULL;
	} else if (r != PA_ERR_UNREACHABLE) {
		if (cache != NULL)
			forget_after_refusal(conf, lg, cache, user, r, &lr,
			    now);
	} else if ((r = offline_attempt(conf, lg, cache, cache_status, user,
	    pin, now, flags, &res->claims)) == PA_OK)
		res->offline = 1;
	pa_login_result_clear(&lr);
	pend_keep(pend, &cache, user, pin, now);
	pa_cache_close(cache);
	if (pend == &inline_pend)
		pa_auth_finish(conf, lg, pend);
	return r;
}

/*
 * What is left after the verdict goes into pend, with the cache; without
 * memory for it the verdict stands alone.
 */
static void
pend_keep(struct pa_auth_pending *pend, struct pa_cache **cache,
    const char *user, const char *pin, long long now)
{
	if ((pend->held != NULL || pend->flush || pend->revoke != NULL) &&
	    (pend->user = strdup(user)) != NULL &&
	    (pend->held == NULL || (pend->pin = strdup(pin)) != NULL)) {
		pend->cache = *cache;
		pend->now = now;
		*cache = NULL;
	} else {
		/* Out of memory for the rest: the verdict stands without it. */
		pa_cache_unlock(pend->held);
		pend->held = NULL;
		pend->flush = 0;
		pa_strfreezero(pend->revoke);
		pend->revoke = NULL;
	}
}

void
pa_auth_mfa_done(const struct pa_conf *conf, const struct pa_log *lg,
    const char *user, const char *pin, struct pa_login_result *lr,
    long long now, struct pa_auth_result *res, struct pa_auth_pending *pend)
{
	struct pa_cache *cache = NULL;
	int r;

	memset(res, 0, sizeof(*res));
	memset(pend, 0, sizeof(*pend));
	if ((r = pa_cache_open(conf->cache_dir, 1, &cache)) != PA_OK) {
		pa_log(lg, LOG_ERR, "cache %s not usable: %s", conf->cache_dir,
		    pa_strerror(r));
		cache = NULL;
	}
	if (cache != NULL) {
		remember_online(conf, lg, cache, user, lr, now,
		    PA_REMEMBER_MFA, &pend->held);
		pend->flush = 1;
	}
	res->claims = lr->claims;
	res->tokens = lr->tokens;
	lr->claims = NULL;
	lr->tokens = NULL;
	pend_keep(pend, &cache, user, pin, now);
	pa_cache_close(cache);
}

void
pa_auth_finish_verifier(const struct pa_conf *conf, const struct pa_log *lg,
    struct pa_auth_pending *pend)
{
	char q[PA_QUOTE_MAX];
	int r;

	if (pend->cache == NULL || pend->held == NULL)
		return;
	if ((r = pa_offline_remember_pin(pend->cache, conf, pend->held,
	    pend->user, pend->pin)) != PA_OK)
		pa_log(lg, LOG_ERR, "user \"%s\": offline verifier not stored: "
		    "%s", pa_log_quote(pend->user, q, sizeof(q)),
		    pa_strerror(r));
	pend->held = NULL;
	pa_strfreezero(pend->pin);
	pend->pin = NULL;
}

void
pa_auth_finish(const struct pa_conf *conf, const struct pa_log *lg,
    struct pa_auth_pending *pend)
{
	char q[PA_QUOTE_MAX];
	int r;

	if (pend->user == NULL)
		goto out;
	pa_log_quote(pend->user, q, sizeof(q));
	if (pend->revoke != NULL && (r = pa_revoke_or_queue(pend->cache, conf,
	    lg, pend->user, pend->revoke, pend->now)) != PA_OK)
		pa_log(lg, LOG_ERR, "user \"%s\": the PIN step's refresh token "
		    "neither revoked nor queued: %s", q, pa_strerror(r));
	if (pend->cache == NULL)
		goto out;
	pa_auth_finish_verifier(conf, lg, pend);
	if (pend->flush && (r = pa_revoke_flush(pend->cache, conf, lg,
	    pend->user, pend->now)) > 0)
		pa_log(lg, LOG_WARNING, "user \"%s\": %d token revocation(s) "
		    "still pending", q, r);
 out:
	pa_cache_unlock(pend->held);
	pa_cache_close(pend->cache);
	free(pend->user);
	pa_strfreezero(pend->pin);
	pa_strfreezero(pend->revoke);
	memset(pend, 0, sizeof(*pend));
}

int
pa_auth_known_staff(const struct pa_conf *conf, const char *user,
    long long now, struct pa_cache_record **out)
{
	struct pa_cache *cache = NULL;
	struct pa_cache_record *rec = NULL;
	int r;

	*out = NULL;
	if ((r = pa_cache_open(conf->cache_dir, 0, &cache)) != PA_OK)
		return r;
	r = pa_cache_get(cache, user, &rec);
	pa_cache_close(cache);
	if (r == PA_ERR_CACHE_CORRUPT)
		r = PA_ERR_NOT_FOUND;
	if (r != PA_OK)
		return r;
	/* Known staff: what the NSS index would serve (nssindex.c). */
	if (rec->last_online <= 0 || (conf->nss_expire > 0 &&
	    now - rec->last_online > (long long)conf->nss_expire * 86400)) {
		pa_cache_record_free(rec);
		return PA_ERR_NOT_FOUND;
	}
	*out = rec;
	return PA_OK;
}

/* The token file goes only while it still holds what this session wrote. */
static void
session_remove_file(const struct pa_conf *conf, const struct pa_log *lg,
    const char *user, const struct pa_session_file *file, const char *q)
{
	int r;

	/* A newer session of the same user (or a renewal) rewrote it. */
	if ((r = pa_session_remove_token_if(conf->runtime_dir, user,
	    file)) != PA_OK && r != PA_ERR_NOT_FOUND)
		pa_log(lg, LOG_ERR, "user \"%s\": session token file not "
		    "removed: %s", q, pa_strerror(r));
}

void
pa_auth_session_end(const struct pa_conf *conf, const struct pa_log *lg,
    const char *user, const char *refresh_token,
    const struct pa_session_file *file, long long now)
{
	struct pa_cache *cache = NULL;
	char q[PA_QUOTE_MAX];
	int r;

	pa_log_quote(user, q, sizeof(q));
	if (pa_cache_open(conf->cache_dir, 0, &cache) != PA_OK)
		cache = NULL;
	/* Logging out ends the session's right to new tokens. */
	if (refresh_token != NULL && (r = pa_revoke_or_queue(cache, conf, lg,
	    user, refresh_token, now)) != PA_OK)
		pa_log(lg, LOG_ERR, "user \"%s\": refresh token neither revoked "
		    "nor queued: %s", q, pa_strerror(r));
	if (file != NULL && file->have)
		session_remove_file(conf, lg, user, file, q);
	pa_cache_close(cache);
}
