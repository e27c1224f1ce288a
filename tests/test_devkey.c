/* SPDX-License-Identifier: MIT */
/*
 * src/device/devkey.c, src/jose/jwkpub.c and src/jose/jwtsign.c: the
 * device key made and read back, refused with a bad mode or another
 * type; what it signs verifies with the JWK it exports, through our own
 * independent verifier (jws.c, jwk.c); RFC 7638's thumbprint example.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "alg.h"
#include "devkey.h"
#include "err.h"
#include "jwk.h"
#include "jwkpub.h"
#include "jws.h"
#include "jwtsign.h"
#include "tap.h"

static char dir[64];

static void
clean_dir(void)
{
	char p[128];

	snprintf(p, sizeof(p), "%s/%s", dir, PA_DEVKEY_FILE);
	unlink(p);
}

/* Signs a small claims set and verifies it with the exported JWK. */
static int
signs_and_verifies(EVP_PKEY *k, unsigned alg)
{
	json_t *hdr = json_pack("{s:s}", "typ", "JWT");
	json_t *claims = json_pack("{s:s, s:i}", "sub", "pos", "iat", 1);
	json_t *jwk = NULL, *set = NULL;
	struct pa_jwks *keys = NULL;
	struct pa_jws *jws = NULL;
	char *tok = NULL, *setstr = NULL;
	int ok = 0;

	if (pa_jwt_sign(k, hdr, claims, &tok) != PA_OK ||
	    pa_jwk_public(k, &jwk) != PA_OK)
		goto out;
	set = json_pack("{s:[O]}", "keys", jwk);
	setstr = json_dumps(set, JSON_COMPACT);
	if (setstr == NULL || pa_jwks_parse(setstr, strlen(setstr),
	    &keys) != PA_OK ||
	    pa_jws_parse(tok, strlen(tok), 65536, &jws) != PA_OK)
		goto out;
	ok = jws->alg == alg && keys->nkeys == 1 &&
	    pa_jws_verify(jws, &keys->keys[0], alg) == PA_OK;
	/* One flipped signature byte must fail. */
	if (ok) {
		jws->sig[0] ^= 1;
		ok = pa_jws_verify(jws, &keys->keys[0], alg) != PA_OK;
	}
 out:
	pa_jws_free(jws);
	pa_jwks_free(keys);
	free(setstr);
	free(tok);
	json_decref(set);
	json_decref(jwk);
	json_decref(hdr);
	json_decref(claims);
	return ok;
}

static void
test_key_type(const char *type, unsigned alg, const char *algname)
{
	struct pa_devkey_spec s = { dir, "file", type };
	EVP_PKEY *k = NULL, *again = NULL;
	char jkt1[PA_JKT_LEN], jkt2[PA_JKT_LEN], p[128], name[96];
	struct stat st;

	clean_dir();
	snprintf(name, sizeof(name), "test_%s_key_is_created", type);
	ok(pa_devkey_load(&s, 1, &k) == PA_OK, name);
	snprintf(p, sizeof(p), "%s/%s", dir, PA_DEVKEY_FILE);
	snprintf(name, sizeof(name), "test_%s_key_file_is_0600", type);
	ok(stat(p, &st) == 0 && (st.st_mode & 07777) == 0600, name);
	snprintf(name, sizeof(name), "test_%s_alg_is_%s", type, algname);
	is_str(pa_jwt_alg_for(k), algname, name);
	snprintf(name, sizeof(name), "test_%s_reloads_the_same_key", type);
	ok(pa_devkey_load(&s, 0, &again) == PA_OK &&
	    pa_jwk_thumbprint(k, jkt1) == PA_OK &&
	    pa_jwk_thumbprint(again, jkt2) == PA_OK &&
	    strcmp(jkt1, jkt2) == 0 && strlen(jkt1) == 43, name);
	snprintf(name, sizeof(name), "test_%s_signature_verifies_with_its_jwk",
	    type);
	ok(k != NULL && signs_and_verifies(k, alg), name);
	EVP_PKEY_free(k);
	EVP_PKEY_free(again);
}

static void
test_refusals(void)
{
	struct pa_devkey_spec s = { dir, "file", "ec-p256" };
	struct pa_devkey_spec other = { dir, "file", "ed25519" };
	EVP_PKEY *k = NULL;
	char p[128];

	clean_dir();
	ok(pa_devkey_load(&s, 0, &k) == PA_ERR_NOT_FOUND && k == NULL,
	    "test_missing_key_without_create_is_not_found");
	ok(pa_devkey_load(&s, 1, &k) == PA_OK, "test_key_made");
	EVP_PKEY_free(k);
	k = NULL;
	ok(pa_devkey_load(&other, 1, &k) == PA_ERR_DEVICE_KEY && k == NULL,
	    "test_key_of_another_type_than_configured_is_refused");
	snprintf(p, sizeof(p), "%s/%s", dir, PA_DEVKEY_FILE);
	chmod(p, 0640);
	ok(pa_devkey_load(&s, 1, &k) == PA_ERR_UNSAFE_FILE && k == NULL,
	    "test_group_readable_key_is_refused");
	chmod(p, 0600);
	if (truncate(p, 10) != 0)
		perror("truncate");
	ok(pa_devkey_load(&s, 1, &k) == PA_ERR_DEVICE_KEY && k == NULL,
	    "test_garbled_key_is_refused_not_replaced");
	clean_dir();
}

/* RFC 7638 §3.1: the example key and its thumbprint. */
static void
test_rfc7638_example(void)
{
	json_t *jwk = json_pack("{s:s, s:s, s:s, s:s}", "kty", "RSA", "n",
	    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86z"
	    "wu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5J"
	    "sGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQM"
	    "icAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrd"
	    "kt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44"
	    "-csFCur-kEgU8awapJzKnqDKgw", "e", "AQAB", "alg", "RS256");
	char jkt[PA_JKT_LEN];

	ok(pa_jwk_thumbprint_json(jwk, jkt) == PA_OK &&
	    strcmp(jkt, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs") == 0,
	    "test_rfc7638_example_thumbprint");
	json_object_set_new(jwk, "n", json_string("a\"b"));
	ok(pa_jwk_thumbprint_json(jwk, jkt) == PA_ERR_JWK,
	    "test_thumbprint_refuses_members_that_are_not_base64url");
	json_decref(jwk);
}

int
main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/posauth-devkey.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_key_type("ec-p256", PA_ALG_ES256, "ES256");
	test_key_type("ed25519", PA_ALG_EDDSA, "EdDSA");
	test_key_type("rsa-3072", PA_ALG_PS256, "PS256");
	test_refusals();
	test_rfc7638_example();
	rmdir(dir);
	return tap_done();
}
