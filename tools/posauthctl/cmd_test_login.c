/* SPDX-License-Identifier: MIT */
/*
 * posauthctl test-login: the online login of the PAM module, step by step,
 * for an administrator setting up a terminal. It changes nothing: the
 * device cache is not written, and the refresh token the test obtained is
 * revoked at once so no live grant is left behind at the service.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "claims.h"
#include "conf.h"
#include "ctl.h"
#include "err.h"
#include "staffname.h"
#include "log.h"
#include "login.h"
#include "oidc.h"
#include "secret.h"
#include "service.h"

static int test_login_cmd(struct ctl *, int, char **);

const struct ctl_command ctl_cmd_test_login = {
	"test-login", "run the online login step by step, changing nothing",
	"test-login [--json] USER",
	"Runs the online login posauthd does for USER against the token\n"
	"service and prints each step and the verified claims. The PIN is\n"
	"read from the terminal without echo, or as one line from standard\n"
	"input when that is not a terminal; never from the command line.\n"
	"Nothing is written to the device cache, and the refresh token the\n"
	"test obtained is revoked at once: a test leaves no state behind.\n"
	"Runs here, without posauthd: it reads the client secret, so it\n"
	"normally needs root. Exits 0 when the login is accepted, 1 when the\n"
	"service refused it (wrong PIN, unknown user) or USER is a local\n"
	"account, 2 without a PIN, 3 for a configuration or client secret\n"
	"problem, 5 when the service is unreachable, 8 when its answer or\n"
	"token fails verification.\n",
	CTL_OPT_JSON, CTL_NEED_CONFIG | CTL_NEED_USER, 1, 1,
	"expected one USER (the PIN is read from the terminal or stdin)",
	test_login_cmd,
};

/* The stages of pa_login_online(), in the order it passes them. */
static const char *const login_steps[] = {
	"user name", "PIN", "client secret", "discovery", "token request",
	"token response", "token format", "token algorithm", "signing key",
	"token signature", "token claims",
};
#define NSTEPS (sizeof(login_steps) / sizeof(login_steps[0]))

static volatile sig_atomic_t got_signal;

static void
on_signal(int sig)
{
	got_signal = sig;
}

/* Everything the library logs goes to the human, debug lines included. */
static void
test_emit(void *ctx, int priority, const char *line)
{
	const struct ctl *ctl = ctx;

	(void)priority;
	fprintf(ctl->err, "  log: %s\n", line);
}

/*
 * The PIN from the terminal with echo off, or a line of stdin. A signal
 * interrupts the read (no SA_RESTART) so the terminal is always restored.
 */
static int
read_pin(const struct ctl *ctl, char *buf, size_t size)
{
	struct termios old, noecho;
	struct sigaction sa, o_int, o_term, o_hup;
	int restore = 0, r;

	if (!isatty(STDIN_FILENO))
		return ctl_read_line_fd(STDIN_FILENO, buf, size);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &o_int);
	sigaction(SIGTERM, &sa, &o_term);
	sigaction(SIGHUP, &sa, &o_hup);
	if (tcgetattr(STDIN_FILENO, &old) == 0) {
		noecho = old;
		noecho.c_lflag &= ~(tcflag_t)ECHO;
		restore = tcsetattr(STDIN_FILENO, TCSAFLUSH, &noecho) == 0;
	}
	fputs("PIN: ", ctl->err);
	fflush(ctl->err);
	r = ctl_read_line_fd(STDIN_FILENO, buf, size);
	if (restore)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	fputc('\n', ctl->err);
	sigaction(SIGINT, &o_int, NULL);
	sigaction(SIGTERM, &o_term, NULL);
	sigaction(SIGHUP, &o_hup, NULL);
	if (got_signal) {
		explicit_bzero(buf, size);
		r = PA_ERR_NO_PIN;
	}
	return r;
}

/* Index of the stage that failed; 0 for one we do not know, so no step
 * is claimed passed that we cannot vouch for. */
static size_t
step_index(const char *stage)
{
	size_t i;

	for (i = 0; stage != NULL && i < NSTEPS; i++)
		if (strcmp(login_steps[i], stage) == 0)
			return i;
	return 0;
}

static json_t *
claims_json(const struct pa_claims *cl)
{
	if (cl == NULL)
		return json_null();
	return json_pack("{s:s, s:s?, s:o, s:s?, s:s?, s:s?, s:o, s:o, s:I}",
	    "username", cl->username, "sub", cl->sub,
	    "roles", ctl_json_strings(cl->roles, cl->nroles),
	    "tenant", cl->tenant, "store", cl->store, "name", cl->name,
	    "uid", cl->has_uid ? json_integer(cl->uid) : json_null(),
	    "exp_at", ctl_json_time(cl->exp), "exp", (json_int_t)cl->exp);
}

/* The steps passed, then the one that failed. */
static json_t *
steps_json(int r, const char *stage)
{
	size_t i, stop = r == PA_OK ? NSTEPS : step_index(stage);
	json_t *a;

	if ((a = json_array()) == NULL)
		return NULL;
	for (i = 0; i < stop; i++)
		if (json_array_append_new(a, json_pack("{s:s, s:b}", "step",
		    login_steps[i], "ok", 1)) != 0)
			goto fail;
	if (r != PA_OK && json_array_append_new(a, json_pack("{s:s, s:b}",
	    "step", stage != NULL ? stage : "start", "ok", 0)) != 0)
		goto fail;
	return a;
 fail:
	json_decref(a);
	return NULL;
}

static int
result_json(const struct ctl *ctl, const char *user, int r,
    const struct pa_login_result *res, const char *stage, long ms,
    const char *revoked)
{
	return ctl_json_print(ctl, json_pack("{s:s, s:b, s:s, s:s, s:s?, s:s?,"
	    " s:o, s:o, s:I, s:I, s:s?}",
	    "user", user, "accepted", r == PA_OK, "status", pa_strerror(r),
	    "class", pa_failure_class_name(pa_failure_class(r)),
	    "stage", r == PA_OK ? NULL : stage,
	    "detail", res->detail[0] ? res->detail : NULL,
	    "steps", steps_json(r, stage), "claims", claims_json(res->claims),
	    "elapsed_ms", (json_int_t)ms,
	    "document_fetches", (json_int_t)res->document_fetches,
	    "test_refresh_token", revoked));
}

static void
result_human(const struct ctl *ctl, int r, const struct pa_login_result *res,
    const char *stage, long ms, const char *revoked)
{
	const struct pa_claims *cl = res->claims;
	char q[PA_QUOTE_MAX], buf[256], ts[32];
	size_t i, stop = r == PA_OK ? NSTEPS : step_index(stage);
	FILE *o = ctl->out;

	for (i = 0; i < NSTEPS && i < stop; i++)
		fprintf(o, "  %-16s ok\n", login_steps[i]);
	if (r != PA_OK)
		fprintf(o, "  %-16s FAILED: %s%s%s\n", stage ? stage : "start",
		    pa_strerror(r), res->detail[0] ? ": " : "",
		    pa_log_quote(res->detail, q, sizeof(q)));
	fprintf(o, "result: %s (%s), %ld ms, %d document fetch(es)\n",
	    r == PA_OK ? "accepted" : "denied",
	    pa_failure_class_name(pa_failure_class(r)), ms,
	    res->document_fetches);
	if (cl == NULL)
		return;
	fprintf(o, "claims:\n  username: %s\n", pa_log_quote(cl->username, q,
	    sizeof(q)));
	fprintf(o, "  roles:    %s\n", cl->nroles ? ctl_join(cl->roles,
	    cl->nroles, buf, sizeof(buf)) : "-");
	fprintf(o, "  tenant:   %s\n", cl->tenant ? pa_log_quote(cl->tenant, q,
	    sizeof(q)) : "-");
	fprintf(o, "  store:    %s\n", cl->store ? pa_log_quote(cl->store, q,
	    sizeof(q)) : "-");
	fprintf(o, "  name:     %s\n", cl->name ? pa_log_quote(cl->name, q,
	    sizeof(q)) : "-");
	if (cl->has_uid)
		fprintf(o, "  uid:      %lld\n", cl->uid);
	fprintf(o, "  exp:      %s (%lld)\n", ctl_iso8601(cl->exp, ts,
	    sizeof(ts)), cl->exp);
	if (revoked != NULL)
		fprintf(o, "refresh token of this test: %s\n", revoked);
}

/* The test must not leave a live grant at the service. */
static const char *
revoke_test_token(const struct pa_conf *conf, const struct pa_log *lg,
    const struct pa_login_result *res, long long now)
{
	int r;

	if (res->tokens == NULL || res->tokens->refresh_token == NULL)
		return NULL;
	/* No device cache: a test login changes nothing on the terminal. */
	r = pa_service_revoke(conf, lg, NULL, res->tokens->refresh_token,
	    now);
	if (r == PA_OK)
		return "revoked";
	if (r == PA_ERR_NOT_FOUND)
		return "not revoked (no revocation endpoint; it expires)";
	return "NOT revoked (service error; it expires)";
}

static int
test_login_run(struct ctl *ctl, const char *user, char *pin)
{
	struct pa_log tlog = { test_emit, ctl, 1 };
	struct pa_login_result res;
	struct timespec t0, t1;
	const char *stage, *revoked = NULL;
	char q[PA_QUOTE_MAX];
	long ms;
	int r, ex;

	memset(&res, 0, sizeof(res));
	pa_log_quote(user, q, sizeof(q));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = pa_login_online(ctl->conf, &tlog, user, pin, ctl->now, &res);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	explicit_bzero(pin, strlen(pin));
	ms = (long)((t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000000);
	stage = res.stage;
	if (r == PA_OK)
		revoked = revoke_test_token(ctl->conf, &tlog, &res, ctl->now);
	if (ctl->json)
		ex = result_json(ctl, user, r, &res, stage, ms, revoked) ==
		    PA_OK ?
		    ctl_exit_for(r) : CTL_EXIT_FAILED;
	else {
		result_human(ctl, r, &res, stage, ms, revoked);
		ex = ctl_exit_for(r);
	}
	/* A PIN the service refused is "denied", not a usage error. */
	if (r == PA_ERR_NO_PIN || r == PA_ERR_TOO_LARGE)
		ex = CTL_EXIT_USAGE;
	ctl_audit(ctl, LOG_NOTICE, "test login of user \"%s\": %s (%s)", q,
	    r == PA_OK ? "accepted" : "denied", pa_strerror(r));
	pa_login_result_clear(&res);
	return ex;
}

static int
test_login_cmd(struct ctl *ctl, int argc, char **argv)
{
	char pin[PA_PIN_MAX + 2], q[PA_QUOTE_MAX], why[256];
	const char *user = argv[0];
	int ex, r;

	(void)argc;
	/* As the module: a name that is not ours never leaves. */
	if ((r = pa_names_staff_ok_system(ctl->conf, user, NULL, why,
	    sizeof(why))) != PA_OK) {
		ctl_err(ctl, "\"%s\" is not a staff id here (%s): pam_posauth "
		    "leaves it to other modules and never sends its password",
		    pa_log_quote(user, q, sizeof(q)), why);
		return r == PA_ERR_NOT_FOUND ? CTL_EXIT_FAILED :
		    ctl_exit_for(r);
	}
	if ((r = read_pin(ctl, pin, sizeof(pin))) != PA_OK) {
		ctl_err(ctl, "no PIN read: %s", r == PA_ERR_TOO_LARGE ?
		    "line too long" : got_signal ? "interrupted" :
		    pa_strerror(r));
		return CTL_EXIT_USAGE;
	}
	ex = test_login_run(ctl, user, pin);
	explicit_bzero(pin, sizeof(pin));
	return ex;
}
