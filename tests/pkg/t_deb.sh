#!/bin/bash
# The Debian package on this machine: make deb (lintian clean), then
# install, upgrade, refused removal, remove and purge with
# dpkg, checking what each step leaves. The state before the test is
# restored (the package is purged; the user _smtpjail is removed if it
# did not exist before). Never touches /etc/postfix: the maintainer
# scripts read $MAIL_CONFIG, pointed at a temporary configuration.
# Needs root; installs Debian's packaging tools if missing (make
# deb-deps). Skips (without asserting) if smtpjail is already installed
# as a package, which is not the test's to remove.
set -u
top=${SJ_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; }
if [ "$(id -u)" -ne 0 ]; then
	nok "t_deb needs root"
	exit 1
fi
if dpkg-query -W -f='${Status}' smtpjail 2>/dev/null | grep -q 'installed'; then
	echo "# skip t_deb: a smtpjail package is installed; not ours to remove"
	ok "t_deb leaves the installed smtpjail package alone"
	exit 0
fi
tmp=$(mktemp -d /tmp/sj-deb.XXXXXX)
had_user=0
id _smtpjail > /dev/null 2>&1 && had_user=1
had_lib=0
[ -e /var/lib/smtpjail ] && had_lib=1
cleanup() {
	if dpkg-query -W -f='${Status}' smtpjail 2>/dev/null |
	    grep -qv 'not-installed'; then
		SMTPJAIL_FORCE_REMOVE=yes MAIL_CONFIG=$tmp/etc \
		    dpkg --purge smtpjail > /dev/null 2>&1
	fi
	if [ "$had_user" -eq 0 ] && id _smtpjail > /dev/null 2>&1; then
		deluser --system _smtpjail > /dev/null 2>&1 ||
		    userdel _smtpjail > /dev/null 2>&1
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The tools (only this test and make deb need them).
make -s -C "$top" deb-deps > "$tmp/deps.log" 2>&1 ||
    { nok "make deb-deps: $(tail -n 5 "$tmp/deps.log")"; exit 1; }

# 1. make deb from a clean copy of the tree; lintian clean.
if "$top/tests/pkg/build_deb.sh" "$tmp/out" > "$tmp/build.out" 2>&1; then
	ok "make deb builds the package and lintian reports no error or warning"
else
	nok "make deb: $(tail -n 20 "$tmp/build.out")"
	exit 1
fi
deb=$(ls "$tmp"/out/smtpjail_*_*.deb | grep -v dbgsym | head -n 1)
ver=$(dpkg-deb -f "$deb" Version)
dpkg-deb -f "$deb" Depends | grep -q 'postfix (>= 3.7.0), postfix (<< 4)' &&
    ok "the package depends on Postfix 3.7 to 3.x" ||
    nok "Depends: $(dpkg-deb -f "$deb" Depends)"

# A Postfix configuration of our own: the maintainer scripts honour
# MAIL_CONFIG, so the system's /etc/postfix stays out of the test.
mkdir -p "$tmp/etc" "$tmp/queue"
cat > "$tmp/etc/main.cf" <<EOF2
queue_directory = $tmp/queue
mail_owner = postfix
myhostname = deb.example
smtpjail_resolv_conf = /dev/null
EOF2
printf 'smtp      unix  -       -       y       -       -       smtp\n' \
    > "$tmp/etc/master.cf"
sums() { md5sum /etc/postfix/* "$tmp/etc/main.cf" "$tmp/etc/master.cf" 2>/dev/null; }
sums > "$tmp/sums.before"

# 2. install
if MAIL_CONFIG=$tmp/etc dpkg -i "$deb" > "$tmp/inst.out" 2>&1; then
	ok "dpkg -i installs the package"
else
	nok "dpkg -i: $(cat "$tmp/inst.out")"
	exit 1
fi
f=/usr/lib/postfix/sbin/smtpjail
[ -x "$f" ] && [ "$(stat -c %U:%a "$f")" = root:755 ] &&
    ok "the agent is /usr/lib/postfix/sbin/smtpjail, root, 0755" ||
    nok "$f missing or wrong"
"$f" --version | grep -qx "smtpjail $ver" &&
    ok "the installed agent says version $ver" || nok "--version of $f"
miss=
for d in README.md SECURITY.md copyright README.Debian; do
	ls /usr/share/doc/smtpjail/$d* > /dev/null 2>&1 || miss="$miss $d"
done
[ -z "$miss" ] &&
    ok "README.md, SECURITY.md, copyright, README.Debian in /usr/share/doc/smtpjail" ||
    nok "missing in /usr/share/doc/smtpjail:$miss"
[ "$(man -w smtpjail 2>/dev/null)" = /usr/share/man/man8/smtpjail.8.gz ] &&
    [ "$(man -w 5 smtpjail 2>/dev/null)" = /usr/share/man/man5/smtpjail.5.gz ] &&
    MANWIDTH=80 man 8 smtpjail 2>/dev/null | grep -q 'SEE ALSO' &&
    ok "man smtpjail opens smtpjail(8); smtpjail(5) is there" ||
    nok "man smtpjail: $(man -w smtpjail 2>&1)"
pw=$(getent passwd _smtpjail)
gid=$(echo "$pw" | cut -d: -f4)
if [ -n "$pw" ] && [ "$(echo "$pw" | cut -d: -f3)" -lt 1000 ] &&
    [ "$(echo "$pw" | cut -d: -f6-)" = /nonexistent:/usr/sbin/nologin ] &&
    [ "$(getent group "$gid" | cut -d: -f1,4)" = "_smtpjail:" ]; then
	ok "postinst creates the system user _smtpjail (own group, no members, no home, nologin)"
else
	nok "user _smtpjail: '$pw' group '$(getent group "$gid")'"
fi
s=/var/lib/smtpjail/empty
[ -d "$s" ] && [ -z "$(ls -A "$s")" ] && [ "$(stat -c %U:%a "$s")" = root:755 ] &&
    ok "postinst creates the empty root-owned sandbox directory" ||
    nok "sandbox directory $s wrong"
grep -q 'smtp      unix  -       -       y       -       -       smtpjail' \
    "$tmp/inst.out" && ok "postinst prints the one master.cf change" ||
    nok "postinst did not print the master.cf line: $(cat "$tmp/inst.out")"
sums | cmp -s - "$tmp/sums.before" &&
    ok "installing changed neither main.cf nor master.cf" ||
    nok "the Postfix configuration changed"
out=$(MAIL_CONFIG=$tmp/etc "$f" --sandbox-check 2>&1)
printf '%s\n' "$out" | tail -n 1 | grep -qx 'sandbox-check: ok' &&
    printf '%s\n' "$out" | grep -q "^sandbox-check: uid $(id -u _smtpjail)/" &&
    ok "the installed agent passes --sandbox-check with the package's user" ||
    nok "--sandbox-check after install: $out"

# 3. upgrade (the same package with a higher version), keeping the user
uid=$(id -u _smtpjail)
dpkg-deb -R "$deb" "$tmp/up" &&
    sed -i "s/^Version: .*/Version: $ver+t1/" "$tmp/up/DEBIAN/control" &&
    dpkg-deb -b "$tmp/up" "$tmp/up.deb" > /dev/null 2>&1 ||
    nok "cannot repack an upgrade"
printf 'smtp      unix  -       -       y       -       -       smtpjail\n' \
    > "$tmp/etc/master.cf"
if MAIL_CONFIG=$tmp/etc dpkg -i "$tmp/up.deb" > "$tmp/up.out" 2>&1 &&
    [ "$(dpkg-query -W -f='${Version}' smtpjail)" = "$ver+t1" ] &&
    [ "$(id -u _smtpjail)" = "$uid" ] && [ -d "$s" ] &&
    grep -q 'postfix reload' "$tmp/up.out"; then
	ok "upgrade keeps the user and directory and asks for postfix reload"
else
	nok "upgrade: $(cat "$tmp/up.out")"
fi

# 4. removal while master.cf runs smtpjail: refused, then forced
if MAIL_CONFIG=$tmp/etc dpkg -r smtpjail > "$tmp/rm.out" 2>&1; then
	nok "dpkg -r removed smtpjail although master.cf runs it"
else
	dpkg-query -W -f='${Status}' smtpjail | grep -q 'install ok installed' &&
	    [ -x "$f" ] && grep -q 'REFUSING TO REMOVE' "$tmp/rm.out" &&
	    ok "prerm refuses removal while master.cf runs smtpjail" ||
	    nok "refused removal left: $(dpkg-query -W -f='${Status}' smtpjail) $(cat "$tmp/rm.out")"
fi

# 5. remove (master.cf back to smtp): binary gone, user and dir kept
printf 'smtp      unix  -       -       y       -       -       smtp\n' \
    > "$tmp/etc/master.cf"
if MAIL_CONFIG=$tmp/etc dpkg -r smtpjail > "$tmp/rm.out" 2>&1 &&
    [ ! -e "$f" ] && [ ! -e /usr/share/man/man8/smtpjail.8.gz ] &&
    [ -d "$s" ] && id _smtpjail > /dev/null 2>&1; then
	ok "dpkg -r removes the files and keeps the sandbox directory"
else
	nok "dpkg -r: $(cat "$tmp/rm.out")"
fi

# 6. purge: the directories go; the user stays (Debian practice)
if MAIL_CONFIG=$tmp/etc dpkg --purge smtpjail > "$tmp/purge.out" 2>&1 &&
    ! dpkg-query -W -f='${Status}' smtpjail 2>/dev/null | grep -q 'ok' &&
    [ ! -e /usr/share/doc/smtpjail ] && { [ "$had_lib" -eq 1 ] ||
    [ ! -e /var/lib/smtpjail ]; } &&
    id _smtpjail > /dev/null 2>&1 &&
    grep -q 'deluser --system _smtpjail' "$tmp/purge.out"; then
	ok "purge removes the sandbox directory and says how to remove the kept user"
else
	nok "purge: $(cat "$tmp/purge.out"); $(ls -d /var/lib/smtpjail 2>&1)"
fi
sums | cmp -s - "$tmp/sums.before" &&
    ok "install, upgrade, remove and purge never edited main.cf or master.cf" ||
    nok "the Postfix configuration changed"
