/* SPDX-License-Identifier: MIT */
/*
 * posauthctl purge / unlock: the two changes an administrator makes to
 * the device cache by hand. Each leaves one audit line in syslog.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cache.h"
#include "conf.h"
#include "ctl.h"
#include "err.h"
#include "log.h"
#include "nssindex.h"

static int purge_run(struct ctl *, int, char **);
static int unlock_run(struct ctl *, int, char **);

const struct ctl_command ctl_cmd_purge = {
	"purge", "remove cached records (USER or --all)",
	"purge [--json] USER | --all",
	"Removes cached records without asking: USER's, or with --all every\n"
	"user's. The device key and the clock mark stay: the mark is what keeps\n"
	"a turned-back clock from reopening offline logins, for everyone.\n"
	"Nothing is sent to the token service, so a refresh token held in a\n"
	"removed record is not revoked there (disable the account at the\n"
	"service to end its sessions). Open sessions keep their token file.\n"
	"The NSS index is rewritten, so purged staff stop resolving as users.\n"
	"Root only (exit 7 for anyone else). Exits 6 when USER has no record,\n"
	"1 when the records are gone but the NSS index was not rewritten.\n",
	CTL_OPT_JSON | CTL_OPT_ALL, CTL_NEED_CONFIG | CTL_NEED_USER |
	    CTL_NEED_CACHE | CTL_NEED_SERVICE, 1, 1,
	"expected one USER or --all", purge_run,
};

const struct ctl_command ctl_cmd_unlock = {
	"unlock", "clear a user's offline lock and failures",
	"unlock [--json] USER",
	"Clears USER's count of wrong offline PINs and the offline lock, so the\n"
	"next offline login is decided by the PIN again. Online logins are\n"
	"never locked by this terminal.\n"
	"Root only (exit 7 for anyone else). Exits 6 when USER has no record,\n"
	"4 when it is corrupt.\n",
	CTL_OPT_JSON, CTL_NEED_CONFIG | CTL_NEED_USER | CTL_NEED_CACHE |
	    CTL_NEED_SERVICE, 1, 1, "expected one USER", unlock_run,
};

/* Opens the cache for a change; a missing cache means no such record. */
static int
manage_open(struct ctl *ctl, struct pa_cache **c)
{
	int r;

	if ((r = ctl_open_cache(ctl, c)) == PA_OK)
		return CTL_EXIT_OK;
	return r == PA_ERR_NOT_FOUND ? CTL_EXIT_NOT_FOUND : CTL_EXIT_CACHE;
}

static int
purge_one(struct ctl *ctl, struct pa_cache *c, const char *user)
{
	char q[PA_QUOTE_MAX];
	int r;

	pa_log_quote(user, q, sizeof(q));
	if ((r = pa_cache_delete(c, user)) != PA_OK) {
		if (r == PA_ERR_NOT_FOUND)
			ctl_err(ctl, "no record for \"%s\"", q);
		else
			ctl_err(ctl, "record of \"%s\" not removed: %s", q,
			    pa_strerror(r));
		return ctl_exit_for(r);
	}
	ctl_audit(ctl, LOG_NOTICE, "purged the cached record of user \"%s\"",
	    q);
	if (ctl->json && ctl_json_print(ctl, json_pack("{s:[s], s:[]}",
	    "purged", user, "failed")) != PA_OK)
		return CTL_EXIT_FAILED;
	return CTL_EXIT_OK;
}

/* Every record; one that cannot be removed does not stop the others. */
static int
purge_all(struct ctl *ctl, struct pa_cache *c)
{
	char **users = NULL, q[PA_QUOTE_MAX];
	json_t *done = NULL, *failed = NULL;
	size_t i, n = 0, ndone = 0;
	int r, ex = CTL_EXIT_OK;

	if ((r = pa_cache_list(c, &users, &n)) != PA_OK) {
		ctl_err(ctl, "cannot list %s: %s", ctl->conf->cache_dir,
		    pa_strerror(r));
		return CTL_EXIT_CACHE;
	}
	if ((done = json_array()) == NULL || (failed = json_array()) == NULL) {
		ex = CTL_EXIT_FAILED;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if ((r = pa_cache_delete(c, users[i])) == PA_OK ||
		    r == PA_ERR_NOT_FOUND) {
			ndone += r == PA_OK;
			json_array_append_new(done, json_string(users[i]));
			continue;
		}
		ctl_err(ctl, "record of \"%s\" not removed: %s",
		    pa_log_quote(users[i], q, sizeof(q)), pa_strerror(r));
		json_array_append_new(failed, json_string(users[i]));
		ex = CTL_EXIT_CACHE;
	}
	ctl_audit(ctl, LOG_NOTICE, "purged all cached records (%zu removed, "
	    "%zu left)", ndone, json_array_size(failed));
	if (ctl->json && ctl_json_print(ctl, json_pack("{s:O, s:O}", "purged",
	    done, "failed", failed)) != PA_OK)
		ex = CTL_EXIT_FAILED;
 out:
	json_decref(done);
	json_decref(failed);
	pa_cache_list_free(users, n);
	return ex;
}

/* Staff whose record is gone must stop resolving through NSS too. */
static int
purge_reindex(struct ctl *ctl, struct pa_cache *c, int ex)
{
	int r;

	if ((r = pa_nssindex_rebuild(ctl->conf, c, ctl->now, &ctl->log,
	    NULL)) == PA_OK)
		return ex;
	ctl_err(ctl, "NSS index %s not rewritten: %s", ctl->conf->nss_index,
	    pa_strerror(r));
	return ex == CTL_EXIT_OK ? CTL_EXIT_FAILED : ex;
}

static int
purge_run(struct ctl *ctl, int argc, char **argv)
{
	struct pa_cache *c = NULL;
	int all = ctl->all, ex;

	(void)argc;
	if ((ex = manage_open(ctl, &c)) != CTL_EXIT_OK) {
		/* An empty terminal has nothing to purge: --all succeeds. */
		if (all && ex == CTL_EXIT_NOT_FOUND) {
			ex = CTL_EXIT_OK;
			if (ctl->json && ctl_json_print(ctl, json_pack(
			    "{s:[], s:[]}", "purged", "failed")) != PA_OK)
				ex = CTL_EXIT_FAILED;
		} else if (ex == CTL_EXIT_NOT_FOUND)
			ctl_err(ctl, "no record (no cache yet)");
		return ex;
	}
	ex = all ? purge_all(ctl, c) : purge_one(ctl, c, argv[0]);
	if (ex == CTL_EXIT_OK || all)
		ex = purge_reindex(ctl, c, ex);
	pa_cache_close(c);
	return ex;
}

/* --- unlock ------------------------------------------------------------ */

struct unlock_arg {
	unsigned failures;
	long long locked_until;
};

static int
unlock_cb(struct pa_cache_record *rec, int exists, void *argp)
{
	struct unlock_arg *a = argp;

	/* Gone or corrupt since we looked: nothing to unlock. */
	if (!exists)
		return PA_ERR_NOT_FOUND;
	a->failures = rec->failures;
	a->locked_until = rec->locked_until;
	rec->failures = 0;
	rec->locked_until = 0;
	return 0;
}

static int
unlock_user(struct ctl *ctl, struct pa_cache *c, const char *user)
{
	struct pa_cache_record *rec = NULL;
	struct unlock_arg a;
	char q[PA_QUOTE_MAX], ts[32];
	int r, was_locked;

	memset(&a, 0, sizeof(a));
	pa_log_quote(user, q, sizeof(q));
	/* Told apart first: a corrupt record is not "not found". */
	if ((r = pa_cache_get(c, user, &rec)) == PA_OK)
		r = pa_cache_update(c, user, unlock_cb, &a);
	pa_cache_record_free(rec);
	if (r != PA_OK) {
		if (r == PA_ERR_NOT_FOUND)
			ctl_err(ctl, "no record for \"%s\"", q);
		else
			ctl_err(ctl, "record of \"%s\" not unlocked: %s", q,
			    pa_strerror(r));
		return ctl_exit_for(r);
	}
	was_locked = a.locked_until > ctl->now;
	ctl_audit(ctl, LOG_NOTICE, "unlocked user \"%s\" (was %s%s, %u failed "
	    "offline PIN(s))", q, was_locked ? "locked until " : "not locked",
	    was_locked ? ctl_iso8601(a.locked_until, ts, sizeof(ts)) : "",
	    a.failures);
	if (ctl->json && ctl_json_print(ctl, json_pack("{s:s, s:b, s:b, s:o,"
	    " s:I}",
	    "user", user, "unlocked", 1, "was_locked", was_locked,
	    "locked_until_before", ctl_json_time(was_locked ?
	    a.locked_until : 0), "failures_before",
	    (json_int_t)a.failures)) != PA_OK)
		return CTL_EXIT_FAILED;
	return CTL_EXIT_OK;
}

static int
unlock_run(struct ctl *ctl, int argc, char **argv)
{
	struct pa_cache *c = NULL;
	int ex;

	(void)argc;
	if ((ex = manage_open(ctl, &c)) != CTL_EXIT_OK) {
		if (ex == CTL_EXIT_NOT_FOUND)
			ctl_err(ctl, "no record (no cache yet)");
		return ex;
	}
	ex = unlock_user(ctl, c, argv[0]);
	pa_cache_close(c);
	return ex;
}
