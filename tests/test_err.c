/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <string.h>

#include "err.h"
#include "tap.h"

int
main(void)
{
	unsigned i;
	int distinct = 1, texts = 1;

	ok(pa_failure_class(PA_ERR_UNREACHABLE) == PA_CLASS_UNREACHABLE,
	    "test_unreachable_is_its_own_class");
	ok(pa_failure_class(PA_ERR_REJECTED) == PA_CLASS_REJECTED,
	    "test_rejected_is_its_own_class");
	ok(pa_failure_class(PA_ERR_SIGNATURE) == PA_CLASS_INVALID,
	    "test_bad_signature_is_invalid");
	ok(pa_failure_class(PA_ERR_BAD_RESPONSE) == PA_CLASS_INVALID &&
	    pa_failure_class(PA_ERR_ROLES) == PA_CLASS_INVALID,
	    "test_token_errors_are_invalid");
	ok(pa_failure_class(PA_ERR_CONFIG) == PA_CLASS_LOCAL &&
	    pa_failure_class(PA_ERR_CACHE) == PA_CLASS_LOCAL,
	    "test_config_and_cache_errors_are_local");
	ok(pa_failure_class(PA_OK) == PA_CLASS_NONE, "test_ok_has_no_class");
	/* Only a real "unreachable" may ever open the offline path. */
	for (i = 0; i < pa_nstatuses; i++) {
		if (pa_statuses[i].status != PA_ERR_UNREACHABLE &&
		    pa_statuses[i].cls == PA_CLASS_UNREACHABLE)
			distinct = 0;
		if (strcmp(pa_strerror(pa_statuses[i].status),
		    pa_statuses[i].text) != 0 ||
		    strcmp(pa_statuses[i].text, "unknown error") == 0)
			texts = 0;
	}
	ok(distinct, "test_only_unreachable_maps_to_unreachable");
	ok(texts, "test_every_status_has_its_own_text");
	ok(strcmp(pa_strerror(-9999), "unknown error") == 0,
	    "test_unknown_status_has_text");
	ok(pa_failure_class(-9999) == PA_CLASS_LOCAL,
	    "test_unknown_status_is_local_never_unreachable");
	ok(pa_status_lookup(PA_ERR_BAD_PIN) != NULL &&
	    strcmp(pa_status_lookup(PA_ERR_BAD_PIN)->name,
	    "PA_ERR_BAD_PIN") == 0, "test_lookup_gives_the_row");
	return tap_done();
}
