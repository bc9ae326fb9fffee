# NAME
#	preflight.sh - what every tests/parent suite needs before it runs
# SUMMARY
#	. "$top/tests/parent/preflight.sh"; parent_preflight NAME BINARY...
# DESCRIPTION
#	Sourced by tests/parent/t_*.sh. parent_preflight prints one
#	"not ok - NAME ..." line and exits 1 unless the suite runs as root
#	(the sandbox is built as master(8) would build it), the postfix
#	user exists, python3 is there, and every BINARY given is
#	executable; then it makes sure of a dedicated sandbox user
#	($SJ_SANDBOX_USER, tests/sandbox/sandbox_user.sh). The suite runs
#	its test with parent_run, which removes a user made here.
parent_preflight() {
	pf_name=$1
	shift
	if [ "$(id -u)" -ne 0 ]; then
		echo "not ok - $pf_name needs root"
		exit 1
	fi
	if ! id postfix >/dev/null 2>&1; then
		echo "not ok - $pf_name needs the postfix user"
		exit 1
	fi
	if ! command -v python3 >/dev/null 2>&1; then
		echo "not ok - $pf_name needs python3"
		exit 1
	fi
	for pf_f in "$@"; do
		if [ ! -x "$pf_f" ]; then
			echo "not ok - $pf_name: no binary $pf_f (make && make tests)"
			exit 1
		fi
	done
	. "${top:?}/tests/sandbox/sandbox_user.sh"
	sj_test_user_make || exit 1
}

# parent_run CMD...: runs the suite's test, then removes the user that
# parent_preflight made (if any); exits with CMD's status.
parent_run() {
	"$@"
	pf_rc=$?
	sj_test_user_drop
	exit $pf_rc
}
