/* SPDX-License-Identifier: MIT */
/*
 * Token service calls made after the login: renewing the session's access
 * token with the refresh token (RFC 6749 §6) and revoking refresh tokens
 * at logout (RFC 7009). Each call reads the client secret, talks HTTPS
 * with the same rules as the login, and wipes what it held.
 */
#ifndef POSAUTH_SERVICE_H
#define POSAUTH_SERVICE_H

struct pa_cache;
struct pa_conf;
struct pa_log;
struct pa_tokens;

/*
 * Uses refresh_token for a new access token. PA_OK with *out set (the
 * service's rotated refresh token, if any, is in (*out)->refresh_token),
 * PA_ERR_REJECTED when the service refused (revoked, reused, expired),
 * PA_ERR_UNREACHABLE, or another status.
 */
int pa_service_refresh(const struct pa_conf *conf, const struct pa_log *lg,
    struct pa_cache *store, const char *refresh_token, long long now,
    struct pa_tokens **out);

/*
 * Revokes a refresh token. PA_OK when the service confirmed (RFC 7009
 * §2.2: also for tokens it did not know), PA_ERR_UNREACHABLE when it could
 * not be asked (the caller queues the token), PA_ERR_NOT_FOUND when the
 * service has no revocation endpoint.
 */
int pa_service_revoke(const struct pa_conf *conf, const struct pa_log *lg,
    struct pa_cache *store, const char *refresh_token, long long now);

#endif
