#!/bin/bash
# SPDX-License-Identifier: MIT
# posauthd's systemd units: they parse, the service's sandbox rates "OK" or
# better (exposure <= 2.5) in systemd-analyze's offline assessment, and the
# socket and the paths the service may write match what posauthd uses.
. "$top_srcdir/tests/lib.sh"
command -v systemd-analyze >/dev/null || skip_all "systemd-analyze not installed"
UNITS="$top_srcdir/etc/systemd"

out=$(systemd-analyze security --offline=true --no-pager "$UNITS/posauthd.service" 2>&1)
score=$(sed -n 's/.*Overall exposure level for posauthd.service: \([0-9.]*\).*/\1/p' <<<"$out")
tap_diag "exposure: ${score:-?}"
[ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s <= 2.5) }'
tap_ok $? test_service_sandbox_rates_ok_or_better || tap_diag "$(tail -5 <<<"$out")"

# Only the cache, the index and the runtime directory are writable.
rw=$(sed -n 's/^ReadWritePaths=//p' "$UNITS/posauthd.service")
tap_is "$rw" "/var/lib/posauth /var/cache/posauth /run/posauth" test_only_posauth_dirs_writable
grep -qx 'CapabilityBoundingSet=CAP_CHOWN' "$UNITS/posauthd.service"
tap_ok $? test_only_cap_chown
grep -qx 'NoNewPrivileges=yes' "$UNITS/posauthd.service" &&
	grep -qx 'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6' "$UNITS/posauthd.service" &&
	grep -qx 'SystemCallFilter=@system-service' "$UNITS/posauthd.service" &&
	grep -qx 'ProtectSystem=strict' "$UNITS/posauthd.service" &&
	grep -qx 'PrivateTmp=yes' "$UNITS/posauthd.service" &&
	grep -qx 'ProtectHome=yes' "$UNITS/posauthd.service"
tap_ok $? test_issue_sandbox_settings_present

# The socket the units listen on is the one the PAM module asks by default.
tap_is "$(sed -n 's/^ListenStream=//p' "$UNITS/posauthd.socket")" \
	"$(sed -n 's/^#define PA_PROTO_DEFAULT_SOCKET[[:space:]]*"\(.*\)"/\1/p' "$top_srcdir/proto/proto.h")" \
	test_socket_unit_listens_where_the_module_asks
tap_is "$(sed -n 's/^SocketMode=//p' "$UNITS/posauthd.socket")" 0666 test_socket_open_to_lock_screens
# The defaults of posauth.conf are the writable paths.
for key in cache_dir runtime_dir; do
	def=$(sed -n "s/.*STR($key, \"\\([^\"]*\\)\".*/\\1/p" "$top_srcdir/src/base/conf.c")
	grep -qw -- "$def" <<<"$rw"
	tap_ok $? "test_${key}_default_is_writable" || tap_diag "$key default $def, writable: $rw"
done
tap_done
