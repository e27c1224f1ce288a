/* SPDX-License-Identifier: MIT */
/*
 * posauthctl: helpers shared by the subcommands (see ctl.h).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "b64url.h"
#include "buf.h"
#include "cache.h"
#include "client.h"
#include "conf.h"
#include "ctl.h"
#include "err.h"
#include "kdf.h"
#include "log.h"
#include "offline.h"
#include "proto.h"
#include "secret.h"
#include "strv.h"
#include "user.h"

#define CTL_PROG "posauthctl"
#define CTL_LINE_MAX 1024

/* The system log: posauthd's own in posauthd, syslog(3) in posauthctl. */
static void
ctl_syslog(const struct ctl *ctl, int priority, const char *line)
{
	if (ctl->audit != NULL)
		pa_log(ctl->audit, priority, CTL_PROG " %s: %s",
		    ctl->cmd != NULL ? ctl->cmd : "-", line);
	else
		syslog(priority, "%s", line);
}

/*
 * Core library lines: syslog always (they describe real service calls),
 * stderr when they matter to the human or with -v.
 */
static void
ctl_emit(void *ctx, int priority, const char *line)
{
	const struct ctl *ctl = ctx;

	if (priority != LOG_DEBUG)
		ctl_syslog(ctl, priority, line);
	if (ctl->verbose || priority <= LOG_NOTICE)
		fprintf(ctl->err, CTL_PROG ": %s\n", line);
}

void
ctl_init(struct ctl *ctl)
{
	const char *sudo = getenv("SUDO_USER");

	memset(ctl, 0, sizeof(*ctl));
	ctl->config_path = PA_DEFAULT_CONFIG;
	ctl->log.emit = ctl_emit;
	ctl->log.ctx = ctl;
	ctl->now = (long long)time(NULL);
	ctl->out = stdout;
	ctl->err = stderr;
	ctl->uid = getuid();
	ctl->sudo_user = sudo != NULL && sudo[0] != '\0' ? sudo : NULL;
	ctl->socket_path = PA_PROTO_DEFAULT_SOCKET;
}

void
ctl_clear(struct ctl *ctl)
{
	/* A configuration posauthd lent is posauthd's to free. */
	pa_conf_free(ctl->own_conf);
	ctl->own_conf = NULL;
	ctl->conf = NULL;
}

static void
ctl_vmsg(const struct ctl *ctl, const char *fmt, va_list ap)
{
	char line[CTL_LINE_MAX];
	FILE *err = ctl != NULL ? ctl->err : stderr;

	vsnprintf(line, sizeof(line), fmt, ap);
	if (ctl != NULL && ctl->cmd != NULL)
		fprintf(err, CTL_PROG " %s: %s\n", ctl->cmd, line);
	else
		fprintf(err, CTL_PROG ": %s\n", line);
}

void
ctl_err(const struct ctl *ctl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ctl_vmsg(ctl, fmt, ap);
	va_end(ap);
}

int
ctl_usage_error(const struct ctl *ctl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ctl_vmsg(ctl, fmt, ap);
	va_end(ap);
	fprintf(ctl != NULL ? ctl->err : stderr,
	    "Try '" CTL_PROG " %s%s--help'.\n",
	    ctl != NULL && ctl->cmd != NULL ? ctl->cmd : "",
	    ctl != NULL && ctl->cmd != NULL ? " " : "");
	return CTL_EXIT_USAGE;
}

/* "uid N" and the sudo user the caller claims to act for. */
static const char *
ctl_who(const struct ctl *ctl, char *who, size_t wholen)
{
	char q[PA_QUOTE_MAX];

	/* SUDO_USER is only a hint (the environment is the caller's). */
	if (ctl->sudo_user != NULL)
		snprintf(who, wholen, "uid %lu, sudo user \"%s\"",
		    (unsigned long)ctl->uid,
		    pa_log_quote(ctl->sudo_user, q, sizeof(q)));
	else
		snprintf(who, wholen, "uid %lu", (unsigned long)ctl->uid);
	return who;
}

void
ctl_audit(const struct ctl *ctl, int priority, const char *fmt, ...)
{
	char line[CTL_LINE_MAX], who[PA_QUOTE_MAX + 32];
	char full[CTL_LINE_MAX + sizeof(who) + 8];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	snprintf(full, sizeof(full), "%s (by %s)", line,
	    ctl_who(ctl, who, sizeof(who)));
	ctl_syslog(ctl, priority, full);
	fprintf(ctl->err, CTL_PROG ": %s\n", line);
}

int
ctl_refuse(const struct ctl *ctl, const char *fmt, ...)
{
	char line[CTL_LINE_MAX], who[PA_QUOTE_MAX + 32];
	char full[CTL_LINE_MAX + sizeof(who) + 16];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	ctl_err(ctl, "%s", line);
	snprintf(full, sizeof(full), "refused for %s: %s",
	    ctl_who(ctl, who, sizeof(who)), line);
	ctl_syslog(ctl, LOG_WARNING, full);
	return CTL_EXIT_ROOT;
}

void
ctl_print_help(const struct ctl *ctl, const struct ctl_command *cmd)
{
	FILE *f = ctl->out;

	fprintf(f, "Usage: " CTL_PROG " [-c FILE]%s %s\n\n%s\n",
	    cmd->needs & CTL_NEED_SERVICE ? " [-S SOCKET]" : "", cmd->usage,
	    cmd->text);
	if (cmd->needs & CTL_NEED_SERVICE)
		fprintf(f, "Answered by posauthd, which owns the device cache "
		    "and the secrets: it\nmust be running (exit 9 when it "
		    "cannot be asked), and -c must name\nthe configuration "
		    "it uses.\n\n");
	fprintf(f, "Options:\n"
	    "  -c, --config FILE  configuration file (default "
	    PA_DEFAULT_CONFIG ")\n");
	if (cmd->needs & CTL_NEED_SERVICE)
		fprintf(f, "  -S, --socket PATH  posauthd's socket, a global "
		    "option (default\n"
		    "                     " PA_PROTO_DEFAULT_SOCKET ")\n");
	if (cmd->opts & CTL_OPT_JSON)
		fprintf(f, "      --json         machine-readable output on "
		    "stdout\n");
	if (cmd->opts & CTL_OPT_ALL)
		fprintf(f, "  -a, --all          every cached user\n");
	if (cmd->opts & CTL_OPT_REQUEST)
		fprintf(f, "      --method M     the request's HTTP method\n"
		    "      --url URL      the request's URL\n"
		    "      --nonce N      the server's DPoP-Nonce, when it "
		    "asks for one\n");
	fprintf(f, "  -h, --help         this text\n\n" CTL_EXIT_HELP);
}

/* -1 with *first = the first operand, or an exit code. */
static int
ctl_parse_opts(struct ctl *ctl, const struct ctl_command *cmd, int argc,
    char **argv, int *first)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "all", no_argument, NULL, 'a' },
		{ "method", required_argument, NULL, 'm' },
		{ "url", required_argument, NULL, 'u' },
		{ "nonce", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	/* glibc: 0 re-initialises for a new argv; options may follow
	 * operands ("show alice --json"), as in sssctl. */
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":hac:", opts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			ctl_print_help(ctl, cmd);
			return CTL_EXIT_OK;
		case 'c':
			/* In posauthd the client sent it resolved in its own
			 * directory (PA_F_CONFIG): that one is checked. */
			if (ctl->lent_path == NULL)
				ctl->config_path = optarg;
			ctl->config_given = 1;
			break;
		case 'j':
			if ((cmd->opts & CTL_OPT_JSON) == 0)
				return ctl_usage_error(ctl, "--json is not "
				    "supported here");
			ctl->json = 1;
			break;
		case 'a':
			if ((cmd->opts & CTL_OPT_ALL) == 0)
				return ctl_usage_error(ctl, "--all is not "
				    "supported here");
			ctl->all = 1;
			break;
		case 'm':
		case 'u':
		case 'n':
			if ((cmd->opts & CTL_OPT_REQUEST) == 0)
				return ctl_usage_error(ctl, "%s is not "
				    "supported here", argv[optind - 1]);
			if (ch == 'm')
				ctl->http_method = optarg;
			else if (ch == 'u')
				ctl->http_url = optarg;
			else
				ctl->http_nonce = optarg;
			break;
		case ':':
			return ctl_usage_error(ctl, "option '%s' needs an "
			    "argument", argv[optind - 1]);
		default:
			return ctl_usage_error(ctl, "unknown option '%s'",
			    argv[optind - 1]);
		}
	}
	*first = optind;
	return -1;
}

static int ctl_config(struct ctl *);
static int ctl_require_cache_access(const struct ctl *);
static int ctl_user_ok(const struct ctl *, const char *);

int
ctl_check_command(struct ctl *ctl, const struct ctl_command *cmd, int argc,
    char **argv, int *first)
{
	int n, ex;

	ctl->cmd = cmd->name;
	if ((ex = ctl_parse_opts(ctl, cmd, argc, argv, first)) >= 0)
		return ex;
	n = argc - *first;
	if (ctl->all ? n != 0 : n < cmd->min_args || n > cmd->max_args) {
		if (cmd->args_error != NULL)
			return ctl_usage_error(ctl, "%s", cmd->args_error);
		return ctl_usage_error(ctl, "unexpected argument '%s'",
		    argv[*first]);
	}
	return -1;
}

int
ctl_run_command(struct ctl *ctl, const struct ctl_command *cmd, int argc,
    char **argv)
{
	int first = 0, n, ex;

	if ((ex = ctl_check_command(ctl, cmd, argc, argv, &first)) >= 0)
		return ex;
	n = argc - first;
	if ((cmd->needs & CTL_NEED_CONFIG) &&
	    (ex = ctl_config(ctl)) != CTL_EXIT_OK)
		return ex;
	if ((cmd->needs & CTL_NEED_USER) && !ctl->all && n > 0 &&
	    !ctl_user_ok(ctl, argv[first]))
		return CTL_EXIT_USAGE;
	if ((cmd->needs & CTL_NEED_CACHE) &&
	    (ex = ctl_require_cache_access(ctl)) != CTL_EXIT_OK)
		return ex;
	return cmd->run(ctl, n, argv + first);
}

int
ctl_exit_for(int status)
{
	switch (status) {
	case PA_OK:
		return CTL_EXIT_OK;
	case PA_ERR_ARG:
	case PA_ERR_USERNAME:
		return CTL_EXIT_USAGE;
	case PA_ERR_CONFIG:
	case PA_ERR_SECRET_FILE:
		return CTL_EXIT_CONFIG;
	case PA_ERR_CACHE:
	case PA_ERR_CACHE_CORRUPT:
		return CTL_EXIT_CACHE;
	case PA_ERR_UNREACHABLE:
		return CTL_EXIT_UNREACHABLE;
	case PA_ERR_NOT_FOUND:
		return CTL_EXIT_NOT_FOUND;
	default:
		break;
	}
	if (pa_failure_class(status) == PA_CLASS_INVALID)
		return CTL_EXIT_INVALID;
	return CTL_EXIT_FAILED;
}

static void
ctl_report_problem(void *ctx, const char *file, unsigned line,
    const char *key, const char *msg)
{
	const struct ctl *ctl = ctx;

	fprintf(ctl->err, CTL_PROG ": %s:%u: %s%s%s\n", file, line,
	    key != NULL ? key : "", key != NULL ? ": " : "", msg);
}

static int
ctl_load_config(struct ctl *ctl)
{
	int r;

	if ((r = pa_conf_load(ctl->config_path, &ctl->own_conf,
	    ctl_report_problem, ctl)) != PA_OK) {
		ctl_err(ctl, "configuration %s unusable%s", ctl->config_path,
		    geteuid() != 0 && r == PA_ERR_SYSTEM ?
		    " (not readable; run as root?)" : "");
		return CTL_EXIT_CONFIG;
	}
	ctl->conf = ctl->own_conf;
	return CTL_EXIT_OK;
}

/* 1 when a and b name the same file (links and other spellings too). */
static int
ctl_same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
	    sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/*
 * posauthd serves its own configuration only: a command for another file
 * would report on a cache and a service that are not the ones in use.
 */
static int
ctl_config(struct ctl *ctl)
{
	if (ctl->lent_path == NULL)
		return ctl_load_config(ctl);
	if (ctl->conf == NULL) {
		ctl_err(ctl, "posauthd's configuration %s is unusable (its "
		    "log says why; posauthctl check-config shows every "
		    "problem)", ctl->lent_path);
		return CTL_EXIT_CONFIG;
	}
	if (ctl->config_given &&
	    !ctl_same_file(ctl->config_path, ctl->lent_path)) {
		ctl_err(ctl, "posauthd uses %s; -c %s cannot be served",
		    ctl->lent_path, ctl->config_path);
		return CTL_EXIT_CONFIG;
	}
	return CTL_EXIT_OK;
}

static int
ctl_require_cache_access(const struct ctl *ctl)
{
	if (ctl->uid == 0)
		return CTL_EXIT_OK;
	return ctl_refuse(ctl, "must be run as root: the device cache %s is "
	    "root's (try: sudo " CTL_PROG " %s)", ctl->conf->cache_dir,
	    ctl->cmd != NULL ? ctl->cmd : "");
}

int
ctl_open_cache(const struct ctl *ctl, struct pa_cache **out)
{
	int r;

	if ((r = pa_cache_open(ctl->conf->cache_dir, 0, out)) == PA_OK ||
	    r == PA_ERR_NOT_FOUND)
		return r;
	ctl_err(ctl, "device cache %s unusable: %s", ctl->conf->cache_dir,
	    pa_strerror(r));
	return r;
}

static int
ctl_user_ok(const struct ctl *ctl, const char *user)
{
	char q[PA_QUOTE_MAX];
	int r;

	if ((r = pa_user_valid(user, ctl->conf->username_pattern)) == PA_OK)
		return 1;
	if (r == PA_ERR_CONFIG)
		ctl_err(ctl, "username_pattern does not compile");
	else
		ctl_err(ctl, "invalid user name \"%s\"",
		    pa_log_quote(user, q, sizeof(q)));
	return 0;
}

/* --- output ------------------------------------------------------------ */

int
ctl_json_print(const struct ctl *ctl, json_t *doc)
{
	int r;

	if (doc == NULL)
		return PA_ERR_ALLOC;
	r = json_dumpf(doc, ctl->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (r != 0 || fputc('\n', ctl->out) == EOF)
		return PA_ERR_SYSTEM;
	return PA_OK;
}

json_t *
ctl_json_strings(char *const *v, size_t n)
{
	json_t *a, *s;
	size_t i;

	if ((a = json_array()) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if ((s = json_string(v[i])) == NULL ||
		    json_array_append_new(a, s) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

json_t *
ctl_json_time(long long t)
{
	char buf[32];

	if (t <= 0)
		return json_null();
	return json_string(ctl_iso8601(t, buf, sizeof(buf)));
}

const char *
ctl_iso8601(long long t, char *out, size_t outlen)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (outlen == 0)
		return out;
	if (t <= 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, outlen, "never");
	return out;
}

const char *
ctl_duration(long long secs, char *out, size_t outlen)
{
	long long d, h, m, s;

	if (secs < 0)
		secs = 0;
	d = secs / 86400;
	h = secs % 86400 / 3600;
	m = secs % 3600 / 60;
	s = secs % 60;
	/* Two units are enough for a human; --json has the seconds. */
	if (d > 0)
		snprintf(out, outlen, "%lldd %lldh", d, h);
	else if (h > 0)
		snprintf(out, outlen, "%lldh %lldm", h, m);
	else if (m > 0)
		snprintf(out, outlen, "%lldm %llds", m, s);
	else
		snprintf(out, outlen, "%llds", s);
	return out;
}

const char *
ctl_join(char *const *v, size_t n, char *out, size_t outlen)
{
	struct pa_buf b;
	int r;

	if (outlen < 4) {
		if (outlen > 0)
			out[0] = '\0';
		return out;
	}
	/* Whole items only; "..." says some did not fit. */
	pa_buf_init(&b, outlen - 4);
	r = pa_strv_join(v, n, ",", &b);
	if (r != PA_OK && b.len > 0 && b.d[b.len - 1] == ',')
		b.d[--b.len] = '\0';
	snprintf(out, outlen, "%s%s", pa_buf_str(&b), r != PA_OK ? "..." : "");
	pa_buf_clear(&b);
	return out;
}

/* --- pure helpers -------------------------------------------------------- */

int
ctl_read_line_fd(int fd, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;
	char ch;
	int got = 0, r = PA_ERR_SYSTEM;

	if (buf == NULL || size == 0)
		return PA_ERR_ARG;
	buf[0] = '\0';
	for (;;) {
		if ((n = read(fd, &ch, 1)) < 0)
			goto out;	/* EINTR too: a signal cancels */
		if (n == 0) {
			if (!got) {
				r = PA_ERR_NO_PIN;
				goto out;
			}
			break;
		}
		got = 1;
		if (ch == '\n')
			break;
		if (len + 1 >= size) {
			r = PA_ERR_TOO_LARGE;
			goto out;
		}
		buf[len++] = ch;
	}
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	buf[len] = '\0';
	r = PA_OK;
 out:
	ch = 0;
	if (r != PA_OK)
		explicit_bzero(buf, size);
	return r;
}

/* --- through posauthd --------------------------------------------------- */

/* What a capture keeps; bytes past max are counted, never an error. */
static ssize_t
capture_write(void *cookie, const char *p, size_t n)
{
	struct ctl_capture *c = cookie;
	size_t room = c->buf.max - c->buf.len, take = n < room ? n : room;

	if (take > 0 && pa_buf_put(&c->buf, p, take) != PA_OK)
		take = 0;
	c->lost += n - take;
	/* All taken: the cut is said once, in the answer. */
	return (ssize_t)n;
}

/*
 * Not open_memstream(): it grows by realloc(), leaving unwiped copies of
 * an access token behind, and without bound. c must not move while open.
 */
int
ctl_capture_open(struct ctl_capture *c, size_t max)
{
	cookie_io_functions_t io = { NULL, capture_write, NULL, NULL };

	c->lost = 0;
	pa_buf_init(&c->buf, max);
	if ((c->f = fopencookie(c, "w", io)) == NULL)
		return PA_ERR_ALLOC;
	if (setvbuf(c->f, c->iobuf, _IOFBF, sizeof(c->iobuf)) != 0) {
		fclose(c->f);
		c->f = NULL;
		return PA_ERR_SYSTEM;
	}
	return PA_OK;
}

void
ctl_capture_close(struct ctl_capture *c)
{
	if (c->f == NULL)
		return;
	fclose(c->f);
	c->f = NULL;
	explicit_bzero(c->iobuf, sizeof(c->iobuf));
}

void
ctl_capture_clear(struct ctl_capture *c)
{
	ctl_capture_close(c);
	pa_buf_clear(&c->buf);
	c->lost = 0;
}

#define CTL_FIELD_HEADER 4
#define CTL_NUMBER_FIELD (CTL_FIELD_HEADER + 4)
#define CTL_CUT_NOTE_MAX 160

/* Payload bytes that len bytes of text take, in fields. */
static size_t
text_cost(size_t len)
{
	return len + CTL_FIELD_HEADER *
	    ((len + PA_PROTO_MAX_FIELD - 1) / PA_PROTO_MAX_FIELD);
}

/* The most text that room bytes of payload hold. */
static size_t
text_fit(size_t room)
{
	size_t whole = room / (PA_PROTO_MAX_FIELD + CTL_FIELD_HEADER);
	size_t rest = room % (PA_PROTO_MAX_FIELD + CTL_FIELD_HEADER);

	return whole * PA_PROTO_MAX_FIELD +
	    (rest > CTL_FIELD_HEADER ? rest - CTL_FIELD_HEADER : 0);
}

/* len bytes of p as fields of tag, each at most PA_PROTO_MAX_FIELD. */
static int
put_text(struct pa_msg *m, uint16_t tag, const unsigned char *p, size_t len)
{
	size_t n;
	int r;

	while (len > 0) {
		n = len < PA_PROTO_MAX_FIELD ? len : PA_PROTO_MAX_FIELD;
		if ((r = pa_msg_put(m, tag, p, n)) != PA_OK)
			return r;
		p += n;
		len -= n;
	}
	return PA_OK;
}

int
ctl_answer_put(struct pa_msg *res, int ex, const struct pa_buf *out,
    const struct pa_buf *err, size_t lost, size_t reserve)
{
	char note[CTL_CUT_NOTE_MAX];
	size_t fixed, room, errn, outn, cut;
	int r;

	/* EXIT, the note on a cut and what the caller adds after us. */
	fixed = res->payload.len + CTL_NUMBER_FIELD + CTL_FIELD_HEADER +
	    CTL_CUT_NOTE_MAX + reserve;
	room = fixed < PA_PROTO_MAX_PAYLOAD ? PA_PROTO_MAX_PAYLOAD - fixed : 0;
	/* The messages that explain an exit code survive a long listing. */
	errn = text_fit(room - (text_cost(out->len) < room - room / 4 ?
	    text_cost(out->len) : room - room / 4));
	if (errn > err->len)
		errn = err->len;
	room -= text_cost(errn);
	if ((outn = text_fit(room)) > out->len)
		outn = out->len;
	cut = lost + (err->len - errn) + (out->len - outn);
	if (cut > 0 && ex == CTL_EXIT_OK)
		ex = CTL_EXIT_FAILED;
	if ((r = pa_msg_put_i32(res, PA_F_EXIT, ex)) != PA_OK ||
	    (r = put_text(res, PA_F_STDERR, err->d, errn)) != PA_OK ||
	    (r = put_text(res, PA_F_STDOUT, out->d, outn)) != PA_OK)
		return r;
	if (cut == 0)
		return PA_OK;
	snprintf(note, sizeof(note), CTL_PROG ": output cut: %zu byte(s) "
	    "not sent (posauthd answers with at most %u KiB)\n", cut,
	    (unsigned)(PA_PROTO_MAX_PAYLOAD / 1024));
	return pa_msg_put_str(res, PA_F_STDERR, note);
}

/* Every field of tag, in order, appended to b. */
static int
get_text(const struct pa_msg *m, uint16_t tag, struct pa_buf *b)
{
	size_t pos = 0;
	char *s = NULL;
	int r;

	while ((r = pa_msg_next(m, tag, &pos, &s)) == PA_OK) {
		r = pa_buf_puts(b, s);
		pa_strfreezero(s);
		s = NULL;
		if (r != PA_OK)
			return r;
	}
	return r == PA_ERR_NOT_FOUND ? PA_OK : r;
}

int
ctl_answer_get(const struct pa_msg *res, int *ex, struct pa_buf *out,
    struct pa_buf *err)
{
	int32_t v;
	int r;

	if (pa_msg_get_i32(res, PA_F_EXIT, &v) != PA_OK || v < 0 || v > 255)
		return PA_ERR_BAD_RESPONSE;
	if ((r = get_text(res, PA_F_STDOUT, out)) != PA_OK ||
	    (r = get_text(res, PA_F_STDERR, err)) != PA_OK)
		return r;
	*ex = (int)v;
	return PA_OK;
}

/* The command line as the client sees it; a relative -c is ours to
 * resolve, posauthd runs elsewhere. */
static int
admin_request(const struct ctl *ctl, const struct ctl_command *cmd,
    int argc, char **argv, struct pa_msg *req)
{
	uint32_t flags = 0;
	char *path = NULL;
	int i, r;

	if ((r = pa_msg_put_str(req, PA_F_COMMAND, cmd->name)) != PA_OK)
		return r;
	for (i = 1; i < argc; i++)
		if ((r = pa_msg_put_str(req, PA_F_ARG, argv[i])) != PA_OK)
			return r;
	if (ctl->json)
		flags |= PA_ADMIN_JSON;
	if (ctl->verbose)
		flags |= PA_ADMIN_VERBOSE;
	if ((r = pa_msg_put_u32(req, PA_F_FLAGS, flags)) != PA_OK)
		return r;
	if (ctl->sudo_user != NULL &&
	    (r = pa_msg_put_str(req, PA_F_SUDO_USER, ctl->sudo_user)) != PA_OK)
		return r;
	if (!ctl->config_given)
		return PA_OK;
	path = realpath(ctl->config_path, NULL);
	r = pa_msg_put_str(req, PA_F_CONFIG, path != NULL ? path :
	    ctl->config_path);
	free(path);
	return r;
}

int
ctl_via_service(struct ctl *ctl, const struct ctl_command *cmd, int argc,
    char **argv)
{
	struct pa_msg req, res;
	struct pa_buf out, err;
	char why[256];
	int r, ex = CTL_EXIT_POSAUTHD;

	pa_msg_init(&req, PA_MSG_ADMIN);
	pa_msg_init(&res, 0);
	pa_buf_init(&out, PA_PROTO_MAX_PAYLOAD);
	pa_buf_init(&err, PA_PROTO_MAX_PAYLOAD);
	ctl->cmd = cmd->name;
	if ((r = admin_request(ctl, cmd, argc, argv, &req)) != PA_OK) {
		ex = ctl_usage_error(ctl, "command line too long for posauthd "
		    "(%s)", pa_strerror(r));
		goto out;
	}
	/* The admin lock, then as many as two requests to the service. */
	if ((r = pa_client_call_rounds(ctl->socket_path, &req, &res, 3, why,
	    sizeof(why))) != PA_OK) {
		/* client.c names the socket when it could not connect. */
		if (strstr(why, ctl->socket_path) != NULL)
			ctl_err(ctl, "%s", why);
		else
			ctl_err(ctl, "%s (socket %s)", why, ctl->socket_path);
		goto out;
	}
	if ((r = pa_client_status(&res)) != PA_OK) {
		ctl_err(ctl, "posauthd refused the request: %s",
		    pa_strerror(r));
		ex = r == PA_ERR_BAD_RESPONSE ? CTL_EXIT_POSAUTHD :
		    CTL_EXIT_FAILED;
		goto out;
	}
	if ((r = ctl_answer_get(&res, &ex, &out, &err)) != PA_OK) {
		ctl_err(ctl, "posauthd's answer is unusable: %s",
		    pa_strerror(r));
		ex = CTL_EXIT_POSAUTHD;
		goto out;
	}
	/* A listing or a token that did not reach its reader is no success. */
	if ((out.len > 0 && fwrite(out.d, 1, out.len, ctl->out) != out.len) ||
	    fflush(ctl->out) != 0)
		ex = ex == CTL_EXIT_OK ? CTL_EXIT_FAILED : ex;
	if (err.len > 0)
		fwrite(err.d, 1, err.len, ctl->err);
 out:
	pa_msg_clear(&req);
	pa_msg_clear(&res);
	pa_buf_clear(&out);
	pa_buf_clear(&err);
	return ex;
}
