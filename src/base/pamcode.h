/* SPDX-License-Identifier: MIT */
/*
 * The only place our statuses become PAM return codes. Each PAM group has
 * its own contract (pam_sm_authenticate(3) and friends): what "not our
 * user" means in the session phase is not what it means in auth. Uses only
 * Linux-PAM's headers, so the thinnest PAM client can link it.
 */
#ifndef POSAUTH_PAMCODE_H
#define POSAUTH_PAMCODE_H

enum pa_pam_phase {
	PA_PHASE_AUTH,		/* pam_sm_authenticate */
	PA_PHASE_SETCRED,	/* pam_sm_setcred */
	PA_PHASE_ACCOUNT,	/* pam_sm_acct_mgmt */
	PA_PHASE_SESSION,	/* pam_sm_open_session, pam_sm_close_session */
	PA_PHASE_PASSWORD,	/* pam_sm_chauthtok */
};

#define PA_PHASE_COUNT 5

/*
 * The PAM code for status in phase:
 *   PA_OK                        PAM_SUCCESS
 *   not ours (PA_ERR_NOT_FOUND)  PAM_USER_UNKNOWN; PAM_IGNORE in the
 *                                session and setcred phases
 *   a name we refuse             PAM_USER_UNKNOWN (session: SESSION_ERR)
 *   unreachable                  PAM_AUTHINFO_UNAVAIL (auth, account)
 *   rejected, invalid            PAM_AUTH_ERR (auth), PAM_PERM_DENIED
 *                                (account), PAM_AUTHTOK_ERR (password)
 *   role gate, a caller not allowed
 *     to ask (posauthd)           PAM_PERM_DENIED
 *   too many attempts             PAM_MAXTRIES
 *   config, arguments            PAM_SERVICE_ERR
 *   memory                       PAM_BUF_ERR
 *   other local failures         PAM_SYSTEM_ERR (session: SESSION_ERR)
 * An unknown value is a local failure. A local failure is never
 * PAM_AUTHINFO_UNAVAIL: that would open an offline path in stacks that
 * treat it so.
 */
int pa_pam_code(enum pa_pam_phase phase, int status);

#endif
