#!/bin/bash
# NAME
#	t_e2e_filters.sh - smtp_discard_ehlo_keywords,
#	smtp_discard_ehlo_keyword_address_maps and
#	smtp_delivery_status_filter, smtpjail beside stock smtp(8)
# SUMMARY
#	tests/e2e/t_e2e_filters.sh        (as root; prints ok / not ok lines)
# DESCRIPTION
#	A private Postfix instance (tests/e2e/lib.sh) with smtpjail as its
#	smtp transport; a Postfix smtpd of the same instance on 127.0.0.10
#	(mx.ed.test) offers PIPELINING, SIZE, DSN, 8BITMIME, CHUNKING ...,
#	logs every command it reads (debug_peer_list), refuses
#	hard@jail.test and hard@stock.test with 550 5.1.1, and discards
#	what it accepts. Mail to jail.test goes through smtpjail, mail to stock.test
#	through stock smtp(8), both to [mx.ed.test], one after the other,
#	each with DSN NOTIFY, so the receiver's MAIL, RCPT and DATA/BDAT
#	lines show which keywords the client used. Checks:
#
#	- nothing discarded: smtpjail uses SIZE=, NOTIFY= and BDAT;
#	- smtp_discard_ehlo_keywords = chunking, dsn, size: both agents log
#	  "discarding EHLO keywords: SIZE DSN CHUNKING" and the receiver
#	  reads the same MAIL/RCPT/DATA lines from both (no SIZE=, no
#	  NOTIFY=, DATA instead of BDAT);
#	- smtp_discard_ehlo_keyword_address_maps, a root-only hash: table
#	  keyed by 127.0.0.10 with "silent-discard chunking dsn size" while
#	  the parameter says pipelining: the table wins, nothing is logged,
#	  the same lines as above from both;
#	- the table names only another address: the parameter applies
#	  ("discarding EHLO keywords: PIPELINING" from both);
#	- smtp_delivery_status_filter = proxy:regexp: (through the
#	  instance's proxymap(8)) mapping "5.1.1 TEXT" to "4.1.1 filtered:
#	  TEXT": the 550 of the receiver becomes the same deferral with the
#	  same text for both agents; without the filter both bounce.
#
#	Without the smtpjail binary the suite is skipped (sj_jail_world).
# SEE ALSO
#	tests/e2e/lib.sh, parent/ehlo_discard.c, child/smtp_ehlo.c,
#	parent/dsn_filter.c
set -u
. "$(dirname "$0")/lib.sh"

T_TIMEOUT=${SJ_E2E_SETTLE:-60}
SJ_CHECK_PREFIX="filters: "
SENDER=s@sender.test

write_zone() {	# file
	printf '%s\n' 'host-record=mx.ed.test,127.0.0.10' > "$1"
}
sj_jail_world t_e2e_filters filters write_zone postfix dnsmasq ip

printf '%s\n' 'hard@jail.test 550 5.1.1 no such user' \
    'hard@stock.test 550 5.1.1 no such user' > "$W_DIR/etc/rcpt_access"

pf_master_add "127.0.0.10:25 inet n - n - - smtpd" \
    "  -o syslog_name=postfix/receiver" \
    "  -o myhostname=rcpt.sink.test" \
    "  -o debug_peer_list=127.0.0.0/8" \
    "  -o content_filter=discard:" \
    "  -o smtpd_recipient_restrictions=check_recipient_access,texthash:$W_DIR/etc/rcpt_access,permit_mynetworks,reject"
printf '%s\n' 'jail.test smtp:[mx.ed.test]' \
    'stock.test stocksmtp:[mx.ed.test]' > "$W_DIR/etc/transport"
pf_reload || sj_die "postfix reload failed"

# The receiver's MAIL, RCPT, DATA and BDAT lines since OFFSET, with
# the recipient's domain made the same for both agents.
received() {	# offset
	log_since "$1" |
	    sed -n 's/.*postfix\/receiver\/smtpd\[[0-9]*\]: < [^ ]*: \(.*\)/\1/p' |
	    grep -E '^(MAIL|RCPT|DATA|BDAT)' |
	    sed -e 's/@\(jail\|stock\)\.test/@X/g' -e 's/^BDAT [0-9]*/BDAT n/' \
	        -e 's/SIZE=[0-9]*/SIZE=n/'
}

status_of() {	# offset rcpt
	log_since "$1" | grep -F "to=<$2>," | tail -n 1 |
	    sed -n 's/.*\(dsn=[^,]*, status=.*\)$/\1/p'
}

wait_status() {	# offset rcpt
	local i
	for i in $(seq 1 $((T_TIMEOUT * 10))); do
		[ -n "$(status_of "$1" "$2")" ] && return 0
		sleep 0.1
	done
	return 1
}

# One message with DSN NOTIFY through an agent; sets R_<agent> to what
# the receiver read and L_<agent> to the agent's log since the start.
one() {	# tag agent(jail|stock)
	local off
	off=$(log_size)
	printf '%s\n' "From: <$SENDER>" "To: <$1@$2.test>" \
	    "Subject: ehlo discard $1" "" "body $1" |
	    pf_cmd sendmail -C "$W_DIR/etc" -i -N success,failure \
	    -f "$SENDER" -- "$1@$2.test" || return 1
	wait_status "$off" "$1@$2.test" || return 1
	sleep 0.5	# the receiver's last debug lines
	eval "R_$2=\$(received \"\$off\")"
	eval "L_$2=\$(log_since \"\$off\")"
	eval "S_$2=\$(status_of \"\$off\" \"\$1@\$2.test\")"
	sj_note "$1: $2: $(status_of "$off" "$1@$2.test")"
}

both() {	# tag
	one "$1" jail || sj_die "$1: smtpjail: no status"
	one "$1" stock || sj_die "$1: stock: no status"
	sj_note "$1: smtpjail's commands: $(echo $R_jail)"
	sj_note "$1: stock's commands:    $(echo $R_stock)"
}

jail_log() {	# ERE: a line of smtpjail (postfix/smtp)
	echo "$L_jail" | grep -Eq "postfix/smtp\[[0-9]+\]: $1"
}

stock_log() {	# ERE: a line of stock smtp(8) (postfix/stocksmtp/smtp)
	echo "$L_stock" | grep -Eq "postfix/stocksmtp/smtp\[[0-9]+\]: $1"
}

# ------------------------------------------------------ nothing discarded

both plain
check "nothing discarded: both sent" \
    eval 'echo "$S_jail" | grep -q "^dsn=2\.0\.0, status=sent " &&
        echo "$S_stock" | grep -q "^dsn=2\.0\.0, status=sent "'
check "nothing discarded: smtpjail sends SIZE=, NOTIFY= and BDAT" \
    eval 'echo "$R_jail" | grep -q "^MAIL FROM:<$SENDER> SIZE=n" &&
        echo "$R_jail" | grep -q "^RCPT TO:<plain@X> .*NOTIFY=SUCCESS,FAILURE" &&
        echo "$R_jail" | grep -q "^BDAT n LAST$"'
check "nothing discarded: no 'discarding' line" \
    eval '! echo "$L_jail$L_stock" | grep -q "discarding EHLO keywords"'

# ---------------------------------------------- smtp_discard_ehlo_keywords

pf_postconf 'smtp_discard_ehlo_keywords = chunking, dsn, size' && pf_reload
both kw
check "keywords: both log 'discarding EHLO keywords: SIZE DSN CHUNKING'" \
    eval 'jail_log "discarding EHLO keywords: SIZE DSN CHUNKING$" &&
        stock_log "discarding EHLO keywords: SIZE DSN CHUNKING$"'
check "keywords: the receiver reads the same commands from both" \
    eval '[ -n "$R_jail" ] && [ "$R_jail" = "$R_stock" ]'
check "keywords: no SIZE=, no NOTIFY=, DATA not BDAT from smtpjail" \
    eval 'echo "$R_jail" | grep -qx "MAIL FROM:<$SENDER>" &&
        echo "$R_jail" | grep -qx "RCPT TO:<kw@X>" &&
        echo "$R_jail" | grep -qx "DATA" && ! echo "$R_jail" | grep -q "^BDAT"'
check "keywords: both sent" \
    eval '[ "${S_jail%% (*}" = "${S_stock%% (*}" ] &&
        echo "$S_jail" | grep -q "^dsn=2\.0\.0, status=sent "'

# ------------------------------------ smtp_discard_ehlo_keyword_address_maps

MAP=$W_DIR/etc/ehlo_discard
printf '%s\n' '127.0.0.10 silent-discard, chunking dsn,size' > "$MAP"
pf_cmd postmap -c "$W_DIR/etc" "hash:$MAP" || sj_die "postmap"
chmod 600 "$MAP" "$MAP.db"
pf_postconf 'smtp_discard_ehlo_keywords = pipelining' \
    "smtp_discard_ehlo_keyword_address_maps = hash:$MAP" && pf_reload
both map
check "address map (root-only hash:): the entry wins, silently, for both" \
    eval '! echo "$L_jail$L_stock" | grep -q "discarding EHLO keywords" &&
        [ -n "$R_jail" ] && [ "$R_jail" = "$R_stock" ] &&
        echo "$R_jail" | grep -qx "DATA" &&
        echo "$R_jail" | grep -qx "RCPT TO:<map@X>"'
check "address map: both sent, no warning from smtpjail" \
    eval 'echo "$S_jail" | grep -q "^dsn=2\.0\.0, status=sent " &&
        echo "$S_stock" | grep -q "^dsn=2\.0\.0, status=sent " &&
        ! jail_log "(warning|error|fatal)"'

printf '%s\n' '127.0.0.99 dsn' > "$MAP"
pf_cmd postmap -c "$W_DIR/etc" "hash:$MAP" && chmod 600 "$MAP.db"
pf_reload
both other
check "address map without the server's address: the parameter applies" \
    eval 'jail_log "discarding EHLO keywords: PIPELINING$" &&
        stock_log "discarding EHLO keywords: PIPELINING$" &&
        [ "$R_jail" != "" ] &&
        echo "$R_jail" | grep -q "^RCPT TO:<other@X> .*NOTIFY=SUCCESS,FAILURE"'

# ------------------------------------------- smtp_delivery_status_filter

drain() {
	pf_cmd postsuper -c "$W_DIR/etc" -d ALL > /dev/null 2>&1
}
pf_postconf 'smtp_discard_ehlo_keywords =' \
    'smtp_discard_ehlo_keyword_address_maps =' && pf_reload
drain
both hard
check "no status filter: both bounce with the receiver's 550 5.1.1" \
    eval 'echo "$S_jail" | grep -q "^dsn=5\.1\.1, status=bounced (host mx\.ed\.test\[127\.0\.0\.10\] said: 550 5\.1\.1 <hard@jail\.test>: Recipient address rejected: no such user (in reply to RCPT TO command))" &&
        [ "$(echo "$S_jail" | sed "s/@jail/@X/")" = "$(echo "$S_stock" | sed "s/@stock/@X/")" ]'
drain

printf '%s\n' '/^5\.1\.1 (.*)$/ 4.1.1 filtered: $1' > "$W_DIR/etc/dsn_filter"
pf_postconf "smtp_delivery_status_filter = proxy:regexp:$W_DIR/etc/dsn_filter" &&
    pf_reload
both hard
check "status filter (proxy:regexp:): 5.1.1 becomes the same 4.1.1 deferral for both" \
    eval 'echo "$S_jail" | grep -q "^dsn=4\.1\.1, status=deferred (filtered: host mx\.ed\.test\[127\.0\.0\.10\] said: 550 5\.1\.1 <hard@jail\.test>: Recipient address rejected: no such user (in reply to RCPT TO command))" &&
        [ "$(echo "$S_jail" | sed "s/@jail/@X/")" = "$(echo "$S_stock" | sed "s/@stock/@X/")" ]'
check "status filter: the mail stays queued, no warning from smtpjail" \
    eval '[ -n "$(pf_queue_ids)" ] && ! jail_log "(warning|error|fatal)"'
drain

world_down
check_summary
