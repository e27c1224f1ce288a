/* SPDX-License-Identifier: MIT */
/*
 * pam_posauth: a thin client of posauthd. The conversation, the module
 * arguments, one request over a Unix socket (proto.h) per PAM call, and
 * the verdict mapped to a PAM code by pa_pam_code(), the only place our
 * statuses become PAM codes. The token service, the device cache, the
 * client secret and every decision are posauthd's; nothing of them is in
 * the process that called PAM, which links libc and libpam only.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#define PAM_SM_AUTH
#define PAM_SM_ACCOUNT
#define PAM_SM_SESSION
#define PAM_SM_PASSWORD
#include <security/pam_appl.h>
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "client.h"
#include "err.h"
#include "modargs.h"
#include "names.h"
#include "pamcode.h"
#include "proto.h"

#define STATE_KEY "pam_posauth.state"
#define SESSION_KEY "pam_posauth.session"
#define GATE_KEY "pam_posauth.gate"
#define LOGIND_ID_MAX 64	/* logind's session ids are short words */
/* pam_unix's delay after a failed login: slows guessing at the terminal. */
#define FAIL_DELAY_USEC 2000000u
#define PIN_MAX 256
#define ENV_PREFIX "POSAUTH_"

/* What authentication proved: posauthd's handle of the login. */
struct module_state {
	char *user;
	char *login_id;
	int offline;
};

/*
 * What open_session started, for close_session of the same handle: a
 * close ends only what its own open started, never a session someone else
 * opened for the same user (cron, su -c, runuser reach close_session
 * through common-session without ever authenticating here).
 */
struct module_session {
	char *user;
	char *session_id;
};

/* Everything a call needs; torn down in one place. */
struct module_call {
	pam_handle_t *pamh;
	struct pa_modargs args;
	const char *socket;
	const char *user;
	int silent;		/* PAM_SILENT: no messages to the user */
};

static void
state_free(pam_handle_t *pamh, void *data, int error_status)
{
	struct module_state *st = data;

	(void)pamh;
	(void)error_status;
	if (st == NULL)
		return;
	free(st->user);
	free(st->login_id);
	free(st);
}

/*
 * The role gate account_mgmt applied, for open_session: the stacks put
 * allow_roles on the account line, and the service re-applies that gate
 * when the session's roles change later.
 */
static void
gate_free(pam_handle_t *pamh, void *data, int error_status)
{
	struct pa_msg *gate = data;

	(void)pamh;
	(void)error_status;
	if (gate == NULL)
		return;
	pa_msg_clear(gate);
	free(gate);
}

static void
session_free(pam_handle_t *pamh, void *data, int error_status)
{
	struct module_session *ms = data;

	(void)pamh;
	(void)error_status;
	if (ms == NULL)
		return;
	free(ms->user);
	free(ms->session_id);
	free(ms);
}

static int
call_begin(struct module_call *c, pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	int r;

	memset(c, 0, sizeof(*c));
	c->pamh = pamh;
	c->silent = (flags & PAM_SILENT) != 0;
	if ((r = pa_modargs_parse(argc, argv, &c->args)) != PA_OK) {
		pam_syslog(pamh, LOG_ERR, "bad module argument \"%s\"%s",
		    c->args.bad_arg, strncmp(c->args.bad_arg, "config=", 7) ==
		    0 ? " (the configuration is posauthd's: posauthd "
		    "--config)" : "");
		return r;
	}
	c->socket = c->args.socket != NULL ? c->args.socket :
	    PA_PROTO_DEFAULT_SOCKET;
	if (pam_get_user(pamh, &c->user, NULL) != PAM_SUCCESS ||
	    c->user == NULL || c->user[0] == '\0')
		return PA_ERR_USERNAME;
	return PA_OK;
}

static void
call_end(struct module_call *c)
{
	pa_modargs_clear(&c->args);
	memset(c, 0, sizeof(*c));
}

/*
 * When posauthd cannot be asked, a name another source owns (root, the
 * kiosk admin, LDAP users) is still none of ours: it goes on to the next
 * module as it would with the service running. Anyone else waits for
 * the service: PA_ERR_UNREACHABLE.
 */
static int
unreachable_verdict(const struct module_call *c)
{
	struct pa_names *n = NULL;
	struct pa_name_owner o;
	int r = PA_ERR_UNREACHABLE;

	if (pa_names_open(NULL, &n, NULL, 0) == PA_OK &&
	    pa_names_lookup(n, c->user, &o, NULL, 0) == PA_OK &&
	    (o.kinds & PA_NAME_USER))
		r = PA_ERR_NOT_FOUND;
	pa_names_close(n);
	return r;
}

/*
 * One request to posauthd: its status, with the answer in resp (cleared
 * by the caller). When the service cannot be asked, says why in the log.
 * wait_ms: how long the service said the request may take; 0: what its
 * hello says.
 */
static int
ask_wait(struct module_call *c, const struct pa_msg *req,
    struct pa_msg *resp, unsigned long wait_ms)
{
	char why[160];
	int r;

	why[0] = '\0';
	r = wait_ms > 0 ? pa_client_call_wait(c->socket, req, resp, wait_ms,
	    why, sizeof(why)) : pa_client_call(c->socket, req, resp, why,
	    sizeof(why));
	if (r == PA_OK)
		return pa_client_status(resp);
	if (r == PA_ERR_UNREACHABLE) {
		/* client.c names the socket when it could not connect. */
		if (strstr(why, c->socket) != NULL)
			pam_syslog(c->pamh, LOG_ERR, "%s", why);
		else
			pam_syslog(c->pamh, LOG_ERR, "posauthd on %s: %s",
			    c->socket, why);
		return unreachable_verdict(c);
	}
	pam_syslog(c->pamh, LOG_ERR, "posauthd on %s: %s", c->socket,
	    why[0] != '\0' ? why : pa_strerror(r));
	return r;
}

static int
ask(struct module_call *c, const struct pa_msg *req, struct pa_msg *resp)
{
	return ask_wait(c, req, resp, 0);
}

/* A request naming the user, and the PAM items the service logs. */
static int
request(struct module_call *c, struct pa_msg *m, uint8_t type)
{
	static const struct {
		int item;
		uint16_t tag;
	} items[] = {
		{ PAM_SERVICE, PA_F_SERVICE },
		{ PAM_RHOST, PA_F_RHOST },
		{ PAM_TTY, PA_F_TTY },
	};
	const void *v;
	size_t i;
	int r;

	pa_msg_init(m, type);
	if ((r = pa_msg_put_str(m, PA_F_USER, c->user)) != PA_OK)
		return r;
	for (i = 0; i < sizeof(items) / sizeof(items[0]); i++) {
		v = NULL;
		if (pam_get_item(c->pamh, items[i].item, &v) == PAM_SUCCESS &&
		    v != NULL && strlen(v) < 256 &&
		    (r = pa_msg_put_str(m, items[i].tag, v)) != PA_OK)
			return r;
	}
	return PA_OK;
}

/* The PIN, from an earlier module or from the user. */
static int
get_pin(struct module_call *c, const char **pin)
{
	const void *item = NULL;
	char *resp = NULL;

	*pin = NULL;
	if (c->args.use_first_pass || c->args.try_first_pass) {
		if (pam_get_item(c->pamh, PAM_AUTHTOK, &item) == PAM_SUCCESS &&
		    item != NULL) {
			*pin = item;
			return PA_OK;
		}
		if (c->args.use_first_pass)
			return PA_ERR_NO_PIN;
	}
	if (pam_prompt(c->pamh, PAM_PROMPT_ECHO_OFF, &resp, "PIN: ") !=
	    PAM_SUCCESS || resp == NULL) {
		if (resp != NULL)
			explicit_bzero(resp, strlen(resp));
		free(resp);
		return PA_ERR_NO_PIN;
	}
	/*
	 * Later modules in the stack may use it with try_first_pass; libpam
	 * keeps the copy and wipes it when the handle ends.
	 */
	if (pam_set_item(c->pamh, PAM_AUTHTOK, resp) != PAM_SUCCESS) {
		explicit_bzero(resp, strlen(resp));
		free(resp);
		return PA_ERR_INTERNAL;
	}
	explicit_bzero(resp, strlen(resp));
	free(resp);
	if (pam_get_item(c->pamh, PAM_AUTHTOK, &item) != PAM_SUCCESS ||
	    item == NULL)
		return PA_ERR_INTERNAL;
	*pin = item;
	return PA_OK;
}

/* Keeps posauthd's handle of the login for account and session. */
static int
save_state(struct module_call *c, const struct pa_msg *resp)
{
	struct module_state *st;
	uint32_t offline = 0;

	if ((st = calloc(1, sizeof(*st))) == NULL ||
	    (st->user = strdup(c->user)) == NULL ||
	    pa_msg_get_str(resp, PA_F_LOGIN_ID, &st->login_id) != PA_OK) {
		state_free(c->pamh, st, 0);
		return PA_ERR_ALLOC;
	}
	(void)pa_msg_get_u32(resp, PA_F_OFFLINE, &offline);
	st->offline = offline != 0;
	if (pam_set_data(c->pamh, STATE_KEY, st, state_free) != PAM_SUCCESS) {
		state_free(c->pamh, st, 0);
		return PA_ERR_INTERNAL;
	}
	return PA_OK;
}

/* State from this handle's authentication, only for the same user. */
static const struct module_state *
find_state(pam_handle_t *pamh, const char *user)
{
	const void *data = NULL;
	const struct module_state *st;

	if (pam_get_data(pamh, STATE_KEY, &data) != PAM_SUCCESS ||
	    data == NULL)
		return NULL;
	st = data;
	if (user == NULL || strcmp(st->user, user) != 0)
		return NULL;
	return st;
}

/*
 * The PIN was right; the second factor is due. posauthd sent the text to
 * show (the URI, the code and its QR code): it goes out as one
 * PAM_TEXT_INFO, even under PAM_SILENT, since without it nobody can log
 * in. Then the wait for the person's phone, as long as posauthd said.
 * The answer is the login's, as AUTH's would have been.
 */
static int
second_factor(struct module_call *c, const struct pa_msg *auth,
    struct pa_msg *resp)
{
	struct pa_msg req;
	char *text = NULL, *id = NULL;
	uint32_t wait_ms = 0;
	int r;

	pa_msg_init(&req, 0);
	if (pa_msg_get_str(auth, PA_F_MESSAGE, &text) != PA_OK ||
	    pa_msg_get_str(auth, PA_F_MFA_ID, &id) != PA_OK ||
	    pa_msg_get_u32(auth, PA_F_MFA_WAIT_MS, &wait_ms) != PA_OK ||
	    wait_ms == 0) {
		pam_syslog(c->pamh, LOG_ERR, "posauthd asked for a second "
		    "factor without saying how");
		r = PA_ERR_BAD_RESPONSE;
		goto out;
	}
	/* The conversation's own failure: no way to show the code. */
	if (pam_info(c->pamh, "%s", text) != PAM_SUCCESS) {
		r = PA_ERR_NO_PIN;
		goto out;
	}
	if ((r = request(c, &req, PA_MSG_MFA_WAIT)) != PA_OK ||
	    (r = pa_msg_put_str(&req, PA_F_MFA_ID, id)) != PA_OK)
		goto out;
	pa_msg_clear(resp);
	r = ask_wait(c, &req, resp, wait_ms);
 out:
	pa_msg_clear(&req);
	free(text);
	free(id);
	return r;
}

/* Is this name one posauthd handles? Asked before any prompt. */
static int
check_user(struct module_call *c)
{
	struct pa_msg req, resp;
	int r;

	pa_msg_init(&resp, 0);
	if ((r = request(c, &req, PA_MSG_CHECK_USER)) == PA_OK)
		r = ask(c, &req, &resp);
	pa_msg_clear(&req);
	pa_msg_clear(&resp);
	return r;
}

PAM_EXTERN int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	struct module_call c;
	struct pa_msg req, resp;
	const char *pin = NULL;
	int r;

	pa_msg_init(&req, 0);
	pa_msg_init(&resp, 0);
	/* A failed attempt must not leave an earlier success behind. */
	pam_set_data(pamh, STATE_KEY, NULL, NULL);
	r = call_begin(&c, pamh, flags, argc, argv);
	/* libpam applies it only when the stack fails. */
	if (!c.args.nodelay)
		(void)pam_fail_delay(pamh, FAIL_DELAY_USEC);
	if (r != PA_OK)
		goto out;
	/* Never prompt for a name that is not ours. */
	if ((r = check_user(&c)) != PA_OK || (r = get_pin(&c, &pin)) != PA_OK)
		goto out;
	if (strlen(pin) > PIN_MAX) {
		r = PA_ERR_NO_PIN;
		goto out;
	}
	/* The message is wiped when cleared: the PIN crosses once. */
	if ((r = request(&c, &req, PA_MSG_AUTH)) != PA_OK ||
	    (r = pa_msg_put_str(&req, PA_F_PIN, pin)) != PA_OK ||
	    (c.args.mfa && (r = pa_msg_put_u32(&req, PA_F_MFA, 1)) != PA_OK))
		goto out;
	if ((r = ask(&c, &req, &resp)) == PA_ERR_MFA_PENDING) {
		struct pa_msg auth = resp;

		/* The PIN need not wait in this message for the phone. */
		pa_msg_clear(&req);
		pa_msg_init(&resp, 0);
		r = second_factor(&c, &auth, &resp);
		pa_msg_clear(&auth);
	}
	if (r == PA_OK)
		r = save_state(&c, &resp);
 out:
	pa_msg_clear(&req);
	pa_msg_clear(&resp);
	call_end(&c);
	return pa_pam_code(PA_PHASE_AUTH, r);
}

PAM_EXTERN int
pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	const char *user = NULL;
	int r;

	(void)flags;
	(void)argc;
	(void)argv;
	/* No credentials beyond the session token file (session phase). */
	if (pam_get_user(pamh, &user, NULL) != PAM_SUCCESS)
		r = PA_ERR_USERNAME;
	else
		r = find_state(pamh, user) != NULL ? PA_OK : PA_ERR_NOT_FOUND;
	return pa_pam_code(PA_PHASE_SETCRED, r);
}

static int
put_roles(struct pa_msg *m, uint16_t tag, char *const *roles, size_t n)
{
	size_t i;
	int r = PA_OK;

	for (i = 0; r == PA_OK && i < n; i++)
		r = pa_msg_put_str(m, tag, roles[i]);
	return r;
}

/* The gate lists of the module arguments, as fields of m. */
static int
put_gate(struct pa_msg *m, const struct pa_modargs *args)
{
	int r;

	if ((r = put_roles(m, PA_F_ALLOW_ROLE, args->allow_roles,
	    args->n_allow)) != PA_OK)
		return r;
	return put_roles(m, PA_F_DENY_ROLE, args->deny_roles, args->n_deny);
}

/* Copies the repeats of tag from one message to another. */
static int
copy_fields(struct pa_msg *to, const struct pa_msg *from, uint16_t tag)
{
	size_t pos = 0;
	char *v;
	int r;

	while ((r = pa_msg_next(from, tag, &pos, &v)) == PA_OK) {
		r = pa_msg_put_str(to, tag, v);
		free(v);
		if (r != PA_OK)
			return r;
	}
	return r == PA_ERR_NOT_FOUND ? PA_OK : r;
}

/* Remembers the gate this account check applied, for open_session. */
static int
save_gate(struct module_call *c)
{
	struct pa_msg *gate;
	int r;

	if ((gate = calloc(1, sizeof(*gate))) == NULL)
		return PA_ERR_ALLOC;
	pa_msg_init(gate, 0);
	if ((r = put_gate(gate, &c->args)) != PA_OK) {
		gate_free(c->pamh, gate, 0);
		return r;
	}
	if (pam_set_data(c->pamh, GATE_KEY, gate, gate_free) != PAM_SUCCESS) {
		gate_free(c->pamh, gate, 0);
		return PA_ERR_INTERNAL;
	}
	return PA_OK;
}

/*
 * The gate of the session: the session line's own lists, else the ones
 * account_mgmt applied in this handle, else none.
 */
static int
put_session_gate(struct module_call *c, struct pa_msg *req)
{
	const void *data = NULL;
	int r;

	if (c->args.n_allow > 0 || c->args.n_deny > 0 ||
	    pam_get_data(c->pamh, GATE_KEY, &data) != PAM_SUCCESS ||
	    data == NULL)
		return put_gate(req, &c->args);
	if ((r = copy_fields(req, data, PA_F_ALLOW_ROLE)) != PA_OK)
		return r;
	return copy_fields(req, data, PA_F_DENY_ROLE);
}

/*
 * pam_systemd, when it ran before us, named the logind session: the
 * service locks or ends that one when the grant is revoked. Only a short
 * word is passed on; anything else is not a session id of logind's.
 */
static int
put_logind_session(struct module_call *c, struct pa_msg *req)
{
	const char *id = pam_getenv(c->pamh, "XDG_SESSION_ID");
	size_t i;

	if (id == NULL || id[0] == '\0' || id[0] == '-' ||
	    strlen(id) > LOGIND_ID_MAX)
		return PA_OK;
	for (i = 0; id[i] != '\0'; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') ||
		    (id[i] >= 'A' && id[i] <= 'Z') ||
		    (id[i] >= '0' && id[i] <= '9') || id[i] == '-' ||
		    id[i] == '_' || id[i] == '.'))
			return PA_OK;
	return pa_msg_put_str(req, PA_F_LOGIND_SESSION, id);
}

PAM_EXTERN int
pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct module_call c;
	const struct module_state *st;
	struct pa_msg req, resp;
	int r;

	pa_msg_init(&req, 0);
	pa_msg_init(&resp, 0);
	if ((r = call_begin(&c, pamh, flags, argc, argv)) != PA_OK)
		goto out;
	/*
	 * With this handle's login the service gates the roles it proved;
	 * without, the roles it last vouched for (authentication happened
	 * elsewhere, or not at all).
	 */
	st = find_state(pamh, c.user);
	if ((r = request(&c, &req, PA_MSG_ACCOUNT)) != PA_OK ||
	    (st != NULL &&
	    (r = pa_msg_put_str(&req, PA_F_LOGIN_ID, st->login_id)) != PA_OK) ||
	    (r = put_gate(&req, &c.args)) != PA_OK ||
	    (r = save_gate(&c)) != PA_OK)
		goto out;
	/* Our own login is never someone else's to judge. */
	if ((r = ask(&c, &req, &resp)) == PA_ERR_NOT_FOUND && st != NULL) {
		pam_syslog(pamh, LOG_ERR, "posauthd does not know this "
		    "login (restarted?): account denied");
		r = PA_ERR_SYSTEM;
	}
 out:
	pa_msg_clear(&req);
	pa_msg_clear(&resp);
	call_end(&c);
	return pa_pam_code(PA_PHASE_ACCOUNT, r);
}

/* The environment posauthd gives the session: POSAUTH_* lines only. */
static int
session_env(struct module_call *c, const struct pa_msg *resp)
{
	size_t pos = 0;
	char *line;
	int r;

	while ((r = pa_msg_next(resp, PA_F_ENV, &pos, &line)) == PA_OK) {
		if (strncmp(line, ENV_PREFIX, strlen(ENV_PREFIX)) != 0 ||
		    strchr(line, '=') == NULL)
			r = PA_ERR_BAD_RESPONSE;
		else if (pam_putenv(c->pamh, line) != PAM_SUCCESS)
			r = PA_ERR_INTERNAL;
		free(line);
		if (r != PA_OK)
			return r;
	}
	return r == PA_ERR_NOT_FOUND ? PA_OK : r;
}

static int
session_remember(struct module_call *c, const struct pa_msg *resp)
{
	struct module_session *ms;

	if ((ms = calloc(1, sizeof(*ms))) == NULL ||
	    (ms->user = strdup(c->user)) == NULL ||
	    pa_msg_get_str(resp, PA_F_SESSION_ID, &ms->session_id) !=
	    PA_OK) {
		session_free(c->pamh, ms, 0);
		return PA_ERR_ALLOC;
	}
	if (pam_set_data(c->pamh, SESSION_KEY, ms, session_free) !=
	    PAM_SUCCESS) {
		session_free(c->pamh, ms, 0);
		return PA_ERR_INTERNAL;
	}
	return PA_OK;
}

PAM_EXTERN int
pam_sm_open_session(pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	struct module_call c;
	const struct module_state *st;
	struct pa_msg req, resp;
	int r;

	pa_msg_init(&req, 0);
	pa_msg_init(&resp, 0);
	if ((r = call_begin(&c, pamh, flags, argc, argv)) != PA_OK)
		goto out;
	/* Only sessions this module authenticated are ours to open. */
	if ((st = find_state(pamh, c.user)) == NULL) {
		r = PA_ERR_NOT_FOUND;
		goto out;
	}
	if ((r = request(&c, &req, PA_MSG_OPEN_SESSION)) != PA_OK ||
	    (r = pa_msg_put_str(&req, PA_F_LOGIN_ID, st->login_id)) != PA_OK ||
	    (r = put_session_gate(&c, &req)) != PA_OK ||
	    (r = put_logind_session(&c, &req)) != PA_OK)
		goto out;
	/* A session we cannot open is an error, not someone else's. */
	if ((r = ask(&c, &req, &resp)) == PA_ERR_NOT_FOUND)
		r = PA_ERR_SYSTEM;
	if (r == PA_OK && (r = session_env(&c, &resp)) == PA_OK)
		r = session_remember(&c, &resp);
	/* The login is spent either way. */
	pam_set_data(pamh, STATE_KEY, NULL, NULL);
 out:
	pa_msg_clear(&req);
	pa_msg_clear(&resp);
	call_end(&c);
	return pa_pam_code(PA_PHASE_SESSION, r);
}

PAM_EXTERN int
pam_sm_close_session(pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	struct module_call c;
	const struct module_session *ms;
	const void *data = NULL;
	struct pa_msg req, resp;
	int r;

	pa_msg_init(&req, 0);
	pa_msg_init(&resp, 0);
	if ((r = call_begin(&c, pamh, flags, argc, argv)) != PA_OK)
		goto out;
	/*
	 * Only what this handle's open_session started is ended here: a
	 * close without it (cron, su -c, runuser, a stack where we did not
	 * authenticate) must not revoke or remove another session's token.
	 */
	if (pam_get_data(pamh, SESSION_KEY, &data) != PAM_SUCCESS ||
	    (ms = data) == NULL || strcmp(ms->user, c.user) != 0) {
		r = PA_ERR_NOT_FOUND;
		goto out;
	}
	if ((r = request(&c, &req, PA_MSG_CLOSE_SESSION)) != PA_OK ||
	    (r = pa_msg_put_str(&req, PA_F_SESSION_ID, ms->session_id)) !=
	    PA_OK)
		goto out;
	if ((r = ask(&c, &req, &resp)) == PA_ERR_NOT_FOUND)
		pam_syslog(pamh, LOG_WARNING, "posauthd no longer knows this "
		    "session (restarted?): its token file stays until the "
		    "token expires");
	pam_set_data(pamh, SESSION_KEY, NULL, NULL);
 out:
	pa_msg_clear(&req);
	pa_msg_clear(&resp);
	call_end(&c);
	return pa_pam_code(PA_PHASE_SESSION, r);
}

PAM_EXTERN int
pam_sm_chauthtok(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct module_call c;
	int r;

	if ((r = call_begin(&c, pamh, flags, argc, argv)) != PA_OK)
		goto out;
	/* Names we would never authenticate are left to other modules. */
	if ((r = check_user(&c)) != PA_OK)
		goto out;
	if (!c.silent)
		pam_error(pamh, "PINs are changed at the token service, "
		    "not on this terminal.");
	r = PA_ERR_UNSUPPORTED;
 out:
	call_end(&c);
	return pa_pam_code(PA_PHASE_PASSWORD, r);
}
