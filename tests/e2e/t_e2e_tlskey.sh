#!/bin/bash
# NAME
#	t_e2e_tlskey.sh - TLS client certificates, the key in the parent, against stock smtp(8)
# SUMMARY
#	tests/e2e/t_e2e_tlskey.sh        (as root; prints ok / not ok lines)
# DESCRIPTION
#	One private Postfix 3.7 world (tests/e2e/lib.sh) and certificates
#	made here with openssl(1): a test CA, a server certificate for
#	mx.good.test, and two client certificates signed by the CA, one
#	with an RSA key, one with an ECDSA (P-256) key.
#
#	The receiver (mx.good.test) is a Postfix smtpd that asks for a
#	client certificate (smtpd_tls_ask_ccert = yes, the test CA in
#	smtpd_tls_CAfile) and relays only for the two client certificates'
#	SHA-256 fingerprints (smtpd_recipient_restrictions =
#	permit_tls_clientcerts, reject; relay_clientcerts): mail without
#	a listed certificate is refused with "Relay access denied".
#
#	Transports, each once as smtpjail (jNAME) and once as stock
#	smtp(8) (sNAME), at smtp_tls_security_level = encrypt:
#	rsa13/rsa12 (smtp_tls_cert_file + smtp_tls_key_file, two files;
#	TLS 1.3, then at most TLS 1.2), ec13/ec12 (smtp_tls_eccert_file,
#	key and certificate in one file), chain12 (smtp_tls_chain_files:
#	key, certificate, CA; TLS 1.2) and nocert (no client
#	certificate). For each: both agents' outcome (sent, or bounced
#	without a certificate) and dsn= are the same; for smtpjail's
#	delivery the receiver logged a "Trusted TLS connection established
#	from" line with the protocol and the client-signature of the key
#	type (RSA-PSS or ECDSA).
#
#	The key never enters the child: after the deliveries, the memory
#	of every live smtpjail child (kept idle by
#	smtp_connection_cache_time_limit) is searched for the private
#	components of both client keys and their PEM text
#	(tests/e2e/memscan.py); the same search finds them in the parent
#	(the search works).
#
#	Needs the smtpjail binary, openssl(1) and python3; without smtpjail
#	the suite prints "# skip ..." (SJ_REQUIRE_SMTPJAIL=1: "not ok").
# SEE ALSO
#	tests/e2e/lib.sh, tests/e2e/t_e2e_tls.sh, parent/tls_sign.c,
#	child/tls_keyprov.c, Postfix src/tls/tls_certkey.c
set -u
. "$(dirname "$0")/lib.sh"

T_TIMEOUT=${SJ_E2E_SETTLE:-120}
SENDER=s@sender.test
NAMES="rsa13 rsa12 ec13 ec12 chain12 nocert"

write_zone() {	# file
	cat > "$1" <<'EOF'
mx-host=good.test,mx.good.test,10
host-record=mx.good.test,127.0.0.3
mx-host=sender.test,mx.sender.test,10
host-record=mx.sender.test,127.0.0.7
EOF
}

make_certs() {	# dir
	local d=$1 n kt
	sj_test_ca "$d" || return 1
	for n in server:rsa:mx.good.test crsa:rsa:client-rsa.test \
	    cec:ec:client-ec.test; do
		kt=${n#*:} kt=${kt%%:*}
		sj_test_cert "$d" "${n%%:*}" "$kt" "${n##*:}" || return 1
	done
	cat "$d/server.key" "$d/server.crt" > "$d/server.pem" &&
	    cat "$d/cec.crt" "$d/cec.key" > "$d/cec.pem" &&
	    cat "$d/crsa.key" "$d/crsa.crt" "$d/ca.pem" > "$d/crsa-chain.pem" ||
	    return 1
	chmod 600 "$d"/*.key "$d"/*.pem
	chmod 644 "$d/ca.pem" "$d"/*.crt
}

sj_jail_world t_e2e_tlskey tlskey write_zone openssl python3

CERTS=$W_DIR/tls
make_certs "$CERTS" || sj_die "could not make the test certificates"
fpt() { openssl x509 -noout -fingerprint -sha256 -in "$1" | sed 's/.*=//'; }
FP_RSA=$(fpt "$CERTS/crsa.crt") FP_EC=$(fpt "$CERTS/cec.crt")

pf_master_add "127.0.0.3:25 inet n - n - - smtpd" \
    "  -o syslog_name=postfix/rgood" "  -o myhostname=rcpt.sink.test" \
    "  -o content_filter=discard:" \
    "  -o smtpd_tls_security_level=may" \
    "  -o smtpd_tls_chain_files=$CERTS/server.pem" \
    "  -o smtpd_tls_ask_ccert=yes" "  -o smtpd_tls_CAfile=$CERTS/ca.pem" \
    "  -o smtpd_tls_fingerprint_digest=sha256" \
    "  -o smtpd_tls_loglevel=1" \
    "  -o smtpd_relay_restrictions=permit_tls_clientcerts,reject_unauth_destination" \
    "  -o smtpd_recipient_restrictions=permit"
pf_master_add "tlsmgr unix - - n 1000? 1 tlsmgr"

for n in $NAMES; do
	opts=()
	case $n in
	rsa*)	opts=("  -o smtp_tls_cert_file=$CERTS/crsa.crt"
		    "  -o smtp_tls_key_file=$CERTS/crsa.key");;
	ec*)	opts=("  -o smtp_tls_eccert_file=$CERTS/cec.pem");;
	chain*)	opts=("  -o smtp_tls_chain_files=$CERTS/crsa-chain.pem");;
	esac
	case $n in
	*12)	opts+=("  -o smtp_tls_mandatory_protocols=<=TLSv1.2");;
	esac
	for a in j s; do
		[ "$a" = j ] && cmd=smtpjail || cmd=smtp
		pf_master_add "$a$n unix - - y - - $cmd" \
		    "  -o syslog_name=postfix/\$service_name" \
		    "  -o smtp_tls_security_level=encrypt" \
		    "  -o smtp_connection_cache_time_limit=100s" "${opts[@]}"
	done
done
pf_postconf "smtp_tls_CAfile=$CERTS/ca.pem" "smtp_tls_loglevel=1" \
    "relay_clientcerts=inline:{ $FP_RSA=rsa, $FP_EC=ec }" \
    "smtp_tls_session_cache_database=btree:\${data_directory}/smtp_scache"
for n in $NAMES; do
	printf 'j-%s@good.test\tj%s:\ns-%s@good.test\ts%s:\n' "$n" "$n" "$n" "$n"
done > "$W_DIR/etc/transport"
pf_reload || sj_die "reload failed"

declare -A QID
for n in $NAMES; do
	for a in j s; do
		mid=$(pf_send "$SENDER" "$a-$n@good.test")
		QID[$a$n]=$(pf_qid "$mid")
	done
done
pf_wait_settled "$T_TIMEOUT"

status_line() {	# agent name
	pf_status_line "${QID[$1$2]}" "$1-$2@good.test"
}

# The receiver's TLS line for the session that queued RQID.
receiver_tls() {	# receiver-queue-id
	awk -v q="$1" '
	    /postfix\/rgood\/smtpd\[[0-9]+\]: / {
		match($0, /smtpd\[[0-9]+\]/); p = substr($0, RSTART, RLENGTH)
		if ($0 ~ /TLS connection established from/) last[p] = $0
		if (index($0, "]: " q ": client=")) { print last[p]; exit }
	    }' "$W_DIR/log/maillog"
}

want() {	# name
	case $1 in
	nocert)	echo bounced;;
	*)	echo sent;;
	esac
}

same_outcome() {	# name
	local jl sl
	jl=$(status_line j "$1") sl=$(status_line s "$1")
	sj_outcome_ok "$(want "$1")" "$jl" "$sl" &&
	    sj_same_fields "$jl" "$sl" dsn
}

# smtpjail's session, as the receiver logged it: "Trusted" is a client
# certificate that verified (smtpd logs "Anonymous" without one); with
# TLS 1.3 smtpd also names the client signature (Postfix tls_misc.c).
receiver_saw() {	# name protocol [signature]
	local l rq re='queued as ([0-9A-Za-z]+)'
	[[ $(status_line j "$1") =~ $re ]] ||
	    { echo "# no queue id in: $(status_line j "$1")"; return 1; }
	rq=${BASH_REMATCH[1]}
	l=$(receiver_tls "$rq")
	if [ -n "${3:-}" ]; then
		echo "$l" | grep -Eq "Trusted TLS connection established from [^ ]+: $2 with cipher .* client-signature $3 " &&
		    return 0
	else
		echo "$l" | grep -Eq "Trusted TLS connection established from [^ ]+: $2 with cipher " &&
		    return 0
	fi
	echo "# receiver: '$l'"
	return 1
}

for n in $NAMES; do
	check "$n: $(want "$n") by both agents, same dsn" same_outcome "$n"
done
check "rsa13: receiver saw TLSv1.3 with an RSA-PSS client signature" \
    receiver_saw rsa13 TLSv1.3 RSA-PSS
check "rsa12: receiver saw TLSv1.2 with a trusted client certificate" \
    receiver_saw rsa12 TLSv1.2
check "ec13: receiver saw TLSv1.3 with an ECDSA client signature" \
    receiver_saw ec13 TLSv1.3 ECDSA
check "ec12: receiver saw TLSv1.2 with a trusted client certificate" \
    receiver_saw ec12 TLSv1.2
check "chain12: receiver saw TLSv1.2 with a trusted client certificate" \
    receiver_saw chain12 TLSv1.2
check "nocert: Relay access denied by the receiver for both agents" eval '
	status_line j nocert | grep -q "Relay access denied" &&
	status_line s nocert | grep -q "Relay access denied"'

# The key never entered a child; the parent has it (the scan works).
# A scan that fails (or reads nothing) says "error", never 0. Prints
# the hits and how many processes were searched with both keys (a
# child may end meanwhile: an idle or lent one at its time limit; it is
# "gone" and not counted).
scan_roles() {	# role: total hits of both keys, processes searched
	local pids total=0 k out n searched=
	pids=$(sj_agent_pids "$1")
	[ -n "$pids" ] || { echo "none 0"; return 0; }
	for k in crsa cec; do
		# shellcheck disable=SC2086
		out=$(python3 "$SJ_TOP/tests/e2e/memscan.py" "$CERTS/$k.key" \
		    $pids) || { echo "error 0"; return 0; }
		total=$((total + $(echo "$out" |
		    awk '$2 ~ /^[0-9]+$/ { s += $2 } END { print s + 0 }')))
		n=$(echo "$out" | awk '$2 ~ /^[0-9]+$/ { n++ } END { print n + 0 }')
		if [ -z "$searched" ] || [ "$n" -lt "$searched" ]; then
			searched=$n
		fi
	done
	echo "$total $searched"
}
SJ_TOP=${SJ_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
NCHILD=$(sj_agent_pids child | wc -l)
read -r CHILD_HITS CHILD_SEARCHED <<< "$(scan_roles child)"
read -r PARENT_HITS _ <<< "$(scan_roles parent)"
read -r SPAWNER_HITS _ <<< "$(scan_roles spawner)"
echo "# children $NCHILD, $CHILD_SEARCHED searched: key hits $CHILD_HITS; parents: $PARENT_HITS; spawner: $SPAWNER_HITS"
check "memory: live children searched" eval '[ "$CHILD_SEARCHED" -gt 0 ]'
check "memory: no child holds a byte pattern of either client key" \
    eval '[ "$CHILD_HITS" = 0 ]'
check "memory: the spawner holds none either" \
    eval '[ "$SPAWNER_HITS" = 0 ] || [ "$SPAWNER_HITS" = none ]'
check "memory: the same search finds the key in a parent" \
    eval '[ "$PARENT_HITS" != none ] && [ "$PARENT_HITS" -gt 0 ]'

check "no fatal or panic from either agent" \
    eval '! pf_log | grep -Eq "postfix/[js][a-z0-9]+/smtp\[[0-9]+\]: (fatal|panic):"'
check "no child killed by seccomp" \
    eval '! pf_log | grep -q "killed by seccomp"'
check "no refused signing request" \
    eval '! pf_log | grep -q "signing request refused"'

check_summary
