/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "proto.h"

static void
put_be16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

static void
put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static uint16_t
get_be16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

void
pa_msg_init(struct pa_msg *m, uint8_t type)
{
	m->type = type;
	pa_buf_init(&m->payload, PA_PROTO_MAX_PAYLOAD);
}

void
pa_msg_clear(struct pa_msg *m)
{
	pa_buf_clear(&m->payload);
}


/* A field this side may write: what pa_msg_check() takes from the peer. */
static int
field_ok(uint16_t tag, const void *v, size_t len)
{
	if (tag == 0 || tag > PA_F_LAST)
		return 0;
	if (pa_msg_tag_is_number(tag))
		return len == 4;
	return len == 0 || memchr(v, '\0', len) == NULL;
}

int
pa_msg_put(struct pa_msg *m, uint16_t tag, const void *v, size_t len)
{
	unsigned char h[4];
	size_t mark = m->payload.len;
	int r;

	if (len > PA_PROTO_MAX_FIELD)
		return PA_ERR_TOO_LARGE;
	if (!field_ok(tag, v, len))
		return PA_ERR_ARG;
	put_be16(h, tag);
	put_be16(h + 2, (uint16_t)len);
	if ((r = pa_buf_put(&m->payload, h, sizeof(h))) != PA_OK)
		return r;
	if (len > 0 && (r = pa_buf_put(&m->payload, v, len)) != PA_OK) {
		/* The tag alone must not stay behind. */
		m->payload.len = mark;
		m->payload.d[mark] = '\0';
		return r;
	}
	return PA_OK;
}

int
pa_msg_put_str(struct pa_msg *m, uint16_t tag, const char *s)
{
	if (s == NULL)
		return PA_ERR_ARG;
	return pa_msg_put(m, tag, s, strlen(s));
}

int
pa_msg_put_u32(struct pa_msg *m, uint16_t tag, uint32_t v)
{
	unsigned char b[4];

	put_be32(b, v);
	return pa_msg_put(m, tag, b, sizeof(b));
}

int
pa_msg_put_i32(struct pa_msg *m, uint16_t tag, int32_t v)
{
	return pa_msg_put_u32(m, tag, (uint32_t)v);
}

/* The field after *pos whose tag is tag; *pos moves past it. */
static int
field_find(const struct pa_msg *m, uint16_t tag, size_t *pos,
    const unsigned char **v, size_t *len)
{
	const unsigned char *p = m->payload.d;
	size_t off = *pos, flen;

	while (p != NULL && off + 4 <= m->payload.len) {
		flen = get_be16(p + off + 2);
		if (flen > m->payload.len - off - 4)
			return PA_ERR_BAD_RESPONSE;	/* pa_msg_check's job */
		if (get_be16(p + off) == tag) {
			*v = p + off + 4;
			*len = flen;
			*pos = off + 4 + flen;
			return PA_OK;
		}
		off += 4 + flen;
	}
	*pos = m->payload.len;
	return PA_ERR_NOT_FOUND;
}

int
pa_msg_get_raw(const struct pa_msg *m, uint16_t tag,
    const unsigned char **v, size_t *len)
{
	size_t pos = 0;

	return field_find(m, tag, &pos, v, len);
}

static int
text_dup(const unsigned char *v, size_t len, char **out)
{
	if (memchr(v, '\0', len) != NULL)
		return PA_ERR_BAD_RESPONSE;
	if ((*out = malloc(len + 1)) == NULL)
		return PA_ERR_ALLOC;
	memcpy(*out, v, len);
	(*out)[len] = '\0';
	return PA_OK;
}

int
pa_msg_next(const struct pa_msg *m, uint16_t tag, size_t *pos, char **out)
{
	const unsigned char *v;
	size_t len;
	int r;

	*out = NULL;
	if ((r = field_find(m, tag, pos, &v, &len)) != PA_OK)
		return r;
	return text_dup(v, len, out);
}

int
pa_msg_get_str(const struct pa_msg *m, uint16_t tag, char **out)
{
	size_t pos = 0;

	return pa_msg_next(m, tag, &pos, out);
}

int
pa_msg_get_u32(const struct pa_msg *m, uint16_t tag, uint32_t *out)
{
	const unsigned char *v;
	size_t len;
	int r;

	if ((r = pa_msg_get_raw(m, tag, &v, &len)) != PA_OK)
		return r;
	if (len != 4)
		return PA_ERR_BAD_RESPONSE;
	*out = get_be32(v);
	return PA_OK;
}

int
pa_msg_get_i32(const struct pa_msg *m, uint16_t tag, int32_t *out)
{
	uint32_t u;
	int r;

	if ((r = pa_msg_get_u32(m, tag, &u)) == PA_OK)
		*out = (int32_t)u;
	return r;
}

static int
type_known(uint8_t type)
{
	return (type >= PA_MSG_HELLO && type <= PA_MSG_MFA_WAIT) ||
	    type == PA_MSG_RESULT;
}

int
pa_msg_tag_is_number(uint16_t tag)
{
	return tag == PA_F_STATUS || tag == PA_F_VERSION ||
	    tag == PA_F_TIMEOUT_MS || tag == PA_F_OFFLINE ||
	    tag == PA_F_FLAGS || tag == PA_F_EXIT || tag == PA_F_MFA ||
	    tag == PA_F_MFA_WAIT_MS;
}

static int
check_fail(char *why, size_t whylen, const char *text, unsigned long a)
{
	if (why != NULL && whylen > 0)
		snprintf(why, whylen, "%s %lu", text, a);
	return PA_ERR_BAD_RESPONSE;
}

int
pa_msg_check(uint8_t type, const unsigned char *p, size_t len, char *why,
    size_t whylen)
{
	size_t off = 0, flen;
	uint16_t tag;

	if (!type_known(type))
		return check_fail(why, whylen, "unknown message type", type);
	while (off < len) {
		if (len - off < 4)
			return check_fail(why, whylen,
			    "truncated field header at byte", off);
		tag = get_be16(p + off);
		flen = get_be16(p + off + 2);
		if (tag == 0 || tag > PA_F_LAST)
			return check_fail(why, whylen, "unknown field tag", tag);
		if (flen > len - off - 4)
			return check_fail(why, whylen,
			    "field runs past the frame, tag", tag);
		if (pa_msg_tag_is_number(tag) ? flen != 4 :
		    memchr(p + off + 4, '\0', flen) != NULL)
			return check_fail(why, whylen, "malformed value, tag",
			    tag);
		off += 4 + flen;
	}
	return PA_OK;
}

long long
pa_proto_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until fd is ready for events or the deadline passes. */
static int
wait_fd(int fd, short events, long long deadline_ms)
{
	struct pollfd pfd;
	long long left;
	int n;

	for (;;) {
		if ((left = deadline_ms - pa_proto_now_ms()) <= 0)
			return PA_ERR_UNREACHABLE;
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		n = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return PA_ERR_SYSTEM;
		if (n > 0)
			return PA_OK;
	}
}

static int
write_full(int fd, const unsigned char *p, size_t len, long long deadline)
{
	ssize_t n;
	int r;

	while (len > 0) {
		if ((r = wait_fd(fd, POLLOUT, deadline)) != PA_OK)
			return r;
		/* MSG_NOSIGNAL: a peer gone is a status, not a SIGPIPE. */
		n = send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return errno == EPIPE || errno == ECONNRESET ?
			    PA_ERR_UNREACHABLE : PA_ERR_SYSTEM;
		p += n;
		len -= (size_t)n;
	}
	return PA_OK;
}

int
pa_proto_send(int fd, const struct pa_msg *m, long long deadline_ms)
{
	unsigned char h[PA_PROTO_HEADER];
	int r;

	if (m->payload.len > PA_PROTO_MAX_PAYLOAD)
		return PA_ERR_TOO_LARGE;
	h[0] = PA_PROTO_VERSION;
	h[1] = m->type;
	h[2] = h[3] = 0;
	put_be32(h + 4, (uint32_t)m->payload.len);
	if ((r = write_full(fd, h, sizeof(h), deadline_ms)) != PA_OK)
		return r;
	return write_full(fd, m->payload.d, m->payload.len, deadline_ms);
}

static int
read_full(int fd, unsigned char *p, size_t len, long long deadline,
    int *eof)
{
	ssize_t n;
	int r;

	*eof = 0;
	while (len > 0) {
		if ((r = wait_fd(fd, POLLIN, deadline)) != PA_OK)
			return r;
		n = recv(fd, p, len, MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return errno == ECONNRESET ? PA_ERR_UNREACHABLE :
			    PA_ERR_SYSTEM;
		if (n == 0) {
			*eof = 1;
			return PA_ERR_UNREACHABLE;
		}
		p += n;
		len -= (size_t)n;
	}
	return PA_OK;
}

static void
say(char *why, size_t whylen, const char *text)
{
	if (why != NULL && whylen > 0)
		snprintf(why, whylen, "%s", text);
}

int
pa_proto_recv(int fd, struct pa_msg *m, long long deadline_ms, char *why,
    size_t whylen)
{
	unsigned char h[PA_PROTO_HEADER], *p;
	uint32_t len;
	int r, eof;

	if ((r = read_full(fd, h, sizeof(h), deadline_ms, &eof)) != PA_OK) {
		say(why, whylen, eof ? "connection closed" : r ==
		    PA_ERR_UNREACHABLE ? "no answer in time" : "read failed");
		return r;
	}
	if (h[0] != PA_PROTO_VERSION) {
		if (why != NULL && whylen > 0)
			snprintf(why, whylen, "protocol version %u, not %u",
			    (unsigned)h[0], (unsigned)PA_PROTO_VERSION);
		return PA_ERR_BAD_RESPONSE;
	}
	len = get_be32(h + 4);
	if (h[2] != 0 || h[3] != 0 || len > PA_PROTO_MAX_PAYLOAD) {
		say(why, whylen, "malformed frame header");
		return PA_ERR_BAD_RESPONSE;
	}
	pa_msg_clear(m);
	pa_msg_init(m, h[1]);
	if (len > 0) {
		if ((r = pa_buf_reserve(&m->payload, len, &p)) != PA_OK)
			return r;
		if ((r = read_full(fd, p, len, deadline_ms, &eof)) != PA_OK) {
			say(why, whylen, "frame cut short");
			return r;
		}
		pa_buf_commit(&m->payload, len);
	}
	return pa_msg_check(m->type, m->payload.d, m->payload.len, why,
	    whylen);
}
