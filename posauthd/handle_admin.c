/* SPDX-License-Identifier: MIT */
/*
 * posauthctl's commands that read the device cache or secrets, run here
 * for a client (PA_MSG_ADMIN): the same code posauthctl used to run, with
 * the caller's uid from the socket, posauthd's own configuration and log,
 * and the output captured and sent back (ctl.h).
 *
 * Root may run every one of them. Any other caller may run token, which
 * hands it only its own session's token (cmd_token.c, by the uid), and
 * dpop-proof, which proves only for its own session's token
 * (cmd_dpop_proof.c, by the uid); the others are refused with exit 7 and
 * a log line (ctl_refuse), by the dispatcher or, for device-key, by the
 * command itself. getopt() keeps global state: one command at a time.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "ctl.h"
#include "daemon.h"
#include "err.h"
#include "proto.h"

/* More operands than any command takes, and the request is refused. */
#define ADMIN_MAX_ARGS		32
/* What conn.c adds after us: PA_F_STATUS, a number. */
#define ADMIN_STATUS_FIELD	8
/* The wait for the command before ours without a usable configuration. */
#define ADMIN_LOCK_MS		1000

/* What posauthd runs; check-config and test-login run in posauthctl. */
static const struct ctl_command *const service_commands[] = {
	&ctl_cmd_status, &ctl_cmd_users, &ctl_cmd_show, &ctl_cmd_purge,
	&ctl_cmd_unlock, &ctl_cmd_token, &ctl_cmd_device_key,
	&ctl_cmd_dpop_proof,
};
#define NSERVICE (sizeof(service_commands) / sizeof(service_commands[0]))

/* A request as read, its command line rebuilt for getopt. */
struct admin_req {
	char **argv;		/* the command's name, its ARGs, NULL */
	int argc;
	uint32_t flags;		/* PA_ADMIN_* */
	char *config;		/* -c, resolved by the client; or NULL */
	char *sudo_user;	/* a hint for the audit lines, or NULL */
};

static const struct ctl_command *
service_command(const char *name)
{
	size_t i;

	for (i = 0; i < NSERVICE; i++)
		if (strcmp(service_commands[i]->name, name) == 0 &&
		    (service_commands[i]->needs & CTL_NEED_SERVICE))
			return service_commands[i];
	return NULL;
}

static void
admin_req_clear(struct admin_req *a)
{
	int i;

	for (i = 0; a->argv != NULL && i < a->argc; i++)
		free(a->argv[i]);
	free(a->argv);
	free(a->config);
	free(a->sudo_user);
	memset(a, 0, sizeof(*a));
}

/* An optional text field: absent is NULL, not an error. */
static int
get_optional(const struct pa_msg *req, uint16_t tag, char **out)
{
	int r;

	if ((r = pa_msg_get_str(req, tag, out)) == PA_ERR_NOT_FOUND)
		return PA_OK;
	return r;
}

static int
admin_read(const struct pa_msg *req, struct admin_req *a)
{
	size_t pos = 0;
	char *arg = NULL;
	int r;

	if ((a->argv = calloc(ADMIN_MAX_ARGS + 2, sizeof(*a->argv))) == NULL)
		return PA_ERR_ALLOC;
	a->argc = 1;
	if ((r = pa_msg_get_str(req, PA_F_COMMAND, &a->argv[0])) != PA_OK ||
	    (r = pa_msg_get_u32(req, PA_F_FLAGS, &a->flags)) != PA_OK)
		return r == PA_ERR_ALLOC ? r : PA_ERR_ARG;
	while ((r = pa_msg_next(req, PA_F_ARG, &pos, &arg)) == PA_OK) {
		if (a->argc > ADMIN_MAX_ARGS) {
			free(arg);
			return PA_ERR_ARG;
		}
		a->argv[a->argc++] = arg;
	}
	if (r != PA_ERR_NOT_FOUND)
		return r;
	if ((r = get_optional(req, PA_F_CONFIG, &a->config)) != PA_OK ||
	    (r = get_optional(req, PA_F_SUDO_USER, &a->sudo_user)) != PA_OK)
		return r;
	if (a->sudo_user != NULL && a->sudo_user[0] == '\0') {
		free(a->sudo_user);
		a->sudo_user = NULL;
	}
	return PA_OK;
}

/* The caller's run: its uid and options, our configuration and log. */
static void
admin_ctl(struct pd_conn *c, const struct admin_req *a, struct ctl *ctl,
    FILE *out, FILE *err)
{
	const struct pa_conf *conf = NULL;

	ctl->out = out;
	ctl->err = err;
	ctl->uid = c->uid;
	ctl->sudo_user = a->sudo_user;
	ctl->audit = &c->d->log;
	ctl->json = (a->flags & PA_ADMIN_JSON) != 0;
	ctl->verbose = (a->flags & PA_ADMIN_VERBOSE) != 0;
	ctl->log.debug = ctl->verbose;
	/* NULL when it is unusable: the command then says so (exit 3). */
	ctl->conf = pd_conf_of(c, &conf) == PA_OK ? conf : NULL;
	ctl->lent_path = c->d->config_path;
	ctl->config_path = a->config != NULL ? a->config : c->d->config_path;
	ctl->config_given = a->config != NULL;
	ctl->reach.have = 1;
	pd_outage_describe(c->d, &ctl->reach.down, &ctl->reach.since,
	    &ctl->reach.next_probe, ctl->reach.why, sizeof(ctl->reach.why));
}

/*
 * Takes the admin lock, waiting at most half of the timeout the client
 * was promised in the hello: a command that had to wait must not start
 * (and purge, say) after its client gave up and reported a failure.
 */
static int
admin_lock(struct pd_conn *c, const struct ctl *ctl)
{
	struct timespec until;
	long ms = ctl->conf != NULL ? ctl->conf->timeout * 1000 / 2 :
	    ADMIN_LOCK_MS;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	return pthread_mutex_timedlock(&c->d->admin_lock, &until) == 0;
}

static int
admin_command(struct pd_conn *c, const struct ctl_command *cmd,
    struct admin_req *a, struct ctl *ctl)
{
	int ex;

	if (!admin_lock(c, ctl)) {
		ctl_err(ctl, "posauthd is busy with another posauthctl "
		    "command: try again");
		return CTL_EXIT_FAILED;
	}
	ex = ctl_run_command(ctl, cmd, a->argc, a->argv);
	pthread_mutex_unlock(&c->d->admin_lock);
	return ex;
}

static int
admin_run(struct pd_conn *c, const struct ctl_command *cmd,
    struct admin_req *a, struct pa_msg *res)
{
	struct ctl_capture out, err;
	struct ctl ctl;
	int r, ex;

	memset(&out, 0, sizeof(out));
	memset(&err, 0, sizeof(err));
	ctl_init(&ctl);
	if ((r = ctl_capture_open(&out, PA_PROTO_MAX_PAYLOAD)) != PA_OK ||
	    (r = ctl_capture_open(&err, PA_PROTO_MAX_PAYLOAD)) != PA_OK)
		goto out;
	admin_ctl(c, a, &ctl, out.f, err.f);
	ex = admin_command(c, cmd, a, &ctl);
	ctl_capture_close(&out);
	ctl_capture_close(&err);
	pa_log(&c->d->log, LOG_INFO, "posauthctl %s from uid %lu pid %ld: "
	    "exit %d", cmd->name, (unsigned long)c->uid, (long)c->pid, ex);
	r = ctl_answer_put(res, ex, &out.buf, &err.buf, out.lost + err.lost,
	    ADMIN_STATUS_FIELD);
 out:
	ctl_clear(&ctl);
	ctl_capture_clear(&out);
	ctl_capture_clear(&err);
	return r;
}

int
pd_handle_admin(struct pd_conn *c, const struct pa_msg *req,
    struct pa_msg *res)
{
	const struct ctl_command *cmd;
	struct admin_req a;
	char q[PA_QUOTE_MAX];
	int r;

	memset(&a, 0, sizeof(a));
	if ((r = admin_read(req, &a)) != PA_OK) {
		pa_log(&c->d->log, LOG_WARNING, "admin request from uid %lu "
		    "pid %ld refused: malformed (%s)", (unsigned long)c->uid,
		    (long)c->pid, pa_strerror(r));
		goto out;
	}
	if ((cmd = service_command(a.argv[0])) == NULL) {
		pa_log(&c->d->log, LOG_WARNING, "admin request from uid %lu "
		    "pid %ld refused: \"%s\" is not run by posauthd",
		    (unsigned long)c->uid, (long)c->pid,
		    pa_log_quote(a.argv[0], q, sizeof(q)));
		r = PA_ERR_ARG;
		goto out;
	}
	r = admin_run(c, cmd, &a, res);
 out:
	admin_req_clear(&a);
	return r;
}
