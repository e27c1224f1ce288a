/* SPDX-License-Identifier: MIT */
#include "config.h"

/* Compile-time guarantee that only the OpenSSL 3 EVP API is used. */
#define OPENSSL_API_COMPAT 30000
#define OPENSSL_NO_DEPRECATED

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>

#include "alg.h"
#include "b64url.h"
#include "err.h"
#include "jwk.h"
#include "jws.h"
#include "secret.h"

#define PA_ALG_RSA_PKCS1 (PA_ALG_RS256 | PA_ALG_RS384 | PA_ALG_RS512)
#define PA_ALG_RSA_PSS (PA_ALG_PS256 | PA_ALG_PS384 | PA_ALG_PS512)
#define PA_ALG_ALL (PA_ALG_RSA_PKCS1 | PA_ALG_RSA_PSS | PA_ALG_ES256 | \
	PA_ALG_ES384 | PA_ALG_EDDSA)

/*
 * Header members that point at a key or certificate to verify with
 * (RFC 7515 §4.1.2-§4.1.6). Honouring any of them lets the token pick
 * its own trust anchor; silently ignoring them would let a library
 * swapped in later honour them, so the token is refused.
 */
static const char *const key_source_headers[] = {
	"jku", "jwk", "x5u", "x5c",
};

/* Media types of a JWT (RFC 7519 §5.1) and an access token (RFC 9068 §2.1). */
static const char *const accepted_typ[] = {
	"JWT", "application/jwt", "at+jwt", "application/at+jwt",
};

/*
 * Splits a compact JWS at its two dots (RFC 7515 §7.1). Anything else,
 * including the five segments of a JWE (RFC 7516 §7.1), is refused, as
 * are empty segments: an empty payload would be a detached one
 * (RFC 7515 Appendix F), an empty signature that of "none".
 */
static int
jws_split(const char *token, size_t len, size_t *dot1, size_t *dot2)
{
	size_t i, ndots = 0;

	*dot1 = *dot2 = 0;
	for (i = 0; i < len; i++) {
		if (token[i] != '.')
			continue;
		if (ndots == 0)
			*dot1 = i;
		else if (ndots == 1)
			*dot2 = i;
		ndots++;
	}
	if (ndots != 2)
		return PA_ERR_JWS_FORMAT;
	if (*dot1 == 0 || *dot2 == *dot1 + 1 || *dot2 + 1 == len)
		return PA_ERR_JWS_FORMAT;
	return PA_OK;
}

static int
jws_typ_ok(const char *typ)
{
	size_t i;

	/* RFC 7515 §4.1.9: media types compare case-insensitively. */
	for (i = 0; i < sizeof(accepted_typ) / sizeof(accepted_typ[0]); i++)
		if (strcasecmp(typ, accepted_typ[i]) == 0)
			return 1;
	return 0;
}

/* "alg" (RFC 7515 §4.1.1): required, a string, one we implement. */
static int
jws_header_alg(const json_t *hdr, struct pa_jws *jws)
{
	const json_t *v;

	if ((v = json_object_get(hdr, "alg")) == NULL || !json_is_string(v))
		return PA_ERR_JWS_HEADER;
	/*
	 * alg.h knows no "none" and no HS*: with HS256 a forger would MAC
	 * with our public key as the secret (RFC 8725 §2.1, §3.1).
	 */
	if ((jws->alg = pa_alg_from_name(json_string_value(v))) == 0)
		return PA_ERR_ALG;
	if ((jws->alg_name = strdup(json_string_value(v))) == NULL)
		return PA_ERR_ALLOC;
	return PA_OK;
}

/* Members we refuse outright, whatever their value. */
static int
jws_header_forbidden(const json_t *hdr)
{
	const json_t *v;
	size_t i;

	for (i = 0; i < sizeof(key_source_headers) /
	    sizeof(key_source_headers[0]); i++)
		if (json_object_get(hdr, key_source_headers[i]) != NULL)
			return PA_ERR_JWS_HEADER;
	/* RFC 7515 §4.1.11: an extension we do not know must fail. */
	if (json_object_get(hdr, "crit") != NULL)
		return PA_ERR_CRIT;
	/* RFC 7797 §3: b64=false changes what is signed; we do not do it. */
	if ((v = json_object_get(hdr, "b64")) != NULL && !json_is_true(v))
		return PA_ERR_JWS_HEADER;
	/* JWE members (RFC 7516 §4.1.2, §4.1.3) and nested JWTs. */
	if (json_object_get(hdr, "enc") != NULL ||
	    json_object_get(hdr, "zip") != NULL ||
	    json_object_get(hdr, "cty") != NULL)
		return PA_ERR_JWS_HEADER;
	return PA_OK;
}

static int
jws_header_kid_typ(const json_t *hdr, struct pa_jws *jws)
{
	const json_t *v;

	if ((v = json_object_get(hdr, "typ")) != NULL &&
	    (!json_is_string(v) || !jws_typ_ok(json_string_value(v))))
		return PA_ERR_JWS_HEADER;
	if ((v = json_object_get(hdr, "kid")) == NULL)
		return PA_OK;
	if (!json_is_string(v) || json_string_length(v) > PA_JWS_MAX_KID ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return PA_ERR_JWS_HEADER;
	if ((jws->kid = strdup(json_string_value(v))) == NULL)
		return PA_ERR_ALLOC;
	return PA_OK;
}

static int
jws_parse_header(const char *b64, size_t b64len, struct pa_jws *jws)
{
	unsigned char *raw = NULL;
	size_t rawlen;
	json_error_t jerr;
	int r;

	if ((r = pa_b64url_decode(b64, b64len, &raw, &rawlen)) != PA_OK)
		goto out;
	/* Duplicate names: a second "alg" must not hide behind the first. */
	if ((jws->header = json_loadb((const char *)raw, rawlen,
	    JSON_REJECT_DUPLICATES, &jerr)) == NULL ||
	    !json_is_object(jws->header)) {
		r = PA_ERR_JWS_HEADER;
		goto out;
	}
	if ((r = jws_header_alg(jws->header, jws)) != PA_OK ||
	    (r = jws_header_forbidden(jws->header)) != PA_OK ||
	    (r = jws_header_kid_typ(jws->header, jws)) != PA_OK)
		goto out;
	r = PA_OK;
 out:
	free(raw);
	return r;
}

int
pa_jws_parse(const char *token, size_t len, size_t max_len,
    struct pa_jws **out)
{
	struct pa_jws *jws = NULL;
	size_t dot1, dot2;
	int r = PA_ERR_INTERNAL;

	if (out == NULL || token == NULL)
		return PA_ERR_ARG;
	*out = NULL;
	if (len > max_len) {
		r = PA_ERR_TOO_LARGE;
		goto out;
	}
	if ((r = jws_split(token, len, &dot1, &dot2)) != PA_OK)
		goto out;
	if ((jws = calloc(1, sizeof(*jws))) == NULL) {
		r = PA_ERR_ALLOC;
		goto out;
	}
	if ((r = jws_parse_header(token, dot1, jws)) != PA_OK)
		goto out;
	if ((r = pa_b64url_decode(token + dot1 + 1, dot2 - dot1 - 1,
	    &jws->payload, &jws->payload_len)) != PA_OK ||
	    (r = pa_b64url_decode(token + dot2 + 1, len - dot2 - 1,
	    &jws->sig, &jws->sig_len)) != PA_OK)
		goto out;
	/* Canonical base64url cannot decode a non-empty segment to nothing. */
	if (jws->payload_len == 0 || jws->sig_len == 0) {
		r = PA_ERR_JWS_FORMAT;
		goto out;
	}
	/* RFC 7515 §5.2 step 8: the signature covers the bytes as sent. */
	if ((jws->signing_input = malloc(dot2 + 1)) == NULL) {
		r = PA_ERR_ALLOC;
		goto out;
	}
	memcpy(jws->signing_input, token, dot2);
	jws->signing_input[dot2] = '\0';
	jws->signing_input_len = dot2;
	*out = jws;
	jws = NULL;
	r = PA_OK;
 out:
	pa_jws_free(jws);
	return r;
}

/* The group of an EC key as a NID, NID_undef when unknown. */
static int
jws_ec_key_nid(EVP_PKEY *pkey)
{
	char name[64];
	size_t namelen = 0;
	int nid;

	if (EVP_PKEY_get_group_name(pkey, name, sizeof(name), &namelen) != 1 ||
	    namelen >= sizeof(name))
		return NID_undef;
	if ((nid = OBJ_txt2nid(name)) == NID_undef)
		nid = EC_curve_nist2nid(name);
	return nid;
}

/*
 * The key's own type, checked on the EVP_PKEY itself and not only on
 * what the JWK said, so an alg can never run against a key of another
 * kind (RFC 8725 §3.1: the algorithm is bound to the key).
 */
static int
jws_key_fits_alg(const struct pa_jwk *key, unsigned alg)
{
	EVP_PKEY *pkey = key->pkey;

	if ((pa_jwk_algs(key) & alg) == 0)
		return 0;
	if ((alg & (PA_ALG_RSA_PKCS1 | PA_ALG_RSA_PSS)) != 0)
		return key->kty == PA_KTY_RSA && EVP_PKEY_is_a(pkey, "RSA");
	if (alg == PA_ALG_ES256)
		return key->kty == PA_KTY_EC && EVP_PKEY_is_a(pkey, "EC") &&
		    key->curve == NID_X9_62_prime256v1 &&
		    jws_ec_key_nid(pkey) == NID_X9_62_prime256v1;
	if (alg == PA_ALG_ES384)
		return key->kty == PA_KTY_EC && EVP_PKEY_is_a(pkey, "EC") &&
		    key->curve == NID_secp384r1 &&
		    jws_ec_key_nid(pkey) == NID_secp384r1;
	if (alg == PA_ALG_EDDSA)
		return key->kty == PA_KTY_OKP &&
		    ((key->curve == NID_ED25519 &&
		    EVP_PKEY_is_a(pkey, "ED25519")) ||
		    (key->curve == NID_ED448 && EVP_PKEY_is_a(pkey, "ED448")));
	return 0;
}

/* The digest of each alg (RFC 7518 §3.1); NULL for EdDSA (RFC 8037 §3.1). */
static const char *
jws_alg_digest(unsigned alg)
{
	switch (alg) {
	case PA_ALG_RS256: case PA_ALG_PS256: case PA_ALG_ES256:
		return "SHA256";
	case PA_ALG_RS384: case PA_ALG_PS384: case PA_ALG_ES384:
		return "SHA384";
	case PA_ALG_RS512: case PA_ALG_PS512:
		return "SHA512";
	}
	return NULL;
}

/* The one signature length each alg and key allow, 0 if none. */
static size_t
jws_expected_sig_len(const struct pa_jwk *key, unsigned alg)
{
	int size;

	if ((alg & (PA_ALG_RSA_PKCS1 | PA_ALG_RSA_PSS)) != 0) {
		/* RFC 7518 §3.3: as long as the modulus, leading zeros kept. */
		size = EVP_PKEY_get_size(key->pkey);
		return size > 0 ? (size_t)size : 0;
	}
	if (alg == PA_ALG_ES256)
		return 64;
	if (alg == PA_ALG_ES384)
		return 96;
	if (alg == PA_ALG_EDDSA)
		return key->curve == NID_ED448 ? 114 : 64;
	return 0;
}

/*
 * RFC 7518 §3.4: a JWS carries R || S, each the size of the group order;
 * OpenSSL wants the DER SEQUENCE of RFC 3279 §2.2.3.
 */
static int
jws_ecdsa_raw_to_der(const unsigned char *sig, size_t siglen,
    unsigned char **der, size_t *derlen)
{
	ECDSA_SIG *esig = NULL;
	BIGNUM *br = NULL, *bs = NULL;
	unsigned char *buf = NULL, *p;
	int len, r = PA_ERR_INTERNAL;

	*der = NULL;
	*derlen = 0;
	if (siglen == 0 || siglen % 2 != 0 || siglen > 2 * 66) {
		r = PA_ERR_SIGNATURE;
		goto out;
	}
	if ((esig = ECDSA_SIG_new()) == NULL ||
	    (br = BN_bin2bn(sig, (int)(siglen / 2), NULL)) == NULL ||
	    (bs = BN_bin2bn(sig + siglen / 2, (int)(siglen / 2), NULL)) == NULL)
		goto out;
	if (ECDSA_SIG_set0(esig, br, bs) != 1)
		goto out;
	br = bs = NULL;		/* owned by esig now */
	if ((len = i2d_ECDSA_SIG(esig, NULL)) <= 0)
		goto out;
	if ((buf = malloc((size_t)len)) == NULL) {
		r = PA_ERR_ALLOC;
		goto out;
	}
	p = buf;
	if (i2d_ECDSA_SIG(esig, &p) != len)
		goto out;
	*der = buf;
	*derlen = (size_t)len;
	buf = NULL;
	r = PA_OK;
 out:
	free(buf);
	BN_free(br);
	BN_free(bs);
	ECDSA_SIG_free(esig);
	return r;
}

/* PKCS#1 v1.5 for RS*, PSS with MGF1 and salt = hash length for PS*. */
static int
jws_set_rsa_padding(EVP_PKEY_CTX *pctx, unsigned alg, const char *mdname)
{
	EVP_MD *md = NULL;
	int r = PA_ERR_INTERNAL;

	if ((alg & PA_ALG_RSA_PKCS1) != 0) {
		if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1)
			goto out;
	} else if ((alg & PA_ALG_RSA_PSS) != 0) {
		/* RFC 7518 §3.5; SALTLEN_DIGEST makes verify insist on it. */
		if ((md = EVP_MD_fetch(NULL, mdname, NULL)) == NULL ||
		    EVP_PKEY_CTX_set_rsa_padding(pctx,
		    RSA_PKCS1_PSS_PADDING) != 1 ||
		    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) != 1 ||
		    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx,
		    RSA_PSS_SALTLEN_DIGEST) != 1)
			goto out;
	}
	r = PA_OK;
 out:
	EVP_MD_free(md);
	return r;
}

static int
jws_evp_verify(const struct pa_jws *jws, const struct pa_jwk *key,
    const unsigned char *sig, size_t siglen)
{
	EVP_MD_CTX *mdctx = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	const char *mdname = jws_alg_digest(jws->alg);
	int r = PA_ERR_INTERNAL;

	if ((mdctx = EVP_MD_CTX_new()) == NULL) {
		r = PA_ERR_ALLOC;
		goto out;
	}
	if (EVP_DigestVerifyInit_ex(mdctx, &pctx, mdname, NULL, NULL,
	    key->pkey, NULL) != 1 || pctx == NULL)
		goto out;
	if ((r = jws_set_rsa_padding(pctx, jws->alg, mdname)) != PA_OK)
		goto out;
	/* 1 is valid; 0 is a bad signature, < 0 an error: both are "no". */
	if (EVP_DigestVerify(mdctx, sig, siglen,
	    (const unsigned char *)jws->signing_input,
	    jws->signing_input_len) != 1) {
		r = PA_ERR_SIGNATURE;
		goto out;
	}
	r = PA_OK;
 out:
	EVP_MD_CTX_free(mdctx);
	return r;
}

int
pa_jws_verify(const struct pa_jws *jws, const struct pa_jwk *key,
    unsigned allowed_algs)
{
	unsigned char *der = NULL;
	size_t derlen = 0;
	int r = PA_ERR_INTERNAL;

	if (jws == NULL || key == NULL || key->pkey == NULL ||
	    jws->alg_name == NULL || jws->sig == NULL ||
	    jws->signing_input == NULL)
		return PA_ERR_ARG;
	ERR_set_mark();
	/* Exactly one known alg, the one the header named, and allowed. */
	if (jws->alg == 0 || (jws->alg & (jws->alg - 1)) != 0 ||
	    (jws->alg & PA_ALG_ALL & allowed_algs) != jws->alg ||
	    pa_alg_from_name(jws->alg_name) != jws->alg) {
		r = PA_ERR_ALG;
		goto out;
	}
	if ((key->alg != NULL && strcmp(key->alg, jws->alg_name) != 0) ||
	    !jws_key_fits_alg(key, jws->alg)) {
		r = PA_ERR_KEY_MISMATCH;
		goto out;
	}
	if (jws->sig_len != jws_expected_sig_len(key, jws->alg)) {
		r = PA_ERR_SIGNATURE;
		goto out;
	}
	if ((jws->alg & (PA_ALG_ES256 | PA_ALG_ES384)) != 0) {
		if ((r = jws_ecdsa_raw_to_der(jws->sig, jws->sig_len, &der,
		    &derlen)) != PA_OK)
			goto out;
		r = jws_evp_verify(jws, key, der, derlen);
	} else
		r = jws_evp_verify(jws, key, jws->sig, jws->sig_len);
 out:
	/* A rejected token leaves nothing behind on the error queue. */
	ERR_pop_to_mark();
	free(der);
	return r;
}

int
pa_jws_claims(const struct pa_jws *jws, json_t **out)
{
	json_t *claims = NULL;
	json_error_t jerr;
	int r = PA_ERR_INTERNAL;

	if (out == NULL || jws == NULL || jws->payload == NULL)
		return PA_ERR_ARG;
	*out = NULL;
	/* RFC 7519 §7.2 step 10; duplicate claims would be ambiguous (§4). */
	if ((claims = json_loadb((const char *)jws->payload, jws->payload_len,
	    JSON_REJECT_DUPLICATES, &jerr)) == NULL ||
	    !json_is_object(claims)) {
		r = PA_ERR_JSON;
		goto out;
	}
	*out = claims;
	claims = NULL;
	r = PA_OK;
 out:
	json_decref(claims);
	return r;
}

void
pa_jws_free(struct pa_jws *jws)
{
	if (jws == NULL)
		return;
	/* The token is a bearer credential: wipe what could rebuild it. */
	/* Each buffer has a NUL after its counted bytes. */
	pa_freezero(jws->payload, jws->payload_len + 1);
	pa_freezero(jws->sig, jws->sig_len + 1);
	pa_freezero(jws->signing_input, jws->signing_input_len + 1);
	free(jws->alg_name);
	free(jws->kid);
	json_decref(jws->header);
	free(jws);
}

/*
 * A second parser on purpose small: it only ever reads the expiry of a
 * token we already hold, to renew it in time; nothing here is trusted.
 */
int
pa_jws_peek_exp_unverified(const char *jwt, long long *exp)
{
	const char *p1, *p2;
	unsigned char *buf = NULL;
	size_t len = 0;
	json_t *claims = NULL, *v;
	double d;
	int r = PA_ERR_JWS_FORMAT;

	*exp = 0;
	if (jwt == NULL || (p1 = strchr(jwt, '.')) == NULL ||
	    (p2 = strchr(p1 + 1, '.')) == NULL || strchr(p2 + 1, '.') != NULL)
		goto out;
	r = PA_ERR_BASE64;
	if (pa_b64url_decode(p1 + 1, (size_t)(p2 - p1 - 1), &buf,
	    &len) != PA_OK)
		goto out;
	r = PA_ERR_JSON;
	if ((claims = json_loadb((const char *)buf, len,
	    JSON_REJECT_DUPLICATES, NULL)) == NULL || !json_is_object(claims))
		goto out;
	r = PA_ERR_CLAIM_MISSING;
	v = json_object_get(claims, "exp");
	if (json_is_integer(v)) {
		*exp = (long long)json_integer_value(v);
		r = PA_OK;
	} else if (json_is_real(v) && isfinite(d = json_real_value(v)) &&
	    d > 0 && d < 253402300800.0) {
		/* Truncation rounds down: renew early rather than late. */
		*exp = (long long)d;
		r = PA_OK;
	}
 out:
	json_decref(claims);
	pa_freezero(buf, len);
	return r;
}
