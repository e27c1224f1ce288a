/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "cache.h"
#include "err.h"
#include "fileio.h"
#include "kdf.h"
#include "secret.h"

#define KEY_NAME	"device.key"
#define KEY_LEN		32
#define CLOCK_NAME	"clock"
#define LOCK_NAME	".lock"
#define TMP_PREFIX	".tmp-"
#define REC_SUFFIX	".rec"
#define REC_NAME_MAX	(PA_CACHE_USER_MAX + sizeof(REC_SUFFIX))
#define TMP_NAME_MAX	(sizeof(TMP_PREFIX) + 32)

#define MAGIC		"POSAUTH1\n"
#define MAGIC_LEN	(sizeof(MAGIC) - 1)
#define MAC_LEN		32
#define MAC_HEX_LEN	(2 * MAC_LEN)
#define HEADER_LEN	(MAGIC_LEN + MAC_HEX_LEN + 1)
#define MAC_LABEL	"posauth-v1"
#define KIND_RECORD	"record"
#define KIND_CLOCK	"clock"
#define KIND_DOC	"doc"
#define DOC_SUFFIX	".doc"

#define FORMAT_VERSION	1
#define LOCK_SLOT_CLOCK	0
#define LOCK_SLOTS	65536u
#define LIST_MAX	(1u << 20)
#define UID_MAX_VALUE	4294967294LL	/* (uid_t)-1 means "no uid" */

struct pa_cache {
	int dfd;			/* the checked cache directory */
	unsigned char key[KEY_LEN];	/* device.key */
};

/* ---- names and file checks ---- */

/*
 * User names are validated by the caller too; this second check is what
 * keeps a name from ever leaving the directory ("../", "/") or naming a
 * dot file (the lock, temp files) whatever the caller did.
 */
static int
user_valid(const char *user)
{
	size_t i, len;

	if (user == NULL || user[0] == '\0' || user[0] == '.')
		return 0;
	if ((len = strnlen(user, PA_CACHE_USER_MAX + 1)) > PA_CACHE_USER_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		char ch = user[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		    ch == '.' || ch == '_' || ch == '-'))
			return 0;
	}
	return 1;
}

/* name must hold REC_NAME_MAX bytes; user must be valid. */
static void
record_name(const char *user, char *name)
{
	size_t len = strlen(user);

	memcpy(name, user, len);
	memcpy(name + len, REC_SUFFIX, sizeof(REC_SUFFIX));
}

/* Root's, or the caller's own when tests run unprivileged. */
static int
owner_ok(const struct stat *st)
{
	return st->st_uid == 0 || st->st_uid == geteuid();
}

/* A cache file nobody but its (trusted) owner can read or write. */
static int
file_safe(const struct stat *st)
{
	return S_ISREG(st->st_mode) && owner_ok(st) &&
	    (st->st_mode & (S_IRWXG | S_IRWXO)) == 0;
}

static int
errno_status(int e)
{
	if (e == ENOENT)
		return PA_ERR_NOT_FOUND;
	/* O_NOFOLLOW met a symlink (ELOOP) or a path part is not a dir. */
	if (e == ELOOP || e == ENOTDIR)
		return PA_ERR_CACHE;
	return PA_ERR_SYSTEM;
}

/* ---- raw I/O ---- */

static int
read_all(int fd, unsigned char *buf, size_t cap, size_t *lenp)
{
	size_t len = 0;
	ssize_t n;

	while (len < cap) {
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return PA_ERR_SYSTEM;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*lenp = len;
	return PA_OK;
}

/*
 * Opens a file of the cache for reading: never through a symlink, never
 * blocking (a FIFO planted here must not hang the login), and only when
 * it is a regular file with our owner and mode. *fdp is -1 on failure.
 */
static int
open_safe_at(struct pa_cache *c, const char *name, int *fdp, struct stat *st)
{
	int fd;

	*fdp = -1;
	fd = openat(c->dfd, name,
	    O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return errno_status(errno);
	if (fstat(fd, st) != 0) {
		close(fd);
		return PA_ERR_SYSTEM;
	}
	if (!file_safe(st)) {
		close(fd);
		return PA_ERR_CACHE;
	}
	*fdp = fd;
	return PA_OK;
}

/*
 * Reads a whole cache file of at most PA_CACHE_MAX_FILE bytes into a
 * buffer of *capp bytes (wipe it with pa_freezero(buf, *capp)). A file
 * that is too big is corrupt, not a reason to allocate more.
 */
static int
read_file_at(struct pa_cache *c, const char *name, unsigned char **bufp,
    size_t *lenp, size_t *capp)
{
	struct stat st;
	unsigned char *buf = NULL;
	size_t cap = PA_CACHE_MAX_FILE + 1, len = 0;
	int fd, r;

	*bufp = NULL;
	if ((r = open_safe_at(c, name, &fd, &st)) != PA_OK)
		goto out;
	if (st.st_size > PA_CACHE_MAX_FILE) {
		r = PA_ERR_CACHE_CORRUPT;
		goto out;
	}
	if ((buf = malloc(cap)) == NULL) {
		r = PA_ERR_ALLOC;
		goto out;
	}
	if ((r = read_all(fd, buf, cap, &len)) != PA_OK)
		goto out;
	if (len > PA_CACHE_MAX_FILE) {	/* grew after fstat */
		r = PA_ERR_CACHE_CORRUPT;
		goto out;
	}
	*bufp = buf;
	*lenp = len;
	*capp = cap;
	buf = NULL;
	r = PA_OK;
 out:
	if (buf != NULL)
		pa_freezero(buf, cap);
	if (fd >= 0)
		close(fd);
	return r;
}

static int
random_hex(char *out, size_t nbytes)
{
	static const char digits[] = "0123456789abcdef";
	unsigned char rnd[16];
	size_t i;

	if (nbytes > sizeof(rnd) || RAND_bytes(rnd, (int)nbytes) != 1)
		return PA_ERR_INTERNAL;
	for (i = 0; i < nbytes; i++) {
		out[2 * i] = digits[rnd[i] >> 4];
		out[2 * i + 1] = digits[rnd[i] & 0x0f];
	}
	out[2 * nbytes] = '\0';
	return PA_OK;
}

/* Creates an empty 0600 temp file; tmp must hold TMP_NAME_MAX bytes. */
static int
temp_create(struct pa_cache *c, char *tmp, int *fdp)
{
	int fd, r;

	memcpy(tmp, TMP_PREFIX, sizeof(TMP_PREFIX));
	if ((r = random_hex(tmp + sizeof(TMP_PREFIX) - 1, 16)) != PA_OK)
		return r;
	/* O_EXCL|O_NOFOLLOW: never write through something planted. */
	fd = openat(c->dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0)
		return PA_ERR_SYSTEM;
	/* The umask may have taken bits away; the mode must be exact. */
	if (fchmod(fd, 0600) != 0) {
		close(fd);
		unlinkat(c->dfd, tmp, 0);
		return PA_ERR_SYSTEM;
	}
	*fdp = fd;
	return PA_OK;
}

/*
 * Crash-safe replace: temp file, write, fsync, rename, fsync the
 * directory. Until the rename the old file is untouched; any failure
 * before it removes the temp file.
 */
static int
write_file_atomic(struct pa_cache *c, const char *name,
    const unsigned char *data, size_t len)
{
	char tmp[TMP_NAME_MAX];
	int fd = -1, have_tmp = 0, r;

	if ((r = temp_create(c, tmp, &fd)) != PA_OK)
		goto out;
	have_tmp = 1;
	r = PA_ERR_SYSTEM;
	if (pa_write_all(fd, data, len) != PA_OK || fsync(fd) != 0)
		goto out;
	if (close(fd) != 0) {
		fd = -1;
		goto out;
	}
	fd = -1;
	if (renameat(c->dfd, tmp, c->dfd, name) != 0)
		goto out;
	have_tmp = 0;
	/* Without this the rename itself may not survive a power cut. */
	if (fsync(c->dfd) != 0)
		goto out;
	r = PA_OK;
 out:
	if (fd >= 0)
		close(fd);
	if (have_tmp)
		unlinkat(c->dfd, tmp, 0);
	return r;
}

/* ---- locking ---- */

static off_t
lock_slot_user(const char *user)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (; *user != '\0'; user++) {
		h ^= (unsigned char)*user;
		h *= 16777619u;
	}
	return (off_t)(1 + (h % LOCK_SLOTS));
}

static int
lock_wait(int fd, struct flock *fl)
{
	int cmd = F_SETLKW;

#ifdef F_OFD_SETLKW
	/*
	 * OFD locks belong to the open file description, not the process:
	 * they exclude threads of one process too, and closing some other
	 * descriptor of the file does not drop them.
	 */
	cmd = F_OFD_SETLKW;
#endif
	for (;;) {
		if (fcntl(fd, cmd, fl) == 0)
			return PA_OK;
		if (errno == EINTR)
			continue;
		if (errno == EINVAL && cmd != F_SETLKW) {	/* old kernel */
			cmd = F_SETLKW;
			continue;
		}
		return PA_ERR_SYSTEM;
	}
}

/*
 * Takes an exclusive lock on one byte of the lock file. The file is
 * opened anew each time so every caller (forked child, thread) has its
 * own open file description. Release with lock_release().
 */
static int
lock_acquire(struct pa_cache *c, off_t slot, int *fdp)
{
	struct flock fl;
	struct stat st;
	int fd, r;

	*fdp = -1;
	fd = openat(c->dfd, LOCK_NAME, O_RDWR | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0600);
	if (fd < 0) {
		r = errno_status(errno);
		goto out;
	}
	r = PA_ERR_SYSTEM;
	if (fstat(fd, &st) != 0)
		goto out;
	if (!S_ISREG(st.st_mode) || !owner_ok(&st)) {
		r = PA_ERR_CACHE;
		goto out;
	}
	/* Holds no data; just keep it as private as everything else. */
	if ((st.st_mode & 07777) != 0600 && fchmod(fd, 0600) != 0)
		goto out;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = slot;
	fl.l_len = 1;
	if ((r = lock_wait(fd, &fl)) != PA_OK)
		goto out;
	*fdp = fd;
	fd = -1;
 out:
	if (fd >= 0)
		close(fd);
	return r;
}

static void
lock_release(int fd)
{
	if (fd >= 0)
		close(fd);	/* drops the lock */
}

/* ---- envelope: magic, HMAC, body ---- */

static int
mac_compute(const struct pa_cache *c, const char *kind, const char *name,
    const unsigned char *body, size_t blen, unsigned char *out)
{
	static const char label[] = MAC_LABEL;
	char digest[] = "SHA256";
	EVP_MAC *mac = NULL;
	EVP_MAC_CTX *ctx = NULL;
	OSSL_PARAM params[2];
	size_t olen = 0;
	int r = PA_ERR_INTERNAL;

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL ||
	    (ctx = EVP_MAC_CTX_new(mac)) == NULL ||
	    EVP_MAC_init(ctx, c->key, sizeof(c->key), params) != 1)
		goto out;
	/* NUL-separated: kind and name cannot run into each other. */
	if (EVP_MAC_update(ctx, (const unsigned char *)label,
	    sizeof(label)) != 1 ||
	    EVP_MAC_update(ctx, (const unsigned char *)kind,
	    strlen(kind) + 1) != 1 ||
	    EVP_MAC_update(ctx, (const unsigned char *)name,
	    strlen(name) + 1) != 1 ||
	    EVP_MAC_update(ctx, body, blen) != 1 ||
	    EVP_MAC_final(ctx, out, &olen, MAC_LEN) != 1 || olen != MAC_LEN)
		goto out;
	r = PA_OK;
 out:
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return r;
}

static void
hex_encode(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0x0f];
	}
}

static int
hex_digit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;	/* upper case too: one spelling per value */
}

static int
hex_decode(const char *in, size_t inlen, unsigned char *out, size_t outlen)
{
	size_t i;
	int hi, lo;

	if (inlen != 2 * outlen)
		return -1;
	for (i = 0; i < outlen; i++) {
		if ((hi = hex_digit(in[2 * i])) < 0 ||
		    (lo = hex_digit(in[2 * i + 1])) < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

/* file = MAGIC + hex(MAC) + "\n" + body; wipe with pa_freezero(, *lenp). */
static int
envelope_seal(const struct pa_cache *c, const char *kind, const char *name,
    const unsigned char *body, size_t blen, unsigned char **outp,
    size_t *lenp)
{
	unsigned char mac[MAC_LEN], *buf = NULL;
	size_t len;
	int r;

	*outp = NULL;
	if (blen > PA_CACHE_MAX_FILE - HEADER_LEN)
		return PA_ERR_TOO_LARGE;
	len = HEADER_LEN + blen;
	if ((r = mac_compute(c, kind, name, body, blen, mac)) != PA_OK)
		goto out;
	if ((buf = malloc(len)) == NULL) {
		r = PA_ERR_ALLOC;
		goto out;
	}
	memcpy(buf, MAGIC, MAGIC_LEN);
	hex_encode(mac, sizeof(mac), (char *)buf + MAGIC_LEN);
	buf[HEADER_LEN - 1] = '\n';
	memcpy(buf + HEADER_LEN, body, blen);
	*outp = buf;
	*lenp = len;
	r = PA_OK;
 out:
	OPENSSL_cleanse(mac, sizeof(mac));
	return r;
}

/* Checks magic and MAC; on success *body points into buf. */
static int
envelope_open(const struct pa_cache *c, const char *kind, const char *name,
    const unsigned char *buf, size_t len, const unsigned char **body,
    size_t *blen)
{
	unsigned char want[MAC_LEN], got[MAC_LEN];
	int r = PA_ERR_CACHE_CORRUPT;

	if (len < HEADER_LEN || memcmp(buf, MAGIC, MAGIC_LEN) != 0 ||
	    buf[HEADER_LEN - 1] != '\n')
		goto out;
	if (hex_decode((const char *)buf + MAGIC_LEN, MAC_HEX_LEN, got,
	    sizeof(got)) != 0)
		goto out;
	if ((r = mac_compute(c, kind, name, buf + HEADER_LEN,
	    len - HEADER_LEN, want)) != PA_OK)
		goto out;
	if (!pa_secret_equal(want, got, sizeof(want))) {
		r = PA_ERR_CACHE_CORRUPT;
		goto out;
	}
	*body = buf + HEADER_LEN;
	*blen = len - HEADER_LEN;
	r = PA_OK;
 out:
	OPENSSL_cleanse(want, sizeof(want));
	return r;
}

/* ---- JSON helpers ---- */

/*
 * jansson frees without wiping; wipe the string values of our own
 * (shallow) trees before letting go of them.
 */
static void
json_wipe(json_t *j, int depth)
{
	size_t i;
	void *it;

	if (j == NULL || depth > 4)
		return;
	if (json_is_string(j)) {
		OPENSSL_cleanse((char *)json_string_value(j),
		    json_string_length(j));
	} else if (json_is_array(j)) {
		for (i = 0; i < json_array_size(j); i++)
			json_wipe(json_array_get(j, i), depth + 1);
	} else if (json_is_object(j)) {
		for (it = json_object_iter(j); it != NULL;
		    it = json_object_iter_next(j, it))
			json_wipe(json_object_iter_value(it), depth + 1);
	}
}

static void
json_wipe_free(json_t *j)
{
	json_wipe(j, 0);
	json_decref(j);
}

/* json_string() also refuses invalid UTF-8: that is PA_ERR_ARG. */
static int
json_put_str(json_t *o, const char *key, const char *val)
{
	json_t *s;

	if (val == NULL)
		return PA_OK;
	if ((s = json_string(val)) == NULL)
		return PA_ERR_ARG;
	return json_object_set_new(o, key, s) == 0 ? PA_OK : PA_ERR_ALLOC;
}

static int
json_put_int(json_t *o, const char *key, long long val)
{
	json_t *i;

	if ((i = json_integer((json_int_t)val)) == NULL)
		return PA_ERR_ALLOC;
	return json_object_set_new(o, key, i) == 0 ? PA_OK : PA_ERR_ALLOC;
}

static int
json_put_strv(json_t *o, const char *key, char **v, size_t n)
{
	json_t *a;
	size_t i;
	int r;

	if (n > 0 && v == NULL)
		return PA_ERR_ARG;
	if ((a = json_array()) == NULL)
		return PA_ERR_ALLOC;
	if (json_object_set_new(o, key, a) != 0)
		return PA_ERR_ALLOC;
	for (i = 0; i < n; i++) {
		json_t *s;

		if (v[i] == NULL || (s = json_string(v[i])) == NULL)
			return PA_ERR_ARG;
		if ((r = json_array_append_new(a, s)) != 0)
			return PA_ERR_ALLOC;
	}
	return PA_OK;
}

/*
 * Serialises j as compact JSON with sorted keys plus "\n". json_dumpb()
 * writes straight into our buffer, unlike json_dumps() whose growing
 * scratch buffers would be freed with token bytes still in them.
 */
static int
json_to_body(json_t *j, unsigned char **outp, size_t *lenp)
{
	const size_t cap = PA_CACHE_MAX_FILE - HEADER_LEN;
	unsigned char *buf;
	size_t len;
	int r = PA_ERR_TOO_LARGE;

	*outp = NULL;
	if ((buf = malloc(cap)) == NULL)
		return PA_ERR_ALLOC;
	len = json_dumpb(j, (char *)buf, cap, JSON_COMPACT | JSON_SORT_KEYS);
	if (len == 0) {
		r = PA_ERR_ALLOC;
		goto out;
	}
	if (len >= cap)		/* room for the "\n" too */
		goto out;
	buf[len] = '\n';
	*outp = buf;
	*lenp = len + 1;
	buf = NULL;
	r = PA_OK;
 out:
	pa_freezero(buf, cap);
	return r;
}

/* ---- record <-> JSON ---- */

static int
record_check(const struct pa_cache_record *rec)
{
	if (rec == NULL || !user_valid(rec->user))
		return PA_ERR_ARG;
	if (rec->nroles > PA_CACHE_MAX_ROLES ||
	    rec->npending > PA_CACHE_MAX_PENDING)
		return PA_ERR_ARG;
	/* The reader refuses these; never write what cannot be read. */
	if (rec->token_exp < 0 || rec->last_online < 0 ||
	    rec->locked_until < 0 || rec->access_exp < 0)
		return PA_ERR_ARG;
	if (rec->has_uid && (rec->uid < 0 || rec->uid > UID_MAX_VALUE))
		return PA_ERR_ARG;
	if (rec->has_verifier && (rec->verifier.alg != PA_KDF_SCRYPT ||
	    rec->verifier.cost < PA_KDF_COST_MIN ||
	    rec->verifier.cost > PA_KDF_COST_MAX))
		return PA_ERR_ARG;
	return PA_OK;
}

static int
verifier_to_json(const struct pa_verifier *v, json_t *o)
{
	char salt[2 * PA_KDF_SALT_LEN + 1], hash[2 * PA_KDF_HASH_LEN + 1];
	json_t *j;
	int r;

	hex_encode(v->salt, sizeof(v->salt), salt);
	salt[sizeof(salt) - 1] = '\0';
	hex_encode(v->hash, sizeof(v->hash), hash);
	hash[sizeof(hash) - 1] = '\0';
	if ((j = json_object()) == NULL)
		return PA_ERR_ALLOC;
	if (json_object_set_new(o, "verifier", j) != 0)
		return PA_ERR_ALLOC;
	if ((r = json_put_int(j, "alg", v->alg)) == PA_OK &&
	    (r = json_put_int(j, "cost", v->cost)) == PA_OK &&
	    (r = json_put_str(j, "salt", salt)) == PA_OK)
		r = json_put_str(j, "hash", hash);
	OPENSSL_cleanse(hash, sizeof(hash));
	return r;
}

static int
record_to_body(const struct pa_cache_record *rec, unsigned char **outp,
    size_t *lenp)
{
	json_t *o;
	int r;

	*outp = NULL;
	if ((r = record_check(rec)) != PA_OK)
		return r;
	if ((o = json_object()) == NULL)
		return PA_ERR_ALLOC;
	if ((r = json_put_int(o, "v", FORMAT_VERSION)) != PA_OK ||
	    (r = json_put_str(o, "user", rec->user)) != PA_OK ||
	    (r = json_put_strv(o, "roles", rec->roles, rec->nroles)) != PA_OK ||
	    (r = json_put_str(o, "tenant", rec->tenant)) != PA_OK ||
	    (r = json_put_str(o, "store", rec->store)) != PA_OK ||
	    (r = json_put_str(o, "name", rec->name)) != PA_OK ||
	    (r = json_put_str(o, "sub", rec->sub)) != PA_OK ||
	    (rec->has_uid &&
	    (r = json_put_int(o, "uid", rec->uid)) != PA_OK) ||
	    (r = json_put_int(o, "token_exp", rec->token_exp)) != PA_OK ||
	    (r = json_put_int(o, "last_online", rec->last_online)) != PA_OK ||
	    (rec->has_verifier &&
	    (r = verifier_to_json(&rec->verifier, o)) != PA_OK) ||
	    (r = json_put_int(o, "failures", rec->failures)) != PA_OK ||
	    (r = json_put_int(o, "locked_until", rec->locked_until)) != PA_OK ||
	    (r = json_put_str(o, "refresh_token", rec->refresh_token)) != PA_OK ||
	    (r = json_put_str(o, "access_token", rec->access_token)) != PA_OK ||
	    (r = json_put_int(o, "access_exp", rec->access_exp)) != PA_OK ||
	    (r = json_put_strv(o, "pending_revocations",
	    rec->pending_revocations, rec->npending)) != PA_OK)
		goto out;
	r = json_to_body(o, outp, lenp);
 out:
	json_wipe_free(o);
	return r;
}

static int
dup_opt(const char *s, char **out)
{
	*out = NULL;
	if (s == NULL)
		return PA_OK;
	return (*out = strdup(s)) == NULL ? PA_ERR_ALLOC : PA_OK;
}

static int
strv_from_json(const json_t *a, size_t max, char ***outp, size_t *np)
{
	size_t i, n;
	char **v;

	if (!json_is_array(a) || (n = json_array_size(a)) > max)
		return PA_ERR_CACHE_CORRUPT;
	if (n == 0)
		return PA_OK;
	if ((v = calloc(n, sizeof(*v))) == NULL)
		return PA_ERR_ALLOC;
	/* Owned by the record from here, so a failure frees it with it. */
	*outp = v;
	for (i = 0; i < n; i++) {
		const json_t *s = json_array_get(a, i);

		if (!json_is_string(s))
			return PA_ERR_CACHE_CORRUPT;
		if ((v[i] = strdup(json_string_value(s))) == NULL)
			return PA_ERR_ALLOC;
		*np = i + 1;
	}
	return PA_OK;
}

static int
verifier_from_json(const json_t *j, struct pa_verifier *v)
{
	json_error_t jerr;
	json_int_t alg, cost;
	const char *salt, *hash;

	if (json_unpack_ex((json_t *)j, &jerr, 0, "{s:I, s:I, s:s, s:s !}",
	    "alg", &alg, "cost", &cost, "salt", &salt, "hash", &hash) != 0)
		return PA_ERR_CACHE_CORRUPT;
	/* A tampered cost must not reach the KDF (kdf.h). */
	if (alg != PA_KDF_SCRYPT || cost < PA_KDF_COST_MIN ||
	    cost > PA_KDF_COST_MAX)
		return PA_ERR_CACHE_CORRUPT;
	if (hex_decode(salt, strlen(salt), v->salt, sizeof(v->salt)) != 0 ||
	    hex_decode(hash, strlen(hash), v->hash, sizeof(v->hash)) != 0)
		return PA_ERR_CACHE_CORRUPT;
	v->alg = (unsigned)alg;
	v->cost = (unsigned)cost;
	return PA_OK;
}

/* Fields of a record body as jansson hands them out. */
struct record_json {
	json_int_t v, uid, token_exp, last_online, failures, locked_until,
	    access_exp;
	const char *user, *tenant, *store, *name, *sub, *refresh, *access;
	json_t *roles, *verifier, *pending;
};

static int
record_unpack(json_t *root, struct record_json *f)
{
	json_error_t jerr;

	memset(f, 0, sizeof(*f));
	/* "!": a key we do not know is as wrong as a missing one. */
	if (json_unpack_ex(root, &jerr, 0,
	    "{s:I, s:s, s:o, s?s, s?s, s?s, s?s, s?I, s:I, s:I, s?o, s:I,"
	    " s:I, s?s, s?s, s:I, s:o !}",
	    "v", &f->v, "user", &f->user, "roles", &f->roles,
	    "tenant", &f->tenant, "store", &f->store, "name", &f->name,
	    "sub", &f->sub, "uid", &f->uid, "token_exp", &f->token_exp,
	    "last_online", &f->last_online, "verifier", &f->verifier,
	    "failures", &f->failures, "locked_until", &f->locked_until,
	    "refresh_token", &f->refresh, "access_token", &f->access,
	    "access_exp", &f->access_exp,
	    "pending_revocations", &f->pending) != 0)
		return PA_ERR_CACHE_CORRUPT;
	if (f->v != FORMAT_VERSION)
		return PA_ERR_CACHE_CORRUPT;
	if (f->token_exp < 0 || f->last_online < 0 || f->locked_until < 0 ||
	    f->access_exp < 0 || f->failures < 0 ||
	    (unsigned long long)f->failures > UINT_MAX)
		return PA_ERR_CACHE_CORRUPT;
	return PA_OK;
}

static int
record_fill(json_t *root, const struct record_json *f,
    struct pa_cache_record *rec)
{
	int r;

	if ((r = dup_opt(f->user, &rec->user)) != PA_OK ||
	    (r = dup_opt(f->tenant, &rec->tenant)) != PA_OK ||
	    (r = dup_opt(f->store, &rec->store)) != PA_OK ||
	    (r = dup_opt(f->name, &rec->name)) != PA_OK ||
	    (r = dup_opt(f->sub, &rec->sub)) != PA_OK ||
	    (r = dup_opt(f->refresh, &rec->refresh_token)) != PA_OK ||
	    (r = dup_opt(f->access, &rec->access_token)) != PA_OK)
		return r;
	if ((r = strv_from_json(f->roles, PA_CACHE_MAX_ROLES, &rec->roles,
	    &rec->nroles)) != PA_OK ||
	    (r = strv_from_json(f->pending, PA_CACHE_MAX_PENDING,
	    &rec->pending_revocations, &rec->npending)) != PA_OK)
		return r;
	if (json_object_get(root, "uid") != NULL) {
		if (f->uid < 0 || f->uid > UID_MAX_VALUE)
			return PA_ERR_CACHE_CORRUPT;
		rec->has_uid = 1;
		rec->uid = f->uid;
	}
	if (f->verifier != NULL) {
		if ((r = verifier_from_json(f->verifier,
		    &rec->verifier)) != PA_OK)
			return r;
		rec->has_verifier = 1;
	}
	rec->token_exp = f->token_exp;
	rec->last_online = f->last_online;
	rec->failures = (unsigned)f->failures;
	rec->locked_until = f->locked_until;
	rec->access_exp = f->access_exp;
	return PA_OK;
}

/* body has passed its MAC for user's file. */
static int
record_from_body(const unsigned char *body, size_t blen, const char *user,
    struct pa_cache_record **out)
{
	struct pa_cache_record *rec = NULL;
	struct record_json f;
	json_error_t jerr;
	json_t *root;
	int r = PA_ERR_CACHE_CORRUPT;

	*out = NULL;
	root = json_loadb((const char *)body, blen, JSON_REJECT_DUPLICATES,
	    &jerr);
	if (root == NULL || !json_is_object(root))
		goto out;
	if ((r = record_unpack(root, &f)) != PA_OK)
		goto out;
	/* Second line of defence behind the MAC, which names the user too. */
	if (strcmp(f.user, user) != 0) {
		r = PA_ERR_CACHE_CORRUPT;
		goto out;
	}
	if ((rec = calloc(1, sizeof(*rec))) == NULL) {
		r = PA_ERR_ALLOC;
		goto out;
	}
	if ((r = record_fill(root, &f, rec)) != PA_OK)
		goto out;
	*out = rec;
	rec = NULL;
 out:
	pa_cache_record_free(rec);
	json_wipe_free(root);
	return r;
}

/* ---- records on disk ---- */

static int
record_read(struct pa_cache *c, const char *user,
    struct pa_cache_record **out)
{
	char name[REC_NAME_MAX];
	unsigned char *buf = NULL;
	const unsigned char *body;
	size_t len = 0, cap = 0, blen;
	int r;

	*out = NULL;
	record_name(user, name);
	if ((r = read_file_at(c, name, &buf, &len, &cap)) != PA_OK)
		goto out;
	if ((r = envelope_open(c, KIND_RECORD, user, buf, len, &body,
	    &blen)) != PA_OK)
		goto out;
	r = record_from_body(body, blen, user, out);
 out:
	pa_freezero(buf, cap);
	return r;
}

static int
record_write(struct pa_cache *c, const struct pa_cache_record *rec)
{
	char name[REC_NAME_MAX];
	unsigned char *body = NULL, *file = NULL;
	size_t blen = 0, flen = 0;
	int r;

	if ((r = record_to_body(rec, &body, &blen)) != PA_OK)
		goto out;
	if ((r = envelope_seal(c, KIND_RECORD, rec->user, body, blen, &file,
	    &flen)) != PA_OK)
		goto out;
	record_name(rec->user, name);
	r = write_file_atomic(c, name, file, flen);
 out:
	pa_freezero(body, blen);
	pa_freezero(file, flen);
	return r;
}

static int
record_unlink(struct pa_cache *c, const char *user)
{
	char name[REC_NAME_MAX];

	record_name(user, name);
	if (unlinkat(c->dfd, name, 0) != 0)
		return errno == ENOENT ? PA_ERR_NOT_FOUND : PA_ERR_SYSTEM;
	return fsync(c->dfd) == 0 ? PA_OK : PA_ERR_SYSTEM;
}

/* ---- device key ---- */

static int
key_load(struct pa_cache *c)
{
	struct stat st;
	unsigned char buf[KEY_LEN + 1];
	size_t len = 0;
	int fd, r;

	if ((r = open_safe_at(c, KEY_NAME, &fd, &st)) != PA_OK)
		goto out;
	if (st.st_size != KEY_LEN) {
		r = PA_ERR_CACHE;
		goto out;
	}
	if ((r = read_all(fd, buf, sizeof(buf), &len)) != PA_OK)
		goto out;
	if (len != KEY_LEN) {
		r = PA_ERR_CACHE;
		goto out;
	}
	memcpy(c->key, buf, KEY_LEN);
 out:
	OPENSSL_cleanse(buf, sizeof(buf));
	if (fd >= 0)
		close(fd);
	return r;
}

/*
 * Writes a fresh key to a temp file and link()s it into place: unlike
 * rename(), link() fails when another process created the key first, so
 * two first logins racing agree on one key instead of one of them
 * signing records with a key that was just replaced.
 */
static int
key_create(struct pa_cache *c)
{
	unsigned char key[KEY_LEN];
	char tmp[TMP_NAME_MAX];
	int fd = -1, have_tmp = 0, r;

	if (RAND_bytes(key, sizeof(key)) != 1) {
		r = PA_ERR_INTERNAL;
		goto out;
	}
	if ((r = temp_create(c, tmp, &fd)) != PA_OK)
		goto out;
	have_tmp = 1;
	r = PA_ERR_SYSTEM;
	if (pa_write_all(fd, key, sizeof(key)) != PA_OK || fsync(fd) != 0)
		goto out;
	if (close(fd) != 0) {
		fd = -1;
		goto out;
	}
	fd = -1;
	if (linkat(c->dfd, tmp, c->dfd, KEY_NAME, 0) != 0 && errno != EEXIST)
		goto out;
	r = PA_OK;
 out:
	if (fd >= 0)
		close(fd);
	if (have_tmp)
		unlinkat(c->dfd, tmp, 0);
	if (r == PA_OK && fsync(c->dfd) != 0)
		r = PA_ERR_SYSTEM;
	OPENSSL_cleanse(key, sizeof(key));
	return r;
}

/* ---- directory ---- */

static int
dir_open(const char *dir, int create, int *dfdp)
{
	struct stat st;
	int fd = -1, created = 0, r;
	const int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

	*dfdp = -1;
	if ((fd = open(dir, flags)) < 0 && errno == ENOENT && create) {
		/* Only the last component: a missing parent is an error. */
		if (mkdir(dir, 0700) == 0)
			created = 1;
		else if (errno != EEXIST) {
			r = errno == ENOENT ? PA_ERR_CACHE : errno_status(errno);
			goto out;
		}
		fd = open(dir, flags);
	}
	if (fd < 0) {
		r = errno_status(errno);
		goto out;
	}
	/* Our own new directory: undo whatever the umask took away. */
	if (created && fchmod(fd, 0700) != 0) {
		r = PA_ERR_SYSTEM;
		goto out;
	}
	if (fstat(fd, &st) != 0) {
		r = PA_ERR_SYSTEM;
		goto out;
	}
	/* Anyone else who can write here could plant or swap records. */
	if (!S_ISDIR(st.st_mode) || !owner_ok(&st) ||
	    (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		r = PA_ERR_CACHE;
		goto out;
	}
	*dfdp = fd;
	fd = -1;
	r = PA_OK;
 out:
	if (fd >= 0)
		close(fd);
	return r;
}

/* ---- public API ---- */

int
pa_cache_open(const char *dir, int create, struct pa_cache **out)
{
	struct pa_cache *c = NULL;
	int r = PA_ERR_ARG;

	if (out == NULL)
		return PA_ERR_ARG;
	*out = NULL;
	if (dir == NULL)
		dir = PA_CACHE_DEFAULT_DIR;
	if (*dir == '\0')
		goto out;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		r = PA_ERR_ALLOC;
		goto out;
	}
	c->dfd = -1;
	if ((r = dir_open(dir, create, &c->dfd)) != PA_OK)
		goto out;
	r = key_load(c);
	if (r == PA_ERR_NOT_FOUND && create) {
		if ((r = key_create(c)) != PA_OK)
			goto out;
		/* Read back: a racing creator's key may be the one that won. */
		r = key_load(c);
	}
	if (r != PA_OK)
		goto out;
	*out = c;
	c = NULL;
 out:
	pa_cache_close(c);
	return r;
}

void
pa_cache_close(struct pa_cache *c)
{
	if (c == NULL)
		return;
	if (c->dfd >= 0)
		close(c->dfd);
	pa_freezero(c, sizeof(*c));
}

int
pa_cache_get(struct pa_cache *c, const char *user,
    struct pa_cache_record **out)
{
	if (out != NULL)
		*out = NULL;
	if (c == NULL || out == NULL || !user_valid(user))
		return PA_ERR_ARG;
	return record_read(c, user, out);
}

int
pa_cache_put(struct pa_cache *c, const struct pa_cache_record *rec)
{
	int lfd = -1, r;

	if (c == NULL || (r = record_check(rec)) != PA_OK)
		return PA_ERR_ARG;
	if ((r = lock_acquire(c, lock_slot_user(rec->user), &lfd)) != PA_OK)
		goto out;
	r = record_write(c, rec);
 out:
	lock_release(lfd);
	return r;
}

struct pa_cache_lock {
	int fd;
	char user[PA_CACHE_USER_MAX + 1];
};

int
pa_cache_lock_user(struct pa_cache *c, const char *user,
    struct pa_cache_lock **out)
{
	struct pa_cache_lock *l;
	int r;

	*out = NULL;
	if (c == NULL || !user_valid(user))
		return PA_ERR_ARG;
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return PA_ERR_ALLOC;
	memcpy(l->user, user, strlen(user) + 1);
	if ((r = lock_acquire(c, lock_slot_user(user), &l->fd)) != PA_OK) {
		free(l);
		return r;
	}
	*out = l;
	return PA_OK;
}

int
pa_cache_put_locked(struct pa_cache *c, const struct pa_cache_lock *l,
    const struct pa_cache_record *rec)
{
	if (c == NULL || l == NULL || record_check(rec) != PA_OK ||
	    strcmp(rec->user, l->user) != 0)
		return PA_ERR_ARG;
	return record_write(c, rec);
}

void
pa_cache_unlock(struct pa_cache_lock *l)
{
	if (l == NULL)
		return;
	lock_release(l->fd);
	free(l);
}

static int
record_empty(const char *user, struct pa_cache_record **out)
{
	struct pa_cache_record *rec;

	if ((rec = calloc(1, sizeof(*rec))) == NULL)
		return PA_ERR_ALLOC;
	if ((rec->user = strdup(user)) == NULL) {
		free(rec);
		return PA_ERR_ALLOC;
	}
	*out = rec;
	return PA_OK;
}

int
pa_cache_update(struct pa_cache *c, const char *user,
    int (*fn)(struct pa_cache_record *rec, int exists, void *arg),
    void *arg)
{
	struct pa_cache_record *rec = NULL;
	int lfd = -1, exists = 1, r;

	if (c == NULL || fn == NULL || !user_valid(user))
		return PA_ERR_ARG;
	if ((r = lock_acquire(c, lock_slot_user(user), &lfd)) != PA_OK)
		goto out;
	r = record_read(c, user, &rec);
	/* A corrupt record is as good as none; the write replaces it. */
	if (r == PA_ERR_NOT_FOUND || r == PA_ERR_CACHE_CORRUPT) {
		exists = 0;
		r = record_empty(user, &rec);
	}
	if (r != PA_OK)
		goto out;
	if ((r = fn(rec, exists, arg)) < 0)
		goto out;
	if (r == PA_CACHE_DELETE) {
		r = record_unlink(c, user);
		if (r == PA_ERR_NOT_FOUND)
			r = PA_OK;
		goto out;
	}
	if (r == PA_CACHE_KEEP) {
		r = PA_OK;
		goto out;
	}
	if (r != PA_OK || rec->user == NULL || strcmp(rec->user, user) != 0) {
		r = PA_ERR_ARG;
		goto out;
	}
	r = record_write(c, rec);
 out:
	lock_release(lfd);
	pa_cache_record_free(rec);
	return r;
}

int
pa_cache_delete(struct pa_cache *c, const char *user)
{
	int lfd = -1, r;

	if (c == NULL || !user_valid(user))
		return PA_ERR_ARG;
	if ((r = lock_acquire(c, lock_slot_user(user), &lfd)) != PA_OK)
		goto out;
	r = record_unlink(c, user);
 out:
	lock_release(lfd);
	return r;
}

/* "<user>.rec" with a valid user: copy the user part to buf. */
static int
list_entry_user(const char *dname, char *buf)
{
	size_t len = strlen(dname), slen = sizeof(REC_SUFFIX) - 1;

	if (len <= slen || len - slen > PA_CACHE_USER_MAX ||
	    strcmp(dname + len - slen, REC_SUFFIX) != 0)
		return 0;
	memcpy(buf, dname, len - slen);
	buf[len - slen] = '\0';
	return user_valid(buf);
}

static int
list_cmp(const void *a, const void *b)
{
	return strcmp(*(char * const *)a, *(char * const *)b);
}

int
pa_cache_list(struct pa_cache *c, char ***usersp, size_t *np)
{
	char user[PA_CACHE_USER_MAX + 1], **users = NULL, **tmp;
	size_t n = 0;
	struct dirent *de;
	DIR *d = NULL;
	int fd, r = PA_ERR_ARG;

	if (usersp == NULL || np == NULL)
		return PA_ERR_ARG;
	*usersp = NULL;
	*np = 0;
	if (c == NULL)
		goto out;
	/* A description of our own: readdir must not share c->dfd's offset. */
	if ((fd = openat(c->dfd, ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		r = PA_ERR_SYSTEM;
		goto out;
	}
	for (errno = 0; (de = readdir(d)) != NULL; errno = 0) {
		if (!list_entry_user(de->d_name, user))
			continue;
		if (n >= LIST_MAX) {
			r = PA_ERR_TOO_LARGE;
			goto out;
		}
		if ((tmp = reallocarray(users, n + 1, sizeof(*users))) ==
		    NULL) {
			r = PA_ERR_ALLOC;
			goto out;
		}
		users = tmp;
		if ((users[n] = strdup(user)) == NULL) {
			r = PA_ERR_ALLOC;
			goto out;
		}
		n++;
	}
	if (errno != 0) {
		r = PA_ERR_SYSTEM;
		goto out;
	}
	if (n > 1)
		qsort(users, n, sizeof(*users), list_cmp);
	*usersp = users;
	*np = n;
	users = NULL;
	n = 0;
	r = PA_OK;
 out:
	pa_cache_list_free(users, n);
	if (d != NULL)
		closedir(d);
	return r;
}

void
pa_cache_list_free(char **users, size_t n)
{
	size_t i;

	if (users == NULL)
		return;
	for (i = 0; i < n; i++)
		free(users[i]);
	free(users);
}

static void
strv_free(char **v, size_t n, int wipe)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++) {
		if (wipe)
			pa_strfreezero(v[i]);
		else
			free(v[i]);
	}
	free(v);
}

void
pa_cache_record_free(struct pa_cache_record *r)
{
	if (r == NULL)
		return;
	free(r->user);
	strv_free(r->roles, r->nroles, 0);
	free(r->tenant);
	free(r->store);
	free(r->name);
	free(r->sub);
	pa_strfreezero(r->refresh_token);
	pa_strfreezero(r->access_token);
	strv_free(r->pending_revocations, r->npending, 1);
	pa_freezero(r, sizeof(*r));	/* the verifier is in here */
}

int
pa_cache_record_queue_revocation(struct pa_cache_record *rec, char *token)
{
	char **q;

	if (rec == NULL || token == NULL) {
		pa_strfreezero(token);
		return PA_ERR_ARG;
	}
	while (rec->npending >= PA_CACHE_MAX_PENDING) {
		pa_strfreezero(rec->pending_revocations[0]);
		memmove(rec->pending_revocations,
		    rec->pending_revocations + 1,
		    (rec->npending - 1) * sizeof(*q));
		rec->npending--;
	}
	q = reallocarray(rec->pending_revocations, rec->npending + 1,
	    sizeof(*q));
	if (q == NULL) {
		pa_strfreezero(token);
		return PA_ERR_ALLOC;
	}
	q[rec->npending++] = token;
	rec->pending_revocations = q;
	return PA_OK;
}

/* ---- clock high-water mark ---- */

static int
clock_read(struct pa_cache *c, long long *hw)
{
	unsigned char *buf = NULL;
	const unsigned char *body;
	size_t len = 0, cap = 0, blen;
	json_error_t jerr;
	json_int_t v = 0, mark = -1;
	json_t *root = NULL;
	int r;

	if ((r = read_file_at(c, CLOCK_NAME, &buf, &len, &cap)) != PA_OK)
		goto out;
	if ((r = envelope_open(c, KIND_CLOCK, "", buf, len, &body,
	    &blen)) != PA_OK)
		goto out;
	r = PA_ERR_CACHE_CORRUPT;
	root = json_loadb((const char *)body, blen, JSON_REJECT_DUPLICATES,
	    &jerr);
	if (root == NULL || json_unpack_ex(root, &jerr, 0, "{s:I, s:I !}",
	    "v", &v, "high_water", &mark) != 0 ||
	    v != FORMAT_VERSION || mark < 0)
		goto out;
	*hw = mark;
	r = PA_OK;
 out:
	json_decref(root);
	pa_freezero(buf, cap);
	return r;
}

static int
clock_write(struct pa_cache *c, long long now)
{
	unsigned char *body = NULL, *file = NULL;
	size_t blen = 0, flen = 0;
	json_t *o;
	int r;

	if ((o = json_pack("{s:i, s:I}", "v", FORMAT_VERSION,
	    "high_water", (json_int_t)now)) == NULL)
		return PA_ERR_ALLOC;
	if ((r = json_to_body(o, &body, &blen)) != PA_OK)
		goto out;
	if ((r = envelope_seal(c, KIND_CLOCK, "", body, blen, &file,
	    &flen)) != PA_OK)
		goto out;
	r = write_file_atomic(c, CLOCK_NAME, file, flen);
 out:
	json_decref(o);
	free(body);
	free(file);
	return r;
}

int
pa_cache_clock_check(struct pa_cache *c, long long now, long leeway)
{
	long long hw = 0;
	int r;

	if (c == NULL || leeway < 0)
		return PA_ERR_ARG;
	r = clock_read(c, &hw);
	/* No trusted mark: no proof the clock was not turned back. */
	if (r == PA_ERR_NOT_FOUND || r == PA_ERR_CACHE_CORRUPT)
		return PA_ERR_CLOCK;
	if (r != PA_OK)
		return r;
	return now < hw - leeway ? PA_ERR_CLOCK : PA_OK;
}

static int
clock_update(struct pa_cache *c, long long now, int may_lower)
{
	long long hw = 0;
	int lfd = -1, r;

	if (c == NULL || now < 0)
		return PA_ERR_ARG;
	if ((r = lock_acquire(c, LOCK_SLOT_CLOCK, &lfd)) != PA_OK)
		goto out;
	r = clock_read(c, &hw);
	if (r == PA_OK && (hw == now || (hw > now && !may_lower)))
		goto out;
	if (r != PA_OK && r != PA_ERR_NOT_FOUND && r != PA_ERR_CACHE_CORRUPT)
		goto out;
	r = clock_write(c, now);
 out:
	lock_release(lfd);
	return r;
}

int
pa_cache_clock_advance(struct pa_cache *c, long long now)
{
	return clock_update(c, now, 0);
}

int
pa_cache_clock_set(struct pa_cache *c, long long now)
{
	return clock_update(c, now, 1);
}

/* ---- public documents of the token service ---- */

static int
doc_name_ok(const char *name)
{
	size_t i;

	for (i = 0; name[i] != '\0'; i++)
		if (name[i] < 'a' || name[i] > 'z' || i >= 16)
			return 0;
	return i > 0;
}

int
pa_cache_doc_get(struct pa_cache *c, const char *name, const char *owner,
    char **body, size_t *len, long long *stored_at)
{
	char fname[32];
	unsigned char *buf = NULL;
	const unsigned char *b;
	size_t flen = 0, cap = 0, blen, olen = strlen(owner);
	char *end = NULL;
	long long at;
	int r;

	*body = NULL;
	if (!doc_name_ok(name))
		return PA_ERR_ARG;
	snprintf(fname, sizeof(fname), "%s%s", name, DOC_SUFFIX);
	if ((r = read_file_at(c, fname, &buf, &flen, &cap)) != PA_OK)
		goto out;
	/* The file name is the MAC's name: a JWKS cannot pose as discovery. */
	if ((r = envelope_open(c, KIND_DOC, name, buf, flen, &b,
	    &blen)) != PA_OK)
		goto out;
	/* body: "<stored_at> <owner>\n<document>" */
	r = PA_ERR_CACHE_CORRUPT;
	if (blen == 0 || b[0] < '0' || b[0] > '9' || memchr(b, '\n', blen) ==
	    NULL || memchr(b, '\0', blen) != NULL)
		goto out;
	at = strtoll((const char *)b, &end, 10);
	if (end == NULL || *end != ' ' || at < 0 ||
	    (size_t)((const unsigned char *)end + 1 - b) + olen + 1 > blen ||
	    memcmp(end + 1, owner, olen) != 0 || end[1 + olen] != '\n') {
		/* Another issuer's document is simply not ours. */
		r = PA_ERR_NOT_FOUND;
		goto out;
	}
	b = (const unsigned char *)end + 2 + olen;
	blen -= (size_t)(b - (buf + HEADER_LEN));
	r = PA_ERR_ALLOC;
	if ((*body = malloc(blen + 1)) == NULL)
		goto out;
	memcpy(*body, b, blen);
	(*body)[blen] = '\0';
	*len = blen;
	*stored_at = at;
	r = PA_OK;
 out:
	pa_freezero(buf, cap);
	return r;
}

int
pa_cache_doc_put(struct pa_cache *c, const char *name, const char *owner,
    const char *body, size_t len, long long now)
{
	char fname[32], head[64];
	unsigned char *b = NULL, *file = NULL;
	size_t hlen, olen = strlen(owner), blen, flen = 0;
	int r;

	if (!doc_name_ok(name) || now < 0 || strchr(owner, '\n') != NULL)
		return PA_ERR_ARG;
	snprintf(fname, sizeof(fname), "%s%s", name, DOC_SUFFIX);
	hlen = (size_t)snprintf(head, sizeof(head), "%lld ", now);
	if (len > PA_CACHE_MAX_FILE || olen > PA_CACHE_MAX_FILE)
		return PA_ERR_TOO_LARGE;
	blen = hlen + olen + 1 + len;
	if ((b = malloc(blen)) == NULL)
		return PA_ERR_ALLOC;
	memcpy(b, head, hlen);
	memcpy(b + hlen, owner, olen);
	b[hlen + olen] = '\n';
	memcpy(b + hlen + olen + 1, body, len);
	if ((r = envelope_seal(c, KIND_DOC, name, b, blen, &file,
	    &flen)) != PA_OK)
		goto out;
	r = write_file_atomic(c, fname, file, flen);
 out:
	free(b);
	free(file);
	return r;
}
