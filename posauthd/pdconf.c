/* SPDX-License-Identifier: MIT */
/*
 * posauthd's configuration: posauth.conf, read again whenever the file
 * changes (checked at each request, as the PAM module read it at each
 * call), so an edit takes effect without a restart. A file that does not
 * parse denies every login until it is fixed, and is said so in the log
 * once per change.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conf.h"
#include "daemon.h"
#include "devkey.h"
#include "err.h"
#include "jwkpub.h"
#include "jwtsign.h"

static void
report_problem(void *ctx, const char *file, unsigned line, const char *key,
    const char *msg)
{
	struct pd *d = ctx;

	pa_log(&d->log, LOG_ERR, "%s:%u: %s%s%s", file, line,
	    key != NULL ? key : "", key != NULL ? ": " : "", msg);
}

static long long
ns_of(const struct timespec *ts)
{
	return (long long)ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

/* 1 when the file is not the one loaded last (or is gone, or appeared). */
static int
conf_changed(struct pd *d, struct stat *st, int *exists)
{
	*exists = stat(d->config_path, st) == 0;
	if (!d->conf_id.have)
		return 1;
	if (!*exists)
		return d->conf_id.ino != 0;
	return st->st_dev != d->conf_id.dev || st->st_ino != d->conf_id.ino ||
	    st->st_size != d->conf_id.size ||
	    ns_of(&st->st_mtim) != d->conf_id.mtime_ns ||
	    ns_of(&st->st_ctim) != d->conf_id.ctime_ns;
}

/*
 * The device signing key exists from the first start on, whatever
 * client_auth says: the terminal is registered with its public key
 * (posauthctl device-key) before it is switched to private_key_jwt.
 * Failing here only logs; requests that need the key fail closed.
 */
static void
conf_device_key(struct pd *d, const struct pa_conf *conf)
{
	EVP_PKEY *k = NULL;
	char jkt[PA_JKT_LEN];
	int r;

	if ((r = pa_devkey_get(conf, &k)) == PA_OK &&
	    (r = pa_jwk_thumbprint(k, jkt)) == PA_OK)
		pa_log(&d->log, LOG_INFO, "device key (%s, %s): thumbprint %s",
		    pa_devkey_storage(conf), pa_jwt_alg_for(k), jkt);
	else
		pa_log(&d->log, conf->client_auth == PA_CLIENT_PRIVATE_KEY_JWT ||
		    conf->dpop ? LOG_ERR : LOG_WARNING, "device key (%s) "
		    "unusable: %s", pa_devkey_storage(conf), pa_strerror(r));
	EVP_PKEY_free(k);
}

static struct pd_conf *
conf_load(struct pd *d)
{
	struct pd_conf *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->refs = 1;
	c->status = pa_conf_load(d->config_path, &c->conf, report_problem, d);
	if (c->status != PA_OK) {
		pa_log(&d->log, LOG_ERR, "config %s unusable, denying every "
		    "login", d->config_path);
		/* Missing or unreadable is a config problem too. */
		c->status = PA_ERR_CONFIG;
	} else {
		pa_log(&d->log, LOG_INFO, "config %s loaded", d->config_path);
		conf_device_key(d, c->conf);
	}
	return c;
}

void
pd_conf_init(struct pd *d)
{
	pthread_mutex_init(&d->conf_lock, NULL);
	d->conf = NULL;
	memset(&d->conf_id, 0, sizeof(d->conf_id));
}

struct pd_conf *
pd_conf_get(struct pd *d)
{
	struct pd_conf *c, *fresh;
	struct stat st;
	int exists;

	pthread_mutex_lock(&d->conf_lock);
	if (d->conf == NULL || conf_changed(d, &st, &exists)) {
		if (d->conf == NULL)
			exists = stat(d->config_path, &st) == 0;
		if ((fresh = conf_load(d)) != NULL) {
			if (d->conf != NULL)
				pd_conf_put(d, d->conf);
			d->conf = fresh;
			d->conf_id.have = 1;
			d->conf_id.dev = exists ? st.st_dev : 0;
			d->conf_id.ino = exists ? st.st_ino : 0;
			d->conf_id.size = exists ? st.st_size : 0;
			d->conf_id.mtime_ns = exists ? ns_of(&st.st_mtim) : 0;
			d->conf_id.ctime_ns = exists ? ns_of(&st.st_ctim) : 0;
		}
	}
	if ((c = d->conf) != NULL)
		__atomic_add_fetch(&c->refs, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&d->conf_lock);
	return c;
}

void
pd_conf_put(struct pd *d, struct pd_conf *c)
{
	(void)d;
	if (c == NULL || __atomic_sub_fetch(&c->refs, 1, __ATOMIC_SEQ_CST) > 0)
		return;
	pa_conf_free(c->conf);
	free(c);
}

void
pd_conf_shutdown(struct pd *d)
{
	pthread_mutex_lock(&d->conf_lock);
	pd_conf_put(d, d->conf);
	d->conf = NULL;
	pthread_mutex_unlock(&d->conf_lock);
}

void
pd_conf_invalidate(struct pd *d)
{
	pthread_mutex_lock(&d->conf_lock);
	d->conf_id.have = 0;
	pthread_mutex_unlock(&d->conf_lock);
}
