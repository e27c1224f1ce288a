/* SPDX-License-Identifier: MIT */
/*
 * posauthctl status: can this terminal log staff in right now? Asks the
 * token service for its documents (timed), surveys the device cache and
 * counts who could log in offline at this moment.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "cache.h"
#include "conf.h"
#include "ctl.h"
#include "err.h"
#include "http.h"
#include "jwk.h"
#include "log.h"
#include "offline.h"
#include "oidc.h"
#include "provider.h"

static int status_run(struct ctl *, int, char **);

const struct ctl_command ctl_cmd_status = {
	"status", "token service, device cache and offline readiness",
	"status [--json]",
	"Shows the configuration in use, the token service (discovery and\n"
	"signing keys fetched now, with timing), the device cache (records,\n"
	"size, clock mark), the signing keys logins use now (the copy kept in\n"
	"the device cache, with its age) and how many cached users may log in\n"
	"offline right now.\n"
	"Root only: posauthd refuses anyone else (exit 7).\n"
	"Exits 0 when everything is usable, else the code of the first part\n"
	"that is not: 3 configuration, 5 token service (8 when it answered\n"
	"with unusable documents), 4 device cache.\n",
	CTL_OPT_JSON, CTL_NEED_CONFIG | CTL_NEED_CACHE | CTL_NEED_SERVICE, 0, 0,
	NULL, status_run,
};

struct issuer_report {
	int status;			/* discovery */
	long disc_ms;
	char error[256];
	struct pa_oidc_meta *meta;
	int jwks_status;
	long jwks_ms;
	char jwks_error[256];
	struct pa_jwks *jwks;
	long long jwks_at;
};

struct cache_report {
	int status;			/* PA_ERR_NOT_FOUND: not created yet */
	int cached_keys;		/* keys in the cached JWKS, -1: none */
	long long cached_keys_at;
	size_t records, corrupt, unsafe;
	size_t with_refresh;		/* records holding a refresh token */
	unsigned long long bytes;
	int clock_status;
	size_t offline_ready;
};

static long
ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (long)((t1.tv_sec - t0->tv_sec) * 1000 +
	    (t1.tv_nsec - t0->tv_nsec) / 1000000);
}

static void
note_error(char *out, size_t outlen, int r, const struct pa_http *h)
{
	const char *detail = h != NULL ? pa_http_error(h) : "";

	snprintf(out, outlen, "%s%s%s", pa_strerror(r),
	    detail[0] != '\0' ? ": " : "", detail);
}

/* One timed GET and parse of the JWKS the discovery document names. */
static void
probe_jwks(const struct ctl *ctl, struct pa_http *h, struct issuer_report *ir)
{
	struct timespec t0;
	char *body = NULL;
	size_t len = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ir->jwks_status = pa_oidc_get_json(h, ir->meta->jwks_uri, &body, &len);
	ir->jwks_ms = ms_since(&t0);
	if (ir->jwks_status == PA_OK)
		ir->jwks_status = pa_jwks_parse(body, len, &ir->jwks);
	if (ir->jwks_status == PA_OK)
		ir->jwks_at = ctl->now;
	else
		note_error(ir->jwks_error, sizeof(ir->jwks_error),
		    ir->jwks_status, h);
	free(body);
}

static void
probe_issuer(const struct ctl *ctl, struct issuer_report *ir)
{
	const struct pa_conf *conf = ctl->conf;
	struct pa_http *h = NULL;
	struct timespec t0;
	char *url = NULL, *body = NULL;
	size_t len = 0;
	int r;

	if ((r = pa_http_new_for(conf, &h)) != PA_OK)
		goto out;
	r = PA_ERR_ALLOC;
	if ((url = pa_oidc_discovery_url(conf->issuer)) == NULL)
		goto out;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = pa_oidc_get_json(h, url, &body, &len);
	ir->disc_ms = ms_since(&t0);
	if (r != PA_OK)
		goto out;
	if ((r = pa_oidc_meta_parse(body, len, conf->issuer,
	    &ir->meta)) != PA_OK)
		goto out;
	probe_jwks(ctl, h, ir);
 out:
	ir->status = r;
	if (r != PA_OK)
		note_error(ir->error, sizeof(ir->error), r, h);
	free(body);
	free(url);
	pa_http_free(h);
}

static void
survey_record(const struct ctl *ctl, struct pa_cache *c, const char *user,
    int clock_ok, struct cache_report *cr)
{
	struct pa_cache_record *rec = NULL;
	char path[PATH_MAX];
	struct stat st;
	int r;

	cr->records++;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s.rec",
	    ctl->conf->cache_dir, user) < sizeof(path) &&
	    lstat(path, &st) == 0)
		cr->bytes += (unsigned long long)st.st_size;
	r = pa_cache_get(c, user, &rec);
	if (r == PA_OK && rec->refresh_token != NULL)
		cr->with_refresh++;
	if (r == PA_OK && clock_ok &&
	    pa_offline_eligible(ctl->conf, rec, ctl->now) == PA_OK)
		cr->offline_ready++;
	else if (r == PA_ERR_CACHE_CORRUPT)
		cr->corrupt++;
	else if (r != PA_OK)
		cr->unsafe++;
	pa_cache_record_free(rec);
}

/* The JWKS logins use: the device cache's copy, if any. */
static void
survey_cached_keys(const struct ctl *ctl, struct pa_cache *c,
    struct cache_report *cr)
{
	struct pa_jwks *set = NULL;
	char *body = NULL;
	size_t len = 0;

	if (pa_cache_doc_get(c, "jwks", ctl->conf->issuer, &body, &len,
	    &cr->cached_keys_at) == PA_OK &&
	    pa_jwks_parse(body, len, &set) == PA_OK)
		cr->cached_keys = (int)set->nkeys;
	pa_jwks_free(set);
	free(body);
}

static void
survey_cache(const struct ctl *ctl, struct cache_report *cr)
{
	struct pa_cache *c = NULL;
	char **users = NULL;
	size_t i, n = 0;

	cr->cached_keys = -1;
	if ((cr->status = ctl_open_cache(ctl, &c)) != PA_OK)
		return;
	survey_cached_keys(ctl, c, cr);
	cr->clock_status = pa_cache_clock_check(c, ctl->now,
	    ctl->conf->leeway);
	if ((cr->status = pa_cache_list(c, &users, &n)) == PA_OK)
		for (i = 0; i < n; i++)
			survey_record(ctl, c, users[i],
			    cr->clock_status == PA_OK, cr);
	pa_cache_list_free(users, n);
	pa_cache_close(c);
}

static const char *
cache_state(const struct cache_report *cr)
{
	if (cr->status == PA_OK)
		return "ok";
	return cr->status == PA_ERR_NOT_FOUND ? "missing" : "unusable";
}

static const char *
clock_text(int status)
{
	if (status == PA_OK)
		return "ok";
	if (status == PA_ERR_CLOCK)
		return "no trusted mark, or clock turned back: offline "
		    "logins wait for an online one";
	return pa_strerror(status);
}

static json_t *
jwks_json(const struct issuer_report *ir)
{
	json_t *kids;
	size_t i;

	if (ir->jwks_status != PA_OK)
		return json_pack("{s:b, s:s, s:I}", "ok", 0,
		    "error", ir->jwks_error, "ms", (json_int_t)ir->jwks_ms);
	if ((kids = json_array()) == NULL)
		return NULL;
	for (i = 0; i < ir->jwks->nkeys; i++)
		if (json_array_append_new(kids, ir->jwks->keys[i].kid ?
		    json_string(ir->jwks->keys[i].kid) : json_null()) != 0) {
			json_decref(kids);
			return NULL;
		}
	return json_pack("{s:b, s:I, s:o, s:o, s:I, s:I}", "ok", 1,
	    "keys", (json_int_t)ir->jwks->nkeys, "kids", kids,
	    "fetched_at", ctl_json_time(ir->jwks_at), "age_seconds",
	    (json_int_t)0, "ms", (json_int_t)ir->jwks_ms);
}

/* posauthd's view: whether logins try the network first. */
static json_t *
reach_json(const struct ctl *ctl)
{
	const struct ctl_reach *rc = &ctl->reach;

	if (!rc->have)
		return json_null();
	if (!rc->down)
		return json_pack("{s:s}", "state", "online");
	return json_pack("{s:s, s:I, s:I, s:s}", "state", "offline",
	    "since", (json_int_t)rc->since,
	    "next_probe", (json_int_t)rc->next_probe, "why", rc->why);
}

static void
print_reach(const struct ctl *ctl)
{
	const struct ctl_reach *rc = &ctl->reach;
	char since[32], next[32];

	if (!rc->have)
		return;
	if (!rc->down) {
		fprintf(ctl->out, "logins:  online (the token service "
		    "answered last)\n");
		return;
	}
	fprintf(ctl->out, "logins:  OFFLINE since %s (%lld s): the device "
	    "cache decides; next probe at %s (in %lld s)%s%s\n",
	    ctl_iso8601(rc->since, since, sizeof(since)), ctl->now - rc->since,
	    ctl_iso8601(rc->next_probe, next, sizeof(next)),
	    rc->next_probe > ctl->now ? rc->next_probe - ctl->now : 0,
	    rc->why[0] ? ": " : "", rc->why);
}

static int
status_json(const struct ctl *ctl, const struct issuer_report *ir,
    const struct cache_report *cr)
{
	const struct pa_conf *conf = ctl->conf;
	json_t *issuer;

	issuer = json_pack("{s:s, s:b, s:I, s:s?, s:s?, s:s?, s:o?, s:o}",
	    "url", conf->issuer, "reachable", ir->status == PA_OK,
	    "discovery_ms", (json_int_t)ir->disc_ms,
	    "error", ir->status != PA_OK ? ir->error : NULL,
	    "token_endpoint", ir->meta ? ir->meta->token_endpoint : NULL,
	    "revocation_endpoint", ir->meta ?
	    ir->meta->revocation_endpoint : NULL,
	    "jwks", ir->meta ? jwks_json(ir) : NULL,
	    "revocation_offered", ir->meta == NULL ? json_null() :
	    json_boolean(ir->meta->revocation_endpoint != NULL));
	return ctl_json_print(ctl, json_pack(
	    "{s:{s:s, s:b}, s:o, s:o, s:{s:s, s:s, s:s?, s:I, s:I, s:I, s:b, "
	    "s:I, s:I, s:I}, s:{s:b, s:I}}",
	    "config", "path", conf->path, "ok", 1,
	    "issuer", issuer,
	    "logins", reach_json(ctl),
	    "cache", "dir", conf->cache_dir, "state", cache_state(cr),
	    "error", cr->status != PA_OK && cr->status != PA_ERR_NOT_FOUND ?
	    pa_strerror(cr->status) : NULL,
	    "records", (json_int_t)cr->records,
	    "corrupt", (json_int_t)cr->corrupt,
	    "bytes", (json_int_t)cr->bytes,
	    "clock_ok", cr->status == PA_OK && cr->clock_status == PA_OK,
	    "cached_keys", (json_int_t)cr->cached_keys,
	    "cached_keys_age_seconds", (json_int_t)(cr->cached_keys < 0 ? -1 :
	    ctl->now - cr->cached_keys_at),
	    "records_with_refresh_token", (json_int_t)cr->with_refresh,
	    "offline", "enabled", conf->offline_grace > 0,
	    "users_ready", (json_int_t)cr->offline_ready));
}

static void
print_jwks(const struct ctl *ctl, const struct issuer_report *ir)
{
	FILE *o = ctl->out;
	char q[PA_QUOTE_MAX], ts[32];
	size_t i;

	if (ir->jwks_status != PA_OK) {
		fprintf(o, "  signing keys: FAILED (%s, %ld ms)\n",
		    ir->jwks_error, ir->jwks_ms);
		return;
	}
	fprintf(o, "  signing keys: %zu, fetched %s (age 0 s, %ld ms):",
	    ir->jwks->nkeys, ctl_iso8601(ir->jwks_at, ts, sizeof(ts)),
	    ir->jwks_ms);
	for (i = 0; i < ir->jwks->nkeys; i++)
		fprintf(o, " %s", ir->jwks->keys[i].kid ?
		    pa_log_quote(ir->jwks->keys[i].kid, q, sizeof(q)) :
		    "(no kid)");
	fprintf(o, "\n");
}

static void
status_human(const struct ctl *ctl, const struct issuer_report *ir,
    const struct cache_report *cr)
{
	const struct pa_conf *conf = ctl->conf;
	FILE *o = ctl->out;

	fprintf(o, "config:  %s (parsed, no problems)\n", conf->path);
	fprintf(o, "issuer:  %s\n", conf->issuer);
	if (ir->status == PA_OK)
		fprintf(o, "  discovery: ok (%ld ms)\n", ir->disc_ms);
	else
		fprintf(o, "  discovery: FAILED (%s, %ld ms)\n", ir->error,
		    ir->disc_ms);
	if (ir->meta != NULL) {
		print_jwks(ctl, ir);
		/* Without it, logout cannot end a session's right to tokens. */
		if (ir->meta->revocation_endpoint != NULL)
			fprintf(o, "  revocation: offered (%s)\n",
			    ir->meta->revocation_endpoint);
		else
			fprintf(o, "  revocation: NOT offered: logouts cannot "
			    "revoke refresh tokens\n");
	}
	print_reach(ctl);
	fprintf(o, "cache:   %s: ", conf->cache_dir);
	if (cr->status == PA_ERR_NOT_FOUND)
		fprintf(o, "not created yet (no online login on this "
		    "terminal)\n");
	else if (cr->status != PA_OK)
		fprintf(o, "UNUSABLE (%s)\n", pa_strerror(cr->status));
	else {
		fprintf(o, "%zu record(s), %llu bytes", cr->records,
		    cr->bytes);
		if (cr->corrupt > 0 || cr->unsafe > 0)
			fprintf(o, ", %zu corrupt, %zu unreadable",
			    cr->corrupt, cr->unsafe);
		/* None at all: the provider issues no refresh tokens for this
		 * scope (many want offline_access), so nothing is revoked. */
		fprintf(o, "\n  refresh tokens: %zu of %zu record(s) hold "
		    "one%s", cr->with_refresh, cr->records, cr->records > 0 &&
		    cr->with_refresh == 0 ? " (none issued? see scope in "
		    "posauth.conf(5))" : "");
		fprintf(o, "\n  clock mark: %s\n",
		    clock_text(cr->clock_status));
		if (cr->cached_keys < 0)
			fprintf(o, "  cached signing keys: none (the next "
			    "login fetches them)\n");
		else
			fprintf(o, "  cached signing keys: %d, age %lld s "
			    "(refreshed after %d s)\n", cr->cached_keys,
			    ctl->now - cr->cached_keys_at,
			    PA_PROVIDER_MAX_AGE);
	}
	if (conf->offline_grace <= 0)
		fprintf(o, "offline: off (offline_grace = 0)\n");
	else
		fprintf(o, "offline: %zu user(s) may log in offline now\n",
		    cr->offline_ready);
}

static int
status_run(struct ctl *ctl, int argc, char **argv)
{
	struct issuer_report ir;
	struct cache_report cr;
	int ex = CTL_EXIT_OK;

	(void)argc;
	(void)argv;
	memset(&ir, 0, sizeof(ir));
	memset(&cr, 0, sizeof(cr));
	probe_issuer(ctl, &ir);
	survey_cache(ctl, &cr);
	if (ctl->json) {
		if (status_json(ctl, &ir, &cr) != PA_OK)
			ex = CTL_EXIT_FAILED;
	} else
		status_human(ctl, &ir, &cr);
	if (ex == CTL_EXIT_OK && ir.status != PA_OK)
		ex = ctl_exit_for(ir.status);
	if (ex == CTL_EXIT_OK && ir.meta != NULL && ir.jwks_status != PA_OK)
		ex = ctl_exit_for(ir.jwks_status);
	if (ex == CTL_EXIT_OK && cr.status != PA_OK &&
	    cr.status != PA_ERR_NOT_FOUND)
		ex = CTL_EXIT_CACHE;
	pa_oidc_meta_free(ir.meta);
	pa_jwks_free(ir.jwks);
	return ex;
}
