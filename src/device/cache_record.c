/* SPDX-License-Identifier: MIT */
/*
 * Records of the device cache: one sealed file per staff member,
 * "<user>.rec", holding the record schema described in cache.h.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "buf.h"
#include "cache.h"
#include "cache_int.h"
#include "err.h"
#include "fileio.h"
#include "hex.h"
#include "kdf.h"
#include "secret.h"
#include "strv.h"

#define KIND_RECORD	"record"
#define REC_SUFFIX	".rec"
#define REC_NAME_MAX	(PA_CACHE_USER_MAX + sizeof(REC_SUFFIX))
#define FORMAT_VERSION	1
#define LIST_MAX	(1u << 20)
#define UID_MAX_VALUE	4294967294LL	/* (uid_t)-1 means "no uid" */

/* name must hold REC_NAME_MAX bytes; user must be a valid component. */
static void
record_name(const char *user, char *name)
{
	size_t len = strlen(user);

	memcpy(name, user, len);
	memcpy(name + len, REC_SUFFIX, sizeof(REC_SUFFIX));
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

void
cache_json_wipe_free(json_t *j)
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
		if (json_array_append_new(a, s) != 0)
			return PA_ERR_ALLOC;
	}
	return PA_OK;
}

struct json_sink {
	struct pa_buf *b;
	int r;
};

static int
json_to_buf_cb(const char *p, size_t n, void *arg)
{
	struct json_sink *sink = arg;

	sink->r = pa_buf_put(sink->b, p, n);
	return sink->r == PA_OK ? 0 : -1;
}

/*
 * Serialises j as compact JSON with sorted keys plus "\n", straight into
 * a wiping buffer: json_dumps()'s growing scratch buffers would be freed
 * with token bytes still in them.
 */
int
cache_json_body(json_t *j, struct pa_buf *out)
{
	struct json_sink sink = { out, PA_OK };

	if (json_dump_callback(j, json_to_buf_cb, &sink,
	    JSON_COMPACT | JSON_SORT_KEYS) != 0)
		return sink.r != PA_OK ? sink.r : PA_ERR_ALLOC;
	return pa_buf_putc(out, '\n');
}

/* ---- record <-> JSON ---- */

static int
record_check(const struct pa_cache_record *rec)
{
	if (rec == NULL || !pa_name_is_component(rec->user))
		return PA_ERR_ARG;
	if (rec->nroles > PA_CACHE_MAX_ROLES ||
	    rec->npending > PA_CACHE_MAX_PENDING)
		return PA_ERR_ARG;
	/* The reader refuses these; never write what cannot be read. */
	if (rec->token_exp < 0 || rec->last_online < 0 ||
	    rec->locked_until < 0 || rec->access_exp < 0 || rec->last_mfa < 0)
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

	pa_hex_encode(v->salt, sizeof(v->salt), salt);
	salt[sizeof(salt) - 1] = '\0';
	pa_hex_encode(v->hash, sizeof(v->hash), hash);
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
record_to_body(const struct pa_cache_record *rec, struct pa_buf *out)
{
	json_t *o;
	int r;

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
	    (rec->last_mfa > 0 &&
	    (r = json_put_int(o, "last_mfa", rec->last_mfa)) != PA_OK) ||
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
	r = cache_json_body(o, out);
 out:
	cache_json_wipe_free(o);
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
	if (pa_hex_decode(salt, strlen(salt), v->salt, sizeof(v->salt)) !=
	    PA_OK || pa_hex_decode(hash, strlen(hash), v->hash,
	    sizeof(v->hash)) != PA_OK)
		return PA_ERR_CACHE_CORRUPT;
	v->alg = (unsigned)alg;
	v->cost = (unsigned)cost;
	return PA_OK;
}

/* Fields of a record body as jansson hands them out. */
struct record_json {
	json_int_t v, uid, token_exp, last_online, last_mfa, failures,
	    locked_until, access_exp;
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
	    "{s:I, s:s, s:o, s?s, s?s, s?s, s?s, s?I, s:I, s:I, s?I, s?o,"
	    " s:I, s:I, s?s, s?s, s:I, s:o !}",
	    "v", &f->v, "user", &f->user, "roles", &f->roles,
	    "tenant", &f->tenant, "store", &f->store, "name", &f->name,
	    "sub", &f->sub, "uid", &f->uid, "token_exp", &f->token_exp,
	    "last_online", &f->last_online, "last_mfa", &f->last_mfa,
	    "verifier", &f->verifier,
	    "failures", &f->failures, "locked_until", &f->locked_until,
	    "refresh_token", &f->refresh, "access_token", &f->access,
	    "access_exp", &f->access_exp,
	    "pending_revocations", &f->pending) != 0)
		return PA_ERR_CACHE_CORRUPT;
	if (f->v != FORMAT_VERSION)
		return PA_ERR_CACHE_CORRUPT;
	if (f->token_exp < 0 || f->last_online < 0 || f->last_mfa < 0 ||
	    f->locked_until < 0 ||
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
	rec->last_mfa = f->last_mfa;
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
	cache_json_wipe_free(root);
	return r;
}

/* ---- records on disk ---- */

static int
record_read(struct pa_cache *c, const char *user,
    struct pa_cache_record **out)
{
	char name[REC_NAME_MAX];
	struct pa_buf raw;
	const unsigned char *body;
	size_t blen;
	int r;

	*out = NULL;
	pa_buf_init(&raw, PA_CACHE_MAX_FILE);
	record_name(user, name);
	if ((r = cache_read_sealed(c, name, KIND_RECORD, user, &raw, &body,
	    &blen)) == PA_OK)
		r = record_from_body(body, blen, user, out);
	pa_buf_clear(&raw);
	return r;
}

static int
record_write(struct pa_cache *c, const struct pa_cache_record *rec)
{
	char name[REC_NAME_MAX];
	struct pa_buf body;
	int r;

	pa_buf_init(&body, PA_CACHE_MAX_FILE - PA_SEAL_HEADER_LEN);
	if ((r = record_to_body(rec, &body)) == PA_OK) {
		record_name(rec->user, name);
		r = cache_write_sealed(c, name, KIND_RECORD, rec->user,
		    body.d, body.len);
	}
	pa_buf_clear(&body);
	return r;
}

static int
record_unlink(struct pa_cache *c, const char *user)
{
	char name[REC_NAME_MAX];

	record_name(user, name);
	if (unlinkat(c->dfd, name, 0) != 0)
		return errno == ENOENT ? PA_ERR_NOT_FOUND : PA_ERR_SYSTEM;
	return pa_fsync_dir(c->dfd);
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

/* ---- public API ---- */

int
pa_cache_get(struct pa_cache *c, const char *user,
    struct pa_cache_record **out)
{
	if (out != NULL)
		*out = NULL;
	if (c == NULL || out == NULL || !pa_name_is_component(user))
		return PA_ERR_ARG;
	return record_read(c, user, out);
}

int
pa_cache_put(struct pa_cache *c, const struct pa_cache_record *rec)
{
	int lfd = -1, r;

	if (c == NULL || record_check(rec) != PA_OK)
		return PA_ERR_ARG;
	if ((r = cache_lock_acquire(c, cache_lock_slot_user(rec->user),
	    &lfd)) == PA_OK)
		r = record_write(c, rec);
	cache_lock_release(lfd);
	return r;
}

int
pa_cache_put_locked(struct pa_cache *c, const struct pa_cache_lock *l,
    const struct pa_cache_record *rec)
{
	if (c == NULL || l == NULL || record_check(rec) != PA_OK ||
	    strcmp(rec->user, cache_lock_user(l)) != 0)
		return PA_ERR_ARG;
	return record_write(c, rec);
}

int
pa_cache_update(struct pa_cache *c, const char *user,
    int (*fn)(struct pa_cache_record *rec, int exists, void *arg),
    void *arg)
{
	struct pa_cache_record *rec = NULL;
	int lfd = -1, exists = 1, r;

	if (c == NULL || fn == NULL || !pa_name_is_component(user))
		return PA_ERR_ARG;
	if ((r = cache_lock_acquire(c, cache_lock_slot_user(user), &lfd)) !=
	    PA_OK)
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
	cache_lock_release(lfd);
	pa_cache_record_free(rec);
	return r;
}

int
pa_cache_delete(struct pa_cache *c, const char *user)
{
	int lfd = -1, r;

	if (c == NULL || !pa_name_is_component(user))
		return PA_ERR_ARG;
	if ((r = cache_lock_acquire(c, cache_lock_slot_user(user), &lfd)) ==
	    PA_OK)
		r = record_unlink(c, user);
	cache_lock_release(lfd);
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
	return pa_name_is_component(buf);
}

static int
list_cmp(const void *a, const void *b)
{
	return strcmp(*(char * const *)a, *(char * const *)b);
}

int
pa_cache_list(struct pa_cache *c, char ***usersp, size_t *np)
{
	char user[PA_CACHE_USER_MAX + 1], **users = NULL;
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
	r = PA_OK;
	for (errno = 0; r == PA_OK && (de = readdir(d)) != NULL; errno = 0)
		if (list_entry_user(de->d_name, user))
			r = pa_strv_add_unique(&users, &n, LIST_MAX, user);
	if (r == PA_OK && errno != 0)
		r = PA_ERR_SYSTEM;
	if (r != PA_OK)
		goto out;
	if (n > 1)
		qsort(users, n, sizeof(*users), list_cmp);
	*usersp = users;
	*np = n;
	users = NULL;
	n = 0;
 out:
	pa_strv_free(users, n);
	if (d != NULL)
		closedir(d);
	return r;
}

void
pa_cache_list_free(char **users, size_t n)
{
	pa_strv_free(users, n);
}

void
pa_cache_record_free(struct pa_cache_record *r)
{
	if (r == NULL)
		return;
	free(r->user);
	pa_strv_free(r->roles, r->nroles);
	free(r->tenant);
	free(r->store);
	free(r->name);
	free(r->sub);
	pa_strfreezero(r->refresh_token);
	pa_strfreezero(r->access_token);
	pa_strv_freezero(r->pending_revocations, r->npending);
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
