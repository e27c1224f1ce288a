/* SPDX-License-Identifier: MIT */
/*
 * posauthd: the entry point. Options, the listening socket (systemd's,
 * or one of its own), signals, and the accept loop that hands each
 * connection to a thread of its own, so one slow token request never
 * holds up another login.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "daemon.h"
#include "err.h"
#include "hostenv.h"
#include "http.h"
#include "secret.h"
#include "state.h"

#define PD_THREAD_STACK	(512 * 1024)
#define PD_DRAIN_SECONDS 10	/* at SIGTERM, for requests under way */
#define SD_LISTEN_FDS_START 3

static void
emit_stderr(void *ctx, int priority, const char *line)
{
	static const char *const names[] = {
		"emerg", "alert", "crit", "err", "warning", "notice", "info",
		"debug",
	};
	struct timespec ts;
	struct tm tm;
	char when[32];

	(void)ctx;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	/* One fprintf per line: stdio locks the stream, lines stay whole. */
	fprintf(stderr, "%s.%03ld posauthd[%ld]: %s: %s\n", when,
	    ts.tv_nsec / 1000000, (long)getpid(), names[priority & 7], line);
}

static void
emit_syslog(void *ctx, int priority, const char *line)
{
	(void)ctx;
	syslog(priority, "%s", line);
}

/* jansson's scratch copies hold tokens: wiped when freed. */
static void *
json_alloc(size_t n)
{
	size_t *p;

	if (n > SIZE_MAX - sizeof(size_t) ||
	    (p = malloc(n + sizeof(size_t))) == NULL)
		return NULL;
	p[0] = n;
	return p + 1;
}

static void
json_release(void *ptr)
{
	size_t *p = ptr;

	if (p == NULL)
		return;
	p--;
	pa_freezero(p, p[0] + sizeof(size_t));
}

static void
usage(FILE *f)
{
	fprintf(f, "Usage: posauthd [--foreground] [--socket PATH] "
	    "[--config FILE]\n"
	    "                [--log-stderr] [--debug]\n\n"
	    "The pam_posauth login service: owns the device cache, the "
	    "client secret,\nthe NSS index and all network I/O; the PAM "
	    "module and posauthctl ask it.\n\n"
	    "  -f, --foreground   do not detach (systemd, tests, supervisors)\n"
	    "  -s, --socket PATH  listen here (default "
	    PA_PROTO_DEFAULT_SOCKET ");\n"
	    "                     a socket systemd passes is used instead\n"
	    "  -c, --config FILE  configuration (default " PD_DEFAULT_CONFIG
	    ")\n"
	    "  -e, --log-stderr   log to stderr, not syslog\n"
	    "  -d, --debug        log debug lines too\n"
	    "  -h, --help         this text\n"
	    "  -V, --version      the version\n");
}

static int
parse_args(struct pd *d, int argc, char **argv, int *foreground)
{
	static const struct option opts[] = {
		{ "foreground", no_argument, NULL, 'f' },
		{ "socket", required_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'c' },
		{ "log-stderr", no_argument, NULL, 'e' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "fs:c:edhV", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			*foreground = 1;
			break;
		case 's':
			d->socket_path = optarg;
			break;
		case 'c':
			d->config_path = optarg;
			break;
		case 'e':
			d->log_stderr = 1;
			break;
		case 'd':
			d->debug = 1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("posauthd (%s) %s\n", PACKAGE_NAME,
			    PACKAGE_VERSION);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "posauthd: unexpected argument '%s'\n",
		    argv[optind]);
		return -1;
	}
	if (d->config_path[0] != '/' || d->socket_path[0] != '/') {
		fprintf(stderr, "posauthd: --config and --socket take "
		    "absolute paths\n");
		return -1;
	}
	return 0;
}

/* The socket systemd passed (socket activation), or -1. */
static int
systemd_socket(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	struct stat st;
	int fd = SD_LISTEN_FDS_START;

	if (pid == NULL || fds == NULL || strtol(pid, NULL, 10) != getpid() ||
	    strcmp(fds, "1") != 0)
		return -1;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode))
		return -1;
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
}

/* 1 when a service already answers on path. */
static int
socket_in_use(const struct sockaddr_un *sa)
{
	int fd, r;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return 0;
	r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0;
	close(fd);
	return r;
}

/*
 * A socket of our own at path: every local user may connect (the rules
 * of who may ask what are conn.c's, by SO_PEERCRED), and a stale socket
 * of an earlier run is replaced, a live one never.
 */
static int
own_socket(struct pd *d)
{
	struct sockaddr_un sa;
	struct stat st;
	mode_t old;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(d->socket_path) >= sizeof(sa.sun_path)) {
		pa_log(&d->log, LOG_ERR, "socket path %s too long",
		    d->socket_path);
		return -1;
	}
	strcpy(sa.sun_path, d->socket_path);
	if (lstat(d->socket_path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			pa_log(&d->log, LOG_ERR, "%s exists and is not a "
			    "socket", d->socket_path);
			return -1;
		}
		if (socket_in_use(&sa)) {
			pa_log(&d->log, LOG_ERR, "another posauthd answers "
			    "on %s", d->socket_path);
			return -1;
		}
		(void)unlink(d->socket_path);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		goto fail;
	old = umask(0111);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		umask(old);
		goto fail;
	}
	umask(old);
	if (chmod(d->socket_path, 0666) != 0 || listen(fd, SOMAXCONN) != 0)
		goto fail;
	return fd;
 fail:
	pa_log(&d->log, LOG_ERR, "cannot listen on %s: %s", d->socket_path,
	    strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

/*
 * Connections at once, and per uid: a local user holding idle
 * connections may fill its own share, never root's. Under conn_lock.
 */
static int
conn_admit(struct pd *d, uid_t uid)
{
	size_t i, free_slot = PD_UID_SLOTS;

	if (d->nconn >= PD_MAX_CONNECTIONS)
		return 0;
	if (uid == 0)
		return 1;
	if (d->nconn_user >= PD_MAX_UNPRIVILEGED)
		return 0;
	for (i = 0; i < PD_UID_SLOTS; i++) {
		if (d->peers[i].n > 0 && d->peers[i].uid == uid)
			return d->peers[i].n < PD_MAX_PER_UID;
		if (d->peers[i].n == 0 && free_slot == PD_UID_SLOTS)
			free_slot = i;
	}
	return free_slot < PD_UID_SLOTS;
}

static void
conn_count(struct pd *d, uid_t uid, int delta)
{
	size_t i, free_slot = PD_UID_SLOTS;

	d->nconn += delta;
	if (uid == 0)
		return;
	d->nconn_user += delta;
	for (i = 0; i < PD_UID_SLOTS; i++) {
		if (d->peers[i].n > 0 && d->peers[i].uid == uid) {
			d->peers[i].n += delta;
			return;
		}
		if (d->peers[i].n == 0 && free_slot == PD_UID_SLOTS)
			free_slot = i;
	}
	if (delta > 0 && free_slot < PD_UID_SLOTS) {
		d->peers[free_slot].uid = uid;
		d->peers[free_slot].n = delta;
	}
}

static void *
conn_thread(void *arg)
{
	struct pd_conn *c = arg;
	struct pd *d = c->d;
	uid_t uid = c->uid;

	pd_conn_serve(c);
	close(c->fd);
	free(c);
	pthread_mutex_lock(&d->conn_lock);
	conn_count(d, uid, -1);
	pthread_cond_signal(&d->conn_done);
	pthread_mutex_unlock(&d->conn_lock);
	return NULL;
}

/* Hands an accepted connection to a thread of its own. */
static void
start_conn(struct pd *d, pthread_attr_t *attr, int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct pd_conn *c = NULL;
	pthread_t t;
	int admit;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 ||
	    (c = calloc(1, sizeof(*c))) == NULL) {
		pa_log(&d->log, LOG_ERR, "connection dropped: %s",
		    strerror(errno));
		goto drop;
	}
	pthread_mutex_lock(&d->conn_lock);
	if ((admit = conn_admit(d, cred.uid)))
		conn_count(d, cred.uid, 1);
	pthread_mutex_unlock(&d->conn_lock);
	if (!admit) {
		pa_log(&d->log, LOG_WARNING, "connection from uid %lu pid %ld "
		    "dropped: too many connections of that user at once",
		    (unsigned long)cred.uid, (long)cred.pid);
		goto drop;
	}
	c->d = d;
	c->fd = fd;
	c->uid = cred.uid;
	c->gid = cred.gid;
	c->pid = cred.pid;
	/* The config a request uses is the one its hello announced. */
	c->conf = pd_conf_get(d);
	if (pd_send_hello(c) != PA_OK ||
	    pthread_create(&t, attr, conn_thread, c) != 0) {
		pd_conf_put(d, c->conf);
		pthread_mutex_lock(&d->conn_lock);
		conn_count(d, cred.uid, -1);
		pthread_mutex_unlock(&d->conn_lock);
		goto drop;
	}
	return;
 drop:
	free(c);
	close(fd);
}

/* 1 while another connection may be served now. */
static int
room_for_more(struct pd *d)
{
	int room;

	pthread_mutex_lock(&d->conn_lock);
	room = d->nconn < PD_MAX_CONNECTIONS;
	pthread_mutex_unlock(&d->conn_lock);
	return room;
}

/* 1 when every request finished in time. */
static int
drain(struct pd *d)
{
	struct timespec until;
	int n;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += PD_DRAIN_SECONDS;
	pthread_mutex_lock(&d->conn_lock);
	while (d->nconn > 0 &&
	    pthread_cond_timedwait(&d->conn_done, &d->conn_lock, &until) !=
	    ETIMEDOUT)
		;
	n = d->nconn;
	pthread_mutex_unlock(&d->conn_lock);
	if (n > 0)
		pa_log(&d->log, LOG_WARNING, "stopping with %d request(s) "
		    "under way", n);
	return n == 0;
}

static int
serve(struct pd *d, int lfd, int sfd)
{
	struct pollfd p[2] = { { lfd, POLLIN, 0 }, { sfd, POLLIN, 0 } };
	struct signalfd_siginfo si;
	pthread_attr_t attr;
	int fd;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, PD_THREAD_STACK);
	for (;;) {
		/* Full: more wait in the backlog; signals are still heard. */
		p[0].fd = room_for_more(d) ? lfd : -1;
		if (poll(p, 2, p[0].fd < 0 ? 100 : -1) < 0) {
			if (errno == EINTR)
				continue;
			pa_log(&d->log, LOG_ERR, "poll: %s", strerror(errno));
			break;
		}
		if (p[1].revents & POLLIN) {
			if (read(sfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
				continue;
			if (si.ssi_signo == SIGHUP) {
				pa_log(&d->log, LOG_INFO, "SIGHUP: config "
				    "read again at the next request");
				pd_conf_invalidate(d);
				continue;
			}
			pa_log(&d->log, LOG_INFO, "stopping (signal %u)",
			    si.ssi_signo);
			break;
		}
		if (!(p[0].revents & POLLIN))
			continue;
		if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0) {
			if (errno == EMFILE || errno == ENFILE) {
				/* Out of descriptors: let requests finish. */
				pa_log(&d->log, LOG_ERR, "accept: %s",
				    strerror(errno));
				usleep(100000);
			}
			continue;
		}
		start_conn(d, &attr, fd);
	}
	pthread_attr_destroy(&attr);
	return drain(d);
}

static int
detach(void)
{
	pid_t pid;
	int fd;

	if ((pid = fork()) < 0)
		return -1;
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		return -1;
	if ((fd = open("/dev/null", O_RDWR)) >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	return chdir("/");
}

static int
kdf_slots(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	/* Each scrypt holds 32 MiB: one per core, at least two. */
	return n < 2 ? 2 : n > 16 ? 16 : (int)n;
}

int
main(int argc, char **argv)
{
	struct pd d;
	sigset_t sigs;
	int foreground = 0, lfd = -1, sfd = -1, owned = 0, r, status = 1;

	memset(&d, 0, sizeof(d));
	d.config_path = PD_DEFAULT_CONFIG;
	d.socket_path = PA_PROTO_DEFAULT_SOCKET;
	if (parse_args(&d, argc, argv, &foreground) != 0)
		return 2;
	/* Nothing we write is for anyone else unless we say so. */
	umask(077);
	signal(SIGPIPE, SIG_IGN);
	d.log.emit = d.log_stderr ? emit_stderr : emit_syslog;
	d.log.debug = d.debug;
	if (!d.log_stderr)
		openlog("posauthd", LOG_PID, LOG_AUTHPRIV);
	if ((r = pa_hostenv_init()) != PA_OK) {
		pa_log(&d.log, LOG_ERR, "cannot start the crypto and HTTP "
		    "libraries: %s", pa_strerror(r));
		return 1;
	}
	json_set_alloc_funcs(json_alloc, json_release);
	if ((r = pa_http_keep_connections()) != PA_OK) {
		pa_log(&d.log, LOG_ERR, "cannot share connections: %s",
		    pa_strerror(r));
		return 1;
	}
	/* Signals come through a descriptor; every thread blocks them. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	if (pthread_sigmask(SIG_BLOCK, &sigs, NULL) != 0 ||
	    (sfd = signalfd(-1, &sigs, SFD_CLOEXEC)) < 0) {
		pa_log(&d.log, LOG_ERR, "signalfd: %s", strerror(errno));
		return 1;
	}
	if ((lfd = systemd_socket()) < 0) {
		if ((lfd = own_socket(&d)) < 0)
			goto out;
		owned = 1;
	}
	if (!foreground && detach() != 0) {
		pa_log(&d.log, LOG_ERR, "cannot detach: %s", strerror(errno));
		goto out;
	}
	pd_conf_init(&d);
	pthread_mutex_init(&d.conn_lock, NULL);
	pthread_cond_init(&d.conn_done, NULL);
	pthread_mutex_init(&d.admin_lock, NULL);
	if (sem_init(&d.kdf_slots, 0, (unsigned)kdf_slots()) != 0 ||
	    pd_state_new(&d.state) != PA_OK) {
		pa_log(&d.log, LOG_ERR, "cannot start: out of memory");
		goto out;
	}
	pd_conf_put(&d, pd_conf_get(&d));	/* load it now: the log says */
	if (pd_bg_start(&d) != PA_OK) {
		pa_log(&d.log, LOG_ERR, "cannot start the background worker");
		goto out;
	}
	pa_log(&d.log, LOG_INFO, "listening (config %s)", d.config_path);
	r = serve(&d, lfd, sfd);
	pd_bg_stop(&d);
	/* Threads still running keep using the state: exit without freeing. */
	if (r) {
		pd_state_free(d.state);
		pd_conf_shutdown(&d);
	}
	status = 0;
 out:
	if (owned)
		(void)unlink(d.socket_path);
	if (lfd >= 0)
		close(lfd);
	if (sfd >= 0)
		close(sfd);
	return status;
}
