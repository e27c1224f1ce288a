/* SPDX-License-Identifier: MIT */
/*
 * posauthctl check-config: every problem of a config file, each with its
 * file, line and key, so an administrator fixes them all in one pass
 * instead of one per failed login.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "conf.h"
#include "ctl.h"
#include "err.h"

/* More than this and the rest are counted, not listed. */
#define CHECK_MAX_PROBLEMS 1000

static int check_run(struct ctl *, int, char **);

const struct ctl_command ctl_cmd_check_config = {
	"check-config", "report every problem of a configuration file",
	"check-config [--json] [FILE]",
	"Reads FILE (default: the -c file, else " PA_DEFAULT_CONFIG ")\n"
	"as posauthd would and reports every problem, one per line as\n"
	"FILE:LINE: KEY: MESSAGE (LINE 0: the file as a whole). With --json:\n"
	"{\"file\", \"ok\", \"problems\": [{\"file\", \"line\", \"key\", "
	"\"message\"}]}.\n"
	"Exits 0 when the file is clean, 3 when it has problems or cannot be\n"
	"read. posauthd denies every staff login while its file has one.\n"
	"Runs here, without posauthd: a file can be checked before it is\n"
	"put in place.\n",
	CTL_OPT_JSON, 0, 0, 1, "expected at most one FILE", check_run,
};

struct problems {
	const struct ctl *ctl;
	json_t *list;		/* --json: the problems so far */
	size_t n;
	int alloc_failed;
};

static void
check_report(void *ctx, const char *file, unsigned line, const char *key,
    const char *msg)
{
	struct problems *p = ctx;
	json_t *o;

	if (p->n++ >= CHECK_MAX_PROBLEMS)
		return;
	if (p->list == NULL) {
		fprintf(p->ctl->out, "%s:%u: %s%s%s\n", file, line,
		    key != NULL ? key : "", key != NULL ? ": " : "", msg);
		return;
	}
	if ((o = json_pack("{s:s, s:I, s:s?, s:s}", "file", file, "line",
	    (json_int_t)line, "key", key, "message", msg)) == NULL ||
	    json_array_append_new(p->list, o) != 0)
		p->alloc_failed = 1;
}

static int
check_run(struct ctl *ctl, int argc, char **argv)
{
	struct problems p;
	struct pa_conf *conf = NULL;
	const char *path = argc > 0 ? argv[0] : ctl->config_path;
	int ex, r;

	memset(&p, 0, sizeof(p));
	p.ctl = ctl;
	if (ctl->json && (p.list = json_array()) == NULL)
		return CTL_EXIT_FAILED;
	r = pa_conf_load(path, &conf, check_report, &p);
	pa_conf_free(conf);
	ex = r == PA_OK ? CTL_EXIT_OK : CTL_EXIT_CONFIG;
	if (p.n > CHECK_MAX_PROBLEMS)
		ctl_err(ctl, "%zu more problem(s) not listed",
		    p.n - CHECK_MAX_PROBLEMS);
	if (p.list != NULL) {
		if (p.alloc_failed || ctl_json_print(ctl, json_pack("{s:s, "
		    "s:b, s:I, s:O}", "file", path, "ok", r == PA_OK,
		    "count", (json_int_t)p.n, "problems", p.list)) != PA_OK)
			ex = CTL_EXIT_FAILED;
		json_decref(p.list);
	} else if (r == PA_OK)
		fprintf(ctl->out, "%s: ok\n", path);
	else
		ctl_err(ctl, "%s: %zu problem(s)", path, p.n);
	return ex;
}
