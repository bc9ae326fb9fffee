#!/bin/bash
# make uninstall: reverses tests/e2e/install.sh. Removes
# $daemon_directory/smtpjail, the sandbox directory if it is empty, and the
# sandbox user if no process runs as it. Refuses while master.cf still runs
# smtpjail. Never edits main.cf or master.cf.
#   SMTPJAIL_SANDBOX_DIR, SMTPJAIL_USER, MAIL_CONFIG, DESTDIR as for install.
set -u
die() {
	echo "uninstall: $*" >&2
	exit 1
}
dest=${DESTDIR:-}
dest=${dest%/}
sandbox=${SMTPJAIL_SANDBOX_DIR:-/var/lib/smtpjail/empty}
user=${SMTPJAIL_USER:-smtpjail}
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

target=$dest$daemon_dir/smtpjail
if [ -e "$target" ]; then
	rm -f "$target" || die "cannot remove $target"
	echo "uninstall: removed $target"
else
	echo "uninstall: $target was not installed"
fi

sdir=$dest$sandbox
if [ -d "$sdir" ] && [ ! -L "$sdir" ]; then
	if [ -z "$(ls -A "$sdir")" ]; then
		rmdir "$sdir" && echo "uninstall: removed $sdir"
		rmdir "$(dirname "$sdir")" 2>/dev/null &&
		    echo "uninstall: removed $(dirname "$sdir")"
	else
		echo "uninstall: $sdir is not empty: left alone"
	fi
fi

if [ -z "$dest" ] && id "$user" > /dev/null 2>&1; then
	if [ "$(id -u "$user")" -eq 0 ]; then
		echo "uninstall: $user has uid 0: left alone"
	elif pgrep -u "$user" > /dev/null 2>&1; then
		echo "uninstall: processes still run as $user: user left" \
		    "(stop Postfix's smtpjail processes, then run again)"
	else
		userdel "$user" && echo "uninstall: removed user $user"
	fi
fi
echo "uninstall: done; your Postfix configuration was not changed."
