/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "client.h"
#include "err.h"
#include "proto.h"

/*
 * A non-blocking connect on a Unix socket finishes at once or fails at
 * once (no service: ENOENT, ECONNREFUSED), which is what lets a PAM
 * client say "not running" within milliseconds.
 */
static int
client_connect(const char *path, int *fdp, char *why, size_t whylen)
{
	struct sockaddr_un sun;
	struct timeval tv = { PA_CLIENT_HELLO_MS / 1000,
	    (PA_CLIENT_HELLO_MS % 1000) * 1000 };
	int fd, e, flags;

	*fdp = -1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(why, whylen, "socket path too long");
		return PA_ERR_ARG;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		snprintf(why, whylen, "socket: %s", strerror(errno));
		return PA_ERR_SYSTEM;
	}
	/*
	 * A Unix connect waits while the service's queue is full, as long
	 * as the send timeout allows: the same bound as the hello.
	 */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0)
		goto system;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		e = errno;
		close(fd);
		if (e == EAGAIN || e == EINPROGRESS || e == ETIMEDOUT) {
			snprintf(why, whylen, "posauthd busy (%s: no room in "
			    "its queue)", path);
			return PA_ERR_UNREACHABLE;
		}
		snprintf(why, whylen, "posauthd not running (%s: %s)", path,
		    strerror(e));
		return e == EMFILE || e == ENFILE || e == ENOMEM ||
		    e == ENOBUFS ? PA_ERR_SYSTEM : PA_ERR_UNREACHABLE;
	}
	if ((flags = fcntl(fd, F_GETFL)) < 0 ||
	    fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0)
		goto system;
	*fdp = fd;
	return PA_OK;
 system:
	snprintf(why, whylen, "socket: %s", strerror(errno));
	close(fd);
	return PA_ERR_SYSTEM;
}

/* The hello: the service's version and how long it may take. */
static int
client_hello(int fd, long long start, unsigned rounds, long long *deadline,
    char *why, size_t whylen)
{
	struct pa_msg hello;
	char detail[128];
	uint32_t version = 0, timeout_ms = 0;
	int r;

	pa_msg_init(&hello, 0);
	r = pa_proto_recv(fd, &hello, start + PA_CLIENT_HELLO_MS, detail,
	    sizeof(detail));
	if (r != PA_OK) {
		snprintf(why, whylen, "posauthd did not greet: %s", detail);
		goto out;
	}
	r = PA_ERR_BAD_RESPONSE;
	if (hello.type != PA_MSG_HELLO ||
	    pa_msg_get_u32(&hello, PA_F_VERSION, &version) != PA_OK ||
	    version != PA_PROTO_VERSION ||
	    pa_msg_get_u32(&hello, PA_F_TIMEOUT_MS, &timeout_ms) != PA_OK) {
		snprintf(why, whylen, "posauthd speaks another protocol "
		    "(version %u)", version);
		goto out;
	}
	if (timeout_ms > (PA_CLIENT_MAX_MS - PA_CLIENT_SLACK_MS) / rounds)
		timeout_ms = (PA_CLIENT_MAX_MS - PA_CLIENT_SLACK_MS) / rounds;
	*deadline = start + (long long)timeout_ms * rounds + PA_CLIENT_SLACK_MS;
	r = PA_OK;
 out:
	pa_msg_clear(&hello);
	return r;
}

int
pa_client_call(const char *socket_path, const struct pa_msg *req,
    struct pa_msg *resp, char *why, size_t whylen)
{
	return pa_client_call_rounds(socket_path, req, resp, 1, why, whylen);
}

/* wait_ms 0: the hello's timeout times rounds bounds the answer. */
static int
client_call(const char *socket_path, const struct pa_msg *req,
    struct pa_msg *resp, unsigned rounds, unsigned long wait_ms, char *why,
    size_t whylen)
{
	long long start = pa_proto_now_ms(), deadline = 0;
	char detail[128];
	int fd = -1, r;

	pa_msg_init(resp, 0);
	if ((r = client_connect(socket_path, &fd, why, whylen)) != PA_OK ||
	    (r = client_hello(fd, start, rounds ? rounds : 1, &deadline, why,
	    whylen)) != PA_OK)
		goto out;
	if (wait_ms > 0) {
		if (wait_ms > PA_CLIENT_WAIT_MAX_MS)
			wait_ms = PA_CLIENT_WAIT_MAX_MS;
		deadline = start + (long long)wait_ms + PA_CLIENT_SLACK_MS;
	}
	if ((r = pa_proto_send(fd, req, deadline)) != PA_OK) {
		snprintf(why, whylen, "posauthd took no request");
		goto out;
	}
	if ((r = pa_proto_recv(fd, resp, deadline, detail,
	    sizeof(detail))) != PA_OK) {
		snprintf(why, whylen, "posauthd did not answer: %s", detail);
		goto out;
	}
	if (resp->type != PA_MSG_RESULT) {
		snprintf(why, whylen, "posauthd answered with message type %u",
		    resp->type);
		r = PA_ERR_BAD_RESPONSE;
	}
 out:
	if (fd >= 0)
		close(fd);
	return r;
}

int
pa_client_call_rounds(const char *socket_path, const struct pa_msg *req,
    struct pa_msg *resp, unsigned rounds, char *why, size_t whylen)
{
	return client_call(socket_path, req, resp, rounds, 0, why, whylen);
}

int
pa_client_call_wait(const char *socket_path, const struct pa_msg *req,
    struct pa_msg *resp, unsigned long wait_ms, char *why, size_t whylen)
{
	return client_call(socket_path, req, resp, 1, wait_ms ? wait_ms : 1,
	    why, whylen);
}

int
pa_client_status(const struct pa_msg *resp)
{
	int32_t s;

	if (pa_msg_get_i32(resp, PA_F_STATUS, &s) != PA_OK)
		return PA_ERR_BAD_RESPONSE;
	return (int)s;
}
