/* SPDX-License-Identifier: MIT */
#include "config.h"

/* Compile-time guarantee that only the OpenSSL 3 EVP API is used. */
#define OPENSSL_API_COMPAT 30000
#define OPENSSL_NO_DEPRECATED

#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include "alg.h"
#include "b64url.h"
#include "err.h"
#include "jwk.h"

/* RFC 7518 §6.3.1: n is at most 8192 bits here, e at most 64. */
#define RSA_MAX_N_BYTES	(PA_JWK_RSA_MAX_BITS / 8 + 1)
#define RSA_MAX_E_BYTES	8
/* Uncompressed SEC1 point: 0x04 || x || y. */
#define EC_MAX_COORD	48
#define OKP_MAX_X	57

#define RSA_ALGS (PA_ALG_RS256 | PA_ALG_RS384 | PA_ALG_RS512 | \
	PA_ALG_PS256 | PA_ALG_PS384 | PA_ALG_PS512)

struct curve_info {
	const char *crv;	/* JWK name (RFC 7518 §6.2.1.1, RFC 8037 §2) */
	const char *ossl;	/* OpenSSL group or key type name */
	int kty;
	int nid;
	size_t len;		/* coordinate or key length in bytes */
	unsigned alg;
};

static const struct curve_info curves[] = {
	{ "P-256", "P-256", PA_KTY_EC, NID_X9_62_prime256v1, 32, PA_ALG_ES256 },
	{ "P-384", "P-384", PA_KTY_EC, NID_secp384r1, 48, PA_ALG_ES384 },
	{ "Ed25519", "ED25519", PA_KTY_OKP, NID_ED25519, 32, PA_ALG_EDDSA },
	{ "Ed448", "ED448", PA_KTY_OKP, NID_ED448, 57, PA_ALG_EDDSA },
};

/*
 * Members that only a private JWK has (RFC 7518 §6.2.2, §6.3.2, §6.4.1,
 * RFC 8037 §2).
 */
static const char *const private_members[] = {
	"d", "p", "q", "dp", "dq", "qi", "oth", "k",
};

static const struct curve_info *
curve_by_name(int kty, const char *crv)
{
	size_t i;

	for (i = 0; i < sizeof(curves) / sizeof(curves[0]); i++)
		if (curves[i].kty == kty && strcmp(curves[i].crv, crv) == 0)
			return &curves[i];
	return NULL;
}

static const struct curve_info *
curve_by_nid(int kty, int nid)
{
	size_t i;

	for (i = 0; i < sizeof(curves) / sizeof(curves[0]); i++)
		if (curves[i].kty == kty && curves[i].nid == nid)
			return &curves[i];
	return NULL;
}

unsigned
pa_jwk_algs(const struct pa_jwk *key)
{
	const struct curve_info *ci;
	unsigned algs = 0;

	if (key == NULL || key->pkey == NULL)
		return 0;
	if (key->kty == PA_KTY_RSA)
		algs = RSA_ALGS;
	else if ((ci = curve_by_nid(key->kty, key->curve)) != NULL)
		algs = ci->alg;
	/* RFC 7517 §4.4: a key that names its algorithm is for that one. */
	if (key->alg != NULL)
		algs &= pa_alg_from_name(key->alg);
	return algs;
}

/*
 * Looks up an optional string member: PA_OK with *out NULL when absent,
 * PA_ERR_JWK when present with another type.
 */
static int
jwk_opt_string(const json_t *obj, const char *name, const char **out)
{
	const json_t *v;

	*out = NULL;
	if ((v = json_object_get(obj, name)) == NULL)
		return PA_OK;
	if (!json_is_string(v))
		return PA_ERR_JWK;
	*out = json_string_value(v);
	return PA_OK;
}

/* Decodes a required base64url member of at most maxlen decoded bytes. */
static int
jwk_b64_member(const json_t *obj, const char *name, size_t maxlen,
    unsigned char **out, size_t *outlen)
{
	const json_t *v;
	size_t slen;

	*out = NULL;
	*outlen = 0;
	if ((v = json_object_get(obj, name)) == NULL || !json_is_string(v))
		return PA_ERR_JWK;
	/* Bound the work before decoding: 4 characters per 3 bytes. */
	slen = json_string_length(v);
	if (slen > (maxlen / 3 + 1) * 4)
		return PA_ERR_JWK;
	if (pa_b64url_decode(json_string_value(v), slen, out, outlen) != PA_OK)
		return PA_ERR_JWK;
	return PA_OK;
}

static int
jwk_has_private_members(const json_t *obj)
{
	size_t i;

	for (i = 0; i < sizeof(private_members) / sizeof(private_members[0]);
	    i++)
		if (json_object_get(obj, private_members[i]) != NULL)
			return 1;
	return 0;
}

/*
 * RFC 7517 §4.2/§4.3: a key published for encryption, or whose key_ops
 * do not include "verify", is not for us to verify signatures with.
 */
static int
jwk_is_for_verify(const json_t *obj)
{
	const json_t *ops, *op;
	const char *use;
	size_t i;
	int found = 0;

	if (jwk_opt_string(obj, "use", &use) != PA_OK)
		return 0;
	if (use != NULL && strcmp(use, "sig") != 0)
		return 0;
	if ((ops = json_object_get(obj, "key_ops")) == NULL)
		return 1;
	if (!json_is_array(ops))
		return 0;
	json_array_foreach(ops, i, op) {
		if (!json_is_string(op))
			return 0;
		if (strcmp(json_string_value(op), "verify") == 0)
			found = 1;
	}
	return found;
}

/*
 * Runs OpenSSL's public key validation: for EC the point is on the curve,
 * in range and of the right order (SP 800-56A §5.6.2.3.3), which stops
 * invalid-curve keys; for RSA the partial checks of SP 800-89 §5.3.3.
 */
static int
jwk_public_check(EVP_PKEY *pkey)
{
	EVP_PKEY_CTX *ctx = NULL;
	int r = PA_ERR_JWK;

	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) == NULL)
		goto out;
	if (EVP_PKEY_public_check(ctx) != 1)
		goto out;
	r = PA_OK;
 out:
	EVP_PKEY_CTX_free(ctx);
	return r;
}

static int
jwk_pkey_fromdata(const char *type, OSSL_PARAM_BLD *bld, EVP_PKEY **out)
{
	EVP_PKEY_CTX *ctx = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY *pkey = NULL;
	int r = PA_ERR_JWK;

	*out = NULL;
	if ((params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		goto out;
	/*
	 * EC: the point must be on the curve (invalid-curve attacks). RSA:
	 * OpenSSL's SP 800-89 check runs a primality test on n, about 5 ms
	 * per key and login, and buys nothing against a key that arrived
	 * over the verified TLS channel from the issuer; the size, parity
	 * and exponent checks above are what a verifier needs.
	 */
	if (strcmp(type, "RSA") != 0 && (r = jwk_public_check(pkey)) != PA_OK)
		goto out;
	*out = pkey;
	pkey = NULL;
	r = PA_OK;
 out:
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	return r;
}

/*
 * RFC 7518 §6.3.1. Leading zero octets in n (§6.3.1.1 forbids them, some
 * services send them) are tolerated: the size rule is applied to the
 * value, not its encoding.
 */
static int
jwk_rsa_pkey(const json_t *obj, EVP_PKEY **out)
{
	unsigned char *nbuf = NULL, *ebuf = NULL;
	size_t nlen, elen;
	BIGNUM *n = NULL, *e = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	int bits, r = PA_ERR_JWK;

	*out = NULL;
	if ((r = jwk_b64_member(obj, "n", RSA_MAX_N_BYTES, &nbuf,
	    &nlen)) != PA_OK ||
	    (r = jwk_b64_member(obj, "e", RSA_MAX_E_BYTES, &ebuf,
	    &elen)) != PA_OK)
		goto out;
	r = PA_ERR_JWK;
	if (nlen > RSA_MAX_N_BYTES || elen > RSA_MAX_E_BYTES)
		goto out;
	if ((n = BN_bin2bn(nbuf, (int)nlen, NULL)) == NULL ||
	    (e = BN_bin2bn(ebuf, (int)elen, NULL)) == NULL)
		goto out;
	/* RFC 7518 §3.3: 2048 bits or more; the cap bounds verify cost. */
	bits = BN_num_bits(n);
	if (bits < PA_JWK_RSA_MIN_BITS || bits > PA_JWK_RSA_MAX_BITS ||
	    !BN_is_odd(n))
		goto out;
	/* e = 1 makes every "signature" its own message; even e is no key. */
	if (!BN_is_odd(e) || BN_is_one(e))
		goto out;
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) != 1)
		goto out;
	r = jwk_pkey_fromdata("RSA", bld, out);
 out:
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	free(nbuf);
	free(ebuf);
	return r;
}

/*
 * RFC 7518 §6.2.1: x and y are exactly the coordinate length of the
 * curve (§6.2.1.2, §6.2.1.3); the point is validated by OpenSSL.
 */
static int
jwk_ec_pkey(const json_t *obj, const struct curve_info *ci, EVP_PKEY **out)
{
	unsigned char *x = NULL, *y = NULL;
	unsigned char point[1 + 2 * EC_MAX_COORD];
	size_t xlen, ylen;
	OSSL_PARAM_BLD *bld = NULL;
	int r = PA_ERR_JWK;

	*out = NULL;
	if ((r = jwk_b64_member(obj, "x", ci->len, &x, &xlen)) != PA_OK ||
	    (r = jwk_b64_member(obj, "y", ci->len, &y, &ylen)) != PA_OK)
		goto out;
	r = PA_ERR_JWK;
	if (xlen != ci->len || ylen != ci->len || ci->len > EC_MAX_COORD)
		goto out;
	point[0] = 0x04;
	memcpy(point + 1, x, xlen);
	memcpy(point + 1 + xlen, y, ylen);
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    ci->ossl, 0) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
	    point, 1 + xlen + ylen) != 1)
		goto out;
	r = jwk_pkey_fromdata("EC", bld, out);
 out:
	OSSL_PARAM_BLD_free(bld);
	free(x);
	free(y);
	return r;
}

/* RFC 8037 §2: x is the raw public key of exactly the curve's length. */
static int
jwk_okp_pkey(const json_t *obj, const struct curve_info *ci, EVP_PKEY **out)
{
	unsigned char *x = NULL;
	size_t xlen;
	EVP_PKEY *pkey = NULL;
	int r = PA_ERR_JWK;

	*out = NULL;
	if ((r = jwk_b64_member(obj, "x", ci->len, &x, &xlen)) != PA_OK)
		goto out;
	r = PA_ERR_JWK;
	if (xlen != ci->len || xlen > OKP_MAX_X)
		goto out;
	if ((pkey = EVP_PKEY_new_raw_public_key_ex(NULL, ci->ossl, NULL,
	    x, xlen)) == NULL)
		goto out;
	if ((r = jwk_public_check(pkey)) != PA_OK)
		goto out;
	*out = pkey;
	pkey = NULL;
	r = PA_OK;
 out:
	EVP_PKEY_free(pkey);
	free(x);
	return r;
}

static int
jwk_build_pkey(const json_t *obj, const char *kty, struct pa_jwk *jwk)
{
	const struct curve_info *ci;
	const char *crv;

	if (strcmp(kty, "RSA") == 0) {
		jwk->kty = PA_KTY_RSA;
		jwk->curve = 0;
		return jwk_rsa_pkey(obj, &jwk->pkey);
	}
	if (strcmp(kty, "EC") == 0)
		jwk->kty = PA_KTY_EC;
	else if (strcmp(kty, "OKP") == 0)
		jwk->kty = PA_KTY_OKP;
	else
		return PA_ERR_JWK;
	if (jwk_opt_string(obj, "crv", &crv) != PA_OK || crv == NULL ||
	    (ci = curve_by_name(jwk->kty, crv)) == NULL)
		return PA_ERR_JWK;
	jwk->curve = ci->nid;
	if (jwk->kty == PA_KTY_EC)
		return jwk_ec_pkey(obj, ci, &jwk->pkey);
	return jwk_okp_pkey(obj, ci, &jwk->pkey);
}

static void
jwk_clear(struct pa_jwk *jwk)
{
	free(jwk->kid);
	free(jwk->alg);
	EVP_PKEY_free(jwk->pkey);
	memset(jwk, 0, sizeof(*jwk));
}

/*
 * Builds one key. PA_ERR_JWK means "skip this entry"; only PA_ERR_ALLOC
 * is worth failing the set for.
 */
static int
jwk_from_json(const json_t *obj, struct pa_jwk *jwk)
{
	const char *kty, *kid, *alg;
	int r = PA_ERR_JWK;

	memset(jwk, 0, sizeof(*jwk));
	if (!json_is_object(obj) || !jwk_is_for_verify(obj))
		goto out;
	if (jwk_opt_string(obj, "kty", &kty) != PA_OK || kty == NULL ||
	    jwk_opt_string(obj, "kid", &kid) != PA_OK ||
	    jwk_opt_string(obj, "alg", &alg) != PA_OK)
		goto out;
	if (kid != NULL && strlen(kid) > PA_JWK_MAX_KID)
		goto out;
	if ((r = jwk_build_pkey(obj, kty, jwk)) != PA_OK)
		goto out;
	r = PA_ERR_ALLOC;
	if ((kid != NULL && (jwk->kid = strdup(kid)) == NULL) ||
	    (alg != NULL && (jwk->alg = strdup(alg)) == NULL))
		goto out;
	/* An "alg" we would never accept with this key makes it useless. */
	r = PA_ERR_JWK;
	if (pa_jwk_algs(jwk) == 0)
		goto out;
	r = PA_OK;
 out:
	if (r != PA_OK)
		jwk_clear(jwk);
	return r;
}

static int
jwks_kid_taken(const struct pa_jwks *set, const char *kid)
{
	size_t i;

	if (kid == NULL)
		return 0;
	for (i = 0; i < set->nkeys; i++)
		if (set->keys[i].kid != NULL &&
		    strcmp(set->keys[i].kid, kid) == 0)
			return 1;
	return 0;
}

static int
jwks_add_keys(const json_t *keys, struct pa_jwks *set)
{
	size_t i, n;
	int r;

	n = json_array_size(keys);
	if (n > PA_JWKS_MAX_KEYS)
		n = PA_JWKS_MAX_KEYS;
	if (n == 0)
		return PA_ERR_JWK;
	if ((set->keys = calloc(n, sizeof(*set->keys))) == NULL)
		return PA_ERR_ALLOC;
	for (i = 0; i < n; i++) {
		const json_t *obj = json_array_get(keys, i);

		if (json_is_object(obj) && jwk_has_private_members(obj))
			return PA_ERR_JWK;
		/* Failures of skipped keys are no one's business later. */
		ERR_set_mark();
		r = jwk_from_json(obj, &set->keys[set->nkeys]);
		ERR_pop_to_mark();
		if (r == PA_ERR_ALLOC)
			return r;
		if (r != PA_OK)
			continue;
		/* The first key with a kid wins; a later twin is ignored. */
		if (jwks_kid_taken(set, set->keys[set->nkeys].kid)) {
			jwk_clear(&set->keys[set->nkeys]);
			continue;
		}
		set->nkeys++;
	}
	return set->nkeys == 0 ? PA_ERR_JWK : PA_OK;
}

int
pa_jwks_parse(const char *json, size_t len, struct pa_jwks **out)
{
	struct pa_jwks *set = NULL;
	json_t *root = NULL;
	json_error_t jerr;
	const json_t *keys;
	int r = PA_ERR_INTERNAL;

	if (out == NULL || json == NULL)
		return PA_ERR_ARG;
	*out = NULL;
	if (len > PA_JWKS_MAX_LEN) {
		r = PA_ERR_TOO_LARGE;
		goto out;
	}
	/*
	 * Duplicate names are an error (RFC 7517 §4 defers to RFC 7159,
	 * which leaves them undefined): two parsers must not see two keys.
	 * jansson caps nesting depth, so deep input cannot exhaust the stack.
	 */
	if ((root = json_loadb(json, len, JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL) {
		r = PA_ERR_JSON;
		goto out;
	}
	if (!json_is_object(root) ||
	    (keys = json_object_get(root, "keys")) == NULL ||
	    !json_is_array(keys)) {
		r = PA_ERR_JWK;
		goto out;
	}
	if ((set = calloc(1, sizeof(*set))) == NULL) {
		r = PA_ERR_ALLOC;
		goto out;
	}
	if ((r = jwks_add_keys(keys, set)) != PA_OK)
		goto out;
	*out = set;
	set = NULL;
	r = PA_OK;
 out:
	pa_jwks_free(set);
	json_decref(root);
	return r;
}

const struct pa_jwk *
pa_jwks_find(const struct pa_jwks *set, const char *kid)
{
	size_t i;

	if (set == NULL)
		return NULL;
	if (kid == NULL) {
		if (set->nkeys == 1 && set->keys[0].kid == NULL)
			return &set->keys[0];
		return NULL;
	}
	for (i = 0; i < set->nkeys; i++)
		if (set->keys[i].kid != NULL &&
		    strcmp(set->keys[i].kid, kid) == 0)
			return &set->keys[i];
	return NULL;
}

void
pa_jwks_free(struct pa_jwks *set)
{
	size_t i;

	if (set == NULL)
		return;
	for (i = 0; i < set->nkeys; i++)
		jwk_clear(&set->keys[i]);
	free(set->keys);
	free(set);
}
