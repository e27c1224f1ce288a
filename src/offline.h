/*
 * Offline grace: what the device cache remembers after an online login,
 * and the decision to let someone in from it while the token service is
 * unreachable. Only ever reached after an "unreachable" online attempt:
 * a service that said no is never second-guessed here.
 */
#ifndef POSAUTH_OFFLINE_H
#define POSAUTH_OFFLINE_H

struct pa_cache;
struct pa_claims;
struct pa_conf;
struct pa_log;
struct pa_tokens;

/*
 * After a verified online login: stores the claims, a fresh verifier of
 * the PIN, the session tokens, resets the failure counter and raises the
 * clock mark. A refresh token it replaces is forgotten, not revoked: it
 * may belong to a session still open on this terminal.
 */
int pa_offline_remember(struct pa_cache *c, const struct pa_conf *conf,
    const char *user, const char *pin, const struct pa_claims *claims,
    const struct pa_tokens *tokens, long long now);

/*
 * After the service rejected the user: wipes the verifier, the claims
 * (roles, so no mapped groups either) and the tokens (queued for
 * revocation), so a fired employee cannot log in offline after the first
 * online "no". The uid mapping stays until nss_expire or a purge.
 */
int pa_offline_forget(struct pa_cache *c, const char *user);

/*
 * Decides an offline login. PA_OK with *claims from the cached record, or
 * PA_ERR_NOT_FOUND (no usable record or verifier), PA_ERR_OFFLINE_DENIED
 * (grace off or expired, role not allowed offline), PA_ERR_CLOCK (clock
 * rolled back), PA_ERR_LOCKED, PA_ERR_BAD_PIN, PA_ERR_CACHE*.
 */
int pa_offline_login(struct pa_cache *c, const struct pa_conf *conf,
    const char *user, const char *pin, long long now,
    struct pa_claims **claims);

/*
 * The grace in seconds for a set of roles: the shortest among the roles'
 * [offline_grace] overrides and offline_grace itself for roles without
 * one; 0 when offline logins are off or no role may log in offline.
 */
long pa_offline_grace_for(const struct pa_conf *conf, char *const *roles,
    size_t nroles);

#endif
