/* SPDX-License-Identifier: MIT */
/*
 * `make bench`: getpwnam lookups per second through our NSS entry point
 * (_nss_posauth_getpwnam_r, index mapped, one stat() per call) against
 * glibc's nss_files (_nss_files_getpwnam_r) reading a passwd file with
 * the same N staff, for hits and misses.
 *
 * glibc 2.36 keeps nss_files inside libc.so.6 and reads the fixed path
 * /etc/passwd, so when run as root the bench enters a private mount
 * namespace and bind-mounts each generated passwd file over /etc/passwd
 * there (nothing outside the process sees it). Otherwise it falls back to
 * the same work done by hand (fopen + fgetpwent_r scan + fclose per
 * lookup) and says so in the table.
 *
 * usage: bench_nss [-t SECONDS] [N ...]   (default N: 1000 10000 100000)
 */
#include "config.h"

#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <dlfcn.h>
#include <errno.h>
#include <nss.h>
#include <pwd.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "nss_posauth.h"
#include "nssdb.h"

typedef enum nss_status (*getpwnam_fn)(const char *, struct passwd *,
    char *, size_t, int *);

#define NAMELEN 24
#define NPROBE 4096		/* distinct names looked up, in random order */

static double min_seconds = 0.5;
static char tmpdir[] = "/tmp/bench_nss.XXXXXX";
static char passwd_path[64], index_path[64];
static int use_namespace;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint32_t
xorshift(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void
staff_name(char *out, size_t i)
{
	snprintf(out, NAMELEN, "staff%07zu", i);
}

/* The same N users into our index and into a passwd file. */
static int
make_files(size_t n)
{
	struct pa_nss_user *u;
	char (*names)[NAMELEN];
	FILE *f;
	size_t i;
	int r;

	if ((u = calloc(n, sizeof(*u))) == NULL ||
	    (names = calloc(n, sizeof(*names))) == NULL ||
	    (f = fopen(passwd_path, "w")) == NULL)
		return -1;
	fprintf(f, "root:x:0:0:root:/root:/bin/bash\n"
	    "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n");
	for (i = 0; i < n; i++) {
		staff_name(names[i], i);
		u[i] = (struct pa_nss_user){ names[i], 200000 + (uint32_t)i,
		    200000 + (uint32_t)i, "POS Staff", "/home/staff",
		    "/bin/bash", NULL, 0 };
		fprintf(f, "%s:x:%u:%u:POS Staff:/home/staff:/bin/bash\n",
		    names[i], u[i].uid, u[i].gid);
	}
	if (fclose(f) != 0)
		return -1;
	r = pa_nssdb_write(index_path, u, n, NULL, 0);
	free(u);
	free(names);
	return r == PA_OK ? 0 : -1;
}

/* What nss_files does per call, for when /etc/passwd cannot be swapped. */
static enum nss_status
emulated_files_getpwnam_r(const char *name, struct passwd *pw, char *buf,
    size_t buflen, int *errnop)
{
	struct passwd *res;
	FILE *f;
	enum nss_status s = NSS_STATUS_NOTFOUND;

	if ((f = fopen(passwd_path, "re")) == NULL)
		return NSS_STATUS_UNAVAIL;
	while (fgetpwent_r(f, pw, buf, buflen, &res) == 0) {
		if (strcmp(res->pw_name, name) == 0) {
			s = NSS_STATUS_SUCCESS;
			break;
		}
	}
	fclose(f);
	if (s != NSS_STATUS_SUCCESS)
		*errnop = ENOENT;
	return s;
}

/* The reader alone on an open handle: the NSS path minus lock and stat(). */
static struct pa_nssdb *direct_db;

static enum nss_status
direct_getpwnam_r(const char *name, struct passwd *pw, char *buf,
    size_t buflen, int *errnop)
{
	if (pa_nssdb_getpwnam(direct_db, name, pw, buf, buflen) == PA_OK)
		return NSS_STATUS_SUCCESS;
	*errnop = ENOENT;
	return NSS_STATUS_NOTFOUND;
}

/*
 * Lookups per second of names[order[i]] until min_seconds have passed;
 * -1 when a hit misses or a miss hits.
 */
static double
measure(getpwnam_fn fn, char (*names)[NAMELEN], const uint32_t *order,
    enum nss_status want)
{
	struct passwd pw;
	char buf[1024];
	double start = now(), elapsed;
	long done = 0, batch = 1;
	int err, i;

	do {
		for (i = 0; i < batch; i++, done++) {
			if (fn(names[order[done % NPROBE]], &pw, buf,
			    sizeof(buf), &err) != want)
				return -1;
		}
		if (batch < 4096)
			batch *= 2;
		elapsed = now() - start;
	} while (elapsed < min_seconds);
	return (double)done / elapsed;
}

static int
bind_passwd(void)
{
	return mount(passwd_path, "/etc/passwd", NULL, MS_BIND, NULL);
}

static void
report(size_t n, const double *v)
{
	printf("%8zu | %12.0f %12.0f %8.0fx | %12.0f %12.0f %8.0fx | "
	    "%6.0f %6.0f | %6.0f %6.0f\n",
	    n, v[0], v[1], v[0] / v[1], v[2], v[3], v[2] / v[3],
	    1e9 / v[0], 1e9 / v[2], 1e9 / v[4], 1e9 / v[5]);
}

static int
bench_one(size_t n, getpwnam_fn files_fn)
{
	char (*hit)[NAMELEN], (*miss)[NAMELEN];
	uint32_t order[NPROBE], seed = 0x9e3779b9u;
	double v[6];
	size_t i;
	int r = -1;

	hit = calloc(NPROBE, sizeof(*hit));
	miss = calloc(NPROBE, sizeof(*miss));
	if (hit == NULL || miss == NULL || make_files(n) != 0)
		goto out;
	for (i = 0; i < NPROBE; i++) {
		staff_name(hit[i], xorshift(&seed) % n);
		staff_name(miss[i], n + xorshift(&seed) % n);
		order[i] = (uint32_t)i;
	}
	if (use_namespace && bind_passwd() != 0) {
		perror("bench_nss: bind mount");
		goto out;
	}
	v[0] = measure(_nss_posauth_getpwnam_r, hit, order,
	    NSS_STATUS_SUCCESS);
	v[1] = measure(files_fn, hit, order, NSS_STATUS_SUCCESS);
	v[2] = measure(_nss_posauth_getpwnam_r, miss, order,
	    NSS_STATUS_NOTFOUND);
	v[3] = measure(files_fn, miss, order, NSS_STATUS_NOTFOUND);
	if (use_namespace)
		umount("/etc/passwd");
	if (pa_nssdb_open(index_path, &direct_db) != PA_OK)
		goto out;
	v[4] = measure(direct_getpwnam_r, hit, order, NSS_STATUS_SUCCESS);
	v[5] = measure(direct_getpwnam_r, miss, order, NSS_STATUS_NOTFOUND);
	pa_nssdb_close(direct_db);
	direct_db = NULL;
	for (i = 0; i < 6; i++) {
		if (v[i] <= 0) {
			fprintf(stderr, "bench_nss: wrong lookup result\n");
			goto out;
		}
	}
	report(n, v);
	r = 0;
 out:
	free(hit);
	free(miss);
	return r;
}

/* Root only: a private namespace so /etc/passwd is ours alone. */
static int
enter_namespace(void)
{
	if (geteuid() != 0 || unshare(CLONE_NEWNS) != 0)
		return -1;
	return mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
}

int
main(int argc, char **argv)
{
	static const size_t defaults[] = { 1000, 10000, 100000 };
	size_t sizes[16], nsizes = 0, i;
	getpwnam_fn files_fn = emulated_files_getpwnam_r;
	const char *files_label = "fgetpwent scan (nss_files emulation)";
	int opt, rc = 0;

	while ((opt = getopt(argc, argv, "t:")) != -1) {
		if (opt != 't' || (min_seconds = atof(optarg)) <= 0) {
			fprintf(stderr, "usage: bench_nss [-t SECONDS] [N ...]\n");
			return 2;
		}
	}
	for (; optind < argc && nsizes < 16; optind++)
		if ((sizes[nsizes++] = strtoul(argv[optind], NULL, 10)) == 0)
			return 2;
	if (nsizes == 0) {
		memcpy(sizes, defaults, sizeof(defaults));
		nsizes = 3;
	}
	if (mkdtemp(tmpdir) == NULL)
		return 1;
	snprintf(passwd_path, sizeof(passwd_path), "%s/passwd", tmpdir);
	snprintf(index_path, sizeof(index_path), "%s/nss.db", tmpdir);
	setenv("POSAUTH_NSS_INDEX", index_path, 1);

	if (enter_namespace() == 0 &&
	    (files_fn = (getpwnam_fn)dlsym(RTLD_DEFAULT,
	    "_nss_files_getpwnam_r")) != NULL) {
		use_namespace = 1;
		files_label = "glibc _nss_files_getpwnam_r (/etc/passwd "
		    "bind-mounted in a private mount namespace)";
	} else
		files_fn = emulated_files_getpwnam_r;

	printf("posauth: _nss_posauth_getpwnam_r (mmap index, stat per call)\n"
	    "reader:  pa_nssdb_getpwnam on an open handle (no lock, no stat)\n"
	    "files:   %s\n"
	    "each cell: lookups/s over >= %.1f s, %d distinct names in "
	    "random order\n\n", files_label, min_seconds, NPROBE);
	printf("%8s | %12s %12s %9s | %12s %12s %9s | %13s | %13s\n", "",
	    "hit", "", "", "miss", "", "", "posauth ns/op", "reader ns/op");
	printf("%8s | %12s %12s %9s | %12s %12s %9s | %6s %6s | %6s %6s\n",
	    "N", "posauth/s", "files/s", "ratio", "posauth/s", "files/s",
	    "ratio", "hit", "miss", "hit", "miss");
	for (i = 0; i < nsizes; i++) {
		if (bench_one(sizes[i], files_fn) != 0)
			rc = 1;
	}
	unlink(passwd_path);
	unlink(index_path);
	rmdir(tmpdir);
	return rc;
}
