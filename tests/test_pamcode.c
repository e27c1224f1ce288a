/* SPDX-License-Identifier: MIT */
/*
 * Every status in every PAM phase (after pam_faillock's
 * tst-pam_faillock-retval.c): the properties a stack relies on hold for
 * all of them, and a few codes are pinned exactly.
 */
#include "config.h"

#include <stdio.h>

#include <security/pam_modules.h>

#include "err.h"
#include "pamcode.h"
#include "tap.h"

static const char *const phase_names[PA_PHASE_COUNT] = {
	"auth", "setcred", "account", "session", "password",
};

/* Only PA_OK is success, in every phase. */
static int
only_ok_succeeds(void)
{
	unsigned i;
	int p, good = 1;

	for (p = 0; p < PA_PHASE_COUNT; p++)
		for (i = 0; i < pa_nstatuses; i++)
			if ((pa_pam_code(p, pa_statuses[i].status) ==
			    PAM_SUCCESS) != (pa_statuses[i].status == PA_OK)) {
				printf("# %s %s\n", phase_names[p],
				    pa_statuses[i].name);
				good = 0;
			}
	return good;
}

/* AUTHINFO_UNAVAIL may let a stack fall through: only "unreachable". */
static int
only_unreachable_is_unavailable(void)
{
	unsigned i;
	int p, good = 1;

	for (p = 0; p < PA_PHASE_COUNT; p++)
		for (i = 0; i < pa_nstatuses; i++)
			if (pa_pam_code(p, pa_statuses[i].status) ==
			    PAM_AUTHINFO_UNAVAIL && pa_statuses[i].cls !=
			    PA_CLASS_UNREACHABLE) {
				printf("# %s %s\n", phase_names[p],
				    pa_statuses[i].name);
				good = 0;
			}
	return good;
}

/* A "no" from the service is never "not my user" (which stacks skip). */
static int
refusals_never_unknown(void)
{
	unsigned i;
	int p, good = 1, c;

	for (p = 0; p < PA_PHASE_COUNT; p++)
		for (i = 0; i < pa_nstatuses; i++) {
			if (pa_statuses[i].cls != PA_CLASS_REJECTED &&
			    pa_statuses[i].cls != PA_CLASS_INVALID)
				continue;
			c = pa_pam_code(p, pa_statuses[i].status);
			if (c == PAM_USER_UNKNOWN || c == PAM_IGNORE ||
			    c == PAM_SUCCESS) {
				printf("# %s %s\n", phase_names[p],
				    pa_statuses[i].name);
				good = 0;
			}
		}
	return good;
}

/* Local failures: never success, unavailable, unknown or ignore. */
static int
local_failures_fail_closed(void)
{
	unsigned i;
	int p, good = 1, c;

	for (p = 0; p < PA_PHASE_COUNT; p++)
		for (i = 0; i < pa_nstatuses; i++) {
			int s = pa_statuses[i].status;

			if (pa_statuses[i].cls != PA_CLASS_LOCAL ||
			    s == PA_ERR_NOT_FOUND || s == PA_ERR_USERNAME)
				continue;
			c = pa_pam_code(p, s);
			if (c == PAM_SUCCESS || c == PAM_AUTHINFO_UNAVAIL ||
			    c == PAM_USER_UNKNOWN || c == PAM_IGNORE) {
				printf("# %s %s\n", phase_names[p],
				    pa_statuses[i].name);
				good = 0;
			}
		}
	return good;
}

static int
session_codes_are_session_codes(void)
{
	unsigned i;
	int good = 1, c;

	for (i = 0; i < pa_nstatuses; i++) {
		c = pa_pam_code(PA_PHASE_SESSION, pa_statuses[i].status);
		if (c != PAM_SUCCESS && c != PAM_IGNORE &&
		    c != PAM_SESSION_ERR && c != PAM_BUF_ERR &&
		    c != PAM_SERVICE_ERR) {
			printf("# %s\n", pa_statuses[i].name);
			good = 0;
		}
	}
	return good;
}

static int
table_is_sound(void)
{
	unsigned i, j;

	for (i = 0; i < pa_nstatuses; i++) {
		if (pa_statuses[i].text == NULL || pa_statuses[i].name == NULL)
			return 0;
		if ((pa_statuses[i].status == PA_OK) !=
		    (pa_statuses[i].cls == PA_CLASS_NONE))
			return 0;
		for (j = i + 1; j < pa_nstatuses; j++)
			if (pa_statuses[i].status == pa_statuses[j].status)
				return 0;
	}
	return pa_nstatuses > 40;
}

int
main(void)
{
	ok(table_is_sound(), "test_every_status_has_one_row_text_and_class");
	ok(only_ok_succeeds(), "test_only_ok_is_success_in_every_phase");
	ok(only_unreachable_is_unavailable(),
	    "test_only_unreachable_is_authinfo_unavail");
	ok(refusals_never_unknown(),
	    "test_refusals_never_look_like_someone_elses_user");
	ok(local_failures_fail_closed(),
	    "test_local_failures_fail_closed_in_every_phase");
	ok(session_codes_are_session_codes(),
	    "test_session_phase_returns_only_session_codes");
	is_int(pa_pam_code(PA_PHASE_AUTH, PA_ERR_BAD_PIN), PAM_AUTH_ERR,
	    "test_auth_bad_pin_is_auth_err");
	is_int(pa_pam_code(PA_PHASE_AUTH, PA_ERR_REJECTED), PAM_AUTH_ERR,
	    "test_auth_rejection_is_auth_err");
	is_int(pa_pam_code(PA_PHASE_AUTH, PA_ERR_SIGNATURE), PAM_AUTH_ERR,
	    "test_auth_bad_token_is_auth_err");
	is_int(pa_pam_code(PA_PHASE_AUTH, PA_ERR_UNREACHABLE),
	    PAM_AUTHINFO_UNAVAIL, "test_auth_unreachable_is_unavailable");
	is_int(pa_pam_code(PA_PHASE_AUTH, PA_ERR_NOT_FOUND), PAM_USER_UNKNOWN,
	    "test_auth_not_ours_is_user_unknown");
	is_int(pa_pam_code(PA_PHASE_ACCOUNT, PA_ERR_NOT_FOUND),
	    PAM_USER_UNKNOWN, "test_account_not_ours_is_user_unknown");
	is_int(pa_pam_code(PA_PHASE_SESSION, PA_ERR_NOT_FOUND), PAM_IGNORE,
	    "test_session_not_ours_is_ignore");
	is_int(pa_pam_code(PA_PHASE_SETCRED, PA_ERR_NOT_FOUND), PAM_IGNORE,
	    "test_setcred_not_ours_is_ignore");
	is_int(pa_pam_code(PA_PHASE_ACCOUNT, PA_ERR_ROLE_DENIED),
	    PAM_PERM_DENIED, "test_role_gate_is_perm_denied");
	is_int(pa_pam_code(PA_PHASE_PASSWORD, PA_ERR_UNSUPPORTED),
	    PAM_AUTHTOK_ERR, "test_pin_change_here_is_authtok_err");
	is_int(pa_pam_code(PA_PHASE_AUTH, PA_ERR_CONFIG), PAM_SERVICE_ERR,
	    "test_config_error_is_service_err");
	is_int(pa_pam_code(PA_PHASE_SESSION, PA_ERR_CONFIG), PAM_SERVICE_ERR,
	    "test_session_config_error_is_service_err");
	is_int(pa_pam_code(PA_PHASE_AUTH, PA_ERR_SYSTEM), PAM_SYSTEM_ERR,
	    "test_system_error_is_system_err");
	is_int(pa_pam_code(PA_PHASE_AUTH, PA_ERR_CACHE), PAM_SYSTEM_ERR,
	    "test_unsafe_cache_is_system_err");
	is_int(pa_pam_code(PA_PHASE_AUTH, -12345), PAM_SYSTEM_ERR,
	    "test_unknown_status_is_system_err");
	is_int(pa_pam_code(PA_PHASE_AUTH, PA_ERR_ALLOC), PAM_BUF_ERR,
	    "test_memory_is_buf_err");
	is_int(pa_pam_code(PA_PHASE_SESSION, PA_ERR_SYSTEM), PAM_SESSION_ERR,
	    "test_session_failure_is_session_err");
	return tap_done();
}
