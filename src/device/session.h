/* SPDX-License-Identifier: MIT */
/*
 * The session's token file: runtime_dir/<user>/token holds the current
 * access token for the POS application. runtime_dir is root's (0755), the
 * user's directory and the file are the user's (0700 / 0600), so only that
 * user and root can read the token.
 */
#ifndef POSAUTH_SESSION_H
#define POSAUTH_SESSION_H

#include <sys/types.h>

/*
 * Writes token atomically for user (uid, gid). The path written is
 * returned in *path (malloc'ed) for POSAUTH_TOKEN_FILE.
 */
int pa_session_write_token(const char *runtime_dir, const char *user,
    uid_t uid, gid_t gid, const char *token, char **path);

/* Reads the token file of user; PA_ERR_NOT_FOUND when there is none. */
int pa_session_read_token(const char *runtime_dir, const char *user,
    char **token);

/* Removes the token file and the user's directory if empty. */
int pa_session_remove_token(const char *runtime_dir, const char *user);

#endif
