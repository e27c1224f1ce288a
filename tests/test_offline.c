#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache.h"
#include "claims.h"
#include "conf.h"
#include "err.h"
#include "offline.h"
#include "oidc.h"
#include "tap.h"

static char dir[] = "/tmp/test_offline.XXXXXX";
static char cache_path[128];
static const long long T = 1800000000LL;

static struct pa_conf *
conf_with(const char *extra)
{
	char text[4096];
	struct pa_conf *conf = NULL;

	snprintf(text, sizeof(text),
	    "issuer = https://id.example.test\nclient_id = pos\n"
	    "client_secret_file = /nonexistent\ncache_dir = %s\n"
	    "offline_kdf_cost = 10\noffline_max_failures = 3\n"
	    "offline_lockout = 900\n%s", cache_path, extra);
	if (pa_conf_parse(text, strlen(text), "t.conf", &conf, NULL,
	    NULL) != PA_OK)
		return NULL;
	return conf;
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
	ok(pa_offline_forget(c, "alice") == PA_OK &&
	    login(c, conf, "alice", "1234", T + 1200) == PA_ERR_NOT_FOUND,
	    "test_rejection_wipes_the_verifier");
	ok(pa_cache_get(c, "alice", &rec) == PA_OK && rec->nroles == 0 &&
	    rec->refresh_token == NULL && rec->npending == 1 &&
	    strcmp(rec->pending_revocations[0], "refresh-1") == 0,
	    "test_rejection_queues_the_refresh_token");
	pa_cache_record_free(rec);
	rec = NULL;
	ok(pa_offline_remember(c, conf, "alice", "1234", alice, &tok,
	    T + 1300) == PA_OK && pa_offline_remember(c, conf, "alice",
	    "1234", alice, NULL, T + 1400) == PA_OK &&
	    pa_cache_get(c, "alice", &rec) == PA_OK &&
	    rec->npending == 1, "test_new_login_does_not_revoke_old_token");
	pa_cache_record_free(rec);
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
