#!/bin/bash
# SPDX-License-Identifier: MIT
# Security review hole 2: the environment of whoever calls PAM (possibly a
# user running a setuid program) must not change what the module reads,
# writes, trusts or connects to. Each variable libcurl or OpenSSL would
# honour is set by the caller here, and the module must ignore it.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/pam_lib.sh"
pa_pam_require
pa_require_python_modules jwt cryptography

export PA_OFFLINE_GRACE=0
pa_tmpdir W
pa_make_ca "$W" tokend || exit 1
pa_start_tokend "$W" || exit 1
pa_pam_setup "$W"

# pa_pam with extra caller environment; strace, when present, records
# every file the process opens.
STRACE=$(command -v strace)
# ASan's runtime preloaded into strace itself is more noise than proof.
[ -z "$PA_SAN_PRELOAD" ] || STRACE=
env_pam() {
	local user=$1 pin=$2
	shift 2
	PA_PAM_ENV="$*" pa_pam_trace "$user" "$pin"
}
pa_pam_trace() {
	local user=$1 pin=$2
	rm -f "$W/trace"
	# shellcheck disable=SC2086
	PAM_OUT=$(printf '%s\n' "$pin" | pa_wrapped PAM_WRAPPER_DEBUGLEVEL=2 \
		$PA_PAM_ENV ${STRACE:+$STRACE -f -qq -e trace=open,openat,connect -o "$W/trace"} \
		"$PA_PAMTESTER" -v posauth "$user" authenticate 2>&1)
	PAM_RC=$?
}
opened() { [ -f "$W/trace" ] && grep -F -- "$1" "$W/trace" | grep -v ENOENT; }

# --- SSLKEYLOGFILE: libcurl would create it 0644 and write TLS secrets ---------------
env_pam alice 1234 "SSLKEYLOGFILE=$W/keylog"
tap_is "$PAM_RC" 0 test_login_with_sslkeylogfile_set
[ ! -e "$W/keylog" ]
tap_ok $? test_sslkeylogfile_never_created || ls -l "$W/keylog" | tap_diag
if [ -n "$STRACE" ]; then
	! opened "$W/keylog" >/dev/null
	tap_ok $? test_sslkeylogfile_never_opened
	: >"$W/keylog"
	env_pam alice 1234 "SSLKEYLOGFILE=$W/keylog"
	[ ! -s "$W/keylog" ]
	tap_ok $? test_existing_keylog_file_gets_no_secrets
else
	tap_skip test_sslkeylogfile_never_opened "strace not installed"
	tap_skip test_existing_keylog_file_gets_no_secrets "strace not installed"
fi

# --- proxies: a listener that counts who connects ------------------------------------
"$PA_PYTHON3" - "$W/proxy.port" "$W/proxy.hits" <<'PY' &
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
hits = 0
while True:
    c, _ = s.accept()
    hits += 1
    open(sys.argv[2], "w").write(str(hits))
    c.close()
PY
proxy_pid=$!
pa_on_exit 'kill $proxy_pid 2>/dev/null'
for _ in $(seq 50); do [ -s "$W/proxy.port" ] && break; sleep 0.1; done
P="http://127.0.0.1:$(cat "$W/proxy.port")"
env_pam alice 1234 "https_proxy=$P HTTPS_PROXY=$P http_proxy=$P ALL_PROXY=$P all_proxy=$P NO_PROXY= no_proxy="
tap_is "$PAM_RC" 0 test_login_with_proxy_variables_set
tap_is "$(cat "$W/proxy.hits" 2>/dev/null || echo 0)" 0 test_proxy_variables_never_used

# --- HOME, CURL_HOME: no .curlrc, no .netrc -------------------------------------------
mkdir -p "$W/home"
printf 'machine localhost login evil password evil\n' >"$W/home/.netrc"
printf 'proxy = %s\n' "$P" >"$W/home/.curlrc"
env_pam alice 1234 "HOME=$W/home CURL_HOME=$W/home NETRC=$W/home/.netrc"
tap_is "$PAM_RC" 0 test_login_with_home_and_curl_home_set
if [ -n "$STRACE" ]; then
	! opened "$W/home" >/dev/null
	tap_ok $? test_home_files_never_opened || opened "$W/home" | tap_diag
else
	tap_skip test_home_files_never_opened "strace not installed"
fi

# --- trust: the caller's CA cannot vouch for the service ----------------------------
# Without ca_file the system store is used. tokend's CA is not in it; the
# caller points every CA variable at it: the service must stay untrusted.
pa_pam_conf "$PA_PAM_CONF"
sed -i '/^ca_file = /d' "$PA_PAM_CONF"
mkdir -p "$W/cadir"
cp "$TOKEND_CA" "$W/cadir/" && openssl rehash "$W/cadir" >/dev/null 2>&1
env_pam alice 1234 "SSL_CERT_FILE=$TOKEND_CA SSL_CERT_DIR=$W/cadir CURL_CA_BUNDLE=$TOKEND_CA"
grep -qF "$E_UNAVAIL" <<<"$PAM_OUT"
tap_ok $? test_caller_ca_variables_add_no_trust || tap_diag "$PAM_OUT"
# ... and the same check proves the variables would have worked on curl.
if curl -s -o /dev/null --max-time 5 "$TOKEND_URL/.well-known/openid-configuration" \
	--capath "$W/cadir" 2>/dev/null; then
	tap_ok 0 test_ca_variables_point_at_a_ca_that_would_vouch
else
	tap_ok 1 test_ca_variables_point_at_a_ca_that_would_vouch
fi
pa_pam_conf "$PA_PAM_CONF"

# --- OPENSSL_CONF: a config that breaks every algorithm when loaded -------------------
cat >"$W/evil.cnf" <<'CNF'
openssl_conf = openssl_init
[openssl_init]
alg_section = evp_properties
[evp_properties]
default_properties = fips=yes
CNF
if ! OPENSSL_CONF="$W/evil.cnf" openssl dgst -sha256 /dev/null >/dev/null 2>&1; then
	env_pam alice 1234 "OPENSSL_CONF=$W/evil.cnf OPENSSL_MODULES=$W/mods OPENSSL_ENGINES=$W/mods"
	tap_is "$PAM_RC" 0 test_caller_openssl_conf_not_loaded || tap_diag "$PAM_OUT"
else
	tap_skip test_caller_openssl_conf_not_loaded "the test config does not break this openssl"
fi

# --- all of them at once, logged in as usual ------------------------------------------
env_pam bob 2345 "SSLKEYLOGFILE=$W/keylog2 https_proxy=$P HOME=$W/home OPENSSL_CONF=$W/evil.cnf SSL_CERT_FILE=/nonexistent"
tap_is "$PAM_RC" 0 test_login_with_every_variable_set
[ ! -e "$W/keylog2" ] && [ "$(cat "$W/proxy.hits" 2>/dev/null || echo 0)" = 0 ]
tap_ok $? test_every_variable_ignored

tap_done
