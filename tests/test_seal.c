/* SPDX-License-Identifier: MIT */
/* seal.c and hex.c: the envelope of every device cache file. */
#include "config.h"

#include <string.h>

#include "buf.h"
#include "err.h"
#include "hex.h"
#include "seal.h"
#include "tap.h"

int
main(void)
{
	unsigned char key[PA_SEAL_KEY_LEN], other[PA_SEAL_KEY_LEN], out[4];
	const unsigned char *body;
	size_t blen;
	struct pa_buf f;
	char hex[8];

	memset(key, 7, sizeof(key));
	memset(other, 8, sizeof(other));
	pa_hex_encode((const unsigned char *)"\x00\xab\xff", 3, hex);
	ok(memcmp(hex, "00abff", 6) == 0, "test_hex_encodes_lowercase");
	ok(pa_hex_decode("00abff", 6, out, 3) == PA_OK && out[1] == 0xab &&
	    pa_hex_decode("00ABFF", 6, out, 3) == PA_ERR_ARG &&
	    pa_hex_decode("00abf", 5, out, 3) == PA_ERR_ARG,
	    "test_hex_decodes_one_spelling_only");

	pa_buf_init(&f, 4096);
	ok(pa_seal(key, "record", "alice", (const unsigned char *)"{}\n", 3,
	    &f) == PA_OK && f.len == PA_SEAL_HEADER_LEN + 3 &&
	    memcmp(f.d, "POSAUTH1\n", 9) == 0, "test_seal_writes_header");
	ok(pa_unseal(key, "record", "alice", f.d, f.len, &body, &blen) ==
	    PA_OK && blen == 3 && memcmp(body, "{}\n", 3) == 0,
	    "test_unseal_gives_the_body");
	ok(pa_unseal(key, "record", "bob", f.d, f.len, &body, &blen) ==
	    PA_ERR_CACHE_CORRUPT, "test_other_name_fails");
	ok(pa_unseal(key, "clock", "alice", f.d, f.len, &body, &blen) ==
	    PA_ERR_CACHE_CORRUPT, "test_other_kind_fails");
	ok(pa_unseal(other, "record", "alice", f.d, f.len, &body, &blen) ==
	    PA_ERR_CACHE_CORRUPT, "test_other_key_fails");
	f.d[f.len - 2] ^= 1;
	ok(pa_unseal(key, "record", "alice", f.d, f.len, &body, &blen) ==
	    PA_ERR_CACHE_CORRUPT, "test_flipped_body_byte_fails");
	ok(pa_unseal(key, "record", "alice", f.d, 20, &body, &blen) ==
	    PA_ERR_CACHE_CORRUPT, "test_truncated_file_fails");
	pa_buf_clear(&f);
	return tap_done();
}
