#!/bin/bash
# NAME
#	install.sh - install smtpjail next to Postfix's daemons (make install)
# SUMMARY
#	tests/e2e/install.sh path/to/smtpjail        (as root)
#	DESTDIR=/stage tests/e2e/install.sh path/to/smtpjail
# DESCRIPTION
#	1. Finds $daemon_directory with "postconf -h daemon_directory"
#	   ("postconf -c $MAIL_CONFIG ..." when MAIL_CONFIG is set); when
#	   there is no main.cf yet, Postfix's compiled-in default
#	   ("postconf -d").
#	2. Installs the binary as $DESTDIR$daemon_directory/smtpjail,
#	   owner root:root, mode 0755.
#	3. Creates the sandbox directory $DESTDIR/var/lib/smtpjail/empty
#	   (root:root 0755; its parent too) if missing, and refuses to
#	   go on if it exists but is not empty, not a directory, not
#	   owned by root or writable by group or others.
#	4. Creates the system user "smtpjail" (useradd --system, no home,
#	   /usr/sbin/nologin) if missing. Not with DESTDIR: a staged
#	   install must not change the build host's users; it prints the
#	   command instead.
#	5. Prints the master.cf line and the main.cf parameters to use.
#	It never edits main.cf or master.cf.
#
#	Environment: DESTDIR, MAIL_CONFIG, SMTPJAIL_SANDBOX_DIR (default
#	/var/lib/smtpjail/empty), SMTPJAIL_USER (default smtpjail).
# SEE ALSO
#	README.md (Deploying under Postfix)
set -u

die() {
	echo "install: $*" >&2
	exit 1
}

[ $# -eq 1 ] || die "usage: $0 path/to/smtpjail"
bin=$1
[ -f "$bin" ] && [ -x "$bin" ] || die "$bin: no such executable (run make first)"
dest=${DESTDIR:-}
dest=${dest%/}
sandbox=${SMTPJAIL_SANDBOX_DIR:-/var/lib/smtpjail/empty}
user=${SMTPJAIL_USER:-smtpjail}
case $sandbox in /*) ;; *) die "SMTPJAIL_SANDBOX_DIR must be absolute";; esac
if [ -z "$dest" ] && [ "$(id -u)" -ne 0 ]; then
	die "run as root (or set DESTDIR for a staged install)"
fi
command -v postconf > /dev/null || die "postconf not found: is Postfix installed?"

# 1. daemon_directory
if [ -n "${MAIL_CONFIG:-}" ]; then
	# (stderr only on failure: postconf warns about every smtpjail_*
	# parameter, which it does not know)
	daemon_dir=$(postconf -c "$MAIL_CONFIG" -h daemon_directory 2>&1) ||
	    die "postconf -c $MAIL_CONFIG -h daemon_directory failed: $daemon_dir"
	daemon_dir=$(postconf -c "$MAIL_CONFIG" -h daemon_directory 2>/dev/null)
	mail_owner=$(postconf -c "$MAIL_CONFIG" -h mail_owner 2>/dev/null)
elif daemon_dir=$(postconf -h daemon_directory 2>/dev/null); then
	mail_owner=$(postconf -h mail_owner 2>/dev/null)
else
	daemon_dir=$(postconf -d -h daemon_directory) ||
	    die "postconf cannot tell the daemon_directory"
	mail_owner=$(postconf -d -h mail_owner 2>/dev/null)
	echo "install: no readable main.cf; using Postfix's default" \
	    "daemon_directory $daemon_dir"
fi
case $daemon_dir in /*) ;; *) die "odd daemon_directory '$daemon_dir'";; esac
[ "$user" != root ] && [ "$user" != "${mail_owner:-postfix}" ] ||
    die "the sandbox user must be neither root nor mail_owner (${mail_owner:-postfix})"

# 2. the binary
own=()
[ "$(id -u)" -eq 0 ] && own=(-o root -g root)
install -d -m 0755 "${own[@]}" "$dest$daemon_dir" ||
    die "cannot create $dest$daemon_dir"
target=$dest$daemon_dir/smtpjail
# install(1) replaces the file (new inode): a running smtpjail keeps its
# old image, master(8) starts the new one on the next process.
install -m 0755 "${own[@]}" "$bin" "$target" || die "cannot install $target"
echo "install: $target (mode 0755${own:+, root:root})"

# 3. the sandbox directory
sdir=$dest$sandbox
if [ -e "$sdir" ] || [ -L "$sdir" ]; then
	[ -d "$sdir" ] && [ ! -L "$sdir" ] ||
	    die "$sdir exists and is not a directory"
	[ -z "$(ls -A "$sdir")" ] ||
	    die "$sdir is not empty; smtpjail refuses such a sandbox (empty it yourself)"
	if [ "$(id -u)" -eq 0 ]; then
		[ "$(stat -c %u "$sdir")" -eq 0 ] ||
		    die "$sdir is not owned by root"
	fi
	perm=$(stat -c %a "$sdir")
	[ $((8#$perm & 8#022)) -eq 0 ] ||
	    die "$sdir is writable by group or others (mode $perm)"
	echo "install: $sdir exists (empty, mode $perm)"
else
	install -d -m 0755 "${own[@]}" "$(dirname "$sdir")" "$sdir" ||
	    die "cannot create $sdir"
	echo "install: created $sdir (empty, mode 0755${own:+, root:root})"
fi

# 4. the sandbox user
if id "$user" > /dev/null 2>&1; then
	echo "install: user $user exists (uid $(id -u "$user"))"
	[ "$(id -u "$user")" -ne 0 ] || die "user $user has uid 0"
elif [ -n "$dest" ]; then
	echo "install: DESTDIR set: not creating user $user on this host; on the target run"
	echo "    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin $user"
else
	useradd --system --no-create-home --home-dir /nonexistent \
	    --shell /usr/sbin/nologin "$user" || die "useradd $user failed"
	echo "install: created system user $user (uid $(id -u "$user"))"
fi

# 5. what the administrator does next
cat <<EOF

smtpjail is installed; your Postfix configuration was not changed.
To use it, change the command of the smtp transport in master.cf:

    smtp      unix  -       -       y       -       -       smtpjail

(likewise "relay" and any other transport that runs "smtp"), and, if you
do not use the defaults, set in main.cf:

    smtpjail_sandbox_directory = $sandbox
    smtpjail_sandbox_user = $user
    smtpjail_resolv_conf = /etc/resolv.conf

then "postfix reload" and check the sandbox:

    MAIL_CONFIG=${MAIL_CONFIG:-/etc/postfix} $daemon_dir/smtpjail --sandbox-check
EOF
