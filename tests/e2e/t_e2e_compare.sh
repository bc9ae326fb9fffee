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
#	Scenarios: delivered; SERVFAIL; NXDOMAIN; null MX; connection
#	refused; 4xx and 5xx greetings; greeting timeout; 5xx and 421 to
#	MAIL; 4xx and 5xx to RCPT; one message with a recipient accepted,
#	one refused 550 and one 450 (a second Postfix smtpd as receiver);
#	4xx and 5xx after DATA; connection dropped after the final dot;
#	timeout waiting for the reply to the final dot; a content filter on
#	[127.0.0.18]:10024 that greets with our own $myhostname (delivered:
#	loop detection is for port 25 only) and the same server as port 25
#	MX (bounced 5.4.6, "loops back to myself"); smtp_host_lookup =
#	native, "dns, native" and dns with a name only in the hosts file,
#	as nexthop and as MX host, and a name in neither.
#
#	For each, the delivery status lines are parsed into fields and
#	compared: to= (local part j-/s- folded), relay=, dsn=, status= and
#	the text in parentheses (queue ids of the receiving server and the
#	j-/s- prefix folded) must be equal; delay= and delays= must be
#	present and well-formed (their values are timing). Then every other
#	line the two agents logged for their message (e.g. "host ... refused
#	to talk to me") must be the same once the queue id, pid and j-/s-
#	prefix are folded; and the outcome must be the same: still queued,
#	or removed, with a non-delivery notification when bounced. Lines
#	logged without a queue id (connect failures) must be the same set.
#
#	Differences found and allowed, each with its reason beside the code:
#	smtpjail's extra "no reply to the end of data: the message may be
#	delivered twice" warning, and the "sandboxed child: " prefix of
#	every line its child originates. Not compared: the order of the
#	status lines of one message and the timing values of
#	delay=/delays=.
#
#	Needs the smtpjail binary; without it the suite prints
#	"# skip ..." (SJ_REQUIRE_SMTPJAIL=1: "not ok").
# SEE ALSO
#	tests/e2e/lib.sh, parent/log_status.c, Postfix src/global/log_adhoc.c
set -u
. "$(dirname "$0")/lib.sh"

T_TIMEOUT=${SJ_E2E_SETTLE:-90}
SENDER=s@sender.test
# scenario domain expected-status [message]: rows with the same message
# name are recipients of one message (default: the scenario's own).
SCENARIOS="
sent ok.test sent
servfail sf.test deferred
nullmx nullmx.test bounced
dropdot dd.test deferred
mail421 m421.test deferred
mixok pr.test sent mix
mixhard pr.test bounced mix
mixsoft pr.test deferred mix
greettimeout gto.test deferred
dottimeout dto.test deferred
rcpt4 r4.test deferred
rcpt5 r5.test bounced
data4 d4.test deferred
data5 d5.test bounced
mail5 m5.test bounced
nxdomain nx.test bounced
refused cr.test deferred
greet4 g4.test deferred
greet5 g5.test deferred
filter flt.test sent
loop lp.test bounced
hfile hf.test sent
hboth hb.test sent
hmx hm.test sent
hnone hn.test bounced
hdns hd.test bounced
"
# filter: a content filter on [127.0.0.18]:10024 whose greeting and EHLO
# name our own $myhostname: Postfix 3.7 (smtp_connect.c) checks for
# loops on port 25 only, so both agents deliver and neither warns.
# loop: the same server on port 25 as the best MX: both warn about the
# greeting and bounce 5.4.6 "mail for lp.test loops back to myself".
# hfile, hboth, hmx, hnone, hdns: smtp_host_lookup. filehost.test is
# only in $queue_directory/etc/hosts (127.0.0.20); the agents are
# chrooted, so that is the file stock's getaddrinfo() reads, through the
# host's nsswitch.conf copied beside it. hfile: native, [filehost.test];
# hboth: "dns, native" (DNS says NXDOMAIN, native finds it); hmx:
# native, the MX hm.test -> filehost.test from DNS, its address from the
# file; hnone: native, [nohost.test] in neither: bounced 5.4.4 "unable
# to look up host ..."; hdns: dns (the default), [filehost.test]:
# bounced, the file is not used.
declare -A NEXTHOP=([filter]="[127.0.0.18]:10024")
# Transports by scenario: "smtpjail's stock's" (default: smtp stocksmtp).
declare -A AGENTS=([hfile]="natjail natstock" [hboth]="dnjail dnstock"
    [hmx]="natjail natstock" [hnone]="natjail natstock")
NEXTHOP[hfile]="[filehost.test]"
NEXTHOP[hboth]="[filehost.test]"
NEXTHOP[hnone]="[nohost.test]"
NEXTHOP[hdns]="[filehost.test]"
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
servfail=sf.test
mx-host=nullmx.test,.,0
mx-host=dd.test,mx.dd.test,10
host-record=mx.dd.test,127.0.0.13
mx-host=m421.test,mx.m421.test,10
host-record=mx.m421.test,127.0.0.14
mx-host=pr.test,mx.pr.test,10
host-record=mx.pr.test,127.0.0.15
mx-host=gto.test,mx.gto.test,10
host-record=mx.gto.test,127.0.0.16
mx-host=dto.test,mx.dto.test,10
host-record=mx.dto.test,127.0.0.17
mx-host=lp.test,mx.lp.test,10
host-record=mx.lp.test,127.0.0.19
mx-host=hm.test,filehost.test,10
EOF
}

declare -A QID

# The checks below run ~200 times: they use bash builtins, not
# subprocesses (a busy 2-core machine makes each fork count).

# load_status: the last delivery status line of every (queue id,
# recipient) of the two agents, into SL["QID RCPT"].
declare -A SL
load_status() {
	local l re=' ([0-9A-F]+): to=<([^>]*)>, '
	SL=()
	while IFS= read -r l; do
		[[ $l =~ $re ]] && SL["${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"]=$l
	done < <(grep -E 'postfix/(stocksmtp/)?smtp\[[0-9]+\]: [0-9A-F]+: to=<' \
	    "$W_DIR/log/maillog")
}

# status_of AGENT SCEN DOMAIN: sets LINE.
status_of() {	# agent(j|s) scenario domain
	LINE=${SL["${QID[$1$2]} $1-$2@$3"]:-}
}

# Fields are compared folded (lib.sh, sj_field_cmp with the default
# SJ_FOLD): what differs by design (the j-/s- recipient prefix, the
# receiving server's queue id) is replaced by a fixed token.

status_is() {	# agent scenario domain expected
	status_of "$1" "$2" "$3"
	sj_field "$LINE" status
	[ "$F" = "$4" ] && return 0
	echo "# ${LINE:-no status line}"
	return 1
}

# same_field SCEN DOMAIN NAME: equal after folding, and not empty.
same_field() {	# scenario domain name
	local jl
	status_of j "$1" "$2"; jl=$LINE
	status_of s "$1" "$2"
	sj_same_fields "$jl" "$LINE" "$3"
}

well_formed_delays() {	# scenario domain
	local a re=', delay=[0-9]+(\.[0-9]+)?, delays=[0-9.]+/[0-9.]+/[0-9.]+/[0-9.]+, dsn='
	for a in j s; do
		status_of "$a" "$1" "$2"
		[[ $LINE =~ $re ]] || { echo "# $a: $LINE"; return 1; }
	done
}

# fold: the same folding for whole lines (other_lines, global_lines).
# Designed difference: every line smtpjail's sandboxed child originates
# carries "sandboxed child: " after the level word (SECURITY.md, a child
# must not forge a status line); it is removed before comparing.
fold() {
	sed -E -e 's/^((warning|error): )?sandboxed child: /\1/' \
	    -e 's/\b[js]-([a-z0-9]*@)/X-\1/g' \
	    -e 's/queued as [0-9A-Za-z]*/queued as QID/g'
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
	sj_same_lines "$(other_lines j "$1")" "$(other_lines s "$1")"
}

# Lines an agent logged without a queue id, folded and deduplicated.
# Legitimate difference: after the final dot without a reply (dropped
# connection, timeout) smtpjail adds "warning: HOST[ADDR]:PORT: no reply
# to the end of data: the message may be delivered twice"; stock
# smtp(8) says so only in the status text ("... -- message may be sent
# more than once"). Those lines are compared separately.
MAYBE_TWICE='^warning: .*: no reply to the end of data: the message may be delivered twice$'
global_lines() {	# agent
	local id
	[ "$1" = j ] && id='postfix/smtp' || id='postfix/stocksmtp/smtp'
	grep -E "$id\\[[0-9]+\\]: " "$W_DIR/log/maillog" |
	    sed "s/.*$(echo "$id" | sed 's/\//\\\//g')\[[0-9]*\]: //" | fold |
	    grep -Ev '^[0-9A-F]{6,}: ' | grep -Ev "$MAYBE_TWICE" | sort -u
}

# smtpjail's extra warning, for exactly the two no-reply-after-dot
# servers.
maybe_twice_lines() {
	local got
	got=$(grep -E "postfix/smtp\\[[0-9]+\\]: " "$W_DIR/log/maillog" |
	    sed 's/.*postfix\/smtp\[[0-9]*\]: //' | fold | grep -E "$MAYBE_TWICE" |
	    sed 's/^warning: \([^:]*\):.*/\1/' | sort -u | tr '\n' ' ')
	[ "$got" = "mx.dd.test[127.0.0.13] mx.dto.test[127.0.0.17] " ] && return 0
	echo "# hosts with the warning: $got"
	return 1
}

same_global_lines() {
	sj_same_lines -n "$(global_lines j)" "$(global_lines s)"
}

# Same outcome: both still queued or both gone, as expected (a message
# with a deferred recipient stays queued); a non-delivery notification
# for each when bounced.
same_outcome() {	# scenario expected [message]
	local a q in want
	want=gone
	[ "$2" = deferred ] && want=queued
	[ -n "${3:-}" ] && [ "${HAS_DEFERRED[$3]:-}" = 1 ] && want=queued
	for a in j s; do
		q=${QID[$a$1]}
		grep -qx -- "$q" <<< "$QUEUED" && in=queued || in=gone
		[ "$in" = "$want" ] || { echo "# $a: $q $in, expected $want"; return 1; }
		if [ "$2" = bounced ]; then
			grep -Eq "postfix/bounce\[[0-9]+\]: $q: sender non-delivery notification: " \
			    "$W_DIR/log/maillog" ||
			    { echo "# $a: no notification for $q"; return 1; }
		fi
	done
}

# ------------------------------------------------------------ main

sj_jail_world t_e2e_compare compare write_zone postfix smtp-sink dnsmasq ip
echo "$SCENARIOS" | while read -r scen dom _; do
	[ -n "$scen" ] || continue
	read -r jt st <<< "${AGENTS[$scen]:-smtp stocksmtp}"
	printf 's-%s@%s\t%s:%s\n' "$scen" "$dom" "$st" "${NEXTHOP[$scen]:-}"
	[ -n "${NEXTHOP[$scen]:-}${AGENTS[$scen]:-}" ] &&
	    printf 'j-%s@%s\t%s:%s\n' "$scen" "$dom" "$jt" "${NEXTHOP[$scen]:-}"
done > "$W_DIR/etc/transport"
printf '127.0.0.1 localhost\n127.0.0.20 filehost.test\n' \
    > "$W_DIR/spool/etc/hosts"
cp /etc/nsswitch.conf "$W_DIR/spool/etc/nsswitch.conf" || sj_die "nsswitch"
# stock logs as postfix/stocksmtp/smtp, smtpjail as postfix/smtp.
pf_master_add "natjail unix - - y - - smtpjail" \
    "  -o smtp_host_lookup=native" \
    "natstock unix - - y - - smtp" \
    "  -o smtp_host_lookup=native -o syslog_name=postfix/stocksmtp" \
    "dnjail unix - - y - - smtpjail" \
    "  -o smtp_host_lookup=dns,native" \
    "dnstock unix - - y - - smtp" \
    "  -o smtp_host_lookup=dns,native -o syslog_name=postfix/stocksmtp"
for a in 13 14 15 16 17 18 19 20; do
	ip -n "$W_NS" addr add "127.0.0.$a/8" dev lo || sj_die "address .$a"
done
# Short timeouts for the two timeout scenarios (both agents read them).
# Stock smtp(8) has no BDAT: smtpjail uses DATA too, so that the
# per-recipient receiver's replies compare (t_e2e_chunking.sh tests BDAT).
pf_postconf 'smtp_helo_timeout = 3s' 'smtp_data_done_timeout = 3s' \
    'smtpjail_use_chunking = no' || sj_die "postconf"
printf '%s\n' 'j-mixhard@pr.test 550 5.1.1 no such user' \
    's-mixhard@pr.test 550 5.1.1 no such user' \
    'j-mixsoft@pr.test 450 4.2.0 try later' \
    's-mixsoft@pr.test 450 4.2.0 try later' > "$W_DIR/rcpt_access.in"
pf_receiver_start 127.0.0.15 "$W_DIR/rcpt_access.in" ||
    sj_die "per-recipient receiver (reloads)"
sj_note "world up after $(( $(date +%s) - SJ_START )) s"
sink_start ok 127.0.0.3 || sj_die "sink ok"
sink_start r4 127.0.0.4 -r RCPT || sj_die "sink r4"
sink_start r5 127.0.0.5 -f RCPT || sj_die "sink r5"
sink_start d4 127.0.0.6 -r . || sj_die "sink d4"
sink_start d5 127.0.0.8 -f . || sj_die "sink d5"
sink_start m5 127.0.0.9 -f MAIL || sj_die "sink m5"
sink_start g4 127.0.0.11 -r CONNECT || sj_die "sink g4"
sink_start g5 127.0.0.12 -f CONNECT || sj_die "sink g5"
sink_start bounces 127.0.0.7 || sj_die "sink bounces"
sink_start dd 127.0.0.13 -q . || sj_die "sink dd"
sink_start m421 127.0.0.14 -Q MAIL || sj_die "sink m421"
sink_start filter 127.0.0.18:10024 -h "$W_MYHOST" || sj_die "sink filter"
sink_start loop 127.0.0.19 -h "$W_MYHOST" || sj_die "sink loop"
sink_start filehost 127.0.0.20 || sj_die "sink filehost"
stall_start gto 127.0.0.16 && stall_stage gto greeting ||
    sj_die "stall server gto"
stall_start dto 127.0.0.17 && stall_stage dto dot || sj_die "stall server dto"

declare -A GROUP HAS_DEFERRED
while read -r scen dom exp msg; do
	[ -n "$scen" ] || continue
	GROUP[${msg:-$scen}]+=" $scen@$dom"
	[ "$exp" = deferred ] && HAS_DEFERRED[${msg:-$scen}]=1
done <<< "$SCENARIOS"
for g in "${!GROUP[@]}"; do
	for a in j s; do
		m=$(pf_send "$SENDER" $(printf " $a-%s" ${GROUP[$g]})) ||
		    sj_die "send $g"
		q=$(pf_qid "$m") || sj_die "no queue id for $m"
		for r in ${GROUP[$g]}; do QID[$a${r%@*}]=$q; done
	done
done
check "queue settles" pf_wait_settled "$T_TIMEOUT"
QUEUED=$(pf_queue_ids)	# one snapshot: postqueue is slow on a busy machine
sj_note "settled after $(( $(date +%s) - SJ_START )) s"
load_status

while read -r scen dom exp msg; do
	[ -n "$scen" ] || continue
	SJ_CHECK_PREFIX="$scen: "
	check "smtpjail logged status=$exp" status_is j "$scen" "$dom" "$exp"
	check "stock logged status=$exp" status_is s "$scen" "$dom" "$exp"
	for f in to relay dsn status text; do
		check "same $f=" same_field "$scen" "$dom" "$f"
	done
	check "delay= and delays= well-formed" well_formed_delays "$scen" "$dom"
	check "same other log lines" same_other_lines "$scen"
	check "same outcome in the queue" same_outcome "$scen" "$exp" "$msg"
done <<< "$SCENARIOS"
SJ_CHECK_PREFIX=
check "same lines without a queue id (e.g. connect failures)" \
    same_global_lines
check "smtpjail's extra 'may be delivered twice' warning names exactly the two servers" \
    maybe_twice_lines
check "stock never logs that warning" \
    eval '! grep -Eq "postfix/stocksmtp/smtp\[[0-9]+\]: warning: .*may be delivered twice" "$W_DIR/log/maillog"'
check "no fatal or panic from either agent" \
    eval '! pf_log | grep -Eq "postfix/(stocksmtp/)?smtp\[[0-9]+\]: (fatal|panic):"'
world_down
sj_note "t_e2e_compare: $(( $(date +%s) - SJ_START )) s"
check_summary
