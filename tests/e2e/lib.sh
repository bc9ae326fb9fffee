# NAME
#	lib.sh - an isolated Postfix 3.7 test world for smtpjail
# SUMMARY
#	. tests/e2e/lib.sh; world_up NAME [ZONEFILE]; ...; world_down
# DESCRIPTION
#	Sourced by the end-to-end scripts (bash). world_up builds:
#
#	- a network namespace sj-NAME-PID with lo up and 127.0.0.2..12 on
#	  lo; /etc/netns/sj-NAME-PID/resolv.conf says nameserver
#	  $W_DNS_ADDR (127.0.0.53);
#	- dnsmasq on 127.0.0.53 (--local=/test/: unknown names under .test
#	  are NXDOMAIN) with the records of the zone file, and
#	  tests/e2e/dns_stub.py on 127.0.0.54 for the names that must fail
#	  with SERVFAIL, REFUSED, ... (dnsmasq forwards those zones there);
#	- a private Postfix instance in /var/tmp/sj-e2e-NAME-PID
#	  (etc/ spool/ lib/ libexec/ log/ sink/ dns/ sandbox/), listening
#	  for SMTP on 127.0.0.1:10025 only, inet_interfaces = 127.0.0.2, and
#	  the transports
#	      smtp       the agent chosen by SJ_AGENT (stock | smtpjail)
#	      stocksmtp  always the stock smtp(8), logging as
#	                 postfix/stocksmtp/smtp, for comparisons
#	  both with chroot y. The log is $W_DIR/log/maillog.
#
#	SMTP receivers are started per test with sink_start.
#
#	Zone file: one directive a line, blank lines and # comments
#	ignored. dnsmasq directives are passed through verbatim
#	(mx-host=, host-record=, address=, cname=, txt-record=, ...);
#	these make a name and everything below it fail through the stub:
#	    servfail=NAME  refused=NAME  notimp=NAME  formerr=NAME
#	    nodata=NAME    drop=NAME (no answer: resolver timeout)
#	dns_zone FILE replaces the zone and restarts the DNS servers
#	(dnsmasq reads its records only at start).
#
#	Environment:
#	    SJ_AGENT     stock (default) or smtpjail: the smtp transport
#	    SJ_SMTPJAIL  the smtpjail binary (default $SJ_BUILD/smtpjail,
#	                 else <top>/build/smtpjail)
#	    SJ_KEEP=1    world_down leaves the directory (not the
#	                 namespace or the processes) for inspection
#
#	Functions: world_up, world_down, dns_zone, sink_start, sink_stop,
#	sink_count, sink_has, sink_files, sink_grep, sj_wait_listen (a
#	server started by hand: bench.sh), pf_cmd, pf_postconf,
#	pf_reload, pf_master_add, pf_receiver_start,
#	pf_send, pf_wait_settled, pf_log, pf_queue_ids, pf_flush, pf_qid,
#	pf_status_line, pf_first_status_line, pf_in_queue, check,
#	check_summary, sj_note;
#	for comparing smtpjail's status lines with stock smtp(8)'s:
#	sj_field, sj_field_cmp (SJ_FOLD, SJ_FOLD_PREFIX), sj_outcome_ok,
#	sj_same_fields, sj_same_lines; for TLS suites: sj_test_ca,
#	sj_test_cert; for smtp-sink dumps: sj_send_file, sj_dump_of,
#	sj_strip_rcpt, sj_sha, sj_same_dumps.
# SECURITY
#	Test code, run as root. Everything it starts lives in its own
#	network namespace; it kills only processes inside namespaces it
#	created (its own, or stale ones marked as created by lib.sh whose
#	creator is gone) and removes only /var/tmp/sj-e2e-* directories
#	carrying its marker file and the /etc/netns entries they name.
# SEE ALSO
#	tests/e2e/t_e2e_basic.sh, tests/e2e/demo.sh,
#	README.md ("Deploying under Postfix"), postconf(5), master(5),
#	smtp-sink(1), ip-netns(8)

SJ_E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SJ_TOP=${SJ_TOP:-$(cd "$SJ_E2E_DIR/../.." && pwd)}
SJ_AGENT_FROM_ENV=${SJ_AGENT:-}	# what the caller asked for, if anything
SJ_AGENT=${SJ_AGENT:-stock}
if [ -z "${SJ_SMTPJAIL:-}" ]; then
	if [ -n "${SJ_BUILD:-}" ]; then
		SJ_SMTPJAIL=$SJ_BUILD/smtpjail
	else
		SJ_SMTPJAIL=$SJ_TOP/build/smtpjail
	fi
fi
. "$SJ_TOP/tests/sandbox/sandbox_user.sh"
SJ_PF_SBIN=/usr/lib/postfix/sbin
SJ_PYTHON=/usr/bin/python3
[ -x "$SJ_PYTHON" ] || SJ_PYTHON=python3

# World state (empty when no world is up).
W_NAME= W_NS= W_DIR= W_AGENT= W_PIDS=
W_DNS_ADDR=127.0.0.53
W_STUB_ADDR=127.0.0.54
W_PF_ADDR=127.0.0.2
W_MYHOST=pfi.example.test
SJ_CHECK_PREFIX=${SJ_CHECK_PREFIX:-}
SJ_PASS=0 SJ_FAIL=0
# The script's stdout, for the signal trap: bash runs a trap inside the
# function that was waiting, with that function's redirections still in
# effect. Closed for every process lib.sh starts ({SJ_OUT}>&-).
exec {SJ_OUT}>&1

sj_note() {	# text...
	echo "# $*"
}

sj_die() {	# text...
	echo "# FATAL: $*"
	echo "not ok - ${SJ_CHECK_PREFIX}world: $*"
	SJ_FAIL=$((SJ_FAIL + 1))
	world_dump_diag
	world_down
	exit 1
}

# Start time (clock ticks since boot) of a pid, or nothing.
sj_starttime() {	# pid
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	# comm may contain spaces: field 22 counted after the last ')'
	stat=${stat##*) }
	set -- $stat
	echo "${20}"
}

# Kill every process in a namespace we created (TERM, then KILL).
sj_kill_ns_procs() {	# ns
	local ns=$1 pids i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
		[ -n "${pids// /}" ] || return 0
		if [ "$i" -lt 6 ]; then
			kill -TERM $pids 2>/dev/null
		else
			kill -KILL $pids 2>/dev/null
		fi
		sleep 0.3
	done
	pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
	[ -z "${pids// /}" ] || sj_note "processes left in $ns: $pids"
}

# Remove worlds of earlier runs whose creating shell is gone.
sj_cleanup_stale() {
	local d own pid st ns
	for d in /var/tmp/sj-e2e-*; do
		[ -f "$d/sj-e2e-owner" ] || continue
		read -r pid st ns < "$d/sj-e2e-owner" || continue
		[ -n "$pid" ] || continue
		if [ -d "/proc/$pid" ] && [ "$(sj_starttime "$pid")" = "$st" ]; then
			continue	# still running
		fi
		sj_note "removing stale world $d (creator $pid gone)"
		if [ -n "$ns" ] && ip netns list | awk '{print $1}' |
		    grep -qx "$ns"; then
			sj_kill_ns_procs "$ns"
			ip netns del "$ns" 2>/dev/null
		fi
		case $ns in sj-?*) rm -rf -- "/etc/netns/$ns";; esac
		rm -rf -- "$d"
	done
}

sj_nsexec() {	# cmd...
	ip netns exec "$W_NS" "$@" {SJ_OUT}>&-
}

# ---------------------------------------------------------------- DNS

sj_dns_stop() {
	local f pid
	for f in "$W_DIR/dns/dnsmasq.pid" "$W_DIR/dns/stub.pid"; do
		[ -f "$f" ] || continue
		pid=$(cat "$f")
		kill "$pid" 2>/dev/null
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			[ -d "/proc/$pid" ] || break
			grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null && break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		rm -f "$f"
	done
}

# Wait until a UDP DNS server answers a query for NAME.
sj_dns_wait() {	# addr name
	local i
	for i in $(seq 1 50); do
		if sj_nsexec "$SJ_PYTHON" - "$1" "$2" <<'EOF' 2>/dev/null
import socket, struct, sys
q = struct.pack("!HHHHHH", 7, 0x0100, 1, 0, 0, 0)
for l in sys.argv[2].split("."):
    q += bytes([len(l)]) + l.encode()
q += b"\0" + struct.pack("!HH", 1, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.3)
s.sendto(q, (sys.argv[1], 53))
s.recv(512)
EOF
		then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

sj_dns_start() {
	local z=$W_DIR/dns/zone conf=$W_DIR/dns/dnsmasq.conf
	local line key val stubargs=() firstfail=
	: > "$conf"
	while IFS= read -r line || [ -n "$line" ]; do
		line=${line%%#*}
		line=$(echo "$line" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//')
		[ -n "$line" ] || continue
		key=${line%%=*} val=${line#*=}
		case $key in
		servfail|refused|notimp|formerr|nodata|drop)
			stubargs+=("$val=$key")
			echo "server=/$val/$W_STUB_ADDR" >> "$conf"
			firstfail=${firstfail:-$val}
			;;
		*)	echo "$line" >> "$conf";;
		esac
	done < "$z"
	if [ "${#stubargs[@]}" -gt 0 ]; then
		# Not through sj_nsexec: $! must be the server, not a subshell.
		ip netns exec "$W_NS" "$SJ_PYTHON" "$SJ_E2E_DIR/dns_stub.py" \
		    "$W_STUB_ADDR" 53 "${stubargs[@]}" \
		    > "$W_DIR/dns/stub.log" 2>&1 {SJ_OUT}>&- &
		echo $! > "$W_DIR/dns/stub.pid"
	fi
	ip netns exec "$W_NS" dnsmasq --keep-in-foreground --no-resolv --no-hosts \
	    --no-poll --local=/test/ --listen-address="$W_DNS_ADDR" \
	    --bind-interfaces --port=53 --user=root --group=root \
	    --pid-file= --log-facility="$W_DIR/dns/dnsmasq.log" \
	    --log-queries --cache-size=0 --no-negcache \
	    --conf-file="$conf" > "$W_DIR/dns/dnsmasq.out" 2>&1 {SJ_OUT}>&- &
	echo $! > "$W_DIR/dns/dnsmasq.pid"
	sj_dns_wait "$W_DNS_ADDR" probe.test ||
	    { cat "$W_DIR/dns/dnsmasq.out" "$W_DIR/dns/dnsmasq.log" 2>/dev/null |
	      sed 's/^/# /'; return 1; }
	if [ -n "$firstfail" ]; then
		sj_dns_wait "$W_STUB_ADDR" "$firstfail" ||
		    { sed 's/^/# /' "$W_DIR/dns/stub.log"; return 1; }
	fi
	return 0
}

# Replace the zone and restart the DNS servers. Agents keep their
# resolver state and qmgr remembers dead sites: pf_reload afterwards
# when a change matters for mail already seen.
dns_zone() {	# zonefile
	cp -- "$1" "$W_DIR/dns/zone" || return 1
	sj_dns_stop
	sj_dns_start
}

# -------------------------------------------------------------- sinks

# sink_start NAME ADDR[:PORT] [smtp-sink options...]
# Dumps every transaction to $W_DIR/sink/NAME/. Greets as NAME.sink.test.
sink_start() {
	local name=$1 ap=$2 pid d
	shift 2
	case $ap in *:*) ;; *) ap=$ap:25;; esac
	d=$W_DIR/sink/$name
	mkdir -p "$d" && chown postfix "$d"
	ip netns exec "$W_NS" smtp-sink -u postfix -h "$name.sink.test" \
	    -d "$d/%H%M%S." "$@" "$ap" 100 > "$W_DIR/sink/$name.out" 2>&1 \
	    {SJ_OUT}>&- &
	pid=$!
	echo "$pid $ap" > "$W_DIR/sink/$name.pid"
	sj_wait_listen "$ap" "$pid" && return 0
	sj_note "sink $name on $ap did not start:"
	sed 's/^/# /' "$W_DIR/sink/$name.out"
	return 1
}

# sj_wait_listen ADDR:PORT PID: wait (5 s at most) until a TCP
# listener on ADDR:PORT exists in the namespace; PID is the server,
# given up on as soon as it has exited. Asks ss(8), so that no test
# connection reaches the server (a sink or relay would count it).
sj_wait_listen() {	# addr:port pid
	local i
	for i in $(seq 1 50); do
		if sj_nsexec ss -Htln "sport = :${1##*:}" 2>/dev/null |
		    grep -q "${1%:*}:${1##*:}"; then
			return 0
		fi
		[ -d "/proc/$2" ] || return 1
		sleep 0.1
	done
	return 1
}

# sj_stop_pidfile FILE: stop and reap the process named in FILE ("pid
# addr:port", written by sink_start or stall_start), remove FILE.
sj_stop_pidfile() {	# file
	local f=$1 pid
	[ -f "$f" ] || return 0
	read -r pid _ < "$f"
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rm -f "$f"
}

sink_stop() {	# name
	sj_stop_pidfile "$W_DIR/sink/$1.pid"
}

sink_files() {	# name: dump files, one a line
	find "$W_DIR/sink/$1" -type f 2>/dev/null | sort
}

sink_count() {	# name: number of transactions received
	sink_files "$1" | wc -l
}

# sink_has NAME TEXT: some transaction dumped by NAME contains TEXT.
sink_has() {
	local f
	for f in $(sink_files "$1"); do
		grep -qF -- "$2" "$f" && return 0
	done
	return 1
}

# sink_grep NAME TEXT: the dump files containing TEXT.
sink_grep() {
	local f
	for f in $(sink_files "$1"); do
		grep -qF -- "$2" "$f" && echo "$f"
	done
}

# ------------------------------------------------------------ Postfix

# pf_cmd CMD...: run in the namespace with MAIL_CONFIG set, killed after
# $SJ_CMD_TIMEOUT seconds (default 300) so that nothing hangs a test.
pf_cmd() {
	MAIL_CONFIG=$W_DIR/etc timeout "${SJ_CMD_TIMEOUT:-300}" \
	    ip netns exec "$W_NS" "$@" {SJ_OUT}>&-
}

pf_postconf() {	# name=value...
	postconf -c "$W_DIR/etc" -e "$@"
}

pf_reload() {
	local n0 n _
	n0=$(grep -c 'postfix/master\[[0-9]*\]: reload -- version' \
	    "$W_DIR/log/maillog" 2>/dev/null)
	pf_cmd postfix -c "$W_DIR/etc" reload > "$W_DIR/log/reload.out" 2>&1 ||
	    { sed 's/^/# /' "$W_DIR/log/reload.out"; return 1; }
	# Wait for master to have re-read its configuration: it logs
	# "reload -- version" on SIGHUP, then re-reads main.cf and master.cf
	# (master.c), which takes milliseconds: a short grace after the line.
	for _ in $(seq 1 100); do
		n=$(grep -c 'postfix/master\[[0-9]*\]: reload -- version' \
		    "$W_DIR/log/maillog" 2>/dev/null)
		if [ "${n:-0}" -gt "${n0:-0}" ]; then
			sleep 0.2
			return 0
		fi
		sleep 0.05
	done
	sj_note "pf_reload: master logged no reload within 5 s"
	return 1
}

# pf_master_add LINE...: append service lines to master.cf (pf_reload
# to apply).
pf_master_add() {
	printf '%s\n' "$@" >> "$W_DIR/etc/master.cf"
}

# pf_receiver_start ADDR MAPFILE: a Postfix smtpd of this instance on
# ADDR:25 as a receiver that answers per recipient: MAPFILE is a
# check_recipient_access table (e.g. "hard@x.test 550 5.1.1 no such
# user"); accepted mail is discarded (content_filter=discard:). It
# greets as rcpt.sink.test so the sending agent sees no loop. Reloads.
pf_receiver_start() {	# addr mapfile
	cp -- "$2" "$W_DIR/etc/rcpt_access" || return 1
	pf_master_add "$1:25 inet n - n - - smtpd" \
	    "  -o syslog_name=postfix/receiver" \
	    "  -o myhostname=rcpt.sink.test" \
	    "  -o content_filter=discard:" \
	    "  -o smtpd_recipient_restrictions=check_recipient_access,texthash:$W_DIR/etc/rcpt_access,permit_mynetworks,reject"
	pf_reload
}

pf_log() {
	cat "$W_DIR/log/maillog" 2>/dev/null
}

pf_queue_ids() {	# queue ids of everything in the queue
	pf_cmd postqueue -c "$W_DIR/etc" -p 2>/dev/null |
	    awk '/^[0-9A-F][0-9A-F]+[*!]?[ \t]/ { sub(/[*!]$/, "", $1); print $1 }'
}

pf_in_queue() {	# qid: is it still queued?
	pf_queue_ids | grep -qx -- "$1"
}

pf_flush() {
	pf_cmd postqueue -c "$W_DIR/etc" -f
}

# Files in the queues that are still moving (not deferred, not hold).
sj_moving_count() {
	find "$W_DIR/spool/maildrop" "$W_DIR/spool/incoming" \
	    "$W_DIR/spool/active" -type f 2>/dev/null | wc -l
}

# log_size: the maillog's size now, an offset for log_since.
log_size() {
	stat -c %s "$W_DIR/log/maillog"
}

# log_since OFFSET: what was logged after OFFSET.
log_since() {	# offset
	tail -c +"$(($1 + 1))" "$W_DIR/log/maillog"
}

# pf_hold_count: messages in the hold queue.
pf_hold_count() {
	find "$W_DIR/spool/hold" -type f 2>/dev/null | wc -l
}

# pf_burst N SENDER DOMAIN SUBJECT: N messages to u1..uN@DOMAIN with
# "Subject: SUBJECT i", parked by the suite's header_checks HOLD rule
# for SUBJECT; once all N are on hold they are released together and
# the queue is flushed, so that qmgr sees back-to-back deliveries.
pf_burst() {	# n sender domain subject
	local i n=$1 msg=$W_DIR/burst.msg
	for i in $(seq 1 "$n"); do
		printf '%s\n' "From: <$2>" "To: <u$i@$3>" \
		    "Subject: $4 $i" "" "message $i of $4" > "$msg"
		pf_send "$2" "u$i@$3" "$msg" > /dev/null || return 1
	done
	for i in $(seq 1 100); do
		[ "$(pf_hold_count)" -ge "$n" ] && break
		sleep 0.1
	done
	[ "$(pf_hold_count)" -ge "$n" ] ||
	    { sj_note "only $(pf_hold_count) of $n messages on hold"; return 1; }
	pf_cmd postsuper -c "$W_DIR/etc" -H ALL > /dev/null 2>&1
	pf_cmd postqueue -c "$W_DIR/etc" -f
}

# rcv_sessions OFFSET NAME, rcv_ended OFFSET NAME: sessions the smtpd
# with syslog_name NAME accepted, and ended, since OFFSET.
rcv_sessions() {	# offset name
	log_since "$1" | grep -c "$2/smtpd\[[0-9]*\]: connect from"
}

rcv_ended() {	# offset name
	log_since "$1" | grep -c "$2/smtpd\[[0-9]*\]: disconnect from"
}

# rcv_wait_ended OFFSET NAME SECONDS: every such session has ended.
rcv_wait_ended() {	# offset name seconds
	local i
	for i in $(seq 1 $(($3 * 10))); do
		[ "$(rcv_ended "$1" "$2")" -ge "$(rcv_sessions "$1" "$2")" ] &&
		    return 0
		sleep 0.1
	done
	return 1
}

# pf_wait_settled TIMEOUT: wait until maildrop, incoming and active are
# empty on three polls in a row (bounces appear in incoming before the
# bounced message leaves active, so this is monotonic). 1 on timeout.
pf_wait_settled() {	# timeout-seconds
	local end=$(( $(date +%s) + ${1:-60} )) calm=0
	while [ "$(date +%s)" -lt "$end" ]; do
		if [ "$(sj_moving_count)" -eq 0 ]; then
			calm=$((calm + 1))
			[ "$calm" -ge 3 ] && return 0
		else
			calm=0
		fi
		sleep 0.3
	done
	sj_note "pf_wait_settled: queue still moving after ${1:-60}s:"
	find "$W_DIR/spool/maildrop" "$W_DIR/spool/incoming" \
	    "$W_DIR/spool/active" -type f 2>/dev/null | sed 's/^/#   /'
	return 1
}

SJ_SEQ=0
# pf_send FROM TO... [FILE]: submit with sendmail -C. A last argument
# that is a readable file with a '/' in its name is the message
# (headers and body); otherwise a small message is generated. A
# Message-ID header is prepended either way; it is printed on stdout
# and recorded in $W_DIR/sent.list ("MID FROM TO...") for pf_qid.
pf_send() {
	local from=$1 file= mid n
	shift
	local rcpts=("$@")
	n=${#rcpts[@]}
	if [ "$n" -gt 1 ]; then
		case ${rcpts[$((n - 1))]} in
		*/*)	if [ -r "${rcpts[$((n - 1))]}" ]; then
				file=${rcpts[$((n - 1))]}
				unset "rcpts[$((n - 1))]"
			fi;;
		esac
	fi
	SJ_SEQ=$((SJ_SEQ + 1))
	mid="sj-e2e-$SJ_SEQ.$$.$(date +%s%N)@$W_MYHOST"
	{
		echo "Message-ID: <$mid>"
		if [ -n "$file" ]; then
			cat -- "$file"
		else
			echo "From: <$from>"
			echo "To: ${rcpts[*]}"
			echo "Subject: smtpjail e2e $SJ_SEQ"
			echo
			echo "Test message $SJ_SEQ from $from to ${rcpts[*]}."
		fi
	} | pf_cmd sendmail -C "$W_DIR/etc" -i -f "$from" -- "${rcpts[@]}" ||
	    { sj_note "sendmail failed for $mid"; return 1; }
	echo "$mid $from ${rcpts[*]}" >> "$W_DIR/sent.list"
	echo "$mid"
}

# pf_qid MID: queue id that cleanup gave the message (waits up to 10 s).
pf_qid() {	# message-id without <>
	local i q
	for i in $(seq 1 100); do
		q=$(grep -F "message-id=<$1>" "$W_DIR/log/maillog" 2>/dev/null |
		    sed -n 's/.*postfix\/cleanup\[[0-9]*\]: \([0-9A-F]*\): message-id=.*/\1/p' |
		    head -n 1)
		[ -n "$q" ] && { echo "$q"; return 0; }
		sleep 0.1
	done
	return 1
}

# pf_status_line QID RCPT: the last delivery status line for RCPT.
pf_status_line() {
	grep -F " $1: to=<$2>," "$W_DIR/log/maillog" 2>/dev/null | tail -n 1
}

# pf_first_status_line QID RCPT: the first attempt's status line, for a
# check of a deferral that qmgr may retry before the check runs (its
# deferred-queue scan every queue_run_delay, 300 s, can fall within a
# slow suite once minimal_backoff_time is short).
pf_first_status_line() {
	grep -F " $1: to=<$2>," "$W_DIR/log/maillog" 2>/dev/null | head -n 1
}

# ------------------------------------------------------------- checks

world_dump_diag() {
	[ -n "$W_DIR" ] && [ -d "$W_DIR" ] || return 0
	echo "# --- maillog (last 40 lines)"
	tail -n 40 "$W_DIR/log/maillog" 2>/dev/null | sed 's/^/# /'
	echo "# --- postqueue -p"
	pf_cmd postqueue -c "$W_DIR/etc" -p 2>&1 | head -n 40 | sed 's/^/# /'
	echo "# --- dns log (last 10 lines)"
	tail -n 10 "$W_DIR/dns/dnsmasq.log" 2>/dev/null | sed 's/^/# /'
}

# check NAME CMD...: run CMD; print ok/not ok; dump diagnostics on failure.
check() {
	local name=$1
	shift
	if "$@"; then
		echo "ok - ${SJ_CHECK_PREFIX}$name"
		SJ_PASS=$((SJ_PASS + 1))
		return 0
	fi
	echo "not ok - ${SJ_CHECK_PREFIX}$name"
	SJ_FAIL=$((SJ_FAIL + 1))
	echo "# failed command: $*"
	world_dump_diag
	return 1
}

check_summary() {
	sj_note "$SJ_PASS passed, $SJ_FAIL failed"
	[ "$SJ_FAIL" -eq 0 ]
}

# ------------------------------------------- smtpjail against stock smtp(8)
# For the scripts that send the same mail through smtpjail and through
# stock smtp(8) (recipients "j..." and "s...") and compare the delivery
# status lines the two logged. Bash builtins only where a check may run
# hundreds of times (a busy 2-core machine makes each fork count).

# What sj_field_cmp folds: the words of SJ_FOLD, a script may set it
# (after sourcing) to fewer or more of them:
#   rcpt  the recipient's agent prefix, "<" SJ_FOLD_PREFIX "-" (a glob;
#         default [js]: "<j-", "<s-"), becomes "<X-";
#   qid   the receiving server's queue id after "queued as " becomes QID;
#   bdat  the receiver's reply to BDAT, "Ok: N bytes queued as" (smtpjail
#         sends with BDAT, smtpjail_use_chunking), becomes "Ok: queued
#         as", its reply to DATA (what stock sends).
SJ_FOLD="rcpt qid"
SJ_FOLD_PREFIX='[js]'

# sj_field LINE NAME: F = the value of NAME= in a status line, as logged
# (NAME "text": the reason in parentheses; "status": the word).
sj_field() {	# line name
	local re
	case $2 in
	text)	re=', status=[a-z]+ \((.*)\)$';;
	status)	re=', status=([a-z]+)';;
	*)	re=" $2=([^,]*),";;
	esac
	F=
	[[ $1 =~ $re ]] && F=${BASH_REMATCH[1]}
	return 0
}

# sj_field_cmp LINE NAME: sj_field, then folded as SJ_FOLD says: what
# differs by design between the two agents' lines becomes a fixed token.
sj_field_cmp() {	# line name
	local re
	sj_field "$1" "$2"
	case " $SJ_FOLD " in *" rcpt "*)
		F=${F//<$SJ_FOLD_PREFIX-/<X-};;
	esac
	case " $SJ_FOLD " in *" qid "*)
		re='^(.*queued as )[0-9A-Za-z]+(.*)$'
		[[ $F =~ $re ]] && F="${BASH_REMATCH[1]}QID${BASH_REMATCH[2]}";;
	esac
	case " $SJ_FOLD " in *" bdat "*)
		re='^(.*Ok: )[0-9]+ bytes (queued as .*)$'
		[[ $F =~ $re ]] && F="${BASH_REMATCH[1]}${BASH_REMATCH[2]}";;
	esac
	return 0
}

# sj_outcome_ok WANT JLINE SLINE: both status lines say status=WANT (and
# WANT is not empty: no line and no expectation is no pass).
sj_outcome_ok() {	# want smtpjail-line stock-line
	local j s
	sj_field "$2" status; j=$F
	sj_field "$3" status; s=$F
	[ -n "$1" ] && [ "$j" = "$1" ] && [ "$s" = "$1" ] && return 0
	echo "# expected $1: smtpjail '$j', stock '$s'"
	echo "#   $2"
	echo "#   $3"
	return 1
}

# sj_same_fields JLINE SLINE NAME...: every field NAME of the two status
# lines is there and the same after sj_field_cmp; names each that is not.
sj_same_fields() {	# smtpjail-line stock-line name...
	local jl=$1 sl=$2 f a b rc=0
	shift 2
	for f in "$@"; do
		sj_field_cmp "$jl" "$f"; a=$F
		sj_field_cmp "$sl" "$f"; b=$F
		[ -n "$a" ] && [ "$a" = "$b" ] && continue
		echo "# $f: smtpjail '$a'"
		echo "#     stock    '$b'"
		rc=1
	done
	return $rc
}

# sj_same_lines [-n] A B: smtpjail's lines A are stock's lines B (with
# -n: and there are some); shows both where not.
sj_same_lines() {	# [-n] smtpjail-lines stock-lines
	local some=
	[ "$1" = -n ] && { some=1; shift; }
	[ "$1" = "$2" ] && { [ -z "$some" ] || [ -n "$1" ]; } && return 0
	echo "# smtpjail:"; echo "$1" | sed 's/^/#   /'
	echo "# stock:"; echo "$2" | sed 's/^/#   /'
	return 1
}

# ------------------------------------------------------------- world

sj_write_main_cf() {
	cat > "$W_DIR/etc/main.cf" <<EOF
# Private smtpjail end-to-end instance (tests/e2e/lib.sh).
compatibility_level = 3.6
queue_directory = $W_DIR/spool
data_directory = $W_DIR/lib
daemon_directory = $W_DIR/libexec
command_directory = /usr/sbin
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
myhostname = $W_MYHOST
mydomain = example.test
myorigin = \$myhostname
mydestination =
local_recipient_maps =
inet_interfaces = $W_PF_ADDR
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
relayhost =
transport_maps = texthash:$W_DIR/etc/transport
default_transport = smtp
relay_transport = smtp
maillog_file = $W_DIR/log/maillog
maillog_file_prefixes = $W_DIR/log
alternate_config_directories = $W_DIR/etc
in_flow_delay = 0
biff = no
append_dot_mydomain = no
readme_directory = no
html_directory = no
smtp_connect_timeout = 10s
delay_warning_time = 0
smtpjail_sandbox_directory = $W_DIR/sandbox
smtpjail_sandbox_user = $(sj_sandbox_user)
smtpjail_resolv_conf = /etc/netns/$W_NS/resolv.conf
# The whole world is on loopback addresses inside the namespace, which
# smtpjail's egress policy refuses unless they are listed.
smtpjail_egress_allow = 127.0.0.0/8
EOF
}

sj_write_master_cf() {
	local agent=smtp
	[ "$W_AGENT" = smtpjail ] && agent=smtpjail
	cat > "$W_DIR/etc/master.cf" <<EOF
# Private smtpjail end-to-end instance (tests/e2e/lib.sh).
# service type  private unpriv  chroot  wakeup  maxproc command + args
127.0.0.1:10025 inet n  -       n       -       -       smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       y       -       -       $agent
stocksmtp unix  -       -       y       -       -       smtp
  -o syslog_name=postfix/\$service_name
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
}

# world_up NAME [ZONEFILE]
world_up() {
	local name=$1 zone=${2:-} a st
	[ -z "$W_DIR" ] || world_down
	case $SJ_AGENT in
	stock|smtpjail) ;;
	*) echo "# SJ_AGENT must be stock or smtpjail, not '$SJ_AGENT'"; return 1;;
	esac
	[ "$(id -u)" -eq 0 ] || { sj_note "world_up: must run as root"; return 1; }
	sj_cleanup_stale
	W_NAME=$name W_AGENT=$SJ_AGENT
	W_NS=sj-$name-$$
	W_DIR=/var/tmp/sj-e2e-$name-$$
	trap 'world_down' EXIT
	trap 'echo "# interrupted: tearing the world down" >&$SJ_OUT;
	    world_down >&$SJ_OUT 2>&1; exit 130' INT TERM HUP
	st=$(sj_starttime $$)

	rm -rf -- "$W_DIR"
	mkdir -p "$W_DIR" || return 1
	chmod 755 "$W_DIR"
	echo "$$ $st $W_NS" > "$W_DIR/sj-e2e-owner"
	mkdir -p "$W_DIR/etc" "$W_DIR/spool/etc" "$W_DIR/lib" \
	    "$W_DIR/libexec" "$W_DIR/log" "$W_DIR/sink" "$W_DIR/dns" \
	    "$W_DIR/sandbox"
	chmod 755 "$W_DIR/sandbox"
	chown postfix "$W_DIR/lib"
	: > "$W_DIR/sent.list"

	# namespace
	ip netns add "$W_NS" || { sj_note "ip netns add $W_NS failed"; return 1; }
	ip -n "$W_NS" link set lo up || return 1
	for a in 2 3 4 5 6 7 8 9 10 11 12; do
		ip -n "$W_NS" addr add "127.0.0.$a/8" dev lo || return 1
	done
	# Every file in /etc/netns/NS is bind-mounted over /etc/NAME by
	# "ip netns exec": the owner marker lives in $W_DIR only.
	mkdir -p "/etc/netns/$W_NS"
	printf 'nameserver %s\noptions timeout:2 attempts:2\n' "$W_DNS_ADDR" \
	    > "/etc/netns/$W_NS/resolv.conf"

	# DNS
	if [ -n "$zone" ]; then
		cp -- "$zone" "$W_DIR/dns/zone" || return 1
	else
		: > "$W_DIR/dns/zone"
	fi
	sj_dns_start || { sj_note "DNS did not start"; return 1; }

	# smtpjail sandbox user: the test run's dedicated one
	# (tests/sandbox/sandbox_user.sh, exported by tests/run-tests.sh),
	# else one made for this world (make demo, make bench, a script run
	# alone) that world_down removes: nothing is left on the host.
	if [ "$W_AGENT" = smtpjail ] && ! { [ -n "${SJ_SANDBOX_USER:-}" ] &&
	    id "$SJ_SANDBOX_USER" > /dev/null 2>&1; }; then
		sj_test_user_make > /dev/null ||
		    { sj_note "cannot create a sandbox user"; return 1; }
	fi

	# Postfix
	for a in "$SJ_PF_SBIN"/*; do
		# an installed smtpjail is not ours to use (or overwrite)
		case ${a##*/} in smtpjail*) continue;; esac
		ln -s "$a" "$W_DIR/libexec/" || return 1
	done
	if [ "$W_AGENT" = smtpjail ]; then
		[ -x "$SJ_SMTPJAIL" ] ||
		    { sj_note "no executable $SJ_SMTPJAIL"; return 1; }
		rm -f "$W_DIR/libexec/smtpjail"
		install -m 0755 -o root -g root "$SJ_SMTPJAIL" \
		    "$W_DIR/libexec/smtpjail" || return 1
	fi
	sj_write_main_cf
	sj_write_master_cf
	: > "$W_DIR/etc/transport"
	cp "/etc/netns/$W_NS/resolv.conf" "$W_DIR/spool/etc/resolv.conf"
	pf_cmd postfix -c "$W_DIR/etc" check > "$W_DIR/log/check.out" 2>&1
	# "symlink leaves directory" is expected for the symlinked daemons
	grep -v -e 'symlink leaves directory' \
	    -e 'unused parameter: smtpjail_' "$W_DIR/log/check.out" |
	    sed 's/^/# postfix check: /'
	pf_cmd postfix -c "$W_DIR/etc" start > "$W_DIR/log/start.out" 2>&1 ||
	    { sed 's/^/# /' "$W_DIR/log/start.out"; world_dump_diag;
	      sj_note "postfix start failed"; return 1; }
	# wait for the master and the injection listener
	for a in $(seq 1 100); do
		sj_nsexec ss -Htln 'sport = :10025' 2>/dev/null | grep -q . &&
		    return 0
		sleep 0.1
	done
	sj_note "Postfix is not listening on 127.0.0.1:10025"
	world_dump_diag
	return 1
}

world_down() {
	local f pid
	[ -n "$W_DIR" ] || return 0
	if [ -d "$W_DIR/spool/pid" ]; then
		timeout 30 ip netns exec "$W_NS" postfix -c "$W_DIR/etc" stop \
		    > /dev/null 2>&1 {SJ_OUT}>&-
	fi
	for f in "$W_DIR"/sink/*.pid; do
		[ -f "$f" ] || continue
		read -r pid _ < "$f"
		kill "$pid" 2>/dev/null
	done
	sj_dns_stop
	sj_kill_ns_procs "$W_NS"
	wait 2>/dev/null
	ip netns del "$W_NS" 2>/dev/null
	rm -rf -- "/etc/netns/$W_NS"
	if [ "${SJ_KEEP:-0}" = 1 ]; then
		rm -f "$W_DIR/sj-e2e-owner"
		sj_note "kept $W_DIR"
	else
		case $W_DIR in /var/tmp/sj-e2e-*) rm -rf -- "$W_DIR";; esac
	fi
	W_NAME= W_NS= W_DIR= W_AGENT=
	sj_test_user_drop	# only a user world_up made
	trap - EXIT INT TERM HUP
}

# ------------------------------------------- stalling servers, agents
# (appended for t_e2e_faults.sh; see tests/e2e/stall_server.py)

# stall_start NAME ADDR[:PORT] [--blackhole]: a stall_server.py in the
# namespace; its control and record directory is $W_DIR/stall/NAME
# (write the stage to .../stage, touch .../release).
stall_start() {
	local name=$1 ap=$2 mode=${3:-} d pid i
	case $ap in *:*) ;; *) ap=$ap:25;; esac
	d=$W_DIR/stall/$name
	mkdir -p "$d" || return 1
	if [ "$mode" = --blackhole ]; then
		ip netns exec "$W_NS" "$SJ_PYTHON" "$SJ_E2E_DIR/stall_server.py" \
		    --blackhole "${ap%:*}" "${ap##*:}" > "$d.out" 2>&1 \
		    {SJ_OUT}>&- &
	else
		ip netns exec "$W_NS" "$SJ_PYTHON" "$SJ_E2E_DIR/stall_server.py" \
		    "${ap%:*}" "${ap##*:}" "$d" > "$d.out" 2>&1 {SJ_OUT}>&- &
	fi
	pid=$!
	echo "$pid $ap" > "$d.pid"
	for i in $(seq 1 50); do
		grep -q '^stall_server: ' "$d.out" 2>/dev/null && return 0
		[ -d "/proc/$pid" ] || break
		sleep 0.1
	done
	sj_note "stall server $name on $ap did not start:"
	sed 's/^/# /' "$d.out"
	return 1
}

stall_stop() {	# name
	sj_stop_pidfile "$W_DIR/stall/$1.pid"
}

# stall_stage NAME STAGE: the stage at which the next connection stalls
# ("none": answer normally); clears the release and at-* markers.
stall_stage() {	# name stage
	local d=$W_DIR/stall/$1
	rm -f "$d/release" "$d"/at-*
	echo "$2" > "$d/stage"
}

# ---------------------------------------- messages through smtp-sink dumps
# (t_e2e_checks, t_e2e_content, t_e2e_generic, t_e2e_size)

# sj_send_file NAME FILE [sendmail options] -- RCPT...: inject FILE (its
# own headers) from $SENDER with "Message-ID: <NAME.PID@$W_MYHOST>"
# prepended; the id goes into MID[NAME] (declare -A MID first).
sj_send_file() {	# name file [sendmail options] -- rcpt...
	local name=$1 file=$2 opts=()
	shift 2
	while [ "$#" -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	MID[$name]="$name.$$@$W_MYHOST"
	{ echo "Message-ID: <${MID[$name]}>"; cat -- "$file"; } |
	    pf_cmd sendmail -C "$W_DIR/etc" -i -f "$SENDER" "${opts[@]}" \
	    -- "$@" || { sj_note "sendmail failed for $name"; return 1; }
}

# sj_dump_of NAME DOMAIN [SINK]: the sink's dump file of message NAME for
# the recipient domain (exactly one expected).
sj_dump_of() {	# name domain [sink]
	local f n=0 out=
	for f in $(sink_grep "${3:-sink}" "Message-ID: <${MID[$1]}>" 2>/dev/null); do
		grep -aq "^X-Rcpt-Args: <[^>]*@$2>" "$f" || continue
		out=$f n=$((n + 1))
	done
	[ "$n" -eq 1 ] || { echo "# $n dumps of $1 for $2" >&2; return 1; }
	echo "$out"
}

# The dump without what differs by design: the envelope recipient lines
# and the Received header smtp-sink adds (its own transaction id).
sj_strip_rcpt() {	# file
	awk '/^X-Rcpt-Args: / { next }
	    !seen && /^Received: / { seen = 1; skip = 1; next }
	    skip && /^[ \t]/ { next }
	    { skip = 0; print }' "$1"
}

sj_sha() { sha256sum | cut -d' ' -f1; }

# sj_same_dumps NAME [JDOMAIN SDOMAIN SINK]: smtpjail's and stock's dumps
# of NAME (recipients at j.test and s.test by default) are the same
# but for sj_strip_rcpt's lines; else the first 20 lines of the diff.
sj_same_dumps() {	# name [jdomain sdomain sink]
	local j s
	j=$(sj_dump_of "$1" "${2:-j.test}" "${4:-sink}") &&
	    s=$(sj_dump_of "$1" "${3:-s.test}" "${4:-sink}") || return 1
	[ "$(sj_strip_rcpt "$j" | sj_sha)" = "$(sj_strip_rcpt "$s" | sj_sha)" ] &&
	    return 0
	echo "# smtpjail's and stock's dumps of $1 differ:"
	diff <(sj_strip_rcpt "$s") <(sj_strip_rcpt "$j") | head -n 20 |
	    cut -c1-200 | sed 's/^/#   /'
	return 1
}

# sj_test_ca DIR: a throw-away test CA in DIR: ca.key, ca.pem (P-256,
# "CN=smtpjail test CA", 30 days) and ca.cnf for "openssl ca" (certificates
# valid 30 days unless dates are given, extensions of the request kept).
sj_test_ca() {	# dir
	local d=$1
	mkdir -p "$d/ca/newcerts" || return 1
	: > "$d/ca/index.txt"
	echo 1000 > "$d/ca/serial"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -keyout "$d/ca.key" -out "$d/ca.pem" -days 30 \
	    -subj "/CN=smtpjail test CA" 2>/dev/null || return 1
	cat > "$d/ca.cnf" <<EOF
[ca]
default_ca = test
[test]
dir = $d/ca
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
serial = \$dir/serial
certificate = $d/ca.pem
private_key = $d/ca.key
default_md = sha256
policy = any
copy_extensions = copy
unique_subject = no
default_days = 30
[any]
commonName = supplied
EOF
}

# sj_test_cert DIR NAME rsa|ec SAN [STARTDATE ENDDATE]: DIR/NAME.key
# (RSA 2048 or P-256) and DIR/NAME.crt for CN and DNS name SAN, signed
# by sj_test_ca's CA in DIR; dates as "openssl ca" takes them.
sj_test_cert() {	# dir name keytype san [startdate enddate]
	local d=$1 n=$2 kt=$3 san=$4 dates=()
	[ $# -ge 6 ] && dates=(-startdate "$5" -enddate "$6")
	if [ "$kt" = rsa ]; then
		set -- -newkey rsa:2048
	else
		set -- -newkey ec -pkeyopt ec_paramgen_curve:P-256
	fi
	openssl req "$@" -nodes -keyout "$d/$n.key" -out "$d/$n.csr" \
	    -subj "/CN=$san" -addext "subjectAltName=DNS:$san" \
	    2>/dev/null || return 1
	openssl ca -batch -config "$d/ca.cnf" -in "$d/$n.csr" \
	    -out "$d/$n.crt" -notext "${dates[@]}" > /dev/null 2>&1
}

# sj_sandbox_user: the sandbox user of smtpjail worlds.
sj_sandbox_user() {
	if [ -n "${SJ_SANDBOX_USER:-}" ] && id "$SJ_SANDBOX_USER" > /dev/null 2>&1; then
		echo "$SJ_SANDBOX_USER"
	else
		echo smtpjail
	fi
}

# sj_agent_pids ROLE: pids of the smtpjail processes of this world,
# ROLE "child" (running as the sandbox user), "spawner" (root: it
# forks the children, policy/spawner.c) or "parent" (any other).
sj_agent_pids() {	# child|spawner|parent
	local p exe uid sbuid
	sbuid=$(id -u "$(sj_sandbox_user)" 2>/dev/null) || return 1
	for p in $(ip netns pids "$W_NS" 2>/dev/null); do
		exe=$(readlink "/proc/$p/exe" 2>/dev/null) || continue
		[ "$exe" = "$W_DIR/libexec/smtpjail" ] || continue
		uid=$(awk '/^Uid:/ { print $2 }' "/proc/$p/status" 2>/dev/null)
		case $1 in
		child)	[ "$uid" = "$sbuid" ] && echo "$p";;
		spawner) [ "$uid" = 0 ] && echo "$p";;
		*)	[ -n "$uid" ] && [ "$uid" != "$sbuid" ] &&
			    [ "$uid" != 0 ] && echo "$p";;
		esac
	done
}

# sj_sock_pid ADDR PORT [tcp|udp]: the pid holding a socket connected
# to ADDR:PORT inside the namespace (the first one ss lists).
sj_sock_pid() {	# addr port [proto]
	local opt=-Htnp
	[ "${3:-tcp}" = udp ] && opt=-Hunp
	sj_nsexec ss $opt state all dst "$1:$2" 2>/dev/null |
	    sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -n 1
}

# sj_wait_file FILE TIMEOUT: wait until FILE exists.
sj_wait_file() {	# file timeout-seconds
	local end=$(( $(date +%s) + $2 ))
	while [ "$(date +%s)" -lt "$end" ]; do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# sj_gate_skip SUITE REASON: a smtpjail-only suite cannot run; a skip
# is not a pass, and with SJ_REQUIRE_SMTPJAIL=1 it is a failure.
sj_gate_skip() {	# suite reason
	echo "# skip smtpjail run: $2"
	if [ "${SJ_REQUIRE_SMTPJAIL:-0}" = 1 ]; then
		echo "not ok - $1: $2 (SJ_REQUIRE_SMTPJAIL=1)"
		SJ_FAIL=$((SJ_FAIL + 1))
	fi
}

# sj_jail_world SUITE NAME ZONE_WRITER CMD...: the prologue of the
# smtpjail-only suites. Root and the commands CMD... are required
# ("not ok" and exit otherwise); without the smtpjail binary the suite
# ends here (sj_gate_skip, exit). Then a world NAME with smtpjail as
# the smtp transport, its zone written by the function ZONE_WRITER
# FILE; sj_die when it does not start. Sets SJ_START (date +%s).
sj_jail_world() {	# suite name zone-writer cmd...
	local suite=$1 name=$2 writer=$3 c zone
	shift 3
	[ "$(id -u)" -eq 0 ] ||
	    { echo "not ok - $suite: must run as root"; exit 1; }
	for c in "$@"; do
		command -v "$c" > /dev/null ||
		    { echo "not ok - $suite: $c is not installed"; exit 1; }
	done
	SJ_START=$(date +%s)
	if [ ! -x "$SJ_SMTPJAIL" ]; then
		sj_gate_skip "$suite" "$SJ_SMTPJAIL does not exist (make)"
		check_summary
		exit
	fi
	zone=$(mktemp /tmp/sj-e2e-zone.XXXXXX)
	"$writer" "$zone"
	SJ_AGENT=smtpjail world_up "$name" "$zone" ||
	    { rm -f "$zone"; sj_die "world_up failed"; }
	rm -f "$zone"
}
