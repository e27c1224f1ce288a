/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "authflow.h"
#include "cache.h"
#include "claims.h"
#include "conf.h"
#include "err.h"
#include "log.h"
#include "login.h"
#include "offline.h"
#include "oidc.h"
#include "refresh.h"

void
pa_refresh_clear(struct pa_refresh *r)
{
	pa_claims_free(r->claims);
	pa_tokens_free(r->tokens);
	memset(r, 0, sizeof(*r));
}

long long
pa_refresh_delay_ms(long long period_ms, long long lifetime_s,
    long long left_ms)
{
	long long d = period_ms, lead;

	if (lifetime_s > 0 && left_ms > 0) {
		lead = lifetime_s > PA_REFRESH_LEAD_MS / 100 ?
		    PA_REFRESH_LEAD_MS : lifetime_s * 100;
		if (left_ms - lead < d)
			d = left_ms - lead;
	} else if (lifetime_s > 0)
		d = 0;		/* already expired: as soon as allowed */
	return d < PA_REFRESH_MIN_MS ? PA_REFRESH_MIN_MS : d;
}

/*
 * Only an answer of the service to this grant ends it: invalid_grant
 * (RFC 6749 §5.2: revoked, expired, reused, the person disabled), or a
 * token that is not this user's here. Any other refusal is about the
 * terminal (invalid_client: a mistyped secret; a proxy's 400) and would
 * otherwise lock every open session at once: retried, and logged. A
 * discovery document or key that could not be had says nothing either.
 */
static int
grant_refused(int r, const struct pa_login_result *lr)
{
	if (!lr->answered)
		return 0;
	if (r == PA_ERR_REJECTED)
		return strcmp(lr->detail, "invalid_grant") == 0;
	return pa_failure_class(r) == PA_CLASS_INVALID;
}

/* The cache and the index take the new roles; the verifier stays. */
static void
follow_success(const struct pa_conf *conf, const struct pa_log *lg,
    struct pa_cache *cache, const char *user, const char *old_refresh,
    const struct pa_login_result *lr, long long now)
{
	char q[PA_QUOTE_MAX];
	int r;

	if (cache == NULL)
		return;
	if ((r = pa_offline_refreshed(cache, user, old_refresh, lr->claims,
	    lr->tokens, now)) != PA_OK) {
		pa_log(lg, LOG_ERR, "user \"%s\": cache not updated after "
		    "refresh: %s", pa_log_quote(user, q, sizeof(q)),
		    pa_strerror(r));
		return;
	}
	pa_auth_index_follows(conf, lg, cache, now);
}

/*
 * The grant is over: no offline login may follow on the strength of the
 * PIN it was given for. A signed "no" also takes the roles.
 */
static void
follow_refusal(const struct pa_conf *conf, const struct pa_log *lg,
    struct pa_cache *cache, const char *user, int signed_no, long long now)
{
	char q[PA_QUOTE_MAX];
	int r;

	if (cache == NULL)
		return;
	if ((r = pa_offline_forget(cache, user, signed_no ? PA_FORGET_CLAIMS :
	    PA_FORGET_VERIFIER)) != PA_OK) {
		pa_log(lg, LOG_ERR, "user \"%s\": could not wipe cached "
		    "verifier: %s", pa_log_quote(user, q, sizeof(q)),
		    pa_strerror(r));
		return;
	}
	if (signed_no)
		pa_auth_index_follows(conf, lg, cache, now);
}

int
pa_auth_session_refresh(const struct pa_conf *conf, const struct pa_log *lg,
    const char *user, const char *refresh_token, long long now,
    struct pa_refresh *out)
{
	struct pa_login_result lr;
	struct pa_cache *cache = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	/* Discovery and keys come from the cache when young enough. */
	if (pa_cache_open(conf->cache_dir, 0, &cache) != PA_OK)
		cache = NULL;
	r = pa_login_refresh(conf, lg, cache, user, refresh_token, now, &lr);
	snprintf(out->why, sizeof(out->why), "%s", lr.detail[0] ? lr.detail :
	    pa_strerror(r));
	if (r == PA_OK)
		follow_success(conf, lg, cache, user, refresh_token, &lr, now);
	else if (grant_refused(r, &lr)) {
		out->refused = 1;
		out->signed_no = lr.signed_no;
		follow_refusal(conf, lg, cache, user, lr.signed_no, now);
	}
	out->claims = lr.claims;
	out->tokens = lr.tokens;
	lr.claims = NULL;
	lr.tokens = NULL;
	pa_login_result_clear(&lr);
	pa_cache_close(cache);
	return r;
}
