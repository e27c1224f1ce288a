/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <string.h>

#include "err.h"
#include "tap.h"

int
main(void)
{
	int s;
	int distinct = 1;

	ok(pa_failure_class(PA_ERR_UNREACHABLE) == PA_CLASS_UNREACHABLE,
	    "test_unreachable_is_its_own_class");
	ok(pa_failure_class(PA_ERR_REJECTED) == PA_CLASS_REJECTED,
	    "test_rejected_is_its_own_class");
	ok(pa_failure_class(PA_ERR_SIGNATURE) == PA_CLASS_INVALID,
	    "test_bad_signature_is_invalid");
	ok(pa_failure_class(PA_ERR_BAD_RESPONSE) == PA_CLASS_INVALID &&
	    pa_failure_class(PA_ERR_ROLES) == PA_CLASS_INVALID,
	    "test_token_errors_are_invalid");
	ok(pa_failure_class(PA_ERR_CONFIG) == PA_CLASS_LOCAL,
	    "test_config_error_is_local");
	ok(pa_failure_class(PA_OK) == PA_CLASS_NONE, "test_ok_has_no_class");
	/* Only a real "unreachable" may ever open the offline path. */
	for (s = -1; s >= -100; s--)
		if (s != PA_ERR_UNREACHABLE &&
		    pa_failure_class(s) == PA_CLASS_UNREACHABLE)
			distinct = 0;
	ok(distinct, "test_only_unreachable_maps_to_unreachable");
	ok(strcmp(pa_strerror(-9999), "unknown error") == 0,
	    "test_unknown_status_has_text");
	return tap_done();
}
