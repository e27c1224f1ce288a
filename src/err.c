/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "err.h"

const char *
pa_strerror(int status)
{
	switch (status) {
	case PA_OK: return "success";
	case PA_ERR_INTERNAL: return "internal error";
	case PA_ERR_ALLOC: return "out of memory";
	case PA_ERR_ARG: return "invalid argument";
	case PA_ERR_TOO_LARGE: return "input too large";
	case PA_ERR_SYSTEM: return "system error";
	case PA_ERR_CONFIG: return "configuration error";
	case PA_ERR_SECRET_FILE: return "client secret file unusable";
	case PA_ERR_USERNAME: return "user name not acceptable";
	case PA_ERR_NO_PIN: return "no PIN given";
	case PA_ERR_ROLE_DENIED: return "roles not allowed here";
	case PA_ERR_UNREACHABLE: return "token service unreachable";
	case PA_ERR_REJECTED: return "token service rejected the request";
	case PA_ERR_BAD_RESPONSE: return "unacceptable response from token service";
	case PA_ERR_JSON: return "malformed JSON";
	case PA_ERR_BASE64: return "malformed base64url";
	case PA_ERR_JWK: return "unusable JSON Web Key";
	case PA_ERR_JWS_FORMAT: return "token is not a compact JWS";
	case PA_ERR_JWS_HEADER: return "token header not acceptable";
	case PA_ERR_ALG: return "token algorithm not allowed";
	case PA_ERR_KID: return "token signed by an unknown key";
	case PA_ERR_KEY_MISMATCH: return "token algorithm does not match the key";
	case PA_ERR_CRIT: return "token has an unsupported critical header";
	case PA_ERR_SIGNATURE: return "token signature invalid";
	case PA_ERR_CLAIM_MISSING: return "required claim missing";
	case PA_ERR_CLAIM_TYPE: return "claim has the wrong type";
	case PA_ERR_ISSUER: return "token issuer mismatch";
	case PA_ERR_AUDIENCE: return "token audience mismatch";
	case PA_ERR_AZP: return "token authorized party mismatch";
	case PA_ERR_EXPIRED: return "token expired";
	case PA_ERR_NOT_YET_VALID: return "token not yet valid";
	case PA_ERR_IAT: return "token issued in the future";
	case PA_ERR_USER_MISMATCH: return "token is for another user";
	case PA_ERR_TENANT: return "token tenant mismatch";
	case PA_ERR_STORE: return "token store mismatch";
	case PA_ERR_ROLES: return "token roles claim malformed";
	case PA_ERR_UID_RANGE: return "token uid outside the allowed range";
	case PA_ERR_CACHE: return "device cache unusable";
	case PA_ERR_CACHE_CORRUPT: return "cache record corrupt or tampered";
	case PA_ERR_NOT_FOUND: return "not found";
	case PA_ERR_LOCKED: return "locked after too many failures";
	case PA_ERR_OFFLINE_DENIED: return "offline login not allowed";
	case PA_ERR_CLOCK: return "clock rolled back";
	case PA_ERR_BAD_PIN: return "wrong PIN";
	}
	return "unknown error";
}

enum pa_failure_class
pa_failure_class(int status)
{
	if (status == PA_OK)
		return PA_CLASS_NONE;
	if (status == PA_ERR_UNREACHABLE)
		return PA_CLASS_UNREACHABLE;
	if (status == PA_ERR_REJECTED || status == PA_ERR_BAD_PIN ||
	    status == PA_ERR_LOCKED || status == PA_ERR_OFFLINE_DENIED ||
	    status == PA_ERR_CLOCK)
		return PA_CLASS_REJECTED;
	if (status <= PA_ERR_BAD_RESPONSE && status >= PA_ERR_UID_RANGE)
		return PA_CLASS_INVALID;
	return PA_CLASS_LOCAL;
}

const char *
pa_failure_class_name(enum pa_failure_class c)
{
	switch (c) {
	case PA_CLASS_NONE: return "ok";
	case PA_CLASS_LOCAL: return "local";
	case PA_CLASS_UNREACHABLE: return "unreachable";
	case PA_CLASS_REJECTED: return "rejected";
	case PA_CLASS_INVALID: return "invalid";
	}
	return "unknown";
}
