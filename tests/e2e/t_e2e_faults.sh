#!/bin/bash
# NAME
#	t_e2e_faults.sh - the live sandbox, and SIGKILL at every stage
# SUMMARY
#	tests/e2e/t_e2e_faults.sh        (as root; prints ok / not ok lines)
# DESCRIPTION
#	One private Postfix 3.7 world (tests/e2e/lib.sh) with smtpjail as
#	the smtp transport. The receiver is tests/e2e/stall_server.py, which
#	stops answering at a chosen stage and says so by creating a file.
#
#	(a) While a child is in a real session (stalled at DATA), its
#	    /proc entry shows the sandbox: Seccomp 2, NoNewPrivs 1, every
#	    capability set empty, all uids and gids the sandbox user's, no
#	    supplementary group, root = the sandbox directory, no descriptor
#	    of a file-system object but /dev/null on 0 and 1 (sockets,
#	    pipes, the content memfd); its parent is the spawner (root,
#	    only CAP_SETUID/SETGID/SYS_CHROOT/KILL, empty bounding set, Seccomp 2,
#	    NoNewPrivs 1, root = the sandbox directory), whose parent, the
#	    smtpjail parent, runs as mail_owner, chrooted in the queue
#	    directory.
#	(b) The child is killed with SIGKILL during DNS (a name server that
#	    never answers), connect (a listener whose backlog is full),
#	    the greeting, EHLO, MAIL, the first and second RCPT, DATA,
#	    mid-content, after the final dot before the reply, and during
#	    QUIT (smtp_skip_quit_response = no, so that there is a wait).
#	    A killed child ends only its own job: the same smtpjail parent
#	    is still there afterwards and serves the retry with a fresh
#	    child (one destination per child, SECURITY.md).
#	    Postfix's semantics: smtp(8) marks a recipient done only on a
#	    2xx reply after the content, as soon as that reply arrives.
#	    Up to the final dot every recipient is deferred (4.3.0, "mail
#	    delivery agent (sandboxed child) failed"), nothing is marked
#	    sent, the queue file stays, and after the stall is lifted and
#	    "postqueue -f" the next attempt delivers exactly once (the
#	    server's acknowledged transactions are counted). After the dot
#	    without a reply the same holds; the receiver had the whole
#	    message once without acknowledging it (a possible duplicate,
#	    which RFC 5321 section 6.1 and smtp(8) accept rather than losing
#	    mail). During QUIT the 250 was already received and reported:
#	    as with smtp(8) the recipients are logged sent and marked, the
#	    queue file goes, and the server acknowledged the message once.
#	(c) The smtpjail parent is killed with SIGKILL at the greeting,
#	    EHLO, MAIL, each RCPT, DATA, mid-content, after the final dot
#	    and during QUIT: the child does not
#	    outlive it, master(8) logs the killed process, qmgr logs
#	    "malformed response" and no status line and moves the message to
#	    the deferred queue, and after "postqueue -f" the mail is
#	    delivered exactly once (acknowledged). During QUIT the 250 had
#	    come: the parent had logged the recipients sent and marked them
#	    in the queue file when their results arrived (as smtp(8) does),
#	    so the retry finds nothing to send and the server has the
#	    message once.

#	minimal_backoff_time is long, so nothing is retried behind the
#	test's back; "postqueue -f" retries at once (and lifts qmgr's
#	transport throttle after a dead agent).
#
#	Needs the smtpjail binary; without it the suite prints
#	"# skip ..." (SJ_REQUIRE_SMTPJAIL=1: "not ok").
# SEE ALSO
#	tests/e2e/lib.sh, tests/e2e/stall_server.py, SECURITY.md
set -u
. "$(dirname "$0")/lib.sh"

T_WAIT=${SJ_E2E_SETTLE:-30}
SENDER=s@sender.test
ST_ADDR=127.0.0.11	# the stall server
BH_ADDR=127.0.0.12	# the full-backlog listener (connect stage)

write_zone() {	# file [dns-stage-resolvable]
	cat > "$1" <<'EOF'
mx-host=stall.test,mx.stall.test,10
host-record=mx.stall.test,127.0.0.11
mx-host=conn.test,mx.conn.test,10
host-record=mx.conn.test,127.0.0.12
mx-host=sender.test,mx.sender.test,10
host-record=mx.sender.test,127.0.0.7
EOF
	if [ -n "${2:-}" ]; then
		echo "mx-host=dnsstall.test,mx.stall.test,10" >> "$1"
	else
		# lib.sh probes the first failing zone: it must answer
		printf '%s\n' servfail=probe.sf.test drop=dnsstall.test >> "$1"
	fi
}

# ------------------------------------------------------------ helpers

SEQ=0
# send_msg DOMAIN [FILE]: two recipients at DOMAIN; sets MIDN, QID,
# RA and RB.
send_msg() {	# domain [file]
	SEQ=$((SEQ + 1))
	MIDN=$(pf_send "$SENDER" "a$SEQ@$1" "b$SEQ@$1" ${2:+"$2"}) || return 1
	QID=$(pf_qid "$MIDN") || { sj_note "no queue id for $MIDN"; return 1; }
	RA=a$SEQ@$1 RB=b$SEQ@$1
}

# wait_status QID RCPT REGEX TIMEOUT: wait for a status line matching.
wait_status() {
	local end=$(( $(date +%s) + $4 ))
	while [ "$(date +%s)" -lt "$end" ]; do
		pf_status_line "$1" "$2" | grep -Eq -- "$3" && return 0
		sleep 0.2
	done
	echo "# status of $2 in $1: $(pf_status_line "$1" "$2")"
	echo "# expected: $3"
	return 1
}

# count_in STALLDIR FILE MID: lines for MID in delivered/unacked.log.
count_in() {	# stall-name file mid
	local f=$W_DIR/stall/$1/$2
	if [ -f "$f" ]; then grep -cF "$3 " "$f"; else echo 0; fi
}

# queue_file_kept QID: the queue file is in the deferred queue.
queue_file_kept() {	# qid
	[ -n "$(find "$W_DIR/spool/deferred" -type f -name "$1" 2>/dev/null)" ] &&
	    return 0
	echo "# no deferred queue file for $1:"
	find "$W_DIR/spool" -type f -name "$1" | sed 's/^/#   /'
	return 1
}

no_sent_line() {	# qid rcpt
	! grep -F " $1: to=<$2>," "$W_DIR/log/maillog" | grep -q 'status=sent '
}

log_has() {	# extended regex
	pf_log | grep -Eq -- "$1"
}

# proc_field PID NAME: a field of /proc/PID/status (the value, tabs
# squeezed to spaces).
proc_field() {	# pid name
	sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status" 2>/dev/null |
	    tr -s '\t ' '  '
}

# gone PID TIMEOUT: the process is gone (or a zombie) within TIMEOUT s.
gone() {	# pid timeout
	local end=$(( $(date +%s) + $2 ))
	while [ "$(date +%s)" -lt "$end" ]; do
		[ -d "/proc/$1" ] || return 0
		grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "# process $1 still alive: $(proc_field "$1" State)"
	return 1
}

# wait_stage NAME STAGE: the stall server reached STAGE.
wait_stage() {	# stall-name stage
	sj_wait_file "$W_DIR/stall/$1/at-$2" "$T_WAIT" && return 0
	echo "# the stall server $1 never reached $2"
	return 1
}

# wait_pid CMD...: the first non-empty output of CMD within T_WAIT s.
wait_pid() {
	local end=$(( $(date +%s) + T_WAIT )) p
	while [ "$(date +%s)" -lt "$end" ]; do
		p=$("$@")
		[ -n "$p" ] && { echo "$p"; return 0; }
		sleep 0.1
	done
	return 1
}

dns_pending() {	# name: dnsmasq logged an MX query for it
	wait_true grep -q "query\[MX\] $1 " "$W_DIR/dns/dnsmasq.log"
}

# wait_true CMD...: CMD succeeds within T_WAIT s.
wait_true() {
	local end=$(( $(date +%s) + T_WAIT ))
	while [ "$(date +%s)" -lt "$end" ]; do
		"$@" > /dev/null 2>&1 && return 0
		sleep 0.1
	done
	"$@"
}

qmgr_broken_count() {	# qmgr warnings about a broken agent connection
	grep -c 'postfix/qmgr\[[0-9]*\]: warning: private/smtp socket: malformed response' \
	    "$W_DIR/log/maillog"
}

is_child() {	# pid: an smtpjail process running as the sandbox user
	[ -n "$1" ] && [ -d "/proc/$1" ] &&
	    sj_agent_pids child | grep -qx -- "$1"
}

# retry_delivers STALL: lift the stall, flush, and wait until the
# message is sent to both recipients and gone from the queue.
retry_delivers() {	# stall-name
	stall_stage "$1" none
	touch "$W_DIR/stall/$1/release"
	pf_flush || return 1
	wait_status "$QID" "$RA" 'status=sent ' "$T_WAIT" &&
	    wait_status "$QID" "$RB" 'status=sent ' "$T_WAIT" &&
	    pf_wait_settled "$T_WAIT" && ! pf_in_queue "$QID"
}

once() {	# stall-name: MIDN acknowledged exactly once, both recipients
	local n
	n=$(count_in "$1" delivered.log "$MIDN")
	[ "$n" -eq 1 ] &&
	    grep -F "$MIDN " "$W_DIR/stall/$1/delivered.log" |
	    grep -qF "$RA,$RB" && return 0
	echo "# $MIDN acknowledged $n times by $1"
	return 1
}

DEFER_RE='dsn=4\.3\.0, status=deferred \(mail delivery agent \(sandboxed child\) failed\)'
SENT_RE='dsn=2\.0\.0, status=sent \(250 '

# ------------------------------------------------- (a) live sandbox

sandbox_props() {	# child-pid
	local c=$1 p sbuid sbgid pfuid bad=0 f l
	sbuid=$(id -u "$(sj_sandbox_user)") sbgid=$(id -g "$(sj_sandbox_user)") pfuid=$(id -u postfix)
	expect_eq() {	# what got want
		[ "$2" = "$3" ] && return 0
		echo "# $1: '$2', expected '$3'"
		bad=1
	}
	expect_eq Seccomp "$(proc_field "$c" Seccomp)" 2
	expect_eq NoNewPrivs "$(proc_field "$c" NoNewPrivs)" 1
	for f in CapInh CapPrm CapEff CapBnd CapAmb; do
		expect_eq "$f" "$(proc_field "$c" "$f")" 0000000000000000
	done
	expect_eq Uid "$(proc_field "$c" Uid)" "$sbuid $sbuid $sbuid $sbuid"
	expect_eq Gid "$(proc_field "$c" Gid)" "$sbgid $sbgid $sbgid $sbgid"
	expect_eq Groups "$(proc_field "$c" Groups | sed 's/ *$//')" ""
	expect_eq root "$(readlink "/proc/$c/root")" "$W_DIR/sandbox"
	for f in /proc/"$c"/fd/*; do
		l=$(readlink "$f") || continue
		# /dev/null on 0 and 1: the spawner's, from master(8) (Postfix
		# daemons keep them so that stray writes go nowhere)
		case ${f##*/}:$l in
		*:socket:*|*:pipe:*|*:anon_inode:*|*:/memfd:*) ;;
		[01]:/dev/null) ;;
		*) echo "# child descriptor ${f##*/} -> $l"; bad=1;;
		esac
	done
	p=$(proc_field "$c" PPid)
	expect_eq "spawner Uid" "$(proc_field "$p" Uid)" "0 0 0 0"
	expect_eq "spawner CapEff" "$(proc_field "$p" CapEff)" 00000000000400e0
	expect_eq "spawner CapBnd" "$(proc_field "$p" CapBnd)" 0000000000000000
	expect_eq "spawner Seccomp" "$(proc_field "$p" Seccomp)" 2
	expect_eq "spawner NoNewPrivs" "$(proc_field "$p" NoNewPrivs)" 1
	expect_eq "spawner root" "$(readlink "/proc/$p/root")" "$W_DIR/sandbox"
	p=$(proc_field "$p" PPid)
	expect_eq "parent Uid" "$(proc_field "$p" Uid | cut -d' ' -f1-3)" \
	    "$pfuid $pfuid $pfuid"
	expect_eq "parent root" "$(readlink "/proc/$p/root")" "$W_DIR/spool"
	expect_eq "parent exe" "$(readlink "/proc/$p/exe")" \
	    "$W_DIR/libexec/smtpjail"
	return "$bad"
}

# ------------------------------------------------ (b) kill the child

# kill_child STAGE: one message to stall.test (dnsstall.test, conn.test
# for those stages), SIGKILL of the child at STAGE, the checks, the
# retry. With "props", check the sandbox of the live child first.
kill_child() {	# stage [props]
	local st=$1 dom=stall.test srv=st pid="" big par
	SJ_CHECK_PREFIX="kill child at $st: "
	case $st in
	dns)	dom=dnsstall.test;;
	connect) dom=conn.test;;
	esac
	stall_stage st "$st"
	# mid-content: more than the server reads before it stops
	[ "$st" = content ] && big=$W_DIR/big.msg || big=
	send_msg "$dom" $big || { check "message injected" false; return; }
	case $st in
	dns)
		# The query reached dnsmasq, which forwards it to a stub that
		# never answers; the child is the one with a socket to it.
		check "the MX query is pending" dns_pending "$dom"
		pid=$(wait_pid sj_sock_pid "$W_DNS_ADDR" 53 udp);;
	connect)
		pid=$(wait_pid eval "sj_nsexec ss -Htnp state syn-sent dst $BH_ADDR:25 |
		    sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -n 1")
		check "connect hangs in SYN-SENT" test -n "$pid";;
	*)
		check "the server stalls at $st" wait_stage st "$st"
		pid=$(wait_pid sj_sock_pid "$ST_ADDR" 25);;
	esac
	check "the process in the session is the sandboxed child ($pid)" \
	    is_child "$pid" || return
	par=$(proc_field "$(proc_field "$pid" PPid)" PPid)
	if [ "${2:-}" = props ]; then
		SJ_CHECK_PREFIX="live sandbox during a delivery: "
		check "child /proc: seccomp, no_new_privs, no capabilities, sandbox ids and root, no file descriptors; parent mail_owner in the queue chroot" \
		    sandbox_props "$pid"
		SJ_CHECK_PREFIX="kill child at $st: "
	fi
	kill -KILL "$pid"
	if [ "$st" = quit ]; then
		# The child had reported the 250 before QUIT: those results
		# stand, as smtp(8) marks recipients at the 250.
		check "both recipients sent (the 250 came before QUIT)" \
		    eval 'wait_status "$QID" "$RA" "$SENT_RE" "$T_WAIT" &&
		        wait_status "$QID" "$RB" "$SENT_RE" "$T_WAIT"'
		check "the parent logged why" log_has \
		    "postfix/smtp\[[0-9]+\]: warning: $QID: sandboxed child failed after reporting all 2 recipients: child killed by signal 9"
		check "the queue file is gone (delivered)" \
		    wait_true eval '[ -z "$(find "$W_DIR/spool" -type f -name "$QID")" ]'
		check "acknowledged by the server exactly once" once "$srv"
		check "the parent ($par) lives on" kill -0 "$par"
		return
	fi
	check "both recipients deferred 4.3.0" \
	    eval 'wait_status "$QID" "$RA" "$DEFER_RE" "$T_WAIT" &&
	        wait_status "$QID" "$RB" "$DEFER_RE" "$T_WAIT"'
	check "the parent logged why" log_has \
	    "postfix/smtp\[[0-9]+\]: warning: $QID: sandboxed child failed, deferring all 2 recipients: child killed by signal 9"
	check "nothing marked sent" eval 'no_sent_line "$QID" "$RA" && no_sent_line "$QID" "$RB"'
	check "queue file kept in deferred" queue_file_kept "$QID"
	check "nothing acknowledged by the server" \
	    eval '[ "$(count_in "$srv" delivered.log "$MIDN")" -eq 0 ]'
	if [ "$st" = dns ]; then
		write_zone "$W_DIR/zone2" resolvable
		dns_zone "$W_DIR/zone2" || check "DNS restarted" false
	fi
	if [ "$st" = connect ]; then
		# the retry goes to a normal server on the same address
		stall_stop bh
		stall_start st2 "$BH_ADDR" || check "second server" false
		srv=st2
	fi
	check "the parent ($par) lives on after its child was killed" \
	    kill -0 "$par"
	check "the retry delivers" retry_delivers "$srv"
	check "delivered exactly once" once "$srv"
	check "the same parent ($par) served the retry with a fresh child" \
	    log_has "postfix/smtp\[$par\]: $QID: to=<$RA>.*status=sent"
	if [ "$st" = dot ]; then
		check "the server had the whole message once without replying (possible duplicate, as with smtp(8))" \
		    eval '[ "$(count_in "$srv" unacked.log "$MIDN")" -eq 1 ]'
	fi
}

# ----------------------------------------------- (c) kill the parent

kill_parent() {	# stage
	local st=$1 child par nbroken big
	SJ_CHECK_PREFIX="kill parent at $st: "
	stall_stage st "$st"
	[ "$st" = content ] && big=$W_DIR/big.msg || big=
	send_msg stall.test $big || { check "message injected" false; return; }
	check "the server stalls at $st" wait_stage st "$st"
	child=$(wait_pid sj_sock_pid "$ST_ADDR" 25)
	check "the session belongs to a sandboxed child ($child)" \
	    is_child "$child" || return
	par=$(proc_field "$(proc_field "$child" PPid)" PPid)
	check "its parent's parent (past the spawner) is an smtpjail parent ($par)" \
	    eval 'sj_agent_pids parent | grep -qx -- "$par"' || return
	nbroken=$(qmgr_broken_count)
	kill -KILL "$par"
	check "the child does not outlive the parent" gone "$child" 10
	# qmgr sees the agent's connection break ("malformed response"),
	# logs no status line for the recipients in flight and moves the
	# message to the deferred queue (as for a crashed smtp(8)).
	check "qmgr noticed the dead agent" wait_true \
	    eval '[ "$(qmgr_broken_count)" -gt "$nbroken" ]'
	check "master logged the killed agent" log_has \
	    "postfix/master\[[0-9]+\]: warning: process $W_DIR/libexec/smtpjail pid $par killed by signal 9"
	if [ "$st" = quit ]; then
		# The 250 came before QUIT: the parent logged and marked
		# each recipient when its result arrived, as smtp(8) does.
		check "both recipients logged sent at the 250, before QUIT" \
		    eval 'wait_status "$QID" "$RA" "$SENT_RE" 1 &&
		        wait_status "$QID" "$RB" "$SENT_RE" 1'
	else
		check "nothing marked sent" eval 'no_sent_line "$QID" "$RA" && no_sent_line "$QID" "$RB"'
		check "queue file kept in deferred" wait_true queue_file_kept "$QID"
		check "no status line for the recipients before the retry" \
		    eval '[ -z "$(pf_status_line "$QID" "$RA")$(pf_status_line "$QID" "$RB")" ]'
	fi
	check "the retry delivers" retry_delivers st
	check "delivered exactly once" once st
}

# ------------------------------------------------------------- main

sj_jail_world t_e2e_faults faults write_zone postfix dnsmasq ip ss
# smtp_skip_quit_response = no: the agent waits for the reply to QUIT,
# so there is a QUIT stage to be killed in.
pf_postconf 'minimal_backoff_time = 600s' 'maximal_backoff_time = 1200s' \
    'queue_run_delay = 600s' 'smtp_skip_quit_response = no' &&
    pf_reload || sj_die "configuration"
sink_start bounces 127.0.0.7 || sj_die "sink bounces"
stall_start st "$ST_ADDR" || sj_die "stall server"
stall_start bh "$BH_ADDR" --blackhole || sj_die "blackhole listener"
{
	printf 'From: <%s>\nSubject: one megabyte\n\n' "$SENDER"
	head -c 780000 /dev/urandom | base64 -w 76
} > "$W_DIR/big.msg"

kill_child data props
for s in greeting ehlo mail rcpt1 rcpt2 data content dot quit connect dns; do
	kill_child "$s"
done
for s in greeting ehlo mail rcpt1 rcpt2 data content dot quit; do
	kill_parent "$s"
done

SJ_CHECK_PREFIX=
check "no bounce was sent" eval '[ "$(sink_count bounces)" -eq 0 ]'
check "the queue is empty" eval '[ -z "$(pf_queue_ids)" ]'
check "no fatal or panic from the agent" \
    eval '! pf_log | grep -Eq "postfix/smtp\[[0-9]+\]: (fatal|panic):"'
world_down
sj_note "t_e2e_faults: $(( $(date +%s) - SJ_START )) s"
check_summary
