/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <string.h>

#include "clientauth.h"
#include "conf.h"
#include "err.h"
#include "http.h"
#include "log.h"
#include "oidc.h"
#include "provider.h"
#include "secret.h"
#include "service.h"

struct service_call {
	struct pa_http *http;
	struct pa_provider prov;
	char *secret;
};

static int
service_begin(const struct pa_conf *conf, struct pa_cache *store,
    long long now, struct service_call *sc)
{
	int r;

	memset(sc, 0, sizeof(*sc));
	pa_provider_init(&sc->prov, NULL, conf->issuer);
	sc->prov.store = store;
	if ((r = pa_client_secret(conf, &sc->secret)) != PA_OK)
		return r;
	if ((r = pa_http_new_for(conf, &sc->http)) != PA_OK)
		return r;
	sc->prov.http = sc->http;
	return pa_provider_load_meta(&sc->prov, now);
}

static void
service_end(struct service_call *sc)
{
	pa_provider_clear(&sc->prov);
	pa_http_free(sc->http);
	pa_strfreezero(sc->secret);
	memset(sc, 0, sizeof(*sc));
}

int
pa_service_refresh(const struct pa_conf *conf, const struct pa_log *lg,
    struct pa_cache *store, const char *refresh_token, long long now,
    struct pa_tokens **out)
{
	struct service_call sc;
	int r;

	*out = NULL;
	if ((r = service_begin(conf, store, now, &sc)) != PA_OK)
		goto out;
	r = pa_oidc_refresh_grant(sc.http, sc.prov.meta, conf->client_id,
	    sc.secret, refresh_token, out);
	if (r == PA_ERR_REJECTED) {
		pa_log(lg, LOG_NOTICE, "token refresh refused: %s",
		    *out ? (*out)->error : "no reason given");
		pa_tokens_free(*out);
		*out = NULL;
	}
 out:
	if (r != PA_OK && r != PA_ERR_REJECTED)
		pa_log(lg, LOG_WARNING, "token refresh failed, %s: %s%s%s",
		    pa_failure_class_name(pa_failure_class(r)),
		    pa_strerror(r), sc.http && pa_http_error(sc.http)[0] ?
		    ": " : "", sc.http ? pa_http_error(sc.http) : "");
	service_end(&sc);
	return r;
}

int
pa_service_revoke(const struct pa_conf *conf, const struct pa_log *lg,
    struct pa_cache *store, const char *refresh_token, long long now)
{
	struct service_call sc;
	int r;

	if ((r = service_begin(conf, store, now, &sc)) != PA_OK)
		goto out;
	r = pa_oidc_revoke(sc.http, sc.prov.meta, conf->client_id, sc.secret,
	    refresh_token, "refresh_token");
 out:
	if (r != PA_OK)
		pa_log(lg, LOG_WARNING, "token revocation failed, %s: %s",
		    pa_failure_class_name(pa_failure_class(r)),
		    pa_strerror(r));
	service_end(&sc);
	return r;
}
