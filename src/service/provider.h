/* SPDX-License-Identifier: MIT */
/*
 * What we know of the token service during one login: its discovery
 * metadata and its signing keys. The raw documents are kept for the life
 * of the process (a display manager or sshd monitor logs many people in),
 * and re-parsed per login so no parsed state is shared between threads.
 *
 * With a device cache (p->store) the documents also outlive the process,
 * sealed in the cache, so a login costs one token request.
 *
 * Key rotation: a token whose kid we do not know triggers one JWKS refresh,
 * but never more often than PA_JWKS_MIN_REFRESH seconds, so a stream of
 * tokens with made-up kids cannot make us hammer the service.
 */
#ifndef POSAUTH_PROVIDER_H
#define POSAUTH_PROVIDER_H

#include "oidc.h"

#define PA_JWKS_MIN_REFRESH 60
#define PA_PROVIDER_MAX_AGE 3600	/* refetch documents older than this */

struct pa_cache;
struct pa_http;
struct pa_jwks;
struct pa_jwk;

struct pa_provider {
	struct pa_http *http;
	const char *issuer;
	struct pa_oidc_meta *meta;
	struct pa_jwks *jwks;
	long long jwks_fetched_at;
	int jwks_fetched_here;	/* fetched during this login */
	int fetches;		/* network requests this login made for documents */
	struct pa_cache *store;	/* device cache for the documents, or NULL */
};

void pa_provider_init(struct pa_provider *p, struct pa_http *h,
    const char *issuer);
void pa_provider_clear(struct pa_provider *p);

/* Makes p->meta available: from the process cache or the network. */
int pa_provider_load_meta(struct pa_provider *p, long long now);

/*
 * Finds the key for kid (NULL kid: the only key of the set). Refreshes the
 * JWKS once when the kid is unknown and the last fetch is old enough.
 * PA_ERR_KID when the key is still not there.
 */
int pa_provider_find_key(struct pa_provider *p, const char *kid,
    long long now, const struct pa_jwk **key);

/*
 * Fetches discovery and the JWKS from the network now, whatever the
 * copies' age, and keeps them (the background refresh, and the outage
 * probe: PA_ERR_UNREACHABLE means still down).
 */
int pa_provider_refresh(struct pa_provider *p, long long now);

/*
 * Age in seconds of the older of the two documents the device cache
 * holds for issuer; PA_ERR_NOT_FOUND when either is missing.
 */
int pa_provider_docs_age(struct pa_cache *store, const char *issuer,
    long long now, long long *age);

/* Forgets the process cache (tests, and after a failed verification). */
void pa_provider_forget(void);

#endif
