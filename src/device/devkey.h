/* SPDX-License-Identifier: MIT */
/*
 * The device signing key: the terminal's own key pair, owned by
 * posauthd. It signs the client assertions of private_key_jwt (RFC 7523)
 * and DPoP proofs (RFC 9449); its public JWK is what the provider
 * registers (posauthctl device-key). Distinct from the cache's HMAC key
 * (device.key, cache.c): that one never leaves the machine in any form.
 *
 * device_key = file: a PEM file CACHE_DIR/signing-key.pem, root's, 0600,
 * created on first use (EC P-256, Ed25519 or RSA-3072 by
 * device_key_type) and refused when another owner or mode could have
 * read or planted it.
 * device_key = tpm2: created inside the TPM by OpenSSL's tpm2 provider;
 * the file CACHE_DIR/signing-key.tpm2.pem holds only the TPM's wrapped
 * blob (TSS2 PRIVATE KEY), useless without that TPM.
 * device_key = tpm2:URI: an existing TPM key, e.g. tpm2:handle:0x81000001
 * (a persistent handle) or tpm2:object:/path/key.pem, never created here.
 */
#ifndef POSAUTH_DEVKEY_H
#define POSAUTH_DEVKEY_H

#include <openssl/evp.h>

struct pa_conf;

#define PA_DEVKEY_FILE		"signing-key.pem"
#define PA_DEVKEY_TPM2_FILE	"signing-key.tpm2.pem"

struct pa_devkey_spec {
	const char *dir;	/* cache_dir */
	const char *where;	/* "file", "tpm2" or "tpm2:URI" */
	const char *type;	/* "ec-p256", "ed25519", "rsa-3072" */
};

/*
 * Loads the key (creating it when create is set and it is missing).
 * PA_OK with *out, PA_ERR_NOT_FOUND (no key, create not set),
 * PA_ERR_UNSAFE_FILE (owner or mode), PA_ERR_DEVICE_KEY (unreadable,
 * another type than configured, no TPM), PA_ERR_SYSTEM.
 */
int pa_devkey_load(const struct pa_devkey_spec *spec, int create,
    EVP_PKEY **out);

/*
 * The key of conf, loaded (or created) once per process and kept: a TPM
 * key is slow to load. *out holds a reference the caller frees with
 * EVP_PKEY_free(). A changed configuration loads again.
 */
int pa_devkey_get(const struct pa_conf *conf, EVP_PKEY **out);

/* "file" or "tpm2", for messages. */
const char *pa_devkey_storage(const struct pa_conf *conf);

#endif
