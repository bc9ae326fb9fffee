#!/bin/bash
# NAME
#	t_e2e_tls.sh - STARTTLS at every security level, smtpjail against stock smtp(8)
# SUMMARY
#	tests/e2e/t_e2e_tls.sh        (as root; prints ok / not ok lines)
# DESCRIPTION
#	One private Postfix 3.7 world (tests/e2e/lib.sh) and certificates
#	made here with openssl(1): a test CA; a server certificate for
#	mx.good.test (RSA) signed by it; one for mx.other.test used by
#	mx.wrong.test (wrong name); an expired one for mx.exp.test; a
#	self-signed one for mx.self.test (ECDSA). Each MX is a Postfix
#	smtpd of the same instance on its own address with that
#	certificate (smtpd_tls_security_level = may, smtpd_tls_loglevel =
#	1, so the receiver logs the protocol and cipher it agreed on);
#	mx.notls.test offers no STARTTLS; mx.old.test offers only TLS 1.3
#	where the sending transports "*old" allow at most TLS 1.2 (a
#	handshake failure); mx.wrap.test listens on port 465 with TLS
#	from the first byte (smtpd_tls_wrappermode), reached by transports
#	jwrap/swrap with smtp_tls_wrappermode = yes at "encrypt".
#
#	For each level (none, may, encrypt, fingerprint, verify, secure)
#	there is an smtpjail transport jLEVEL and a stock smtp(8) transport
#	sLEVEL, each with "-o smtp_tls_security_level=LEVEL" and its own
#	syslog_name; all use smtp_tls_CAfile = the test CA,
#	smtp_tls_loglevel = 1, and the fingerprint of the good server's
#	certificate. Every level sends one message per receiver through
#	each agent. Checked for every pair: the outcome (sent, deferred)
#	is the expected one and both agents' status lines have the same
#	dsn= and text; the TLS lines each agent logged for the receiver
#	("... TLS connection established to ...", "certificate
#	verification failed for ...", "server certificate verification
#	failed ...") are the same; when smtpjail logged a TLS connection,
#	the receiver logged one with the same protocol and cipher.
#
#	Plain-text retry ("may", Postfix 3.7 RETRY_AS_PLAINTEXT): a
#	message that failed its handshake at mx.old.test and waited longer
#	than minimal_backoff_time (1s here, via hold and release) is sent
#	in clear text on the same server by both agents.
#
#	smtpjail alone (stock smtp(8) would look CApath files up inside its
#	chroot): "verify" with only smtp_tls_CApath, a hash directory made
#	here, delivers with a "Verified" connection.
#
#	Needs the smtpjail binary and openssl(1); without smtpjail the
#	suite prints "# skip ..." (SJ_REQUIRE_SMTPJAIL=1: "not ok").
# SEE ALSO
#	tests/e2e/lib.sh, tests/e2e/t_e2e_compare.sh, Postfix
#	src/smtp/smtp_proto.c, src/tls/tls_client.c
set -u
. "$(dirname "$0")/lib.sh"

T_TIMEOUT=${SJ_E2E_SETTLE:-120}
SENDER=s@sender.test
LEVELS="none may encrypt fingerprint verify secure"
VARIANTS="good wrong exp self notls"

write_zone() {	# file
	cat > "$1" <<'EOF'
mx-host=good.test,mx.good.test,10
host-record=mx.good.test,127.0.0.3
mx-host=wrong.test,mx.wrong.test,10
host-record=mx.wrong.test,127.0.0.4
mx-host=exp.test,mx.exp.test,10
host-record=mx.exp.test,127.0.0.5
mx-host=self.test,mx.self.test,10
host-record=mx.self.test,127.0.0.6
mx-host=notls.test,mx.notls.test,10
host-record=mx.notls.test,127.0.0.8
mx-host=old.test,mx.old.test,10
host-record=mx.old.test,127.0.0.9
host-record=mx.wrap.test,127.0.0.10
mx-host=sender.test,mx.sender.test,10
host-record=mx.sender.test,127.0.0.7
EOF
}

# ------------------------------------------------------------ certificates

make_certs() {	# dir
	local d=$1 n
	sj_test_ca "$d" || return 1
	# name key-type SAN [startdate enddate]
	while read -r n kt san sd ed; do
		sj_test_cert "$d" "$n" "$kt" "$san" "$sd" "$ed" || return 1
	done <<EOF
good rsa mx.good.test 20250101000000Z 20991231000000Z
wrong ec mx.other.test 20250101000000Z 20991231000000Z
exp ec mx.exp.test 20200101000000Z 20210101000000Z
old ec mx.old.test 20250101000000Z 20991231000000Z
EOF
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$d/self.key" -out "$d/self.crt" -days 30 \
	    -subj "/CN=mx.self.test" -addext "subjectAltName=DNS:mx.self.test" \
	    2>/dev/null || return 1
	for n in good wrong exp old self; do
		cat "$d/$n.key" "$d/$n.crt" > "$d/$n.pem" || return 1
	done
	chmod 600 "$d"/*.key "$d"/*.pem
	chmod 644 "$d/ca.pem"
}

sj_jail_world t_e2e_tls tls write_zone openssl

CERTS=$W_DIR/tls
make_certs "$CERTS" || sj_die "could not make the test certificates"
FPT=$(openssl x509 -noout -fingerprint -sha256 -in "$CERTS/good.crt" |
    sed 's/.*=//')

# Receivers: one smtpd per MX address.
receiver() {	# name addr [tls-options...]
	local name=$1 addr=$2
	shift 2
	pf_master_add "$addr:25 inet n - n - - smtpd" \
	    "  -o syslog_name=postfix/r$name" \
	    "  -o myhostname=rcpt.sink.test" \
	    "  -o content_filter=discard:" \
	    "  -o smtpd_recipient_restrictions=permit_mynetworks,reject" \
	    "$@"
}
for v in good:127.0.0.3 wrong:127.0.0.4 exp:127.0.0.5 self:127.0.0.6 \
    old:127.0.0.9; do
	n=${v%%:*}
	extra=()
	[ "$n" = old ] && extra=("  -o smtpd_tls_protocols=>=TLSv1.3")
	receiver "$n" "${v#*:}" "  -o smtpd_tls_security_level=may" \
	    "  -o smtpd_tls_chain_files=$CERTS/$n.pem" \
	    "  -o smtpd_tls_loglevel=1" "${extra[@]}"
done
receiver notls 127.0.0.8
# SMTPS (smtp_tls_wrappermode): TLS before the greeting, on port 465.
pf_master_add "127.0.0.10:465 inet n - n - - smtpd" \
    "  -o syslog_name=postfix/rwrap" "  -o myhostname=rcpt.sink.test" \
    "  -o content_filter=discard:" \
    "  -o smtpd_recipient_restrictions=permit_mynetworks,reject" \
    "  -o smtpd_tls_wrappermode=yes" "  -o smtpd_tls_chain_files=$CERTS/good.pem" \
    "  -o smtpd_tls_loglevel=1"
# The TLS PRNG and session cache server of stock smtp(8) and smtpd(8).
pf_master_add "tlsmgr unix - - n 1000? 1 tlsmgr"

# Senders: jLEVEL (smtpjail) and sLEVEL (stock), "*old" allow <= TLS 1.2.
for l in $LEVELS mayold wrap; do
	lv=${l%old}
	[ "$l" = wrap ] && lv=encrypt
	for a in j s; do
		[ "$a" = j ] && cmd=smtpjail || cmd=smtp
		extra=()
		[ "$l" = mayold ] && extra=("  -o smtp_tls_protocols=<=TLSv1.2")
		[ "$l" = wrap ] && extra=("  -o smtp_tls_wrappermode=yes")
		pf_master_add "$a$l unix - - y - - $cmd" \
		    "  -o syslog_name=postfix/\$service_name" \
		    "  -o smtp_tls_security_level=$lv" "${extra[@]}"
	done
done
mkdir -p "$CERTS/capath"
cp "$CERTS/ca.pem" "$CERTS/capath/$(openssl x509 -noout -hash -in "$CERTS/ca.pem").0"
pf_master_add "jcapath unix - - y - - smtpjail" \
    "  -o syslog_name=postfix/\$service_name" \
    "  -o smtp_tls_security_level=verify" "  -o smtp_tls_CAfile=" \
    "  -o smtp_tls_CApath=$CERTS/capath"
# OpenSSL's options and groups (parent/cfg_tlsopts.c): the same for both.
for a in j s; do
	[ "$a" = j ] && cmd=smtpjail || cmd=smtp
	pf_master_add "${a}opts unix - - y - - $cmd" \
	    "  -o syslog_name=postfix/\$service_name" \
	    "  -o smtp_tls_security_level=may" \
	    "  -o tls_eecdh_auto_curves=no_such_curve,secp384r1" \
	    "  -o tls_ssl_options=NO_RENEGOTIATION,NO_TICKET" \
	    "  -o tls_disable_workarounds=TLS_ROLLBACK_BUG"
done
pf_postconf "smtp_tls_CAfile=$CERTS/ca.pem" "smtp_tls_loglevel=1" \
    "smtp_tls_fingerprint_cert_match=$FPT" \
    "smtp_tls_session_cache_database=btree:\${data_directory}/smtp_scache" \
    "minimal_backoff_time=1s"
for l in $LEVELS; do
	for v in $VARIANTS; do
		printf 'j-%s@%s.test\tj%s:\ns-%s@%s.test\ts%s:\n' \
		    "$l" "$v" "$l" "$l" "$v" "$l"
	done
done > "$W_DIR/etc/transport"
printf 'j-old@old.test\tjmayold:\ns-old@old.test\tsmayold:\n' \
    >> "$W_DIR/etc/transport"
printf 'j-wrap@wrap.test\tjwrap:[mx.wrap.test]:465\n' >> "$W_DIR/etc/transport"
printf 'j-capath@good.test\tjcapath:\n' >> "$W_DIR/etc/transport"
printf 's-wrap@wrap.test\tswrap:[mx.wrap.test]:465\n' >> "$W_DIR/etc/transport"
printf 'j-opts@good.test\tjopts:\ns-opts@good.test\tsopts:\n' \
    >> "$W_DIR/etc/transport"
pf_reload || sj_die "reload failed"

# Expected outcome of LEVEL at VARIANT.
expect() {	# level variant
	case $1:$2 in
	none:*|may:*)			echo sent;;
	encrypt:notls)			echo deferred;;
	encrypt:*)			echo sent;;
	*:good)				echo sent;;
	*)				echo deferred;;
	esac
}

declare -A QID
for l in $LEVELS; do
	for v in $VARIANTS; do
		for a in j s; do
			mid=$(pf_send "$SENDER" "$a-$l@$v.test")
			QID[$a$l$v]=$(pf_qid "$mid")
		done
	done
done
pf_wait_settled "$T_TIMEOUT"

status_line() {	# agent level variant
	pf_status_line "${QID[$1$2$3]}" "$1-$2@$3.test"
}

# smtpjail sends with BDAT (smtpjail_use_chunking), to which the
# receiver says "Ok: N bytes queued as"; stock sends DATA.
SJ_FOLD="rcpt qid bdat"

# The TLS lines transport T logged about the MX of VARIANT.
tls_lines() {	# transport variant
	grep -E "postfix/$1/smtp\\[[0-9]+\\]: " "$W_DIR/log/maillog" |
	    grep -F "mx.$2.test[" |
	    grep -E 'TLS connection|verification failed|SSL_connect' |
	    sed -e 's/.*\]: //' | sort
}

outcome_ok() {	# level variant
	sj_outcome_ok "$(expect "$1" "$2")" \
	    "$(status_line j "$1" "$2")" "$(status_line s "$1" "$2")"
}

same_fields() {	# level variant
	sj_same_fields "$(status_line j "$1" "$2")" \
	    "$(status_line s "$1" "$2")" dsn text relay
}

same_tls_lines() {	# level variant
	sj_same_lines "$(tls_lines "j$1" "$2")" "$(tls_lines "s$1" "$2")"
}

# The receiver agreed on what smtpjail logged: protocol and cipher.
receiver_agrees() {	# level variant
	local l proto cipher re='TLS connection established to [^ ]+: ([^ ]+) with cipher ([^ ]+) '
	l=$(tls_lines "j$1" "$2" | grep 'TLS connection established' | head -n 1)
	if [ -z "$l" ]; then
		# No TLS: only where none was expected.
		case $1:$2 in none:*|*:notls) return 0;; esac
		echo "# smtpjail logged no TLS connection"
		return 1
	fi
	[[ $l =~ $re ]] || { echo "# unparsed: $l"; return 1; }
	proto=${BASH_REMATCH[1]} cipher=${BASH_REMATCH[2]}
	grep -E "postfix/r$2/smtpd\\[[0-9]+\\]: [A-Za-z]+ TLS connection established from [^ ]+: $proto with cipher $cipher " \
	    "$W_DIR/log/maillog" > /dev/null && return 0
	echo "# receiver r$2 logged no $proto / $cipher connection"
	return 1
}

for l in $LEVELS; do
	for v in $VARIANTS; do
		check "$l/$v: outcome $(expect "$l" "$v") for both agents" \
		    outcome_ok "$l" "$v"
		check "$l/$v: same dsn, text and relay as stock" \
		    same_fields "$l" "$v"
		check "$l/$v: same TLS log lines as stock" \
		    same_tls_lines "$l" "$v"
		check "$l/$v: the receiver saw smtpjail's protocol and cipher" \
		    receiver_agrees "$l" "$v"
	done
done

# The texts Postfix gives, seen at least once.
has_text() {	# text
	grep -E "postfix/j[a-z]+/smtp\\[[0-9]+\\]: [0-9A-F]+: to=<" \
	    "$W_DIR/log/maillog" | grep -qF -- "$1"
}
check "text: TLS is required, but was not offered" \
    has_text "dsn=4.7.4, status=deferred (TLS is required, but was not offered by host mx.notls.test[127.0.0.8])"
check "text: Server certificate not verified" \
    has_text "dsn=4.7.5, status=deferred (Server certificate not verified)"
check "log: Verified TLS connection at verify" \
    eval 'tls_lines jverify good | grep -q "^Verified TLS connection established to mx.good.test\[127.0.0.3\]:25: TLSv1.3 with cipher [A-Z0-9_]* (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256$"'
check "log: Trusted TLS connection at may" \
    eval 'tls_lines jmay good | grep -q "^Trusted TLS connection established to mx.good.test"'

# SMTPS: smtp_tls_wrappermode at "encrypt" to port 465.
mid_j=$(pf_send "$SENDER" j-wrap@wrap.test) mid_s=$(pf_send "$SENDER" s-wrap@wrap.test)
QID[jwrapwrap]=$(pf_qid "$mid_j") QID[swrapwrap]=$(pf_qid "$mid_s")
mid_j=$(pf_send "$SENDER" j-capath@good.test)
QID[jcapathgood]=$(pf_qid "$mid_j")
mid_j=$(pf_send "$SENDER" j-opts@good.test) mid_s=$(pf_send "$SENDER" s-opts@good.test)
QID[joptsgood]=$(pf_qid "$mid_j") QID[soptsgood]=$(pf_qid "$mid_s")
pf_wait_settled "$T_TIMEOUT"
check "wrappermode: sent by both agents" eval '
	sj_field "$(status_line j wrap wrap)" status; [ "$F" = sent ] &&
	sj_field "$(status_line s wrap wrap)" status; [ "$F" = sent ]'
check "wrappermode: same dsn, text and relay as stock" same_fields wrap wrap
check "wrappermode: same TLS log lines as stock" same_tls_lines wrap wrap
check "wrappermode: the receiver saw smtpjail's protocol and cipher" \
    receiver_agrees wrap wrap

# smtp_tls_CApath alone (smtpjail only: stock smtp(8) runs chrooted
# here and looks CApath files up at handshake time, inside its chroot).
# smtpjail reads every file of the directory before the lock-down.
check "CApath: smtpjail verifies with smtp_tls_CApath only" eval '
	sj_field "$(status_line j capath good)" status; [ "$F" = sent ] &&
	tls_lines jcapath good | grep -q "^Verified TLS connection established to mx.good.test"'

# tls_eecdh_auto_curves, tls_ssl_options, tls_disable_workarounds:
# both agents skip the unknown curve with Postfix's warning and offer
# secp384r1 alone, so the key exchange is secp384r1, logged as
# "key-exchange ECDHE (secp384r1)" (the default list gives X25519).
check "tls options: sent by both agents" eval '
	sj_field "$(status_line j opts good)" status; [ "$F" = sent ] &&
	sj_field "$(status_line s opts good)" status; [ "$F" = sent ]'
check "tls options: same dsn, text and relay as stock" same_fields opts good
check "tls options: same TLS log lines as stock" same_tls_lines opts good
check "tls options: key exchange secp384r1 (tls_eecdh_auto_curves)" eval '
	tls_lines jopts good | grep -q "^Trusted TLS connection established to mx.good.test\[127.0.0.3\]:25: TLSv1.3 with cipher [A-Z0-9_]* ([0-9/]* bits) key-exchange ECDHE (secp384r1) "'
curve_warning() {	# transport
	grep -E "postfix/$1/smtp\\[[0-9]+\\]: warning: ignoring unknown ECDHE curve \"no_such_curve\"" \
	    "$W_DIR/log/maillog" > /dev/null && return 0
	echo "# no curve warning from $1"
	return 1
}
check "tls options: both warned about the unknown curve as Postfix" eval \
    'curve_warning jopts && curve_warning sopts'
check "tls options: the receiver saw secp384r1 from smtpjail" receiver_agrees opts good

# Handshake failure: deferred, then the plain-text retry after a wait.
mid_j=$(pf_send "$SENDER" j-old@old.test) mid_s=$(pf_send "$SENDER" s-old@old.test)
qj=$(pf_qid "$mid_j") qs=$(pf_qid "$mid_s")
pf_wait_settled "$T_TIMEOUT"
# The first attempt's line: qmgr's own deferred-queue scan (every
# queue_run_delay, counted from its start) may already have retried the
# message in plain text when this suite runs slowly (seen under ASan).
check "may/old: handshake failure deferred by both" \
    eval 'pf_first_status_line "$qj" j-old@old.test | grep -qF "dsn=4.7.5, status=deferred (Cannot start TLS: handshake failure)" &&
	pf_first_status_line "$qs" s-old@old.test | grep -qF "dsn=4.7.5, status=deferred (Cannot start TLS: handshake failure)"'
check "may/old: same SSL_connect error line as stock" \
    eval '[ "$(tls_lines jmayold old | grep SSL_connect)" = "$(tls_lines smayold old | grep SSL_connect)" ] &&
	tls_lines jmayold old | grep -q SSL_connect'
libproblems() {	# transport
	grep -E "postfix/$1/smtp\\[[0-9]+\\]: warning: TLS library problem: " \
	    "$W_DIR/log/maillog" | sed 's/.*\]: //' | sort -u
}
check "may/old: same \"TLS library problem\" warnings as stock" \
    eval '[ -n "$(libproblems jmayold)" ] &&
	[ "$(libproblems jmayold)" = "$(libproblems smayold)" ] ||
	{ libproblems jmayold; echo ---; libproblems smayold; false; }'
# The deferred message keeps its arrival time: flushed after the wait,
# its active arrival is later by more than minimal_backoff_time.
sleep 2
pf_flush
sleep 1
pf_wait_settled "$T_TIMEOUT"
sent_old() {	# agent
	grep -E "postfix/${1}mayold/smtp\\[[0-9]+\\]: [0-9A-F]+: to=<$1-old@old.test>.*status=sent" \
	    "$W_DIR/log/maillog" > /dev/null
}
check "may/old: plain-text retry after the wait: sent by smtpjail" sent_old j
check "may/old: plain-text retry after the wait: sent by stock" sent_old s

check "no fatal or panic from either agent" \
    eval '! pf_log | grep -Eq "postfix/[js][a-z]+/smtp\[[0-9]+\]: (fatal|panic):"'
check "no child killed by seccomp" \
    eval '! pf_log | grep -q "killed by seccomp"'

check_summary
