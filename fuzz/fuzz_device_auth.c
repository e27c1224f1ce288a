/* SPDX-License-Identifier: MIT */
/*
 * Device authorization responses (RFC 8628 §3.2,
 * pa_oidc_device_auth_parse): what is accepted is shown to a person on a
 * terminal, so every string is printable ASCII without spaces, the URIs
 * are https, and the waits are bounded.
 */
#include "config.h"

#include <string.h>

#include "err.h"
#include "fuzz.h"
#include "oidc.h"

static int
plain(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return i > 0 && i <= PA_DEVICE_TEXT_MAX;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pa_device_auth *d = NULL;
	int r;

	r = pa_oidc_device_auth_parse((const char *)data, size, &d);
	if (r != PA_OK) {
		FUZZ_CHECK(d == NULL);
		return 0;
	}
	FUZZ_CHECK(d->device_code != NULL && d->device_code[0] != '\0');
	FUZZ_CHECK(plain(d->user_code) && plain(d->verification_uri));
	FUZZ_CHECK(strncmp(d->verification_uri, "https://", 8) == 0);
	FUZZ_CHECK(d->verification_uri_complete == NULL ||
	    (plain(d->verification_uri_complete) &&
	    strncmp(d->verification_uri_complete, "https://", 8) == 0));
	FUZZ_CHECK(d->expires_in >= 1 && d->expires_in <= PA_DEVICE_MAX_WAIT);
	FUZZ_CHECK(d->interval >= 1 && d->interval <= PA_DEVICE_MAX_INTERVAL);
	pa_device_auth_free(d);
	return 0;
}
