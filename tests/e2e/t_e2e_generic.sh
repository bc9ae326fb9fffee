#!/bin/bash
# NAME
#	t_e2e_generic.sh - smtp_generic_maps through smtpjail and stock smtp(8)
# SUMMARY
#	tests/e2e/t_e2e_generic.sh        (as root; prints ok / not ok lines)
# DESCRIPTION
#	One private Postfix 3.7 world (tests/e2e/lib.sh) with smtpjail as the
#	smtp transport and stock smtp(8) as stocksmtp, both reading the same
#	main.cf with smtp_generic_maps set, first to a texthash: table, then
#	to the same table as proxy:hash: (postmap, served by proxymap(8)).
#	Each message is injected once with a recipient for each agent, so
#	both read the same queue file and send to one smtp-sink that dumps
#	every transaction.
#
#	Oracles: the two dumps are identical but for X-Rcpt-Args (the
#	envelope sender in X-Mail-Args included): primary address headers
#	in every form a header takes ("Name <addr>", bare, quoted phrase,
#	comments before and after, a group, a list folded past 70 bytes,
#	"@domain" and bare-user results), a MIME part header and a
#	non-address header with the same addresses (left alone), and a
#	message with nothing in the table (unchanged); the recipients went
#	out rewritten (X-Rcpt-Args) while the log keeps the original
#	address, as stock's does; the rewriting did act.
#
#	Needs the smtpjail binary; without it the suite prints
#	"# skip ..." (SJ_REQUIRE_SMTPJAIL=1: "not ok").
# SEE ALSO
#	tests/e2e/lib.sh, tests/e2e/t_e2e_checks.sh, generic(5)
set -u
. "$(dirname "$0")/lib.sh"

T_TIMEOUT=${SJ_E2E_SETTLE:-120}
SENDER=s@sender.test

write_zone() {	# file
	cat > "$1" <<'EOF'
mx-host=j.test,mx.sink.test,10
mx-host=s.test,mx.sink.test,10
host-record=mx.sink.test,127.0.0.3
mx-host=sender.test,mx.sender.test,10
host-record=mx.sender.test,127.0.0.7
EOF
}

declare -A MID
dump_has() {	# name domain regex
	local d
	d=$(sj_dump_of "$1" "$2") || return 1
	grep -aqE -- "$3" "$d"
}

sent_both() {	# name
	local q
	q=$(pf_qid "${MID[$1]}") || { echo "# no queue id for $1"; return 1; }
	pf_status_line "$q" "u@j.test" | grep -q 'postfix/smtp\[.*status=sent ' &&
	    pf_status_line "$q" "u@s.test" |
	    grep -q 'postfix/stocksmtp/smtp\[.*status=sent ' && return 0
	grep -F " $q: to=" "$W_DIR/log/maillog" | sed 's/^/#   /'
	return 1
}

mk_table() {	# file
	cat > "$1" <<'EOF'
# envelope
u@j.test		ru@j.test
u@s.test		ru@s.test
s@sender.test		public@sender.test
# headers
joe@int.test		Joe.Public@ext.test
bob@int.test		bob
@corp.int.test		@corp.test
EOF
}

mk_messages() {	# dir
	local d=$1
	{
		printf 'From: Joe User <joe@int.test>\n'
		printf 'Sender: joe@int.test (Joe)\n'
		printf 'Reply-To: "Joe, the user" <joe@int.test>, other@elsewhere.test\n'
		printf 'To: u@j.test, friends: bob@int.test, x@corp.int.test;\n'
		printf 'Cc: (lead) joe@int.test, aaaaaaaaaaaaaaaaaaaaaa@corp.int.test,\n'
		printf '\tbbbbbbbbbbbbbbbbbbbbbbbbbbbb@corp.int.test, c@elsewhere.test\n'
		printf 'Resent-From: <joe@int.test>\n'
		printf 'X-Not-Address: joe@int.test\n'
		printf 'Subject: generic maps\n'
		printf 'MIME-Version: 1.0\n'
		printf 'Content-Type: multipart/mixed; boundary="b1"\n\n'
		printf 'preamble\n--b1\nFrom: joe@int.test\n'
		printf 'Content-Type: text/plain\n\nbody joe@int.test\n'
		printf '.a dot line\n--b1--\nepilogue\n'
	} > "$d/generic"
	{
		printf 'From: Nobody <nobody@elsewhere.test>\n'
		printf 'To: u@j.test,   other@elsewhere.test\n'
		printf 'Subject: nothing to rewrite\n\nbody\n'
	} > "$d/plain"
}

run_round() {	# label
	local p=$1
	sj_send_file "$p-generic" "$M/generic" -- u@j.test u@s.test
	sj_send_file "$p-plain" "$M/plain" -- u@j.test u@s.test
	check "$p: queue settles" pf_wait_settled "$T_TIMEOUT"
	check "$p: sent once by each agent" sent_both "$p-generic"
	check "$p: smtpjail's transaction equals stock's (but X-Rcpt-Args)" \
	    sj_same_dumps "$p-generic"
	check "$p: recipients rewritten in the envelope" \
	    eval 'dump_has $p-generic j.test "^X-Rcpt-Args: <ru@j.test>" &&
	        dump_has $p-generic s.test "^X-Rcpt-Args: <ru@s.test>"'
	check "$p: sender rewritten in the envelope" \
	    dump_has "$p-generic" j.test '^X-Mail-Args: <public@sender.test>'
	check "$p: header addresses rewritten" \
	    eval 'dump_has $p-generic j.test "^From: Joe User <Joe.Public@ext.test>$" &&
	        dump_has $p-generic j.test "^Sender: Joe.Public@ext.test \(Joe\)$"'
	check "$p: group, @domain and bare-user results, comment, folding" \
	    eval 'dump_has $p-generic j.test "^To: ru@j.test, friends: bob@$W_MYHOST, x@corp.test;$" &&
	        dump_has $p-generic j.test "^Cc: Joe.Public@ext.test \(lead\), a{22}@corp.test,$" &&
	        dump_has $p-generic j.test "^	b{28}@corp.test, c@elsewhere.test$"'
	check "$p: MIME part and other headers left alone" \
	    eval 'dump_has $p-generic j.test "^From: joe@int.test$" &&
	        dump_has $p-generic j.test "^X-Not-Address: joe@int.test$"'
	check "$p: a message with nothing to rewrite equals stock's" \
	    sj_same_dumps "$p-plain"
}

# ------------------------------------------------------------------ main

sj_jail_world t_e2e_generic generic write_zone postfix postmap smtp-sink \
    dnsmasq ip sha256sum
printf 's.test\tstocksmtp:\n' > "$W_DIR/etc/transport"
T=$W_DIR/etc
mk_table "$T/generic"
sink_start sink 127.0.0.3 || sj_die "sink"
sink_start bounces 127.0.0.7 || sj_die "sink bounces"
M=$W_DIR/msgs
mkdir -p "$M"
mk_messages "$M"

pf_postconf "smtp_generic_maps = texthash:$T/generic" && pf_reload ||
    sj_die "configuration"
run_round texthash

pf_cmd postmap -c "$T" "hash:$T/generic" > "$W_DIR/log/postmap.out" 2>&1 ||
    { sed 's/^/# /' "$W_DIR/log/postmap.out"; sj_die "postmap"; }
pf_postconf "smtp_generic_maps = proxy:hash:$T/generic" && pf_reload ||
    sj_die "configuration (proxy)"
run_round proxy

check "nothing left in the queue" eval '[ -z "$(pf_queue_ids)" ]'
check "no fatal, panic or abnormal agent exit" \
    eval '! pf_log | grep -Eq "postfix/(stocksmtp/)?smtp\[[0-9]+\]: (fatal|panic):|postfix/master\[[0-9]+\]: warning: .*(exit status|killed by signal|throttling)"'
world_down
sj_note "t_e2e_generic: $(( $(date +%s) - SJ_START )) s"
check_summary
