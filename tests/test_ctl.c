/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of posauthctl's shared helpers (src/ctl.c): exit codes,
 * time and list formatting, the offline window, the unverified JWT
 * expiry and the PIN line reader.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "b64url.h"
#include "cache.h"
#include "conf.h"
#include "ctl.h"
#include "err.h"
#include "jws.h"
#include "kdf.h"
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

int
main(void)
{
	test_exit_codes();
	test_formatting();
	test_jwt_exp();
	test_read_line();
	return tap_done();
}
