/* SPDX-License-Identifier: MIT */
/*
 * The entry points glibc looks up by name in libnss_posauth.so.2 (and the
 * tests and benchmark call directly).
 */
#ifndef POSAUTH_NSS_POSAUTH_H
#define POSAUTH_NSS_POSAUTH_H

#include <grp.h>
#include <nss.h>
#include <pwd.h>
#include <stddef.h>

enum nss_status _nss_posauth_getpwnam_r(const char *, struct passwd *,
    char *, size_t, int *);
enum nss_status _nss_posauth_getpwuid_r(uid_t, struct passwd *, char *,
    size_t, int *);
enum nss_status _nss_posauth_setpwent(int);
enum nss_status _nss_posauth_getpwent_r(struct passwd *, char *, size_t,
    int *);
enum nss_status _nss_posauth_endpwent(void);
enum nss_status _nss_posauth_getgrnam_r(const char *, struct group *,
    char *, size_t, int *);
enum nss_status _nss_posauth_getgrgid_r(gid_t, struct group *, char *,
    size_t, int *);
enum nss_status _nss_posauth_setgrent(int);
enum nss_status _nss_posauth_getgrent_r(struct group *, char *, size_t,
    int *);
enum nss_status _nss_posauth_endgrent(void);
enum nss_status _nss_posauth_initgroups_dyn(const char *, gid_t, long *,
    long *, gid_t **, long, int *);

#endif
