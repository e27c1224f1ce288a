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

void pa_login_result_clear(struct pa_login_result *res);

/*
 * PIN sanity before any use: not empty, at most PA_PIN_MAX bytes, no
 * control bytes; PA_ERR_NO_PIN otherwise.
 */
int pa_pin_acceptable(const char *pin);

#endif
