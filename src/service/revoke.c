/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "conf.h"
#include "err.h"
#include "log.h"
#include "revoke.h"
#include "secret.h"
#include "service.h"

static int
revoke_should_retry(int r)
{
	return r == PA_ERR_UNREACHABLE || r == PA_ERR_BAD_RESPONSE;
}

struct queue_arg {
	const char *token;
	int queue;
};

static int
queue_cb(struct pa_cache_record *rec, int exists, void *argp)
{
	struct queue_arg *a = argp;
	char *copy;

	if (!exists && !a->queue)
		return PA_ERR_NOT_FOUND;
	/* This session's tokens are dead either way: forget them. */
	if (rec->refresh_token != NULL &&
	    strcmp(rec->refresh_token, a->token) == 0) {
		pa_strfreezero(rec->refresh_token);
		rec->refresh_token = NULL;
		pa_strfreezero(rec->access_token);
		rec->access_token = NULL;
		rec->access_exp = 0;
	}
	if (!a->queue)
		return 0;
	if ((copy = strdup(a->token)) == NULL)
		return PA_ERR_ALLOC;
	return pa_cache_record_queue_revocation(rec, copy);
}

int
pa_revoke_or_queue(struct pa_cache *c, const struct pa_conf *conf,
    const struct pa_log *lg, const char *user, const char *token,
    long long now)
{
	struct queue_arg a;
	int r;

	r = pa_service_revoke(conf, lg, c, token, now);
	a.token = token;
	/*
	 * A service that could not be asked, or answered oddly, is asked
	 * again later; one that refused (4xx) will refuse again.
	 */
	a.queue = revoke_should_retry(r);
	if (c == NULL)
		return a.queue ? r : PA_OK;
	r = pa_cache_update(c, user, queue_cb, &a);
	if (r == PA_ERR_NOT_FOUND && !a.queue)
		r = PA_OK;
	return r;
}

struct take_arg {
	char **tokens;
	size_t n;
};

static int
take_cb(struct pa_cache_record *rec, int exists, void *argp)
{
	struct take_arg *a = argp;

	if (!exists || rec->npending == 0)
		return PA_ERR_NOT_FOUND;
	a->tokens = rec->pending_revocations;
	a->n = rec->npending;
	rec->pending_revocations = NULL;
	rec->npending = 0;
	return 0;
}

int
pa_revoke_flush(struct pa_cache *c, const struct pa_conf *conf,
    const struct pa_log *lg, const char *user, long long now)
{
	struct take_arg a = { NULL, 0 };
	struct queue_arg q;
	size_t i;
	int r, left = 0;

	/* Taken out under the lock, so two flushes never send twice. */
	if ((r = pa_cache_update(c, user, take_cb, &a)) != PA_OK)
		return r == PA_ERR_NOT_FOUND ? 0 : r;
	for (i = 0; i < a.n; i++) {
		r = pa_service_revoke(conf, lg, c, a.tokens[i], now);
		if (!revoke_should_retry(r))
			continue;
		q.token = a.tokens[i];
		q.queue = 1;
		if (pa_cache_update(c, user, queue_cb, &q) == PA_OK)
			left++;
	}
	for (i = 0; i < a.n; i++)
		pa_strfreezero(a.tokens[i]);
	free(a.tokens);
	return left;
}
