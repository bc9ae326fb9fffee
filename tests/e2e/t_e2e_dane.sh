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
#	    mx.cname.dane.test the MX of cname.dane.test: a CNAME to
#	                       real.dane.test, which has the matching
#	                       3 1 1 record (Postfix 3.7 tls_dane_resolve()
#	                       looks at the CNAME target first)
#	    mx.cnx.dane.test   the MX of cnx.dane.test: a CNAME into the
#	                       unsigned zone (mx2.insecure.test), with the
#	                       matching record at the MX name (the CNAME is
#	                       validated: tls_dane.c qname_secure())
#	    mx.ta.dane.test    the MX of ta.dane.test: a CNAME to realta,
#	                       whose 2 0 1 record names a CA that issued
#	                       the server a certificate for realta only
#	    nx.dane.test       does not exist (NXDOMAIN for the DO query:
#	                       bounced 5.4.4 "Host not found", as stock)
#	    mx.old.dane.test   the MX of old.dane.test, without TLSA
#	                       records, whose smtpd speaks TLS 1.2 at most
#	Stock smtp(8) at "dane" and "dane-only" (smtp_dns_support_level =
#	dnssec) sends one message to each. Checked: the outcome, DSN and
#	text of each status line and the TLS line ("Verified TLS
#	connection established ...") are those that child/dane_policy.c
#	and tests/unit/test_dane_policy.c state for Postfix 3.7
#	("no TLSA records found", "non DNSSEC destination" with 4.7.5 at
#	dane-only; "Server certificate not verified" for a mismatch; the
#	fallback to opportunistic TLS at dane).
#
#	smtpjail (transports jdane, jdane-only, same settings) sends the
#	same eight messages; for each, its status line must have stock's
#	status, dsn, relay and text, and its TLS lines about that server
#	("Verified|Trusted|Untrusted|Anonymous TLS connection established
#	...", "certificate verification failed ...") and its "TLS policy
#	lookup" warnings must be stock's.
#
#	The same levels per destination (transports jpol and spol: level
#	"may", smtp_tls_policy_maps = texthash: with good.dane.test and
#	bad.dane.test at "dane", notlsa.dane.test and insecure.test at
#	"dane-only"): one message each through both agents, compared the
#	same way; smtpjail's child makes the TLSA lookups for the job's
#	servers as it does for main.cf's level.
#
#	dnssec_probe (Postfix 3.7 src/dns/dns_sec.c): transports sprobe and
#	jprobe (dane, dnssec_probe = ns:insecure.test) and sprobeok and
#	jprobeok (ns:dane.test) each send one message to insecure.test,
#	whose MX is the first, unvalidated, lookup of the process (of the
#	child): stock's "DNSSEC validation may be unavailable" and "reason:
#	dnssec_probe ... not DNSSEC validated" warnings must be smtpjail's,
#	and neither may warn for the signed probe.
#
#	Protocols after the fallback to "may" (Postfix 3.7
#	smtp_tls_policy.c policy_create() chooses them after dane_init()):
#	transports sproto and jproto (dane, smtp_tls_mandatory_protocols =
#	>=TLSv1.3, smtp_tls_protocols = >=TLSv1.2, smtp_tls_ciphers =
#	medium) and spp and jpp (the same protocols at "may", with
#	old.dane.test at "dane" in the policy table) send one message each
#	to old.dane.test: stock falls back to may and sends with TLS 1.2;
#	smtpjail must too, with stock's status and TLS line.
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
# DANE-TA(2): a CA, and a server certificate it issued for the CNAME
# target realta.dane.test only (name checks: smtp_tls_policy.c
# dane_init() accepts the TLSA base domain, the target and the MX name).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$D/ca.key" -out "$D/ca.crt" -subj "/CN=Test DANE CA" -days 2 \
    -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign,cRLSign 2> /dev/null ||
    sj_die "openssl req (CA) failed"
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$D/ta.key" -out "$D/ta.csr" -subj /CN=realta.dane.test \
    2> /dev/null || sj_die "openssl req (TA leaf) failed"
printf 'subjectAltName=DNS:realta.dane.test\n' > "$D/ta.ext"
openssl x509 -req -in "$D/ta.csr" -CA "$D/ca.crt" -CAkey "$D/ca.key" \
    -CAcreateserial -out "$D/ta.crt" -days 2 -extfile "$D/ta.ext" \
    2> /dev/null || sj_die "openssl x509 (TA leaf) failed"
cat "$D/ta.key" "$D/ta.crt" "$D/ca.crt" > "$D/ta.pem"
chmod 600 "$D/ta.key" "$D/ta.pem"
CAHASH=$(openssl x509 -in "$D/ca.crt" -outform DER |
    openssl dgst -sha256 -r | cut -d' ' -f1)
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
cname	IN MX 10 mx.cname.dane.test.
mx.cname	IN CNAME real.dane.test.
real	IN A 127.0.0.7
_25._tcp.real	IN TLSA 3 1 1 $GOOD
ta	IN MX 10 mx.ta.dane.test.
mx.ta	IN CNAME realta.dane.test.
realta	IN A 127.0.0.9
_25._tcp.realta	IN TLSA 2 0 1 $CAHASH
cnx	IN MX 10 mx.cnx.dane.test.
mx.cnx	IN CNAME mx2.insecure.test.
_25._tcp.mx.cnx	IN TLSA 3 1 1 $GOOD
old	IN MX 10 mx.old.dane.test.
mx.old	IN A 127.0.0.10
EOF
cat > "$D/insecure.test.zone" <<EOF
\$ORIGIN insecure.test.
\$TTL 300
@	IN SOA ns.dane.test. hostmaster.dane.test. 1 3600 600 86400 300
@	IN NS ns.dane.test.
@	IN MX 10 mx.insecure.test.
mx	IN A 127.0.0.6
mx2	IN A 127.0.0.8
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
# nsd answers before unbound starts: sj_dns_wait takes any answer, and
# after a first query that met nsd's port closed unbound went on with
# SERVFAIL for some 8 s after nsd started (seen with unbound 1.17).
ip netns exec "$W_NS" nsd -d -c "$D/nsd.conf" > "$D/nsd.out" 2>&1 \
    {SJ_OUT}>&- &
sj_dns_wait "$NSD_ADDR" dane.test ||
    { sed 's/^/# /' "$D/nsd.out" "$D/nsd.log" 2>/dev/null;
      sj_die "nsd does not answer"; }
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
receiver cname 127.0.0.7
receiver cnx 127.0.0.8
pf_master_add "127.0.0.9:25 inet n - n - - smtpd" \
    "  -o syslog_name=postfix/rta" \
    "  -o myhostname=rcpt.sink.test" \
    "  -o content_filter=discard:" \
    "  -o smtpd_recipient_restrictions=permit_mynetworks,reject" \
    "  -o smtpd_tls_security_level=may" \
    "  -o smtpd_tls_chain_files=$D/ta.pem" \
    "  -o smtpd_tls_loglevel=1"
# A TLS 1.2-only server (no TLSA records for it).
pf_master_add "127.0.0.10:25 inet n - n - - smtpd" \
    "  -o syslog_name=postfix/rold" \
    "  -o myhostname=rcpt.sink.test" \
    "  -o content_filter=discard:" \
    "  -o smtpd_recipient_restrictions=permit_mynetworks,reject" \
    "  -o smtpd_tls_security_level=may" \
    "  -o smtpd_tls_protocols=<=TLSv1.2" \
    "  -o smtpd_tls_chain_files=$D/srv.pem" \
    "  -o smtpd_tls_loglevel=1"
pf_master_add "tlsmgr unix - - n 1000? 1 tlsmgr"
for l in dane dane-only; do
	pf_master_add "s$l unix - - y - - smtp" \
	    "  -o syslog_name=postfix/\$service_name" \
	    "  -o smtp_tls_security_level=$l" \
	    "  -o smtp_dns_support_level=dnssec"
done
for l in dane dane-only; do
	pf_master_add "j$l unix - - y - - smtpjail" \
	    "  -o syslog_name=postfix/\$service_name" \
	    "  -o smtp_tls_security_level=$l" \
	    "  -o smtp_dns_support_level=dnssec"
done
cat > "$D/policy" <<EOF
good.dane.test	dane
bad.dane.test	dane
notlsa.dane.test	dane-only
insecure.test	dane-only
old.dane.test	dane
EOF
for a in s j; do
	[ $a = s ] && cmd=smtp || cmd=smtpjail
	pf_master_add "${a}pol unix - - y - - $cmd" \
	    "  -o syslog_name=postfix/\$service_name" \
	    "  -o smtp_tls_security_level=may" \
	    "  -o smtp_dns_support_level=dnssec" \
	    "  -o smtp_tls_policy_maps=texthash:$D/policy"
done
# Stricter mandatory protocols than opportunistic ones: at dane, a
# server without TLSA records gets the "may" set (policy_create()).
for a in s j; do
	[ $a = s ] && cmd=smtp || cmd=smtpjail
	pf_master_add "${a}proto unix - - y - - $cmd" \
	    "  -o syslog_name=postfix/\$service_name" \
	    "  -o smtp_tls_security_level=dane" \
	    "  -o smtp_dns_support_level=dnssec" \
	    "  -o smtp_tls_mandatory_protocols=>=TLSv1.3" \
	    "  -o smtp_tls_protocols=>=TLSv1.2" \
	    "  -o smtp_tls_ciphers=medium"
	pf_master_add "${a}pp unix - - y - - $cmd" \
	    "  -o syslog_name=postfix/\$service_name" \
	    "  -o smtp_tls_security_level=may" \
	    "  -o smtp_dns_support_level=dnssec" \
	    "  -o smtp_tls_mandatory_protocols=>=TLSv1.3" \
	    "  -o smtp_tls_protocols=>=TLSv1.2" \
	    "  -o smtp_tls_policy_maps=texthash:$D/policy"
done
# dnssec_probe (Postfix 3.7 src/dns/dns_sec.c): each transport's first
# lookup (insecure.test's MX) is not validated, so it probes: an
# unsigned name (warnings) or a signed one (silent).
for a in s j; do
	[ $a = s ] && cmd=smtp || cmd=smtpjail
	# smtp_tls_force_insecure_host_tlsa_lookup: TLSA records of
	# mx.cnx.dane.test although its address (behind a CNAME into the
	# unsigned zone) is not validated.
	pf_master_add "${a}force unix - - y - - $cmd" \
	    "  -o syslog_name=postfix/\$service_name" \
	    "  -o smtp_tls_security_level=dane-only" \
	    "  -o smtp_dns_support_level=dnssec" \
	    "  -o smtp_tls_force_insecure_host_tlsa_lookup=yes"
	for p in probe:insecure.test probeok:dane.test; do
		pf_master_add "${a}${p%%:*} unix - - y - - $cmd" \
		    "  -o syslog_name=postfix/\$service_name" \
		    "  -o smtp_tls_security_level=dane" \
		    "  -o smtp_dns_support_level=dnssec" \
		    "  -o dnssec_probe=ns:${p#*:}"
	done
done
pf_postconf "smtp_tls_loglevel=1"
{
	for v in good.dane bad.dane notlsa.dane insecure cname.dane cnx.dane nx.dane ta.dane; do
		for a in s j; do
			printf '%s-dane@%s.test\t%sdane:\n' "$a" "$v" "$a"
			printf '%s-only@%s.test\t%sdane-only:\n' "$a" "$v" "$a"
			printf '%s-pol@%s.test\t%spol:\n' "$a" "$v" "$a"
		done
	done
	for a in s j; do
		printf '%s-probe@insecure.test\t%sprobe:\n' "$a" "$a"
		printf '%s-probeok@insecure.test\t%sprobeok:\n' "$a" "$a"
		printf '%s-force@cnx.dane.test\t%sforce:\n' "$a" "$a"
		printf '%s-force@notlsa.dane.test\t%sforce:\n' "$a" "$a"
		printf '%s-proto@old.dane.test\t%sproto:\n' "$a" "$a"
		printf '%s-pp@old.dane.test\t%spp:\n' "$a" "$a"
	done
} > "$W_DIR/etc/transport"
pf_reload || sj_die "reload failed"

declare -A QID
VARIANTS="good.dane bad.dane notlsa.dane insecure cname.dane cnx.dane nx.dane ta.dane"
for v in $VARIANTS; do
	for a in s j; do
		for l in dane only pol; do
			r=$a-$l@$v.test
			mid=$(pf_send "$SENDER" "$r")
			QID[$r]=$(pf_qid "$mid")
		done
	done
done
for r in s-probe j-probe s-probeok j-probeok; do
	mid=$(pf_send "$SENDER" "$r@insecure.test")
	QID[$r@insecure.test]=$(pf_qid "$mid")
done
for r in s-force@cnx.dane.test j-force@cnx.dane.test \
    s-force@notlsa.dane.test j-force@notlsa.dane.test \
    s-proto@old.dane.test j-proto@old.dane.test \
    s-pp@old.dane.test j-pp@old.dane.test; do
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
check "stock dane, MX host a CNAME to a name with TLSA: Verified, sent" eval '
    has_status s-dane@cname.dane.test "dsn=2.0.0" "status=sent" &&
    logged "postfix/sdane/smtp\\[[0-9]+\\]: Verified TLS connection established to mx\\.cname\\.dane\\.test\\[127\\.0\\.0\\.7\\]:25: "'
check "stock dane-only, DANE-TA through a CNAME, certificate for the target: Verified" eval '
    has_status s-only@ta.dane.test "dsn=2.0.0" "status=sent" &&
    logged "postfix/sdane-only/smtp\\[[0-9]+\\]: Verified TLS connection established to mx\\.ta\\.dane\\.test\\[127\\.0\\.0\\.9\\]:25: "'
check "stock dnssec_probe at an unsigned name: Postfix's two warnings" eval '
    logged "postfix/sprobe/smtp\\[[0-9]+\\]: warning: DNSSEC validation may be unavailable" &&
    logged "postfix/sprobe/smtp\\[[0-9]+\\]: warning: reason: dnssec_probe .ns:insecure\\.test. received a response that is not DNSSEC validated"'
# --- smtpjail against stock
# Fields compared folded (lib.sh, sj_field_cmp): recipients' "j-"/"s-"
# prefixes, queue ids, and the reply to smtpjail's BDAT.
SJ_FOLD="rcpt qid bdat"
same_fields() {	# level(dane|only) variant
	sj_same_fields \
	    "$(pf_status_line "${QID[j-$1@$2.test]}" "j-$1@$2.test")" \
	    "$(pf_status_line "${QID[s-$1@$2.test]}" "s-$1@$2.test")" \
	    status dsn relay text
}
# The TLS lines and policy warnings a transport logged about a server.
tls_lines() {	# transport host
	grep -E "postfix/$1/smtp\\[[0-9]+\\]: " "$W_DIR/log/maillog" |
	    grep -F "$2" |
	    grep -E 'TLS connection|verification failed|TLS policy lookup' |
	    sed -e 's/.*\]: //' | sort -u
}
same_tls_lines() {	# level(dane|only) variant
	local t=dane host=mx.$2.test
	[ "$1" = only ] && t=dane-only
	[ "$1" = pol ] && t=pol
	[ "$2" = insecure ] && host=mx.insecure.test
	sj_same_lines "$(tls_lines "j$t" "$host")" "$(tls_lines "s$t" "$host")"
}
for l in dane only pol; do
	for v in $VARIANTS; do
		check "smtpjail $l/$v: status, dsn, relay and text as stock" \
		    same_fields "$l" "$v"
		check "smtpjail $l/$v: TLS lines and policy warnings as stock" \
		    same_tls_lines "$l" "$v"
	done
done
check "smtpjail policy dane, matching TLSA: Verified, sent" eval '
    has_status j-pol@good.dane.test "dsn=2.0.0" "status=sent" &&
    logged "postfix/jpol/smtp\\[[0-9]+\\]: Verified TLS connection established to mx\\.good\\.dane\\.test\\[127\\.0\\.0\\.3\\]:25: "'
check "smtpjail policy dane-only, no TLSA: deferred 4.7.5" \
    has_status j-pol@notlsa.dane.test "dsn=4.7.5" \
    "status=deferred (no TLSA records found)"
# The probe's lines a transport logged.
probe_lines() {	# transport
	grep -E "postfix/$1/smtp\\[[0-9]+\\]: " "$W_DIR/log/maillog" |
	    grep -E 'DNSSEC validation|dnssec_probe' |
	    sed -e 's/.*\]: //' | sort -u
}
same_probe_lines() {	# kind(probe|probeok)
	local a b
	a=$(probe_lines "j$1") b=$(probe_lines "s$1")
	sj_same_lines "$a" "$b" || return 1
	[ "$1" = probeok ] && [ -z "$a" ] && return 0
	[ "$1" = probe ] && [ -n "$a" ] && return 0
	echo "# unexpected: '$a'"
	return 1
}
check "smtpjail dnssec_probe at an unsigned name: stock's warnings" \
    same_probe_lines probe
check "smtpjail dnssec_probe at a signed name: silent, as stock" \
    same_probe_lines probeok
for p in probe probeok; do
	check "smtpjail dnssec_probe $p: status as stock" eval "
	    has_status s-$p@insecure.test status=sent &&
	    has_status j-$p@insecure.test status=sent"
done
check "stock forced TLSA lookup below an insecure CNAME target: Verified" \
    eval 'has_status s-force@cnx.dane.test "dsn=2.0.0" "status=sent" &&
    logged "postfix/sforce/smtp\\[[0-9]+\\]: Verified TLS connection established to mx\\.cnx\\.dane\\.test\\[127\\.0\\.0\\.8\\]:25: "'
for v in cnx.dane notlsa.dane; do
	check "smtpjail forced TLSA lookup, $v: status, dsn, relay and text as stock" \
	    same_fields force "$v"
done
check "smtpjail forced TLSA lookup below an insecure CNAME target: Verified" \
    eval 'has_status j-force@cnx.dane.test "dsn=2.0.0" "status=sent" &&
    logged "postfix/jforce/smtp\\[[0-9]+\\]: Verified TLS connection established to mx\\.cnx\\.dane\\.test\\[127\\.0\\.0\\.8\\]:25: "'
check "smtpjail dane, MX host a CNAME to a name with TLSA: Verified, sent" eval '
    has_status j-dane@cname.dane.test "dsn=2.0.0" "status=sent" &&
    logged "postfix/jdane/smtp\\[[0-9]+\\]: Verified TLS connection established to mx\\.cname\\.dane\\.test\\[127\\.0\\.0\\.7\\]:25: "'
check "stock dane, no TLSA, TLS 1.2-only server, mandatory >=TLSv1.3: may's TLSv1.2, sent" eval '
    has_status s-proto@old.dane.test "dsn=2.0.0" "status=sent" &&
    logged "postfix/sproto/smtp\\[[0-9]+\\]: (Untrusted|Anonymous) TLS connection established to mx\\.old\\.dane\\.test\\[127\\.0\\.0\\.10\\]:25: TLSv1\\.2 "'
check "stock policy dane, same server: may's TLSv1.2, sent" eval '
    has_status s-pp@old.dane.test "dsn=2.0.0" "status=sent" &&
    logged "postfix/spp/smtp\\[[0-9]+\\]: (Untrusted|Anonymous) TLS connection established to mx\\.old\\.dane\\.test\\[127\\.0\\.0\\.10\\]:25: TLSv1\\.2 "'
for l in proto pp; do
	check "smtpjail $l/old.dane (dane lowered to may): status, dsn, relay and text as stock" \
	    same_fields $l old.dane
	check "smtpjail $l/old.dane (dane lowered to may): TLS lines as stock" eval "
	    a=\$(tls_lines j$l mx.old.dane.test) b=\$(tls_lines s$l mx.old.dane.test)
	    [ -n \"\$b\" ] && [ \"\$a\" = \"\$b\" ] ||
		{ echo \"# smtpjail: \$a\"; echo \"# stock: \$b\"; false; }"
done
check "smtpjail at dane: no fatal at start" eval '
    ! grep -E "postfix/[a-z/-]*smtp[a-z]*\\[[0-9]+\\]: fatal:" \
	"$W_DIR/log/maillog"'
check_summary
