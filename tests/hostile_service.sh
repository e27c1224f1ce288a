#!/bin/bash
# SPDX-License-Identifier: MIT
# A hostile or broken token service: every login ends in a denial within
# timeout plus a second, and memory stays bounded by max_response_bytes.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/pam_lib.sh"
pa_pam_require
pa_require_python_modules jwt cryptography

pa_tmpdir W
pa_make_ca "$W" tokend || exit 1
pa_start_tokend "$W" || exit 1
export PA_OFFLINE_GRACE=0 PA_TIMEOUT=3 PA_CONNECT_TIMEOUT=2
pa_pam_setup "$W"
LIMIT_S=4		# timeout + 1
LIMIT_RSS_KIB=40000	# a 64 MiB answer must not get anywhere near memory

# -t: the module's own time, not the wait for the suite's pam_wrapper lock.
client() {
	pa_wrapped "$top_builddir/tests/pam_client" -m -t posauth "$@" 2>"$W/client.err"
}

# hostile NAME: a fresh terminal (no cached documents) logs alice in.
# A terminal that has fetched nothing yet: no documents in the cache, and
# a posauthd that holds none.
fresh_terminal() { rm -f "$W/cache/"*.doc; pa_restart_posauthd; }

# posauthd reads the hostile answer, so its peak RSS is the one bounded;
# the PAM client only waits, and its own wait is what is timed.
hostile() {
	local name=$1 out rc ms rss
	fresh_terminal
	out=$(printf '1234\n' | client alice auth)
	rc=$?
	ms=$(awk '/^elapsed_ms:/ { print $2 }' <<<"$out")
	rss=$(awk '/^VmHWM:/ { print $2 }' "/proc/$POSAUTHD_PID/status")
	[ "$rc" -ne 0 ]
	tap_ok $? "test_${name}_denied" || tap_diag "$(cat "$W/client.err")"
	[ "$ms" -le $((LIMIT_S * 1000)) ]
	tap_ok $? "test_${name}_ends_within_timeout_plus_1s" || tap_diag "took ${ms} ms"
	if [ -n "$PA_SAN_PRELOAD" ]; then
		tap_skip "test_${name}_memory_bounded" "RSS is meaningless under ASan"
	else
		[ -n "$rss" ] && [ "$rss" -le "$LIMIT_RSS_KIB" ]
		tap_ok $? "test_${name}_memory_bounded" || tap_diag "max RSS ${rss} KiB"
	fi
}

# Sanity: an honest login works with this client and config.
out=$(printf '1234\n' | client alice auth)
tap_ok $? test_honest_login_through_pam_client || tap_diag "$(cat "$W/client.err")"

for f in trickle huge nested_json redirect tls_abort down slow; do
	pa_tokend_control "{\"fault\":\"$f\",\"slow_seconds\":30}" >/dev/null
	hostile "$f"
done
pa_tokend_control '{"fault":"none","jwks_extra_keys":10000}' >/dev/null
hostile jwks_of_10000_keys
pa_tokend_control '{"reset":true,"jwks_extra_keys":100}' >/dev/null
# 100 made-up kids before the real one (45 KB): still found.
fresh_terminal
printf '1234\n' | client alice auth >/dev/null
tap_ok $? test_real_key_found_behind_100_padding_keys
pa_tokend_control '{"jwks_extra_keys":0}' >/dev/null
pa_stop_tokend

# Certificates that must not be trusted: expired, and for another host.
mkcert() {	# DIR SAN [faketime-offset]
	local dir=$1 san=$2 off=${3:-}
	mkdir -p "$dir"
	(
		cd "$dir" || exit 1
		cp "$W/ca.pem" "$W/ca.key" .
		openssl req -new -newkey rsa:2048 -nodes -keyout server.key \
			-out server.csr -subj /CN=x 2>/dev/null &&
		printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "$san" >ext &&
		${off:+faketime -f "$off"} openssl x509 -req -in server.csr -CA ca.pem \
			-CAkey ca.key -set_serial 0x$RANDOM$RANDOM -days 1 -extfile ext \
			-out server.pem 2>/dev/null
	)
}
mkcert "$W/expired" "DNS:localhost,IP:127.0.0.1" "-3d" || exit 1
mkcert "$W/otherhost" "DNS:otherhost.invalid" || exit 1
for c in expired otherhost; do
	PA_TOKEND_INSECURE_WAIT=1 pa_start_tokend "$W/$c" || exit 1
	PA_PAM_DIR=$W pa_pam_conf "$PA_PAM_CONF"	# new port
	hostile "certificate_${c}"
	grep -q "cannot retrieve authentication info" "$W/client.err"
	tap_ok $? "test_certificate_${c}_is_unreachable_not_rejected" || tap_diag "$(cat "$W/client.err")"
	pa_stop_tokend
done
tap_done
