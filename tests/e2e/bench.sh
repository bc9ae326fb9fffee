#!/bin/bash
# NAME
#	bench.sh - throughput of smtpjail against the stock smtp(8) (make bench)
# SUMMARY
#	tests/e2e/bench.sh [path/to/smtpjail]        (as root)
# DESCRIPTION
#	One private Postfix instance in a network namespace (tests/e2e/
#	lib.sh) with two extra transports that differ only in the program:
#	    benchstock  the stock smtp(8)   (logs as postfix/benchstock/smtp)
#	    benchjail   smtpjail            (logs as postfix/benchjail/smtp)
#	both chroot y, maxproc 100, the same main.cf, and explicitly the
#	same qmgr limits (<transport>_destination_concurrency_limit 20,
#	_initial_destination_concurrency 5, _destination_recipient_limit
#	50). Each is started through an identical two-line wrapper that
#	puts the process in a per-agent CPU accounting cgroup (v1 cpuacct
#	or v2) and execs the agent, so CPU time is counted for exactly
#	the agent's processes (smtpjail: parent and sandboxed child).
#	The namespace's loopback MTU is 1500 (Ethernet): on the default
#	65536-byte loopback MTU, smtp(8) sizes its stream buffers to twice
#	the MSS (Postfix vstream_tweak_tcp) and spends a fifth of its CPU
#	time faulting in fresh 128 KB buffers per connection, which no real
#	network causes.
#
#	Receivers: smtp-sink (no dump files) on 127.0.0.3 for the DATA
#	path, and a Postfix smtpd of the same instance on 127.0.0.4 (it
#	offers CHUNKING; accepted mail is discarded) for "ac", "p*" and,
#	behind tests/e2e/delay_proxy.py relays on 127.0.0.5 (20 ms round
#	trip) and 127.0.0.6 (100 ms), for "w*".
#	Workloads:
#	    a   2000 messages of ~4 KB, one recipient, one destination
#	    ac  as a, against the Postfix smtpd receiver (CHUNKING offered)
#	    at  as ac, with STARTTLS: a Postfix smtpd on 127.0.0.7 with a
#	        certificate made here, smtp_tls_security_level = encrypt
#	        for this workload only (both agents; a full handshake per
#	        session: no session cache for either)
#	    atr as at, with smtp_tls_session_cache_database set for both
#	        agents (stock: tlsmgr(8)'s cache; smtpjail: the child's
#	        own), so that each new session may resume an earlier
#	        one; it prints how many the receiver logged as resumed
#	    atc as at, with smtp_tls_connection_reuse = yes for both
#	        agents (stock: its sessions kept in tlsproxy(8), whose CPU
#	        time counts as stock's; smtpjail: in the child), so that
#	        deliveries reuse TLS connections
#	    b   2000 messages of ~4 KB over 50 destinations (40 each)
#	    c   200 messages of 1 MB, one destination
#	    d   one message with 500 recipients, one destination
#	    m   1000 messages of ~4 KB over 200 destinations (5 each, m1
#	        to m200.bench.test, all the smtp-sink): qmgr deals them
#	        out round-robin, so most jobs find no idle child or
#	        cached session for their destination (fresh children);
#	        it also prints how many deliveries reused a session
#	    p1k p4k p64k p1m  per session: 1000 x 1 KB, 1000 x 4 KB,
#	        400 x 64 KB, 60 x 1 MB to the Postfix smtpd receiver with
#	        the destination concurrency limited to 2 (initial 2)
#	    w20 w100  wide area: 200 (40) x 4 KB through the 20 ms (100
#	        ms) relay, concurrency 2
#	The per-session and wide-area runs also print the median SMTP
#	transmission time of a message (the last field of Postfix's
#	"delays=") and how many took 40 ms or more (a delayed-ACK stall);
#	the wide-area runs print the relay's count of sessions and of
#	round trips ("turns": server data after client data; a new
#	session costs two more, its handshake and greeting). The relay
#	terminates TCP and acknowledges at once, so it shows round trips,
#	not a receiver's Nagle stalls: those are measured by "p*".
#	Each pair: the workload is injected twice over with smtp-source
#	into 127.0.0.1:10025, where a header_checks HOLD rule parks every
#	message in the hold queue, and the held messages are dealt out
#	alternately to the two agents, per recipient domain (so both get
#	the same number of messages for every destination). Each run:
#	default_transport selects the agent (postfix reload),
#	"postsuper -H - < its queue ids; postqueue -f" releases its half
#	and the clock runs until every queue is empty (for "ac" that includes the receiver's
#	discard deliveries, the same for both agents). Every run must log
#	one status=sent line per recipient from the agent under test; a
#	run that does not is reported and left out.
#	Runs alternate stock, smtpjail, stock, smtpjail ... (SJ_BENCH_PAIRS
#	pairs). Printed per workload: the median messages/s of each agent
#	(recipients/s for d), the ratio smtpjail/stock, and the median CPU
#	seconds per 1000 messages (per 1000 recipients for d). Then: the
#	peak RSS (VmHWM) of one stock process and of one smtpjail set
#	(parent, spawner and its largest child; each run's line also says
#	how many children one spawner had alive), the largest seen over
#	all runs; and the time
#	from exec of smtpjail to its child's READY message and from fork
#	to READY, median over SJ_BENCH_STARTS runs of --sandbox-check,
#	taken from kernel tracepoints with perf(1) (sched_process_exec,
#	sched_process_fork, the child's first sendmsg, which is READY).
#
#	Environment:
#	    SJ_BENCH_PAIRS      pairs per workload (default 3)
#	    SJ_BENCH_WORKLOADS  default "a ac at atr atc b c d m p1k p4k p64k p1m
#	                        w20 w100"
#	    SJ_BENCH_SCALE      divide message and recipient counts (a
#	                        quick check; default 1 = the issue's sizes)
#	    SJ_BENCH_STARTS     --sandbox-check starts timed (default 100)
#	    SJ_BENCH_PROFILE    a directory: record perf (cpu-clock
#	                        samples and every system call entry, all
#	                        CPUs) for each run into it
#	    SJ_BENCH_RUN_TIMEOUT  seconds per run (default 600)
#	    SJ_BENCH_AGENT_ARGS  more arguments for smtpjail (say "-v" to
#	                        log the child pool's decisions; the rates
#	                        then mean little)
#	    SJ_BENCH_STRACE     a directory: run both agents under
#	                        strace -ff -tt -T, one file per process
#	                        (counts system calls and IPC turns per
#	                        message; the rates then mean nothing)
#	The workloads a to d take about 5 minutes on 2 idle CPUs (most
#	of it injecting; run 3 of BENCHMARKS.md: 4 min 55 s); the
#	per-session and wide-area ones about as long again.
#	Exit status 1 when smtpjail is not functional (--sandbox-check in
#	the instance fails) or a run was invalid. Never part of make test.
# SECURITY
#	Test code, run as root; everything lives in the lib.sh world and
#	in cgroups named sj-bench-PID-*, removed at the end.
# SEE ALSO
#	tests/e2e/lib.sh, BENCHMARKS.md ("Targets")
set -u
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "bench: run as root (make bench)"; exit 2; }
if [ $# -ge 1 ]; then
	case $1 in /*) SJ_SMTPJAIL=$1;; *) SJ_SMTPJAIL=$PWD/$1;; esac
fi
PAIRS=${SJ_BENCH_PAIRS:-3}
WORKLOADS=${SJ_BENCH_WORKLOADS:-a ac at atr atc b c d m p1k p4k p64k p1m w20 w100}
SCALE=${SJ_BENCH_SCALE:-1}
STARTS=${SJ_BENCH_STARTS:-100}
PROFILE=${SJ_BENCH_PROFILE:-}
RUN_TIMEOUT=${SJ_BENCH_RUN_TIMEOUT:-600}
invalid=0

[ -x "$SJ_SMTPJAIL" ] || { echo "bench: $SJ_SMTPJAIL: not executable (make)"; exit 1; }
command -v smtp-source > /dev/null || { echo "bench: smtp-source missing"; exit 1; }
HAVE_PERF=0
command -v perf > /dev/null && HAVE_PERF=1

# ------------------------------------------------------------ cgroups

CG_KIND= CG_BASE=
if [ -w /sys/fs/cgroup/cpuacct ] && [ -f /sys/fs/cgroup/cpuacct/cpuacct.usage ]; then
	CG_KIND=v1 CG_BASE=/sys/fs/cgroup/cpuacct
elif [ -f /sys/fs/cgroup/cgroup.controllers ] && [ -w /sys/fs/cgroup ]; then
	CG_KIND=v2 CG_BASE=/sys/fs/cgroup
fi

# "ip netns exec" mounts a sysfs of its own over /sys: the agents see
# the cgroup hierarchy through a bind mount made before Postfix starts.
CG_MNT=/run/sj-bench-$$

cg_dir() {	# agent
	echo "$CG_BASE/sj-bench-$$-$1"
}

cg_make() {
	local a
	[ -n "$CG_KIND" ] || return 0
	for a in stock smtpjail; do
		mkdir -p "$(cg_dir $a)" 2>/dev/null || { CG_KIND=; return 0; }
	done
	mkdir -p "$CG_MNT" && mount --bind "$CG_BASE" "$CG_MNT" ||
	    { CG_KIND=; return 0; }
}

cg_remove() {
	local a i
	[ -n "$CG_KIND" ] || return 0
	umount "$CG_MNT" 2>/dev/null && rmdir "$CG_MNT"
	for a in stock smtpjail; do
		for i in 1 2 3 4 5 6 7 8 9 10; do
			rmdir "$(cg_dir $a)" 2>/dev/null && break
			[ -d "$(cg_dir $a)" ] || break
			sleep 0.3
		done
	done
}

cg_cpu_ns() {	# agent: CPU nanoseconds used by the agent's cgroup so far
	case $CG_KIND in
	v1)	cat "$(cg_dir "$1")/cpuacct.usage";;
	v2)	awk '$1 == "usage_usec" {printf "%d\n", $2 * 1000}' \
		    "$(cg_dir "$1")/cpu.stat";;
	*)	echo 0;;
	esac
}

cg_pids() {	# agent
	[ -n "$CG_KIND" ] && cat "$(cg_dir "$1")/cgroup.procs" 2>/dev/null
}

# Peak RSS in KB of one stock process, or of one smtpjail set (a parent,
# its spawner and the largest of the spawner's children: what serves one
# job), among the live processes; then, for smtpjail, the largest number
# of live children one parent's spawner had (idle, busy or on loan), 0
# for stock. VmHWM counts pages shared with the parent or the spawner
# again in each child.
peak_rss_kb() {	# agent
	local p pp hwm top depth
	declare -A own par
	for p in $(cg_pids "$1"); do
		hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$p/status" 2>/dev/null)
		[ -n "$hwm" ] || continue
		pp=$(awk '/^PPid:/ {print $2}' "/proc/$p/status" 2>/dev/null)
		own[$p]=$hwm par[$p]=${pp:-0}	# 0: it ended meanwhile
	done
	for p in "${!own[@]}"; do
		top=$p depth=0
		# spawner (1) and children (2) count for the parent
		while [ "$1" = smtpjail ] && [ -n "${own[${par[$top]}]:-}" ]; do
			top=${par[$top]} depth=$((depth + 1))
		done
		echo "$top $depth ${own[$p]}"
	done | awk '$2 < 2 {s[$1] += $3} $2 == 2 {n[$1]++; if ($3 > c[$1]) c[$1] = $3}
	    END {m = 0; k = 0; for (t in s) { if (s[t] + c[t] > m) m = s[t] + c[t]
	        if (n[t] > k) k = n[t] }; print m, k}'
}

# ------------------------------------------------------------- world

zone=$(mktemp /tmp/sj-bench-zone.XXXXXX)
# every name under bench.test has the A record of the sink (no MX);
# chunk.bench.test is the Postfix smtpd receiver, wan20 and wan100 the
# same receiver behind the delay relays
printf '%s\n' "address=/bench.test/127.0.0.3" \
    "address=/chunk.bench.test/127.0.0.4" \
    "address=/tls.bench.test/127.0.0.7" \
    "address=/wan20.bench.test/127.0.0.5" \
    "address=/wan100.bench.test/127.0.0.6" > "$zone"
bench_cleanup() {
	world_down
	cg_remove
}

cg_make
SJ_AGENT=smtpjail world_up bench "$zone" ||
    { rm -f "$zone"; bench_cleanup; exit 1; }
rm -f "$zone"
trap 'bench_cleanup' EXIT
trap 'echo "# interrupted: tearing the world down" >&$SJ_OUT;
    bench_cleanup >&$SJ_OUT 2>&1; exit 130' INT TERM HUP
ip -n "$W_NS" link set lo mtu 1500 ||
    { echo "bench: cannot set the loopback MTU"; exit 1; }

out=$(pf_cmd timeout 60 "$W_DIR/libexec/smtpjail" --sandbox-check 2>&1)
if [ $? -ne 0 ] || ! echo "$out" | grep -q '^sandbox-check: ok'; then
	echo "bench: smtpjail is not functional (--sandbox-check failed):"
	echo "$out" | tail -n 5 | sed 's/^/    /'
	exit 1
fi

# Identical wrappers: join the agent's cgroup, exec the agent.
for a in stock smtpjail; do
	extra_args=
	if [ "$a" = stock ]; then prog=$SJ_PF_SBIN/smtp; else prog=$W_DIR/libexec/smtpjail
		[ -n "${SJ_BENCH_AGENT_ARGS:-}" ] && extra_args=" $SJ_BENCH_AGENT_ARGS"
	fi
	{
		echo '#!/bin/sh'
		[ -n "$CG_KIND" ] && echo "echo \$\$ > $CG_MNT/sj-bench-$$-$a/cgroup.procs"
		if [ -n "${SJ_BENCH_STRACE:-}" ]; then
			echo "exec strace -ff -tt -T -o $SJ_BENCH_STRACE/$a $prog \"\$@\""
		else
			echo "exec $prog \"\$@\"${extra_args}"
		fi
	} > "$W_DIR/libexec/bench-$a"
	chmod 0755 "$W_DIR/libexec/bench-$a"
done
# Stock smtp(8)'s TLS with connection reuse (atc) runs in tlsproxy(8):
# its CPU time is stock's, so it joins stock's cgroup.
{
	echo '#!/bin/sh'
	[ -n "$CG_KIND" ] && echo "echo \$\$ > $CG_MNT/sj-bench-$$-stock/cgroup.procs"
	echo "exec $SJ_PF_SBIN/tlsproxy \"\$@\""
} > "$W_DIR/libexec/bench-tlsproxy"
chmod 0755 "$W_DIR/libexec/bench-tlsproxy"
pf_master_add \
    "benchstock unix - - y - 100 bench-stock" \
    "  -o syslog_name=postfix/benchstock" \
    "benchjail unix - - y - 100 bench-smtpjail" \
    "  -o syslog_name=postfix/benchjail" \
    "127.0.0.4:25 inet n - n - 100 smtpd" \
    "  -o syslog_name=postfix/receiver" \
    "  -o myhostname=rcpt.sink.test" \
    "  -o content_filter=discard:" \
    "  -o receive_override_options=no_header_body_checks" \
    "  -o smtpd_recipient_restrictions=permit_mynetworks,reject"

# The STARTTLS receiver of "at": a self-signed certificate (encrypt
# does not verify it) and the tlsmgr(8) that stock smtp(8) needs.
mkdir -p "$W_DIR/tls"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$W_DIR/tls/key.pem" -out "$W_DIR/tls/cert.pem" -days 30 \
    -subj "/CN=tls.bench.test" 2>/dev/null ||
    { echo "bench: cannot make a certificate"; exit 1; }
cat "$W_DIR/tls/key.pem" "$W_DIR/tls/cert.pem" > "$W_DIR/tls/chain.pem"
chmod 600 "$W_DIR/tls"/*.pem
pf_master_add \
    "127.0.0.7:25 inet n - n - 100 smtpd" \
    "  -o syslog_name=postfix/receiver" \
    "  -o myhostname=rcpt.sink.test" \
    "  -o content_filter=discard:" \
    "  -o receive_override_options=no_header_body_checks" \
    "  -o smtpd_recipient_restrictions=permit_mynetworks,reject" \
    "  -o smtpd_tls_security_level=may" \
    "  -o smtpd_tls_chain_files=$W_DIR/tls/chain.pem" \
    "  -o smtpd_tls_loglevel=2" \
    "tlsmgr unix - - n 1000? 1 tlsmgr" \
    "tlsproxy unix - - n - 0 bench-tlsproxy"

# Receiver: no dump files (disk would dominate), many sessions.
ip netns exec "$W_NS" smtp-sink -u postfix -h sink.bench.test -m 1000 \
    127.0.0.3:25 1024 > "$W_DIR/sink/bench.out" 2>&1 {SJ_OUT}>&- &
echo "$! 127.0.0.3:25" > "$W_DIR/sink/bench.pid"
sj_wait_listen 127.0.0.3:25 "$!" ||
    { echo "bench: smtp-sink did not start"; sed 's/^/    /' \
      "$W_DIR/sink/bench.out"; exit 1; }

# Wide-area paths: delay relays in front of the Postfix receiver.
for r in 20 100; do
	a=127.0.0.5
	[ "$r" = 100 ] && a=127.0.0.6
	ip netns exec "$W_NS" python3 "$SJ_E2E_DIR/delay_proxy.py" "$a:25" \
	    127.0.0.4:25 "$r" "$W_DIR/log/relay$r.stats" \
	    > "$W_DIR/log/relay$r.out" 2>&1 {SJ_OUT}>&- &
	echo "$! $a:25" > "$W_DIR/sink/relay$r.pid"
	sj_wait_listen "$a:25" "$!" ||
	    { echo "bench: delay_proxy.py on $a:25 did not start"
	      sed 's/^/    /' "$W_DIR/log/relay$r.out"; exit 1; }
done

echo '/^Subject: sjbench/ HOLD' > "$W_DIR/etc/header_checks"
pf_postconf "header_checks = regexp:$W_DIR/etc/header_checks" \
    'smtpd_recipient_limit = 1000' 'default_process_limit = 100' ||
    exit 1
for t in benchstock benchjail; do
	pf_postconf "${t}_destination_concurrency_limit = 20" \
	    "${t}_initial_destination_concurrency = 5" \
	    "${t}_destination_recipient_limit = 50" ||
	    exit 1
done

# Is a message file in a queue other than hold? (stops at the first:
# the poll must cost the CPUs little while the agents work)
queue_busy() {
	[ -n "$(find "$W_DIR/spool/maildrop" "$W_DIR/spool/incoming" \
	    "$W_DIR/spool/active" "$W_DIR/spool/deferred" -type f \
	    -print -quit 2>/dev/null)" ]
}

hold_files() {
	find "$W_DIR/spool/hold" -type f 2>/dev/null | wc -l
}

scaled() {	# n: n / SCALE, at least 1
	local v=$(($1 / SCALE))
	[ "$v" -ge 1 ] || v=1
	echo "$v"
}

inject() {	# workload
	local i per
	case $1 in
	a|ac|at|atr|atc) local to=u@one.bench.test
		[ "$1" = ac ] && to=u@chunk.bench.test
		case $1 in at|atr|atc) to=u@tls.bench.test;; esac
		pf_cmd smtp-source -s 10 -m "$((2 * $(scaled 2000)))" -l 4096 \
		    -S sjbench -f s@sender.test -t "$to" 127.0.0.1:10025;;
	b)	per=$((2 * $(scaled 40)))
		for i in $(seq 1 50); do
			pf_cmd smtp-source -s 4 -m "$per" -l 4096 -S sjbench \
			    -f s@sender.test -t "u@d$i.bench.test" \
			    127.0.0.1:10025 || return 1
		done;;
	c)	pf_cmd smtp-source -s 4 -m "$((2 * $(scaled 200)))" -l 1048576 \
		    -S sjbench -f s@sender.test -t u@big.bench.test \
		    127.0.0.1:10025;;
	d)	pf_cmd smtp-source -s 1 -m 2 -r "$(scaled 500)" -l 4096 -S sjbench \
		    -f s@sender.test -t u@many.bench.test 127.0.0.1:10025;;
	m)	per=$((2 * $(scaled 5)))
		for i in $(seq 1 200); do
			pf_cmd smtp-source -s 2 -m "$per" -l 4096 -S sjbench \
			    -f s@sender.test -t "u@m$i.bench.test" \
			    127.0.0.1:10025 || return 1
		done;;
	p*|w*)	read -r n len to <<< "$(per_session "$1")"
		pf_cmd smtp-source -s 4 -m "$((2 * $(scaled "$n")))" -l "$len" \
		    -S sjbench -f s@sender.test -t "$to" 127.0.0.1:10025;;
	esac
}

# The per-session workloads: "messages size recipient".
per_session() {
	case $1 in
	p1k)	echo "1000 1024 u@chunk.bench.test";;
	p4k)	echo "1000 4096 u@chunk.bench.test";;
	p64k)	echo "400 65536 u@chunk.bench.test";;
	p1m)	echo "60 1048576 u@chunk.bench.test";;
	w20)	echo "200 4096 u@wan20.bench.test";;
	w100)	echo "40 4096 u@wan100.bench.test";;
	esac
}

expect() {	# workload: "messages recipients"
	local n
	case $1 in
	p*|w*) read -r n _ <<< "$(per_session "$1")"
	    echo "$(scaled "$n") $(scaled "$n")";;
	a|ac|at|atr|atc) echo "$(scaled 2000) $(scaled 2000)";;
	b) echo "$((50 * $(scaled 40))) $((50 * $(scaled 40)))";;
	c) echo "$(scaled 200) $(scaled 200)";;
	d) echo "1 $(scaled 500)";;
	m) echo "$((200 * $(scaled 5))) $((200 * $(scaled 5)))";;
	esac
}

describe() {
	case $1 in
	a) echo "a) 2000 x 4 KB, 1 rcpt, 1 dest (smtp-sink)";;
	ac) echo "ac) as a, Postfix smtpd with CHUNKING";;
	at) echo "at) as ac, with STARTTLS (encrypt)";;
	atr) echo "atr) as at, TLS session cache on";;
	atc) echo "atc) as at, TLS connection reuse on";;
	b) echo "b) 2000 x 4 KB over 50 destinations";;
	c) echo "c) 200 x 1 MB, 1 destination";;
	d) echo "d) 1 msg, 500 rcpts (rates: rcpts/s)";;
	m) echo "m) 1000 x 4 KB over 200 dest. (sink)";;
	p1k) echo "p1k) 1000 x 1 KB, Postfix smtpd, conc. 2";;
	p4k) echo "p4k) 1000 x 4 KB, Postfix smtpd, conc. 2";;
	p64k) echo "p64k) 400 x 64 KB, Postfix smtpd, conc. 2";;
	p1m) echo "p1m) 60 x 1 MB, Postfix smtpd, conc. 2";;
	w20) echo "w20) 200 x 4 KB, 20 ms RTT, conc. 2";;
	w100) echo "w100) 40 x 4 KB, 100 ms RTT, conc. 2";;
	esac
}

# prepare WORKLOAD: inject both halves of a pair, hold them, and write
# the queue ids of each agent's half to $W_DIR/log/ids.AGENT.
prepare() {
	local w=$1 msgs rcpts end
	read -r msgs rcpts <<< "$(expect "$w")"
	# what an earlier, failed run left
	[ "$(hold_files)" -eq 0 ] ||
	    pf_cmd postsuper -c "$W_DIR/etc" -d ALL hold > /dev/null 2>&1
	inject "$w" > "$W_DIR/log/inject.out" 2>&1 ||
	    { echo "# inject $w failed:"; sed 's/^/#   /' "$W_DIR/log/inject.out"; return 1; }
	end=$(( $(date +%s) + 300 ))
	while [ "$(hold_files)" -lt $((2 * msgs)) ] || [ "$(sj_moving_count)" -gt 0 ]; do
		[ "$(date +%s)" -lt "$end" ] ||
		    { echo "# $w: only $(hold_files) of $((2 * msgs)) messages on hold"; return 1; }
		sleep 0.2
	done
	# "FILE:u@DOMAIN" for each held message; deal out per domain.
	(cd "$W_DIR/spool/hold" && grep -ao -m 1 '[0-9a-z]*@[a-z0-9.]*bench\.test' -- *) |
	    sort -t : -k 2,2 -k 1,1 | awk -F : -v d="$W_DIR/log" '
		seen[$1]++ { next }
		{ n[$2]++; f = (n[$2] % 2) ? "stock" : "smtpjail"
		  print $1 > (d "/ids." f) }'
	[ "$(wc -l < "$W_DIR/log/ids.stock")" -eq "$msgs" ] &&
	    [ "$(wc -l < "$W_DIR/log/ids.smtpjail")" -eq "$msgs" ] ||
	    { echo "# $w: the held messages do not split in two halves of $msgs"; return 1; }
}

# relay_stats RTT: "sessions=N turns=N ..." of that relay so far
relay_stats() {
	local f=$W_DIR/log/relay$1.stats pid m0 i
	read -r pid _ < "$W_DIR/sink/relay$1.pid"
	m0=$(stat -c %i "$f" 2>/dev/null)
	kill -USR1 "$pid" 2>/dev/null
	for i in $(seq 1 50); do
		[ "$(stat -c %i "$f" 2>/dev/null)" != "$m0" ] && break
		sleep 0.02
	done
	head -n 1 "$f"
}

# run WORKLOAD AGENT: prints "rate cpu_s_per_1000 rss_kb", or nothing
# when the run was invalid.
run() {
	local w=$1 agent=$2 tr msgs rcpts t0 t1 off ident sent i end rate
	local c0 c1 cpu units rss nkids perfpid= extra= conc init r0= r1 tls scache=
	local reuse=no
	read -r msgs rcpts <<< "$(expect "$w")"
	if [ "$agent" = stock ]; then
		tr=benchstock
	else
		tr=benchjail
	fi
	ident="postfix/$tr/smtp"
	tls=none
	[ "$w" = at ] && tls=encrypt
	if [ "$w" = atr ]; then
		tls=encrypt
		scache="btree:\${data_directory}/smtp_scache"
	fi
	[ "$w" = atc ] && tls=encrypt reuse=yes
	# per-session workloads: at most 2 sessions to the destination
	conc=20 init=5
	case $w in p*|w*) conc=2 init=2;; esac
	pf_postconf "default_transport = $tr" \
	    "smtp_tls_security_level = $tls" \
	    "smtp_tls_session_cache_database = $scache" \
	    "smtp_tls_connection_reuse = $reuse" \
	    "${tr}_destination_concurrency_limit = $conc" \
	    "${tr}_initial_destination_concurrency = $init" &&
	    pf_reload || return 1
	off=$(stat -c %s "$W_DIR/log/maillog")
	case $w in w*) r0=$(relay_stats "${w#w}");; esac
	if [ -n "$PROFILE" ] && [ "$HAVE_PERF" = 1 ]; then
		perf record -a -e cpu-clock/freq=499/ \
		    -e raw_syscalls:sys_enter -c 1 \
		    -o "$PROFILE/perf-$w-$agent-$(date +%s).data" \
		    > /dev/null 2>&1 {SJ_OUT}>&- &
		perfpid=$!
	fi
	c0=$(cg_cpu_ns "$agent")
	t0=$(date +%s.%N)
	pf_cmd postsuper -c "$W_DIR/etc" -H - < "$W_DIR/log/ids.$agent" \
	    > /dev/null 2>&1
	pf_cmd postqueue -c "$W_DIR/etc" -f
	end=$(( $(date +%s) + RUN_TIMEOUT ))
	while queue_busy; do
		[ "$(date +%s)" -lt "$end" ] ||
		    { echo "# $w/$agent: queue not empty after ${RUN_TIMEOUT}s" >&$SJ_OUT;
		      pf_cmd postsuper -c "$W_DIR/etc" -d ALL > /dev/null 2>&1
		      [ -z "$perfpid" ] || kill -INT "$perfpid"
		      return 1; }
		sleep 0.05
	done
	t1=$(date +%s.%N)
	c1=$(cg_cpu_ns "$agent")
	if [ -n "$perfpid" ]; then
		kill -INT "$perfpid"
		wait "$perfpid" 2>/dev/null
	fi
	read -r rss nkids <<< "$(peak_rss_kb "$agent")"
	# postlogd may lag behind: wait for the status lines
	for i in $(seq 1 50); do
		sent=$(tail -c +"$((off + 1))" "$W_DIR/log/maillog" |
		    grep -c "$ident\[[0-9]*\]: [0-9A-F]*: to=<.*status=sent ")
		[ "$sent" -ge "$rcpts" ] && break
		sleep 0.1
	done
	if [ "$sent" -ne "$rcpts" ]; then
		echo "# $w/$agent: $sent status=sent lines from $ident, expected $rcpts" >&$SJ_OUT
		tail -c +"$((off + 1))" "$W_DIR/log/maillog" |
		    grep -v 'status=sent' | tail -n 5 | sed 's/^/#   /' >&$SJ_OUT
		return 1
	fi
	# which command carried the content to the Postfix receiver
	case $w in ac|at|atr|atc|p*|w*)
		extra=$(tail -c +"$((off + 1))" "$W_DIR/log/maillog" |
		    grep 'postfix/receiver/smtpd\[[0-9]*\]: disconnect from' |
		    awk '/ bdat=/ {b++} / data=/ {d++}
		        END {printf ", receiver sessions: %d BDAT, %d DATA", b, d}')
		case $w in at|atr|atc) extra="$extra, $(tail -c +"$((off + 1))" \
		    "$W_DIR/log/maillog" | grep -c 'postfix/receiver/smtpd\[[0-9]*\]: .*TLS connection established from') with TLS, $(tail -c +"$((off + 1))" \
		    "$W_DIR/log/maillog" | grep -c 'postfix/receiver/smtpd\[[0-9]*\]: .*Reusing old session') resumed";;
		esac
	esac
	# the stall: transmission times (Postfix "delays=a/b/c/d", d) of
	# 40 ms or more, the client's delayed ACK; and their median
	case $w in p*|w*)
		extra="$extra$(tail -c +"$((off + 1))" "$W_DIR/log/maillog" |
		    grep "$ident\[[0-9]*\]: [0-9A-F]*: to=<.*status=sent " |
		    sed -n 's/.* delays=[^/]*\/[^/]*\/[^/]*\/\([0-9.]*\),.*/\1/p' |
		    sort -g | awk '{v[NR] = $1; if ($1 >= 0.04) n++}
		        END {printf ", smtp time median %.3f s, >= 40 ms: %d",
		        NR ? v[int((NR + 1) / 2)] : 0, n}')";;
	esac
	# many destinations, TLS connection reuse: deliveries over a
	# reused session
	case $w in m|atc)
		extra="$extra$(tail -c +"$((off + 1))" "$W_DIR/log/maillog" |
		    grep "$ident\[[0-9]*\]: [0-9A-F]*: to=<.*status=sent " |
		    awk '/ conn_use=/ {r++} END {printf ", %d of %d over a reused session", r, NR}')"
	esac
	case $w in m)
		# where a job's time goes: Postfix "delays=a/b/c/d", the
		# medians of b (queue manager to agent), c (connection set-up,
		# with DNS and, for smtpjail, the child) and d (transmission)
		extra="$extra$(tail -c +"$((off + 1))" "$W_DIR/log/maillog" |
		    grep "$ident\[[0-9]*\]: [0-9A-F]*: to=<.*status=sent " |
		    sed -n 's/.* delays=[^/]*\/\([^/]*\)\/\([^/]*\)\/\([0-9.]*\),.*/\1 \2 \3/p' |
		    awk '{ b[NR] = $1; c[NR] = $2; d[NR] = $3 }
		        function med(v, n,   i, j, t) {
		            for (i = 2; i <= n; i++)
		                for (j = i; j > 1 && v[j - 1] > v[j]; j--) {
		                    t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
		            return n ? v[int((n + 1) / 2)] : 0 }
		        END { printf ", delays b/c/d medians %.3f/%.3f/%.3f s",
		            med(b, NR), med(c, NR), med(d, NR) }')";;
	esac
	# round trips counted by the relay over the run
	case $w in w*)
		r1=$(relay_stats "${w#w}")
		extra="$extra$(echo "$r0 $r1" | awk -v m="$msgs" '{
		    split($1, a, "="); split($2, b, "=")
		    split($5, c, "="); split($6, d, "=")
		    printf ", relay: %d sessions, %d turns, %.2f turns/msg, " \
		    "%.2f round trips/msg", c[2] - a[2], d[2] - b[2],
		    (d[2] - b[2]) / m, (d[2] - b[2] + 2 * (c[2] - a[2])) / m}')";;
	esac
	units=$msgs
	[ "$w" = d ] && units=$rcpts
	rate=$(echo "$units $t0 $t1" | awk '{printf "%.1f", $1 / ($3 - $2)}')
	cpu=-
	[ -n "$CG_KIND" ] &&
	    cpu=$(echo "$c0 $c1 $units" | awk '{printf "%.3f", ($2 - $1) / 1e9 / $3 * 1000}')
	echo "# $w/$agent: $msgs msgs, $rcpts rcpts in $(echo "$t0 $t1" |
	    awk '{printf "%.2f", $2 - $1}') s: $rate/s, cpu ${cpu} s/1000, peak rss ${rss:-?} KB$([ "$agent" = smtpjail ] && echo " (live children per spawner: up to ${nkids:-?})")$extra" >&$SJ_OUT
	echo "$rate $cpu ${rss:-0}"
}

median() {	# numbers...
	printf '%s\n' "$@" | grep -v '^-$' | sort -g |
	    awk '{v[NR] = $1} END {if (NR == 0) print "-";
	        else if (NR % 2) print v[(NR + 1) / 2];
	        else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}

ratio() {	# a b: b / a
	echo "$1 $2" | awk '$1 != "-" && $1 + 0 > 0 && $2 != "-" {printf "%.2f", $2 / $1; next} {print "-"}'
}

# exec -> READY and fork -> READY of the sandboxed child, in ms, one
# "exec fork" pair a line, from kernel tracepoints. The child is forked
# by the spawner, the parent's first child: fork -> READY is the
# spawner's fork of the child to the child's READY.
start_times() {
	local data=$W_DIR/log/starts.data
	perf record -q -e sched:sched_process_exec -e sched:sched_process_fork \
	    -e syscalls:sys_enter_sendmsg -o "$data" -- \
	    sh -c "i=0; while [ \$i -lt $STARTS ]; do i=\$((i + 1));
	        MAIL_CONFIG=$W_DIR/etc ip netns exec $W_NS \
	        $W_DIR/libexec/smtpjail --sandbox-check > /dev/null 2>&1; done" \
	    > "$W_DIR/log/starts.out" 2>&1 {SJ_OUT}>&- || return 1
	perf script -i "$data" -F pid,time,event,trace 2>/dev/null | awk '
	    { pid = $1; t = $2; sub(/:$/, "", t); ev = $3 }
	    ev ~ /sched_process_exec/ && /filename=[^ ]*\/smtpjail / { ex[pid] = t; next }
	    ev ~ /sched_process_fork/ && (pid in ex) && !(pid in forked) {
		# the first fork is the spawner (policy/spawner.c)
		forked[pid] = 1
		for (i = 4; i <= NF; i++) if ($i ~ /^child_pid=/)
			sp[substr($i, 11)] = pid
		next }
	    ev ~ /sched_process_fork/ && (pid in sp) && !(pid in spfork) {
		# the first fork of the spawner is the child
		spfork[pid] = 1
		for (i = 4; i <= NF; i++) if ($i ~ /^child_pid=/) {
			c = substr($i, 11); fk[c] = t; par[c] = sp[pid] }
		next }
	    ev ~ /sys_enter_sendmsg/ && (pid in fk) {
		printf "%.3f %.3f\n", (t - ex[par[pid]]) * 1000, (t - fk[pid]) * 1000
		delete fk[pid] }'
}

echo "# bench: $PAIRS pairs per workload, workloads: $WORKLOADS, scale 1/$SCALE"
echo "# smtpjail: $SJ_SMTPJAIL; instance $W_DIR"
echo "# machine: $(nproc) CPUs, $(grep -m1 '^model name' /proc/cpuinfo | sed 's/.*: //'), kernel $(uname -r)"
echo "# cpu accounting: ${CG_KIND:-none} cgroups; loopback MTU 1500"
[ -z "$PROFILE" ] || mkdir -p "$PROFILE"
[ -z "${SJ_BENCH_STRACE:-}" ] || mkdir -p "$SJ_BENCH_STRACE"
pf_reload || exit 1
declare -A RES CPU
rss_stock=0 rss_jail=0
for w in $WORKLOADS; do
	RES[$w.stock]= RES[$w.smtpjail]= CPU[$w.stock]= CPU[$w.smtpjail]=
	echo "# $w: load average before: $(cut -d ' ' -f 1-3 /proc/loadavg)"
	for p in $(seq 1 "$PAIRS"); do
		if ! prepare "$w"; then
			invalid=$((invalid + 2))
			echo "# $w: pair $p invalid"
			pf_cmd postsuper -c "$W_DIR/etc" -d ALL > /dev/null 2>&1
			continue
		fi
		for agent in stock smtpjail; do
			if r=$(run "$w" "$agent") && [ -n "$r" ]; then
				read -r rate cpu rss <<< "$r"
				RES[$w.$agent]="${RES[$w.$agent]} $rate"
				CPU[$w.$agent]="${CPU[$w.$agent]} $cpu"
				if [ "$agent" = stock ]; then
					[ "$rss" -gt "$rss_stock" ] && rss_stock=$rss
				else
					[ "$rss" -gt "$rss_jail" ] && rss_jail=$rss
				fi
			else
				invalid=$((invalid + 1))
				echo "# $w/$agent: run $p invalid"
			fi
		done
	done
done

echo
printf '%-44s %9s %9s %6s %11s %11s\n' workload "stock/s" "jail/s" ratio \
    "stock cpu" "jail cpu"
for w in $WORKLOADS; do
	ms=$(median ${RES[$w.stock]})
	mj=$(median ${RES[$w.smtpjail]})
	cs=$(median ${CPU[$w.stock]})
	cj=$(median ${CPU[$w.smtpjail]})
	printf '%-44s %9s %9s %6s %11s %11s\n' "$(describe "$w")" "$ms" "$mj" \
	    "$(ratio "$ms" "$mj")" "$cs" "$cj"
	echo "#   rates: stock${RES[$w.stock]:- none}; smtpjail${RES[$w.smtpjail]:- none}"
	echo "#   cpu s/1000: stock${CPU[$w.stock]:- none}; smtpjail${CPU[$w.smtpjail]:- none}"
done
echo "(cpu: median CPU seconds of the agent's processes per 1000 messages,"
echo " per 1000 recipients for d)"
if [ -n "$CG_KIND" ]; then
	echo "peak RSS: one stock smtp(8) ${rss_stock} KB; one smtpjail parent, spawner and child ${rss_jail} KB; ratio $(ratio "$rss_stock" "$rss_jail")"
else
	echo "peak RSS: not measured (no writable cgroup hierarchy)"
fi
if [ "$HAVE_PERF" = 1 ] && [ "$STARTS" -gt 0 ]; then
	st=$(start_times)
	n=$(echo "$st" | grep -c .)
	if [ "$n" -gt 0 ]; then
		echo "sandboxed child start ($n starts): exec->READY median $(median $(echo "$st" | awk '{print $1}')) ms, fork->READY median $(median $(echo "$st" | awk '{print $2}')) ms"
	else
		echo "sandboxed child start: not measured (perf tracepoints unavailable)"
		sed 's/^/#   /' "$W_DIR/log/starts.out" | tail -n 3
	fi
else
	echo "sandboxed child start: not measured (no perf)"
fi
trap - EXIT INT TERM HUP
bench_cleanup
[ "$invalid" -eq 0 ]
