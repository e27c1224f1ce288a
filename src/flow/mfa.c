/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cache.h"
#include "claims.h"
#include "conf.h"
#include "err.h"
#include "log.h"
#include "login.h"
#include "mfa.h"
#include "offline.h"
#include "oidc.h"
#include "qrtext.h"
#include "secret.h"

/* RFC 8628 §3.5: every slow_down adds 5 s for the rest of the grant. */
#define MFA_SLOW_DOWN_STEP	5
/* The QR code and a few lines of text. */
#define MFA_MESSAGE_MAX		(64 * 1024)

int
pa_mfa_needed(const struct pa_conf *conf, const struct pa_claims *claims,
    int forced)
{
	return forced || pa_offline_roles_need_mfa(conf, claims->roles,
	    claims->nroles);
}

void
pa_mfa_free(struct pa_mfa *m)
{
	if (m == NULL)
		return;
	pa_strfreezero(m->device_code);
	free(m->message);
	free(m);
}

/*
 * What the conversation prints. The user code stands on its own line so
 * that it can be typed where the QR code cannot be scanned.
 */
static int
mfa_message(const struct pa_device_auth *d, struct pa_buf *b)
{
	const char *qr_uri = d->verification_uri_complete != NULL ?
	    d->verification_uri_complete : d->verification_uri;
	int r;

	if ((r = pa_buf_printf(b, "Second factor required. On your phone, "
	    "open\n  %s\nand enter the code\n  %s\nor scan this QR code:\n",
	    d->verification_uri, d->user_code)) != PA_OK ||
	    (r = pa_qr_text(qr_uri, b)) != PA_OK)
		return r;
	if (d->expires_in % 60 == 0)
		return pa_buf_printf(b, "Waiting for your approval (the code "
		    "expires in %ld min)...", d->expires_in / 60);
	return pa_buf_printf(b, "Waiting for your approval (the code expires "
	    "in %ld s)...", d->expires_in);
}

int
pa_mfa_start(const struct pa_conf *conf, const struct pa_log *lg,
    const char *user, long long now, struct pa_mfa **out)
{
	struct pa_login_result lr;
	struct pa_device_auth *d = NULL;
	struct pa_mfa *m = NULL;
	struct pa_buf b;
	struct pa_cache *store = NULL;
	char q[PA_QUOTE_MAX];
	int r;

	*out = NULL;
	pa_buf_init(&b, MFA_MESSAGE_MAX);
	/* Discovery from the device cache, as the PIN step had it. */
	if (pa_cache_open(conf->cache_dir, 0, &store) != PA_OK)
		store = NULL;
	if ((r = pa_login_device_authorize(conf, lg, store, user, now, &d,
	    &lr)) != PA_OK)
		goto out;
	r = PA_ERR_ALLOC;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		goto out;
	if ((r = mfa_message(d, &b)) != PA_OK)
		goto out;
	r = PA_ERR_ALLOC;
	if ((m->message = pa_buf_steal(&b, NULL)) == NULL)
		goto out;
	m->device_code = d->device_code;
	d->device_code = NULL;
	m->interval = d->interval;
	m->expires_in = d->expires_in;
	m->expires_at = now + d->expires_in;
	pa_log(lg, LOG_INFO, "user \"%s\": second factor started, expires in "
	    "%ld s", pa_log_quote(user, q, sizeof(q)), d->expires_in);
	*out = m;
	m = NULL;
	r = PA_OK;
 out:
	pa_login_result_clear(&lr);
	pa_device_auth_free(d);
	pa_mfa_free(m);
	pa_buf_clear(&b);
	pa_cache_close(store);
	return r;
}

int
pa_mfa_poll(const struct pa_conf *conf, const struct pa_log *lg,
    const char *user, struct pa_mfa *m, long long now,
    struct pa_login_result *res)
{
	struct pa_cache *store = NULL;
	int r;

	memset(res, 0, sizeof(*res));
	if (now >= m->expires_at)
		return PA_ERR_MFA_EXPIRED;
	if (pa_cache_open(conf->cache_dir, 0, &store) != PA_OK)
		store = NULL;
	r = pa_login_device_redeem(conf, lg, store, user, m->device_code, now,
	    res);
	pa_cache_close(store);
	if (r != PA_ERR_REJECTED)
		return r;
	if (strcmp(res->detail, "authorization_pending") == 0)
		return PA_ERR_MFA_PENDING;
	if (strcmp(res->detail, "slow_down") == 0) {
		if (m->interval < PA_DEVICE_MAX_INTERVAL)
			m->interval += MFA_SLOW_DOWN_STEP;
		return PA_ERR_MFA_PENDING;
	}
	if (strcmp(res->detail, "access_denied") == 0)
		return PA_ERR_MFA_DENIED;
	if (strcmp(res->detail, "expired_token") == 0)
		return PA_ERR_MFA_EXPIRED;
	return r;
}
