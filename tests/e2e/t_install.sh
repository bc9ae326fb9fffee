#!/bin/bash
# make install / make uninstall into a staging directory (DESTDIR), and
# uninstall's refusal while master.cf still runs smtpjail.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${SJ_BUILD:-$top/build}/smtpjail
tmp=$(mktemp -d /tmp/sj-install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; }
dd=$(postconf -d -h daemon_directory)
export SMTPJAIL_SANDBOX_DIR=/var/lib/sj-install-test/empty

DESTDIR=$tmp/stage "$top/tests/e2e/install.sh" "$bin" > "$tmp/out" 2>&1 ||
    nok "install into DESTDIR: $(cat "$tmp/out")"
f=$tmp/stage$dd/smtpjail
[ -x "$f" ] && [ "$(stat -c %a "$f")" = 755 ] && cmp -s "$f" "$bin" &&
    ok "install puts the binary in \$daemon_directory, mode 0755" ||
    nok "installed binary $f missing or wrong"
s=$tmp/stage$SMTPJAIL_SANDBOX_DIR
[ -d "$s" ] && [ -z "$(ls -A "$s")" ] && [ "$(stat -c %a "$s")" = 755 ] &&
    [ "$(stat -c %u "$s")" = 0 ] &&
    ok "install creates an empty root-owned 0755 sandbox directory" ||
    nok "sandbox directory $s wrong"
grep -q 'smtp      unix  -       -       y       -       -       smtpjail' \
    "$tmp/out" && ok "install prints the master.cf line" ||
    nok "install did not print the master.cf line"

DESTDIR=$tmp/stage "$top/tests/e2e/uninstall.sh" > "$tmp/out" 2>&1
[ ! -e "$f" ] && [ ! -e "$s" ] && ok "uninstall removes binary and sandbox" ||
    nok "uninstall left files: $(cat "$tmp/out")"

mkdir -p "$tmp/etc"
printf 'daemon_directory = %s\n' "$tmp/none" > "$tmp/etc/main.cf"
printf 'smtp      unix  -       -       y       -       -       smtpjail\n' \
    > "$tmp/etc/master.cf"
if MAIL_CONFIG=$tmp/etc "$top/tests/e2e/uninstall.sh" > "$tmp/out" 2>&1; then
	nok "uninstall ran although master.cf still uses smtpjail"
else
	grep -q 'still runs smtpjail' "$tmp/out" &&
	    ok "uninstall refuses while master.cf runs smtpjail" ||
	    nok "uninstall failed for another reason: $(cat "$tmp/out")"
fi
