/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "err.h"
#include "jwk.h"
#include "oidc.h"
#include "provider.h"

/*
 * Process-wide copies of the last documents, keyed by issuer. Guarded by a
 * mutex held only while copying, never across network calls.
 */
struct doc_cache {
	char *issuer;
	char *meta;
	size_t meta_len;
	long long meta_at;
	char *jwks;
	size_t jwks_len;
	long long jwks_at;
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct doc_cache cache;
/* When the last forced JWKS refresh happened (-1: never). */
static long long forced_at = -1;

static void
cache_reset_locked(void)
{
	free(cache.issuer);
	free(cache.meta);
	free(cache.jwks);
	memset(&cache, 0, sizeof(cache));
	forced_at = -1;
}

void
pa_provider_forget(void)
{
	pthread_mutex_lock(&cache_lock);
	cache_reset_locked();
	pthread_mutex_unlock(&cache_lock);
}

/*
 * libpam dlclose()s the module at pam_end(): without this the copies would
 * leak once per PAM handle in a long-lived process.
 */
__attribute__((destructor)) static void
provider_unload(void)
{
	pa_provider_forget();
}

static char *
memdup0(const char *s, size_t len)
{
	char *d = malloc(len + 1);

	if (d != NULL) {
		memcpy(d, s, len);
		d[len] = '\0';
	}
	return d;
}

/* Copies a cached document out if it belongs to issuer and is young. */
static int
cache_get(const char *issuer, int jwks, long long now, char **body,
    size_t *len, long long *at)
{
	int r = PA_ERR_NOT_FOUND;
	const char *doc;
	size_t dlen;
	long long dat;

	*body = NULL;
	pthread_mutex_lock(&cache_lock);
	if (cache.issuer == NULL || strcmp(cache.issuer, issuer) != 0)
		goto out;
	doc = jwks ? cache.jwks : cache.meta;
	dlen = jwks ? cache.jwks_len : cache.meta_len;
	dat = jwks ? cache.jwks_at : cache.meta_at;
	/* A clock that went backwards makes the copy suspect too. */
	if (doc == NULL || now < dat || now - dat > PA_PROVIDER_MAX_AGE)
		goto out;
	r = PA_ERR_ALLOC;
	if ((*body = memdup0(doc, dlen)) == NULL)
		goto out;
	*len = dlen;
	*at = dat;
	r = PA_OK;
 out:
	pthread_mutex_unlock(&cache_lock);
	return r;
}

static void
cache_put(const char *issuer, int jwks, const char *body, size_t len,
    long long now)
{
	char *copy;

	pthread_mutex_lock(&cache_lock);
	if (cache.issuer == NULL || strcmp(cache.issuer, issuer) != 0) {
		cache_reset_locked();
		if ((cache.issuer = strdup(issuer)) == NULL)
			goto out;
	}
	if ((copy = memdup0(body, len)) == NULL)
		goto out;
	if (jwks) {
		free(cache.jwks);
		cache.jwks = copy;
		cache.jwks_len = len;
		cache.jwks_at = now;
	} else {
		free(cache.meta);
		cache.meta = copy;
		cache.meta_len = len;
		cache.meta_at = now;
	}
 out:
	pthread_mutex_unlock(&cache_lock);
}

void
pa_provider_init(struct pa_provider *p, struct pa_http *h, const char *issuer)
{
	memset(p, 0, sizeof(*p));
	p->http = h;
	p->issuer = issuer;
}

void
pa_provider_clear(struct pa_provider *p)
{
	pa_oidc_meta_free(p->meta);
	pa_jwks_free(p->jwks);
	memset(p, 0, sizeof(*p));
}

/* The process copy, else the device cache's, if young enough. */
static int
docs_get(struct pa_provider *p, int jwks, long long now, char **body,
    size_t *len, long long *at)
{
	if (cache_get(p->issuer, jwks, now, body, len, at) == PA_OK)
		return PA_OK;
	if (p->store == NULL || pa_cache_doc_get(p->store,
	    jwks ? "jwks" : "discovery", p->issuer, body, len, at) != PA_OK)
		return PA_ERR_NOT_FOUND;
	if (now < *at || now - *at > PA_PROVIDER_MAX_AGE) {
		free(*body);
		*body = NULL;
		return PA_ERR_NOT_FOUND;
	}
	/* Warm the process copy too. */
	cache_put(p->issuer, jwks, *body, *len, *at);
	return PA_OK;
}

static void
docs_put(struct pa_provider *p, int jwks, const char *body, size_t len,
    long long now)
{
	cache_put(p->issuer, jwks, body, len, now);
	/* Best effort: a full or unusable cache only costs requests. */
	if (p->store != NULL)
		(void)pa_cache_doc_put(p->store, jwks ? "jwks" : "discovery",
		    p->issuer, body, len, now);
}

int
pa_provider_load_meta(struct pa_provider *p, long long now)
{
	char *body = NULL, *url = NULL;
	size_t len = 0;
	long long at;
	int r, fetched = 0;

	if (p->meta != NULL)
		return PA_OK;
	if (docs_get(p, 0, now, &body, &len, &at) != PA_OK) {
		r = PA_ERR_ALLOC;
		if ((url = pa_oidc_discovery_url(p->issuer)) == NULL)
			goto out;
		p->fetches++;
		if ((r = pa_oidc_get_json(p->http, url, &body, &len)) != PA_OK)
			goto out;
		fetched = 1;
	}
	if ((r = pa_oidc_meta_parse(body, len, p->issuer, &p->meta)) != PA_OK)
		goto out;
	if (fetched)
		docs_put(p, 0, body, len, now);
 out:
	free(body);
	free(url);
	return r;
}


static int
forced_refresh_allowed(struct pa_provider *p, long long now)
{
	long long last, at = 0;
	char *body = NULL;
	size_t len;

	pthread_mutex_lock(&cache_lock);
	last = forced_at;
	pthread_mutex_unlock(&cache_lock);
	if (p->store != NULL && pa_cache_doc_get(p->store, "kidmiss",
	    p->issuer, &body, &len, &at) == PA_OK && at > last)
		last = at;
	free(body);
	/* A mark in the future (clock set back) does not block forever. */
	return last < 0 || now < last || now - last >= PA_JWKS_MIN_REFRESH;
}

static void
forced_refresh_note(struct pa_provider *p, long long now)
{
	pthread_mutex_lock(&cache_lock);
	forced_at = now;
	pthread_mutex_unlock(&cache_lock);
	if (p->store != NULL)
		(void)pa_cache_doc_put(p->store, "kidmiss", p->issuer, "", 0,
		    now);
}

static int
provider_fetch_jwks(struct pa_provider *p, long long now)
{
	struct pa_jwks *set = NULL;
	char *body = NULL;
	size_t len = 0;
	int r;

	p->fetches++;
	if ((r = pa_oidc_get_json(p->http, p->meta->jwks_uri, &body,
	    &len)) != PA_OK)
		goto out;
	if ((r = pa_jwks_parse(body, len, &set)) != PA_OK)
		goto out;
	pa_jwks_free(p->jwks);
	p->jwks = set;
	p->jwks_fetched_at = now;
	p->jwks_fetched_here = 1;
	docs_put(p, 1, body, len, now);
 out:
	free(body);
	return r;
}

int
pa_provider_find_key(struct pa_provider *p, const char *kid, long long now,
    const struct pa_jwk **key)
{
	char *body = NULL;
	size_t len = 0;
	long long at = 0;
	int r;

	*key = NULL;
	if (p->meta == NULL && (r = pa_provider_load_meta(p, now)) != PA_OK)
		return r;
	if (p->jwks == NULL) {
		if (docs_get(p, 1, now, &body, &len, &at) == PA_OK &&
		    pa_jwks_parse(body, len, &p->jwks) == PA_OK)
			p->jwks_fetched_at = at;
		free(body);
		if (p->jwks == NULL &&
		    (r = provider_fetch_jwks(p, now)) != PA_OK)
			return r;
	}
	if ((*key = pa_jwks_find(p->jwks, kid)) != NULL)
		return PA_OK;
	/*
	 * Unknown kid: the service may have rotated its keys. One forced
	 * refresh per minute at most, shared by every process through the
	 * device cache, and never twice in one login.
	 */
	if (p->jwks_fetched_here || !forced_refresh_allowed(p, now))
		return PA_ERR_KID;
	forced_refresh_note(p, now);
	if ((r = provider_fetch_jwks(p, now)) != PA_OK)
		return r;
	if ((*key = pa_jwks_find(p->jwks, kid)) != NULL)
		return PA_OK;
	return PA_ERR_KID;
}

int
pa_provider_refresh(struct pa_provider *p, long long now)
{
	char *body = NULL, *url = NULL;
	struct pa_oidc_meta *meta = NULL;
	size_t len = 0;
	int r = PA_ERR_ALLOC;

	if ((url = pa_oidc_discovery_url(p->issuer)) == NULL)
		goto out;
	p->fetches++;
	if ((r = pa_oidc_get_json(p->http, url, &body, &len)) != PA_OK ||
	    (r = pa_oidc_meta_parse(body, len, p->issuer, &meta)) != PA_OK)
		goto out;
	docs_put(p, 0, body, len, now);
	pa_oidc_meta_free(p->meta);
	p->meta = meta;
	meta = NULL;
	r = provider_fetch_jwks(p, now);
 out:
	pa_oidc_meta_free(meta);
	free(body);
	free(url);
	return r;
}

int
pa_provider_docs_age(struct pa_cache *store, const char *issuer,
    long long now, long long *age)
{
	static const char *const names[] = { "discovery", "jwks" };
	char *body;
	size_t len, i;
	long long at;

	*age = 0;
	for (i = 0; i < 2; i++) {
		body = NULL;
		if (store == NULL || pa_cache_doc_get(store, names[i], issuer,
		    &body, &len, &at) != PA_OK)
			return PA_ERR_NOT_FOUND;
		free(body);
		/* From the future (clock set back): as good as stale. */
		if (at > now)
			at = 0;
		if (now - at > *age)
			*age = now - at;
	}
	return PA_OK;
}
