#!/bin/bash
# make install / make uninstall into a staging directory (DESTDIR),
# uninstall's refusal while master.cf still runs smtpjail, and (as root,
# on this host, everything else in a temporary directory) that uninstall
# removes the sandbox user only when install created it.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${SJ_BUILD:-$top/build}/smtpjail
tmp=$(mktemp -d /tmp/sj-install.XXXXXX)
pre=sjpre$$ new=sjnew$$
cleanup() {
	userdel "$pre" >/dev/null 2>&1
	userdel "$new" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; }
dd=$(postconf -d -h daemon_directory)
export SMTPJAIL_SANDBOX_DIR=/var/lib/sj-install-test/empty
export MANDIR=/usr/share/man

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
for sec in 5 8; do
	m=$tmp/stage/usr/share/man/man$sec/smtpjail.$sec.gz
	[ -f "$m" ] && zcat "$m" | cmp -s - "$top/doc/smtpjail.$sec" &&
	    ok "install puts smtpjail($sec) in \$MANDIR" ||
	    nok "manual page $m missing or wrong"
done
grep -q 'smtp      unix  -       -       y       -       -       smtpjail' \
    "$tmp/out" && ok "install prints the master.cf line" ||
    nok "install did not print the master.cf line"

DESTDIR=$tmp/stage "$top/tests/e2e/uninstall.sh" > "$tmp/out" 2>&1
[ ! -e "$f" ] && [ ! -e "$s" ] && [ ! -e "$tmp/stage/var/lib/sj-install-test" ] &&
    [ ! -e "$tmp/stage/var/lib/smtpjail" ] &&
    [ -z "$(find "$tmp/stage" -type f)" ] &&
    ok "uninstall removes binary, pages, sandbox and its record" ||
    nok "uninstall left files: $(find "$tmp/stage" -type f) $(cat "$tmp/out")"

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

# On this host (as root): the user. daemon_directory, the sandbox, the
# record and the pages all live under $tmp.
if [ "$(id -u)" -ne 0 ]; then
	nok "the user part of t_install needs root"
	exit 1
fi
mkdir -p "$tmp/real"
printf 'daemon_directory = %s\n' "$tmp/real/daemon" > "$tmp/real/main.cf"
: > "$tmp/real/master.cf"
real() {	# user script...
	u=$1
	shift
	MAIL_CONFIG=$tmp/real SMTPJAIL_USER=$u MANDIR=$tmp/real/man \
	    SMTPJAIL_SANDBOX_DIR=$tmp/real/lib/empty \
	    SMTPJAIL_STATE_DIR=$tmp/real/lib "$@" > "$tmp/out" 2>&1
}
useradd --system --user-group --no-create-home --home-dir /nonexistent \
    --shell /usr/sbin/nologin "$pre" || nok "cannot create $pre"
real "$pre" "$top/tests/e2e/install.sh" "$bin" ||
    nok "install with an existing user: $(cat "$tmp/out")"
real "$pre" "$top/tests/e2e/uninstall.sh" ||
    nok "uninstall: $(cat "$tmp/out")"
id "$pre" > /dev/null 2>&1 && [ ! -e "$tmp/real/daemon/smtpjail" ] &&
    ok "uninstall keeps a user that existed before the install" ||
    nok "uninstall removed the pre-existing user $pre: $(cat "$tmp/out")"
real "$new" "$top/tests/e2e/install.sh" "$bin" ||
    nok "install creating a user: $(cat "$tmp/out")"
if id "$new" > /dev/null 2>&1 && getent group "$new" > /dev/null &&
    [ "$(getent passwd "$new" | cut -d: -f6,7)" = /nonexistent:/usr/sbin/nologin ]; then
	ok "install creates a system user with its own group, no home, no shell"
else
	nok "install did not create $new as expected: $(cat "$tmp/out")"
fi
real "$new" "$top/tests/e2e/uninstall.sh" ||
    nok "uninstall: $(cat "$tmp/out")"
! id "$new" > /dev/null 2>&1 && ! getent group "$new" > /dev/null &&
    [ ! -e "$tmp/real/lib" ] &&
    ok "uninstall removes the user (and group) install created" ||
    nok "uninstall left $new or $tmp/real/lib: $(cat "$tmp/out")"
