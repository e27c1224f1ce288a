#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs the NSS lookup benchmark (`make bench`; not part of `make check`).
# usage: run_bench_nss.sh BENCH_BINARY [N ...]
# BENCH_SECONDS sets the minimum time per cell (default 0.5).
# Exits non-zero when the largest N falls below 20x nss_files for hits or
# misses, the target for the index.
set -u
bench=${1:?usage: run_bench_nss.sh BENCH_BINARY [N ...]}
shift
out=$(mktemp "${TMPDIR:-/tmp}/bench_nss.XXXXXX") || exit 1
trap 'rm -f "$out"' EXIT
"$bench" -t "${BENCH_SECONDS:-0.5}" "$@" | tee "$out" || exit 1
# the last table row: N | hit hit ratio | miss miss ratio | ns ns
awk -F'|' '
	$1 ~ /^ *[0-9]+ *$/ { last = $0; n = $1 + 0; split($2, h, " "); split($3, m, " ") }
	END {
		if (last == "") { print "no results"; exit 1 }
		hr = h[3] + 0; mr = m[3] + 0
		printf "\nlargest N = %d: hits %.0fx, misses %.0fx nss_files (target >= 20x)\n", n, hr, mr
		exit (hr >= 20 && mr >= 20) ? 0 : 1
	}' "$out"
