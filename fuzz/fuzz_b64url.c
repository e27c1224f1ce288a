/* SPDX-License-Identifier: MIT */
/*
 * base64url (b64url.h): the decoder must accept exactly the canonical
 * spelling, so decode then encode gives the input back byte for byte,
 * and encode then decode gives any bytes back.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "b64url.h"
#include "err.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *dec = NULL, *back = NULL;
	char *enc = NULL, *reenc = NULL;
	size_t declen = 0, backlen = 0;
	int r;

	r = pa_b64url_decode((const char *)data, size, &dec, &declen);
	if (r == PA_OK) {
		FUZZ_CHECK(dec != NULL && dec[declen] == '\0');
		FUZZ_CHECK(declen <= size);
		FUZZ_CHECK(pa_b64url_encode(dec, declen, &reenc) == PA_OK);
		/* One spelling per value: anything else was not canonical. */
		FUZZ_CHECK(strlen(reenc) == size &&
		    (size == 0 || memcmp(reenc, data, size) == 0));
	} else
		FUZZ_CHECK(r == PA_ERR_BASE64 && dec == NULL && declen == 0);

	FUZZ_CHECK(pa_b64url_encode(data, size, &enc) == PA_OK);
	FUZZ_CHECK(strspn(enc, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
	    "qrstuvwxyz0123456789-_") == strlen(enc));
	FUZZ_CHECK(pa_b64url_decode(enc, strlen(enc), &back, &backlen) ==
	    PA_OK);
	FUZZ_CHECK(backlen == size &&
	    (size == 0 || memcmp(back, data, size) == 0));

	free(dec);
	free(back);
	free(enc);
	free(reenc);
	return 0;
}
