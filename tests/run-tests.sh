#!/bin/sh
# Runs every test of smtpjail and ends with "N passed, N failed".
#
#   tests/run-tests.sh BUILD_DIR
#
# cmocka binaries (BUILD_DIR/tests/*/test_*) are counted by their own
# summaries; shell suites (tests/*/t_*.sh) print "ok - name" or
# "not ok - name" lines, counted here. Set SJ_TEST_FILTER to a pattern to
# run only matching files.
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
export SJ_BUILD="$top/$build" SJ_TOP="$top"
log=$(mktemp -d /tmp/sj-tests.XXXXXX)
passed=0 failed=0
# One dedicated sandbox user for every test that starts the child.
. "$top/tests/sandbox/sandbox_user.sh"
if [ "$(id -u)" -eq 0 ]; then
	sj_test_user_make > /dev/null || echo "# no test sandbox user"
fi
trap 'sj_test_user_drop' EXIT
trap 'exit 130' INT TERM

count() {	# file
	p=$(grep -Eo '^\[  PASSED  \] [0-9]+' "$1" | awk '{s+=$4} END {print s+0}')
	f=$(grep -Eo '^\[  FAILED  \] [0-9]+' "$1" | awk '{s+=$4} END {print s+0}')
	p2=$(grep -c '^ok ' "$1")
	f2=$(grep -c '^not ok ' "$1")
	echo "$p $f $p2 $f2"
}

for t in "$build"/tests/unit/test_* "$build"/tests/sandbox/test_* \
    tests/*/t_*.sh; do
	[ -e "$t" ] || continue
	case "$t" in *.o|*.d) continue;; esac
	[ -n "$SJ_TEST_FILTER" ] && ! echo "$t" | grep -q "$SJ_TEST_FILTER" && continue
	name=$(echo "$t" | tr / _)
	echo "=== $t"
	# MALLOC_PERTURB_: malloc() returns bytes of 0x5a and free() fills
	# with 0xa5 (glibc, mallopt(3) M_PERTURB), so code that reads memory
	# it never wrote fails here instead of passing on fresh zero pages.
	MALLOC_PERTURB_=165 "./$t" > "$log/$name" 2>&1
	rc=$?
	cat "$log/$name"
	# Failures again at the end, where a CI log's tail shows them.
	grep -E '^not ok |^\[  FAILED  \] [^0-9]' "$log/$name" |
	    sed "s|^|$t: |" >> "$log/failures"
	set -- $(count "$log/$name")
	passed=$((passed + $1 + $3)); failed=$((failed + $2 + $4))
	if [ "$rc" -ne 0 ] && [ "$2" -eq 0 ] && [ "$4" -eq 0 ]; then
		echo "not ok - $t exited $rc without reporting a failure" |
		    tee -a "$log/failures"
		failed=$((failed + 1))
	elif [ "$1" -eq 0 ] && [ "$2" -eq 0 ] && [ "$3" -eq 0 ] && [ "$4" -eq 0 ]; then
		echo "not ok - $t reported no test at all" | tee -a "$log/failures"
		failed=$((failed + 1))
	fi
done
if [ -s "$log/failures" ]; then
	echo "=== failures"
	cat "$log/failures"
fi
rm -rf "$log"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
