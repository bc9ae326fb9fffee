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
#	   owner root:root, mode 0755, and the manual pages smtpjail(8)
#	   and smtpjail(5) under $DESTDIR$MANDIR (default
#	   /usr/local/share/man).
#	3. Creates the sandbox directory $DESTDIR/var/lib/smtpjail/empty
#	   (root:root 0755; its parent too) if missing, and refuses to
#	   go on if it exists but is not empty, not a directory, not
#	   owned by root or writable by group or others.
#	4. Creates the system user "_smtpjail" with its own group, home
#	   /nonexistent, shell /usr/sbin/nologin (adduser --system
#	   --group, as Debian's maintainer scripts do; useradd where there
#	   is no adduser) if missing. Not with DESTDIR: a staged install
#	   must not change the build host's users; it prints the command
#	   instead.
#	5. Records what it created (not what was there before) in
#	   $DESTDIR$SMTPJAIL_STATE_DIR/make-install.created, one
#	   "file|dir|user NAME" a line: make uninstall removes only that.
#	6. Prints the master.cf line and the main.cf parameters to use.
#	It never edits main.cf or master.cf.
#
#	Environment: DESTDIR, MAIL_CONFIG, MANDIR, SMTPJAIL_SANDBOX_DIR
#	(default /var/lib/smtpjail/empty), SMTPJAIL_USER (default
#	_smtpjail), SMTPJAIL_STATE_DIR (default /var/lib/smtpjail).
# SEE ALSO
#	README.md (Deploying under Postfix), tests/e2e/uninstall.sh
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
user=${SMTPJAIL_USER:-_smtpjail}
statedir=${SMTPJAIL_STATE_DIR:-/var/lib/smtpjail}
mandir=${MANDIR:-/usr/local/share/man}
top=$(cd "$(dirname "$0")/../.." && pwd)
case $sandbox in /*) ;; *) die "SMTPJAIL_SANDBOX_DIR must be absolute";; esac
case $statedir in /*) ;; *) die "SMTPJAIL_STATE_DIR must be absolute";; esac
case $mandir in /*) ;; *) die "MANDIR must be absolute";; esac

# What this run creates, recorded at the end (step 5).
created=()
mkdirs() {	# absolute directories (with $dest), parents first
	local d parts=() p
	d=$1
	while [ "$d" != / ] && [ ! -e "$d" ]; do
		parts=("$d" "${parts[@]}")
		d=$(dirname "$d")
	done
	for p in "${parts[@]}"; do
		install -d -m 0755 "${own[@]}" "$p" || die "cannot create $p"
		created+=("dir ${p#"$dest"}")
	done
}
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

# 2. the binary and the manual pages
own=()
[ "$(id -u)" -eq 0 ] && own=(-o root -g root)
mkdirs "$dest$daemon_dir"
target=$dest$daemon_dir/smtpjail
[ -e "$target" ] || created+=("file ${target#"$dest"}")
# install(1) replaces the file (new inode): a running smtpjail keeps its
# old image, master(8) starts the new one on the next process.
install -m 0755 "${own[@]}" "$bin" "$target" || die "cannot install $target"
echo "install: $target (mode 0755${own:+, root:root})"
for sec in 8 5; do
	mdir=$dest$mandir/man$sec
	mkdirs "$mdir"
	page=$mdir/smtpjail.$sec.gz
	[ -e "$page" ] || created+=("file ${page#"$dest"}")
	gzip -9n < "$top/doc/smtpjail.$sec" > "$page.tmp" &&
	    chmod 0644 "$page.tmp" && mv -f "$page.tmp" "$page" ||
	    die "cannot install $page"
	echo "install: $page"
done

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
	mkdirs "$sdir"
	echo "install: created $sdir (empty, mode 0755${own:+, root:root})"
fi

# 4. the sandbox user
if id "$user" > /dev/null 2>&1; then
	echo "install: user $user exists (uid $(id -u "$user"))"
	[ "$(id -u "$user")" -ne 0 ] || die "user $user has uid 0"
elif [ -n "$dest" ]; then
	echo "install: DESTDIR set: not creating user $user on this host; on the target run"
	echo "    adduser --system --group --home /nonexistent --no-create-home $user"
else
	if command -v adduser > /dev/null; then
		adduser --quiet --system --group --home /nonexistent \
		    --no-create-home "$user" || die "adduser $user failed"
	else
		useradd --system --user-group --no-create-home \
		    --home-dir /nonexistent --shell /usr/sbin/nologin \
		    "$user" || die "useradd $user failed"
	fi
	created+=("user $user")
	echo "install: created system user $user (uid $(id -u "$user"))"
fi

# 5. what was created, for make uninstall (kept across installs)
mkdirs "$dest$statedir"
state=$dest$statedir/make-install.created
for c in "${created[@]}"; do
	[ -f "$state" ] && grep -qxF "$c" "$state" && continue
	echo "$c" >> "$state" || die "cannot write $state"
done
[ -f "$state" ] || : > "$state"
echo "install: recorded what it created in $state"

# 6. what the administrator does next
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
