/* SPDX-License-Identifier: MIT */
/*
 * Refresh tokens owed a revocation. A cashier who logs out while the
 * uplink is down still must not leave a live refresh token behind: the
 * token is queued in the user's cache record and sent at the next online
 * contact (RFC 7009).
 */
#ifndef POSAUTH_REVOKE_H
#define POSAUTH_REVOKE_H

struct pa_cache;
struct pa_conf;
struct pa_log;

/*
 * Revokes token now; when the service is unreachable, queues it in user's
 * record. The record's own refresh/access tokens are dropped when they
 * are this token's session. PA_OK when revoked or queued.
 */
int pa_revoke_or_queue(struct pa_cache *c, const struct pa_conf *conf,
    const struct pa_log *lg, const char *user, const char *token,
    long long now);

/*
 * Sends user's queued revocations; those the service still cannot take
 * stay queued. Returns the number still pending, or a negative status.
 */
int pa_revoke_flush(struct pa_cache *c, const struct pa_conf *conf,
    const struct pa_log *lg, const char *user, long long now);

#endif
