#!/bin/bash
# NAME
#	t_e2e_tlsreuse.sh - smtp_tls_connection_reuse against a real Postfix
# SUMMARY
#	tests/e2e/t_e2e_tlsreuse.sh        (as root; prints ok / not ok lines)
# DESCRIPTION
#	A private Postfix instance (tests/e2e/lib.sh) with a TLS receiver
#	(smtpd on 127.0.0.10, mx.tr.test, a certificate of the test CA,
#	smtpd_tls_loglevel = 1, content discarded) and two sending
#	transports at destination concurrency 1 (so that qmgr sees
#	back-to-back deliveries and sets CONN_LOAD/CONN_STORE): jr, smtpjail
#	for tr.test, and sr, stock smtp(8) for ts.test (same MX), which
#	keeps its TLS connections in tlsproxy(8). Both run with
#	smtp_tls_connection_reuse = yes, smtp_tls_loglevel = 1 and the test
#	CA. A burst of messages is parked in the hold queue by a
#	header_checks HOLD rule, then released at once. Checks:
#
#	- at "encrypt": every message sent by smtpjail; at least one
#	  "Trusted TLS connection reused to mx.tr.test[127.0.0.10]:25"
#	  line and a status line with conn_use=2; the receiver saw fewer
#	  sessions than messages, each with TLS, and as many as smtpjail
#	  logged "established"; every idle session ends with QUIT (sent as
#	  a TLS record: the receiver counts it; with
#	  smtp_connection_cache_destinations = tr.test the last session
#	  stays in the child's cache until smtp_connection_cache_time_limit
#	  and is closed from there);
#	- the same burst through stock smtp(8): its "reused" lines are
#	  smtpjail's, word for word;
#	- at "verify" (the certificate matched against the hostname):
#	  "Verified TLS connection reused";
#	- an smtp_tls_policy_maps entry "encrypt connection_reuse=no" wins
#	  over main.cf: one TLS session per message, no "reused";
#	- without smtp_tls_connection_reuse (Postfix's default): one
#	  session per message;
#	- no warning from smtpjail throughout.
#
#	Without the smtpjail binary ($SJ_SMTPJAIL, default build/smtpjail)
#	the suite is skipped (sj_jail_world).
# SEE ALSO
#	tests/e2e/lib.sh, tests/e2e/t_e2e_reuse.sh, child/conn_cache.c,
#	child/tls.c, Postfix src/smtp/smtp_proto.c (smtp_start_tls()),
#	src/smtp/smtp_session.c (smtp_session_activate())
set -u
. "$(dirname "$0")/lib.sh"

T_TIMEOUT=${SJ_E2E_SETTLE:-90}
SENDER=s@sender.test
SJ_CHECK_PREFIX="tlsreuse: "
N=6
MX='mx\.tr\.test\[127\.0\.0\.10\]:25'

write_zone() {	# file
	printf '%s\n' 'mx-host=tr.test,mx.tr.test,10' \
	    'mx-host=ts.test,mx.tr.test,10' \
	    'host-record=mx.tr.test,127.0.0.10' > "$1"
}
sj_jail_world t_e2e_tlsreuse tlsreuse write_zone postfix dnsmasq ip openssl

CERTS=$W_DIR/tls
mkdir -p "$CERTS"
sj_test_ca "$CERTS" && sj_test_cert "$CERTS" mx ec mx.tr.test &&
    cat "$CERTS/mx.key" "$CERTS/mx.crt" > "$CERTS/mx.pem" &&
    chmod 600 "$CERTS/mx.pem" || sj_die "could not make the certificates"

pf_master_add "127.0.0.10:25 inet n - n - - smtpd" \
    "  -o syslog_name=postfix/receiver" \
    "  -o myhostname=rcpt.sink.test" \
    "  -o content_filter=discard:" \
    "  -o smtpd_recipient_restrictions=permit_mynetworks,reject" \
    "  -o smtpd_tls_security_level=may" \
    "  -o smtpd_tls_chain_files=$CERTS/mx.pem" \
    "  -o smtpd_tls_loglevel=1"
pf_master_add "jr unix - - y - - smtpjail" \
    "  -o syslog_name=postfix/jr"
pf_master_add "sr unix - - y - - smtp" \
    "  -o syslog_name=postfix/sr"
# Stock smtp(8) keeps TLS connections in tlsproxy(8).
pf_master_add "tlsproxy unix - - n - 0 tlsproxy"
pf_master_add "tlsmgr unix - - n 1000? 1 tlsmgr"
printf 'tr.test\tjr:\nts.test\tsr:\n' > "$W_DIR/etc/transport"
echo '/^Subject: sjtlsreuse/ HOLD' > "$W_DIR/etc/header_checks"
pf_postconf "header_checks = regexp:$W_DIR/etc/header_checks" \
    "transport_maps = texthash:$W_DIR/etc/transport" \
    'jr_destination_concurrency_limit = 1' \
    'sr_destination_concurrency_limit = 1' \
    'smtp_tls_security_level = encrypt' \
    "smtp_tls_CAfile = $CERTS/ca.pem" \
    'smtp_tls_loglevel = 1' \
    'smtp_tls_connection_reuse = yes' \
    'smtp_connection_cache_destinations = tr.test' || sj_die "postconf"
pf_reload || sj_die "postfix reload failed"

log_size() {
	stat -c %s "$W_DIR/log/maillog"
}

log_since() {	# offset
	tail -c +"$(($1 + 1))" "$W_DIR/log/maillog"
}

hold_count() {
	find "$W_DIR/spool/hold" -type f 2>/dev/null | wc -l
}

# queue N messages to DOMAIN on hold, then release them together
burst() {	# domain tag
	local i msg=$W_DIR/burst.msg
	for i in $(seq 1 "$N"); do
		printf '%s\n' "From: <$SENDER>" "To: <u$i@$1>" \
		    "Subject: sjtlsreuse $2 $i" "" "message $i of $2" > "$msg"
		pf_send "$SENDER" "u$i@$1" "$msg" > /dev/null || return 1
	done
	for i in $(seq 1 100); do
		[ "$(hold_count)" -ge "$N" ] && break
		sleep 0.1
	done
	[ "$(hold_count)" -ge "$N" ] ||
	    { sj_note "only $(hold_count) of $N messages on hold"; return 1; }
	pf_cmd postsuper -c "$W_DIR/etc" -H ALL > /dev/null 2>&1
	pf_cmd postqueue -c "$W_DIR/etc" -f
}

# transport T's status lines "sent" since OFFSET
sent_lines() {	# offset transport
	log_since "$1" |
	    grep -E "postfix/$2/smtp\[[0-9]+\]: [0-9A-F]+: to=<u[0-9]+@t[rs]\.test>, relay=$MX, .*status=sent "
}

wait_sent() {	# offset transport
	local i
	for i in $(seq 1 100); do
		[ "$(sent_lines "$1" "$2" | wc -l)" -ge "$N" ] && return 0
		sleep 0.1
	done
	return 1
}

# transport T's TLS summary lines with USAGE (established, reused),
# the text after "postfix/T[pid]: "
tls_lines() {	# offset transport usage
	log_since "$1" |
	    grep -E "postfix/$2/smtp\[[0-9]+\]: [A-Za-z]+ TLS connection $3 to $MX: " |
	    sed 's/^.*\]: //'
}

sessions() {	# offset
	log_since "$1" | grep -c 'postfix/receiver/smtpd\[[0-9]*\]: connect from'
}

tls_sessions() {	# offset
	log_since "$1" |
	    grep -c 'postfix/receiver/smtpd\[[0-9]*\]: [A-Za-z]* TLS connection established from'
}

ended() {	# offset
	log_since "$1" | grep -c 'postfix/receiver/smtpd\[[0-9]*\]: disconnect from'
}

wait_all_ended() {	# offset timeout
	local i
	for i in $(seq 1 $(($2 * 10))); do
		[ "$(ended "$1")" -ge "$(sessions "$1")" ] && return 0
		sleep 0.1
	done
	return 1
}

no_warning() {	# offset
	! log_since "$1" | grep -E "postfix/jr/smtp\[[0-9]+\]: (warning|error|fatal|panic)"
}

# ------------------------------------------------------------ encrypt

off=$(log_size)
burst tr.test encrypt || sj_die "could not queue the burst"
check "encrypt: queue settles" pf_wait_settled "$T_TIMEOUT"
check "encrypt: all $N messages sent by smtpjail" wait_sent "$off" jr
check "encrypt: all receiver sessions ended" wait_all_ended "$off" 30
est=$(tls_lines "$off" jr established | wc -l)
reu=$(tls_lines "$off" jr reused | wc -l)
s=$(sessions "$off")
sj_note "encrypt: $s receiver sessions, $(tls_sessions "$off") with TLS;" \
    "smtpjail: $est established, $reu reused"
check "encrypt: at least one \"Trusted TLS connection reused\"" \
    eval 'tls_lines "$off" jr reused | grep -q "^Trusted TLS connection reused to "'
check "encrypt: a status line with conn_use=2" \
    eval 'sent_lines "$off" jr | grep -q ", conn_use=2, delay="'
check "encrypt: fewer receiver sessions than messages, each with TLS" \
    eval '[ "$s" -ge 1 ] && [ "$s" -lt "$N" ] &&
        [ "$(tls_sessions "$off")" -eq "$s" ]'
check "encrypt: one \"established\" per receiver session" \
    eval '[ "$est" -eq "$s" ]'
check "encrypt: every idle session ends with QUIT (a TLS record)" \
    eval '! log_since "$off" | grep -E "postfix/receiver/smtpd\[[0-9]+\]: disconnect from" |
        grep -v " quit=1 " | grep -q .'
check "encrypt: no warning from smtpjail" no_warning "$off"

# ------------------------------------------------------- stock, same burst

soff=$(log_size)
burst ts.test stock || sj_die "could not queue the stock burst"
check "stock: queue settles" pf_wait_settled "$T_TIMEOUT"
check "stock: all $N messages sent" wait_sent "$soff" sr
sj_note "stock: $(tls_lines "$soff" sr established | wc -l) established," \
    "$(tls_lines "$soff" sr reused | wc -l) reused"
check "stock and smtpjail log the same \"reused\" line" \
    eval '[ -n "$(tls_lines "$soff" sr reused)" ] &&
        diff <(tls_lines "$soff" sr reused | sort -u) \
            <(tls_lines "$off" jr reused | sort -u)'

# ------------------------------------------------------------- verify

pf_postconf 'smtp_tls_security_level = verify' && pf_reload ||
    sj_die "postconf verify"
off=$(log_size)
burst tr.test verify || sj_die "could not queue the burst"
check "verify: queue settles" pf_wait_settled "$T_TIMEOUT"
check "verify: all $N messages sent" wait_sent "$off" jr
check "verify: at least one \"Verified TLS connection reused\"" \
    eval 'tls_lines "$off" jr reused | grep -q "^Verified TLS connection reused to "'
check "verify: no warning from smtpjail" no_warning "$off"

# ------------------------------------------ policy: connection_reuse=no

wait_all_ended "$off" 30
printf 'tr.test\tencrypt connection_reuse=no\n' > "$W_DIR/etc/tls_policy"
pf_postconf 'smtp_tls_security_level = encrypt' \
    "smtp_tls_policy_maps = texthash:$W_DIR/etc/tls_policy" && pf_reload ||
    sj_die "postconf policy"
off=$(log_size)
burst tr.test policy || sj_die "could not queue the burst"
check "policy connection_reuse=no: queue settles" pf_wait_settled "$T_TIMEOUT"
check "policy connection_reuse=no: all $N messages sent" wait_sent "$off" jr
check "policy connection_reuse=no: one TLS session per message" \
    eval 'wait_all_ended "$off" 30 && [ "$(sessions "$off")" -eq "$N" ] &&
        [ "$(tls_lines "$off" jr established | wc -l)" -eq "$N" ]'
check "policy connection_reuse=no: no \"reused\"" \
    eval '[ -z "$(tls_lines "$off" jr reused)" ]'
check "policy connection_reuse=no: no warning from smtpjail" no_warning "$off"

# ----------------------------------------------------- main.cf default

pf_postconf 'smtp_tls_policy_maps =' 'smtp_tls_connection_reuse = no' &&
    pf_reload || sj_die "postconf default"
off=$(log_size)
burst tr.test default || sj_die "could not queue the burst"
check "default (no reuse): queue settles" pf_wait_settled "$T_TIMEOUT"
check "default (no reuse): all $N messages sent" wait_sent "$off" jr
check "default (no reuse): one session per message, no \"reused\"" \
    eval 'wait_all_ended "$off" 30 && [ "$(sessions "$off")" -eq "$N" ] &&
        [ -z "$(tls_lines "$off" jr reused)" ]'

world_down
check_summary
