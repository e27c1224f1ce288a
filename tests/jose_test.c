/* SPDX-License-Identifier: MIT */
#include "config.h"

#define OPENSSL_API_COMPAT 30000
#define OPENSSL_NO_DEPRECATED

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "b64url.h"
#include "err.h"
#include "jose_test.h"

static void
jt_die(const char *what)
{
	fprintf(stderr, "jose_test: %s failed\n", what);
	ERR_print_errors_fp(stderr);
	abort();
}

EVP_PKEY *
jt_keygen(const char *type, unsigned bits)
{
	EVP_PKEY *pkey = NULL;

	if (strcmp(type, "RSA") == 0)
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
	else if (strncmp(type, "P-", 2) == 0)
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", type);
	else
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, type);
	if (pkey == NULL)
		jt_die("keygen");
	return pkey;
}

char *
jt_b64(const void *buf, size_t len)
{
	char *s = NULL;

	if (pa_b64url_encode(buf, len, &s) != PA_OK)
		jt_die("b64url encode");
	return s;
}

char *
jt_b64s(const char *s)
{
	return jt_b64(s, strlen(s));
}

char *
jt_fmt(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		jt_die("vasprintf");
	return s;
}

static unsigned char *
jt_bn_param(EVP_PKEY *pkey, const char *name, size_t pad, size_t *len)
{
	BIGNUM *bn = NULL;
	unsigned char *buf;
	size_t n;

	if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1)
		jt_die(name);
	n = pad != 0 ? pad : (size_t)BN_num_bytes(bn);
	if ((buf = malloc(n == 0 ? 1 : n)) == NULL ||
	    BN_bn2binpad(bn, buf, (int)n) != (int)n)
		jt_die("bn2bin");
	BN_free(bn);
	*len = n;
	return buf;
}

void
jt_rsa_ne(EVP_PKEY *pkey, unsigned char **n, size_t *nlen,
    unsigned char **e, size_t *elen)
{
	*n = jt_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, 0, nlen);
	*e = jt_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, 0, elen);
}

void
jt_ec_xy(EVP_PKEY *pkey, unsigned char **x, unsigned char **y, size_t *clen)
{
	size_t len = (size_t)(EVP_PKEY_get_bits(pkey) + 7) / 8;

	*x = jt_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_X, len, clen);
	*y = jt_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, len, clen);
}

static char *
jt_jwk_members(EVP_PKEY *pkey)
{
	unsigned char *a = NULL, *b = NULL, raw[64];
	char *sa = NULL, *sb = NULL, *out;
	size_t alen, blen;

	if (EVP_PKEY_is_a(pkey, "RSA")) {
		jt_rsa_ne(pkey, &a, &alen, &b, &blen);
		sa = jt_b64(a, alen);
		sb = jt_b64(b, blen);
		out = jt_fmt("\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"%s\"", sa, sb);
	} else if (EVP_PKEY_is_a(pkey, "EC")) {
		jt_ec_xy(pkey, &a, &b, &alen);
		sa = jt_b64(a, alen);
		sb = jt_b64(b, alen);
		out = jt_fmt("\"kty\":\"EC\",\"crv\":\"%s\",\"x\":\"%s\","
		    "\"y\":\"%s\"", alen == 32 ? "P-256" : "P-384", sa, sb);
	} else {
		alen = sizeof(raw);
		if (EVP_PKEY_get_raw_public_key(pkey, raw, &alen) != 1)
			jt_die("raw public key");
		sa = jt_b64(raw, alen);
		out = jt_fmt("\"kty\":\"OKP\",\"crv\":\"%s\",\"x\":\"%s\"",
		    EVP_PKEY_is_a(pkey, "ED448") ? "Ed448" : "Ed25519", sa);
	}
	free(a);
	free(b);
	free(sa);
	free(sb);
	return out;
}

char *
jt_jwk(EVP_PKEY *pkey, const char *kid, const char *extra)
{
	char *members = jt_jwk_members(pkey), *kidm = NULL, *out;

	if (kid != NULL)
		kidm = jt_fmt(",\"kid\":\"%s\"", kid);
	out = jt_fmt("{%s%s%s%s}", members, kidm != NULL ? kidm : "",
	    extra != NULL ? "," : "", extra != NULL ? extra : "");
	free(members);
	free(kidm);
	return out;
}

char *
jt_jwks(size_t n, const char *const *jwks)
{
	size_t i, len = 16;
	char *out;

	for (i = 0; i < n; i++)
		len += strlen(jwks[i]) + 1;
	if ((out = malloc(len)) == NULL)
		jt_die("malloc");
	strcpy(out, "{\"keys\":[");
	for (i = 0; i < n; i++) {
		if (i > 0)
			strcat(out, ",");
		strcat(out, jwks[i]);
	}
	strcat(out, "]}");
	return out;
}

static const char *
jt_alg_digest(const char *alg)
{
	if (strcmp(alg, "EdDSA") == 0)
		return NULL;
	if (strcmp(alg + 2, "256") == 0)
		return "SHA256";
	if (strcmp(alg + 2, "384") == 0)
		return "SHA384";
	return "SHA512";
}

/* DER ECDSA-Sig-Value to R || S of the group's coordinate size. */
static void
jt_der_to_raw(EVP_PKEY *pkey, unsigned char **sig, size_t *siglen)
{
	const unsigned char *p = *sig;
	const BIGNUM *r, *s;
	ECDSA_SIG *esig;
	size_t half = (size_t)(EVP_PKEY_get_bits(pkey) + 7) / 8;
	unsigned char *raw;

	if ((esig = d2i_ECDSA_SIG(NULL, &p, (long)*siglen)) == NULL)
		jt_die("d2i_ECDSA_SIG");
	ECDSA_SIG_get0(esig, &r, &s);
	if ((raw = malloc(2 * half)) == NULL ||
	    BN_bn2binpad(r, raw, (int)half) != (int)half ||
	    BN_bn2binpad(s, raw + half, (int)half) != (int)half)
		jt_die("bn2binpad");
	ECDSA_SIG_free(esig);
	free(*sig);
	*sig = raw;
	*siglen = 2 * half;
}

void
jt_sign(EVP_PKEY *pkey, const char *alg, const char *data, size_t len,
    int flags, unsigned char **sig, size_t *siglen)
{
	EVP_MD_CTX *mdctx;
	EVP_PKEY_CTX *pctx = NULL;
	const char *md = jt_alg_digest(alg);

	if ((mdctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit_ex(mdctx, &pctx, md, NULL, NULL, pkey,
	    NULL) != 1)
		jt_die("DigestSignInit");
	if (alg[0] == 'P' &&
	    (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx,
	    (flags & JT_PSS_SALT_MAX) ? RSA_PSS_SALTLEN_MAX :
	    RSA_PSS_SALTLEN_DIGEST) != 1))
		jt_die("PSS setup");
	if (EVP_DigestSign(mdctx, NULL, siglen, (const unsigned char *)data,
	    len) != 1 || (*sig = malloc(*siglen)) == NULL ||
	    EVP_DigestSign(mdctx, *sig, siglen, (const unsigned char *)data,
	    len) != 1)
		jt_die("DigestSign");
	EVP_MD_CTX_free(mdctx);
	if (alg[0] == 'E' && alg[1] == 'S' && !(flags & JT_ECDSA_DER))
		jt_der_to_raw(pkey, sig, siglen);
}

void
jt_hs256(const void *key, size_t keylen, const char *data, size_t len,
    unsigned char **sig, size_t *siglen)
{
	if ((*sig = malloc(EVP_MAX_MD_SIZE)) == NULL ||
	    EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, keylen,
	    (const unsigned char *)data, len, *sig, EVP_MAX_MD_SIZE,
	    siglen) == NULL)
		jt_die("HMAC");
}

char *
jt_pubkey_pem(EVP_PKEY *pkey)
{
	BIO *bio;
	char *p, *out;
	long n;

	if ((bio = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_PUBKEY(bio, pkey) != 1 ||
	    (n = BIO_get_mem_data(bio, &p)) <= 0 ||
	    (out = strndup(p, (size_t)n)) == NULL)
		jt_die("PEM");
	BIO_free(bio);
	return out;
}

char *
jt_token(EVP_PKEY *pkey, const char *sign_alg, const char *header,
    const char *payload, int flags)
{
	char *h = jt_b64s(header), *p = jt_b64s(payload), *input, *s, *out;
	unsigned char *sig;
	size_t siglen;

	input = jt_fmt("%s.%s", h, p);
	jt_sign(pkey, sign_alg, input, strlen(input), flags, &sig, &siglen);
	s = jt_b64(sig, siglen);
	out = jt_fmt("%s.%s", input, s);
	free(h);
	free(p);
	free(input);
	free(sig);
	free(s);
	return out;
}
