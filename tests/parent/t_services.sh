#!/bin/sh
# The real parent (smtpjail -S) with the Postfix services it calls
# (bounce, defer, trace, verify, flush) down, silent, or answering
# garbage: tests/parent/services.py on the fake world of
# fake_postfix.py. Every recipient stays deferred, nothing is marked
# done on a failed report, the reply is never FINAL with a recipient
# left, and a silent service times out ($ipc_timeout).
# Needs root (the sandbox is built as master(8) would build it).
set -u
top=${SJ_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${SJ_BUILD:-$top/build}/smtpjail
. "$top/tests/parent/preflight.sh"
parent_preflight t_services "$bin"
parent_run timeout -k 5 400 python3 "$top/tests/parent/services.py" "$bin"
