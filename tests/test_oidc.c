/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "http.h"
#include "oidc.h"
#include "tap.h"

#define ISS "https://id.example.test"

static int
parse(const char *doc)
{
	struct pa_oidc_meta *m = NULL;
	int r = pa_oidc_meta_parse(doc, strlen(doc), ISS, &m);

	pa_oidc_meta_free(m);
	return r;
}

/* RFC 8628 §3.2 answers: what is shown must be plain text and https. */
static int
device_parse(const char *body, struct pa_device_auth **d)
{
	return pa_oidc_device_auth_parse(body, strlen(body), d);
}

static void
test_device_auth(void)
{
	struct pa_device_auth *d = NULL;
	const char *good = "{\"device_code\":\"dc\",\"user_code\":"
	    "\"BCDF-GHJK\",\"verification_uri\":\"https://id.example/device\","
	    "\"verification_uri_complete\":\"https://id.example/device?"
	    "user_code=BCDF-GHJK\",\"expires_in\":300}";

	ok(device_parse(good, &d) == PA_OK && strcmp(d->device_code, "dc") ==
	    0 && strcmp(d->user_code, "BCDF-GHJK") == 0 &&
	    d->expires_in == 300 && d->interval == 5,
	    "test_device_auth_parsed_interval_defaults_to_5");
	pa_device_auth_free(d);
	ok(device_parse("{\"device_code\":\"dc\",\"user_code\":\"A\","
	    "\"verification_uri\":\"https://x/d\",\"expires_in\":86400,"
	    "\"interval\":3600}", &d) == PA_OK &&
	    d->expires_in == PA_DEVICE_MAX_WAIT &&
	    d->interval == PA_DEVICE_MAX_INTERVAL &&
	    d->verification_uri_complete == NULL,
	    "test_device_auth_long_waits_bounded");
	pa_device_auth_free(d);
	ok(device_parse("{\"device_code\":\"dc\",\"user_code\":"
	    "\"A\\u001b[2J\",\"verification_uri\":\"https://x/d\","
	    "\"expires_in\":60}", &d) == PA_ERR_BAD_RESPONSE && d == NULL,
	    "test_device_auth_escape_in_user_code_refused");
	ok(device_parse("{\"device_code\":\"dc\",\"user_code\":\"A\","
	    "\"verification_uri\":\"http://x/d\",\"expires_in\":60}", &d) ==
	    PA_ERR_BAD_RESPONSE, "test_device_auth_plain_http_uri_refused");
	ok(device_parse("{\"device_code\":\"dc\",\"user_code\":\"A\","
	    "\"verification_uri\":\"https://x/d\",\"verification_uri_"
	    "complete\":\"https://x/d?c=\\u00e9\",\"expires_in\":60}", &d) ==
	    PA_ERR_BAD_RESPONSE, "test_device_auth_non_ascii_uri_refused");
	ok(device_parse("{\"device_code\":\"dc\",\"user_code\":\"A\","
	    "\"verification_uri\":\"https://x/d\"}", &d) ==
	    PA_ERR_BAD_RESPONSE && device_parse("{\"device_code\":\"dc\","
	    "\"user_code\":\"A\",\"verification_uri\":\"https://x/d\","
	    "\"expires_in\":0}", &d) == PA_ERR_BAD_RESPONSE &&
	    device_parse("{\"user_code\":\"A\",\"verification_uri\":"
	    "\"https://x/d\",\"expires_in\":9}", &d) == PA_ERR_BAD_RESPONSE,
	    "test_device_auth_missing_or_zero_fields_refused");
	ok(device_parse("{\"device_code\":\"dc\",\"user_code\":\"A\","
	    "\"verification_uri\":\"https://x/d\",\"expires_in\":9,"
	    "\"interval\":\"5\"}", &d) == PA_ERR_BAD_RESPONSE &&
	    device_parse("[1]", &d) == PA_ERR_BAD_RESPONSE,
	    "test_device_auth_wrong_types_refused");
}

int
main(void)
{
	struct pa_oidc_meta *m = NULL;
	const char *good = "{\"issuer\":\"" ISS "\","
	    "\"token_endpoint\":\"https://id.example.test/token\","
	    "\"jwks_uri\":\"https://id.example.test/jwks\","
	    "\"revocation_endpoint\":\"https://id.example.test/revoke\"}";
	struct pa_buf form;
	char *url;

	ok(pa_oidc_meta_parse(good, strlen(good), ISS, &m) == PA_OK &&
	    strcmp(m->jwks_uri, "https://id.example.test/jwks") == 0 &&
	    m->introspection_endpoint == NULL,
	    "test_discovery_document_parsed");
	pa_oidc_meta_free(m);
	ok(parse("{\"issuer\":\"https://evil.test\","
	    "\"token_endpoint\":\"https://id.example.test/token\","
	    "\"jwks_uri\":\"https://id.example.test/jwks\"}") ==
	    PA_ERR_BAD_RESPONSE, "test_discovery_issuer_mismatch_refused");
	ok(parse("{\"issuer\":\"" ISS "\","
	    "\"token_endpoint\":\"http://id.example.test/token\","
	    "\"jwks_uri\":\"https://id.example.test/jwks\"}") ==
	    PA_ERR_BAD_RESPONSE, "test_plain_http_endpoint_refused");
	ok(parse("{\"issuer\":\"" ISS "\","
	    "\"token_endpoint\":\"https://id.example.test/token\"}") ==
	    PA_ERR_BAD_RESPONSE, "test_missing_jwks_uri_refused");
	ok(parse("{\"issuer\":\"" ISS "\",\"issuer\":\"" ISS "\"}") ==
	    PA_ERR_BAD_RESPONSE, "test_duplicate_keys_refused");
	ok(parse("[1,2]") == PA_ERR_BAD_RESPONSE && parse("garbage") ==
	    PA_ERR_BAD_RESPONSE, "test_non_object_refused");
	ok(parse("{\"issuer\":\"https://id.example.test\\u0000x\","
	    "\"token_endpoint\":\"https://id.example.test/token\","
	    "\"jwks_uri\":\"https://id.example.test/jwks\"}") ==
	    PA_ERR_BAD_RESPONSE, "test_embedded_nul_refused");

	url = pa_oidc_discovery_url("https://id.example.test/realms/x/");
	ok(url && strcmp(url, "https://id.example.test/realms/x/"
	    ".well-known/openid-configuration") == 0,
	    "test_discovery_url_drops_trailing_slash");
	free(url);

	ok(pa_oidc_status_class(200) == PA_OK &&
	    pa_oidc_status_class(503) == PA_ERR_UNREACHABLE &&
	    pa_oidc_status_class(500) == PA_ERR_UNREACHABLE &&
	    pa_oidc_status_class(400) == PA_ERR_REJECTED &&
	    pa_oidc_status_class(401) == PA_ERR_REJECTED &&
	    pa_oidc_status_class(302) == PA_ERR_BAD_RESPONSE,
	    "test_http_status_classes");

	pa_buf_init(&form, PA_FORM_MAX);
	ok(pa_form_add(&form, "grant_type", "password") == PA_OK &&
	    pa_form_add(&form, "password", "a&b=c d%") == PA_OK &&
	    strcmp(pa_buf_str(&form),
	    "grant_type=password&password=a%26b%3Dc%20d%25") == 0 &&
	    form.len == strlen(pa_buf_str(&form)), "test_form_values_escaped");
	pa_buf_clear(&form);
	{
		struct pa_tokens *t = NULL;
		const char *tr = "{\"access_token\":\"a.b.c\",\"id_token\":"
		    "\"d.e.f\",\"token_type\":\"Bearer\",\"expires_in\":300}";

		ok(pa_oidc_tokens_parse(tr, strlen(tr), &t) == PA_OK &&
		    strcmp(t->id_token, "d.e.f") == 0 && t->expires_in == 300 &&
		    t->refresh_token == NULL, "test_token_response_parsed");
		pa_tokens_free(t);
		tr = "{\"access_token\":\"a\",\"token_type\":\"MAC\"}";
		ok(pa_oidc_tokens_parse(tr, strlen(tr), &t) ==
		    PA_ERR_BAD_RESPONSE, "test_non_bearer_token_refused");
		tr = "{\"token_type\":\"Bearer\"}";
		ok(pa_oidc_tokens_parse(tr, strlen(tr), &t) ==
		    PA_ERR_BAD_RESPONSE, "test_missing_access_token_refused");
		tr = "{\"access_token\":\"a\",\"token_type\":\"bearer\","
		    "\"expires_in\":-5}";
		ok(pa_oidc_tokens_parse(tr, strlen(tr), &t) ==
		    PA_ERR_BAD_RESPONSE, "test_negative_expiry_refused");
		tr = "{\"access_token\":5,\"token_type\":\"Bearer\"}";
		ok(pa_oidc_tokens_parse(tr, strlen(tr), &t) ==
		    PA_ERR_BAD_RESPONSE, "test_non_string_token_refused");
		ok(pa_oidc_tokens_parse("[]", 2, &t) == PA_ERR_BAD_RESPONSE &&
		    t == NULL, "test_array_response_refused");
	}
	test_device_auth();
	return tap_done();
}
