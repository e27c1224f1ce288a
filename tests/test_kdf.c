/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <string.h>

#include "err.h"
#include "kdf.h"
#include "tap.h"

#define PIN "918273"
#define COST 10		/* the cheapest accepted: keeps the test fast */

/*
 * scrypt(P="918273", S=00 01 .. 0f, N=2^10 / 2^11, r=8, p=1, dkLen=32),
 * computed independently with Python's hashlib.scrypt: proves the
 * parameters are the documented ones, so a verifier written by this
 * build is checked the same way by the next.
 */
static const unsigned char kat10[PA_KDF_HASH_LEN] = {
	0x8f, 0x33, 0x3b, 0x70, 0x8a, 0x97, 0x03, 0x25,
	0x33, 0x20, 0xfb, 0x25, 0x17, 0xf7, 0x36, 0xf7,
	0x59, 0xae, 0x71, 0x61, 0xa4, 0x54, 0xa1, 0xae,
	0xd4, 0x63, 0x1d, 0xea, 0x6c, 0xf4, 0x27, 0x27,
};
static const unsigned char kat11[PA_KDF_HASH_LEN] = {
	0x9f, 0x04, 0x83, 0x2e, 0x3d, 0x04, 0xc0, 0x50,
	0x2e, 0x4c, 0x11, 0xf5, 0x78, 0x04, 0xc9, 0xaa,
	0xfd, 0x4c, 0x6b, 0xb3, 0x9d, 0x59, 0x9d, 0x40,
	0x27, 0x18, 0x5d, 0xa8, 0x4f, 0x6c, 0x38, 0x3b,
};

static void
kat_verifier(struct pa_verifier *v, unsigned cost, const unsigned char *hash)
{
	size_t i;

	memset(v, 0, sizeof(*v));
	v->alg = PA_KDF_SCRYPT;
	v->cost = cost;
	for (i = 0; i < sizeof(v->salt); i++)
		v->salt[i] = (unsigned char)i;
	memcpy(v->hash, hash, sizeof(v->hash));
}

static int
is_zero(const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != 0)
			return 0;
	return 1;
}

int
main(void)
{
	struct pa_verifier v, w, t;
	unsigned bad[] = { 0, 1, 9, 23, 31, 32, 64, 1000 };
	size_t i;
	int all;

	ok(pa_kdf_make(PIN, strlen(PIN), COST, &v) == PA_OK,
	    "test_make_verifier");
	ok(v.alg == PA_KDF_SCRYPT && v.cost == COST,
	    "test_verifier_records_alg_and_cost");
	ok(pa_kdf_check(PIN, strlen(PIN), &v) == PA_OK,
	    "test_right_pin_is_accepted");
	ok(pa_kdf_check("918274", 6, &v) == PA_ERR_BAD_PIN,
	    "test_wrong_pin_is_bad_pin");
	ok(pa_kdf_check(PIN, 5, &v) == PA_ERR_BAD_PIN,
	    "test_pin_prefix_is_bad_pin");
	ok(pa_kdf_check("9182730", 7, &v) == PA_ERR_BAD_PIN,
	    "test_pin_with_suffix_is_bad_pin");

	ok(pa_kdf_make(PIN, strlen(PIN), COST, &w) == PA_OK &&
	    memcmp(v.salt, w.salt, sizeof(v.salt)) != 0 &&
	    memcmp(v.hash, w.hash, sizeof(v.hash)) != 0,
	    "test_same_pin_gives_different_verifiers");
	ok(pa_kdf_check(PIN, strlen(PIN), &w) == PA_OK,
	    "test_second_verifier_also_checks");

	kat_verifier(&t, 10, kat10);
	ok(pa_kdf_check(PIN, strlen(PIN), &t) == PA_OK,
	    "test_known_answer_cost_10");
	kat_verifier(&t, 11, kat11);
	ok(pa_kdf_check(PIN, strlen(PIN), &t) == PA_OK,
	    "test_known_answer_cost_11");
	kat_verifier(&t, 10, kat11);
	ok(pa_kdf_check(PIN, strlen(PIN), &t) == PA_ERR_BAD_PIN,
	    "test_cost_is_part_of_the_hash");

	all = 1;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (pa_kdf_make(PIN, strlen(PIN), bad[i], &w) != PA_ERR_ARG ||
		    !is_zero(&w, sizeof(w)))
			all = 0;
	}
	ok(all, "test_make_refuses_cost_out_of_range");
	all = 1;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t = v;
		t.cost = bad[i];
		if (pa_kdf_check(PIN, strlen(PIN), &t) != PA_ERR_CACHE_CORRUPT)
			all = 0;
	}
	ok(all, "test_check_refuses_tampered_cost");
	t = v;
	t.alg = 2;
	ok(pa_kdf_check(PIN, strlen(PIN), &t) == PA_ERR_CACHE_CORRUPT,
	    "test_check_refuses_unknown_alg");

	ok(pa_kdf_make("", 0, COST, &w) == PA_ERR_ARG &&
	    pa_kdf_make(NULL, 0, COST, &w) == PA_ERR_ARG,
	    "test_empty_pin_refused_on_make");
	ok(pa_kdf_check("", 0, &v) == PA_ERR_ARG,
	    "test_empty_pin_refused_on_check");
	ok(pa_kdf_make(PIN, PA_KDF_PIN_MAX + 1, COST, &w) == PA_ERR_ARG,
	    "test_oversized_pin_refused");
	ok(pa_kdf_make(PIN, strlen(PIN), COST, NULL) == PA_ERR_ARG &&
	    pa_kdf_check(PIN, strlen(PIN), NULL) == PA_ERR_ARG,
	    "test_null_verifier_refused");
	return tap_done();
}
