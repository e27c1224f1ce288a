/* SPDX-License-Identifier: MIT */
/*
 * posauthd: the login service. It owns the device cache, the device key,
 * the client secret, the NSS index, the session token files and all
 * network I/O; PAM hosts and posauthctl ask it over a Unix socket
 * (proto.h). What the parts of the service share is here.
 */
#ifndef POSAUTH_DAEMON_H
#define POSAUTH_DAEMON_H

#include <pthread.h>
#include <stddef.h>
#include <semaphore.h>
#include <stdint.h>
#include <sys/types.h>

#include "backoff.h"
#include "log.h"
#include "proto.h"

struct pa_conf;
struct pd_state;

#define PD_DEFAULT_CONFIG	"/etc/posauth/posauth.conf"
#define PD_MAX_CONNECTIONS	512	/* at once; more wait in the backlog */
#define PD_MAX_UNPRIVILEGED	384	/* of those, from uids other than root */
#define PD_MAX_PER_UID		16	/* from any one of those uids */
#define PD_UID_SLOTS		PD_MAX_UNPRIVILEGED
#define PD_REQUEST_MS		5000	/* a client has this long to ask */
#define PD_DEFAULT_TIMEOUT_MS	10000	/* promised while the config is bad */

/* A loaded configuration, shared by the requests that use it. */
struct pd_conf {
	int refs;
	int status;		/* PA_OK, or why there is no usable config */
	struct pa_conf *conf;	/* NULL unless status is PA_OK */
};

/* bg.c: one thread for the work no login waits on. */
struct pd_bg {
	pthread_t thread;
	int running;
	pthread_mutex_t lock;
	pthread_cond_t cond;		/* on CLOCK_MONOTONIC */
	int stop;
	int woken;			/* pd_bg_wake() since the last look */
	struct pa_rng rng;		/* under lock */
};

/* outage.c: what the service remembers of the token service's reach. */
struct pd_outage {
	pthread_mutex_t lock;
	int down;			/* the last contact ended unreachable */
	long long since;		/* wall clock: when it began */
	unsigned probes;		/* failed probes since */
	long long next_probe;		/* monotonic ms, 0: none due */
	long long next_probe_wall;	/* the same on the wall clock, s */
	long long flush_at;		/* monotonic ms: revocations due, 0: no */
	long long docs_at;		/* monotonic ms: discovery+JWKS refresh */
	unsigned docs_failures;
	char why[192];			/* the last transport error */
};

struct pd {
	const char *config_path;
	const char *socket_path;
	int log_stderr;
	int debug;
	struct pa_log log;

	pthread_mutex_t conf_lock;
	struct pd_conf *conf;	/* the current one */
	struct stat_id {
		dev_t dev;
		ino_t ino;
		off_t size;
		long long mtime_ns, ctime_ns;
		int have;
	} conf_id;

	struct pd_state *state;	/* logins, sessions, rate limits */
	sem_t kdf_slots;	/* scrypt runs at once (32 MiB each) */

	pthread_mutex_t conn_lock;
	pthread_cond_t conn_done;
	int nconn;		/* connections being served */
	int nconn_user;		/* of those, from uids other than root */
	struct pd_peer {
		uid_t uid;
		int n;
	} peers[PD_UID_SLOTS];

	/* posauthctl's commands parse with getopt: one at a time. */
	pthread_mutex_t admin_lock;

	struct pd_bg bg;
	struct pd_outage outage;
};

/* One accepted connection, handled by one thread. */
struct pd_conn {
	struct pd *d;
	int fd;
	uid_t uid;		/* of the peer (SO_PEERCRED) */
	gid_t gid;
	pid_t pid;
	struct pd_conf *conf;	/* held for the request */
};

/* --- pdconf.c: the configuration, reloaded when its file changes --- */
void pd_conf_init(struct pd *d);
/* The current configuration, reloaded first when the file changed. */
struct pd_conf *pd_conf_get(struct pd *d);
void pd_conf_put(struct pd *d, struct pd_conf *c);
/* Reads the file again at the next request, changed or not (SIGHUP). */
void pd_conf_invalidate(struct pd *d);
void pd_conf_shutdown(struct pd *d);

/* --- conn.c: one connection from hello to answer --- */
int pd_send_hello(struct pd_conn *c);
void pd_conn_serve(struct pd_conn *c);
/* The request's configuration, or why there is none (PA_ERR_CONFIG). */
int pd_conf_of(struct pd_conn *c, const struct pa_conf **conf);
/* Sends the answer of a request: RESULT with status and fields. */
int pd_reply(struct pd_conn *c, struct pa_msg *result);

/* --- handlers --- */
int pd_handle_check_user(struct pd_conn *c, const struct pa_msg *req,
    struct pa_msg *res);
int pd_handle_auth(struct pd_conn *c, const struct pa_msg *req,
    struct pa_msg *res, int *replied);
int pd_handle_account(struct pd_conn *c, const struct pa_msg *req,
    struct pa_msg *res);
int pd_handle_mfa_wait(struct pd_conn *c, const struct pa_msg *req,
    struct pa_msg *res, int *replied);
/* handle_login.c, shared with the second factor's end (handle_mfa.c). */
struct pa_auth_pending;
int pd_auth_reply(struct pd_conn *c, struct pa_msg *res, int status,
    const char *login_id, int offline);
void pd_auth_finish(struct pd_conn *c, const struct pa_conf *conf,
    struct pa_auth_pending *pend);
int pd_handle_open(struct pd_conn *c, const struct pa_msg *req,
    struct pa_msg *res);
int pd_handle_close(struct pd_conn *c, const struct pa_msg *req,
    struct pa_msg *res);
int pd_handle_admin(struct pd_conn *c, const struct pa_msg *req,
    struct pa_msg *res);

/* --- bg.c: work nobody waits for, on a jittered schedule --- */
int pd_bg_start(struct pd *d);
void pd_bg_stop(struct pd *d);
/* Something changed the schedule (an outage, a new session): look again. */
void pd_bg_wake(struct pd *d);
/* Milliseconds on CLOCK_MONOTONIC: schedules do not follow the wall clock. */
long long pd_mono_ms(void);
/* backoff.h's delays, from the service's generator. */
long long pd_bg_backoff(struct pd *d, unsigned attempt, long long base_ms,
    long long cap_ms);
long long pd_bg_jitter(struct pd *d, long long period_ms, unsigned pct);
long long pd_bg_spread(struct pd *d, long long window_ms);

/* --- outage.c: an unreachable token service, remembered and probed --- */
void pd_outage_init(struct pd *d);
/*
 * 1 while the token service is known unreachable: a login that the
 * device cache can decide goes there without waiting on the network.
 */
int pd_outage_known(struct pd *d);
/*
 * What a contact with the token service found: PA_ERR_UNREACHABLE starts
 * (or continues) an outage; any answer (PA_OK, a refusal) ends it.
 * Other statuses (local failures) say nothing about the service.
 */
void pd_outage_report(struct pd *d, int status, const char *why);
/* Runs what is due (probe, revocations, documents); the next due time. */
long long pd_outage_tick(struct pd *d, const struct pa_conf *conf,
    long long mono_ms);
/* For `posauthctl status`: down, since and next probe (wall clock, s). */
void pd_outage_describe(struct pd *d, int *down, long long *since,
    long long *next_probe, char *why, size_t whylen);

/* --- follow.c: open sessions follow the token service --- */
#define PD_FOLLOW_DEFAULT_S	300	/* session_refresh's default */
#define PD_FOLLOW_JITTER_PCT	10	/* +-% on every refresh period */
/* Refreshes the sessions that are due; the next due time (ms, monotonic). */
long long pd_follow_tick(struct pd *d, const struct pa_conf *conf,
    long long mono_ms);

/* --- action.c: a session whose grant ended, or whose roles shrank --- */
/*
 * Runs on_session_revoked (loginctl on logind_id, which may be NULL) and
 * session_revoked_hook with user, logind_id or "-", and reason
 * ("revoked", "roles"). Returns at once; the commands are reaped apart.
 */
void pd_session_act(struct pd *d, const struct pa_conf *conf,
    const char *user, const char *logind_id, const char *reason);

/* The role gate lists (PA_F_ALLOW_ROLE, PA_F_DENY_ROLE) of a request. */
int pd_gate_lists(const struct pa_msg *req, uint16_t tag, char ***v,
    size_t *n);

/* The uid a staff member has on this terminal (the NSS index says). */
int pd_staff_uid(const struct pa_conf *conf, const char *user, uid_t *uid,
    gid_t *gid);

#endif
