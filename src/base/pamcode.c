/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <security/pam_modules.h>

#include "err.h"
#include "pamcode.h"

/* What every phase shares; -1 when the phase decides. */
static int
common_code(int status)
{
	switch (status) {
	case PA_OK:
		return PAM_SUCCESS;
	case PA_ERR_ALLOC:
		return PAM_BUF_ERR;
	case PA_ERR_CONFIG:
	case PA_ERR_SECRET_FILE:
	case PA_ERR_ARG:
		return PAM_SERVICE_ERR;
	default:
		return -1;
	}
}

/*
 * auth, account and password share a shape: "not ours", then the phase's
 * own answer to an outage and to a refusal, and a system error for the
 * rest.
 */
struct phase_codes {
	int unreachable;	/* the token service could not be asked */
	int refused;		/* it said no, or its answer was not good */
};

static const struct phase_codes auth_codes = {
	PAM_AUTHINFO_UNAVAIL, PAM_AUTH_ERR,
};
static const struct phase_codes account_codes = {
	PAM_AUTHINFO_UNAVAIL, PAM_PERM_DENIED,
};
static const struct phase_codes password_codes = {
	PAM_AUTHTOK_RECOVERY_ERR, PAM_AUTHTOK_ERR,
};

static int
decision_code(const struct phase_codes *pc, int status)
{
	switch (status) {
	case PA_ERR_USERNAME:
	case PA_ERR_NOT_FOUND:
		return PAM_USER_UNKNOWN;
	case PA_ERR_UNREACHABLE:
		return pc->unreachable;
	case PA_ERR_ROLE_DENIED:
	case PA_ERR_FORBIDDEN:
		return PAM_PERM_DENIED;
	case PA_ERR_RATE:
		return PAM_MAXTRIES;
	case PA_ERR_NO_PIN:
	case PA_ERR_UNSUPPORTED:
		return pc->refused;
	}
	switch (pa_failure_class(status)) {
	case PA_CLASS_REJECTED:
	case PA_CLASS_INVALID:
		return pc->refused;
	default:
		return PAM_SYSTEM_ERR;
	}
}

int
pa_pam_code(enum pa_pam_phase phase, int status)
{
	int code;

	if ((code = common_code(status)) >= 0)
		return code;
	switch (phase) {
	case PA_PHASE_AUTH:
		return decision_code(&auth_codes, status);
	case PA_PHASE_ACCOUNT:
		return decision_code(&account_codes, status);
	case PA_PHASE_PASSWORD:
		return decision_code(&password_codes, status);
	case PA_PHASE_SETCRED:
		if (status == PA_ERR_NOT_FOUND)
			return PAM_IGNORE;
		return status == PA_ERR_USERNAME ? PAM_USER_UNKNOWN :
		    PAM_CRED_ERR;
	case PA_PHASE_SESSION:
		/* Not a session this module opened: none of its business. */
		return status == PA_ERR_NOT_FOUND ? PAM_IGNORE :
		    PAM_SESSION_ERR;
	}
	return PAM_SYSTEM_ERR;
}
