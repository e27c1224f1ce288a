/* SPDX-License-Identifier: MIT */
/*
 * The OAuth2 / OpenID Connect protocol messages we exchange with the token
 * service: discovery (OIDC Discovery 1.0 §4), the JWKS, the token endpoint
 * (RFC 6749 §4.3 password grant, §6 refresh) and revocation (RFC 7009).
 * Stateless: what is cached and for how long is provider.c's concern.
 */
#ifndef POSAUTH_OIDC_H
#define POSAUTH_OIDC_H

#include <stddef.h>

struct pa_http;

struct pa_oidc_meta {
	char *issuer;
	char *token_endpoint;
	char *jwks_uri;
	char *revocation_endpoint;	/* may be NULL */
	char *introspection_endpoint;	/* may be NULL */
	char *device_authorization_endpoint;	/* RFC 8628; may be NULL */
};

struct pa_tokens {
	char *access_token;
	char *id_token;			/* may be NULL */
	char *refresh_token;		/* may be NULL */
	long expires_in;		/* 0 when not given */
	int dpop_bound;			/* token_type DPoP (RFC 9449 §5) */
	char error[64];			/* RFC 6749 §5.2 error code, if any */
};

/*
 * GETs a JSON document (discovery, JWKS): PA_OK with the body, which the
 * caller frees; 5xx and no answer are PA_ERR_UNREACHABLE, any other
 * non-200 answer PA_ERR_BAD_RESPONSE.
 */
int pa_oidc_get_json(struct pa_http *h, const char *url, char **body,
    size_t *len);
char *pa_oidc_discovery_url(const char *issuer);
/* Parses and checks a discovery document for issuer. */
int pa_oidc_meta_parse(const char *body, size_t len, const char *issuer,
    struct pa_oidc_meta **out);
void pa_oidc_meta_free(struct pa_oidc_meta *m);

/*
 * Token endpoint requests. PA_OK with *out set; PA_ERR_REJECTED for a 4xx
 * (out->error says which, *out is still set so the caller can log it);
 * PA_ERR_UNREACHABLE for no answer or a 5xx; PA_ERR_BAD_RESPONSE for an
 * answer we cannot use.
 */
int pa_oidc_password_grant(struct pa_http *h, const struct pa_oidc_meta *m,
    const char *client_id, const char *client_secret,
    const char *username, const char *pin, const char *scope,
    struct pa_tokens **out);
int pa_oidc_refresh_grant(struct pa_http *h, const struct pa_oidc_meta *m,
    const char *client_id, const char *client_secret,
    const char *refresh_token, struct pa_tokens **out);
int pa_oidc_revoke(struct pa_http *h, const struct pa_oidc_meta *m,
    const char *client_id, const char *client_secret,
    const char *token, const char *hint);

/*
 * RFC 8628 §3.2: what the device authorization endpoint answered. Every
 * string is printable ASCII (it is shown to the person), the URIs https.
 */
struct pa_device_auth {
	char *device_code;		/* a secret: wiped */
	char *user_code;
	char *verification_uri;
	char *verification_uri_complete;	/* may be NULL */
	long expires_in;		/* s, >= 1, at most PA_DEVICE_MAX_WAIT */
	long interval;			/* s, 1..PA_DEVICE_MAX_INTERVAL */
};

#define PA_DEVICE_MAX_WAIT	900	/* s: longer codes are cut to this */
#define PA_DEVICE_MAX_INTERVAL	60	/* s between polls, at most */
#define PA_DEVICE_TEXT_MAX	512	/* bytes of a code or URI shown */

/*
 * RFC 8628 §3.1, with login_hint (the user the PIN step proved, for
 * providers that take it; others ignore it, RFC 6749 §3.1). The same
 * status convention as the token endpoint; PA_ERR_NOT_FOUND when the
 * service has no device authorization endpoint.
 */
int pa_oidc_device_authorize(struct pa_http *h, const struct pa_oidc_meta *m,
    const char *client_id, const char *client_secret,
    const char *login_hint, const char *scope,
    struct pa_device_auth **out, char error[64]);
/* RFC 8628 §3.4: one poll of the token endpoint for device_code. */
int pa_oidc_device_grant(struct pa_http *h, const struct pa_oidc_meta *m,
    const char *client_id, const char *client_secret,
    const char *device_code, struct pa_tokens **out);
int pa_oidc_device_auth_parse(const char *body, size_t len,
    struct pa_device_auth **out);
void pa_device_auth_free(struct pa_device_auth *d);

/* Parses a successful token response body (RFC 6749 §5.1). */
int pa_oidc_tokens_parse(const char *body, size_t len,
    struct pa_tokens **out);

void pa_tokens_free(struct pa_tokens *t);

/* Maps an HTTP status of the token service to our status space. */
int pa_oidc_status_class(long http_status);

#endif
