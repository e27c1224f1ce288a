/* SPDX-License-Identifier: MIT */
/*
 * The terminal's credentials at the token service, by client_auth
 * (RFC 6749 §2.3): the shared secret for client_secret_basic, or a
 * short-lived assertion signed with the device key for private_key_jwt
 * (RFC 7523 §2.2, OIDC Core §9). tls_client_auth (RFC 8705) is the TLS
 * layer's: http.c hands the certificate to libcurl.
 */
#ifndef POSAUTH_CLIENTAUTH_H
#define POSAUTH_CLIENTAUTH_H

#include <openssl/evp.h>

struct pa_conf;

/* An assertion lives this long (RFC 7523 §3: short; tokend allows 65). */
#define PA_ASSERTION_LIFETIME 60

/*
 * The client secret when client_auth needs one: PA_OK with *out the
 * secret (wiped and freed by the caller with pa_strfreezero), or with
 * *out NULL for the methods that use no secret.
 */
int pa_client_secret(const struct pa_conf *conf, char **out);

/*
 * A client assertion: iss = sub = client_id, aud = the token endpoint
 * (or the issuer before discovery), a 128-bit random jti, iat = now and
 * exp = now + PA_ASSERTION_LIFETIME; typ JWT, kid the key's thumbprint.
 */
int pa_client_assertion(EVP_PKEY *key, const char *client_id,
    const char *aud, long long now, char **out);

#endif
