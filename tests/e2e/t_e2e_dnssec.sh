#!/bin/bash
# NAME
#	t_e2e_dnssec.sh - DNSSEC TLSA lookups and DANE matching against a
#	real signed zone, a real validating resolver and a real TLS server
# DESCRIPTION
#	Builds, in its own network namespace sj-dnssec-PID:
#	- keys (ldns-keygen, ECDSA P-256) and a signed zone example.test
#	  (ldns-signzone), plus an unsigned zone insecure.test, both served
#	  by nsd on 127.0.0.2;
#	- unbound validating on 127.0.0.1 (loopback: trusted by smtpjail's
#	  rule) and on 192.0.2.53 (not loopback: not trusted), with
#	  example.test's KSK as trust anchor and stub zones to nsd;
#	- openssl s_server on 127.0.0.3:25 with a certificate made here.
#	Then runs build/tests/e2e/aux_dane_probe (the child's own
#	dnssec_lookup_tlsa(), AD trust rule and child/dane.c matching)
#	and checks: a DANE-EE 3 1 1 record verifies; a wrong digest fails
#	with OpenSSL's DANE "no match"; no TLSA (NODATA, NXDOMAIN) is
#	"none"; an unsigned zone is "insecure"; a signed answer through a
#	non-loopback resolver is "insecure" unless trust-ad is set; PKIX
#	usages are unusable; a bogus record (unbound: SERVFAIL) is a
#	lookup error with Postfix's "try again" text.
#	Needs root, ip, nsd, unbound, ldnsutils, openssl; otherwise every
#	check is skipped.
# SECURITY
#	Test code, run as root. Everything runs in the namespace it
#	creates; it ends only the processes in that namespace and removes
#	only its own /var/tmp/sj-dnssec-PID directory.
# SEE ALSO
#	child/dnssec_query.c, child/tlsa.c, child/dane.c,
#	tests/e2e/aux_dane_probe.c

top=${SJ_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${SJ_BUILD:-$top/build}
probe=$build/tests/e2e/aux_dane_probe
NAME="DNSSEC DANE probe"
ns=sj-dnssec-$$
dir=/var/tmp/sj-dnssec-$$
pass=0 fail=0

skip_all() {
	echo "ok - $NAME # SKIP $*"
	exit 0
}

[ "$(id -u)" -eq 0 ] || skip_all "needs root"
for t in ip nsd unbound ldns-keygen ldns-signzone openssl; do
	command -v "$t" > /dev/null 2>&1 || skip_all "$t not installed"
done
[ -x "$probe" ] || skip_all "$probe not built"

# Every process in our own namespace is ours: end them all (nsd forks).
cleanup() {
	local p i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		p=$(ip netns pids "$ns" 2> /dev/null | tr '\n' ' ')
		[ -n "${p// /}" ] || break
		if [ "$i" -lt 6 ]; then
			kill $p 2> /dev/null
		else
			kill -KILL $p 2> /dev/null
		fi
		sleep 0.2
	done
	ip netns del "$ns" 2> /dev/null
	[ -n "${SJ_KEEP:-}" ] || rm -rf -- "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

check() {	# name cmd...
	local name=$1
	shift
	if "$@"; then
		echo "ok - $name"
		pass=$((pass + 1))
	else
		echo "not ok - $name"
		fail=$((fail + 1))
		echo "# failed: $*"
		echo "# output:"
		sed 's/^/#   /' "$dir/out"
	fi
}

nsx() {
	ip netns exec "$ns" "$@"
}

mkdir -p "$dir" || exit 1
cd "$dir" || exit 1
ip netns add "$ns" || skip_all "cannot create a network namespace"
nsx ip link set lo up
nsx ip addr add 127.0.0.2/8 dev lo
nsx ip addr add 127.0.0.3/8 dev lo
# A non-loopback address (on lo: any address works there) for the
# resolver that smtpjail's rule does not trust.
have_dummy=1
nsx ip addr add 192.0.2.53/32 dev lo || have_dummy=0

# --- certificates: the server's, and another key for a wrong digest
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout srv.key -out srv.pem -subj /CN=mx.example.test -days 2 \
    -addext subjectAltName=DNS:mx.example.test 2> /dev/null || exit 1
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out other.key 2> /dev/null || exit 1
spki_hash() {	# pem-with-public-key
	openssl pkey -pubin -outform DER 2> /dev/null |
	    openssl dgst -sha256 -r | cut -d' ' -f1
}
good=$(openssl x509 -in srv.pem -pubkey -noout | spki_hash)
bad=$(openssl pkey -in other.key -pubout | spki_hash)
[ ${#good} -eq 64 ] && [ ${#bad} -eq 64 ] || exit 1

# --- zones
cat > example.test.zone <<EOZ
\$ORIGIN example.test.
\$TTL 300
@	IN SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 300
@	IN NS ns.example.test.
@	IN MX 10 mx.example.test.
ns	IN A 127.0.0.2
mx	IN A 127.0.0.3
bad	IN A 127.0.0.3
nodane	IN A 127.0.0.3
pkix	IN A 127.0.0.3
_25._tcp.mx	IN TLSA 3 1 1 $good
_25._tcp.bad	IN TLSA 3 1 1 $bad
_25._tcp.pkix	IN TLSA 1 1 1 $good
EOZ
cat > insecure.test.zone <<EOZ
\$ORIGIN insecure.test.
\$TTL 300
@	IN SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 300
@	IN NS ns.example.test.
@	IN MX 10 mx.insecure.test.
mx	IN A 127.0.0.3
_25._tcp.mx	IN TLSA 3 1 1 $good
EOZ
ksk=$(ldns-keygen -a ECDSAP256SHA256 -k example.test) || exit 1
zsk=$(ldns-keygen -a ECDSAP256SHA256 example.test) || exit 1
ldns-signzone -n example.test.zone "$ksk" "$zsk" > /dev/null 2>&1 ||
    ldns-signzone example.test.zone "$ksk" "$zsk" || exit 1
# An RRset without signatures in a signed zone: bogus for a validator.
echo "_25._tcp.bogus.example.test. 300 IN TLSA 3 1 1 $good" \
    >> example.test.zone.signed

cat > nsd.conf <<EOC
server:
	ip-address: 127.0.0.2
	port: 53
	username: ""
	chroot: ""
	zonesdir: "$dir"
	database: ""
	zonelistfile: "$dir/zone.list"
	xfrdfile: "$dir/xfrd.state"
	pidfile: "$dir/nsd.pid"
	logfile: "$dir/nsd.log"
	server-count: 1
remote-control:
	control-enable: no
zone:
	name: example.test
	zonefile: example.test.zone.signed
zone:
	name: insecure.test
	zonefile: insecure.test.zone
EOC
extra_if=""
[ "$have_dummy" -eq 1 ] && extra_if="	interface: 192.0.2.53"
cat > unbound.conf <<EOC
server:
	interface: 127.0.0.1
$extra_if
	port: 53
	do-daemonize: no
	username: ""
	chroot: ""
	directory: "$dir"
	pidfile: "$dir/unbound.pid"
	logfile: "$dir/unbound.log"
	use-syslog: no
	verbosity: 1
	val-log-level: 2
	access-control: 0.0.0.0/0 allow
	do-not-query-localhost: no
	qname-minimisation: no
	module-config: "validator iterator"
	trust-anchor-file: "$dir/$ksk.key"
	domain-insecure: "insecure.test"
	# RFC 6761: unbound answers .test itself unless told not to.
	local-zone: "test." nodefault
	do-ip6: no
remote-control:
	control-enable: no
stub-zone:
	name: "example.test"
	stub-addr: 127.0.0.2
stub-zone:
	name: "insecure.test"
	stub-addr: 127.0.0.2
EOC

# wait_listen ADDR PORT: until a TCP connection to ADDR:PORT in $ns
# succeeds (10 s at most; the checks below say what failed).
wait_listen() {	# addr port
	for _ in $(seq 1 50); do
		ip netns exec "$ns" bash -c "exec 3<>/dev/tcp/$1/$2" \
		    2> /dev/null && return 0
		sleep 0.2
	done
	return 1
}

# Not through nsx: the servers are children of this shell, in $ns.
ip netns exec "$ns" nsd -d -c nsd.conf > nsd.out 2>&1 &
ip netns exec "$ns" openssl s_server -accept 127.0.0.3:25 -cert srv.pem -key srv.key \
    -www -quiet > s_server.out 2>&1 < /dev/null &
# unbound only once nsd's sockets are bound: a first query that met
# nsd's port closed left unbound answering SERVFAIL for some 8 s after
# nsd started (seen with unbound 1.17), most of the wait below.
wait_listen 127.0.0.2 53 || {
	echo "not ok - $NAME: nsd does not listen on 127.0.0.2:53 after 10 s"
	sed "s/^/# /" nsd.out 2> /dev/null | tail -n 20
	exit 1
}
ip netns exec "$ns" unbound -d -c unbound.conf > unbound.out 2>&1 &

# Wait until s_server listens (a probe before it did met "Connection
# refused": seen once in make test).
wait_listen 127.0.0.3 25 || {
	echo "not ok - $NAME: openssl s_server does not listen on 127.0.0.3:25 after 10 s"
	sed "s/^/# /" s_server.out 2> /dev/null | tail -n 20
	exit 1
}

# Wait until the resolver answers with the validated record.
ready=0
for _ in $(seq 1 50); do
	if nsx "$probe" 127.0.0.1:53 0 mx.example.test 25 > out 2>&1 &&
	    grep -q '^tlsa=secure' out; then
		ready=1
		break
	fi
	sleep 0.2
done
if [ "$ready" -ne 1 ]; then
	echo "not ok - $NAME: resolver never gave a validated answer"
	sed "s/^/# /" out nsd.out unbound.out unbound.log nsd.log 2> /dev/null |
	    tail -n 40
	exit 1
fi

probe_has() {	# servers trust-ad host addr-or-- pattern...
	local s=$1 t=$2 h=$3 a=$4 p
	shift 4
	if [ "$a" = "--" ]; then
		nsx "$probe" "$s" "$t" "$h" 25 > out 2>&1 || return 1
	else
		nsx "$probe" "$s" "$t" "$h" 25 "$a" > out 2>&1 || return 1
	fi
	for p in "$@"; do
		grep -q -- "$p" out || return 1
	done
}

check "DANE-EE 3 1 1: secure, usable, verified at depth 0" \
    probe_has 127.0.0.1:53 0 mx.example.test 127.0.0.3 \
    '^tlsa=secure trusted=1 count=1 usable=1$' '^verify=ok depth=0$'
check "TLSA mismatch: secure, usable, no DANE match" \
    probe_has 127.0.0.1:53 0 bad.example.test 127.0.0.3 \
    '^tlsa=secure trusted=1 count=1 usable=1$' \
    '^verify=fail no matching DANE TLSA records$'
check "no TLSA (NODATA, signed): none" \
    probe_has 127.0.0.1:53 0 nodane.example.test -- \
    '^tlsa=none trusted=1 count=0'
check "no such name (NXDOMAIN, signed): none" \
    probe_has 127.0.0.1:53 0 nx.example.test -- '^tlsa=none trusted=1'
check "unsigned zone: records are insecure" \
    probe_has 127.0.0.1:53 0 mx.insecure.test -- \
    '^tlsa=insecure trusted=1 count=1'
check "PKIX-EE (usage 1): secure but unusable" \
    probe_has 127.0.0.1:53 0 pkix.example.test -- \
    '^tlsa=secure trusted=1 count=1 usable=0$'
check "bogus record: lookup error, Postfix's try-again text" \
    probe_has 127.0.0.1:53 0 bogus.example.test -- '^tlsa=error' \
    '^why: Host or domain name not found. Name service error for name=_25._tcp.bogus.example.test type=TLSA: Host not found, try again$'
mx_has() {	# servers trust-ad domain pattern...
	local s=$1 t=$2 d=$3 p
	shift 3
	nsx "$probe" -m "$s" "$t" "$d" > out 2>&1 || return 1
	for p in "$@"; do
		grep -q -- "$p" out || return 1
	done
}
check "dnssec MX and A lookups of a signed zone: validated" \
    mx_has 127.0.0.1:53 0 example.test \
    '^mx=0 valid=1 count=1 first=mx.example.test$' '^a=0 valid=1 count=1$'
check "dnssec MX and A lookups of an unsigned zone: not validated" \
    mx_has 127.0.0.1:53 0 insecure.test \
    '^mx=0 valid=0 count=1 first=mx.insecure.test$' '^a=0 valid=0 count=1$'
if [ "$have_dummy" -eq 1 ]; then
	check "dnssec MX lookup through an untrusted resolver: not validated" \
	    mx_has 192.0.2.53:53 0 example.test '^mx=0 valid=0 count=1'
	check "non-loopback resolver: AD not trusted, insecure" \
	    probe_has 192.0.2.53:53 0 mx.example.test -- \
	    '^tlsa=insecure trusted=0 count=1'
	check "non-loopback resolver with trust-ad: secure" \
	    probe_has 192.0.2.53:53 1 mx.example.test 127.0.0.3 \
	    '^tlsa=secure trusted=1 count=1 usable=1$' '^verify=ok depth=0$'
else
	echo "ok - non-loopback resolver cases # SKIP cannot add 192.0.2.53"
fi
echo "# $pass passed, $fail failed"
[ "$fail" -eq 0 ]
