/* SPDX-License-Identifier: MIT */
/*
 * The wire protocol between posauthd and its clients (the PAM module,
 * posauthctl) over a Unix stream socket. Small on purpose: the PAM client
 * links libc and libpam only, so nothing here needs a JSON parser.
 *
 * A frame is an 8-byte header and a payload:
 *   byte 0     version (PA_PROTO_VERSION)
 *   byte 1     message type (enum pa_msg_type)
 *   bytes 2-3  zero
 *   bytes 4-7  payload length, big-endian, at most PA_PROTO_MAX_PAYLOAD
 * The payload is a sequence of fields, each
 *   2 bytes tag (enum pa_field), big-endian
 *   2 bytes length, big-endian, at most PA_PROTO_MAX_FIELD
 *   the value: text (no NUL byte, printable expectations are the
 *   reader's), or a 4-byte big-endian number
 * A tag may repeat (lists: roles, environment lines). Anything else, a
 * field running past the payload, an unknown version or type, is a
 * malformed frame: the reader refuses it, and says why.
 *
 * One request and one answer per connection. On accept the service sends
 * PA_MSG_HELLO with its version and how long a request may take
 * (PA_F_TIMEOUT_MS), so a client can bound its wait before it asks.
 */
#ifndef POSAUTH_PROTO_H
#define POSAUTH_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define PA_PROTO_VERSION	1
#define PA_PROTO_HEADER		8
#define PA_PROTO_MAX_PAYLOAD	(256 * 1024)
#define PA_PROTO_MAX_FIELD	65535
#define PA_PROTO_DEFAULT_SOCKET	"/run/posauthd/posauthd.sock"

enum pa_msg_type {
	PA_MSG_HELLO = 1,		/* service: PA_F_VERSION, TIMEOUT_MS */
	PA_MSG_CHECK_USER = 2,		/* USER: may this name be prompted? */
	/*
	 * USER PIN SERVICE [RHOST TTY] [MFA]. Answered with LOGIN_ID and
	 * OFFLINE; or, when the PIN was right and the second factor is due,
	 * status PA_ERR_MFA_PENDING with MESSAGE (to show), MFA_ID and
	 * MFA_WAIT_MS, for MFA_WAIT.
	 */
	PA_MSG_AUTH = 3,
	PA_MSG_ACCOUNT = 4,		/* USER [LOGIN_ID] ALLOW_ROLE* DENY_ROLE* */
	PA_MSG_OPEN_SESSION = 5,	/* USER LOGIN_ID SERVICE ALLOW_ROLE*
					   DENY_ROLE* [LOGIND_SESSION] */
	PA_MSG_CLOSE_SESSION = 6,	/* USER SESSION_ID */
	PA_MSG_ADMIN = 7,		/* COMMAND ARG* FLAGS [CONFIG] [SUDO_USER] */
	/*
	 * After an AUTH answered PA_ERR_MFA_PENDING: USER MFA_ID. The answer
	 * comes when the person approved on their phone, denied, or the
	 * code expired: as AUTH's (LOGIN_ID, OFFLINE) or a denial. The
	 * client waits as long as AUTH's MFA_WAIT_MS said, not the hello's.
	 */
	PA_MSG_MFA_WAIT = 8,
	PA_MSG_RESULT = 64,		/* STATUS and what the request asked */
};

enum pa_field {
	PA_F_STATUS = 1,	/* number: a pa_status */
	PA_F_VERSION = 2,	/* number */
	PA_F_TIMEOUT_MS = 3,	/* number: the most a request may take */
	PA_F_USER = 4,
	PA_F_PIN = 5,		/* a secret: wiped wherever it is held */
	PA_F_SERVICE = 6,	/* the PAM service name, for logs */
	PA_F_RHOST = 7,
	PA_F_TTY = 8,
	PA_F_LOGIN_ID = 9,	/* an AUTH's handle for ACCOUNT and OPEN */
	PA_F_SESSION_ID = 10,	/* an OPEN's handle for CLOSE */
	PA_F_ALLOW_ROLE = 11,
	PA_F_DENY_ROLE = 12,
	PA_F_ENV = 13,		/* "NAME=value" for the PAM environment */
	PA_F_OFFLINE = 14,	/* number: 1 after an offline login */
	PA_F_MESSAGE = 15,	/* for the user's conversation */
	PA_F_COMMAND = 16,	/* posauthctl subcommand */
	PA_F_ARG = 17,		/* its operands, in order */
	PA_F_FLAGS = 18,	/* number: PA_ADMIN_* */
	PA_F_CONFIG = 19,	/* posauthctl's -c, checked by the service */
	PA_F_EXIT = 20,		/* number: posauthctl's exit code */
	PA_F_STDOUT = 21,	/* posauthctl's output */
	PA_F_STDERR = 22,	/* posauthctl's messages */
	PA_F_SUDO_USER = 23,	/* posauthctl's $SUDO_USER: a hint only */
	PA_F_LOGIND_SESSION = 24,	/* $XDG_SESSION_ID at open: what to
					   lock when the grant ends */
	PA_F_MFA = 25,		/* number: 1 when the module line says `mfa` */
	PA_F_MFA_ID = 26,	/* an AUTH's handle of the pending second
				   factor, for MFA_WAIT */
	PA_F_MFA_WAIT_MS = 27,	/* number: how long MFA_WAIT may take */
	PA_F_LAST = PA_F_MFA_WAIT_MS
};

/* 1 for the fields that carry a 4-byte number, 0 for text ones. */
int pa_msg_tag_is_number(uint16_t tag);

#define PA_ADMIN_JSON		0x1u
#define PA_ADMIN_ALL		0x2u
#define PA_ADMIN_VERBOSE	0x4u

/* A message being built or read. */
struct pa_msg {
	uint8_t type;
	struct pa_buf payload;		/* wiped when cleared: PINs pass */
};

void pa_msg_init(struct pa_msg *m, uint8_t type);
void pa_msg_clear(struct pa_msg *m);

/*
 * Append a field; PA_ERR_TOO_LARGE past the limits, PA_ERR_ARG for what
 * the peer would refuse: an unknown tag, text holding a NUL, a number
 * field not 4 bytes long.
 */
int pa_msg_put(struct pa_msg *m, uint16_t tag, const void *v, size_t len);
int pa_msg_put_str(struct pa_msg *m, uint16_t tag, const char *s);
int pa_msg_put_u32(struct pa_msg *m, uint16_t tag, uint32_t v);
int pa_msg_put_i32(struct pa_msg *m, uint16_t tag, int32_t v);

/*
 * Reading: every field was bounds-checked when the frame came in. Text
 * comes out as a malloc'ed C string (PA_ERR_NOT_FOUND when absent).
 * pa_msg_next() walks the repeats of a tag: *pos starts at 0.
 */
int pa_msg_get_str(const struct pa_msg *m, uint16_t tag, char **out);
int pa_msg_get_u32(const struct pa_msg *m, uint16_t tag, uint32_t *out);
int pa_msg_get_i32(const struct pa_msg *m, uint16_t tag, int32_t *out);
int pa_msg_next(const struct pa_msg *m, uint16_t tag, size_t *pos,
    char **out);
/* The raw value of the first field tag (a pointer into the message). */
int pa_msg_get_raw(const struct pa_msg *m, uint16_t tag,
    const unsigned char **v, size_t *len);

/*
 * Checks a whole payload of type: known type, fields inside, no NUL in
 * text, numbers 4 bytes long. PA_OK or PA_ERR_BAD_RESPONSE with why.
 */
int pa_msg_check(uint8_t type, const unsigned char *p, size_t len,
    char *why, size_t whylen);

/*
 * Socket I/O with an absolute deadline (CLOCK_MONOTONIC milliseconds,
 * pa_proto_now_ms()): PA_OK, PA_ERR_UNREACHABLE when the peer went away
 * or the deadline passed (*why says which), PA_ERR_BAD_RESPONSE for a
 * malformed frame or another version (*why says how), PA_ERR_SYSTEM.
 */
int pa_proto_send(int fd, const struct pa_msg *m, long long deadline_ms);
int pa_proto_recv(int fd, struct pa_msg *m, long long deadline_ms,
    char *why, size_t whylen);
long long pa_proto_now_ms(void);

#endif
