#!/bin/bash
# NAME
#	t_e2e_reuse.sh - smtpjail's connection reuse against a real Postfix
# SUMMARY
#	tests/e2e/t_e2e_reuse.sh        (as root; prints ok / not ok lines)
# DESCRIPTION
#	A private Postfix instance (tests/e2e/lib.sh) with smtpjail as its
#	smtp transport (destination concurrency 1, so that qmgr sees
#	back-to-back deliveries and sets CONN_LOAD/CONN_STORE, as it does
#	for any busy destination) and a second smtpd of the same instance
#	on 127.0.0.10 (mx.ru.test) that discards what it accepts. Ten
#	messages to ru.test are parked in the hold queue by a header_checks
#	HOLD rule, then released at once. Checks:
#
#	- every message is sent by smtpjail;
#	- at least one status line says conn_use=2 (the second use of a
#	  connection), as stock smtp(8) logs it;
#	- the receiver saw fewer sessions than messages, and RSET between
#	  the messages of a session;
#	- once the queue is empty, every receiver session ends (the child
#	  closes the idle session after smtp_connection_cache_time_limit,
#	  with QUIT);
#	- with smtp_connection_cache_on_demand = no: one session per message
#	  and no conn_use.
#
#	Without the smtpjail binary ($SJ_SMTPJAIL, default build/smtpjail)
#	the suite is skipped (sj_jail_world).
# SEE ALSO
#	tests/e2e/lib.sh, child/conn_cache.c, Postfix src/smtp/smtp_reuse.c
set -u
. "$(dirname "$0")/lib.sh"

T_TIMEOUT=${SJ_E2E_SETTLE:-90}
SENDER=s@sender.test
SJ_CHECK_PREFIX="reuse: "
N=10

write_zone() {	# file
	printf '%s\n' 'mx-host=ru.test,mx.ru.test,10' \
	    'host-record=mx.ru.test,127.0.0.10' > "$1"
}
sj_jail_world t_e2e_reuse reuse write_zone postfix dnsmasq ip

pf_master_add "127.0.0.10:25 inet n - n - - smtpd" \
    "  -o syslog_name=postfix/receiver" \
    "  -o myhostname=rcpt.sink.test" \
    "  -o content_filter=discard:" \
    "  -o smtpd_recipient_restrictions=permit_mynetworks,reject"
echo '/^Subject: sjreuse/ HOLD' > "$W_DIR/etc/header_checks"
pf_postconf "header_checks = regexp:$W_DIR/etc/header_checks" \
    'smtp_destination_concurrency_limit = 1' || sj_die "postconf"
pf_reload || sj_die "postfix reload failed"

# smtpjail's status lines "sent" for ru.test since OFFSET
sent_lines() {	# offset
	log_since "$1" |
	    grep -E 'postfix/smtp\[[0-9]+\]: [0-9A-F]+: to=<u[0-9]+@ru\.test>, relay=mx\.ru\.test\[127\.0\.0\.10\]:25, .*status=sent '
}

# wait until postlogd wrote all N status lines
wait_sent() {	# offset
	local i
	for i in $(seq 1 100); do
		[ "$(sent_lines "$1" | wc -l)" -ge "$N" ] && return 0
		sleep 0.1
	done
	return 1
}

# ------------------------------------------------------------- on demand

off=$(log_size)
pf_burst "$N" "$SENDER" ru.test "sjreuse cached" ||
    sj_die "could not queue the burst"
check "on demand: queue settles" pf_wait_settled "$T_TIMEOUT"
check "on demand: all $N messages sent by smtpjail" wait_sent "$off"
check "on demand: at least one status line with conn_use=2" \
    eval 'sent_lines "$off" | grep -q ", conn_use=2, delay="'
s=$(rcv_sessions "$off" postfix/receiver)
sj_note "on demand: $s receiver sessions for $N messages;" \
    "conn_use lines: $(sent_lines "$off" | grep -c conn_use=)"
check "on demand: fewer receiver sessions than messages" \
    eval '[ "$s" -ge 1 ] && [ "$s" -lt "$N" ]'
check "on demand: every idle session is closed, with QUIT" \
    eval 'rcv_wait_ended "$off" postfix/receiver 30 &&
        ! log_since "$off" | grep -E "postfix/receiver/smtpd\[[0-9]+\]: disconnect from" |
        grep -v " quit=1 " | grep -q .'
# (smtpd logs its command counts when the session ends)
check "on demand: the receiver saw RSET between messages of a session" \
    eval 'log_since "$off" | grep -E "postfix/receiver/smtpd\[[0-9]+\]: disconnect from .* mail=([2-9]|[1-9][0-9]+) .*rset=[1-9]" > /dev/null'
check "on demand: no warning from smtpjail" \
    eval '! log_since "$off" | grep -E "postfix/smtp\[[0-9]+\]: warning"'

# ------------------------------------------------------------ cache off

pf_postconf 'smtp_connection_cache_on_demand = no' && pf_reload ||
    sj_die "postconf smtp_connection_cache_on_demand"
off=$(log_size)
pf_burst "$N" "$SENDER" ru.test "sjreuse uncached" ||
    sj_die "could not queue the burst"
check "on demand off: queue settles" pf_wait_settled "$T_TIMEOUT"
check "on demand off: all $N messages sent" wait_sent "$off"
check "on demand off: no conn_use" \
    eval '! sent_lines "$off" | grep -q conn_use='
check "on demand off: one receiver session per message" \
    eval 'rcv_wait_ended "$off" postfix/receiver 30 &&
        [ "$(rcv_sessions "$off" postfix/receiver)" -eq "$N" ]'

world_down
check_summary
