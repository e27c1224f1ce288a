/* SPDX-License-Identifier: MIT */
/*
 * posauthctl: what the subcommands share. Exit codes, the command table
 * and its dispatcher, output helpers (human and --json), the audit line
 * every admin action leaves in syslog, and the small pure helpers (times,
 * durations, offline window, PIN line) that the unit test drives. Each
 * subcommand lives in its own cmd_<name>.c.
 *
 * The commands that read the device cache or secrets (CTL_NEED_SERVICE)
 * run inside posauthd, which owns them: posauthctl sends the command line
 * (ctl_via_service) and posauthd runs the same code with its output
 * captured (ctl_capture) and sent back (ctl_answer_put/get).
 */
#ifndef POSAUTH_CTL_H
#define POSAUTH_CTL_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include <jansson.h>

#include "buf.h"
#include "log.h"

struct pa_cache;
struct pa_cache_record;
struct pa_conf;
struct pa_msg;

/*
 * Exit codes of posauthctl, the same for every subcommand (documented in
 * `posauthctl --help` and posauthctl(8)). Scripts branch on them, so a
 * code is never reused for a different meaning.
 */
enum ctl_exit {
	CTL_EXIT_OK = 0,
	CTL_EXIT_FAILED = 1,		/* operation failed, or denied */
	CTL_EXIT_USAGE = 2,		/* bad command line, invalid user name */
	CTL_EXIT_CONFIG = 3,		/* config (or client secret) unusable */
	CTL_EXIT_CACHE = 4,		/* device cache unusable, record corrupt */
	CTL_EXIT_UNREACHABLE = 5,	/* token service could not be asked */
	CTL_EXIT_NOT_FOUND = 6,		/* no such cached user / session token */
	CTL_EXIT_ROOT = 7,		/* needs root (cache, token renewal) */
	CTL_EXIT_INVALID = 8,		/* service answered, answer unacceptable */
	CTL_EXIT_POSAUTHD = 9,		/* posauthd could not be asked */
};

/* The table printed by every --help. */
#define CTL_EXIT_HELP \
"Exit status:\n" \
"  0  success\n" \
"  1  operation failed, or the token service said no\n" \
"  2  usage error (bad option, missing or invalid argument)\n" \
"  3  configuration or client secret unusable\n" \
"  4  device cache unusable, or the record is corrupt\n" \
"  5  token service unreachable\n" \
"  6  not found (no cached record or session token for that user)\n" \
"  7  root required (the device cache and token renewal are root's)\n" \
"  8  the token service answered with something unacceptable\n" \
"  9  posauthd not reachable (not running, or did not answer)\n"

/* A renewed or printed access token must live at least this long. */
#define CTL_TOKEN_MIN_LIFETIME 60

/*
 * Global state of one run: of posauthctl, or of one command posauthd runs
 * for a client (then out and err are captured, uid is the peer's, conf is
 * posauthd's own and audit its log).
 */
/* What posauthd remembers of the token service's reach (status). */
struct ctl_reach {
	int have;			/* filled in by posauthd */
	int down;
	long long since;		/* wall clock, s */
	long long next_probe;		/* wall clock, s; 0: none */
	char why[192];
};

struct ctl {
	const char *config_path;
	int config_given;		/* -c was given: it must be obeyed */
	int json;
	int verbose;
	int all;			/* --all was given */
	const char *cmd;		/* subcommand name, for messages */
	const struct pa_conf *conf;	/* for CTL_NEED_CONFIG */
	struct pa_conf *own_conf;	/* what ctl_clear() frees; a lent one
					 * (posauthd's) is not ours */
	const char *lent_path;		/* the file a lent conf came from */
	struct pa_log log;		/* core library lines */
	long long now;
	FILE *out, *err;		/* stdout, stderr, or captured */
	uid_t uid;			/* who asks: getuid(), or the peer */
	const char *sudo_user;		/* the caller's $SUDO_USER: a hint */
	const struct pa_log *audit;	/* posauthd's log; NULL: syslog(3) */
	const char *socket_path;	/* posauthd's (-S) */
	struct ctl_reach reach;
	const char *http_method;	/* --method (dpop-proof) */
	const char *http_url;		/* --url (dpop-proof) */
	const char *http_nonce;		/* --nonce (dpop-proof) */
};

/* Options a subcommand accepts on top of --help and -c/--config. */
#define CTL_OPT_JSON	0x1u
#define CTL_OPT_ALL	0x2u	/* --all stands for the operands */
#define CTL_OPT_REQUEST	0x4u	/* --method M --url U: an HTTP request */

/* What the dispatcher does before a subcommand runs. */
#define CTL_NEED_CONFIG	0x1u	/* load the configuration */
#define CTL_NEED_USER	0x2u	/* the first operand must be a user name */
#define CTL_NEED_CACHE	0x4u	/* the caller must be root */
#define CTL_NEED_SERVICE 0x8u	/* run by posauthd, never by posauthctl */

/*
 * One subcommand: its help, what it accepts and needs, and the function
 * that does the work once the dispatcher has checked all of that; run()
 * gets the operands only.
 */
struct ctl_command {
	const char *name;
	const char *summary;		/* one line for the command list */
	const char *usage;		/* "users [--json]" */
	const char *text;		/* what it does, its exit codes */
	unsigned opts;			/* CTL_OPT_* */
	unsigned needs;			/* CTL_NEED_* */
	int min_args, max_args;		/* operands, without --all */
	const char *args_error;		/* said when the count is wrong */
	int (*run)(struct ctl *ctl, int argc, char **argv);
};

/* The subcommands, one file each (cmd_*.c). */
extern const struct ctl_command ctl_cmd_status, ctl_cmd_users,
    ctl_cmd_show, ctl_cmd_purge, ctl_cmd_unlock, ctl_cmd_check_config,
    ctl_cmd_token, ctl_cmd_test_login, ctl_cmd_device_key,
    ctl_cmd_dpop_proof;

/* Output on stdout and stderr, the caller's uid, $SUDO_USER as the hint. */
void ctl_init(struct ctl *ctl);
void ctl_clear(struct ctl *ctl);

/*
 * Parses cmd's options and checks the number of its operands. -1 with
 * *first = the index of the first operand when the command may run;
 * else the exit code, after the help text (--help) or a usage error.
 * argv[0] is the subcommand's name.
 */
int ctl_check_command(struct ctl *ctl, const struct ctl_command *cmd,
    int argc, char **argv, int *first);
/*
 * ctl_check_command(), then meets cmd's needs and runs it. Returns the
 * exit code.
 */
int ctl_run_command(struct ctl *ctl, const struct ctl_command *cmd,
    int argc, char **argv);
void ctl_print_help(const struct ctl *ctl, const struct ctl_command *cmd);
/* "posauthctl CMD: <msg>" plus a hint at --help; returns CTL_EXIT_USAGE. */
int ctl_usage_error(const struct ctl *ctl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Error text for the human on stderr, prefixed with the command. */
void ctl_err(const struct ctl *ctl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * One syslog line (authpriv; posauthd's log in posauthd) per admin
 * action, with the acting uid and sudo user, and the same text on stderr
 * for the human. Callers pass no secret: user names go through
 * pa_log_quote().
 */
void ctl_audit(const struct ctl *ctl, int priority, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/*
 * A request refused for want of root: the message on stderr for the
 * human and a warning in the log. Returns CTL_EXIT_ROOT.
 */
int ctl_refuse(const struct ctl *ctl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The exit code for a status of the core library. */
int ctl_exit_for(int status);

/*
 * Opens cache_dir without creating it. Returns PA_OK, PA_ERR_NOT_FOUND
 * when no login has created it yet (no message), or another status after
 * a message on stderr.
 */
int ctl_open_cache(const struct ctl *ctl, struct pa_cache **out);

/* --- output ---------------------------------------------------------- */

/* Prints a JSON document on ctl->out and releases it; PA_ERR_ALLOC if
 * NULL. */
int ctl_json_print(const struct ctl *ctl, json_t *doc);
/* A JSON array of strings, or NULL on allocation failure. */
json_t *ctl_json_strings(char *const *v, size_t n);
/* An ISO 8601 time, or JSON null for 0 (never). */
json_t *ctl_json_time(long long t);

/* "2024-05-01T12:00:00Z"; "never" for t <= 0. Returns out. */
const char *ctl_iso8601(long long t, char *out, size_t outlen);
/* "2d 3h", "4h 12m", "5m 3s", "42s"; "0s" for <= 0. Returns out. */
const char *ctl_duration(long long secs, char *out, size_t outlen);
/* "a,b,c" cut with "..." when it does not fit. Returns out. */
const char *ctl_join(char *const *v, size_t n, char *out, size_t outlen);

/* --- small pure helpers ---------------------------------------------- */

/*
 * Reads one line from fd into buf (size bytes, NUL-terminated, newline
 * and a trailing CR removed), a byte at a time so no stdio buffer keeps a
 * copy of a PIN. PA_OK, PA_ERR_NO_PIN (EOF before any byte),
 * PA_ERR_TOO_LARGE (line longer than size - 1; buf is wiped) or
 * PA_ERR_SYSTEM.
 */
int ctl_read_line_fd(int fd, char *buf, size_t size);

/* --- through posauthd ------------------------------------------------- */

/*
 * Sends a command that checked locally (ctl_check_command) to posauthd
 * at ctl->socket_path, writes its output to ctl->out and ctl->err and
 * returns its exit code; CTL_EXIT_POSAUTHD when posauthd cannot be asked.
 * argv[0] is the subcommand's name.
 */
int ctl_via_service(struct ctl *ctl, const struct ctl_command *cmd,
    int argc, char **argv);

/*
 * A stream whose text is kept in buf (a wiping buffer: an access token
 * passes), at most max bytes; what does not fit is counted in lost.
 */
struct ctl_capture {
	FILE *f;
	struct pa_buf buf;
	size_t lost;
	char iobuf[BUFSIZ];	/* stdio's buffer, ours so it is wiped */
};

int ctl_capture_open(struct ctl_capture *c, size_t max);
/* Flushes and closes the stream; the text stays in buf. */
void ctl_capture_close(struct ctl_capture *c);
/* Closes if open, wipes and frees. */
void ctl_capture_clear(struct ctl_capture *c);

/*
 * The answer to an admin request: EXIT, then the texts in fields of at
 * most PA_PROTO_MAX_FIELD bytes, leaving room for reserve more bytes of
 * payload (the status posauthd adds). stderr comes first and may take up
 * to a quarter of the room; what does not fit is cut, said in a last line
 * of stderr, and a command that succeeded exits CTL_EXIT_FAILED: a cut
 * listing is no success. lost counts bytes already cut while captured.
 */
int ctl_answer_put(struct pa_msg *res, int ex, const struct pa_buf *out,
    const struct pa_buf *err, size_t lost, size_t reserve);
/*
 * Reads an answer back: the exit code and the texts, concatenated into
 * out and err (which the caller initialised). PA_OK, PA_ERR_BAD_RESPONSE
 * without an exit code, PA_ERR_TOO_LARGE, PA_ERR_ALLOC.
 */
int ctl_answer_get(const struct pa_msg *res, int *ex, struct pa_buf *out,
    struct pa_buf *err);

#endif
