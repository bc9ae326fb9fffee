#!/bin/bash
# NAME
#	t_e2e_chunking.sh - smtpjail's BDAT (RFC 3030) against a real Postfix
# SUMMARY
#	tests/e2e/t_e2e_chunking.sh        (as root; prints ok / not ok lines)
# DESCRIPTION
#	A private Postfix instance (tests/e2e/lib.sh) with smtpjail as its
#	smtp transport delivers to a second smtpd of the same instance on
#	127.0.0.10 (mx.ck.test), which offers CHUNKING and PIPELINING,
#	logs every command it receives (debug_peer_list), refuses
#	hard*@ck.test with 550 5.1.1, and hands what it accepts to the
#	stock smtp(8) for an smtp-sink on 127.0.0.3 that dumps it, so the
#	content that went through BDAT can be compared. Scenarios:
#
#	- a message with lines that start with "." (no dot-stuffing under
#	  BDAT, the receiver must still see them unchanged) and 8-bit text:
#	  sent with "BDAT <n> LAST", arrives byte for byte;
#	- one of two recipients refused: the other is delivered, the
#	  refused one bounces with the RCPT reply;
#	- every recipient refused: both bounce with their RCPT replies,
#	  nothing is delivered, nothing is deferred;
#	- smtpjail_use_chunking = no: DATA again.
#
#	The smtpjail binary ($SJ_SMTPJAIL, default build/smtpjail) must be
#	executable and pass --sandbox-check in the instance; otherwise the
#	suite fails.
# SEE ALSO
#	tests/e2e/lib.sh, child/smtp_session.c, RFC 3030
set -u
. "$(dirname "$0")/lib.sh"

T_TIMEOUT=${SJ_E2E_SETTLE:-90}
SENDER=s@sender.test
SJ_CHECK_PREFIX="chunking: "

zone=$(mktemp /tmp/sj-chunk-zone.XXXXXX)
printf '%s\n' 'mx-host=ck.test,mx.ck.test,10' \
    'host-record=mx.ck.test,127.0.0.10' \
    'mx-host=sender.test,mx.sender.test,10' \
    'host-record=mx.sender.test,127.0.0.7' > "$zone"
SJ_AGENT=smtpjail world_up chunk "$zone" ||
    { rm -f "$zone"; sj_die "world did not start"; }
rm -f "$zone"

out=$(pf_cmd timeout 60 "$W_DIR/libexec/smtpjail" --sandbox-check 2>&1)
rc=$?
check "sandbox-check passes in the test instance" \
    eval '[ "$rc" -eq 0 ] && echo "$out" | grep -q "^sandbox-check: ok"' ||
    sj_die "smtpjail is not functional"

sink_start final 127.0.0.3 || sj_die "sink final"
sink_start bounces 127.0.0.7 || sj_die "sink bounces"
printf '%s\n' 'hard1@ck.test 550 5.1.1 no such user' \
    'hard2@ck.test 550 5.1.1 no such user' > "$W_DIR/etc/ck_access"
pf_master_add "127.0.0.10:25 inet n - n - - smtpd" \
    "  -o syslog_name=postfix/receiver" \
    "  -o myhostname=rcpt.sink.test" \
    "  -o debug_peer_list=127.0.0.0/8" \
    "  -o content_filter=stocksmtp:[127.0.0.3]:25" \
    "  -o smtpd_recipient_restrictions=check_recipient_access,texthash:$W_DIR/etc/ck_access,permit_mynetworks,reject"
pf_reload || sj_die "postfix reload failed"

# The receiver's log lines of the commands it read since byte OFFSET.
received_cmds() {	# offset
	tail -c +"$(($1 + 1))" "$W_DIR/log/maillog" |
	    sed -n 's/.*postfix\/receiver\/smtpd\[[0-9]*\]: < [^ ]*: \(.*\)/\1/p'
}

log_size() {
	stat -c %s "$W_DIR/log/maillog"
}

status_of() {	# mid rcpt regex
	local q
	q=$(pf_qid "$1") || return 1
	pf_status_line "$q" "$2" | grep -Eq "$3"
}

# ---------------------------------------------------------------- content

msg=$W_DIR/dots.msg
printf '%s\n' "From: <$SENDER>" "To: <u@ck.test>" "Subject: bdat dots" \
    "MIME-Version: 1.0" "Content-Type: text/plain; charset=utf-8" \
    "Content-Transfer-Encoding: 8bit" "" \
    ".leading dot" "..two dots" "." "a line" \
    "caf$(printf '\303\251') 8-bit" "last line" > "$msg"
off=$(log_size)
mid=$(pf_send "$SENDER" u@ck.test "$msg")
check "dots: queue settles" pf_wait_settled "$T_TIMEOUT"
check "dots: sent by smtpjail through mx.ck.test" status_of "$mid" u@ck.test \
    'postfix/smtp\[[0-9]+\]: .*relay=mx\.ck\.test\[127\.0\.0\.10\]:25, .*status=sent \(250 '
check "dots: the receiver read BDAT <n> LAST and no DATA" \
    eval 'received_cmds "$off" | grep -Eq "^BDAT [0-9]+ LAST$" &&
        ! received_cmds "$off" | grep -q "^DATA$"'
# (smtpd logs each reply as it reads the command, pipelined or not:
# that pipelining happened is shown by test_smtp_session, not here.)
dump=$(sink_grep final "Subject: bdat dots" | head -n 1)
body_ok() {
	[ -n "$dump" ] || return 1
	sed -n '/^Subject: bdat dots$/,$p' "$dump" | sed '1,/^$/d' |
	    sed '/^$/d' > "$W_DIR/dots.got"
	sed '1,/^$/d' "$msg" > "$W_DIR/dots.want"
	cmp -s "$W_DIR/dots.got" "$W_DIR/dots.want"
}
check "dots: the body arrived unchanged (leading dots, lone dot, 8-bit)" \
    body_ok || diff "$W_DIR/dots.want" "$W_DIR/dots.got" 2>&1 | head -n 10 |
    sed 's/^/#   /'

# ------------------------------------------------------ refused recipients

off=$(log_size)
mid=$(pf_send "$SENDER" ok1@ck.test hard1@ck.test)
check "one refused: queue settles" pf_wait_settled "$T_TIMEOUT"
check "one refused: the accepted recipient is sent" \
    status_of "$mid" ok1@ck.test 'status=sent \(250 '
check "one refused: the refused one bounces with the RCPT reply" \
    status_of "$mid" hard1@ck.test \
    'dsn=5\.1\.1, status=bounced \(host mx\.ck\.test\[127\.0\.0\.10\] said: 550 5\.1\.1 <hard1@ck\.test>: Recipient address rejected: no such user \(in reply to RCPT TO command\)\)'
check "one refused: sent with BDAT" \
    eval 'received_cmds "$off" | grep -Eq "^BDAT [0-9]+ LAST$"'

off=$(log_size)
mid=$(pf_send "$SENDER" hard1@ck.test hard2@ck.test)
check "all refused: queue settles" pf_wait_settled "$T_TIMEOUT"
for r in hard1 hard2; do
	check "all refused: $r bounces with the RCPT reply" \
	    status_of "$mid" "$r@ck.test" \
	    "dsn=5\.1\.1, status=bounced \(host mx\.ck\.test\[127\.0\.0\.10\] said: 550 5\.1\.1 <$r@ck\.test>: .*\(in reply to RCPT TO command\)\)"
done
check "all refused: nothing left in the queue" \
    eval '[ -z "$(pf_queue_ids)" ]'
check "all refused: no warning or lost connection from smtpjail" \
    eval '! tail -c +"$((off + 1))" "$W_DIR/log/maillog" |
        grep -E "postfix/smtp\[[0-9]+\]: (warning|.*lost connection|.*timed out)"'

# --------------------------------------------------- smtpjail_use_chunking

pf_postconf 'smtpjail_use_chunking = no' && pf_reload ||
    sj_die "postconf smtpjail_use_chunking"
off=$(log_size)
mid=$(pf_send "$SENDER" u2@ck.test)
check "use_chunking=no: queue settles" pf_wait_settled "$T_TIMEOUT"
check "use_chunking=no: sent" status_of "$mid" u2@ck.test 'status=sent \(250 '
check "use_chunking=no: the receiver read DATA and no BDAT" \
    eval 'received_cmds "$off" | grep -q "^DATA$" &&
        ! received_cmds "$off" | grep -q "^BDAT"'

world_down
check_summary
