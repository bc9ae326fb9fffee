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

tls_sessions() {	# offset
	log_since "$1" |
	    grep -c 'postfix/receiver/smtpd\[[0-9]*\]: [A-Za-z]* TLS connection established from'
}

no_warning() {	# offset
	! log_since "$1" | grep -E "postfix/jr/smtp\[[0-9]+\]: (warning|error|fatal|panic)"
}

# One phase: N messages to DOMAIN through TRANSPORT, released together;
# sets OFF to the log offset before them and checks that all were sent.
phase() {	# name domain transport
	OFF=$(log_size)
	pf_burst "$N" "$SENDER" "$2" "sjtlsreuse $1" ||
	    sj_die "$1: could not queue the burst"
	check "$1: queue settles" pf_wait_settled "$T_TIMEOUT"
	check "$1: all $N messages sent by $3" wait_sent "$OFF" "$3"
}

# No "reused" from smtpjail since OFFSET, and one receiver session and
# one "established" per message.
one_session_each() {	# offset
	rcv_wait_ended "$1" postfix/receiver 30 &&
	    [ "$(rcv_sessions "$1" postfix/receiver)" -eq "$N" ] &&
	    [ "$(tls_lines "$1" jr established | wc -l)" -eq "$N" ] &&
	    [ -z "$(tls_lines "$1" jr reused)" ]
}

# ------------------------------------------------------------ encrypt

phase encrypt tr.test jr
off=$OFF
check "encrypt: all receiver sessions ended" \
    rcv_wait_ended "$off" postfix/receiver 30
est=$(tls_lines "$off" jr established | wc -l)
reu=$(tls_lines "$off" jr reused | wc -l)
s=$(rcv_sessions "$off" postfix/receiver)
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

phase stock ts.test sr
soff=$OFF
sj_note "stock: $(tls_lines "$soff" sr established | wc -l) established," \
    "$(tls_lines "$soff" sr reused | wc -l) reused"
check "stock and smtpjail log the same \"reused\" line" \
    eval '[ -n "$(tls_lines "$soff" sr reused)" ] &&
        diff <(tls_lines "$soff" sr reused | sort -u) \
            <(tls_lines "$off" jr reused | sort -u)'

# ------------------------------------------------------------- verify

pf_postconf 'smtp_tls_security_level = verify' && pf_reload ||
    sj_die "postconf verify"
phase verify tr.test jr
off=$OFF
check "verify: at least one \"Verified TLS connection reused\"" \
    eval 'tls_lines "$off" jr reused | grep -q "^Verified TLS connection reused to "'
check "verify: no warning from smtpjail" no_warning "$off"

# ------------------------------------------ policy: connection_reuse=no

rcv_wait_ended "$off" postfix/receiver 30
printf 'tr.test\tencrypt connection_reuse=no\n' > "$W_DIR/etc/tls_policy"
pf_postconf 'smtp_tls_security_level = encrypt' \
    "smtp_tls_policy_maps = texthash:$W_DIR/etc/tls_policy" && pf_reload ||
    sj_die "postconf policy"
phase "policy connection_reuse=no" tr.test jr
check "policy connection_reuse=no: one session each, no \"reused\"" \
    one_session_each "$OFF"
check "policy connection_reuse=no: no warning from smtpjail" no_warning "$OFF"

# ----------------------------------------------------- main.cf default

pf_postconf 'smtp_tls_policy_maps =' 'smtp_tls_connection_reuse = no' &&
    pf_reload || sj_die "postconf default"
phase "default (no reuse)" tr.test jr
check "default (no reuse): one TLS session per message, no \"reused\"" \
    one_session_each "$OFF"

world_down
check_summary
