/* SPDX-License-Identifier: MIT */
/*
 * What is done to a running session whose grant the token service ended
 * or whose roles no longer pass its gate: logind locks or ends it
 * (on_session_revoked), and session_revoked_hook tells the kiosk. Each
 * runs as a child with a clean environment and nothing of ours open,
 * and is reaped by a thread of its own that kills it when it hangs: the
 * worker never waits for it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "daemon.h"
#include "err.h"

#define ACTION_TIMEOUT_MS	30000	/* then the child is killed */
#define ACTION_POLL_MS		50

struct child {
	struct pd *d;
	pid_t pid;
	char what[PA_QUOTE_MAX + 40];	/* for logs: command and user */
};

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, ms % 1000 * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static void
reap_log(const struct child *ch, int status)
{
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		pa_log(&ch->d->log, LOG_DEBUG, "%s finished", ch->what);
	else if (WIFEXITED(status))
		pa_log(&ch->d->log, LOG_WARNING, "%s exited with status %d",
		    ch->what, WEXITSTATUS(status));
	else
		pa_log(&ch->d->log, LOG_WARNING, "%s killed by signal %d",
		    ch->what, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/* Waits for one child, at most ACTION_TIMEOUT_MS, then kills it. */
static void *
reap_main(void *arg)
{
	struct child *ch = arg;
	long waited = 0;
	pid_t p;
	int status = 0;

	for (;;) {
		p = waitpid(ch->pid, &status, WNOHANG);
		if (p == ch->pid) {
			reap_log(ch, status);
			break;
		}
		if (p < 0 && errno != EINTR)
			break;
		if (waited >= ACTION_TIMEOUT_MS) {
			pa_log(&ch->d->log, LOG_WARNING, "%s still running "
			    "after %d s: killed", ch->what,
			    ACTION_TIMEOUT_MS / 1000);
			kill(ch->pid, SIGKILL);
			while (waitpid(ch->pid, &status, 0) < 0 &&
			    errno == EINTR)
				;
			break;
		}
		sleep_ms(ACTION_POLL_MS);
		waited += ACTION_POLL_MS;
	}
	free(ch);
	return NULL;
}

/*
 * The child of a threaded process: only async-signal-safe calls until
 * exec. Signals the service blocks or ignores are the command's again.
 */
static void
child_exec(char *const argv[], char *const envp[], const sigset_t *none)
{
	struct sigaction dfl;
	int fd;

	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	(void)sigaction(SIGPIPE, &dfl, NULL);
	(void)sigprocmask(SIG_SETMASK, none, NULL);
	if ((fd = open("/dev/null", O_RDWR)) < 0 || dup2(fd, 0) < 0 ||
	    dup2(fd, 1) < 0)
		_exit(126);
	/* stderr stays: what the command says lands in the service's log. */
	closefrom(3);
	(void)setsid();
	execve(argv[0], argv, envp);
	_exit(127);
}

/* Starts argv[0] (an absolute path) and a thread that reaps it. */
static int
spawn(struct pd *d, char *const argv[], const char *what)
{
	static char *const envp[] = {
		"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C", NULL,
	};
	pthread_attr_t attr;
	pthread_t t;
	struct child *ch;
	sigset_t none;
	pid_t pid;

	if ((ch = calloc(1, sizeof(*ch))) == NULL)
		return PA_ERR_ALLOC;
	ch->d = d;
	snprintf(ch->what, sizeof(ch->what), "%s", what);
	sigemptyset(&none);
	if ((pid = fork()) < 0) {
		free(ch);
		return PA_ERR_SYSTEM;
	}
	if (pid == 0)
		child_exec(argv, envp, &none);
	ch->pid = pid;
	if (pthread_attr_init(&attr) != 0 ||
	    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED) != 0 ||
	    pthread_create(&t, &attr, reap_main, ch) != 0) {
		/* No thread to wait with: this one waits, bounded all the same. */
		reap_main(ch);
	}
	pthread_attr_destroy(&attr);
	return PA_OK;
}

/*
 * The hook runs as root: only a file nobody but root could have put
 * there or changed may run (the same rule sudo applies to sudoers).
 */
static int
hook_trusted(struct pd *d, const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		pa_log(&d->log, LOG_ERR, "session_revoked_hook %s: %s", path,
		    strerror(errno));
		return 0;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		pa_log(&d->log, LOG_ERR, "session_revoked_hook %s not run: "
		    "must be a regular file owned by root and writable by "
		    "nobody else", path);
		return 0;
	}
	return 1;
}

/* lock or terminate through logind: the session the open recorded. */
static void
run_logind(struct pd *d, const struct pa_conf *conf, const char *q,
    const char *logind_id)
{
	const char *verb = conf->on_session_revoked == PA_REVOKED_TERMINATE ?
	    "terminate-session" : "lock-session";
	char *argv[] = { PA_LOGINCTL, (char *)verb, (char *)logind_id, NULL };
	char what[PA_QUOTE_MAX + 40];
	int r;

	if (conf->on_session_revoked == PA_REVOKED_NONE) {
		pa_log(&d->log, LOG_NOTICE, "user \"%s\": session left alone "
		    "(on_session_revoked = none)", q);
		return;
	}
	if (logind_id == NULL) {
		pa_log(&d->log, LOG_WARNING, "user \"%s\": session could not "
		    "be %s: no logind session was recorded at open (is "
		    "pam_systemd before pam_posauth?)", q,
		    conf->on_session_revoked == PA_REVOKED_TERMINATE ?
		    "terminated" : "locked");
		return;
	}
	pa_log(&d->log, LOG_NOTICE, "user \"%s\": running %s %s %s", q,
	    PA_LOGINCTL, verb, logind_id);
	snprintf(what, sizeof(what), "loginctl for user \"%s\"", q);
	if ((r = spawn(d, argv, what)) != PA_OK)
		pa_log(&d->log, LOG_ERR, "user \"%s\": loginctl not run: %s",
		    q, pa_strerror(r));
}

void
pd_session_act(struct pd *d, const struct pa_conf *conf, const char *user,
    const char *logind_id, const char *reason)
{
	const char *hook = conf->session_revoked_hook;
	char *argv[5], q[PA_QUOTE_MAX], what[PA_QUOTE_MAX + 40];
	int r;

	pa_log_quote(user, q, sizeof(q));
	run_logind(d, conf, q, logind_id);
	if (hook == NULL || !hook_trusted(d, hook))
		return;
	argv[0] = (char *)hook;
	argv[1] = (char *)user;
	argv[2] = (char *)(logind_id != NULL ? logind_id : "-");
	argv[3] = (char *)reason;
	argv[4] = NULL;
	pa_log(&d->log, LOG_NOTICE, "user \"%s\": running "
	    "session_revoked_hook %s (%s)", q, hook, reason);
	snprintf(what, sizeof(what), "session_revoked_hook for user \"%s\"",
	    q);
	if ((r = spawn(d, argv, what)) != PA_OK)
		pa_log(&d->log, LOG_ERR, "user \"%s\": session_revoked_hook "
		    "not run: %s", q, pa_strerror(r));
}
