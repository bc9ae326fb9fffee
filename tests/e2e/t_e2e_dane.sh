#!/bin/bash
# NAME
#	t_e2e_dane.sh - levels dane and dane-only: stock smtp(8)'s outcomes
#	pinned, and smtpjail refusing to deliver with less
# SUMMARY
#	tests/e2e/t_e2e_dane.sh        (as root; prints ok / not ok lines)
# DESCRIPTION
#	One private Postfix 3.7 world (tests/e2e/lib.sh) whose DNS is not
#	dnsmasq but a DNSSEC-signed zone dane.test (keys and signatures
#	made here with ldns-keygen/ldns-signzone) and an unsigned zone
#	insecure.test, served by nsd on 127.0.0.12, behind a validating
#	unbound on the world's resolver address 127.0.0.53 (loopback:
#	trusted by smtpjail's AD rule). Receivers are Postfix smtpd's with
#	one self-signed certificate:
#	    good.dane.test     MX with a matching DANE-EE 3 1 1 record
#	    bad.dane.test      MX with a 3 1 1 record of another key
#	    notlsa.dane.test   MX without TLSA records
#	    mx.insecure.test   the MX of insecure.test (unsigned zone)
#	Stock smtp(8) at "dane" and "dane-only" (smtp_dns_support_level =
#	dnssec) sends one message to each. Checked: the outcome, DSN and
#	text of each status line and the TLS line ("Verified TLS
#	connection established ...") are those that child/dane_policy.c
#	and tests/unit/test_dane_policy.c state for Postfix 3.7
#	("no TLSA records found", "non DNSSEC destination" with 4.7.5 at
#	dane-only; "Server certificate not verified" for a mismatch; the
#	fallback to opportunistic TLS at dane).
#
#	smtpjail does not deliver at these levels yet: with "dane" it
#	must refuse to start (fail closed), the message stays queued
#	("mail transport unavailable") and nothing is sent in a weaker
#	form. When the levels are wired in, these checks become the
#	smtpjail-against-stock comparison.
#
#	Needs nsd, unbound, ldnsutils and openssl; without them the
#	suite says "not ok" (make deps installs them).
# SEE ALSO
#	tests/e2e/lib.sh, tests/e2e/t_e2e_dnssec.sh,
#	tests/e2e/t_e2e_tls.sh, child/dane_policy.c
set -u
. "$(dirname "$0")/lib.sh"

T_TIMEOUT=${SJ_E2E_SETTLE:-120}
SENDER=s@sender.test
NSD_ADDR=127.0.0.12

write_zone() {	# file: dnsmasq, replaced below by nsd and unbound
	echo 'host-record=probe.test,127.0.0.1' > "$1"
}

sj_jail_world t_e2e_dane dane write_zone openssl nsd unbound \
    ldns-keygen ldns-signzone

[ -n "$W_DIR" ] && [ -d "$W_DIR" ] || exit 1
D=$W_DIR/dane
mkdir -p "$D" && chmod 755 "$D"

# --- certificate, and a key whose digest will not match
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$D/srv.key" -out "$D/srv.crt" -subj /CN=mx.dane.test -days 2 \
    2> /dev/null || sj_die "openssl req failed"
cat "$D/srv.key" "$D/srv.crt" > "$D/srv.pem"
chmod 600 "$D/srv.key" "$D/srv.pem"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$D/other.key" 2> /dev/null || sj_die "openssl genpkey failed"
spki_hash() {
	openssl pkey -pubin -outform DER 2> /dev/null |
	    openssl dgst -sha256 -r | cut -d' ' -f1
}
GOOD=$(openssl x509 -in "$D/srv.crt" -pubkey -noout | spki_hash)
BAD=$(openssl pkey -in "$D/other.key" -pubout | spki_hash)

# --- zones, keys, signatures
cat > "$D/dane.test.zone" <<EOF
\$ORIGIN dane.test.
\$TTL 300
@	IN SOA ns.dane.test. hostmaster.dane.test. 1 3600 600 86400 300
@	IN NS ns.dane.test.
ns	IN A $NSD_ADDR
good	IN MX 10 mx.good.dane.test.
mx.good	IN A 127.0.0.3
_25._tcp.mx.good	IN TLSA 3 1 1 $GOOD
bad	IN MX 10 mx.bad.dane.test.
mx.bad	IN A 127.0.0.4
_25._tcp.mx.bad	IN TLSA 3 1 1 $BAD
notlsa	IN MX 10 mx.notlsa.dane.test.
mx.notlsa	IN A 127.0.0.5
EOF
cat > "$D/insecure.test.zone" <<EOF
\$ORIGIN insecure.test.
\$TTL 300
@	IN SOA ns.dane.test. hostmaster.dane.test. 1 3600 600 86400 300
@	IN NS ns.dane.test.
@	IN MX 10 mx.insecure.test.
mx	IN A 127.0.0.6
_25._tcp.mx	IN TLSA 3 1 1 $GOOD
EOF
(
	cd "$D" || exit 1
	ksk=$(ldns-keygen -a ECDSAP256SHA256 -k dane.test) || exit 1
	zsk=$(ldns-keygen -a ECDSAP256SHA256 dane.test) || exit 1
	ldns-signzone dane.test.zone "$ksk" "$zsk" || exit 1
	cp "$ksk.key" ta.key
) || sj_die "signing the zone failed"

cat > "$D/nsd.conf" <<EOF
server:
	ip-address: $NSD_ADDR
	port: 53
	username: ""
	chroot: ""
	zonesdir: "$D"
	database: ""
	zonelistfile: "$D/zone.list"
	xfrdfile: "$D/xfrd.state"
	pidfile: "$D/nsd.pid"
	logfile: "$D/nsd.log"
	server-count: 1
remote-control:
	control-enable: no
zone:
	name: dane.test
	zonefile: dane.test.zone.signed
zone:
	name: insecure.test
	zonefile: insecure.test.zone
EOF
cat > "$D/unbound.conf" <<EOF
server:
	interface: $W_DNS_ADDR
	port: 53
	do-daemonize: no
	username: ""
	chroot: ""
	directory: "$D"
	pidfile: "$D/unbound.pid"
	logfile: "$D/unbound.log"
	use-syslog: no
	verbosity: 1
	access-control: 127.0.0.0/8 allow
	do-not-query-localhost: no
	qname-minimisation: no
	module-config: "validator iterator"
	trust-anchor-file: "$D/ta.key"
	domain-insecure: "insecure.test"
	local-zone: "test." nodefault
	do-ip6: no
remote-control:
	control-enable: no
stub-zone:
	name: "dane.test"
	stub-addr: $NSD_ADDR
stub-zone:
	name: "insecure.test"
	stub-addr: $NSD_ADDR
EOF
sj_dns_stop
# In the world's namespace: world_down ends them with everything there.
ip netns exec "$W_NS" nsd -d -c "$D/nsd.conf" > "$D/nsd.out" 2>&1 \
    {SJ_OUT}>&- &
ip netns exec "$W_NS" unbound -d -c "$D/unbound.conf" > "$D/unbound.out" \
    2>&1 {SJ_OUT}>&- &
sj_dns_wait "$W_DNS_ADDR" mx.good.dane.test ||
    sj_die "unbound does not answer"

# --- receivers and senders
receiver() {	# name addr
	pf_master_add "$2:25 inet n - n - - smtpd" \
	    "  -o syslog_name=postfix/r$1" \
	    "  -o myhostname=rcpt.sink.test" \
	    "  -o content_filter=discard:" \
	    "  -o smtpd_recipient_restrictions=permit_mynetworks,reject" \
	    "  -o smtpd_tls_security_level=may" \
	    "  -o smtpd_tls_chain_files=$D/srv.pem" \
	    "  -o smtpd_tls_loglevel=1"
}
receiver good 127.0.0.3
receiver bad 127.0.0.4
receiver notlsa 127.0.0.5
receiver insecure 127.0.0.6
pf_master_add "tlsmgr unix - - n 1000? 1 tlsmgr"
for l in dane dane-only; do
	pf_master_add "s$l unix - - y - - smtp" \
	    "  -o syslog_name=postfix/\$service_name" \
	    "  -o smtp_tls_security_level=$l" \
	    "  -o smtp_dns_support_level=dnssec"
done
pf_master_add "jdane unix - - y - - smtpjail" \
    "  -o syslog_name=postfix/\$service_name" \
    "  -o smtp_tls_security_level=dane" \
    "  -o smtp_dns_support_level=dnssec"
pf_postconf "smtp_tls_loglevel=1"
{
	for v in good.dane bad.dane notlsa.dane insecure; do
		printf 's-dane@%s.test\tsdane:\n' "$v"
		printf 's-only@%s.test\tsdane-only:\n' "$v"
	done
	printf 'j-dane@good.dane.test\tjdane:\n'
} > "$W_DIR/etc/transport"
pf_reload || sj_die "reload failed"

declare -A QID
for r in s-dane@good.dane.test s-dane@bad.dane.test s-dane@notlsa.dane.test \
    s-dane@insecure.test s-only@good.dane.test s-only@notlsa.dane.test \
    s-only@insecure.test j-dane@good.dane.test; do
	mid=$(pf_send "$SENDER" "$r")
	QID[$r]=$(pf_qid "$mid")
done
pf_wait_settled "$T_TIMEOUT"
sleep 2

has_status() {	# rcpt text...
	local l p
	l=$(pf_status_line "${QID[$1]}" "$1")
	shift
	for p in "$@"; do
		case $l in *"$p"*) ;; *) echo "# status: $l"; return 1;; esac
	done
}
logged() {	# pattern
	grep -E "$1" "$W_DIR/log/maillog" > /dev/null && return 0
	echo "# not in the log: $1"
	return 1
}

check "stock dane, matching TLSA: Verified, sent" eval '
    has_status s-dane@good.dane.test "dsn=2.0.0" "status=sent" &&
    logged "postfix/sdane/smtp\\[[0-9]+\\]: Verified TLS connection established to mx\\.good\\.dane\\.test\\[127\\.0\\.0\\.3\\]:25: "'
check "stock dane, TLSA mismatch: deferred, Server certificate not verified" \
    has_status s-dane@bad.dane.test "dsn=4.7.5" \
    "status=deferred (Server certificate not verified)"
check "stock dane, no TLSA: falls back to may, sent" eval '
    has_status s-dane@notlsa.dane.test "status=sent" &&
    logged "postfix/sdane/smtp\\[[0-9]+\\]: (Untrusted|Anonymous) TLS connection established to mx\\.notlsa\\.dane\\.test"'
check "stock dane, insecure MX: falls back to may, sent" eval '
    has_status s-dane@insecure.test "status=sent" &&
    logged "postfix/sdane/smtp\\[[0-9]+\\]: (Untrusted|Anonymous) TLS connection established to mx\\.insecure\\.test"'
check "stock dane-only, matching TLSA: Verified, sent" eval '
    has_status s-only@good.dane.test "status=sent" &&
    logged "postfix/sdane-only/smtp\\[[0-9]+\\]: Verified TLS connection established to mx\\.good\\.dane\\.test"'
check "stock dane-only, no TLSA: deferred 4.7.5 (dane_policy's text)" eval '
    has_status s-only@notlsa.dane.test "dsn=4.7.5" \
	"status=deferred (no TLSA records found)" &&
    logged "postfix/sdane-only/smtp\\[[0-9]+\\]: warning: TLS policy lookup for notlsa\\.dane\\.test/mx\\.notlsa\\.dane\\.test: no TLSA records found"'
check "stock dane-only, insecure MX: deferred 4.7.5 (dane_policy's text)" \
    has_status s-only@insecure.test "dsn=4.7.5" \
    "status=deferred (non DNSSEC destination)"
check "smtpjail at dane: refuses to start, mail kept, nothing sent" eval '
    has_status j-dane@good.dane.test "status=deferred (mail transport unavailable)" &&
    pf_in_queue "${QID[j-dane@good.dane.test]}" &&
    logged "postfix/[a-z/]*smtp[a-z]*\\[[0-9]+\\]: fatal: parameter smtp_tls_security_level: \"dane\" is not implemented by smtpjail" &&
    ! grep -F "${QID[j-dane@good.dane.test]}: to=<j-dane@good.dane.test>" \
	"$W_DIR/log/maillog" | grep -q "status=sent"'
check_summary
