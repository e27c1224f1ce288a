/*
 * Local accounts (root, the kiosk's service user) are pam_unix's business.
 * Their names and passwords must never be sent to the token service, so
 * the module steps aside for any name in the local passwd file.
 */
#ifndef POSAUTH_LOCALUSER_H
#define POSAUTH_LOCALUSER_H

#define PA_LOCAL_PASSWD "/etc/passwd"

/*
 * 1 when user has an entry in passwd_path, else 0. The file is read
 * directly, not through NSS, so our own NSS module can never make a staff
 * member look local. An unreadable file counts as "not local".
 */
int pa_user_is_local(const char *user, const char *passwd_path);

#endif
