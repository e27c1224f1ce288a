#!/bin/bash
# SPDX-License-Identifier: MIT
# Every fuzz target replays its seed corpus and its saved crashers
# (fuzz/corpus/T, fuzz/regress/T) through the replay driver this build
# made, so each input is re-run with gcc and with the sanitizer build.
# When the libFuzzer build exists (`make fuzz`, or PA_FUZZ_BUILD naming a
# scripts/fuzz build dir) each target also fuzzes for a few seconds
# (PA_FUZZ_SMOKE_SECONDS, default 3). Builds nothing itself.
. "$top_srcdir/tests/lib.sh"

TARGETS="b64url jws jwks claims discovery token_response conf cache_record nssdb
	proto device_auth"
pa_tmpdir W

for t in $TARGETS; do
	bin="$top_builddir/fuzz/fuzz_$t"
	if [ ! -x "$bin" ]; then
		tap_skip "fuzz_${t}_replays_corpus_and_regressions" "$bin not built"
		continue
	fi
	tap_run "fuzz_${t}_replays_corpus_and_regressions" \
	    env TMPDIR="$W" "$bin" "$top_srcdir/fuzz/corpus/$t" \
	    "$top_srcdir/fuzz/regress/$t"
done

lf=${PA_FUZZ_BUILD:-$top_builddir/fuzz-clang}/fuzz
secs=${PA_FUZZ_SMOKE_SECONDS:-3}
for t in $TARGETS; do
	name="fuzz_${t}_finds_nothing_in_${secs}s"
	if [ ! -x "$lf/fuzz_$t" ]; then
		tap_skip "$name" "no libFuzzer build (make fuzz)"
		continue
	fi
	mkdir -p "$W/$t" "$lf/artifacts/$t"
	# New inputs land in the temp dir; a crasher is kept for fuzz/regress.
	tap_run "$name" env TMPDIR="$W" \
	    ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1}" \
	    "$lf/fuzz_$t" -max_total_time="$secs" -timeout=25 \
	    -max_len=65536 -artifact_prefix="$lf/artifacts/$t/" \
	    "$W/$t" "$top_srcdir/fuzz/corpus/$t" "$top_srcdir/fuzz/regress/$t"
done
tap_done
