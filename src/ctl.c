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
#include "cache.h"
#include "conf.h"
#include "ctl.h"
#include "err.h"
#include "kdf.h"
#include "log.h"
#include "offline.h"
#include "secret.h"
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
ctl_print_help(const struct ctl_help *help, unsigned allowed)
{
	printf("Usage: " CTL_PROG " [-c FILE] %s\n\n%s\nOptions:\n"
	    "  -c, --config FILE  configuration file (default "
	    PA_DEFAULT_CONFIG ")\n", help->usage, help->text);
	if (allowed & CTL_OPT_JSON)
		printf("      --json         machine-readable output on "
		    "stdout\n");
	if (allowed & CTL_OPT_ALL)
		printf("  -a, --all          every cached user\n");
	printf("  -h, --help         this text\n\n" CTL_EXIT_HELP);
}

int
ctl_parse_opts(struct ctl *ctl, const struct ctl_help *help,
    unsigned allowed, int argc, char **argv, int *first, int *all)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "all", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	if (all != NULL)
		*all = 0;
	/* glibc: 0 re-initialises for a new argv; options may follow
	 * operands ("show alice --json"), as in sssctl. */
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":hac:", opts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			ctl_print_help(help, allowed);
			return CTL_EXIT_OK;
		case 'c':
			ctl->config_path = optarg;
			break;
		case 'j':
			if ((allowed & CTL_OPT_JSON) == 0)
				return ctl_usage_error(ctl, "--json is not "
				    "supported here");
			ctl->json = 1;
			break;
		case 'a':
			if ((allowed & CTL_OPT_ALL) == 0 || all == NULL)
				return ctl_usage_error(ctl, "--all is not "
				    "supported here");
			*all = 1;
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

int
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

int
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

int
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
	size_t i, o = 0, len;

	if (outlen < 4) {
		if (outlen > 0)
			out[0] = '\0';
		return out;
	}
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		len = strlen(v[i]) + (i > 0);
		if (len >= outlen - o) {
			/* Not enough room: end with "..." in the last bytes. */
			o = o > outlen - 4 ? outlen - 4 : o;
			memcpy(out + o, "...", 4);
			return out;
		}
		snprintf(out + o, outlen - o, "%s%s", i > 0 ? "," : "", v[i]);
		o += len;
	}
	return out;
}

/* --- pure helpers -------------------------------------------------------- */

/* The verifier is one offline.c would compute (kdf.c refuses others). */
static int
verifier_usable(const struct pa_cache_record *rec)
{
	return rec->has_verifier && rec->verifier.alg == PA_KDF_SCRYPT &&
	    rec->verifier.cost >= PA_KDF_COST_MIN &&
	    rec->verifier.cost <= PA_KDF_COST_MAX;
}

long long
ctl_offline_left(const struct pa_conf *conf,
    const struct pa_cache_record *rec, long long now)
{
	long grace;
	long long left;

	if (!verifier_usable(rec) || rec->last_online <= 0 ||
	    rec->last_online > now + conf->leeway)
		return 0;
	if ((grace = pa_offline_grace_for(conf, rec->roles,
	    rec->nroles)) <= 0)
		return 0;
	left = rec->last_online + grace - now;
	return left > 0 ? left : 0;
}

/* Mirrors the checks of offline.c's login_cb, without a PIN. */
int
ctl_offline_ready(const struct pa_conf *conf,
    const struct pa_cache_record *rec, long long now, int clock_ok)
{
	long grace;

	if (!clock_ok || !verifier_usable(rec) || rec->last_online <= 0 ||
	    rec->last_online > now + conf->leeway)
		return 0;
	grace = pa_offline_grace_for(conf, rec->roles, rec->nroles);
	if (grace <= 0 || now - rec->last_online > grace)
		return 0;
	return rec->locked_until <= now;
}

int
ctl_jwt_exp(const char *jwt, long long *exp)
{
	const char *p1, *p2;
	unsigned char *buf = NULL;
	size_t len = 0;
	json_t *claims = NULL, *v;
	double d;
	int r = PA_ERR_JWS_FORMAT;

	*exp = 0;
	if (jwt == NULL || (p1 = strchr(jwt, '.')) == NULL ||
	    (p2 = strchr(p1 + 1, '.')) == NULL || strchr(p2 + 1, '.') != NULL)
		goto out;
	r = PA_ERR_BASE64;
	if (pa_b64url_decode(p1 + 1, (size_t)(p2 - p1 - 1), &buf,
	    &len) != PA_OK)
		goto out;
	r = PA_ERR_JSON;
	if ((claims = json_loadb((const char *)buf, len,
	    JSON_REJECT_DUPLICATES, NULL)) == NULL || !json_is_object(claims))
		goto out;
	r = PA_ERR_CLAIM_MISSING;
	v = json_object_get(claims, "exp");
	if (json_is_integer(v)) {
		*exp = (long long)json_integer_value(v);
		r = PA_OK;
	} else if (json_is_real(v) && isfinite(d = json_real_value(v)) &&
	    d > 0 && d < 253402300800.0) {
		/* Truncation rounds down: renew early rather than late. */
		*exp = (long long)d;
		r = PA_OK;
	}
 out:
	json_decref(claims);
	pa_freezero(buf, len);
	return r;
}

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
