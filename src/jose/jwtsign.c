/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "b64url.h"
#include "buf.h"
#include "err.h"
#include "jwtsign.h"

/* Header and claims of ours are small; a proof is far below this. */
#define JWT_SIGN_MAX (16 * 1024)
#define ES256_HALF 32

const char *
pa_jwt_alg_for(EVP_PKEY *key)
{
	if (key == NULL)
		return NULL;
	if (EVP_PKEY_is_a(key, "EC"))
		return EVP_PKEY_get_bits(key) == 256 ? "ES256" : NULL;
	if (EVP_PKEY_is_a(key, "ED25519"))
		return "EdDSA";
	if (EVP_PKEY_is_a(key, "RSA"))
		return EVP_PKEY_get_bits(key) >= 2048 ? "PS256" : NULL;
	return NULL;
}

/* RFC 7518 §3.4: ECDSA's DER SEQUENCE { r, s } becomes r || s, 32 each. */
static int
jwt_es256_raw(const unsigned char *der, size_t len, unsigned char *raw)
{
	const unsigned char *p = der;
	const BIGNUM *r = NULL, *s = NULL;
	ECDSA_SIG *sig;
	int ok;

	if ((sig = d2i_ECDSA_SIG(NULL, &p, (long)len)) == NULL)
		return PA_ERR_INTERNAL;
	ECDSA_SIG_get0(sig, &r, &s);
	ok = BN_bn2binpad(r, raw, ES256_HALF) == ES256_HALF &&
	    BN_bn2binpad(s, raw + ES256_HALF, ES256_HALF) == ES256_HALF;
	ECDSA_SIG_free(sig);
	return ok ? PA_OK : PA_ERR_INTERNAL;
}

/*
 * The signature from the provider that holds the key: OpenSSL 3.0 fetches
 * by properties alone, and a TPM's private key cannot be exported to the
 * default provider. PS256 (RFC 7518 §3.5): MGF1 with SHA-256, salt as
 * long as the hash.
 */
static int
jwt_sign_init(EVP_MD_CTX *md, EVP_PKEY *key)
{
	const char *digest = EVP_PKEY_is_a(key, "ED25519") ? NULL : "SHA256";
	const OSSL_PROVIDER *prov = EVP_PKEY_get0_provider(key);
	EVP_PKEY_CTX *pctx = NULL;
	char props[64] = "";

	if (prov != NULL)
		snprintf(props, sizeof(props), "?provider=%s",
		    OSSL_PROVIDER_get0_name(prov));
	if (EVP_DigestSignInit_ex(md, &pctx, digest, NULL,
	    props[0] != '\0' ? props : NULL, key, NULL) != 1)
		return PA_ERR_INTERNAL;
	if (EVP_PKEY_is_a(key, "RSA") &&
	    (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx,
	    RSA_PSS_SALTLEN_DIGEST) != 1 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, "SHA256", NULL) != 1))
		return PA_ERR_INTERNAL;
	return PA_OK;
}

/* The signature of input, base64url, in JOSE form. */
static int
jwt_signature(EVP_PKEY *key, const char *input, size_t len, char **out)
{
	EVP_MD_CTX *md = NULL;
	unsigned char *sig = NULL, raw[2 * ES256_HALF];
	size_t siglen = 0;
	int r = PA_ERR_ALLOC;

	*out = NULL;
	if ((md = EVP_MD_CTX_new()) == NULL)
		goto out;
	if ((r = jwt_sign_init(md, key)) != PA_OK)
		goto out;
	r = PA_ERR_INTERNAL;
	if (EVP_DigestSign(md, NULL, &siglen, (const unsigned char *)input,
	    len) != 1 || siglen == 0 || siglen > 8192)
		goto out;
	if ((sig = malloc(siglen)) == NULL) {
		r = PA_ERR_ALLOC;
		goto out;
	}
	if (EVP_DigestSign(md, sig, &siglen, (const unsigned char *)input,
	    len) != 1)
		goto out;
	if (EVP_PKEY_is_a(key, "EC")) {
		if ((r = jwt_es256_raw(sig, siglen, raw)) != PA_OK)
			goto out;
		r = pa_b64url_encode(raw, sizeof(raw), out);
	} else
		r = pa_b64url_encode(sig, siglen, out);
 out:
	free(sig);
	EVP_MD_CTX_free(md);
	return r;
}

struct jwt_sink {
	struct pa_buf *b;
	int r;
};

static int
jwt_sink_cb(const char *p, size_t n, void *arg)
{
	struct jwt_sink *sink = arg;

	sink->r = pa_buf_put(sink->b, p, n);
	return sink->r == PA_OK ? 0 : -1;
}

/*
 * base64url of the part's compact JSON, keys sorted so the same claims
 * give the same bytes. Serialised through a callback into our buffer:
 * json_dumps() memory belongs to jansson's allocator, which posauthd
 * replaces.
 */
static int
jwt_put_part(struct pa_buf *b, const json_t *part)
{
	struct pa_buf json;
	struct jwt_sink sink = { &json, PA_OK };
	char *enc = NULL;
	int r;

	pa_buf_init(&json, JWT_SIGN_MAX);
	if (json_dump_callback(part, jwt_sink_cb, &sink,
	    JSON_COMPACT | JSON_SORT_KEYS) != 0) {
		r = sink.r != PA_OK ? sink.r : PA_ERR_ALLOC;
		goto out;
	}
	if ((r = pa_b64url_encode(json.d, json.len, &enc)) == PA_OK)
		r = pa_buf_puts(b, enc);
 out:
	free(enc);
	pa_buf_clear(&json);
	return r;
}

int
pa_jwt_sign(EVP_PKEY *key, json_t *header, const json_t *claims,
    char **out)
{
	const char *alg = pa_jwt_alg_for(key);
	struct pa_buf b;
	char *sig = NULL;
	int r = PA_ERR_ARG;

	*out = NULL;
	pa_buf_init(&b, JWT_SIGN_MAX);
	if (alg == NULL || !json_is_object(header) || !json_is_object(claims))
		goto out;
	r = PA_ERR_ALLOC;
	if (json_object_set_new(header, "alg", json_string(alg)) != 0)
		goto out;
	if ((r = jwt_put_part(&b, header)) != PA_OK ||
	    (r = pa_buf_putc(&b, '.')) != PA_OK ||
	    (r = jwt_put_part(&b, claims)) != PA_OK)
		goto out;
	if ((r = jwt_signature(key, pa_buf_str(&b), b.len, &sig)) != PA_OK)
		goto out;
	if ((r = pa_buf_putc(&b, '.')) != PA_OK ||
	    (r = pa_buf_puts(&b, sig)) != PA_OK)
		goto out;
	r = (*out = pa_buf_steal(&b, NULL)) != NULL ? PA_OK : PA_ERR_ALLOC;
 out:
	free(sig);
	pa_buf_clear(&b);
	return r;
}

int
pa_jwt_random_id(char **out)
{
	unsigned char id[16];

	*out = NULL;
	if (RAND_bytes(id, sizeof(id)) != 1)
		return PA_ERR_INTERNAL;
	return pa_b64url_encode(id, sizeof(id), out);
}
