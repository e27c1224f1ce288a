#!/bin/bash
# SPDX-License-Identifier: MIT
# Login benchmarks against the local reference token service, printed side
# by side: an online login through PAM against a bare curl password-grant
# request, token requests per login, an offline login against the KDF
# alone, and JWT verifications per second per algorithm.
#   bench_login.sh [N]     (run from the build directory: make bench)
N=${1:-50}
export top_builddir=${top_builddir:-$(pwd)}
export top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/pam_lib.sh"
pa_pam_require
pa_tmpdir W
pa_make_ca "$W" bench >/dev/null || exit 1
pa_start_tokend "$W" || exit 1
COST=$(awk -F= '/^#? *offline_kdf_cost/ { gsub(/[^0-9]/, "", $2); print $2; exit }' \
	"$top_srcdir/etc/posauth.conf")
COST=${COST:-15}
PA_KDF_COST=$COST pa_pam_setup "$W"

# As root the system PAM runs the module (a temporary /etc/pam.d service):
# pam_wrapper copies its config directory per process, about 8 ms that a
# real login does not pay.
if [ "$(id -u)" -eq 0 ] && [ -d /etc/pam.d ]; then
	svc="posauth-bench-$$"
	cp "$W/pam.d/posauth" "/etc/pam.d/$svc"
	pa_on_exit "rm -f /etc/pam.d/$svc"
	VIA="system PAM"
	client() { shift; "$top_builddir/tests/pam_client" "$svc" "$@" 2>/dev/null; }
else
	VIA="pam_wrapper"
	client() { pa_wrapped "$top_builddir/tests/pam_client" "$@" 2>/dev/null; }
fi
ms() { date +%s%N; }

# Warm up: the first login fetches discovery and JWKS into the cache.
printf '1234\n' | client posauth alice auth >/dev/null || { echo "login failed"; exit 1; }

pa_tokend_stats reset >/dev/null
t0=$(ms)
for i in $(seq "$N"); do printf '1234\n' | client posauth alice auth >/dev/null; done
t1=$(ms)
stats=$(pa_tokend_stats)
pam_us=$(( (t1 - t0) / N / 1000 ))
per_login=$(awk -v t="$(pa_json_get token.password <<<"$stats")" -v n="$N" 'BEGIN { printf "%.2f", t / n }')
docs=$(( $(pa_json_get discovery <<<"$stats") + $(pa_json_get jwks <<<"$stats") ))

# The same with offline logins off: no verifier is computed.
PA_KDF_COST=$COST PA_OFFLINE_GRACE=0 pa_pam_conf "$PA_PAM_CONF"
t0=$(ms)
for i in $(seq "$N"); do printf '1234\n' | client posauth alice auth >/dev/null; done
t1=$(ms)
nokdf_us=$(( (t1 - t0) / N / 1000 ))
PA_KDF_COST=$COST pa_pam_conf "$PA_PAM_CONF"
# Back to a record with a verifier for the offline run below.
printf '1234\n' | client posauth alice auth >/dev/null

t0=$(ms)
for i in $(seq "$N"); do
	curl -s -o /dev/null --cacert "$TOKEND_CA" -H "$PA_BASIC_AUTH" \
		--data grant_type=password --data username=alice --data password=1234 \
		--data scope=openid "$TOKEND_URL/token"
done
t1=$(ms)
curl_us=$(( (t1 - t0) / N / 1000 ))

pa_tokend_control '{"fault":"down"}' >/dev/null
t0=$(ms)
off_fail=0
for i in $(seq "$N"); do
	printf '1234\n' | client posauth alice auth >/dev/null || off_fail=$((off_fail + 1))
done
t1=$(ms)
off_us=$(( (t1 - t0) / N / 1000 ))
[ "$off_fail" -eq 0 ] || echo "warning: $off_fail offline logins failed" >&2
pa_stop_tokend
kdf=$("$top_builddir/tests/bench_kdf" "$COST" "$COST" 5 2>/dev/null | awk -v c="$COST" '$1 == c { print $5 }')

echo "== login, mean of $N, each a new PAM handle (module loaded, TLS handshake), via $VIA"
printf '%-44s %10s\n' "what" "ms"
row() { awk -v w="$1" -v v="$2" 'BEGIN { printf "%-44s %10.1f\n", w, v / 1000 }'; }
row "online login through PAM (pam_client)" "$pam_us"
row "  the same with offline_grace = 0 (no KDF)" "$nokdf_us"
row "bare curl password grant (new process)" "$curl_us"
awk -v a="$pam_us" -v b="$nokdf_us" -v c="$curl_us" 'BEGIN {
	printf "%-44s %10.2f\n", "ratio to curl", a / c
	printf "%-44s %10.2f\n", "ratio to curl, offline_grace = 0", b / c }'
printf '%-44s %10s\n' "token requests per login" "$per_login"
printf '%-44s %10s\n' "discovery+JWKS requests in $N logins" "$docs"
row "offline login through PAM (service down)" "$off_us"
printf '%-44s %10s\n' "scrypt verifier alone (cost $COST), median" "$kdf"
echo
echo "== JWT verification"
"$top_builddir/tests/bench/bench_jws" 1
