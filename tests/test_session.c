/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "session.h"
#include "tap.h"

static char dir[] = "/tmp/test_session.XXXXXX";

int
main(void)
{
	char run[128], elsewhere[128], link[160], adir[160], *path = NULL, *tok = NULL;
	struct pa_session_file first, second;
	struct stat st;
	uid_t uid = geteuid();
	gid_t gid = getegid();

	if (mkdtemp(dir) == NULL)
		return 99;
	snprintf(run, sizeof(run), "%s/run", dir);
	snprintf(elsewhere, sizeof(elsewhere), "%s/elsewhere", dir);
	umask(077);
	ok(pa_session_write_token(run, "alice", uid, gid, "a.b.c",
	    &path, &first) == PA_OK && first.have && path != NULL &&
	    strstr(path, "/run/alice/token") != NULL,
	    "test_token_file_written");
	ok(stat(run, &st) == 0 && (st.st_mode & 07777) == 0755,
	    "test_runtime_dir_0755_whatever_the_umask");
	ok(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600 &&
	    st.st_uid == uid, "test_token_file_0600_and_owned");
	free(path);
	path = NULL;
	ok(pa_session_read_token(run, "alice", &tok) == PA_OK &&
	    strcmp(tok, "a.b.c") == 0, "test_token_read_back");
	free(tok);
	tok = NULL;
	ok(pa_session_write_token(run, "alice", uid, gid, "d.e.f", &path,
	    &second) == PA_OK && pa_session_read_token(run, "alice", &tok) == PA_OK &&
	    strcmp(tok, "d.e.f") == 0, "test_token_replaced_atomically");
	free(tok);
	free(path);
	path = NULL;
	snprintf(adir, sizeof(adir), "%s/alice", run);
	ok(stat(adir, &st) == 0 && (st.st_mode & 07777) == 0711 &&
	    st.st_uid == geteuid(), "test_user_dir_is_ours_0711");
	/* The first session's logout leaves the second one's file alone. */
	ok(pa_session_remove_token_if(run, "alice", &first) ==
	    PA_ERR_NOT_FOUND && pa_session_has_token(run, "alice"),
	    "test_remove_if_keeps_a_newer_file");
	ok(pa_session_write_token(run, "../etc", uid, gid, "x", &path,
	    NULL) == PA_ERR_ARG && pa_session_write_token(run, ".hidden", uid,
	    gid, "x", &path, NULL) == PA_ERR_ARG, "test_unsafe_names_refused");
	mkdir(elsewhere, 0700);
	snprintf(link, sizeof(link), "%s/bob", run);
	if (symlink(elsewhere, link) != 0)
		return 98;
	ok(pa_session_write_token(run, "bob", uid, gid, "x", &path, NULL) !=
	    PA_OK && access("elsewhere/token", F_OK) != 0,
	    "test_symlinked_user_dir_not_followed");
	ok(pa_session_remove_token_if(run, "alice", &second) == PA_OK &&
	    pa_session_read_token(run, "alice", &tok) == PA_ERR_NOT_FOUND &&
	    !pa_session_has_token(run, "alice") && access(adir, F_OK) != 0,
	    "test_token_and_empty_dir_removed");
	ok(pa_session_remove_token(run, "nobody") == PA_OK,
	    "test_removing_missing_token_is_fine");
	{
		char cmd[256];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			return 97;
	}
	return tap_done();
}
