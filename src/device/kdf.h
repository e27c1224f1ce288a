/* SPDX-License-Identifier: MIT */
/*
 * Offline PIN verifier: a slow, salted hash of the PIN kept in the device
 * cache so a staff member can log in while the token service is
 * unreachable. The PIN itself is never stored.
 *
 * Algorithm 1 is scrypt (RFC 7914) with N = 2^cost, r = 8, p = 1, a
 * 16-byte random salt and a 32-byte output. Memory use is 128 * r * N
 * bytes: 128 KiB at cost 10, 16 MiB at cost 14, 128 MiB at cost 17.
 *
 * A PIN has little entropy, so the verifier only slows down a thief who
 * copied the cache off the disk; the HMAC on the record (cache.c) and the
 * failure counter are what stop guessing on the terminal itself.
 */
#ifndef POSAUTH_KDF_H
#define POSAUTH_KDF_H

#include <stddef.h>

#define PA_KDF_SCRYPT		1u	/* the only algorithm id so far */
#define PA_KDF_SALT_LEN		16
#define PA_KDF_HASH_LEN		32
/*
 * Accepted range of cost = log2(N). Below 10 the verifier is too cheap to
 * brute-force slowly; above 22 one check needs 4 GiB and seconds of CPU.
 * A record whose cost lies outside this range is refused instead of
 * computed: a tampered cost must be neither a denial of service nor a
 * silent weakening.
 */
#define PA_KDF_COST_MIN		10u
#define PA_KDF_COST_MAX		22u
#define PA_KDF_PIN_MAX		1024	/* bytes; longer is not a PIN */

struct pa_verifier {
	unsigned alg;				/* PA_KDF_SCRYPT */
	unsigned cost;				/* log2(N) */
	unsigned char salt[PA_KDF_SALT_LEN];
	unsigned char hash[PA_KDF_HASH_LEN];
};

/*
 * Makes a verifier for pin (pinlen bytes, need not be NUL-terminated)
 * with a fresh random salt. Returns PA_OK, PA_ERR_ARG (empty or
 * oversized PIN, cost outside PA_KDF_COST_MIN..MAX) or PA_ERR_INTERNAL
 * (RNG or KDF failure). On error *out is zeroed.
 */
int pa_kdf_make(const char *pin, size_t pinlen, unsigned cost,
    struct pa_verifier *out);

/*
 * Checks pin against v in constant time. Returns PA_OK, PA_ERR_BAD_PIN,
 * PA_ERR_ARG (empty or oversized PIN), PA_ERR_CACHE_CORRUPT (v has an
 * unknown algorithm or a cost outside the accepted range: the caller
 * treats it like a missing verifier) or PA_ERR_INTERNAL.
 */
int pa_kdf_check(const char *pin, size_t pinlen, const struct pa_verifier *v);

#endif
