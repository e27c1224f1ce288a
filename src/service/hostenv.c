/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/ssl.h>

#include "err.h"
#include "hostenv.h"

static pthread_once_t hostenv_once = PTHREAD_ONCE_INIT;
static int hostenv_status = PA_ERR_INTERNAL;

/* ---- libcurl's allocators: freed memory is wiped first ---- */

static void
wipe_free(void *p)
{
	if (p == NULL)
		return;
	OPENSSL_cleanse(p, malloc_usable_size(p));
	free(p);
}

static void *
wipe_malloc(size_t n)
{
	return malloc(n);
}

static void *
wipe_calloc(size_t n, size_t size)
{
	return calloc(n, size);
}

/* Never realloc() in place: a moved block would leave its old copy. */
static void *
wipe_realloc(void *p, size_t n)
{
	size_t old;
	void *np;

	if (p == NULL)
		return malloc(n);
	old = malloc_usable_size(p);
	if (n != 0 && n <= old)
		return p;
	if ((np = malloc(n != 0 ? n : 1)) == NULL)
		return NULL;
	memcpy(np, p, n < old ? n : old);
	wipe_free(p);
	return np;
}

static char *
wipe_strdup(const char *s)
{
	return strdup(s);
}

/*
 * libcurl reads SSLKEYLOGFILE once, in its global initialisation, and
 * keeps the file open. The variable is hidden for that one call and put
 * back: the environment is the caller's and must end as it began.
 */
static int
curl_init_hidden_keylog(void)
{
	const char *v = getenv("SSLKEYLOGFILE");
	char *saved = NULL;
	CURLcode e;

	if (v != NULL) {
		if ((saved = strdup(v)) == NULL)
			return PA_ERR_ALLOC;
		unsetenv("SSLKEYLOGFILE");
	}
	e = curl_global_init_mem(CURL_GLOBAL_DEFAULT, wipe_malloc, wipe_free,
	    wipe_realloc, wipe_strdup, wipe_calloc);
	if (saved != NULL) {
		setenv("SSLKEYLOGFILE", saved, 1);
		free(saved);
	}
	return e == CURLE_OK ? PA_OK : PA_ERR_INTERNAL;
}

static void
hostenv_run(void)
{
	/*
	 * OPENSSL_INIT_NO_LOAD_CONFIG marks configuration as loaded (with
	 * none), so libcurl's later request to load it changes nothing.
	 */
	if (OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL) != 1 ||
	    OPENSSL_init_ssl(OPENSSL_INIT_NO_LOAD_CONFIG, NULL) != 1) {
		hostenv_status = PA_ERR_INTERNAL;
		return;
	}
	hostenv_status = curl_init_hidden_keylog();
}

int
pa_hostenv_init(void)
{
	if (pthread_once(&hostenv_once, hostenv_run) != 0)
		return PA_ERR_INTERNAL;
	return hostenv_status;
}
