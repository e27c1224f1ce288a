/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "claims.h"
#include "conf.h"
#include "err.h"
#include "strv.h"
#include "user.h"

/* 9999-12-31T23:59:59Z: far enough, and exp + leeway cannot overflow. */
#define NUMERICDATE_MAX 253402300799LL
#define CLAIM_PATH_MAX 1024
#define CLAIM_TEXT_MAX 256	/* tenant and store, exported to sessions */

/* Where a failed rule says why, for the log: which claim, what was wrong. */
struct why {
	char *buf;
	size_t len;
};

static int explain(struct why *, int, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static int
explain(struct why *w, int status, const char *fmt, ...)
{
	va_list ap;

	if (w->buf != NULL && w->len > 0) {
		va_start(ap, fmt);
		vsnprintf(w->buf, w->len, fmt, ap);
		va_end(ap);
	}
	return status;
}

static const char *
json_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "something else";
}

/* Printable ASCII, spaces allowed: these reach session environments. */
static int
text_printable(const char *s)
{
	const unsigned char *p;

	if (s == NULL || strnlen(s, CLAIM_TEXT_MAX + 1) > CLAIM_TEXT_MAX)
		return 0;
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p > 0x7e)
			return 0;
	return 1;
}

json_t *
pa_claim_path(json_t *obj, const char *path)
{
	char *copy = NULL, *seg, *dot;
	json_t *cur = obj, *found = NULL;

	if (obj == NULL || path == NULL || *path == '\0' ||
	    strnlen(path, CLAIM_PATH_MAX + 1) > CLAIM_PATH_MAX ||
	    (copy = strdup(path)) == NULL)
		goto out;
	for (seg = copy; seg != NULL; seg = dot) {
		if ((dot = strchr(seg, '.')) != NULL)
			*dot++ = '\0';
		/* "a..b" is a typo in the config, never a key named "". */
		if (*seg == '\0' || !json_is_object(cur) ||
		    (cur = json_object_get(cur, seg)) == NULL)
			goto out;
	}
	found = cur;
 out:
	free(copy);
	return found;
}

/*
 * The string of a JSON string value, or NULL. jansson allows "\u0000"
 * inside strings; such a value would compare equal to its prefix under
 * strcmp ("alice\u0000x" vs "alice"), so it is refused.
 */
static const char *
json_plain_string(const json_t *v)
{
	const char *s;

	if (!json_is_string(v))
		return NULL;
	s = json_string_value(v);
	if (strlen(s) != json_string_length(v))
		return NULL;
	return s;
}

static int
claim_string(json_t *payload, const char *path, const char **out,
    struct why *w)
{
	json_t *v;

	*out = NULL;
	if ((v = pa_claim_path(payload, path)) == NULL)
		return explain(w, PA_ERR_CLAIM_MISSING, "claim \"%s\" missing",
		    path);
	if ((*out = json_plain_string(v)) == NULL)
		return explain(w, PA_ERR_CLAIM_TYPE, "claim \"%s\": expected "
		    "a string, found %s", path, json_is_string(v) ?
		    "a string holding a NUL" : json_kind(v));
	return PA_OK;
}

/*
 * NumericDate may be non-integral (RFC 7519 §2); we round toward the
 * stricter side so a fraction never extends a token's life.
 */
static int
claim_time(json_t *v, int round_up, long long *out)
{
	long long n;
	double d, whole;

	if (json_is_integer(v)) {
		n = json_integer_value(v);
		if (n < 0 || n > NUMERICDATE_MAX)
			return PA_ERR_CLAIM_TYPE;
		*out = n;
		return PA_OK;
	}
	if (!json_is_real(v))
		return PA_ERR_CLAIM_TYPE;
	d = json_real_value(v);
	if (!(d >= 0 && d <= (double)NUMERICDATE_MAX))	/* also NaN, inf */
		return PA_ERR_CLAIM_TYPE;
	whole = (double)(long long)d;
	n = (long long)d;
	if (round_up && d > whole)
		n++;
	*out = n;
	return PA_OK;
}

static int
check_issuer(json_t *payload, const struct pa_conf *conf, struct why *w)
{
	const char *iss;
	int r;

	if ((r = claim_string(payload, "iss", &iss, w)) != PA_OK)
		return r;
	/* OIDC Core §3.1.3.7 (2): exact match, no normalisation. */
	return strcmp(iss, conf->issuer) == 0 ? PA_OK : PA_ERR_ISSUER;
}

/* RFC 7519 §4.1.3: a string or an array of strings; ours must be there. */
static int
check_audience(json_t *payload, const char *want, size_t *naud,
    struct why *w)
{
	json_t *aud, *item;
	const char *s;
	size_t i;
	int found = 0;

	*naud = 0;
	if ((aud = json_object_get(payload, "aud")) == NULL)
		return explain(w, PA_ERR_CLAIM_MISSING, "claim \"aud\" missing");
	if (json_is_string(aud)) {
		*naud = 1;
		s = json_plain_string(aud);
		return s != NULL && strcmp(s, want) == 0 ? PA_OK :
		    PA_ERR_AUDIENCE;
	}
	if (!json_is_array(aud) || json_array_size(aud) == 0)
		return PA_ERR_AUDIENCE;
	json_array_foreach(aud, i, item) {
		if ((s = json_plain_string(item)) == NULL)
			return PA_ERR_AUDIENCE;
		if (strcmp(s, want) == 0)
			found = 1;
	}
	*naud = json_array_size(aud);
	return found ? PA_OK : PA_ERR_AUDIENCE;
}

/*
 * OIDC Core §3.1.3.7 (4, 5): with several audiences the token must say
 * which client it was issued to, and azp, when present, must be us: a
 * token issued to another client of the same service is not ours.
 */
static int
check_azp(json_t *payload, const struct pa_conf *conf, size_t naud)
{
	json_t *azp;
	const char *s;

	if ((azp = json_object_get(payload, "azp")) == NULL)
		return naud > 1 ? PA_ERR_AZP : PA_OK;
	if ((s = json_plain_string(azp)) == NULL ||
	    strcmp(s, conf->client_id) != 0)
		return PA_ERR_AZP;
	return PA_OK;
}

/* RFC 7519 §4.1.4, 4.1.5, 4.1.6, each with the configured leeway. */
static int
check_times(json_t *payload, long leeway, long long now, struct pa_claims *c,
    struct why *w)
{
	json_t *v;
	int r;

	if ((v = json_object_get(payload, "exp")) == NULL)
		return explain(w, PA_ERR_CLAIM_MISSING, "claim \"exp\" missing");
	if ((r = claim_time(v, 0, &c->exp)) != PA_OK)
		return explain(w, r, "claim \"exp\": expected a NumericDate, "
		    "found %s", json_kind(v));
	/* "MUST be before the expiration time": at exp it is expired. */
	if (now >= c->exp + leeway)
		return PA_ERR_EXPIRED;
	if ((v = json_object_get(payload, "nbf")) != NULL) {
		if ((r = claim_time(v, 1, &c->nbf)) != PA_OK)
			return explain(w, r, "claim \"nbf\": expected a "
			    "NumericDate, found %s", json_kind(v));
		c->has_nbf = 1;
		if (now + leeway < c->nbf)
			return PA_ERR_NOT_YET_VALID;
	}
	if ((v = json_object_get(payload, "iat")) != NULL) {
		if ((r = claim_time(v, 1, &c->iat)) != PA_OK)
			return explain(w, r, "claim \"iat\": expected a "
			    "NumericDate, found %s", json_kind(v));
		c->has_iat = 1;
		if (c->iat > now + leeway)
			return PA_ERR_IAT;
	}
	return PA_OK;
}

static int
copy_string(const char *s, char **out)
{
	if (s == NULL)
		return PA_OK;
	if ((*out = strdup(s)) == NULL)
		return PA_ERR_ALLOC;
	return PA_OK;
}

static int
check_user(json_t *payload, const char *claim, const char *pam_user,
    struct pa_claims *c, struct why *w)
{
	const char *s;
	int r;

	if ((r = claim_string(payload, claim, &s, w)) != PA_OK)
		return r;
	if (strcmp(s, pam_user) != 0)
		return PA_ERR_USER_MISMATCH;
	return copy_string(s, &c->username);
}

/* Kept for the session (POSAUTH_TENANT, POSAUTH_STORE): printable only. */
static int
keep_text(const char *claim, const char *s, char **out, struct why *w)
{
	if (s == NULL)
		return PA_OK;
	if (!text_printable(s))
		return explain(w, PA_ERR_CLAIM_TYPE, "claim \"%s\": expected "
		    "printable ASCII of at most %d bytes", claim,
		    CLAIM_TEXT_MAX);
	return copy_string(s, out);
}

static int
check_tenant(json_t *payload, const struct pa_conf *conf, const char *claim,
    struct pa_claims *c, struct why *w)
{
	const char *s;
	int r;

	if (conf->tenant == NULL) {
		/* Not enforced: kept for the session when it is a string. */
		return keep_text(claim, json_plain_string(pa_claim_path(payload,
		    claim)), &c->tenant, w);
	}
	if ((r = claim_string(payload, claim, &s, w)) != PA_OK)
		return r;
	if (strcmp(s, conf->tenant) != 0)
		return explain(w, PA_ERR_TENANT, "claim \"%s\" is not the "
		    "configured tenant", claim);
	return keep_text(claim, s, &c->tenant, w);
}

/* A staff member may work in several stores: a string or an array. */
static int
check_store(json_t *payload, const struct pa_conf *conf, const char *claim,
    struct pa_claims *c, struct why *w)
{
	json_t *v, *item;
	const char *s;
	size_t i;

	v = pa_claim_path(payload, claim);
	if (conf->store == NULL)
		return keep_text(claim, json_plain_string(v), &c->store, w);
	if (v == NULL)
		return explain(w, PA_ERR_CLAIM_MISSING, "claim \"%s\" missing",
		    claim);
	if (json_is_string(v)) {
		s = json_plain_string(v);
		if (s == NULL || strcmp(s, conf->store) != 0)
			return explain(w, PA_ERR_STORE, "claim \"%s\" is not "
			    "the configured store", claim);
		return keep_text(claim, s, &c->store, w);
	}
	if (!json_is_array(v))
		return explain(w, PA_ERR_STORE, "claim \"%s\": expected a "
		    "string or an array of strings, found %s", claim,
		    json_kind(v));
	json_array_foreach(v, i, item) {
		if ((s = json_plain_string(item)) == NULL)
			return explain(w, PA_ERR_STORE, "claim \"%s\": "
			    "expected an array of strings, found %s in it",
			    claim, json_kind(item));
	}
	json_array_foreach(v, i, item) {
		if (strcmp(json_plain_string(item), conf->store) == 0)
			return keep_text(claim, conf->store, &c->store, w);
	}
	return explain(w, PA_ERR_STORE, "claim \"%s\" does not list the "
	    "configured store", claim);
}

/*
 * Roles become group memberships. A claim we do not fully understand
 * denies the login rather than granting a guessed subset.
 */
static int
copy_roles(json_t *payload, const char *claim, struct pa_claims *c,
    struct why *w)
{
	json_t *v, *item;
	const char *s;
	size_t i, n;

	if ((v = pa_claim_path(payload, claim)) == NULL)
		return PA_OK;
	if (!json_is_array(v))
		return explain(w, PA_ERR_ROLES, "claim \"%s\": expected an "
		    "array of role names, found %s", claim, json_kind(v));
	if ((n = json_array_size(v)) > PA_CLAIMS_MAX_ROLES)
		return explain(w, PA_ERR_ROLES, "claim \"%s\": %zu roles, at "
		    "most %d allowed", claim, n, PA_CLAIMS_MAX_ROLES);
	if ((c->roles = calloc(n > 0 ? n : 1, sizeof(*c->roles))) == NULL)
		return PA_ERR_ALLOC;
	json_array_foreach(v, i, item) {
		if ((s = json_plain_string(item)) == NULL)
			return explain(w, PA_ERR_ROLES, "claim \"%s\": "
			    "expected an array of role names, found %s in it",
			    claim, json_kind(item));
		if (!pa_role_name_valid(s))
			return explain(w, PA_ERR_ROLES, "claim \"%s\": item "
			    "%zu is not a valid role name (1-%d printable "
			    "ASCII bytes, no space, ',' or ':')", claim, i,
			    PA_ROLE_MAX);
		if ((c->roles[c->nroles] = strdup(s)) == NULL)
			return PA_ERR_ALLOC;
		c->nroles++;
	}
	return PA_OK;
}

/* The uid picks a passwd entry: only the range the admin set aside. */
static int
check_uid(json_t *payload, const struct pa_conf *conf, struct pa_claims *c,
    struct why *w)
{
	json_t *v;
	json_int_t uid;

	if (conf->uid_claim == NULL)
		return PA_OK;
	if ((v = pa_claim_path(payload, conf->uid_claim)) == NULL)
		return explain(w, PA_ERR_CLAIM_MISSING, "claim \"%s\" missing",
		    conf->uid_claim);
	if (!json_is_integer(v))
		return explain(w, PA_ERR_CLAIM_TYPE, "claim \"%s\": expected "
		    "an integer, found %s", conf->uid_claim, json_kind(v));
	uid = json_integer_value(v);
	if (uid < 0 || (unsigned long long)uid < conf->uid_min ||
	    (unsigned long long)uid > conf->uid_max)
		return explain(w, PA_ERR_UID_RANGE, "claim \"%s\": %lld is "
		    "outside uid_min..uid_max", conf->uid_claim,
		    (long long)uid);
	c->uid = uid;
	c->has_uid = 1;
	return PA_OK;
}

static const char *
claim_name(const char *configured, const char *def)
{
	return configured != NULL ? configured : def;
}

int
pa_claims_verify(json_t *payload, const struct pa_conf *conf,
    const char *pam_user, long long now, struct pa_claims **out)
{
	return pa_claims_verify_why(payload, conf, pam_user, now, out, NULL, 0);
}

int
pa_claims_verify_why(json_t *payload, const struct pa_conf *conf,
    const char *pam_user, long long now, struct pa_claims **out,
    char *whybuf, size_t whylen)
{
	struct pa_claims *c = NULL;
	struct why w = { whybuf, whylen };
	const char *audience;
	size_t naud = 0;
	int r;

	if (whybuf != NULL && whylen > 0)
		whybuf[0] = '\0';
	if (out == NULL)
		return PA_ERR_ARG;
	*out = NULL;
	if (!json_is_object(payload) || conf == NULL || pam_user == NULL ||
	    conf->issuer == NULL || conf->client_id == NULL ||
	    now < 0 || now > NUMERICDATE_MAX)
		return PA_ERR_ARG;
	audience = conf->audience != NULL ? conf->audience : conf->client_id;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return PA_ERR_ALLOC;
	if ((r = check_issuer(payload, conf, &w)) != PA_OK ||
	    (r = check_audience(payload, audience, &naud, &w)) != PA_OK ||
	    (r = check_azp(payload, conf, naud)) != PA_OK ||
	    (r = check_times(payload, conf->leeway, now, c, &w)) != PA_OK ||
	    (r = check_user(payload, claim_name(conf->username_claim,
	    "preferred_username"), pam_user, c, &w)) != PA_OK ||
	    (r = check_tenant(payload, conf, claim_name(conf->tenant_claim,
	    "tenant"), c, &w)) != PA_OK ||
	    (r = check_store(payload, conf, claim_name(conf->store_claim,
	    "store"), c, &w)) != PA_OK ||
	    (r = copy_roles(payload, claim_name(conf->roles_claim, "roles"),
	    c, &w)) != PA_OK ||
	    (r = check_uid(payload, conf, c, &w)) != PA_OK ||
	    (r = copy_string(json_plain_string(json_object_get(payload,
	    "sub")), &c->sub)) != PA_OK ||
	    (r = copy_string(json_plain_string(json_object_get(payload,
	    "name")), &c->name)) != PA_OK)
		goto out;
	*out = c;
	c = NULL;
 out:
	pa_claims_free(c);
	return r;
}

void
pa_claims_free(struct pa_claims *c)
{
	if (c == NULL)
		return;
	pa_strv_free(c->roles, c->nroles);
	free(c->username);
	free(c->sub);
	free(c->tenant);
	free(c->store);
	free(c->name);
	free(c);
}

int
pa_claims_has_role(const struct pa_claims *c, const char *role)
{
	return c != NULL && pa_strv_has(c->roles, c->nroles, role);
}

/* Exact bytes: a string with a NUL inside is not the required value. */
static int
json_string_is(json_t *v, const char *s)
{
	return json_is_string(v) && json_string_length(v) == strlen(s) &&
	    strcmp(json_string_value(v), s) == 0;
}

int
pa_claims_acr_ok(json_t *payload, const char *required)
{
	json_t *amr, *v;
	size_t i;

	if (required == NULL || required[0] == '\0')
		return PA_ERR_ACR;
	if (json_string_is(json_object_get(payload, "acr"), required))
		return PA_OK;
	amr = json_object_get(payload, "amr");
	if (json_is_array(amr))
		json_array_foreach(amr, i, v)
			if (json_string_is(v, required))
				return PA_OK;
	return PA_ERR_ACR;
}
