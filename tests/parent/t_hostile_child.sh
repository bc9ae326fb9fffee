#!/bin/sh
# The real parent against a scripted hostile child (issue 7): the test
# binary build/tests/parent/aux_hostile_smtpjail replaces the child's
# logic with raw IPC datagrams (tests/parent/hostile_child.c) and
# tests/parent/hostile_child.py checks, per misbehaviour, that the
# parent refuses it, defers what was in flight, logs why and exits.
# First: the production binary does not contain the hook.
# Needs root (the sandbox is built as master(8) would build it).
set -u
top=${SJ_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${SJ_BUILD:-$top/build}
prod=$build/smtpjail
aux=$build/tests/parent/aux_hostile_smtpjail
. "$top/tests/parent/preflight.sh"
parent_preflight t_hostile_child "$prod" "$aux"

# The check must be able to fail: the hook's marks are in the test binary.
hook_marks() {	# binary -> count of hook symbols and strings
	s=$(nm "$1" 2>/dev/null | grep -c ' hostile_')
	t=$(grep -c 'SJ_HOSTILE_SCRIPT' "$1")
	echo $((s + t))
}
if ! command -v nm >/dev/null 2>&1; then
	echo "not ok - production binary without the hook: nm missing"
elif [ "$(hook_marks "$aux")" -eq 0 ]; then
	echo "not ok - production binary without the hook: the check" \
	    "finds no mark even in $aux"
elif [ "$(hook_marks "$prod")" -ne 0 ]; then
	echo "not ok - production binary without the hook: $prod contains" \
	    "hostile_* symbols or SJ_HOSTILE_SCRIPT"
elif ! nm "$prod" | grep -q ' t child_log_sink$'; then
	echo "not ok - production binary without the hook: the real" \
	    "child (child_log_sink) is missing from $prod"
else
	echo "ok - production binary without the hook (no hostile_*" \
	    "symbol, no SJ_HOSTILE_SCRIPT; the real child_log_sink is there)"
fi

parent_run timeout -k 5 300 python3 "$top/tests/parent/hostile_child.py" "$aux"
