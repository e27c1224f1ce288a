#!/bin/bash
# SPDX-License-Identifier: MIT
# posauthd's socket against clients that do not speak the protocol: every
# malformed frame is refused, answered and logged with the reason, idle
# clients are dropped at the request deadline without holding up anyone
# else, more connections than the daemon serves at once wait their turn,
# and a staff login works after each. Then the PAM module against a
# service that is not running, one that never greets and one that greets
# and hangs: it gives up within the bounds the hello sets (timeout + 1 s).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/pam_lib.sh"
pa_pam_require
pa_require_python_modules jwt cryptography
[ -x "$PA_POSAUTHD" ] || skip_all "posauthd not built: $PA_POSAUTHD"

pa_tmpdir W
pa_make_ca "$W" tokend || exit 1
pa_start_tokend "$W" || exit 1
export PA_OFFLINE_GRACE=0
pa_pam_setup "$W"
SOCK=$PA_PAM_SOCKET
PA_ERR_ARG=-3	# err.h: what the daemon answers a malformed request

# --- a client that speaks raw bytes -----------------------------------------------
# wire.py SOCKET CASE: reads the hello, sends CASE's bytes, prints
# "pid N", "hello V T" and the answer: "status S", "eof" or "none".
# wire.py SOCKET idle: reads the hello, prints "greeted", waits for the
# daemon to close and prints "closed_after_ms N" (from the connect).
# wire.py SOCKET flood N: N connections at once, each left idle; prints
# how many were greeted in the first 2 s, in all, and closed by the daemon.
cat >"$W/wire.py" <<'EOF'
import os, select, socket, struct, sys, time

path, case = sys.argv[1], sys.argv[2]

def field(tag, value, declared=None):
    if isinstance(value, int):
        value = struct.pack(">I", value & 0xffffffff)
    if isinstance(value, str):
        value = value.encode()
    return struct.pack(">HH", tag, len(value) if declared is None else declared) + value

def frame(type_, payload, version=1, length=None):
    return struct.pack(">BBBBI", version, type_, 0, 0,
                       len(payload) if length is None else length) + payload

def read_exact(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            return None
        b += c
    return b

def read_frame(s):
    h = read_exact(s, 8)
    if h is None:
        return None
    v, t, _, _, n = struct.unpack(">BBBBI", h)
    p = read_exact(s, n)
    fields = {}
    off = 0
    while p is not None and off + 4 <= len(p):
        tag, flen = struct.unpack(">HH", p[off:off + 4])
        fields.setdefault(tag, p[off + 4:off + 4 + flen])
        off += 4 + flen
    return v, t, fields

def connect():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    return s

USER, PIN, STATUS, VERSION, TIMEOUT = 4, 5, 1, 2, 3
cases = {
    "garbage": b"GET / HTTP/1.1\r\nHost: posauthd\r\n\r\n",
    "version2": frame(3, field(USER, "alice"), version=2),
    "unknown_type": frame(99, field(USER, "alice")),
    "oversize": frame(3, b"", length=256 * 1024 + 1),
    "reserved": b"\x01\x03\x00\x01" + struct.pack(">I", 0),
    "result_as_request": frame(64, field(STATUS, 0)),
    "hello_as_request": frame(1, field(VERSION, 1) + field(TIMEOUT, 1000)),
    "field_past_payload": frame(3, field(USER, "alice") + field(PIN, "12", declared=40)),
}

if case == "flood":
    n = int(sys.argv[3])
    socks = [connect() for _ in range(n)]
    t0 = time.monotonic()
    greeted_at, closed = {}, set()
    poll = select.poll()
    for s in socks:
        s.setblocking(False)
        poll.register(s.fileno(), select.POLLIN)
    by_fd = {s.fileno(): s for s in socks}
    while len(closed) < n and time.monotonic() - t0 < 40:
        for fd, ev in poll.poll(500):
            try:
                data = by_fd[fd].recv(4096)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            if data:
                greeted_at.setdefault(fd, time.monotonic() - t0)
            else:
                closed.add(fd)
                poll.unregister(fd)
    first = sum(1 for t in greeted_at.values() if t < 2)
    print("greeted_first %d greeted %d closed %d" % (first, len(greeted_at), len(closed)))
    sys.exit(0)

t0 = time.monotonic()
s = connect()
print("pid %d" % os.getpid())
hello = read_frame(s)
if hello is None:
    print("no hello")
    sys.exit(1)
v, t, f = hello
print("hello %d %d" % (struct.unpack(">I", f[VERSION])[0], struct.unpack(">I", f[TIMEOUT])[0]))
sys.stdout.flush()
if case == "hello":
    sys.exit(0)
if case == "idle":
    print("greeted")
    sys.stdout.flush()
    try:
        left = s.recv(1)
    except OSError:
        left = b""
    print("closed_after_ms %d%s" % ((time.monotonic() - t0) * 1000, "" if not left else " (data?)"))
    sys.exit(0)
s.sendall(cases[case])
try:
    answer = read_frame(s)
except OSError:
    answer = None
if answer is None:
    print("eof")
elif answer[1] != 64 or STATUS not in answer[2]:
    print("type %d" % answer[1])
else:
    print("status %d" % struct.unpack(">i", answer[2][STATUS])[0])
EOF

# --- malformed frames ----------------------------------------------------------------
# malformed CASE REASON: the daemon answers it with a refusal, logs
# "refused: REASON" for this client's pid, and a staff login still works.
malformed() {
	local case=$1 reason=$2 out pos pid
	pos=$(pa_daemon_log_size)
	out=$("$PA_PYTHON3" "$W/wire.py" "$SOCK" "$case" 2>&1)
	pid=$(awk '/^pid / { print $2 }' <<<"$out")
	grep -qx "status $PA_ERR_ARG" <<<"$out"
	tap_ok $? "test_${case}_answered_with_a_refusal" || tap_diag "$out"
	# The log line may follow the answer by a moment.
	for _ in $(seq 50); do
		pa_daemon_log_since "$pos" | grep -qF "pid $pid refused: $reason" && break
		sleep 0.1
	done
	pa_daemon_log_since "$pos" | grep -qF "pid $pid refused: $reason"
	tap_ok $? "test_${case}_refusal_logged_with_reason" ||
		tap_diag "want: pid $pid refused: $reason" "$(pa_daemon_log_since "$pos")"
	pa_pam_expect "test_login_works_after_${case}" ok alice 1234 authenticate
}

pa_pam_expect test_login_works_before_anything ok alice 1234 authenticate
malformed garbage "protocol version 71, not 1"
malformed version2 "protocol version 2, not 1"
malformed unknown_type "unknown message type 99"
malformed oversize "malformed frame header"
malformed reserved "malformed frame header"
malformed result_as_request "not a request"
malformed hello_as_request "not a request"
malformed field_past_payload "field runs past the frame, tag 5"

# --- an idle client ------------------------------------------------------------------
# It holds a connection and says nothing: a login goes on meanwhile, and
# the daemon drops it at its request deadline (PD_REQUEST_MS, 5 s).
"$PA_PYTHON3" "$W/wire.py" "$SOCK" idle >"$W/idle.out" 2>&1 &
IDLE_PID=$!
pa_on_exit "kill $IDLE_PID 2>/dev/null"
for _ in $(seq 100); do
	grep -q greeted "$W/idle.out" && break
	sleep 0.05
done
pa_pam_expect test_login_works_while_a_client_idles ok alice 1234 authenticate
! grep -q closed_after "$W/idle.out"
tap_ok $? test_login_answered_before_the_idle_client_is_dropped ||
	tap_diag "$(cat "$W/idle.out")"
wait "$IDLE_PID"
ms=$(awk '/^closed_after_ms/ { print $2 }' "$W/idle.out")
[ -n "$ms" ] && [ "$ms" -ge 4500 ] && [ "$ms" -le 8000 ]
tap_ok $? test_idle_client_dropped_at_the_request_deadline ||
	tap_diag "$(cat "$W/idle.out")"

# --- more idle clients than the daemon serves at once ----------------------------
# 600 > PD_MAX_CONNECTIONS (512): 512 are greeted at once, the rest wait
# in the listen queue until room is made; the daemon drops them all by
# itself, and then a login is answered.
out=$("$PA_PYTHON3" "$W/wire.py" "$SOCK" flood 600 2>&1)
read -r _ first _ total _ closed <<<"$out"
[ "$first" = 512 ]
tap_ok $? test_flood_512_connections_served_at_once || tap_diag "$out"
[ "$total" = 600 ] && [ "$closed" = 600 ]
tap_ok $? test_flood_every_idle_connection_greeted_then_dropped || tap_diag "$out"
kill -0 "$POSAUTHD_PID" 2>/dev/null
tap_ok $? test_flood_daemon_still_running
pa_pam_expect test_login_works_after_the_flood ok alice 1234 authenticate

# --- one local user cannot take the room root's logins need -----------------------
# A uid other than root gets at most 16 connections at once (and those
# uids 384 together): the rest are dropped without a hello, and logged.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	chmod 0711 "$W"
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$PA_PYTHON3" "$W/wire.py" "$SOCK" flood 40 >"$W/uflood.out" 2>&1 &
	flooder=$!
	sleep 1
	pa_pam_expect test_root_login_while_one_user_floods ok alice 1234 authenticate
	wait "$flooder"
	read -r _ first _ total _ closed <"$W/uflood.out"
	[ "$first" = 16 ] && [ "$total" = 16 ] && [ "$closed" = 40 ]
	tap_ok $? test_one_user_gets_16_connections_at_once || tap_diag "$(cat "$W/uflood.out")"
	grep -q "uid 65534 pid [0-9]* dropped: too many connections" "$POSAUTHD_LOG"
	tap_ok $? test_one_users_flood_is_logged
	chmod 0700 "$W"
else
	for t in test_root_login_while_one_user_floods test_one_user_gets_16_connections_at_once \
		test_one_users_flood_is_logged; do
		tap_skip "$t" "needs root and setpriv"
	done
fi

# --- the service not running ----------------------------------------------------------
UNIX=$(ls /usr/lib/*-linux-gnu/security/pam_unix.so /lib/*-linux-gnu/security/pam_unix.so 2>/dev/null | head -1)
# Like the example stacks: a name that is not ours goes on to pam_unix.
cat >"$PA_PAM_DIR/pam.d/stack" <<EOF
auth [success=done user_unknown=ignore default=die] $PA_MODULE socket=$SOCK nodelay
auth required ${UNIX:-pam_deny.so}
EOF

pa_stop_posauthd
pa_pam_expect test_service_down_staff_login_unavailable "$E_UNAVAIL" alice 1234 authenticate
grep -qF "posauthd not running ($SOCK" <<<"$PAM_OUT"
tap_ok $? test_service_down_logged_naming_posauthd || tap_diag "$PAM_OUT"
out=$(printf '1234\n' | pa_wrapped "$top_builddir/tests/pam_client" -t posauth alice auth 2>&1)
ms=$(awk '/^elapsed_ms:/ { print $2 }' <<<"$out")
[ -n "$ms" ] && [ "$ms" -lt 1000 ]
tap_ok $? test_service_down_answered_at_once || tap_diag "$out"
pa_pam_expect test_service_down_local_name_user_unknown "$E_USER_UNKNOWN" root not-the-password authenticate
if [ -n "$UNIX" ]; then
	PA_PAM_SERVICE=stack
	pa_pam_expect test_service_down_local_name_goes_on_to_pam_unix "$E_AUTH" root not-the-password authenticate
	pa_pam_expect test_service_down_staff_stops_the_stack "$E_UNAVAIL" alice 1234 authenticate
	PA_PAM_SERVICE=posauth
else
	tap_skip test_service_down_local_name_goes_on_to_pam_unix "pam_unix.so not found"
	tap_skip test_service_down_staff_stops_the_stack "pam_unix.so not found"
fi
pa_restart_posauthd || exit 1
pa_pam_expect test_login_works_after_restart ok alice 1234 authenticate

# --- a service that hangs --------------------------------------------------------------
# fake.py SOCKET silent|hello TIMEOUT_MS: accepts and never greets, or
# greets announcing TIMEOUT_MS and then says nothing.
cat >"$W/fake.py" <<'EOF'
import os, socket, struct, sys
path, mode = sys.argv[1], sys.argv[2]
timeout_ms = int(sys.argv[3]) if len(sys.argv) > 3 else 0
try:
    os.unlink(path)
except FileNotFoundError:
    pass
l = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
l.bind(path)
l.listen(16)
held = []
while True:
    c, _ = l.accept()
    held.append(c)
    if mode == "hello":
        payload = struct.pack(">HHI", 2, 4, 1) + struct.pack(">HHI", 3, 4, timeout_ms)
        c.sendall(struct.pack(">BBBBI", 1, 1, 0, 0, len(payload)) + payload)
EOF
# fake_service MODE [TIMEOUT_MS]: starts it on $W/hung.sock.
fake_service() {
	rm -f "$W/hung.sock"
	"$PA_PYTHON3" "$W/fake.py" "$W/hung.sock" "$@" >"$W/fake.log" 2>&1 &
	FAKE_PID=$!
	pa_on_exit "kill $FAKE_PID 2>/dev/null"
	for _ in $(seq 100); do
		[ -S "$W/hung.sock" ] && return 0
		sleep 0.05
	done
	return 1
}
PA_PAM_SOCKET=$W/hung.sock pa_pam_service hung
# hung_login: one PAM authentication against the fake; sets MS, RC, ERR.
hung_login() {
	local out
	out=$(printf '1234\n' | pa_wrapped env PAM_WRAPPER_DEBUGLEVEL=2 \
		"$top_builddir/tests/pam_client" -t hung alice auth 2>"$W/hung.err")
	RC=$?
	MS=$(awk '/^elapsed_ms:/ { print $2 }' <<<"$out")
	ERR=$(tr -d '\0' <"$W/hung.err")
}

fake_service silent || exit 1
hung_login
[ "$RC" -ne 0 ] && grep -qF "$E_UNAVAIL" <<<"$ERR" && grep -qF "did not greet" <<<"$ERR"
tap_ok $? test_service_without_hello_unavailable || tap_diag "$ERR"
# PA_CLIENT_HELLO_MS (2 s), and a second for everything else
[ -n "$MS" ] && [ "$MS" -le 3000 ]
tap_ok $? test_service_without_hello_ends_within_3s || tap_diag "took ${MS:-?} ms"
kill "$FAKE_PID" 2>/dev/null
wait "$FAKE_PID" 2>/dev/null

# The hello's timeout is the daemon's configured one: timeout = 2. The
# accept loop sends the timeout of the config last loaded, and a request
# loads a changed one.
PA_TIMEOUT=2 pa_pam_conf "$PA_PAM_CONF"
pa_pam_expect test_login_works_with_timeout_2 ok alice 1234 authenticate
out=$("$PA_PYTHON3" "$W/wire.py" "$SOCK" hello 2>&1)
grep -qx "hello 1 2000" <<<"$out"
tap_ok $? test_hello_announces_the_configured_timeout || tap_diag "$out"
fake_service hello 2000 || exit 1
hung_login
[ "$RC" -ne 0 ] && grep -qF "$E_UNAVAIL" <<<"$ERR" && grep -qF "did not answer" <<<"$ERR"
tap_ok $? test_service_hanging_after_hello_unavailable || tap_diag "$ERR"
# timeout + 1 s, and half a second for starting the PAM stack
[ -n "$MS" ] && [ "$MS" -ge 2000 ] && [ "$MS" -le 3500 ]
tap_ok $? test_service_hanging_after_hello_ends_within_timeout_plus_1s ||
	tap_diag "took ${MS:-?} ms"
kill "$FAKE_PID" 2>/dev/null
wait "$FAKE_PID" 2>/dev/null

pa_pam_expect test_login_works_at_the_end ok alice 1234 authenticate
tap_done
