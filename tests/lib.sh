# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# tests/lib.sh - shared helpers for the integration tests (bash only).
#
# Source it, then:
#   pa_tmpdir WORK             # $WORK: a temp dir removed on exit
#   pa_make_ca "$WORK" demo    # throwaway CA + localhost server cert
#   pa_start_tokend "$WORK"    # HTTPS token service, see exports below
#   tap_ok $? test_something   # one TAP line per behaviour
#   tap_done                   # prints the plan, fails if anything failed
#
# Do not `set -e` in tests: a failed check must print "not ok" and go on.
# Certificates and secrets are made at test time and die with the temp dir:
# nothing secret is ever committed, and nothing outlives the test.
# Set PA_KEEP_TMP=1 to keep the temp dir (and tokend.log) for debugging.

: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir

# configure finds python3 through /usr/bin first; the Debian interpreter is
# the one with python3-cryptography and python3-jwt, a pyenv one may not be.
PA_PYTHON3=${PYTHON3:-/usr/bin/python3}
PA_TOKEND="$top_srcdir/tests/tokend/tokend.py"

PA_TMPDIRS=()
_tap_n=0
_tap_failed=0

# --- TAP ------------------------------------------------------------------

# tap_ok STATUS NAME: "ok" when STATUS is 0, e.g. `[ "$x" = y ]; tap_ok $? name`.
tap_ok() {
	local status=$1 name=$2
	_tap_n=$((_tap_n + 1))
	if [ "$status" -eq 0 ]; then
		echo "ok $_tap_n - $name"
	else
		echo "not ok $_tap_n - $name"
		_tap_failed=$((_tap_failed + 1))
	fi
	return "$status"
}

# tap_is GOT EXPECTED NAME: equality check that shows both sides on failure.
tap_is() {
	local got=$1 want=$2 name=$3
	if [ "$got" = "$want" ]; then
		tap_ok 0 "$name"
	else
		tap_ok 1 "$name"
		tap_diag "  got: '$got'"
		tap_diag " want: '$want'"
		return 1
	fi
}

# tap_run NAME CMD...: runs CMD, its output becomes diagnostics on failure.
tap_run() {
	local name=$1 out status
	shift
	out=$("$@" 2>&1)
	status=$?
	tap_ok "$status" "$name" || tap_diag "$out"
	return "$status"
}

tap_skip() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $1 # SKIP ${2:-}"
}

tap_diag() {
	printf '%s\n' "$@" | sed 's/^/# /'
}

tap_done() {
	echo "1..$_tap_n"
	[ "$_tap_failed" -eq 0 ] || exit 1
	exit 0
}

skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

# --- temp dirs and cleanup ------------------------------------------------

PA_EXIT_HOOKS=()

# pa_on_exit CMD: runs CMD (eval'd) at exit, before tokend is stopped.  Use
# it instead of `trap ... EXIT`, which would replace this library's cleanup.
pa_on_exit() {
	PA_EXIT_HOOKS+=("$1")
}

_pa_cleanup() {
	local hook
	for hook in "${PA_EXIT_HOOKS[@]}"; do
		eval "$hook"
	done
	pa_stop_posauthd
	pa_stop_tokend
	if [ "${PA_KEEP_TMP:-0}" = 1 ]; then
		[ ${#PA_TMPDIRS[@]} -eq 0 ] || echo "# kept: ${PA_TMPDIRS[*]}"
	else
		local d
		for d in "${PA_TMPDIRS[@]}"; do
			rm -rf -- "$d"
		done
	fi
}
trap _pa_cleanup EXIT
# A killed test must still stop its tokend; exiting runs the EXIT trap.
trap 'exit 130' INT
trap 'exit 143' TERM

# pa_tmpdir [VAR]: makes a temp dir, sets PA_TMPDIR (and VAR) to it.  It
# sets variables instead of printing because $(pa_tmpdir) would run in a
# subshell, which cannot register the dir for cleanup.
pa_tmpdir() {
	local d
	d=$(mktemp -d "${TMPDIR:-/tmp}/posauth-test.XXXXXX") || return 1
	PA_TMPDIRS+=("$d")
	# shellcheck disable=SC2034 # for the sourcing script
	PA_TMPDIR=$d
	[ -z "${1:-}" ] || printf -v "$1" '%s' "$d"
}

# --- certificates ---------------------------------------------------------

# pa_make_ca DIR NAME [rsa|ec]: writes DIR/ca.key DIR/ca.pem (CN "NAME Test
# CA") and DIR/server.key DIR/server.pem for DNS:localhost and
# IP:127.0.0.1, signed by that CA, valid one day.
pa_make_ca() {
	local dir=$1 name=$2 type=${3:-rsa} newkey
	case $type in
	rsa) newkey=(-newkey rsa:2048) ;;
	ec) newkey=(-newkey ec -pkeyopt ec_paramgen_curve:P-256) ;;
	*) echo "pa_make_ca: unknown key type $type" >&2; return 1 ;;
	esac
	mkdir -p "$dir" || return 1
	(
		umask 077
		cd "$dir" || exit 1
		openssl req -x509 "${newkey[@]}" -nodes -days 1 \
			-keyout ca.key -out ca.pem -subj "/CN=$name Test CA" \
			-addext "basicConstraints=critical,CA:TRUE" \
			-addext "keyUsage=critical,keyCertSign,cRLSign" &&
		openssl req -new "${newkey[@]}" -nodes \
			-keyout server.key -out server.csr -subj "/CN=localhost" &&
		printf '%s\n' \
			"basicConstraints=critical,CA:FALSE" \
			"keyUsage=critical,digitalSignature,keyEncipherment" \
			"extendedKeyUsage=serverAuth" \
			"subjectAltName=DNS:localhost,IP:127.0.0.1" >server.ext &&
		openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key \
			-set_serial "0x$(openssl rand -hex 8)" -days 1 \
			-extfile server.ext -out server.pem &&
		rm -f server.csr server.ext &&
		chmod 0644 ca.pem server.pem
	) >"$dir/openssl.log" 2>&1 || {
		echo "pa_make_ca: openssl failed:" >&2
		cat "$dir/openssl.log" >&2
		return 1
	}
}

# --- tokend ---------------------------------------------------------------

# pa_curl ARGS...: curl that trusts the tokend CA and never hangs a test.
pa_curl() {
	curl -sS --cacert "$TOKEND_CA" --max-time "${PA_CURL_TIMEOUT:-10}" "$@"
}

# pa_start_tokend DIR [tokend args...]: starts tokend with DIR's server
# cert (made with pa_make_ca if missing) and waits until discovery answers.
# Exports TOKEND_PID TOKEND_PORT TOKEND_URL TOKEND_CA TOKEND_LOG CLIENT_ID
# CLIENT_SECRET_FILE CLIENT_SECRET PA_BASIC_AUTH.  Extra args come last, so
# they override the defaults (e.g. --users FILE, --alg ES256).
pa_start_tokend() {
	local dir=$1
	shift
	[ -f "$dir/server.pem" ] || pa_make_ca "$dir" tokend || return 1
	export CLIENT_ID=${CLIENT_ID:-pos-terminal}
	export CLIENT_SECRET=${CLIENT_SECRET:-$(openssl rand -hex 24)}
	export CLIENT_SECRET_FILE="$dir/client_secret"
	(umask 077 && printf '%s\n' "$CLIENT_SECRET" >"$CLIENT_SECRET_FILE")
	# RFC 6749 §2.3.1: id and secret are form-urlencoded inside Basic.
	PA_BASIC_AUTH="Authorization: Basic $("$PA_PYTHON3" -c '
import base64, sys, urllib.parse as u
print(base64.b64encode((u.quote_plus(sys.argv[1]) + ":" +
      u.quote_plus(sys.argv[2])).encode()).decode())' \
		"$CLIENT_ID" "$CLIENT_SECRET")" || return 1
	export PA_BASIC_AUTH
	export TOKEND_CA="$dir/ca.pem" TOKEND_LOG="$dir/tokend.log"
	rm -f "$dir/tokend.port"

	"$PA_PYTHON3" "$PA_TOKEND" --cert "$dir/server.pem" \
		--key "$dir/server.key" --port 0 --port-file "$dir/tokend.port" \
		--users "$top_srcdir/tests/tokend/users.json" \
		--client-id "$CLIENT_ID" --client-secret-file "$CLIENT_SECRET_FILE" \
		"$@" >>"$TOKEND_LOG" 2>&1 &
	export TOKEND_PID=$!

	for _ in $(seq 150); do
		if ! kill -0 "$TOKEND_PID" 2>/dev/null; then
			echo "pa_start_tokend: tokend exited early:" >&2
			cat "$TOKEND_LOG" >&2
			unset TOKEND_PID
			return 1
		fi
		if [ -s "$dir/tokend.port" ]; then
			export TOKEND_PORT
			TOKEND_PORT=$(cat "$dir/tokend.port")
			export TOKEND_URL="https://localhost:$TOKEND_PORT"
			# PA_TOKEND_INSECURE_WAIT=1: a test serving a certificate
			# that must fail verification still needs to know it is up.
			if pa_curl ${PA_TOKEND_INSECURE_WAIT:+-k} -o /dev/null --max-time 2 \
				"$TOKEND_URL/.well-known/openid-configuration"; then
				return 0
			fi
		fi
		sleep 0.1
	done
	echo "pa_start_tokend: no answer within 15 s" >&2
	cat "$TOKEND_LOG" >&2
	pa_stop_tokend
	return 1
}

# pa_stop_pid PID: SIGTERM, then SIGKILL after 5 s; returns its status.
pa_stop_pid() {
	local pid=$1 status=0
	kill -TERM "$pid" 2>/dev/null || return 0
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null || status=$?
	return "$status"
}

# pa_stop_tokend: stops tokend; returns its status.
pa_stop_tokend() {
	local pid=${TOKEND_PID:-}
	[ -n "$pid" ] || return 0
	unset TOKEND_PID
	pa_stop_pid "$pid"
}

# --- posauthd -------------------------------------------------------------

PA_POSAUTHD="$top_builddir/posauthd/posauthd"

# pa_start_posauthd CONFIG SOCKET: the build's posauthd in the foreground,
# logging to $POSAUTHD_LOG (default: next to the socket). Extra words in
# $PA_POSAUTHD_WRAP run before it (a shell that sets limits), the
# VAR=value words of $PA_POSAUTHD_ENV go into its environment and
# $PA_POSAUTHD_PRELOAD is preloaded (libfaketime, the fsync fault). Waits
# until its socket is there.
pa_start_posauthd() {
	local conf=$1 sock=$2
	# The sanitizer runtimes (PA_SAN_PRELOAD, pam_lib.sh) must come first.
	local pre="${PA_SAN_PRELOAD:-}${PA_POSAUTHD_PRELOAD:-}"
	export POSAUTHD_CONFIG=$conf POSAUTHD_SOCKET=$sock
	export POSAUTHD_LOG=${POSAUTHD_LOG:-$(dirname "$sock")/posauthd.log}
	rm -f "$sock"
	local up0
	up0=$(grep -c 'listening (config' "$POSAUTHD_LOG" 2>/dev/null)
	up0=${up0:-0}
	# shellcheck disable=SC2086 # PA_POSAUTHD_WRAP is a list of words
	${PA_POSAUTHD_WRAP:-} env ${pre:+LD_PRELOAD=${pre%:}} ${PA_POSAUTHD_ENV:-} \
		"$PA_POSAUTHD" --foreground --log-stderr --debug --config "$conf" \
		--socket "$sock" >>"$POSAUTHD_LOG" 2>&1 &
	export POSAUTHD_PID=$!
	# Up once it says so: the socket comes first, the configuration and
	# the device key (slow in a TPM, slower under ASan) before the line.
	# A wrapped one (a file size limit of 0) may not be able to say it.
	[ -z "${PA_POSAUTHD_WRAP:-}" ] || up0=-1
	for _ in $(seq 600); do
		if ! kill -0 "$POSAUTHD_PID" 2>/dev/null; then
			echo "pa_start_posauthd: posauthd exited early:" >&2
			cat "$POSAUTHD_LOG" >&2
			unset POSAUTHD_PID
			return 1
		fi
		[ -S "$sock" ] && { [ "$up0" -lt 0 ] ||
			[ "$(grep -c 'listening (config' "$POSAUTHD_LOG")" -gt "${up0:-0}" ]; } &&
			return 0
		sleep 0.05
	done
	echo "pa_start_posauthd: not listening within 30 s" >&2
	pa_stop_posauthd
	return 1
}

# pa_stop_posauthd: stops posauthd; returns its status.
pa_stop_posauthd() {
	local pid=${POSAUTHD_PID:-}
	[ -n "$pid" ] || return 0
	unset POSAUTHD_PID
	pa_stop_pid "$pid"
}

# pa_restart_posauthd: the same daemon again (new preloads, limits, ...).
pa_restart_posauthd() {
	pa_stop_posauthd
	pa_start_posauthd "$POSAUTHD_CONFIG" "$POSAUTHD_SOCKET"
}

# pa_tokend_control JSON: applies /_test/control, prints the new settings.
# Putting tokend right again waits until posauthd has noticed
# (pa_wait_online), so the next login is online as the test expects.
pa_tokend_control() {
	pa_curl --fail-with-body -X POST -H 'Content-Type: application/json' \
		--data "$1" "$TOKEND_URL/_test/control" || return
	case $1 in
	*'"fault":"none"'* | *'"reset":true'*)
		! declare -F pa_wait_online >/dev/null || pa_wait_online >&2 ;;
	esac
}

# pa_tokend_stats [reset]: prints the per-endpoint counters (then zeroes
# them when "reset" is given).
pa_tokend_stats() {
	if [ "${1:-}" = reset ]; then
		pa_curl --fail-with-body -X POST -H 'Content-Type: application/json' \
			--data '{"reset":true}' "$TOKEND_URL/_test/stats"
	else
		pa_curl --fail-with-body "$TOKEND_URL/_test/stats"
	fi
}

# pa_tokend_revoked: prints the revocation counters.
pa_tokend_revoked() {
	pa_curl --fail-with-body "$TOKEND_URL/_test/revoked"
}

# pa_tokend_user JSON: applies /_test/user (roles, disabled), prints the
# person's new settings.
pa_tokend_user() {
	pa_curl --fail-with-body -X POST -H 'Content-Type: application/json' \
		--data "$1" "$TOKEND_URL/_test/user"
}

# pa_tokend_post ENDPOINT [curl args...]: authenticated form POST to
# /token, /revoke or /introspect; prints the body and then, on a line of
# its own, the HTTP status.
pa_tokend_post() {
	local endpoint=$1
	shift
	pa_curl -H "$PA_BASIC_AUTH" -w '\n%{http_code}\n' "$@" \
		"$TOKEND_URL/$endpoint"
}

# pa_json_get PATH: reads JSON on stdin, prints the value at a dotted PATH
# (list indexes allowed: keys.0.kid); strings raw, the rest as JSON.
# Fails when the path is missing or the input is not JSON.
pa_json_get() {
	"$PA_PYTHON3" -c '
import json, sys
v = json.load(sys.stdin)
for part in sys.argv[1].split(".") if sys.argv[1] else []:
    v = v[int(part)] if isinstance(v, list) else v[part]
print(v if isinstance(v, str) else json.dumps(v))' "$1"
}

# pa_require_python_modules MOD...: skips the whole test when missing.
pa_require_python_modules() {
	local m
	for m in "$@"; do
		"$PA_PYTHON3" -c "import $m" 2>/dev/null ||
			skip_all "$PA_PYTHON3 lacks python module $m"
	done
}
