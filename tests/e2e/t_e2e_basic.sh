#!/bin/bash
# NAME
#	t_e2e_basic.sh - delivery, deferral and bounce through a real Postfix
# SUMMARY
#	tests/e2e/t_e2e_basic.sh        (as root; prints ok / not ok lines)
# DESCRIPTION
#	Runs the same scenarios against the smtp transport of a private
#	Postfix 3.7 instance (tests/e2e/lib.sh) once per agent:
#
#	- SJ_AGENT=stock or SJ_AGENT=smtpjail in the environment: only that
#	  agent. With smtpjail, a missing or failing binary is a failure.
#	- SJ_AGENT unset: always stock smtp(8) (the reference), then
#	  smtpjail if $SJ_SMTPJAIL (default $SJ_BUILD/smtpjail, else
#	  build/smtpjail) is executable, the smtpjail world starts, and
#	  "smtpjail --sandbox-check" run in that world (MAIL_CONFIG = the
#	  instance) exits 0 and prints "sandbox-check: ok". Otherwise it
#	  prints "# skip smtpjail run: REASON" (not an ok line);
#	  SJ_REQUIRE_SMTPJAIL=1 turns the skip into a "not ok".
#
#	Check names are prefixed with the agent ("stock: ", "smtpjail: ").
#	Scenarios: best MX; second MX when the best has no listener; A
#	record without MX; [host]:port and [literal]:port nexthops from
#	transport_maps; all MX hosts down; NXDOMAIN; SERVFAIL; REFUSED;
#	null MX; 5xx to RCPT; 4xx greeting then the next MX; equal MX
#	preferences (both used over 20 deliveries); smtp_fallback_relay
#	when the only MX is down; an IDN domain; a message
#	with recipients in four outcomes; the stocksmtp comparison
#	transport; relayhost, and a relayhost that does not exist; then
#	the accounting of every injected message, and pflogsumm's totals
#	of the log against its status lines.
# SEE ALSO
#	tests/e2e/lib.sh, parent/log_status.c, child/child_deliver.c;
#	Postfix src/global/log_adhoc.c, src/smtp/smtp_connect.c, smtp_addr.c
set -u
. "$(dirname "$0")/lib.sh"

T_TIMEOUT=${SJ_E2E_SETTLE:-90}
IDN_RCPT="u@b$(printf '\303\274')cher.test"
SENDER=s@sender.test

# ---------------------------------------------------------------- data

write_zone() {	# file
	cat > "$1" <<'EOF'
# best MX, and the second one when the best has no listener
mx-host=best.test,mx1.best.test,10
mx-host=best.test,mx2.best.test,20
host-record=mx1.best.test,127.0.0.3
host-record=mx2.best.test,127.0.0.4
mx-host=second.test,mx1.second.test,10
mx-host=second.test,mx2.second.test,20
host-record=mx1.second.test,127.0.0.5
host-record=mx2.second.test,127.0.0.4
# no MX, an A record
host-record=amx.test,127.0.0.3
# nexthops from transport_maps and relayhost
host-record=alt.test,127.0.0.6
host-record=relay.test,127.0.0.6
# every MX down
mx-host=down.test,mx1.down.test,10
host-record=mx1.down.test,127.0.0.5
# where the bounces go
mx-host=sender.test,mx.sender.test,10
host-record=mx.sender.test,127.0.0.7
# 5xx to RCPT
mx-host=rcpt5.test,mx.rcpt5.test,10
host-record=mx.rcpt5.test,127.0.0.8
# 4xx greeting at the best MX
mx-host=greet4.test,mx1.greet4.test,10
mx-host=greet4.test,mx2.greet4.test,20
host-record=mx1.greet4.test,127.0.0.9
host-record=mx2.greet4.test,127.0.0.4
# for the stocksmtp transport
mx-host=stock.test,mx1.best.test,10
# per-recipient answers (a Postfix smtpd of the instance, see
# pf_receiver_start)
mx-host=pr.test,mx.pr.test,10
host-record=mx.pr.test,127.0.0.10
# two MX hosts of equal preference: both used over many deliveries
mx-host=eq.test,mxa.eq.test,10
mx-host=eq.test,mxb.eq.test,10
host-record=mxa.eq.test,127.0.0.3
host-record=mxb.eq.test,127.0.0.4
# the only MX is down: smtp_fallback_relay of the fbsmtp service
mx-host=fb.test,mx1.fb.test,10
host-record=mx1.fb.test,127.0.0.5
# an IDN domain: published as its A-label (bücher.test)
mx-host=xn--bcher-kva.test,mx1.idn.test,10
host-record=mx1.idn.test,127.0.0.3
# null MX (RFC 7505)
mx-host=nullmx.test,.,0
# resolver failures
servfail=sf.test
refused=rf.test
EOF
}

write_transport() {	# file
	cat > "$1" <<'EOF'
alt.test	smtp:[alt.test]:2525
lit.test	smtp:[127.0.0.6]:2525
stock.test	stocksmtp:
fb.test	fbsmtp:
EOF
}

# ------------------------------------------------------------ helpers

# Globals filled by the scenarios: MID[name], RC[name]...
declare -A MID
EXPECT_SENT=0 EXPECT_BOUNCED=0 EXPECT_DEFERRED=0 EXPECT_MIXED=0

send() {	# name expected(sent|bounced|deferred|mixed) rcpt...
	local name=$1 exp=$2 m
	shift 2
	m=$(pf_send "$SENDER" "$@") || { MID[$name]=; return 1; }
	MID[$name]=$m
	case $exp in
	sent) EXPECT_SENT=$((EXPECT_SENT + 1));;
	bounced) EXPECT_BOUNCED=$((EXPECT_BOUNCED + 1));;
	deferred) EXPECT_DEFERRED=$((EXPECT_DEFERRED + 1));;
	mixed) EXPECT_MIXED=$((EXPECT_MIXED + 1));;
	esac
}

qid_of() {	# scenario name
	[ -n "${MID[$1]:-}" ] || return 1
	pf_qid "${MID[$1]}"
}

# status_is SCENARIO RCPT REGEX: the last status line for RCPT matches
# the extended REGEX.
status_is() {
	local q line
	q=$(qid_of "$1") || { echo "# no queue id for $1"; return 1; }
	line=$(pf_status_line "$q" "$2")
	echo "$line" | grep -Eq -- "$3" && return 0
	echo "# status line for $1 <$2>: ${line:-(none)}"
	echo "# expected: $3"
	return 1
}

eq_all_sent() {	# the eq1..eq20 scenarios went to one of the two MXs
	local i
	for i in $(seq 1 20); do
		status_is "eq$i" "u$i@eq.test" \
		    'relay=mx[ab]\.eq\.test\[127\.0\.0\.[34]\]:25, .*status=sent ' ||
		    return 1
	done
}

# Both MX hosts got some; a false failure needs 20 equal coin tosses
# (2 in a million).
eq_spread() {
	local i a=0 b=0
	for i in $(seq 1 20); do
		in_sink "eq$i" a && a=$((a + 1))
		in_sink "eq$i" b && b=$((b + 1))
	done
	echo "# mxa.eq.test got $a, mxb.eq.test got $b"
	[ "$a" -gt 0 ] && [ "$b" -gt 0 ] && [ $((a + b)) -eq 20 ]
}

in_sink() {	# scenario sink
	[ -n "${MID[$1]:-}" ] && sink_has "$2" "Message-ID: <${MID[$1]}>"
}

not_in_sink() {	# scenario sink
	[ -n "${MID[$1]:-}" ] && ! sink_has "$2" "Message-ID: <${MID[$1]}>"
}

still_queued() {	# scenario
	local q
	q=$(qid_of "$1") || return 1
	pf_in_queue "$q"
}

log_has() {	# extended regex
	pf_log | grep -Eq -- "$1"
}

# A bounce for scenario arrived at the sender's MX: null sender, the
# original Message-ID quoted in the notice; and bounce(8) logged it.
bounce_arrived() {	# scenario
	local q f
	q=$(qid_of "$1") || return 1
	log_has "postfix/bounce\[[0-9]+\]: $q: sender non-delivery notification: [0-9A-F]+" ||
	    { echo "# no non-delivery notification logged for $q"; return 1; }
	for f in $(sink_grep bounces "${MID[$1]}"); do
		grep -q '^X-Mail-Args: <>' "$f" &&
		    grep -q "^X-Rcpt-Args: <$SENDER>" "$f" &&
		    grep -q '^Subject: Undelivered Mail Returned to Sender' "$f" &&
		    return 0
	done
	echo "# no bounce for ${MID[$1]} at the bounces sink"
	return 1
}

# --------------------------------------------------------- accounting

# Every injected message ends delivered (all recipients sent, removed),
# bounced (all bounced, removed), deferred (still queued, all deferred)
# or mixed; the counts match what the scenarios expect and the queue
# holds nothing else than the deferred and mixed messages (plus their
# bounces, which were sent).
accounting() {
	local mid from rcpts q r line w sent=0 bounced=0 deferred=0 mixed=0
	local bad=0 n=0 nsent nb nd queued=() extra
	while read -r mid from rcpts; do
		n=$((n + 1))
		q=$(pf_qid "$mid") || { echo "# $mid: no queue id"; bad=1; continue; }
		nsent=0 nb=0 nd=0
		for r in $rcpts; do
			line=$(pf_status_line "$q" "$r")
			w=$(echo "$line" | sed -n 's/.*, status=\([a-z]*\) .*/\1/p')
			case $w in
			sent) nsent=$((nsent + 1));;
			bounced) nb=$((nb + 1));;
			deferred) nd=$((nd + 1));;
			*) echo "# $q <$r>: no final status (${line:-no line})"; bad=1;;
			esac
		done
		set -- $rcpts
		if pf_in_queue "$q"; then
			queued+=("$q")
			[ "$nd" -gt 0 ] ||
			    { echo "# $q queued without a deferred recipient"; bad=1; }
		elif [ "$nd" -gt 0 ]; then
			echo "# $q has deferred recipients but left the queue"; bad=1
		fi
		if [ "$nsent" -eq $# ]; then sent=$((sent + 1))
		elif [ "$nb" -eq $# ]; then bounced=$((bounced + 1))
		elif [ "$nd" -eq $# ]; then deferred=$((deferred + 1))
		else mixed=$((mixed + 1))
		fi
	done < "$W_DIR/sent.list"
	echo "# injected $n: sent $sent (expected $EXPECT_SENT)," \
	    "bounced $bounced ($EXPECT_BOUNCED), deferred $deferred" \
	    "($EXPECT_DEFERRED), mixed $mixed ($EXPECT_MIXED)"
	extra=$(pf_queue_ids | grep -vxF -f <(printf '%s\n' "${queued[@]:-NONE}"))
	if [ -n "$extra" ]; then
		echo "# unexpected queue entries:" $extra
		bad=1
	fi
	[ "$bad" -eq 0 ] && [ "$sent" -eq "$EXPECT_SENT" ] &&
	    [ "$bounced" -eq "$EXPECT_BOUNCED" ] &&
	    [ "$deferred" -eq "$EXPECT_DEFERRED" ] &&
	    [ "$mixed" -eq "$EXPECT_MIXED" ] &&
	    [ "$n" -eq $((EXPECT_SENT + EXPECT_BOUNCED + EXPECT_DEFERRED + EXPECT_MIXED)) ]
}

# Every "status=sent" line of the smtp transports matches a recipient
# accepted by some sink (bounces included) or by the per-recipient
# receiver (which discards what it accepts), and no receiver took more.
sink_total_matches() {
	local logged got disc
	logged=$(pf_log | grep -Ec 'postfix/(stocksmtp/)?smtp\[[0-9]+\]: [0-9A-F]+: to=<.*status=sent ')
	got=$(find "$W_DIR/sink" -mindepth 2 -type f -exec cat {} + 2>/dev/null |
	    grep -c '^X-Rcpt-Args: ')
	disc=$(pf_log | grep -Ec 'postfix/discard\[[0-9]+\]: [0-9A-F]+: to=<.*status=sent ')
	[ "$logged" -eq $((got + disc)) ] && return 0
	echo "# sent lines in the log: $logged, recipients at the sinks: $got," \
	    "discarded by the receiver: $disc"
	return 1
}

# ---------------------------------------------------------- scenarios

# gate_skip REASON: the smtpjail run is skipped, which is not a pass.
gate_skip() {
	echo "# skip smtpjail run: $1"
	if [ "${SJ_REQUIRE_SMTPJAIL:-0}" = 1 ]; then
		echo "not ok - smtpjail: $1 (SJ_REQUIRE_SMTPJAIL=1)"
		SJ_FAIL=$((SJ_FAIL + 1))
	fi
}

# run_world AGENT [gate]: with "gate", a smtpjail world whose
# --sandbox-check fails is skipped (gate_skip) instead of tested.
run_world() {
	local agent=$1 gate=${2:-} zone tr q out rc
	SJ_CHECK_PREFIX="$agent: "
	# smtpjail logs its child's lines behind a fixed prefix (SECURITY.md)
	CP=
	[ "$agent" = smtpjail ] && CP='sandboxed child: '
	EXPECT_SENT=0 EXPECT_BOUNCED=0 EXPECT_DEFERRED=0 EXPECT_MIXED=0
	MID=()
	zone=$(mktemp /tmp/sj-e2e-zone.XXXXXX)
	write_zone "$zone"
	if ! SJ_AGENT=$agent world_up "basic-$agent" "$zone"; then
		rm -f "$zone"
		if [ -n "$gate" ]; then
			world_down
			gate_skip "the test world did not start with smtpjail"
			return 0
		fi
		sj_die "world_up failed for $agent"
	fi
	rm -f "$zone"

	if [ "$agent" = smtpjail ]; then
		out=$(pf_cmd timeout 60 "$W_DIR/libexec/smtpjail" \
		    --sandbox-check 2>&1)
		rc=$?
		if [ "$rc" -ne 0 ] || ! echo "$out" | grep -q '^sandbox-check: ok'; then
			if [ -n "$gate" ]; then
				world_down
				gate_skip "'$SJ_SMTPJAIL --sandbox-check' exited $rc"
				echo "$out" | tail -n 5 | sed 's/^/#   /'
				return 0
			fi
			echo "$out" | tail -n 20 | sed 's/^/#   /'
		fi
		check "sandbox-check passes in the test instance" \
		    eval '[ "$rc" -eq 0 ] && echo "$out" | grep -q "^sandbox-check: ok"'
	fi

	write_transport "$W_DIR/etc/transport"
	# deferrals to down.test are announced to flush(8) (global/defer.c),
	# which logs their queue ids in flush/down_test
	pf_postconf "fast_flush_domains = down.test"
	# no connection reuse, so that stock smtp(8) spreads over equal MXs
	pf_postconf "smtp_connection_cache_on_demand = no"
	# the agent under test once more, with a fallback relay
	line=$(grep -E '^smtp[[:space:]]+unix' "$W_DIR/etc/master.cf")
	pf_master_add "fb${line}" "  -o smtp_fallback_relay=[127.0.0.6]:2525"
	pf_reload || sj_die "postfix reload failed"

	sink_start a 127.0.0.3 || sj_die "sink a"
	sink_start b 127.0.0.4 || sj_die "sink b"
	sink_start alt 127.0.0.6:2525 || sj_die "sink alt"
	sink_start relay 127.0.0.6:25 || sj_die "sink relay"
	sink_start bounces 127.0.0.7 || sj_die "sink bounces"
	sink_start rej5 127.0.0.8 -f RCPT || sj_die "sink rej5"
	sink_start greet4 127.0.0.9 -r CONNECT || sj_die "sink greet4"
	printf '%s\n' 'hard@pr.test 550 5.1.1 no such user' \
	    'soft@pr.test 450 4.2.0 try later' > "$W_DIR/rcpt_access.in"
	pf_receiver_start 127.0.0.10 "$W_DIR/rcpt_access.in" ||
	    sj_die "per-recipient receiver"

	# Phase 1: everything routed by DNS and transport_maps.
	send best sent u@best.test
	send second sent u@second.test
	send amx sent u@amx.test
	send alt sent u@alt.test
	send lit sent u@lit.test
	send down deferred u@down.test
	send nx bounced u@nx.test
	send sf deferred u@sf.test
	send rf deferred u@rf.test
	send nullmx bounced u@nullmx.test
	send rcpt5 bounced u@rcpt5.test
	send greet4 sent u@greet4.test
	send stock sent u@stock.test
	send multi mixed u1@best.test u2@best.test u@nx.test u@sf.test
	send perrcpt mixed ok@pr.test hard@pr.test soft@pr.test
	send fb sent u@fb.test
	# smtp-sink offers no SMTPUTF8: both agents bounce it 5.6.7 there
	send idn bounced "$IDN_RCPT"
	for i in $(seq 1 20); do send "eq$i" sent "u$i@eq.test"; done
	check "phase 1 queue settles" pf_wait_settled "$T_TIMEOUT"

	check "best MX: sent to mx1" status_is best u@best.test \
	    'relay=mx1\.best\.test\[127\.0\.0\.3\]:25, .*dsn=2\.0\.0, status=sent \(250 '
	check "best MX: message at the best MX only" \
	    eval 'in_sink best a && not_in_sink best b'
	check "second MX: sent to mx2 when mx1 has no listener" \
	    status_is second u@second.test \
	    'relay=mx2\.second\.test\[127\.0\.0\.4\]:25, .*dsn=2\.0\.0, status=sent '
	check "second MX: message arrived" in_sink second b
	check "second MX: connect failure to mx1 logged" \
	    log_has "postfix/smtp\[[0-9]+\]: ${CP}connect to mx1\.second\.test\[127\.0\.0\.5\]:25: Connection refused"
	check "no MX: sent to the A record" status_is amx u@amx.test \
	    'relay=amx\.test\[127\.0\.0\.3\]:25, .*status=sent '
	check "no MX: message arrived" in_sink amx a
	check "transport_maps [host]:port: sent" status_is alt u@alt.test \
	    'relay=alt\.test\[127\.0\.0\.6\]:2525, .*status=sent '
	check "transport_maps [host]:port: message arrived" in_sink alt alt
	check "transport_maps [literal]:port: sent" status_is lit u@lit.test \
	    'relay=127\.0\.0\.6\[127\.0\.0\.6\]:2525, .*status=sent '
	check "transport_maps [literal]:port: message arrived" in_sink lit alt
	check "all MX down: deferred 4.4.1" status_is down u@down.test \
	    'relay=none, .*dsn=4\.4\.1, status=deferred \(connect to mx1\.down\.test\[127\.0\.0\.5\]:25: Connection refused\)'
	check "all MX down: flush(8) logged the deferral for down.test" \
	    eval 'q=$(qid_of down) && [ -n "$q" ] && grep -qx "$q" "$W_DIR/spool/flush/down_test"'
	check "fast_flush_domains: no flush log for sf.test" \
	    eval '[ ! -e "$W_DIR/spool/flush/sf_test" ]'
	check "all MX down: still queued" still_queued down
	check "NXDOMAIN: bounced 5.4.4" status_is nx u@nx.test \
	    'relay=none, .*dsn=5\.4\.4, status=bounced \(Host or domain name not found\. Name service error for name=nx\.test type=A: Host not found\)'
	check "NXDOMAIN: bounce delivered to the sender" bounce_arrived nx
	check "SERVFAIL: deferred 4.4.3" status_is sf u@sf.test \
	    'relay=none, .*dsn=4\.4\.3, status=deferred \(Host or domain name not found\. Name service error for name=sf\.test type=MX: Host not found, try again\)'
	check "SERVFAIL: still queued" still_queued sf
	check "REFUSED: deferred 4.4.3" status_is rf u@rf.test \
	    'relay=none, .*dsn=4\.4\.3, status=deferred \(Host or domain name not found\. Name service error for name=rf\.test type=MX: Host not found, try again\)'
	check "REFUSED: still queued" still_queued rf
	check "null MX: bounced 5.1.0" status_is nullmx u@nullmx.test \
	    'relay=none, .*dsn=5\.1\.0, status=bounced \(Domain nullmx\.test does not accept mail \(nullMX\)\)'
	check "null MX: bounce delivered" bounce_arrived nullmx
	check "5xx RCPT: bounced with the server's reply" \
	    status_is rcpt5 u@rcpt5.test \
	    'relay=mx\.rcpt5\.test\[127\.0\.0\.8\]:25, .*dsn=5\.3\.0, status=bounced \(host mx\.rcpt5\.test\[127\.0\.0\.8\] said: 500 5\.3\.0 Error: command failed \(in reply to RCPT TO command\)\)'
	check "5xx RCPT: bounce delivered" bounce_arrived rcpt5
	check "5xx RCPT: nothing at the rejecting sink" \
	    eval '[ "$(sink_count rej5)" -eq 0 ]'
	check "4xx greeting: sent to the next MX" \
	    status_is greet4 u@greet4.test \
	    'relay=mx2\.greet4\.test\[127\.0\.0\.4\]:25, .*status=sent '
	q=$(qid_of greet4)
	check "4xx greeting: soft failure at mx1 logged" \
	    log_has "postfix/smtp\[[0-9]+\]: ${CP}$q: host mx1\.greet4\.test\[127\.0\.0\.9\] refused to talk to me: 4[0-9][0-9] "
	check "equal-preference MX hosts: all 20 sent" eq_all_sent
	check "equal-preference MX hosts: both received some (20 deliveries, random order)" \
	    eq_spread
	check "smtp_fallback_relay: sent to the fallback when the MX is down" \
	    status_is fb u@fb.test \
	    'relay=127\.0\.0\.6\[127\.0\.0\.6\]:2525, .*status=sent '
	check "smtp_fallback_relay: message arrived at the fallback" in_sink fb alt
	check "IDN domain: looked up by its A-label, its MX reached, logged in UTF-8 (5.6.7: the sink has no SMTPUTF8)" \
	    status_is idn "$IDN_RCPT" \
	    'relay=mx1\.idn\.test\[127\.0\.0\.3\]:25, .*dsn=5\.6\.7, status=bounced \(SMTPUTF8 is required'
	check "stocksmtp transport: sent by the stock agent" \
	    eval 'status_is stock u@stock.test "relay=mx1\.best\.test\[127\.0\.0\.3\]:25, .*status=sent " &&
	        log_has "postfix/stocksmtp/smtp\[[0-9]+\]: $(qid_of stock): to=<u@stock\.test>"'
	check "multi-recipient: u1 sent" status_is multi u1@best.test \
	    'relay=mx1\.best\.test\[127\.0\.0\.3\]:25, .*status=sent '
	check "multi-recipient: u2 sent" status_is multi u2@best.test \
	    'relay=mx1\.best\.test\[127\.0\.0\.3\]:25, .*status=sent '
	check "multi-recipient: nx bounced" status_is multi u@nx.test \
	    'dsn=5\.4\.4, status=bounced '
	check "multi-recipient: sf deferred" status_is multi u@sf.test \
	    'dsn=4\.4\.3, status=deferred '
	check "multi-recipient: still queued for sf" still_queued multi
	check "multi-recipient: bounce for nx delivered" bounce_arrived multi
	# Postfix smtpd answers BDAT (smtpjail, CHUNKING) with "Ok: N bytes
	# queued as ...", the end of DATA (stock) with "Ok: queued as ...".
	check "per-recipient: 250 accepted" status_is perrcpt ok@pr.test \
	    'relay=mx\.pr\.test\[127\.0\.0\.10\]:25, .*dsn=2\.0\.0, status=sent \(250 2\.0\.0 Ok: ([0-9]+ bytes )?queued as [0-9A-F]+\)'
	check "per-recipient: 550 bounced" status_is perrcpt hard@pr.test \
	    'relay=mx\.pr\.test\[127\.0\.0\.10\]:25, .*dsn=5\.1\.1, status=bounced \(host mx\.pr\.test\[127\.0\.0\.10\] said: 550 5\.1\.1 <hard@pr\.test>: Recipient address rejected: no such user \(in reply to RCPT TO command\)\)'
	check "per-recipient: 450 deferred" status_is perrcpt soft@pr.test \
	    'relay=mx\.pr\.test\[127\.0\.0\.10\]:25, .*dsn=4\.2\.0, status=deferred \(host mx\.pr\.test\[127\.0\.0\.10\] said: 450 4\.2\.0 <soft@pr\.test>: Recipient address rejected: try later \(in reply to RCPT TO command\)\)'
	check "per-recipient: still queued for soft" still_queued perrcpt
	check "per-recipient: bounce for hard delivered" bounce_arrived perrcpt

	# Phase 2: relayhost (applied by trivial-rewrite: main.cf + reload).
	pf_postconf 'relayhost = [relay.test]' && pf_reload ||
	    sj_die "setting relayhost failed"
	send relayhost sent u@anywhere.test
	check "relayhost: queue settles" pf_wait_settled "$T_TIMEOUT"
	check "relayhost: sent to the relay" status_is relayhost u@anywhere.test \
	    'relay=relay\.test\[127\.0\.0\.6\]:25, .*dsn=2\.0\.0, status=sent '
	check "relayhost: message arrived" in_sink relayhost relay
	pf_postconf 'relayhost = [nxrelay.test]' && pf_reload ||
	    sj_die "setting relayhost failed"
	send nxrelay deferred u@anywhere2.test
	check "bad relayhost: queue settles" pf_wait_settled "$T_TIMEOUT"
	check "bad relayhost: deferred 4.3.5, not bounced" \
	    status_is nxrelay u@anywhere2.test \
	    'relay=none, .*dsn=4\.3\.5, status=deferred \(Host or domain name not found\. Name service error for name=nxrelay\.test type=A: Host not found\)'
	check "bad relayhost: configuration problem logged" \
	    log_has "postfix/smtp\[[0-9]+\]: warning: ${CP}relayhost configuration problem"
	pf_postconf 'relayhost =' && pf_reload || sj_die "resetting relayhost failed"

	# Accounting.
	check "accounting: every message sent, bounced or deferred as expected" \
	    accounting
	check "accounting: sent lines match recipients at the sinks" sink_total_matches
	check "no fatal or panic from the agent" \
	    eval '! pf_log | grep -Eq "postfix/(stocksmtp/)?smtp\[[0-9]+\]: (fatal|panic):"'
	check "pflogsumm (Debian's log summary) counts the log's sent, bounced and deferred lines" \
	    pflogsumm_counts
	check "master saw no abnormal agent exit" \
	    eval '! pf_log | grep -Eq "postfix/master\[[0-9]+\]: warning: .*(exit status|killed by signal|throttling)"'
	world_down
}

# pflogsumm reads the agent's status lines as a stock smtp(8)'s: its
# Grand Totals equal the status= counts of the world's log.
pflogsumm_counts() {
	local log=$W_DIR/log/maillog out want got k
	command -v pflogsumm > /dev/null ||
	    { sj_note "pflogsumm is not installed (make deps)"; return 1; }
	out=$(pflogsumm --detail 0 "$log" 2>&1) ||
	    { sj_note "pflogsumm failed: $out"; return 1; }
	for k in sent:delivered bounced:bounced deferred:deferrals; do
		want=$(grep -c "status=${k%%:*} " "$log")
		if [ "${k#*:}" = deferrals ]; then
			got=$(echo "$out" | sed -n 's/.*deferred *(\([0-9]*\) *deferral.*/\1/p' |
			    head -n 1)
		else
			got=$(echo "$out" | awk -v k="${k#*:}" \
			    '$2 == k { print $1; exit }')
		fi
		if [ "$got" != "$want" ] || [ "$want" -eq 0 ]; then
			sj_note "pflogsumm ${k#*:}: '$got', status=${k%%:*} lines: $want"
			return 1
		fi
	done
}

# ------------------------------------------------------------- main

[ "$(id -u)" -eq 0 ] || { echo "not ok - t_e2e_basic: must run as root"; exit 1; }
for c in postfix smtp-sink dnsmasq ip; do
	command -v "$c" > /dev/null ||
	    { echo "not ok - t_e2e_basic: $c is not installed"; exit 1; }
done

start=$(date +%s)
# SJ_AGENT as the caller gave it (lib.sh defaults SJ_AGENT to stock).
agents=$SJ_AGENT_FROM_ENV
if [ -z "$agents" ]; then
	agents=stock
	if [ -x "$SJ_SMTPJAIL" ]; then
		agents="stock smtpjail-gated"
	else
		gate_skip "$SJ_SMTPJAIL does not exist (make)"
	fi
fi

for a in $agents; do
	case $a in
	smtpjail-gated) run_world smtpjail gate;;
	stock|smtpjail) run_world "$a";;
	*)	echo "not ok - unknown agent '$a'"; SJ_FAIL=$((SJ_FAIL + 1));;
	esac
done
sj_note "t_e2e_basic: $(( $(date +%s) - start )) s"
check_summary
