/* SPDX-License-Identifier: MIT */
/*
 * Checks on the payload of a token whose signature has already been
 * verified (jose.c): who issued it, for whom, when, and for which user,
 * tenant and store. Every rule failing has its own status, so the log
 * says exactly why a login was refused.
 */
#ifndef POSAUTH_CLAIMS_H
#define POSAUTH_CLAIMS_H

#include <jansson.h>

#include "conf.h"

#define PA_CLAIMS_MAX_ROLES 64

struct pa_claims {
	char *username;
	char *sub;		/* may be NULL */
	char **roles;
	size_t nroles;
	char *tenant;		/* the tenant claim when a string, may be NULL */
	char *store;		/* the matched store, or the single store
				   claim value, may be NULL */
	char *name;		/* may be NULL; sanitise before display */
	long long uid;
	int has_uid;
	long long exp, iat, nbf;
	int has_iat, has_nbf;
};

/*
 * Looks a dotted path up in an object: "realm_access.roles" is
 * obj["realm_access"]["roles"]. Returns a borrowed reference, or NULL when
 * any step is missing or not an object, or a segment is empty ("a..b",
 * ".a", "a."). Keys that themselves contain '.' cannot be reached.
 */
json_t *pa_claim_path(json_t *obj, const char *path);

/*
 * Checks, in this order: iss, aud, azp, exp, nbf, iat, username_claim,
 * tenant_claim (when tenant is set), store_claim (when store is set),
 * roles_claim, uid_claim (when set). Returns PA_OK with *out set, or the
 * first failing rule's status with *out NULL:
 *   a required claim absent            PA_ERR_CLAIM_MISSING
 *   iss/exp/nbf/iat/user/tenant/uid of
 *     the wrong JSON type, or a string
 *     holding a NUL                     PA_ERR_CLAIM_TYPE
 *   iss differs from conf->issuer       PA_ERR_ISSUER
 *   aud not (an array holding) audience PA_ERR_AUDIENCE
 *   azp missing with several audiences,
 *     or present and not client_id      PA_ERR_AZP
 *   now >= exp + leeway                 PA_ERR_EXPIRED
 *   now + leeway < nbf                  PA_ERR_NOT_YET_VALID
 *   iat > now + leeway                  PA_ERR_IAT
 *   user claim differs from pam_user    PA_ERR_USER_MISMATCH
 *   tenant differs                      PA_ERR_TENANT
 *   store not equal / not in the array  PA_ERR_STORE
 *   tenant or store (kept for the
 *     session) not printable ASCII      PA_ERR_CLAIM_TYPE
 *   roles not an array of valid names   PA_ERR_ROLES
 *   uid outside uid_min..uid_max        PA_ERR_UID_RANGE
 * Times are NumericDate (RFC 7519 §2): integers, or finite reals rounded
 * toward the stricter side (exp down, nbf and iat up), 0..253402300799.
 */
int pa_claims_verify(json_t *payload, const struct pa_conf *conf,
    const char *pam_user, long long now, struct pa_claims **out);

/*
 * The same, and on failure why (when not NULL) names the claim, what was
 * expected and what was found, for the log: "claim \"roles\": expected an
 * array of role names, found a string". Never holds a claim's value.
 */
int pa_claims_verify_why(json_t *payload, const struct pa_conf *conf,
    const char *pam_user, long long now, struct pa_claims **out,
    char *why, size_t whylen);

/*
 * The second factor's proof (mfa_acr): PA_OK when payload's "acr" equals
 * required, or its "amr" array (RFC 8176) holds it; PA_ERR_ACR when
 * neither does, whatever else the claims hold (a wrong type is no proof).
 */
int pa_claims_acr_ok(json_t *payload, const char *required);

void pa_claims_free(struct pa_claims *c);

/* 1 when c holds role (exact bytes), else 0. */
int pa_claims_has_role(const struct pa_claims *c, const char *role);

#endif
