#!/bin/sh
# Start-up checks of the real binary: bad options, bad parameters, bad
# sandbox directories and users each end in a clear fatal error naming
# what is wrong; settings smtpjail does not honour and serving as root
# are refused (and reported by --config-check); --sandbox-check passes
# on the live process pair.
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
top=${SJ_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top/tests/sandbox/sandbox_user.sh"
sj_test_user_make || exit 1
sbu=$SJ_SANDBOX_USER
tmp=$(mktemp -d /tmp/sj-startup.XXXXXX)
# probe users and groups made below (names carry the PID)
pu=sjp$$
made_legacy=	# the user "smtpjail" if this script made it
cleanup() {
	userdel "$pu" >/dev/null 2>&1
	userdel "${pu}b" >/dev/null 2>&1
	[ -z "$made_legacy" ] || userdel "$made_legacy" >/dev/null 2>&1
	rm -rf "$tmp"
	sj_test_user_drop
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$tmp/etc" "$tmp/queue" "$tmp/empty"
chmod 755 "$tmp" "$tmp/empty"

maincf() {	# extra main.cf lines on stdin
	{
		echo "queue_directory = $tmp/queue"
		echo "mail_owner = postfix"
		echo "myhostname = startup.example"
		echo "smtpjail_sandbox_directory = $tmp/empty"
		echo "smtpjail_sandbox_user = $sbu"
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

maincf <<EOF2
smtpjail_egress_allow = 10.0.0.0/8, mailhub.example
EOF2
expect "egress allow list with a name refused" \
    "smtpjail_egress_allow: \"mailhub.example\" is not a numeric" \
    "$bin" -t unix -S
maincf </dev/null
expect "smtp_bind_address not numeric refused" "smtp_bind_address" \
    "$bin" -t unix -o smtp_bind_address=mail.example -S
expect "smtp_bind_address_enforce not boolean refused" \
    "smtp_bind_address_enforce" \
    "$bin" -t unix -o smtp_bind_address_enforce=perhaps -S

maincf </dev/null
touch "$tmp/empty/intruder"
expect "sandbox directory not empty" "not empty" "$bin" -t unix -S
rm -f "$tmp/empty/intruder"
chmod 775 "$tmp/empty"
expect "group-writable sandbox directory" "writable" "$bin" -t unix -S
chmod 755 "$tmp/empty"
expect "missing sandbox directory" "$tmp/nowhere" \
    "$bin" -t unix -o smtpjail_sandbox_directory=$tmp/nowhere -S

# Fail closed (parent/cfg_refuse.c): one fatal line per refused setting.
maincf </dev/null
expect "smtp_header_checks with a cidr: table refused" \
    'fatal: smtp_header_checks = cidr:/etc/postfix/header_checks is not supported by smtpjail: cidr:/etc/postfix/header_checks: content checks read regexp: and pcre: tables only (see README "Parameters")' \
    "$bin" -t unix -u -o smtp_header_checks=cidr:/etc/postfix/header_checks -S
expect "smtp_body_checks with a missing regexp: table refused" \
    "fatal: open regexp:$tmp/nowhere: No such file or directory" \
    "$bin" -t unix -u -o smtp_body_checks=regexp:$tmp/nowhere -S
expect "smtp_body_checks with a missing pcre: table refused" \
    "fatal: open pcre:$tmp/nowhere: No such file or directory" \
    "$bin" -t unix -u -o smtp_body_checks=pcre:$tmp/nowhere -S
printf '/^a/ IGNORE\n/^b/iq IGNORE\n' > "$tmp/pcre_flags"
expect "a pcre: flag Postfix does not know refused with its line" \
    "fatal: pcre map $tmp/pcre_flags, line 2: unknown regexp option \"q\" is not supported by smtpjail" \
    "$bin" -t unix -u -o smtp_mime_header_checks=pcre:$tmp/pcre_flags -S
printf '/^a/ IGNORE\n' > "$tmp/pcre_ok"
expect "a pcre: table accepted (stops later, at root)" \
    "refusing to serve as root" \
    "$bin" -t unix -o smtp_body_checks=pcre:$tmp/pcre_ok -S
rm -f "$tmp/pcre_flags" "$tmp/pcre_ok"
out=$(printf 'tcp_windowsize = 65536\n' | maincf;
    MAIL_CONFIG=$tmp/etc "$bin" -t unix -u -o smtp_send_xforward_command=yes \
    -o smtpjail_sandbox_dir=/x -S </dev/null 2>&1)
if [ "$(printf '%s\n' "$out" | grep -c 'fatal: ')" -eq 3 ] &&
    printf '%s\n' "$out" | grep -q 'fatal: tcp_windowsize = 65536 is not supported' &&
    printf '%s\n' "$out" | grep -q 'fatal: smtp_send_xforward_command = yes is not supported' &&
    printf '%s\n' "$out" | grep -q 'fatal: unknown parameter smtpjail_sandbox_dir: .*did you mean smtpjail_sandbox_directory?'; then
	echo "ok - every refusal logged, one fatal line each"
else
	echo "not ok - refusals: $out"
fi
maincf </dev/null
expect "smtp_sasl_password_maps accepted while SASL is off (stops later, at root)" \
    "refusing to serve as root" \
    "$bin" -t unix -o smtp_sasl_auth_enable=no \
    -o smtp_sasl_password_maps=hash:/etc/postfix/sasl_passwd -S
expect "serving as root refused (no -u)" \
    'refusing to serve as root: .*unprivileged column.*postfix reload' \
    "$bin" -t unix -n smtp -S

# --config-check: the same verdicts, nothing started.
maincf </dev/null
out=$(MAIL_CONFIG=$tmp/etc "$bin" --config-check 2>&1)
rc=$?
if [ "$rc" -eq 0 ] && printf '%s\n' "$out" | tail -1 |
    grep -qx 'config-check: ok' && ! printf '%s\n' "$out" | grep -q fatal; then
	echo "ok - --config-check passes a clean main.cf"
else
	echo "not ok - --config-check on a clean main.cf (exit $rc): $out"
fi
printf 'smtp_body_checks = cidr:/etc/postfix/body_checks\n' | maincf
printf 'smtp      unix  -       n       y       -       -       smtpjail\n' \
    > "$tmp/etc/master.cf"
out=$(MAIL_CONFIG=$tmp/etc "$bin" --config-check 2>&1)
rc=$?
if [ "$rc" -eq 1 ] &&
    printf '%s\n' "$out" | grep -qx 'config-check: smtp_body_checks = cidr:/etc/postfix/body_checks is not supported by smtpjail: cidr:/etc/postfix/body_checks: content checks read regexp: and pcre: tables only (see README "Parameters")' &&
    printf '%s\n' "$out" | grep -q '^config-check: .*master.cf, line 1: service smtp/unix runs smtpjail as root' &&
    printf '%s\n' "$out" | tail -1 | grep -qx 'config-check: FAILED (2 settings smtpjail refuses)'; then
	echo "ok - --config-check refuses smtp_body_checks and a root master.cf line"
else
	echo "not ok - --config-check with refusals (exit $rc): $out"
fi
rm -f "$tmp/etc/master.cf"
maincf </dev/null

out=$(MAIL_CONFIG=$tmp/etc "$bin" --sandbox-check 2>&1)
rc=$?
if [ "$rc" -eq 0 ] && printf '%s\n' "$out" | tail -1 |
    grep -qx 'sandbox-check: ok'; then
	echo "ok - --sandbox-check on a live child and the spawner"
else
	echo "not ok - --sandbox-check (exit $rc): $out"
fi
for prop in "uid $(id -u "$sbu")" "CapEff 0000000000000000" "CapBnd 0000000000000000" \
    "NoNewPrivs 1" "Seccomp 2" "root $tmp/empty" "RLIMIT_NPROC 0/0" \
    "spawner-CapEff 00000000000400e0" "spawner-CapBnd 0000000000000000" \
    "spawner-CapInh 0000000000000000" "spawner-NoNewPrivs 1" \
    "spawner-Seccomp 2" "spawner-root $tmp/empty"; do
	if printf '%s\n' "$out" | grep -q "^sandbox-check: $prop.* ok"; then
		echo "ok - sandbox-check reports $prop"
	else
		echo "not ok - sandbox-check does not report $prop ok"
	fi
done
# Each allowed call with its conditions, and the egress policy (an
# administrator diffs this after an upgrade).
for line in "child allows: read" \
    "child allows: sendto if arg3 == 0x4000 && arg4 == 0 && arg5 == 0" \
    "child allows: sendmsg if arg0 == 0x3 && arg2 == 0x4000" \
    "child allows: recvmsg if arg0 == 0x3 && arg2 == 0x40000000" \
    "child allows: getsockopt if arg1 == 0x1 && arg2 == 0x4" \
    "child allows: setsockopt if arg1 == 0x6 && arg2 == 0xc" \
    "egress: SMTP only to the ports a delivery's destinations name (smtp_tcp_port 25 by default)" \
    "egress: DNS (UDP, TCP) to name server 127.0.0.1:53"; do
	if printf '%s\n' "$out" | grep -qxF "$line"; then
		echo "ok - sandbox-check prints \"$line\""
	else
		echo "not ok - sandbox-check does not print \"$line\""
	fi
done
# (rt_sigreturn stays in an ASan build's filter, for the runtime: that
# build's list has its "madvise" row.)
calls="socket connect writev fcntl getsockname"
printf '%s\n' "$out" | grep -q "^child allows: madvise" ||
    calls="$calls rt_sigreturn"
for call in $calls; do
	if printf '%s\n' "$out" | grep -q "^child allows: $call\b"; then
		echo "not ok - sandbox-check lists $call as allowed"
	else
		echo "ok - sandbox-check does not allow $call"
	fi
done
# setsockopt: IPPROTO_TCP/TCP_QUICKACK (smtp_ack), and nothing else.
n=$(printf '%s\n' "$out" | grep -c "^child allows: setsockopt")
if [ "$n" -eq 1 ]; then
	echo "ok - sandbox-check allows one setsockopt form"
else
	echo "not ok - sandbox-check allows $n setsockopt forms"
fi
# TLS: the SSL_CTX and every certificate under smtp_tls_CApath are
# loaded before the lock-down; the jail opens nothing.
mkdir -p "$tmp/capath"
cp /etc/ssl/certs/ca-certificates.crt "$tmp/capath/00000000.0" 2>/dev/null ||
    : > "$tmp/capath/00000000.0"
out=$(MAIL_CONFIG=$tmp/etc "$bin" -o smtp_tls_security_level=secure \
    -o smtp_tls_CApath=$tmp/capath --sandbox-check 2>&1)
rc=$?
if [ "$rc" -eq 0 ] && printf '%s\n' "$out" | tail -1 |
    grep -qx 'sandbox-check: ok'; then
	echo "ok - --sandbox-check with TLS (secure, smtp_tls_CApath)"
else
	echo "not ok - --sandbox-check with TLS (exit $rc): $out"
fi
# dnssec_probe (default ns:.) is honoured with DNSSEC lookups; a value
# Postfix cannot parse stops it with Postfix's text (src/dns/dns_sec.c).
out=$(MAIL_CONFIG=$tmp/etc "$bin" -o smtp_dns_support_level=dnssec \
    --sandbox-check 2>&1)
rc=$?
if [ "$rc" -eq 0 ] && printf '%s\n' "$out" | tail -1 |
    grep -qx 'sandbox-check: ok'; then
	echo "ok - --sandbox-check with DNSSEC and the default dnssec_probe"
else
	echo "not ok - --sandbox-check with DNSSEC (exit $rc): $out"
fi
expect "dnssec_probe with an unknown type stops it" \
    "malformed dnssec_probe value: bogus:. format is qtype:qname" \
    "$bin" -t unix -o smtp_dns_support_level=dnssec \
    -o dnssec_probe=bogus:. -S
expect "dnssec_probe without a name stops it" \
    "malformed dnssec_probe value: ns: format is qtype:qname" \
    "$bin" -t unix -o smtp_dns_support_level=dnssec -o dnssec_probe=ns: -S
# smtp_tls_force_insecure_host_tlsa_lookup is honoured (dane_server.c).
out=$(MAIL_CONFIG=$tmp/etc "$bin" -o smtp_dns_support_level=dnssec \
    -o smtp_tls_security_level=dane \
    -o smtp_tls_force_insecure_host_tlsa_lookup=yes --sandbox-check 2>&1)
rc=$?
if [ "$rc" -eq 0 ] && printf '%s\n' "$out" | tail -1 |
    grep -qx 'sandbox-check: ok'; then
	echo "ok - --sandbox-check with smtp_tls_force_insecure_host_tlsa_lookup"
else
	echo "not ok - --sandbox-check with forced TLSA lookups (exit $rc): $out"
fi
# smtp_tls_policy_maps is read per job (parent/tls_policy.c); a table
# type smtpjail cannot open, and smtp_fallback_relay with it, stop it.
expect "smtp_tls_policy_maps = dbm: refused" "dbm:" \
    "$bin" -t unix -u -o smtp_tls_policy_maps=dbm:/x -S
expect "smtp_fallback_relay with smtp_tls_policy_maps refused" \
    "smtp_fallback_relay with smtp_tls_policy_maps is not implemented" \
    "$bin" -t unix -u -o smtp_tls_policy_maps=texthash:/x \
    -o 'smtp_fallback_relay=[192.0.2.1]' -S
expect "missing smtp_tls_CAfile" "smtp_tls_CAfile=$tmp/nope" \
    "$bin" -t unix -u -o smtp_tls_security_level=may \
    -o smtp_tls_CAfile=$tmp/nope -S
expect "fingerprint level without fingerprints" "no fingerprints" \
    "$bin" -t unix -o smtp_tls_security_level=fingerprint -S
# smtp_tls_trust_anchor_file is read at start (parent/tls_tafile.c): a
# file it cannot use stops it, with the reason; a usable one passes the
# sandbox check (nothing is read after the lock-down).
expect "missing smtp_tls_trust_anchor_file" \
    "smtp_tls_trust_anchor_file: error opening trust anchor file: $tmp/nota.pem" \
    "$bin" -t unix -u -o smtp_tls_security_level=verify \
    -o smtp_tls_trust_anchor_file=$tmp/nota.pem -S
printf 'not a certificate\n' > "$tmp/garbage.pem"
expect "smtp_tls_trust_anchor_file without an anchor" \
    "no certificate or public key found" \
    "$bin" -t unix -u -o smtp_tls_security_level=verify \
    -o smtp_tls_trust_anchor_file=$tmp/garbage.pem -S
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$tmp/ta.key" -out "$tmp/ta.pem" -subj /CN=ta -days 1 \
    2>/dev/null
out=$(MAIL_CONFIG=$tmp/etc "$bin" -o smtp_tls_security_level=verify \
    -o smtp_tls_trust_anchor_file=$tmp/ta.pem --sandbox-check 2>&1)
rc=$?
if [ "$rc" -eq 0 ] && printf '%s\n' "$out" | tail -1 |
    grep -qx 'sandbox-check: ok'; then
	echo "ok - --sandbox-check with smtp_tls_trust_anchor_file"
else
	echo "not ok - --sandbox-check with a trust anchor file (exit $rc): $out"
fi
chmod 777 "$tmp/empty"
out=$(MAIL_CONFIG=$tmp/etc "$bin" --sandbox-check 2>&1)
rc=$?
if [ "$rc" -ne 0 ] && printf '%s\n' "$out" | grep -q 'sandbox-check: FAILED'; then
	echo "ok - --sandbox-check fails on a world-writable sandbox directory"
else
	echo "not ok - --sandbox-check with a bad directory (exit $rc): $out"
fi

chmod 755 "$tmp/empty"

# --sandbox-check: its own verdict for a configuration error, and no
# "ok" when the filter only traps (smtpjail_seccomp_debug = yes).
out=$(MAIL_CONFIG=$tmp/etc "$bin" --sandbox-check \
    -o smtp_connect_timeout=abc 2>&1)
rc=$?
if [ "$rc" -ne 0 ] && printf '%s\n' "$out" |
    grep -q '^sandbox-check: FAILED (.*smtp_connect_timeout' &&
    ! printf '%s\n' "$out" | grep -q 'fatal'; then
	echo "ok - --sandbox-check reports a configuration error as FAILED"
else
	echo "not ok - --sandbox-check with a bad parameter (exit $rc): $out"
fi
out=$(MAIL_CONFIG=$tmp/etc "$bin" -o smtpjail_seccomp_debug=yes \
    --sandbox-check 2>&1)
rc=$?
if [ "$rc" -ne 0 ] && printf '%s\n' "$out" | tail -1 |
    grep -q '^sandbox-check: FAILED (.*seccomp-action' &&
    printf '%s\n' "$out" | grep -q '^sandbox-check: seccomp-action trap.*FAILED'; then
	echo "ok - --sandbox-check fails in smtpjail_seccomp_debug mode"
else
	echo "not ok - --sandbox-check in debug mode (exit $rc): $out"
fi

# --help and --version
out=$("$bin" --help 2>&1)
rc=$?
if [ "$rc" -eq 0 ] && printf '%s\n' "$out" | grep -q '^usage: smtpjail' &&
    printf '%s\n' "$out" | grep -q -- '--sandbox-check'; then
	echo "ok - --help prints the usage"
else
	echo "not ok - --help (exit $rc): $out"
fi
out=$("$bin" --version 2>&1)
rc=$?
ipcv=$(sed -n 's/^#define IPC_VERSION[[:space:]]*\([0-9]*\).*/\1/p' \
    "$top/include/ipc_msg.h")
if [ "$rc" -eq 0 ] && printf '%s\n' "$out" | grep -q '^smtpjail [0-9]' &&
    printf '%s\n' "$out" | grep -qx "ipc version $ipcv" &&
    printf '%s\n' "$out" | grep -q '^c-ares [0-9]' &&
    printf '%s\n' "$out" | grep -q '^libseccomp [0-9]' &&
    printf '%s\n' "$out" | grep -q '^libpcre2-8 [0-9]' &&
    printf '%s\n' "$out" | grep -q '^openssl 3\.[0-9.]* (built with 3\.' &&
    ! printf '%s\n' "$out" | grep -q 'not linked'; then
	echo "ok - --version prints the versions"
else
	echo "not ok - --version (exit $rc): $out"
fi
expect "--help among daemon options is an invalid option" "invalid option" \
    "$bin" -t unix --help

# Identity (policy/sandbox_identity.c): the sandbox user must be
# dedicated. Each refusal is a clear fatal line naming the reason.
maincf <<EOF2
smtpjail_sandbox_user = nobody
EOF2
expect "sandbox user nobody refused" 'user "nobody".*overflow user' \
    "$bin" -t unix -S
mkusr() {	# name: a system user with its own group, home /nonexistent
	useradd --system --user-group --no-create-home --home-dir /nonexistent \
	    --shell /usr/sbin/nologin "$@" >/dev/null 2>&1
}
mkusr "$pu" || echo "not ok - cannot create probe user $pu"
maincf <<EOF2
smtpjail_sandbox_user = $pu
EOF2
out=$(MAIL_CONFIG=$tmp/etc "$bin" --sandbox-check 2>&1)
if printf '%s\n' "$out" | tail -1 | grep -qx 'sandbox-check: ok'; then
	echo "ok - a dedicated system user passes the identity check"
else
	echo "not ok - dedicated user $pu refused: $out"
fi
mkusr "${pu}b"
gpasswd -a "${pu}b" "$pu" >/dev/null 2>&1
expect "sandbox group with members refused" "has members (\"${pu}b\")" \
    "$bin" -t unix -S
userdel "${pu}b" >/dev/null 2>&1
useradd --system --no-create-home --home-dir /nonexistent \
    --shell /usr/sbin/nologin -g "$pu" "${pu}b" >/dev/null 2>&1
expect "another user's primary group refused" \
    "also the primary group of user \"${pu}b\"" "$bin" -t unix -S
userdel "${pu}b" >/dev/null 2>&1
usermod -g postfix "$pu" >/dev/null 2>&1
expect "mail_owner's group refused" "group ID of mail_owner" \
    "$bin" -t unix -S
usermod -g "$pu" "$pu" >/dev/null 2>&1
mkdir -p "$tmp/home"
chown "$pu" "$tmp/home"
usermod -d "$tmp/home" "$pu" >/dev/null 2>&1
expect "user owning its home refused" "owns $tmp/home" "$bin" -t unix -S
chown root "$tmp/home"
touch "$tmp/home/mine"
chown "$pu" "$tmp/home/mine"
expect "user owning a file in its home refused" "owns $tmp/home/mine" \
    "$bin" -t unix -S
usermod -d /nonexistent "$pu" >/dev/null 2>&1
chown "$pu" "$tmp"
expect "user owning the sandbox directory's parent refused" "owns $tmp;" \
    "$bin" -t unix -S
chown root "$tmp"
out=$(MAIL_CONFIG=$tmp/etc "$bin" --sandbox-check 2>&1)
if printf '%s\n' "$out" | tail -1 | grep -qx 'sandbox-check: ok'; then
	echo "ok - the same user passes again once it owns nothing"
else
	echo "not ok - $pu still refused: $out"
fi
# --sandbox-check reports an identity refusal in its own format
maincf <<EOF2
smtpjail_sandbox_user = nobody
EOF2
out=$(MAIL_CONFIG=$tmp/etc "$bin" --sandbox-check 2>&1)
if printf '%s\n' "$out" | grep -q '^sandbox-check: FAILED (.*nobody'; then
	echo "ok - --sandbox-check FAILED for the nobody user"
else
	echo "not ok - --sandbox-check with nobody: $out"
fi

# The default user "_smtpjail"; an install of a version before 0.9.0
# has only "smtpjail", which keeps working while "_smtpjail" is absent.
# The user "smtpjail" is made here when the host has neither (and
# removed again), so that the check does not depend on the host.
if ! id smtpjail >/dev/null 2>&1 && ! id _smtpjail >/dev/null 2>&1 &&
    mkusr smtpjail; then
	made_legacy=smtpjail
fi
if id smtpjail >/dev/null 2>&1 && ! id _smtpjail >/dev/null 2>&1; then
	grep -v smtpjail_sandbox_user "$tmp/etc/main.cf" > "$tmp/main.cf.new"
	mv "$tmp/main.cf.new" "$tmp/etc/main.cf"
	out=$(MAIL_CONFIG=$tmp/etc "$bin" --sandbox-check 2>&1)
	if printf '%s\n' "$out" | grep -q "^sandbox-check: uid $(id -u smtpjail)/.*ok" &&
	    printf '%s\n' "$out" | tail -1 | grep -qx 'sandbox-check: ok'; then
		echo "ok - the legacy default user smtpjail is used without _smtpjail"
	else
		echo "not ok - legacy user smtpjail not used: $out"
	fi
else
	echo "# skip legacy user check (the host has a user _smtpjail)"
fi
if [ -n "$made_legacy" ]; then
	userdel "$made_legacy" >/dev/null 2>&1 ||
	    echo "# could not remove the user $made_legacy"
	made_legacy=
fi
