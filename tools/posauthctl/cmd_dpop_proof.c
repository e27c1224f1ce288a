/* SPDX-License-Identifier: MIT */
/*
 * posauthctl dpop-proof: a DPoP proof (RFC 9449 §4) for one request of a
 * session application to its resource server. With dpop = yes the
 * session token is bound to the device key, which only posauthd can use:
 * a copied token file is useless without a proof, and posauthd proves
 * only for the caller's own open session (by the uid the socket tells),
 * as `posauthctl token` hands out only the caller's own token. The proof
 * carries ath, the hash of that session's access token (§4.2), so it is
 * good for that token and that request only.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cache.h"
#include "conf.h"
#include "ctl.h"
#include "devkey.h"
#include "dpop.h"
#include "err.h"
#include "log.h"
#include "nssindex.h"
#include "secret.h"
#include "session.h"
#include "user.h"

static int dpop_proof_run(struct ctl *, int, char **);

const struct ctl_command ctl_cmd_dpop_proof = {
	"dpop-proof", "make a DPoP proof for a request with a session token",
	"dpop-proof --method M --url URL [--nonce N] [--json] [USER]",
	"Prints a DPoP proof (RFC 9449) on stdout, for one request with the\n"
	"method M (GET, POST, ...) to URL (its query and fragment are left\n"
	"out of the proof's htu) made with the access token of a posauth\n"
	"session, for the header \"DPoP: <proof>\" next to \"Authorization:\n"
	"DPoP <token>\". The proof is signed with the device key and holds\n"
	"the hash of the session's access token (ath); it is good for about\n"
	"a minute and one request. A resource server that demands a nonce\n"
	"(401 with error use_dpop_nonce and a DPoP-Nonce header, RFC 9449\n"
	"section 9) gets it in the next proof with --nonce N.\n"
	"\n"
	"Any user: for the caller's own open session only (another USER is\n"
	"refused, exit 7). Root: for USER's cached access token.\n"
	"Needs dpop = yes in posauth.conf (exit 3 otherwise). Exits 6 when\n"
	"there is no open session or no access token, 7 when the token has\n"
	"expired (renewing needs root: sudo posauthctl token).\n",
	CTL_OPT_JSON | CTL_OPT_REQUEST,
	CTL_NEED_CONFIG | CTL_NEED_USER | CTL_NEED_SERVICE, 0, 1,
	"expected at most one USER", dpop_proof_run,
};

/* The user whose token is proven: the caller, or root's named USER. */
static int
dpop_whose(struct ctl *ctl, const char *want, struct pa_staff_id *id)
{
	const char *sudo = ctl->sudo_user;
	int r;

	memset(id, 0, sizeof(*id));
	if (ctl->uid == 0) {
		if (want == NULL && sudo != NULL &&
		    pa_user_valid(sudo, ctl->conf->username_pattern) == PA_OK)
			want = sudo;
		if (want == NULL)
			return ctl_usage_error(ctl, "name a USER (root has no "
			    "posauth session of its own)");
		snprintf(id->name, sizeof(id->name), "%s", want);
		return -1;
	}
	if ((r = pa_nssindex_staff(ctl->conf, NULL, ctl->uid, id)) != PA_OK) {
		ctl_err(ctl, "uid %lu is no staff member of this terminal: no "
		    "session token", (unsigned long)ctl->uid);
		return r == PA_ERR_NOT_FOUND ? CTL_EXIT_NOT_FOUND :
		    CTL_EXIT_FAILED;
	}
	if (want != NULL && strcmp(want, id->name) != 0)
		return ctl_refuse(ctl, "a proof for another user's session "
		    "token needs root");
	if (!pa_session_has_token(ctl->conf->runtime_dir, id->name)) {
		ctl_err(ctl, "no open session of this user on this terminal");
		return CTL_EXIT_NOT_FOUND;
	}
	return -1;
}

/* The session's access token, still valid; -1 or the exit code. */
static int
dpop_token(struct ctl *ctl, const char *user, char **token)
{
	struct pa_cache *c = NULL;
	struct pa_cache_record *rec = NULL;
	char q[PA_QUOTE_MAX];
	int r, ex = -1;

	*token = NULL;
	pa_log_quote(user, q, sizeof(q));
	if ((r = ctl_open_cache(ctl, &c)) != PA_OK ||
	    (r = pa_cache_get(c, user, &rec)) != PA_OK ||
	    rec->access_token == NULL) {
		ctl_err(ctl, "no session token for \"%s\": %s", q,
		    r == PA_OK ? "none cached" : pa_strerror(r));
		ex = r == PA_OK || r == PA_ERR_NOT_FOUND ?
		    CTL_EXIT_NOT_FOUND : ctl_exit_for(r);
		goto out;
	}
	if (rec->access_exp <= ctl->now) {
		ctl_err(ctl, "the session token of \"%s\" has expired; "
		    "renewing needs root (sudo posauthctl token)", q);
		ex = CTL_EXIT_ROOT;
		goto out;
	}
	if ((*token = strdup(rec->access_token)) == NULL)
		ex = CTL_EXIT_FAILED;
 out:
	pa_cache_record_free(rec);
	pa_cache_close(c);
	return ex;
}

static int
dpop_print(const struct ctl *ctl, const char *user, const char *proof)
{
	if (!ctl->json)
		return fprintf(ctl->out, "%s\n", proof) < 0 ? PA_ERR_SYSTEM :
		    PA_OK;
	return ctl_json_print(ctl, json_pack("{s:s, s:s, s:s, s:s}", "user",
	    user, "dpop", proof, "htm", ctl->http_method, "url",
	    ctl->http_url));
}

static int
dpop_proof_run(struct ctl *ctl, int argc, char **argv)
{
	struct pa_staff_id id;
	EVP_PKEY *k = NULL;
	char *token = NULL, *proof = NULL, q[PA_QUOTE_MAX];
	int r, ex;

	if (pa_dpop_check_request(ctl->http_method, ctl->http_url) != PA_OK)
		return ctl_usage_error(ctl, "--method (an upper-case HTTP "
		    "method) and --url (an http or https URL) are required");
	if (ctl->http_nonce != NULL && !pa_dpop_nonce_valid(ctl->http_nonce))
		return ctl_usage_error(ctl, "--nonce: printable ASCII without "
		    "spaces, quotes or backslashes, at most %d characters",
		    PA_DPOP_NONCE_MAX - 1);
	if (!ctl->conf->dpop) {
		ctl_err(ctl, "dpop = no in %s: session tokens are bearer "
		    "tokens and need no proof", ctl->config_path);
		return CTL_EXIT_CONFIG;
	}
	if ((ex = dpop_whose(ctl, argc > 0 ? argv[0] : NULL, &id)) >= 0)
		return ex;
	if ((ex = dpop_token(ctl, id.name, &token)) >= 0)
		goto out;
	ex = CTL_EXIT_FAILED;
	if ((r = pa_devkey_get(ctl->conf, &k)) != PA_OK ||
	    (r = pa_dpop_proof(k, ctl->http_method, ctl->http_url,
	    ctl->http_nonce, token, ctl->now, &proof)) != PA_OK) {
		ctl_err(ctl, "no proof: %s", pa_strerror(r));
		goto out;
	}
	ctl_audit(ctl, LOG_INFO, "DPoP proof for the session token of user "
	    "\"%s\" handed out (%s)", pa_log_quote(id.name, q, sizeof(q)),
	    ctl->http_method);
	if (dpop_print(ctl, id.name, proof) == PA_OK)
		ex = CTL_EXIT_OK;
 out:
	pa_strfreezero(token);
	free(proof);
	EVP_PKEY_free(k);
	return ex;
}
