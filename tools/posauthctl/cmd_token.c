/* SPDX-License-Identifier: MIT */
/*
 * posauthctl token: a fresh access token for a posauth session, handed
 * out by posauthd.
 *
 * Renewing needs the client secret and the session's refresh token, both
 * root's, so only a root caller renews (users get a sudo rule); any other
 * caller gets only its own session token file, found by its uid (the
 * peer's, which posauthd knows from the socket). Renewal runs under the
 * user's record lock: two renewals racing with one refresh token would
 * look like a stolen token to a service that rotates refresh tokens
 * (OAuth 2.0 Security BCP, refresh token reuse detection) and it would
 * revoke the whole grant. The lock is held for at most the configured
 * timeout.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cache.h"
#include "conf.h"
#include "ctl.h"
#include "err.h"
#include "jws.h"
#include "log.h"
#include "nssindex.h"
#include "oidc.h"
#include "secret.h"
#include "service.h"
#include "session.h"
#include "user.h"


static int token_run(struct ctl *, int, char **);

const struct ctl_command ctl_cmd_token = {
	"token", "print a session's access token (root: renew it)",
	"token [--json] [USER]",
	"Prints a fresh access token of a posauth session on stdout.\n"
	"\n"
	"As root (also through sudo, where USER defaults to $SUDO_USER): USER\n"
	"must have a cached record. When its access token expires within 60 s\n"
	"or is absent, it is renewed with the cached refresh token (RFC 6749\n"
	"section 6); the new access token and the rotated refresh token replace\n"
	"the old ones in one atomic update of the record, and the session token\n"
	"file RUNTIME_DIR/USER/token is rewritten for the user. Renewal needs\n"
	"the client secret and the refresh token, which are root's: let staff\n"
	"renew their own token through sudo, with a rule that allows no\n"
	"arguments (the \"\" in sudoers), so nobody can name another user or\n"
	"another config file:\n"
	"    %posstaff ALL=(root) NOPASSWD: /usr/sbin/posauthctl token \"\"\n"
	"When the service refuses the refresh token (expired, revoked, or\n"
	"reused, which revokes the whole grant), the record's tokens are\n"
	"cleared, the command exits 1 and the user must log in again. An\n"
	"unreachable service leaves the record as it was (exit 5).\n"
	"\n"
	"As any other user: prints the token of the caller's own session token\n"
	"file (posauthd knows the caller's uid; another USER is refused, exit\n"
	"7). Without root it cannot be renewed: when it expires within 60 s\n"
	"it is printed and the command exits 7; an expired token is not\n"
	"printed (exit 7).\n"
	"Exits 6 when there is no record (root), no session token file, or\n"
	"the caller is no staff member.\n",
	CTL_OPT_JSON, CTL_NEED_CONFIG | CTL_NEED_USER | CTL_NEED_SERVICE, 0, 1,
	"expected at most one USER", token_run,
};

/* The outcome of one renewal attempt under the record lock. */
struct renew {
	const struct ctl *ctl;
	struct pa_cache *cache;	/* also where discovery is kept */
	int status;		/* of the refresh; PA_OK when none was needed */
	int renewed;		/* the service issued new tokens */
	int cleared;		/* the service refused: tokens dropped */
	int no_refresh;		/* nothing to renew with */
	char *access;		/* out: the token to print */
	long long exp;
};

static int
token_fresh(const struct pa_cache_record *rec, long long now)
{
	return rec->access_token != NULL &&
	    rec->access_exp - now >= CTL_TOKEN_MIN_LIFETIME;
}

static int
renew_take(struct renew *a, const char *token, long long exp)
{
	pa_strfreezero(a->access);
	if ((a->access = strdup(token)) == NULL)
		return PA_ERR_ALLOC;
	a->exp = exp;
	return PA_OK;
}

/* New tokens into rec; the rotated refresh token replaces the old one. */
static int
renew_store(struct pa_cache_record *rec, const struct pa_tokens *t,
    long long now)
{
	char *access = NULL, *refresh = NULL;
	long long exp;

	if (t->access_token == NULL)
		return PA_ERR_BAD_RESPONSE;
	/* exp is only read to know when to renew, never trusted. */
	if (t->expires_in > 0)
		exp = now + t->expires_in;
	else if (pa_jws_peek_exp_unverified(t->access_token, &exp) != PA_OK)
		exp = now;
	if ((access = strdup(t->access_token)) == NULL ||
	    (t->refresh_token != NULL &&
	    (refresh = strdup(t->refresh_token)) == NULL)) {
		pa_strfreezero(access);
		return PA_ERR_ALLOC;
	}
	pa_strfreezero(rec->access_token);
	rec->access_token = access;
	rec->access_exp = exp;
	if (refresh != NULL) {
		pa_strfreezero(rec->refresh_token);
		rec->refresh_token = refresh;
	}
	return PA_OK;
}

static void
renew_clear(struct pa_cache_record *rec)
{
	pa_strfreezero(rec->refresh_token);
	pa_strfreezero(rec->access_token);
	rec->refresh_token = NULL;
	rec->access_token = NULL;
	rec->access_exp = 0;
}

static int
renew_cb(struct pa_cache_record *rec, int exists, void *argp)
{
	struct renew *a = argp;
	struct pa_tokens *t = NULL;
	long long now = (long long)time(NULL);
	int r;

	if (!exists)
		return PA_ERR_NOT_FOUND;
	/* Another renewal may have finished while we waited for the lock. */
	if (token_fresh(rec, now)) {
		r = renew_take(a, rec->access_token, rec->access_exp);
		return r == PA_OK ? 0 : r;
	}
	if (rec->refresh_token == NULL) {
		a->no_refresh = 1;
		return PA_ERR_NOT_FOUND;
	}
	a->status = pa_service_refresh(a->ctl->conf, &a->ctl->log, a->cache,
	    rec->refresh_token, now, &t);
	if (a->status == PA_ERR_REJECTED) {
		/* A refused refresh token is dead, its grant most likely too. */
		renew_clear(rec);
		a->cleared = 1;
		return 0;
	}
	if (a->status != PA_OK)
		return a->status;
	if ((r = renew_store(rec, t, now)) == PA_OK &&
	    (r = renew_take(a, rec->access_token, rec->access_exp)) == PA_OK)
		a->renewed = 1;
	pa_tokens_free(t);
	return r == PA_OK ? 0 : r;
}

/* Rewrites the session token file; a failure is a warning only. */
static char *
token_write_file(const struct ctl *ctl, const char *user, const char *token)
{
	struct pa_staff_id id;
	char *path = NULL, q[PA_QUOTE_MAX];
	int r;

	pa_log_quote(user, q, sizeof(q));
	if (pa_nssindex_staff(ctl->conf, user, 0, &id) != PA_OK)
		ctl_err(ctl, "warning: \"%s\" is not in the NSS index %s: "
		    "session token file not written", q, ctl->conf->nss_index);
	else if ((r = pa_session_write_token(ctl->conf->runtime_dir, user,
	    id.uid, id.gid, token, &path, NULL)) != PA_OK)
		ctl_err(ctl, "warning: session token file of \"%s\" not "
		    "written in %s: %s", q, ctl->conf->runtime_dir,
		    pa_strerror(r));
	return path;
}

static int
token_print(const struct ctl *ctl, const char *user, const char *token,
    long long exp, int renewed, const char *path)
{
	if (!ctl->json)
		return fprintf(ctl->out, "%s\n", token) < 0 ? PA_ERR_SYSTEM :
		    PA_OK;
	return ctl_json_print(ctl, json_pack("{s:s, s:s, s:o, s:I, s:b, s:s?}",
	    "user", user, "access_token", token, "expires_at",
	    ctl_json_time(exp), "expires_in", (json_int_t)(exp - ctl->now),
	    "renewed", renewed, "token_file", path));
}

/* Explains a failed renewal; returns the exit code. */
static int
renew_failed(const struct ctl *ctl, const struct renew *a, int r,
    const char *q)
{
	if (a->cleared) {
		ctl_audit(ctl, LOG_NOTICE, "token service refused the refresh "
		    "token of user \"%s\" (revoked, expired or reused): cached "
		    "tokens cleared, \"%s\" must log in again", q, q);
		return CTL_EXIT_FAILED;
	}
	if (a->no_refresh) {
		ctl_err(ctl, "\"%s\" has no cached refresh token (logged out, "
		    "refused, or an offline login): log in again", q);
		return CTL_EXIT_FAILED;
	}
	if (r == PA_ERR_NOT_FOUND) {
		ctl_err(ctl, "no record for \"%s\"", q);
		return CTL_EXIT_NOT_FOUND;
	}
	if (r == PA_ERR_UNREACHABLE)
		ctl_err(ctl, "token service unreachable; the cached tokens of "
		    "\"%s\" are kept", q);
	else
		ctl_err(ctl, "renewal for \"%s\" failed: %s", q,
		    pa_strerror(r));
	return ctl_exit_for(r);
}

/* Reads the record; renews under the lock only when it must. */
static int
token_renew(const struct ctl *ctl, struct pa_cache *c, const char *user,
    struct renew *a)
{
	struct pa_cache_record *rec = NULL;
	int r;

	if ((r = pa_cache_get(c, user, &rec)) != PA_OK)
		goto out;
	if (token_fresh(rec, ctl->now)) {
		r = renew_take(a, rec->access_token, rec->access_exp);
		goto out;
	}
	if (rec->refresh_token == NULL) {
		a->no_refresh = 1;
		r = PA_ERR_NOT_FOUND;
		goto out;
	}
	a->cache = c;
	r = pa_cache_update(c, user, renew_cb, a);
	/* The service rotated our only refresh token, but we lost it. */
	if (r != PA_OK && a->renewed)
		ctl_err(ctl, "warning: renewed, but the rotated refresh token "
		    "was not stored (%s): the session cannot renew again",
		    pa_strerror(r));
	if (r == PA_OK && a->cleared)
		r = PA_ERR_REJECTED;
 out:
	pa_cache_record_free(rec);
	return r;
}

static int
token_as_root(struct ctl *ctl, const char *user)
{
	struct pa_cache *c = NULL;
	struct renew a;
	char q[PA_QUOTE_MAX], *path = NULL;
	int r, ex;

	memset(&a, 0, sizeof(a));
	a.ctl = ctl;
	pa_log_quote(user, q, sizeof(q));
	if ((r = ctl_open_cache(ctl, &c)) != PA_OK) {
		ex = r == PA_ERR_NOT_FOUND ? CTL_EXIT_NOT_FOUND : CTL_EXIT_CACHE;
		if (r == PA_ERR_NOT_FOUND)
			ctl_err(ctl, "no record for \"%s\" (no cache yet)", q);
		goto out;
	}
	r = token_renew(ctl, c, user, &a);
	if (a.access == NULL) {
		ex = r == PA_ERR_CACHE_CORRUPT ? CTL_EXIT_CACHE :
		    renew_failed(ctl, &a, r, q);
		if (r == PA_ERR_CACHE_CORRUPT)
			ctl_err(ctl, "record of \"%s\" is corrupt: log in "
			    "online again, or purge it", q);
		goto out;
	}
	path = token_write_file(ctl, user, a.access);
	ctl_audit(ctl, LOG_INFO, "%s access token of user \"%s\" handed out",
	    a.renewed ? "renewed" : "cached", q);
	ex = token_print(ctl, user, a.access, a.exp, a.renewed, path) ==
	    PA_OK ? CTL_EXIT_OK : CTL_EXIT_FAILED;
	/* Printed, but the next renewal will fail: say so in the code. */
	if (ex == CTL_EXIT_OK && r != PA_OK)
		ex = CTL_EXIT_CACHE;
 out:
	free(path);
	pa_strfreezero(a.access);
	pa_cache_close(c);
	return ex;
}

/*
 * Without root: the access token of the caller's own open session (the
 * one its token file holds, as the cache keeps it), never renewed.
 */
static int
token_as_user(struct ctl *ctl, const char *want)
{
	struct pa_cache *c = NULL;
	struct pa_cache_record *rec = NULL;
	struct pa_staff_id id;
	char ts[32], q[PA_QUOTE_MAX];
	long long exp;
	int r, ex = CTL_EXIT_FAILED;

	if ((r = pa_nssindex_staff(ctl->conf, NULL, ctl->uid, &id)) !=
	    PA_OK) {
		ctl_err(ctl, "uid %lu is no staff member of this terminal "
		    "(not in the NSS index %s): no session token",
		    (unsigned long)ctl->uid, ctl->conf->nss_index);
		return r == PA_ERR_NOT_FOUND ? CTL_EXIT_NOT_FOUND :
		    CTL_EXIT_FAILED;
	}
	pa_log_quote(id.name, q, sizeof(q));
	if (want != NULL && strcmp(want, id.name) != 0)
		return ctl_refuse(ctl, "another user's token needs root (try: "
		    "sudo posauthctl token USER)");
	if (!pa_session_has_token(ctl->conf->runtime_dir, id.name)) {
		ctl_err(ctl, "no open session of \"%s\" on this terminal", q);
		return CTL_EXIT_NOT_FOUND;
	}
	if ((r = ctl_open_cache(ctl, &c)) != PA_OK ||
	    (r = pa_cache_get(c, id.name, &rec)) != PA_OK ||
	    rec->access_token == NULL) {
		ctl_err(ctl, "no session token for \"%s\": %s", q,
		    r == PA_OK ? "none cached" : pa_strerror(r));
		ex = r == PA_OK || r == PA_ERR_NOT_FOUND ?
		    CTL_EXIT_NOT_FOUND : ctl_exit_for(r);
		goto out;
	}
	exp = rec->access_exp;
	if (exp <= ctl->now) {
		ctl_err(ctl, "the session token expired at %s; renewing needs "
		    "root (sudo posauthctl token)", ctl_iso8601(exp, ts,
		    sizeof(ts)));
		ex = CTL_EXIT_ROOT;
		goto out;
	}
	ex = token_print(ctl, id.name, rec->access_token, exp, 0, NULL) ==
	    PA_OK ? CTL_EXIT_OK : CTL_EXIT_FAILED;
	if (ex == CTL_EXIT_OK && exp - ctl->now < CTL_TOKEN_MIN_LIFETIME) {
		ctl_err(ctl, "the session token expires at %s; renewing needs "
		    "root (sudo posauthctl token)", ctl_iso8601(exp, ts,
		    sizeof(ts)));
		ex = CTL_EXIT_ROOT;
	}
 out:
	pa_cache_record_free(rec);
	pa_cache_close(c);
	return ex;
}

static int
token_run(struct ctl *ctl, int argc, char **argv)
{
	const char *user = argc > 0 ? argv[0] : NULL, *sudo = ctl->sudo_user;

	if (ctl->uid != 0)
		return token_as_user(ctl, user);
	if (user == NULL && sudo != NULL &&
	    pa_user_valid(sudo, ctl->conf->username_pattern) == PA_OK)
		user = sudo;
	if (user == NULL)
		return ctl_usage_error(ctl, "name a USER (root has no posauth "
		    "session of its own)");
	return token_as_root(ctl, user);
}
