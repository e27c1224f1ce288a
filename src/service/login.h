/* SPDX-License-Identifier: MIT */
/*
 * The online login: user name check, PIN request to the token service with
 * the password grant, and strict verification of the returned token. It is
 * shared by the PAM module and `posauthctl test-login`.
 */
#ifndef POSAUTH_LOGIN_H
#define POSAUTH_LOGIN_H

#include <stddef.h>

struct pa_cache;
struct pa_conf;
struct pa_log;
struct pa_claims;
struct pa_tokens;

#define PA_PIN_MAX 256

struct pa_login_result {
	struct pa_claims *claims;	/* set on success */
	struct pa_tokens *tokens;	/* set on success */
	const char *stage;		/* where it stopped (for logs) */
	char detail[192];		/* service error, transport text or the
					   claim that failed, for logs */
	int document_fetches;		/* discovery/JWKS requests made */
	/*
	 * The token's signature checked out but the token failed a later
	 * rule (tenant, store, user, uid, roles, times): the service itself
	 * says this person may not log in here, like a rejection.
	 */
	int signed_no;
	/*
	 * pa_login_refresh(): the token endpoint answered the grant (with
	 * tokens or a refusal), so the refresh token presented is spent.
	 */
	int answered;
};

/*
 * Returns PA_OK with res->claims and res->tokens set, or a status whose
 * pa_failure_class() is unreachable, rejected, invalid or local. Logs one
 * line for the outcome; never logs the PIN or a token.
 */
int pa_login_online(const struct pa_conf *conf, const struct pa_log *lg,
    const char *user, const char *pin, long long now,
    struct pa_login_result *res);

/*
 * The same, keeping the service's discovery document and JWKS in the
 * device cache (store, may be NULL) between processes.
 */
int pa_login_online_cached(const struct pa_conf *conf,
    const struct pa_log *lg, struct pa_cache *store, const char *user,
    const char *pin, long long now, struct pa_login_result *res);

/*
 * A running session's refresh (RFC 6749 §6): refresh_token is spent for
 * new tokens, and the token the configuration names is verified exactly
 * as a login's (signature, issuer, audience, times, tenant, store, and
 * the same user), with the same signed_no. PA_OK with res->claims and
 * res->tokens (the rotated refresh token in res->tokens->refresh_token,
 * if the service rotates), PA_ERR_REJECTED when the service refused the
 * grant (res->detail has its error code), or a status of another class.
 * When the grant gave tokens that could not be checked for want of the
 * service (its keys unreachable) or for a local failure, res->tokens is
 * set all the same, without claims: the rotated refresh token is the
 * session's now, and the old one would be taken for a stolen copy.
 * Logs one line; never a token.
 */
int pa_login_refresh(const struct pa_conf *conf, const struct pa_log *lg,
    struct pa_cache *store, const char *user, const char *refresh_token,
    long long now, struct pa_login_result *res);

/*
 * The second factor, RFC 8628: asks the device authorization endpoint
 * for a code for user (login_hint) as the same confidential client.
 * PA_OK with *out; otherwise a status like the password grant's, and one
 * line logged.
 */
struct pa_device_auth;
int pa_login_device_authorize(const struct pa_conf *conf,
    const struct pa_log *lg, struct pa_cache *store, const char *user,
    long long now, struct pa_device_auth **out,
    struct pa_login_result *res);

/*
 * One poll for device_code: PA_OK with res->claims and res->tokens, the
 * token verified exactly as a password grant's (and for the same user),
 * plus mfa_acr when set (PA_ERR_ACR); PA_ERR_REJECTED with the RFC 8628
 * §3.5 error code in res->detail (authorization_pending, slow_down,
 * access_denied, expired_token, ...); or a status of another class.
 */
int pa_login_device_redeem(const struct pa_conf *conf,
    const struct pa_log *lg, struct pa_cache *store, const char *user,
    const char *device_code, long long now, struct pa_login_result *res);

void pa_login_result_clear(struct pa_login_result *res);

/*
 * PIN sanity before any use: not empty, at most PA_PIN_MAX bytes, no
 * control bytes; PA_ERR_NO_PIN otherwise.
 */
int pa_pin_acceptable(const char *pin);

#endif
