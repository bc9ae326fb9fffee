#!/bin/bash
# NAME
#	t_e2e_size.sh - MAIL FROM SIZE= as stock smtp(8) announces it
# SUMMARY
#	tests/e2e/t_e2e_size.sh        (as root; prints ok / not ok lines)
# DESCRIPTION
#	One private Postfix 3.7 world (tests/e2e/lib.sh): smtpjail is the
#	smtp transport, stock smtp(8) the stocksmtp transport. Each
#	message goes to u@j.test (smtpjail) and u@s.test (stocksmtp) in one
#	queue file, so both agents get the same request, including qmgr's
#	"size" attribute; the receiver is tests/e2e/stall_server.py offering
#	SIZE, which records the MAIL FROM line of every transaction.
#
#	For plain, 8-bit (BODY=8BITMIME), long-line (1500 and 3000
#	characters) and dot-stuffed content: both agents announce SIZE=,
#	and the same value (stock announces the request's size attribute,
#	the queue file's message record bytes, not the length of the
#	decoded content that smtpjail hands its child).
#
#	Needs the smtpjail binary; without it the suite prints
#	"# skip ..." (SJ_REQUIRE_SMTPJAIL=1: "not ok").
# SEE ALSO
#	tests/e2e/lib.sh, tests/e2e/stall_server.py; Postfix smtp_proto.c
#	(SIZE=), qmgr_deliver.c (the size attribute)
set -u
. "$(dirname "$0")/lib.sh"

T_TIMEOUT=${SJ_E2E_SETTLE:-90}
SENDER=s@sender.test
RCV=127.0.0.11

write_zone() {	# file
	cat > "$1" <<'EOF'
mx-host=j.test,mx.rcv.test,10
mx-host=s.test,mx.rcv.test,10
host-record=mx.rcv.test,127.0.0.11
mx-host=sender.test,mx.sender.test,10
host-record=mx.sender.test,127.0.0.7
EOF
}

# send_file NAME FILE [sendmail options]: one queue file for both agents.
declare -A MID
send_file() {
	local name=$1 file=$2
	shift 2
	MID[$name]="$name.$$@$W_MYHOST"
	{ echo "Message-ID: <${MID[$name]}>"; cat -- "$file"; } |
	    pf_cmd sendmail -C "$W_DIR/etc" -i -f "$SENDER" "$@" \
	    -- u@j.test u@s.test || { sj_note "sendmail failed for $name"; return 1; }
}

# size_of NAME RCPT: the SIZE= value of the MAIL FROM for NAME to RCPT.
size_of() {	# name rcpt
	grep -F "${MID[$1]} $2 " "$W_DIR/stall/rcv/mail.log" 2>/dev/null |
	    sed -n 's/.* SIZE=\([0-9][0-9]*\).*/\1/p' | tail -n 1
}

same_size() {	# name
	local j s
	j=$(size_of "$1" u@j.test) s=$(size_of "$1" u@s.test)
	[ -n "$j" ] && [ "$j" = "$s" ] && return 0
	echo "# $1: smtpjail SIZE=${j:-none}, stock SIZE=${s:-none}"
	grep -F "${MID[$1]}" "$W_DIR/stall/rcv/mail.log" 2>/dev/null |
	    sed 's/^/#   /'
	return 1
}

delivered_both() {	# name
	local n
	n=$(grep -cF "${MID[$1]} " "$W_DIR/stall/rcv/delivered.log" 2>/dev/null)
	[ "${n:-0}" -eq 2 ] && return 0
	echo "# $1 delivered ${n:-0} times, want 2 (one per agent)"
	return 1
}

sj_jail_world t_e2e_size size write_zone postfix dnsmasq ip
printf 's.test\tstocksmtp:\n' > "$W_DIR/etc/transport"
pf_reload || sj_die "configuration"
sink_start bounces 127.0.0.7 || sj_die "sink bounces"
stall_start rcv "$RCV" || sj_die "receiver"
stall_stage rcv none
touch "$W_DIR/stall/rcv/offer-size"

M=$W_DIR/msgs
mkdir -p "$M"
{
	printf 'From: <%s>\nSubject: plain\n\n' "$SENDER"
	for i in $(seq 1 40); do echo "plain line $i of a short message"; done
} > "$M/plain"
{
	printf 'From: <%s>\nSubject: 8bit\nMIME-Version: 1.0\n' "$SENDER"
	printf 'Content-Type: text/plain; charset=utf-8\n'
	printf 'Content-Transfer-Encoding: 8bit\n\n'
	printf 'Gr\303\274\303\237e aus K\303\266ln, \342\202\254 und more.\n'
} > "$M/8bit"
{
	printf 'From: <%s>\nSubject: long lines\n\n' "$SENDER"
	head -c 1500 /dev/zero | tr '\0' 'a'; echo
	head -c 3000 /dev/zero | tr '\0' 'b'; echo
	echo "after"
} > "$M/long"
{
	printf 'From: <%s>\nSubject: dots\n\n' "$SENDER"
	printf '.\n..\n...\n.leading dot\n..two leading dots\n.\n\n.\n'
} > "$M/dots"

send_file plain "$M/plain" || check "plain injected" false
send_file 8bit "$M/8bit" -B 8BITMIME || check "8bit injected" false
send_file long "$M/long" || check "long injected" false
send_file dots "$M/dots" || check "dots injected" false
check "queue settles" pf_wait_settled "$T_TIMEOUT"

for n in plain 8bit long dots; do
	SJ_CHECK_PREFIX="$n: "
	check "delivered by both agents" delivered_both "$n"
	check "SIZE= announced by both and equal (the request's size attribute)" \
	    same_size "$n"
done
SJ_CHECK_PREFIX=
check "no fatal or panic from the agents" \
    eval '! pf_log | grep -Eq "postfix/(stocksmtp/)?smtp\[[0-9]+\]: (fatal|panic):"'
world_down
sj_note "t_e2e_size: $(( $(date +%s) - SJ_START )) s"
check_summary
