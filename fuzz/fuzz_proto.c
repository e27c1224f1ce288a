/* SPDX-License-Identifier: MIT */
/*
 * The wire protocol (proto.h), which posauthd reads from any local user
 * and the PAM module reads from whatever answers on the socket. The first
 * input byte is the message type, the rest the payload:
 *
 *   pa_msg_check() must refuse it with a reason, or accept it; then
 *   every field, walked here with a decoder of our own, must read back
 *   the same through pa_msg_next / pa_msg_get_*; building the message
 *   again with pa_msg_put* must give the same bytes; and the frame must
 *   cross a socket through pa_proto_send / pa_proto_recv unchanged.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "fuzz.h"
#include "proto.h"

#define LAST_TAG	PA_F_LOGIND_SESSION
#define SOCKET_MAX	(16 * 1024)	/* one socketpair surely holds it */

static int sv[2] = { -1, -1 };

static uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* Every repeat of tag, in order, as pa_msg_next() gives them. */
static void
walk_tag(const struct pa_msg *m, const uint8_t *p, size_t len, uint16_t tag)
{
	const unsigned char *raw;
	size_t off, flen, pos = 0, rawlen, first = SIZE_MAX;
	uint32_t u;
	int32_t i;
	char *s;
	int r;

	for (off = 0; off < len; off += 4 + flen) {
		flen = be16(p + off + 2);
		if (be16(p + off) != tag)
			continue;
		if (first == SIZE_MAX)
			first = off;
		if (pa_msg_tag_is_number(tag))
			continue;
		FUZZ_CHECK(pa_msg_next(m, tag, &pos, &s) == PA_OK);
		FUZZ_CHECK(strlen(s) == flen &&
		    memcmp(s, p + off + 4, flen) == 0);
		FUZZ_CHECK(pos == off + 4 + flen);
		free(s);
	}
	if (first == SIZE_MAX) {
		FUZZ_CHECK(pa_msg_get_raw(m, tag, &raw, &rawlen) ==
		    PA_ERR_NOT_FOUND);
		FUZZ_CHECK(pa_msg_get_str(m, tag, &s) == PA_ERR_NOT_FOUND &&
		    s == NULL);
		return;
	}
	FUZZ_CHECK(pa_msg_get_raw(m, tag, &raw, &rawlen) == PA_OK);
	FUZZ_CHECK(raw == m->payload.d + first + 4 &&
	    rawlen == be16(p + first + 2));
	if (pa_msg_tag_is_number(tag)) {
		FUZZ_CHECK(pa_msg_get_u32(m, tag, &u) == PA_OK &&
		    u == be32(p + first + 4));
		FUZZ_CHECK(pa_msg_get_i32(m, tag, &i) == PA_OK &&
		    (uint32_t)i == u);
	} else {
		r = pa_msg_next(m, tag, &pos, &s);
		FUZZ_CHECK(r == PA_ERR_NOT_FOUND && s == NULL &&
		    pos == m->payload.len);
	}
}

/* The same fields put again, in order, give the same bytes. */
static void
rebuild(const struct pa_msg *m, const uint8_t *p, size_t len)
{
	struct pa_msg again;
	size_t off, flen;
	uint16_t tag;

	pa_msg_init(&again, m->type);
	for (off = 0; off < len; off += 4 + flen) {
		tag = be16(p + off);
		flen = be16(p + off + 2);
		if (pa_msg_tag_is_number(tag))
			FUZZ_CHECK(pa_msg_put_u32(&again, tag,
			    be32(p + off + 4)) == PA_OK);
		else
			FUZZ_CHECK(pa_msg_put(&again, tag, p + off + 4, flen) ==
			    PA_OK);
	}
	FUZZ_CHECK(again.payload.len == len &&
	    (len == 0 || memcmp(again.payload.d, p, len) == 0));
	pa_msg_clear(&again);
}

/* Through a socket and back: what was accepted is received the same. */
static void
cross(const struct pa_msg *m)
{
	struct pa_msg got;
	char why[128];

	if (m->payload.len > SOCKET_MAX)
		return;
	if (sv[0] < 0)
		FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
		    sv) == 0);
	pa_msg_init(&got, 0);
	FUZZ_CHECK(pa_proto_send(sv[0], m, pa_proto_now_ms() + 5000) ==
	    PA_OK);
	FUZZ_CHECK(pa_proto_recv(sv[1], &got, pa_proto_now_ms() + 5000, why,
	    sizeof(why)) == PA_OK);
	FUZZ_CHECK(got.type == m->type && got.payload.len == m->payload.len &&
	    (got.payload.len == 0 ||
	    memcmp(got.payload.d, m->payload.d, m->payload.len) == 0));
	pa_msg_clear(&got);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pa_msg m;
	const uint8_t *p;
	char why[128];
	size_t len;
	uint16_t tag;
	int r;

	if (size < 1)
		return 0;
	p = data + 1;
	len = size - 1;
	why[0] = '\0';
	r = pa_msg_check(data[0], len > 0 ? p : NULL, len, why, sizeof(why));
	if (r != PA_OK) {
		FUZZ_CHECK(r == PA_ERR_BAD_RESPONSE && why[0] != '\0');
		return 0;
	}
	pa_msg_init(&m, data[0]);
	if (len > PA_PROTO_MAX_PAYLOAD ||
	    (len > 0 && pa_buf_put(&m.payload, p, len) != PA_OK)) {
		pa_msg_clear(&m);
		return 0;
	}
	for (tag = 0; tag <= LAST_TAG + 1; tag++)
		walk_tag(&m, p, len, tag);
	rebuild(&m, p, len);
	cross(&m);
	pa_msg_clear(&m);
	return 0;
}
