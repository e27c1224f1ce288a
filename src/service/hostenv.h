/* SPDX-License-Identifier: MIT */
/*
 * The process we run in is not ours: its environment belongs to whoever
 * called PAM, possibly an unprivileged user running a setuid program.
 * Libraries we use read that environment: libcurl opens SSLKEYLOGFILE
 * (for append, creating it 0644) when it initialises and then writes the
 * TLS secrets of every connection there; OpenSSL loads OPENSSL_CONF, which
 * can load providers and change defaults. pa_hostenv_init() makes sure
 * none of that steers us, once per process, before any of our crypto or
 * HTTP runs:
 *   - OpenSSL is initialised without loading any configuration file;
 *   - libcurl is initialised with SSLKEYLOGFILE hidden from it, and with
 *     allocators that wipe every buffer it frees (it copies the request
 *     body, which holds the PIN, and the Authorization header, which holds
 *     the client secret, into its own buffers);
 * and http.c pins everything else per request (no proxy, no netrc, CA
 * paths set explicitly, no key log callback on our TLS contexts).
 *
 * When the host process initialised OpenSSL or libcurl before us, their
 * settings are the host's own choice and stay; only the per-request
 * rules apply then. The posauthd service issue removes all of this from
 * PAM hosts; until then the module is linked -z nodelete, because libcurl
 * keeps pointers to our allocators for the life of the process.
 */
#ifndef POSAUTH_HOSTENV_H
#define POSAUTH_HOSTENV_H

/* PA_OK, or PA_ERR_INTERNAL / PA_ERR_ALLOC when a library cannot start. */
int pa_hostenv_init(void);

#endif
