#!/bin/sh
# SPDX-License-Identifier: MIT
# Resolves staff accounts through glibc itself, with libnss_posauth.so.2
# loaded the way real programs load it:
#  - through nss_wrapper (LD_PRELOAD, fixture passwd/group files, our
#    module as NSS_WRAPPER_MODULE_SO_PATH), as SSSD tests its NSS client;
#  - when root and mount namespaces work, through glibc's own nsswitch
#    ("files posauth" in a private bind-mounted /etc/nsswitch.conf), the
#    only way to reach initgroups_dyn: nss_wrapper answers getgrouplist()
#    by walking group entries instead.
# TAP output; exits non-zero when any check fails.
set -u

: "${top_builddir:?top_builddir must be set (make check exports it)}"
: "${top_srcdir:?top_srcdir must be set (make check exports it)}"

so="$top_builddir/.libs/libnss_posauth.so.2"
tool="$top_builddir/tests/nssdb_tool"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nss_glibc.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
idx="$tmp/cache/nss.db"

n=0
failed=0

result() {	# result STATUS NAME
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}

# expect NAME WANTED COMMAND...: COMMAND's stdout must equal WANTED
expect() {
	name=$1 want=$2
	shift 2
	got=$("$@" 2>"$tmp/stderr")
	rc=$?
	if [ $rc -eq 0 ] && [ "$got" = "$want" ]; then
		result 0 "$name"
	else
		result 1 "$name"
		echo "#   want: $want"
		echo "#   got ($rc): $got"
		sed 's/^/#   stderr: /' "$tmp/stderr"
	fi
}

# expect_rc NAME RC COMMAND...: COMMAND must exit with RC (2 = not found)
expect_rc() {
	name=$1 want=$2
	shift 2
	"$@" >/dev/null 2>&1
	rc=$?
	[ $rc -eq "$want" ]
	result $? "$name"
	[ $rc -eq "$want" ] || echo "#   exit status $rc, want $want"
}

skip() {	# skip COUNT REASON
	i=0
	while [ $i -lt "$1" ]; do
		n=$((n + 1))
		echo "ok $n # SKIP $2"
		i=$((i + 1))
	done
}

cat >"$tmp/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
localu:x:1000:1000:Local User:/home/localu:/bin/sh
EOF
cat >"$tmp/group" <<'EOF'
root:x:0:
localu:x:1000:
pos:x:5000:
EOF
# alice: local group pos (5000) plus the mapped group pos-cashiers
cat >"$tmp/spec" <<'EOF'
user:alice:200001:200001:Alice Example:/home/alice:/bin/bash:5000,210000
user:bob:200002:200002::/home/bob:/bin/sh:210000
group:alice:200001:
group:bob:200002:
group:pos-cashiers:210000:alice,bob
EOF

alice='alice:x:200001:200001:Alice Example:/home/alice:/bin/bash'
bob='bob:x:200002:200002::/home/bob:/bin/sh'

# A restrictive umask must not make the public index unreadable.
(umask 077 && "$tool" write "$idx" <"$tmp/spec")
result $? "index_written_by_tool"
mode=$(stat -c %a "$idx" 2>/dev/null)
[ "$mode" = 644 ]
result $? "index_file_mode_is_0644"
mode=$(stat -c %a "$tmp/cache" 2>/dev/null)
[ "$mode" = 755 ]
result $? "index_directory_created_0755"

# A sanitizer build loads into uninstrumented getent/id only with its
# runtimes preloaded first; leaks in getent itself are not ours to judge.
san=$(ldd "$so" 2>/dev/null | awk '/lib(asan|ubsan)\.so/ { print $3 }' |
    tr '\n' ' ')
if [ -n "$san" ]; then
	ASAN_OPTIONS=detect_leaks=0
	export ASAN_OPTIONS
fi
reason=
if [ ! -f "$so" ]; then
	reason="$so not built"
fi
wrapper_reason=$reason
if [ -z "$reason" ] &&
    [ -n "$(LD_PRELOAD="$san libnss_wrapper.so" /bin/true 2>&1)" ]; then
	wrapper_reason="libnss_wrapper.so not loadable (libnss-wrapper)"
fi

nw() {
	env LD_PRELOAD="$san libnss_wrapper.so" \
	    NSS_WRAPPER_PASSWD="$tmp/passwd" NSS_WRAPPER_GROUP="$tmp/group" \
	    NSS_WRAPPER_MODULE_SO_PATH="$so" \
	    NSS_WRAPPER_MODULE_FN_PREFIX=posauth \
	    POSAUTH_NSS_INDEX="$INDEX" "$@"
}

if [ -n "$wrapper_reason" ]; then
	skip 12 "$wrapper_reason"
else
	INDEX=$idx
	expect "wrapper_getent_passwd_by_name" "$alice" nw getent passwd alice
	expect "wrapper_getent_passwd_by_uid" "$bob" nw getent passwd 200002
	expect "wrapper_getent_group_by_name_with_members" \
	    "pos-cashiers:x:210000:alice,bob" nw getent group pos-cashiers
	expect "wrapper_getent_group_by_gid" "alice:x:200001:" \
	    nw getent group 200001
	expect "wrapper_local_user_still_from_files" \
	    "localu:x:1000:1000:Local User:/home/localu:/bin/sh" \
	    nw getent passwd localu
	expect_rc "wrapper_unknown_user_not_resolved" 2 \
	    nw getent passwd mallory
	expect_rc "wrapper_unknown_gid_not_resolved" 2 nw getent group 4242
	expect "wrapper_enumeration_lists_staff_after_local" \
	    "$(cat "$tmp/passwd"; echo "$alice"; echo "$bob")" nw getent passwd
	# nss_wrapper's getgrouplist() walks group entries (no initgroups)
	expect "wrapper_id_lists_served_groups" "alice pos-cashiers" \
	    nw id -Gn alice
	INDEX=$tmp/missing.db
	expect_rc "wrapper_missing_index_is_not_found" 2 \
	    nw getent passwd alice
	printf 'garbage' >"$tmp/garbage.db"
	INDEX=$tmp/garbage.db
	expect_rc "wrapper_corrupt_index_is_not_found" 2 \
	    nw getent passwd alice
	expect "wrapper_corrupt_index_keeps_local_users" \
	    "localu:x:1000:1000:Local User:/home/localu:/bin/sh" \
	    nw getent passwd localu
fi

# glibc proper: a private mount namespace sees our nsswitch.conf and
# fixture files; LD_LIBRARY_PATH lets glibc dlopen libnss_posauth.so.2.
printf 'passwd: files posauth\ngroup: files posauth\n' >"$tmp/nsswitch.conf"
ns() {
	unshare -m sh -c '
		mount --bind "$1" /etc/nsswitch.conf &&
		mount --bind "$2" /etc/passwd &&
		mount --bind "$3" /etc/group || exit 99
		shift 3
		exec "$@"' sh "$tmp/nsswitch.conf" "$tmp/passwd" "$tmp/group" \
	    env LD_LIBRARY_PATH="$top_builddir/.libs" LD_PRELOAD="$san" \
	    POSAUTH_NSS_INDEX="$idx" "$@"
}

if [ -n "$reason" ]; then
	skip 6 "$reason"
elif [ "$(id -u)" -ne 0 ] || ! ns true >/dev/null 2>&1; then
	skip 6 "needs root and mount namespaces (unshare -m)"
else
	expect "glibc_getent_passwd_by_name" "$alice" ns getent passwd alice
	expect "glibc_getent_passwd_by_uid" "$alice" ns getent passwd 200001
	expect "glibc_getent_group_by_name" "pos-cashiers:x:210000:alice,bob" \
	    ns getent group pos-cashiers
	expect "glibc_id_lists_local_and_served_groups" \
	    "alice pos pos-cashiers" ns id -Gn alice
	expect "glibc_getgrouplist_uses_initgroups_dyn" "200001 5000 210000" \
	    ns "$tool" grouplist alice 200001
	expect_rc "glibc_unknown_user_not_resolved" 1 ns id mallory
fi

echo "1..$n"
[ "$failed" -eq 0 ]
