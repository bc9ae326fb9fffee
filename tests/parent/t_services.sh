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
if [ "$(id -u)" -ne 0 ]; then
	echo "not ok - t_services needs root"
	exit 1
fi
if ! id postfix >/dev/null 2>&1 || ! id nobody >/dev/null 2>&1; then
	echo "not ok - t_services needs the postfix and nobody users"
	exit 1
fi
if [ ! -x "$bin" ]; then
	echo "not ok - t_services: no binary $bin (make first)"
	exit 1
fi
exec timeout -k 5 400 python3 "$top/tests/parent/services.py" "$bin"
