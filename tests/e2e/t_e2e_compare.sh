#!/bin/bash
# NAME
#	t_e2e_compare.sh - smtpjail's log lines against stock smtp(8)'s, field by field
# SUMMARY
#	tests/e2e/t_e2e_compare.sh        (as root; prints ok / not ok lines)
# DESCRIPTION
#	One private Postfix 3.7 world (tests/e2e/lib.sh): smtpjail is the
#	smtp transport, stock smtp(8) the stocksmtp transport. For every
#	scenario one message goes to j-SCEN@DOMAIN (smtpjail) and one to
#	s-SCEN@DOMAIN (transport_maps by full address: stocksmtp), so both
#	agents see the same DNS and the same server.
#
#	Scenarios: delivered; 4xx to RCPT; 5xx to RCPT; 4xx and 5xx after
#	DATA; 5xx to MAIL; NXDOMAIN; connection refused; 4xx and 5xx
#	greetings.
#
#	For each, the delivery status lines are parsed into fields and
#	compared: to= (local part j-/s- folded), relay=, dsn=, status= and
#	the text in parentheses (queue ids of the receiving server and the
#	j-/s- prefix folded) must be equal; delay= and delays= must be
#	present and well-formed (their values are timing). Then every other
#	line the two agents logged for their message (e.g. "host ... refused
#	to talk to me") must be the same once the queue id, pid and j-/s-
#	prefix are folded; and the outcome must be the same: still queued,
#	or removed, with a non-delivery notification when bounced.
#
#	Needs the smtpjail binary; without it the suite prints
#	"# skip ..." (SJ_REQUIRE_SMTPJAIL=1: "not ok").
# SEE ALSO
#	tests/e2e/lib.sh, postfix-interfaces.md section 6.2
set -u
. "$(dirname "$0")/lib.sh"

T_TIMEOUT=${SJ_E2E_SETTLE:-90}
SENDER=s@sender.test
# scenario domain expected-status
SCENARIOS="
sent ok.test sent
rcpt4 r4.test deferred
rcpt5 r5.test bounced
data4 d4.test deferred
data5 d5.test bounced
mail5 m5.test bounced
nxdomain nx.test bounced
refused cr.test deferred
greet4 g4.test deferred
greet5 g5.test deferred
"
# greet5: smtp_skip_5xx_greeting = yes (the 3.7 default) makes a 5xx
# greeting a soft error that moves on to the next MX; with none left the
# mail is deferred, by both agents.

write_zone() {	# file
	cat > "$1" <<'EOF'
mx-host=ok.test,mx.ok.test,10
host-record=mx.ok.test,127.0.0.3
mx-host=r4.test,mx.r4.test,10
host-record=mx.r4.test,127.0.0.4
mx-host=r5.test,mx.r5.test,10
host-record=mx.r5.test,127.0.0.5
mx-host=d4.test,mx.d4.test,10
host-record=mx.d4.test,127.0.0.6
mx-host=d5.test,mx.d5.test,10
host-record=mx.d5.test,127.0.0.8
mx-host=m5.test,mx.m5.test,10
host-record=mx.m5.test,127.0.0.9
mx-host=cr.test,mx.cr.test,10
host-record=mx.cr.test,127.0.0.10
mx-host=g4.test,mx.g4.test,10
host-record=mx.g4.test,127.0.0.11
mx-host=g5.test,mx.g5.test,10
host-record=mx.g5.test,127.0.0.12
mx-host=sender.test,mx.sender.test,10
host-record=mx.sender.test,127.0.0.7
EOF
}

gate_skip() {	# reason
	echo "# skip smtpjail run: $1"
	if [ "${SJ_REQUIRE_SMTPJAIL:-0}" = 1 ]; then
		echo "not ok - t_e2e_compare: $1 (SJ_REQUIRE_SMTPJAIL=1)"
		SJ_FAIL=$((SJ_FAIL + 1))
	fi
}

declare -A QID

# field LINE NAME: the value of NAME= in a status line (the text in
# parentheses for NAME "text").
field() {	# line name
	case $2 in
	text)	echo "$1" | sed -n 's/.*, status=[a-z]* (\(.*\))$/\1/p';;
	status)	echo "$1" | sed -n 's/.*, status=\([a-z]*\).*/\1/p';;
	*)	echo "$1" | sed -n "s/.* $2=\\([^,]*\\),.*/\\1/p";;
	esac
}

# fold TEXT: what may differ by design is replaced by a fixed token.
fold() {
	sed -e 's/\b[js]-\([a-z0-9]*@\)/X-\1/g' \
	    -e 's/queued as [0-9A-Za-z]*/queued as QID/g'
}

status_of() {	# agent(j|s) scenario domain
	pf_status_line "${QID[$1$2]}" "$1-$2@$3"
}

# same_field SCEN DOMAIN NAME: equal after folding, and not empty.
same_field() {	# scenario domain name
	local lj ls a b
	lj=$(status_of j "$1" "$2") ls=$(status_of s "$1" "$2")
	a=$(field "$lj" "$3" | fold) b=$(field "$ls" "$3" | fold)
	[ -n "$a" ] && [ "$a" = "$b" ] && return 0
	echo "# $3: smtpjail '$a'"
	echo "#     stock    '$b'"
	return 1
}

well_formed_delays() {	# scenario domain
	local a l
	for a in j s; do
		l=$(status_of "$a" "$1" "$2")
		echo "$l" | grep -Eq ', delay=[0-9]+(\.[0-9]+)?, delays=[0-9.]+/[0-9.]+/[0-9.]+/[0-9.]+, dsn=' ||
		    { echo "# $a: $l"; return 1; }
	done
}

# The other lines each agent logged for its message, folded: the queue
# id, the process name and pid, and the recipient prefix.
other_lines() {	# agent scenario
	local q=${QID[$1$2]} id
	[ "$1" = j ] && id='postfix/smtp' || id='postfix/stocksmtp/smtp'
	grep -F " $q: " "$W_DIR/log/maillog" |
	    grep -E "$id\\[[0-9]+\\]: " | grep -vF " $q: to=<" |
	    sed -e "s/.*$(echo "$id" | sed 's/\//\\\//g')\[[0-9]*\]: //" \
	    -e "s/$q/QID/g" | fold | sort
}

same_other_lines() {	# scenario
	local a b
	a=$(other_lines j "$1") b=$(other_lines s "$1")
	[ "$a" = "$b" ] && return 0
	echo "# smtpjail logged:"; echo "$a" | sed 's/^/#   /'
	echo "# stock logged:"; echo "$b" | sed 's/^/#   /'
	return 1
}

# Lines an agent logged without a queue id, folded and deduplicated.
global_lines() {	# agent
	local id
	[ "$1" = j ] && id='postfix/smtp' || id='postfix/stocksmtp/smtp'
	grep -E "$id\\[[0-9]+\\]: " "$W_DIR/log/maillog" |
	    sed "s/.*$(echo "$id" | sed 's/\//\\\//g')\[[0-9]*\]: //" |
	    grep -Ev '^[0-9A-F]{6,}: ' | fold | sort -u
}

same_global_lines() {
	local a b
	a=$(global_lines j) b=$(global_lines s)
	[ -n "$a" ] && [ "$a" = "$b" ] && return 0
	echo "# smtpjail:"; echo "$a" | sed 's/^/#   /'
	echo "# stock:"; echo "$b" | sed 's/^/#   /'
	return 1
}

# Same outcome: both still queued (deferred) or both gone; a bounce
# notification logged for each when bounced.
same_outcome() {	# scenario expected
	local a q in
	for a in j s; do
		q=${QID[$a$1]}
		pf_in_queue "$q" && in=deferred || in=gone
		case $2 in
		deferred) [ "$in" = deferred ] || { echo "# $a: $q gone"; return 1; };;
		*) [ "$in" = gone ] || { echo "# $a: $q still queued"; return 1; };;
		esac
		if [ "$2" = bounced ]; then
			grep -Eq "postfix/bounce\[[0-9]+\]: $q: sender non-delivery notification: " \
			    "$W_DIR/log/maillog" ||
			    { echo "# $a: no notification for $q"; return 1; }
		fi
	done
}

# ------------------------------------------------------------ main

[ "$(id -u)" -eq 0 ] || { echo "not ok - t_e2e_compare: must run as root"; exit 1; }
for c in postfix smtp-sink dnsmasq ip; do
	command -v "$c" > /dev/null ||
	    { echo "not ok - t_e2e_compare: $c is not installed"; exit 1; }
done
start=$(date +%s)
if [ ! -x "$SJ_SMTPJAIL" ]; then
	gate_skip "$SJ_SMTPJAIL does not exist (make)"
	check_summary
	exit
fi
zone=$(mktemp /tmp/sj-e2e-zone.XXXXXX)
write_zone "$zone"
SJ_AGENT=smtpjail world_up "compare" "$zone" ||
    { rm -f "$zone"; sj_die "world_up failed"; }
rm -f "$zone"
echo "$SCENARIOS" | while read -r scen dom _; do
	[ -n "$scen" ] && printf 's-%s@%s\tstocksmtp:\n' "$scen" "$dom"
done > "$W_DIR/etc/transport"
pf_reload || sj_die "reload"
sink_start ok 127.0.0.3 || sj_die "sink ok"
sink_start r4 127.0.0.4 -r RCPT || sj_die "sink r4"
sink_start r5 127.0.0.5 -f RCPT || sj_die "sink r5"
sink_start d4 127.0.0.6 -r . || sj_die "sink d4"
sink_start d5 127.0.0.8 -f . || sj_die "sink d5"
sink_start m5 127.0.0.9 -f MAIL || sj_die "sink m5"
sink_start g4 127.0.0.11 -r CONNECT || sj_die "sink g4"
sink_start g5 127.0.0.12 -f CONNECT || sj_die "sink g5"
sink_start bounces 127.0.0.7 || sj_die "sink bounces"

while read -r scen dom _; do
	[ -n "$scen" ] || continue
	for a in j s; do
		m=$(pf_send "$SENDER" "$a-$scen@$dom") || sj_die "send $scen"
		QID[$a$scen]=$(pf_qid "$m") || sj_die "no queue id for $m"
	done
done <<< "$SCENARIOS"
check "queue settles" pf_wait_settled "$T_TIMEOUT"

while read -r scen dom exp; do
	[ -n "$scen" ] || continue
	SJ_CHECK_PREFIX="$scen: "
	check "smtpjail logged status=$exp" \
	    eval '[ "$(field "$(status_of j "$scen" "$dom")" status)" = "$exp" ]'
	check "stock logged status=$exp" \
	    eval '[ "$(field "$(status_of s "$scen" "$dom")" status)" = "$exp" ]'
	for f in to relay dsn status text; do
		check "same $f=" same_field "$scen" "$dom" "$f"
	done
	check "delay= and delays= well-formed" well_formed_delays "$scen" "$dom"
	check "same other log lines" same_other_lines "$scen"
	check "same outcome in the queue" same_outcome "$scen" "$exp"
done <<< "$SCENARIOS"
SJ_CHECK_PREFIX=
check "same lines without a queue id (e.g. connect failures)" \
    same_global_lines
check "no fatal or panic from either agent" \
    eval '! pf_log | grep -Eq "postfix/(stocksmtp/)?smtp\[[0-9]+\]: (fatal|panic):"'
world_down
sj_note "t_e2e_compare: $(( $(date +%s) - start )) s"
check_summary
