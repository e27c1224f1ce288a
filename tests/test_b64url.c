/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "b64url.h"
#include "err.h"
#include "tap.h"

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Decodes s; returns the status and frees the output. */
static int
decode_status(const char *s, size_t len)
{
	unsigned char *out = NULL;
	size_t outlen = 0;
	int r;

	r = pa_b64url_decode(s, len, &out, &outlen);
	if (r != PA_OK && out != NULL)
		r = PA_ERR_INTERNAL;	/* no output on failure */
	free(out);
	return r;
}

static int
decodes_to(const char *s, const void *want, size_t wantlen)
{
	unsigned char *out = NULL;
	size_t outlen = 0;
	int same;

	if (pa_b64url_decode(s, strlen(s), &out, &outlen) != PA_OK)
		return 0;
	same = outlen == wantlen && memcmp(out, want, wantlen) == 0 &&
	    out[outlen] == '\0';
	free(out);
	return same;
}

static int
encodes_to(const void *in, size_t len, const char *want)
{
	char *out = NULL;
	int same;

	if (pa_b64url_encode(in, len, &out) != PA_OK)
		return 0;
	same = strcmp(out, want) == 0;
	free(out);
	return same;
}

/* Every length 0..300 of every byte value survives encode+decode. */
static int
round_trips(void)
{
	unsigned char in[300], *dec = NULL;
	char *enc = NULL;
	size_t i, len, declen;
	int good = 1;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(i * 151 + 7);
	for (len = 0; len <= sizeof(in) && good; len++) {
		if (pa_b64url_encode(in, len, &enc) != PA_OK ||
		    strlen(enc) != (len * 4 + 2) / 3 ||
		    strspn(enc, alphabet) != strlen(enc) ||
		    pa_b64url_decode(enc, strlen(enc), &dec, &declen) != PA_OK ||
		    declen != len || memcmp(dec, in, len) != 0)
			good = 0;
		free(enc);
		free(dec);
		enc = NULL;
		dec = NULL;
	}
	return good;
}

/* Each byte outside the alphabet fails at each position of a quantum. */
static int
every_foreign_byte_rejected(void)
{
	char buf[8];
	int c;
	size_t pos;

	for (c = 0; c < 256; c++) {
		if (c != 0 && strchr(alphabet, c) != NULL)
			continue;
		for (pos = 0; pos < 4; pos++) {
			memcpy(buf, "AAAAAAAA", 8);
			buf[pos] = (char)c;
			if (decode_status(buf, 8) != PA_ERR_BASE64)
				return 0;
		}
	}
	return 1;
}

static int
every_alphabet_char_accepted(void)
{
	char buf[4];
	size_t i;

	for (i = 0; i < 64; i++) {
		memcpy(buf, "AAAA", 4);
		buf[3] = alphabet[i];
		if (decode_status(buf, 4) != PA_OK)
			return 0;
	}
	return 1;
}

/* Last character of a 2- or 3-character tail with its pad bits set. */
static int
noncanonical_tails_rejected(void)
{
	char buf[3];
	size_t i;
	int v;

	for (i = 0; i < 64; i++) {
		v = (int)i;
		memcpy(buf, "AAA", 3);
		buf[1] = alphabet[i];
		if ((decode_status(buf, 2) == PA_OK) != ((v & 0x0f) == 0))
			return 0;
		buf[2] = alphabet[i];
		if ((decode_status(buf, 3) == PA_OK) != ((v & 0x03) == 0))
			return 0;
	}
	return 1;
}

int
main(void)
{
	unsigned char *out = NULL;
	size_t outlen = 99;
	char *enc = NULL;

	/* RFC 4648 §10 vectors, in the URL alphabet and unpadded. */
	ok(encodes_to("", 0, "") && encodes_to("f", 1, "Zg") &&
	    encodes_to("fo", 2, "Zm8") && encodes_to("foo", 3, "Zm9v") &&
	    encodes_to("foob", 4, "Zm9vYg") &&
	    encodes_to("fooba", 5, "Zm9vYmE") &&
	    encodes_to("foobar", 6, "Zm9vYmFy"),
	    "test_encode_rfc4648_vectors_unpadded");
	ok(decodes_to("", "", 0) && decodes_to("Zg", "f", 1) &&
	    decodes_to("Zm8", "fo", 2) && decodes_to("Zm9vYmFy", "foobar", 6),
	    "test_decode_rfc4648_vectors");
	ok(encodes_to("\xfb\xff\xbf", 3, "-_-_") &&
	    decodes_to("-_-_", "\xfb\xff\xbf", 3),
	    "test_url_alphabet_uses_dash_and_underscore");
	ok(round_trips(), "test_round_trip_all_lengths_to_300");
	ok(every_alphabet_char_accepted(), "test_every_alphabet_char_decodes");
	ok(every_foreign_byte_rejected(),
	    "test_every_non_alphabet_byte_is_rejected");
	ok(decode_status("+/+/", 4) == PA_ERR_BASE64,
	    "test_standard_alphabet_plus_slash_rejected");
	ok(decode_status("Zg==", 4) == PA_ERR_BASE64 &&
	    decode_status("Zm8=", 4) == PA_ERR_BASE64 &&
	    decode_status("Zg=", 3) == PA_ERR_BASE64,
	    "test_padding_is_rejected");
	ok(decode_status("Zm9v\n", 5) == PA_ERR_BASE64 &&
	    decode_status(" Zm9v", 5) == PA_ERR_BASE64 &&
	    decode_status("Zm 9v", 5) == PA_ERR_BASE64,
	    "test_whitespace_is_rejected");
	ok(decode_status("Zm9v\0Yg", 7) == PA_ERR_BASE64,
	    "test_embedded_nul_is_rejected");
	ok(decode_status("A", 1) == PA_ERR_BASE64 &&
	    decode_status("Zm9vY", 5) == PA_ERR_BASE64 &&
	    decode_status("Zm9vYmFyZ", 9) == PA_ERR_BASE64,
	    "test_length_mod_4_equal_1_is_rejected");
	ok(decode_status("Zh", 2) == PA_ERR_BASE64 &&
	    decode_status("Zm9", 3) == PA_ERR_BASE64 &&
	    decode_status("Zg", 2) == PA_OK && decode_status("Zm8", 3) == PA_OK,
	    "test_nonzero_trailing_bits_are_rejected");
	ok(noncanonical_tails_rejected(),
	    "test_only_canonical_tails_are_accepted");
	ok(pa_b64url_decode("Zm9v", 4, &out, &outlen) == PA_OK &&
	    outlen == 3 && out[3] == '\0',
	    "test_decoded_output_is_nul_terminated");
	free(out);
	out = NULL;
	ok(pa_b64url_decode("Zh", 2, &out, &outlen) == PA_ERR_BASE64 &&
	    out == NULL && outlen == 0,
	    "test_failed_decode_leaves_no_output");
	ok(pa_b64url_decode(NULL, 4, &out, &outlen) == PA_ERR_ARG &&
	    pa_b64url_decode("Zg", 2, NULL, &outlen) == PA_ERR_ARG &&
	    pa_b64url_encode(NULL, 1, &enc) == PA_ERR_ARG &&
	    pa_b64url_encode((const unsigned char *)"", 0, NULL) == PA_ERR_ARG,
	    "test_null_arguments_are_refused");
	return tap_done();
}
