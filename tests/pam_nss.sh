#!/bin/bash
# SPDX-License-Identifier: MIT
# After an online login through PAM, staff resolve through glibc itself
# (getent, id) from the index the module wrote, with their mapped groups;
# nobody else does, and the index holds nothing secret.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/pam_lib.sh"
pa_pam_require
pa_require_python_modules jwt cryptography
SO="$top_builddir/.libs/libnss_posauth.so.2"
[ -e "$SO" ] || skip_all "NSS module not built"

pa_tmpdir W
pa_make_ca "$W" tokend || exit 1
pa_start_tokend "$W" || exit 1
IDX="$W/nss/nss.db"
# "users" exists in Debian's /etc/group; pos-* do not and are served by us.
pa_pam_setup "$W" "default_groups = users" \
	"[roles]" "cashier = pos-cashier" "manager = pos-manager, pos-cashier"

# glibc with "posauth" in a private nsswitch.conf (mount namespace), the
# module found through LD_LIBRARY_PATH; else nss_wrapper.
printf 'passwd: files posauth\ngroup: files posauth\n' >"$W/nsswitch.conf"
san=$(ldd "$SO" 2>/dev/null | awk '/lib(asan|ubsan)\.so/ { print $3 }' | tr '\n' ' ')
[ -z "$san" ] || export ASAN_OPTIONS=detect_leaks=0
if [ "$(id -u)" -eq 0 ] && unshare -m true 2>/dev/null; then
	VIA="glibc"
	res() {
		unshare -m sh -c 'mount --bind "$1" /etc/nsswitch.conf || exit 99
			shift; exec "$@"' sh "$W/nsswitch.conf" \
			env LD_LIBRARY_PATH="$top_builddir/.libs" LD_PRELOAD="$san" \
			POSAUTH_NSS_INDEX="${INDEX:-$IDX}" "$@"
	}
else
	VIA="nss_wrapper"
	cp /etc/passwd "$W/passwd"; cp /etc/group "$W/group"
	res() {
		env LD_PRELOAD="$san libnss_wrapper.so" NSS_WRAPPER_PASSWD="$W/passwd" \
			NSS_WRAPPER_GROUP="$W/group" NSS_WRAPPER_MODULE_SO_PATH="$SO" \
			NSS_WRAPPER_MODULE_FN_PREFIX=posauth POSAUTH_NSS_INDEX="${INDEX:-$IDX}" "$@"
	}
fi
tap_diag "resolving through $VIA"

res getent passwd alice >/dev/null 2>&1
tap_is "$?" 2 test_staff_unknown_before_first_login

pa_pam_expect test_cashier_logs_in ok alice 1234 authenticate
pa_pam_expect test_manager_logs_in ok bob 2345 authenticate

line=$(res getent passwd alice)
IFS=: read -r name _ uid gid gecos home shell <<<"$line"
[ "$name" = alice ] && [ "$uid" -ge 200000 ] && [ "$uid" -le 299999 ] &&
	[ "$home" = /home/alice ] && [ "$shell" = /bin/bash ] && [ "$gecos" = "Alice Example" ]
tap_ok $? test_staff_resolves_by_name_after_login || tap_diag "$line"
tap_is "$(res getent passwd "$uid" | cut -d: -f1)" alice test_staff_resolves_by_uid
tap_is "$(res getent group pos-cashier | cut -d: -f1,4)" "pos-cashier:alice,bob" \
	test_served_group_lists_its_members
if [ "$VIA" = glibc ]; then
	groups=$(res id -Gn bob | tr ' ' '\n' | sort | tr '\n' ' ')
	tap_is "$groups" "bob pos-cashier pos-manager users " test_id_lists_mapped_and_local_groups
else
	tap_skip test_id_lists_mapped_and_local_groups "nss_wrapper does not call initgroups_dyn"
fi
res getent passwd mallory >/dev/null 2>&1
tap_is "$?" 2 test_unknown_user_not_resolved
tap_is "$(res getent passwd root | cut -d: -f3)" 0 test_local_users_still_resolve

tap_is "$(stat -c %a "$IDX")" 644 test_index_is_0644
! grep -qa -e 1234 -e 2345 -e eyJ -e "$CLIENT_SECRET" "$IDX"
tap_ok $? test_index_holds_no_secret

INDEX="$W/none.db" res getent passwd alice >/dev/null 2>&1
tap_is "$?" 2 test_missing_index_is_not_found
head -c 100 "$IDX" >"$W/trunc.db"
INDEX="$W/trunc.db" res getent passwd alice >/dev/null 2>&1
tap_is "$?" 2 test_truncated_index_is_not_found

# A wrong PIN (anyone can type bob's id) leaves bob's running session
# alone: uid and mapped groups stay (security review hole 5).
bob_uid=$(res getent passwd bob | cut -d: -f3)
pa_pam_expect test_rejected_login "$E_AUTH" bob 0000 authenticate
[ -n "$bob_uid" ] && [ "$(res getent passwd bob | cut -d: -f3)" = "$bob_uid" ]
tap_ok $? test_rejected_user_keeps_uid || tap_diag "uid before: '$bob_uid'"
tap_is "$(res getent group pos-manager | cut -d: -f1,4)" "pos-manager:bob" \
	test_rejected_pin_keeps_mapped_groups
# A signed "no" (bob now belongs to another store) takes the groups; the
# uid stays (files, running processes) until nss_expire or a purge.
pa_tokend_control '{"forge":"wrong_store"}' >/dev/null
pa_pam_expect test_signed_no_login "$E_AUTH" bob 2345 authenticate
pa_tokend_control '{"forge":"none"}' >/dev/null
tap_is "$(res getent passwd bob | cut -d: -f3)" "$bob_uid" test_signed_no_keeps_uid
tap_is "$(res getent group pos-manager | cut -d: -f1,4)" "" test_signed_no_loses_mapped_groups

# --- security review hole 1: names other sources own ------------------------------
# A staff member already in the index whose name a new [roles] mapping
# takes is dropped from it, loudly, instead of merging with the group.
pa_pam_conf "$PA_PAM_CONF" "default_groups = users" "[roles]" \
	"cashier = pos-cashier, alice" "manager = pos-manager, pos-cashier"
pa_pam_expect test_login_after_role_group_named_like_staff ok bob 2345 authenticate
res getent passwd alice >/dev/null 2>&1
tap_is "$?" 2 test_staff_named_like_a_mapped_group_left_out
grep -q 'user "alice": left out of the NSS index: the name is a group that \[roles\]' "$PA_PAM_DIR/pam.err"
tap_ok $? test_staff_left_out_is_logged || tap_diag "$(cat "$PA_PAM_DIR/pam.err")"
pa_pam_expect test_staff_named_like_a_mapped_group_cannot_log_in "$E_USER_UNKNOWN" alice 1234 authenticate
pa_pam_conf "$PA_PAM_CONF" "default_groups = users" "[roles]" \
	"cashier = pos-cashier" "manager = pos-manager, pos-cashier"

# The reader refuses an index anyone but root could have written.
cp "$IDX" "$W/ww.db" && chmod 0666 "$W/ww.db"
INDEX="$W/ww.db" res getent passwd bob >/dev/null 2>&1
tap_is "$?" 2 test_world_writable_index_not_believed
if [ "$(id -u)" -eq 0 ]; then
	cp "$IDX" "$W/other.db" && chown nobody "$W/other.db"
	INDEX="$W/other.db" res getent passwd bob >/dev/null 2>&1
	tap_is "$?" 2 test_index_owned_by_someone_else_not_believed
else
	tap_skip test_index_owned_by_someone_else_not_believed "needs root"
fi
tap_done
