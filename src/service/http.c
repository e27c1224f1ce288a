/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <strings.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "buf.h"
#include "clientauth.h"
#include "conf.h"
#include "devkey.h"
#include "dpop.h"
#include "err.h"
#include "fileio.h"
#include "hostenv.h"
#include "http.h"
#include "jwkpub.h"
#include "secret.h"

/* A client certificate chain or key in PEM. */
#define HTTP_PEM_MAX (64 * 1024)

struct pa_http {
	CURL *curl;
	struct pa_http_opts opts;
	char errbuf[CURL_ERROR_SIZE];
	/* receive state for the running request */
	struct pa_buf body;
	int oversize;
	int local_failure;	/* we, not the network, stopped the transfer */
	long long deadline_ms;	/* CLOCK_MONOTONIC; 0: no budget */
	/* how the client authenticates; pa_http_new() alone: Basic */
	enum pa_client_auth auth;
	EVP_PKEY *key;		/* the device key: assertions, DPoP proofs */
	int dpop;		/* token requests carry a DPoP proof */
	char *audience;		/* of assertions: the token endpoint */
	struct pa_buf cert, key_pem;	/* tls_client_auth, read and checked */
};

static size_t
http_write_cb(char *data, size_t size, size_t nmemb, void *arg)
{
	struct pa_http *h = arg;
	size_t n = size * nmemb;
	int r;

	if (size != 0 && n / size != nmemb)
		return 0;
	/* Stop reading as soon as the cap is passed: memory stays bounded. */
	if ((r = pa_buf_put(&h->body, data, n)) != PA_OK) {
		if (r == PA_ERR_TOO_LARGE)
			h->oversize = 1;
		else
			h->local_failure = 1;
		return 0;
	}
	return n;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A request's own limit, cut to what is left of the handle's budget. */
static long
left_ms(const struct pa_http *h, long limit_s)
{
	long long left, limit = (long long)limit_s * 1000;

	if (h->deadline_ms == 0)
		return (long)limit;
	left = h->deadline_ms - now_ms();
	if (left < 1)
		left = 1;
	return (long)(left < limit || limit <= 0 ? left : limit);
}

/*
 * A long-lived process (posauthd) keeps connections to the token service
 * open between requests: one connection cache, TLS sessions and DNS
 * answers shared by every handle, so a login is one request on an open
 * connection. libcurl asks for the locks; one mutex per kind of data.
 */
static CURLSH *share;
static pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];

static void
share_lock(CURL *c, curl_lock_data data, curl_lock_access access, void *arg)
{
	(void)c;
	(void)access;
	(void)arg;
	if ((unsigned)data < CURL_LOCK_DATA_LAST)
		pthread_mutex_lock(&share_locks[data]);
}

static void
share_unlock(CURL *c, curl_lock_data data, void *arg)
{
	(void)c;
	(void)arg;
	if ((unsigned)data < CURL_LOCK_DATA_LAST)
		pthread_mutex_unlock(&share_locks[data]);
}

int
pa_http_keep_connections(void)
{
	CURLSH *sh;
	CURLSHcode e = CURLSHE_OK;
	int i, r;

	if (share != NULL)
		return PA_OK;
	if ((r = pa_hostenv_init()) != PA_OK)
		return r;
	for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&share_locks[i], NULL);
	if ((sh = curl_share_init()) == NULL)
		return PA_ERR_ALLOC;
	e = curl_share_setopt(sh, CURLSHOPT_LOCKFUNC, share_lock);
	if (e == CURLSHE_OK)
		e = curl_share_setopt(sh, CURLSHOPT_UNLOCKFUNC, share_unlock);
	if (e == CURLSHE_OK)
		e = curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
	if (e == CURLSHE_OK)
		e = curl_share_setopt(sh, CURLSHOPT_SHARE,
		    CURL_LOCK_DATA_SSL_SESSION);
	if (e == CURLSHE_OK)
		e = curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	if (e != CURLSHE_OK) {
		curl_share_cleanup(sh);
		return PA_ERR_INTERNAL;
	}
	share = sh;
	return PA_OK;
}

int
pa_http_new(const struct pa_http_opts *opts, struct pa_http **out)
{
	struct pa_http *h;
	int r;

	*out = NULL;
	if (opts->max_response == 0 || opts->max_response > 256u * 1024 * 1024)
		return PA_ERR_ARG;
	/* Before libcurl starts: it must not see the caller's environment. */
	if ((r = pa_hostenv_init()) != PA_OK)
		return r;
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return PA_ERR_ALLOC;
	h->opts = *opts;
	if (opts->budget > 0)
		h->deadline_ms = now_ms() + opts->budget * 1000LL;
	pa_buf_init(&h->body, opts->max_response);
	pa_buf_init(&h->cert, HTTP_PEM_MAX);
	pa_buf_init(&h->key_pem, HTTP_PEM_MAX);
	if ((h->curl = curl_easy_init()) == NULL) {
		free(h);
		return PA_ERR_ALLOC;
	}
	*out = h;
	return PA_OK;
}

/*
 * tls_client_auth's certificate and key, read here and handed to libcurl
 * as blobs: the key is checked like the client secret (root's, no group
 * or other access) and never read again by path, so it cannot be swapped
 * between the check and its use.
 */
static int
http_client_cert(struct pa_http *h, const struct pa_conf *conf)
{
	int r;

	if ((r = pa_read_file_at(AT_FDCWD, conf->client_cert_file,
	    &pa_policy_owner_writes, HTTP_PEM_MAX, &h->cert)) != PA_OK ||
	    (r = pa_read_file_at(AT_FDCWD, conf->client_key_file,
	    &pa_policy_private, HTTP_PEM_MAX, &h->key_pem)) != PA_OK)
		return r == PA_ERR_ALLOC ? r : PA_ERR_SECRET_FILE;
	return PA_OK;
}

/*
 * The configuration's client authentication. The device key is loaded
 * only when something signs with it: a terminal on client secrets needs
 * none. Until discovery names the token endpoint, assertions are for the
 * issuer, which RFC 7523 §3 and the providers we know accept as well.
 */
static int
http_client_from(struct pa_http *h, const struct pa_conf *conf)
{
	int r;

	h->auth = conf->client_auth;
	h->dpop = conf->dpop;
	if ((h->auth == PA_CLIENT_PRIVATE_KEY_JWT || h->dpop) &&
	    (r = pa_devkey_get(conf, &h->key)) != PA_OK)
		return r;
	if ((h->audience = strdup(conf->issuer)) == NULL)
		return PA_ERR_ALLOC;
	if (h->auth == PA_CLIENT_TLS)
		return http_client_cert(h, conf);
	return PA_OK;
}

int
pa_http_new_for(const struct pa_conf *conf, struct pa_http **out)
{
	struct pa_http_opts o;
	int r;

	memset(&o, 0, sizeof(o));
	o.ca_file = conf->ca_file;
	o.connect_timeout = conf->connect_timeout;
	o.timeout = conf->timeout;
	o.budget = conf->timeout;
	o.max_response = conf->max_response_bytes;
	if ((r = pa_http_new(&o, out)) != PA_OK)
		return r;
	if ((r = http_client_from(*out, conf)) != PA_OK) {
		pa_http_free(*out);
		*out = NULL;
	}
	return r;
}

int
pa_http_set_audience(struct pa_http *h, const char *token_endpoint)
{
	char *a;

	if ((a = strdup(token_endpoint)) == NULL)
		return PA_ERR_ALLOC;
	free(h->audience);
	h->audience = a;
	return PA_OK;
}

int
pa_http_dpop_jkt(const struct pa_http *h, char out[PA_JKT_LEN])
{
	out[0] = '\0';
	if (!h->dpop || h->key == NULL)
		return PA_ERR_NOT_FOUND;
	return pa_jwk_thumbprint(h->key, out);
}

void
pa_http_free(struct pa_http *h)
{
	if (h == NULL)
		return;
	if (h->curl != NULL)
		curl_easy_cleanup(h->curl);
	pa_buf_clear(&h->body);
	EVP_PKEY_free(h->key);
	free(h->audience);
	pa_buf_clear(&h->cert);
	pa_buf_clear(&h->key_pem);
	free(h);
}

const char *
pa_http_error(const struct pa_http *h)
{
	return h->errbuf;
}

void
pa_http_resp_clear(struct pa_http_resp *resp)
{
	if (resp == NULL)
		return;
	pa_freezero(resp->body, resp->len + 1);
	memset(resp, 0, sizeof(*resp));
}

/*
 * A host process that started libcurl itself with SSLKEYLOGFILE set has a
 * key log open; our connections never write to it.
 */
static CURLcode
http_ssl_ctx(CURL *curl, void *ssl_ctx, void *arg)
{
	(void)curl;
	(void)arg;
	SSL_CTX_set_keylog_callback(ssl_ctx, NULL);
	return CURLE_OK;
}

static int
http_setup(struct pa_http *h, const char *url)
{
	CURL *c = h->curl;
	CURLcode e = CURLE_OK;

	curl_easy_reset(c);
	h->errbuf[0] = '\0';
	pa_buf_clear(&h->body);
	h->oversize = 0;
	h->local_failure = 0;

#define SET(opt, val) do { if (e == CURLE_OK) e = curl_easy_setopt(c, opt, val); } while (0)
	SET(CURLOPT_URL, url);
	SET(CURLOPT_ERRORBUFFER, h->errbuf);
	/* Only https, for the first request and any the server asks for. */
	SET(CURLOPT_PROTOCOLS_STR, "https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "https");
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	SET(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	/*
	 * ca_file pins the service to the shop's own anchors: the only ones
	 * trusted, and no 140-certificate system bundle parsed per login.
	 * Without it the system store is named explicitly too, so OpenSSL
	 * never falls back to SSL_CERT_FILE / SSL_CERT_DIR of the caller.
	 */
	if (h->opts.ca_file != NULL) {
		SET(CURLOPT_CAINFO, h->opts.ca_file);
		SET(CURLOPT_CAPATH, NULL);
	} else {
		SET(CURLOPT_CAINFO, PA_SYSTEM_CA_FILE);
		SET(CURLOPT_CAPATH, PA_SYSTEM_CA_DIR);
	}
	SET(CURLOPT_SSL_CTX_FUNCTION, http_ssl_ctx);
	/* No SIGALRM: PAM modules live inside other people's processes. */
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_CONNECTTIMEOUT_MS, left_ms(h, h->opts.connect_timeout));
	SET(CURLOPT_TIMEOUT_MS, left_ms(h, h->opts.timeout));
	SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)h->opts.max_response);
	SET(CURLOPT_WRITEFUNCTION, http_write_cb);
	SET(CURLOPT_WRITEDATA, h);
	/*
	 * Proxies come from the config, not from the caller's environment:
	 * "" disables https_proxy, ALL_PROXY and the rest (CURLOPT_PROXY(3)).
	 */
	SET(CURLOPT_PROXY, "");
	SET(CURLOPT_NOPROXY, "*");
	SET(CURLOPT_NETRC, (long)CURL_NETRC_IGNORED);
	SET(CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION);
	SET(CURLOPT_ACCEPT_ENCODING, NULL);
	if (share != NULL)
		SET(CURLOPT_SHARE, share);
	/* RFC 8705 §2: the certificate is the credential; libcurl reads the
	 * key file itself (root's, like the client secret). */
	if (h->auth == PA_CLIENT_TLS) {
		struct curl_blob cert = { h->cert.d, h->cert.len,
		    CURL_BLOB_COPY };
		struct curl_blob key = { h->key_pem.d, h->key_pem.len,
		    CURL_BLOB_COPY };

		SET(CURLOPT_SSLCERT_BLOB, &cert);
		SET(CURLOPT_SSLCERTTYPE, "PEM");
		SET(CURLOPT_SSLKEY_BLOB, &key);
		SET(CURLOPT_SSLKEYTYPE, "PEM");
	}
#undef SET
	return e == CURLE_OK ? PA_OK : PA_ERR_INTERNAL;
}

/*
 * Only a network or a service that did not answer is "unreachable", the
 * one failure that opens offline grace. Our own failures (memory, the CA
 * file, descriptors a caller's resource limits took away) are local: a
 * caller must never be able to push a login onto the offline path, where
 * a cached verifier may still know a PIN the service has since refused,
 * by starving the process it runs the module in.
 */
static int
http_failure_status(struct pa_http *h, CURLcode e)
{
	long oserr = 0;

	if (h->local_failure || e == CURLE_OUT_OF_MEMORY)
		return PA_ERR_ALLOC;
	if (curl_easy_getinfo(h->curl, CURLINFO_OS_ERRNO, &oserr) ==
	    CURLE_OK && (oserr == EMFILE || oserr == ENFILE ||
	    oserr == ENOMEM || oserr == ENOBUFS))
		return PA_ERR_SYSTEM;
	switch (e) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return PA_ERR_UNREACHABLE;
	default:
		return PA_ERR_SYSTEM;
	}
}

static int
http_perform(struct pa_http *h, struct pa_http_resp *resp)
{
	CURLcode e;
	char *ct = NULL;

	memset(resp, 0, sizeof(*resp));
	if (h->deadline_ms != 0 && now_ms() >= h->deadline_ms) {
		snprintf(h->errbuf, sizeof(h->errbuf), "no answer within "
		    "timeout (%ld s) for the whole login", h->opts.budget);
		return PA_ERR_UNREACHABLE;
	}
	e = curl_easy_perform(h->curl);
	if (h->oversize || e == CURLE_FILESIZE_EXCEEDED) {
		snprintf(h->errbuf, sizeof(h->errbuf),
		    "response larger than %zu bytes", h->opts.max_response);
		return PA_ERR_BAD_RESPONSE;
	}
	if (e != CURLE_OK) {
		if (h->errbuf[0] == '\0')
			snprintf(h->errbuf, sizeof(h->errbuf), "%s",
			    curl_easy_strerror(e));
		return http_failure_status(h, e);
	}
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &resp->status);
	if (curl_easy_getinfo(h->curl, CURLINFO_CONTENT_TYPE, &ct) ==
	    CURLE_OK && ct != NULL)
		snprintf(resp->content_type, sizeof(resp->content_type),
		    "%s", ct);
	if ((resp->body = pa_buf_steal(&h->body, &resp->len)) == NULL)
		return PA_ERR_ALLOC;
	return PA_OK;
}

int
pa_http_get(struct pa_http *h, const char *url, struct pa_http_resp *resp)
{
	int r;

	if ((r = http_setup(h, url)) != PA_OK)
		return r;
	if (curl_easy_setopt(h->curl, CURLOPT_HTTPGET, 1L) != CURLE_OK)
		return PA_ERR_INTERNAL;
	return http_perform(h, resp);
}

/*
 * "Authorization: Basic base64(urlencode(id) ":" urlencode(secret))", as
 * RFC 6749 section 2.3.1 says; every copy of the secret is wiped.
 */
static int
http_basic_header(CURL *c, const char *id, const char *secret,
    struct pa_buf *hdr)
{
	char *eid = NULL, *esec = NULL;
	struct pa_buf joined;
	unsigned char *out;
	size_t blen;
	int r = PA_ERR_ALLOC;

	pa_buf_init(&joined, 3 * 8192);
	if ((eid = curl_easy_escape(c, id, 0)) == NULL ||
	    (esec = curl_easy_escape(c, secret, 0)) == NULL)
		goto out;
	if ((r = pa_buf_printf(&joined, "%s:%s", eid, esec)) != PA_OK ||
	    (r = pa_buf_puts(hdr, "Authorization: Basic ")) != PA_OK)
		goto out;
	blen = 4 * ((joined.len + 2) / 3);
	if ((r = pa_buf_reserve(hdr, blen, &out)) != PA_OK)
		goto out;
	EVP_EncodeBlock(out, joined.d, (int)joined.len);
	pa_buf_commit(hdr, blen);
 out:
	if (esec != NULL) {
		OPENSSL_cleanse(esec, strlen(esec));
		curl_free(esec);
	}
	curl_free(eid);
	pa_buf_clear(&joined);
	return r;
}

/* Appends a header line; the list is freed (and wiped) by the caller. */
static int
http_add_header(struct curl_slist **hdrs, const char *line)
{
	struct curl_slist *tmp;

	if ((tmp = curl_slist_append(*hdrs, line)) == NULL)
		return PA_ERR_ALLOC;
	*hdrs = tmp;
	return PA_OK;
}

/*
 * The credentials that go in the body: an assertion (RFC 7523 §2.2) or,
 * for tls_client_auth, client_id alone (RFC 8705 §2). A new assertion for
 * every request: its jti may be used once.
 */
static int
http_auth_form(struct pa_http *h, const char *client_id,
    const struct pa_buf *form, struct pa_buf *body)
{
	char *assertion = NULL;
	int r;

	if ((r = pa_buf_put(body, form->d, form->len)) != PA_OK)
		return r;
	if (h->auth == PA_CLIENT_SECRET_BASIC)
		return PA_OK;
	if (h->auth == PA_CLIENT_PRIVATE_KEY_JWT) {
		if ((r = pa_client_assertion(h->key, client_id, h->audience,
		    (long long)time(NULL), &assertion)) != PA_OK)
			return r;
		if ((r = pa_form_add(body, "client_assertion_type",
		    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")) ==
		    PA_OK)
			r = pa_form_add(body, "client_assertion", assertion);
		pa_strfreezero(assertion);
		if (r != PA_OK)
			return r;
	}
	return pa_form_add(body, "client_id", client_id);
}

/* "DPoP: <proof>" for a POST to url, with the last nonce we were given. */
static int
http_dpop_header(struct pa_http *h, const char *url, struct pa_buf *hdr)
{
	char nonce[PA_DPOP_NONCE_MAX], *proof = NULL;
	int r;

	pa_dpop_nonce_get(nonce);
	if ((r = pa_dpop_proof(h->key, "POST", url, nonce, NULL,
	    (long long)time(NULL), &proof)) != PA_OK)
		return r;
	r = pa_buf_printf(hdr, "DPoP: %s", proof);
	free(proof);
	return r;
}

static int
http_headers(struct pa_http *h, const char *url, const char *client_id,
    const char *client_secret, int dpop, struct curl_slist **hdrs)
{
	struct pa_buf line;
	int r;

	pa_buf_init(&line, 4 * 8192);
	if (h->auth == PA_CLIENT_SECRET_BASIC) {
		if (client_secret == NULL) {
			r = PA_ERR_SECRET_FILE;
			goto out;
		}
		if ((r = http_basic_header(h->curl, client_id, client_secret,
		    &line)) != PA_OK ||
		    (r = http_add_header(hdrs, pa_buf_str(&line))) != PA_OK)
			goto out;
		pa_buf_clear(&line);
	}
	if (dpop && ((r = http_dpop_header(h, url, &line)) != PA_OK ||
	    (r = http_add_header(hdrs, pa_buf_str(&line))) != PA_OK))
		goto out;
	if ((r = http_add_header(hdrs, "Content-Type: "
	    "application/x-www-form-urlencoded")) == PA_OK)
		r = http_add_header(hdrs, "Accept: application/json");
 out:
	pa_buf_clear(&line);
	return r;
}

/* RFC 9449 §8.2: every answer may carry the nonce to use next. */
static void
http_note_nonce(struct pa_http *h)
{
	struct curl_header *hdr = NULL;

	if (curl_easy_header(h->curl, "DPoP-Nonce", 0, CURLH_HEADER, -1,
	    &hdr) == CURLHE_OK && hdr != NULL && hdr->value != NULL)
		pa_dpop_nonce_set(hdr->value);
}

static int
http_post_once(struct pa_http *h, const char *url, const char *client_id,
    const char *client_secret, const struct pa_buf *form, int dpop,
    struct pa_http_resp *resp)
{
	struct curl_slist *hdrs = NULL, *n;
	struct pa_buf body;
	int r;

	pa_buf_init(&body, PA_FORM_MAX + 16 * 1024);
	if ((r = http_setup(h, url)) != PA_OK)
		goto out;
	if ((r = http_auth_form(h, client_id, form, &body)) != PA_OK ||
	    (r = http_headers(h, url, client_id, client_secret, dpop,
	    &hdrs)) != PA_OK)
		goto out;
	r = PA_ERR_INTERNAL;
	/*
	 * setopt does not copy the body, but libcurl copies a small one into
	 * its request buffer; hostenv.c's allocators wipe that when freed.
	 */
	if (curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, hdrs) != CURLE_OK ||
	    curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)body.len) != CURLE_OK ||
	    curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS,
	    pa_buf_str(&body)) != CURLE_OK)
		goto out;
	r = http_perform(h, resp);
	if (r == PA_OK && h->key != NULL)
		http_note_nonce(h);
 out:
	if (h->curl != NULL) {
		curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, NULL);
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, NULL);
	}
	for (n = hdrs; n != NULL; n = n->next)
		OPENSSL_cleanse(n->data, strlen(n->data));
	curl_slist_free_all(hdrs);
	pa_buf_clear(&body);
	return r;
}

/*
 * With DPoP, a service that wants a nonce (RFC 9449 §8) refuses the first
 * proof without it and names it in DPoP-Nonce: one more try, with a new
 * proof (and assertion: a jti is used once) carrying it. Only once, so a
 * service that keeps changing its nonce cannot keep us busy.
 */
static int
http_post(struct pa_http *h, const char *url, const char *client_id,
    const char *client_secret, const struct pa_buf *form, int dpop,
    struct pa_http_resp *resp)
{
	int r;

	r = http_post_once(h, url, client_id, client_secret, form, dpop,
	    resp);
	if (r != PA_OK || !dpop ||
	    !pa_dpop_nonce_demanded(resp->status, resp->body, resp->len))
		return r;
	pa_http_resp_clear(resp);
	return http_post_once(h, url, client_id, client_secret, form, dpop,
	    resp);
}

int
pa_http_post_form(struct pa_http *h, const char *url,
    const char *client_id, const char *client_secret,
    const struct pa_buf *form, struct pa_http_resp *resp)
{
	return http_post(h, url, client_id, client_secret, form, 0, resp);
}

int
pa_http_post_token(struct pa_http *h, const char *url,
    const char *client_id, const char *client_secret,
    const struct pa_buf *form, struct pa_http_resp *resp)
{
	return http_post(h, url, client_id, client_secret, form,
	    h->dpop && h->key != NULL, resp);
}

int
pa_form_add(struct pa_buf *form, const char *name, const char *value)
{
	char *ev = NULL, *en = NULL;
	int r = PA_ERR_ALLOC;

	if ((en = curl_easy_escape(NULL, name, 0)) == NULL ||
	    (ev = curl_easy_escape(NULL, value, 0)) == NULL)
		goto out;
	r = pa_buf_printf(form, "%s%s=%s", form->len > 0 ? "&" : "", en, ev);
 out:
	if (ev != NULL) {
		OPENSSL_cleanse(ev, strlen(ev));
		curl_free(ev);
	}
	curl_free(en);
	return r;
}
