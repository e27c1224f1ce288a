/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "b64url.h"
#include "buf.h"
#include "err.h"
#include "jwkpub.h"

#define JWK_MAX_MEMBER 1024	/* base64url of an RSA-8192 modulus fits */

/* A member as base64url of raw bytes. */
static int
jwk_set_b64(json_t *o, const char *name, const unsigned char *p, size_t n)
{
	char *s = NULL;
	int r;

	if ((r = pa_b64url_encode(p, n, &s)) != PA_OK)
		return r;
	r = json_object_set_new(o, name, json_string(s)) == 0 ? PA_OK :
	    PA_ERR_ALLOC;
	free(s);
	return r;
}

/* RFC 7518 §6.2.1.2: a coordinate is exactly the field size, padded. */
static int
jwk_set_bn(json_t *o, const char *name, const BIGNUM *bn, int pad)
{
	unsigned char buf[JWK_MAX_MEMBER];
	int n = pad > 0 ? pad : BN_num_bytes(bn);

	if (n <= 0 || n > (int)sizeof(buf) ||
	    BN_bn2binpad(bn, buf, n) != n)
		return PA_ERR_JWK;
	return jwk_set_b64(o, name, buf, (size_t)n);
}

static int
jwk_get_bn(EVP_PKEY *k, const char *param, BIGNUM **bn)
{
	*bn = NULL;
	return EVP_PKEY_get_bn_param(k, param, bn) == 1 ? PA_OK : PA_ERR_JWK;
}

static int
jwk_fill_ec(EVP_PKEY *k, json_t *o)
{
	BIGNUM *x = NULL, *y = NULL;
	char group[32];
	size_t glen = 0;
	int r = PA_ERR_JWK;

	/* Only P-256: ES256 is the one EC algorithm we sign with. */
	if (EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME,
	    group, sizeof(group), &glen) != 1 ||
	    (strcmp(group, "prime256v1") != 0 && strcmp(group, "P-256") != 0))
		goto out;
	if ((r = jwk_get_bn(k, OSSL_PKEY_PARAM_EC_PUB_X, &x)) != PA_OK ||
	    (r = jwk_get_bn(k, OSSL_PKEY_PARAM_EC_PUB_Y, &y)) != PA_OK)
		goto out;
	r = PA_ERR_ALLOC;
	if (json_object_set_new(o, "kty", json_string("EC")) != 0 ||
	    json_object_set_new(o, "crv", json_string("P-256")) != 0)
		goto out;
	if ((r = jwk_set_bn(o, "x", x, 32)) == PA_OK)
		r = jwk_set_bn(o, "y", y, 32);
 out:
	BN_free(x);
	BN_free(y);
	return r;
}

static int
jwk_fill_rsa(EVP_PKEY *k, json_t *o)
{
	BIGNUM *n = NULL, *e = NULL;
	int r;

	if ((r = jwk_get_bn(k, OSSL_PKEY_PARAM_RSA_N, &n)) != PA_OK ||
	    (r = jwk_get_bn(k, OSSL_PKEY_PARAM_RSA_E, &e)) != PA_OK)
		goto out;
	r = PA_ERR_ALLOC;
	if (json_object_set_new(o, "kty", json_string("RSA")) != 0)
		goto out;
	if ((r = jwk_set_bn(o, "n", n, 0)) == PA_OK)
		r = jwk_set_bn(o, "e", e, 0);
 out:
	BN_free(n);
	BN_free(e);
	return r;
}

static int
jwk_fill_ed25519(EVP_PKEY *k, json_t *o)
{
	unsigned char raw[32];
	size_t len = sizeof(raw);

	if (EVP_PKEY_get_raw_public_key(k, raw, &len) != 1 || len != 32)
		return PA_ERR_JWK;
	if (json_object_set_new(o, "kty", json_string("OKP")) != 0 ||
	    json_object_set_new(o, "crv", json_string("Ed25519")) != 0)
		return PA_ERR_ALLOC;
	return jwk_set_b64(o, "x", raw, len);
}

/*
 * A key held by another provider (tpm2) need not answer every parameter
 * query; its SubjectPublicKeyInfo it must give, and the default provider
 * reads everything from that.
 */
static int
jwk_public_copy(EVP_PKEY *key, EVP_PKEY **out)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	int len;

	*out = NULL;
	if ((len = i2d_PUBKEY(key, &der)) <= 0)
		return PA_ERR_JWK;
	p = der;
	*out = d2i_PUBKEY_ex(NULL, &p, len, NULL, "provider=default");
	OPENSSL_free(der);
	return *out != NULL ? PA_OK : PA_ERR_JWK;
}

int
pa_jwk_public(EVP_PKEY *key, json_t **out)
{
	EVP_PKEY *pub = NULL;
	json_t *o = NULL;
	int r;

	*out = NULL;
	if ((r = jwk_public_copy(key, &pub)) != PA_OK)
		goto out;
	r = PA_ERR_ALLOC;
	if ((o = json_object()) == NULL)
		goto out;
	if (EVP_PKEY_is_a(pub, "EC"))
		r = jwk_fill_ec(pub, o);
	else if (EVP_PKEY_is_a(pub, "RSA"))
		r = jwk_fill_rsa(pub, o);
	else if (EVP_PKEY_is_a(pub, "ED25519"))
		r = jwk_fill_ed25519(pub, o);
	else
		r = PA_ERR_JWK;
	if (r != PA_OK)
		goto out;
	*out = o;
	o = NULL;
 out:
	json_decref(o);
	EVP_PKEY_free(pub);
	return r;
}

static const char *
jwk_str(const json_t *jwk, const char *name)
{
	const char *s = json_string_value(json_object_get(jwk, name));

	/* Members go into JSON unescaped: base64url and names only. */
	if (s == NULL || s[0] == '\0' || strlen(s) > JWK_MAX_MEMBER * 2 ||
	    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-_") != strlen(s))
		return NULL;
	return s;
}

/* RFC 7638 §3.2: the required members, sorted, no whitespace. */
static int
jwk_canonical(const json_t *jwk, struct pa_buf *b)
{
	const char *kty = jwk_str(jwk, "kty"), *crv, *x, *y, *n, *e;

	if (kty == NULL)
		return PA_ERR_JWK;
	crv = jwk_str(jwk, "crv");
	x = jwk_str(jwk, "x");
	if (strcmp(kty, "EC") == 0) {
		if (crv == NULL || x == NULL ||
		    (y = jwk_str(jwk, "y")) == NULL)
			return PA_ERR_JWK;
		return pa_buf_printf(b, "{\"crv\":\"%s\",\"kty\":\"EC\","
		    "\"x\":\"%s\",\"y\":\"%s\"}", crv, x, y);
	}
	if (strcmp(kty, "OKP") == 0) {
		if (crv == NULL || x == NULL)
			return PA_ERR_JWK;
		return pa_buf_printf(b, "{\"crv\":\"%s\",\"kty\":\"OKP\","
		    "\"x\":\"%s\"}", crv, x);
	}
	if (strcmp(kty, "RSA") == 0) {
		if ((n = jwk_str(jwk, "n")) == NULL ||
		    (e = jwk_str(jwk, "e")) == NULL)
			return PA_ERR_JWK;
		return pa_buf_printf(b, "{\"e\":\"%s\",\"kty\":\"RSA\","
		    "\"n\":\"%s\"}", e, n);
	}
	return PA_ERR_JWK;
}

int
pa_jwk_thumbprint_json(const json_t *jwk, char out[PA_JKT_LEN])
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	struct pa_buf b;
	char *s = NULL;
	int r;

	out[0] = '\0';
	pa_buf_init(&b, 8 * JWK_MAX_MEMBER);
	if ((r = jwk_canonical(jwk, &b)) != PA_OK)
		goto out;
	r = PA_ERR_INTERNAL;
	if (EVP_Digest(b.d, b.len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != sizeof(md))
		goto out;
	if ((r = pa_b64url_encode(md, sizeof(md), &s)) != PA_OK)
		goto out;
	r = strlen(s) + 1 == PA_JKT_LEN ? PA_OK : PA_ERR_INTERNAL;
	if (r == PA_OK)
		memcpy(out, s, PA_JKT_LEN);
 out:
	free(s);
	pa_buf_clear(&b);
	return r;
}

int
pa_jwk_thumbprint(EVP_PKEY *key, char out[PA_JKT_LEN])
{
	json_t *jwk = NULL;
	int r;

	out[0] = '\0';
	if ((r = pa_jwk_public(key, &jwk)) == PA_OK)
		r = pa_jwk_thumbprint_json(jwk, out);
	json_decref(jwk);
	return r;
}
