#!/bin/bash
# NAME
#	demo.sh - smtpjail delivering, deferring and bouncing under Postfix
# SUMMARY
#	tests/e2e/demo.sh [path/to/smtpjail]      (make demo; as root)
# DESCRIPTION
#	Builds the throw-away world of tests/e2e/lib.sh (network namespace,
#	dnsmasq, smtp-sink receivers, a private Postfix 3.7 instance) with
#	smtpjail as the smtp transport, sends three messages:
#	    delivered  to u@good.test  (its MX is an smtp-sink)
#	    deferred   to u@later.test (its only MX has no listener)
#	    bounced    to u@nowhere.test (NXDOMAIN); the bounce goes back to
#	               the sender, whose MX is another sink
#	waits for the queue to settle, prints the smtp transport's log
#	lines, the queue, the running process pair and the output of
#	"smtpjail --sandbox-check" against the instance's main.cf, then
#	tears everything down. Exit status 0 when all three outcomes are
#	as expected and the sandbox check passed.
#
#	If the binary is missing or its --sandbox-check fails in the
#	world, the demo runs with the stock smtp(8) instead, says so
#	loudly, and exits 1.
# SEE ALSO
#	tests/e2e/lib.sh, README.md
set -u
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (make demo)"; exit 2; }
[ $# -le 1 ] || { echo "usage: $0 [path/to/smtpjail]"; exit 2; }
if [ $# -eq 1 ]; then
	case $1 in /*) SJ_SMTPJAIL=$1;; *) SJ_SMTPJAIL=$PWD/$1;; esac
fi

banner() {
	echo
	echo "==== $*"
}

loud() {
	echo
	echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
	for l in "$@"; do echo "!!! $l"; done
	echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
	echo
}

zone=$(mktemp /tmp/sj-demo-zone.XXXXXX)
cat > "$zone" <<'EOF'
mx-host=good.test,mx.good.test,10
host-record=mx.good.test,127.0.0.3
mx-host=later.test,mx.later.test,10
host-record=mx.later.test,127.0.0.5
mx-host=example.test,mx.example.test,10
host-record=mx.example.test,127.0.0.7
EOF
SENDER=alice@example.test
start=$(date +%s)
sandbox_out= sandbox_rc=1 agent=smtpjail why=

if [ ! -x "$SJ_SMTPJAIL" ]; then
	why="$SJ_SMTPJAIL does not exist or is not executable"
else
	banner "starting the world with smtpjail ($SJ_SMTPJAIL)"
	if SJ_AGENT=smtpjail world_up demo "$zone"; then
		sandbox_out=$(pf_cmd timeout 60 "$W_DIR/libexec/smtpjail" \
		    --sandbox-check 2>&1)
		sandbox_rc=$?
		if [ "$sandbox_rc" -ne 0 ] ||
		    ! echo "$sandbox_out" | grep -q '^sandbox-check: ok'; then
			why="'smtpjail --sandbox-check' failed (exit $sandbox_rc)"
			world_down
		fi
	else
		why="the world did not start with smtpjail"
		world_down
	fi
fi
if [ -n "$why" ]; then
	agent=stock
	loud "smtpjail is NOT functional yet: $why." \
	    "This demo now runs with the STOCK Postfix smtp(8) instead." \
	    "Nothing below shows smtpjail at work."
	[ -n "$sandbox_out" ] && echo "$sandbox_out" | sed 's/^/    /'
	banner "starting the world with the stock smtp(8)"
	SJ_AGENT=stock world_up demo "$zone" || { rm -f "$zone"; exit 1; }
fi
rm -f "$zone"

sink_start good 127.0.0.3 || { world_down; exit 1; }
sink_start bounces 127.0.0.7 || { world_down; exit 1; }

echo "namespace $W_NS, instance $W_DIR"
echo "master.cf: $(grep '^smtp ' "$W_DIR/etc/master.cf")"

banner "sending three messages from <$SENDER>"
m_good=$(pf_send "$SENDER" u@good.test)
m_later=$(pf_send "$SENDER" u@later.test)
m_nx=$(pf_send "$SENDER" u@nowhere.test)
echo "  to <u@good.test>     (MX mx.good.test = smtp-sink)   Message-ID <$m_good>"
echo "  to <u@later.test>    (MX mx.later.test: no listener) Message-ID <$m_later>"
echo "  to <u@nowhere.test>  (NXDOMAIN)                      Message-ID <$m_nx>"
pf_wait_settled 60 || echo "demo: the queue did not settle within 60 s"

banner "log lines of the smtp transport (and the bounce)"
pf_log | grep -E 'postfix/(smtp|bounce)\[[0-9]+\]' | sed 's/^/  /'

banner "postqueue -p"
pf_cmd postqueue -c "$W_DIR/etc" -p | sed 's/^/  /'

banner "what the receivers got"
for s in good bounces; do
	for f in $(sink_files "$s"); do
		echo "  sink $s: $(grep -m1 '^X-Mail-Args:' "$f")" \
		    "$(grep -m1 '^X-Rcpt-Args:' "$f")" \
		    "$(grep -m1 '^Subject:' "$f")"
	done
done

if [ "$agent" = smtpjail ]; then
	banner "the smtp transport's processes (idle until max_idle)"
	pids=$(ip netns pids "$W_NS" | tr '\n' ',' | sed 's/,$//')
	ps -o pid,ppid,user,group,cmd -p "$pids" 2>/dev/null |
	    awk 'NR == 1 || /smtpjail/' | sed 's/^/  /'
fi

banner "MAIL_CONFIG=$W_DIR/etc $SJ_SMTPJAIL --sandbox-check"
if [ "$agent" = smtpjail ]; then
	echo "$sandbox_out" | sed 's/^/  /'
	echo "  (exit status $sandbox_rc)"
elif [ -x "$SJ_SMTPJAIL" ]; then
	# The stock world has the same smtpjail_* parameters.
	rm -f "$W_DIR/sandbox-bin" && install -m 0755 "$SJ_SMTPJAIL" \
	    "$W_DIR/sandbox-bin"
	pf_cmd timeout 60 "$W_DIR/sandbox-bin" --sandbox-check 2>&1 |
	    sed 's/^/  /'
	echo "  (exit status ${PIPESTATUS[0]})"
else
	echo "  (no binary at $SJ_SMTPJAIL)"
fi

# The verdict.
ok=1
q=$(pf_qid "$m_good") && pf_status_line "$q" u@good.test |
    grep -q 'status=sent ' && sink_has good "<$m_good>" || ok=0
q=$(pf_qid "$m_later") && pf_status_line "$q" u@later.test |
    grep -q 'status=deferred ' && pf_in_queue "$q" || ok=0
q=$(pf_qid "$m_nx") && pf_status_line "$q" u@nowhere.test |
    grep -q 'dsn=5.4.4, status=bounced ' && sink_has bounces "<$m_nx>" || ok=0

banner "verdict"
if [ "$ok" = 1 ]; then
	echo "  delivered 1, deferred 1, bounced 1 (bounce returned to the" \
	    "sender): as expected, with the $agent agent"
else
	echo "  UNEXPECTED OUTCOME with the $agent agent; see the log above"
fi
world_down
echo "demo finished in $(( $(date +%s) - start )) s"
if [ "$agent" != smtpjail ]; then
	loud "This run used the STOCK smtp(8): smtpjail is not functional yet ($why)."
	exit 1
fi
[ "$ok" = 1 ] && [ "$sandbox_rc" -eq 0 ]
