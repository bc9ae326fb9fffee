#!/bin/bash
# NAME
#	t_e2e_tls_policy.sh - smtp_tls_policy_maps and TLS session resumption,
#	smtpjail against stock smtp(8)
# SUMMARY
#	tests/e2e/t_e2e_tls_policy.sh        (as root; prints ok / not ok lines)
# DESCRIPTION
#	One private Postfix 3.7 world (tests/e2e/lib.sh) with certificates
#	made as in t_e2e_tls.sh: a test CA and a server certificate for
#	mx.good.test; mx.wrong.test presents one for mx.other.test;
#	mx.notls.test offers no STARTTLS. Receivers are Postfix smtpd(8)s of
#	the instance at smtpd_tls_loglevel 2, so their log shows the
#	protocol and cipher of each TLS connection and "Reusing old session"
#	when a client resumed one.
#
#	main.cf: smtp_tls_security_level = may, smtp_tls_policy_maps =
#	proxy:hash:etc/tls_policy (served by the instance's proxymap(8)).
#	Transports jp (smtpjail) and sp (stock smtp(8)) use it; jt and st
#	override it with texthash:etc/tls_policy_t, the same entries. For
#	each table type and each destination, one message through each
#	agent:
#	  good.test    encrypt                  sent, with TLS at the receiver
#	  notls.test   encrypt                  deferred, 4.7.4 TLS is required
#	  wrong.test   none                     sent in clear text (the
#	                                        receiver offers STARTTLS)
#	  match.test   secure match=mx.good.test   sent, "Verified"
#	  nomatch.test secure match=mx.nomatch.test  deferred, "Server
#	                                        certificate not verified"
#	  bad.test     encrypt foo=bar          deferred, 4.7.5 client TLS
#	                                        configuration problem, with
#	                                        Postfix's warning
#	  .sub.test    encrypt protocols=>=TLSv1.2 (for a.sub.test: the
#	                                        parent domain form)
#	Checked: both agents reach the same outcome, dsn and text, and
#	where smtpjail logged a TLS connection, the receiver logged one with
#	the same protocol and cipher; where the policy says none, neither
#	agent logged a TLS connection to the server.
#
#	  tafile.test  secure match=mx.good.test tafile=<the test CA>
#	                                        sent, "Verified"
#	  taother.test secure match=mx.good.test tafile=<another CA>
#	                                        deferred, "Server certificate
#	                                        not verified" (smtp_tls_CAfile,
#	                                        the test CA, no longer counts)
#	  tanone.test  verify tafile=<a missing file>  deferred, 4.7.5 client
#	                                        TLS configuration problem
#	  dane.test    dane                     without DNSSEC lookups:
#	                                        Postfix's warning, then "may":
#	                                        sent with TLS
#	  daneonly.test dane-only               without DNSSEC lookups:
#	                                        Postfix's warning, deferred
#	                                        4.7.5 client TLS configuration
#	                                        problem
#	The tafile= files are in the agents' chroot (the queue directory),
#	where both read them at delivery time.
#
#	smtp_tls_trust_anchor_file (transports jg?/sg?, level verify, no
#	policy table): the test CA (ga.test: sent, "Verified"), the CA's
#	public key (gk.test: sent, "Verified"), another CA (gu.test:
#	deferred, "Server certificate not verified", although
#	smtp_tls_CAfile is the test CA). Stock smtp(8) reads the file at
#	delivery time, in its chroot, smtpjail at start, outside it: the
#	file is at the same path in both places. Checked: the same outcome,
#	dsn, text and TLS lines as stock smtp(8), and smtpjail's protocol
#	and cipher at the receiver.
#
#	Resumption: transports jr and sr (smtp_tls_loglevel 2,
#	smtp_connection_cache_on_demand = no, so every message has its own
#	connection) send two messages one after the other to resume.test;
#	the second connection resumes the first one's session: the receiver
#	logs "Reusing old session" for it, and smtpjail logs Postfix's
#	"...: Reusing old session" line.
#
#	Needs the smtpjail binary, openssl(1) and postmap(1); without
#	smtpjail the suite prints "# skip ..." (SJ_REQUIRE_SMTPJAIL=1:
#	"not ok").
# SEE ALSO
#	tests/e2e/lib.sh, tests/e2e/t_e2e_tls.sh, Postfix
#	src/smtp/smtp_tls_policy.c, src/tls/tls_client.c
set -u
. "$(dirname "$0")/lib.sh"

T_TIMEOUT=${SJ_E2E_SETTLE:-120}
SENDER=s@sender.test
DESTS="good notls wrong match nomatch bad a.sub tafile taother tanone dane daneonly"
GDESTS="ga gk gu"

write_zone() {	# file
	cat > "$1" <<'EOF'
mx-host=good.test,mx.good.test,10
host-record=mx.good.test,127.0.0.3
mx-host=match.test,mx.good.test,10
mx-host=nomatch.test,mx.good.test,10
mx-host=bad.test,mx.good.test,10
mx-host=dane.test,mx.good.test,10
mx-host=daneonly.test,mx.good.test,10
mx-host=tafile.test,mx.good.test,10
mx-host=taother.test,mx.good.test,10
mx-host=tanone.test,mx.good.test,10
mx-host=ga.test,mx.good.test,10
mx-host=gk.test,mx.good.test,10
mx-host=gu.test,mx.good.test,10
mx-host=resume.test,mx.good.test,10
mx-host=a.sub.test,mx.good.test,10
mx-host=wrong.test,mx.wrong.test,10
host-record=mx.wrong.test,127.0.0.4
mx-host=notls.test,mx.notls.test,10
host-record=mx.notls.test,127.0.0.8
mx-host=sender.test,mx.sender.test,10
host-record=mx.sender.test,127.0.0.7
EOF
}

make_certs() {	# dir
	local d=$1 n san
	sj_test_ca "$d" || return 1
	for n in good:mx.good.test wrong:mx.other.test; do
		san=${n#*:} n=${n%%:*}
		sj_test_cert "$d" "$n" ec "$san" || return 1
		cat "$d/$n.key" "$d/$n.crt" > "$d/$n.pem" || return 1
	done
	chmod 600 "$d"/*.key "$d"/*.pem
	chmod 644 "$d/ca.pem"
}

sj_jail_world t_e2e_tls_policy tlspol write_zone openssl postmap

CERTS=$W_DIR/tls
make_certs "$CERTS" || sj_die "could not make the test certificates"

# Trust anchor files: the test CA, its public key, an unrelated CA; at
# the same path outside and inside the agents' chroot.
TA=$W_DIR/ta
mkdir -p "$TA" || sj_die "mkdir $TA"
cp "$CERTS/ca.pem" "$TA/ca.pem"
openssl x509 -in "$CERTS/ca.pem" -pubkey -noout > "$TA/ca-pub.pem" ||
    sj_die "could not extract the CA's public key"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$TA/other.key" -out "$TA/other.pem" -days 30 \
    -subj "/CN=smtpjail unrelated CA" 2>/dev/null ||
    sj_die "could not make the unrelated CA"
rm -f "$TA/other.key"
mkdir -p "$W_DIR/spool$TA" && cp "$TA"/*.pem "$W_DIR/spool$TA/" ||
    sj_die "could not copy the trust anchors into the chroot"
chmod 755 "$TA" "$W_DIR/spool$TA"
chmod 644 "$TA"/*.pem "$W_DIR/spool$TA"/*.pem

receiver() {	# name addr [options...]
	local name=$1 addr=$2
	shift 2
	pf_master_add "$addr:25 inet n - n - - smtpd" \
	    "  -o syslog_name=postfix/r$name" \
	    "  -o myhostname=rcpt.sink.test" \
	    "  -o content_filter=discard:" \
	    "  -o smtpd_recipient_restrictions=permit_mynetworks,reject" \
	    "$@"
}
for v in good:127.0.0.3 wrong:127.0.0.4; do
	receiver "${v%%:*}" "${v#*:}" "  -o smtpd_tls_security_level=may" \
	    "  -o smtpd_tls_chain_files=$CERTS/${v%%:*}.pem" \
	    "  -o smtpd_tls_loglevel=2"
done
receiver notls 127.0.0.8
pf_master_add "tlsmgr unix - - n 1000? 1 tlsmgr"

# The policy, once per table type.
policy() {
	cat <<'EOF'
good.test	encrypt
notls.test	encrypt
wrong.test	none
match.test	secure match=mx.good.test
nomatch.test	secure match=mx.nomatch.test
bad.test	encrypt foo=bar
.sub.test	encrypt protocols=>=TLSv1.2
dane.test	dane
daneonly.test	dane-only
resume.test	encrypt
EOF
	printf 'tafile.test\tsecure match=mx.good.test tafile=%s\n' "$TA/ca.pem"
	printf 'taother.test\tsecure match=mx.good.test tafile=%s\n' \
	    "$TA/other.pem"
	printf 'tanone.test\tverify tafile=%s\n' "$TA/missing.pem"
}
policy > "$W_DIR/etc/tls_policy"
policy > "$W_DIR/etc/tls_policy_t"
pf_cmd postmap -c "$W_DIR/etc" "hash:$W_DIR/etc/tls_policy" ||
    sj_die "postmap failed"

for a in j s; do
	[ "$a" = j ] && cmd=smtpjail || cmd=smtp
	pf_master_add "${a}p unix - - y - - $cmd" \
	    "  -o syslog_name=postfix/\$service_name"
	pf_master_add "${a}t unix - - y - - $cmd" \
	    "  -o syslog_name=postfix/\$service_name" \
	    "  -o smtp_tls_policy_maps=texthash:$W_DIR/etc/tls_policy_t"
	for g in ga:ca.pem gk:ca-pub.pem gu:other.pem; do
		pf_master_add "${a}${g%%:*} unix - - y - - $cmd" \
		    "  -o syslog_name=postfix/\$service_name" \
		    "  -o smtp_tls_policy_maps=" \
		    "  -o smtp_tls_security_level=verify" \
		    "  -o smtp_tls_trust_anchor_file=$TA/${g#*:}"
	done
	pf_master_add "${a}r unix - - y - 1 $cmd" \
	    "  -o syslog_name=postfix/\$service_name" \
	    "  -o smtp_tls_loglevel=2" \
	    "  -o smtp_connection_cache_on_demand=no" \
	    "  -o smtp_connection_cache_time_limit=60s"
done
pf_postconf "smtp_tls_CAfile=$CERTS/ca.pem" "smtp_tls_loglevel=1" \
    "smtp_tls_security_level=may" \
    "smtp_tls_policy_maps=proxy:hash:$W_DIR/etc/tls_policy" \
    "smtp_tls_session_cache_database=btree:\${data_directory}/smtp_scache"
{
	for d in $DESTS; do
		for t in p t; do
			printf '%s-%s@%s.test\t%s:\n' "j$t" "$d" "$d" "j$t"
			printf '%s-%s@%s.test\t%s:\n' "s$t" "$d" "$d" "s$t"
		done
	done
	for g in $GDESTS; do
		printf 'j%s-%s@%s.test\tj%s:\n' "$g" "$g" "$g" "$g"
		printf 's%s-%s@%s.test\ts%s:\n' "$g" "$g" "$g" "$g"
	done
	printf 'jr-%s@resume.test\tjr:\n' 1 2 3
	printf 'sr-%s@resume.test\tsr:\n' 1 2 3
} > "$W_DIR/etc/transport"
pf_reload || sj_die "reload failed"

declare -A QID
for d in $DESTS; do
	for t in p t; do
		for a in j s; do
			mid=$(pf_send "$SENDER" "$a$t-$d@$d.test")
			QID[$a$t$d]=$(pf_qid "$mid")
		done
	done
done
for g in $GDESTS; do
	for a in j s; do
		mid=$(pf_send "$SENDER" "$a$g-$g@$g.test")
		QID[$a$g$g]=$(pf_qid "$mid")
	done
done
pf_wait_settled "$T_TIMEOUT"

expect() {	# dest
	case $1 in
	good|wrong|match|a.sub|tafile|dane|ga|gk)	echo sent;;
	*)			echo deferred;;
	esac
}

status_line() {	# agent+table dest
	pf_status_line "${QID[$1$2]}" "$1-$2@$2.test"
}

# Recipients "jp-", "jt-", "sp-", "st-" (agent and table); smtpjail
# sends with BDAT (lib.sh, SJ_FOLD).
SJ_FOLD="rcpt qid bdat" SJ_FOLD_PREFIX='[js][pt]'

# The TLS lines transport T logged about the MX of DEST.
tls_lines() {	# transport dest
	local mx=mx.good.test
	case $2 in wrong) mx=mx.wrong.test;; notls) mx=mx.notls.test;; esac
	grep -E "postfix/$1/smtp\\[[0-9]+\\]: " "$W_DIR/log/maillog" |
	    grep -F "$mx[" |
	    grep -E 'TLS connection|verification failed|SSL_connect' |
	    sed -e 's/.*\]: //' | sort -u
}

outcome_ok() {	# table dest
	sj_outcome_ok "$(expect "$2")" \
	    "$(status_line "j$1" "$2")" "$(status_line "s$1" "$2")"
}

same_fields() {	# table dest
	sj_same_fields "$(status_line "j$1" "$2")" \
	    "$(status_line "s$1" "$2")" dsn text
}

# TLS as the policy says: the receiver saw smtpjail's protocol and
# cipher; at "none" no TLS connection was made by either agent.
tls_as_policy() {	# table dest
	local l proto cipher rx re='TLS connection established to [^ ]+: ([^ ]+) with cipher ([^ ]+) '
	case $2 in
	wrong)
		[ -z "$(tls_lines "j$1" wrong)" ] &&
		    [ -z "$(tls_lines "s$1" wrong)" ] && return 0
		echo "# a TLS connection at policy none:"
		tls_lines "j$1" wrong | sed 's/^/#   /'
		return 1;;
	notls|bad|tanone|daneonly)
		return 0;;
	esac
	l=$(tls_lines "j$1" "$2" | grep 'TLS connection established' | head -n 1)
	[[ $l =~ $re ]] || { echo "# smtpjail logged no TLS connection: '$l'"; return 1; }
	proto=${BASH_REMATCH[1]} cipher=${BASH_REMATCH[2]}
	rx=good
	grep -E "postfix/r$rx/smtpd\\[[0-9]+\\]: [A-Za-z]+ TLS connection established from [^ ]+: $proto with cipher $cipher " \
	    "$W_DIR/log/maillog" > /dev/null && return 0
	echo "# receiver r$rx logged no $proto / $cipher connection"
	return 1
}

same_tls_lines() {	# transport-j transport-s dest
	sj_same_lines -n "$(tls_lines "$1" "$3")" "$(tls_lines "$2" "$3")"
}

for t in p t; do
	[ $t = p ] && tn=proxy:hash || tn=texthash
	for d in $DESTS; do
		check "$tn $d: outcome $(expect "$d") for both agents" \
		    outcome_ok $t "$d"
		check "$tn $d: same dsn and text as stock" same_fields $t "$d"
		check "$tn $d: TLS as the policy says" tls_as_policy $t "$d"
	done
	check "$tn: secure match= logged a Verified connection" eval \
	    'tls_lines j'$t' match | grep -q "^Verified TLS connection established to mx.good.test\[127.0.0.3\]:25: "'
	check "$tn: bad entry: Postfix's warning, as stock logs it" eval '
	    w="warning: smtp_tls_policy_maps, next-hop destination \"bad.test\": invalid attribute name: \"foo\""
	    pf_log | grep -E "postfix/j'$t'/smtp\[[0-9]+\]: " | grep -qF "$w" &&
	    pf_log | grep -E "postfix/s'$t'/smtp\[[0-9]+\]: " | grep -qF "$w"'
	check "$tn: bad entry: deferred 4.7.5 client TLS configuration problem" \
	    eval 'status_line j'$t' bad | grep -qF "dsn=4.7.5, status=deferred (client TLS configuration problem)"'
	check "$tn: dane without DNSSEC lookups: Postfix's warning, as stock" eval '
	    w="warning: dane.test: dane configured with dnssec lookups disabled"
	    pf_log | grep -E "postfix/j'$t'/smtp\[[0-9]+\]: " | grep -qF "$w" &&
	    pf_log | grep -E "postfix/s'$t'/smtp\[[0-9]+\]: " | grep -qF "$w"'
	check "$tn: dane-only without DNSSEC lookups: Postfix's warning, as stock" eval '
	    w="warning: daneonly.test: dane-only configured with dnssec lookups disabled"
	    pf_log | grep -E "postfix/j'$t'/smtp\[[0-9]+\]: " | grep -qF "$w" &&
	    pf_log | grep -E "postfix/s'$t'/smtp\[[0-9]+\]: " | grep -qF "$w"'
	for d in tafile taother; do
		check "$tn $d: the same TLS lines as stock" same_tls_lines \
		    "j$t" "s$t" "$d"
	done
	check "$tn: tafile= logged a Verified connection" eval \
	    'tls_lines j'$t' tafile | grep -q "^Verified TLS connection established to mx.good.test\[127.0.0.3\]:25: "'
	check "$tn: tafile= of a missing file: Postfix's warning, as stock" eval '
	    w="warning: error opening trust anchor file: $TA/missing.pem: No such file or directory"
	    pf_log | grep -E "postfix/j'$t'/smtp\[[0-9]+\]: " | grep -qF "$w" &&
	    pf_log | grep -E "postfix/s'$t'/smtp\[[0-9]+\]: " | grep -qF "$w"'
done

# ------------------------------------------- smtp_tls_trust_anchor_file

for g in $GDESTS; do
	check "trust anchor file $g: outcome $(expect $g) for both agents" \
	    outcome_ok "$g" "$g"
	check "trust anchor file $g: same dsn and text as stock" \
	    same_fields "$g" "$g"
	check "trust anchor file $g: the same TLS lines as stock" \
	    same_tls_lines "j$g" "s$g" "$g"
	check "trust anchor file $g: TLS at the receiver" tls_as_policy \
	    "$g" "$g"
done
for g in ga gk; do
	check "trust anchor file $g: a Verified connection" eval \
	    'tls_lines j'$g' '$g' | grep -q "^Verified TLS connection established to mx.good.test\[127.0.0.3\]:25: "'
done
check "trust anchor file gu: verification failed, as stock" eval \
    'tls_lines jgu gu | grep -q "certificate verification failed for mx.good.test\[127.0.0.3\]:25"'

# ------------------------------------------------------------ resumption

resumed_by() {	# agent: its second connection resumed the first session
	local q1 q2 mid
	mid=$(pf_send "$SENDER" "$1r-1@resume.test") || return 1
	q1=$(pf_qid "$mid")
	pf_wait_settled "$T_TIMEOUT"
	pf_status_line "$q1" "$1r-1@resume.test" | grep -q "status=sent" ||
	    { echo "# first message not sent"; return 1; }
	RX_BEFORE=$(pf_log | grep -cE "postfix/rgood/smtpd\[[0-9]+\]: .*Reusing old session")
	mid=$(pf_send "$SENDER" "$1r-2@resume.test") || return 1
	q2=$(pf_qid "$mid")
	pf_wait_settled "$T_TIMEOUT"
	pf_status_line "$q2" "$1r-2@resume.test" | grep -q "status=sent" ||
	    { echo "# second message not sent"; return 1; }
	RX_AFTER=$(pf_log | grep -cE "postfix/rgood/smtpd\[[0-9]+\]: .*Reusing old session")
	[ "$RX_AFTER" -gt "$RX_BEFORE" ] && return 0
	echo "# the receiver logged no resumed session ($RX_BEFORE, $RX_AFTER)"
	pf_log | grep -E "postfix/($1r/smtp|rgood/smtpd)\[" | tail -n 30 | sed 's/^/#   /'
	return 1
}
check "resumption: stock smtp(8)'s second connection resumes (receiver)" \
    resumed_by s
check "resumption: smtpjail's second connection resumes (receiver)" \
    resumed_by j
# A third connection resumes too: the cached session stays until the
# server sends a newer one (tlsmgr(8) keeps it so for stock smtp(8));
# Postfix's smtpd need not send a ticket on a resumed TLS 1.3 connection.
resumed_again_by() {	# agent
	local q mid before after
	before=$(pf_log | grep -cE "postfix/rgood/smtpd\[[0-9]+\]: .*Reusing old session")
	mid=$(pf_send "$SENDER" "$1r-3@resume.test") || return 1
	q=$(pf_qid "$mid")
	pf_wait_settled "$T_TIMEOUT"
	pf_status_line "$q" "$1r-3@resume.test" | grep -q "status=sent" ||
	    { echo "# third message not sent"; return 1; }
	after=$(pf_log | grep -cE "postfix/rgood/smtpd\[[0-9]+\]: .*Reusing old session")
	[ "$after" -gt "$before" ] && return 0
	echo "# the receiver logged no resumed session ($before, $after)"
	pf_log | grep -E "postfix/($1r/smtp|rgood/smtpd)\[" | tail -n 20 | sed 's/^/#   /'
	return 1
}
check "resumption: stock smtp(8)'s third connection resumes (receiver)" \
    resumed_again_by s
check "resumption: smtpjail's third connection resumes (receiver)" \
    resumed_again_by j
check "resumption: smtpjail logs Postfix's \"Reusing old session\"" eval \
    'pf_log | grep -qE "postfix/jr/smtp\[[0-9]+\]: mx.good.test\[127.0.0.3\]:25: Reusing old session$"'
check "resumption: the same line as stock smtp(8)" eval \
    'a=$(pf_log | grep -E "postfix/jr/smtp\[[0-9]+\]: .*Reusing old session" | sed "s/.*\]: //" | sort -u)
     b=$(pf_log | grep -E "postfix/sr/smtp\[[0-9]+\]: .*Reusing old session" | sed "s/.*\]: //" | sort -u)
     [ -n "$a" ] && [ "$a" = "$b" ] || { echo "# smtpjail: $a"; echo "# stock: $b"; false; }'

agent_tls_lines() {	# transport
	pf_log | grep -E "postfix/$1/smtp\[[0-9]+\]: " |
	    grep -E "Reusing old session|subject_CN=|TLS connection established" | sed 's/.*\]: //'
}
same_resumption_lines() {
	local a b
	a=$(agent_tls_lines jr) b=$(agent_tls_lines sr)
	[ -n "$a" ] && [ "$a" = "$b" ] && return 0
	echo "# smtpjail:"; echo "$a" | sed 's/^/#   /'
	echo "# stock:"; echo "$b" | sed 's/^/#   /'
	return 1
}
check "resumption: the same TLS lines as stock smtp(8), both connections" \
    same_resumption_lines

check "no fatal or panic from either agent" \
    eval '! pf_log | grep -Eq "postfix/[js][a-z]+/smtp\[[0-9]+\]: (fatal|panic):"'
check "no child killed by seccomp" \
    eval '! pf_log | grep -q "killed by seccomp"'

check_summary
