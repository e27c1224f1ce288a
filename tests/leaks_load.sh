#!/bin/bash
# SPDX-License-Identifier: MIT
# Memory and load: valgrind on the PAM client and on posauthd through an
# online login, an offline login and a session, and on an NSS lookup;
# POSAUTH_LEAK_CYCLES (default 10,000) full PAM cycles in one process with
# the resident size of that process and of posauthd compared early and
# late; 200 concurrent logins against the service, then 200 against a
# cold cache with the service down, every record valid afterwards.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/pam_lib.sh"
pa_pam_require
pa_require_python_modules jwt cryptography
# Under ASan (scripts/check-sanitizers) each cycle is several times slower
# and resident size says nothing (quarantine): fewer cycles, no RSS check.
if [ -n "$PA_SAN_PRELOAD" ]; then
	CYCLES=${POSAUTH_LEAK_CYCLES:-500}
else
	CYCLES=${POSAUTH_LEAK_CYCLES:-10000}
fi

pa_tmpdir W
pa_make_ca "$W" tokend || exit 1
pa_start_tokend "$W" || exit 1
PA_KDF_COST=10 pa_pam_setup "$W"
NSSW=$(ls /usr/lib/*-linux-gnu/libnss_wrapper.so 2>/dev/null | head -1)
printf 'alice:x:200001:200001::/home/alice:/bin/sh\n' >"$W/passwd"
printf 'alice:x:200001:\n' >"$W/group"

# Short runs go through pam_wrapper (locked, see pam_lib.sh); the long
# cycle run uses the system PAM as root, so it holds no lock for minutes.
client() {
	PA_EXTRA_PRELOAD=$NSSW pa_wrapped PAM_WRAPPER_DISABLE_DEEPBIND=1 \
		NSS_WRAPPER_PASSWD="$W/passwd" NSS_WRAPPER_GROUP="$W/group" \
		${VG:+valgrind -q --error-exitcode=97 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite} \
		"$top_builddir/tests/pam_client" "$@"
}
svc="posauth-load-$$"
if [ "$(id -u)" -eq 0 ] && [ -d /etc/pam.d ]; then
	cp "$PA_PAM_DIR/pam.d/posauth" "/etc/pam.d/$svc"
	pa_on_exit "rm -f /etc/pam.d/$svc"
	cycle_client() {
		env LD_PRELOAD="$PA_SAN_PRELOAD$NSSW" NSS_WRAPPER_PASSWD="$W/passwd" \
			NSS_WRAPPER_GROUP="$W/group" "$top_builddir/tests/pam_client" \
			-m -n "$CYCLES" "$svc" alice auth acct open close
	}
else
	cycle_client() { client -m -n "$CYCLES" posauth alice auth acct open close; }
fi

if [ -n "$PA_SAN_PRELOAD" ] || ! command -v valgrind >/dev/null; then
	tap_skip test_valgrind_online_login "sanitizer build or no valgrind"
	tap_skip test_valgrind_offline_login "sanitizer build or no valgrind"
	tap_skip test_valgrind_nss_lookup "sanitizer build or no valgrind"
else
	printf '1234\n' | VG=1 client posauth alice auth acct open close >"$W/vg.out" 2>&1
	tap_is "$?" 0 test_valgrind_online_login || tap_diag "$(grep -v PWRAP "$W/vg.out" | head -30)"
	pa_tokend_control '{"fault":"down"}' >/dev/null
	printf '1234\n' | VG=1 client posauth alice auth acct >"$W/vg.out" 2>&1
	tap_is "$?" 0 test_valgrind_offline_login || tap_diag "$(grep -v PWRAP "$W/vg.out" | head -30)"
	pa_tokend_control '{"fault":"none"}' >/dev/null
	env LD_PRELOAD="$NSSW" NSS_WRAPPER_PASSWD=/etc/passwd NSS_WRAPPER_GROUP=/etc/group \
		NSS_WRAPPER_MODULE_SO_PATH="$top_builddir/.libs/libnss_posauth.so.2" \
		NSS_WRAPPER_MODULE_FN_PREFIX=posauth POSAUTH_NSS_INDEX="$W/nss/nss.db" \
		valgrind -q --error-exitcode=97 --leak-check=full --errors-for-leak-kinds=definite \
		getent passwd alice >"$W/vg.out" 2>&1
	tap_is "$?" 0 test_valgrind_nss_lookup || tap_diag "$(head -30 "$W/vg.out")"
fi
# posauthd itself under valgrind: what it does for a login, an offline
# login and a session, then a clean stop (it frees everything when no
# request is under way).
if [ -n "$PA_SAN_PRELOAD" ] || ! command -v valgrind >/dev/null; then
	tap_skip test_valgrind_posauthd "sanitizer build or no valgrind"
else
	pa_stop_posauthd
	PA_POSAUTHD_WRAP="valgrind -q --log-file=$W/vgd.out --error-exitcode=97 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite" \
		pa_start_posauthd "$PA_PAM_CONF" "$PA_PAM_SOCKET" || exit 1
	printf '1234\n' | client posauth alice auth acct open close >/dev/null 2>&1
	pa_tokend_control '{"fault":"down"}' >/dev/null
	printf '1234\n' | client posauth alice auth acct >/dev/null 2>&1
	pa_tokend_control '{"fault":"none"}' >/dev/null
	pa_stop_posauthd
	tap_is "$?" 0 test_valgrind_posauthd || tap_diag "$(head -40 "$W/vgd.out")"
	pa_start_posauthd "$PA_PAM_CONF" "$PA_PAM_SOCKET" || exit 1
fi

# Many cycles in one process: libpam loads and unloads the module each
# time, so anything left behind per handle shows as growth; posauthd
# serves each cycle's four requests, so its growth shows too.
daemon_rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$POSAUTHD_PID/status"; }
printf '1234\n' | CYCLES=$((CYCLES / 10)) cycle_client >/dev/null 2>&1
d_early=$(daemon_rss)
out=$(printf '1234\n' | cycle_client 2>/dev/null)
d_late=$(daemon_rss)
tap_diag "$out"
failed=$(awk '/^cycles/ { print $4 }' <<<"$out")
tap_is "$failed" 0 "test_${CYCLES}_pam_cycles_all_succeed"
early=$(awk -v n="$((CYCLES / 10))" '$1 == "rss_kib" && $3 == n":" { print $4 }' <<<"$out")
late=$(awk -v n="$CYCLES" '$1 == "rss_kib" && $3 == n":" { print $4 }' <<<"$out")
if [ -n "$PA_SAN_PRELOAD" ]; then
	tap_skip "test_no_memory_growth_over_${CYCLES}_cycles" "RSS is meaningless under ASan"
else
	[ -n "$early" ] && [ -n "$late" ] && [ $((late - early)) -le 1024 ]
	tap_ok $? "test_no_memory_growth_over_${CYCLES}_cycles" ||
		tap_diag "RSS after $((CYCLES / 10)): ${early} KiB, after $CYCLES: ${late} KiB"
	[ -n "$d_early" ] && [ -n "$d_late" ] && [ $((d_late - d_early)) -le 2048 ]
	tap_ok $? "test_posauthd_no_memory_growth_over_${CYCLES}_cycles" ||
		tap_diag "posauthd RSS: ${d_early} KiB, then ${d_late} KiB"
fi

# 200 at once, through the system PAM (pam_wrapper cannot run that many).
if [ "$(id -u)" -ne 0 ]; then
	tap_skip test_200_concurrent_online_logins "needs root for the system PAM"
	tap_skip test_200_concurrent_logins_cold_cache_service_down "needs root"
	tap_skip test_records_valid_after_load "needs root"
	tap_done
fi
PA_CONNECT_TIMEOUT=30 PA_TIMEOUT=120 PA_KDF_COST=10 pa_pam_conf "$PA_PAM_CONF"
users=(alice:1234 bob:2345 carol:3456 erin:5678 frank:6789)
burst() {
	local i u pids=() fails=0
	for i in $(seq 0 199); do
		u=${users[$((i % 5))]}
		printf '%s\n' "${u##*:}" | LD_PRELOAD="$PA_SAN_PRELOAD" "$PA_PAMTESTER" "$svc" "${u%%:*}" authenticate \
			>"$W/load.$i" 2>&1 &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
	echo "$fails"
}
tap_is "$(burst)" 0 test_200_concurrent_online_logins
rm -rf "$W/cache"
pa_tokend_control '{"fault":"down"}' >/dev/null
t0=$(date +%s)
tap_is "$(burst)" 200 test_200_concurrent_logins_cold_cache_service_down
t1=$(date +%s)
tap_diag "cold-cache burst took $((t1 - t0)) s"
pa_tokend_control '{"fault":"none"}' >/dev/null
tap_is "$(burst)" 0 test_200_concurrent_logins_refill_the_cache
pa_tokend_control '{"fault":"down"}' >/dev/null
bad=0
for u in "${users[@]}"; do
	pa_pam "${u%%:*}" "${u##*:}" authenticate
	[ "$PAM_RC" -eq 0 ] || bad=$((bad + 1))
done
tap_is "$bad" 0 test_records_valid_after_load
tap_done
