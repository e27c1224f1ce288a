/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "claims.h"
#include "conf.h"
#include "err.h"
#include "tap.h"

#define NOW 1700000000LL
#define ISS "https://id.example/realms/pos"
#define CLIENT "pos-terminal"

static struct pa_conf *
load_conf(const char *extra)
{
	struct pa_conf *c = NULL;
	char text[2048];

	snprintf(text, sizeof(text),
	    "issuer = " ISS "\n"
	    "client_id = " CLIENT "\n"
	    "client_secret_file = /etc/posauth/secret\n"
	    "%s\n", extra);
	if (pa_conf_parse(text, strlen(text), "t", &c, NULL, NULL) != PA_OK) {
		fprintf(stderr, "config does not parse: %s\n", extra);
		exit(EXIT_FAILURE);
	}
	return c;
}

/* A token that passes every rule of the default config for "alice". */
static json_t *
good_payload(void)
{
	json_t *p = json_pack("{s:s, s:s, s:I, s:I, s:I, s:s, s:s, s:[s,s],"
	    " s:s}",
	    "iss", ISS, "aud", CLIENT, "exp", (json_int_t)(NOW + 300),
	    "iat", (json_int_t)NOW, "nbf", (json_int_t)NOW,
	    "preferred_username", "alice", "sub", "f81d4fae-7dec",
	    "roles", "cashier", "pos-manager", "name", "Alice A.");

	if (p == NULL)
		abort();
	return p;
}

/* Verifies p (consumed) for user with conf; frees the claims. */
static int
verify(json_t *p, const struct pa_conf *conf, const char *user)
{
	struct pa_claims *c = (struct pa_claims *)1;
	int r;

	r = pa_claims_verify(p, conf, user, NOW, &c);
	json_decref(p);
	if (r != PA_OK && c != NULL)
		return 999;	/* *out must be NULL on failure */
	pa_claims_free(c);
	return r;
}

/* good_payload with key set to v (stolen); NULL v deletes key. */
static json_t *
with(const char *key, json_t *v)
{
	json_t *p = good_payload();

	if (v == NULL)
		json_object_del(p, key);
	else
		json_object_set_new(p, key, v);
	return p;
}

static void
test_valid(const struct pa_conf *conf)
{
	struct pa_claims *c = NULL;
	json_t *p = good_payload();

	ok(pa_claims_verify(p, conf, "alice", NOW, &c) == PA_OK && c != NULL,
	    "test_valid_token_is_accepted");
	if (c != NULL) {
		ok(strcmp(c->username, "alice") == 0 &&
		    strcmp(c->sub, "f81d4fae-7dec") == 0 &&
		    strcmp(c->name, "Alice A.") == 0,
		    "test_valid_token_strings_copied");
		ok(c->nroles == 2 && pa_claims_has_role(c, "cashier") &&
		    pa_claims_has_role(c, "pos-manager") &&
		    !pa_claims_has_role(c, "admin") &&
		    !pa_claims_has_role(c, "Cashier"),
		    "test_valid_token_roles");
		ok(c->exp == NOW + 300 && c->iat == NOW && c->has_iat &&
		    c->nbf == NOW && c->has_nbf && !c->has_uid &&
		    c->tenant == NULL && c->store == NULL,
		    "test_valid_token_times");
	}
	pa_claims_free(c);
	json_decref(p);
	ok(pa_claims_has_role(NULL, "x") == 0, "test_has_role_null");
}

static void
test_issuer(const struct pa_conf *conf)
{
	ok(verify(with("iss", NULL), conf, "alice") == PA_ERR_CLAIM_MISSING,
	    "test_missing_iss");
	ok(verify(with("iss", json_integer(1)), conf, "alice") ==
	    PA_ERR_CLAIM_TYPE, "test_iss_not_a_string");
	ok(verify(with("iss", json_string("https://evil.example")), conf,
	    "alice") == PA_ERR_ISSUER, "test_wrong_iss");
	ok(verify(with("iss", json_string(ISS "/")), conf, "alice") ==
	    PA_ERR_ISSUER, "test_iss_trailing_slash_differs");
	ok(verify(with("iss", json_string("HTTPS://id.example/realms/pos")),
	    conf, "alice") == PA_ERR_ISSUER, "test_iss_compared_exactly");
	ok(verify(with("iss", json_stringn(ISS "\0x", strlen(ISS) + 2)), conf,
	    "alice") == PA_ERR_CLAIM_TYPE, "test_iss_with_nul_rejected");
}

static void
test_audience(const struct pa_conf *conf)
{
	struct pa_conf *aconf;
	json_t *p;

	ok(verify(with("aud", NULL), conf, "alice") == PA_ERR_CLAIM_MISSING,
	    "test_missing_aud");
	ok(verify(with("aud", json_string("other")), conf, "alice") ==
	    PA_ERR_AUDIENCE, "test_wrong_aud_string");
	ok(verify(with("aud", json_pack("[s]", CLIENT)), conf, "alice") ==
	    PA_OK, "test_aud_array_single");
	ok(verify(with("aud", json_pack("[s,s]", "other", CLIENT)), conf,
	    "alice") == PA_ERR_AZP, "test_aud_array_several_needs_azp");
	p = with("aud", json_pack("[s,s]", "other", CLIENT));
	json_object_set_new(p, "azp", json_string(CLIENT));
	ok(verify(p, conf, "alice") == PA_OK, "test_aud_array_with_azp");
	p = with("aud", json_pack("[s,s]", "other", CLIENT));
	json_object_set_new(p, "azp", json_string("other"));
	ok(verify(p, conf, "alice") == PA_ERR_AZP,
	    "test_aud_array_with_foreign_azp");
	ok(verify(with("azp", json_string("other")), conf, "alice") ==
	    PA_ERR_AZP, "test_foreign_azp_with_single_aud");
	ok(verify(with("azp", json_integer(3)), conf, "alice") == PA_ERR_AZP,
	    "test_azp_not_a_string");
	ok(verify(with("azp", json_string(CLIENT)), conf, "alice") == PA_OK,
	    "test_matching_azp_with_single_aud");
	ok(verify(with("aud", json_pack("[s,s]", "a", "b")), conf, "alice") ==
	    PA_ERR_AUDIENCE, "test_aud_array_without_us");
	ok(verify(with("aud", json_array()), conf, "alice") ==
	    PA_ERR_AUDIENCE, "test_aud_empty_array");
	ok(verify(with("aud", json_pack("[s,i]", CLIENT, 1)), conf,
	    "alice") == PA_ERR_AUDIENCE, "test_aud_array_with_number");
	ok(verify(with("aud", json_integer(1)), conf, "alice") ==
	    PA_ERR_AUDIENCE, "test_aud_number");
	ok(verify(with("aud", json_stringn(CLIENT "\0", strlen(CLIENT) + 1)),
	    conf, "alice") == PA_ERR_AUDIENCE, "test_aud_with_nul");

	aconf = load_conf("audience = pos-api");
	ok(verify(good_payload(), aconf, "alice") == PA_ERR_AUDIENCE,
	    "test_configured_audience_replaces_client_id");
	ok(verify(with("aud", json_string("pos-api")), aconf, "alice") ==
	    PA_OK, "test_configured_audience_accepted");
	pa_conf_free(aconf);
}

static void
test_times(const struct pa_conf *conf)
{
	/* conf->leeway is 60 */
	ok(verify(with("exp", NULL), conf, "alice") == PA_ERR_CLAIM_MISSING,
	    "test_missing_exp");
	ok(verify(with("exp", json_string("1700000300")), conf, "alice") ==
	    PA_ERR_CLAIM_TYPE, "test_exp_string_rejected");
	ok(verify(with("exp", json_integer(-1)), conf, "alice") ==
	    PA_ERR_CLAIM_TYPE, "test_exp_negative_rejected");
	ok(verify(with("exp", json_integer(NOW - 59)), conf, "alice") ==
	    PA_OK, "test_exp_inside_leeway_accepted");
	ok(verify(with("exp", json_integer(NOW - 60)), conf, "alice") ==
	    PA_ERR_EXPIRED, "test_exp_at_leeway_boundary_is_expired");
	ok(verify(with("exp", json_integer(NOW - 3600)), conf, "alice") ==
	    PA_ERR_EXPIRED, "test_expired_token_is_denied");
	ok(verify(with("exp", json_real((double)(NOW - 59) + 0.5)), conf,
	    "alice") == PA_OK, "test_exp_real_accepted");
	ok(verify(with("exp", json_real((double)(NOW - 60) + 0.9)), conf,
	    "alice") == PA_ERR_EXPIRED, "test_exp_real_rounds_down");
	ok(verify(with("exp", json_real(1e300)), conf, "alice") ==
	    PA_ERR_CLAIM_TYPE, "test_exp_huge_real_rejected");
	ok(verify(with("exp", json_integer(253402300800LL)), conf, "alice") ==
	    PA_ERR_CLAIM_TYPE, "test_exp_beyond_year_9999_rejected");

	ok(verify(with("nbf", NULL), conf, "alice") == PA_OK,
	    "test_nbf_optional");
	ok(verify(with("nbf", json_integer(NOW + 60)), conf, "alice") ==
	    PA_OK, "test_nbf_at_leeway_boundary_accepted");
	ok(verify(with("nbf", json_integer(NOW + 61)), conf, "alice") ==
	    PA_ERR_NOT_YET_VALID, "test_nbf_beyond_leeway_rejected");
	ok(verify(with("nbf", json_real((double)(NOW + 60) + 0.1)), conf,
	    "alice") == PA_ERR_NOT_YET_VALID, "test_nbf_real_rounds_up");
	ok(verify(with("nbf", json_true()), conf, "alice") ==
	    PA_ERR_CLAIM_TYPE, "test_nbf_bool_rejected");

	ok(verify(with("iat", NULL), conf, "alice") == PA_OK,
	    "test_iat_optional");
	ok(verify(with("iat", json_integer(NOW + 60)), conf, "alice") ==
	    PA_OK, "test_iat_at_leeway_boundary_accepted");
	ok(verify(with("iat", json_integer(NOW + 61)), conf, "alice") ==
	    PA_ERR_IAT, "test_iat_in_future_rejected");
	ok(verify(with("iat", json_null()), conf, "alice") ==
	    PA_ERR_CLAIM_TYPE, "test_iat_null_rejected");
}

static void
test_user(const struct pa_conf *conf)
{
	struct pa_conf *uconf;
	json_t *p;

	ok(verify(good_payload(), conf, "bob") == PA_ERR_USER_MISMATCH,
	    "test_token_for_other_user");
	ok(verify(good_payload(), conf, "Alice") == PA_ERR_USER_MISMATCH,
	    "test_user_compare_is_case_sensitive");
	ok(verify(good_payload(), conf, "alic") == PA_ERR_USER_MISMATCH,
	    "test_user_prefix_is_not_enough");
	ok(verify(with("preferred_username", NULL), conf, "alice") ==
	    PA_ERR_CLAIM_MISSING, "test_missing_username_claim");
	ok(verify(with("preferred_username", json_integer(7)), conf,
	    "alice") == PA_ERR_CLAIM_TYPE, "test_username_claim_not_string");
	ok(verify(with("preferred_username", json_stringn("alice\0x", 7)),
	    conf, "alice") == PA_ERR_CLAIM_TYPE,
	    "test_username_with_nul_rejected");

	uconf = load_conf("username_claim = ext.login");
	ok(verify(good_payload(), uconf, "alice") == PA_ERR_CLAIM_MISSING,
	    "test_username_claim_path_missing");
	p = with("ext", json_pack("{s:s}", "login", "alice"));
	ok(verify(p, uconf, "alice") == PA_OK, "test_username_claim_path");
	pa_conf_free(uconf);
}

static void
test_tenant_store(void)
{
	struct pa_conf *conf;
	struct pa_claims *c = NULL;
	json_t *p;

	conf = load_conf("tenant = acme\nstore = 0042");
	p = with("tenant", json_string("acme"));
	json_object_set_new(p, "store", json_string("0042"));
	ok(pa_claims_verify(p, conf, "alice", NOW, &c) == PA_OK && c != NULL &&
	    strcmp(c->tenant, "acme") == 0 && strcmp(c->store, "0042") == 0,
	    "test_tenant_and_store_match");
	pa_claims_free(c);
	c = NULL;
	json_object_set_new(p, "tenant", json_string("evil"));
	ok(pa_claims_verify(p, conf, "alice", NOW, &c) == PA_ERR_TENANT &&
	    c == NULL, "test_tenant_mismatch");
	json_object_del(p, "tenant");
	ok(pa_claims_verify(p, conf, "alice", NOW, &c) == PA_ERR_CLAIM_MISSING,
	    "test_tenant_missing");
	json_object_set_new(p, "tenant", json_pack("[s]", "acme"));
	ok(pa_claims_verify(p, conf, "alice", NOW, &c) == PA_ERR_CLAIM_TYPE,
	    "test_tenant_not_a_string");
	json_object_set_new(p, "tenant", json_string("acme"));

	json_object_set_new(p, "store", json_string("0043"));
	ok(pa_claims_verify(p, conf, "alice", NOW, &c) == PA_ERR_STORE,
	    "test_store_mismatch");
	json_object_set_new(p, "store", json_pack("[s,s]", "0041", "0042"));
	ok(pa_claims_verify(p, conf, "alice", NOW, &c) == PA_OK && c != NULL &&
	    strcmp(c->store, "0042") == 0, "test_store_array_match");
	pa_claims_free(c);
	c = NULL;
	json_object_set_new(p, "store", json_pack("[s,s]", "0041", "0043"));
	ok(pa_claims_verify(p, conf, "alice", NOW, &c) == PA_ERR_STORE,
	    "test_store_array_without_ours");
	json_object_set_new(p, "store", json_pack("[s,i]", "0042", 42));
	ok(pa_claims_verify(p, conf, "alice", NOW, &c) == PA_ERR_STORE,
	    "test_store_array_with_number");
	json_object_set_new(p, "store", json_integer(42));
	ok(pa_claims_verify(p, conf, "alice", NOW, &c) == PA_ERR_STORE,
	    "test_store_number");
	json_object_del(p, "store");
	ok(pa_claims_verify(p, conf, "alice", NOW, &c) == PA_ERR_CLAIM_MISSING,
	    "test_store_missing");
	json_decref(p);
	pa_conf_free(conf);

	conf = load_conf("");
	p = with("store", json_string("0042"));
	ok(pa_claims_verify(p, conf, "alice", NOW, &c) == PA_OK && c != NULL &&
	    c->store != NULL && strcmp(c->store, "0042") == 0,
	    "test_store_not_enforced_single_value_kept");
	pa_claims_free(c);
	c = NULL;
	json_object_set_new(p, "store", json_pack("[s,s]", "1", "2"));
	ok(pa_claims_verify(p, conf, "alice", NOW, &c) == PA_OK && c != NULL &&
	    c->store == NULL, "test_store_not_enforced_array_ignored");
	pa_claims_free(c);
	json_decref(p);
	pa_conf_free(conf);
}

static void
test_roles(const struct pa_conf *conf)
{
	struct pa_conf *rconf;
	struct pa_claims *c = NULL;
	char role[80];
	json_t *p, *arr;
	int i;

	p = with("roles", NULL);
	ok(pa_claims_verify(p, conf, "alice", NOW, &c) == PA_OK && c != NULL &&
	    c->nroles == 0 && !pa_claims_has_role(c, "cashier"),
	    "test_absent_roles_means_none");
	pa_claims_free(c);
	c = NULL;
	json_decref(p);
	ok(verify(with("roles", json_string("cashier")), conf, "alice") ==
	    PA_ERR_ROLES, "test_roles_string_rejected");
	ok(verify(with("roles", json_null()), conf, "alice") == PA_ERR_ROLES,
	    "test_roles_null_rejected");
	ok(verify(with("roles", json_pack("{s:s}", "a", "b")), conf,
	    "alice") == PA_ERR_ROLES, "test_roles_object_rejected");
	ok(verify(with("roles", json_pack("[s,i]", "cashier", 1)), conf,
	    "alice") == PA_ERR_ROLES, "test_roles_with_number_rejected");
	ok(verify(with("roles", json_pack("[s]", "")), conf, "alice") ==
	    PA_ERR_ROLES, "test_empty_role_rejected");
	ok(verify(with("roles", json_pack("[s]", "a,b")), conf, "alice") ==
	    PA_ERR_ROLES, "test_role_with_comma_rejected");
	ok(verify(with("roles", json_pack("[s]", "a:b")), conf, "alice") ==
	    PA_ERR_ROLES, "test_role_with_colon_rejected");
	ok(verify(with("roles", json_pack("[s]", "a b")), conf, "alice") ==
	    PA_ERR_ROLES, "test_role_with_space_rejected");
	ok(verify(with("roles", json_pack("[s]", "a\nb")), conf, "alice") ==
	    PA_ERR_ROLES, "test_role_with_newline_rejected");
	ok(verify(with("roles", json_pack("[s]", "caf\xc3\xa9")), conf,
	    "alice") == PA_ERR_ROLES, "test_role_non_ascii_rejected");
	ok(verify(with("roles", json_pack("[o]", json_stringn("a\0b", 3))),
	    conf, "alice") == PA_ERR_ROLES, "test_role_with_nul_rejected");
	memset(role, 'r', 65);
	role[65] = '\0';
	ok(verify(with("roles", json_pack("[s]", role)), conf, "alice") ==
	    PA_ERR_ROLES, "test_role_over_64_bytes_rejected");
	role[64] = '\0';
	ok(verify(with("roles", json_pack("[s]", role)), conf, "alice") ==
	    PA_OK, "test_role_of_64_bytes_accepted");

	arr = json_array();
	for (i = 0; i < 64; i++) {
		snprintf(role, sizeof(role), "role%d", i);
		json_array_append_new(arr, json_string(role));
	}
	ok(verify(with("roles", json_incref(arr)), conf, "alice") == PA_OK,
	    "test_64_roles_accepted");
	json_array_append_new(arr, json_string("one-too-many"));
	ok(verify(with("roles", arr), conf, "alice") == PA_ERR_ROLES,
	    "test_65_roles_rejected");

	rconf = load_conf("roles_claim = realm_access.roles");
	p = with("realm_access", json_pack("{s:[s]}", "roles", "manager"));
	ok(pa_claims_verify(p, rconf, "alice", NOW, &c) == PA_OK && c != NULL &&
	    c->nroles == 1 && pa_claims_has_role(c, "manager") &&
	    !pa_claims_has_role(c, "cashier"), "test_roles_dotted_path");
	pa_claims_free(c);
	json_decref(p);
	ok(verify(with("realm_access", json_string("x")), rconf, "alice") ==
	    PA_OK, "test_roles_dotted_path_through_non_object_is_absent");
	ok(verify(with("realm_access", json_pack("{s:s}", "roles", "x")),
	    rconf, "alice") == PA_ERR_ROLES, "test_roles_dotted_path_type");
	pa_conf_free(rconf);
}

static void
test_uid(void)
{
	struct pa_conf *conf;
	struct pa_claims *c = NULL;
	json_t *p;

	conf = load_conf("uid_claim = uidNumber\nuid_min = 200000\n"
	    "uid_max = 299999");
	p = with("uidNumber", json_integer(200000));
	ok(pa_claims_verify(p, conf, "alice", NOW, &c) == PA_OK && c != NULL &&
	    c->has_uid && c->uid == 200000, "test_uid_at_minimum");
	pa_claims_free(c);
	json_decref(p);
	ok(verify(with("uidNumber", json_integer(299999)), conf, "alice") ==
	    PA_OK, "test_uid_at_maximum");
	ok(verify(with("uidNumber", json_integer(199999)), conf, "alice") ==
	    PA_ERR_UID_RANGE, "test_uid_below_range");
	ok(verify(with("uidNumber", json_integer(300000)), conf, "alice") ==
	    PA_ERR_UID_RANGE, "test_uid_above_range");
	ok(verify(with("uidNumber", json_integer(-1)), conf, "alice") ==
	    PA_ERR_UID_RANGE, "test_uid_negative");
	ok(verify(with("uidNumber", json_integer(0)), conf, "alice") ==
	    PA_ERR_UID_RANGE, "test_uid_root_refused");
	ok(verify(with("uidNumber", json_string("200001")), conf, "alice") ==
	    PA_ERR_CLAIM_TYPE, "test_uid_string_rejected");
	ok(verify(with("uidNumber", json_real(200001.0)), conf, "alice") ==
	    PA_ERR_CLAIM_TYPE, "test_uid_real_rejected");
	ok(verify(good_payload(), conf, "alice") == PA_ERR_CLAIM_MISSING,
	    "test_uid_missing");
	pa_conf_free(conf);
}

static void
test_claim_path(void)
{
	json_t *o = json_pack("{s:{s:[s]}, s:s, s:i}", "realm_access", "roles",
	    "x", "flat", "v", "a.b", 1);

	ok(json_is_array(pa_claim_path(o, "realm_access.roles")),
	    "test_claim_path_nested");
	ok(json_is_string(pa_claim_path(o, "flat")), "test_claim_path_flat");
	ok(pa_claim_path(o, "realm_access..roles") == NULL &&
	    pa_claim_path(o, ".flat") == NULL &&
	    pa_claim_path(o, "flat.") == NULL && pa_claim_path(o, "") == NULL,
	    "test_claim_path_empty_segment");
	ok(pa_claim_path(o, "flat.x") == NULL,
	    "test_claim_path_through_string");
	ok(pa_claim_path(o, "a.b") == NULL,
	    "test_claim_path_dotted_key_unreachable");
	ok(pa_claim_path(o, "nope") == NULL && pa_claim_path(NULL, "x") ==
	    NULL && pa_claim_path(o, NULL) == NULL, "test_claim_path_missing");
	json_decref(o);
}

static void
test_order_and_args(const struct pa_conf *conf)
{
	struct pa_claims *c = (struct pa_claims *)1;
	json_t *p;

	p = with("iss", json_string("https://evil.example"));
	json_object_set_new(p, "exp", json_integer(1));
	json_object_set_new(p, "preferred_username", json_string("bob"));
	ok(verify(p, conf, "alice") == PA_ERR_ISSUER,
	    "test_issuer_checked_first");
	p = with("exp", json_integer(1));
	json_object_set_new(p, "preferred_username", json_string("bob"));
	ok(verify(p, conf, "alice") == PA_ERR_EXPIRED,
	    "test_expiry_checked_before_user");
	p = json_array();
	ok(pa_claims_verify(p, conf, "alice", NOW, &c) == PA_ERR_ARG &&
	    c == NULL, "test_payload_must_be_object");
	json_decref(p);
	p = good_payload();
	ok(pa_claims_verify(p, conf, NULL, NOW, &c) == PA_ERR_ARG,
	    "test_null_user_rejected");
	ok(verify(with("name", json_integer(5)), conf, "alice") == PA_OK,
	    "test_name_not_string_ignored");
	json_decref(p);
}

/* The log says which claim failed, what was expected and what came. */
static int
why_is(json_t *p, const struct pa_conf *conf, int want, const char *text)
{
	struct pa_claims *c = NULL;
	char why[192];
	int r;

	r = pa_claims_verify_why(p, conf, "alice", NOW, &c, why, sizeof(why));
	json_decref(p);
	pa_claims_free(c);
	if (r != want || strcmp(why, text) != 0) {
		printf("# got %d '%s', want %d '%s'\n", r, why, want, text);
		return 0;
	}
	return 1;
}

static void
test_why(const struct pa_conf *conf)
{
	struct pa_conf *uc = load_conf("uid_claim = uidNumber");

	ok(why_is(with("roles", json_string("cashier")), conf, PA_ERR_ROLES,
	    "claim \"roles\": expected an array of role names, found a "
	    "string"), "test_why_names_roles_claim_of_the_wrong_type");
	ok(why_is(with("roles", json_pack("[s,i]", "a", 1)), conf,
	    PA_ERR_ROLES, "claim \"roles\": expected an array of role names, "
	    "found an integer in it"), "test_why_names_bad_item_in_roles");
	ok(why_is(with("exp", NULL), conf, PA_ERR_CLAIM_MISSING,
	    "claim \"exp\" missing"), "test_why_names_missing_exp");
	ok(why_is(with("preferred_username", NULL), conf,
	    PA_ERR_CLAIM_MISSING, "claim \"preferred_username\" missing"),
	    "test_why_names_missing_username_claim");
	ok(why_is(with("iss", json_integer(5)), conf, PA_ERR_CLAIM_TYPE,
	    "claim \"iss\": expected a string, found an integer"),
	    "test_why_names_type_found");
	ok(why_is(good_payload(), uc, PA_ERR_CLAIM_MISSING,
	    "claim \"uidNumber\" missing"), "test_why_names_configured_claim");
	pa_conf_free(uc);
}

/* POSAUTH_TENANT and POSAUTH_STORE reach session environments. */
static void
test_tenant_store_printable(const struct pa_conf *conf)
{
	ok(verify(with("tenant", json_string("acme\nPATH=/tmp")), conf,
	    "alice") == PA_ERR_CLAIM_TYPE,
	    "test_unenforced_tenant_with_newline_denied");
	ok(verify(with("store", json_string("st\x1b[2Jore")), conf,
	    "alice") == PA_ERR_CLAIM_TYPE,
	    "test_unenforced_store_with_escape_denied");
	ok(verify(with("tenant", json_string("Acme Retail 7")), conf,
	    "alice") == PA_OK, "test_printable_tenant_with_spaces_kept");
	ok(why_is(with("tenant", json_string("caf\xc3\xa9")), conf,
	    PA_ERR_CLAIM_TYPE, "claim \"tenant\": expected printable ASCII "
	    "of at most 256 bytes"), "test_non_ascii_tenant_named_in_log");
}

/* mfa_acr: the acr, or an amr entry, must name the required method. */
static void
test_acr(void)
{
	json_t *p = json_pack("{s:s, s:[s, s]}", "acr", "urn:posauth:mfa",
	    "amr", "pwd", "otp");

	ok(pa_claims_acr_ok(p, "urn:posauth:mfa") == PA_OK,
	    "test_acr_equal_is_proof");
	ok(pa_claims_acr_ok(p, "otp") == PA_OK, "test_amr_entry_is_proof");
	ok(pa_claims_acr_ok(p, "hwk") == PA_ERR_ACR &&
	    pa_claims_acr_ok(p, "urn:posauth") == PA_ERR_ACR,
	    "test_other_method_is_no_proof");
	ok(pa_claims_acr_ok(p, NULL) == PA_ERR_ACR &&
	    pa_claims_acr_ok(p, "") == PA_ERR_ACR,
	    "test_no_requirement_is_no_proof");
	json_decref(p);
	p = json_pack("{s:[s]}", "amr", "pwd");
	ok(pa_claims_acr_ok(p, "otp") == PA_ERR_ACR,
	    "test_pin_only_token_is_no_proof");
	json_decref(p);
	p = json_pack("{s:s, s:s}", "acr", "x", "amr", "otp");
	ok(pa_claims_acr_ok(p, "otp") == PA_ERR_ACR,
	    "test_amr_not_an_array_is_no_proof");
	json_decref(p);
	p = json_pack("{s:s#}", "acr", "otp\0x", (size_t)5);
	ok(pa_claims_acr_ok(p, "otp") == PA_ERR_ACR,
	    "test_acr_with_nul_is_no_proof");
	json_decref(p);
}

int
main(void)
{
	struct pa_conf *conf = load_conf("");

	test_acr();

	test_valid(conf);
	test_issuer(conf);
	test_audience(conf);
	test_times(conf);
	test_user(conf);
	test_tenant_store();
	test_roles(conf);
	test_uid();
	test_claim_path();
	test_order_and_args(conf);
	test_why(conf);
	test_tenant_store_printable(conf);
	pa_conf_free(conf);
	return tap_done();
}
