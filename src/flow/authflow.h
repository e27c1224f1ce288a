/* SPDX-License-Identifier: MIT */
/*
 * What this terminal does for a staff member, whoever asks (the PAM
 * module, and later the login service): decide whether a name is staff
 * here, log them in (online, the device cache after it, offline grace
 * when the service is unreachable), find the roles of one who logged in
 * elsewhere, and end a session's hold on its tokens.
 */
#ifndef POSAUTH_AUTHFLOW_H
#define POSAUTH_AUTHFLOW_H

struct pa_cache;
struct pa_cache_lock;
struct pa_cache_record;
struct pa_claims;
struct pa_conf;
struct pa_log;
struct pa_session_file;
struct pa_tokens;

/*
 * Whether user is a name this terminal may treat as staff: PA_OK, or
 * PA_ERR_USERNAME (fails username_pattern), PA_ERR_NOT_FOUND (a name
 * another source owns, or a mapped group), PA_ERR_SYSTEM (a source of
 * names cannot answer: fail closed). Logs why; a local user is only a
 * debug line, every other collision a warning.
 */
int pa_auth_staff_name(const struct pa_conf *conf, const struct pa_log *lg,
    const char *user);

/* 1 when another source of users or groups owns user (no config needed). */
int pa_auth_local_name(const char *user);

struct pa_auth_result {
	struct pa_claims *claims;	/* on success */
	struct pa_tokens *tokens;	/* on an online success */
	int offline;			/* let in from the device cache */
	int online_tried;		/* the token service was asked */
	int online_status;		/* and what that gave */
	char online_detail[192];	/* transport error text, for logs */
};

/*
 * The token service was unreachable moments ago (posauthd remembers): a
 * staff member the device cache may let in offline is decided there at
 * once, without the network wait; anyone else is still tried online.
 */
#define PA_AUTH_OUTAGE	0x1u
/* The PAM line says `mfa`: every login through it needs the second factor. */
#define PA_AUTH_MFA	0x2u

/* What a login leaves to do after its verdict has been given. */
struct pa_auth_pending {
	struct pa_cache *cache;
	struct pa_cache_lock *held;	/* the user's record lock */
	char *user;
	char *pin;			/* for the verifier; wiped */
	int flush;			/* send queued revocations */
	char *revoke;			/* a refresh token to revoke; wiped */
	long long now;
};

/*
 * The login of a staff member whose name pa_auth_staff_name() accepted,
 * with their PIN: online first; the device cache follows the result (a
 * success is remembered, a refusal or a signed "no" takes the verifier,
 * and a signed "no" the roles too); only an unreachable service opens
 * offline grace, and a local failure there is reported as itself. The
 * device cache is opened once. Returns PA_OK with res filled, or the
 * status to map to PAM (pamcode.h). Free res with pa_auth_result_clear().
 *
 * When the PIN is right and the login needs the second factor (mfa.h),
 * nothing is remembered and PA_ERR_MFA_PENDING is returned: the caller
 * runs the device grant and ends with pa_auth_mfa_done(). Offline, such
 * a login is let in only within offline_mfa_grace of its last second
 * factor.
 *
 * With pend, the slow part of a success (the offline verifier, under the
 * user's record lock so a second login waits for it) and the queued
 * revocations are left in *pend for pa_auth_finish(), to run after the
 * verdict is out; without, the call does them before it returns.
 */
int pa_auth_login(const struct pa_conf *conf, const struct pa_log *lg,
    const char *user, const char *pin, long long now, unsigned flags,
    struct pa_auth_result *res, struct pa_auth_pending *pend);
void pa_auth_finish(const struct pa_conf *conf, const struct pa_log *lg,
    struct pa_auth_pending *pend);

/*
 * The end of a login whose second factor passed: lr's verified claims
 * and tokens move into res, and the device cache remembers them as an
 * online login's, with last_mfa = now; pin (of the PIN step) becomes the
 * offline verifier through pend, as for any online login.
 */
struct pa_login_result;
void pa_auth_mfa_done(const struct pa_conf *conf, const struct pa_log *lg,
    const char *user, const char *pin, struct pa_login_result *lr,
    long long now, struct pa_auth_result *res, struct pa_auth_pending *pend);
/*
 * The verifier part of pa_auth_finish() alone (a no-op when there is
 * none), for a caller that bounds how many KDFs run at once: it needs no
 * lock but the one it holds, while the rest of pa_auth_finish() takes
 * the user's record lock again, which a login waiting for a KDF slot may
 * hold.
 */
void pa_auth_finish_verifier(const struct pa_conf *conf,
    const struct pa_log *lg, struct pa_auth_pending *pend);
void pa_auth_result_clear(struct pa_auth_result *res);

/*
 * The record of a staff member the device cache knows (logged in online
 * within nss_expire), for the account gate of one who authenticated
 * elsewhere: PA_OK with *out, PA_ERR_NOT_FOUND, or a local status.
 */
int pa_auth_known_staff(const struct pa_conf *conf, const char *user,
    long long now, struct pa_cache_record **out);

/*
 * A record changed: the NSS index follows (staff appear or vanish, their
 * groups change). Logs a failure; the record change stands.
 */
void pa_auth_index_follows(const struct pa_conf *conf,
    const struct pa_log *lg, struct pa_cache *cache, long long now);

/*
 * Ends what one session started: revokes its refresh token (queued in the
 * cache when the service is unreachable) and removes the session token
 * file while it is still the one the session wrote. Either may be NULL.
 */
void pa_auth_session_end(const struct pa_conf *conf, const struct pa_log *lg,
    const char *user, const char *refresh_token,
    const struct pa_session_file *file, long long now);

#endif
