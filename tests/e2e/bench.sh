#!/bin/bash
# NAME
#	bench.sh - throughput of smtpjail against the stock smtp(8) (make bench)
# SUMMARY
#	tests/e2e/bench.sh [path/to/smtpjail]        (as root)
# DESCRIPTION
#	One private Postfix instance in a network namespace (tests/e2e/
#	lib.sh) with two transports, "stocksmtp" (the stock smtp(8)) and
#	"smtp" (smtpjail), both chroot y with the same parameters, and an
#	smtp-sink (no dump files) as the receiver of every destination.
#	Workloads:
#	    a  2000 messages of ~4 KB, one recipient, one destination
#	    b  2000 messages of ~4 KB over 50 destinations (40 each)
#	    c  200 messages of 1 MB, one destination
#	    d  one message with 500 recipients, one destination
#	Each run: default_transport selects the agent (postfix reload); the
#	workload is injected with smtp-source into 127.0.0.1:10025, where a
#	header_checks HOLD rule parks every message in the hold queue;
#	then "postsuper -H ALL; postqueue -f" releases it and the clock
#	runs until the queue is empty. Every run must log one status=sent
#	line per recipient, from the agent under test; a run that does not
#	is reported and left out.
#	Runs alternate stock, smtpjail, stock, smtpjail ... (SJ_BENCH_PAIRS
#	pairs, default 3). Printed per workload: the median messages/s of
#	each agent (recipients/s for d) and the ratio smtpjail/stock.
#
#	Environment: SJ_BENCH_PAIRS (>= 1, default 3), SJ_BENCH_WORKLOADS
#	(default "a b c d"), SJ_BENCH_SCALE (divides the message and
#	recipient counts, for a quick check; default 1).
#	Exit status 1 when smtpjail is not functional (--sandbox-check in
#	the instance fails) or a run was invalid.
# SEE ALSO
#	tests/e2e/lib.sh, design.md (Performance)
set -u
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "bench: run as root (make bench)"; exit 2; }
if [ $# -ge 1 ]; then
	case $1 in /*) SJ_SMTPJAIL=$1;; *) SJ_SMTPJAIL=$PWD/$1;; esac
fi
PAIRS=${SJ_BENCH_PAIRS:-3}
WORKLOADS=${SJ_BENCH_WORKLOADS:-a b c d}
SCALE=${SJ_BENCH_SCALE:-1}
RUN_TIMEOUT=${SJ_BENCH_RUN_TIMEOUT:-600}
invalid=0

[ -x "$SJ_SMTPJAIL" ] || { echo "bench: $SJ_SMTPJAIL: not executable (make)"; exit 1; }
command -v smtp-source > /dev/null || { echo "bench: smtp-source missing"; exit 1; }

zone=$(mktemp /tmp/sj-bench-zone.XXXXXX)
# every name under bench.test has the A record of the sink (no MX)
echo "address=/bench.test/127.0.0.3" > "$zone"
SJ_AGENT=smtpjail world_up bench "$zone" || { rm -f "$zone"; exit 1; }
rm -f "$zone"

out=$(pf_cmd timeout 60 "$W_DIR/libexec/smtpjail" --sandbox-check 2>&1)
if [ $? -ne 0 ] || ! echo "$out" | grep -q '^sandbox-check: ok'; then
	echo "bench: smtpjail is not functional (--sandbox-check failed):"
	echo "$out" | tail -n 5 | sed 's/^/    /'
	world_down
	exit 1
fi

# Receiver: no dump files (disk would dominate), many sessions.
ip netns exec "$W_NS" smtp-sink -u postfix -h sink.bench.test -m 1000 \
    127.0.0.3:25 1024 > "$W_DIR/sink/bench.out" 2>&1 {SJ_OUT}>&- &
echo "$! 127.0.0.3:25" > "$W_DIR/sink/bench.pid"

echo '/^Subject: sjbench/ HOLD' > "$W_DIR/etc/header_checks"
pf_postconf "header_checks = regexp:$W_DIR/etc/header_checks" \
    'smtpd_recipient_limit = 1000' 'default_process_limit = 100' ||
    { world_down; exit 1; }

queue_files() {	# every message file in any queue
	find "$W_DIR/spool/maildrop" "$W_DIR/spool/incoming" \
	    "$W_DIR/spool/active" "$W_DIR/spool/deferred" \
	    "$W_DIR/spool/hold" -type f 2>/dev/null | wc -l
}

hold_files() {
	find "$W_DIR/spool/hold" -type f 2>/dev/null | wc -l
}

inject() {	# workload
	local n i per
	case $1 in
	a)	n=$((2000 / SCALE))
		pf_cmd smtp-source -s 10 -m "$n" -l 4096 -S sjbench \
		    -f s@sender.test -t u@one.bench.test 127.0.0.1:10025;;
	b)	per=$((40 / SCALE)); [ "$per" -ge 1 ] || per=1
		for i in $(seq 1 50); do
			pf_cmd smtp-source -s 4 -m "$per" -l 4096 -S sjbench \
			    -f s@sender.test -t "u@d$i.bench.test" \
			    127.0.0.1:10025 || return 1
		done;;
	c)	n=$((200 / SCALE))
		pf_cmd smtp-source -s 4 -m "$n" -l 1048576 -S sjbench \
		    -f s@sender.test -t u@big.bench.test 127.0.0.1:10025;;
	d)	n=$((500 / SCALE))
		pf_cmd smtp-source -s 1 -m 1 -r "$n" -l 4096 -S sjbench \
		    -f s@sender.test -t u@many.bench.test 127.0.0.1:10025;;
	esac
}

expect() {	# workload: "messages recipients"
	case $1 in
	a) echo "$((2000 / SCALE)) $((2000 / SCALE))";;
	b) local per=$((40 / SCALE)); [ "$per" -ge 1 ] || per=1
	   echo "$((50 * per)) $((50 * per))";;
	c) echo "$((200 / SCALE)) $((200 / SCALE))";;
	d) echo "1 $((500 / SCALE))";;
	esac
}

describe() {
	case $1 in
	a) echo "a) 2000 x 4 KB, 1 rcpt, 1 destination";;
	b) echo "b) 2000 x 4 KB over 50 destinations";;
	c) echo "c) 200 x 1 MB, 1 destination";;
	d) echo "d) 1 message, 500 recipients (rate: rcpts/s)";;
	esac
}

# run WORKLOAD AGENT: prints the rate (messages/s, or recipients/s for
# d) or nothing when the run was invalid.
run() {
	local w=$1 agent=$2 tr msgs rcpts t0 t1 off ident sent i end rate
	read -r msgs rcpts <<< "$(expect "$w")"
	if [ "$agent" = stock ]; then
		tr=stocksmtp ident='postfix/stocksmtp/smtp'
	else
		tr=smtp ident='postfix/smtp'
	fi
	pf_postconf "default_transport = $tr" && pf_reload || return 1
	inject "$w" > "$W_DIR/log/inject.out" 2>&1 ||
	    { echo "# inject $w failed:" >&$SJ_OUT; sed 's/^/#   /' "$W_DIR/log/inject.out" >&$SJ_OUT; return 1; }
	end=$(( $(date +%s) + 120 ))
	while [ "$(hold_files)" -lt "$msgs" ] || [ "$(sj_moving_count)" -gt 0 ]; do
		[ "$(date +%s)" -lt "$end" ] ||
		    { echo "# $w/$agent: only $(hold_files) of $msgs messages on hold" >&$SJ_OUT; return 1; }
		sleep 0.2
	done
	off=$(stat -c %s "$W_DIR/log/maillog")
	t0=$(date +%s.%N)
	pf_cmd postsuper -c "$W_DIR/etc" -H ALL > /dev/null 2>&1
	pf_cmd postqueue -c "$W_DIR/etc" -f
	end=$(( $(date +%s) + RUN_TIMEOUT ))
	while [ "$(queue_files)" -gt 0 ]; do
		[ "$(date +%s)" -lt "$end" ] ||
		    { echo "# $w/$agent: queue not empty after ${RUN_TIMEOUT}s" >&$SJ_OUT;
		      pf_cmd postsuper -c "$W_DIR/etc" -d ALL > /dev/null 2>&1
		      return 1; }
		sleep 0.05
	done
	t1=$(date +%s.%N)
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
	if [ "$w" = d ]; then
		rate=$(echo "$rcpts $t0 $t1" | awk '{printf "%.1f", $1 / ($3 - $2)}')
	else
		rate=$(echo "$msgs $t0 $t1" | awk '{printf "%.1f", $1 / ($3 - $2)}')
	fi
	echo "# $w/$agent: $msgs msgs, $rcpts rcpts in $(echo "$t0 $t1" |
	    awk '{printf "%.2f", $2 - $1}') s: $rate/s" >&$SJ_OUT
	echo "$rate"
}

median() {	# numbers...
	printf '%s\n' "$@" | sort -g |
	    awk '{v[NR] = $1} END {if (NR == 0) print "-";
	        else if (NR % 2) print v[(NR + 1) / 2];
	        else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}

echo "# bench: $PAIRS pairs per workload, workloads: $WORKLOADS, scale 1/$SCALE"
echo "# smtpjail: $SJ_SMTPJAIL; instance $W_DIR; $(nproc) CPUs"
declare -A RES
for w in $WORKLOADS; do
	RES[$w.stock]= RES[$w.smtpjail]=
	for p in $(seq 1 "$PAIRS"); do
		for agent in stock smtpjail; do
			if r=$(run "$w" "$agent"); then
				RES[$w.$agent]="${RES[$w.$agent]} $r"
			else
				invalid=$((invalid + 1))
				echo "# $w/$agent: run $p invalid"
			fi
		done
	done
done

echo
printf '%-46s %12s %12s %8s\n' workload "stock/s" "smtpjail/s" ratio
for w in $WORKLOADS; do
	ms=$(median ${RES[$w.stock]})
	mj=$(median ${RES[$w.smtpjail]})
	ratio=$(echo "$ms $mj" | awk '$1 + 0 > 0 && $2 != "-" {printf "%.2f", $2 / $1; next} {print "-"}')
	printf '%-46s %12s %12s %8s\n' "$(describe "$w")" "$ms" "$mj" "$ratio"
	echo "#   runs: stock${RES[$w.stock]:- none}; smtpjail${RES[$w.smtpjail]:- none}"
done
world_down
[ "$invalid" -eq 0 ]
