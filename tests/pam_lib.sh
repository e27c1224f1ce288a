# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# tests/pam_lib.sh - drive the real pam_posauth.so through pamtester and
# pam_wrapper (sourced after lib.sh), against the build's posauthd.
#
#   pa_pam_setup DIR [conf lines...]   # posauth.conf, posauthd, service "posauth"
#   pa_pam USER PIN OPS...             # runs pamtester; sets PAM_OUT PAM_RC
#   pa_pam_expect NAME WANT USER PIN OPS...
#
# WANT is "ok" or the pam_strerror() text of the expected failure, so each
# test checks the exact PAM code, not just "it failed".

PA_MODULE="$top_builddir/.libs/pam_posauth.so"
PA_PAM_WRAPPER=${PA_PAM_WRAPPER:-$(for d in /usr/lib/*-linux-gnu /usr/lib64 /usr/lib; do
	[ -e "$d/libpam_wrapper.so" ] && { echo "$d/libpam_wrapper.so"; break; }
done)}
PA_PAMTESTER=${PAMTESTER:-$(command -v pamtester)}

# A sanitizer build (scripts/check-sanitizers) loads into uninstrumented
# programs (pamtester, getent) only with the ASan/UBSan runtimes preloaded
# before anything else, and our own sanitized programs refuse to start when
# pam_wrapper comes first. Every LD_PRELOAD in the tests starts with
# $PA_SAN_PRELOAD (empty in a normal build). Leaks of pamtester and libpam
# are not ours; the unit tests keep leak detection. libfaketime deadlocks
# in ASan's allocator unless it keeps its memory.
PA_SAN_PRELOAD=$(ldd "$PA_MODULE" 2>/dev/null |
	awk '/lib(asan|ubsan)\.so/ { printf "%s:", $3 }')
if [ -n "$PA_SAN_PRELOAD" ]; then
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0:allocator_release_to_os_interval_ms=-1"
	export PAM_WRAPPER_DISABLE_DEEPBIND=1
fi
export PA_SAN_PRELOAD

# pam_strerror() texts of the codes the tests expect.
E_AUTH="Authentication failure"
E_UNAVAIL="Authentication service cannot retrieve authentication info"
E_USER_UNKNOWN="User not known to the underlying authentication module"
E_PERM="Permission denied"
E_SERVICE="Error in service module"
E_AUTHTOK="Authentication token manipulation error"
E_SYSTEM="System error"

pa_pam_require() {
	[ -x "$PA_PAMTESTER" ] || skip_all "pamtester not installed"
	[ -n "$PA_PAM_WRAPPER" ] || skip_all "libpam-wrapper not installed"
	[ -e "$PA_MODULE" ] || skip_all "module not built: $PA_MODULE"
}

# pa_pam_conf FILE [extra lines...]: a config pointing at the running tokend.
pa_pam_conf() {
	local file=$1
	shift
	(
		umask 022
		{
			echo "# written by the test"
			echo "issuer = $TOKEND_URL"
			echo "client_id = $CLIENT_ID"
			echo "client_secret_file = $CLIENT_SECRET_FILE"
			echo "ca_file = ${PA_CONF_CA:-$TOKEND_CA}"
			echo "tenant = acme"
			echo "store = store-042"
			# Overridable: a later duplicate key would be a config error.
			echo "connect_timeout = ${PA_CONNECT_TIMEOUT:-2}"
			echo "timeout = ${PA_TIMEOUT:-4}"
			# posauthd probes an unreachable service this often (s):
			# tests that bring tokend back wait for it (pa_wait_online).
			echo "outage_probe_min = ${PA_PROBE_MIN:-1}"
			echo "outage_probe_max = ${PA_PROBE_MAX:-1}"
			[ -z "${PA_OFFLINE_GRACE:-}" ] || echo "offline_grace = $PA_OFFLINE_GRACE"
			echo "cache_dir = $PA_PAM_DIR/cache"
			# Never the system's index: tests must not touch the host.
			[ -n "${PA_NO_NSS_INDEX:-}" ] || echo "nss_index = $PA_PAM_DIR/nss/nss.db"
			echo "runtime_dir = $PA_PAM_DIR/run"
			echo "offline_kdf_cost = ${PA_KDF_COST:-12}"
			printf '%s\n' "$@"
		} >"$file"
	)
}

# pa_pam_service NAME MODULE-ARGS...: service file using the build's module.
# nodelay unless PA_PAM_DELAY=1: libpam's 2 s after every failed login
# would only slow the suite (pam_online.sh tests the delay itself).
pa_pam_service() {
	local name=$1
	shift
	[ "${PA_PAM_DELAY:-0}" = 1 ] || set -- "$@" nodelay
	mkdir -p "$PA_PAM_DIR/pam.d"
	{
		echo "auth     required $PA_MODULE socket=$PA_PAM_SOCKET $*"
		echo "account  required $PA_MODULE socket=$PA_PAM_SOCKET $*"
		echo "password required $PA_MODULE socket=$PA_PAM_SOCKET"
		echo "session  required $PA_MODULE socket=$PA_PAM_SOCKET"
	} >"$PA_PAM_DIR/pam.d/$name"
}

# pa_pam_setup DIR [conf lines...]: default config, posauthd on it (its
# log in DIR/posauthd.log) and service "posauth".
pa_pam_setup() {
	export PA_PAM_DIR=$1
	shift
	export PA_PAM_CONF="$PA_PAM_DIR/posauth.conf"
	export PA_PAM_SOCKET="$PA_PAM_DIR/posauthd.sock"
	pa_pam_conf "$PA_PAM_CONF" "$@"
	pa_pam_service posauth
	PA_PAM_SERVICE=posauth
	pa_start_posauthd "$PA_PAM_CONF" "$PA_PAM_SOCKET" || exit 1
}

# pa_daemon_log_since OFFSET: posauthd's log lines after byte OFFSET.
pa_daemon_log_since() {
	tail -c +"$(($1 + 1))" "$POSAUTHD_LOG" 2>/dev/null
}
pa_daemon_log_size() {
	stat -c %s "$POSAUTHD_LOG" 2>/dev/null || echo 0
}

# pam_wrapper copies the service files into /tmp/pam.X, X picked with a
# racy lstat-then-mkdir whose failure it ignores: two processes at once can
# share a directory and read each other's services. So every pam_wrapper
# process of the suite runs under one lock (they are short); tests that
# need many logins at once use the system PAM as root instead.
PA_WRAPPER_LOCK=${TMPDIR:-/tmp}/posauth-pam_wrapper.lock

# pa_wrapped CMD...: CMD under pam_wrapper with $PA_PAM_DIR/pam.d, locked.
pa_wrapped() {
	flock "$PA_WRAPPER_LOCK" env \
		LD_PRELOAD="$PA_SAN_PRELOAD$PA_PAM_WRAPPER${PA_EXTRA_PRELOAD:+:$PA_EXTRA_PRELOAD}" \
		PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$PA_PAM_DIR/pam.d" "$@"
}

# pa_pam USER PIN OPS...: pamtester through pam_wrapper, PIN on stdin;
# the words of $PA_PAMTESTER_WRAP (setpriv, unshare) run it.
# The module's pam_syslog lines, and what posauthd logged meanwhile, land
# in pam.err (and PAM_OUT) and $PA_PAM_DIR/pam.log.
pa_pam() {
	local user=$1 pin=$2 logpos
	shift 2
	logpos=$(pa_daemon_log_size)
	# shellcheck disable=SC2086 # PA_PAM_ENV is a list of VAR=value words
	PAM_OUT=$(printf '%s\n' "$pin" | pa_wrapped \
		PAM_WRAPPER_DEBUGLEVEL="${PAM_WRAPPER_DEBUGLEVEL:-2}" \
		${PA_PAM_ENV:-} ${PA_PAMTESTER_WRAP:-} \
		"$PA_PAMTESTER" -v "$PA_PAM_SERVICE" "$user" "$@" 2>"${PA_PAM_ERR:-$PA_PAM_DIR/pam.err}")
	PAM_RC=$?
	local err=${PA_PAM_ERR:-$PA_PAM_DIR/pam.err}
	# The daemon may still be logging the tail of the request.
	pa_daemon_settle "$logpos"
	pa_daemon_log_since "$logpos" >>"$err"
	cat "$err" >>"$PA_PAM_DIR/pam.log"
	PAM_OUT="$PAM_OUT"$'\n'"$(tr -d '\0' <"$err")"
}

# pa_daemon_settle OFFSET: waits (up to 10 s) until every request posauthd
# started after byte OFFSET of its log has logged "done": an answer can go
# out before the tail of a login (the offline verifier) is written.
pa_daemon_settle() {
	local since=$1 log started done
	[ -n "${POSAUTHD_LOG:-}" ] || return 0
	for _ in $(seq 200); do
		log=$(pa_daemon_log_since "$since")
		started=$(grep -c ': start$' <<<"$log")
		done=$(grep -c ': done (' <<<"$log")
		[ "$started" -le "$done" ] && return 0
		sleep 0.05
	done
	echo "# posauthd: $started request(s) started, $done done after 10 s" >&2
}

# pa_wait_online: waits (up to 10 s) until posauthd no longer treats the
# token service as unreachable: after tokend is fixed, logins the device
# cache can decide stay offline until the next outage probe answers.
pa_wait_online() {
	local down up
	[ -n "${POSAUTHD_LOG:-}" ] || return 0
	for _ in $(seq 200); do
		down=$(grep -c 'outage begins' "$POSAUTHD_LOG")
		up=$(grep -c 'outage ends' "$POSAUTHD_LOG")
		[ "$down" -le "$up" ] && return 0
		sleep 0.05
	done
	echo "# posauthd: still offline after 10 s" >&2
	return 1
}

# pa_pam_expect NAME WANT USER PIN OPS...
pa_pam_expect() {
	local name=$1 want=$2
	shift 2
	pa_pam "$@"
	if [ "$want" = ok ]; then
		[ "$PAM_RC" -eq 0 ]
	else
		[ "$PAM_RC" -ne 0 ] && grep -qF -- "$want" <<<"$PAM_OUT"
	fi
	tap_ok $? "$name" || tap_diag "want: $want" "$PAM_OUT"
}
