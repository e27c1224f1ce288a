/* SPDX-License-Identifier: MIT */
/*
 * fileio.c: the one file layer. Checked opens refuse what the policy
 * refuses, atomic writes leave the old file when they fail.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "fileio.h"
#include "tap.h"

static char dir[] = "/tmp/test_fileio.XXXXXX";
static int dfd = -1;

static int
put(const char *name, const char *text, mode_t mode)
{
	struct pa_chunk c = { text, strlen(text) };

	return pa_write_atomic_at(dfd, name, &c, 1, mode, (uid_t)-1,
	    (gid_t)-1, 0);
}

static int
read_back(const char *name, const struct pa_file_policy *pol, size_t cap,
    char *out, size_t outlen)
{
	struct pa_buf b;
	int r;

	pa_buf_init(&b, cap + 1);
	if ((r = pa_read_file_at(dfd, name, pol, cap, &b)) == PA_OK)
		snprintf(out, outlen, "%s", pa_buf_str(&b));
	pa_buf_clear(&b);
	return r;
}

static void
test_names(void)
{
	ok(pa_name_is_component("alice") && pa_name_is_component("a.b_c-1"),
	    "test_plain_names_are_components");
	ok(!pa_name_is_component("") && !pa_name_is_component(".x") &&
	    !pa_name_is_component("..") && !pa_name_is_component("a/b") &&
	    !pa_name_is_component("Alice") && !pa_name_is_component(NULL),
	    "test_path_tricks_are_not_components");
	ok(pa_name_is_component("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaa") && !pa_name_is_component("aaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
	    "test_component_length_bound");
}

static void
test_write_and_read(void)
{
	char got[64];
	struct stat st;

	umask(077);
	ok(put("f", "one", 0644) == PA_OK && fstatat(dfd, "f", &st, 0) == 0 &&
	    (st.st_mode & 07777) == 0644, "test_atomic_write_sets_exact_mode");
	umask(022);
	ok(put("f", "two", 0600) == PA_OK &&
	    read_back("f", &pa_policy_private, 64, got, sizeof(got)) == PA_OK &&
	    strcmp(got, "two") == 0, "test_atomic_write_replaces");
	ok(read_back("f", &pa_policy_private, 2, got, sizeof(got)) ==
	    PA_ERR_TOO_LARGE, "test_read_cap_refuses_bigger_file");
	ok(read_back("none", &pa_policy_private, 64, got, sizeof(got)) ==
	    PA_ERR_NOT_FOUND, "test_missing_file_not_found");
}

static void
test_policy(void)
{
	char got[64];

	ok(put("open", "x", 0644) == PA_OK &&
	    read_back("open", &pa_policy_private, 64, got, sizeof(got)) ==
	    PA_ERR_UNSAFE_FILE, "test_private_policy_refuses_readable_file");
	ok(read_back("open", &pa_policy_owner_writes, 64, got, sizeof(got)) ==
	    PA_OK, "test_owner_writes_policy_accepts_readable_file");
	ok(put("gw", "x", 0664) == PA_OK &&
	    read_back("gw", &pa_policy_owner_writes, 64, got, sizeof(got)) ==
	    PA_ERR_UNSAFE_FILE, "test_group_writable_refused");
	ok(symlinkat("f", dfd, "link") == 0 &&
	    read_back("link", &pa_policy_private, 64, got, sizeof(got)) ==
	    PA_ERR_UNSAFE_FILE, "test_symlink_never_followed");
	ok(mkfifoat(dfd, "fifo", 0600) == 0 &&
	    read_back("fifo", &pa_policy_private, 64, got, sizeof(got)) ==
	    PA_ERR_UNSAFE_FILE, "test_fifo_refused_without_blocking");
	if (geteuid() == 0) {
		ok(fchownat(dfd, "f", 65534, 0, 0) == 0 &&
		    read_back("f", &pa_policy_private, 64, got, sizeof(got)) ==
		    PA_ERR_UNSAFE_FILE, "test_file_of_another_owner_refused");
		if (fchownat(dfd, "f", 0, 0, 0) != 0)
			exit(90);
	} else
		tap_skip_one("test_file_of_another_owner_refused",
		    "needs root to chown");
}

static void
test_noreplace_and_no_temp_left(void)
{
	struct pa_chunk c = { "new", 3 };
	char got[64];
	int fd;

	ok(pa_write_atomic_at(dfd, "f", &c, 1, 0600, (uid_t)-1, (gid_t)-1,
	    PA_WRITE_NOREPLACE) == PA_OK &&
	    read_back("f", &pa_policy_private, 64, got, sizeof(got)) == PA_OK &&
	    strcmp(got, "two") == 0, "test_noreplace_keeps_existing_file");
	/* A directory in the way makes rename fail: the old file stays. */
	ok(mkdirat(dfd, "d", 0700) == 0 && put("d", "x", 0600) ==
	    PA_ERR_SYSTEM, "test_failed_write_reports_system_error");
	fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY);
	{
		char cmd[256];

		snprintf(cmd, sizeof(cmd), "ls -a '%s' | grep -q '^\\.tmp'",
		    dir);
		ok(system(cmd) != 0, "test_failed_write_leaves_no_temp_file");
	}
	if (fd >= 0)
		close(fd);
}

static void
test_open_dir(void)
{
	static const struct pa_file_policy dpol = {
		.deny_mode = S_IRWXG | S_IRWXO, .type = PA_FILE_DIR,
	};
	char path[256];
	struct stat st;
	int fd = -1;

	snprintf(path, sizeof(path), "%s/made", dir);
	umask(077);
	ok(pa_open_dir(path, 1, 0700, &dpol, &fd) == PA_OK &&
	    fstat(fd, &st) == 0 && (st.st_mode & 07777) == 0700,
	    "test_open_dir_creates_with_exact_mode");
	umask(022);
	if (fd >= 0)
		close(fd);
	snprintf(path, sizeof(path), "%s/no/such", dir);
	ok(pa_open_dir(path, 1, 0700, &dpol, &fd) == PA_ERR_NOT_FOUND,
	    "test_open_dir_never_creates_parents");
	snprintf(path, sizeof(path), "%s/wide", dir);
	ok(mkdir(path, 0755) == 0 && pa_open_dir(path, 0, 0700, &dpol, &fd) ==
	    PA_ERR_UNSAFE_FILE, "test_open_dir_checks_policy");
}

static void
test_temp_names(void)
{
	char a[PA_TEMP_NAME_MAX], b[PA_TEMP_NAME_MAX];

	ok(pa_temp_name(".tmp-", a) == PA_OK && pa_temp_name(".tmp-", b) ==
	    PA_OK && strncmp(a, ".tmp-", 5) == 0 && strlen(a) == 5 + 32 &&
	    strcmp(a, b) != 0, "test_temp_names_random_and_prefixed");
}

int
main(void)
{
	char cmd[128];

	if (mkdtemp(dir) == NULL ||
	    (dfd = open(dir, O_RDONLY | O_DIRECTORY)) < 0)
		return 99;
	test_names();
	test_write_and_read();
	test_policy();
	test_noreplace_and_no_temp_left();
	test_open_dir();
	test_temp_names();
	close(dfd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 98;
	return tap_done();
}
