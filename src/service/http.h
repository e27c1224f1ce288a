/* SPDX-License-Identifier: MIT */
/*
 * HTTPS client for the token service, over libcurl. TLS verification is
 * always on, redirects are never followed, only https is spoken, both the
 * connect and the whole-request timeouts apply and the body is capped.
 * One handle serves one login so discovery, JWKS and token requests share
 * a TLS connection.
 */
#ifndef POSAUTH_HTTP_H
#define POSAUTH_HTTP_H

#include <stddef.h>

struct pa_buf;
struct pa_conf;
struct pa_http;

struct pa_http_opts {
	const char *ca_file;	/* the only trust anchors; NULL: system CAs */
	long connect_timeout;	/* seconds */
	long timeout;		/* seconds, whole request */
	size_t max_response;	/* bytes */
	/*
	 * Seconds for everything this handle does (a login's discovery,
	 * JWKS and token requests together), counted from pa_http_new();
	 * 0: no budget beyond each request's own timeout. The login
	 * service promises its clients an answer within `timeout`.
	 */
	long budget;
};

struct pa_http_resp {
	long status;		/* HTTP status code */
	char *body;		/* NUL-terminated, wiped on free */
	size_t len;
	char content_type[64];
};

int pa_http_new(const struct pa_http_opts *opts, struct pa_http **out);
/*
 * From now on every handle of this process shares one connection cache,
 * TLS sessions and DNS answers: for a long-lived service, so a request
 * finds the connection to the token service open. Call once, early.
 */
int pa_http_keep_connections(void);
/*
 * A client with the configuration's CA file, timeouts and size cap, and
 * `timeout` as the budget of the whole handle.
 */
int pa_http_new_for(const struct pa_conf *conf, struct pa_http **out);
void pa_http_free(struct pa_http *h);

/*
 * Both return PA_OK when an HTTP answer arrived (whatever its status),
 * PA_ERR_UNREACHABLE when none did (DNS, connect, TLS, timeout, the
 * handle's budget spent),
 * PA_ERR_BAD_RESPONSE for an answer larger than max_response, and
 * PA_ERR_ALLOC / PA_ERR_SYSTEM when the failure was ours (memory, the CA
 * file, descriptors): a local failure is never "unreachable".
 * The last transport error text is kept for logging (pa_http_error).
 */
int pa_http_get(struct pa_http *h, const char *url, struct pa_http_resp *resp);

/*
 * POSTs an application/x-www-form-urlencoded body, authenticating the
 * client as the handle's configuration says (pa_http_new_for; a plain
 * pa_http_new handle uses Basic): client_secret_basic with HTTP Basic as
 * RFC 6749 §2.3.1 says (id and secret are form-urlencoded before being
 * joined; client_secret may be NULL for the other methods),
 * private_key_jwt with a fresh client assertion in the body (RFC 7523),
 * tls_client_auth with the client certificate and client_id (RFC 8705).
 * The body and the headers are wiped once sent.
 */
int pa_http_post_form(struct pa_http *h, const char *url,
    const char *client_id, const char *client_secret,
    const struct pa_buf *form, struct pa_http_resp *resp);

/*
 * The same for the token endpoint: with dpop = yes the request carries a
 * DPoP proof of the device key (RFC 9449 §5), and is sent once more with
 * a fresh proof when the service demands a nonce (§8).
 */
int pa_http_post_token(struct pa_http *h, const char *url,
    const char *client_id, const char *client_secret,
    const struct pa_buf *form, struct pa_http_resp *resp);

/* The aud of client assertions from now on: the token endpoint. */
int pa_http_set_audience(struct pa_http *h, const char *token_endpoint);

/*
 * The RFC 7638 thumbprint of the key tokens must be bound to (cnf.jkt);
 * PA_ERR_NOT_FOUND when this handle does not ask for bound tokens.
 */
int pa_http_dpop_jkt(const struct pa_http *h, char out[44]);

const char *pa_http_error(const struct pa_http *h);

void pa_http_resp_clear(struct pa_http_resp *resp);

/* Appends "&name=value" (or "name=value" at the start) form-urlencoded. */
int pa_form_add(struct pa_buf *form, const char *name, const char *value);

/* The most a form may hold: a PIN or a token and a few short fields. */
#define PA_FORM_MAX (256 * 1024)

#endif
