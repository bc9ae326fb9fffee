#!/bin/bash
# NAME
#	t_e2e_notice.sh - postmaster transcript notices with a real Postfix
# SUMMARY
#	tests/e2e/t_e2e_notice.sh       (as root; prints ok / not ok lines)
# DESCRIPTION
#	One private Postfix 3.7 world (tests/e2e/lib.sh) with smtpjail as
#	the smtp transport and stock smtp(8) as stocksmtp, with
#	notify_classes = resource, software, protocol and
#	error_notice_recipient = pm@notice.test (an smtp-sink, so the
#	notices travel through cleanup, qmgr and smtp like any mail).
#
#	Three servers give protocol-class replies (Postfix's
#	smtp_check_code(): 500-509, 555, codes outside 400-599):
#	smtp-sink -f RCPT ("500 5.3.0 Error: command failed" to every
#	RCPT), smtp-sink -f DATA (the same to DATA), and a Postfix smtpd
#	of the instance with PIPELINING (MAIL, RCPT and DATA go out
#	together) whose check_recipient_access answers 501. Each gets one
#	message through smtpjail and one through stock smtp(8). Checks:
#	the recipients bounce; exactly one notice per agent and server
#	reaches pm@notice.test from
#	double-bounce@$myhostname with Postfix's headers and the session
#	transcript; a clean delivery sends no notice; and the two notices
#	are the same once queue ids, dates, Message-IDs and the recipient
#	domain are normalised (a difference is printed as a diff).
# SEE ALSO
#	tests/e2e/lib.sh, parent/notice.c, child/transcript.c,
#	Postfix src/smtp/smtp_chat.c (smtp_chat_notify())
set -u
. "$(dirname "$0")/lib.sh"

T_TIMEOUT=${SJ_E2E_SETTLE:-90}
SENDER=s@sender.test

write_zone() {	# file
	cat > "$1" <<'EOF'
# the server that answers 500 to RCPT, under two names
mx-host=proto.test,mx.proto.test,10
mx-host=stockp.test,mx.proto.test,10
host-record=mx.proto.test,127.0.0.8
# the server that answers 500 to DATA, under two names
mx-host=protod.test,mx.protod.test,10
mx-host=stockd.test,mx.protod.test,10
host-record=mx.protod.test,127.0.0.9
# a Postfix smtpd that answers 501 to these recipients, with PIPELINING
mx-host=protor.test,mx.protor.test,10
mx-host=stockr.test,mx.protor.test,10
host-record=mx.protor.test,127.0.0.10
# a server without trouble
mx-host=clean.test,mx.clean.test,10
host-record=mx.clean.test,127.0.0.3
# where the notices and the bounces go
mx-host=notice.test,mx.notice.test,10
host-record=mx.notice.test,127.0.0.11
mx-host=sender.test,mx.sender.test,10
host-record=mx.sender.test,127.0.0.7
EOF
}

# notices: the dump files at the pm sink that are transcript notices.
notices() {
	sink_grep pm "Subject: Postfix SMTP client: errors from "
}

# notice_for DOMAIN: the notice whose transcript has RCPT TO:<u@DOMAIN>.
notice_for() {
	local f
	for f in $(notices); do
		grep -qE "^ Out: RCPT TO:<u@$1>( |\$)" "$f" &&
		    { echo "$f"; return 0; }
	done
	return 1
}

# The message of a notice with what differs per run made constant:
# queue ids, dates, the Message-ID, the recipient domain, the size, and
# the transaction id in the sink's own Received: header.
normalise() {	# file domain
	sed -e 's/ (smtp-sink) with ESMTP id [0-9a-f]*;/ (smtp-sink) ID;/' \
	    -e 's/^\t[A-Z][a-z][a-z], [ 0-9][0-9] [A-Z][a-z][a-z] [0-9]* [0-9:]* [-+][0-9]* (.*)$/\tDATE/' \
	    -e 's/^\(\s*id \)[0-9A-F]*; .*/\1QID; DATE/' \
	    -e 's/^Date: .*/Date: DATE/' \
	    -e 's/^Message-Id: .*/Message-Id: MID/I' \
	    -e "s/u@$2/u@DOMAIN/g" \
	    -e 's/ SIZE=[0-9]*/ SIZE=N/' "$1"
}

# notice_ok DOMAIN SINK NAP REGEX...: envelope, headers and transcript
# of its notice; NAP is host[addr]:port as a regex; each REGEX must
# match a line too.
notice_ok() {
	local f dom=$1 sink=$2 nap=$3 bad=0 l
	shift 3
	f=$(notice_for "$dom") || { echo "# no notice with RCPT TO:<u@$dom>"; return 1; }
	for l in "^X-Mail-Args: <double-bounce@$W_MYHOST>" \
	    '^X-Rcpt-Args: <pm@notice\.test>' \
	    "^Received: by $W_MYHOST \\(Postfix\\)\$" \
	    "^From: Mail Delivery System <MAILER-DAEMON@$W_MYHOST>\$" \
	    '^To: Postmaster <pm@notice\.test>$' \
	    "^Subject: Postfix SMTP client: errors from $nap\$" \
	    "^Unexpected response from $nap\\.\$" \
	    '^Transcript of session follows\.$' \
	    "^ In:  220 $sink\\.sink\\.test ESMTP" \
	    "^ Out: EHLO $W_MYHOST\$" \
	    "^ Out: MAIL FROM:<$SENDER>" \
	    "^ Out: RCPT TO:<u@$dom>( |\$)" \
	    '^For other details, see the local mail logfile$' "$@"; do
		grep -Eq -- "$l" "$f" || { echo "# $f lacks /$l/"; bad=1; }
	done
	[ "$bad" -eq 0 ] || sed 's/^/#   /' "$f"
	return "$bad"
}

same_notices() {	# smtpjail-domain stock-domain
	local a b
	a=$(notice_for "$1") && b=$(notice_for "$2") || return 1
	diff -u <(normalise "$b" "$2") <(normalise "$a" "$1") |
	    sed 's/^/# /' > "$W_DIR/notice.diff"
	if [ -s "$W_DIR/notice.diff" ]; then
		echo "# stock smtp(8) (-) and smtpjail (+) notices differ:"
		cat "$W_DIR/notice.diff"
		return 1
	fi
}

status_is() {	# rcpt regex
	local line
	line=$(pf_log | grep -F ": to=<$1>," | tail -n 1)
	echo "$line" | grep -Eq -- "$2" && return 0
	echo "# status line for <$1>: ${line:-(none)}"
	return 1
}

# ------------------------------------------------------------- main

[ "$(id -u)" -eq 0 ] || { echo "not ok - t_e2e_notice: must run as root"; exit 1; }
for c in postfix smtp-sink dnsmasq ip; do
	command -v "$c" > /dev/null ||
	    { echo "not ok - t_e2e_notice: $c is not installed"; exit 1; }
done
[ -x "$SJ_SMTPJAIL" ] ||
    { echo "not ok - t_e2e_notice: no $SJ_SMTPJAIL (make)"; exit 1; }

start=$(date +%s)
zone=$(mktemp /tmp/sj-e2e-zone.XXXXXX)
write_zone "$zone"
SJ_AGENT=smtpjail world_up "notice" "$zone" || { rm -f "$zone"; sj_die "world_up failed"; }
rm -f "$zone"
printf 'stockp.test\tstocksmtp:\nstockd.test\tstocksmtp:\nstockr.test\tstocksmtp:\n' \
    > "$W_DIR/etc/transport"
# The transcripts are compared with stock smtp(8)'s, which has no BDAT:
# smtpjail must use DATA with the CHUNKING receiver here too.
pf_postconf 'notify_classes = resource, software, protocol' \
    'error_notice_recipient = pm@notice.test' \
    'smtpjail_use_chunking = no' || sj_die "postconf"
pf_reload || sj_die "postfix reload failed"
sink_start rej5 127.0.0.8 -f RCPT || sj_die "sink rej5"
sink_start rejd 127.0.0.9 -f DATA || sj_die "sink rejd"
sink_start clean 127.0.0.3 || sj_die "sink clean"
sink_start pm 127.0.0.11 || sj_die "sink pm"
sink_start bounces 127.0.0.7 || sj_die "sink bounces"
printf '%s\n' 'u@protor.test 501 5.5.4 weird' 'u@stockr.test 501 5.5.4 weird' \
    > "$W_DIR/rcpt_access.in"
pf_receiver_start 127.0.0.10 "$W_DIR/rcpt_access.in" ||
    sj_die "per-recipient receiver"

pf_send "$SENDER" u@proto.test > /dev/null
pf_send "$SENDER" u@stockp.test > /dev/null
pf_send "$SENDER" u@protod.test > /dev/null
pf_send "$SENDER" u@stockd.test > /dev/null
pf_send "$SENDER" u@protor.test > /dev/null
pf_send "$SENDER" u@stockr.test > /dev/null
pf_send "$SENDER" u@clean.test > /dev/null
check "queue settles" pf_wait_settled "$T_TIMEOUT"

check "smtpjail: RCPT 500 bounced" status_is u@proto.test \
    'postfix/smtp\[[0-9]+\]: .* relay=mx\.proto\.test\[127\.0\.0\.8\]:25, .*dsn=5\.3\.0, status=bounced '
check "stock smtp(8): RCPT 500 bounced" status_is u@stockp.test \
    'postfix/stocksmtp/smtp\[[0-9]+\]: .*dsn=5\.3\.0, status=bounced '
check "smtpjail: DATA 500 bounced" status_is u@protod.test \
    'postfix/smtp\[[0-9]+\]: .*dsn=5\.3\.0, status=bounced .*in reply to DATA command'
check "stock smtp(8): DATA 500 bounced" status_is u@stockd.test \
    'postfix/stocksmtp/smtp\[[0-9]+\]: .*dsn=5\.3\.0, status=bounced .*in reply to DATA command'
check "smtpjail: RCPT 501 (pipelined) bounced" status_is u@protor.test \
    'postfix/smtp\[[0-9]+\]: .*dsn=5\.5\.4, status=bounced '
check "stock smtp(8): RCPT 501 (pipelined) bounced" status_is u@stockr.test \
    'postfix/stocksmtp/smtp\[[0-9]+\]: .*dsn=5\.5\.4, status=bounced '
check "clean delivery sent" status_is u@clean.test 'status=sent '
check "exactly six notices at pm@notice.test (one per agent and server, none for the clean delivery)" \
    eval '[ "$(notices | wc -l)" -eq 6 ]'
NAP8='mx\.proto\.test\[127\.0\.0\.8\]:25'
NAP9='mx\.protod\.test\[127\.0\.0\.9\]:25'
NAP10='mx\.protor\.test\[127\.0\.0\.10\]:25'
E500='^ In:  500 5\.3\.0 Error: command failed$'
check "RCPT 500: smtpjail's notice: envelope, headers, transcript" \
    notice_ok proto.test rej5 "$NAP8" "$E500"
check "RCPT 500: stock smtp(8)'s notice: envelope, headers, transcript" \
    notice_ok stockp.test rej5 "$NAP8" "$E500"
check "RCPT 500: smtpjail's notice is stock smtp(8)'s, normalised" \
    same_notices proto.test stockp.test
check "DATA 500: smtpjail's notice: envelope, headers, transcript" \
    notice_ok protod.test rejd "$NAP9" '^ Out: DATA$' "$E500"
check "DATA 500: stock smtp(8)'s notice: envelope, headers, transcript" \
    notice_ok stockd.test rejd "$NAP9" '^ Out: DATA$' "$E500"
check "DATA 500: smtpjail's notice is stock smtp(8)'s, normalised" \
    same_notices protod.test stockd.test
E501='^ In:  501 5\.5\.4 <u@[a-z]+\.test>: Recipient address rejected: weird$'
check "RCPT 501 (pipelined): smtpjail's notice: envelope, headers, transcript" \
    notice_ok protor.test rcpt "$NAP10" '^ In:  250-PIPELINING$' "$E501"
check "RCPT 501 (pipelined): stock smtp(8)'s notice: envelope, headers, transcript" \
    notice_ok stockr.test rcpt "$NAP10" '^ In:  250-PIPELINING$' "$E501"
check "RCPT 501 (pipelined): smtpjail's notice is stock smtp(8)'s, normalised" \
    same_notices protor.test stockr.test
check "no postmaster notify warning" \
    eval '! pf_log | grep -q "warning: postmaster notify"'
check "no fatal or panic from the agent" \
    eval '! pf_log | grep -Eq "postfix/(stocksmtp/)?smtp\[[0-9]+\]: (fatal|panic):"'
world_down
sj_note "t_e2e_notice: $(( $(date +%s) - start )) s"
check_summary
