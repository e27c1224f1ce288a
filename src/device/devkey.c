/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/store.h>

#include "buf.h"
#include "conf.h"
#include "devkey.h"
#include "err.h"
#include "fileio.h"

#define DEVKEY_MAX_PEM (16 * 1024)
#define DEVKEY_TPM2_PROPQ "?provider=tpm2"

/* Anyone else who could read the key could sign as this terminal. */
static const struct pa_file_policy devkey_policy = {
	.deny_mode = S_IRWXG | S_IRWXO,
};
static const struct pa_file_policy devkey_dir_policy = {
	.deny_mode = S_IRWXG | S_IRWXO, .type = PA_FILE_DIR,
};

static int
devkey_is_uri(const char *where)
{
	return strncmp(where, "tpm2:", 5) == 0;
}

static int
devkey_is_tpm2(const char *where)
{
	return strcmp(where, "tpm2") == 0 || devkey_is_uri(where);
}

/*
 * pa_hostenv_init() starts OpenSSL without its configuration file, so
 * the tpm2 provider is loaded by name; loading one provider by hand stops
 * the default one from loading by itself, so it is loaded too.
 */
static int
devkey_tpm2_provider(void)
{
	static OSSL_PROVIDER *tpm2, *dflt;

	if (dflt == NULL && (dflt = OSSL_PROVIDER_load(NULL, "default")) ==
	    NULL)
		return PA_ERR_DEVICE_KEY;
	if (tpm2 == NULL && (tpm2 = OSSL_PROVIDER_load(NULL, "tpm2")) == NULL)
		return PA_ERR_DEVICE_KEY;
	/*
	 * The tpm2 provider offers EC, RSA and SHA-256 too: everything
	 * else (TLS, token signatures, hashes) stays with the default
	 * provider; an operation on the TPM's key goes to the TPM anyway.
	 */
	if (EVP_set_default_properties(NULL, "?provider=default") != 1)
		return PA_ERR_DEVICE_KEY;
	return PA_OK;
}

/* The configured type, as a fresh key's algorithm and its check. */
static int
devkey_type_matches(EVP_PKEY *k, const char *type)
{
	if (strcmp(type, "ed25519") == 0)
		return EVP_PKEY_is_a(k, "ED25519");
	if (strcmp(type, "rsa-3072") == 0)
		return EVP_PKEY_is_a(k, "RSA") && EVP_PKEY_get_bits(k) >= 3072;
	return EVP_PKEY_is_a(k, "EC") && EVP_PKEY_get_bits(k) == 256;
}

static EVP_PKEY *
devkey_generate(const char *type, const char *propq)
{
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *k = NULL;
	const char *alg = strcmp(type, "ed25519") == 0 ? "ED25519" :
	    strcmp(type, "rsa-3072") == 0 ? "RSA" : "EC";

	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, alg, propq)) == NULL)
		return NULL;
	if (EVP_PKEY_keygen_init(ctx) == 1 &&
	    (strcmp(alg, "EC") != 0 ||
	    EVP_PKEY_CTX_set_group_name(ctx, "P-256") == 1) &&
	    (strcmp(alg, "RSA") != 0 ||
	    EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 3072) == 1))
		(void)EVP_PKEY_generate(ctx, &k);
	EVP_PKEY_CTX_free(ctx);
	return k;
}

/* PEM of the private key: PKCS#8, or the TPM's TSS2 PRIVATE KEY blob. */
static int
devkey_encode(EVP_PKEY *k, const char *propq, struct pa_buf *out)
{
	OSSL_ENCODER_CTX *ectx;
	unsigned char *data = NULL;
	size_t len = 0;
	int r = PA_ERR_DEVICE_KEY;

	ectx = OSSL_ENCODER_CTX_new_for_pkey(k, EVP_PKEY_KEYPAIR, "PEM",
	    propq == NULL ? "PrivateKeyInfo" : NULL, propq);
	if (ectx == NULL)
		return r;
	if (OSSL_ENCODER_to_data(ectx, &data, &len) == 1 && len > 0)
		r = pa_buf_put(out, data, len);
	if (data != NULL) {
		OPENSSL_cleanse(data, len);
		OPENSSL_free(data);
	}
	OSSL_ENCODER_CTX_free(ectx);
	return r;
}

static int
devkey_decode(const struct pa_buf *pem, const char *propq, EVP_PKEY **out)
{
	OSSL_DECODER_CTX *dctx;
	const unsigned char *p = pem->d;
	size_t len = pem->len;
	int r = PA_ERR_DEVICE_KEY;

	*out = NULL;
	dctx = OSSL_DECODER_CTX_new_for_pkey(out, "PEM", NULL, NULL,
	    EVP_PKEY_KEYPAIR, NULL, propq);
	if (dctx == NULL)
		return r;
	if (OSSL_DECODER_from_data(dctx, &p, &len) == 1 && *out != NULL)
		r = PA_OK;
	OSSL_DECODER_CTX_free(dctx);
	return r;
}

/*
 * A fresh key is linked into place, never renamed over one: two starts
 * racing agree on one key (as the cache's HMAC key does).
 */
static int
devkey_create(int dfd, const char *name, const char *type, const char *propq)
{
	EVP_PKEY *k;
	struct pa_buf pem;
	struct pa_chunk chunk;
	int r;

	pa_buf_init(&pem, DEVKEY_MAX_PEM);
	if ((k = devkey_generate(type, propq)) == NULL) {
		r = PA_ERR_DEVICE_KEY;
		goto out;
	}
	if ((r = devkey_encode(k, propq, &pem)) != PA_OK)
		goto out;
	chunk.data = pem.d;
	chunk.len = pem.len;
	r = pa_write_atomic_at(dfd, name, &chunk, 1, 0600, (uid_t)-1,
	    (gid_t)-1, PA_WRITE_NOREPLACE);
 out:
	pa_buf_clear(&pem);
	EVP_PKEY_free(k);
	return r;
}

static int
devkey_read(int dfd, const char *name, const char *propq, EVP_PKEY **out)
{
	struct pa_buf pem;
	int r;

	pa_buf_init(&pem, DEVKEY_MAX_PEM);
	r = pa_read_file_at(dfd, name, &devkey_policy, DEVKEY_MAX_PEM, &pem);
	if (r == PA_OK)
		r = devkey_decode(&pem, propq, out);
	else if (r == PA_ERR_TOO_LARGE)
		r = PA_ERR_DEVICE_KEY;
	pa_buf_clear(&pem);
	return r;
}

/* A key file in the cache directory, created when missing. */
static int
devkey_load_file(const struct pa_devkey_spec *s, int create,
    const char *name, const char *propq, EVP_PKEY **out)
{
	int dfd = -1, r;

	if ((r = pa_open_dir(s->dir, create, 0700, &devkey_dir_policy,
	    &dfd)) != PA_OK)
		return r;
	r = devkey_read(dfd, name, propq, out);
	if (r == PA_ERR_NOT_FOUND && create &&
	    (r = devkey_create(dfd, name, s->type, propq)) == PA_OK)
		r = devkey_read(dfd, name, propq, out);
	close(dfd);
	return r;
}

/* tpm2:URI: a key that already lives in the TPM, by OSSL_STORE. */
static int
devkey_load_store(const char *uri, EVP_PKEY **out)
{
	OSSL_STORE_CTX *st;
	OSSL_STORE_INFO *info;

	*out = NULL;
	st = OSSL_STORE_open_ex(uri, NULL, DEVKEY_TPM2_PROPQ, NULL, NULL,
	    NULL, NULL, NULL);
	if (st == NULL)
		return PA_ERR_DEVICE_KEY;
	while (*out == NULL && !OSSL_STORE_eof(st)) {
		if ((info = OSSL_STORE_load(st)) == NULL)
			break;
		if (OSSL_STORE_INFO_get_type(info) == OSSL_STORE_INFO_PKEY)
			*out = OSSL_STORE_INFO_get1_PKEY(info);
		OSSL_STORE_INFO_free(info);
	}
	OSSL_STORE_close(st);
	return *out != NULL ? PA_OK : PA_ERR_DEVICE_KEY;
}

int
pa_devkey_load(const struct pa_devkey_spec *s, int create, EVP_PKEY **out)
{
	int r;

	*out = NULL;
	if (devkey_is_tpm2(s->where)) {
		if ((r = devkey_tpm2_provider()) != PA_OK)
			return r;
		if (devkey_is_uri(s->where))
			r = devkey_load_store(s->where + 5, out);
		else
			r = devkey_load_file(s, create, PA_DEVKEY_TPM2_FILE,
			    DEVKEY_TPM2_PROPQ, out);
	} else
		r = devkey_load_file(s, create, PA_DEVKEY_FILE, NULL, out);
	/* A key of another type than configured is a changed config. */
	if (r == PA_OK && !devkey_is_uri(s->where) &&
	    !devkey_type_matches(*out, s->type)) {
		EVP_PKEY_free(*out);
		*out = NULL;
		r = PA_ERR_DEVICE_KEY;
	}
	return r;
}

/* ---- one key per process ---- */

static pthread_mutex_t devkey_lock = PTHREAD_MUTEX_INITIALIZER;
static EVP_PKEY *devkey_cached;
static char *devkey_cached_id;

static char *
devkey_id(const struct pa_devkey_spec *s)
{
	size_t n = strlen(s->dir) + strlen(s->where) + strlen(s->type) + 3;
	char *id;

	if ((id = malloc(n)) != NULL)
		snprintf(id, n, "%s\n%s\n%s", s->dir, s->where, s->type);
	return id;
}

int
pa_devkey_get(const struct pa_conf *conf, EVP_PKEY **out)
{
	struct pa_devkey_spec s = { conf->cache_dir, conf->device_key,
	    conf->device_key_type };
	EVP_PKEY *k = NULL;
	char *id;
	int r = PA_OK;

	*out = NULL;
	if ((id = devkey_id(&s)) == NULL)
		return PA_ERR_ALLOC;
	pthread_mutex_lock(&devkey_lock);
	if (devkey_cached == NULL || strcmp(devkey_cached_id, id) != 0) {
		if ((r = pa_devkey_load(&s, 1, &k)) == PA_OK) {
			EVP_PKEY_free(devkey_cached);
			free(devkey_cached_id);
			devkey_cached = k;
			devkey_cached_id = id;
			id = NULL;
		}
	}
	if (r == PA_OK && EVP_PKEY_up_ref(devkey_cached) == 1)
		*out = devkey_cached;
	else if (r == PA_OK)
		r = PA_ERR_INTERNAL;
	pthread_mutex_unlock(&devkey_lock);
	free(id);
	return r;
}

const char *
pa_devkey_storage(const struct pa_conf *conf)
{
	return devkey_is_tpm2(conf->device_key) ? "tpm2" : "file";
}
