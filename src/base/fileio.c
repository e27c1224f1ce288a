/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "fileio.h"

#define READ_CHUNK 4096

const struct pa_file_policy pa_policy_private = {
	.deny_mode = S_IRWXG | S_IRWXO,
};
const struct pa_file_policy pa_policy_owner_writes = {
	.follow = 1, .deny_mode = S_IWGRP | S_IWOTH,
};

int
pa_name_is_component(const char *name)
{
	size_t i, len;

	if (name == NULL || name[0] == '\0' || name[0] == '.')
		return 0;
	if ((len = strnlen(name, PA_NAME_COMPONENT_MAX + 1)) >
	    PA_NAME_COMPONENT_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		char ch = name[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		    ch == '.' || ch == '_' || ch == '-'))
			return 0;
	}
	return 1;
}

static int
open_errno_status(int e)
{
	if (e == ENOENT)
		return PA_ERR_NOT_FOUND;
	/* O_NOFOLLOW met a symlink (ELOOP) or a path part is not a dir. */
	if (e == ELOOP || e == ENOTDIR)
		return PA_ERR_UNSAFE_FILE;
	return PA_ERR_SYSTEM;
}

static int
policy_allows(const struct pa_file_policy *pol, const struct stat *st)
{
	if ((pol->type == PA_FILE_REGULAR && !S_ISREG(st->st_mode)) ||
	    (pol->type == PA_FILE_DIR && !S_ISDIR(st->st_mode)))
		return 0;
	/* Root's, or the caller's own when tests run unprivileged. */
	if (!pol->any_owner && st->st_uid != 0 && st->st_uid != geteuid())
		return 0;
	return (st->st_mode & pol->deny_mode) == 0;
}

int
pa_open_checked_at(int dirfd, const char *name, int flags,
    const struct pa_file_policy *pol, int *fdp, struct stat *st)
{
	int fd;

	*fdp = -1;
	/* O_NONBLOCK: a FIFO planted in place of a file must not hang us. */
	flags |= O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
	if (!pol->follow)
		flags |= O_NOFOLLOW;
	if ((fd = openat(dirfd, name, flags)) < 0)
		return open_errno_status(errno);
	if (fstat(fd, st) != 0) {
		close(fd);
		return PA_ERR_SYSTEM;
	}
	if (!policy_allows(pol, st)) {
		close(fd);
		return PA_ERR_UNSAFE_FILE;
	}
	*fdp = fd;
	return PA_OK;
}

int
pa_read_all(int fd, size_t cap, struct pa_buf *out)
{
	unsigned char *p, extra;
	size_t got = 0, want;
	ssize_t n;
	int r;

	for (;;) {
		if (got == cap) {
			/* One byte past cap tells a file that is too big. */
			do
				n = read(fd, &extra, 1);
			while (n < 0 && errno == EINTR);
			if (n < 0)
				return PA_ERR_SYSTEM;
			return n == 0 ? PA_OK : PA_ERR_TOO_LARGE;
		}
		want = cap - got < READ_CHUNK ? cap - got : READ_CHUNK;
		if ((r = pa_buf_reserve(out, want, &p)) != PA_OK)
			return r;
		n = read(fd, p, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return PA_ERR_SYSTEM;
		if (n == 0)
			return PA_OK;
		pa_buf_commit(out, (size_t)n);
		got += (size_t)n;
	}
}

int
pa_read_file_at(int dirfd, const char *name,
    const struct pa_file_policy *pol, size_t cap, struct pa_buf *out)
{
	struct stat st;
	int fd, r;

	if ((r = pa_open_checked_at(dirfd, name, O_RDONLY, pol, &fd,
	    &st)) != PA_OK)
		return r;
	/* Refused before reading: a file too big is not worth the bytes. */
	if (st.st_size < 0 || (unsigned long long)st.st_size > cap)
		r = PA_ERR_TOO_LARGE;
	else
		r = pa_read_all(fd, cap, out);
	close(fd);
	return r;
}

int
pa_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return PA_ERR_SYSTEM;
		}
		p += n;
		len -= (size_t)n;
	}
	return PA_OK;
}

int
pa_fsync_dir(int dirfd)
{
	return fsync(dirfd) == 0 ? PA_OK : PA_ERR_SYSTEM;
}

int
pa_temp_name(const char *prefix, char *out)
{
	static const char digits[] = "0123456789abcdef";
	unsigned char rnd[16];
	size_t plen = strlen(prefix), i;
	ssize_t n;

	if (plen + 2 * sizeof(rnd) + 1 > PA_TEMP_NAME_MAX)
		return PA_ERR_ARG;
	do
		n = getrandom(rnd, sizeof(rnd), 0);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(rnd))
		return PA_ERR_SYSTEM;
	memcpy(out, prefix, plen);
	for (i = 0; i < sizeof(rnd); i++) {
		out[plen + 2 * i] = digits[rnd[i] >> 4];
		out[plen + 2 * i + 1] = digits[rnd[i] & 0x0f];
	}
	out[plen + 2 * sizeof(rnd)] = '\0';
	return PA_OK;
}

static int
write_chunks(int fd, const struct pa_chunk *chunks, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (pa_write_all(fd, chunks[i].data, chunks[i].len) != PA_OK)
			return PA_ERR_SYSTEM;
	return PA_OK;
}

/* Puts the finished temp file in place; the directory is fsync'ed after. */
static int
place_temp(int dirfd, const char *tmp, const char *name, int flags)
{
	if ((flags & PA_WRITE_NOREPLACE) != 0) {
		/* link() fails when name exists: the first creator wins. */
		if (linkat(dirfd, tmp, dirfd, name, 0) != 0 && errno != EEXIST)
			return PA_ERR_SYSTEM;
		unlinkat(dirfd, tmp, 0);
		return PA_OK;
	}
	return renameat(dirfd, tmp, dirfd, name) == 0 ? PA_OK :
	    PA_ERR_SYSTEM;
}

int
pa_write_atomic_at(int dirfd, const char *name,
    const struct pa_chunk *chunks, size_t nchunks, mode_t mode, uid_t uid,
    gid_t gid, int flags)
{
	char tmp[PA_TEMP_NAME_MAX];
	int fd = -1, have_tmp = 0, r, saved;

	if ((r = pa_temp_name(".tmp-", tmp)) != PA_OK)
		return r;
	/* O_EXCL|O_NOFOLLOW: never write through something planted. */
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC | O_NOCTTY, mode & 07777);
	if (fd < 0)
		return PA_ERR_SYSTEM;
	have_tmp = 1;
	r = PA_ERR_SYSTEM;
	/* The umask may have taken bits away; the mode must be exact. */
	if (fchmod(fd, mode & 07777) != 0 ||
	    ((uid != (uid_t)-1 || gid != (gid_t)-1) &&
	    fchown(fd, uid, gid) != 0) ||
	    write_chunks(fd, chunks, nchunks) != PA_OK || fsync(fd) != 0)
		goto out;
	if (close(fd) != 0) {
		fd = -1;
		goto out;
	}
	fd = -1;
	if ((r = place_temp(dirfd, tmp, name, flags)) != PA_OK)
		goto out;
	have_tmp = 0;
	/* Without this the rename itself may not survive a power cut. */
	r = pa_fsync_dir(dirfd);
 out:
	saved = errno;
	if (fd >= 0)
		close(fd);
	if (have_tmp)
		unlinkat(dirfd, tmp, 0);
	errno = saved;
	return r;
}

int
pa_open_dir(const char *path, int create, mode_t mode,
    const struct pa_file_policy *pol, int *dfdp)
{
	struct stat st;
	int fd = -1, created = 0, r;
	const int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

	*dfdp = -1;
	if ((fd = open(path, flags)) < 0 && errno == ENOENT && create) {
		/* Only the last component: a missing parent is an error. */
		if (mkdir(path, mode & 07777) == 0)
			created = 1;
		else if (errno != EEXIST)
			return open_errno_status(errno);
		fd = open(path, flags);
	}
	if (fd < 0)
		return open_errno_status(errno);
	r = PA_ERR_SYSTEM;
	/* Our own new directory: undo whatever the umask took away. */
	if ((created && fchmod(fd, mode & 07777) != 0) || fstat(fd, &st) != 0)
		goto out;
	r = PA_ERR_UNSAFE_FILE;
	if (!policy_allows(pol, &st))
		goto out;
	*dfdp = fd;
	fd = -1;
	r = PA_OK;
 out:
	if (fd >= 0)
		close(fd);
	return r;
}
