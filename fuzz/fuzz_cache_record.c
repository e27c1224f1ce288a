/* SPDX-License-Identifier: MIT */
/*
 * Device cache files (cache.h) through the public API, from a private
 * cache directory with a fixed device key:
 *
 *  - an input that starts with the magic "POSAUTH1\n" is written as
 *    alice's record file as it is: the envelope (magic, hex MAC, length)
 *    is what gets fuzzed, and random bytes fail the MAC;
 *  - any other input is a record body: it is sealed with a valid MAC
 *    (computed here as cache.h documents: HMAC-SHA256 under device.key of
 *    "posauth-v1" NUL kind NUL name NUL body), so the JSON parser behind
 *    the MAC is fuzzed too, and the same body is also sealed as the clock
 *    file and read by pa_cache_clock_check().
 *
 * A record that reads back is written with pa_cache_put() and read again:
 * what the reader accepts the writer must reproduce.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "cache.h"
#include "err.h"
#include "fuzz.h"

#define MAGIC "POSAUTH1\n"
#define MAGIC_LEN (sizeof(MAGIC) - 1)
#define FUZZ_USER "alice"

/* A fixture, not a secret: fuzz/mkcorpus.py seals seeds with it too. */
static const unsigned char device_key[32] = "posauth-fuzz-device-key-32bytes!";

static struct pa_cache *cache;
static char rec_path[512], clock_path[512];

static void
write_file(const char *path, const unsigned char *buf, size_t len)
{
	size_t off = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FUZZ_CHECK(fd >= 0);
	while (off < len) {
		n = write(fd, buf + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		FUZZ_CHECK(n > 0);
		off += (size_t)n;
	}
	FUZZ_CHECK(close(fd) == 0);
}

static void
fuzz_cache_init(void)
{
	char path[512];
	const char *dir;

	if (cache != NULL)
		return;
	dir = fuzz_tmpdir();
	FUZZ_CHECK(chmod(dir, 0700) == 0);
	snprintf(path, sizeof(path), "%s/device.key", dir);
	write_file(path, device_key, sizeof(device_key));
	snprintf(rec_path, sizeof(rec_path), "%s/%s.rec", dir, FUZZ_USER);
	snprintf(clock_path, sizeof(clock_path), "%s/clock", dir);
	FUZZ_CHECK(pa_cache_open(dir, 0, &cache) == PA_OK);
}

/* "POSAUTH1\n" hex(mac) "\n" body, as cache.c's envelope_seal() writes. */
static unsigned char *
seal(const char *kind, const char *name, const uint8_t *body, size_t blen,
    size_t *lenp)
{
	static const char hexd[] = "0123456789abcdef";
	unsigned char mac[32], *msg, *file;
	unsigned int maclen = 0;
	size_t hlen, i;

	hlen = sizeof("posauth-v1") + strlen(kind) + 1 + strlen(name) + 1;
	FUZZ_CHECK((msg = malloc(hlen + blen + 1)) != NULL);
	memcpy(msg, "posauth-v1", sizeof("posauth-v1"));
	memcpy(msg + sizeof("posauth-v1"), kind, strlen(kind) + 1);
	memcpy(msg + sizeof("posauth-v1") + strlen(kind) + 1, name,
	    strlen(name) + 1);
	if (blen > 0)
		memcpy(msg + hlen, body, blen);
	FUZZ_CHECK(HMAC(EVP_sha256(), device_key, sizeof(device_key), msg,
	    hlen + blen, mac, &maclen) != NULL && maclen == sizeof(mac));
	FUZZ_CHECK((file = malloc(MAGIC_LEN + 65 + blen + 1)) != NULL);
	memcpy(file, MAGIC, MAGIC_LEN);
	for (i = 0; i < sizeof(mac); i++) {
		file[MAGIC_LEN + 2 * i] = (unsigned char)hexd[mac[i] >> 4];
		file[MAGIC_LEN + 2 * i + 1] = (unsigned char)hexd[mac[i] & 15];
	}
	file[MAGIC_LEN + 64] = '\n';
	if (blen > 0)
		memcpy(file + MAGIC_LEN + 65, body, blen);
	*lenp = MAGIC_LEN + 65 + blen;
	free(msg);
	return file;
}

static int
str_eq(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static int
strv_eq(char **a, size_t na, char **b, size_t nb)
{
	size_t i;

	if (na != nb)
		return 0;
	for (i = 0; i < na; i++)
		if (!str_eq(a[i], b[i]))
			return 0;
	return 1;
}

static int
record_eq(const struct pa_cache_record *a, const struct pa_cache_record *b)
{
	return str_eq(a->user, b->user) && str_eq(a->tenant, b->tenant) &&
	    str_eq(a->store, b->store) && str_eq(a->name, b->name) &&
	    str_eq(a->sub, b->sub) &&
	    str_eq(a->refresh_token, b->refresh_token) &&
	    str_eq(a->access_token, b->access_token) &&
	    strv_eq(a->roles, a->nroles, b->roles, b->nroles) &&
	    strv_eq(a->pending_revocations, a->npending,
	    b->pending_revocations, b->npending) &&
	    a->has_uid == b->has_uid && (!a->has_uid || a->uid == b->uid) &&
	    a->token_exp == b->token_exp && a->last_online == b->last_online &&
	    a->has_verifier == b->has_verifier &&
	    (!a->has_verifier ||
	    memcmp(&a->verifier, &b->verifier, sizeof(a->verifier)) == 0) &&
	    a->failures == b->failures && a->locked_until == b->locked_until &&
	    a->access_exp == b->access_exp;
}

static void
check_record(const struct pa_cache_record *rec)
{
	struct pa_cache_record *again = NULL;

	FUZZ_CHECK(rec->user != NULL && strcmp(rec->user, FUZZ_USER) == 0);
	FUZZ_CHECK(rec->nroles <= PA_CACHE_MAX_ROLES);
	FUZZ_CHECK(rec->npending <= PA_CACHE_MAX_PENDING);
	FUZZ_CHECK(!rec->has_verifier ||
	    (rec->verifier.cost >= PA_KDF_COST_MIN &&
	    rec->verifier.cost <= PA_KDF_COST_MAX));
	/* Never read what cannot be written back (cache.c record_check). */
	FUZZ_CHECK(pa_cache_put(cache, rec) == PA_OK);
	FUZZ_CHECK(pa_cache_get(cache, FUZZ_USER, &again) == PA_OK);
	FUZZ_CHECK(record_eq(rec, again));
	pa_cache_record_free(again);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pa_cache_record *rec = NULL;
	unsigned char *file = NULL;
	size_t flen = 0;
	int r;

	fuzz_cache_init();
	if (size >= MAGIC_LEN && memcmp(data, MAGIC, MAGIC_LEN) == 0) {
		write_file(rec_path, data, size);
	} else {
		file = seal("record", FUZZ_USER, data, size, &flen);
		write_file(rec_path, file, flen);
		free(file);
		file = seal("clock", "", data, size, &flen);
		write_file(clock_path, file, flen);
		free(file);
		r = pa_cache_clock_check(cache, 1700000000LL, 60);
		FUZZ_CHECK(r == PA_OK || r == PA_ERR_CLOCK);
	}
	r = pa_cache_get(cache, FUZZ_USER, &rec);
	if (r == PA_OK)
		check_record(rec);
	else
		FUZZ_CHECK(rec == NULL && (r == PA_ERR_CACHE_CORRUPT ||
		    r == PA_ERR_ALLOC));
	pa_cache_record_free(rec);
	return 0;
}
