/* SPDX-License-Identifier: MIT */
/*
 * The session's token file: runtime_dir/<user>/token holds the current
 * access token for the POS application. runtime_dir is root's (0755), the
 * user's directory too (0711), the file the user's (0600), so only that
 * user and root can read the token, and only root can replace it.
 */
#ifndef POSAUTH_SESSION_H
#define POSAUTH_SESSION_H

#include <sys/types.h>

/* Which file a write made (each write is a new inode). */
struct pa_session_file {
	dev_t dev;
	ino_t ino;
	int have;
};

/*
 * Writes token atomically for user (uid, gid). The path written is
 * returned in *path (malloc'ed) for POSAUTH_TOKEN_FILE, the file's
 * identity in *id (may be NULL) for pa_session_remove_token_if().
 */
int pa_session_write_token(const char *runtime_dir, const char *user,
    uid_t uid, gid_t gid, const char *token, char **path,
    struct pa_session_file *id);

/*
 * Replaces the token file with token (a refreshed session's), only while
 * it is still the one id names: a newer session of the same user owns
 * the file it wrote. *id then names the new file. PA_ERR_NOT_FOUND when
 * it is not (nothing written).
 */
int pa_session_rewrite_token_if(const char *runtime_dir, const char *user,
    uid_t uid, gid_t gid, const char *token, struct pa_session_file *id);

/* Reads the token file of user; PA_ERR_NOT_FOUND when there is none. */
int pa_session_read_token(const char *runtime_dir, const char *user,
    char **token);

/* Removes the token file and the user's directory if empty. */
int pa_session_remove_token(const char *runtime_dir, const char *user);

/*
 * The same, only while the token file is still the one id names: a
 * session's logout never removes the file a newer session (or a renewal)
 * wrote. PA_ERR_NOT_FOUND when it is not. Reads nothing, so it needs no
 * right over the user's file.
 */
int pa_session_remove_token_if(const char *runtime_dir, const char *user,
    const struct pa_session_file *id);

/* 1 when user has a session token file (a session is open). */
int pa_session_has_token(const char *runtime_dir, const char *user);

#endif
