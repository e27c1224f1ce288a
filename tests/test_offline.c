/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cache.h"
#include "claims.h"
#include "conf.h"
#include "err.h"
#include "kdf.h"
#include "offline.h"
#include "oidc.h"
#include "tap.h"
#include "testutil.h"

static char dir[] = "/tmp/test_offline.XXXXXX";
static char cache_path[128];
static const long long T = 1800000000LL;

static struct pa_conf *
conf_with(const char *extra)
{
	return tu_conf("cache_dir = %s\noffline_kdf_cost = 10\n"
	    "offline_max_failures = 3\noffline_lockout = 900\n%s", cache_path,
	    extra);
}

static struct pa_claims *
claims_for(const char *user, const char *role)
{
	struct pa_claims *c = calloc(1, sizeof(*c));

	c->username = strdup(user);
	c->roles = calloc(1, sizeof(char *));
	c->roles[0] = strdup(role);
	c->nroles = 1;
	c->tenant = strdup("acme");
	c->exp = T + 300;
	c->iat = T;
	c->has_iat = 1;
	return c;
}

static int
login(struct pa_cache *c, struct pa_conf *conf, const char *user,
    const char *pin, long long now)
{
	struct pa_claims *cl = NULL;
	int r = pa_offline_login(c, conf, user, pin, now, &cl);

	if (r == PA_OK && (cl == NULL || strcmp(cl->username, user) != 0))
		r = PA_ERR_INTERNAL;
	pa_claims_free(cl);
	return r;
}

/* The terminal moved to another tenant or store since the last login. */
static void
test_tenant_and_store_rechecked(struct pa_cache *c, struct pa_claims *alice)
{
	struct pa_conf *same = conf_with("tenant = acme\n");
	struct pa_conf *other = conf_with("tenant = globex\n");
	struct pa_conf *store = conf_with("store = store-042\n");

	if (same == NULL || other == NULL || store == NULL)
		exit(95);
	ok(pa_offline_remember(c, same, "dora", "1234", alice, NULL,
	    T + 2000) == PA_OK &&
	    login(c, same, "dora", "1234", T + 2010) == PA_OK,
	    "test_cached_tenant_matching_config_logs_in");
	ok(login(c, other, "dora", "1234", T + 2020) == PA_ERR_OFFLINE_DENIED,
	    "test_cached_tenant_not_this_terminals_is_refused");
	ok(login(c, store, "dora", "1234", T + 2030) == PA_ERR_OFFLINE_DENIED,
	    "test_cached_store_missing_is_refused_when_store_is_set");
	pa_conf_free(same);
	pa_conf_free(other);
	pa_conf_free(store);
}

static unsigned
failures_of(struct pa_cache *c, const char *user)
{
	struct pa_cache_record *rec = NULL;
	unsigned n = 999;

	if (pa_cache_get(c, user, &rec) == PA_OK)
		n = rec->failures;
	pa_cache_record_free(rec);
	return n;
}

/*
 * A caller who makes writes fail (RLIMIT_FSIZE 0, SIGXFSZ ignored) must
 * get the same local failure for a right and a wrong PIN, and no PIN may
 * be checked uncounted.
 */
static void
test_attempt_counted_before_the_pin(struct pa_cache *c, struct pa_conf *conf)
{
	struct rlimit old, zero = { 0, 0 };
	int right, wrong;

	login(c, conf, "alice", "1234", T + 3000);	/* clears failures */
	ok(login(c, conf, "alice", "0000", T + 3001) == PA_ERR_BAD_PIN &&
	    failures_of(c, "alice") == 1,
	    "test_wrong_pin_is_counted_on_disk");
	ok(login(c, conf, "alice", "1234", T + 3002) == PA_OK &&
	    failures_of(c, "alice") == 0, "test_right_pin_clears_the_count");
	signal(SIGXFSZ, SIG_IGN);
	if (getrlimit(RLIMIT_FSIZE, &old) != 0)
		exit(94);
	zero.rlim_max = old.rlim_max;
	if (setrlimit(RLIMIT_FSIZE, &zero) != 0)
		exit(93);
	wrong = login(c, conf, "alice", "0000", T + 3003);
	right = login(c, conf, "alice", "1234", T + 3004);
	if (setrlimit(RLIMIT_FSIZE, &old) != 0)
		exit(92);
	ok(wrong == PA_ERR_SYSTEM && right == PA_ERR_SYSTEM,
	    "test_failed_count_write_denies_every_pin_alike");
	ok(failures_of(c, "alice") == 0,
	    "test_failed_count_write_leaves_the_record");
}

static const char conf_text[] =
    "issuer = https://id.example\n"
    "client_id = pos\n"
    "client_secret_file = /etc/posauth/client_secret\n"
    "offline_grace = 3600\n"
    "[offline_grace]\n"
    "manager = 600\n";

static void
record_init(struct pa_cache_record *rec, char **roles, size_t nroles,
    long long last_online)
{
	memset(rec, 0, sizeof(*rec));
	rec->user = "alice";
	rec->roles = roles;
	rec->nroles = nroles;
	rec->last_online = last_online;
	rec->has_verifier = 1;
	rec->verifier.alg = PA_KDF_SCRYPT;
	rec->verifier.cost = 10;
}

static int
ready(const struct pa_conf *conf, const struct pa_cache_record *rec,
    long long now, int clock_ok)
{
	return clock_ok && pa_offline_eligible(conf, rec, now) == PA_OK;
}

/* The window posauthctl shows is the one the login applies. */
static void
test_offline_window(void)
{
	struct pa_conf *conf = NULL;
	struct pa_cache_record rec;
	char *cashier[] = { "cashier" }, *both[] = { "cashier", "manager" };
	long long now = 1700000000;

	if (pa_conf_parse(conf_text, strlen(conf_text), "test", &conf, NULL,
	    NULL) != PA_OK) {
		ok(0, "test_offline_conf_parses");
		return;
	}
	record_init(&rec, cashier, 1, now - 100);
	ok(pa_offline_left(conf, &rec, now) == 3500 &&
	    ready(conf, &rec, now, 1),
	    "test_offline_inside_grace_is_ready");
	record_init(&rec, both, 2, now - 100);
	ok(pa_offline_left(conf, &rec, now) == 500,
	    "test_offline_shortest_role_grace_wins");
	record_init(&rec, cashier, 1, now - 4000);
	ok(pa_offline_left(conf, &rec, now) == 0 &&
	    !ready(conf, &rec, now, 1),
	    "test_offline_after_grace_not_ready");
	record_init(&rec, cashier, 1, now - 100);
	rec.locked_until = now + 10;
	ok(!ready(conf, &rec, now, 1) &&
	    pa_offline_left(conf, &rec, now) == 3500,
	    "test_offline_locked_not_ready");
	rec.locked_until = now - 10;
	ok(ready(conf, &rec, now, 1),
	    "test_offline_expired_lock_ready");
	ok(!ready(conf, &rec, now, 0),
	    "test_offline_bad_clock_not_ready");
	record_init(&rec, cashier, 1, now - 100);
	rec.has_verifier = 0;
	ok(!ready(conf, &rec, now, 1) &&
	    pa_offline_left(conf, &rec, now) == 0,
	    "test_offline_without_verifier_not_ready");
	record_init(&rec, cashier, 1, now - 100);
	rec.verifier.cost = PA_KDF_COST_MAX + 1;
	ok(!ready(conf, &rec, now, 1),
	    "test_offline_unusable_verifier_not_ready");
	record_init(&rec, cashier, 1, now + 3000);
	ok(!ready(conf, &rec, now, 1) &&
	    pa_offline_left(conf, &rec, now) == 0,
	    "test_offline_record_from_the_future_not_ready");
	pa_conf_free(conf);
}

/*
 * The second factor offline: a role in mfa_roles (or a line with mfa)
 * gets in only within offline_mfa_grace of its last second factor.
 */
static void
test_offline_mfa(void)
{
	static const char text[] =
	    "issuer = https://id.example\n"
	    "client_id = pos\n"
	    "client_secret_file = /etc/posauth/client_secret\n"
	    "offline_grace = 3600\n"
	    "mfa_roles = admin\n";
	static const char with_window[] = "offline_mfa_grace = 600\n";
	struct pa_conf *conf = NULL, *conf2 = NULL;
	struct pa_cache_record rec;
	char *cashier[] = { "cashier" }, *admin[] = { "admin" };
	char both[sizeof(text) + sizeof(with_window)];
	long long now = 1700000000;

	snprintf(both, sizeof(both), "%s%s", text, with_window);
	if (pa_conf_parse(text, strlen(text), "test", &conf, NULL, NULL) !=
	    PA_OK || pa_conf_parse(both, strlen(both), "test", &conf2, NULL,
	    NULL) != PA_OK) {
		ok(0, "test_offline_mfa_confs_parse");
		goto out;
	}
	record_init(&rec, admin, 1, now - 100);
	rec.last_mfa = now - 100;
	ok(!ready(conf, &rec, now, 1) && pa_offline_left(conf, &rec, now) ==
	    0 && pa_offline_mfa_ok(conf, &rec, 0, now) ==
	    PA_ERR_OFFLINE_DENIED,
	    "test_offline_mfa_role_never_offline_by_default");
	ok(ready(conf2, &rec, now, 1) &&
	    pa_offline_left(conf2, &rec, now) == 500,
	    "test_offline_mfa_role_within_offline_mfa_grace");
	rec.last_mfa = now - 700;
	ok(!ready(conf2, &rec, now, 1) &&
	    pa_offline_left(conf2, &rec, now) == 0,
	    "test_offline_mfa_role_after_offline_mfa_grace");
	rec.last_mfa = 0;
	ok(!ready(conf2, &rec, now, 1),
	    "test_offline_mfa_role_without_any_second_factor");
	rec.last_mfa = now + 3000;
	ok(pa_offline_mfa_ok(conf2, &rec, 0, now) == PA_ERR_OFFLINE_DENIED,
	    "test_offline_mfa_from_the_future_denied");
	record_init(&rec, cashier, 1, now - 100);
	ok(ready(conf, &rec, now, 1) &&
	    pa_offline_mfa_ok(conf, &rec, 0, now) == PA_OK &&
	    pa_offline_mfa_ok(conf, &rec, 1, now) == PA_ERR_OFFLINE_DENIED,
	    "test_offline_mfa_forced_for_a_cashier_only_by_the_line");
	rec.last_mfa = now - 100;
	ok(pa_offline_mfa_ok(conf2, &rec, 1, now) == PA_OK,
	    "test_offline_mfa_forced_within_offline_mfa_grace");
 out:
	pa_conf_free(conf);
	pa_conf_free(conf2);
}

int
main(void)
{
	struct pa_conf *conf, *conf2;
	struct pa_cache *c = NULL;
	struct pa_cache_record *rec = NULL;
	struct pa_claims *alice, *bob;
	struct pa_tokens tok;
	char *cashier[] = { "cashier" };
	char *both[] = { "cashier", "manager" };
	char *admin[] = { "admin" };
	int i;

	if (mkdtemp(dir) == NULL)
		return 99;
	snprintf(cache_path, sizeof(cache_path), "%s/cache", dir);
	conf = conf_with("[offline_grace]\nmanager = 600\n");
	conf2 = conf_with("offline_roles = cashier\n");
	if (conf == NULL || conf2 == NULL ||
	    pa_cache_open(cache_path, 1, &c) != PA_OK)
		return 98;
	alice = claims_for("alice", "cashier");
	bob = claims_for("bob", "manager");
	memset(&tok, 0, sizeof(tok));
	tok.access_token = "a.b.c";
	tok.refresh_token = "refresh-1";
	tok.expires_in = 300;

	ok(pa_offline_grace_for(conf, cashier, 1) == 43200,
	    "test_grace_defaults_to_offline_grace");
	ok(pa_offline_grace_for(conf, both, 2) == 600,
	    "test_shortest_role_grace_wins");
	ok(pa_offline_grace_for(conf2, admin, 1) == 0 &&
	    pa_offline_grace_for(conf2, cashier, 1) == 43200,
	    "test_offline_roles_limit_who_may");

	ok(login(c, conf, "alice", "1234", T) == PA_ERR_CLOCK,
	    "test_no_offline_login_before_any_online_one");
	ok(pa_offline_remember(c, conf, "alice", "1234", alice, &tok, T) ==
	    PA_OK && pa_offline_remember(c, conf, "bob", "2345", bob, NULL,
	    T) == PA_OK, "test_remember_after_online_login");
	ok(pa_cache_get(c, "alice", &rec) == PA_OK && rec->has_verifier &&
	    rec->last_online == T && strcmp(rec->refresh_token,
	    "refresh-1") == 0 && rec->access_exp == T + 300,
	    "test_record_holds_verifier_claims_and_tokens");
	pa_cache_record_free(rec);
	rec = NULL;
	ok(login(c, conf, "alice", "1234", T + 60) == PA_OK,
	    "test_right_pin_logs_in_offline");
	ok(login(c, conf, "alice", "9999", T + 61) == PA_ERR_BAD_PIN,
	    "test_wrong_pin_refused_offline");
	ok(login(c, conf, "nobody", "1234", T + 62) == PA_ERR_NOT_FOUND,
	    "test_unknown_user_not_found");
	ok(login(c, conf, "bob", "2345", T + 700) == PA_ERR_OFFLINE_DENIED,
	    "test_role_grace_expires");
	ok(login(c, conf, "alice", "1234", T + 43300) ==
	    PA_ERR_OFFLINE_DENIED, "test_grace_expires");
	ok(login(c, conf, "alice", "1234", T - 3600) == PA_ERR_CLOCK,
	    "test_rolled_back_clock_refused");
	/* one failure so far (above); the third in a row locks */
	for (i = 0; i < 1; i++)
		login(c, conf, "alice", "0000", T + 100);
	ok(login(c, conf, "alice", "0000", T + 100) == PA_ERR_BAD_PIN &&
	    login(c, conf, "alice", "1234", T + 101) == PA_ERR_LOCKED,
	    "test_lockout_after_max_failures");
	ok(login(c, conf, "alice", "1234", T + 1100) == PA_OK,
	    "test_lockout_expires");
	ok(pa_offline_forget(c, "alice", PA_FORGET_VERIFIER) == PA_OK &&
	    login(c, conf, "alice", "1234", T + 1200) == PA_ERR_NOT_FOUND,
	    "test_rejection_wipes_the_verifier");
	ok(pa_cache_get(c, "alice", &rec) == PA_OK && rec->nroles == 1 &&
	    rec->refresh_token != NULL && rec->access_token != NULL &&
	    rec->npending == 0,
	    "test_rejection_keeps_roles_tokens_and_sessions");
	pa_cache_record_free(rec);
	rec = NULL;
	ok(pa_offline_remember(c, conf, "alice", "1234", alice, &tok,
	    T + 1250) == PA_OK &&
	    pa_offline_forget(c, "alice", PA_FORGET_CLAIMS) == PA_OK &&
	    pa_cache_get(c, "alice", &rec) == PA_OK && !rec->has_verifier &&
	    rec->nroles == 0 && rec->tenant == NULL &&
	    rec->refresh_token != NULL && rec->last_online == T + 1250,
	    "test_signed_no_wipes_verifier_and_roles_keeps_tokens");
	pa_cache_record_free(rec);
	rec = NULL;
	ok(pa_offline_remember(c, conf, "alice", "1234", alice, &tok,
	    T + 1300) == PA_OK && pa_offline_remember(c, conf, "alice",
	    "1234", alice, NULL, T + 1400) == PA_OK &&
	    pa_cache_get(c, "alice", &rec) == PA_OK &&
	    rec->npending == 0, "test_new_login_does_not_revoke_old_token");
	pa_cache_record_free(rec);
	rec = NULL;
	test_tenant_and_store_rechecked(c, alice);
	test_attempt_counted_before_the_pin(c, conf);
	test_offline_window();
	test_offline_mfa();
	{
		struct pa_conf *off = conf_with("offline_grace = 0\n");

		ok(off != NULL && pa_offline_remember(c, off, "carol", "3456",
		    alice, NULL, T) == PA_OK && pa_cache_get(c, "carol",
		    &rec) == PA_OK && !rec->has_verifier,
		    "test_no_verifier_when_offline_is_off");
		pa_cache_record_free(rec);
		pa_conf_free(off);
	}
	pa_claims_free(alice);
	pa_claims_free(bob);
	pa_cache_close(c);
	pa_conf_free(conf);
	pa_conf_free(conf2);
	{
		char cmd[256];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			return 97;
	}
	return tap_done();
}
