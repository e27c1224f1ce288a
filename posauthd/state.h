/* SPDX-License-Identifier: MIT */
/*
 * What posauthd remembers between requests: the logins an AUTH proved
 * (until the session opens), the sessions it opened (until they close),
 * and how often unprivileged callers have tried PINs. In memory, behind
 * one mutex; tokens and PINs are wiped when an entry goes.
 *
 * A login or session is named by a random 128-bit id that only the PAM
 * handle that asked holds; an id is also bound to its user and to the
 * uid of the caller that created it.
 */
#ifndef POSAUTH_PD_STATE_H
#define POSAUTH_PD_STATE_H

#include <sys/types.h>

#include "session.h"

struct pa_claims;
struct pa_mfa;
struct pa_tokens;

#define PD_ID_LEN		32	/* hex digits */
#define PD_LOGIN_TTL		900	/* s between AUTH and OPEN */
#define PD_MAX_LOGINS		4096
#define PD_MAX_SESSIONS		65536
#define PD_MAX_MFA		256	/* second factors waiting at once */
/* Unprivileged PIN attempts (lock screens): this many per window. */
#define PD_RATE_ATTEMPTS	5
#define PD_RATE_WINDOW		60

struct pd_state;

struct pd_login {
	char id[PD_ID_LEN + 1];
	char *user;
	uid_t by_uid;
	struct pa_claims *claims;
	struct pa_tokens *tokens;	/* NULL after an offline login */
	int offline;
	long long created;
};

struct pd_session {
	char id[PD_ID_LEN + 1];
	char *user;
	/* the login's, rotated by each refresh; NULL: offline, or ended */
	char *refresh_token;
	struct pa_session_file file;	/* the token file it wrote */
	long long opened;

	/* What the open recorded, for following the token service. */
	char *service;			/* the PAM service, for logs */
	char *logind_id;		/* what to lock; NULL: unknown */
	char **allow, **deny;		/* the role gate it passed */
	size_t nallow, ndeny;
	uid_t uid;			/* the token file's owner */
	gid_t gid;
	long long access_exp;		/* wall clock, s; 0: unknown */
	long long access_life;		/* s; 0: unknown */

	/* The schedule (follow.c): CLOCK_MONOTONIC ms. */
	long long due;
	unsigned attempts;		/* failed refreshes in a row */
	int busy;			/* a refresh is under way */
	int gate_failed;		/* shrunk roles already acted on */
};

/*
 * A login whose PIN was right and whose second factor is under way: what
 * MFA_WAIT needs to finish it. Bound to its user and caller uid like a
 * login; the PIN stays (wiped) for the offline verifier of the success.
 */
struct pd_mfa_pending {
	char id[PD_ID_LEN + 1];
	char *user;
	uid_t by_uid;
	char *pin;
	struct pa_mfa *mfa;
	long long created;
};

/* A due session's refresh, copied out of the state for the network. */
struct pd_follow_job {
	char id[PD_ID_LEN + 1];
	char *user;
	char *refresh_token;
	unsigned attempts;
};

int pd_state_new(struct pd_state **out);
void pd_state_free(struct pd_state *s);

/*
 * Keeps a login; claims and tokens move in (also on failure). *id gets
 * its handle. PA_ERR_TOO_LARGE when too many are waiting.
 */
int pd_login_add(struct pd_state *s, const char *user, uid_t by_uid,
    struct pa_claims **claims, struct pa_tokens **tokens, int offline,
    long long now, char id[PD_ID_LEN + 1]);

/*
 * Calls fn with the login of id when it exists, is not stale, belongs to
 * user and was made by by_uid (or by_uid is root); under the state lock,
 * so fn must not block. PA_ERR_NOT_FOUND otherwise.
 */
int pd_login_with(struct pd_state *s, const char *id, const char *user,
    uid_t by_uid, long long now,
    int (*fn)(const struct pd_login *l, void *arg), void *arg);

/* Forgets a login (its session opened, or it was refused). */
void pd_login_drop(struct pd_state *s, const char *id);

/*
 * Keeps a pending second factor; pin is copied, mfa moves in (also on
 * failure). PA_ERR_TOO_LARGE when PD_MAX_MFA are waiting.
 */
int pd_mfa_add(struct pd_state *s, const char *user, uid_t by_uid,
    const char *pin, struct pa_mfa **mfa, long long now,
    char id[PD_ID_LEN + 1]);

/*
 * Takes the pending second factor of id away (one wait per code) when it
 * belongs to user and was made by by_uid (or by_uid is root); NULL
 * otherwise, or when its code has expired.
 */
struct pd_mfa_pending *pd_mfa_take(struct pd_state *s, const char *id,
    const char *user, uid_t by_uid, long long now);
void pd_mfa_pending_free(struct pd_mfa_pending *p);

/* A new session of user, to fill in before pd_session_add(). */
int pd_session_new(const char *user, long long now, struct pd_session **out);

/* Keeps a session (it moves in, also on failure); *id gets its handle. */
int pd_session_add(struct pd_state *s, struct pd_session **ss,
    char id[PD_ID_LEN + 1]);

/* Takes the session of id away when it belongs to user; NULL if none. */
struct pd_session *pd_session_take(struct pd_state *s, const char *id,
    const char *user);
void pd_session_free(struct pd_session *ss);

/*
 * Picks a session due at mono (it has a refresh token, none is under
 * way), marks it busy and copies what its refresh needs into job.
 * PA_ERR_NOT_FOUND when none is due.
 */
int pd_follow_take(struct pd_state *s, long long mono,
    struct pd_follow_job *job);
void pd_follow_job_clear(struct pd_follow_job *job);

/* The earliest due time of a followed session; LLONG_MAX when none. */
long long pd_follow_next(struct pd_state *s);

/*
 * Ends the refresh of job: fn gets its session (no longer busy) under
 * the state lock, or NULL when it was closed meanwhile. fn must not
 * block on the network.
 */
void pd_follow_done(struct pd_state *s, const struct pd_follow_job *job,
    void (*fn)(struct pd_session *ss, void *arg), void *arg);

/*
 * 1 when an unprivileged caller with uid may try another PIN now (and
 * counts it), 0 when it tried PD_RATE_ATTEMPTS times in the last
 * PD_RATE_WINDOW seconds.
 */
int pd_rate_allow(struct pd_state *s, uid_t uid, long long now);

#endif
