/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "buf.h"
#include "err.h"
#include "hex.h"
#include "seal.h"

#define MAGIC		"POSAUTH1\n"
#define MAGIC_LEN	(sizeof(MAGIC) - 1)
#define MAC_LEN		32
#define MAC_LABEL	"posauth-v1"

static int
seal_mac(const unsigned char *key, const char *kind, const char *name,
    const unsigned char *body, size_t blen, unsigned char *out)
{
	static const char label[] = MAC_LABEL;
	char digest[] = "SHA256";
	EVP_MAC *mac = NULL;
	EVP_MAC_CTX *ctx = NULL;
	OSSL_PARAM params[2];
	size_t olen = 0;
	int r = PA_ERR_INTERNAL;

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL ||
	    (ctx = EVP_MAC_CTX_new(mac)) == NULL ||
	    EVP_MAC_init(ctx, key, PA_SEAL_KEY_LEN, params) != 1)
		goto out;
	/* NUL-separated: kind and name cannot run into each other. */
	if (EVP_MAC_update(ctx, (const unsigned char *)label,
	    sizeof(label)) != 1 ||
	    EVP_MAC_update(ctx, (const unsigned char *)kind,
	    strlen(kind) + 1) != 1 ||
	    EVP_MAC_update(ctx, (const unsigned char *)name,
	    strlen(name) + 1) != 1 ||
	    EVP_MAC_update(ctx, body, blen) != 1 ||
	    EVP_MAC_final(ctx, out, &olen, MAC_LEN) != 1 || olen != MAC_LEN)
		goto out;
	r = PA_OK;
 out:
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return r;
}

int
pa_seal(const unsigned char *key, const char *kind, const char *name,
    const unsigned char *body, size_t blen, struct pa_buf *out)
{
	unsigned char mac[MAC_LEN];
	char hex[2 * MAC_LEN];
	int r;

	if ((r = seal_mac(key, kind, name, body, blen, mac)) == PA_OK) {
		pa_hex_encode(mac, sizeof(mac), hex);
		if ((r = pa_buf_put(out, MAGIC, MAGIC_LEN)) == PA_OK &&
		    (r = pa_buf_put(out, hex, sizeof(hex))) == PA_OK &&
		    (r = pa_buf_putc(out, '\n')) == PA_OK)
			r = pa_buf_put(out, body, blen);
	}
	OPENSSL_cleanse(mac, sizeof(mac));
	return r;
}

int
pa_unseal(const unsigned char *key, const char *kind, const char *name,
    const unsigned char *file, size_t len, const unsigned char **body,
    size_t *blen)
{
	unsigned char want[MAC_LEN], got[MAC_LEN];
	int r = PA_ERR_CACHE_CORRUPT;

	if (len < PA_SEAL_HEADER_LEN || memcmp(file, MAGIC, MAGIC_LEN) != 0 ||
	    file[PA_SEAL_HEADER_LEN - 1] != '\n')
		goto out;
	if (pa_hex_decode((const char *)file + MAGIC_LEN, 2 * MAC_LEN, got,
	    sizeof(got)) != PA_OK)
		goto out;
	if ((r = seal_mac(key, kind, name, file + PA_SEAL_HEADER_LEN,
	    len - PA_SEAL_HEADER_LEN, want)) != PA_OK)
		goto out;
	if (CRYPTO_memcmp(want, got, sizeof(want)) != 0) {
		r = PA_ERR_CACHE_CORRUPT;
		goto out;
	}
	*body = file + PA_SEAL_HEADER_LEN;
	*blen = len - PA_SEAL_HEADER_LEN;
	r = PA_OK;
 out:
	OPENSSL_cleanse(want, sizeof(want));
	return r;
}
