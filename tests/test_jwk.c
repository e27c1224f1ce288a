/* SPDX-License-Identifier: MIT */
#include "config.h"

#define OPENSSL_API_COMPAT 30000
#define OPENSSL_NO_DEPRECATED

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/obj_mac.h>

#include "alg.h"
#include "err.h"
#include "jose_test.h"
#include "jwk.h"
#include "tap.h"

static EVP_PKEY *rsa, *rsa1024, *p256, *p384, *ed25519, *ed448;

/* Parses a JWKS text; returns the status, *out the set on PA_OK. */
static int
parse(const char *json, struct pa_jwks **out)
{
	struct pa_jwks *set = NULL;
	int r;

	r = pa_jwks_parse(json, strlen(json), &set);
	if (r != PA_OK && set != NULL)
		r = PA_ERR_INTERNAL;	/* never a set with an error */
	if (out != NULL)
		*out = set;
	else
		pa_jwks_free(set);
	return r;
}

/* Status of parsing a set holding the one JWK given. */
static int
parse_one(const char *jwk, struct pa_jwks **out)
{
	char *json = jt_jwks(1, &jwk);
	int r = parse(json, out);

	free(json);
	return r;
}

/* Status of a set holding one JWK, freeing the JWK text. */
static int
parse_one_free(char *jwk)
{
	int r = parse_one(jwk, NULL);

	free(jwk);
	return r;
}

/* Does a set of {bad, good} keep exactly the good key? */
static int
only_good_kept(char *bad)
{
	char *good = jt_jwk(p256, "good", NULL), *json;
	const char *keys[2];
	struct pa_jwks *set = NULL;
	int kept;

	keys[0] = bad;
	keys[1] = good;
	json = jt_jwks(2, keys);
	kept = parse(json, &set) == PA_OK && set->nkeys == 1 &&
	    pa_jwks_find(set, "good") != NULL;
	pa_jwks_free(set);
	free(json);
	free(good);
	free(bad);
	return kept;
}

static void
test_each_kty(void)
{
	struct pa_jwks *set = NULL;
	const struct pa_jwk *k;
	char *jwk;

	jwk = jt_jwk(rsa, "r1", NULL);
	ok(parse_one(jwk, &set) == PA_OK && set->nkeys == 1 &&
	    (k = pa_jwks_find(set, "r1")) != NULL && k->kty == PA_KTY_RSA &&
	    k->curve == 0 && k->alg == NULL && EVP_PKEY_is_a(k->pkey, "RSA") &&
	    EVP_PKEY_get_bits(k->pkey) == 2048 &&
	    EVP_PKEY_eq(k->pkey, rsa) == 1,
	    "test_rsa_jwk_is_parsed");
	pa_jwks_free(set);
	free(jwk);

	jwk = jt_jwk(p256, "e1", NULL);
	ok(parse_one(jwk, &set) == PA_OK &&
	    (k = pa_jwks_find(set, "e1")) != NULL && k->kty == PA_KTY_EC &&
	    k->curve == NID_X9_62_prime256v1 && EVP_PKEY_eq(k->pkey, p256) == 1 &&
	    pa_jwk_algs(k) == PA_ALG_ES256,
	    "test_ec_p256_jwk_is_parsed");
	pa_jwks_free(set);
	free(jwk);

	jwk = jt_jwk(p384, "e2", NULL);
	ok(parse_one(jwk, &set) == PA_OK &&
	    (k = pa_jwks_find(set, "e2")) != NULL && k->kty == PA_KTY_EC &&
	    k->curve == NID_secp384r1 && EVP_PKEY_eq(k->pkey, p384) == 1 &&
	    pa_jwk_algs(k) == PA_ALG_ES384,
	    "test_ec_p384_jwk_is_parsed");
	pa_jwks_free(set);
	free(jwk);

	jwk = jt_jwk(ed25519, "o1", NULL);
	ok(parse_one(jwk, &set) == PA_OK &&
	    (k = pa_jwks_find(set, "o1")) != NULL && k->kty == PA_KTY_OKP &&
	    k->curve == NID_ED25519 && EVP_PKEY_eq(k->pkey, ed25519) == 1 &&
	    pa_jwk_algs(k) == PA_ALG_EDDSA,
	    "test_ed25519_jwk_is_parsed");
	pa_jwks_free(set);
	free(jwk);

	jwk = jt_jwk(ed448, "o2", NULL);
	ok(parse_one(jwk, &set) == PA_OK &&
	    (k = pa_jwks_find(set, "o2")) != NULL && k->kty == PA_KTY_OKP &&
	    k->curve == NID_ED448 && EVP_PKEY_eq(k->pkey, ed448) == 1,
	    "test_ed448_jwk_is_parsed");
	pa_jwks_free(set);
	free(jwk);
}

/* An RSA JWK from raw n and e. */
static char *
rsa_jwk(const unsigned char *n, size_t nlen, const unsigned char *e,
    size_t elen)
{
	char *sn = jt_b64(n, nlen), *se = jt_b64(e, elen), *out;

	out = jt_fmt("{\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"%s\"}", sn, se);
	free(sn);
	free(se);
	return out;
}

static void
test_rsa_rules(void)
{
	unsigned char *n = NULL, *e = NULL, *n0, even_e[3] = { 1, 0, 2 };
	unsigned char one[1] = { 1 };
	size_t nlen, elen;

	ok(parse_one_free(jt_jwk(rsa1024, NULL, NULL)) == PA_ERR_JWK,
	    "test_rsa_1024_bit_modulus_is_rejected");
	jt_rsa_ne(rsa, &n, &nlen, &e, &elen);
	ok(parse_one_free(rsa_jwk(n, nlen, e, elen)) == PA_OK,
	    "test_rsa_jwk_from_components_is_parsed");
	ok(parse_one_free(rsa_jwk(n + 1, nlen - 1, e, elen)) == PA_ERR_JWK,
	    "test_rsa_2040_bit_modulus_is_rejected");
	ok(parse_one_free(rsa_jwk(n, nlen, even_e, 3)) == PA_ERR_JWK,
	    "test_rsa_even_exponent_is_rejected");
	ok(parse_one_free(rsa_jwk(n, nlen, one, 1)) == PA_ERR_JWK,
	    "test_rsa_exponent_one_is_rejected");
	n[nlen - 1] &= 0xfe;
	ok(parse_one_free(rsa_jwk(n, nlen, e, elen)) == PA_ERR_JWK,
	    "test_rsa_even_modulus_is_rejected");
	n[nlen - 1] |= 0x01;
	/* Tolerated quirk (RFC 7518 §6.3.1.1): the value counts. */
	if ((n0 = calloc(1, nlen + 1)) == NULL)
		abort();
	memcpy(n0 + 1, n, nlen);
	ok(parse_one_free(rsa_jwk(n0, nlen + 1, e, elen)) == PA_OK,
	    "test_rsa_modulus_with_leading_zero_is_tolerated");
	free(n0);
	ok(parse_one_free(strdup("{\"kty\":\"RSA\",\"e\":\"AQAB\"}")) ==
	    PA_ERR_JWK &&
	    parse_one_free(strdup("{\"kty\":\"RSA\",\"n\":7,\"e\":\"AQAB\"}")) ==
	    PA_ERR_JWK &&
	    parse_one_free(jt_fmt("{\"kty\":\"RSA\",\"n\":\"%s\"}", "AQAB")) ==
	    PA_ERR_JWK,
	    "test_rsa_missing_or_mistyped_members_are_rejected");
	free(n);
	free(e);
}

/* An EC JWK from raw coordinates. */
static char *
ec_jwk(const char *crv, const unsigned char *x, size_t xlen,
    const unsigned char *y, size_t ylen)
{
	char *sx = jt_b64(x, xlen), *sy = jt_b64(y, ylen), *out;

	out = jt_fmt("{\"kty\":\"EC\",\"crv\":\"%s\",\"x\":\"%s\",\"y\":\"%s\"}",
	    crv, sx, sy);
	free(sx);
	free(sy);
	return out;
}

static void
test_ec_rules(void)
{
	unsigned char *x = NULL, *y = NULL, *x33, ff[32];
	size_t clen;

	jt_ec_xy(p256, &x, &y, &clen);
	ok(parse_one_free(ec_jwk("P-256", x, clen, y, clen)) == PA_OK,
	    "test_ec_jwk_from_components_is_parsed");
	y[clen - 1] ^= 0x01;
	ok(parse_one_free(ec_jwk("P-256", x, clen, y, clen)) == PA_ERR_JWK,
	    "test_ec_point_not_on_curve_is_rejected");
	y[clen - 1] ^= 0x01;
	memset(ff, 0xff, sizeof(ff));
	ok(parse_one_free(ec_jwk("P-256", ff, 32, y, clen)) == PA_ERR_JWK,
	    "test_ec_coordinate_above_field_prime_is_rejected");
	ok(parse_one_free(ec_jwk("P-256", x + 1, clen - 1, y, clen)) ==
	    PA_ERR_JWK &&
	    parse_one_free(ec_jwk("P-256", x, clen, y + 1, clen - 1)) ==
	    PA_ERR_JWK,
	    "test_ec_short_coordinate_is_rejected");
	if ((x33 = calloc(1, clen + 1)) == NULL)
		abort();
	memcpy(x33 + 1, x, clen);
	ok(parse_one_free(ec_jwk("P-256", x33, clen + 1, y, clen)) ==
	    PA_ERR_JWK,
	    "test_ec_coordinate_with_leading_zero_is_rejected");
	free(x33);
	/* A P-256 point labelled P-384 is the wrong length for it. */
	ok(parse_one_free(ec_jwk("P-384", x, clen, y, clen)) == PA_ERR_JWK,
	    "test_ec_coordinates_of_another_curve_are_rejected");
	ok(parse_one_free(ec_jwk("P-521", x, clen, y, clen)) == PA_ERR_JWK &&
	    parse_one_free(ec_jwk("secp256k1", x, clen, y, clen)) ==
	    PA_ERR_JWK &&
	    parse_one_free(ec_jwk("p-256", x, clen, y, clen)) == PA_ERR_JWK,
	    "test_ec_unsupported_curve_is_skipped");
	ok(only_good_kept(ec_jwk("P-521", x, clen, y, clen)),
	    "test_unsupported_curve_is_skipped_not_fatal");
	free(x);
	free(y);
}

static void
test_okp_rules(void)
{
	unsigned char raw[57];
	size_t len = sizeof(raw);
	char *sx, *sx31;

	if (EVP_PKEY_get_raw_public_key(ed25519, raw, &len) != 1)
		abort();
	sx = jt_b64(raw, len);
	sx31 = jt_b64(raw, len - 1);
	ok(parse_one_free(jt_fmt("{\"kty\":\"OKP\",\"crv\":\"Ed25519\","
	    "\"x\":\"%s\"}", sx31)) == PA_ERR_JWK,
	    "test_okp_short_key_is_rejected");
	ok(parse_one_free(jt_fmt("{\"kty\":\"OKP\",\"crv\":\"Ed448\","
	    "\"x\":\"%s\"}", sx)) == PA_ERR_JWK,
	    "test_okp_key_of_another_curve_length_is_rejected");
	ok(parse_one_free(jt_fmt("{\"kty\":\"OKP\",\"crv\":\"X25519\","
	    "\"x\":\"%s\"}", sx)) == PA_ERR_JWK,
	    "test_okp_x25519_is_skipped");
	ok(parse_one_free(jt_fmt("{\"kty\":\"OKP\",\"x\":\"%s\"}", sx)) ==
	    PA_ERR_JWK,
	    "test_okp_without_crv_is_skipped");
	free(sx);
	free(sx31);
}

static void
test_private_and_usage(void)
{
	ok(parse_one_free(jt_jwk(rsa, "r", "\"d\":\"AQAB\"")) == PA_ERR_JWK &&
	    parse_one_free(jt_jwk(rsa, "r", "\"p\":\"AQAB\"")) == PA_ERR_JWK,
	    "test_private_rsa_jwk_is_rejected");
	ok(parse_one_free(jt_jwk(p256, "e", "\"d\":\"AQAB\"")) == PA_ERR_JWK &&
	    parse_one_free(jt_jwk(ed25519, "o", "\"d\":\"AQAB\"")) ==
	    PA_ERR_JWK,
	    "test_private_ec_and_okp_jwk_is_rejected");
	ok(!only_good_kept(jt_jwk(p384, "bad", "\"d\":\"AQAB\"")),
	    "test_private_jwk_fails_the_whole_set");
	ok(!only_good_kept(strdup("{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}")),
	    "test_symmetric_secret_fails_the_whole_set");
	ok(only_good_kept(strdup("{\"kty\":\"oct\",\"kid\":\"x\"}")) &&
	    only_good_kept(strdup("{\"kty\":\"XYZ\"}")) &&
	    only_good_kept(strdup("{\"n\":\"AQAB\"}")),
	    "test_unknown_kty_is_skipped");
	ok(only_good_kept(jt_jwk(p384, "bad", "\"use\":\"enc\"")) &&
	    parse_one_free(jt_jwk(p384, "bad", "\"use\":\"enc\"")) ==
	    PA_ERR_JWK,
	    "test_use_enc_is_skipped");
	ok(only_good_kept(jt_jwk(p384, "bad", "\"use\":7")),
	    "test_use_not_a_string_is_skipped");
	ok(parse_one_free(jt_jwk(p384, "k", "\"use\":\"sig\"")) == PA_OK,
	    "test_use_sig_is_kept");
	ok(only_good_kept(jt_jwk(p384, "bad", "\"key_ops\":[\"sign\"]")) &&
	    only_good_kept(jt_jwk(p384, "bad", "\"key_ops\":[]")) &&
	    only_good_kept(jt_jwk(p384, "bad", "\"key_ops\":\"verify\"")) &&
	    only_good_kept(jt_jwk(p384, "bad", "\"key_ops\":[\"encrypt\"]")),
	    "test_key_ops_without_verify_is_skipped");
	ok(parse_one_free(jt_jwk(p384, "k",
	    "\"key_ops\":[\"sign\",\"verify\"]")) == PA_OK,
	    "test_key_ops_with_verify_is_kept");
	ok(only_good_kept(jt_jwk(rsa, "bad", "\"alg\":\"HS256\"")) &&
	    only_good_kept(jt_jwk(rsa, "bad", "\"alg\":\"RSA-OAEP\"")) &&
	    only_good_kept(jt_jwk(rsa, "bad", "\"alg\":\"none\"")) &&
	    only_good_kept(jt_jwk(p384, "bad", "\"alg\":\"ES256\"")) &&
	    only_good_kept(jt_jwk(rsa, "bad", "\"alg\":\"ES256\"")) &&
	    only_good_kept(jt_jwk(rsa, "bad", "\"alg\":42")),
	    "test_jwk_alg_unusable_with_key_is_skipped");
	ok(only_good_kept(jt_jwk(rsa, NULL, "\"kid\":42")),
	    "test_kid_not_a_string_is_skipped");
}

static void
test_alg_member(void)
{
	struct pa_jwks *set = NULL;
	char *jwk = jt_jwk(rsa, "r", "\"alg\":\"PS384\"");
	const struct pa_jwk *k;

	ok(parse_one(jwk, &set) == PA_OK && (k = pa_jwks_find(set, "r")) &&
	    k->alg != NULL && strcmp(k->alg, "PS384") == 0 &&
	    pa_jwk_algs(k) == PA_ALG_PS384,
	    "test_jwk_alg_narrows_the_algorithms");
	pa_jwks_free(set);
	free(jwk);
}

static void
test_find(void)
{
	struct pa_jwks *set = NULL;
	char *a = jt_jwk(p256, "same", NULL), *b = jt_jwk(rsa, "same", NULL);
	char *c = jt_jwk(p384, NULL, NULL), *d = jt_jwk(ed25519, "d", NULL);
	const char *keys[4];
	const struct pa_jwk *k;
	char *json;

	keys[0] = a;
	keys[1] = b;
	keys[2] = c;
	keys[3] = d;
	json = jt_jwks(4, keys);
	ok(parse(json, &set) == PA_OK && set->nkeys == 3 &&
	    (k = pa_jwks_find(set, "same")) != NULL && k->kty == PA_KTY_EC,
	    "test_duplicate_kid_keeps_the_first");
	ok(set != NULL && (k = pa_jwks_find(set, "d")) != NULL &&
	    k->kty == PA_KTY_OKP,
	    "test_find_by_kid");
	ok(set != NULL && pa_jwks_find(set, "nope") == NULL &&
	    pa_jwks_find(set, "D") == NULL && pa_jwks_find(set, "") == NULL,
	    "test_find_unknown_kid_is_null");
	ok(set != NULL && pa_jwks_find(set, NULL) == NULL,
	    "test_find_null_kid_in_a_set_of_several_is_null");
	pa_jwks_free(set);
	set = NULL;
	free(json);

	ok(parse_one(c, &set) == PA_OK && pa_jwks_find(set, NULL) != NULL &&
	    pa_jwks_find(set, "x") == NULL,
	    "test_find_null_kid_single_unlabelled_key");
	pa_jwks_free(set);
	set = NULL;
	ok(parse_one(d, &set) == PA_OK && pa_jwks_find(set, NULL) == NULL,
	    "test_find_null_kid_with_a_labelled_key_is_null");
	pa_jwks_free(set);
	ok(pa_jwks_find(NULL, "d") == NULL, "test_find_in_null_set_is_null");
	free(a);
	free(b);
	free(c);
	free(d);
}

/* n copies of an Ed25519 JWK with kids k0..k(n-1). */
static char *
many_keys(size_t n)
{
	unsigned char raw[32];
	size_t len = sizeof(raw), i, off;
	char *sx, *buf;
	size_t cap = n * 96 + 32;

	if (EVP_PKEY_get_raw_public_key(ed25519, raw, &len) != 1 ||
	    (buf = malloc(cap)) == NULL)
		abort();
	sx = jt_b64(raw, len);
	off = (size_t)snprintf(buf, cap, "{\"keys\":[");
	for (i = 0; i < n; i++)
		off += (size_t)snprintf(buf + off, cap - off,
		    "%s{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"%s\","
		    "\"kid\":\"k%zu\"}", i ? "," : "", sx, i);
	snprintf(buf + off, cap - off, "]}");
	free(sx);
	return buf;
}

/* A document nested depth levels deep: [[[...]]] or {"a":{"a":...}}. */
static char *
deep(size_t depth, int objects)
{
	size_t i, off = 0;
	char *buf;

	if ((buf = malloc(depth * 6 + 32)) == NULL)
		abort();
	if (objects) {
		for (i = 0; i < depth; i++)
			off += (size_t)sprintf(buf + off, "{\"a\":");
		buf[off++] = '1';
		for (i = 0; i < depth; i++)
			buf[off++] = '}';
	} else {
		off += (size_t)sprintf(buf, "{\"keys\":");
		for (i = 0; i < depth; i++)
			buf[off++] = '[';
		for (i = 0; i < depth; i++)
			buf[off++] = ']';
		buf[off++] = '}';
	}
	buf[off] = '\0';
	return buf;
}

static void
test_hostile_json(void)
{
	struct pa_jwks *set = NULL;
	char *json, *good = jt_jwk(p256, "g", NULL);
	clock_t t0;
	double secs;
	int r;

	ok(parse("not json", NULL) == PA_ERR_JSON && parse("", NULL) ==
	    PA_ERR_JSON && parse("{\"keys\":[]} x", NULL) == PA_ERR_JSON,
	    "test_not_json_is_rejected");
	ok(pa_jwks_parse("{\"keys\":[]}\0{}", 14, &set) == PA_ERR_JSON &&
	    set == NULL,
	    "test_embedded_nul_is_rejected");
	ok(parse("[]", NULL) == PA_ERR_JWK && parse("\"keys\"", NULL) != PA_OK &&
	    parse("42", NULL) != PA_OK,
	    "test_jwks_not_an_object_is_rejected");
	ok(parse("{\"keys\":{}}", NULL) == PA_ERR_JWK &&
	    parse("{\"keys\":\"x\"}", NULL) == PA_ERR_JWK &&
	    parse("{\"kets\":[]}", NULL) == PA_ERR_JWK,
	    "test_keys_not_an_array_is_rejected");
	ok(parse("{\"keys\":[]}", NULL) == PA_ERR_JWK &&
	    parse("{\"keys\":[1,\"a\",null,[],{}]}", NULL) == PA_ERR_JWK,
	    "test_set_without_usable_key_is_rejected");
	json = jt_fmt("{\"keys\":[1,null,[],%s]}", good);
	ok(parse(json, &set) == PA_OK && set->nkeys == 1,
	    "test_non_object_entries_are_skipped");
	pa_jwks_free(set);
	set = NULL;
	free(json);
	json = jt_fmt("{\"keys\":[%s],\"keys\":[]}", good);
	ok(parse(json, NULL) == PA_ERR_JSON,
	    "test_duplicate_member_names_are_rejected");
	free(json);
	json = jt_fmt("{\"keys\":[{\"kty\":\"EC\",\"kty\":\"RSA\"%s]}",
	    good + 1 + strlen("\"kty\":\"EC\""));
	ok(parse(json, NULL) == PA_ERR_JSON,
	    "test_duplicate_member_names_inside_a_key_are_rejected");
	free(json);

	json = many_keys(10000);
	t0 = clock();
	r = parse(json, &set);
	secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	ok(r == PA_OK && set->nkeys == PA_JWKS_MAX_KEYS &&
	    pa_jwks_find(set, "k0") != NULL &&
	    pa_jwks_find(set, "k255") != NULL &&
	    pa_jwks_find(set, "k256") == NULL &&
	    pa_jwks_find(set, "k9999") == NULL,
	    "test_ten_thousand_keys_are_capped");
	printf("# 10000 keys parsed in %.3f s\n", secs);
	/* Generous for valgrind; unbounded work would take far longer. */
	ok(secs < 30.0, "test_ten_thousand_keys_parse_in_bounded_time");
	pa_jwks_free(set);
	set = NULL;
	free(json);

	json = deep(10000, 0);
	ok(parse(json, NULL) == PA_ERR_JSON,
	    "test_ten_thousand_nested_arrays_are_rejected");
	free(json);
	json = deep(10000, 1);
	ok(parse(json, NULL) == PA_ERR_JSON,
	    "test_ten_thousand_nested_objects_are_rejected");
	free(json);

	ok(pa_jwks_parse("{}", PA_JWKS_MAX_LEN + 1, &set) == PA_ERR_TOO_LARGE &&
	    set == NULL,
	    "test_oversize_jwks_is_rejected_before_parsing");
	ok(pa_jwks_parse(NULL, 0, &set) == PA_ERR_ARG &&
	    pa_jwks_parse("{}", 2, NULL) == PA_ERR_ARG,
	    "test_null_arguments_are_refused");
	pa_jwks_free(NULL);
	free(good);
}

int
main(void)
{
	rsa = jt_keygen("RSA", 2048);
	rsa1024 = jt_keygen("RSA", 1024);
	p256 = jt_keygen("P-256", 0);
	p384 = jt_keygen("P-384", 0);
	ed25519 = jt_keygen("ED25519", 0);
	ed448 = jt_keygen("ED448", 0);

	test_each_kty();
	test_rsa_rules();
	test_ec_rules();
	test_okp_rules();
	test_private_and_usage();
	test_alg_member();
	test_find();
	test_hostile_json();

	EVP_PKEY_free(rsa);
	EVP_PKEY_free(rsa1024);
	EVP_PKEY_free(p256);
	EVP_PKEY_free(p384);
	EVP_PKEY_free(ed25519);
	EVP_PKEY_free(ed448);
	return tap_done();
}
