/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of posauthctl's shared helpers (tools/posauthctl/ctl.c):
 * exit codes, time and list formatting, the offline window, the
 * unverified JWT expiry, the PIN line reader, and the way a command runs
 * in posauthd: its output captured, cut and sent in fields, and the
 * checks of a configuration posauthd lends.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "b64url.h"
#include "buf.h"
#include "cache.h"
#include "conf.h"
#include "ctl.h"
#include "err.h"
#include "jws.h"
#include "kdf.h"
#include "proto.h"
#include "tap.h"

static void
test_exit_codes(void)
{
	ok(ctl_exit_for(PA_OK) == CTL_EXIT_OK, "test_exit_ok_is_0");
	ok(ctl_exit_for(PA_ERR_REJECTED) == CTL_EXIT_FAILED,
	    "test_exit_rejected_is_1");
	ok(ctl_exit_for(PA_ERR_USERNAME) == CTL_EXIT_USAGE,
	    "test_exit_bad_user_name_is_2");
	ok(ctl_exit_for(PA_ERR_CONFIG) == CTL_EXIT_CONFIG &&
	    ctl_exit_for(PA_ERR_SECRET_FILE) == CTL_EXIT_CONFIG,
	    "test_exit_config_and_secret_are_3");
	ok(ctl_exit_for(PA_ERR_CACHE) == CTL_EXIT_CACHE &&
	    ctl_exit_for(PA_ERR_CACHE_CORRUPT) == CTL_EXIT_CACHE,
	    "test_exit_cache_is_4");
	ok(ctl_exit_for(PA_ERR_UNREACHABLE) == CTL_EXIT_UNREACHABLE,
	    "test_exit_unreachable_is_5");
	ok(ctl_exit_for(PA_ERR_NOT_FOUND) == CTL_EXIT_NOT_FOUND,
	    "test_exit_not_found_is_6");
	ok(ctl_exit_for(PA_ERR_SIGNATURE) == CTL_EXIT_INVALID &&
	    ctl_exit_for(PA_ERR_EXPIRED) == CTL_EXIT_INVALID &&
	    ctl_exit_for(PA_ERR_BAD_RESPONSE) == CTL_EXIT_INVALID,
	    "test_exit_invalid_answer_is_8");
	ok(ctl_exit_for(PA_ERR_INTERNAL) == CTL_EXIT_FAILED,
	    "test_exit_internal_is_1");
	ok(CTL_EXIT_POSAUTHD == 9 &&
	    strstr(CTL_EXIT_HELP, "  9  posauthd not reachable") != NULL,
	    "test_exit_posauthd_unreachable_is_9_and_documented");
}

static void
test_formatting(void)
{
	char buf[64], small[8];
	char *roles[] = { "cashier", "manager", "admin" };

	ok(strcmp(ctl_iso8601(0, buf, sizeof(buf)), "never") == 0,
	    "test_iso8601_zero_is_never");
	ok(strcmp(ctl_iso8601(1700000000, buf, sizeof(buf)),
	    "2023-11-14T22:13:20Z") == 0, "test_iso8601_is_utc");
	ok(strcmp(ctl_duration(-5, buf, sizeof(buf)), "0s") == 0 &&
	    strcmp(ctl_duration(59, buf, sizeof(buf)), "59s") == 0 &&
	    strcmp(ctl_duration(61, buf, sizeof(buf)), "1m 1s") == 0 &&
	    strcmp(ctl_duration(3700, buf, sizeof(buf)), "1h 1m") == 0 &&
	    strcmp(ctl_duration(90000, buf, sizeof(buf)), "1d 1h") == 0,
	    "test_duration_two_units");
	ok(strcmp(ctl_join(roles, 3, buf, sizeof(buf)),
	    "cashier,manager,admin") == 0, "test_join_commas");
	ok(strcmp(ctl_join(roles, 0, buf, sizeof(buf)), "") == 0,
	    "test_join_empty");
	memset(small, 'X', sizeof(small));
	ctl_join(roles, 3, small, sizeof(small));
	ok(strlen(small) < sizeof(small) &&
	    strcmp(small + strlen(small) - 3, "...") == 0,
	    "test_join_cut_with_ellipsis_inside_buffer");
}

/* "h.<payload>.s" with payload base64url-encoded. */
static char *
make_jwt(const char *payload)
{
	char *p = NULL, *jwt;
	size_t len;

	if (pa_b64url_encode((const unsigned char *)payload, strlen(payload),
	    &p) != PA_OK)
		return NULL;
	len = strlen(p) + 16;
	if ((jwt = malloc(len)) != NULL)
		snprintf(jwt, len, "eyJh.%s.c2ln", p);
	free(p);
	return jwt;
}

static int
jwt_exp_of(const char *payload, long long *exp)
{
	char *jwt = make_jwt(payload);
	int r = pa_jws_peek_exp_unverified(jwt, exp);

	free(jwt);
	return r;
}

static void
test_jwt_exp(void)
{
	long long exp = -1;

	ok(jwt_exp_of("{\"exp\":1700000000,\"sub\":\"a\"}", &exp) == PA_OK &&
	    exp == 1700000000, "test_jwt_exp_integer");
	ok(jwt_exp_of("{\"exp\":1700000000.9}", &exp) == PA_OK &&
	    exp == 1700000000, "test_jwt_exp_real_rounds_down");
	ok(jwt_exp_of("{\"sub\":\"a\"}", &exp) == PA_ERR_CLAIM_MISSING,
	    "test_jwt_without_exp");
	ok(jwt_exp_of("{\"exp\":\"soon\"}", &exp) == PA_ERR_CLAIM_MISSING,
	    "test_jwt_string_exp_refused");
	ok(jwt_exp_of("[1,2]", &exp) == PA_ERR_JSON,
	    "test_jwt_payload_not_an_object");
	ok(jwt_exp_of("{\"exp\":1,\"exp\":2}", &exp) == PA_ERR_JSON,
	    "test_jwt_duplicate_claims_refused");
	ok(pa_jws_peek_exp_unverified("abc.def", &exp) == PA_ERR_JWS_FORMAT &&
	    pa_jws_peek_exp_unverified("a.b.c.d", &exp) == PA_ERR_JWS_FORMAT &&
	    pa_jws_peek_exp_unverified(NULL, &exp) == PA_ERR_JWS_FORMAT,
	    "test_jwt_wrong_shape");
	ok(pa_jws_peek_exp_unverified("a.$$$.c", &exp) == PA_ERR_BASE64,
	    "test_jwt_bad_base64");
}

/* Feeds text into a pipe and reads one line back. */
static int
read_from(const char *text, char *buf, size_t size, int *pfd)
{
	int fd[2], r;

	if (pipe(fd) != 0)
		return PA_ERR_SYSTEM;
	if (write(fd[1], text, strlen(text)) != (ssize_t)strlen(text))
		return PA_ERR_SYSTEM;
	close(fd[1]);
	r = ctl_read_line_fd(fd[0], buf, size);
	if (pfd != NULL)
		*pfd = fd[0];
	else
		close(fd[0]);
	return r;
}

static void
test_read_line(void)
{
	char buf[8];
	int fd, r;
	size_t i, zero = 1;

	ok(read_from("1234\n", buf, sizeof(buf), NULL) == PA_OK &&
	    strcmp(buf, "1234") == 0, "test_read_line_plain");
	ok(read_from("1234\r\n", buf, sizeof(buf), NULL) == PA_OK &&
	    strcmp(buf, "1234") == 0, "test_read_line_strips_cr");
	ok(read_from("5678", buf, sizeof(buf), NULL) == PA_OK &&
	    strcmp(buf, "5678") == 0, "test_read_line_without_newline");
	ok(read_from("", buf, sizeof(buf), NULL) == PA_ERR_NO_PIN,
	    "test_read_line_eof_is_no_pin");
	ok(read_from("\n", buf, sizeof(buf), NULL) == PA_OK && buf[0] == '\0',
	    "test_read_line_empty_line");
	r = read_from("12345678\n", buf, sizeof(buf), NULL);
	for (i = 0; i < sizeof(buf); i++)
		zero &= buf[i] == 0;
	ok(r == PA_ERR_TOO_LARGE && zero,
	    "test_read_line_too_long_refused_and_wiped");
	r = read_from("a\nb\n", buf, sizeof(buf), &fd);
	ok(r == PA_OK && strcmp(buf, "a") == 0 &&
	    ctl_read_line_fd(fd, buf, sizeof(buf)) == PA_OK &&
	    strcmp(buf, "b") == 0, "test_read_line_reads_only_one_line");
	close(fd);
}

/* --- a command run by posauthd ------------------------------------------ */

/* n bytes of a pattern that shows where a cut or a seam went wrong. */
static void
fill(struct pa_buf *b, size_t n, char seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		pa_buf_putc(b, (unsigned char)((i % 97 == 96) ? '\n' :
		    seed + (char)(i % 26)));
}

static int
prefix_of(const struct pa_buf *part, const struct pa_buf *whole)
{
	return part->len <= whole->len &&
	    (part->len == 0 || memcmp(part->d, whole->d, part->len) == 0);
}

static void
test_capture(void)
{
	struct ctl_capture c;
	size_t i, zero = 1;
	int r;

	memset(&c, 0, sizeof(c));
	r = ctl_capture_open(&c, 10);
	ok(r == PA_OK && c.f != NULL, "test_capture_opens");
	fprintf(c.f, "%s", "0123456789abcdef");
	ctl_capture_close(&c);
	ok(c.buf.len == 10 && memcmp(c.buf.d, "0123456789", 10) == 0 &&
	    c.lost == 6, "test_capture_keeps_max_and_counts_the_rest");
	for (i = 0; i < sizeof(c.iobuf); i++)
		zero &= c.iobuf[i] == 0;
	ok(c.f == NULL && zero, "test_capture_close_wipes_stdio_buffer");
	ctl_capture_clear(&c);
	ok(c.buf.d == NULL && c.buf.len == 0 && c.lost == 0,
	    "test_capture_clear_frees");
}

/* put, then get back; 0 when both texts and the code came back whole. */
static int
roundtrip(int ex, const struct pa_buf *out, const struct pa_buf *err,
    size_t lost, int *got_ex, struct pa_buf *gout, struct pa_buf *gerr)
{
	struct pa_msg m;
	int r;

	pa_msg_init(&m, PA_MSG_RESULT);
	if ((r = ctl_answer_put(&m, ex, out, err, lost, 8)) == PA_OK &&
	    (r = pa_msg_put_i32(&m, PA_F_STATUS, PA_OK)) == PA_OK &&
	    (r = pa_msg_check(m.type, m.payload.d, m.payload.len, NULL,
	    0)) == PA_OK)
		r = ctl_answer_get(&m, got_ex, gout, gerr);
	pa_msg_clear(&m);
	return r;
}

static void
test_answer_small(void)
{
	struct pa_buf out, err, gout, gerr;
	int ex = -1;

	pa_buf_init(&out, 1024);
	pa_buf_init(&err, 1024);
	pa_buf_init(&gout, PA_PROTO_MAX_PAYLOAD);
	pa_buf_init(&gerr, PA_PROTO_MAX_PAYLOAD);
	pa_buf_puts(&out, "alice\n");
	pa_buf_puts(&err, "posauthctl show: no record for \"zed\"\n");
	ok(roundtrip(CTL_EXIT_NOT_FOUND, &out, &err, 0, &ex, &gout,
	    &gerr) == PA_OK && ex == CTL_EXIT_NOT_FOUND &&
	    strcmp(pa_buf_str(&gout), "alice\n") == 0 &&
	    strcmp(pa_buf_str(&gerr), pa_buf_str(&err)) == 0,
	    "test_answer_carries_exit_code_and_both_texts");
	pa_buf_reset(&out);
	pa_buf_reset(&err);
	pa_buf_reset(&gout);
	pa_buf_reset(&gerr);
	ok(roundtrip(CTL_EXIT_OK, &out, &err, 0, &ex, &gout, &gerr) ==
	    PA_OK && ex == CTL_EXIT_OK && gout.len == 0 && gerr.len == 0,
	    "test_answer_with_no_output");
	pa_buf_clear(&out);
	pa_buf_clear(&err);
	pa_buf_clear(&gout);
	pa_buf_clear(&gerr);
}

static void
test_answer_large(void)
{
	struct pa_buf out, err, gout, gerr;
	int ex = -1, r;

	pa_buf_init(&out, 2 * PA_PROTO_MAX_PAYLOAD);
	pa_buf_init(&err, PA_PROTO_MAX_PAYLOAD);
	pa_buf_init(&gout, PA_PROTO_MAX_PAYLOAD);
	pa_buf_init(&gerr, PA_PROTO_MAX_PAYLOAD);
	/* More than one field holds: split, and joined again. */
	fill(&out, 200 * 1024, 'a');
	pa_buf_puts(&err, "a message\n");
	r = roundtrip(CTL_EXIT_OK, &out, &err, 0, &ex, &gout, &gerr);
	ok(r == PA_OK && ex == CTL_EXIT_OK && gout.len == out.len &&
	    memcmp(gout.d, out.d, out.len) == 0 &&
	    strcmp(pa_buf_str(&gerr), "a message\n") == 0,
	    "test_answer_over_64k_round_trips_whole");

	/* More than an answer holds: cut, said, and no success. */
	pa_buf_reset(&gout);
	pa_buf_reset(&gerr);
	fill(&out, 200 * 1024, 'a');
	r = roundtrip(CTL_EXIT_OK, &out, &err, 0, &ex, &gout, &gerr);
	ok(r == PA_OK && gout.len > 0 && gout.len < out.len &&
	    prefix_of(&gout, &out),
	    "test_answer_over_256k_is_cut_to_a_prefix");
	ok(ex == CTL_EXIT_FAILED && strncmp(pa_buf_str(&gerr),
	    "a message\n", 10) == 0 &&
	    strstr(pa_buf_str(&gerr), "output cut") != NULL,
	    "test_cut_answer_says_so_and_fails");

	/* Messages that explain the exit code are not crowded out. */
	pa_buf_reset(&err);
	pa_buf_reset(&gout);
	pa_buf_reset(&gerr);
	fill(&err, 40 * 1024, 'A');
	r = roundtrip(CTL_EXIT_CACHE, &out, &err, 0, &ex, &gout, &gerr);
	ok(r == PA_OK && ex == CTL_EXIT_CACHE && gerr.len > err.len &&
	    memcmp(gerr.d, err.d, err.len) == 0 && prefix_of(&gout, &out),
	    "test_stderr_survives_a_cut_stdout");

	/* Bytes a capture could not keep are a cut too. */
	pa_buf_reset(&out);
	pa_buf_reset(&err);
	pa_buf_reset(&gout);
	pa_buf_reset(&gerr);
	pa_buf_puts(&out, "x\n");
	r = roundtrip(CTL_EXIT_OK, &out, &err, 5, &ex, &gout, &gerr);
	ok(r == PA_OK && ex == CTL_EXIT_FAILED &&
	    strstr(pa_buf_str(&gerr), "5 byte(s) not sent") != NULL,
	    "test_bytes_lost_in_capture_are_reported");
	pa_buf_clear(&out);
	pa_buf_clear(&err);
	pa_buf_clear(&gout);
	pa_buf_clear(&gerr);
}

static void
test_answer_malformed(void)
{
	struct pa_buf out, err;
	struct pa_msg m;
	int ex = -1;

	pa_buf_init(&out, 1024);
	pa_buf_init(&err, 1024);
	pa_msg_init(&m, PA_MSG_RESULT);
	pa_msg_put_str(&m, PA_F_STDOUT, "x");
	ok(ctl_answer_get(&m, &ex, &out, &err) == PA_ERR_BAD_RESPONSE,
	    "test_answer_without_exit_code_is_refused");
	pa_msg_clear(&m);
	pa_msg_init(&m, PA_MSG_RESULT);
	pa_msg_put_i32(&m, PA_F_EXIT, -1);
	ok(ctl_answer_get(&m, &ex, &out, &err) == PA_ERR_BAD_RESPONSE,
	    "test_answer_with_impossible_exit_code_is_refused");
	pa_msg_clear(&m);
	pa_buf_clear(&out);
	pa_buf_clear(&err);
}

/* The largest answer through a real socket, as posauthd sends it. */
static void
test_answer_over_socket(void)
{
	struct pa_buf out, err, gout, gerr;
	struct pa_msg m;
	int sv[2], ex = -1, r = PA_ERR_SYSTEM, status = -1;
	char why[128];
	pid_t pid;

	pa_buf_init(&out, PA_PROTO_MAX_PAYLOAD);
	pa_buf_init(&err, 16);
	pa_buf_init(&gout, PA_PROTO_MAX_PAYLOAD);
	pa_buf_init(&gerr, PA_PROTO_MAX_PAYLOAD);
	fill(&out, PA_PROTO_MAX_PAYLOAD, 'a');
	pa_msg_init(&m, PA_MSG_RESULT);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		goto out;
	if ((pid = fork()) == 0) {
		close(sv[0]);
		_exit(ctl_answer_put(&m, CTL_EXIT_OK, &out, &err, 0, 8) !=
		    PA_OK || pa_msg_put_i32(&m, PA_F_STATUS, PA_OK) != PA_OK ||
		    pa_proto_send(sv[1], &m, pa_proto_now_ms() + 5000) !=
		    PA_OK);
	}
	close(sv[1]);
	if (pid > 0 && (r = pa_proto_recv(sv[0], &m, pa_proto_now_ms() +
	    5000, why, sizeof(why))) == PA_OK)
		r = ctl_answer_get(&m, &ex, &gout, &gerr);
	close(sv[0]);
	if (pid > 0)
		waitpid(pid, &status, 0);
 out:
	ok(r == PA_OK && status == 0 && prefix_of(&gout, &out) &&
	    gout.len > PA_PROTO_MAX_PAYLOAD - 1024 && ex == CTL_EXIT_FAILED,
	    "test_fullest_answer_fits_one_frame");
	pa_msg_clear(&m);
	pa_buf_clear(&out);
	pa_buf_clear(&err);
	pa_buf_clear(&gout);
	pa_buf_clear(&gerr);
}

/* --- the dispatcher in posauthd ------------------------------------------- */

static int fake_ran;

static int
fake_run(struct ctl *ctl, int argc, char **argv)
{
	(void)ctl;
	(void)argc;
	(void)argv;
	fake_ran = 1;
	return CTL_EXIT_OK;
}

static const struct ctl_command fake_cmd = {
	"fake", "a service command", "fake [--json]", "Does nothing.\n",
	CTL_OPT_JSON, CTL_NEED_CONFIG | CTL_NEED_SERVICE, 0, 0, NULL,
	fake_run,
};

/* Runs fake as posauthd would; returns the exit code, stderr in err. */
static int
run_served(const struct pa_conf *conf, const char *lent, const char *given,
    const char *opt, struct pa_buf *err)
{
	struct ctl_capture o, e;
	struct ctl ctl;
	char name[] = "fake", copt[64];
	char *argv[] = { name, copt, NULL };
	int ex;

	memset(&o, 0, sizeof(o));
	memset(&e, 0, sizeof(e));
	snprintf(copt, sizeof(copt), "%s", opt != NULL ? opt : "");
	ctl_init(&ctl);
	if (ctl_capture_open(&o, 4096) != PA_OK ||
	    ctl_capture_open(&e, 4096) != PA_OK)
		return -1;
	ctl.out = o.f;
	ctl.err = e.f;
	ctl.conf = conf;
	ctl.lent_path = lent;
	ctl.config_path = given != NULL ? given : lent;
	ctl.config_given = given != NULL;
	fake_ran = 0;
	ex = ctl_run_command(&ctl, &fake_cmd, opt != NULL ? 2 : 1, argv);
	ctl_capture_close(&o);
	ctl_capture_close(&e);
	pa_buf_reset(err);
	pa_buf_put(err, e.buf.d, e.buf.len);
	ctl_clear(&ctl);
	ctl_capture_clear(&o);
	ctl_capture_clear(&e);
	return ex;
}

static void
test_lent_config(void)
{
	char dir[] = "/tmp/test_ctl.XXXXXX", a[64], b[64], link[64];
	struct pa_conf conf;
	struct pa_buf err;
	FILE *f;
	int ex;

	memset(&conf, 0, sizeof(conf));
	pa_buf_init(&err, 8192);
	if (mkdtemp(dir) == NULL) {
		ok(0, "test_setup_temp_dir");
		return;
	}
	snprintf(a, sizeof(a), "%s/a.conf", dir);
	snprintf(b, sizeof(b), "%s/b.conf", dir);
	snprintf(link, sizeof(link), "%s/link.conf", dir);
	if ((f = fopen(a, "w")) != NULL)
		fclose(f);
	if ((f = fopen(b, "w")) != NULL)
		fclose(f);
	if (symlink(a, link) != 0)
		ok(0, "test_setup_symlink");

	ex = run_served(&conf, a, NULL, NULL, &err);
	ok(ex == CTL_EXIT_OK && fake_ran,
	    "test_served_command_runs_on_lent_config");
	ex = run_served(NULL, a, NULL, NULL, &err);
	ok(ex == CTL_EXIT_CONFIG && !fake_ran &&
	    strstr(pa_buf_str(&err), "posauthd's configuration") != NULL,
	    "test_unusable_lent_config_exits_3");
	ex = run_served(&conf, a, b, NULL, &err);
	ok(ex == CTL_EXIT_CONFIG && !fake_ran &&
	    strstr(pa_buf_str(&err), "cannot be served") != NULL,
	    "test_other_config_file_is_refused");
	ex = run_served(&conf, a, link, NULL, &err);
	ok(ex == CTL_EXIT_OK && fake_ran,
	    "test_same_config_by_another_name_is_served");
	/* -c after the command: the path the client resolved counts. */
	ex = run_served(&conf, a, b, "-c/etc/hostname", &err);
	ok(ex == CTL_EXIT_CONFIG && strstr(pa_buf_str(&err), b) != NULL,
	    "test_config_option_in_args_does_not_replace_resolved_one");
	ex = run_served(&conf, a, NULL, "--help", &err);
	ok(ex == CTL_EXIT_OK && !fake_ran, "test_help_does_not_run_command");
	unlink(link);
	unlink(a);
	unlink(b);
	rmdir(dir);
	pa_buf_clear(&err);
}

/* Help goes where the command's output goes: captured in posauthd. */
static void
test_help_to_ctl_out(void)
{
	struct ctl_capture o;
	struct ctl ctl;

	memset(&o, 0, sizeof(o));
	ctl_init(&ctl);
	if (ctl_capture_open(&o, 65536) != PA_OK) {
		ok(0, "test_setup_capture");
		return;
	}
	ctl.out = o.f;
	ctl_print_help(&ctl, &fake_cmd);
	ctl_capture_close(&o);
	ok(strstr(pa_buf_str(&o.buf), "Usage: posauthctl") != NULL &&
	    strstr(pa_buf_str(&o.buf), "Answered by posauthd") != NULL &&
	    strstr(pa_buf_str(&o.buf), "-S, --socket PATH") != NULL &&
	    strstr(pa_buf_str(&o.buf), "9  posauthd not reachable") != NULL,
	    "test_help_of_service_command_names_posauthd");
	ctl_capture_clear(&o);
	ctl_clear(&ctl);
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);
	test_exit_codes();
	test_formatting();
	test_jwt_exp();
	test_read_line();
	test_capture();
	test_answer_small();
	test_answer_large();
	test_answer_malformed();
	test_answer_over_socket();
	test_lent_config();
	test_help_to_ctl_out();
	return tap_done();
}
