/* SPDX-License-Identifier: MIT */
/*
 * One status space for the whole project (after OpenSSH's ssherr.h).
 * Every fallible function returns PA_OK or a negative PA_ERR_* value;
 * pa_strerror() turns it into text and pa_failure_class() says which of
 * the three login failure classes it belongs to, which is what decides
 * between "service unreachable" (offline grace may apply) and "service or
 * token said no" (never an offline login).
 */
#ifndef POSAUTH_ERR_H
#define POSAUTH_ERR_H

enum pa_status {
	PA_OK = 0,

	/* local problems */
	PA_ERR_INTERNAL = -1,
	PA_ERR_ALLOC = -2,
	PA_ERR_ARG = -3,
	PA_ERR_TOO_LARGE = -4,
	PA_ERR_SYSTEM = -5,		/* a system call failed; errno logged */
	PA_ERR_CONFIG = -6,
	PA_ERR_SECRET_FILE = -7,	/* client secret missing, unsafe owner/mode */
	PA_ERR_USERNAME = -8,		/* user name fails username_pattern */
	PA_ERR_NO_PIN = -9,		/* conversation gave no PIN */
	PA_ERR_ROLE_DENIED = -10,	/* roles fail allow_roles/deny_roles */

	/* the token service could not be asked */
	PA_ERR_UNREACHABLE = -20,	/* DNS, connect, TLS, timeout, 5xx */

	/* the token service said no */
	PA_ERR_REJECTED = -30,		/* invalid_grant and other 4xx */

	/* the answer or the token is not acceptable */
	PA_ERR_BAD_RESPONSE = -40,	/* wrong content, missing field, oversize */
	PA_ERR_JSON = -41,
	PA_ERR_BASE64 = -42,
	PA_ERR_JWK = -43,		/* unusable key in the JWKS */
	PA_ERR_JWS_FORMAT = -44,	/* not a compact JWS */
	PA_ERR_JWS_HEADER = -45,	/* forbidden or malformed header */
	PA_ERR_ALG = -46,		/* alg not allowed */
	PA_ERR_KID = -47,		/* no key with that kid */
	PA_ERR_KEY_MISMATCH = -48,	/* alg does not fit the key */
	PA_ERR_CRIT = -49,		/* crit names an extension we do not know */
	PA_ERR_SIGNATURE = -50,
	PA_ERR_CLAIM_MISSING = -51,
	PA_ERR_CLAIM_TYPE = -52,
	PA_ERR_ISSUER = -53,
	PA_ERR_AUDIENCE = -54,
	PA_ERR_AZP = -55,
	PA_ERR_EXPIRED = -56,
	PA_ERR_NOT_YET_VALID = -57,
	PA_ERR_IAT = -58,
	PA_ERR_USER_MISMATCH = -59,
	PA_ERR_TENANT = -60,
	PA_ERR_STORE = -61,
	PA_ERR_ROLES = -62,
	PA_ERR_UID_RANGE = -63,		/* uid claim outside uid_min..uid_max */

	/* device cache and offline grace (later issues) */
	PA_ERR_CACHE = -70,		/* unsafe or unusable cache */
	PA_ERR_CACHE_CORRUPT = -71,	/* record fails HMAC or parse */
	PA_ERR_NOT_FOUND = -72,
	PA_ERR_LOCKED = -73,
	PA_ERR_OFFLINE_DENIED = -74,
	PA_ERR_CLOCK = -75,		/* clock rolled back */
	PA_ERR_BAD_PIN = -76,
};

enum pa_failure_class {
	PA_CLASS_NONE = 0,	/* PA_OK */
	PA_CLASS_LOCAL,		/* our own configuration or system */
	PA_CLASS_UNREACHABLE,
	PA_CLASS_REJECTED,
	PA_CLASS_INVALID,
};

const char *pa_strerror(int status);
enum pa_failure_class pa_failure_class(int status);
const char *pa_failure_class_name(enum pa_failure_class c);

#endif
