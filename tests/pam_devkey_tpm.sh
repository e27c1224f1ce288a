#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 14 with the device key in a TPM: swtpm (Debian's software TPM)
# and OpenSSL's tpm2 provider (tpm2-openssl). posauthd creates the key
# inside the TPM on its first start (device_key = tpm2), keeps only the
# TPM's wrapped blob in cache_dir, and logs in with private_key_jwt and
# DPoP-bound tokens signed by the TPM. The blob without its TPM is
# useless. Skipped, with the reason, where swtpm or the provider is
# missing or cannot run.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/pam_lib.sh"
pa_pam_require
pa_require_python_modules jwt cryptography
CTL="$top_builddir/posauthctl"
[ -x "$CTL" ] || skip_all "posauthctl not built: $CTL"
[ "$(id -u)" = 0 ] || skip_all "needs root (the device key is root's)"
command -v swtpm >/dev/null || skip_all "swtpm not installed (Debian: swtpm)"
MODDIR=$(openssl version -m 2>/dev/null | sed -n 's/^MODULESDIR: "\(.*\)"$/\1/p')
[ -e "$MODDIR/tpm2.so" ] || skip_all "OpenSSL's tpm2 provider not installed (Debian: tpm2-openssl)"

pa_tmpdir W
pa_make_ca "$W" tokend || exit 1

# start_swtpm STATEDIR: a TPM on a free loopback port; sets TCTI.
start_swtpm() {
	local state=$1 port
	mkdir -p "$state"
	for _ in 1 2 3 4 5; do
		port=$((20000 + RANDOM % 30000))
		rm -f "$state/pid"
		swtpm socket --tpm2 --tpmstate dir="$state" \
			--server type=tcp,port=$port,bindaddr=127.0.0.1 \
			--ctrl type=tcp,port=$((port + 1)),bindaddr=127.0.0.1 \
			--flags not-need-init,startup-clear --daemon \
			--pid file="$state/pid" >>"$W/swtpm.log" 2>&1 || continue
		SWTPM_PID=$(cat "$state/pid")
		pa_on_exit "kill $SWTPM_PID 2>/dev/null"
		export TCTI="swtpm:host=127.0.0.1,port=$port"
		return 0
	done
	return 1
}
start_swtpm "$W/tpm" || skip_all "swtpm cannot run here: $(tail -1 "$W/swtpm.log")"
# Can OpenSSL reach it through the provider at all?
TPM2OPENSSL_TCTI=$TCTI openssl genpkey -provider tpm2 -provider default \
	-algorithm EC -pkeyopt group:P-256 -out "$W/probe.pem" >"$W/probe.log" 2>&1 ||
	skip_all "the tpm2 provider cannot use swtpm: $(tail -1 "$W/probe.log")"

pa_start_tokend "$W" || exit 1
export PA_POSAUTHD_ENV="TPM2OPENSSL_TCTI=$TCTI"
pa_pam_setup "$W" "device_key = tpm2"
CONF=$PA_PAM_CONF
SOCK=$POSAUTHD_SOCKET

ctl_run() {
	OUT=$("$CTL" -S "$SOCK" -c "$CONF" "$@" 2>"$W/ctl.err")
	RC=$?
	ERR=$(cat "$W/ctl.err")
}
diag_ctl() { tap_diag "rc=$RC" "stdout: $OUT" "stderr: $ERR"; }
reconf() { sleep 0.02; pa_pam_conf "$CONF" "$@"; }
payload_of() { cut -d. -f2 | tr '_-' '/+' | base64 -d 2>/dev/null; }

BLOB="$W/cache/signing-key.tpm2.pem"
[ "$(stat -c '%u %a' "$BLOB" 2>&1)" = "0 600" ] &&
	head -1 "$BLOB" | grep -qx -- '-----BEGIN TSS2 PRIVATE KEY-----' &&
	[ ! -e "$W/cache/signing-key.pem" ]
tap_ok $? test_tpm_key_made_in_the_tpm_only_its_blob_on_disk || tap_diag "$(ls -l "$W/cache")" "$(tail -5 "$POSAUTHD_LOG")"
ctl_run device-key --json
JWK=$(pa_json_get jwk <<<"$OUT")
JKT=$(pa_json_get thumbprint <<<"$OUT")
[ "$RC" -eq 0 ] && [ "$(pa_json_get storage <<<"$OUT")" = tpm2 ] &&
	[ "$(pa_json_get alg <<<"$JWK")" = ES256 ]
tap_ok $? test_tpm_device_key_prints_its_jwk || diag_ctl

pa_tokend_control "{\"client_auth_methods\":[\"private_key_jwt\"],\"client_jwk\":$JWK,\"dpop_required\":true,\"dpop_nonce\":true}" >/dev/null
CLIENT_SECRET_FILE=/nonexistent/secret reconf "device_key = tpm2" \
	"client_auth = private_key_jwt" "dpop = yes"
pa_pam_expect test_tpm_private_key_jwt_dpop_login ok alice 1234 authenticate open_session
TOK=$(cat "$W/run/alice/token" 2>/dev/null)
tap_is "$(payload_of <<<"$TOK" | pa_json_get cnf.jkt)" "$JKT" test_tpm_bound_session_token
ctl_run dpop-proof --method GET --url "$TOKEND_URL/resource" alice
code=$(pa_curl -o /dev/null -w '%{http_code}' -H "Authorization: DPoP $TOK" \
	-H "DPoP: $OUT" "$TOKEND_URL/resource")
tap_is "$code" 200 test_tpm_proof_accepted_at_resource
before=$(pa_tokend_revoked | pa_json_get refresh_tokens_revoked)
pa_pam_expect test_tpm_login_logout ok bob 2345 authenticate open_session close_session
after=$(pa_tokend_revoked | pa_json_get refresh_tokens_revoked)
[ "$after" -gt "$before" ]
tap_ok $? test_tpm_revocation_at_logout

# device_key = tpm2:handle:...: a key an administrator made and made
# persistent with tpm2-tools (posauthd holds the TPM while it runs).
if command -v tpm2_evictcontrol >/dev/null; then
	pa_stop_posauthd
	(
		export TPM2TOOLS_TCTI=$TCTI
		# No resource manager in front of swtpm: what the stopped
		# posauthd had loaded is still there.
		# Three object slots in swtpm: flush after every step.
		fl() { tpm2_flushcontext -t; }
		fl && tpm2_createprimary -Q -C o -c "$W/primary.ctx" && fl &&
		tpm2_create -Q -C "$W/primary.ctx" -G ecc256 -u "$W/k.pub" \
			-r "$W/k.priv" && fl &&
		tpm2_load -Q -C "$W/primary.ctx" -u "$W/k.pub" -r "$W/k.priv" \
			-c "$W/k.ctx" &&
		tpm2_evictcontrol -Q -C o -c "$W/k.ctx" 0x81000010 && fl
	) >"$W/tpm2-tools.log" 2>&1
	made=$?
	CLIENT_SECRET_FILE=/nonexistent/secret reconf \
		"device_key = tpm2:handle:0x81000010" \
		"client_auth = private_key_jwt" "dpop = yes"
	pa_start_posauthd "$CONF" "$SOCK"
	ctl_run device-key --json
	JWK2=$(pa_json_get jwk <<<"$OUT" 2>/dev/null)
	JKT2=$(pa_json_get thumbprint <<<"$OUT" 2>/dev/null)
	[ "$made" -eq 0 ] && [ "$RC" -eq 0 ] && [ "$JKT2" != "$JKT" ]
	tap_ok $? test_tpm_persistent_handle_key_is_used || { diag_ctl; tap_diag "$(cat "$W/tpm2-tools.log")"; }
	pa_tokend_control "{\"client_jwk\":$JWK2}" >/dev/null
	pa_pam_expect test_tpm_persistent_handle_login ok erin 5678 authenticate open_session
	tap_is "$(payload_of <"$W/run/erin/token" 2>/dev/null | pa_json_get cnf.jkt 2>/dev/null)" \
		"$JKT2" test_tpm_persistent_handle_bound_token
	CLIENT_SECRET_FILE=/nonexistent/secret reconf "device_key = tpm2" \
		"client_auth = private_key_jwt" "dpop = yes"
else
	tap_skip "tpm2:handle: keys" "tpm2-tools not installed"
fi

# The blob on another TPM (a fresh one here) is no key at all.
pa_stop_posauthd
kill "$SWTPM_PID"
start_swtpm "$W/tpm-other" || exit 1
export PA_POSAUTHD_ENV="TPM2OPENSSL_TCTI=$TCTI"
pa_start_posauthd "$CONF" "$SOCK"
pa_pam_expect test_tpm_blob_on_another_tpm_fails_closed "$E_SYSTEM" carol 3456 authenticate
grep -q "device key (tpm2) unusable" "$POSAUTHD_LOG"
tap_ok $? test_tpm_blob_on_another_tpm_is_logged

tap_done
