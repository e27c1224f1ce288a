/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "cache.h"
#include "err.h"
#include "kdf.h"
#include "tap.h"

#define PIN	"918273"
#define COST	10
#define CHILDREN 100
#define ROUNDS	5

static char base[] = "/tmp/test_cache.XXXXXX";

/* ---- helpers ---- */

/* Set-up steps that must work for the test to mean anything. */
static void
must(int r)
{
	if (r != 0) {
		perror("test set-up");
		abort();
	}
}

static void
skip(const char *name, const char *why)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "%s # SKIP %s", name, why);
	ok(1, buf);
}

/* Returns one of 4 rotating buffers: copy it to keep it. */
static char *
path(const char *dir, const char *name)
{
	static char buf[4][512];
	static int i;

	i = (i + 1) % 4;
	if (name == NULL)
		snprintf(buf[i], sizeof(buf[i]), "%s/%s", base, dir);
	else
		snprintf(buf[i], sizeof(buf[i]), "%s/%s/%s", base, dir, name);
	return buf[i];
}

static int
read_bytes(const char *p, unsigned char **out, size_t *len)
{
	FILE *f;
	long n;

	*out = NULL;
	if ((f = fopen(p, "rb")) == NULL)
		return -1;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 ||
	    (*out = malloc((size_t)n + 1)) == NULL ||
	    fread(*out, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(*out);
		*out = NULL;
		return -1;
	}
	fclose(f);
	*len = (size_t)n;
	return 0;
}

/* Replaces a file's bytes keeping it a safe 0600 file. */
static int
write_bytes(const char *p, const void *buf, size_t len, mode_t mode)
{
	int fd, r = -1;

	if ((fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, mode)) < 0)
		return -1;
	if (fchmod(fd, mode) == 0 && write(fd, buf, len) == (ssize_t)len)
		r = 0;
	close(fd);
	return r;
}

static mode_t
mode_of(const char *p)
{
	struct stat st;

	if (lstat(p, &st) != 0)
		return (mode_t)-1;
	return st.st_mode & 07777;
}

static int
rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static int
open_cache(const char *dir, struct pa_cache **c)
{
	return pa_cache_open(path(dir, NULL), 1, c);
}

static char *
xstrdup(const char *s)
{
	char *d = strdup(s);

	if (d == NULL)
		abort();
	return d;
}

static char **
strv(size_t n, const char *prefix)
{
	char **v = calloc(n, sizeof(*v)), buf[64];
	size_t i;

	if (v == NULL)
		abort();
	for (i = 0; i < n; i++) {
		snprintf(buf, sizeof(buf), "%s%zu", prefix, i);
		v[i] = xstrdup(buf);
	}
	return v;
}

static struct pa_cache_record *
full_record(const char *user)
{
	struct pa_cache_record *r = calloc(1, sizeof(*r));

	if (r == NULL)
		abort();
	r->user = xstrdup(user);
	r->roles = strv(3, "role-");
	r->nroles = 3;
	r->tenant = xstrdup("acme");
	r->store = xstrdup("store-0042");
	r->name = xstrdup("Zoë \"Quote\" O'Brien\\");
	r->sub = xstrdup("5f1c2e3a-sub");
	r->uid = 200123;
	r->has_uid = 1;
	r->token_exp = 1760000000;
	r->last_online = 1759990000;
	r->last_mfa = 1759980000;
	if (pa_kdf_make(PIN, strlen(PIN), COST, &r->verifier) != PA_OK)
		abort();
	r->has_verifier = 1;
	r->failures = 2;
	r->locked_until = 1759999999;
	r->refresh_token = xstrdup("rt-AAAA.BBBB.CCCC");
	r->access_token = xstrdup("eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.sig");
	r->access_exp = 1760000300;
	r->pending_revocations = strv(PA_CACHE_MAX_PENDING, "old-rt-");
	r->npending = PA_CACHE_MAX_PENDING;
	return r;
}

static struct pa_cache_record *
small_record(const char *user)
{
	struct pa_cache_record *r = calloc(1, sizeof(*r));

	if (r == NULL)
		abort();
	r->user = xstrdup(user);
	return r;
}

static int
str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
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
	return str_eq(a->user, b->user) &&
	    strv_eq(a->roles, a->nroles, b->roles, b->nroles) &&
	    str_eq(a->tenant, b->tenant) && str_eq(a->store, b->store) &&
	    str_eq(a->name, b->name) && str_eq(a->sub, b->sub) &&
	    a->has_uid == b->has_uid && (!a->has_uid || a->uid == b->uid) &&
	    a->token_exp == b->token_exp && a->last_online == b->last_online &&
	    a->last_mfa == b->last_mfa &&
	    a->has_verifier == b->has_verifier &&
	    (!a->has_verifier || memcmp(&a->verifier, &b->verifier,
	    sizeof(a->verifier)) == 0) &&
	    a->failures == b->failures && a->locked_until == b->locked_until &&
	    str_eq(a->refresh_token, b->refresh_token) &&
	    str_eq(a->access_token, b->access_token) &&
	    a->access_exp == b->access_exp &&
	    strv_eq(a->pending_revocations, a->npending,
	    b->pending_revocations, b->npending);
}

static int
get_status(struct pa_cache *c, const char *user)
{
	struct pa_cache_record *r = NULL;
	int s = pa_cache_get(c, user, &r);

	if ((s == PA_OK) != (r != NULL))
		s = -9999;	/* *out must be set exactly on success */
	pa_cache_record_free(r);
	return s;
}

static int
has_temp_files(const char *dir)
{
	DIR *d = opendir(path(dir, NULL));
	struct dirent *de;
	int found = 0;

	if (d == NULL)
		return 1;
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, ".tmp-", 5) == 0)
			found = 1;
	closedir(d);
	return found;
}

/*
 * Seals body for user the way cache.h documents it, with the device key
 * read from disk: lets the tests reach the JSON checks behind the MAC.
 */
static int
seal_file(const char *dir, const char *kind, const char *name,
    const char *body, const char *file)
{
	unsigned char *key = NULL, mac[32], *msg;
	char hex[65];
	size_t klen = 0, mlen, off = 0, blen = strlen(body), i, maclen = 0;
	char *out;
	int r = -1;

	if (read_bytes(path(dir, "device.key"), &key, &klen) != 0)
		return -1;
	mlen = sizeof("posauth-v1") + strlen(kind) + 1 + strlen(name) + 1 +
	    blen;
	if ((msg = malloc(mlen)) == NULL || (out = malloc(76 + blen)) == NULL)
		abort();
	memcpy(msg, "posauth-v1", sizeof("posauth-v1"));
	off = sizeof("posauth-v1");
	memcpy(msg + off, kind, strlen(kind) + 1);
	off += strlen(kind) + 1;
	memcpy(msg + off, name, strlen(name) + 1);
	off += strlen(name) + 1;
	memcpy(msg + off, body, blen);
	if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, klen, msg,
	    mlen, mac, sizeof(mac), &maclen) != NULL && maclen == 32) {
		for (i = 0; i < 32; i++)
			snprintf(hex + 2 * i, 3, "%02x", mac[i]);
		memcpy(out, "POSAUTH1\n", 9);
		memcpy(out + 9, hex, 64);
		out[73] = '\n';
		memcpy(out + 74, body, blen);
		r = write_bytes(path(dir, file), out, 74 + blen, 0600);
	}
	free(out);
	free(msg);
	free(key);
	return r;
}

static int
seal_record(const char *dir, const char *user, const char *body)
{
	char file[128];

	snprintf(file, sizeof(file), "%s.rec", user);
	return seal_file(dir, "record", user, body, file);
}

/* ---- tests ---- */

static void
test_open(void)
{
	struct pa_cache *c = NULL;
	struct stat st;
	int s;

	ok(pa_cache_open(path("none", NULL), 0, &c) == PA_ERR_NOT_FOUND &&
	    c == NULL, "test_open_missing_dir_without_create_is_not_found");
	ok(pa_cache_open(path("nope/sub", NULL), 1, &c) == PA_ERR_CACHE,
	    "test_open_refuses_missing_parent");
	s = open_cache("open", &c);
	ok(s == PA_OK && c != NULL, "test_open_creates_cache");
	ok(mode_of(path("open", NULL)) == 0700 &&
	    lstat(path("open", NULL), &st) == 0 && S_ISDIR(st.st_mode),
	    "test_created_dir_is_0700");
	ok(lstat(path("open", "device.key"), &st) == 0 &&
	    S_ISREG(st.st_mode) && st.st_size == 32 &&
	    (st.st_mode & 07777) == 0600, "test_device_key_is_32_bytes_0600");
	pa_cache_close(c);
	c = NULL;
	ok(pa_cache_open(path("open", NULL), 0, &c) == PA_OK,
	    "test_reopen_without_create");
	pa_cache_close(c);
	c = NULL;
	mkdir(path("nokey", NULL), 0700);
	ok(pa_cache_open(path("nokey", NULL), 0, &c) == PA_ERR_NOT_FOUND,
	    "test_missing_key_without_create_is_not_found");
	ok(pa_cache_open("", 1, &c) == PA_ERR_ARG, "test_empty_dir_refused");
}

static void
test_round_trip(void)
{
	struct pa_cache *c = NULL;
	struct pa_cache_record *in = full_record("alice"), *out = NULL;
	struct pa_cache_record *min = small_record("bob");

	if (open_cache("rt", &c) != PA_OK)
		abort();
	ok(pa_cache_put(c, in) == PA_OK, "test_put_full_record");
	ok(pa_cache_get(c, "alice", &out) == PA_OK && record_eq(in, out),
	    "test_round_trip_of_full_record");
	ok(out != NULL && pa_kdf_check(PIN, strlen(PIN), &out->verifier) ==
	    PA_OK, "test_verifier_survives_round_trip");
	ok(mode_of(path("rt", "alice.rec")) == 0600, "test_record_is_0600");
	pa_cache_record_free(out);
	out = NULL;
	ok(pa_cache_put(c, min) == PA_OK && pa_cache_get(c, "bob", &out) ==
	    PA_OK && record_eq(min, out) && !out->has_uid &&
	    !out->has_verifier && out->tenant == NULL &&
	    out->refresh_token == NULL,
	    "test_round_trip_of_minimal_record");
	pa_cache_record_free(out);
	out = NULL;
	ok(pa_cache_get(c, "carol", &out) == PA_ERR_NOT_FOUND && out == NULL,
	    "test_missing_record_is_not_found");
	pa_cache_record_free(in);
	pa_cache_record_free(min);
	pa_cache_close(c);
}

static void
test_bad_names(void)
{
	static const char *names[] = {
		"", ".", "..", "../etc/passwd", "a/b", ".hidden", "Alice",
		"a b", "a\nb", "/abs", "x\\y", "é",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	};
	struct pa_cache *c = NULL;
	struct pa_cache_record *rec, *out = NULL;
	size_t i;
	int all = 1;

	if (open_cache("names", &c) != PA_OK)
		abort();
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		rec = small_record(names[i]);
		if (pa_cache_get(c, names[i], &out) != PA_ERR_ARG ||
		    pa_cache_put(c, rec) != PA_ERR_ARG ||
		    pa_cache_delete(c, names[i]) != PA_ERR_ARG)
			all = 0;
		pa_cache_record_free(rec);
	}
	ok(all, "test_bad_user_names_refused");
	rec = small_record(
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	ok(pa_cache_put(c, rec) == PA_OK, "test_64_byte_user_name_accepted");
	pa_cache_record_free(rec);
	rec = small_record("a.b-c_9");
	ok(pa_cache_put(c, rec) == PA_OK && get_status(c, "a.b-c_9") == PA_OK,
	    "test_user_name_with_dot_dash_underscore_accepted");
	pa_cache_record_free(rec);
	pa_cache_close(c);
}

static void
test_tamper(void)
{
	static const unsigned char flips[] = { 0x01, 0x20, 0x80 };
	struct pa_cache *c = NULL;
	struct pa_cache_record *in = full_record("alice");
	unsigned char *orig = NULL, *buf = NULL;
	size_t len = 0, i, f;
	char rec[512];
	int all, n;

	snprintf(rec, sizeof(rec), "%s", path("tamper", "alice.rec"));
	if (open_cache("tamper", &c) != PA_OK || pa_cache_put(c, in) != PA_OK ||
	    read_bytes(rec, &orig, &len) != 0 || (buf = malloc(len + 1)) == NULL)
		abort();

	all = 1;
	for (f = 0; f < sizeof(flips); f++) {
		for (i = 0; i < len; i++) {
			memcpy(buf, orig, len);
			buf[i] ^= flips[f];
			if (write_bytes(rec, buf, len, 0600) != 0 ||
			    get_status(c, "alice") != PA_ERR_CACHE_CORRUPT) {
				printf("# flip 0x%02x at %zu accepted\n",
				    flips[f], i);
				all = 0;
			}
		}
	}
	ok(all, "test_flipped_byte_anywhere_is_corrupt");
	/* The loop above covered these; name them so a regression says so. */
	memcpy(buf, orig, len);
	buf[3] ^= 1;
	write_bytes(rec, buf, len, 0600);
	ok(get_status(c, "alice") == PA_ERR_CACHE_CORRUPT,
	    "test_flipped_magic_is_corrupt");
	memcpy(buf, orig, len);
	buf[20] ^= 1;
	write_bytes(rec, buf, len, 0600);
	ok(get_status(c, "alice") == PA_ERR_CACHE_CORRUPT,
	    "test_flipped_mac_is_corrupt");
	memcpy(buf, orig, len);
	buf[len / 2] ^= 1;
	write_bytes(rec, buf, len, 0600);
	ok(get_status(c, "alice") == PA_ERR_CACHE_CORRUPT,
	    "test_flipped_json_is_corrupt");

	all = 1;
	for (i = 0; i < len; i++)
		if (write_bytes(rec, orig, i, 0600) != 0 ||
		    get_status(c, "alice") != PA_ERR_CACHE_CORRUPT)
			all = 0;
	ok(all, "test_truncated_record_is_corrupt");
	memcpy(buf, orig, len);
	buf[len] = ' ';
	write_bytes(rec, buf, len + 1, 0600);
	ok(get_status(c, "alice") == PA_ERR_CACHE_CORRUPT,
	    "test_appended_byte_is_corrupt");

	write_bytes(rec, orig, len, 0600);
	ok(get_status(c, "alice") == PA_OK, "test_restored_record_is_valid");

	/* Same bytes under another user's name: the MAC names the user. */
	n = rename(rec, path("tamper", "bob.rec"));
	ok(n == 0 && get_status(c, "bob") == PA_ERR_CACHE_CORRUPT,
	    "test_record_renamed_to_other_user_is_corrupt");
	write_bytes(path("tamper", "carol.rec"), orig, len, 0600);
	ok(get_status(c, "carol") == PA_ERR_CACHE_CORRUPT,
	    "test_record_copied_to_other_user_is_corrupt");
	/* A record must not pass as the clock, nor the clock as a record. */
	write_bytes(path("tamper", "clock"), orig, len, 0600);
	ok(pa_cache_clock_check(c, 0, 0) == PA_ERR_CLOCK,
	    "test_record_copied_to_clock_is_not_a_clock");
	free(buf);
	ok(pa_cache_clock_advance(c, 1000) == PA_OK &&
	    read_bytes(path("tamper", "clock"), &buf, &len) == 0,
	    "test_clock_written");
	write_bytes(path("tamper", "dave.rec"), buf, len, 0600);
	ok(get_status(c, "dave") == PA_ERR_CACHE_CORRUPT,
	    "test_clock_copied_to_record_is_corrupt");

	free(buf);
	free(orig);
	pa_cache_record_free(in);
	pa_cache_close(c);
}

static void
test_garbage(void)
{
	struct pa_cache *c = NULL;
	unsigned char *big;
	char rec[512];
	size_t sizes[] = { 0, 1, 9, 74, 75, 1000, PA_CACHE_MAX_FILE,
	    PA_CACHE_MAX_FILE + 1, 1 << 20 };
	size_t i;
	int all = 1;

	snprintf(rec, sizeof(rec), "%s", path("garbage", "alice.rec"));
	if (open_cache("garbage", &c) != PA_OK ||
	    (big = malloc(1 << 20)) == NULL)
		abort();
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		if (sizes[i] > 0)
			RAND_bytes(big, (int)sizes[i]);
		if (write_bytes(rec, big, sizes[i], 0600) != 0 ||
		    get_status(c, "alice") != PA_ERR_CACHE_CORRUPT)
			all = 0;
	}
	ok(all, "test_random_garbage_is_corrupt");
	/* Right magic and a plausible MAC line, then random bytes. */
	all = 1;
	for (i = 0; i < 50; i++) {
		RAND_bytes(big, 4096);
		memcpy(big, "POSAUTH1\n", 9);
		memset(big + 9, 'a', 64);
		big[73] = '\n';
		if (write_bytes(rec, big, 4096, 0600) != 0 ||
		    get_status(c, "alice") != PA_ERR_CACHE_CORRUPT)
			all = 0;
	}
	ok(all, "test_garbage_behind_valid_magic_is_corrupt");
	memset(big, '[', 1 << 20);
	memcpy(big, "POSAUTH1\n", 9);
	write_bytes(rec, big, 1 << 20, 0600);
	ok(get_status(c, "alice") == PA_ERR_CACHE_CORRUPT,
	    "test_huge_file_is_corrupt");
	free(big);
	pa_cache_close(c);
}

/* Bodies with a valid MAC: the parser behind it must still say no. */
static void
test_parser(void)
{
	static const char good[] =
	    "{\"access_exp\":0,\"failures\":0,\"last_online\":5,"
	    "\"locked_until\":0,\"pending_revocations\":[],\"roles\":[\"r\"],"
	    "\"token_exp\":9,\"user\":\"alice\",\"v\":1}\n";
	static const struct { const char *name, *body; } bad[] = {
		{ "test_wrong_version_is_corrupt",
		  "{\"access_exp\":0,\"failures\":0,\"last_online\":5,"
		  "\"locked_until\":0,\"pending_revocations\":[],\"roles\":[],"
		  "\"token_exp\":9,\"user\":\"alice\",\"v\":2}" },
		{ "test_unknown_key_is_corrupt",
		  "{\"access_exp\":0,\"failures\":0,\"last_online\":5,"
		  "\"locked_until\":0,\"pending_revocations\":[],\"roles\":[],"
		  "\"token_exp\":9,\"user\":\"alice\",\"v\":1,\"pin\":\"1\"}" },
		{ "test_missing_key_is_corrupt",
		  "{\"access_exp\":0,\"failures\":0,\"last_online\":5,"
		  "\"pending_revocations\":[],\"roles\":[],"
		  "\"token_exp\":9,\"user\":\"alice\",\"v\":1}" },
		{ "test_body_for_other_user_is_corrupt",
		  "{\"access_exp\":0,\"failures\":0,\"last_online\":5,"
		  "\"locked_until\":0,\"pending_revocations\":[],\"roles\":[],"
		  "\"token_exp\":9,\"user\":\"bob\",\"v\":1}" },
		{ "test_wrong_type_is_corrupt",
		  "{\"access_exp\":0,\"failures\":\"0\",\"last_online\":5,"
		  "\"locked_until\":0,\"pending_revocations\":[],\"roles\":[],"
		  "\"token_exp\":9,\"user\":\"alice\",\"v\":1}" },
		{ "test_negative_last_mfa_is_corrupt",
		  "{\"access_exp\":0,\"failures\":0,\"last_mfa\":-1,"
		  "\"last_online\":5,"
		  "\"locked_until\":0,\"pending_revocations\":[],\"roles\":[],"
		  "\"token_exp\":9,\"user\":\"alice\",\"v\":1}" },
		{ "test_negative_failures_is_corrupt",
		  "{\"access_exp\":0,\"failures\":-1,\"last_online\":5,"
		  "\"locked_until\":0,\"pending_revocations\":[],\"roles\":[],"
		  "\"token_exp\":9,\"user\":\"alice\",\"v\":1}" },
		{ "test_role_not_string_is_corrupt",
		  "{\"access_exp\":0,\"failures\":0,\"last_online\":5,"
		  "\"locked_until\":0,\"pending_revocations\":[],\"roles\":[1],"
		  "\"token_exp\":9,\"user\":\"alice\",\"v\":1}" },
		{ "test_too_many_pending_is_corrupt",
		  "{\"access_exp\":0,\"failures\":0,\"last_online\":5,"
		  "\"locked_until\":0,\"pending_revocations\":[\"1\",\"2\","
		  "\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\"],\"roles\":[],"
		  "\"token_exp\":9,\"user\":\"alice\",\"v\":1}" },
		{ "test_duplicate_key_is_corrupt",
		  "{\"access_exp\":0,\"failures\":0,\"failures\":0,"
		  "\"last_online\":5,"
		  "\"locked_until\":0,\"pending_revocations\":[],\"roles\":[],"
		  "\"token_exp\":9,\"user\":\"alice\",\"v\":1}" },
		{ "test_trailing_data_is_corrupt",
		  "{\"access_exp\":0,\"failures\":0,\"last_online\":5,"
		  "\"locked_until\":0,\"pending_revocations\":[],\"roles\":[],"
		  "\"token_exp\":9,\"user\":\"alice\",\"v\":1}{}" },
		{ "test_json_array_body_is_corrupt", "[1,2,3]" },
		{ "test_nul_in_string_is_corrupt",
		  "{\"access_exp\":0,\"failures\":0,\"last_online\":5,"
		  "\"locked_until\":0,\"pending_revocations\":[],\"roles\":[],"
		  "\"token_exp\":9,\"user\":\"alice\",\"v\":1,"
		  "\"tenant\":\"a\\u0000b\"}" },
		{ "test_verifier_cost_too_low_is_corrupt",
		  "{\"access_exp\":0,\"failures\":0,\"last_online\":5,"
		  "\"locked_until\":0,\"pending_revocations\":[],\"roles\":[],"
		  "\"token_exp\":9,\"user\":\"alice\",\"v\":1,\"verifier\":"
		  "{\"alg\":1,\"cost\":9,\"salt\":"
		  "\"000102030405060708090a0b0c0d0e0f\",\"hash\":"
		  "\"8f333b708a9703253320fb2517f736f759ae7161a454a1aed4631dea6cf42727\"}}" },
		{ "test_verifier_cost_too_high_is_corrupt",
		  "{\"access_exp\":0,\"failures\":0,\"last_online\":5,"
		  "\"locked_until\":0,\"pending_revocations\":[],\"roles\":[],"
		  "\"token_exp\":9,\"user\":\"alice\",\"v\":1,\"verifier\":"
		  "{\"alg\":1,\"cost\":40,\"salt\":"
		  "\"000102030405060708090a0b0c0d0e0f\",\"hash\":"
		  "\"8f333b708a9703253320fb2517f736f759ae7161a454a1aed4631dea6cf42727\"}}" },
		{ "test_verifier_short_salt_is_corrupt",
		  "{\"access_exp\":0,\"failures\":0,\"last_online\":5,"
		  "\"locked_until\":0,\"pending_revocations\":[],\"roles\":[],"
		  "\"token_exp\":9,\"user\":\"alice\",\"v\":1,\"verifier\":"
		  "{\"alg\":1,\"cost\":10,\"salt\":"
		  "\"000102030405060708090a0b0c0d0e\",\"hash\":"
		  "\"8f333b708a9703253320fb2517f736f759ae7161a454a1aed4631dea6cf42727\"}}" },
	};
	static const char kat_verifier[] =
	    "{\"access_exp\":0,\"failures\":0,\"last_online\":5,"
	    "\"locked_until\":0,\"pending_revocations\":[],\"roles\":[],"
	    "\"token_exp\":9,\"user\":\"alice\",\"v\":1,\"verifier\":"
	    "{\"alg\":1,\"cost\":10,\"salt\":"
	    "\"000102030405060708090a0b0c0d0e0f\",\"hash\":"
	    "\"8f333b708a9703253320fb2517f736f759ae7161a454a1aed4631dea6cf42727\"}}";
	struct pa_cache *c = NULL;
	struct pa_cache_record *out = NULL;
	char *deep;
	size_t i;

	if (open_cache("parser", &c) != PA_OK)
		abort();
	ok(seal_record("parser", "alice", good) == 0 &&
	    pa_cache_get(c, "alice", &out) == PA_OK && out->nroles == 1 &&
	    out->last_online == 5 && out->token_exp == 9 &&
	    out->last_mfa == 0,
	    "test_documented_format_is_readable_without_last_mfa");
	pa_cache_record_free(out);
	out = NULL;
	ok(seal_record("parser", "alice", kat_verifier) == 0 &&
	    pa_cache_get(c, "alice", &out) == PA_OK && out->has_verifier &&
	    pa_kdf_check(PIN, strlen(PIN), &out->verifier) == PA_OK,
	    "test_documented_verifier_format_is_readable");
	pa_cache_record_free(out);
	/* Body right for alice, MAC made for bob: the MAC alone says no. */
	ok(seal_file("parser", "record", "bob", good, "alice.rec") == 0 &&
	    get_status(c, "alice") == PA_ERR_CACHE_CORRUPT,
	    "test_mac_for_other_user_is_corrupt");
	ok(seal_file("parser", "clock", "", good, "alice.rec") == 0 &&
	    get_status(c, "alice") == PA_ERR_CACHE_CORRUPT,
	    "test_mac_of_other_kind_is_corrupt");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(seal_record("parser", "alice", bad[i].body) == 0 &&
		    get_status(c, "alice") == PA_ERR_CACHE_CORRUPT,
		    bad[i].name);
	/* Deep nesting must hit jansson's depth limit, not our stack. */
	if ((deep = malloc(40001)) == NULL)
		abort();
	memset(deep, '[', 20000);
	memset(deep + 20000, ']', 20000);
	deep[40000] = '\0';
	ok(seal_record("parser", "alice", deep) == 0 &&
	    get_status(c, "alice") == PA_ERR_CACHE_CORRUPT,
	    "test_deeply_nested_body_is_corrupt");
	free(deep);
	pa_cache_close(c);
}

static void
test_wrong_key(void)
{
	struct pa_cache *c = NULL;
	struct pa_cache_record *in = full_record("alice");
	unsigned char key[32];

	if (open_cache("wrongkey", &c) != PA_OK || pa_cache_put(c, in) != PA_OK)
		abort();
	pa_cache_close(c);
	c = NULL;
	RAND_bytes(key, sizeof(key));
	write_bytes(path("wrongkey", "device.key"), key, sizeof(key), 0600);
	ok(open_cache("wrongkey", &c) == PA_OK &&
	    get_status(c, "alice") == PA_ERR_CACHE_CORRUPT,
	    "test_record_under_other_device_key_is_corrupt");
	pa_cache_close(c);
	pa_cache_record_free(in);
}

static void
test_unsafe_dir(void)
{
	struct pa_cache *c = NULL;

	if (open_cache("mode", &c) != PA_OK)
		abort();
	pa_cache_close(c);
	c = NULL;
	chmod(path("mode", NULL), 0755);
	ok(open_cache("mode", &c) == PA_ERR_CACHE && c == NULL,
	    "test_dir_mode_0755_refused");
	chmod(path("mode", NULL), 0710);
	ok(open_cache("mode", &c) == PA_ERR_CACHE,
	    "test_dir_group_bit_refused");
	chmod(path("mode", NULL), 0700);
	ok(open_cache("mode", &c) == PA_OK, "test_dir_mode_0700_accepted");
	pa_cache_close(c);
	c = NULL;

	must(symlink(path("mode", NULL), path("link", NULL)));
	ok(open_cache("link", &c) == PA_ERR_CACHE,
	    "test_dir_symlink_refused");
	write_bytes(path("plainfile", NULL), "x", 1, 0600);
	ok(open_cache("plainfile", &c) == PA_ERR_CACHE,
	    "test_dir_that_is_a_file_refused");
	if (geteuid() == 0) {
		mkdir(path("owner", NULL), 0700);
		must(chown(path("owner", NULL), 12345, 12345));
		ok(open_cache("owner", &c) == PA_ERR_CACHE,
		    "test_dir_of_other_owner_refused");
	} else
		skip("test_dir_of_other_owner_refused", "needs root");
}

static void
test_unsafe_files(void)
{
	struct pa_cache *c = NULL;
	struct pa_cache_record *in = full_record("alice"), *out = NULL;
	unsigned char key[33];
	char kp[512];

	snprintf(kp, sizeof(kp), "%s", path("files", "device.key"));
	if (open_cache("files", &c) != PA_OK || pa_cache_put(c, in) != PA_OK)
		abort();
	chmod(path("files", "alice.rec"), 0644);
	ok(pa_cache_get(c, "alice", &out) == PA_ERR_CACHE && out == NULL,
	    "test_record_mode_0644_refused");
	chmod(path("files", "alice.rec"), 0640);
	ok(get_status(c, "alice") == PA_ERR_CACHE,
	    "test_record_group_readable_refused");
	ok(pa_cache_update(c, "alice", NULL, NULL) == PA_ERR_ARG,
	    "test_update_without_callback_refused");
	chmod(path("files", "alice.rec"), 0600);
	ok(get_status(c, "alice") == PA_OK, "test_record_mode_0600_accepted");
	if (geteuid() == 0) {
		must(chown(path("files", "alice.rec"), 12345, 12345));
		ok(get_status(c, "alice") == PA_ERR_CACHE,
		    "test_record_of_other_owner_refused");
		must(chown(path("files", "alice.rec"), 0, 0));
	} else
		skip("test_record_of_other_owner_refused", "needs root");
	rename(path("files", "alice.rec"), path("files", "elsewhere"));
	must(symlink("elsewhere", path("files", "alice.rec")));
	ok(get_status(c, "alice") == PA_ERR_CACHE,
	    "test_record_symlink_refused");
	unlink(path("files", "alice.rec"));
	mkfifo(path("files", "alice.rec"), 0600);
	ok(get_status(c, "alice") == PA_ERR_CACHE,
	    "test_record_fifo_refused_without_hanging");
	unlink(path("files", "alice.rec"));
	pa_cache_close(c);
	c = NULL;

	RAND_bytes(key, sizeof(key));
	write_bytes(kp, key, 31, 0600);
	ok(open_cache("files", &c) == PA_ERR_CACHE,
	    "test_device_key_too_short_refused");
	write_bytes(kp, key, 33, 0600);
	ok(open_cache("files", &c) == PA_ERR_CACHE,
	    "test_device_key_too_long_refused");
	write_bytes(kp, key, 0, 0600);
	ok(open_cache("files", &c) == PA_ERR_CACHE,
	    "test_device_key_empty_refused");
	write_bytes(kp, key, 32, 0644);
	ok(open_cache("files", &c) == PA_ERR_CACHE,
	    "test_device_key_mode_0644_refused");
	write_bytes(kp, key, 32, 0600);
	ok(open_cache("files", &c) == PA_OK, "test_device_key_0600_accepted");
	pa_cache_close(c);
	c = NULL;
	if (geteuid() == 0) {
		must(chown(kp, 12345, 12345));
		ok(open_cache("files", &c) == PA_ERR_CACHE,
		    "test_device_key_of_other_owner_refused");
		must(chown(kp, 0, 0));
	} else
		skip("test_device_key_of_other_owner_refused", "needs root");
	rename(kp, path("files", "key.elsewhere"));
	must(symlink("key.elsewhere", kp));
	ok(open_cache("files", &c) == PA_ERR_CACHE,
	    "test_device_key_symlink_refused");
	pa_cache_record_free(in);
}

static void
test_umask(void)
{
	struct pa_cache *c = NULL;
	struct pa_cache_record *in = full_record("alice");
	mode_t old = umask(0);

	ok(open_cache("umask", &c) == PA_OK &&
	    mode_of(path("umask", NULL)) == 0700 &&
	    mode_of(path("umask", "device.key")) == 0600,
	    "test_umask_0_dir_0700_key_0600");
	ok(pa_cache_put(c, in) == PA_OK &&
	    mode_of(path("umask", "alice.rec")) == 0600 &&
	    mode_of(path("umask", ".lock")) == 0600,
	    "test_umask_0_record_and_lock_0600");
	ok(pa_cache_clock_advance(c, 100) == PA_OK &&
	    mode_of(path("umask", "clock")) == 0600,
	    "test_umask_0_clock_0600");
	pa_cache_close(c);
	c = NULL;
	umask(0277);
	ok(open_cache("umask2", &c) == PA_OK &&
	    mode_of(path("umask2", NULL)) == 0700 &&
	    pa_cache_put(c, in) == PA_OK && get_status(c, "alice") == PA_OK &&
	    mode_of(path("umask2", "alice.rec")) == 0600,
	    "test_strict_umask_still_gives_usable_0700_0600");
	umask(old);
	pa_cache_close(c);
	pa_cache_record_free(in);
}

static void
test_no_pin_in_file(void)
{
	struct pa_cache *c = NULL;
	struct pa_cache_record *in = full_record("alice");
	unsigned char *buf = NULL;
	size_t len = 0;

	if (open_cache("pin", &c) != PA_OK || pa_cache_put(c, in) != PA_OK ||
	    read_bytes(path("pin", "alice.rec"), &buf, &len) != 0)
		abort();
	ok(memmem(buf, len, PIN, strlen(PIN)) == NULL,
	    "test_pin_bytes_not_in_record_file");
	ok(memmem(buf, len, "rt-AAAA.BBBB.CCCC", 17) != NULL,
	    "test_grep_finds_what_is_there");
	free(buf);
	pa_cache_record_free(in);
	pa_cache_close(c);
}

static void
test_limits(void)
{
	struct pa_cache *c = NULL;
	struct pa_cache_record *r = small_record("alice");
	char *big;
	size_t i;
	int s, all;

	if (open_cache("limits", &c) != PA_OK ||
	    (big = malloc(PA_CACHE_MAX_FILE + 1)) == NULL)
		abort();
	memset(big, 'x', PA_CACHE_MAX_FILE);
	big[PA_CACHE_MAX_FILE] = '\0';
	r->access_token = big;
	ok(pa_cache_put(c, r) == PA_ERR_TOO_LARGE &&
	    get_status(c, "alice") == PA_ERR_NOT_FOUND,
	    "test_oversized_record_refused_on_put");
	big[PA_CACHE_MAX_FILE - 400] = '\0';
	ok(pa_cache_put(c, r) == PA_OK && get_status(c, "alice") == PA_OK,
	    "test_record_near_limit_round_trips");
	pa_cache_record_free(r);

	r = small_record("alice");
	r->pending_revocations = strv(PA_CACHE_MAX_PENDING + 1, "t");
	r->npending = PA_CACHE_MAX_PENDING + 1;
	ok(pa_cache_put(c, r) == PA_ERR_ARG, "test_too_many_pending_refused");
	pa_cache_record_free(r);
	r = small_record("alice");
	r->roles = strv(PA_CACHE_MAX_ROLES + 1, "r");
	r->nroles = PA_CACHE_MAX_ROLES + 1;
	ok(pa_cache_put(c, r) == PA_ERR_ARG, "test_too_many_roles_refused");
	pa_cache_record_free(r);
	r = small_record("alice");
	r->token_exp = -1;
	ok(pa_cache_put(c, r) == PA_ERR_ARG, "test_negative_time_refused");
	r->token_exp = 0;
	r->has_verifier = 1;
	r->verifier.alg = PA_KDF_SCRYPT;
	r->verifier.cost = 9;
	ok(pa_cache_put(c, r) == PA_ERR_ARG,
	    "test_verifier_with_bad_cost_refused_on_put");
	r->has_verifier = 0;
	r->tenant = xstrdup("\xff\xfe");
	ok(pa_cache_put(c, r) == PA_ERR_ARG, "test_invalid_utf8_refused");
	pa_cache_record_free(r);

	r = small_record("alice");
	all = 1;
	for (i = 0; i < 10; i++) {
		char tok[16];

		snprintf(tok, sizeof(tok), "tok%zu", i);
		if (pa_cache_record_queue_revocation(r, xstrdup(tok)) != PA_OK)
			all = 0;
	}
	ok(all && r->npending == PA_CACHE_MAX_PENDING &&
	    strcmp(r->pending_revocations[0], "tok2") == 0 &&
	    strcmp(r->pending_revocations[7], "tok9") == 0,
	    "test_revocation_queue_drops_oldest_when_full");
	s = pa_cache_put(c, r);
	ok(s == PA_OK, "test_full_revocation_queue_is_storable");
	pa_cache_record_free(r);
	pa_cache_close(c);
}

static void
test_write_failure(void)
{
	struct pa_cache *c = NULL;
	struct pa_cache_record *old = full_record("alice"), *big, *out = NULL;
	struct rlimit saved, lim;
	char *tok;
	int s;

	if (open_cache("wfail", &c) != PA_OK || pa_cache_put(c, old) != PA_OK ||
	    (tok = malloc(30001)) == NULL)
		abort();
	big = full_record("alice");
	memset(tok, 'n', 30000);
	tok[30000] = '\0';
	free(big->access_token);
	big->access_token = tok;
	/*
	 * A real failing write(2) even as root: RLIMIT_FSIZE makes the
	 * kernel refuse to grow a file past the limit (EFBIG), like a full
	 * disk would.
	 */
	getrlimit(RLIMIT_FSIZE, &saved);
	lim = saved;
	lim.rlim_cur = 8192;
	signal(SIGXFSZ, SIG_IGN);
	setrlimit(RLIMIT_FSIZE, &lim);
	s = pa_cache_put(c, big);
	setrlimit(RLIMIT_FSIZE, &saved);
	signal(SIGXFSZ, SIG_DFL);
	ok(s == PA_ERR_SYSTEM, "test_failed_write_is_system_error");
	ok(pa_cache_get(c, "alice", &out) == PA_OK && record_eq(old, out),
	    "test_failed_write_keeps_old_record");
	ok(!has_temp_files("wfail"), "test_failed_write_removes_temp_file");
	ok(pa_cache_put(c, big) == PA_OK, "test_write_works_again_after");
	pa_cache_record_free(out);
	pa_cache_record_free(big);
	pa_cache_record_free(old);
	pa_cache_close(c);
}

static int
fn_increment(struct pa_cache_record *rec, int exists, void *arg)
{
	(void)exists;
	(void)arg;
	rec->failures++;
	return PA_OK;
}

static int
fn_seen_exists;

static int
fn_record_exists(struct pa_cache_record *rec, int exists, void *arg)
{
	fn_seen_exists = exists;
	rec->last_online = *(long long *)arg;
	return PA_OK;
}

static int
fn_abort(struct pa_cache_record *rec, int exists, void *arg)
{
	(void)exists;
	(void)arg;
	rec->failures = 777;
	return PA_ERR_INTERNAL;
}

static int
fn_delete(struct pa_cache_record *rec, int exists, void *arg)
{
	(void)rec;
	(void)exists;
	(void)arg;
	return PA_CACHE_DELETE;
}

static int
fn_rename(struct pa_cache_record *rec, int exists, void *arg)
{
	(void)exists;
	(void)arg;
	rec->user[0] = 'x';
	return PA_OK;
}

static int
fn_keep(struct pa_cache_record *rec, int exists, void *arg)
{
	(void)exists;
	(void)arg;
	rec->failures = 99;	/* must not reach the disk */
	return PA_CACHE_KEEP;
}

static void
test_update(void)
{
	struct pa_cache *c = NULL;
	struct pa_cache_record *out = NULL;
	long long t = 1234;
	unsigned char junk[100];

	if (open_cache("update", &c) != PA_OK)
		abort();
	ok(pa_cache_update(c, "alice", fn_record_exists, &t) == PA_OK &&
	    fn_seen_exists == 0 && pa_cache_get(c, "alice", &out) == PA_OK &&
	    out->last_online == 1234 && strcmp(out->user, "alice") == 0,
	    "test_update_creates_missing_record");
	pa_cache_record_free(out);
	out = NULL;
	t = 5678;
	ok(pa_cache_update(c, "alice", fn_record_exists, &t) == PA_OK &&
	    fn_seen_exists == 1, "test_update_sees_existing_record");
	ok(pa_cache_update(c, "alice", fn_abort, NULL) == PA_ERR_INTERNAL &&
	    pa_cache_get(c, "alice", &out) == PA_OK && out->failures == 0 &&
	    out->last_online == 5678,
	    "test_update_abort_writes_nothing");
	pa_cache_record_free(out);
	out = NULL;
	{
		struct stat before, after;

		stat(path("update", "alice.rec"), &before);
		ok(pa_cache_update(c, "alice", fn_keep, NULL) == PA_OK &&
		    stat(path("update", "alice.rec"), &after) == 0 &&
		    before.st_ino == after.st_ino &&
		    pa_cache_get(c, "alice", &out) == PA_OK &&
		    out->failures == 0, "test_update_keep_writes_nothing");
		pa_cache_record_free(out);
		out = NULL;
	}
	ok(pa_cache_update(c, "alice", fn_rename, NULL) == PA_ERR_ARG &&
	    get_status(c, "xlice") == PA_ERR_NOT_FOUND &&
	    get_status(c, "alice") == PA_OK,
	    "test_update_cannot_change_user");

	RAND_bytes(junk, sizeof(junk));
	write_bytes(path("update", "alice.rec"), junk, sizeof(junk), 0600);
	ok(pa_cache_update(c, "alice", fn_record_exists, &t) == PA_OK &&
	    fn_seen_exists == 0 && get_status(c, "alice") == PA_OK,
	    "test_update_replaces_corrupt_record");
	chmod(path("update", "alice.rec"), 0644);
	ok(pa_cache_update(c, "alice", fn_increment, NULL) == PA_ERR_CACHE &&
	    mode_of(path("update", "alice.rec")) == 0644,
	    "test_update_leaves_unsafe_record_alone");
	chmod(path("update", "alice.rec"), 0600);

	ok(pa_cache_update(c, "alice", fn_delete, NULL) == PA_OK &&
	    get_status(c, "alice") == PA_ERR_NOT_FOUND,
	    "test_update_can_delete");
	ok(pa_cache_update(c, "alice", fn_delete, NULL) == PA_OK,
	    "test_update_delete_of_missing_is_ok");
	ok(pa_cache_update(c, "../x", fn_increment, NULL) == PA_ERR_ARG,
	    "test_update_refuses_bad_user");
	ok(!has_temp_files("update"), "test_update_leaves_no_temp_files");
	pa_cache_close(c);
}

static void
test_delete_and_list(void)
{
	struct pa_cache *c = NULL;
	struct pa_cache_record *r;
	static const char *users[] = { "bob", "alice", "x.y-z_1" };
	char **list = NULL;
	size_t i, n = 0;

	if (open_cache("list", &c) != PA_OK)
		abort();
	ok(pa_cache_list(c, &list, &n) == PA_OK && n == 0 && list == NULL,
	    "test_list_of_empty_cache");
	for (i = 0; i < 3; i++) {
		r = small_record(users[i]);
		pa_cache_put(c, r);
		pa_cache_record_free(r);
	}
	write_bytes(path("list", "README"), "x", 1, 0600);
	write_bytes(path("list", "Alice.rec"), "x", 1, 0600);
	write_bytes(path("list", ".x.rec"), "x", 1, 0600);
	write_bytes(path("list", ".rec"), "x", 1, 0600);
	ok(pa_cache_list(c, &list, &n) == PA_OK && n == 3 &&
	    strcmp(list[0], "alice") == 0 && strcmp(list[1], "bob") == 0 &&
	    strcmp(list[2], "x.y-z_1") == 0,
	    "test_list_names_only_record_files_sorted");
	pa_cache_list_free(list, n);
	ok(pa_cache_delete(c, "bob") == PA_OK &&
	    get_status(c, "bob") == PA_ERR_NOT_FOUND &&
	    get_status(c, "alice") == PA_OK, "test_delete_removes_one_record");
	ok(pa_cache_delete(c, "bob") == PA_ERR_NOT_FOUND,
	    "test_delete_of_missing_is_not_found");
	pa_cache_close(c);
}

/* Half the children share the parent's handle, half open their own. */
static int
child_updates(struct pa_cache *c, int own)
{
	struct pa_cache *mine = c;
	int j, rc = 0;

	if (own && open_cache("parallel", &mine) != PA_OK)
		return 1;
	for (j = 0; j < ROUNDS; j++)
		if (pa_cache_update(mine, "alice", fn_increment, NULL) != PA_OK)
			rc = 1;
	if (own)
		pa_cache_close(mine);
	return rc;
}

static void
test_parallel(void)
{
	struct pa_cache *c = NULL;
	struct pa_cache_record *r = full_record("alice"), *out = NULL;
	pid_t pids[CHILDREN];
	int gate[2], i, j, st, all = 1;

	if (getenv("PA_TEST_NO_FORK") != NULL) {
		skip("test_parallel_updates_lose_nothing", "PA_TEST_NO_FORK");
		skip("test_record_valid_after_parallel_updates",
		    "PA_TEST_NO_FORK");
		pa_cache_record_free(r);
		return;
	}
	r->failures = 0;
	if (open_cache("parallel", &c) != PA_OK ||
	    pa_cache_put(c, r) != PA_OK || pipe(gate) != 0)
		abort();
	for (i = 0; i < CHILDREN; i++) {
		if ((pids[i] = fork()) < 0) {
			all = 0;
			break;
		}
		if (pids[i] == 0) {
			char go;

			/* Start together, or the race would hardly be run. */
			close(gate[1]);
			if (read(gate[0], &go, 1) != 0)
				_exit(1);
			pa_cache_record_free(r);
			_exit(child_updates(c, i % 2));
		}
	}
	close(gate[0]);
	close(gate[1]);
	for (j = 0; j < i; j++)
		if (waitpid(pids[j], &st, 0) != pids[j] || !WIFEXITED(st) ||
		    WEXITSTATUS(st) != 0)
			all = 0;
	ok(all && pa_cache_get(c, "alice", &out) == PA_OK &&
	    out->failures == CHILDREN * ROUNDS,
	    "test_parallel_updates_lose_nothing");
	if (out != NULL)
		out->failures = 0;
	ok(out != NULL && record_eq(r, out) && !has_temp_files("parallel"),
	    "test_record_valid_after_parallel_updates");
	pa_cache_record_free(out);
	pa_cache_record_free(r);
	pa_cache_close(c);
}

static void
test_clock(void)
{
	struct pa_cache *c = NULL;
	unsigned char *buf = NULL;
	size_t len = 0;

	if (open_cache("clock", &c) != PA_OK)
		abort();
	ok(pa_cache_clock_check(c, 1000, 60) == PA_ERR_CLOCK,
	    "test_clock_without_mark_is_rollback");
	ok(pa_cache_clock_advance(c, 1000) == PA_OK &&
	    pa_cache_clock_check(c, 1000, 0) == PA_OK &&
	    pa_cache_clock_check(c, 5000, 0) == PA_OK,
	    "test_clock_at_or_after_mark_ok");
	ok(pa_cache_clock_check(c, 999, 0) == PA_ERR_CLOCK,
	    "test_clock_before_mark_is_rollback");
	ok(pa_cache_clock_check(c, 940, 60) == PA_OK,
	    "test_clock_within_leeway_ok");
	ok(pa_cache_clock_check(c, 939, 60) == PA_ERR_CLOCK,
	    "test_clock_beyond_leeway_is_rollback");
	ok(pa_cache_clock_advance(c, 500) == PA_OK &&
	    pa_cache_clock_check(c, 999, 0) == PA_ERR_CLOCK,
	    "test_clock_advance_never_lowers");
	ok(pa_cache_clock_advance(c, 2000) == PA_OK &&
	    pa_cache_clock_check(c, 1999, 0) == PA_ERR_CLOCK &&
	    pa_cache_clock_check(c, 2000, 0) == PA_OK,
	    "test_clock_advance_raises");
	ok(pa_cache_clock_check(c, 2000, -1) == PA_ERR_ARG &&
	    pa_cache_clock_advance(c, -5) == PA_ERR_ARG,
	    "test_clock_bad_arguments_refused");

	if (read_bytes(path("clock", "clock"), &buf, &len) != 0)
		abort();
	buf[len - 3] ^= 1;
	write_bytes(path("clock", "clock"), buf, len, 0600);
	ok(pa_cache_clock_check(c, 3000, 0) == PA_ERR_CLOCK,
	    "test_corrupt_clock_is_rollback");
	ok(pa_cache_clock_advance(c, 100) == PA_OK &&
	    pa_cache_clock_check(c, 100, 0) == PA_OK,
	    "test_advance_reseeds_corrupt_clock");
	chmod(path("clock", "clock"), 0644);
	ok(pa_cache_clock_check(c, 100, 0) == PA_ERR_CACHE &&
	    pa_cache_clock_advance(c, 200) == PA_ERR_CACHE,
	    "test_unsafe_clock_file_refused");
	chmod(path("clock", "clock"), 0600);
	unlink(path("clock", "clock"));
	ok(pa_cache_clock_check(c, 100, 0) == PA_ERR_CLOCK,
	    "test_deleted_clock_is_rollback");
	free(buf);
	pa_cache_close(c);
}

int
main(void)
{
	if (mkdtemp(base) == NULL) {
		perror("mkdtemp");
		return 99;
	}
	test_open();
	test_round_trip();
	test_bad_names();
	test_tamper();
	test_garbage();
	test_parser();
	test_wrong_key();
	test_unsafe_dir();
	test_unsafe_files();
	test_umask();
	test_no_pin_in_file();
	test_limits();
	test_write_failure();
	test_update();
	test_delete_and_list();
	test_parallel();
	test_clock();
	nftw(base, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return tap_done();
}
