/* SPDX-License-Identifier: MIT */
/*
 * proto.c and client.c: fields go through the wire format unchanged,
 * every malformed frame is refused and says why, reads and writes end at
 * their deadline, what a message held is wiped, and the client's waits
 * against a fake service stay inside the bounds the hello sets.
 *
 * Linked with -Wl,--wrap=free (tests.am): the library's free() passes
 * through __wrap_free() below, which can look at a block it was asked to
 * watch just before it is let go, so "wiped" is checked without ever
 * reading freed memory.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "buf.h"
#include "client.h"
#include "err.h"
#include "proto.h"
#include "tap.h"

/* --- watching a block until it is freed ------------------------------ */

void __real_free(void *);
void __wrap_free(void *);

/* Set only while no other thread runs. */
static const unsigned char *watch_p;
static size_t watch_len;
static int watch_seen, watch_zero;

void
__wrap_free(void *p)
{
	size_t i;

	if (p != NULL && p == watch_p) {
		watch_seen = 1;
		watch_zero = 1;
		for (i = 0; i < watch_len; i++)
			if (watch_p[i] != 0)
				watch_zero = 0;
		watch_p = NULL;
	}
	__real_free(p);
}

static void
watch(const void *p, size_t len)
{
	watch_p = p;
	watch_len = len;
	watch_seen = watch_zero = 0;
}

/* 1 when the watched block was freed with every byte zero. */
static int
watched_freed_wiped(void)
{
	watch_p = NULL;
	return watch_seen && watch_zero;
}

/* --- raw frames, as any peer may write them ------------------------------ */

static void
be16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

static void
be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static void
header(unsigned char *h, uint8_t version, uint8_t type, uint8_t r2, uint8_t r3,
    uint32_t len)
{
	h[0] = version;
	h[1] = type;
	h[2] = r2;
	h[3] = r3;
	be32(h + 4, len);
}

/* A field header claiming len bytes, then n bytes of v; returns its size. */
static size_t
field(unsigned char *p, uint16_t tag, uint16_t len, const void *v, size_t n)
{
	be16(p, tag);
	be16(p + 2, len);
	if (n > 0)
		memcpy(p + 4, v, n);
	return 4 + n;
}

static void
write_all(int fd, const void *p, size_t len)
{
	const unsigned char *c = p;
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, c, len)) < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			exit(99);
		c += n;
		len -= (size_t)n;
	}
}

static void
pair(int sv[2])
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		exit(99);
}

/*
 * Feeds bytes to pa_proto_recv() through a socketpair; the writing end
 * is closed afterwards when hangup is set. A small input only: it is
 * written before anyone reads.
 */
static int
recv_bytes(const void *bytes, size_t len, int hangup, long long wait_ms,
    struct pa_msg *m, char *why, size_t whylen)
{
	int sv[2], r;

	pair(sv);
	if (len > 0)
		write_all(sv[0], bytes, len);
	if (hangup) {
		close(sv[0]);
		sv[0] = -1;
	}
	why[0] = '\0';
	r = pa_proto_recv(sv[1], m, pa_proto_now_ms() + wait_ms, why, whylen);
	if (sv[0] >= 0)
		close(sv[0]);
	close(sv[1]);
	return r;
}

static int
has(const char *why, const char *want)
{
	if (strstr(why, want) != NULL)
		return 1;
	printf("#   why: '%s'\n#  want: '%s'\n", why, want);
	return 0;
}

/* A sender in a thread of its own, for frames larger than a socket holds. */
struct sender {
	pthread_t t;
	int fd;
	const struct pa_msg *m;
	long long deadline;
	int r;
};

static void *
sender_main(void *arg)
{
	struct sender *s = arg;

	s->r = pa_proto_send(s->fd, s->m, s->deadline);
	return NULL;
}

static void
sender_start(struct sender *s, int fd, const struct pa_msg *m, long long ms)
{
	s->fd = fd;
	s->m = m;
	s->deadline = pa_proto_now_ms() + ms;
	s->r = PA_ERR_INTERNAL;
	if (pthread_create(&s->t, NULL, sender_main, s) != 0)
		exit(99);
}

/* Fills m with 65535-byte fields and one more up to exactly len bytes. */
static int
fill_payload(struct pa_msg *m, size_t len)
{
	static unsigned char v[PA_PROTO_MAX_FIELD];
	size_t n;
	int r = PA_OK;

	memset(v, 'a', sizeof(v));
	while (r == PA_OK && m->payload.len < len) {
		n = len - m->payload.len - 4;
		if (n > PA_PROTO_MAX_FIELD)
			n = PA_PROTO_MAX_FIELD;
		r = pa_msg_put(m, PA_F_STDOUT, v, n);
	}
	return r;
}

/* --- fields ------------------------------------------------------------ */

static void
test_round_trip(void)
{
	static char big[PA_PROTO_MAX_FIELD + 1];
	struct pa_msg m, got;
	struct sender s;
	const unsigned char *raw;
	char *user = NULL, *pin = NULL, *rhost = NULL, *none = NULL, why[128];
	uint32_t u32 = 0, zero = 1;
	int32_t st = 0, lo = 0;
	size_t rawlen = 0;
	int sv[2], r;

	memset(big, 'x', PA_PROTO_MAX_FIELD);
	pa_msg_init(&m, PA_MSG_AUTH);
	pa_msg_init(&got, 0);
	ok(pa_msg_put_str(&m, PA_F_USER, "alice") == PA_OK &&
	    pa_msg_put_str(&m, PA_F_PIN, "1234") == PA_OK &&
	    pa_msg_put_str(&m, PA_F_RHOST, "") == PA_OK &&
	    pa_msg_put_u32(&m, PA_F_TIMEOUT_MS, 0xffffffffu) == PA_OK &&
	    pa_msg_put_u32(&m, PA_F_VERSION, 0) == PA_OK &&
	    pa_msg_put_i32(&m, PA_F_STATUS, PA_ERR_REJECTED) == PA_OK &&
	    pa_msg_put_i32(&m, PA_F_EXIT, INT32_MIN) == PA_OK &&
	    pa_msg_put_str(&m, PA_F_STDOUT, big) == PA_OK,
	    "test_put_every_field_kind");
	ok(pa_msg_check(m.type, m.payload.d, m.payload.len, why,
	    sizeof(why)) == PA_OK, "test_built_message_passes_check");

	/* Through a socket: a 64 KiB field does not fit in one write. */
	pair(sv);
	sender_start(&s, sv[0], &m, 5000);
	r = pa_proto_recv(sv[1], &got, pa_proto_now_ms() + 5000, why,
	    sizeof(why));
	pthread_join(s.t, NULL);
	close(sv[0]);
	close(sv[1]);
	ok(r == PA_OK && s.r == PA_OK && got.type == PA_MSG_AUTH &&
	    got.payload.len == m.payload.len &&
	    memcmp(got.payload.d, m.payload.d, m.payload.len) == 0,
	    "test_send_recv_gives_the_same_frame");

	ok(pa_msg_get_str(&got, PA_F_USER, &user) == PA_OK &&
	    strcmp(user, "alice") == 0 &&
	    pa_msg_get_str(&got, PA_F_PIN, &pin) == PA_OK &&
	    strcmp(pin, "1234") == 0, "test_text_round_trips");
	ok(pa_msg_get_str(&got, PA_F_RHOST, &rhost) == PA_OK &&
	    strcmp(rhost, "") == 0, "test_empty_text_round_trips");
	ok(pa_msg_get_u32(&got, PA_F_TIMEOUT_MS, &u32) == PA_OK &&
	    u32 == 0xffffffffu && pa_msg_get_u32(&got, PA_F_VERSION, &zero) ==
	    PA_OK && zero == 0, "test_u32_round_trips");
	ok(pa_msg_get_i32(&got, PA_F_STATUS, &st) == PA_OK &&
	    st == PA_ERR_REJECTED && pa_msg_get_i32(&got, PA_F_EXIT, &lo) ==
	    PA_OK && lo == INT32_MIN, "test_negative_i32_round_trips");
	ok(pa_msg_get_raw(&got, PA_F_STDOUT, &raw, &rawlen) == PA_OK &&
	    rawlen == PA_PROTO_MAX_FIELD && raw[0] == 'x' &&
	    raw[rawlen - 1] == 'x', "test_largest_field_round_trips");
	ok(pa_msg_get_str(&got, PA_F_SUDO_USER, &none) == PA_ERR_NOT_FOUND &&
	    none == NULL && pa_msg_get_u32(&got, PA_F_FLAGS, &u32) ==
	    PA_ERR_NOT_FOUND, "test_absent_field_is_not_found");
	ok(pa_msg_get_u32(&got, PA_F_USER, &u32) == PA_ERR_BAD_RESPONSE,
	    "test_text_is_not_read_as_a_number");
	free(user);
	free(pin);
	free(rhost);
	pa_msg_clear(&m);
	pa_msg_clear(&got);
}

static void
test_put_limits(void)
{
	static unsigned char v[PA_PROTO_MAX_FIELD + 1];
	struct pa_msg m;
	size_t full;

	memset(v, 'a', sizeof(v));
	pa_msg_init(&m, PA_MSG_ADMIN);
	ok(pa_msg_put(&m, PA_F_STDOUT, v, PA_PROTO_MAX_FIELD + 1) ==
	    PA_ERR_TOO_LARGE && m.payload.len == 0,
	    "test_put_refuses_field_over_65535");
	ok(pa_msg_put(&m, PA_F_STDOUT, v, PA_PROTO_MAX_FIELD) == PA_OK &&
	    m.payload.len == PA_PROTO_MAX_FIELD + 4,
	    "test_put_takes_field_of_65535");
	(void)pa_msg_put(&m, PA_F_STDOUT, v, PA_PROTO_MAX_FIELD);
	(void)pa_msg_put(&m, PA_F_STDOUT, v, PA_PROTO_MAX_FIELD);
	full = m.payload.len;
	/* The header fits, the value does not: no tag may stay behind. */
	ok(full == 3 * (PA_PROTO_MAX_FIELD + 4) &&
	    pa_msg_put(&m, PA_F_STDOUT, v, PA_PROTO_MAX_FIELD) ==
	    PA_ERR_TOO_LARGE && m.payload.len == full,
	    "test_put_past_payload_max_refused_leaving_nothing");
	ok(pa_msg_put(&m, PA_F_STDOUT, v, PA_PROTO_MAX_PAYLOAD - full - 4) ==
	    PA_OK && m.payload.len == PA_PROTO_MAX_PAYLOAD,
	    "test_put_fills_payload_to_exactly_max");
	ok(pa_msg_put(&m, PA_F_ARG, "", 0) == PA_ERR_TOO_LARGE &&
	    pa_msg_put_u32(&m, PA_F_FLAGS, 1) == PA_ERR_TOO_LARGE &&
	    m.payload.len == PA_PROTO_MAX_PAYLOAD,
	    "test_put_on_a_full_payload_refused");
	pa_msg_clear(&m);

	pa_msg_init(&m, PA_MSG_AUTH);
	ok(pa_msg_put(&m, PA_F_USER, "al\0ice", 6) == PA_ERR_ARG &&
	    m.payload.len == 0, "test_put_refuses_text_holding_nul");
	full = m.payload.len;
	ok(pa_msg_put_str(&m, PA_F_USER, NULL) == PA_ERR_ARG &&
	    m.payload.len == full, "test_put_str_refuses_null");
	pa_msg_clear(&m);
}

/* pa_msg_check refuses payload p and says want. */
static int
refused(uint8_t type, const unsigned char *p, size_t len, const char *want)
{
	char why[128] = "";

	if (pa_msg_check(type, p, len, why, sizeof(why)) != PA_ERR_BAD_RESPONSE)
		return 0;
	return has(why, want);
}

static void
test_check(void)
{
	static const uint8_t known[] = { PA_MSG_HELLO, PA_MSG_CHECK_USER,
		PA_MSG_AUTH, PA_MSG_ACCOUNT, PA_MSG_OPEN_SESSION,
		PA_MSG_CLOSE_SESSION, PA_MSG_ADMIN, PA_MSG_MFA_WAIT,
		PA_MSG_RESULT };
	static const uint16_t numbers[] = { PA_F_STATUS, PA_F_VERSION,
		PA_F_TIMEOUT_MS, PA_F_OFFLINE, PA_F_FLAGS, PA_F_EXIT,
		PA_F_MFA, PA_F_MFA_WAIT_MS };
	unsigned char p[64], four[4] = { 0, 0, 0, 1 };
	char why[8];
	size_t i, n, good;
	int all;

	for (all = 1, i = 0; i < sizeof(known); i++)
		all &= pa_msg_check(known[i], NULL, 0, NULL, 0) == PA_OK;
	ok(all, "test_check_accepts_every_known_type");
	ok(refused(0, NULL, 0, "unknown message type 0") &&
	    refused(PA_MSG_MFA_WAIT + 1, NULL, 0, "unknown message type 9") &&
	    refused(PA_MSG_RESULT - 1, NULL, 0, "unknown message type 63") &&
	    refused(PA_MSG_RESULT + 1, NULL, 0, "unknown message type 65") &&
	    refused(255, NULL, 0, "unknown message type 255"),
	    "test_check_refuses_unknown_type");

	n = field(p, 0, 1, "x", 1);
	ok(refused(PA_MSG_AUTH, p, n, "unknown field tag 0"),
	    "test_check_refuses_tag_0");
	n = field(p, PA_F_MFA_WAIT_MS + 1, 1, "x", 1);
	ok(refused(PA_MSG_AUTH, p, n, "unknown field tag 28") &&
	    (n = field(p, 0xffff, 0, NULL, 0)) > 0 &&
	    refused(PA_MSG_AUTH, p, n, "unknown field tag 65535"),
	    "test_check_refuses_tag_past_the_last");
	n = field(p, PA_F_LOGIND_SESSION, 1, "x", 1);
	ok(pa_msg_check(PA_MSG_OPEN_SESSION, p, n, NULL, 0) == PA_OK,
	    "test_check_accepts_the_last_tag");

	good = field(p, PA_F_USER, 5, "alice", 5);
	n = good + field(p + good, PA_F_PIN, 10, "123", 3);
	ok(refused(PA_MSG_AUTH, p, n, "field runs past the frame, tag 5") &&
	    (n = field(p, PA_F_USER, 0xffff, NULL, 0)) > 0 &&
	    refused(PA_MSG_AUTH, p, n, "field runs past the frame, tag 4"),
	    "test_check_refuses_field_past_payload");
	good = field(p, PA_F_USER, 5, "alice", 5);
	memset(p + good, 0, 3);
	for (all = 1, i = 1; i < 4; i++)
		all &= refused(PA_MSG_AUTH, p, good + i,
		    "truncated field header at byte 9");
	ok(all, "test_check_refuses_truncated_field_header");

	for (all = 1, i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
		n = field(p, numbers[i], 3, four, 3);
		all &= refused(PA_MSG_RESULT, p, n, "malformed value");
		n = field(p, numbers[i], 5, "\0\0\0\0\1", 5);
		all &= refused(PA_MSG_RESULT, p, n, "malformed value");
		n = field(p, numbers[i], 0, NULL, 0);
		all &= refused(PA_MSG_RESULT, p, n, "malformed value");
		n = field(p, numbers[i], 4, four, 4);
		all &= pa_msg_check(PA_MSG_RESULT, p, n, NULL, 0) == PA_OK;
	}
	ok(all, "test_check_refuses_numbers_not_4_bytes");

	n = field(p, PA_F_USER, 3, "a\0b", 3);
	ok(refused(PA_MSG_AUTH, p, n, "malformed value, tag 4") &&
	    (n = field(p, PA_F_PIN, 4, "123\0", 4)) > 0 &&
	    refused(PA_MSG_AUTH, p, n, "malformed value, tag 5") &&
	    (n = field(p, PA_F_ENV, 1, "\0", 1)) > 0 &&
	    refused(PA_MSG_RESULT, p, n, "malformed value, tag 13"),
	    "test_check_refuses_nul_in_text");
	/* Four bytes of text are text, whatever they look like. */
	n = field(p, PA_F_USER, 4, "\1\2\3\4", 4);
	ok(pa_msg_check(PA_MSG_AUTH, p, n, NULL, 0) == PA_OK,
	    "test_check_reads_text_tags_as_text");

	ok(pa_msg_check(0, NULL, 0, NULL, 0) == PA_ERR_BAD_RESPONSE &&
	    pa_msg_check(0, NULL, 0, why, sizeof(why)) ==
	    PA_ERR_BAD_RESPONSE && strlen(why) == sizeof(why) - 1,
	    "test_check_why_optional_and_bounded");
}

static void
test_next(void)
{
	struct pa_msg m;
	char *s = NULL, *got[8];
	size_t pos = 0, n = 0, i;
	uint32_t u = 0;
	int r;

	pa_msg_init(&m, PA_MSG_ACCOUNT);
	(void)pa_msg_put_str(&m, PA_F_ALLOW_ROLE, "cashier");
	(void)pa_msg_put_str(&m, PA_F_USER, "alice");
	(void)pa_msg_put_str(&m, PA_F_ALLOW_ROLE, "manager");
	(void)pa_msg_put_str(&m, PA_F_DENY_ROLE, "admin");
	(void)pa_msg_put_str(&m, PA_F_ALLOW_ROLE, "");
	(void)pa_msg_put_u32(&m, PA_F_FLAGS, 7);
	(void)pa_msg_put_u32(&m, PA_F_FLAGS, 9);

	while (n < 8 && (r = pa_msg_next(&m, PA_F_ALLOW_ROLE, &pos,
	    &got[n])) == PA_OK)
		n++;
	ok(n == 3 && strcmp(got[0], "cashier") == 0 &&
	    strcmp(got[1], "manager") == 0 && strcmp(got[2], "") == 0,
	    "test_next_walks_repeats_in_order");
	ok(r == PA_ERR_NOT_FOUND && pos == m.payload.len &&
	    pa_msg_next(&m, PA_F_ALLOW_ROLE, &pos, &s) == PA_ERR_NOT_FOUND &&
	    s == NULL, "test_next_ends_with_not_found");
	for (i = 0; i < n; i++)
		free(got[i]);

	pos = 0;
	ok(pa_msg_next(&m, PA_F_DENY_ROLE, &pos, &s) == PA_OK &&
	    strcmp(s, "admin") == 0, "test_next_skips_other_tags");
	free(s);
	ok(pa_msg_next(&m, PA_F_DENY_ROLE, &pos, &s) == PA_ERR_NOT_FOUND,
	    "test_next_finds_one_of_a_single_tag");
	pos = 0;
	ok(pa_msg_next(&m, PA_F_ENV, &pos, &s) == PA_ERR_NOT_FOUND &&
	    s == NULL, "test_next_of_an_absent_tag");
	ok(pa_msg_get_str(&m, PA_F_ALLOW_ROLE, &s) == PA_OK &&
	    strcmp(s, "cashier") == 0 && pa_msg_get_u32(&m, PA_F_FLAGS, &u) ==
	    PA_OK && u == 7, "test_get_takes_the_first_repeat");
	free(s);
	pa_msg_clear(&m);

	/* A payload nobody checked: a field claiming more than is there. */
	pa_msg_init(&m, PA_MSG_AUTH);
	(void)pa_buf_put(&m.payload, "\0\4\0\50abc", 7);
	pos = 0;
	s = NULL;
	ok(pa_msg_next(&m, PA_F_USER, &pos, &s) == PA_ERR_BAD_RESPONSE &&
	    s == NULL && pa_msg_get_u32(&m, PA_F_USER, &u) ==
	    PA_ERR_BAD_RESPONSE, "test_get_on_unchecked_payload_stays_inside");
	pa_msg_clear(&m);
}

/* --- frames on a socket ------------------------------------------------ */

static void
test_recv_refuses(void)
{
	unsigned char b[64];
	struct pa_msg m;
	char why[128];
	size_t n;

	pa_msg_init(&m, 0);
	header(b, 2, PA_MSG_AUTH, 0, 0, 0);
	ok(recv_bytes(b, 8, 0, 2000, &m, why, sizeof(why)) ==
	    PA_ERR_BAD_RESPONSE && has(why, "protocol version 2, not 1"),
	    "test_recv_refuses_version_2");
	header(b, 0, PA_MSG_AUTH, 0, 0, 0);
	ok(recv_bytes(b, 8, 0, 2000, &m, why, sizeof(why)) ==
	    PA_ERR_BAD_RESPONSE && has(why, "protocol version 0"),
	    "test_recv_refuses_version_0");
	header(b, 1, PA_MSG_AUTH, 1, 0, 0);
	ok(recv_bytes(b, 8, 0, 2000, &m, why, sizeof(why)) ==
	    PA_ERR_BAD_RESPONSE && has(why, "malformed frame header"),
	    "test_recv_refuses_nonzero_reserved_byte_2");
	header(b, 1, PA_MSG_AUTH, 0, 0x80, 0);
	ok(recv_bytes(b, 8, 0, 2000, &m, why, sizeof(why)) ==
	    PA_ERR_BAD_RESPONSE && has(why, "malformed frame header"),
	    "test_recv_refuses_nonzero_reserved_byte_3");
	header(b, 1, PA_MSG_AUTH, 0, 0, PA_PROTO_MAX_PAYLOAD + 1);
	ok(recv_bytes(b, 8, 0, 2000, &m, why, sizeof(why)) ==
	    PA_ERR_BAD_RESPONSE && has(why, "malformed frame header"),
	    "test_recv_refuses_length_over_max");
	header(b, 1, PA_MSG_AUTH, 0, 0, 0xffffffffu);
	ok(recv_bytes(b, 8, 0, 2000, &m, why, sizeof(why)) ==
	    PA_ERR_BAD_RESPONSE && has(why, "malformed frame header"),
	    "test_recv_refuses_length_4_gib");
	header(b, 1, 9, 0, 0, 0);
	ok(recv_bytes(b, 8, 0, 2000, &m, why, sizeof(why)) ==
	    PA_ERR_BAD_RESPONSE && has(why, "unknown message type 9"),
	    "test_recv_refuses_unknown_type");
	n = field(b + 8, PA_F_USER, 9, "bob", 3);
	header(b, 1, PA_MSG_AUTH, 0, 0, (uint32_t)n);
	ok(recv_bytes(b, 8 + n, 0, 2000, &m, why, sizeof(why)) ==
	    PA_ERR_BAD_RESPONSE && has(why, "field runs past the frame"),
	    "test_recv_refuses_field_past_payload");

	ok(recv_bytes(NULL, 0, 1, 2000, &m, why, sizeof(why)) ==
	    PA_ERR_UNREACHABLE && has(why, "connection closed"),
	    "test_recv_peer_closed_before_a_byte");
	header(b, 1, PA_MSG_AUTH, 0, 0, 100);
	ok(recv_bytes(b, 5, 1, 2000, &m, why, sizeof(why)) ==
	    PA_ERR_UNREACHABLE && has(why, "connection closed"),
	    "test_recv_peer_closed_mid_header");
	memset(b + 8, 'z', 10);
	ok(recv_bytes(b, 18, 1, 2000, &m, why, sizeof(why)) ==
	    PA_ERR_UNREACHABLE && has(why, "frame cut short"),
	    "test_recv_peer_closed_mid_payload");
	pa_msg_clear(&m);
}

static void
test_deadlines(void)
{
	struct pa_msg m, big;
	unsigned char b[32];
	long long t0, took;
	char why[128];
	int sv[2], r;

	pa_msg_init(&m, 0);
	t0 = pa_proto_now_ms();
	r = recv_bytes(NULL, 0, 0, 50, &m, why, sizeof(why));
	took = pa_proto_now_ms() - t0;
	ok(r == PA_ERR_UNREACHABLE && has(why, "no answer in time") &&
	    took >= 45 && took < 2000, "test_recv_ends_at_its_deadline");
	if (took < 45 || took >= 2000)
		printf("#   took %lld ms\n", took);
	header(b, 1, PA_MSG_AUTH, 0, 0, 100);
	memset(b + 8, 'z', 10);
	t0 = pa_proto_now_ms();
	r = recv_bytes(b, 18, 0, 50, &m, why, sizeof(why));
	took = pa_proto_now_ms() - t0;
	ok(r == PA_ERR_UNREACHABLE && took >= 45 && took < 2000,
	    "test_recv_of_a_stalled_frame_ends_at_its_deadline");
	t0 = pa_proto_now_ms();
	r = recv_bytes(NULL, 0, 0, -1000, &m, why, sizeof(why));
	ok(r == PA_ERR_UNREACHABLE && pa_proto_now_ms() - t0 < 1000,
	    "test_recv_with_a_past_deadline_returns_at_once");

	/* A peer that never reads: the send gives up at its deadline. */
	pa_msg_init(&big, PA_MSG_RESULT);
	(void)fill_payload(&big, PA_PROTO_MAX_PAYLOAD);
	pair(sv);
	t0 = pa_proto_now_ms();
	r = pa_proto_send(sv[0], &big, t0 + 100);
	took = pa_proto_now_ms() - t0;
	ok(r == PA_ERR_UNREACHABLE && took >= 95 && took < 2000,
	    "test_send_to_a_peer_that_never_reads_ends_at_its_deadline");
	close(sv[0]);
	close(sv[1]);

	/* Default SIGPIPE disposition: surviving this proves MSG_NOSIGNAL. */
	pair(sv);
	close(sv[1]);
	ok(pa_proto_send(sv[0], &big, pa_proto_now_ms() + 1000) ==
	    PA_ERR_UNREACHABLE, "test_send_to_a_closed_peer_unreachable");
	close(sv[0]);
	pa_msg_clear(&big);
	pa_msg_clear(&m);
}

static void
test_largest_frame(void)
{
	struct pa_msg m, got;
	struct sender s;
	char why[128];
	int sv[2], r;

	pa_msg_init(&m, PA_MSG_RESULT);
	pa_msg_init(&got, 0);
	r = fill_payload(&m, PA_PROTO_MAX_PAYLOAD);
	pair(sv);
	sender_start(&s, sv[0], &m, 5000);
	if (r == PA_OK)
		r = pa_proto_recv(sv[1], &got, pa_proto_now_ms() + 5000, why,
		    sizeof(why));
	pthread_join(s.t, NULL);
	close(sv[0]);
	close(sv[1]);
	ok(r == PA_OK && s.r == PA_OK &&
	    got.payload.len == PA_PROTO_MAX_PAYLOAD &&
	    memcmp(got.payload.d, m.payload.d, m.payload.len) == 0,
	    "test_frame_of_exactly_max_payload_crosses");
	pa_msg_clear(&m);
	pa_msg_clear(&got);
}

/* --- wiping ------------------------------------------------------------ */

static void
test_clear_wipes(void)
{
	/* Called through a pointer: the compiler may not drop the block. */
	void (*volatile release)(void *) = free;
	unsigned char b[64], *p;
	struct pa_msg m;
	char *s = NULL, why[128];
	size_t n;

	/* The watcher itself must see an unwiped block as unwiped. */
	if ((p = malloc(16)) == NULL)
		exit(99);
	memset(p, 'x', 16);
	watch(p, 16);
	release(p);
	ok(watch_seen && !watch_zero, "test_watcher_sees_an_unwiped_free");

	pa_msg_init(&m, PA_MSG_AUTH);
	(void)pa_msg_put_str(&m, PA_F_USER, "alice");
	(void)pa_msg_put_str(&m, PA_F_PIN, "4711-secret");
	watch(m.payload.d, m.payload.cap);
	pa_msg_clear(&m);
	ok(watched_freed_wiped(), "test_clear_wipes_before_free");
	ok(m.payload.d == NULL && m.payload.len == 0 && m.payload.cap == 0 &&
	    pa_msg_get_str(&m, PA_F_PIN, &s) == PA_ERR_NOT_FOUND && s == NULL,
	    "test_cleared_message_holds_nothing");
	ok(pa_msg_put_str(&m, PA_F_USER, "bob") == PA_OK &&
	    pa_msg_get_str(&m, PA_F_USER, &s) == PA_OK &&
	    strcmp(s, "bob") == 0, "test_cleared_message_usable_again");
	free(s);
	pa_msg_clear(&m);
	pa_msg_clear(&m);

	/* Growing leaves no copy of the PIN in the block it leaves. */
	pa_msg_init(&m, PA_MSG_AUTH);
	(void)pa_msg_put_str(&m, PA_F_PIN, "4711-secret");
	watch(m.payload.d, m.payload.cap);
	memset(b, 'u', sizeof(b));
	(void)pa_msg_put(&m, PA_F_SERVICE, b, sizeof(b));
	(void)pa_msg_put(&m, PA_F_SERVICE, b, sizeof(b));
	ok(watched_freed_wiped(), "test_growing_wipes_the_old_block");
	pa_msg_clear(&m);

	/* A received PIN is wiped too, also when the next frame replaces it. */
	n = field(b + 8, PA_F_PIN, 4, "9876", 4);
	header(b, 1, PA_MSG_AUTH, 0, 0, (uint32_t)n);
	pa_msg_init(&m, 0);
	(void)recv_bytes(b, 8 + n, 0, 2000, &m, why, sizeof(why));
	watch(m.payload.d, m.payload.cap);
	(void)recv_bytes(b, 8 + n, 0, 2000, &m, why, sizeof(why));
	ok(watched_freed_wiped(), "test_recv_wipes_what_the_message_held");
	watch(m.payload.d, m.payload.cap);
	pa_msg_clear(&m);
	ok(watched_freed_wiped(), "test_clear_wipes_a_received_pin");
}

/* --- the client against a fake service --------------------------------- */

enum fake_mode {
	FAKE_SILENT,		/* accepts, never says hello */
	FAKE_HELLO_SILENT,	/* hello, then nothing */
	FAKE_HELLO_V2,		/* a hello frame of version 2 */
	FAKE_HELLO_V2_FIELD,	/* a version 1 frame saying version 2 */
	FAKE_RESULT,		/* hello, reads the request, answers */
	FAKE_NOT_RESULT,	/* answers with a hello instead */
	FAKE_HANGUP,		/* hello, reads the request, closes */
};

struct fake {
	pthread_t t;
	int lfd;
	enum fake_mode mode;
	uint32_t timeout_ms;
	int32_t status;
	/* what the service saw */
	uint8_t req_type;
	char *req_user, *req_pin;
};

static int
fake_hello(int fd, uint8_t version, uint32_t field_version,
    uint32_t timeout_ms)
{
	unsigned char b[8 + 16], v[4], t[4];
	size_t n;

	be32(v, field_version);
	be32(t, timeout_ms);
	n = field(b + 8, PA_F_VERSION, 4, v, 4);
	n += field(b + 8 + n, PA_F_TIMEOUT_MS, 4, t, 4);
	header(b, version, PA_MSG_HELLO, 0, 0, (uint32_t)n);
	return send(fd, b, 8 + n, MSG_NOSIGNAL) == (ssize_t)(8 + n) ? 0 : -1;
}

static void
fake_answer(struct fake *f, int fd, uint8_t type)
{
	struct pa_msg req, res;
	char why[128];

	pa_msg_init(&req, 0);
	pa_msg_init(&res, type);
	if (pa_proto_recv(fd, &req, pa_proto_now_ms() + 5000, why,
	    sizeof(why)) == PA_OK) {
		f->req_type = req.type;
		(void)pa_msg_get_str(&req, PA_F_USER, &f->req_user);
		(void)pa_msg_get_str(&req, PA_F_PIN, &f->req_pin);
		if (f->mode != FAKE_HANGUP &&
		    pa_msg_put_i32(&res, PA_F_STATUS, f->status) == PA_OK &&
		    pa_msg_put_str(&res, PA_F_MESSAGE, "hi") == PA_OK)
			(void)pa_proto_send(fd, &res, pa_proto_now_ms() + 5000);
	}
	pa_msg_clear(&req);
	pa_msg_clear(&res);
}

static void *
fake_main(void *arg)
{
	struct fake *f = arg;
	struct pollfd p;
	char b[256];
	int fd;

	p.fd = f->lfd;
	p.events = POLLIN;
	if (poll(&p, 1, 10000) != 1 ||
	    (fd = accept4(f->lfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
		return NULL;
	switch (f->mode) {
	case FAKE_SILENT:
		break;
	case FAKE_HELLO_SILENT:
		(void)fake_hello(fd, 1, 1, f->timeout_ms);
		break;
	case FAKE_HELLO_V2:
		(void)fake_hello(fd, 2, 2, f->timeout_ms);
		break;
	case FAKE_HELLO_V2_FIELD:
		(void)fake_hello(fd, 1, 2, f->timeout_ms);
		break;
	case FAKE_RESULT:
	case FAKE_HANGUP:
		if (fake_hello(fd, 1, 1, f->timeout_ms) == 0)
			fake_answer(f, fd, PA_MSG_RESULT);
		break;
	case FAKE_NOT_RESULT:
		if (fake_hello(fd, 1, 1, f->timeout_ms) == 0)
			fake_answer(f, fd, PA_MSG_HELLO);
		break;
	}
	/* Holds the connection until the client lets go of it. */
	if (f->mode != FAKE_HANGUP) {
		p.fd = fd;
		while (poll(&p, 1, 10000) == 1 && read(fd, b, sizeof(b)) > 0)
			;
	}
	close(fd);
	return NULL;
}

static int
listen_on(const char *path, int backlog)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		exit(99);
	memcpy(sun.sun_path, path, strlen(path) + 1);
	(void)unlink(path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
	    listen(fd, backlog) != 0)
		exit(99);
	return fd;
}

static void
fake_start(struct fake *f, const char *path, enum fake_mode mode,
    uint32_t timeout_ms)
{
	memset(f, 0, sizeof(*f));
	f->mode = mode;
	f->timeout_ms = timeout_ms;
	f->status = PA_ERR_REJECTED;
	f->lfd = listen_on(path, 8);
	if (pthread_create(&f->t, NULL, fake_main, f) != 0)
		exit(99);
}

static void
fake_stop(struct fake *f, const char *path)
{
	pthread_join(f->t, NULL);
	close(f->lfd);
	(void)unlink(path);
	free(f->req_user);
	free(f->req_pin);
}

/* One call as the PAM module makes it; *took in ms. */
static int
call(const char *path, struct pa_msg *resp, long long *took, char *why,
    size_t whylen)
{
	struct pa_msg req;
	long long t0;
	int r;

	pa_msg_init(&req, PA_MSG_AUTH);
	(void)pa_msg_put_str(&req, PA_F_USER, "alice");
	(void)pa_msg_put_str(&req, PA_F_PIN, "1234");
	why[0] = '\0';
	t0 = pa_proto_now_ms();
	r = pa_client_call(path, &req, resp, why, whylen);
	*took = pa_proto_now_ms() - t0;
	pa_msg_clear(&req);
	return r;
}

static void
test_client(const char *dir)
{
	struct pa_msg resp;
	struct fake f;
	char path[256], why[256], *msg = NULL;
	long long took;
	int r, fd, n;

	snprintf(path, sizeof(path), "%s/posauthd.sock", dir);

	/* (a) nothing listening */
	pa_msg_init(&resp, 0);
	r = call(path, &resp, &took, why, sizeof(why));
	ok(r == PA_ERR_UNREACHABLE && took < 500 && has(why, path) &&
	    has(why, "not running"), "test_client_no_socket_unreachable_fast");
	fd = listen_on(path, 1);
	close(fd);
	r = call(path, &resp, &took, why, sizeof(why));
	ok(r == PA_ERR_UNREACHABLE && took < 500 && has(why, path),
	    "test_client_stale_socket_unreachable_fast");
	(void)unlink(path);
	pa_msg_clear(&resp);

	/* (b) a service that accepts and never greets */
	fake_start(&f, path, FAKE_SILENT, 0);
	r = call(path, &resp, &took, why, sizeof(why));
	fake_stop(&f, path);
	ok(r == PA_ERR_UNREACHABLE && took >= PA_CLIENT_HELLO_MS - 100 &&
	    took < 3000 && has(why, "did not greet"),
	    "test_client_no_hello_gives_up_after_the_hello_wait");
	if (took < PA_CLIENT_HELLO_MS - 100 || took >= 3000)
		printf("#   took %lld ms\n", took);
	pa_msg_clear(&resp);

	/* (c) hello with 500 ms, then silence: 500 + 1000 ms at most */
	fake_start(&f, path, FAKE_HELLO_SILENT, 500);
	r = call(path, &resp, &took, why, sizeof(why));
	fake_stop(&f, path);
	ok(r == PA_ERR_UNREACHABLE && took >= 1400 && took < 3000 &&
	    has(why, "did not answer"),
	    "test_client_silent_after_hello_gives_up_after_timeout_plus_1s");
	if (took < 1400 || took >= 3000)
		printf("#   took %lld ms\n", took);
	pa_msg_clear(&resp);

	/* (d) another version, in the frame or in the hello's field */
	fake_start(&f, path, FAKE_HELLO_V2, 500);
	r = call(path, &resp, &took, why, sizeof(why));
	fake_stop(&f, path);
	ok(r == PA_ERR_BAD_RESPONSE && took < 1000 && has(why, "version 2"),
	    "test_client_refuses_hello_frame_of_version_2");
	pa_msg_clear(&resp);
	fake_start(&f, path, FAKE_HELLO_V2_FIELD, 500);
	r = call(path, &resp, &took, why, sizeof(why));
	fake_stop(&f, path);
	ok(r == PA_ERR_BAD_RESPONSE && took < 1000 &&
	    has(why, "another protocol (version 2)"),
	    "test_client_refuses_hello_saying_version_2");
	pa_msg_clear(&resp);

	/* (e) a proper answer */
	fake_start(&f, path, FAKE_RESULT, 2000);
	r = call(path, &resp, &took, why, sizeof(why));
	n = f.req_type == PA_MSG_AUTH && f.req_user != NULL &&
	    strcmp(f.req_user, "alice") == 0 && f.req_pin != NULL &&
	    strcmp(f.req_pin, "1234") == 0;
	fake_stop(&f, path);
	ok(r == PA_OK && resp.type == PA_MSG_RESULT &&
	    pa_client_status(&resp) == PA_ERR_REJECTED &&
	    pa_msg_get_str(&resp, PA_F_MESSAGE, &msg) == PA_OK &&
	    strcmp(msg, "hi") == 0, "test_client_reads_the_result");
	ok(n, "test_client_request_arrives_whole");
	free(msg);
	pa_msg_clear(&resp);
	pa_msg_init(&resp, PA_MSG_RESULT);
	ok(pa_client_status(&resp) == PA_ERR_BAD_RESPONSE,
	    "test_client_status_of_an_answer_without_one");
	pa_msg_clear(&resp);

	/* an answer that is not a RESULT, a service that hangs up */
	fake_start(&f, path, FAKE_NOT_RESULT, 2000);
	r = call(path, &resp, &took, why, sizeof(why));
	fake_stop(&f, path);
	ok(r == PA_ERR_BAD_RESPONSE && has(why, "message type 1"),
	    "test_client_refuses_an_answer_that_is_not_a_result");
	pa_msg_clear(&resp);
	fake_start(&f, path, FAKE_HANGUP, 2000);
	r = call(path, &resp, &took, why, sizeof(why));
	fake_stop(&f, path);
	ok(r == PA_ERR_UNREACHABLE && took < 1000 &&
	    has(why, "connection closed"),
	    "test_client_service_hanging_up_unreachable_fast");
	pa_msg_clear(&resp);
}

/*
 * A service whose listen queue is full: a connect to a Unix socket waits
 * for room (bounded by the send timeout) and then fails with EAGAIN, the
 * socket not connected. That is a busy service (unreachable), not a local
 * failure.
 */
static void
test_client_backlog_full(const char *dir)
{
	struct pa_msg resp;
	struct sockaddr_un sun;
	char path[256], why[256] = "";
	long long took = 0;
	int lfd, fds[64], n = 0, full = 0, r, i;

	snprintf(path, sizeof(path), "%s/busy.sock", dir);
	lfd = listen_on(path, 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	while (!full && n < 64) {
		if ((fds[n] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0)) < 0)
			exit(99);
		if (connect(fds[n], (struct sockaddr *)&sun, sizeof(sun)) != 0)
			full = errno == EAGAIN;
		n++;
	}
	pa_msg_init(&resp, 0);
	r = full ? call(path, &resp, &took, why, sizeof(why)) : PA_OK;
	/* It waits for room as long as for a hello, then gives up. */
	ok(full && r == PA_ERR_UNREACHABLE && took < PA_CLIENT_HELLO_MS + 1000 &&
	    has(why, "busy"),
	    "test_client_full_backlog_unreachable_not_system_error");
	if (r != PA_ERR_UNREACHABLE)
		printf("#   status %d (%s): %s\n", r, pa_strerror(r), why);
	pa_msg_clear(&resp);
	for (i = 0; i < n; i++)
		close(fds[i]);
	close(lfd);
	(void)unlink(path);
}

int
main(void)
{
	char dir[] = "/tmp/test_proto.XXXXXX";

	/* SIGPIPE as a PAM host may leave it: the send must not die of it. */
	signal(SIGPIPE, SIG_DFL);
	if (mkdtemp(dir) == NULL)
		return 99;
	test_round_trip();
	test_put_limits();
	test_check();
	test_next();
	test_recv_refuses();
	test_deadlines();
	test_largest_frame();
	test_clear_wipes();
	test_client(dir);
	test_client_backlog_full(dir);
	(void)rmdir(dir);
	return tap_done();
}
