/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "err.h"
#include "kdf.h"
#include "secret.h"

#define SCRYPT_R	8u
#define SCRYPT_P	1u

static int
kdf_pin_ok(const char *pin, size_t pinlen)
{
	return pin != NULL && pinlen > 0 && pinlen <= PA_KDF_PIN_MAX;
}

static int
kdf_cost_ok(unsigned cost)
{
	return cost >= PA_KDF_COST_MIN && cost <= PA_KDF_COST_MAX;
}

/*
 * scrypt with our fixed r and p. maxmem is set to exactly what the
 * parameters need (OpenSSL's default cap of 32 MiB would refuse cost 15
 * and up); the cost range check above is what bounds it.
 */
static int
kdf_scrypt(const char *pin, size_t pinlen, unsigned cost,
    const unsigned char *salt, unsigned char *out)
{
	EVP_KDF *kdf = NULL;
	EVP_KDF_CTX *ctx = NULL;
	OSSL_PARAM params[7], *p = params;
	uint64_t n = (uint64_t)1 << cost;
	uint64_t maxmem = 128 * (uint64_t)SCRYPT_R * (n + 2 + SCRYPT_P);
	uint32_t r = SCRYPT_R, par = SCRYPT_P;
	int ret = PA_ERR_INTERNAL;

	if (maxmem > SIZE_MAX)
		goto out;
	if ((kdf = EVP_KDF_fetch(NULL, "SCRYPT", NULL)) == NULL ||
	    (ctx = EVP_KDF_CTX_new(kdf)) == NULL)
		goto out;
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD,
	    (void *)pin, pinlen);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
	    (void *)salt, PA_KDF_SALT_LEN);
	*p++ = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n);
	*p++ = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r);
	*p++ = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &par);
	*p++ = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM,
	    &maxmem);
	*p = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(ctx, out, PA_KDF_HASH_LEN, params) != 1)
		goto out;
	ret = PA_OK;
 out:
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return ret;
}

int
pa_kdf_make(const char *pin, size_t pinlen, unsigned cost,
    struct pa_verifier *out)
{
	struct pa_verifier v;
	int r = PA_ERR_ARG;

	memset(&v, 0, sizeof(v));
	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (out == NULL || !kdf_pin_ok(pin, pinlen) || !kdf_cost_ok(cost))
		goto out;
	v.alg = PA_KDF_SCRYPT;
	v.cost = cost;
	if (RAND_bytes(v.salt, sizeof(v.salt)) != 1) {
		r = PA_ERR_INTERNAL;
		goto out;
	}
	if ((r = kdf_scrypt(pin, pinlen, cost, v.salt, v.hash)) != PA_OK)
		goto out;
	*out = v;
 out:
	OPENSSL_cleanse(&v, sizeof(v));
	return r;
}

int
pa_kdf_check(const char *pin, size_t pinlen, const struct pa_verifier *v)
{
	unsigned char hash[PA_KDF_HASH_LEN];
	int r = PA_ERR_ARG;

	if (v == NULL || !kdf_pin_ok(pin, pinlen))
		goto out;
	if (v->alg != PA_KDF_SCRYPT || !kdf_cost_ok(v->cost)) {
		r = PA_ERR_CACHE_CORRUPT;
		goto out;
	}
	if ((r = kdf_scrypt(pin, pinlen, v->cost, v->salt, hash)) != PA_OK)
		goto out;
	r = pa_secret_equal(hash, v->hash, sizeof(hash)) ?
	    PA_OK : PA_ERR_BAD_PIN;
 out:
	OPENSSL_cleanse(hash, sizeof(hash));
	return r;
}
