/* SPDX-License-Identifier: MIT */
#include "config.h"

#define OPENSSL_API_COMPAT 30000
#define OPENSSL_NO_DEPRECATED

#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "alg.h"
#include "b64url.h"
#include "err.h"
#include "jose_test.h"
#include "jwk.h"
#include "jws.h"
#include "tap.h"

#define MAX_LEN		16384
#define ALL_ALGS	(PA_ALG_RS256 | PA_ALG_RS384 | PA_ALG_RS512 | \
	PA_ALG_PS256 | PA_ALG_PS384 | PA_ALG_PS512 | PA_ALG_ES256 | \
	PA_ALG_ES384 | PA_ALG_EDDSA)

static const char payload[] = "{\"iss\":\"https://idp.example\","
    "\"sub\":\"alice\",\"exp\":4102444800}";

static EVP_PKEY *rsa, *p256, *p256b, *p384, *ed25519, *ed448;
static struct pa_jwks *jwks;

/* Loads the trust anchors: one JWK per key, two with an "alg". */
static void
load_jwks(void)
{
	char *k[7];
	size_t i;
	char *json;

	k[0] = jt_jwk(rsa, "rsa", NULL);
	k[1] = jt_jwk(p256, "p256", NULL);
	k[2] = jt_jwk(p384, "p384", NULL);
	k[3] = jt_jwk(ed25519, "ed25519", NULL);
	k[4] = jt_jwk(ed448, "ed448", NULL);
	k[5] = jt_jwk(rsa, "rsa-rs256", "\"alg\":\"RS256\"");
	k[6] = jt_jwk(p256, "p256-es256", "\"alg\":\"ES256\"");
	json = jt_jwks(7, (const char *const *)k);
	if (pa_jwks_parse(json, strlen(json), &jwks) != PA_OK ||
	    jwks->nkeys != 7)
		abort();
	for (i = 0; i < 7; i++)
		free(k[i]);
	free(json);
}

/* A header naming alg and kid, with extra members spliced in. */
static char *
hdr(const char *alg, const char *kid, const char *extra)
{
	return jt_fmt("{\"alg\":\"%s\",\"kid\":\"%s\",\"typ\":\"JWT\"%s%s}",
	    alg, kid, extra != NULL ? "," : "", extra != NULL ? extra : "");
}

/*
 * Parses, finds the key by kid (the token's own) and verifies: the
 * status of the first step that failed, PA_OK when all passed.
 */
static int
check_with(const char *token, size_t len, const char *kid,
    unsigned allowed)
{
	struct pa_jws *jws = NULL;
	const struct pa_jwk *key;
	int r;

	if ((r = pa_jws_parse(token, len, MAX_LEN, &jws)) != PA_OK)
		goto out;
	if (kid == NULL)
		kid = jws->kid;
	if ((key = pa_jwks_find(jwks, kid)) == NULL) {
		r = PA_ERR_KID;
		goto out;
	}
	r = pa_jws_verify(jws, key, allowed);
 out:
	if (jws == NULL && r == PA_OK)
		r = PA_ERR_INTERNAL;
	pa_jws_free(jws);
	return r;
}

static int
check(const char *token)
{
	return check_with(token, strlen(token), NULL, ALL_ALGS);
}

/* Signs a token with pkey/alg under a header for kid; checks it. */
static int
sign_and_check(EVP_PKEY *pkey, const char *hdr_alg, const char *sign_alg,
    const char *kid, const char *extra, int flags)
{
	char *h = hdr(hdr_alg, kid, extra);
	char *t = jt_token(pkey, sign_alg, h, payload, flags);
	int r = check(t);

	free(h);
	free(t);
	return r;
}

/* Status of parsing alone. */
static int
parse_status(const char *token)
{
	struct pa_jws *jws = NULL;
	int r;

	r = pa_jws_parse(token, strlen(token), MAX_LEN, &jws);
	if (r != PA_OK && jws != NULL)
		r = PA_ERR_INTERNAL;
	pa_jws_free(jws);
	return r;
}

/* Parse status of a token with this header, signed by P-256. */
static int
header_status(const char *header)
{
	char *t = jt_token(p256, "ES256", header, payload, 0);
	int r = parse_status(t);

	free(t);
	return r;
}

/* Parse status of b64(header).b64(payload).AAAA (never verified). */
static int
unsigned_status(const char *header, const char *pl)
{
	char *h = jt_b64s(header), *p = jt_b64s(pl);
	char *t = jt_fmt("%s.%s.AAAA", h, p);
	int r = parse_status(t);

	free(h);
	free(p);
	free(t);
	return r;
}

/* The three segments of a token (copies). */
static void
split(const char *token, char **h, char **p, char **s)
{
	const char *d1 = strchr(token, '.'), *d2 = strchr(d1 + 1, '.');

	*h = strndup(token, (size_t)(d1 - token));
	*p = strndup(d1 + 1, (size_t)(d2 - d1 - 1));
	*s = strdup(d2 + 1);
	if (*h == NULL || *p == NULL || *s == NULL)
		abort();
}

static void
test_valid_tokens(void)
{
	ok(sign_and_check(rsa, "RS256", "RS256", "rsa", NULL, 0) == PA_OK,
	    "test_rs256_verifies");
	ok(sign_and_check(rsa, "RS384", "RS384", "rsa", NULL, 0) == PA_OK,
	    "test_rs384_verifies");
	ok(sign_and_check(rsa, "RS512", "RS512", "rsa", NULL, 0) == PA_OK,
	    "test_rs512_verifies");
	ok(sign_and_check(rsa, "PS256", "PS256", "rsa", NULL, 0) == PA_OK,
	    "test_ps256_verifies");
	ok(sign_and_check(rsa, "PS384", "PS384", "rsa", NULL, 0) == PA_OK,
	    "test_ps384_verifies");
	ok(sign_and_check(rsa, "PS512", "PS512", "rsa", NULL, 0) == PA_OK,
	    "test_ps512_verifies");
	ok(sign_and_check(p256, "ES256", "ES256", "p256", NULL, 0) == PA_OK,
	    "test_es256_verifies");
	ok(sign_and_check(p384, "ES384", "ES384", "p384", NULL, 0) == PA_OK,
	    "test_es384_verifies");
	ok(sign_and_check(ed25519, "EdDSA", "EdDSA", "ed25519", NULL, 0) ==
	    PA_OK,
	    "test_eddsa_ed25519_verifies");
	ok(sign_and_check(ed448, "EdDSA", "EdDSA", "ed448", NULL, 0) == PA_OK,
	    "test_eddsa_ed448_verifies");
	ok(sign_and_check(rsa, "RS256", "RS256", "rsa-rs256", NULL, 0) ==
	    PA_OK,
	    "test_jwk_alg_equal_to_header_alg_verifies");
}

static void
test_parsed_fields(void)
{
	char *h = hdr("ES256", "p256", NULL);
	char *t = jt_token(p256, "ES256", h, payload, 0);
	struct pa_jws *jws = NULL;
	json_t *claims = NULL;
	const char *d2 = strrchr(t, '.');

	ok(pa_jws_parse(t, strlen(t), MAX_LEN, &jws) == PA_OK &&
	    jws->alg == PA_ALG_ES256 && strcmp(jws->alg_name, "ES256") == 0 &&
	    jws->kid != NULL && strcmp(jws->kid, "p256") == 0 &&
	    json_is_object(jws->header) && jws->sig_len == 64 &&
	    jws->payload_len == strlen(payload) &&
	    memcmp(jws->payload, payload, jws->payload_len) == 0 &&
	    jws->signing_input_len == (size_t)(d2 - t) &&
	    memcmp(jws->signing_input, t, jws->signing_input_len) == 0,
	    "test_parse_exposes_alg_kid_payload_and_signing_input");
	ok(jws != NULL && pa_jws_claims(jws, &claims) == PA_OK &&
	    json_is_object(claims) &&
	    strcmp(json_string_value(json_object_get(claims, "sub")),
	    "alice") == 0,
	    "test_claims_of_an_object_payload");
	json_decref(claims);
	pa_jws_free(jws);
	free(h);
	free(t);
}

static void
test_alg_attacks(void)
{
	char *h, *hb, *pb, *t, *pem;
	unsigned char *mac;
	size_t maclen;
	char *sb, *input;

	ok(unsigned_status("{\"alg\":\"none\",\"kid\":\"rsa\"}", payload) ==
	    PA_ERR_ALG &&
	    unsigned_status("{\"alg\":\"None\"}", payload) == PA_ERR_ALG &&
	    unsigned_status("{\"alg\":\"NONE\"}", payload) == PA_ERR_ALG,
	    "test_alg_none_is_rejected");
	h = jt_b64s("{\"alg\":\"none\"}");
	pb = jt_b64s(payload);
	t = jt_fmt("%s.%s.", h, pb);
	ok(parse_status(t) == PA_ERR_JWS_FORMAT,
	    "test_alg_none_with_empty_signature_is_rejected");
	free(h);
	free(t);

	/* The classic forgery: HMAC keyed with the verifier's public key. */
	pem = jt_pubkey_pem(rsa);
	hb = jt_b64s("{\"alg\":\"HS256\",\"kid\":\"rsa\",\"typ\":\"JWT\"}");
	input = jt_fmt("%s.%s", hb, pb);
	jt_hs256(pem, strlen(pem), input, strlen(input), &mac, &maclen);
	sb = jt_b64(mac, maclen);
	t = jt_fmt("%s.%s", input, sb);
	ok(check(t) == PA_ERR_ALG,
	    "test_hs256_with_public_key_is_rejected");
	free(t);
	free(sb);
	free(hb);
	free(input);
	free(mac);
	free(pem);
	ok(unsigned_status("{\"alg\":\"HS384\"}", payload) == PA_ERR_ALG &&
	    unsigned_status("{\"alg\":\"HS512\"}", payload) == PA_ERR_ALG &&
	    unsigned_status("{\"alg\":\"rs256\"}", payload) == PA_ERR_ALG &&
	    unsigned_status("{\"alg\":\"ES256K\"}", payload) == PA_ERR_ALG &&
	    unsigned_status("{\"alg\":\"RSA-OAEP\"}", payload) == PA_ERR_ALG &&
	    unsigned_status("{\"alg\":\"\"}", payload) == PA_ERR_ALG,
	    "test_unknown_alg_is_rejected");
	ok(unsigned_status("{\"kid\":\"rsa\"}", payload) == PA_ERR_JWS_HEADER &&
	    unsigned_status("{\"alg\":256}", payload) == PA_ERR_JWS_HEADER &&
	    unsigned_status("{\"alg\":null}", payload) == PA_ERR_JWS_HEADER &&
	    unsigned_status("{\"alg\":[\"RS256\"]}", payload) ==
	    PA_ERR_JWS_HEADER,
	    "test_alg_missing_or_not_a_string_is_rejected");
	ok(unsigned_status("{\"alg\":\"RS256\",\"alg\":\"none\"}", payload) ==
	    PA_ERR_JWS_HEADER,
	    "test_duplicate_alg_is_rejected");
	free(pb);
}

static void
test_allowlist_and_binding(void)
{
	char *h = hdr("RS256", "rsa", NULL);
	char *t = jt_token(rsa, "RS256", h, payload, 0);
	struct pa_jws *jws = NULL;
	char *saved;

	ok(check_with(t, strlen(t), NULL, PA_ALG_ES256 | PA_ALG_EDDSA) ==
	    PA_ERR_ALG && check_with(t, strlen(t), NULL, 0) == PA_ERR_ALG &&
	    check_with(t, strlen(t), NULL, PA_ALG_RS384) == PA_ERR_ALG,
	    "test_alg_not_in_allowlist_is_rejected");
	ok(check_with(t, strlen(t), NULL, PA_ALG_RS256) == PA_OK,
	    "test_alg_alone_in_allowlist_verifies");
	/* Defence against a caller that edited the parsed alg. */
	if (pa_jws_parse(t, strlen(t), MAX_LEN, &jws) != PA_OK)
		abort();
	saved = jws->alg_name;
	jws->alg_name = (char *)"HS256";
	ok(pa_jws_verify(jws, pa_jwks_find(jwks, "rsa"), ALL_ALGS) ==
	    PA_ERR_ALG, "test_verify_rechecks_alg_name_against_alg");
	jws->alg_name = saved;
	jws->alg = PA_ALG_RS256 | PA_ALG_ES256;
	ok(pa_jws_verify(jws, pa_jwks_find(jwks, "rsa"), ALL_ALGS) ==
	    PA_ERR_ALG, "test_verify_refuses_more_than_one_alg_bit");
	pa_jws_free(jws);
	free(h);
	free(t);

	ok(sign_and_check(p256, "ES256", "ES256", "rsa", NULL, 0) ==
	    PA_ERR_KEY_MISMATCH,
	    "test_es256_header_with_rsa_key_is_rejected");
	ok(sign_and_check(rsa, "RS256", "RS256", "p256", NULL, 0) ==
	    PA_ERR_KEY_MISMATCH &&
	    sign_and_check(rsa, "PS256", "PS256", "ed25519", NULL, 0) ==
	    PA_ERR_KEY_MISMATCH,
	    "test_rsa_alg_with_non_rsa_key_is_rejected");
	ok(sign_and_check(p384, "ES384", "ES384", "p256", NULL, 0) ==
	    PA_ERR_KEY_MISMATCH &&
	    sign_and_check(p256, "ES256", "ES256", "p384", NULL, 0) ==
	    PA_ERR_KEY_MISMATCH,
	    "test_es_alg_with_key_of_other_curve_is_rejected");
	ok(sign_and_check(ed25519, "EdDSA", "EdDSA", "p256", NULL, 0) ==
	    PA_ERR_KEY_MISMATCH &&
	    sign_and_check(p256, "ES256", "ES256", "ed25519", NULL, 0) ==
	    PA_ERR_KEY_MISMATCH,
	    "test_eddsa_and_ec_keys_are_not_interchangeable");
	ok(sign_and_check(rsa, "PS256", "PS256", "rsa-rs256", NULL, 0) ==
	    PA_ERR_KEY_MISMATCH &&
	    sign_and_check(rsa, "RS384", "RS384", "rsa-rs256", NULL, 0) ==
	    PA_ERR_KEY_MISMATCH,
	    "test_jwk_alg_differs_from_header_alg_is_rejected");
	ok(sign_and_check(rsa, "RS256", "PS256", "rsa", NULL, 0) ==
	    PA_ERR_SIGNATURE &&
	    sign_and_check(rsa, "PS256", "RS256", "rsa", NULL, 0) ==
	    PA_ERR_SIGNATURE &&
	    sign_and_check(rsa, "RS256", "RS384", "rsa", NULL, 0) ==
	    PA_ERR_SIGNATURE,
	    "test_signature_of_another_rsa_scheme_is_rejected");
}

/* A token whose signature segment is replaced by b64(sig). */
static int
with_signature(const char *token, const unsigned char *sig, size_t len)
{
	char *h, *p, *s, *sb, *t;
	int r;

	split(token, &h, &p, &s);
	sb = jt_b64(sig, len);
	t = jt_fmt("%s.%s.%s", h, p, sb);
	r = check(t);
	free(h);
	free(p);
	free(s);
	free(sb);
	free(t);
	return r;
}

/* A valid token whose signature loses its last `cut` bytes. */
static int
truncated(EVP_PKEY *pkey, const char *alg, const char *kid, size_t cut)
{
	char *h = hdr(alg, kid, NULL);
	char *t = jt_token(pkey, alg, h, payload, 0), *hh, *pp, *ss;
	unsigned char *raw = NULL;
	size_t rawlen = 0;
	int r;

	split(t, &hh, &pp, &ss);
	if (pa_b64url_decode(ss, strlen(ss), &raw, &rawlen) != PA_OK ||
	    rawlen <= cut)
		abort();
	r = with_signature(t, raw, rawlen - cut);
	free(raw);
	free(hh);
	free(pp);
	free(ss);
	free(h);
	free(t);
	return r;
}

/* A valid token with its last `cut` characters dropped. */
static int
cut_chars(EVP_PKEY *pkey, const char *alg, const char *kid, size_t cut)
{
	char *h = hdr(alg, kid, NULL);
	char *t = jt_token(pkey, alg, h, payload, 0);
	int r;

	t[strlen(t) - cut] = '\0';
	r = check(t);
	free(h);
	free(t);
	return r;
}

static void
test_tampering(void)
{
	char *h = hdr("ES256", "p256", NULL), *t, *hh, *pp, *ss, *t2, *x;
	unsigned char sig[600];
	/* P-256 group order n (FIPS 186-4 D.1.2.3). */
	static const unsigned char p256_n[32] = {
		0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84,
		0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
	};

	t = jt_token(p256, "ES256", h, payload, 0);
	split(t, &hh, &pp, &ss);
	x = jt_b64s("{\"iss\":\"https://idp.example\",\"sub\":\"admin\","
	    "\"exp\":4102444800}");
	t2 = jt_fmt("%s.%s.%s", hh, x, ss);
	ok(check(t) == PA_OK && check(t2) == PA_ERR_SIGNATURE,
	    "test_tampered_payload_is_rejected");
	free(x);
	free(t2);
	x = jt_b64s("{\"alg\":\"ES256\",\"kid\":\"p256\",\"typ\":\"jwt\"}");
	t2 = jt_fmt("%s.%s.%s", x, pp, ss);
	ok(check(t2) == PA_ERR_SIGNATURE,
	    "test_tampered_header_is_rejected");
	free(x);
	free(t2);
	/* The signature covers the bytes sent, not a re-encoding. */
	x = jt_b64s("{\"alg\":\"ES256\", \"kid\":\"p256\",\"typ\":\"JWT\"}");
	t2 = jt_fmt("%s.%s.%s", x, pp, ss);
	ok(check(t2) == PA_ERR_SIGNATURE,
	    "test_reformatted_header_is_rejected");
	free(x);
	free(t2);
	free(hh);
	free(pp);
	free(ss);

	ok(truncated(p256, "ES256", "p256", 1) == PA_ERR_SIGNATURE &&
	    truncated(p384, "ES384", "p384", 3) == PA_ERR_SIGNATURE &&
	    truncated(rsa, "RS256", "rsa", 1) == PA_ERR_SIGNATURE &&
	    truncated(ed25519, "EdDSA", "ed25519", 1) == PA_ERR_SIGNATURE &&
	    truncated(ed448, "EdDSA", "ed448", 57) == PA_ERR_SIGNATURE,
	    "test_truncated_signature_is_rejected");
	ok(cut_chars(rsa, "RS256", "rsa", 1) != PA_OK &&
	    cut_chars(p256, "ES256", "p256", 2) != PA_OK &&
	    cut_chars(ed25519, "EdDSA", "ed25519", 4) != PA_OK,
	    "test_token_cut_short_is_rejected");
	ok(sign_and_check(p256, "ES256", "ES256", "p256", NULL,
	    JT_ECDSA_DER) == PA_ERR_SIGNATURE &&
	    sign_and_check(p384, "ES384", "ES384", "p384", NULL,
	    JT_ECDSA_DER) == PA_ERR_SIGNATURE,
	    "test_es256_der_signature_is_rejected");
	ok(sign_and_check(p256b, "ES256", "ES256", "p256", NULL, 0) ==
	    PA_ERR_SIGNATURE,
	    "test_signature_by_another_key_is_rejected");
	ok(sign_and_check(rsa, "PS256", "PS256", "rsa", NULL,
	    JT_PSS_SALT_MAX) == PA_ERR_SIGNATURE,
	    "test_pss_salt_other_than_hash_length_is_rejected");

	/* CVE-2022-21449 ("psychic signatures"): r = s = 0 must fail. */
	memset(sig, 0, sizeof(sig));
	ok(with_signature(t, sig, 64) == PA_ERR_SIGNATURE,
	    "test_es256_zero_signature_is_rejected");
	memcpy(sig, p256_n, 32);
	memcpy(sig + 32, p256_n, 32);
	ok(with_signature(t, sig, 64) == PA_ERR_SIGNATURE,
	    "test_es256_signature_equal_to_group_order_is_rejected");
	free(t);
	free(h);

	h = hdr("EdDSA", "ed25519", NULL);
	t = jt_token(ed25519, "EdDSA", h, payload, 0);
	memset(sig, 0, sizeof(sig));
	ok(with_signature(t, sig, 64) == PA_ERR_SIGNATURE &&
	    with_signature(t, sig, 114) == PA_ERR_SIGNATURE,
	    "test_eddsa_zero_or_wrong_length_signature_is_rejected");
	free(t);
	free(h);

	h = hdr("RS256", "rsa", NULL);
	t = jt_token(rsa, "RS256", h, payload, 0);
	memset(sig, 0, sizeof(sig));
	ok(with_signature(t, sig, 256) == PA_ERR_SIGNATURE,
	    "test_rsa_zero_signature_is_rejected");
	split(t, &hh, &pp, &ss);
	{
		unsigned char *raw = NULL;
		size_t rawlen = 0;

		/* The value of a valid signature, one leading zero longer. */
		if (pa_b64url_decode(ss, strlen(ss), &raw, &rawlen) != PA_OK ||
		    rawlen != 256)
			abort();
		sig[0] = 0;
		memcpy(sig + 1, raw, rawlen);
		ok(with_signature(t, sig + 1, 256) == PA_OK &&
		    with_signature(t, sig, 257) == PA_ERR_SIGNATURE,
		    "test_rsa_signature_longer_than_modulus_is_rejected");
		free(raw);
	}
	free(hh);
	free(pp);
	free(ss);
	free(t);
	free(h);
}

static void
test_headers(void)
{
	ok(sign_and_check(p256, "ES256", "ES256", "p256",
	    "\"jku\":\"https://evil.example/jwks\"", 0) == PA_ERR_JWS_HEADER,
	    "test_jku_header_is_rejected");
	ok(sign_and_check(p256, "ES256", "ES256", "p256",
	    "\"x5u\":\"https://evil.example/cert\"", 0) == PA_ERR_JWS_HEADER,
	    "test_x5u_header_is_rejected");
	ok(sign_and_check(p256, "ES256", "ES256", "p256",
	    "\"jwk\":{\"kty\":\"EC\"}", 0) == PA_ERR_JWS_HEADER,
	    "test_jwk_header_is_rejected");
	ok(sign_and_check(p256, "ES256", "ES256", "p256",
	    "\"x5c\":[\"MIIB\"]", 0) == PA_ERR_JWS_HEADER &&
	    sign_and_check(p256, "ES256", "ES256", "p256",
	    "\"x5c\":null", 0) == PA_ERR_JWS_HEADER,
	    "test_x5c_header_is_rejected");
	ok(sign_and_check(p256, "ES256", "ES256", "p256",
	    "\"crit\":[\"exp\"],\"exp\":1", 0) == PA_ERR_CRIT &&
	    sign_and_check(p256, "ES256", "ES256", "p256",
	    "\"crit\":[]", 0) == PA_ERR_CRIT &&
	    sign_and_check(p256, "ES256", "ES256", "p256",
	    "\"crit\":\"b64\"", 0) == PA_ERR_CRIT,
	    "test_crit_is_rejected");
	ok(sign_and_check(p256, "ES256", "ES256", "p256",
	    "\"b64\":false", 0) == PA_ERR_JWS_HEADER &&
	    sign_and_check(p256, "ES256", "ES256", "p256",
	    "\"b64\":\"false\"", 0) == PA_ERR_JWS_HEADER,
	    "test_b64_false_is_rejected");
	ok(sign_and_check(p256, "ES256", "ES256", "p256",
	    "\"b64\":true", 0) == PA_OK,
	    "test_b64_true_is_the_default_and_accepted");
	ok(sign_and_check(p256, "ES256", "ES256", "p256",
	    "\"enc\":\"A128GCM\"", 0) == PA_ERR_JWS_HEADER &&
	    sign_and_check(p256, "ES256", "ES256", "p256",
	    "\"zip\":\"DEF\"", 0) == PA_ERR_JWS_HEADER,
	    "test_jwe_header_members_are_rejected");
	ok(sign_and_check(p256, "ES256", "ES256", "p256",
	    "\"cty\":\"JWT\"", 0) == PA_ERR_JWS_HEADER,
	    "test_nested_jwt_cty_is_rejected");
	ok(header_status("{\"alg\":\"ES256\",\"kid\":7}") == PA_ERR_JWS_HEADER &&
	    header_status("{\"alg\":\"ES256\",\"kid\":null}") ==
	    PA_ERR_JWS_HEADER,
	    "test_kid_not_a_string_is_rejected");
	ok(header_status("{\"alg\":\"ES256\"}") == PA_OK,
	    "test_header_without_kid_or_typ_is_accepted");
	ok(header_status("{\"alg\":\"ES256\",\"typ\":\"jwt\"}") == PA_OK &&
	    header_status("{\"alg\":\"ES256\",\"typ\":\"at+jwt\"}") == PA_OK &&
	    header_status("{\"alg\":\"ES256\",\"typ\":"
	    "\"application/AT+JWT\"}") == PA_OK &&
	    header_status("{\"alg\":\"ES256\",\"typ\":\"application/jwt\"}") ==
	    PA_OK,
	    "test_jwt_typ_values_are_accepted_case_insensitively");
	ok(header_status("{\"alg\":\"ES256\",\"typ\":\"JWE\"}") ==
	    PA_ERR_JWS_HEADER &&
	    header_status("{\"alg\":\"ES256\",\"typ\":\"secevent+jwt\"}") ==
	    PA_ERR_JWS_HEADER &&
	    header_status("{\"alg\":\"ES256\",\"typ\":\"logout+jwt\"}") ==
	    PA_ERR_JWS_HEADER &&
	    header_status("{\"alg\":\"ES256\",\"typ\":\"JWTX\"}") ==
	    PA_ERR_JWS_HEADER &&
	    header_status("{\"alg\":\"ES256\",\"typ\":1}") ==
	    PA_ERR_JWS_HEADER,
	    "test_other_typ_is_rejected");
	ok(unsigned_status("not json", payload) == PA_ERR_JWS_HEADER &&
	    unsigned_status("{\"alg\":\"ES256\"", payload) == PA_ERR_JWS_HEADER &&
	    unsigned_status("{\"alg\":\"ES256\"} x", payload) ==
	    PA_ERR_JWS_HEADER,
	    "test_header_not_json_is_rejected");
	ok(unsigned_status("[\"ES256\"]", payload) == PA_ERR_JWS_HEADER &&
	    unsigned_status("[{\"alg\":\"ES256\"}]", payload) ==
	    PA_ERR_JWS_HEADER &&
	    unsigned_status("\"ES256\"", payload) == PA_ERR_JWS_HEADER,
	    "test_header_json_array_is_rejected");
}

/* A fixed string of n characters. */
static char *
repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	if (s == NULL)
		abort();
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static void
test_format(void)
{
	char *h = hdr("ES256", "p256", NULL);
	char *t = jt_token(p256, "ES256", h, payload, 0);
	char *hh, *pp, *ss, *x, *big;
	size_t len = strlen(t);
	struct pa_jws *jws0 = NULL;

	split(t, &hh, &pp, &ss);
	x = jt_fmt("%s.%s", hh, pp);
	ok(parse_status(x) == PA_ERR_JWS_FORMAT &&
	    parse_status("abcd") == PA_ERR_JWS_FORMAT &&
	    parse_status("") == PA_ERR_JWS_FORMAT,
	    "test_two_segments_are_rejected");
	free(x);
	x = jt_fmt("%s.%s.%s.%s", hh, pp, ss, ss);
	ok(parse_status(x) == PA_ERR_JWS_FORMAT,
	    "test_four_segments_are_rejected");
	free(x);
	x = jt_fmt("%s.%s.%s.%s.%s", hh, pp, ss, ss, ss);
	ok(parse_status(x) == PA_ERR_JWS_FORMAT,
	    "test_five_segment_jwe_is_rejected");
	free(x);
	x = jt_fmt("%s.%s.%s.", hh, pp, ss);
	ok(parse_status(x) == PA_ERR_JWS_FORMAT,
	    "test_trailing_dot_is_rejected");
	free(x);
	x = jt_fmt(".%s.%s", pp, ss);
	ok(parse_status(x) == PA_ERR_JWS_FORMAT &&
	    parse_status("..") == PA_ERR_JWS_FORMAT,
	    "test_empty_header_is_rejected");
	free(x);
	x = jt_fmt("%s..%s", hh, ss);
	ok(parse_status(x) == PA_ERR_JWS_FORMAT,
	    "test_empty_payload_is_rejected");
	free(x);
	x = jt_fmt("%s.%s.", hh, pp);
	ok(parse_status(x) == PA_ERR_JWS_FORMAT,
	    "test_empty_signature_is_rejected");
	free(x);
	x = jt_fmt("%s.%s.%s==", hh, pp, ss);
	ok(parse_status(x) == PA_ERR_BASE64,
	    "test_padded_segment_is_rejected");
	free(x);
	x = jt_fmt("%s.%s.%s\n", hh, pp, ss);
	ok(parse_status(x) == PA_ERR_BASE64,
	    "test_trailing_newline_is_rejected");
	free(x);
	x = jt_fmt("%s .%s.%s", hh, pp, ss);
	ok(parse_status(x) == PA_ERR_BASE64,
	    "test_space_in_token_is_rejected");
	free(x);

	ok(pa_jws_parse(t, len, len, &jws0) == PA_OK &&
	    pa_jws_verify(jws0, pa_jwks_find(jwks, "p256"), ALL_ALGS) == PA_OK,
	    "test_token_at_max_len_is_accepted");
	pa_jws_free(jws0);
	jws0 = NULL;
	{
		struct pa_jws *jws = NULL;

		ok(pa_jws_parse(t, len, len - 1, &jws) == PA_ERR_TOO_LARGE &&
		    jws == NULL,
		    "test_oversize_token_is_rejected");
		pa_jws_free(jws);
	}
	big = repeat('A', 1 << 20);
	ok(parse_status(big) == PA_ERR_TOO_LARGE,
	    "test_megabyte_token_is_rejected_before_decoding");
	free(big);
	/* The len given bounds the token, not a NUL after it. */
	x = jt_fmt("%s.AAAA", t);
	ok(check_with(x, len, NULL, ALL_ALGS) == PA_OK &&
	    check_with(x, strlen(x), NULL, ALL_ALGS) == PA_ERR_JWS_FORMAT,
	    "test_token_is_read_up_to_len_only");
	free(x);
	ok(pa_jws_verify(NULL, pa_jwks_find(jwks, "p256"), ALL_ALGS) ==
	    PA_ERR_ARG && pa_jws_parse(t, len, len, NULL) == PA_ERR_ARG &&
	    pa_jws_parse(NULL, 0, len, &jws0) == PA_ERR_ARG,
	    "test_verify_null_arguments_are_refused");
	free(hh);
	free(pp);
	free(ss);
	free(t);
	free(h);
}

/* Status of pa_jws_claims() for a token carrying pl as its payload. */
static int
claims_status(const char *pl)
{
	char *h = hdr("ES256", "p256", NULL);
	char *t = jt_token(p256, "ES256", h, pl, 0);
	struct pa_jws *jws = NULL;
	json_t *claims = NULL;
	int r;

	if ((r = pa_jws_parse(t, strlen(t), MAX_LEN, &jws)) == PA_OK &&
	    (r = pa_jws_verify(jws, pa_jwks_find(jwks, "p256"),
	    ALL_ALGS)) == PA_OK)
		r = pa_jws_claims(jws, &claims);
	if (r != PA_OK && claims != NULL)
		r = PA_ERR_INTERNAL;
	json_decref(claims);
	pa_jws_free(jws);
	free(h);
	free(t);
	return r;
}

#define DEEP	3000

static void
test_claims(void)
{
	char *deep;
	size_t i;

	ok(claims_status("[1,2]") == PA_ERR_JSON &&
	    claims_status("\"alice\"") == PA_ERR_JSON &&
	    claims_status("42") == PA_ERR_JSON &&
	    claims_status("null") == PA_ERR_JSON,
	    "test_payload_not_an_object_is_rejected_by_claims");
	ok(claims_status("sub=alice") == PA_ERR_JSON &&
	    claims_status("{\"sub\":\"alice\"") == PA_ERR_JSON,
	    "test_payload_not_json_is_rejected_by_claims");
	ok(claims_status("{\"sub\":\"alice\",\"sub\":\"root\"}") ==
	    PA_ERR_JSON,
	    "test_duplicate_claims_are_rejected");
	ok(claims_status("{\"sub\":\"a\\u0000b\"}") == PA_ERR_JSON,
	    "test_nul_in_claim_is_rejected");
	ok(claims_status("{}") == PA_OK, "test_empty_claims_object_is_parsed");
	/* Deeper than jansson's 2048 levels, within MAX_LEN once encoded. */
	if ((deep = malloc(DEEP * 2 + 16)) == NULL)
		abort();
	strcpy(deep, "{\"a\":");
	for (i = 0; i < DEEP; i++)
		deep[5 + i] = '[';
	for (i = 0; i < DEEP; i++)
		deep[5 + DEEP + i] = ']';
	strcpy(deep + 5 + 2 * DEEP, "}");
	ok(claims_status(deep) == PA_ERR_JSON,
	    "test_deeply_nested_payload_is_rejected");
	free(deep);
	deep = repeat('[', 2 * DEEP);
	memset(deep + DEEP, ']', DEEP);
	ok(unsigned_status(deep, payload) == PA_ERR_JWS_HEADER,
	    "test_deeply_nested_header_is_rejected");
	free(deep);
}

static void
test_error_queue_clean(void)
{
	ERR_clear_error();
	(void)sign_and_check(p256, "ES256", "ES256", "p256", NULL,
	    JT_ECDSA_DER);
	(void)sign_and_check(rsa, "PS256", "PS256", "rsa", NULL,
	    JT_PSS_SALT_MAX);
	ok(ERR_peek_error() == 0,
	    "test_rejected_signature_leaves_no_openssl_error");
}

int
main(void)
{
	rsa = jt_keygen("RSA", 2048);
	p256 = jt_keygen("P-256", 0);
	p256b = jt_keygen("P-256", 0);
	p384 = jt_keygen("P-384", 0);
	ed25519 = jt_keygen("ED25519", 0);
	ed448 = jt_keygen("ED448", 0);
	load_jwks();

	test_valid_tokens();
	test_parsed_fields();
	test_alg_attacks();
	test_allowlist_and_binding();
	test_tampering();
	test_headers();
	test_format();
	test_claims();
	test_error_queue_clean();

	pa_jwks_free(jwks);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(p256);
	EVP_PKEY_free(p256b);
	EVP_PKEY_free(p384);
	EVP_PKEY_free(ed25519);
	EVP_PKEY_free(ed448);
	return tap_done();
}
