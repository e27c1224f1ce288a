#!/bin/bash
# SPDX-License-Identifier: MIT
# JWKS refresh on key rotation, throttled to once a minute (C driver).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/pam_lib.sh"
pa_require_python_modules jwt cryptography
pa_tmpdir W
pa_make_ca "$W" tokend || exit 1
pa_start_tokend "$W" || exit 1
export PA_PAM_DIR=$W
pa_pam_conf "$W/posauth.conf"
# The driver prints TAP itself; the rotation happens between its logins.
printf '1234\n' | "$top_builddir/tests/login_rotation" "$W/posauth.conf" alice \
	"curl -sS --cacert '$TOKEND_CA' -o /dev/null --fail -X POST -H 'Content-Type: application/json' --data '{\"rotate\":true,\"drop_old_keys\":true}' '$TOKEND_URL/_test/control'"
