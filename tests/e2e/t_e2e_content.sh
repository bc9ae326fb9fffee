#!/bin/bash
# NAME
#	t_e2e_content.sh - byte-exact content through smtpjail and stock smtp(8)
# SUMMARY
#	tests/e2e/t_e2e_content.sh        (as root; prints ok / not ok lines)
# DESCRIPTION
#	One private Postfix 3.7 world (tests/e2e/lib.sh) with smtpjail as the
#	smtp transport and stock smtp(8) as stocksmtp. Every message is
#	injected once with two recipients, u@j.test (smtpjail) and u@s.test
#	(transport_maps: stocksmtp), so both agents read the same queue
#	file; both MX records point at one smtp-sink that dumps every
#	transaction. The oracle is twofold: the two dumps are identical
#	except for the X-Rcpt-Args line (same envelope parameters, same
#	headers, same body), and the body received equals the body
#	injected (sha256), except where Postfix itself must change it.
#
#	Cases: a 5 MB message; an 8-bit body declared with -B 8BITMIME and
#	one not declared; to a server without 8BITMIME (smtp-sink -8), the
#	8-bit body and a MIME tree (an 8-bit header, a multipart with an
#	8bit part holding a 1500-byte line, a message/rfc822 part with a
#	multipart/alternative of two 8bit parts, a base64 part) converted
#	to quoted-printable exactly as stock converts them and decoding
#	to the injected parts, and with disable_mime_output_conversion =
#	yes sent unconverted as stock sends it; lines that start with "." (dot-stuffing end to
#	end); a 1500- and a 3000-character line (folded at
#	smtp_line_length_limit = 990 exactly as stock smtp(8) folds it,
#	checked against the expected shape); 200 recipients with
#	smtp_destination_recipient_limit = 50: four transactions of 50,
#	each recipient delivered and logged exactly once, for both agents.
#
#	Needs the smtpjail binary; without it the suite prints
#	"# skip ..." (SJ_REQUIRE_SMTPJAIL=1: "not ok").
# SEE ALSO
#	tests/e2e/lib.sh, tests/e2e/t_e2e_basic.sh
set -u
. "$(dirname "$0")/lib.sh"

T_TIMEOUT=${SJ_E2E_SETTLE:-120}
SENDER=s@sender.test

write_zone() {	# file
	cat > "$1" <<'EOF'
mx-host=j.test,mx.sink.test,10
mx-host=s.test,mx.sink.test,10
host-record=mx.sink.test,127.0.0.3
mx-host=j7.test,mx.sink7.test,10
mx-host=s7.test,mx.sink7.test,10
mx-host=jr7.test,mx.sink7.test,10
mx-host=sr7.test,mx.sink7.test,10
host-record=mx.sink7.test,127.0.0.4
mx-host=sender.test,mx.sender.test,10
host-record=mx.sender.test,127.0.0.7
EOF
}

# sj_send_file NAME FILE [sendmail options] -- RCPT...: inject FILE (its
# own headers, with a Message-ID <NAME.PID@pfi.example.test> prepended).
declare -A MID
# sj_dump_of NAME DOMAIN [SINK]: the sink's dump file of message NAME for
# the recipient domain (exactly one expected).
# The dump without what differs by design: the envelope recipient lines
# and the Received header smtp-sink adds (its own transaction id).
# The message body in a dump: after the first empty line, minus the
# empty line smtp-sink appends after each message.
dump_body() {	# file
	sed '1,/^$/d' "$1" | sed '$ { /^$/d }'
}

# The body of an injected file (after its header block).
file_body() {	# file
	sed '1,/^$/d' "$1"
}

# body_intact NAME FILE DOMAIN: the body received equals FILE's body.
body_intact() {	# name file domain
	local d a b
	d=$(sj_dump_of "$1" "$3") || return 1
	a=$(file_body "$2" | sj_sha) b=$(dump_body "$d" | sj_sha)
	[ "$a" = "$b" ] && return 0
	echo "# body of $1 at the sink ($3) differs from the injected one"
	diff <(file_body "$2") <(dump_body "$d") | head -n 6 | cut -c1-200 |
	    sed 's/^/#   /'
	return 1
}

sent_both() {	# name: both recipients logged sent, once each
	local q a b
	q=$(pf_qid "${MID[$1]}") || { echo "# no queue id for $1"; return 1; }
	a=$(grep -Fc " $q: to=<u@j.test>, " "$W_DIR/log/maillog")
	b=$(grep -Fc " $q: to=<u@s.test>, " "$W_DIR/log/maillog")
	pf_status_line "$q" u@j.test | grep -q 'postfix/smtp\[.*status=sent ' &&
	    pf_status_line "$q" u@s.test | grep -q 'postfix/stocksmtp/smtp\[.*status=sent ' &&
	    [ "$a" -eq 1 ] && [ "$b" -eq 1 ] && return 0
	echo "# $1: j.test lines $a, s.test lines $b:"
	grep -F " $q: to=" "$W_DIR/log/maillog" | sed 's/^/#   /'
	return 1
}

mail_args_have() {	# name domain text
	local d
	d=$(sj_dump_of "$1" "$2") || return 1
	grep -a '^X-Mail-Args: ' "$d" | grep -qF -- "$3"
}

# line_shape NAME DOMAIN LEN...: the body (after its first line) has
# lines of exactly these lengths, in order, then the rest.
line_lengths() {	# name domain
	local d
	d=$(sj_dump_of "$1" "$2") || return 1
	dump_body "$d" | awk '{ print length($0) }' | tr '\n' ' '
}

# -------------------------------------------------------------- messages

mk_messages() {	# dir
	local d=$1 i
	mkdir -p "$d"
	{
		printf 'From: <%s>\nTo: <u@j.test>, <u@s.test>\n' "$SENDER"
		printf 'Subject: five megabytes\n\n'
		head -c 3900000 /dev/urandom | base64 -w 76
		echo "end of the big one"
	} > "$d/big"
	{
		printf 'From: <%s>\nTo: <u@j.test>\nSubject: 8bit declared\n' "$SENDER"
		printf 'MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n'
		printf 'Content-Transfer-Encoding: 8bit\n\n'
		printf 'Gr\303\274\303\237e aus K\303\266ln, \342\202\254 und \360\237\230\200.\n'
		printf 'Latin-1 bytes: \344\366\374\337 and high \200\201\377.\n'
	} > "$d/8bit"
	# MIME with 8-bit parts at every level, for servers without
	# 8BITMIME: an 8-bit header, a preamble, an 8bit text part with
	# a 1500-byte line, a trailing space, '=' and a leading dot, a
	# message/rfc822 part holding a multipart/alternative of two
	# 8bit parts, a base64 part, an epilogue.
	{
		printf 'From: <%s>\nTo: <u@j7.test>\n' "$SENDER"
		printf 'Subject: MIME Gr\303\274\303\237e\nX-Raw: K\303\266ln\n'
		printf 'MIME-Version: 1.0\n'
		printf 'Content-Type: multipart/mixed;\n\tboundary="outer=_1"\n\n'
		printf 'This is a MIME preamble.\n--outer=_1\n'
		printf 'Content-Type: text/plain; charset=utf-8\n'
		printf 'Content-Transfer-Encoding: 8bit\n\n'
		printf 'Gr\303\274\303\237e aus K\303\266ln, \342\202\254 und \360\237\230\200.\n'
		for i in $(seq 1 500); do printf '\303\244'; done
		for i in $(seq 1 500); do printf 'x'; done; echo
		printf 'trailing space \nequals=sign\n.leading dot \303\244\n\n'
		printf -- '--outer=_1\nContent-Type: message/rfc822\n'
		printf 'Content-Transfer-Encoding: 8bit\n\n'
		printf 'From: <inner@sender.test>\nSubject: inner \303\274\n'
		printf 'MIME-Version: 1.0\n'
		printf 'Content-Type: multipart/alternative; boundary=inner_2\n'
		printf 'Content-Transfer-Encoding: 8bit\n\n--inner_2\n'
		printf 'Content-Type: text/plain; charset=iso-8859-1\n'
		printf 'Content-Transfer-Encoding: 8bit\n\n'
		printf 'Latin-1: \344\366\374\337 high \200\201\377 tab\t\n'
		printf -- '--inner_2\nContent-Type: text/html; charset=utf-8\n'
		printf 'Content-Transfer-Encoding: 8bit\n\n<p>Gr\303\274\303\237e</p>\n'
		printf -- '--inner_2--\n\n--outer=_1\n'
		printf 'Content-Type: application/octet-stream\n'
		printf 'Content-Transfer-Encoding: base64\n\nAAECAwQFBgc=\n'
		printf -- '--outer=_1--\nepilogue\n'
	} > "$d/mime"
	# More multipart levels than mime_nesting_limit (100) allows.
	{
		printf 'From: <%s>\nTo: <u@j7.test>\nSubject: deep\n' "$SENDER"
		printf 'MIME-Version: 1.0\nContent-Type: multipart/mixed'
		for i in $(seq 1 103); do printf ';\n boundary=b%d' "$i"; done
		printf '\n\n--b1\n\nbody\n--b1--\n'
	} > "$d/deep"
	{
		printf 'From: <%s>\nTo: <u@j.test>\nSubject: 8bit undeclared\n\n' "$SENDER"
		printf 'No MIME headers, raw bytes: \344\366\374 \303\244 \377\376.\n'
	} > "$d/8raw"
	{
		printf 'From: <%s>\nTo: <u@j.test>\nSubject: dots\n\n' "$SENDER"
		printf '.\n..\n...\n.leading dot\n..two leading dots\n'
		printf ' .space then dot\nmiddle . dot\n.\n\n.\n'
		printf 'last line before a dot line\n.\n'
	} > "$d/dots"
	{
		printf 'From: <%s>\nTo: <u@j.test>\nSubject: long lines\n\n' "$SENDER"
		echo "short line"
		head -c 1500 /dev/zero | tr '\0' 'a'; echo
		echo "between"
		for i in $(seq 0 29); do printf '%099d ' "$i"; done; echo
		echo "after"
	} > "$d/long"
	{
		printf 'From: <%s>\nTo: many\nSubject: two hundred recipients\n\n' "$SENDER"
		echo "one body for 400 recipients"
	} > "$d/many"
}

# ------------------------------------------------------------------ main

sj_jail_world t_e2e_content content write_zone postfix smtp-sink dnsmasq ip sha256sum
printf 's.test\tstocksmtp:\ns7.test\tstocksmtp:\n' > "$W_DIR/etc/transport"
printf 'jr7.test\trawjail:\nsr7.test\trawstock:\n' >> "$W_DIR/etc/transport"
pf_master_add "rawjail unix - - y - - smtpjail" \
    "  -o disable_mime_output_conversion=yes" \
    "rawstock unix - - y - - smtp" \
    "  -o disable_mime_output_conversion=yes" \
    "  -o syslog_name=postfix/rawstock"
pf_postconf 'smtp_line_length_limit = 990' \
    'smtp_destination_recipient_limit = 50' \
    'stocksmtp_destination_recipient_limit = 50' \
    'message_size_limit = 20480000' \
    'smtputf8_autodetect_classes = verify' && pf_reload || sj_die "configuration"
sink_start sink 127.0.0.3 || sj_die "sink"
sink_start sink7 127.0.0.4 -8 || sj_die "sink without 8BITMIME"
sink_start bounces 127.0.0.7 || sj_die "sink bounces"
M=$W_DIR/msgs
mk_messages "$M"

sj_send_file big "$M/big" -- u@j.test u@s.test
sj_send_file 8bit "$M/8bit" -B 8BITMIME -- u@j.test u@s.test
sj_send_file 8raw "$M/8raw" -- u@j.test u@s.test
sj_send_file 8to7 "$M/8bit" -B 8BITMIME -- u@j7.test u@s7.test
sj_send_file mime7 "$M/mime" -B 8BITMIME -- u@j7.test u@s7.test
sj_send_file mime8 "$M/mime" -B 8BITMIME -- u@j.test u@s.test
sj_send_file raw7 "$M/mime" -B 8BITMIME -- u@jr7.test u@sr7.test
sj_send_file deep7 "$M/deep" -- u@j7.test u@s7.test
sj_send_file dots "$M/dots" -- u@j.test u@s.test
sj_send_file long "$M/long" -- u@j.test u@s.test
RJ=() RS=()
for i in $(seq 1 200); do RJ+=("r$i@j.test"); RS+=("r$i@s.test"); done
sj_send_file many "$M/many" -- "${RJ[@]}" "${RS[@]}"
check "queue settles" pf_wait_settled "$T_TIMEOUT"

for n in big 8bit 8raw dots long; do
	check "$n: sent once by each agent" sent_both "$n"
	check "$n: smtpjail's transaction equals stock's (but X-Rcpt-Args)" \
	    sj_same_dumps "$n"
done
check "big: 5 MB body byte-exact at the sink" body_intact big "$M/big" j.test
check "big: it was more than 5 MB" \
    eval '[ "$(stat -c %s "$(sj_dump_of big j.test)")" -gt 5000000 ]'
check "8bit declared: body byte-exact" body_intact 8bit "$M/8bit" j.test
check "8bit declared: BODY=8BITMIME sent" mail_args_have 8bit j.test \
    "BODY=8BITMIME"
check "8bit undeclared: body byte-exact" body_intact 8raw "$M/8raw" j.test
# 8-bit MIME content to a server without 8BITMIME (smtp-sink -8): both
# agents convert it to quoted-printable (disable_mime_output_conversion
# = no, the default; Postfix smtp_proto.c SMTP_MIME_DOWNGRADE), smtpjail
# in its sandboxed child (child/mime.c). The oracle: the bytes stock
# smtp(8) sends from the same queue file, and the decoded MIME parts
# (python3's email package) equal to the injected ones.

# mime_decodes FILE DUMP: every leaf part decodes to the same type and
# bytes, with the same multipart preambles and epilogues.
mime_decodes() {	# file dump
	python3 - "$1" "$2" <<'PY'
import email, sys
from email import policy
def parts(path, dump):
    with open(path, 'rb') as f:
        data = f.read()
    # smtp-sink ends each dump with one more empty line.
    if dump and data.endswith(b'\n\n'):
        data = data[:-1]
    m = email.message_from_bytes(data, policy=policy.compat32)
    out = []
    for p in m.walk():
        if p.get_content_maintype() == 'multipart':
            out.append(('multipart', p.preamble, p.epilogue))
        elif not p.is_multipart():
            out.append((p.get_content_type(), p.get_payload(decode=True)))
    return out
a, b = parts(sys.argv[1], False), parts(sys.argv[2], True)
if a != b or not a:
    print('# injected:', repr(a)[:300])
    print('# received:', repr(b)[:300])
    sys.exit(1)
PY
}

# body_7bit DUMP: no byte over 127 after the header block.
body_7bit() {	# dump
	[ "$(dump_body "$1" | LC_ALL=C tr -d '\000-\177' | wc -c)" -eq 0 ]
}

check "8bit to a 7-bit server: smtpjail's transaction equals stock's" \
    sj_same_dumps 8to7 j7.test s7.test sink7
check "8bit to a 7-bit server: converted to quoted-printable" \
    eval 'd=$(sj_dump_of 8to7 j7.test sink7) &&
        grep -q "^Content-Transfer-Encoding: quoted-printable" "$d" &&
        grep -q "^Gr=C3=BC=C3=9Fe aus K=C3=B6ln" "$d" && body_7bit "$d"'
check "8bit to a 7-bit server: no BODY= to a server without 8BITMIME" \
    eval '! grep -a "^X-Mail-Args: " "$(sj_dump_of 8to7 j7.test sink7)" | grep -q BODY='
check "8bit to a 7-bit server: decodes to the injected body" \
    eval 'mime_decodes "$M/8bit" "$(sj_dump_of 8to7 j7.test sink7)"'
check "8bit to a 7-bit server: both sent" eval 'q=$(pf_qid "${MID[8to7]}") &&
    pf_status_line "$q" u@j7.test | grep -q "status=sent " &&
    pf_status_line "$q" u@s7.test | grep -q "status=sent "'
check "MIME tree to a 7-bit server: smtpjail's transaction equals stock's" \
    sj_same_dumps mime7 j7.test s7.test sink7
check "MIME tree to a 7-bit server: every part decodes to the injected one" \
    eval 'mime_decodes "$M/mime" "$(sj_dump_of mime7 j7.test sink7)"'
# 8-bit header lines are not converted (Postfix's mime_state.c leaves
# headers alone): in the body, the nested message's Subject is the one
# line with 8-bit bytes.
check "MIME tree to a 7-bit server: parts 7-bit, 8-bit headers kept" \
    eval 'd=$(sj_dump_of mime7 j7.test sink7) &&
        [ "$(dump_body "$d" | LC_ALL=C grep -a "[^ -~	]")" = "Subject: inner $(printf "\303\274")" ] &&
        grep -aq "^X-Raw: K$(printf "\303\266")ln$" "$d" &&
        [ "$(grep -c "^Content-Transfer-Encoding: quoted-printable$" "$d")" -eq 3 ] &&
        [ "$(grep -c "^Content-Transfer-Encoding: 7bit$" "$d")" -eq 2 ]'
check "MIME tree to a 7-bit server: both sent" eval 'q=$(pf_qid "${MID[mime7]}") &&
    pf_status_line "$q" u@j7.test | grep -q "status=sent " &&
    pf_status_line "$q" u@s7.test | grep -q "status=sent "'
# unfolded: the 1500-byte line is folded at smtp_line_length_limit (990)
# when it is not converted, by both agents.
unfolded_sha() {	# dump
	dump_body "$1" | sed -e ":a" -e "N" -e "\$!ba" -e "s/\n //g" | sj_sha
}
check "MIME tree to an 8BITMIME server: smtpjail's transaction equals stock's" \
    sj_same_dumps mime8
check "MIME tree to an 8BITMIME server: unfolded body equals the injected one" \
    eval '[ "$(unfolded_sha "$(sj_dump_of mime8 j.test)")" = "$(file_body "$M/mime" | sj_sha)" ]'
# disable_mime_output_conversion = yes (transports rawjail and rawstock):
# Postfix then sends the 8-bit content as it is, without BODY=.
check "disable_mime_output_conversion: smtpjail's transaction equals stock's" \
    sj_same_dumps raw7 jr7.test sr7.test sink7
check "disable_mime_output_conversion: sent unconverted" \
    eval 'd=$(sj_dump_of raw7 jr7.test sink7) &&
        [ "$(unfolded_sha "$d")" = "$(file_body "$M/mime" | sj_sha)" ] &&
        ! grep -a "^X-Mail-Args: " "$d" | grep -q BODY='
check "dots: un-stuffed body equals the injected one" \
    body_intact dots "$M/dots" j.test
check "dots: stock's body equals it too (oracle sanity)" \
    body_intact dots "$M/dots" s.test
# Postfix (smtp_proto.c, smtp_text_out) writes smtp_line_length_limit
# characters, then CR LF and a space, and continues with lines of at
# most 990 including that space: 1500 = 990 + (1 + 510); 3000 = 990 +
# (1 + 989) + (1 + 989) + (1 + 32), as stock smtp(8) does. The 3000-byte
# line is stored as an L record of 2048 and an N record in the queue
# file: the folding counts the logical line, not the records.
check "long: 1500 and 3000 character lines folded at 990" \
    eval '[ "$(line_lengths long j.test)" = "10 990 511 7 990 990 990 33 5 " ] ||
        { echo "# lengths: $(line_lengths long j.test)"; false; }'
check "long: continuation lines start with a space" \
    eval '[ "$(dump_body "$(sj_dump_of long j.test)" | grep -c "^ ")" -eq 4 ]'
check "long: unfolding gives the injected body back" \
    eval '[ "$(dump_body "$(sj_dump_of long j.test)" | sed -e ":a" -e "N" -e "\$!ba" -e "s/\n //g" | sj_sha)" = "$(file_body "$M/long" | sj_sha)" ]'

# 200 recipients per agent, smtp_destination_recipient_limit = 50.
many_split() {	# domain
	local files f n tot=0 bad=0
	files=$(sink_grep sink "Message-ID: <${MID[many]}>" 2>/dev/null)
	n=0
	for f in $files; do
		grep -q "^X-Rcpt-Args: <r[0-9]*@$1>" "$f" || continue
		n=$((n + 1))
		c=$(grep -c '^X-Rcpt-Args: ' "$f")
		[ "$c" -eq 50 ] || { echo "# a transaction with $c recipients"; bad=1; }
		tot=$((tot + c))
	done
	[ "$n" -eq 4 ] && [ "$tot" -eq 200 ] && [ "$bad" -eq 0 ] && return 0
	echo "# $1: $n transactions, $tot recipients"
	return 1
}
many_once() {	# domain: each r1..r200 received once and logged sent once
	local q got logged
	q=$(pf_qid "${MID[many]}") || return 1
	got=$(cat $(sink_grep sink "Message-ID: <${MID[many]}>" 2>/dev/null) |
	    sed -n "s/^X-Rcpt-Args: <\(r[0-9]*\)@$1>.*/\1/p" | sort | uniq -c |
	    awk '$1 == 1' | wc -l)
	logged=$(grep -E " $q: to=<r[0-9]+@$1>, .*status=sent " \
	    "$W_DIR/log/maillog" | sed 's/.* to=<\([^>]*\)>.*/\1/' |
	    sort | uniq -c | awk '$1 == 1' | wc -l)
	[ "$got" -eq 200 ] && [ "$logged" -eq 200 ] && return 0
	echo "# $1: received once: $got of 200, logged sent once: $logged"
	return 1
}
check "200 recipients: smtpjail made 4 transactions of 50" many_split j.test
check "200 recipients: stock made 4 transactions of 50" many_split s.test
check "200 recipients: each delivered and logged once (smtpjail)" many_once j.test
check "200 recipients: each delivered and logged once (stock)" many_once s.test
# Nesting over mime_nesting_limit: Postfix's smtp_mime_fail(), 5.6.0.
status_fields() {	# qid rcpt: relay, dsn, status and text
	pf_status_line "$1" "$2" | sed 's/.* relay=\([^,]*\), .* dsn=/relay=\1 dsn=/'
}
check "MIME nesting over the limit: both bounce 5.6.0 alike" \
    eval 'q=$(pf_qid "${MID[deep7]}") &&
        a=$(status_fields "$q" u@j7.test) && b=$(status_fields "$q" u@s7.test) &&
        echo "$a" | grep -q "dsn=5.6.0, status=bounced (MIME nesting exceeds safety limit)" &&
        [ "$a" = "$b" ] || { echo "# smtpjail: $a"; echo "# stock:    $b"; false; }'
check "nothing left in the queue" eval '[ -z "$(pf_queue_ids)" ]'
check "one bounce was sent (deep7)" eval '[ "$(sink_count bounces)" -eq 1 ]'
check "no fatal, panic or abnormal agent exit" \
    eval '! pf_log | grep -Eq "postfix/(stocksmtp/)?smtp\[[0-9]+\]: (fatal|panic):|postfix/master\[[0-9]+\]: warning: .*(exit status|killed by signal|throttling)"'
world_down
sj_note "t_e2e_content: $(( $(date +%s) - SJ_START )) s"
check_summary
