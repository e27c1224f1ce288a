/* SPDX-License-Identifier: MIT */
/*
 * A running session follows the token service: its refresh token is
 * spent for new tokens before the access token runs out, the new token
 * is verified like a login's, and the device cache and the NSS index
 * take the roles it carries. A refused refresh takes what an offline
 * login would need. What is done to the session itself (its token file,
 * locking it) is the caller's.
 */
#ifndef POSAUTH_REFRESH_H
#define POSAUTH_REFRESH_H

struct pa_claims;
struct pa_conf;
struct pa_log;
struct pa_tokens;

/* The soonest a session is refreshed again, whatever its token says. */
#define PA_REFRESH_MIN_MS	1000
/* How long before its expiry an access token is replaced, at most. */
#define PA_REFRESH_LEAD_MS	30000

struct pa_refresh {
	struct pa_claims *claims;	/* PA_OK: verified, this user's */
	/*
	 * PA_OK: the new tokens. Also set without claims when the grant was
	 * spent but its token could not be checked (keys unreachable, a
	 * local failure): keep its refresh token, apply nothing.
	 */
	struct pa_tokens *tokens;
	/*
	 * The service ended the grant: it refused the refresh token
	 * (invalid_grant: revoked, disabled, reuse), or answered with a
	 * token that is not an acceptable one for this user here.
	 */
	int refused;
	int signed_no;			/* of those, a signed token said no */
	char why[192];			/* for logs: error code, transport */
};

/*
 * Refreshes the session of user with refresh_token and makes the device
 * follow: on PA_OK the cached record takes the new roles and claims (not
 * the verifier) and the NSS index is rebuilt; when refused the offline
 * verifier goes (and after a signed "no" the cached roles too). Returns
 * PA_OK, the refusal's status with out->refused set, PA_ERR_UNREACHABLE,
 * or a local status (nothing changed; try again later). Free out with
 * pa_refresh_clear().
 */
int pa_auth_session_refresh(const struct pa_conf *conf,
    const struct pa_log *lg, const char *user, const char *refresh_token,
    long long now, struct pa_refresh *out);
void pa_refresh_clear(struct pa_refresh *r);

/*
 * Milliseconds until a session's next refresh: period_ms (jittered by
 * the caller), or sooner when the access token (lifetime_s long, left_ms
 * still valid; <= 0 when unknown) would run out first: a tenth of its
 * lifetime, at most PA_REFRESH_LEAD_MS, before it expires. Never less
 * than PA_REFRESH_MIN_MS, so an expired or very short token cannot spin
 * the worker.
 */
long long pa_refresh_delay_ms(long long period_ms, long long lifetime_s,
    long long left_ms);

#endif
