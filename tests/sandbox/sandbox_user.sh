# NAME
#	sandbox_user.sh - a dedicated sandbox user for tests that start the child
# SUMMARY
#	. "$top/tests/sandbox/sandbox_user.sh"
#	sj_test_user_make || exit 1; trap 'sj_test_user_drop' EXIT
# DESCRIPTION
#	smtpjail refuses a sandbox user that is not dedicated to it
#	(policy/sandbox_identity.c: not nobody, its own group without
#	members, ...). sj_test_user_make reuses $SJ_SANDBOX_USER when it
#	names an existing user (tests/run-tests.sh makes one for the
#	whole run); otherwise it creates the system user "sjt<pid>" with
#	its own group, home /nonexistent, and exports SJ_SANDBOX_USER.
#	sj_test_user_drop removes only a user that sj_test_user_make
#	created in this shell. Needs root.
sj_test_user_made=

sj_test_user_make() {
	if [ -n "${SJ_SANDBOX_USER:-}" ] && id "$SJ_SANDBOX_USER" >/dev/null 2>&1; then
		export SJ_SANDBOX_USER
		return 0
	fi
	SJ_SANDBOX_USER=sjt$$
	if ! useradd --system --user-group --no-create-home \
	    --home-dir /nonexistent --shell /usr/sbin/nologin \
	    "$SJ_SANDBOX_USER" >/dev/null 2>&1; then
		echo "not ok - cannot create the test sandbox user $SJ_SANDBOX_USER"
		return 1
	fi
	sj_test_user_made=$SJ_SANDBOX_USER
	export SJ_SANDBOX_USER
}

sj_test_user_drop() {
	[ -n "$sj_test_user_made" ] || return 0
	# userdel also removes the user's own group
	userdel "$sj_test_user_made" >/dev/null 2>&1 ||
	    echo "# could not remove test user $sj_test_user_made"
	sj_test_user_made=
}
