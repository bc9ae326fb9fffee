#!/bin/bash
# NAME
#	t_e2e_qfile.sh - a queue file damaged after it was queued: smtpjail against stock smtp(8)
# SUMMARY
#	tests/e2e/t_e2e_qfile.sh        (as root; prints ok / not ok lines)
# DESCRIPTION
#	One private Postfix 3.7 world (tests/e2e/lib.sh): smtpjail is the
#	smtp transport, stock smtp(8) the stocksmtp transport. Messages are
#	put on hold by cleanup (header_checks HOLD), damaged as root in
#	$queue_directory/hold, released (postsuper -H) and flushed.
#
#	Scenarios, each once for smtpjail (j-SCEN@ok.test) and once for
#	stock (s-SCEN@ok.test):
#	badrec	the type byte of a body record is overwritten ('Z'): the
#		agent meets a bad record in the content.
#	long	(not damaged, not held) a sender of 1112 bytes, over
#		smtpjail's old limit of 1024: stock sends it and the server
#		accepts it; smtpjail must too.
#	trunc	the file is cut in the middle of the body. qmgr reads every
#		file to its end record before it makes a request, so it
#		rejects this one and saves it in the corrupt queue; neither
#		agent sees it (compared: that, and the same outcome).
#
#	Compared: the status= and dsn= of the status line and the text in
#	parentheses; whether the message is still queued; whether it is in
#	$queue_directory/corrupt; whether a non-delivery notification was
#	sent; the warnings each agent logged for its message and the lines
#	qmgr and bounce logged for it (queue id and pid folded). Not compared, by design: relay= (stock smtp(8)
#	meets the bad record while sending DATA, so it names the server it
#	was talking to; smtpjail reads the whole file before it connects and
#	never connects for a damaged file: relay=none), delay=/delays=, and
#	the session itself (stock sends MAIL/RCPT/DATA and drops the
#	connection; smtpjail sends nothing).
# SEE ALSO
#	tests/e2e/lib.sh, tests/e2e/t_e2e_compare.sh, Postfix
#	src/smtp/smtp_proto.c (smtp_loop, "unreadable mail queue entry")
set -u
. "$(dirname "$0")/lib.sh"

T_TIMEOUT=${SJ_E2E_SETTLE:-90}
SENDER=s@sender.test
SCENARIOS="badrec trunc"

write_zone() {	# file
	cat > "$1" <<'EOF'
mx-host=ok.test,mx.ok.test,10
host-record=mx.ok.test,127.0.0.3
mx-host=sender.test,mx.sender.test,10
host-record=mx.sender.test,127.0.0.7
EOF
}

# damage SCEN FILE: overwrite the type byte of the body line, or cut
# the file in the middle of that line. The body line is shorter than
# 128 bytes: its record is type, one length byte, text.
damage() {	# scenario file
	python3 - "$1" "$2" <<'EOF' || return 1
import sys
scen, path = sys.argv[1], sys.argv[2]
with open(path, "r+b") as f:
    data = f.read()
    at = data.find(b"Test message ")
    if at < 2 or data[at - 2:at - 1] != b"N":
        sys.exit("no body record in " + path)
    if scen == "badrec":
        f.seek(at - 2)
        f.write(b"Z")
    else:
        f.truncate(at + 4)
EOF
}

declare -A QID

# fold: the queue id, the j-/s- prefix, the sandboxed child's prefix.
fold() {	# qid
	sed -E -e "s/$1/QID/g" -e 's/\b[js]-([a-z0-9]*@)/X-\1/g' \
	    -e 's/^((warning|error): )?sandboxed child: /\1/'
}

status_line() {	# agent scenario
	pf_status_line "${QID[$1$2]}" "$1-$2@ok.test"
}

# Status line fields are compared as logged (lib.sh, sj_same_fields):
# nothing folded.
SJ_FOLD=

same_field() {	# scenario name
	sj_same_fields "$(status_line j "$1")" "$(status_line s "$1")" "$2"
}

# outcome AGENT SCEN: "queued|gone corrupt|clean notified|silent".
outcome() {	# agent scenario
	local q=${QID[$1$2]} o
	grep -qx -- "$q" <<< "$QUEUED" && o=queued || o=gone
	if [ -e "$W_DIR/spool/corrupt/$q" ]; then o+=" corrupt"; else o+=" clean"; fi
	if grep -Eq "postfix/bounce\[[0-9]+\]: $q: sender non-delivery notification: " \
	    "$W_DIR/log/maillog"; then o+=" notified"; else o+=" silent"; fi
	echo "$o"
}

same_outcome() {	# scenario
	local a b
	a=$(outcome j "$1") b=$(outcome s "$1")
	echo "# $1: smtpjail: $a; stock: $b"
	[ "$a" = "$b" ]
}

# The warnings an agent logged for its message.
warnings() {	# agent scenario
	local q=${QID[$1$2]} id
	[ "$1" = j ] && id='postfix/smtp' || id='postfix/stocksmtp/smtp'
	grep -E "$id\\[[0-9]+\\]: (warning|error|fatal|panic): " \
	    "$W_DIR/log/maillog" | grep -F "$q" |
	    sed -E "s/.*$(echo "$id" | sed 's/\//\\\//g')\[[0-9]*\]: //" |
	    fold "$q" | sort
}

same_warnings() {	# scenario
	local a b
	a=$(warnings j "$1") b=$(warnings s "$1")
	echo "# smtpjail:"; echo "$a" | sed 's/^/#   /'
	echo "# stock:"; echo "$b" | sed 's/^/#   /'
	[ "$a" = "$b" ]
}

# What qmgr and bounce logged for the message after the agent, folded
# (stock: "status=deferred (bounce failed)": the bounce daemon cannot
# open a file in mode 0400; then "saving corrupt file").
after_lines() {	# agent scenario
	local q=${QID[$1$2]}
	grep -E "postfix/(qmgr|bounce)\[[0-9]+\]: " "$W_DIR/log/maillog" |
	    grep -F "$q" | grep -v ': from=<' |
	    sed -E 's/.*postfix\/(qmgr|bounce)\[[0-9]*\]: /\1: /' | fold "$q"
}

same_after_lines() {	# scenario
	local a b
	a=$(after_lines j "$1") b=$(after_lines s "$1")
	echo "# smtpjail:"; echo "$a" | sed 's/^/#   /'
	echo "# stock:"; echo "$b" | sed 's/^/#   /'
	[ -n "$a" ] && [ "$a" = "$b" ]
}

# ------------------------------------------------------------ main

sj_jail_world t_e2e_qfile qfile write_zone postfix smtp-sink dnsmasq ip python3
for s in $SCENARIOS; do
	printf 's-%s@ok.test\tstocksmtp:\n' "$s"
done > "$W_DIR/etc/transport"
printf 's-long@ok.test\tstocksmtp:\n' >> "$W_DIR/etc/transport"
printf '/^X-Hold: yes/ HOLD damage test\n' > "$W_DIR/etc/hold_checks"
pf_postconf "header_checks = regexp:$W_DIR/etc/hold_checks" ||
    sj_die "postconf"
pf_reload || sj_die "reload"
sink_start ok 127.0.0.3 || sj_die "sink ok"
sink_start bounces 127.0.0.7 || sj_die "sink bounces"

msg=$W_DIR/qfile-msg.txt
for s in $SCENARIOS; do
	for a in j s; do
		printf 'From: <%s>\nTo: <%s-%s@ok.test>\nSubject: damaged %s\nX-Hold: yes\n\nTest message %s for %s.\n' \
		    "$SENDER" "$a" "$s" "$s" "$s" "$a" > "$msg"
		m=$(pf_send "$SENDER" "$a-$s@ok.test" "$msg") || sj_die "send"
		QID[$a$s]=$(pf_qid "$m") || sj_die "no queue id for $m"
	done
done
for s in $SCENARIOS; do
	for a in j s; do
		q=${QID[$a$s]}
		sj_wait_file "$W_DIR/spool/hold/$q" 20 || sj_die "$q not on hold"
		damage "$s" "$W_DIR/spool/hold/$q" || sj_die "damage $q"
	done
done
# A sender longer than smtpjail's SJ_ADDR_MAX (1024), not held.
LONGSENDER=$(printf 'l%.0s' $(seq 1 1100))@sender.test
for a in j s; do
	printf 'From: <%s>\nTo: <%s-long@ok.test>\nSubject: long sender\n\nTest long %s.\n' \
	    "$LONGSENDER" "$a" "$a" > "$msg"
	m=$(pf_send "$LONGSENDER" "$a-long@ok.test" "$msg") || sj_die "send long"
	QID[${a}long]=$(pf_qid "$m") || sj_die "no queue id for $m"
done
pf_cmd postsuper -c "$W_DIR/etc" -H ALL > /dev/null 2>&1 || sj_die "postsuper -H"
pf_flush
sleep 2
check "queue settles" pf_wait_settled "$T_TIMEOUT"
QUEUED=$(pf_queue_ids)

for s in $SCENARIOS; do
	SJ_CHECK_PREFIX="$s: "
	echo "# smtpjail: $(status_line j "$s")"
	echo "# stock:    $(status_line s "$s")"
	if [ "$s" = trunc ]; then
		# qmgr reads the file to its end record before it hands
		# out a request ("message rejected: missing end record") and
		# saves it in the corrupt queue: neither agent sees it.
		check "neither agent logged a status line" eval \
		    '[ -z "$(status_line j "$s")$(status_line s "$s")" ]'
	else
		check "stock: status=bounced dsn=5.3.0 (unreadable mail queue entry)" \
		    eval '[[ $(status_line s "$s") == *", dsn=5.3.0, status=bounced (unreadable mail queue entry)" ]]'
		for f in status dsn text; do
			check "same $f=" same_field "$s" "$f"
		done
		check "smtpjail: relay=none (it never connects)" \
		    eval '[[ $(status_line j "$s") == *", relay=none, "* ]]'
		check "smtpjail sent nothing to the server" \
		    eval '[ -z "$(sink_grep ok "j-$s@ok.test")" ]'
	fi
	check "same outcome (queue, corrupt queue, notification)" \
	    same_outcome "$s"
	check "same warnings" same_warnings "$s"
	check "same qmgr and bounce lines" same_after_lines "$s"
done
SJ_CHECK_PREFIX=
# The long sender: stock sends it and the server decides (smtp-sink
# accepts it); smtpjail carries senders up to SJ_SENDER_MAX (4096).
SJ_CHECK_PREFIX="long sender: "
echo "# smtpjail: $(status_line j long | sed -E 's/l{20,}/l.../g')"
echo "# stock:    $(status_line s long | sed -E 's/l{20,}/l.../g')"
check "stock: status=sent" eval \
    '[[ $(status_line s long) == *", status=sent "* ]]'
for f in status dsn text; do
	check "same $f=" same_field long "$f"
done
check "same outcome (queue, corrupt queue, notification)" \
    same_outcome long
# The dump of smtpjail's transaction (its recipient) has the sender.
jlong_dump() {
	local f
	for f in $(sink_grep ok "j-long@ok.test"); do
		grep -qF -- "$LONGSENDER" "$f" && return 0
	done
	return 1
}
check "the server got the whole sender from smtpjail" jlong_dump
SJ_CHECK_PREFIX=
world_down
sj_note "t_e2e_qfile: $(( $(date +%s) - SJ_START )) s"
check_summary
