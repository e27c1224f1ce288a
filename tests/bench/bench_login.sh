#!/bin/bash
# SPDX-License-Identifier: MIT
# `make bench`: what a staff login through posauthd costs, measured against
# the bundled tests/tokend (HTTPS) and printed side by side in one run:
#   - an online login as the PAM caller sees it (pamtester wall time)
#     against a bare curl password grant to the same service, with the
#     default offline_kdf_cost; a fresh daemon's first login against later
#     ones; offline logins; PAM_AUTHINFO_UNAVAIL with no service;
#   - peak RSS of the PAM host process (pamtester with pam_posauth against
#     pamtester with pam_permit), and posauthd's own;
#   - BENCH_BURST (200) concurrent logins: wall time, the slowest login,
#     and beside them what shows where the time goes (tokend alone, no
#     KDF, CPU per process, dropped connections);
#   - JWT verifications per second and the scrypt verifier alone.
# A benchmark: it prints figures and the issue's targets, and fails only
# when a login that must succeed does not (a broken set-up, not speed).
# The logins need root (posauthd answers another uid only for itself);
# they go through temporary /etc/pam.d services, removed at exit.
#   bench_login.sh [N]   (run from the build directory: make bench)
# BENCH_N (default 30) runs per median, BENCH_BURST (200) logins at once.
N=${1:-${BENCH_N:-30}}
BURST=${BENCH_BURST:-200}
K=5	# fresh-daemon and memory samples
export top_builddir=${top_builddir:-$(pwd)}
export top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/pam_lib.sh"
pa_pam_require
jwt_bench() {
	echo "== JWT verification"
	"$top_builddir/tests/bench/bench_jws" 1
}
# posauthd logs in any staff member only for root; another uid may
# authenticate only itself (a lock screen).
if [ "$(id -u)" -ne 0 ]; then
	echo "== posauthd logins: skipped, they need root (posauthd answers a"
	echo "   non-root caller only for its own uid)"
	echo
	jwt_bench
	exit 0
fi
pa_tmpdir W
S="$W/samples"
mkdir -p "$S"
pa_make_ca "$W" bench >/dev/null || exit 1
pa_start_tokend "$W" || exit 1
SYSPAM=0
[ -d /etc/pam.d ] && SYSPAM=1

# --- helpers ------------------------------------------------------------------

# now_us: microseconds without a fork (bash 5), whatever the locale's point.
now_us() { printf -v "$1" '%s' "${EPOCHREALTIME//[!0-9]/}"; }

# The shipped defaults, not the suite's fast KDF: pa_pam_conf always
# writes offline_kdf_cost, so the line goes and the code's default stays.
bench_conf() {
	pa_pam_conf "$PA_PAM_CONF" "$@" &&
		sed -i '/^offline_kdf_cost/d' "$PA_PAM_CONF"
}
KDF_DEFAULT=$(sed -n 's/.*NUM(offline_kdf_cost, *CT_UINT, *"\([0-9]*\)".*/\1/p' \
	"$top_srcdir/src/base/conf.c")
KDF_DEFAULT=${KDF_DEFAULT:-15}
TIMEOUT_DEFAULT=$(sed -n 's/.*NUM(timeout, *CT_LONG, *"\([0-9]*\)".*/\1/p' \
	"$top_srcdir/src/base/conf.c")

# pam SERVICE USER OPS... <PIN: pamtester through the system PAM
# (pam_wrapper copies its config per process and runs under the suite's
# lock: overhead a real login does not pay), through pam_wrapper only on
# a system without /etc/pam.d.
in_pam() {
	if [ "$SYSPAM" = 1 ]; then
		"$@"
	else
		pa_wrapped "$@"
	fi
}
pam() { in_pam "$PA_PAMTESTER" "$@"; }
login() { pam "$SVC" "$1" authenticate <<<"$2" >/dev/null 2>"$W/login.err"; }

# timed FILE CMD...: runs CMD, appends its wall time (us) to FILE.
timed() {
	local f=$1 t0 t1 rc
	shift
	now_us t0
	"$@"
	rc=$?
	now_us t1
	echo $((t1 - t0)) >>"$f"
	return "$rc"
}

# settle OFFSET [SECONDS]: waits until every request posauthd started
# after byte OFFSET of its log is done (the offline verifier's KDF runs
# after the answer); prints how long that took (ms).
settle() {
	local since=$1 limit=${2:-60} t0 t1 log started ended
	now_us t0
	for _ in $(seq $((limit * 20))); do
		log=$(pa_daemon_log_since "$since")
		started=$(grep -c ': start$' <<<"$log")
		ended=$(grep -c ': done (' <<<"$log")
		[ "$started" -le "$ended" ] && break
		sleep 0.05
	done
	now_us t1
	SETTLE_MS=$(((t1 - t0) / 1000))
	[ "$started" -le "$ended" ] ||
		echo "warning: posauthd still busy after $limit s" >&2
}

# idle_login FILE USER PIN: one timed login with the daemon idle before
# and after it, as a cashier at one terminal meets it.
idle_login() {
	local pos rc
	pos=$(pa_daemon_log_size)
	timed "$1" login "$2" "$3"
	rc=$?
	settle "$pos"
	return "$rc"
}

# must NAME RC: a login that has to work for the figures to mean anything.
must() {
	[ "$2" -eq 0 ] && return 0
	echo "bench: $1 failed: $(tr -d '\0' <"$W/login.err" | head -3)" >&2
	exit 1
}

# stats FILE: "median min max count" in ms.
stats() {
	sort -n "$1" | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "- - - 0"; exit }
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.1f %.1f %.1f %d\n", m / 1000, v[1] / 1000, v[NR] / 1000, NR }'
}
median() { stats "$1" | cut -d' ' -f1; }
row() { # LABEL FILE
	local s
	read -r -a s <<<"$(stats "$2")"
	printf '  %-52s %8s %8s %8s %4s\n' "$1" "${s[@]}"
}
head_row() { printf '  %-52s %8s %8s %8s %4s\n' "ms" median min max n; }
kv() { printf '  %-52s %s\n' "$1" "$2"; }

# curl_grant: the same token request a login makes, from a new process.
curl_grant() {
	curl -s -o /dev/null --cacert "$TOKEND_CA" -H "$PA_BASIC_AUTH" \
		--data grant_type=password --data username=alice \
		--data password=1234 --data scope=openid "$TOKEND_URL/token"
}

proc_kib() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
all_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }
# listen queue overflows (connections the kernel dropped, clients retry)
overflows() {
	awk '/^TcpExt:/ { if (!h) { split($0, n); h = 1 } else split($0, v) }
		END { for (i in n) if (n[i] == "ListenOverflows") print v[i] }' \
		/proc/net/netstat
}

# peak_rss SERVICE: peak resident KiB of pamtester logging alice in.
if [ -x /usr/bin/time ]; then
	RSS_HOW="/usr/bin/time -f %M"
	peak_rss() {
		in_pam /usr/bin/time -o "$W/rss" -f %M "$PA_PAMTESTER" "$1" alice \
			authenticate <<<1234 >/dev/null 2>"$W/login.err" || return 1
		tail -1 "$W/rss"
	}
else
	RSS_HOW="getrusage(RUSAGE_CHILDREN) from python3"
	peak_rss() {
		in_pam "$PA_PYTHON3" -c '
import resource, subprocess, sys
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(r.returncode)' "$PA_PAMTESTER" "$1" alice authenticate <<<1234 \
			2>"$W/login.err"
	}
fi

# --- set-up -------------------------------------------------------------------

PA_KDF_COST=$KDF_DEFAULT pa_pam_setup "$W"
bench_conf
# Services of our own: the module's and pam_permit's, in pam_wrapper's
# directory and, as root, in /etc/pam.d for the system PAM.
SVC="posauth-bench-$$"
PERMIT="posauth-permit-$$"
pa_pam_service "$SVC"
printf 'auth required pam_permit.so\naccount required pam_permit.so\n' \
	>"$PA_PAM_DIR/pam.d/$PERMIT"
if [ "$SYSPAM" = 1 ]; then
	cp "$PA_PAM_DIR/pam.d/$SVC" "$PA_PAM_DIR/pam.d/$PERMIT" /etc/pam.d/
	pa_on_exit "rm -f /etc/pam.d/$SVC /etc/pam.d/$PERMIT"
	VIA="system PAM (/etc/pam.d/$SVC)"
else
	VIA="pam_wrapper (no /etc/pam.d: timings include its config copy and lock)"
fi
USERS=(alice:1234 bob:2345 carol:3456 erin:5678 frank:6789)
warm_users() {
	local u
	for u in "${USERS[@]}"; do
		idle_login "$S/warmup" "${u%%:*}" "${u##*:}"
		must "login of ${u%%:*}" $?
	done
}
# The first logins fetch discovery and JWKS into the device cache.
warm_users

echo "== posauthd logins against tests/tokend (HTTPS, $TOKEND_URL)"
kv "PAM" "$VIA"
kv "offline_kdf_cost" "$KDF_DEFAULT (the default: not set in the config)"
kv "CPUs, load average at start" "$(nproc), $(cut -d' ' -f1-3 /proc/loadavg)"
echo

# --- 1. latency ---------------------------------------------------------------

# Taken in turn, so whatever else the machine does weighs on both alike.
pa_tokend_stats reset >/dev/null
for _ in $(seq "$N"); do
	timed "$S/curl" curl_grant
	idle_login "$S/online" alice 1234 || must "online login" 1
done
tstats=$(pa_tokend_stats)
per_login=$(awk -v t="$(pa_json_get token.password <<<"$tstats")" -v n="$N" \
	'BEGIN { printf "%.2f", (t - n) / n }')
docs=$(($(pa_json_get discovery <<<"$tstats") + $(pa_json_get jwks <<<"$tstats")))

# Back to back: a login waits for the previous one's verifier (the user's
# record lock), so this is the rate one user's logins can go at.
pos=$(pa_daemon_log_size)
for _ in $(seq "$N"); do timed "$S/b2b" login alice 1234 || must "back-to-back login" 1; done
settle "$pos"

# The background work a login leaves: its verifier's KDF.
pos=$(pa_daemon_log_size)
timed "$S/tail" login alice 1234
settle "$pos"
bg_ms=$SETTLE_MS

bench_conf "offline_grace = 0"
for _ in $(seq "$N"); do idle_login "$S/nokdf" alice 1234 || must "login without verifier" 1; done
bench_conf

# A fresh daemon: it reads discovery and keys from the sealed cache once.
for _ in $(seq "$K"); do
	pa_restart_posauthd || exit 1
	idle_login "$S/first" alice 1234 || must "first login" 1
done
# A fresh daemon on an empty cache: device key, discovery, JWKS.
for _ in $(seq "$K"); do
	pa_stop_posauthd
	rm -rf "$PA_PAM_DIR/cache"
	pa_start_posauthd "$PA_PAM_CONF" "$PA_PAM_SOCKET" || exit 1
	idle_login "$S/cold" alice 1234 || must "cold-cache login" 1
done
warm_users

pa_tokend_control '{"fault":"down"}' >/dev/null
for _ in $(seq "$N"); do idle_login "$S/offline" alice 1234 || must "offline login" 1; done
pa_tokend_control '{"fault":"none"}' >/dev/null
"$top_builddir/tests/bench_kdf" "$KDF_DEFAULT" "$KDF_DEFAULT" 9 >"$W/kdf" 2>/dev/null
kdf_ms=$(awk -v c="$KDF_DEFAULT" '$1 == c { print $5 }' "$W/kdf")

ratio=$(awk -v a="$(median "$S/online")" -v b="$(median "$S/curl")" \
	'BEGIN { printf "%.2f", a / b }')
echo "-- 1. login latency, what the PAM caller sees (pamtester wall time)"
head_row
row "bare curl password grant (new process)" "$S/curl"
row "online login, daemon idle (pamtester)" "$S/online"
row "  online login, offline_grace = 0 (no verifier KDF)" "$S/nokdf"
row "  back to back, same user (waits for the last KDF)" "$S/b2b"
row "  first login of a fresh posauthd" "$S/first"
row "  first login of a fresh posauthd, empty cache" "$S/cold"
row "offline login (tokend down), daemon idle" "$S/offline"
kv "ratio online login / curl (issue: 8.4x before)" "$ratio"
kv "ratio, offline_grace = 0" "$(awk -v a="$(median "$S/nokdf")" -v b="$(median "$S/curl")" \
	'BEGIN { printf "%.2f", a / b }')"
kv "warm-daemon effect: first / later login" "$(median "$S/first") / $(median "$S/online") ms"
kv "posauthd busy after the answer (verifier KDF)" "$bg_ms ms (one login, to the nearest 50 ms)"
kv "scrypt verifier alone (cost $KDF_DEFAULT), median" "${kdf_ms:-?} ms"
kv "token requests per login" "$per_login"
kv "discovery+JWKS requests in $N warm logins" "$docs"
echo

# --- 1b. outages and distance (issue 12) ----------------------------------------

# The shipped timeouts and probe schedule; the service completes TLS and
# then never answers (the worst case: the whole timeout per attempt).
PA_TIMEOUT=${TIMEOUT_DEFAULT:-10} PA_PROBE_MIN=5 PA_PROBE_MAX=300 bench_conf
pa_tokend_control '{"fault":"slow","slow_seconds":600}' >/dev/null
now_us t_stall
idle_login "$S/stall_first" alice 1234 || must "first login of an outage" 1
for _ in $(seq "$N"); do
	idle_login "$S/stall_later" alice 1234 || must "login during an outage" 1
done
# Back, with nobody logging in: how long until posauthd notices.
ends=$(grep -c 'outage ends' "$POSAUTHD_LOG")
now_us t0
pa_curl --fail-with-body -X POST -H 'Content-Type: application/json' \
	--data '{"fault":"none"}' "$TOKEND_URL/_test/control" >/dev/null
recovery_ms="not within 400 s"
for _ in $(seq 4000); do
	if [ "$(grep -c 'outage ends' "$POSAUTHD_LOG")" -gt "$ends" ]; then
		now_us t1
		recovery_ms=$(((t1 - t0) / 1000))
		break
	fi
	sleep 0.1
done
stall_s=$(awk -v a="$t_stall" -v b="$t0" 'BEGIN { printf "%.1f", (b - a) / 1e6 }')
bench_conf

# The service 50 ms away (a round trip): a bare curl pays TCP, TLS and
# the request; a login through posauthd finds the connection open.
pa_tokend_control '{"latency_ms":50}' >/dev/null
warm_users
for _ in $(seq "$N"); do
	timed "$S/curl50" curl_grant
	idle_login "$S/online50" alice 1234 || must "login 50 ms away" 1
done
pa_tokend_control '{"latency_ms":0}' >/dev/null
ratio50=$(awk -v a="$(median "$S/online50")" -v b="$(median "$S/curl50")" \
	'BEGIN { printf "%.2f", a / b }')

echo "-- 1b. outages and distance"
head_row
row "service stalls after TLS: first login (offline)" "$S/stall_first"
row "  later logins of the outage (offline at once)" "$S/stall_later"
kv "  recovery noticed, no login (probes 5 s..300 s)" "$recovery_ms ms after the service came back (it was down ~$stall_s s)"
row "bare curl password grant, service 50 ms away" "$S/curl50"
row "online login, service 50 ms away" "$S/online50"
kv "ratio online login / curl, 50 ms away" "$ratio50"
echo

# --- 2. memory ----------------------------------------------------------------

for _ in $(seq "$K"); do
	pos=$(pa_daemon_log_size)
	v=$(peak_rss "$SVC") || must "login under $RSS_HOW" 1
	echo "$v" >>"$S/rss_posauth"
	settle "$pos"
	v=$(peak_rss "$PERMIT") || must "pam_permit login" 1
	echo "$v" >>"$S/rss_permit"
done
rss_a=$(sort -n "$S/rss_posauth" | tail -1)
rss_b=$(sort -n "$S/rss_permit" | tail -1)
rss_diff=$(awk -v a="$rss_a" -v b="$rss_b" 'BEGIN {
	d = (a - b) / 1024
	if (d < 0.05 && d > -0.05) d = 0
	printf "%.1f", d }')
echo "-- 2. peak RSS of the PAM host process during a login ($RSS_HOW, max of $K)"
kv "pamtester + pam_posauth.so" "$(mib "$rss_a") MiB ($rss_a KiB)"
kv "pamtester + pam_permit.so" "$(mib "$rss_b") MiB ($rss_b KiB)"
kv "difference (target: within 4 MiB)" "$rss_diff MiB"
kv "pam_posauth.so needs (DT_NEEDED)" "$(objdump -p "$PA_MODULE" 2>/dev/null |
	awk '$1 == "NEEDED" { printf "%s ", $2 }')"
kv "posauthd VmRSS / VmHWM (after section 1)" \
	"$(mib "$(proc_kib "$POSAUTHD_PID" VmRSS)") / $(mib "$(proc_kib "$POSAUTHD_PID" VmHWM)") MiB"
echo

# --- 3. logins at once --------------------------------------------------------

# burst NAME CMD...: BURST copies of CMD at once, CMD given user and PIN
# (cycling through USERS); each records its own start, end and status.
# Sets B_* (ms): wall (first start to last exit), slowest and median
# single login, last answer after the burst began; failures; CPU seconds.
burst() {
	local name=$1 i u pids=() t0 t1 tk0 tk1 pd0 pd1 all0 all1 ov0 ov1 pos
	shift
	pos=$(pa_daemon_log_size)
	ov0=$(overflows)
	tk0=$(cpu_ticks "$TOKEND_PID")
	pd0=$(cpu_ticks "$POSAUTHD_PID")
	all0=$(all_ticks)
	now_us t0
	for i in $(seq 0 $((BURST - 1))); do
		u=${USERS[$((i % ${#USERS[@]}))]}
		(
			now_us one0
			"$@" "${u%%:*}" "${u##*:}" >/dev/null 2>"$S/$name.err.$i"
			rc=$?
			now_us one1
			[ "$rc" -ne 0 ] || rm -f "$S/$name.err.$i"
			# shellcheck disable=SC2154 # set by now_us
			echo "$one0 $one1 $rc" >"$S/$name.$i"
		) &
		pids+=($!)
	done
	wait "${pids[@]}"
	now_us t1
	tk1=$(cpu_ticks "$TOKEND_PID")
	pd1=$(cpu_ticks "$POSAUTHD_PID")
	all1=$(all_ticks)
	ov1=$(overflows)
	settle "$pos" 300
	B_SETTLE=$SETTLE_MS
	B_WALL=$(((t1 - t0) / 1000))
	read -r B_SLOW B_MED B_LAST B_FAIL < <(cat "$S/$name".[0-9]* |
		awk -v t0="$t0" '{ print ($2 - $1) / 1000, ($2 - t0) / 1000, $3 }' |
		sort -n | awk '{ d[NR] = $1; if ($2 > last) last = $2; if ($3 != 0) fail++ }
		END { printf "%d %d %d %d\n", d[NR], d[int((NR + 1) / 2)], last, fail + 0 }')
	local hz
	hz=$(getconf CLK_TCK)
	B_CPU=$(awk -v a="$((tk1 - tk0))" -v b="$((pd1 - pd0))" -v c="$((all1 - all0))" \
		-v hz="$hz" -v w="$B_WALL" -v n="$(nproc)" 'BEGIN {
		printf "tokend %.1f s, posauthd %.1f s, whole machine %.1f of %.1f s",
		a / hz, b / hz, c / hz, n * w / 1000 }')
	B_OVERFLOW=$((ov1 - ov0))
	# what the failed ones said, most frequent first (pamtester's prompt
	# has no newline)
	B_ERR=$(cat "$S/$name".err.* 2>/dev/null | tr -d '\0' | sed 's/PIN: //g' |
		grep -v '^$' | sort | uniq -c | sort -rn | head -2 | sed 's/^ *//' |
		tr '\n' ';')
}
burst_report() { # LABEL
	printf '  %-38s %7s %8s %8s %8s %5s %9s\n' "$1" "$B_WALL" "$B_LAST" \
		"$B_SLOW" "$B_MED" "$B_FAIL" "$B_OVERFLOW"
	printf '  %-38s %s\n' "" "CPU: $B_CPU"
	[ -z "$B_ERR" ] || printf '  %-38s %s\n' "" "errors: $B_ERR"
}
pam_burst() { pam "$SVC" "$1" authenticate <<<"$2"; }
curl_burst() {
	curl -s -o /dev/null -w '%{http_code}' --cacert "$TOKEND_CA" -H "$PA_BASIC_AUTH" \
		--data grant_type=password --data-urlencode "username=$1" \
		--data-urlencode "password=$2" --data scope=openid "$TOKEND_URL/token" |
		grep -qx 200
}

echo "-- 3. $BURST logins at once (users ${USERS[*]%%:*} in turn)"
if [ "$SYSPAM" != 1 ]; then
	kv "skipped" "needs the system PAM (pam_wrapper serialises on a lock)"
else
	# Long timeouts: the figures are when each login is answered, not
	# which of them a short timeout would have cut off.
	PA_CONNECT_TIMEOUT=30 PA_TIMEOUT=120 bench_conf
	warm_users
	printf '  %-38s %7s %8s %8s %8s %5s %9s\n' "ms" wall "last" slowest \
		median fails "dropped"
	burst main pam_burst
	main=("$B_WALL" "$B_LAST" "$B_SLOW" "$B_FAIL")
	burst_report "pamtester (the figure)"
	kv "  posauthd busy after the last answer" \
		"$B_SETTLE ms (verifier KDFs still queued)"
	kv "  posauthd VmRSS / VmHWM after" \
		"$(mib "$(proc_kib "$POSAUTHD_PID" VmRSS)") / $(mib "$(proc_kib "$POSAUTHD_PID" VmHWM)") MiB"
	echo "  where the time goes:"
	burst curl curl_burst
	burst_report "bare curl grants (tokend alone)"
	PA_CONNECT_TIMEOUT=30 PA_TIMEOUT=120 bench_conf "offline_grace = 0"
	burst nokdf pam_burst
	burst_report "pamtester, offline_grace = 0 (no KDF)"
	# All as one user: each login's cache update waits for the verifier
	# of the one before (the user's record lock).
	PA_CONNECT_TIMEOUT=30 PA_TIMEOUT=120 bench_conf
	users_save=("${USERS[@]}")
	USERS=(alice:1234)
	burst alice pam_burst
	burst_report "pamtester, all as alice"
	USERS=("${users_save[@]}")
	# What the shipped timeouts make of it: a client waits for the
	# service's timeout + 1 s, then answers PAM_AUTHINFO_UNAVAIL.
	bench_conf && sed -i '/^\(connect_\)\{0,1\}timeout =/d' "$PA_PAM_CONF"
	burst shipped pam_burst
	burst_report "pamtester, shipped timeout (${TIMEOUT_DEFAULT:-?} s)"
	echo "  (wall: first start to last exit; last: last answer after the start;"
	echo "   dropped: TCP listen-queue overflows, each costs a client a 1 s SYN retry)"
fi
echo

# --- 4. no service ------------------------------------------------------------

unavail() { # FILE: 20 logins that must fail with PAM_AUTHINFO_UNAVAIL
	local bad=0
	for _ in $(seq 20); do
		timed "$1" login alice 1234
		grep -qF "$E_UNAVAIL" "$W/login.err" || bad=$((bad + 1))
	done
	[ "$bad" -eq 0 ] || echo "warning: $bad of 20 did not answer \"$E_UNAVAIL\": $(head -1 "$W/login.err")" >&2
}
kill -KILL "$POSAUTHD_PID"
wait "$POSAUTHD_PID" 2>/dev/null
unset POSAUTHD_PID
unavail "$S/stale"	# the socket is still there, nobody listens
rm -f "$PA_PAM_SOCKET"
unavail "$S/nosock"
echo "-- 4. posauthd not running: PAM_AUTHINFO_UNAVAIL (target < 100 ms)"
head_row
row "socket left behind (daemon killed): refused" "$S/stale"
row "no socket" "$S/nosock"
echo

# --- summary ------------------------------------------------------------------

echo "== issue 11 figures (a benchmark: targets are printed, never enforced)"
printf '  %-46s %-22s %s\n' "figure" "measured" "target"
printf '  %-46s %-22s %s\n' "online login / bare curl grant" \
	"${ratio}x ($(median "$S/online") / $(median "$S/curl") ms)" "was 8.4x"
printf '  %-46s %-22s %s\n' "peak RSS, pam_posauth - pam_permit" "$rss_diff MiB" "<= 4 MiB"
if [ "$SYSPAM" = 1 ]; then
	printf '  %-46s %-22s %s\n' "$BURST at once: all answered (wall)" "${main[1]} ms (${main[0]} ms)" "<= 3000 ms"
	printf '  %-46s %-22s %s\n' "$BURST at once: slowest login" "${main[2]} ms" ""
	printf '  %-46s %-22s %s\n' "$BURST at once: failed" "${main[3]}" "0"
fi
printf '  %-46s %-22s %s\n' "PAM_AUTHINFO_UNAVAIL, no service (median)" \
	"$(median "$S/nosock") ms" "< 100 ms"
echo "== issue 12 figures"
printf '  %-46s %-22s %s\n' "outage, service stalled: first login" \
	"$(median "$S/stall_first") ms" "(was 10.1 s, every login)"
printf '  %-46s %-22s %s\n' "outage: later logins (median, max)" \
	"$(median "$S/stall_later") / $(sort -n "$S/stall_later" | tail -1 | awk '{ printf "%.1f", $1 / 1000 }') ms" "<= 300 ms"
printf '  %-46s %-22s %s\n' "recovery noticed without a login" "$recovery_ms ms" "<= 30000 ms"
printf '  %-46s %-22s %s\n' "online login / bare curl grant" "${ratio}x" "<= 1.0x (was 8.4x)"
printf '  %-46s %-22s %s\n' "the same, service 50 ms away" "${ratio50}x" ""
kv "load average at end" "$(cut -d' ' -f1-3 /proc/loadavg)"
pa_stop_tokend
echo
jwt_bench
