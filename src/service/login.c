/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "claims.h"
#include "clientauth.h"
#include "conf.h"
#include "err.h"
#include "http.h"
#include "jwk.h"
#include "jws.h"
#include "log.h"
#include "login.h"
#include "oidc.h"
#include "provider.h"
#include "secret.h"
#include "strv.h"
#include "user.h"

int
pa_pin_acceptable(const char *pin)
{
	size_t i;

	if (pin == NULL || pin[0] == '\0')
		return PA_ERR_NO_PIN;
	for (i = 0; pin[i] != '\0'; i++) {
		/* An answer, not our failure: a plain "no" like any bad PIN. */
		if (i >= PA_PIN_MAX)
			return PA_ERR_NO_PIN;
		if ((unsigned char)pin[i] < 0x20 || pin[i] == 0x7f)
			return PA_ERR_NO_PIN;
	}
	return PA_OK;
}

void
pa_login_result_clear(struct pa_login_result *res)
{
	pa_claims_free(res->claims);
	pa_tokens_free(res->tokens);
	memset(res, 0, sizeof(*res));
}

/*
 * acr: NULL, or the second factor's required acr/amr (mfa_acr), checked
 * after every other claim so a token for someone else says so first.
 */
static int
login_verify_token(const struct pa_conf *conf, struct pa_provider *prov,
    const char *token, const char *user, const char *acr, long long now,
    struct pa_login_result *res)
{
	struct pa_jws *jws = NULL;
	const struct pa_jwk *key = NULL;
	json_t *payload = NULL;
	int r;

	res->stage = "token format";
	if ((r = pa_jws_parse(token, strlen(token), conf->max_response_bytes,
	    &jws)) != PA_OK)
		goto out;
	/* The allowlist is checked before any key is looked up or fetched. */
	res->stage = "token algorithm";
	if ((jws->alg & conf->algorithms) == 0) {
		r = PA_ERR_ALG;
		goto out;
	}
	res->stage = "signing key";
	if ((r = pa_provider_find_key(prov, jws->kid, now, &key)) != PA_OK)
		goto out;
	res->stage = "token signature";
	if ((r = pa_jws_verify(jws, key, conf->algorithms)) != PA_OK)
		goto out;
	res->stage = "token claims";
	if ((r = pa_jws_claims(jws, &payload)) == PA_OK)
		r = pa_claims_verify_why(payload, conf, user, now,
		    &res->claims, res->detail, sizeof(res->detail));
	if (r == PA_OK && acr != NULL &&
	    (r = pa_claims_acr_ok(payload, acr)) != PA_OK)
		snprintf(res->detail, sizeof(res->detail), "neither claim "
		    "\"acr\" nor \"amr\" shows the required %s", acr);
	/* Everything past a good signature is the service speaking. */
	res->signed_no = r != PA_OK &&
	    pa_failure_class(r) == PA_CLASS_INVALID;
 out:
	json_decref(payload);
	pa_jws_free(jws);
	return r;
}

/* what: "online login" or "token refresh", for the one line logged. */
/*
 * The token the configuration names, verified like every login's; the
 * tokens move into res when it is good.
 */
static int
login_accept(const struct pa_conf *conf, struct pa_provider *prov,
    const char *user, const char *acr, long long now,
    struct pa_tokens **tokens, struct pa_login_result *res)
{
	const char *token = conf->token == PA_TOKEN_ACCESS ?
	    (*tokens)->access_token : (*tokens)->id_token;
	int r;

	res->stage = "token response";
	if (token == NULL)
		return PA_ERR_BAD_RESPONSE;
	if ((r = login_verify_token(conf, prov, token, user, acr, now,
	    res)) != PA_OK)
		return r;
	res->tokens = *tokens;
	*tokens = NULL;
	return PA_OK;
}

static void
login_log(const struct pa_log *lg, const char *what, const char *user, int r,
    const struct pa_login_result *res)
{
	char q[PA_QUOTE_MAX];
	struct pa_buf roles;

	pa_log_quote(user, q, sizeof(q));
	if (r == PA_OK) {
		/* Roles are public and checked printable by claims.c. */
		pa_buf_init(&roles, 255);
		(void)pa_strv_join(res->claims->roles, res->claims->nroles,
		    ",", &roles);
		pa_log(lg, LOG_INFO, "user \"%s\": %s accepted, roles [%s]",
		    q, what, pa_buf_str(&roles));
		pa_buf_clear(&roles);
		return;
	}
	pa_log(lg, r == PA_ERR_UNREACHABLE ? LOG_WARNING : LOG_NOTICE,
	    "user \"%s\": %s failed, %s: %s at %s%s%s", q, what,
	    pa_failure_class_name(pa_failure_class(r)), pa_strerror(r),
	    res->stage ? res->stage : "start",
	    res->detail[0] ? ": " : "", res->detail);
}

/*
 * What every request of a login shares: the client's credential, an
 * HTTPS client with the login's budget, and discovery; then the log line
 * and the wiping.
 */
static int
call_begin(const struct pa_conf *conf, struct pa_cache *store,
    long long now, struct pa_provider *prov, struct pa_http **http,
    char **secret, struct pa_login_result *res)
{
	int r;

	pa_provider_init(prov, NULL, conf->issuer);
	prov->store = store;
	res->stage = "client secret";
	if ((r = pa_client_secret(conf, secret)) != PA_OK)
		return r;
	if ((r = pa_http_new_for(conf, http)) != PA_OK)
		return r;
	prov->http = *http;
	res->stage = "discovery";
	return pa_provider_load_meta(prov, now);
}

static void
call_end(const struct pa_log *lg, const char *what, const char *user,
    int r, struct pa_provider *prov, struct pa_http *http, char *secret,
    struct pa_login_result *res)
{
	if (r != PA_OK && res->detail[0] == '\0' && http != NULL &&
	    pa_http_error(http)[0] != '\0')
		snprintf(res->detail, sizeof(res->detail), "%s",
		    pa_http_error(http));
	res->document_fetches = prov->fetches;
	if (r != PA_OK) {
		pa_claims_free(res->claims);
		res->claims = NULL;
	}
	/* A pending poll is the normal case: not a line each time. */
	if (lg != NULL)
		login_log(lg, what, user, r, res);
	pa_provider_clear(prov);
	pa_http_free(http);
	pa_strfreezero(secret);
}

int
pa_login_online(const struct pa_conf *conf, const struct pa_log *lg,
    const char *user, const char *pin, long long now,
    struct pa_login_result *res)
{
	return pa_login_online_cached(conf, lg, NULL, user, pin, now, res);
}

int
pa_login_online_cached(const struct pa_conf *conf, const struct pa_log *lg,
    struct pa_cache *store, const char *user, const char *pin,
    long long now, struct pa_login_result *res)
{
	struct pa_http *http = NULL;
	struct pa_provider prov;
	struct pa_tokens *tokens = NULL;
	char *secret = NULL;
	int r;

	memset(res, 0, sizeof(*res));
	pa_provider_init(&prov, NULL, conf->issuer);
	/* Nothing leaves the machine for a name or PIN we would refuse. */
	res->stage = "user name";
	if ((r = pa_user_valid(user, conf->username_pattern)) != PA_OK)
		goto out;
	res->stage = "PIN";
	if ((r = pa_pin_acceptable(pin)) != PA_OK)
		goto out;
	if ((r = call_begin(conf, store, now, &prov, &http, &secret,
	    res)) != PA_OK)
		goto out;
	res->stage = "token request";
	r = pa_oidc_password_grant(http, prov.meta, conf->client_id, secret,
	    user, pin, conf->scope, &tokens);
	if (r == PA_ERR_REJECTED && tokens != NULL)
		snprintf(res->detail, sizeof(res->detail), "%s", tokens->error);
	if (r == PA_OK)
		r = login_accept(conf, &prov, user, NULL, now, &tokens, res);
 out:
	pa_tokens_free(tokens);
	call_end(lg, "online login", user, r, &prov, http, secret, res);
	return r;
}

int
pa_login_refresh(const struct pa_conf *conf, const struct pa_log *lg,
    struct pa_cache *store, const char *user, const char *refresh_token,
    long long now, struct pa_login_result *res)
{
	struct pa_http *http = NULL;
	struct pa_provider prov;
	struct pa_tokens *tokens = NULL;
	char *secret = NULL;
	int r;

	memset(res, 0, sizeof(*res));
	if ((r = call_begin(conf, store, now, &prov, &http, &secret,
	    res)) != PA_OK)
		goto out;
	res->stage = "refresh request";
	r = pa_oidc_refresh_grant(http, prov.meta, conf->client_id, secret,
	    refresh_token, &tokens);
	res->answered = r == PA_OK || r == PA_ERR_REJECTED;
	if (r == PA_ERR_REJECTED && tokens != NULL)
		snprintf(res->detail, sizeof(res->detail), "%s", tokens->error);
	if (r != PA_OK)
		goto out;
	/* The same user, verified like a login: roles come only from here. */
	r = login_accept(conf, &prov, user, NULL, now, &tokens, res);
	if (r != PA_OK && (pa_failure_class(r) == PA_CLASS_UNREACHABLE ||
	    pa_failure_class(r) == PA_CLASS_LOCAL)) {
		/* The grant is spent: keep its rotated token for the retry. */
		res->tokens = tokens;
		tokens = NULL;
	}
 out:
	pa_tokens_free(tokens);
	call_end(lg, "token refresh", user, r, &prov, http, secret, res);
	return r;
}

int
pa_login_device_authorize(const struct pa_conf *conf, const struct pa_log *lg,
    struct pa_cache *store, const char *user, long long now,
    struct pa_device_auth **out, struct pa_login_result *res)
{
	struct pa_http *http = NULL;
	struct pa_provider prov;
	char *secret = NULL, error[64];
	int r;

	*out = NULL;
	memset(res, 0, sizeof(*res));
	if ((r = call_begin(conf, store, now, &prov, &http, &secret,
	    res)) != PA_OK)
		goto out;
	res->stage = "device authorization";
	r = pa_oidc_device_authorize(http, prov.meta, conf->client_id, secret,
	    user, conf->scope, out, error);
	if (r == PA_ERR_REJECTED)
		snprintf(res->detail, sizeof(res->detail), "%s", error);
	else if (r == PA_ERR_NOT_FOUND) {
		snprintf(res->detail, sizeof(res->detail), "discovery names "
		    "no device_authorization_endpoint");
		r = PA_ERR_BAD_RESPONSE;
	}
 out:
	if (r != PA_OK)
		call_end(lg, "second factor start", user, r, &prov, http,
		    secret, res);
	else
		call_end(NULL, NULL, user, r, &prov, http, secret, res);
	return r;
}

int
pa_login_device_redeem(const struct pa_conf *conf, const struct pa_log *lg,
    struct pa_cache *store, const char *user, const char *device_code,
    long long now, struct pa_login_result *res)
{
	struct pa_http *http = NULL;
	struct pa_provider prov;
	struct pa_tokens *tokens = NULL;
	char *secret = NULL;
	int r;

	memset(res, 0, sizeof(*res));
	if ((r = call_begin(conf, store, now, &prov, &http, &secret,
	    res)) != PA_OK)
		goto out;
	res->stage = "device code request";
	r = pa_oidc_device_grant(http, prov.meta, conf->client_id, secret,
	    device_code, &tokens);
	if (r == PA_ERR_REJECTED && tokens != NULL)
		snprintf(res->detail, sizeof(res->detail), "%s", tokens->error);
	if (r != PA_OK)
		goto out;
	/*
	 * Exactly the password grant's checks, and the same user: a phone
	 * logged in as someone else gives a token that fails here.
	 */
	r = login_accept(conf, &prov, user, conf->mfa_acr, now, &tokens, res);
 out:
	/* Still waiting for the person is no event worth a log line. */
	call_end(r == PA_ERR_REJECTED && (strcmp(res->detail,
	    "authorization_pending") == 0 || strcmp(res->detail,
	    "slow_down") == 0) ? NULL : lg, "second factor", user, r, &prov,
	    http, secret, res);
	pa_tokens_free(tokens);
	return r;
}
