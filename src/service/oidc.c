/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "buf.h"
#include "dpop.h"
#include "err.h"
#include "http.h"
#include "oidc.h"
#include "secret.h"

/* JSON from the network: duplicate keys are ambiguous, so refused. */
#define OIDC_JSON_FLAGS JSON_REJECT_DUPLICATES

int
pa_oidc_status_class(long status)
{
	if (status >= 200 && status < 300)
		return PA_OK;
	/* A failing server is an outage; offline grace may cover it. */
	if (status >= 500 && status < 600)
		return PA_ERR_UNREACHABLE;
	if (status >= 400 && status < 500)
		return PA_ERR_REJECTED;
	/* 1xx/3xx: redirects are never followed; anything else is wrong. */
	return PA_ERR_BAD_RESPONSE;
}

static int
json_parse_object(const struct pa_http_resp *resp, json_t **out)
{
	json_error_t jerr;
	json_t *j;

	*out = NULL;
	if (resp->body == NULL || memchr(resp->body, '\0', resp->len) != NULL)
		return PA_ERR_JSON;
	j = json_loadb(resp->body, resp->len, OIDC_JSON_FLAGS, &jerr);
	if (j == NULL)
		return PA_ERR_JSON;
	if (!json_is_object(j)) {
		json_decref(j);
		return PA_ERR_JSON;
	}
	*out = j;
	return PA_OK;
}

/* A copy of a string member; absent is fine when optional. */
static int
json_dup_string(json_t *obj, const char *key, int required, char **out)
{
	json_t *v = json_object_get(obj, key);
	const char *s;

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return required ? PA_ERR_BAD_RESPONSE : PA_OK;
	if (!json_is_string(v))
		return PA_ERR_BAD_RESPONSE;
	s = json_string_value(v);
	/* An embedded NUL would make C see a different string. */
	if (strlen(s) != json_string_length(v) || *s == '\0')
		return PA_ERR_BAD_RESPONSE;
	if ((*out = strdup(s)) == NULL)
		return PA_ERR_ALLOC;
	return PA_OK;
}

static int
url_is_https(const char *url)
{
	return url != NULL && strncmp(url, "https://", 8) == 0 &&
	    url[8] != '\0' && url[8] != '/' && strpbrk(url, " \t\r\n") == NULL;
}

void
pa_oidc_meta_free(struct pa_oidc_meta *m)
{
	if (m == NULL)
		return;
	free(m->issuer);
	free(m->token_endpoint);
	free(m->jwks_uri);
	free(m->revocation_endpoint);
	free(m->introspection_endpoint);
	free(m->device_authorization_endpoint);
	free(m);
}

static int
oidc_meta_from_json(json_t *doc, const char *issuer, struct pa_oidc_meta *m)
{
	int r;

	if ((r = json_dup_string(doc, "issuer", 1, &m->issuer)) != PA_OK ||
	    (r = json_dup_string(doc, "token_endpoint", 1,
	    &m->token_endpoint)) != PA_OK ||
	    (r = json_dup_string(doc, "jwks_uri", 1, &m->jwks_uri)) != PA_OK ||
	    (r = json_dup_string(doc, "revocation_endpoint", 0,
	    &m->revocation_endpoint)) != PA_OK ||
	    (r = json_dup_string(doc, "introspection_endpoint", 0,
	    &m->introspection_endpoint)) != PA_OK ||
	    (r = json_dup_string(doc, "device_authorization_endpoint", 0,
	    &m->device_authorization_endpoint)) != PA_OK)
		return r;
	/*
	 * OIDC Discovery §4.3: the issuer in the document must be exactly the
	 * one we asked, or a document planted elsewhere could redirect us to
	 * another provider's keys.
	 */
	if (strcmp(m->issuer, issuer) != 0)
		return PA_ERR_BAD_RESPONSE;
	if (!url_is_https(m->token_endpoint) || !url_is_https(m->jwks_uri) ||
	    (m->revocation_endpoint != NULL &&
	    !url_is_https(m->revocation_endpoint)) ||
	    (m->introspection_endpoint != NULL &&
	    !url_is_https(m->introspection_endpoint)) ||
	    (m->device_authorization_endpoint != NULL &&
	    !url_is_https(m->device_authorization_endpoint)))
		return PA_ERR_BAD_RESPONSE;
	return PA_OK;
}

int
pa_oidc_get_json(struct pa_http *h, const char *url, char **body,
    size_t *len)
{
	struct pa_http_resp resp = { 0 };
	int r;

	*body = NULL;
	*len = 0;
	if ((r = pa_http_get(h, url, &resp)) != PA_OK)
		goto out;
	if ((r = pa_oidc_status_class(resp.status)) != PA_OK) {
		/* A 4xx here is a broken or misconfigured service, not a "no". */
		if (r == PA_ERR_REJECTED)
			r = PA_ERR_BAD_RESPONSE;
		goto out;
	}
	if (resp.status != 200) {
		r = PA_ERR_BAD_RESPONSE;
		goto out;
	}
	*body = resp.body;
	*len = resp.len;
	resp.body = NULL;
	resp.len = 0;
 out:
	pa_http_resp_clear(&resp);
	return r;
}

char *
pa_oidc_discovery_url(const char *issuer)
{
	static const char suffix[] = "/.well-known/openid-configuration";
	size_t ilen = strlen(issuer);
	char *url;

	/* Discovery §4: a trailing slash on the issuer is dropped first. */
	if (ilen > 0 && issuer[ilen - 1] == '/')
		ilen--;
	if ((url = malloc(ilen + sizeof(suffix))) == NULL)
		return NULL;
	memcpy(url, issuer, ilen);
	memcpy(url + ilen, suffix, sizeof(suffix));
	return url;
}

int
pa_oidc_meta_parse(const char *body, size_t len, const char *issuer,
    struct pa_oidc_meta **out)
{
	struct pa_http_resp fake = { 0 };
	struct pa_oidc_meta *m = NULL;
	json_t *doc = NULL;
	int r;

	*out = NULL;
	fake.body = (char *)body;
	fake.len = len;
	if ((r = json_parse_object(&fake, &doc)) != PA_OK)
		goto out;
	r = PA_ERR_ALLOC;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		goto out;
	if ((r = oidc_meta_from_json(doc, issuer, m)) != PA_OK)
		goto out;
	*out = m;
	m = NULL;
	r = PA_OK;
 out:
	if (r == PA_ERR_JSON)
		r = PA_ERR_BAD_RESPONSE;
	pa_oidc_meta_free(m);
	json_decref(doc);
	return r;
}

void
pa_tokens_free(struct pa_tokens *t)
{
	if (t == NULL)
		return;
	pa_strfreezero(t->access_token);
	pa_strfreezero(t->id_token);
	pa_strfreezero(t->refresh_token);
	pa_freezero(t, sizeof(*t));
}

/*
 * RFC 6749 §5.2: remember the error code (printable, short) for logs, or
 * the HTTP status when the answer carries none (a proxy, a misrouted
 * request, a provider that answers 401 with an HTML page).
 */
static void
tokens_note_error(json_t *doc, long status, struct pa_tokens *t)
{
	json_t *e = doc ? json_object_get(doc, "error") : NULL;
	const char *s;
	size_t i;

	snprintf(t->error, sizeof(t->error), "HTTP %ld without an OAuth "
	    "error", status);
	if (!json_is_string(e))
		return;
	s = json_string_value(e);
	for (i = 0; s[i] != '\0' && i + 1 < sizeof(t->error); i++) {
		/* §5.2 limits the code to %x20-21 / %x23-5B / %x5D-7E. */
		if (s[i] < 0x21 || s[i] > 0x7e || s[i] == '"' || s[i] == '\\')
			return;
	}
	snprintf(t->error, sizeof(t->error), "%.*s", (int)i, s);
}

static int
tokens_from_json(json_t *doc, struct pa_tokens *t)
{
	json_t *v;
	int r;

	if ((r = json_dup_string(doc, "access_token", 1,
	    &t->access_token)) != PA_OK ||
	    (r = json_dup_string(doc, "id_token", 0, &t->id_token)) != PA_OK ||
	    (r = json_dup_string(doc, "refresh_token", 0,
	    &t->refresh_token)) != PA_OK)
		return r;
	v = json_object_get(doc, "token_type");
	/* RFC 6749 §7.1: bearer tokens, or RFC 9449 §5 DPoP-bound ones. */
	if (json_is_string(v) && strcasecmp(json_string_value(v), "DPoP") == 0)
		t->dpop_bound = 1;
	else if (!json_is_string(v) ||
	    strcasecmp(json_string_value(v), "Bearer"))
		return PA_ERR_BAD_RESPONSE;
	v = json_object_get(doc, "expires_in");
	if (v != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > 10L * 365 * 86400)
			return PA_ERR_BAD_RESPONSE;
		t->expires_in = (long)json_integer_value(v);
	}
	return PA_OK;
}

/* JSON strings hold token copies: wipe them before jansson frees them. */
static void
json_wipe_strings(json_t *doc)
{
	json_t *v;
	const char *k;

	json_object_foreach(doc, k, v)
		if (json_is_string(v))
			OPENSSL_cleanse((char *)json_string_value(v),
			    json_string_length(v));
}

int
pa_oidc_tokens_parse(const char *body, size_t len, struct pa_tokens **out)
{
	struct pa_http_resp fake = { 0 };
	struct pa_tokens *t = NULL;
	json_t *doc = NULL;
	int r;

	*out = NULL;
	fake.body = (char *)body;
	fake.len = len;
	if ((r = json_parse_object(&fake, &doc)) != PA_OK) {
		r = PA_ERR_BAD_RESPONSE;
		goto out;
	}
	r = PA_ERR_ALLOC;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		goto out;
	if ((r = tokens_from_json(doc, t)) != PA_OK)
		goto out;
	*out = t;
	t = NULL;
 out:
	if (doc != NULL) {
		json_wipe_strings(doc);
		json_decref(doc);
	}
	pa_tokens_free(t);
	return r;
}

/*
 * With dpop = yes the tokens must come back bound to our key (RFC 9449
 * §5): token_type DPoP and, in the access token, cnf.jkt our thumbprint.
 * A service that ignored the proof would hand out bearer tokens that
 * work from anywhere, which is what dpop = yes is there to prevent; an
 * opaque access token cannot be checked and is refused too. Unasked-for
 * bound tokens could not be used by anyone either.
 */
static int
oidc_check_binding(const struct pa_http *h, const struct pa_tokens *t)
{
	char jkt[44];

	if (pa_http_dpop_jkt(h, jkt) != PA_OK)
		return t->dpop_bound ? PA_ERR_BAD_RESPONSE : PA_OK;
	if (!t->dpop_bound)
		return PA_ERR_NOT_BOUND;
	return pa_dpop_token_bound(t->access_token, jkt);
}

static int
oidc_token_request(struct pa_http *h, const struct pa_oidc_meta *m,
    const char *client_id, const char *client_secret,
    const struct pa_buf *form,
    struct pa_tokens **out)
{
	struct pa_http_resp resp = { 0 };
	struct pa_tokens *t = NULL;
	json_t *doc = NULL;
	int r, cls;

	*out = NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return PA_ERR_ALLOC;
	if ((r = pa_http_set_audience(h, m->token_endpoint)) != PA_OK ||
	    (r = pa_http_post_token(h, m->token_endpoint, client_id,
	    client_secret, form, &resp)) != PA_OK)
		goto out;
	cls = pa_oidc_status_class(resp.status);
	if (cls == PA_ERR_REJECTED) {
		/* The body is only read for its error code; junk is fine. */
		if (json_parse_object(&resp, &doc) != PA_OK)
			doc = NULL;
		tokens_note_error(doc, resp.status, t);
		*out = t;
		t = NULL;
		r = PA_ERR_REJECTED;
		goto out;
	}
	if ((r = cls) != PA_OK)
		goto out;
	if (resp.status != 200) {
		r = PA_ERR_BAD_RESPONSE;
		goto out;
	}
	pa_tokens_free(t);
	t = NULL;
	if ((r = pa_oidc_tokens_parse(resp.body, resp.len, out)) == PA_OK &&
	    (r = oidc_check_binding(h, *out)) != PA_OK) {
		pa_tokens_free(*out);
		*out = NULL;
	}
 out:
	if (doc != NULL) {
		json_wipe_strings(doc);
		json_decref(doc);
	}
	pa_tokens_free(t);
	pa_http_resp_clear(&resp);
	return r;
}

/*
 * A token endpoint request from NULL-terminated name/value pairs; the
 * form (it holds the PIN or the refresh token) is wiped afterwards.
 */
static int
oidc_grant(struct pa_http *h, const struct pa_oidc_meta *m,
    const char *client_id, const char *client_secret,
    const char *const *pairs, struct pa_tokens **out)
{
	struct pa_buf form;
	int r = PA_OK;

	*out = NULL;
	pa_buf_init(&form, PA_FORM_MAX);
	for (; r == PA_OK && pairs[0] != NULL; pairs += 2)
		r = pa_form_add(&form, pairs[0], pairs[1]);
	if (r == PA_OK)
		r = oidc_token_request(h, m, client_id, client_secret, &form,
		    out);
	pa_buf_clear(&form);
	return r;
}

int
pa_oidc_password_grant(struct pa_http *h, const struct pa_oidc_meta *m,
    const char *client_id, const char *client_secret,
    const char *username, const char *pin, const char *scope,
    struct pa_tokens **out)
{
	const char *const pairs[] = { "grant_type", "password",
	    "username", username, "password", pin, "scope", scope, NULL };

	return oidc_grant(h, m, client_id, client_secret, pairs, out);
}

int
pa_oidc_refresh_grant(struct pa_http *h, const struct pa_oidc_meta *m,
    const char *client_id, const char *client_secret,
    const char *refresh_token, struct pa_tokens **out)
{
	const char *const pairs[] = { "grant_type", "refresh_token",
	    "refresh_token", refresh_token, NULL };

	return oidc_grant(h, m, client_id, client_secret, pairs, out);
}

int
pa_oidc_revoke(struct pa_http *h, const struct pa_oidc_meta *m,
    const char *client_id, const char *client_secret,
    const char *token, const char *hint)
{
	struct pa_http_resp resp = { 0 };
	struct pa_buf form;
	int r;

	if (m->revocation_endpoint == NULL)
		return PA_ERR_NOT_FOUND;
	pa_buf_init(&form, PA_FORM_MAX);
	if ((r = pa_form_add(&form, "token", token)) != PA_OK ||
	    (hint != NULL && (r = pa_form_add(&form, "token_type_hint",
	    hint)) != PA_OK))
		goto out;
	/* RFC 7523 §3: the assertion is for the server, named by its
	 * token endpoint, whichever endpoint receives it. */
	if ((r = pa_http_set_audience(h, m->token_endpoint)) != PA_OK ||
	    (r = pa_http_post_form(h, m->revocation_endpoint, client_id,
	    client_secret, &form, &resp)) != PA_OK)
		goto out;
	/* RFC 7009 §2.2: 200 whether or not the token was known. */
	r = pa_oidc_status_class(resp.status);
 out:
	pa_http_resp_clear(&resp);
	pa_buf_clear(&form);
	return r;
}

/* --- RFC 8628: the device authorization grant (the second factor) --- */

int
pa_oidc_device_grant(struct pa_http *h, const struct pa_oidc_meta *m,
    const char *client_id, const char *client_secret,
    const char *device_code, struct pa_tokens **out)
{
	const char *const pairs[] = { "grant_type",
	    "urn:ietf:params:oauth:grant-type:device_code",
	    "device_code", device_code, NULL };

	return oidc_grant(h, m, client_id, client_secret, pairs, out);
}

void
pa_device_auth_free(struct pa_device_auth *d)
{
	if (d == NULL)
		return;
	pa_strfreezero(d->device_code);
	free(d->user_code);
	free(d->verification_uri);
	free(d->verification_uri_complete);
	free(d);
}

/*
 * What the person is shown must be text, not terminal controls: an
 * escape sequence from the service would rewrite the conversation.
 */
static int
device_text_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f ||
		    i >= PA_DEVICE_TEXT_MAX)
			return 0;
	return 1;
}

/* A positive integer member; absent gives def (0: required). */
static int
device_seconds(json_t *doc, const char *key, long def, long max, long *out)
{
	json_t *v = json_object_get(doc, key);

	if (v == NULL && def > 0) {
		*out = def;
		return PA_OK;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 1 ||
	    json_integer_value(v) > 10L * 365 * 86400)
		return PA_ERR_BAD_RESPONSE;
	/* Our wait is bounded whatever the service allows. */
	*out = json_integer_value(v) > max ? max : (long)json_integer_value(v);
	return PA_OK;
}

static int
device_from_json(json_t *doc, struct pa_device_auth *d)
{
	int r;

	if ((r = json_dup_string(doc, "device_code", 1,
	    &d->device_code)) != PA_OK ||
	    (r = json_dup_string(doc, "user_code", 1, &d->user_code)) != PA_OK ||
	    (r = json_dup_string(doc, "verification_uri", 1,
	    &d->verification_uri)) != PA_OK ||
	    (r = json_dup_string(doc, "verification_uri_complete", 0,
	    &d->verification_uri_complete)) != PA_OK)
		return r;
	if (!device_text_ok(d->user_code) ||
	    !device_text_ok(d->verification_uri) ||
	    !url_is_https(d->verification_uri) ||
	    (d->verification_uri_complete != NULL &&
	    (!device_text_ok(d->verification_uri_complete) ||
	    !url_is_https(d->verification_uri_complete))))
		return PA_ERR_BAD_RESPONSE;
	/* §3.2: interval defaults to 5 s. */
	if ((r = device_seconds(doc, "expires_in", 0, PA_DEVICE_MAX_WAIT,
	    &d->expires_in)) != PA_OK ||
	    (r = device_seconds(doc, "interval", 5, PA_DEVICE_MAX_INTERVAL,
	    &d->interval)) != PA_OK)
		return r;
	return PA_OK;
}

int
pa_oidc_device_auth_parse(const char *body, size_t len,
    struct pa_device_auth **out)
{
	struct pa_http_resp fake = { 0 };
	struct pa_device_auth *d = NULL;
	json_t *doc = NULL;
	int r;

	*out = NULL;
	fake.body = (char *)body;
	fake.len = len;
	if (json_parse_object(&fake, &doc) != PA_OK) {
		r = PA_ERR_BAD_RESPONSE;
		goto out;
	}
	r = PA_ERR_ALLOC;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		goto out;
	if ((r = device_from_json(doc, d)) != PA_OK)
		goto out;
	*out = d;
	d = NULL;
 out:
	if (doc != NULL) {
		json_wipe_strings(doc);
		json_decref(doc);
	}
	pa_device_auth_free(d);
	return r;
}

int
pa_oidc_device_authorize(struct pa_http *h, const struct pa_oidc_meta *m,
    const char *client_id, const char *client_secret,
    const char *login_hint, const char *scope,
    struct pa_device_auth **out, char error[64])
{
	struct pa_http_resp resp = { 0 };
	struct pa_tokens note;
	struct pa_buf form;
	json_t *doc = NULL;
	int r;

	*out = NULL;
	error[0] = '\0';
	if (m->device_authorization_endpoint == NULL)
		return PA_ERR_NOT_FOUND;
	pa_buf_init(&form, PA_FORM_MAX);
	if ((r = pa_form_add(&form, "scope", scope)) != PA_OK ||
	    (r = pa_form_add(&form, "login_hint", login_hint)) != PA_OK ||
	    (r = pa_http_post_form(h, m->device_authorization_endpoint,
	    client_id, client_secret, &form, &resp)) != PA_OK)
		goto out;
	if ((r = pa_oidc_status_class(resp.status)) == PA_ERR_REJECTED) {
		memset(&note, 0, sizeof(note));
		if (json_parse_object(&resp, &doc) != PA_OK)
			doc = NULL;
		tokens_note_error(doc, resp.status, &note);
		memcpy(error, note.error, sizeof(note.error));
		goto out;
	}
	if (r != PA_OK || resp.status != 200) {
		r = r != PA_OK ? r : PA_ERR_BAD_RESPONSE;
		goto out;
	}
	r = pa_oidc_device_auth_parse(resp.body, resp.len, out);
 out:
	json_decref(doc);
	pa_http_resp_clear(&resp);
	pa_buf_clear(&form);
	return r;
}
