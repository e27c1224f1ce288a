/* SPDX-License-Identifier: MIT */
/*
 * posauthctl device-key: the public half of the terminal's signing key,
 * as the provider registers it for private_key_jwt (RFC 7523) and as
 * DPoP-bound tokens name it (RFC 7638 thumbprint, cnf.jkt). Run by
 * posauthd, which owns the key; made there on its first start.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "conf.h"
#include "ctl.h"
#include "devkey.h"
#include "err.h"
#include "jwkpub.h"
#include "jwtsign.h"

static int device_key_run(struct ctl *, int, char **);

const struct ctl_command ctl_cmd_device_key = {
	"device-key", "print the terminal's public key (JWK) for the provider",
	"device-key [--json]",
	"Prints the public key of the terminal's signing key as a JSON Web\n"
	"Key on the first line (with \"kid\" its RFC 7638 thumbprint, \"alg\"\n"
	"and \"use\": \"sig\"), then its thumbprint and where the private key\n"
	"lives (file: CACHE_DIR/" PA_DEVKEY_FILE ", root's; tpm2: inside the\n"
	"TPM). Register the JWK at the token service for client_auth =\n"
	"private_key_jwt; DPoP-bound tokens carry the thumbprint in cnf.jkt.\n"
	"posauthd makes the key on its first start (device_key,\n"
	"device_key_type in posauth.conf). Root only.\n",
	CTL_OPT_JSON, CTL_NEED_CONFIG | CTL_NEED_SERVICE, 0, 0,
	"device-key takes no operands", device_key_run,
};

/* The JWK as registered: public members, kid, alg, use. */
static int
device_key_jwk(EVP_PKEY *k, json_t **jwk, char jkt[PA_JKT_LEN])
{
	int r;

	if ((r = pa_jwk_public(k, jwk)) != PA_OK ||
	    (r = pa_jwk_thumbprint(k, jkt)) != PA_OK)
		return r;
	if (json_object_set_new(*jwk, "kid", json_string(jkt)) != 0 ||
	    json_object_set_new(*jwk, "alg",
	    json_string(pa_jwt_alg_for(k))) != 0 ||
	    json_object_set_new(*jwk, "use", json_string("sig")) != 0)
		return PA_ERR_ALLOC;
	return PA_OK;
}

static int
device_key_print(const struct ctl *ctl, json_t *jwk, const char *jkt)
{
	if (ctl->json)
		return ctl_json_print(ctl, json_pack("{s:O, s:s, s:s, s:s}",
		    "jwk", jwk, "thumbprint", jkt, "alg",
		    json_string_value(json_object_get(jwk, "alg")), "storage",
		    pa_devkey_storage(ctl->conf)));
	if (json_dumpf(jwk, ctl->out, JSON_COMPACT | JSON_SORT_KEYS) != 0 ||
	    fprintf(ctl->out, "\nthumbprint: %s\nstorage: %s\n", jkt,
	    pa_devkey_storage(ctl->conf)) < 0)
		return PA_ERR_SYSTEM;
	return PA_OK;
}

static int
device_key_run(struct ctl *ctl, int argc, char **argv)
{
	EVP_PKEY *k = NULL;
	json_t *jwk = NULL;
	char jkt[PA_JKT_LEN];
	int r, ex;

	(void)argc;
	(void)argv;
	if (ctl->uid != 0)
		return ctl_refuse(ctl, "the device key is root's (try: sudo "
		    "posauthctl device-key)");
	if ((r = pa_devkey_get(ctl->conf, &k)) != PA_OK) {
		ctl_err(ctl, "device key (%s) unusable: %s",
		    pa_devkey_storage(ctl->conf), pa_strerror(r));
		ex = r == PA_ERR_UNSAFE_FILE ? CTL_EXIT_CACHE : CTL_EXIT_FAILED;
		goto out;
	}
	if ((r = device_key_jwk(k, &jwk, jkt)) != PA_OK ||
	    (r = device_key_print(ctl, jwk, jkt)) != PA_OK) {
		ctl_err(ctl, "cannot print the device key: %s",
		    pa_strerror(r));
		ex = CTL_EXIT_FAILED;
		goto out;
	}
	ex = CTL_EXIT_OK;
 out:
	json_decref(jwk);
	EVP_PKEY_free(k);
	return ex;
}
