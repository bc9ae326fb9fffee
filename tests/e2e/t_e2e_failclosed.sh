#!/bin/bash
# NAME
#	t_e2e_failclosed.sh - a refused setting defers the mail, then it goes out once
# SUMMARY
#	tests/e2e/t_e2e_failclosed.sh   (as root; prints ok / not ok lines)
# DESCRIPTION
#	A private Postfix 3.7 instance (tests/e2e/lib.sh) with smtpjail as
#	its smtp transport:
#
#	- the documented quiet set-up: without it, postconf -n warns
#	  "unused parameter: smtpjail_..." for the smtpjail_* settings of
#	  main.cf; with "-o smtpd_restriction_classes=NAMES" on the smtpjail
#	  line of master.cf, neither postconf -n nor postfix reload warns;
#	- with tcp_windowsize set in main.cf (smtpjail does not set the
#	  TCP window: the administrator's tuning would be lost), a queued
#	  message is neither sent nor bounced: smtpjail logs the fatal line
#	  closes qmgr's waiting connection unserved and exits; master(8)
#	  logs the failed start; qmgr(8) defers the mail ("mail transport
#	  unavailable") and keeps it;
#	- after the setting is removed, postfix reload and postqueue -f,
#	  the message is delivered, exactly once.
#
#	Without the smtpjail binary ($SJ_SMTPJAIL) the suite is skipped
#	(sj_jail_world).
# SEE ALSO
#	tests/e2e/lib.sh, parent/cfg_refuse.c, README.md "Parameters",
#	Postfix src/postconf/postconf_user.c
set -u
. "$(dirname "$0")/lib.sh"

T_TIMEOUT=${SJ_E2E_SETTLE:-90}
SENDER=s@sender.test
RCPT=u@fc.test
SJ_CHECK_PREFIX="failclosed: "
REFUSED=65536
FATAL="fatal: tcp_windowsize = $REFUSED is not supported by smtpjail (see README \"Parameters\")"

write_zone() {	# file
	printf '%s\n' 'mx-host=fc.test,mx.fc.test,10' \
	    'host-record=mx.fc.test,127.0.0.3' > "$1"
}
sj_jail_world t_e2e_failclosed failclosed write_zone postfix dnsmasq ip

# wait_log OFFSET SECONDS ERE: a line matching ERE logged since OFFSET
wait_log() {
	local i
	for i in $(seq 1 $(($2 * 10))); do
		log_since "$1" | grep -Eq -- "$3" && return 0
		sleep 0.1
	done
	return 1
}

sink_start fc 127.0.0.3 || sj_die "sink did not start"

# ------------------------------------------------ the quiet set-up

postconf_warnings() {
	postconf -c "$W_DIR/etc" -n 2>&1 > /dev/null
}
check "without the set-up, postconf -n warns about smtpjail_* settings" \
    eval 'postconf_warnings | grep -q "unused parameter: smtpjail_"'
names=$(sed -n 's/^\(smtpjail_[a-z_]*\) *=.*/\1/p' "$W_DIR/etc/main.cf" |
    paste -sd, -)
sed -i "s|^\(smtp      unix .* smtpjail\)\$|\1\n  -o smtpd_restriction_classes=$names|" \
    "$W_DIR/etc/master.cf"
check "the set-up is on the smtpjail line of master.cf" \
    eval 'postconf -c "$W_DIR/etc" -M smtp/unix |
        grep -q -- "smtpjail -o smtpd_restriction_classes=$names\$"'
check "with it, postconf -n prints no warning" \
    eval '[ -z "$(postconf_warnings)" ]'
check "postfix reload prints no unused parameter warning" \
    eval 'pf_reload && ! grep -E "unused parameter|undefined parameter" "$W_DIR/log/reload.out"'

# ------------------------------------------ refused: deferred, kept

# Quick retries, so the test does not wait out Postfix's 60s defaults.
pf_postconf "tcp_windowsize = $REFUSED" \
    'transport_retry_time = 2s' 'service_throttle_time = 2s' ||
    sj_die "postconf"
pf_reload || sj_die "postfix reload failed"
off=$(log_size)
mid=$(pf_send "$SENDER" "$RCPT") || sj_die "could not queue the message"
qid=$(pf_qid "$mid") || sj_die "no queue id for $mid"
check "smtpjail logs the refusal as fatal, with the README pointer" \
    wait_log "$off" 60 "postfix/smtp\[[0-9]+\]: fatal: tcp_windowsize = 65536 is not supported by smtpjail \(see README \"Parameters\"\)\$"
check "master logs the failed start" \
    wait_log "$off" 30 "postfix/master\[[0-9]+\]: warning: process .*/smtpjail pid [0-9]+ exit status 1"
check "qmgr defers the message (mail transport unavailable)" \
    wait_log "$off" 60 "$qid: to=<$RCPT>, relay=none, .*dsn=4\.3\.0, status=deferred \\(mail transport unavailable\\)"
log_since "$off" | grep -E "$qid: to=<$RCPT>, .*status=deferred" | head -n 1 |
    sed 's/^/# /'
check "the message stays queued" pf_in_queue "$qid"
check "in the deferred queue" \
    eval '[ -n "$(find "$W_DIR/spool/deferred" -type f -name "$qid")" ]'
check "nothing was sent" eval '[ "$(sink_count fc)" -eq 0 ]'
check "nothing was bounced" \
    eval '! log_since "$off" | grep -E "status=bounced|sender non-delivery notification"'
check "no smtpjail process serves with the refused setting" \
    eval '! log_since "$off" | grep -E "$qid: to=<$RCPT>, relay=mx\.fc\.test"'

# ------------------------------------- removed: delivered exactly once

off2=$(log_size)
postconf -c "$W_DIR/etc" -X tcp_windowsize || sj_die "postconf -X"
check "postfix reload after removing the setting" pf_reload
pf_flush
check "the message is delivered after postqueue -f" \
    wait_log "$off2" "$T_TIMEOUT" "$qid: to=<$RCPT>, relay=mx\.fc\.test\[127\.0\.0\.3\]:25, .*status=sent"
check "queue settles" pf_wait_settled "$T_TIMEOUT"
check "the message left the queue" eval '! pf_in_queue "$qid"'
sleep 2
check "the sink received it exactly once" \
    eval '[ "$(sink_count fc)" -eq 1 ] && sink_has fc "$mid"'
check "one status=sent line for it" \
    eval '[ "$(log_since "$off" | grep -cE "$qid: to=<$RCPT>, .*status=sent")" -eq 1 ]'
check "no fatal line after the removal" \
    eval '! log_since "$off2" | grep -F "$FATAL"'

# --------------- any other fatal error at start: deferred just as fast

# parent/cfg_tls.c refuses an unreadable CAfile while the configuration
# is read, before the refusal table: the start-up exit hook takes qmgr's
# connection all the same (without it qmgr would wait $daemon_timeout).
off3=$(log_size)
pf_postconf 'smtp_tls_security_level = secure' \
    'smtp_tls_CAfile = /nonexistent/sj-ca.pem' || sj_die "postconf"
pf_reload || sj_die "postfix reload failed"
mid2=$(pf_send "$SENDER" "$RCPT") || sj_die "could not queue the message"
qid2=$(pf_qid "$mid2") || sj_die "no queue id for $mid2"
check "a bad CAfile is fatal at start" \
    wait_log "$off3" 60 "postfix/smtp\[[0-9]+\]: fatal: .*smtp_tls_CAfile"
check "qmgr defers that message at once (mail transport unavailable)" \
    wait_log "$off3" 60 "$qid2: to=<$RCPT>, relay=none, .*dsn=4\.3\.0, status=deferred \\(mail transport unavailable\\)"
check "it stays queued, nothing more was sent" \
    eval 'pf_in_queue "$qid2" && [ "$(sink_count fc)" -eq 1 ]'
postconf -c "$W_DIR/etc" -X smtp_tls_security_level smtp_tls_CAfile ||
    sj_die "postconf -X"
pf_reload || sj_die "postfix reload failed"
pf_flush
check "after the fix it is delivered" \
    wait_log "$off3" "$T_TIMEOUT" "$qid2: to=<$RCPT>, relay=mx\.fc\.test\[127\.0\.0\.3\]:25, .*status=sent"

world_down
check_summary
