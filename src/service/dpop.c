/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "b64url.h"
#include "buf.h"
#include "dpop.h"
#include "err.h"
#include "jwkpub.h"
#include "jws.h"
#include "jwtsign.h"

#define DPOP_URL_MAX 4096
#define DPOP_METHOD_MAX 16

int
pa_dpop_check_request(const char *method, const char *url)
{
	size_t n;

	if (method == NULL || url == NULL)
		return PA_ERR_ARG;
	n = strlen(method);
	/* RFC 9110 §9.1: a method is a token; ours are upper-case words. */
	if (n == 0 || n > DPOP_METHOD_MAX ||
	    strspn(method, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != n)
		return PA_ERR_ARG;
	n = strlen(url);
	if (n > DPOP_URL_MAX || (strncmp(url, "https://", 8) != 0 &&
	    strncmp(url, "http://", 7) != 0))
		return PA_ERR_ARG;
	for (; *url != '\0'; url++)
		if ((unsigned char)*url <= 0x20 || (unsigned char)*url >= 0x7f)
			return PA_ERR_ARG;
	return PA_OK;
}

/* RFC 9449 §4.2: htu is the URI without query and fragment parts. */
static char *
dpop_htu(const char *url)
{
	return strndup(url, strcspn(url, "?#"));
}

static int
dpop_ath(const char *access_token, char **out)
{
	unsigned char md[32];
	unsigned int mdlen = 0;

	*out = NULL;
	if (EVP_Digest(access_token, strlen(access_token), md, &mdlen,
	    EVP_sha256(), NULL) != 1 || mdlen != sizeof(md))
		return PA_ERR_INTERNAL;
	return pa_b64url_encode(md, sizeof(md), out);
}

static int
dpop_claims(const char *method, const char *url, const char *nonce,
    const char *access_token, long long now, json_t **out)
{
	char *jti = NULL, *htu = NULL, *ath = NULL;
	int r;

	*out = NULL;
	if ((r = pa_jwt_random_id(&jti)) != PA_OK)
		goto out;
	r = PA_ERR_ALLOC;
	if ((htu = dpop_htu(url)) == NULL)
		goto out;
	if (access_token != NULL && (r = dpop_ath(access_token, &ath)) !=
	    PA_OK)
		goto out;
	r = PA_ERR_ALLOC;
	*out = json_pack("{s:s, s:s, s:s, s:I, s:s*, s:s*}", "jti", jti,
	    "htm", method, "htu", htu, "iat", (json_int_t)now, "nonce",
	    nonce != NULL && nonce[0] != '\0' ? nonce : NULL, "ath", ath);
	if (*out != NULL)
		r = PA_OK;
 out:
	free(jti);
	free(htu);
	free(ath);
	return r;
}

int
pa_dpop_proof(EVP_PKEY *key, const char *method, const char *url,
    const char *nonce, const char *access_token, long long now, char **out)
{
	json_t *hdr = NULL, *claims = NULL, *jwk = NULL;
	int r;

	*out = NULL;
	if ((r = pa_dpop_check_request(method, url)) != PA_OK)
		return r;
	if ((r = pa_jwk_public(key, &jwk)) != PA_OK ||
	    (r = dpop_claims(method, url, nonce, access_token, now,
	    &claims)) != PA_OK)
		goto out;
	r = PA_ERR_ALLOC;
	if ((hdr = json_pack("{s:s, s:O}", "typ", "dpop+jwt", "jwk", jwk)) ==
	    NULL)
		goto out;
	r = pa_jwt_sign(key, hdr, claims, out);
 out:
	json_decref(hdr);
	json_decref(claims);
	json_decref(jwk);
	return r;
}

/* ---- server nonces ---- */

static pthread_mutex_t nonce_lock = PTHREAD_MUTEX_INITIALIZER;
static char nonce_last[PA_DPOP_NONCE_MAX];

void
pa_dpop_nonce_get(char *out)
{
	pthread_mutex_lock(&nonce_lock);
	memcpy(out, nonce_last, sizeof(nonce_last));
	pthread_mutex_unlock(&nonce_lock);
}

int
pa_dpop_nonce_valid(const char *nonce)
{
	size_t n = nonce != NULL ? strlen(nonce) : 0, i;

	/* §8.1: NQCHAR, %x21 / %x23-5B / %x5D-7E; it goes into our JSON. */
	if (n == 0 || n >= PA_DPOP_NONCE_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (nonce[i] < 0x21 || nonce[i] > 0x7e || nonce[i] == '"' ||
		    nonce[i] == '\\')
			return 0;
	return 1;
}

void
pa_dpop_nonce_set(const char *nonce)
{
	size_t n = strlen(nonce);

	if (!pa_dpop_nonce_valid(nonce))
		return;
	pthread_mutex_lock(&nonce_lock);
	memcpy(nonce_last, nonce, n + 1);
	pthread_mutex_unlock(&nonce_lock);
}

int
pa_dpop_nonce_demanded(long status, const char *body, size_t len)
{
	json_t *doc;
	const char *err;
	int yes = 0;

	if ((status != 400 && status != 401) || body == NULL)
		return 0;
	if ((doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL)) ==
	    NULL)
		return 0;
	err = json_string_value(json_object_get(doc, "error"));
	yes = err != NULL && strcmp(err, "use_dpop_nonce") == 0;
	json_decref(doc);
	return yes;
}

/* Access tokens are bounded like every token we parse. */
#define DPOP_TOKEN_MAX (64 * 1024)

int
pa_dpop_token_bound(const char *access_token, const char *jkt)
{
	struct pa_jws *jws = NULL;
	json_t *claims = NULL;
	const char *got;
	int r = PA_ERR_NOT_BOUND;

	if (access_token == NULL || pa_jws_parse(access_token,
	    strlen(access_token), DPOP_TOKEN_MAX, &jws) != PA_OK ||
	    pa_jws_claims(jws, &claims) != PA_OK)
		goto out;
	got = json_string_value(json_object_get(json_object_get(claims,
	    "cnf"), "jkt"));
	if (got != NULL && strlen(got) == strlen(jkt) &&
	    CRYPTO_memcmp(got, jkt, strlen(jkt)) == 0)
		r = PA_OK;
 out:
	json_decref(claims);
	pa_jws_free(jws);
	return r;
}
