/* SPDX-License-Identifier: MIT */
/*
 * posauthctl: the administration tool of pam_posauth (after sssctl and
 * faillock). Global options and the command table only; each subcommand
 * lives in cmd_<name>.c, the dispatcher and shared helpers in ctl.c.
 * The commands that read the device cache or secrets are posauthd's to
 * run: they are checked here and sent there.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "conf.h"
#include "ctl.h"
#include "proto.h"

/* The command table: each entry says what its subcommand needs. */
static const struct ctl_command *const commands[] = {
	&ctl_cmd_status, &ctl_cmd_users, &ctl_cmd_show, &ctl_cmd_purge,
	&ctl_cmd_unlock, &ctl_cmd_check_config, &ctl_cmd_token,
	&ctl_cmd_test_login, &ctl_cmd_device_key, &ctl_cmd_dpop_proof,
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void
usage(const struct ctl *ctl)
{
	FILE *o = ctl->out;
	size_t i;

	fprintf(o, "Usage: posauthctl [-c FILE] [-S SOCKET] [--json] [-v] "
	    "COMMAND [ARGS]\n"
	    "       posauthctl COMMAND --help | help COMMAND\n\n"
	    "Administers pam_posauth on this terminal.\n\nCommands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(o, "  %-13s %s\n", commands[i]->name,
		    commands[i]->summary);
	fprintf(o, "\nOptions:\n"
	    "  -c, --config FILE  configuration file (default "
	    PA_DEFAULT_CONFIG ")\n"
	    "  -S, --socket PATH  posauthd's socket (default\n"
	    "                     " PA_PROTO_DEFAULT_SOCKET ")\n"
	    "      --json         machine-readable output on stdout\n"
	    "  -v, --verbose      also show the library's log lines\n"
	    "  -h, --help         this text\n"
	    "  -V, --version      the version\n\n"
	    "posauthd owns the device cache and the secrets, so it answers\n"
	    "status, users, show, purge, unlock and token: it must be\n"
	    "running, and -c must name the configuration it uses. It runs\n"
	    "them for root only, except token for the caller's own session.\n"
	    "check-config and test-login run here. Every change and every\n"
	    "token handed out is logged (authpriv; by posauthd for its\n"
	    "commands). PINs, the client secret and refresh tokens are never\n"
	    "printed or logged.\n\n"
	    CTL_EXIT_HELP);
}

static const struct ctl_command *
find_command(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

/* `posauthctl help [COMMAND]` is `posauthctl COMMAND --help`. */
static int
help_command(struct ctl *ctl, int argc, char **argv)
{
	const struct ctl_command *cmd;
	char help[] = "--help";
	char *args[3];

	if (argc < 2) {
		usage(ctl);
		return CTL_EXIT_OK;
	}
	if ((cmd = find_command(argv[1])) == NULL)
		return ctl_usage_error(ctl, "unknown command '%s'", argv[1]);
	args[0] = argv[1];
	args[1] = help;
	args[2] = NULL;
	return ctl_run_command(ctl, cmd, 2, args);
}

static int
parse_global(struct ctl *ctl, int argc, char **argv, int *first)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:c:S:vhV", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			ctl->config_path = optarg;
			ctl->config_given = 1;
			break;
		case 'S':
			ctl->socket_path = optarg;
			break;
		case 'j':
			ctl->json = 1;
			break;
		case 'v':
			ctl->verbose = 1;
			ctl->log.debug = 1;
			break;
		case 'h':
			usage(ctl);
			return CTL_EXIT_OK;
		case 'V':
			fprintf(ctl->out, "posauthctl (%s) %s\n", PACKAGE_NAME,
			    PACKAGE_VERSION);
			return CTL_EXIT_OK;
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

/* Checked here (its --help is answered here too), run by posauthd. */
static int
run_command(struct ctl *ctl, const struct ctl_command *cmd, int argc,
    char **argv)
{
	int first = 0, ex;

	if ((cmd->needs & CTL_NEED_SERVICE) == 0)
		return ctl_run_command(ctl, cmd, argc, argv);
	if ((ex = ctl_check_command(ctl, cmd, argc, argv, &first)) >= 0)
		return ex;
	return ctl_via_service(ctl, cmd, argc, argv);
}

int
main(int argc, char **argv)
{
	const struct ctl_command *cmd;
	struct ctl ctl;
	int first = 0, ex;

	ctl_init(&ctl);
	openlog("posauthctl", LOG_PID, LOG_AUTHPRIV);
	if ((ex = parse_global(&ctl, argc, argv, &first)) >= 0)
		goto out;
	if (first >= argc) {
		ex = ctl_usage_error(&ctl, "no command given");
		goto out;
	}
	if (strcmp(argv[first], "help") == 0) {
		ex = help_command(&ctl, argc - first, argv + first);
		goto out;
	}
	if ((cmd = find_command(argv[first])) == NULL) {
		ex = ctl_usage_error(&ctl, "unknown command '%s'",
		    argv[first]);
		goto out;
	}
	ex = run_command(&ctl, cmd, argc - first, argv + first);
 out:
	ctl_clear(&ctl);
	closelog();
	/* A token or a listing that did not reach its reader is a failure. */
	if (fflush(stdout) != 0 && ex == CTL_EXIT_OK)
		ex = CTL_EXIT_FAILED;
	return ex;
}
