/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <string.h>

#include "err.h"
#include "http.h"
#include "tap.h"

int
main(void)
{
	struct pa_http_opts o = { NULL, 2, 3, 65536, 0 };
	struct pa_http *h = NULL;
	struct pa_http_resp resp;

	ok(pa_http_new(&o, &h) == PA_OK, "test_handle_created");
	/* Port 1 on loopback: nothing listens, so the connect fails fast. */
	ok(pa_http_get(h, "https://127.0.0.1:1/x", &resp) ==
	    PA_ERR_UNREACHABLE, "test_connection_refused_is_unreachable");
	ok(pa_http_error(h)[0] != '\0', "test_transport_error_text_kept");
	/* Not an outage: a URL we should never have been given. */
	ok(pa_http_get(h, "http://127.0.0.1:1/x", &resp) ==
	    PA_ERR_SYSTEM, "test_plain_http_never_spoken");
	ok(strstr(pa_http_error(h), "http") != NULL ||
	    strstr(pa_http_error(h), "rotocol") != NULL,
	    "test_plain_http_refused_by_protocol_list");
	ok(pa_http_get(h, "file:///etc/passwd", &resp) == PA_ERR_SYSTEM,
	    "test_file_url_refused");
	pa_http_free(h);
	o.max_response = 0;
	ok(pa_http_new(&o, &h) == PA_ERR_ARG, "test_zero_cap_refused");
	return tap_done();
}
