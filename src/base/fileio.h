/* SPDX-License-Identifier: MIT */
/*
 * One file layer for everything we read and write (after OpenSSH's
 * atomicio.c: one primitive, used everywhere):
 *   - pa_name_is_component(): the one check that a user name may name a
 *     file or directory (cache records, session directories);
 *   - pa_open_checked_at(): opens without following a planted symlink,
 *     without blocking on a planted FIFO, and only when owner, type and
 *     mode fit the caller's policy;
 *   - pa_read_all(): reads to EOF with a cap, into a wiping buffer;
 *   - pa_write_atomic_at(): temp file (O_EXCL), write, fsync, rename,
 *     directory fsync, so a reader sees the old or the new file and a
 *     crash or a failed write leaves the old one;
 *   - pa_temp_name(): the one way of naming temp files.
 * libc only: the NSS module links it.
 */
#ifndef POSAUTH_FILEIO_H
#define POSAUTH_FILEIO_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

struct pa_buf;

/* Bytes of a user name used as a path component, and so of any name. */
#define PA_NAME_COMPONENT_MAX 64

/*
 * 1 when name is 1..PA_NAME_COMPONENT_MAX bytes of [a-z0-9._-] not
 * starting with '.': it can neither leave a directory ("..", "/") nor name
 * a dot file (locks, temp files). Callers check names against
 * username_pattern as well; this is what keeps paths safe whatever the
 * pattern says.
 */
int pa_name_is_component(const char *name);

enum pa_file_type {
	PA_FILE_REGULAR = 0,
	PA_FILE_DIR,
	PA_FILE_ANY,	/* the caller looks at the type itself */
};

/* Who may own a file we trust, and which mode bits make it unsafe. */
struct pa_file_policy {
	int follow;		/* follow a final symlink (config files) */
	int any_owner;		/* else root or the caller's own euid */
	mode_t deny_mode;	/* e.g. S_IRWXG | S_IRWXO */
	enum pa_file_type type;
};

/* Root's (or our own euid's) regular file that nobody else can touch. */
extern const struct pa_file_policy pa_policy_private;
/* Root's (or our own) file that only its owner may write (config). */
extern const struct pa_file_policy pa_policy_owner_writes;

/*
 * Opens name relative to dirfd (AT_FDCWD for a path) with flags (O_RDONLY
 * and the like; O_NOFOLLOW, O_NONBLOCK, O_CLOEXEC and O_NOCTTY are added)
 * and checks it against pol. *st gets its stat. PA_OK with *fdp, or
 * PA_ERR_NOT_FOUND, PA_ERR_UNSAFE_FILE (a symlink, a path part that is
 * not a directory, another type, owner or mode), PA_ERR_SYSTEM.
 */
int pa_open_checked_at(int dirfd, const char *name, int flags,
    const struct pa_file_policy *pol, int *fdp, struct stat *st);

/*
 * Appends everything up to EOF to out, which must be able to grow by cap
 * bytes; PA_ERR_TOO_LARGE when there is more than cap (out then holds the
 * first cap bytes), PA_ERR_SYSTEM, PA_ERR_ALLOC.
 */
int pa_read_all(int fd, size_t cap, struct pa_buf *out);

/* pa_open_checked_at() + pa_read_all(), closing the file. */
int pa_read_file_at(int dirfd, const char *name,
    const struct pa_file_policy *pol, size_t cap, struct pa_buf *out);

/* PA_OK once all len bytes are written, PA_ERR_SYSTEM (errno set) else. */
int pa_write_all(int fd, const void *buf, size_t len);

/* fsync of a directory, so a rename or unlink in it survives a crash. */
int pa_fsync_dir(int dirfd);

/* "<prefix><32 random hex digits>"; out holds PA_TEMP_NAME_MAX bytes. */
#define PA_TEMP_NAME_MAX 64
int pa_temp_name(const char *prefix, char *out);

#define PA_WRITE_NOREPLACE	0x1	/* keep an existing file (link()) */

/* The parts of a file to write, in order. */
struct pa_chunk {
	const void *data;
	size_t len;
};

/*
 * Replaces name in dirfd atomically with the chunks: a temp file created
 * O_EXCL with exactly mode (the caller's umask does not matter), owned by
 * uid:gid unless they are (uid_t)-1/(gid_t)-1, written, fsync'ed, renamed
 * over name and the directory fsync'ed. With PA_WRITE_NOREPLACE the temp
 * file is linked instead, so an existing name is kept (PA_OK either way:
 * read it back to learn which won). A failure before the rename removes
 * the temp file and leaves name as it was. PA_ERR_SYSTEM (errno kept).
 */
int pa_write_atomic_at(int dirfd, const char *name,
    const struct pa_chunk *chunks, size_t nchunks, mode_t mode, uid_t uid,
    gid_t gid, int flags);

/*
 * Opens a directory without following a symlink, creating it with exactly
 * mode when missing and create is set (one level: a missing parent is
 * PA_ERR_NOT_FOUND), and checks it against pol (type PA_FILE_DIR). PA_OK with
 * *dfdp, PA_ERR_NOT_FOUND, PA_ERR_UNSAFE_FILE, PA_ERR_SYSTEM.
 */
int pa_open_dir(const char *path, int create, mode_t mode,
    const struct pa_file_policy *pol, int *dfdp);

#endif
