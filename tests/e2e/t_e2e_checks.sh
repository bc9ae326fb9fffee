#!/bin/bash
# NAME
#	t_e2e_checks.sh - smtp_*_checks through smtpjail and stock smtp(8)
# SUMMARY
#	tests/e2e/t_e2e_checks.sh        (as root; prints ok / not ok lines)
# DESCRIPTION
#	One private Postfix 3.7 world (tests/e2e/lib.sh) with smtpjail as the
#	smtp transport and stock smtp(8) as stocksmtp, both reading the same
#	main.cf: smtp_header_checks (two regexp: tables), smtp_mime_header_checks,
#	smtp_nested_header_checks and smtp_body_checks. Each message is
#	injected once with a recipient for each agent, so both read the same
#	queue file and send to one smtp-sink that dumps every transaction.
#
#	Oracles: the two dumps are identical but for X-Rcpt-Args (REPLACE
#	with $N, PREPEND, IGNORE, STRIP, WARN, INFO, DUNNO, an unsupported
#	action, if/endif, !/pattern/, /p1/!/p2/, a continued rule line, a
#	folded header, MIME part headers, nested message headers, body
#	lines; and all of it again through the 8-bit to quoted-printable
#	conversion to a server without 8BITMIME, where the body checks see
#	the encoded lines; then the same parameters with pcre: tables,
#	pcre_table(5): REPLACE with $1 from a non-greedy capture, IGNORE
#	by default case-insensitive, PREPEND with ${1} of a named group,
#	WARN, INFO, a case-sensitive 'i' rule, dot-all by default across
#	a folded header, 'm', 'U', the obsolete 'X', negation, if/endif,
#	MIME and body rules); the log lines of the checks (warning, info,
#	replace, prepend, strip, "unsupported command ...") are the same
#	for both agents, queue id included; and that the checks did act
#	(the dump has the replaced and prepended headers, not the dropped
#	ones).
#
#	Needs the smtpjail binary; without it the suite prints
#	"# skip ..." (SJ_REQUIRE_SMTPJAIL=1: "not ok").
# SEE ALSO
#	tests/e2e/lib.sh, tests/e2e/t_e2e_content.sh, header_checks(5)
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
host-record=mx.sink7.test,127.0.0.4
mx-host=sender.test,mx.sender.test,10
host-record=mx.sender.test,127.0.0.7
EOF
}

declare -A MID
dump_has() {	# name domain regex [sink]
	local d
	d=$(sj_dump_of "$1" "$2" "${4:-sink}") || return 1
	grep -aqE -- "$3" "$d"
}

sent_both() {	# name jdomain sdomain
	local q
	q=$(pf_qid "${MID[$1]}") || { echo "# no queue id for $1"; return 1; }
	pf_status_line "$q" "u@$2" | grep -q 'postfix/smtp\[.*status=sent ' &&
	    pf_status_line "$q" "u@$3" |
	    grep -q 'postfix/stocksmtp/smtp\[.*status=sent ' && return 0
	grep -F " $q: to=" "$W_DIR/log/maillog" | sed 's/^/#   /'
	return 1
}

# The lines the checks logged for NAME, per agent: the queue id's
# action lines, and the "unsupported command" warnings of that agent's
# process; the program name and pid taken away.
check_lines() {	# name agent(smtp|stocksmtp/smtp)
	local q
	q=$(pf_qid "${MID[$1]}") || return 1
	grep -E "postfix/$2\[[0-9]+\]: ($q: (warning|info|replace|prepend|strip): |warning: (unsupported command|bad (REPLACE|PREPEND)|(REPLACE|PREPEND) action))" \
	    "$W_DIR/log/maillog" | sed 's/.*\]: //' | sort
}

same_log() {	# name
	local a b
	a=$(check_lines "$1" smtp) b=$(check_lines "$1" stocksmtp/smtp)
	[ -n "$b" ] && [ "$a" = "$b" ] && return 0
	echo "# check log lines of $1 differ (stock, then smtpjail):"
	printf '%s\n' "$b" | sed 's/^/#   s: /' | head -n 15
	printf '%s\n' "$a" | sed 's/^/#   j: /' | head -n 15
	return 1
}

# -------------------------------------------------------------- tables

mk_tables() {	# dir
	local d=$1
	cat > "$d/header_checks" <<'EOF'
# header checks, first table
/^Subject: replace (.*)$/	REPLACE Subject: replaced [$1] ($$5)
/^X-Drop:/			IGNORE
/^X-Strip:/			STRIP stripped it
/^X-Prepend: (.*)/		PREPEND X-Added: before ${1}
/^X-Warn:/			WARN warned
/^X-Info:/			info
/^X-Reject:/			REJECT not here
/^X-Dunno:/			DUNNO
/^X-Folded: one/		REPLACE X-Folded: was
  folded
if /^X-If:/
/yes/				REPLACE X-If: matched
endif
!/^(From|To|Subject|Message-ID|Date|MIME-Version|Content-|X-|Received|Return-Path)/	REPLACE X-Odd: not a known header
/^X-Both: a/!/b$/		REPLACE X-Both: a but not b
/^X-Bad-Replace:/		REPLACE no header here
/^X-Empty-Replace:/		REPLACE
EOF
	cat > "$d/header_checks2" <<'EOF'
/^X-Second:/			REPLACE X-Second: from the second table
/^X-Warn:/			REPLACE X-Warn: never (the first table won)
EOF
	cat > "$d/mime_header_checks" <<'EOF'
/^Content-Type: text\/x-secret/	REPLACE Content-Type: text/plain
/^Content-Description: (.*)/	WARN mime $1
/^X-Part-Drop:/			IGNORE
EOF
	cat > "$d/nested_header_checks" <<'EOF'
/^Subject: inner/		REPLACE Subject: inner replaced
/^X-Inner-Drop:/		IGNORE
EOF
	cat > "$d/body_checks" <<'EOF'
/^drop this line/		IGNORE
/^replace (.*) here$/		REPLACE replaced: $1
/^prepend before/		PREPEND a prepended body line
/^warn about/			WARN body warning
/^info about/			INFO
/^strip me/			STRIP
/^=E4/				INFO encoded line seen
/^rejected/			DISCARD no such action here
EOF
}

mk_messages() {	# dir
	local d=$1
	{
		printf 'From: <%s>\nTo: <u@j.test>\n' "$SENDER"
		printf 'Subject: replace this subject\n'
		printf 'X-Drop: gone\nX-Strip: gone too\nX-Prepend: value\n'
		printf 'X-Warn: w\nX-Info: i\nX-Reject: r\nX-Dunno: d\n'
		printf 'X-Folded: one\n\ttwo\n  three\n'
		printf 'X-If: yes\nX-If: no\nOdd-Header: x\n'
		printf 'X-Both: a c\nX-Both: a b\nX-Second: s\n'
		printf 'X-Bad-Replace: x\n'
		printf 'MIME-Version: 1.0\n'
		printf 'Content-Type: multipart/mixed; boundary="b1"\n'
		printf 'Content-Description: the whole thing\n\n'
		printf 'preamble\n--b1\nContent-Type: text/x-secret\n'
		printf 'Content-Description: part one\nX-Part-Drop: x\n\n'
		printf 'drop this line\nkeep this line\n'
		printf 'replace the middle here\nprepend before this\n'
		printf 'warn about this\ninfo about that\nstrip me\n'
		printf 'rejected line\n\n.a dot line\n--b1\n'
		printf 'Content-Type: message/rfc822\n\n'
		printf 'Subject: inner subject\nX-Inner-Drop: x\nX-Warn: inner\n\n'
		printf 'inner body\ndrop this line\n--b1--\nepilogue\n'
	} > "$d/checks"
	# 8-bit parts for a server without 8BITMIME: the body checks see
	# the quoted-printable lines.
	{
		printf 'From: <%s>\nTo: <u@j7.test>\nSubject: replace eight\n' "$SENDER"
		printf 'MIME-Version: 1.0\n'
		printf 'Content-Type: text/plain; charset=iso-8859-1\n'
		printf 'Content-Transfer-Encoding: 8bit\n\n'
		printf '\344 umlaut line\ndrop this line\nwarn about \366\n'
	} > "$d/eight"
	{
		printf 'From: <%s>\nTo: <u@j.test>\nSubject: no header end\n' "$SENDER"
		printf 'this is no header\nreplace what here\n'
	} > "$d/noend"
	{
		printf 'From: <%s>\nTo: <u@j.test>\n' "$SENDER"
		printf 'Subject: replace this subject   \n'
		printf 'X-DROP: gone\nX-Prepend: value\nX-Warn: w\n'
		printf 'X-Case: LOWER\nX-Case: lower\nX-Folded: one\n\ttwo\n'
		printf 'X-Multi: one\n two\nX-If: yes\nX-If: no\n'
		printf 'Odd-Header: x\nX-Ungreedy: aaa\nX-Obsolete: o\n'
		printf 'MIME-Version: 1.0\n'
		printf 'Content-Type: multipart/mixed; boundary="b1"\n\n'
		printf -- '--b1\nContent-Type: text/x-secret\n\n'
		printf 'drop this line\nkeep this line\n'
		printf 'replace middle the word here\nprepend before this\n'
		printf 'warn about this\nCASE only\ncase only\n--b1--\n'
	} > "$d/pcre"
}

mk_pcre_tables() {	# dir
	local d=$1
	cat > "$d/header_checks.pcre" <<'EOF'
# pcre_table(5): case-insensitive and dot-all unless a flag says not
/^Subject: replace (.*?)\s*$/	REPLACE Subject: pcre [$1] ($$5)
/^x-drop:/			IGNORE
/^X-Prepend: (?<v>.+)/		PREPEND X-Added: before ${1}
/^X-Warn:/			WARN warned
/^X-Case: lower$/i		REPLACE X-Case: matched case-sensitively
/^X-Folded: one.\s+two$/	REPLACE X-Folded: dot-all
/^X-Multi: one$/m		REPLACE X-Multi: multi-line
/^X-Ungreedy: (a+)/U		REPLACE X-Ungreedy: $1
/^X-Obsolete:/X			INFO obsolete flag
if /^X-If:/
/yes/				REPLACE X-If: matched
endif
!/^(From|To|Subject|Message-ID|Date|MIME-Version|Content-|X-|Received|Return-Path)/	REPLACE X-Odd: not a known header
EOF
	cat > "$d/mime_header_checks.pcre" <<'EOF'
/^Content-Type: text\/x-secret/	REPLACE Content-Type: text/plain
EOF
	cat > "$d/body_checks.pcre" <<'EOF'
/^drop this line/		IGNORE
/^replace (\w+) (?:the )?(\w+) here$/	REPLACE replaced: $2 $1
/^prepend before/		PREPEND a prepended body line
/^warn about/			WARN body warning
/^CASE only$/i			INFO case-sensitive body line
EOF
}

# ------------------------------------------------------------------ main

sj_jail_world t_e2e_checks checks write_zone postfix smtp-sink dnsmasq ip sha256sum
printf 's.test\tstocksmtp:\ns7.test\tstocksmtp:\n' > "$W_DIR/etc/transport"
T=$W_DIR/etc
mk_tables "$T"
pf_postconf "smtp_header_checks = regexp:$T/header_checks, regexp:$T/header_checks2" \
    "smtp_mime_header_checks = regexp:$T/mime_header_checks" \
    "smtp_nested_header_checks = regexp:$T/nested_header_checks" \
    "smtp_body_checks = regexp:$T/body_checks" && pf_reload ||
    sj_die "configuration"
sink_start sink 127.0.0.3 || sj_die "sink"
sink_start sink7 127.0.0.4 -8 || sj_die "sink without 8BITMIME"
sink_start bounces 127.0.0.7 || sj_die "sink bounces"
M=$W_DIR/msgs
mkdir -p "$M"
mk_messages "$M"

sj_send_file checks "$M/checks" -- u@j.test u@s.test
sj_send_file eight "$M/eight" -B 8BITMIME -- u@j7.test u@s7.test
sj_send_file noend "$M/noend" -- u@j.test u@s.test
check "queue settles" pf_wait_settled "$T_TIMEOUT"

check "checks: sent once by each agent" sent_both checks j.test s.test
check "checks: smtpjail's transaction equals stock's (but X-Rcpt-Args)" \
    sj_same_dumps checks
check "checks: the log lines of the checks equal stock's" same_log checks
check "checks: REPLACE with \$1 and \$\$ acted" \
    dump_has checks j.test '^Subject: replaced \[this subject\] \(\$5\)$'
check "checks: PREPEND acted" dump_has checks j.test '^X-Added: before value$'
check "checks: IGNORE and STRIP acted" \
    eval '! dump_has checks j.test "^X-(Drop|Strip|Part-Drop|Inner-Drop):"'
check "checks: MIME, nested and body checks acted" \
    eval 'dump_has checks j.test "^Content-Type: text/plain$" &&
        dump_has checks j.test "^Subject: inner replaced$" &&
        dump_has checks j.test "^replaced: the middle$" &&
        ! dump_has checks j.test "^drop this line"'
check "checks: WARN logged as stock logs it" \
    eval 'check_lines checks smtp | grep -qx "$(pf_qid "${MID[checks]}"): warning: header X-Warn: w: warned"'
check "checks: unsupported action logged as stock logs it" \
    eval 'check_lines checks smtp | grep -qx "warning: unsupported command in smtp_header_checks map: REJECT not here"'

check "eight: sent once by each agent" sent_both eight j7.test s7.test
check "eight: converted and checked as stock does" \
    sj_same_dumps eight j7.test s7.test sink7
check "eight: the log lines of the checks equal stock's" same_log eight
check "noend: smtpjail's transaction equals stock's" sj_same_dumps noend
check "noend: the log lines of the checks equal stock's" \
    eval 'a=$(check_lines noend smtp); b=$(check_lines noend stocksmtp/smtp); [ "$a" = "$b" ]'

# pcre: tables, the same parameters, both agents.
mk_pcre_tables "$T"
pf_postconf "smtp_header_checks = pcre:$T/header_checks.pcre" \
    "smtp_mime_header_checks = pcre:$T/mime_header_checks.pcre" \
    "smtp_nested_header_checks =" \
    "smtp_body_checks = pcre:$T/body_checks.pcre" && pf_reload ||
    sj_die "pcre configuration"
sj_send_file pcre "$M/pcre" -- u@j.test u@s.test
check "queue settles (pcre:)" pf_wait_settled "$T_TIMEOUT"
check "pcre: sent once by each agent" sent_both pcre j.test s.test
check "pcre: smtpjail's transaction equals stock's (but X-Rcpt-Args)" \
    sj_same_dumps pcre
check "pcre: the log lines of the checks equal stock's" same_log pcre
check "pcre: REPLACE with \$1 (non-greedy) and \$\$ acted" \
    dump_has pcre j.test '^Subject: pcre \[this subject\] \(\$5\)$'
check "pcre: PREPEND, IGNORE, case-sensitive, dot-all, m and U acted" \
    eval 'dump_has pcre j.test "^X-Added: before value$" &&
        ! dump_has pcre j.test "^X-DROP:" &&
        dump_has pcre j.test "^X-Case: LOWER$" &&
        dump_has pcre j.test "^X-Case: matched case-sensitively$" &&
        dump_has pcre j.test "^X-Folded: dot-all$" &&
        dump_has pcre j.test "^X-Multi: multi-line$" &&
        dump_has pcre j.test "^X-Ungreedy: a$" &&
        dump_has pcre j.test "^X-Odd: not a known header$"'
check "pcre: MIME and body rules acted" \
    eval 'dump_has pcre j.test "^Content-Type: text/plain$" &&
        dump_has pcre j.test "^replaced: word middle$" &&
        dump_has pcre j.test "^a prepended body line$" &&
        ! dump_has pcre j.test "^drop this line"'
check "pcre: WARN logged as stock logs it" \
    eval 'check_lines pcre smtp | grep -qx "$(pf_qid "${MID[pcre]}"): warning: header X-Warn: w: warned"'
check "pcre: the case-sensitive body rule logged once" \
    eval '[ "$(check_lines pcre smtp | grep -c "info: body .*case-sensitive body line")" -eq 1 ]'
check "nothing left in the queue" eval '[ -z "$(pf_queue_ids)" ]'
check "no fatal, panic or abnormal agent exit" \
    eval '! pf_log | grep -Eq "postfix/(stocksmtp/)?smtp\[[0-9]+\]: (fatal|panic):|postfix/master\[[0-9]+\]: warning: .*(exit status|killed by signal|throttling)"'
world_down
sj_note "t_e2e_checks: $(( $(date +%s) - SJ_START )) s"
check_summary
