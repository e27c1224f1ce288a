/* SPDX-License-Identifier: MIT */
/*
 * Offline grace: what the device cache remembers after an online login,
 * and the decision to let someone in from it while the token service is
 * unreachable. Only ever reached after an "unreachable" online attempt:
 * a service that said no is never second-guessed here.
 */
#ifndef POSAUTH_OFFLINE_H
#define POSAUTH_OFFLINE_H

struct pa_cache;
struct pa_cache_lock;
struct pa_cache_record;
struct pa_claims;
struct pa_conf;
struct pa_log;
struct pa_tokens;

/*
 * After a verified online login, in two steps so the cashier need not wait
 * for the slow KDF: begin stores the claims and the session tokens, resets
 * the failure counter, drops the verifier of the previous login (it may
 * be of an older PIN) and raises the clock mark; with offline grace on it
 * returns with the user's record lock held in *held, and
 * pa_offline_remember_pin() then adds the verifier of pin and releases
 * the lock, so a second login of the same user waits for it. A crash in
 * between loses only the new verifier. A refresh token the login replaces
 * is forgotten, not revoked: it may belong to a session still open here.
 */
/* With PA_REMEMBER_MFA the login passed the second factor: last_mfa = now. */
#define PA_REMEMBER_MFA	0x1u
int pa_offline_remember_begin(struct pa_cache *c, const struct pa_conf *conf,
    const char *user, const struct pa_claims *claims,
    const struct pa_tokens *tokens, long long now, unsigned flags,
    struct pa_cache_lock **held);
int pa_offline_remember_pin(struct pa_cache *c, const struct pa_conf *conf,
    struct pa_cache_lock *held, const char *user, const char *pin);

/* Both steps at once. */
int pa_offline_remember(struct pa_cache *c, const struct pa_conf *conf,
    const char *user, const char *pin, const struct pa_claims *claims,
    const struct pa_tokens *tokens, long long now);

/*
 * After a verified refresh of a running session: the record's roles,
 * tenant, store, name, uid and access token follow the new token, and
 * its refresh token is rotated when it was old_refresh (the session of
 * the latest login). The verifier, the failure count and last_online
 * stay: a refresh proves the grant, not the PIN, so it neither starts
 * nor extends offline grace. A missing record stays missing.
 */
int pa_offline_refreshed(struct pa_cache *c, const char *user,
    const char *old_refresh, const struct pa_claims *claims,
    const struct pa_tokens *tokens, long long now);

/* What pa_offline_forget() removes. */
enum pa_forget {
	/*
	 * The token service refused the PIN (invalid_grant): anyone can
	 * cause that by typing someone's id, so only the verifier goes (a
	 * changed or disabled PIN never works offline); roles, tokens and
	 * running sessions are the service's to end at their next refresh.
	 */
	PA_FORGET_VERIFIER,
	/*
	 * A validly signed token failed our policy (store, tenant, user,
	 * uid, roles): the service vouched for the person and this terminal
	 * is not theirs. The verifier and the cached roles, tenant and store
	 * go; tokens and the uid stay.
	 */
	PA_FORGET_CLAIMS,
};

int pa_offline_forget(struct pa_cache *c, const char *user,
    enum pa_forget how);

/*
 * Decides an offline login. PA_OK with *claims from the cached record, or
 * PA_ERR_NOT_FOUND (no usable record or verifier), PA_ERR_OFFLINE_DENIED
 * (grace off or expired, role not allowed offline, the cached tenant or
 * store not this terminal's), PA_ERR_CLOCK (clock rolled back),
 * PA_ERR_LOCKED, PA_ERR_BAD_PIN. Under the user's lock the attempt is
 * counted and written before the PIN is checked; when that write fails
 * the PIN is not checked and the local status is returned (PA_ERR_SYSTEM,
 * PA_ERR_CACHE, PA_ERR_ALLOC, ...), the same for a right and a wrong PIN.
 */
int pa_offline_login(struct pa_cache *c, const struct pa_conf *conf,
    const char *user, const char *pin, long long now,
    struct pa_claims **claims);

/*
 * Whether rec may be let in offline at all, before any PIN is looked at:
 * the one decision the login and posauthctl share. PA_OK, or what the
 * attempt would get: PA_ERR_NOT_FOUND (no verifier, never online),
 * PA_ERR_CLOCK (a record from the future is as suspect as a turned-back
 * clock), PA_ERR_OFFLINE_DENIED (grace off or over, role not allowed
 * offline, the cached tenant or store not this terminal's),
 * PA_ERR_LOCKED. The clock mark itself is pa_cache_clock_check()'s.
 */
int pa_offline_eligible(const struct pa_conf *conf,
    const struct pa_cache_record *rec, long long now);

/*
 * The second factor's rule for offline logins: a record whose cached
 * roles meet mfa_roles, or any record when forced (the PAM line says
 * `mfa`), is let in offline only within offline_mfa_grace of its last
 * login with the second factor (a PIN cannot stand in for the phone).
 * PA_OK, or PA_ERR_OFFLINE_DENIED.
 */
int pa_offline_mfa_ok(const struct pa_conf *conf,
    const struct pa_cache_record *rec, int forced, long long now);

/* 1 when roles meet mfa_roles. */
int pa_offline_roles_need_mfa(const struct pa_conf *conf, char *const *roles,
    size_t nroles);

/*
 * Seconds of offline login left for rec at now: its grace minus the time
 * since the last online login; 0 without a verifier or a grace.
 */
long long pa_offline_left(const struct pa_conf *conf,
    const struct pa_cache_record *rec, long long now);

/*
 * The grace in seconds for a set of roles: the shortest among the roles'
 * [offline_grace] overrides and offline_grace itself for roles without
 * one; 0 when offline logins are off or no role may log in offline.
 */
long pa_offline_grace_for(const struct pa_conf *conf, char *const *roles,
    size_t nroles);

#endif
