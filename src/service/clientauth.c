/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <stdlib.h>

#include <jansson.h>

#include "clientauth.h"
#include "conf.h"
#include "err.h"
#include "jwkpub.h"
#include "jwtsign.h"
#include "secret.h"

int
pa_client_secret(const struct pa_conf *conf, char **out)
{
	*out = NULL;
	if (conf->client_auth != PA_CLIENT_SECRET_BASIC)
		return PA_OK;
	return pa_secret_read_file(conf->client_secret_file,
	    PA_CLIENT_SECRET_MAX, out);
}

int
pa_client_assertion(EVP_PKEY *key, const char *client_id, const char *aud,
    long long now, char **out)
{
	json_t *hdr = NULL, *claims = NULL;
	char jkt[PA_JKT_LEN], *jti = NULL;
	int r;

	*out = NULL;
	if ((r = pa_jwk_thumbprint(key, jkt)) != PA_OK ||
	    (r = pa_jwt_random_id(&jti)) != PA_OK)
		goto out;
	r = PA_ERR_ALLOC;
	/* A replayed assertion is refused by its jti (RFC 7523 §3 item 7). */
	hdr = json_pack("{s:s, s:s}", "typ", "JWT", "kid", jkt);
	claims = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "iss", client_id,
	    "sub", client_id, "aud", aud, "jti", jti, "iat", (json_int_t)now,
	    "exp", (json_int_t)(now + PA_ASSERTION_LIFETIME));
	if (hdr == NULL || claims == NULL)
		goto out;
	r = pa_jwt_sign(key, hdr, claims, out);
 out:
	json_decref(hdr);
	json_decref(claims);
	free(jti);
	return r;
}
