#!/bin/bash
# NAME
#	uninstall.sh - undo make install (make uninstall)
# SUMMARY
#	tests/e2e/uninstall.sh               (as root)
#	DESTDIR=/stage tests/e2e/uninstall.sh
# DESCRIPTION
#	Removes what tests/e2e/install.sh created and nothing else: the
#	entries of $DESTDIR$SMTPJAIL_STATE_DIR/make-install.created (files;
#	directories if empty, deepest first; the sandbox user if no process
#	runs as it), then the record itself. A user or directory that
#	existed before the install is not in the record and stays.
#	Without a record (an install by an older version) it removes
#	$daemon_directory/smtpjail only and says what it leaves.
#	Refuses while master.cf still runs smtpjail. Never edits main.cf
#	or master.cf.
#
#	Environment: DESTDIR, MAIL_CONFIG, SMTPJAIL_STATE_DIR (default
#	/var/lib/smtpjail), as for install.sh.
set -u
die() {
	echo "uninstall: $*" >&2
	exit 1
}
dest=${DESTDIR:-}
dest=${dest%/}
statedir=${SMTPJAIL_STATE_DIR:-/var/lib/smtpjail}
if [ -z "$dest" ] && [ "$(id -u)" -ne 0 ]; then
	die "run as root (or set DESTDIR for a staged tree)"
fi
command -v postconf > /dev/null || die "postconf not found: is Postfix installed?"
if [ -n "${MAIL_CONFIG:-}" ]; then
	daemon_dir=$(postconf -c "$MAIL_CONFIG" -h daemon_directory 2>/dev/null)
	config_dir=$MAIL_CONFIG
else
	daemon_dir=$(postconf -h daemon_directory 2>/dev/null) ||
	    daemon_dir=$(postconf -d -h daemon_directory)
	config_dir=$(postconf -h config_directory 2>/dev/null) ||
	    config_dir=/etc/postfix
fi
case $daemon_dir in /*) ;; *) die "odd daemon_directory '$daemon_dir'";; esac

# A master.cf that still names smtpjail would leave Postfix without its
# smtp transport: refuse rather than break mail.
if [ -z "$dest" ] && [ -f "$config_dir/master.cf" ] &&
    grep -Eq '^[^#[:space:]].*[[:space:]]smtpjail([[:space:]]|$)' \
    "$config_dir/master.cf"; then
	die "$config_dir/master.cf still runs smtpjail: put 'smtp' back in" \
	    "its command column and 'postfix reload' first"
fi

state=$dest$statedir/make-install.created
if [ ! -f "$state" ]; then
	target=$dest$daemon_dir/smtpjail
	if [ -e "$target" ]; then
		rm -f "$target" || die "cannot remove $target"
		echo "uninstall: removed $target"
	else
		echo "uninstall: $target was not installed"
	fi
	echo "uninstall: no record of what make install created ($state):" \
	    "sandbox directory and user left alone"
	echo "uninstall: done; your Postfix configuration was not changed."
	exit 0
fi

keep=0
# files first, then users, then directories deepest first
while read -r kind name; do
	[ "$kind" = file ] || continue
	case $name in /*) ;; *) continue;; esac
	if [ -e "$dest$name" ] || [ -L "$dest$name" ]; then
		rm -f "$dest$name" && echo "uninstall: removed $dest$name" ||
		    keep=1
	fi
done < "$state"
while read -r kind name; do
	[ "$kind" = user ] || continue
	if [ -n "$dest" ]; then
		continue
	elif ! id "$name" > /dev/null 2>&1; then
		echo "uninstall: user $name is already gone"
	elif [ "$(id -u "$name")" -eq 0 ]; then
		echo "uninstall: $name has uid 0: left alone"
		keep=1
	elif pgrep -u "$name" > /dev/null 2>&1; then
		echo "uninstall: processes still run as $name: user left" \
		    "(stop Postfix's smtpjail processes, then run again)"
		keep=1
	elif userdel "$name" 2>/dev/null; then
		# userdel also removes the user's own group
		echo "uninstall: removed user $name (created by make install)"
	else
		echo "uninstall: userdel $name failed"
		keep=1
	fi
done < "$state"
if [ "$keep" -eq 0 ]; then
	dirs=$(sed -n 's/^dir \(\/.*\)/\1/p' "$state" | sort -r)
	rm -f "$state"
	for d in $dirs; do
		[ -d "$dest$d" ] && [ ! -L "$dest$d" ] || continue
		if rmdir "$dest$d" 2>/dev/null; then
			echo "uninstall: removed $dest$d"
		else
			echo "uninstall: $dest$d is not empty: left alone"
		fi
	done
else
	echo "uninstall: kept $state (something above was left); run again"
fi
echo "uninstall: done; your Postfix configuration was not changed."
