/* SPDX-License-Identifier: MIT */
/*
 * Asking posauthd one question (proto.h), as the PAM module and posauthctl
 * do: connect, read the service's hello, send the request, read the answer
 * before a deadline the hello sets. libc only.
 */
#ifndef POSAUTH_PROTO_CLIENT_H
#define POSAUTH_PROTO_CLIENT_H

#include <stddef.h>

#include "proto.h"

/*
 * How long the hello may take: the service sends it as it accepts, before
 * any work. Also the most a client waits on a service that hangs before
 * saying how long it may take (never more than timeout + 1 s, timeout >= 1).
 */
#define PA_CLIENT_HELLO_MS	2000
/* What a request may take beyond the service's own timeout. */
#define PA_CLIENT_SLACK_MS	1000
/* The most any answer is waited for, whatever the hello says. */
#define PA_CLIENT_MAX_MS	(310 * 1000)

/*
 * Sends req to the service at socket_path and reads its answer into resp
 * (initialised here; clear it after). The wait is bounded by the timeout
 * the hello announces plus PA_CLIENT_SLACK_MS, counted from the connect.
 * PA_OK with resp of type PA_MSG_RESULT; PA_ERR_UNREACHABLE when the
 * service is not running or did not answer in time, PA_ERR_BAD_RESPONSE
 * for an answer that is not the protocol, PA_ERR_SYSTEM; why says which.
 */
int pa_client_call(const char *socket_path, const struct pa_msg *req,
    struct pa_msg *resp, char *why, size_t whylen);

/*
 * The same for a request that may take several of the service's timeouts
 * (posauthctl's: waiting for another admin command, then several
 * requests to the token service).
 */
int pa_client_call_rounds(const char *socket_path, const struct pa_msg *req,
    struct pa_msg *resp, unsigned rounds, char *why, size_t whylen);

/*
 * The same for a request the service said may take wait_ms (MFA_WAIT:
 * the person approves on their phone): the hello's timeout does not
 * bound it, wait_ms does, capped at PA_CLIENT_WAIT_MAX_MS.
 */
#define PA_CLIENT_WAIT_MAX_MS	(20 * 60 * 1000)
int pa_client_call_wait(const char *socket_path, const struct pa_msg *req,
    struct pa_msg *resp, unsigned long wait_ms, char *why, size_t whylen);

/* The status the service put in resp (PA_ERR_BAD_RESPONSE without one). */
int pa_client_status(const struct pa_msg *resp);

#endif
