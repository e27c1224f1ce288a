/* SPDX-License-Identifier: MIT */
/*
 * One status space for the whole project (after OpenSSH's ssherr.h).
 * Every fallible function returns PA_OK or a negative PA_ERR_* value.
 *
 * Each status is one row of PA_STATUS_TABLE: its value, its text and its
 * failure class. The class decides between "the token service could not
 * be asked" (offline grace may apply) and everything else, so it is
 * written next to the status, never derived from its number: a status
 * added without a class does not compile.
 */
#ifndef POSAUTH_ERR_H
#define POSAUTH_ERR_H

enum pa_failure_class {
	PA_CLASS_NONE = 0,	/* PA_OK */
	PA_CLASS_LOCAL,		/* our own configuration or system */
	PA_CLASS_UNREACHABLE,	/* the token service could not be asked */
	PA_CLASS_REJECTED,	/* the service (or the offline cache) said no */
	PA_CLASS_INVALID,	/* the answer or the token is not acceptable */
};

/* X(name, value, text, class) */
#define PA_STATUS_TABLE(X) \
	X(PA_OK, 0, "success", NONE) \
	/* local problems */ \
	X(PA_ERR_INTERNAL, -1, "internal error", LOCAL) \
	X(PA_ERR_ALLOC, -2, "out of memory", LOCAL) \
	X(PA_ERR_ARG, -3, "invalid argument", LOCAL) \
	X(PA_ERR_TOO_LARGE, -4, "input too large", LOCAL) \
	X(PA_ERR_SYSTEM, -5, "system error", LOCAL) \
	X(PA_ERR_CONFIG, -6, "configuration error", LOCAL) \
	X(PA_ERR_SECRET_FILE, -7, "client secret file unusable", LOCAL) \
	X(PA_ERR_USERNAME, -8, "user name not acceptable", LOCAL) \
	X(PA_ERR_NO_PIN, -9, "no PIN given", LOCAL) \
	X(PA_ERR_ROLE_DENIED, -10, "roles not allowed here", LOCAL) \
	X(PA_ERR_UNSUPPORTED, -11, "not done on this terminal", LOCAL) \
	X(PA_ERR_UNSAFE_FILE, -12, \
	    "file or directory has an unsafe type, owner or mode", LOCAL) \
	X(PA_ERR_FORBIDDEN, -13, "not allowed for this caller", LOCAL) \
	X(PA_ERR_RATE, -14, "too many attempts, try again later", LOCAL) \
	X(PA_ERR_DEVICE_KEY, -19, "device signing key unusable", LOCAL) \
	/* the token service could not be asked */ \
	X(PA_ERR_UNREACHABLE, -20, "token service unreachable", UNREACHABLE) \
	/* the token service said no */ \
	X(PA_ERR_REJECTED, -30, "token service rejected the request", \
	    REJECTED) \
	/* the answer or the token is not acceptable */ \
	X(PA_ERR_BAD_RESPONSE, -40, \
	    "unacceptable response from token service", INVALID) \
	X(PA_ERR_JSON, -41, "malformed JSON", INVALID) \
	X(PA_ERR_BASE64, -42, "malformed base64url", INVALID) \
	X(PA_ERR_JWK, -43, "unusable JSON Web Key", INVALID) \
	X(PA_ERR_JWS_FORMAT, -44, "token is not a compact JWS", INVALID) \
	X(PA_ERR_JWS_HEADER, -45, "token header not acceptable", INVALID) \
	X(PA_ERR_ALG, -46, "token algorithm not allowed", INVALID) \
	X(PA_ERR_KID, -47, "token signed by an unknown key", INVALID) \
	X(PA_ERR_KEY_MISMATCH, -48, "token algorithm does not match the key", \
	    INVALID) \
	X(PA_ERR_CRIT, -49, "token has an unsupported critical header", \
	    INVALID) \
	X(PA_ERR_SIGNATURE, -50, "token signature invalid", INVALID) \
	X(PA_ERR_CLAIM_MISSING, -51, "required claim missing", INVALID) \
	X(PA_ERR_CLAIM_TYPE, -52, "claim has the wrong type", INVALID) \
	X(PA_ERR_ISSUER, -53, "token issuer mismatch", INVALID) \
	X(PA_ERR_AUDIENCE, -54, "token audience mismatch", INVALID) \
	X(PA_ERR_AZP, -55, "token authorized party mismatch", INVALID) \
	X(PA_ERR_EXPIRED, -56, "token expired", INVALID) \
	X(PA_ERR_NOT_YET_VALID, -57, "token not yet valid", INVALID) \
	X(PA_ERR_IAT, -58, "token issued in the future", INVALID) \
	X(PA_ERR_USER_MISMATCH, -59, "token is for another user", INVALID) \
	X(PA_ERR_TENANT, -60, "token tenant mismatch", INVALID) \
	X(PA_ERR_STORE, -61, "token store mismatch", INVALID) \
	X(PA_ERR_ROLES, -62, "token roles claim malformed", INVALID) \
	X(PA_ERR_UID_RANGE, -63, "token uid outside the allowed range", \
	    INVALID) \
	X(PA_ERR_ACR, -64, "token does not show the required second factor", \
	    INVALID) \
	X(PA_ERR_NOT_BOUND, -69, "token not bound to the device key", \
	    INVALID) \
	/* device cache and offline grace */ \
	X(PA_ERR_CACHE, -70, "device cache unusable", LOCAL) \
	X(PA_ERR_CACHE_CORRUPT, -71, "cache record corrupt or tampered", \
	    LOCAL) \
	X(PA_ERR_NOT_FOUND, -72, "not found", LOCAL) \
	X(PA_ERR_LOCKED, -73, "locked after too many failures", REJECTED) \
	X(PA_ERR_OFFLINE_DENIED, -74, "offline login not allowed", REJECTED) \
	X(PA_ERR_CLOCK, -75, "clock rolled back", REJECTED) \
	X(PA_ERR_BAD_PIN, -76, "wrong PIN", REJECTED) \
	/* the second factor (RFC 8628); PENDING is not a verdict but the */ \
	/* PIN step's answer: REJECTED, so a client not expecting it denies */ \
	X(PA_ERR_MFA_PENDING, -80, "second factor required", REJECTED) \
	X(PA_ERR_MFA_DENIED, -81, "second factor denied", REJECTED) \
	X(PA_ERR_MFA_EXPIRED, -82, "second factor not given in time", REJECTED)

enum pa_status {
#define PA_STATUS_ENUM(name, value, text, cls) name = value,
	PA_STATUS_TABLE(PA_STATUS_ENUM)
#undef PA_STATUS_ENUM
};

/* One row of the table, for code that walks every status (tests). */
struct pa_status_info {
	int status;
	const char *name;
	const char *text;
	enum pa_failure_class cls;
};

extern const struct pa_status_info pa_statuses[];
extern const unsigned pa_nstatuses;

/* The row of status, or NULL for a value that is not a status. */
const struct pa_status_info *pa_status_lookup(int status);

const char *pa_strerror(int status);
/* An unknown value is LOCAL: never a reason to try offline. */
enum pa_failure_class pa_failure_class(int status);
const char *pa_failure_class_name(enum pa_failure_class c);

#endif
