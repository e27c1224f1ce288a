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
#include "conf.h"
#include "ctl.h"
#include "err.h"
#include "kdf.h"
#include "log.h"
#include "offline.h"
#include "secret.h"
#include "strv.h"
#include "user.h"

#define CTL_PROG "posauthctl"
#define CTL_LINE_MAX 1024

/*
 * Core library lines: syslog always (they describe real service calls),
 * stderr when they matter to the human or with -v.
 */
static void
ctl_emit(void *ctx, int priority, const char *line)
{
	const struct ctl *ctl = ctx;

	if (priority != LOG_DEBUG)
		syslog(priority, "%s", line);
	if (ctl->verbose || priority <= LOG_NOTICE)
		fprintf(stderr, CTL_PROG ": %s\n", line);
}

void
ctl_init(struct ctl *ctl)
{
	memset(ctl, 0, sizeof(*ctl));
	ctl->config_path = PA_DEFAULT_CONFIG;
	ctl->log.emit = ctl_emit;
	ctl->log.ctx = ctl;
	ctl->now = (long long)time(NULL);
}

void
ctl_clear(struct ctl *ctl)
{
	pa_conf_free(ctl->conf);
	ctl->conf = NULL;
}

static void
ctl_vmsg(const struct ctl *ctl, const char *fmt, va_list ap)
{
	char line[CTL_LINE_MAX];

	vsnprintf(line, sizeof(line), fmt, ap);
	if (ctl != NULL && ctl->cmd != NULL)
		fprintf(stderr, CTL_PROG " %s: %s\n", ctl->cmd, line);
	else
		fprintf(stderr, CTL_PROG ": %s\n", line);
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
	fprintf(stderr, "Try '" CTL_PROG " %s%s--help'.\n",
	    ctl != NULL && ctl->cmd != NULL ? ctl->cmd : "",
	    ctl != NULL && ctl->cmd != NULL ? " " : "");
	return CTL_EXIT_USAGE;
}

void
ctl_audit(const struct ctl *ctl, int priority, const char *fmt, ...)
{
	char line[CTL_LINE_MAX], who[PA_QUOTE_MAX + 32];
	char q[PA_QUOTE_MAX];
	const char *sudo = getenv("SUDO_USER");
	va_list ap;

	(void)ctl;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* SUDO_USER is only a hint (the environment is the caller's). */
	if (sudo != NULL && sudo[0] != '\0')
		snprintf(who, sizeof(who), "uid %lu, sudo user \"%s\"",
		    (unsigned long)getuid(), pa_log_quote(sudo, q, sizeof(q)));
	else
		snprintf(who, sizeof(who), "uid %lu", (unsigned long)getuid());
	syslog(priority, "%s (by %s)", line, who);
	fprintf(stderr, CTL_PROG ": %s\n", line);
}

void
ctl_print_help(const struct ctl_command *cmd)
{
	printf("Usage: " CTL_PROG " [-c FILE] %s\n\n%s\nOptions:\n"
	    "  -c, --config FILE  configuration file (default "
	    PA_DEFAULT_CONFIG ")\n", cmd->usage, cmd->text);
	if (cmd->opts & CTL_OPT_JSON)
		printf("      --json         machine-readable output on "
		    "stdout\n");
	if (cmd->opts & CTL_OPT_ALL)
		printf("  -a, --all          every cached user\n");
	printf("  -h, --help         this text\n\n" CTL_EXIT_HELP);
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
			ctl_print_help(cmd);
			return CTL_EXIT_OK;
		case 'c':
			ctl->config_path = optarg;
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

static int ctl_load_config(struct ctl *);
static int ctl_require_cache_access(const struct ctl *);
static int ctl_user_ok(const struct ctl *, const char *);

int
ctl_run_command(struct ctl *ctl, const struct ctl_command *cmd, int argc,
    char **argv)
{
	int first = 0, n, ex;

	ctl->cmd = cmd->name;
	if ((ex = ctl_parse_opts(ctl, cmd, argc, argv, &first)) >= 0)
		return ex;
	n = argc - first;
	if (ctl->all ? n != 0 : n < cmd->min_args || n > cmd->max_args) {
		if (cmd->args_error != NULL)
			return ctl_usage_error(ctl, "%s", cmd->args_error);
		return ctl_usage_error(ctl, "unexpected argument '%s'",
		    argv[first]);
	}
	if ((cmd->needs & CTL_NEED_CONFIG) &&
	    (ex = ctl_load_config(ctl)) != CTL_EXIT_OK)
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
	(void)ctx;
	fprintf(stderr, CTL_PROG ": %s:%u: %s%s%s\n", file, line,
	    key != NULL ? key : "", key != NULL ? ": " : "", msg);
}

static int
ctl_load_config(struct ctl *ctl)
{
	int r;

	if ((r = pa_conf_load(ctl->config_path, &ctl->conf,
	    ctl_report_problem, NULL)) != PA_OK) {
		ctl_err(ctl, "configuration %s unusable%s", ctl->config_path,
		    geteuid() != 0 && r == PA_ERR_SYSTEM ?
		    " (not readable; run as root?)" : "");
		return CTL_EXIT_CONFIG;
	}
	return CTL_EXIT_OK;
}

static int
ctl_require_cache_access(const struct ctl *ctl)
{
	struct stat st;

	if (geteuid() == 0)
		return CTL_EXIT_OK;
	/* A test's own cache, as cache.c accepts it. */
	if (stat(ctl->conf->cache_dir, &st) == 0 && st.st_uid == geteuid())
		return CTL_EXIT_OK;
	ctl_err(ctl, "must be run as root: the device cache %s is root's "
	    "(try: sudo " CTL_PROG " %s)", ctl->conf->cache_dir,
	    ctl->cmd != NULL ? ctl->cmd : "");
	return CTL_EXIT_ROOT;
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
ctl_json_print(json_t *doc)
{
	int r;

	if (doc == NULL)
		return PA_ERR_ALLOC;
	r = json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (r != 0 || fputc('\n', stdout) == EOF)
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
