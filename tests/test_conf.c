/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alg.h"
#include "conf.h"
#include "err.h"
#include "tap.h"

#define MAX_REPORTS 64

struct report {
	char file[256];
	unsigned line;
	char key[64];
	char msg[512];
};

static struct report reports[MAX_REPORTS];
static size_t nreports;

static void
capture(void *ctx, const char *file, unsigned line, const char *key,
    const char *msg)
{
	struct report *r;

	(void)ctx;
	if (nreports >= MAX_REPORTS)
		return;
	r = &reports[nreports++];
	snprintf(r->file, sizeof(r->file), "%s", file);
	r->line = line;
	snprintf(r->key, sizeof(r->key), "%s", key != NULL ? key : "");
	snprintf(r->msg, sizeof(r->msg), "%s", msg);
}

/* Did some report name this line and key (key "" = no key)? */
static int
reported(unsigned line, const char *key)
{
	size_t i;

	for (i = 0; i < nreports; i++)
		if (reports[i].line == line && strcmp(reports[i].key, key) == 0)
			return 1;
	return 0;
}

static int
reported_msg(const char *needle)
{
	size_t i;

	for (i = 0; i < nreports; i++)
		if (strstr(reports[i].msg, needle) != NULL)
			return 1;
	return 0;
}

static int
parse_len(const char *text, size_t len, struct pa_conf **out)
{
	nreports = 0;
	return pa_conf_parse(text, len, "test.conf", out, capture, NULL);
}

static int
parse(const char *text, struct pa_conf **out)
{
	return parse_len(text, strlen(text), out);
}

#define BASE \
	"issuer = https://id.example/realms/pos\n" \
	"client_id = pos-terminal\n" \
	"client_secret_file = /etc/posauth/secret\n"

/*
 * BASE plus some lines from line 4 on: refused, *out NULL, and exactly one
 * report, naming key (or no key: "") on one of the added lines?
 */
static int
one_line_fails(const char *line, const char *key)
{
	struct pa_conf *c = (struct pa_conf *)1;
	char buf[8192];
	int r;

	snprintf(buf, sizeof(buf), "%s%s\n", BASE, line);
	r = parse(buf, &c);
	return r == PA_ERR_CONFIG && c == NULL && nreports == 1 &&
	    reports[0].line >= 4 && strcmp(reports[0].key, key) == 0;
}

static int
one_line_ok(const char *line, struct pa_conf **out)
{
	char buf[8192];

	snprintf(buf, sizeof(buf), "%s%s\n", BASE, line);
	return parse(buf, out) == PA_OK && nreports == 0;
}

static void
test_full_config(void)
{
	struct pa_conf *c = NULL;
	const char *text =
	    "# a full configuration\n"
	    "issuer = https://id.example/realms/pos/\n"
	    "client_id = pos-terminal\n"
	    "client_secret_file = /etc/posauth/secret\n"
	    "ca_file = /etc/posauth/ca.pem\n"
	    "audience = pos-api\n"
	    "token = access_token\n"
	    "roles_claim = realm_access.roles\n"
	    "tenant = acme\n"
	    "tenant_claim = org\n"
	    "store = Store 0042\n"
	    "store_claim = stores\n"
	    "username_claim = upn\n"
	    "algorithms = PS256, ES384\n"
	    "leeway = 30\n"
	    "connect_timeout = 5\n"
	    "timeout = 20\n"
	    "max_response_bytes = 131072\n"
	    "username_pattern = ^[a-z]{2,32}$\n"
	    "cache_dir = /var/lib/pa\n"
	    "runtime_dir = /run/pa\n"
	    "offline_grace = 3600\n"
	    "offline_roles = cashier, manager\n"
	    "offline_max_failures = 3\n"
	    "offline_lockout = 600\n"
	    "offline_kdf_cost = 12\n"
	    "mfa_roles = admin, manager\n"
	    "mfa_acr = urn:posauth:mfa\n"
	    "offline_mfa_grace = 600\n"
	    "default_groups = pos, lp\n"
	    "nss_index = /var/cache/pa/nss.db\n"
	    "uid_claim = uidNumber\n"
	    "uid_min = 300000\n"
	    "uid_max = 399999\n"
	    "home_pattern = /srv/home/%u%%\n"
	    "shell = /usr/bin/zsh\n"
	    "nss_expire = 30\n"
	    "session_refresh = 2\n"
	    "on_session_revoked = terminate\n"
	    "session_revoked_hook = /usr/local/sbin/pos-revoked\n";

	ok(parse(text, &c) == PA_OK && c != NULL && nreports == 0,
	    "test_full_config_parses");
	if (c == NULL)
		return;
	ok(strcmp(c->issuer, "https://id.example/realms/pos/") == 0,
	    "test_issuer_trailing_slash_kept");
	ok(strcmp(c->client_id, "pos-terminal") == 0 &&
	    strcmp(c->client_secret_file, "/etc/posauth/secret") == 0 &&
	    strcmp(c->ca_file, "/etc/posauth/ca.pem") == 0,
	    "test_full_config_service_strings");
	ok(strcmp(c->audience, "pos-api") == 0,
	    "test_full_config_audience");
	ok(c->token == PA_TOKEN_ACCESS, "test_full_config_token");
	ok(strcmp(c->roles_claim, "realm_access.roles") == 0 &&
	    strcmp(c->tenant, "acme") == 0 &&
	    strcmp(c->tenant_claim, "org") == 0 &&
	    strcmp(c->store, "Store 0042") == 0 &&
	    strcmp(c->store_claim, "stores") == 0 &&
	    strcmp(c->username_claim, "upn") == 0 &&
	    strcmp(c->uid_claim, "uidNumber") == 0,
	    "test_full_config_claim_names");
	ok(c->algorithms == (PA_ALG_PS256 | PA_ALG_ES384),
	    "test_full_config_algorithms");
	ok(c->leeway == 30 && c->connect_timeout == 5 && c->timeout == 20 &&
	    c->max_response_bytes == 131072, "test_full_config_numbers");
	ok(strcmp(c->username_pattern, "^[a-z]{2,32}$") == 0,
	    "test_full_config_pattern");
	ok(strcmp(c->cache_dir, "/var/lib/pa") == 0 &&
	    strcmp(c->runtime_dir, "/run/pa") == 0 &&
	    strcmp(c->nss_index, "/var/cache/pa/nss.db") == 0 &&
	    strcmp(c->home_pattern, "/srv/home/%u%%") == 0 &&
	    strcmp(c->shell, "/usr/bin/zsh") == 0, "test_full_config_paths");
	ok(c->offline_grace == 3600 && c->offline_max_failures == 3 &&
	    c->offline_lockout == 600 && c->offline_kdf_cost == 12,
	    "test_full_config_offline");
	ok(c->n_offline_roles == 2 &&
	    strcmp(c->offline_roles[0], "cashier") == 0 &&
	    strcmp(c->offline_roles[1], "manager") == 0,
	    "test_full_config_offline_roles_trimmed");
	ok(c->n_mfa_roles == 2 && strcmp(c->mfa_roles[0], "admin") == 0 &&
	    strcmp(c->mfa_roles[1], "manager") == 0 &&
	    strcmp(c->mfa_acr, "urn:posauth:mfa") == 0 &&
	    c->offline_mfa_grace == 600, "test_full_config_mfa");
	ok(c->n_default_groups == 2 &&
	    strcmp(c->default_groups[0], "pos") == 0 &&
	    strcmp(c->default_groups[1], "lp") == 0,
	    "test_full_config_default_groups");
	ok(c->uid_min == 300000 && c->uid_max == 399999 &&
	    c->nss_expire == 30, "test_full_config_nss");
	ok(c->session_refresh == 2 &&
	    c->on_session_revoked == PA_REVOKED_TERMINATE &&
	    strcmp(c->session_revoked_hook, "/usr/local/sbin/pos-revoked") ==
	    0, "test_full_config_session_following");
	ok(strcmp(c->path, "test.conf") == 0, "test_path_recorded");
	pa_conf_free(c);
}

static void
test_defaults(void)
{
	struct pa_conf *c = NULL;

	ok(parse(BASE, &c) == PA_OK && c != NULL, "test_minimal_config_parses");
	if (c == NULL)
		return;
	ok(strcmp(c->audience, "pos-terminal") == 0,
	    "test_default_audience_is_client_id");
	ok(c->token == PA_TOKEN_ID, "test_default_token_is_id_token");
	ok(c->algorithms == PA_ALG_DEFAULT, "test_default_algorithms");
	ok(c->leeway == 60 && c->connect_timeout == 3 && c->timeout == 10 &&
	    c->max_response_bytes == 65536, "test_default_network_numbers");
	ok(strcmp(c->username_claim, "preferred_username") == 0 &&
	    strcmp(c->roles_claim, "roles") == 0 &&
	    strcmp(c->tenant_claim, "tenant") == 0 &&
	    strcmp(c->store_claim, "store") == 0,
	    "test_default_claim_names");
	ok(c->ca_file == NULL && c->tenant == NULL && c->store == NULL &&
	    c->uid_claim == NULL, "test_optional_keys_unset");
	ok(strcmp(c->username_pattern, "^[a-z0-9][a-z0-9._-]{0,63}$") == 0,
	    "test_default_username_pattern");
	ok(strcmp(c->cache_dir, "/var/lib/posauth") == 0 &&
	    strcmp(c->runtime_dir, "/run/posauth") == 0 &&
	    strcmp(c->nss_index, "/var/cache/posauth/nss.db") == 0,
	    "test_default_dirs");
	ok(c->offline_grace == 43200 && c->offline_roles == NULL &&
	    c->n_offline_roles == 0 && c->offline_max_failures == 5 &&
	    c->offline_lockout == 900 && c->offline_kdf_cost == 15,
	    "test_default_offline");
	ok(c->mfa_roles == NULL && c->n_mfa_roles == 0 && c->mfa_acr == NULL &&
	    c->offline_mfa_grace == 0, "test_default_no_second_factor");
	ok(c->default_groups == NULL && c->n_default_groups == 0 &&
	    c->roles == NULL && c->nroles == 0 && c->role_grace == NULL,
	    "test_default_no_groups_or_sections");
	ok(c->uid_min == 200000 && c->uid_max == 299999 &&
	    strcmp(c->home_pattern, "/home/%u") == 0 &&
	    strcmp(c->shell, "/bin/bash") == 0 && c->nss_expire == 90,
	    "test_default_nss");
	ok(c->session_refresh == 300 &&
	    c->on_session_revoked == PA_REVOKED_LOCK &&
	    c->session_revoked_hook == NULL,
	    "test_default_sessions_refresh_every_300s_and_lock");
	pa_conf_free(c);
}

static void
test_required(void)
{
	static const char *lines[] = {
		"issuer = https://id.example/realms/pos\n",
		"client_id = pos-terminal\n",
		"client_secret_file = /etc/posauth/secret\n",
	};
	static const char *keys[] = {
		"issuer", "client_id", "client_secret_file",
	};
	static const char *names[] = {
		"test_missing_issuer_is_reported",
		"test_missing_client_id_is_reported",
		"test_missing_client_secret_file_is_reported",
	};
	struct pa_conf *c;
	char buf[512];
	size_t i, j;

	for (i = 0; i < 3; i++) {
		buf[0] = '\0';
		for (j = 0; j < 3; j++)
			if (j != i)
				strcat(buf, lines[j]);
		c = (struct pa_conf *)1;
		ok(parse(buf, &c) == PA_ERR_CONFIG && c == NULL &&
		    nreports == 1 && reported(0, keys[i]) &&
		    reported_msg("missing"), names[i]);
	}
	c = (struct pa_conf *)1;
	ok(parse("", &c) == PA_ERR_CONFIG && c == NULL && nreports == 3,
	    "test_empty_file_reports_all_required_keys");
	ok(parse("issuer = http://x.example\n" "client_id = a\n"
	    "client_secret_file = /s\n", &c) == PA_ERR_CONFIG &&
	    nreports == 1 && reported(1, "issuer"),
	    "test_bad_required_value_not_also_missing");
}

static void
test_keys_and_lines(void)
{
	struct pa_conf *c;

	c = (struct pa_conf *)1;
	ok(parse(BASE "\n# comment\nissuerr = https://x.example\n", &c) ==
	    PA_ERR_CONFIG && c == NULL && nreports == 1 &&
	    reported(6, "issuerr") && strcmp(reports[0].file, "test.conf") == 0
	    && reported_msg("unknown key"), "test_unknown_key_names_file_line_key");
	ok(parse(BASE "leeway = 10\nleeway = 20\n", &c) == PA_ERR_CONFIG &&
	    nreports == 1 && reported(5, "leeway") &&
	    reported_msg("line 4"), "test_duplicate_key_is_an_error");
	ok(one_line_fails("just some words", ""),
	    "test_line_without_equals_is_malformed");
	ok(one_line_fails(" = value", ""), "test_line_without_key_is_malformed");
	ok(one_line_fails("leeway =", "leeway"), "test_empty_value_is_an_error");
	ok(one_line_fails("cashier = pos", "cashier"),
	    "test_role_mapping_outside_roles_is_unknown_key");
	ok(one_line_fails("[roles", ""), "test_malformed_section_header");
	ok(one_line_fails("leeway = 1\x01", ""),
	    "test_control_byte_in_line_is_an_error");
	ok(one_line_fails("store = a\tb", ""),
	    "test_tab_inside_value_is_an_error");

	c = NULL;
	ok(one_line_ok("   # indented comment\n\t\n   \n"
	    "store = 12 # the store\n", &c) && c != NULL &&
	    strcmp(c->store, "12") == 0, "test_comments_and_blank_lines");
	pa_conf_free(c);
	c = NULL;
	ok(parse("issuer = https://id.example/realms/pos\n"
	    "client_id = pos#1\n"
	    "client_secret_file = /etc/posauth/secret\n", &c) == PA_OK &&
	    c != NULL && strcmp(c->client_id, "pos#1") == 0,
	    "test_hash_inside_value_is_kept");
	pa_conf_free(c);
	c = NULL;
	ok(parse("  issuer\t=\thttps://id.example/realms/pos  \n"
	    "client_id=pos-terminal\n"
	    "client_secret_file  =/etc/posauth/secret\t\n", &c) == PA_OK &&
	    c != NULL && strcmp(c->issuer, "https://id.example/realms/pos") == 0
	    && strcmp(c->client_secret_file, "/etc/posauth/secret") == 0,
	    "test_whitespace_around_key_and_value_trimmed");
	pa_conf_free(c);
}

struct num_case {
	const char *key;
	const char *below;	/* NULL when the minimum is 0 */
	const char *above;
	const char *good;
};

static void
test_numbers(void)
{
	static const struct num_case cases[] = {
		{ "leeway", NULL, "601", "600" },
		{ "connect_timeout", "0", "61", "1" },
		{ "timeout", "0", "301", "300" },
		{ "max_response_bytes", "4095", "16777217", "16777216" },
		{ "offline_grace", NULL, "2147483648", "0" },
		{ "offline_max_failures", NULL, "101", "100" },
		{ "offline_lockout", NULL, "2147483648", "1" },
		{ "offline_kdf_cost", "9", "23", "22" },
		{ "offline_mfa_grace", NULL, "2147483648", "60" },
		{ "uid_min", "999", "4294967295", "1000" },
		{ "uid_max", "999", "4294967295", "4294967294" },
		{ "nss_expire", NULL, "36501", "0" },
		{ "session_refresh", NULL, "86401", "1" },
	};
	static const char *junk[] = {
		"abc", "12x", "99999999999999999999", "-1", "+5", "0x10",
		"1 2", "1.5",
	};
	struct pa_conf *c;
	char line[256], name[256];
	size_t i, j;
	int all;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].below != NULL) {
			snprintf(line, sizeof(line), "%s = %s", cases[i].key,
			    cases[i].below);
			snprintf(name, sizeof(name), "test_%s_below_minimum",
			    cases[i].key);
			ok(one_line_fails(line, cases[i].key), name);
		}
		snprintf(line, sizeof(line), "%s = %s", cases[i].key,
		    cases[i].above);
		snprintf(name, sizeof(name), "test_%s_above_maximum",
		    cases[i].key);
		ok(one_line_fails(line, cases[i].key), name);
		all = 1;
		for (j = 0; j < sizeof(junk) / sizeof(junk[0]); j++) {
			snprintf(line, sizeof(line), "%s = %s", cases[i].key,
			    junk[j]);
			if (!one_line_fails(line, cases[i].key))
				all = 0;
		}
		snprintf(name, sizeof(name),
		    "test_%s_rejects_junk_sign_and_overflow", cases[i].key);
		ok(all, name);
		/* the range edge itself is accepted (cross checks aside) */
		snprintf(line, sizeof(line), "%s = %s", cases[i].key,
		    cases[i].good);
		c = NULL;
		if (strcmp(cases[i].key, "uid_min") == 0 ||
		    strcmp(cases[i].key, "uid_max") == 0 ||
		    strcmp(cases[i].key, "timeout") == 0 ||
		    strcmp(cases[i].key, "connect_timeout") == 0) {
			snprintf(name, sizeof(name), "test_%s_edge_accepted",
			    cases[i].key);
			snprintf(line, sizeof(line), "%s = %s\n%s",
			    cases[i].key, cases[i].good,
			    strcmp(cases[i].key, "uid_min") == 0 ?
			    "uid_max = 5000" :
			    strcmp(cases[i].key, "uid_max") == 0 ?
			    "uid_min = 1000" :
			    strcmp(cases[i].key, "timeout") == 0 ?
			    "connect_timeout = 1" : "timeout = 10");
		} else
			snprintf(name, sizeof(name), "test_%s_edge_accepted",
			    cases[i].key);
		ok(one_line_ok(line, &c), name);
		pa_conf_free(c);
	}
	ok(one_line_fails("timeout = 2\nconnect_timeout = 5", "timeout") &&
	    reported_msg("connect_timeout"),
	    "test_timeout_below_connect_timeout_is_an_error");
	ok(one_line_fails("uid_min = 5000\nuid_max = 5000", "uid_max"),
	    "test_uid_min_must_be_below_uid_max");
	ok(one_line_fails("offline_lockout = 0", "offline_lockout") &&
	    reported_msg("offline_grace"),
	    "test_offline_lockout_zero_is_an_error_with_grace_on");
	ok(one_line_fails("offline_max_failures = 0", "offline_max_failures"),
	    "test_offline_max_failures_zero_is_an_error_with_grace_on");
	ok(one_line_ok("offline_grace = 0\noffline_lockout = 0\n"
	    "offline_max_failures = 0", &c), "test_lockout_zero_fine_without_grace");
	pa_conf_free(c);
}

static void
test_strings(void)
{
	struct pa_conf *c;

	ok(one_line_fails("token = refresh_token", "token"),
	    "test_bad_token_kind");
	ok(one_line_fails("on_session_revoked = logout",
	    "on_session_revoked") && reported_msg("lock, terminate or none"),
	    "test_bad_session_revoked_action");
	c = NULL;
	ok(one_line_ok("on_session_revoked = none", &c) &&
	    c->on_session_revoked == PA_REVOKED_NONE,
	    "test_session_revoked_action_none");
	pa_conf_free(c);
	ok(one_line_fails("session_revoked_hook = bin/hook",
	    "session_revoked_hook"), "test_relative_session_revoked_hook");
	ok(one_line_fails("ca_file = etc/ca.pem", "ca_file"),
	    "test_relative_ca_file_rejected");
	ok(one_line_fails("cache_dir = var/lib", "cache_dir"),
	    "test_relative_cache_dir_rejected");
	ok(one_line_fails("shell = bash", "shell"), "test_relative_shell");
	ok(one_line_fails("home_pattern = /home/%n", "home_pattern"),
	    "test_home_pattern_unknown_escape");
	ok(one_line_fails("home_pattern = /home/%", "home_pattern"),
	    "test_home_pattern_trailing_percent");
	ok(one_line_fails("home_pattern = home/%u", "home_pattern"),
	    "test_home_pattern_relative");
	ok(one_line_fails("roles_claim = realm_access..roles", "roles_claim"),
	    "test_claim_path_empty_segment");
	ok(one_line_fails("roles_claim = .roles", "roles_claim") &&
	    one_line_fails("roles_claim = roles.", "roles_claim"),
	    "test_claim_path_leading_trailing_dot");
	ok(one_line_fails("audience = pos api", "audience"),
	    "test_audience_with_space_rejected");
	ok(one_line_fails("username_pattern = ^[a-z", "username_pattern") &&
	    reported_msg("compile"), "test_username_pattern_must_compile");
	c = NULL;
	ok(one_line_ok("username_pattern = ^[a-z]+$", &c),
	    "test_username_pattern_valid");
	pa_conf_free(c);
	c = NULL;
	ok(one_line_ok("", &c) && strcmp(c->scope, "openid") == 0,
	    "test_scope_defaults_to_openid");
	pa_conf_free(c);
	c = NULL;
	ok(one_line_ok("scope = openid profile offline_access", &c) &&
	    strcmp(c->scope, "openid profile offline_access") == 0,
	    "test_scope_takes_several_tokens");
	pa_conf_free(c);
	ok(one_line_fails("scope = openid\"x", "scope"),
	    "test_scope_with_quote_rejected");
	ok(one_line_fails("tenant = acme\xc3\xa9", "tenant") &&
	    one_line_fails("store = caf\xc3\xa9", "store"),
	    "test_tenant_and_store_must_be_printable_ascii");
}

static void
test_issuer(void)
{
	static const struct {
		const char *value;
		const char *name;
	} bad[] = {
		{ "http://id.example", "test_issuer_http_rejected" },
		{ "id.example/realms/pos", "test_issuer_without_scheme" },
		{ "https://id.example/#frag", "test_issuer_with_fragment" },
		{ "https://id.example/?a=b", "test_issuer_with_query" },
		{ "https://", "test_issuer_without_host" },
		{ "https:///path", "test_issuer_empty_host" },
		{ "https://pos.example@evil.example",
		    "test_issuer_with_userinfo" },
		{ "HTTPS://id.example", "test_issuer_scheme_is_lowercase" },
		{ "https://id.example/a b", "test_issuer_with_space" },
	};
	char line[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line),
		    "issuer = %s\nclient_id = a\nclient_secret_file = /s\n",
		    bad[i].value);
		nreports = 0;
		ok(pa_conf_parse(line, strlen(line), "t", &(struct pa_conf *){
		    NULL }, capture, NULL) == PA_ERR_CONFIG && nreports == 1 &&
		    reported(1, "issuer"), bad[i].name);
	}
}

static void
test_algorithms(void)
{
	struct pa_conf *c = NULL;

	ok(one_line_fails("algorithms = none", "algorithms"),
	    "test_alg_none_rejected");
	ok(one_line_fails("algorithms = HS256", "algorithms"),
	    "test_alg_hs256_rejected");
	ok(one_line_fails("algorithms = RS256,,ES256", "algorithms"),
	    "test_alg_empty_item_rejected");
	ok(one_line_fails("algorithms = RS256, ", "algorithms"),
	    "test_alg_trailing_comma_rejected");
	ok(one_line_fails("algorithms = RS256,RS256", "algorithms"),
	    "test_alg_duplicate_rejected");
	ok(one_line_fails("algorithms = rs256", "algorithms"),
	    "test_alg_names_are_case_sensitive");
	ok(one_line_fails("algorithms =", "algorithms"),
	    "test_alg_empty_list_rejected");
	ok(one_line_ok("algorithms = EdDSA", &c) && c != NULL &&
	    c->algorithms == PA_ALG_EDDSA, "test_alg_single");
	pa_conf_free(c);
}

static void
test_lists(void)
{
	struct pa_conf *c = NULL;

	ok(one_line_fails("offline_roles = cashier, cashier", "offline_roles"),
	    "test_list_duplicate_rejected");
	ok(one_line_fails("offline_roles = cashier,,manager", "offline_roles"),
	    "test_list_empty_item_rejected");
	ok(one_line_fails("offline_roles = a:b", "offline_roles"),
	    "test_list_bad_role_rejected");
	ok(one_line_fails("default_groups = pos, root", "default_groups"),
	    "test_default_groups_root_refused");
	ok(one_line_fails("default_groups = Pos", "default_groups"),
	    "test_default_groups_invalid_name");
	ok(one_line_ok("offline_roles =", &c) && c != NULL &&
	    c->n_offline_roles == 0, "test_empty_list_means_none");
	pa_conf_free(c);
}

static void
test_sections(void)
{
	struct pa_conf *c = NULL;
	const char *text = BASE
	    "[roles]\n"
	    "cashier = pos, lp\n"
	    "store-manager = pos ,pos-admin\n"
	    "[offline_grace]\n"
	    "cashier = 3600\n"
	    "store-manager = 0\n";

	ok(parse(text, &c) == PA_OK && c != NULL, "test_sections_parse");
	ok(c != NULL && c->nroles == 2 &&
	    strcmp(c->roles[0].role, "cashier") == 0 &&
	    c->roles[0].ngroups == 2 &&
	    strcmp(c->roles[0].groups[0], "pos") == 0 &&
	    strcmp(c->roles[0].groups[1], "lp") == 0 &&
	    strcmp(c->roles[1].role, "store-manager") == 0 &&
	    c->roles[1].ngroups == 2 &&
	    strcmp(c->roles[1].groups[1], "pos-admin") == 0,
	    "test_roles_section_maps_groups");
	ok(c != NULL && c->n_role_grace == 2 &&
	    strcmp(c->role_grace[0].role, "cashier") == 0 &&
	    c->role_grace[0].seconds == 3600 &&
	    c->role_grace[1].seconds == 0,
	    "test_offline_grace_section_parsed");
	pa_conf_free(c);

	ok(one_line_fails("[roles]\nadmin = root", "admin") &&
	    reported_msg("root"), "test_roles_root_group_refused");
	ok(one_line_fails("[roles]\nadmin = wheel, Bad", "admin"),
	    "test_roles_invalid_group_refused");
	ok(one_line_fails("[roles]\nadmin =", "admin"),
	    "test_roles_without_groups_refused");
	ok(one_line_fails("[roles]\na,b = pos", "a,b"),
	    "test_roles_bad_role_name");
	ok(parse(BASE "[roles]\nx = pos\nx = lp\n", &c) == PA_ERR_CONFIG &&
	    nreports == 1 && reported(6, "x"), "test_roles_duplicate_role");
	ok(one_line_fails("[offline_grace]\ncashier = 1h", "cashier"),
	    "test_offline_grace_bad_seconds");
	ok(one_line_fails("[offline_grace]\ncashier = -5", "cashier"),
	    "test_offline_grace_negative_seconds");
	ok(parse(BASE "[users]\nalice = x\nbob = y\n", &c) == PA_ERR_CONFIG &&
	    nreports == 1 && reported(4, "") && reported_msg("users"),
	    "test_unknown_section_reported_once");
	ok(parse(BASE "[roles]\ncashier = pos\nleeway = 5\n", &c) ==
	    PA_ERR_CONFIG && nreports == 1 && reported(6, "leeway") &&
	    reported_msg("top-level"), "test_top_level_key_inside_section");
	ok(parse(BASE "[ roles ]\ncashier = pos\n[offline_grace]\n"
	    "[roles]\nmanager = pos\n", &c) == PA_OK && c != NULL &&
	    c->nroles == 2, "test_section_may_reopen");
	pa_conf_free(c);
}

static void
test_limits(void)
{
	static const char nul_text[] = BASE "leeway = 5\0junk\n";
	struct pa_conf *c = NULL;
	char *big;
	size_t n;

	n = strlen(BASE) + 2 + 4097 + 1;
	if ((big = malloc(PA_CONF_MAX_BYTES + 2)) == NULL)
		abort();
	/* a comment line of exactly the cap is fine */
	snprintf(big, n, "%s#", BASE);
	memset(big + strlen(BASE) + 1, 'x', PA_CONF_LINE_MAX - 1);
	big[strlen(BASE) + PA_CONF_LINE_MAX] = '\n';
	ok(parse_len(big, strlen(BASE) + PA_CONF_LINE_MAX + 1, &c) == PA_OK,
	    "test_line_at_cap_accepted");
	pa_conf_free(c);
	c = NULL;
	big[strlen(BASE) + PA_CONF_LINE_MAX] = 'x';
	big[strlen(BASE) + PA_CONF_LINE_MAX + 1] = '\n';
	ok(parse_len(big, strlen(BASE) + PA_CONF_LINE_MAX + 2, &c) ==
	    PA_ERR_CONFIG && nreports == 1 && reported(4, "") &&
	    reported_msg("longer"), "test_line_over_cap_rejected");

	memset(big, '\n', PA_CONF_MAX_BYTES + 1);
	memcpy(big, BASE, strlen(BASE));
	ok(parse_len(big, PA_CONF_MAX_BYTES + 1, &c) == PA_ERR_CONFIG &&
	    reported(0, "") && reported_msg("larger"),
	    "test_file_over_size_cap_rejected");
	ok(parse_len(big, PA_CONF_MAX_BYTES, &c) == PA_OK,
	    "test_file_at_size_cap_accepted");
	pa_conf_free(c);
	free(big);
	c = NULL;

	ok(parse_len(nul_text, sizeof(nul_text) - 1, &c) ==
	    PA_ERR_CONFIG && nreports == 1 && reported(4, "") &&
	    reported_msg("NUL"), "test_nul_byte_rejected");
	ok(parse("issuer = https://id.example/realms/pos\r\n"
	    "client_id = pos-terminal\r\n"
	    "client_secret_file = /etc/posauth/secret\r\n"
	    "[roles]\r\ncashier = pos\r\n", &c) == PA_OK && c != NULL &&
	    strcmp(c->issuer, "https://id.example/realms/pos") == 0 &&
	    strcmp(c->client_secret_file, "/etc/posauth/secret") == 0 &&
	    c->nroles == 1, "test_crlf_line_endings");
	pa_conf_free(c);
	c = NULL;
	ok(parse("issuer = https://id.example/realms/pos\n"
	    "client_id = pos-terminal\n"
	    "client_secret_file = /etc/posauth/secret", &c) == PA_OK,
	    "test_last_line_without_newline");
	pa_conf_free(c);
}

static void
test_all_problems_reported(void)
{
	struct pa_conf *c = (struct pa_conf *)1;

	ok(parse("issuer = http://bad\n"
	    "bogus = 1\n"
	    "leeway = lots\n"
	    "leeway = 5\n"
	    "[nowhere]\n", &c) == PA_ERR_CONFIG && c == NULL &&
	    nreports == 7 && reported(1, "issuer") && reported(2, "bogus") &&
	    reported(3, "leeway") && reported(4, "leeway") && reported(5, "") &&
	    reported(0, "client_id") && reported(0, "client_secret_file"),
	    "test_every_problem_is_reported");
	ok(pa_conf_parse(BASE "bogus = 1\n", strlen(BASE) + 10, "t", &c, NULL,
	    NULL) == PA_ERR_CONFIG && c == NULL,
	    "test_null_report_callback_still_fails");
}

static int
write_file(const char *path, const char *text, mode_t mode)
{
	int fd, r = -1;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0)
		return -1;
	if (write(fd, text, strlen(text)) == (ssize_t)strlen(text) &&
	    fchmod(fd, mode) == 0)
		r = 0;
	close(fd);
	return r;
}

static void
test_load(void)
{
	char dir[] = "/tmp/test_conf.XXXXXX", path[256], link[256];
	struct pa_conf *c = NULL;

	if (mkdtemp(dir) == NULL) {
		ok(0, "test_load_setup");
		return;
	}
	snprintf(path, sizeof(path), "%s/posauth.conf", dir);
	snprintf(link, sizeof(link), "%s/link.conf", dir);
	ok(write_file(path, BASE, 0644) == 0 &&
	    pa_conf_load(path, &c, capture, NULL) == PA_OK && c != NULL &&
	    strcmp(c->path, path) == 0, "test_load_safe_file");
	pa_conf_free(c);
	c = NULL;
	ok(symlink(path, link) == 0 &&
	    pa_conf_load(link, &c, capture, NULL) == PA_OK && c != NULL,
	    "test_load_follows_symlink");
	pa_conf_free(c);
	c = (struct pa_conf *)1;
	nreports = 0;
	ok(chmod(path, 0664) == 0 &&
	    pa_conf_load(path, &c, capture, NULL) == PA_ERR_CONFIG &&
	    c == NULL && nreports == 1 && reported_msg("writable"),
	    "test_load_group_writable_refused");
	nreports = 0;
	ok(chmod(path, 0646) == 0 &&
	    pa_conf_load(path, &c, capture, NULL) == PA_ERR_CONFIG &&
	    nreports == 1, "test_load_world_writable_refused");
	nreports = 0;
	if (geteuid() == 0) {
		ok(chmod(path, 0644) == 0 && chown(path, 4242, 4242) == 0 &&
		    pa_conf_load(path, &c, capture, NULL) == PA_ERR_CONFIG &&
		    nreports == 1 && reported_msg("owned"),
		    "test_load_foreign_owner_refused");
	} else
		ok(1, "test_load_foreign_owner_refused # SKIP not root");
	nreports = 0;
	ok(pa_conf_load(dir, &c, capture, NULL) == PA_ERR_CONFIG &&
	    reported_msg("regular"), "test_load_directory_refused");
	unlink(path);
	nreports = 0;
	ok(pa_conf_load(path, &c, capture, NULL) == PA_ERR_SYSTEM &&
	    c == NULL && nreports == 1 && reported(0, "") &&
	    strcmp(reports[0].file, path) == 0, "test_load_missing_file");
	unlink(link);
	rmdir(dir);
}

/* Reads etc/posauth.conf; uncomment: "#key" and "#[" lines lose the '#'. */
static char *
read_example(int uncomment, size_t *len)
{
	const char *top = getenv("top_srcdir");
	char path[1024], line[PA_CONF_LINE_MAX + 2], *buf;
	FILE *f;

	/* Run by hand (no top_srcdir): find it from where we were compiled. */
	if (top != NULL)
		snprintf(path, sizeof(path), "%s/etc/posauth.conf", top);
	else
		snprintf(path, sizeof(path), "%.*setc/posauth.conf",
		    (int)(strlen(__FILE__) - strlen("tests/test_conf.c")),
		    __FILE__);
	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	if ((buf = calloc(1, PA_CONF_MAX_BYTES)) == NULL)
		abort();
	*len = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		const char *l = line;
		size_t n;

		if (uncomment && line[0] == '#' &&
		    ((line[1] >= 'a' && line[1] <= 'z') || line[1] == '['))
			l = line + 1;
		n = strlen(l);
		if (*len + n >= PA_CONF_MAX_BYTES)
			abort();
		memcpy(buf + *len, l, n);
		*len += n;
	}
	fclose(f);
	return buf;
}

static void
test_example_file(void)
{
	struct pa_conf *c = NULL;
	char *text;
	size_t len;

	text = read_example(0, &len);
	ok(text != NULL && parse_len(text, len, &c) == PA_ERR_CONFIG &&
	    nreports == 3 && reported(0, "issuer") &&
	    reported(0, "client_id") && reported(0, "client_secret_file"),
	    "test_example_as_shipped_only_lacks_required_keys");
	free(text);
	text = read_example(1, &len);
	ok(text != NULL && parse_len(text, len, &c) == PA_OK && c != NULL &&
	    c->nroles == 2 && c->n_role_grace == 1 && nreports == 0,
	    "test_example_uncommented_is_valid");
	pa_conf_free(c);
	free(text);
}

/* Issue 14: client_auth, the device key, DPoP. */
static void
test_client_auth(void)
{
	struct pa_conf *c = NULL;
	const char *ids = "issuer = https://id.example/\nclient_id = pos\n";
	char buf[1024];

	ok(one_line_ok("", &c) && c->client_auth == PA_CLIENT_SECRET_BASIC &&
	    strcmp(c->device_key, "file") == 0 &&
	    strcmp(c->device_key_type, "ec-p256") == 0 && c->dpop == 0 &&
	    c->client_cert_file == NULL,
	    "test_client_auth_defaults_basic_file_key_ec_no_dpop");
	pa_conf_free(c);
	c = NULL;
	snprintf(buf, sizeof(buf), "%sclient_auth = private_key_jwt\n"
	    "device_key = tpm2\ndevice_key_type = rsa-3072\ndpop = yes\n",
	    ids);
	ok(parse(buf, &c) == PA_OK && c->client_auth ==
	    PA_CLIENT_PRIVATE_KEY_JWT && c->client_secret_file == NULL &&
	    strcmp(c->device_key, "tpm2") == 0 &&
	    strcmp(c->device_key_type, "rsa-3072") == 0 && c->dpop == 1,
	    "test_private_key_jwt_needs_no_client_secret_file");
	pa_conf_free(c);
	c = NULL;
	snprintf(buf, sizeof(buf), "%sclient_auth = client_secret_basic\n",
	    ids);
	ok(parse(buf, &c) == PA_ERR_CONFIG && nreports == 1 &&
	    reported(0, "client_secret_file"),
	    "test_client_secret_basic_needs_client_secret_file");
	snprintf(buf, sizeof(buf), "%sclient_auth = tls_client_auth\n", ids);
	ok(parse(buf, &c) == PA_ERR_CONFIG && nreports == 2 &&
	    reported(3, "client_cert_file") && reported(3, "client_key_file"),
	    "test_tls_client_auth_needs_certificate_and_key");
	snprintf(buf, sizeof(buf), "%sclient_auth = tls_client_auth\n"
	    "client_cert_file = /etc/posauth/client.pem\n"
	    "client_key_file = /etc/posauth/client.key\n", ids);
	ok(parse(buf, &c) == PA_OK && c->client_auth == PA_CLIENT_TLS &&
	    strcmp(c->client_key_file, "/etc/posauth/client.key") == 0,
	    "test_tls_client_auth_with_certificate");
	pa_conf_free(c);
	c = NULL;
	ok(one_line_fails("client_auth = client_secret_post",
	    "client_auth"), "test_unknown_client_auth_refused");
	ok(one_line_fails("dpop = true", "dpop"), "test_dpop_is_yes_or_no");
	ok(one_line_fails("device_key = pkcs11:foo", "device_key") &&
	    one_line_fails("device_key = tpm2:", "device_key") &&
	    one_line_fails("device_key = tpm2:a b", "device_key"),
	    "test_bad_device_key_refused");
	ok(one_line_ok("device_key = tpm2:handle:0x81000001", &c) &&
	    strcmp(c->device_key, "tpm2:handle:0x81000001") == 0,
	    "test_device_key_tpm2_uri");
	pa_conf_free(c);
	c = NULL;
	ok(one_line_fails("device_key_type = ec-p384", "device_key_type"),
	    "test_bad_device_key_type_refused");
	ok(one_line_fails("client_cert_file = client.pem", "client_cert_file"),
	    "test_client_cert_file_must_be_absolute");
}

int
main(void)
{
	test_full_config();
	test_defaults();
	test_required();
	test_keys_and_lines();
	test_numbers();
	test_strings();
	test_issuer();
	test_algorithms();
	test_lists();
	test_sections();
	test_limits();
	test_all_problems_reported();
	test_load();
	test_example_file();
	test_client_auth();
	return tap_done();
}
