#!/bin/sh
# The real smtpjail parent (smtpjail -S) against a fake qmgr, fake
# bounce/defer/trace services, a fake postlog and a scripted SMTP server
# (tests/parent/fake_postfix.py): every scenario checks the reply, the
# queue file bytes and mode, what the services received and the log.
# Needs root (the sandbox is built as master(8) would build it).
set -u
top=${SJ_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${SJ_BUILD:-$top/build}/smtpjail
. "$top/tests/parent/preflight.sh"
parent_preflight t_parent "$bin"
parent_run timeout -k 5 170 python3 "$top/tests/parent/fake_postfix.py" "$bin"
