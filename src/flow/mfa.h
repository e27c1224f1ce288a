/* SPDX-License-Identifier: MIT */
/*
 * The second factor (issue 13): after a right PIN, the token service runs
 * its own multi-factor check through the OAuth 2.0 Device Authorization
 * Grant (RFC 8628). The terminal shows a code, a URI and its QR code; the
 * person approves on their phone; the terminal polls the token endpoint
 * and verifies the token it gets exactly as a password grant's, for the
 * same user, plus mfa_acr. What needs it: a staff member holding one of
 * mfa_roles (as the PIN step's verified token says), or every login of a
 * PAM line with the `mfa` argument.
 */
#ifndef POSAUTH_MFA_H
#define POSAUTH_MFA_H

#include <stddef.h>

struct pa_claims;
struct pa_conf;
struct pa_log;
struct pa_login_result;

/* A started device grant, until it ends. */
struct pa_mfa {
	char *device_code;	/* a secret: wiped */
	long interval;		/* s between polls, grows with slow_down */
	long long expires_at;	/* wall clock, s */
	long expires_in;	/* s, as the service said (bounded) */
	char *message;		/* what the conversation shows */
};

/* 1 when this login needs the second factor: forced, or by its roles. */
int pa_mfa_needed(const struct pa_conf *conf, const struct pa_claims *claims,
    int forced);

/*
 * Starts the device grant for user and writes the message the person
 * sees: the URI, the user code and the QR code of the complete URI (of
 * the URI when the service gives no complete one). PA_OK with *out, or
 * the start's status (logged).
 */
int pa_mfa_start(const struct pa_conf *conf, const struct pa_log *lg,
    const char *user, long long now, struct pa_mfa **out);

/*
 * One poll: PA_OK with res filled (verified as login.h says);
 * PA_ERR_MFA_PENDING to poll again after m->interval (raised by 5 s on
 * slow_down, RFC 8628 §3.5); PA_ERR_MFA_DENIED (access_denied);
 * PA_ERR_MFA_EXPIRED (expired_token, or m->expires_at passed); or the
 * status of a failed poll (unreachable, a token that does not pass).
 */
int pa_mfa_poll(const struct pa_conf *conf, const struct pa_log *lg,
    const char *user, struct pa_mfa *m, long long now,
    struct pa_login_result *res);

void pa_mfa_free(struct pa_mfa *m);

#endif
