/* SPDX-License-Identifier: MIT */
/*
 * posauthctl users / show: what the device cache remembers about staff.
 * Read-only. Never shows verifier bytes or tokens: a record's secrets are
 * reported as present or absent, and the access token only by its expiry.
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
#include "offline.h"

static int users_run(struct ctl *, int, char **);
static int show_run(struct ctl *, int, char **);

const struct ctl_command ctl_cmd_users = {
	"users", "list the users cached on this terminal",
	"users [--json]",
	"Lists the users cached on this terminal: roles, last online login\n"
	"(UTC), offline login window left, lock state and failed offline PINs.\n"
	"A record that fails its integrity check is listed as corrupt.\n"
	"Root only: posauthd refuses anyone else (exit 7).\n",
	CTL_OPT_JSON, CTL_NEED_CONFIG | CTL_NEED_CACHE | CTL_NEED_SERVICE, 0, 0,
	NULL, users_run,
};

const struct ctl_command ctl_cmd_show = {
	"show", "one cached user in detail",
	"show [--json] USER",
	"Shows one user's cached record in detail. Secrets are never shown:\n"
	"the refresh token only as present/absent, the access token by its\n"
	"expiry, the offline verifier by its algorithm and cost.\n"
	"Root only (exit 7 for anyone else). Exits 6 when USER has no record,\n"
	"4 when it is corrupt.\n",
	CTL_OPT_JSON, CTL_NEED_CONFIG | CTL_NEED_USER | CTL_NEED_CACHE |
	    CTL_NEED_SERVICE, 1, 1, "expected one USER", show_run,
};

/* One row of `users`, computed once for both output forms. */
struct user_row {
	const char *user;
	const char *state;		/* ok, corrupt, unreadable */
	int status;
	const struct pa_cache_record *rec;	/* NULL unless ok */
	long long left;
	int locked;
};

static void
row_fill(const struct ctl *ctl, struct user_row *row)
{
	const struct pa_cache_record *rec = row->rec;

	row->left = 0;
	row->locked = 0;
	if (rec == NULL)
		return;
	row->left = pa_offline_left(ctl->conf, rec, ctl->now);
	row->locked = rec->locked_until > ctl->now;
}

static json_t *
row_json(const struct user_row *row)
{
	const struct pa_cache_record *rec = row->rec;
	char dur[32];

	if (rec == NULL)
		return json_pack("{s:s, s:s, s:s}", "user", row->user,
		    "state", row->state, "error", pa_strerror(row->status));
	return json_pack("{s:s, s:s, s:o, s:o, s:I, s:s, s:b, s:o, s:I}",
	    "user", row->user, "state", row->state,
	    "roles", ctl_json_strings(rec->roles, rec->nroles),
	    "last_online", ctl_json_time(rec->last_online),
	    "offline_seconds_left", (json_int_t)row->left,
	    "offline_left", ctl_duration(row->left, dur, sizeof(dur)),
	    "locked", row->locked,
	    "locked_until", ctl_json_time(row->locked ?
	    rec->locked_until : 0),
	    "failures", (json_int_t)rec->failures);
}

static void
row_print(const struct ctl *ctl, const struct user_row *row)
{
	const struct pa_cache_record *rec = row->rec;
	char roles[33], last[32], dur[32], until[32];

	if (rec == NULL) {
		fprintf(ctl->out, "%-16s %s (%s)\n", row->user, row->state,
		    pa_strerror(row->status));
		return;
	}
	fprintf(ctl->out, "%-16s %-20s %-21s %-12s %-25s %u\n", row->user,
	    rec->nroles ? ctl_join(rec->roles, rec->nroles, roles,
	    sizeof(roles)) : "-",
	    ctl_iso8601(rec->last_online, last, sizeof(last)),
	    ctl_duration(row->left, dur, sizeof(dur)),
	    row->locked ? ctl_iso8601(rec->locked_until, until,
	    sizeof(until)) : "no", rec->failures);
}

/* Reads and prints every record; corrupt ones are rows, not failures. */
static int
users_list(struct ctl *ctl, struct pa_cache *c, char **users, size_t n)
{
	struct pa_cache_record *rec = NULL;
	struct user_row row;
	json_t *arr = NULL, *o;
	size_t i;
	int r = PA_OK;

	if (ctl->json && (arr = json_array()) == NULL)
		return PA_ERR_ALLOC;
	if (!ctl->json)
		fprintf(ctl->out, "%-16s %-20s %-21s %-12s %-25s %s\n",
		    "USER", "ROLES", "LAST ONLINE (UTC)", "OFFLINE LEFT",
		    "LOCKED UNTIL", "FAILURES");
	for (i = 0; i < n; i++) {
		memset(&row, 0, sizeof(row));
		row.user = users[i];
		row.status = pa_cache_get(c, users[i], &rec);
		row.state = row.status == PA_OK ? "ok" :
		    row.status == PA_ERR_CACHE_CORRUPT ? "corrupt" :
		    "unreadable";
		row.rec = rec;
		row_fill(ctl, &row);
		if (arr != NULL) {
			if ((o = row_json(&row)) == NULL ||
			    json_array_append_new(arr, o) != 0)
				r = PA_ERR_ALLOC;
		} else
			row_print(ctl, &row);
		pa_cache_record_free(rec);
		rec = NULL;
		if (r != PA_OK)
			break;
	}
	if (arr != NULL) {
		if (r == PA_OK)
			return ctl_json_print(ctl, json_pack("{s:s, s:o}",
			    "cache_dir", ctl->conf->cache_dir, "users", arr));
		json_decref(arr);
	}
	return r;
}

static int
users_run(struct ctl *ctl, int argc, char **argv)
{
	struct pa_cache *c = NULL;
	char **users = NULL;
	size_t n = 0;
	int ex = CTL_EXIT_OK, r;

	(void)argc;
	(void)argv;
	/* No cache yet is an empty list, not an error. */
	if ((r = ctl_open_cache(ctl, &c)) != PA_OK &&
	    r != PA_ERR_NOT_FOUND)
		return CTL_EXIT_CACHE;
	if (c != NULL && (r = pa_cache_list(c, &users, &n)) != PA_OK) {
		ctl_err(ctl, "cannot list %s: %s", ctl->conf->cache_dir,
		    pa_strerror(r));
		ex = CTL_EXIT_CACHE;
		goto out;
	}
	if ((r = users_list(ctl, c, users, n)) != PA_OK) {
		ctl_err(ctl, "%s", pa_strerror(r));
		ex = CTL_EXIT_FAILED;
	}
 out:
	pa_cache_list_free(users, n);
	pa_cache_close(c);
	return ex;
}

/* --- show ------------------------------------------------------------- */

static json_t *
verifier_json(const struct pa_cache_record *rec)
{
	if (!rec->has_verifier)
		return json_null();
	return json_pack("{s:s, s:I}", "alg",
	    rec->verifier.alg == PA_KDF_SCRYPT ? "scrypt" : "unknown",
	    "cost", (json_int_t)rec->verifier.cost);
}

static int
show_json(const struct ctl *ctl, const struct pa_cache_record *rec)
{
	long grace = pa_offline_grace_for(ctl->conf, rec->roles, rec->nroles);
	long long left = pa_offline_left(ctl->conf, rec, ctl->now);
	char dur[32];

	return ctl_json_print(ctl, json_pack("{s:s, s:s?, s:s?, s:o, s:s?,"
	    " s:s?, s:o, s:o, s:o, s:o, s:I, s:I, s:s, s:I, s:b, s:o, s:b, s:o,"
	    " s:I}",
	    "user", rec->user, "name", rec->name, "sub", rec->sub,
	    "uid", rec->has_uid ? json_integer(rec->uid) : json_null(),
	    "tenant", rec->tenant, "store", rec->store,
	    "roles", ctl_json_strings(rec->roles, rec->nroles),
	    "token_exp", ctl_json_time(rec->token_exp),
	    "last_online", ctl_json_time(rec->last_online),
	    "verifier", verifier_json(rec),
	    "offline_grace", (json_int_t)grace,
	    "offline_seconds_left", (json_int_t)left,
	    "offline_left", ctl_duration(left, dur, sizeof(dur)),
	    "failures", (json_int_t)rec->failures,
	    "locked", rec->locked_until > ctl->now,
	    "locked_until", ctl_json_time(rec->locked_until > ctl->now ?
	    rec->locked_until : 0),
	    "refresh_token", rec->refresh_token != NULL,
	    "access_exp", ctl_json_time(rec->access_token != NULL ?
	    rec->access_exp : 0),
	    "pending_revocations", (json_int_t)rec->npending));
}

/* "2024-05-01T12:00:00Z (in 4m 3s)" or "(... ago)". */
static const char *
when(long long t, long long now, char *out, size_t outlen)
{
	char ts[32], dur[32];

	if (t <= 0)
		snprintf(out, outlen, "never");
	else
		snprintf(out, outlen, "%s (%s%s%s)",
		    ctl_iso8601(t, ts, sizeof(ts)), t > now ? "in " : "",
		    ctl_duration(t > now ? t - now : now - t, dur,
		    sizeof(dur)), t > now ? "" : " ago");
	return out;
}

static void
show_human(const struct ctl *ctl, const struct pa_cache_record *rec)
{
	long grace = pa_offline_grace_for(ctl->conf, rec->roles, rec->nroles);
	long long left = pa_offline_left(ctl->conf, rec, ctl->now);
	char q[PA_QUOTE_MAX], buf[256], dur[32];
	FILE *o = ctl->out;

	fprintf(o, "user:                %s\n", rec->user);
	fprintf(o, "name:                %s\n", rec->name ?
	    pa_log_quote(rec->name, q, sizeof(q)) : "-");
	fprintf(o, "subject:             %s\n", rec->sub ?
	    pa_log_quote(rec->sub, q, sizeof(q)) : "-");
	if (rec->has_uid)
		fprintf(o, "uid:                 %lld\n", rec->uid);
	fprintf(o, "tenant:              %s\n", rec->tenant ?
	    pa_log_quote(rec->tenant, q, sizeof(q)) : "-");
	fprintf(o, "store:               %s\n", rec->store ?
	    pa_log_quote(rec->store, q, sizeof(q)) : "-");
	fprintf(o, "roles:               %s\n", rec->nroles ?
	    ctl_join(rec->roles, rec->nroles, buf, sizeof(buf)) : "-");
	fprintf(o, "last online login:   %s\n", when(rec->last_online, ctl->now,
	    buf, sizeof(buf)));
	fprintf(o, "login token expiry:  %s\n", when(rec->token_exp, ctl->now,
	    buf, sizeof(buf)));
	if (rec->has_verifier)
		fprintf(o, "offline verifier:    present (%s, cost %u)\n",
		    rec->verifier.alg == PA_KDF_SCRYPT ? "scrypt" : "unknown",
		    rec->verifier.cost);
	else
		fprintf(o, "offline verifier:    absent\n");
	fprintf(o, "offline grace:       %ld s for these roles, %s left\n",
	    grace, ctl_duration(left, dur, sizeof(dur)));
	fprintf(o, "failed offline PINs: %u\n", rec->failures);
	fprintf(o, "locked:              %s\n", rec->locked_until > ctl->now ?
	    when(rec->locked_until, ctl->now, buf, sizeof(buf)) : "no");
	fprintf(o, "refresh token:       %s\n", rec->refresh_token ? "present" :
	    "absent");
	fprintf(o, "access token:        %s\n", rec->access_token == NULL ?
	    "absent" : when(rec->access_exp, ctl->now, buf, sizeof(buf)));
	fprintf(o, "pending revocations: %zu\n", rec->npending);
}

static int
show_run(struct ctl *ctl, int argc, char **argv)
{
	struct pa_cache *c = NULL;
	struct pa_cache_record *rec = NULL;
	char q[PA_QUOTE_MAX];
	const char *user = argv[0];
	int ex = CTL_EXIT_OK, r;

	(void)argc;
	pa_log_quote(user, q, sizeof(q));
	if ((r = ctl_open_cache(ctl, &c)) != PA_OK) {
		if (r == PA_ERR_NOT_FOUND)
			ctl_err(ctl, "no record for \"%s\" (no cache yet)", q);
		ex = r == PA_ERR_NOT_FOUND ? CTL_EXIT_NOT_FOUND :
		    CTL_EXIT_CACHE;
		goto out;
	}
	if ((r = pa_cache_get(c, user, &rec)) != PA_OK) {
		if (r == PA_ERR_NOT_FOUND)
			ctl_err(ctl, "no record for \"%s\"", q);
		else
			ctl_err(ctl, "record of \"%s\" unusable: %s", q,
			    pa_strerror(r));
		ex = ctl_exit_for(r);
		goto out;
	}
	if (ctl->json) {
		if (show_json(ctl, rec) != PA_OK)
			ex = CTL_EXIT_FAILED;
	} else
		show_human(ctl, rec);
 out:
	pa_cache_record_free(rec);
	pa_cache_close(c);
	return ex;
}
