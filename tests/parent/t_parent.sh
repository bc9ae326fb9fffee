#!/bin/sh
# The real smtpjail parent (smtpjail -S) against a fake qmgr, fake
# bounce/defer/trace services, a fake postlog and a scripted SMTP server
# (postfix-interfaces.md 9.1): every scenario checks the reply, the
# queue file bytes and mode, what the services received and the log.
# Needs root (the sandbox is built as master(8) would build it).
set -u
top=${SJ_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${SJ_BUILD:-$top/build}/smtpjail
if [ "$(id -u)" -ne 0 ]; then
	echo "not ok - t_parent needs root"
	exit 1
fi
if ! id postfix >/dev/null 2>&1 || ! id nobody >/dev/null 2>&1; then
	echo "not ok - t_parent needs the postfix and nobody users"
	exit 1
fi
if [ ! -x "$bin" ]; then
	echo "not ok - t_parent: no binary $bin (make first)"
	exit 1
fi
if ! command -v python3 >/dev/null 2>&1; then
	echo "not ok - t_parent needs python3"
	exit 1
fi
exec timeout -k 5 170 python3 "$top/tests/parent/fake_postfix.py" "$bin"
