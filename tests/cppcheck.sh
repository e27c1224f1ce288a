#!/bin/bash
# SPDX-License-Identifier: MIT
# cppcheck finds nothing in our C: warnings, style and portability alike.
# A finding that is wrong is suppressed inline, with a reason, next to it.
# variableScope is off: declaring a function's variables at its top, where
# the single exit path frees them, is the house style (OpenSSH's too).
. "$top_srcdir/tests/lib.sh"
command -v cppcheck >/dev/null || skip_all "cppcheck not installed"
cd "$top_srcdir" || exit 1
out=$(cppcheck --quiet --error-exitcode=1 --inline-suppr \
	--enable=warning,style,performance,portability --std=c11 \
	-I "$top_builddir" -I src/base -I src/jose -I src/service \
	-I src/device -I src/identity -I src/flow -I proto -I nss \
	-I tools/posauthctl \
	--suppress=missingIncludeSystem --suppress=variableScope -D__GNUC__ \
	src nss proto posauthd pam_posauth tools 2>&1)
status=$?
tap_ok "$status" test_cppcheck_finds_nothing || tap_diag "$out"
tap_done
