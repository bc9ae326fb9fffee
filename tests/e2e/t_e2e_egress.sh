#!/bin/bash
# NAME
#	t_e2e_egress.sh - smtpjail's egress policy against a real Postfix
# SUMMARY
#	tests/e2e/t_e2e_egress.sh        (as root; prints ok / not ok lines)
# DESCRIPTION
#	A private Postfix instance (tests/e2e/lib.sh) with smtpjail as its
#	smtp transport, this time WITHOUT smtpjail_egress_allow: its world
#	lives on loopback addresses, which the egress policy refuses unless
#	the configuration names them literally. A second smtpd of the same
#	instance on 127.0.0.10 accepts and discards. Checks:
#
#	- a transport_maps entry "smtp:[127.0.0.10]:25" (a literal, as a
#	  content filter's "[127.0.0.1]:10025" is) delivers;
#	- the same server reached through DNS (MX mx.lo.test -> 127.0.0.10)
#	  is refused by the parent: the message is deferred as for a failed
#	  connection ("connect to mx.lo.test[127.0.0.10]:25: Permission
#	  denied"), the refusal is logged with its reason, the receiver sees
#	  no session for it, and nothing is lost (still queued);
#	- smtp_bind_address: the receiver sees the connection come from it.
#
#	Without the smtpjail binary ($SJ_SMTPJAIL, default build/smtpjail)
#	the suite is skipped (sj_jail_world).
# SEE ALSO
#	tests/e2e/lib.sh, policy/egress.c, parent/broker.c, SECURITY.md
set -u
. "$(dirname "$0")/lib.sh"

T_TIMEOUT=${SJ_E2E_SETTLE:-90}
SENDER=s@sender.test
SJ_CHECK_PREFIX="egress: "

write_zone() {	# file
	printf '%s\n' 'mx-host=lo.test,mx.lo.test,10' \
	    'host-record=mx.lo.test,127.0.0.10' > "$1"
}
sj_jail_world t_e2e_egress egress write_zone postfix dnsmasq ip

pf_master_add "127.0.0.10:25 inet n - n - - smtpd" \
    "  -o syslog_name=postfix/receiver" \
    "  -o myhostname=rcpt.sink.test" \
    "  -o content_filter=discard:" \
    "  -o smtpd_recipient_restrictions=permit_mynetworks,reject"
printf 'lit.test\tsmtp:[127.0.0.10]:25\n' > "$W_DIR/etc/transport"
pf_postconf 'smtpjail_egress_allow =' 'smtp_bind_address = 127.0.0.11' ||
    sj_die "postconf"
pf_reload || sj_die "postfix reload failed"

wait_log() {	# offset pattern
	local i
	for i in $(seq 1 300); do
		log_since "$1" | grep -qE "$2" && return 0
		sleep 0.1
	done
	return 1
}

sessions() {	# offset
	log_since "$1" | grep -c 'postfix/receiver/smtpd\[[0-9]*\]: connect from'
}

# ------------------------------------------------------- literal: allowed

off=$(log_size)
mid=$(pf_send "$SENDER" u1@lit.test) || sj_die "could not send"
check "literal [127.0.0.10]:25 in transport_maps: sent" \
    wait_log "$off" 'postfix/smtp\[[0-9]+\]: [0-9A-F]+: to=<u1@lit\.test>, relay=127\.0\.0\.10\[127\.0\.0\.10\]:25, .*status=sent '
check "literal: the receiver saw the connection from smtp_bind_address" \
    wait_log "$off" 'postfix/receiver/smtpd\[[0-9]+\]: connect from [^[]*\[127\.0\.0\.11\]'

# -------------------------------------------- loopback through DNS: refused

off=$(log_size)
mid=$(pf_send "$SENDER" u2@lo.test) || sj_die "could not send"
qid=$(pf_qid "$mid")
check "MX to 127.0.0.10 via DNS: refused by the parent, reason logged" \
    wait_log "$off" "postfix/smtp\[[0-9]+\]: warning: $qid: sandboxed child's connection request refused: SMTP to 127\.0\.0\.10:25: a loopback address, not named literally"
check "MX to 127.0.0.10 via DNS: deferred as a failed connection" \
    wait_log "$off" "postfix/smtp\[[0-9]+\]: $qid: to=<u2@lo\.test>, relay=none, .*dsn=4\.4\.1, status=deferred \(connect to mx\.lo\.test\[127\.0\.0\.10\]:25: Permission denied\)"
check "MX to 127.0.0.10 via DNS: the receiver saw no session" \
    eval '[ "$(sessions "$off")" -eq 0 ]'
check "MX to 127.0.0.10 via DNS: the message is still queued" \
    pf_in_queue "$qid"

world_down
check_summary
