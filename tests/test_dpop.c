/* SPDX-License-Identifier: MIT */
/*
 * src/service/dpop.c and src/service/clientauth.c: what a DPoP proof and
 * a client assertion hold (RFC 9449 §4.2, RFC 7523 §3), that each is
 * signed by the device key, nonce handling, and the bound-token check.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "b64url.h"
#include "clientauth.h"
#include "dpop.h"
#include "err.h"
#include "jwkpub.h"
#include "jws.h"
#include "tap.h"

/* A compact JWS part decoded as JSON. */
static json_t *
part(const char *jwt, int n)
{
	const char *p = jwt, *e;
	unsigned char *raw = NULL;
	size_t len;
	json_t *j = NULL;

	for (; n > 0 && p != NULL; n--)
		if ((p = strchr(p, '.')) != NULL)
			p++;
	if (p == NULL)
		return NULL;
	e = strchr(p, '.');
	if (pa_b64url_decode(p, e ? (size_t)(e - p) : strlen(p), &raw,
	    &len) == PA_OK)
		j = json_loadb((char *)raw, len, 0, NULL);
	free(raw);
	return j;
}

static const char *
str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/*
 * The proof's header key is k (by thumbprint) and its ES256 signature
 * (r||s) verifies with k. jws.c will not parse it: our verifier refuses
 * a header that carries its own key, as it must for tokens.
 */
static int
verifies_with_header_jwk(EVP_PKEY *k, const char *jwt, json_t *hdr)
{
	const char *dot = strrchr(jwt, '.');
	unsigned char *raw = NULL, *der = NULL;
	char a[PA_JKT_LEN], b[PA_JKT_LEN];
	size_t rawlen = 0;
	ECDSA_SIG *sig = ECDSA_SIG_new();
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int derlen, ok = 0;

	if (pa_jwk_thumbprint(k, a) != PA_OK ||
	    pa_jwk_thumbprint_json(json_object_get(hdr, "jwk"), b) != PA_OK ||
	    strcmp(a, b) != 0 || dot == NULL ||
	    pa_b64url_decode(dot + 1, strlen(dot + 1), &raw, &rawlen) !=
	    PA_OK || rawlen != 64)
		goto out;
	ECDSA_SIG_set0(sig, BN_bin2bn(raw, 32, NULL),
	    BN_bin2bn(raw + 32, 32, NULL));
	if ((derlen = i2d_ECDSA_SIG(sig, &der)) <= 0)
		goto out;
	ok = EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, k) == 1 &&
	    EVP_DigestVerify(md, der, (size_t)derlen,
	    (const unsigned char *)jwt, (size_t)(dot - jwt)) == 1;
 out:
	OPENSSL_free(der);
	free(raw);
	ECDSA_SIG_free(sig);
	EVP_MD_CTX_free(md);
	return ok;
}

static void
test_proof(EVP_PKEY *k)
{
	char *proof = NULL, *proof2 = NULL;
	json_t *hdr, *cl, *cl2;

	ok(pa_dpop_proof(k, "GET", "https://api.example/pos/v1?x=1#f",
	    "n-0S6_WzA2Mj", "at-123", 1700000000, &proof) == PA_OK,
	    "test_proof_made");
	hdr = part(proof, 0);
	cl = part(proof, 1);
	ok(strcmp(str(hdr, "typ"), "dpop+jwt") == 0 &&
	    strcmp(str(hdr, "alg"), "ES256") == 0 &&
	    json_object_get(json_object_get(hdr, "jwk"), "d") == NULL &&
	    json_object_get(json_object_get(hdr, "jwk"), "x") != NULL,
	    "test_proof_header_has_typ_alg_and_public_jwk_only");
	ok(strcmp(str(cl, "htm"), "GET") == 0 &&
	    strcmp(str(cl, "htu"), "https://api.example/pos/v1") == 0,
	    "test_proof_htu_leaves_out_query_and_fragment");
	ok(strcmp(str(cl, "nonce"), "n-0S6_WzA2Mj") == 0 &&
	    json_integer_value(json_object_get(cl, "iat")) == 1700000000,
	    "test_proof_carries_nonce_and_iat");
	/* base64url(SHA-256("at-123")), computed independently. */
	is_str(str(cl, "ath"), "pZOyhFN0Z9eQivPyniH1Gg1OzUpcjUffjr7n0FzCLck",
	    "test_proof_ath_is_the_access_token_hash");
	ok(verifies_with_header_jwk(k, proof, hdr),
	    "test_proof_verifies_with_its_header_jwk");
	ok(pa_dpop_proof(k, "POST", "https://as.example/token", NULL, NULL,
	    1700000000, &proof2) == PA_OK, "test_second_proof");
	cl2 = part(proof2, 1);
	ok(strcmp(str(cl, "jti"), str(cl2, "jti")) != 0 &&
	    json_object_get(cl2, "ath") == NULL &&
	    json_object_get(cl2, "nonce") == NULL,
	    "test_every_proof_has_its_own_jti_no_ath_or_nonce_unless_given");
	json_decref(hdr);
	json_decref(cl);
	json_decref(cl2);
	free(proof);
	free(proof2);
}

static void
test_requests(void)
{
	ok(pa_dpop_check_request("GET", "https://a.example/x") == PA_OK,
	    "test_get_https_ok");
	ok(pa_dpop_check_request("get", "https://a.example/") != PA_OK &&
	    pa_dpop_check_request("G T", "https://a.example/") != PA_OK &&
	    pa_dpop_check_request("", "https://a.example/") != PA_OK,
	    "test_bad_methods_refused");
	ok(pa_dpop_check_request("GET", "ftp://a.example/") != PA_OK &&
	    pa_dpop_check_request("GET", "https://a.example/\"x") == PA_OK &&
	    pa_dpop_check_request("GET", "https://a.example/ x") != PA_OK &&
	    pa_dpop_check_request("GET", "https://a.example/\nx") != PA_OK &&
	    pa_dpop_check_request("GET", NULL) != PA_OK,
	    "test_bad_urls_refused");
}

static void
test_nonces(void)
{
	char n[PA_DPOP_NONCE_MAX];
	const char *demand = "{\"error\":\"use_dpop_nonce\"}";

	pa_dpop_nonce_set("abc-123");
	pa_dpop_nonce_get(n);
	is_str(n, "abc-123", "test_nonce_remembered");
	pa_dpop_nonce_set("a\"b");
	pa_dpop_nonce_set("a b");
	pa_dpop_nonce_set("");
	pa_dpop_nonce_get(n);
	is_str(n, "abc-123", "test_unusable_nonces_are_not_kept");
	ok(pa_dpop_nonce_valid("eyJ7S_zG.eyJH0-Z.HX4w-7v") &&
	    !pa_dpop_nonce_valid("a\\b") && !pa_dpop_nonce_valid(NULL),
	    "test_nonce_validity");
	ok(pa_dpop_nonce_demanded(400, demand, strlen(demand)) &&
	    pa_dpop_nonce_demanded(401, demand, strlen(demand)),
	    "test_use_dpop_nonce_is_a_demand");
	ok(!pa_dpop_nonce_demanded(200, demand, strlen(demand)) &&
	    !pa_dpop_nonce_demanded(400, "{\"error\":\"invalid_grant\"}", 25) &&
	    !pa_dpop_nonce_demanded(400, "junk", 4),
	    "test_other_answers_are_no_demand");
}

/* An unsigned-looking token with cnf.jkt; the check does not verify. */
static char *
token_with_jkt(const char *jkt)
{
	json_t *c = json_pack("{s:s, s:{s:s}}", "sub", "alice", "cnf", "jkt",
	    jkt);
	char *js = json_dumps(c, JSON_COMPACT), *b = NULL, *tok;

	pa_b64url_encode((unsigned char *)js, strlen(js), &b);
	tok = malloc(strlen(b) + 64);
	sprintf(tok, "eyJhbGciOiJFUzI1NiJ9.%s.AAAA", b);
	free(js);
	free(b);
	json_decref(c);
	return tok;
}

static void
test_bound(EVP_PKEY *k)
{
	char jkt[PA_JKT_LEN], *good, *bad;

	pa_jwk_thumbprint(k, jkt);
	good = token_with_jkt(jkt);
	bad = token_with_jkt("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
	ok(pa_dpop_token_bound(good, jkt) == PA_OK,
	    "test_token_bound_to_our_key");
	ok(pa_dpop_token_bound(bad, jkt) == PA_ERR_NOT_BOUND,
	    "test_token_bound_to_another_key_refused");
	ok(pa_dpop_token_bound("opaque-token", jkt) == PA_ERR_NOT_BOUND &&
	    pa_dpop_token_bound(NULL, jkt) == PA_ERR_NOT_BOUND,
	    "test_opaque_token_refused");
	free(good);
	free(bad);
}

static void
test_assertion(EVP_PKEY *k)
{
	char *a = NULL, *b = NULL, jkt[PA_JKT_LEN];
	json_t *hdr, *cl, *cl2;

	pa_jwk_thumbprint(k, jkt);
	ok(pa_client_assertion(k, "pos-terminal", "https://as.example/token",
	    1700000000, &a) == PA_OK && pa_client_assertion(k, "pos-terminal",
	    "https://as.example/token", 1700000000, &b) == PA_OK,
	    "test_assertions_made");
	hdr = part(a, 0);
	cl = part(a, 1);
	cl2 = part(b, 1);
	ok(strcmp(str(hdr, "typ"), "JWT") == 0 &&
	    strcmp(str(hdr, "kid"), jkt) == 0 &&
	    json_object_get(hdr, "jwk") == NULL,
	    "test_assertion_header_names_the_key_by_thumbprint");
	ok(strcmp(str(cl, "iss"), "pos-terminal") == 0 &&
	    strcmp(str(cl, "sub"), "pos-terminal") == 0 &&
	    strcmp(str(cl, "aud"), "https://as.example/token") == 0,
	    "test_assertion_iss_sub_client_id_aud_token_endpoint");
	ok(json_integer_value(json_object_get(cl, "exp")) -
	    json_integer_value(json_object_get(cl, "iat")) == 60,
	    "test_assertion_lives_60_seconds");
	ok(strlen(str(cl, "jti")) == 22 &&
	    strcmp(str(cl, "jti"), str(cl2, "jti")) != 0,
	    "test_assertion_jti_is_128_random_bits");
	json_decref(hdr);
	json_decref(cl);
	json_decref(cl2);
	free(a);
	free(b);
}

int
main(void)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");

	if (k == NULL)
		return 1;
	test_proof(k);
	test_requests();
	test_nonces();
	test_bound(k);
	test_assertion(k);
	EVP_PKEY_free(k);
	return tap_done();
}
