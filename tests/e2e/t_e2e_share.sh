#!/bin/bash
# NAME
#	t_e2e_share.sh - idle sandboxed children shared through scache(8)
# SUMMARY
#	tests/e2e/t_e2e_share.sh        (as root; prints ok / not ok lines)
# DESCRIPTION
#	A private Postfix instance (tests/e2e/lib.sh) whose default
#	transport is a verbose smtpjail service "sharejail" with max_use 1,
#	so that every job runs in a new smtpjail process, and a receiver
#	smtpd on 127.0.0.10 (mx.share.test, the MX of d1 ... d3.share.test)
#	that discards what it accepts. Messages are parked in the hold
#	queue (a header_checks HOLD rule) and released one at a time.
#	Checks, each with the real scache(8) of the instance:
#
#	- sharing: the second message to d1 runs in another process, which
#	  borrows the child the first process made and lent (the verbose
#	  log names the child pid "new" in one process and "borrowed" in
#	  the other); a message to d2 does not get d1's child;
#	- the lender outlives its job until the child it lent has ended,
#	  then exits; no smtpjail process is left and nothing was killed;
#	- a lent child killed while in scache(8) is not used: the next job
#	  gets a new child and the message is sent;
#	- a lent child that hangs (SIGSTOP) is killed by its lender's
#	  spawner at the end of its loan, and the lender then exits;
#	- another configuration (smtp_helo_name changed, postfix reload)
#	  does not borrow a child of the old one;
#	- smtpjail_child_sharing = no: no child is lent or borrowed.
# SEE ALSO
#	tests/e2e/lib.sh, parent/child_lend.c, parent/child_pool.c
set -u
. "$(dirname "$0")/lib.sh"

T_TIMEOUT=${SJ_E2E_SETTLE:-90}
SENDER=s@sender.test
SJ_CHECK_PREFIX="share: "

write_zone() {	# file
	local d
	for d in d1 d2 d3; do
		echo "mx-host=$d.share.test,mx.share.test,10"
	done > "$1"
	echo 'host-record=mx.share.test,127.0.0.10' >> "$1"
}
sj_jail_world t_e2e_share share write_zone postfix dnsmasq ip

pf_master_add "127.0.0.10:25 inet n - n - - smtpd" \
    "  -o syslog_name=postfix/receiver" \
    "  -o myhostname=rcpt.sink.test" \
    "  -o content_filter=discard:" \
    "  -o smtpd_recipient_restrictions=permit_mynetworks,reject" \
    "sharejail unix - - y - 4 smtpjail -v" \
    "  -o syslog_name=postfix/sharejail" \
    "  -o max_use=1"
echo '/^Subject: sjshare/ HOLD' > "$W_DIR/etc/header_checks"
# A loan lasts smtp_connection_cache_time_limit, capped by scache(8)'s
# connection_cache_ttl_limit: long enough here for the next release.
pf_postconf "header_checks = regexp:$W_DIR/etc/header_checks" \
    'default_transport = sharejail' \
    'smtp_connection_cache_time_limit = 8s' \
    'connection_cache_ttl_limit = 8s' || sj_die "postconf"
pf_reload || sj_die "postfix reload failed"

J='postfix/sharejail/smtp'

# queue one message to RCPT on hold; prints its queue id (the receiver's
# copies are held too, by the same rule, but not "from local")
hold_one() {	# rcpt tag
	local msg=$W_DIR/share.msg id i
	printf '%s\n' "From: <$SENDER>" "To: <$1>" "Subject: sjshare $2" "" \
	    "message $2" > "$msg"
	pf_send "$SENDER" "$1" "$msg" > /dev/null || return 1
	for i in $(seq 1 100); do
		id=$(grep -E "postfix/cleanup\[[0-9]+\]: [0-9A-F]+: hold: header Subject: sjshare $2 from local;" \
		    "$W_DIR/log/maillog" | head -1 |
		    sed -E 's/.*: ([0-9A-F]+): hold: .*/\1/')
		[ -n "$id" ] && { echo "$id"; return 0; }
		sleep 0.1
	done
	return 1
}

# release one held message and wait until it is sent; prints the
# smtpjail process that sent it
release_sent() {	# queue-id
	local i line
	pf_cmd postsuper -c "$W_DIR/etc" -H "$1" > /dev/null 2>&1
	pf_cmd postqueue -c "$W_DIR/etc" -i "$1" > /dev/null 2>&1
	for i in $(seq 1 300); do
		line=$(grep -E "$J\[[0-9]+\]: $1: to=<.*status=sent " \
		    "$W_DIR/log/maillog" | head -1)
		if [ -n "$line" ]; then
			echo "$line" | sed -E "s|.*$J\\[([0-9]+)\\].*|\\1|"
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# the child pid a process logged for NEXTHOP with HOW (new|borrowed)
child_of() {	# offset process nexthop how
	log_since "$1" | grep -E "$J\[$2\]: sandboxed child pid [0-9]+ for $3: $4" |
	    head -1 | sed -E 's/.*child pid ([0-9]+) for.*/\1/'
}

# smtpjail processes of this world: parents, spawners and children (the
# parents take the name "smtp", so the executable is compared)
jail_procs() {
	local exe p n=0
	exe=$(readlink -f "$W_DIR/libexec/smtpjail")
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/exe" 2> /dev/null)" = "$exe" ] && n=$((n + 1))
	done
	echo "$n"
}

wait_no_jail() {	# seconds
	local i
	for i in $(seq 1 $(($1 * 10))); do
		[ "$(jail_procs)" -eq 0 ] && return 0
		sleep 0.1
	done
	return 1
}

# ------------------------------------------------------------- sharing

off=$(log_size)
q1=$(hold_one u1@d1.share.test a1) || sj_die "could not queue a1"
q2=$(hold_one u2@d1.share.test a2) || sj_die "could not queue a2"
q3=$(hold_one u3@d2.share.test a3) || sj_die "could not queue a3"
p1=$(release_sent "$q1")
check "sharing: first message to d1 sent" test -n "$p1"
p2=$(release_sent "$q2")
check "sharing: second message to d1 sent by another process" \
    eval '[ -n "$p2" ] && [ "$p2" != "$p1" ]'
c1=$(child_of "$off" "$p1" 'd1\.share\.test' new)
c2=$(child_of "$off" "$p2" 'd1\.share\.test' borrowed)
sj_note "sharing: process $p1 made child ${c1:-none}, process $p2" \
    "borrowed ${c2:-none}"
check "sharing: the second process borrowed the first one's child" \
    eval '[ -n "$c1" ] && [ "$c1" = "$c2" ]'
check "sharing: the first process lent it" \
    eval 'log_since "$off" | grep -qE "$J\[$p1\]: sandboxed child pid $c1 for d1\.share\.test lent for [0-9]+ s"'
p3=$(release_sent "$q3")
c3=$(child_of "$off" "$p3" 'd2\.share\.test' new)
check "sharing: d2 gets a child of its own" \
    eval '[ -n "$c3" ] && [ "$c3" != "$c1" ]'
check "sharing: the lender exits once its lent child has ended" \
    wait_no_jail 40
check "sharing: nothing was killed, no warning" \
    eval '! log_since "$off" | grep -E "$J\[[0-9]+\]: (warning|error|fatal|panic)"'

# ------------------------------------------------- a lent child that died

off=$(log_size)
q1=$(hold_one u4@d1.share.test b1) || sj_die "could not queue b1"
q2=$(hold_one u5@d1.share.test b2) || sj_die "could not queue b2"
p1=$(release_sent "$q1")
c1=$(child_of "$off" "$p1" 'd1\.share\.test' new)
check "dead loan: first message sent by a new child" test -n "$c1"
[ -n "$c1" ] && kill -9 "$c1" 2> /dev/null
sleep 0.5
p2=$(release_sent "$q2")
c2=$(child_of "$off" "$p2" 'd1\.share\.test' new)
check "dead loan: the next job gets a new child and is sent" \
    eval '[ -n "$p2" ] && [ -n "$c2" ] && [ "$c2" != "$c1" ]'
check "dead loan: the dead child was found in scache(8) and not used" \
    eval 'log_since "$off" | grep -qE "$J\[$p2\]: lent child pid $c1 for d1\.share\.test not used" &&
        ! log_since "$off" | grep -qE "child pid $c1 for d1\.share\.test: borrowed"'
wait_no_jail 40

# ------------------------------------------------- a lent child that hangs

# A child stopped while on loan does not see the EOF of its channel: its
# lender, exiting ($max_use 1), waits until the loan's horizon plus the
# grace (10 + 20 s after the child's start), then has it killed.
off=$(log_size)
q1=$(hold_one u10@d3.share.test h1) || sj_die "could not queue h1"
p1=$(release_sent "$q1")
c1=$(child_of "$off" "$p1" 'd3\.share\.test' new)
check "hung loan: sent by a new child" test -n "$c1"
[ -n "$c1" ] && kill -STOP "$c1" 2> /dev/null
wait_killed() {	# seconds
	local i
	for i in $(seq 1 $(($1 * 10))); do
		log_since "$off" | grep -qE "$J\[$p1\]: warning: lent child pid $c1 still running at the end of its loan: killed" &&
		    return 0
		sleep 0.1
	done
	return 1
}
check "hung loan: the lender has it killed at the end of the loan" \
    wait_killed 45
check "hung loan: then no smtpjail process is left" wait_no_jail 15

# ------------------------------------------------- another configuration

off=$(log_size)
q1=$(hold_one u6@d1.share.test c1) || sj_die "could not queue c1"
q2=$(hold_one u7@d1.share.test c2) || sj_die "could not queue c2"
p1=$(release_sent "$q1")
c1=$(child_of "$off" "$p1" 'd1\.share\.test' new)
pf_postconf 'smtp_helo_name = other.share.test' && pf_reload ||
    sj_die "postconf smtp_helo_name"
p2=$(release_sent "$q2")
c2=$(child_of "$off" "$p2" 'd1\.share\.test' new)
check "other configuration: a new child, not the old one" \
    eval '[ -n "$c1" ] && [ -n "$c2" ] && [ "$c2" != "$c1" ]'
wait_no_jail 40

# ------------------------------------------------------------ sharing off

pf_postconf 'smtpjail_child_sharing = no' && pf_reload ||
    sj_die "postconf smtpjail_child_sharing"
off=$(log_size)
q1=$(hold_one u8@d1.share.test d1) || sj_die "could not queue d1"
q2=$(hold_one u9@d1.share.test d2) || sj_die "could not queue d2"
p1=$(release_sent "$q1")
p2=$(release_sent "$q2")
check "sharing off: both messages sent" eval '[ -n "$p1" ] && [ -n "$p2" ]'
check "sharing off: nothing lent or borrowed" \
    eval '! log_since "$off" | grep -qE "$J\[[0-9]+\]: sandboxed child pid [0-9]+ for .*(: borrowed| lent for)"'
check "sharing off: each job had a new child" \
    eval '[ "$(log_since "$off" | grep -cE "$J\[[0-9]+\]: sandboxed child pid [0-9]+ for d1\.share\.test: new")" -eq 2 ]'

world_down
check_summary
