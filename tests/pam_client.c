/* SPDX-License-Identifier: MIT */
/*
 * A small PAM client for tests: runs a sequence of PAM operations for one
 * user, with the PIN read once from stdin, and prints the PAM environment
 * on request (pamtester cannot). With -n it repeats the sequence in one
 * process, for leak measurements; -m prints the resident set size (KiB)
 * before and after.
 *
 *   pam_client [-n COUNT] [-m] [-t] SERVICE USER op...
 *	op: auth acct open close env wait:PATH putenv:NAME=VALUE
 * wait:PATH pauses (same PAM handle) until PATH exists, at most 180 s, so
 * a test can change the world between two operations of one session.
 * putenv: sets a PAM environment variable, as pam_systemd sets
 * XDG_SESSION_ID before the modules after it open their session. -t
 * prints "elapsed_ms: N" for the PAM calls alone, without what it took to
 * start the process (or to wait for the suite's pam_wrapper lock).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_appl.h>

static char pin[1024];

static int
conv(int n, const struct pam_message **msg, struct pam_response **resp,
    void *data)
{
	struct pam_response *r;
	int i;

	(void)data;
	if (n <= 0 || (r = calloc((size_t)n, sizeof(*r))) == NULL)
		return PAM_CONV_ERR;
	for (i = 0; i < n; i++) {
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF ||
		    msg[i]->msg_style == PAM_PROMPT_ECHO_ON)
			r[i].resp = strdup(pin);
		else
			fprintf(stderr, "%s\n", msg[i]->msg);
	}
	*resp = r;
	return PAM_SUCCESS;
}

static long
rss_kib(void)
{
	char line[256];
	long kib = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

static int
wait_for(const char *path)
{
	int i;

	for (i = 0; i < 3600; i++) {
		if (access(path, F_OK) == 0)
			return PAM_SUCCESS;
		usleep(50000);
	}
	fprintf(stderr, "wait: %s never appeared\n", path);
	return PAM_SYSTEM_ERR;
}

static int
run_once(const char *service, const char *user, int nops, char **ops,
    int quiet)
{
	struct pam_conv pc = { conv, NULL };
	pam_handle_t *pamh = NULL;
	char **env, **e;
	int i, r, fail = 0;

	if ((r = pam_start(service, user, &pc, &pamh)) != PAM_SUCCESS) {
		fprintf(stderr, "pam_start: %d\n", r);
		return 1;
	}
	for (i = 0; i < nops && !fail; i++) {
		if (strcmp(ops[i], "auth") == 0)
			r = pam_authenticate(pamh, 0);
		else if (strcmp(ops[i], "acct") == 0)
			r = pam_acct_mgmt(pamh, 0);
		else if (strcmp(ops[i], "open") == 0)
			r = pam_open_session(pamh, 0);
		else if (strcmp(ops[i], "close") == 0)
			r = pam_close_session(pamh, 0);
		else if (strncmp(ops[i], "wait:", 5) == 0)
			r = wait_for(ops[i] + 5);
		else if (strncmp(ops[i], "putenv:", 7) == 0)
			r = pam_putenv(pamh, ops[i] + 7);
		else if (strcmp(ops[i], "env") == 0) {
			env = pam_getenvlist(pamh);
			for (e = env; e != NULL && *e != NULL; e++) {
				if (!quiet)
					printf("%s\n", *e);
				free(*e);
			}
			free(env);
			r = PAM_SUCCESS;
		} else {
			fprintf(stderr, "unknown op %s\n", ops[i]);
			r = PAM_SYSTEM_ERR;
		}
		if (r != PAM_SUCCESS) {
			fprintf(stderr, "%s: %s\n", ops[i], pam_strerror(pamh, r));
			fail = 1;
		}
	}
	pam_end(pamh, r);
	return fail;
}

int
main(int argc, char **argv)
{
	long count = 1, n, fails = 0;
	int ch, mem = 0, timed = 0;
	struct timespec t0, t1;
	size_t len;

	while ((ch = getopt(argc, argv, "+n:mt")) != -1) {
		if (ch == 'n')
			count = strtol(optarg, NULL, 10);
		else if (ch == 'm')
			mem = 1;
		else if (ch == 't')
			timed = 1;
		else
			return 2;
	}
	if (argc - optind < 3 || count < 1)
		return 2;
	if (fgets(pin, sizeof(pin), stdin) == NULL)
		pin[0] = '\0';
	len = strlen(pin);
	if (len > 0 && pin[len - 1] == '\n')
		pin[len - 1] = '\0';
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (n = 0; n < count; n++) {
		fails += run_once(argv[optind], argv[optind + 1], argc - optind - 2,
		    argv + optind + 2, count > 1);
		if (mem && (n + 1 == 1 || n + 1 == count / 10))
			printf("rss_kib after %ld: %ld\n", n + 1, rss_kib());
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (timed)
		printf("elapsed_ms: %ld\n", (long)((t1.tv_sec - t0.tv_sec) * 1000 +
		    (t1.tv_nsec - t0.tv_nsec) / 1000000));
	if (mem) {
		struct rusage ru;

		printf("rss_kib after %ld: %ld\n", count, rss_kib());
		if (getrusage(RUSAGE_SELF, &ru) == 0)
			printf("maxrss_kib: %ld\n", ru.ru_maxrss);
	}
	if (count > 1)
		printf("cycles %ld failed %ld\n", count, fails);
	return fails ? 1 : 0;
}
