#!/bin/sh
# Start-up checks of the real binary: bad options, bad parameters, bad
# sandbox directories and users each end in a clear fatal error naming
# what is wrong; --sandbox-check passes on the live process pair.
# Needs root (the sandbox is built as master(8) would build it).
set -u
bin=${SJ_BUILD:-build}/smtpjail
if [ "$(id -u)" -ne 0 ]; then
	echo "not ok - t_startup needs root"
	exit 1
fi
if ! id postfix >/dev/null 2>&1; then
	echo "not ok - t_startup needs the postfix user (make deps)"
	exit 1
fi
tmp=$(mktemp -d /tmp/sj-startup.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir -p "$tmp/etc" "$tmp/queue" "$tmp/empty"
chmod 755 "$tmp" "$tmp/empty"

maincf() {	# extra main.cf lines on stdin
	{
		echo "queue_directory = $tmp/queue"
		echo "mail_owner = postfix"
		echo "myhostname = startup.example"
		echo "smtpjail_sandbox_directory = $tmp/empty"
		echo "smtpjail_sandbox_user = nobody"
		echo "smtpjail_resolv_conf = /dev/null"
		cat
	} > "$tmp/etc/main.cf"
}

# expect NAME PATTERN CMD...: CMD fails and says PATTERN on stderr.
expect() {
	name=$1 pat=$2
	shift 2
	out=$(MAIL_CONFIG=$tmp/etc "$@" </dev/null 2>&1)
	rc=$?
	if [ "$rc" -ne 0 ] && printf '%s\n' "$out" | grep -q -- "$pat"; then
		echo "ok - $name"
	else
		echo "not ok - $name (exit $rc, wanted /$pat/, got: $out)"
	fi
}

maincf </dev/null
expect "unknown option" "invalid option" "$bin" -t unix -x
expect "-o without =" "-o" "$bin" -t unix -o smtp_helo_name -S
expect "bad time value" "smtp_connect_timeout" \
    "$bin" -t unix -o smtp_connect_timeout=abc -S
expect "bad boolean" "smtp_skip_quit_response" \
    "$bin" -t unix -o smtp_skip_quit_response=maybe -S
expect "unknown notify_classes name" \
    "parameter notify_classes: unknown class \"protocols\"" \
    "$bin" -t unix -o "notify_classes=resource, protocols" -S
expect "unknown trailing argument" "bogus" "$bin" -t unix -S bogus
expect "not started by master" "master" "$bin" -t unix

maincf <<EOF2
smtpjail_sandbox_user = root
EOF2
expect "sandbox user root refused" "root" "$bin" -t unix -S

maincf <<EOF2
smtpjail_sandbox_user = postfix
EOF2
expect "sandbox user = mail_owner refused" "mail_owner" "$bin" -t unix -S

maincf <<EOF2
smtpjail_sandbox_user = no-such-user-sj
EOF2
expect "unknown sandbox user" "no-such-user-sj" "$bin" -t unix -S

maincf </dev/null
touch "$tmp/empty/intruder"
expect "sandbox directory not empty" "not empty" "$bin" -t unix -S
rm -f "$tmp/empty/intruder"
chmod 775 "$tmp/empty"
expect "group-writable sandbox directory" "writable" "$bin" -t unix -S
chmod 755 "$tmp/empty"
expect "missing sandbox directory" "$tmp/nowhere" \
    "$bin" -t unix -o smtpjail_sandbox_directory=$tmp/nowhere -S

out=$(MAIL_CONFIG=$tmp/etc "$bin" --sandbox-check 2>&1)
rc=$?
if [ "$rc" -eq 0 ] && printf '%s\n' "$out" | tail -1 |
    grep -qx 'sandbox-check: ok'; then
	echo "ok - --sandbox-check on the live pair"
else
	echo "not ok - --sandbox-check (exit $rc): $out"
fi
for prop in "uid 65534" "CapEff 0000000000000000" "CapBnd 0000000000000000" \
    "NoNewPrivs 1" "Seccomp 2" "root $tmp/empty" "RLIMIT_NPROC 0/0"; do
	if printf '%s\n' "$out" | grep -q "^sandbox-check: $prop.* ok"; then
		echo "ok - sandbox-check reports $prop"
	else
		echo "not ok - sandbox-check does not report $prop ok"
	fi
done
chmod 777 "$tmp/empty"
out=$(MAIL_CONFIG=$tmp/etc "$bin" --sandbox-check 2>&1)
rc=$?
if [ "$rc" -ne 0 ] && printf '%s\n' "$out" | grep -q 'sandbox-check: FAILED'; then
	echo "ok - --sandbox-check fails on a world-writable sandbox directory"
else
	echo "not ok - --sandbox-check with a bad directory (exit $rc): $out"
fi
