#!/bin/bash
# NAME
#	t_e2e_sasl.sh - SASL client authentication and lookup tables,
#	smtpjail against stock smtp(8) and a real Postfix smtpd with AUTH
# SUMMARY
#	tests/e2e/t_e2e_sasl.sh        (as root; prints ok / not ok lines)
# DESCRIPTION
#	A private Postfix instance (tests/e2e/lib.sh) with smtpjail as its
#	smtp transport, and on 127.0.0.11 (relay.sasl.test) a scripted
#	receiver that relays only for clients authenticated with PLAIN or
#	LOGIN (tests/e2e/auth_server.py, with Postfix smtpd's replies; a
#	Postfix smtpd with Cyrus sasldb did not find its own database in
#	the test instance). Mail to
#	jail.test goes through smtpjail, mail to stock.test through stock
#	smtp(8) (the world's "stocksmtp" transport), both to
#	[relay.sasl.test]. Checks, each for both agents with the same
#	status (dsn and text) where both run:
#
#	- a root-only texthash: password table (mode 0600): sent, and the
#	  receiver saw PLAIN with the table's username;
#	- smtp_sasl_mechanism_filter = login: the receiver sees LOGIN;
#	- a wrong password: 535 5.7.8 becomes 4.7.8 (deferred) with
#	  smtp_sasl_auth_soft_bounce = yes, 5.7.8 (bounced) with no;
#	- the default smtp_sasl_security_options (noplaintext): no
#	  mechanism available, 4.7.0, deferred; with CRAM-MD5 offered too,
#	  both authenticate with it (smtpjail's parent computes the
#	  response), and a wrong password is 4.7.8 for both;
#	- smtp_sender_dependent_authentication: the sender's own entry
#	  wins over the nexthop's;
#	- proxy:regexp:, proxy:pcre: (Debian's postfix-pcre) and
#	  proxy:texthash: tables served by the instance's proxymap(8):
#	  sent;
#	- no entry for the destination: no AUTH, the receiver refuses
#	  relaying (5.7.1) for both;
#	- after a change of the table file smtpjail restarts;
#	- the table's file changes: smtpjail logs "table ... has changed
#	  -- restarting" after the next job;
#	- root-only (mode 0600) hash:, lmdb:, cdb: files built by
#	  postmap(1): both sent as alice; a rebuilt hash: file makes
#	  smtpjail restart after the job and then use the new contents;
#	- dbm: is refused at start with the form that works.
#
#	Without the smtpjail binary the suite is skipped (sj_jail_world).
# SEE ALSO
#	tests/e2e/lib.sh, parent/sasl.c, parent/dict.c, child/smtp_auth.c
set -u
. "$(dirname "$0")/lib.sh"

T_TIMEOUT=${SJ_E2E_SETTLE:-60}
SJ_CHECK_PREFIX="sasl: "
REALM=sasl.test

write_zone() {	# file
	printf '%s\n' 'host-record=relay.sasl.test,127.0.0.11' > "$1"
}
sj_jail_world t_e2e_sasl sasl write_zone postfix dnsmasq ip

# The receiver: tests/e2e/auth_server.py (relays only after AUTH).
AUTH_LOG=$W_DIR/auth.log
printf '%s\n' "alice@$REALM:alicepw" "bob@$REALM:bobpw" > "$W_DIR/auth.users"
: > "$AUTH_LOG"
ip netns exec "$W_NS" "$SJ_PYTHON" "$SJ_E2E_DIR/auth_server.py" 127.0.0.11 25 \
    "$W_DIR/auth.users" "$AUTH_LOG" "$W_DIR/auth.mechs" \
    > "$W_DIR/auth.out" 2>&1 {SJ_OUT}>&- &
echo "$! 127.0.0.11:25" > "$W_DIR/auth.pid"
for i in $(seq 1 50); do
	grep -q '^auth_server: ' "$W_DIR/auth.out" 2>/dev/null && break
	sleep 0.1
done
grep -q '^auth_server: ' "$W_DIR/auth.out" || sj_die "auth_server did not start"
printf '%s\n' 'jail.test smtp:[relay.sasl.test]' \
    'stock.test stocksmtp:[relay.sasl.test]' > "$W_DIR/etc/transport"

PW=$W_DIR/etc/sasl_passwd
write_pw() {	# lines...
	printf '%s\n' "$@" > "$PW"
	chmod 600 "$PW"
}
write_pw "[relay.sasl.test] alice@$REALM:alicepw"
pf_postconf 'smtp_sasl_auth_enable = yes' \
    "smtp_sasl_password_maps = texthash:$PW" \
    'smtp_sasl_security_options = noanonymous' || sj_die "postconf"
pf_reload || sj_die "postfix reload failed"

# The status of RCPT's last delivery since OFFSET: "dsn=X, status=Y (Z)"
# without the relay's per-agent parts.
status_of() {	# offset rcpt
	log_since "$1" | grep -F "to=<$2>," | tail -n 1 |
	    sed -n 's/.*\(dsn=[^,]*, status=.*\)$/\1/p'
}

wait_status() {	# offset rcpt
	local i
	for i in $(seq 1 $((T_TIMEOUT * 10))); do
		[ -n "$(status_of "$1" "$2")" ] && return 0
		sleep 0.1
	done
	return 1
}

# One message to each agent; sets S_JAIL and S_STOCK.
both() {	# tag sender
	local off
	off=$(log_size)
	A_OFF=$(auth_size)
	pf_send "$2" "$1@jail.test" > /dev/null || return 1
	pf_send "$2" "$1@stock.test" > /dev/null || return 1
	wait_status "$off" "$1@jail.test" && wait_status "$off" "$1@stock.test"
	S_JAIL=$(status_of "$off" "$1@jail.test")
	S_STOCK=$(status_of "$off" "$1@stock.test")
	S_OFF=$off
	sj_note "$1: smtpjail: $S_JAIL"
	sj_note "$1: stock:    $S_STOCK"
}

same() {	# pattern: both statuses equal (but for the recipient) and match
	[ "$(echo "$S_JAIL" | sed 's/@jail\.test>/@X>/g')" = \
	    "$(echo "$S_STOCK" | sed 's/@stock\.test>/@X>/g')" ] &&
	    echo "$S_JAIL" | grep -qE -- "$1"
}

drain() {	# deferred mail must not be retried into later scenarios
	pf_cmd postsuper -c "$W_DIR/etc" -d ALL > /dev/null 2>&1
}

auth_size() {
	stat -c %s "$AUTH_LOG"
}

# AUTH outcomes the receiver logged since OFFSET that contain TEXT
auth_lines() {	# offset text
	tail -c +"$(($1 + 1))" "$AUTH_LOG" | grep -cF -- "$2"
}

# ------------------------------------------------------------- success

both ok s@sender.test || sj_die "ok: no status"
check "PLAIN with a root-only texthash table: both sent" \
    same '^dsn=2\.0\.0, status=sent '
check "the receiver saw PLAIN as alice, twice" \
    eval '[ "$(auth_lines "$A_OFF" "auth PLAIN alice@$REALM ok")" = 2 ]'
check "no warning from smtpjail" \
    eval '! log_since "$S_OFF" | grep -E "postfix/smtp\[[0-9]+\]: (warning|error|fatal)"'

pf_postconf 'smtp_sasl_mechanism_filter = login' && pf_reload
both login s@sender.test || sj_die "login: no status"
check "LOGIN (mechanism filter): both sent" same '^dsn=2\.0\.0, status=sent '
check "the receiver saw LOGIN from both" \
    eval '[ "$(auth_lines "$A_OFF" "auth LOGIN alice@$REALM ok")" = 2 ]'
pf_postconf 'smtp_sasl_mechanism_filter ='

# ------------------------------------------------------ wrong password

write_pw "[relay.sasl.test] alice@$REALM:wrong"
pf_reload
both badpw s@sender.test || sj_die "badpw: no status"
check "wrong password, soft bounce: both 4.7.8 deferred, same text" \
    same '^dsn=4\.7\.8, status=deferred \(SASL authentication failed; server relay\.sasl\.test\[127\.0\.0\.11\] said: 535 5\.7\.8 '
drain
pf_postconf 'smtp_sasl_auth_soft_bounce = no' && pf_reload
both badpw5 s@sender.test || sj_die "badpw5: no status"
check "wrong password, no soft bounce: both 5.7.8 bounced" \
    same '^dsn=5\.7\.8, status=bounced \(SASL authentication failed; server relay\.sasl\.test\[127\.0\.0\.11\] said: 535 5\.7\.8 '
pf_postconf 'smtp_sasl_auth_soft_bounce = yes'
drain

# ------------------------------------------------- noplaintext default

write_pw "[relay.sasl.test] alice@$REALM:alicepw"
pf_postconf 'smtp_sasl_security_options = noplaintext, noanonymous' &&
    pf_reload
both noplain s@sender.test || sj_die "noplain: no status"
check "noplaintext (the default) over plain text: both 4.7.0, no mechanism" \
    same '^dsn=4\.7\.0, status=deferred \(SASL authentication failed; cannot authenticate to server relay\.sasl\.test\[127\.0\.0\.11\]: no mechanism available\)'
check "the password never reached the receiver" \
    eval '[ "$(auth_lines "$A_OFF" "auth ")" = 0 ]'
drain
pf_postconf 'smtp_sasl_security_options = noanonymous'

# ------------------------------------------------------------ CRAM-MD5

# Offered, it is both agents' choice (Cyrus prefers it), also under the
# default noplaintext; smtpjail's parent computes the response.
echo "PLAIN LOGIN CRAM-MD5" > "$W_DIR/auth.mechs"
pf_postconf 'smtp_sasl_security_options = noplaintext, noanonymous' &&
    pf_reload
both cram s@sender.test || sj_die "cram: no status"
check "CRAM-MD5 under noplaintext (the parent answers): both sent" \
    same '^dsn=2\.0\.0, status=sent '
check "the receiver saw CRAM-MD5 as alice from both" \
    eval '[ "$(auth_lines "$A_OFF" "auth CRAM-MD5 alice@$REALM ok")" = 2 ]'
write_pw "[relay.sasl.test] alice@$REALM:wrong"
pf_reload
both crambad s@sender.test || sj_die "crambad: no status"
check "CRAM-MD5 with a wrong password: both 4.7.8 deferred" \
    same '^dsn=4\.7\.8, status=deferred \(SASL authentication failed; server relay\.sasl\.test\[127\.0\.0\.11\] said: 535 5\.7\.8 '
drain
rm -f "$W_DIR/auth.mechs"
pf_postconf 'smtp_sasl_security_options = noanonymous'

# ------------------------------------------------- sender-dependent

write_pw "[relay.sasl.test] alice@$REALM:alicepw" \
    "b+ext@sender.test wrong@$REALM:x" "b@sender.test bob@$REALM:bobpw"
pf_postconf 'smtp_sender_dependent_authentication = yes' \
    'recipient_delimiter = +' && pf_reload
both sender b+tag@sender.test || sj_die "sender: no status"
check "sender-dependent credentials (b+tag -> b@): both sent" \
    same '^dsn=2\.0\.0, status=sent '
check "the receiver saw bob for both" \
    eval '[ "$(auth_lines "$A_OFF" "auth PLAIN bob@$REALM ok")" = 2 ]'
both nexthop other@sender.test || sj_die "nexthop: no status"
check "another sender falls back to the nexthop entry: alice" \
    eval 'same "^dsn=2\\.0\\.0, status=sent " &&
        [ "$(auth_lines "$A_OFF" "auth PLAIN alice@$REALM ok")" = 2 ]'
pf_postconf 'smtp_sender_dependent_authentication = no' \
    'recipient_delimiter ='

# ------------------------------------------------------------ proxymap

printf '%s\n' "/^\\[relay\\.sasl\\.test\\]\$/ alice@$REALM:alicepw" \
    > "$W_DIR/etc/sasl_re"
pf_postconf "smtp_sasl_password_maps = proxy:regexp:$W_DIR/etc/sasl_re" &&
    pf_reload
both proxy s@sender.test || sj_die "proxy: no status"
check "proxy:regexp: through proxymap(8): both sent" \
    same '^dsn=2\.0\.0, status=sent '
check "the receiver saw alice for both" \
    eval '[ "$(auth_lines "$A_OFF" "auth PLAIN alice@$REALM ok")" = 2 ]'

# pcre_table(5): case-insensitive by default, a non-capturing group.
printf '%s\n' "/^\\[RELAY\\.sasl\\.(?:test)\\]\$/ alice@$REALM:alicepw" \
    > "$W_DIR/etc/sasl_pcre"
pf_postconf "smtp_sasl_password_maps = proxy:pcre:$W_DIR/etc/sasl_pcre" &&
    pf_reload
both proxypcre s@sender.test || sj_die "proxy:pcre: no status"
check "proxy:pcre: through proxymap(8): both sent" \
    same '^dsn=2\.0\.0, status=sent '
check "the receiver saw alice for both (proxy:pcre:)" \
    eval '[ "$(auth_lines "$A_OFF" "auth PLAIN alice@$REALM ok")" = 2 ]'

printf '%s\n' "[relay.sasl.test] alice@$REALM:alicepw" > "$W_DIR/etc/sasl_pt"
chmod 644 "$W_DIR/etc/sasl_pt"
pf_postconf "smtp_sasl_password_maps = proxy:texthash:$W_DIR/etc/sasl_pt" &&
    pf_reload
both proxyth s@sender.test || sj_die "proxyth: no status"
check "proxy:texthash: through proxymap(8): both sent" \
    same '^dsn=2\.0\.0, status=sent '

# --------------------------------------------------------- no entry

write_pw "[other.sasl.test] alice@$REALM:alicepw"
pf_postconf "smtp_sasl_password_maps = texthash:$PW" && pf_reload
both noentry s@sender.test || sj_die "noentry: no status"
check "no entry for the nexthop: no AUTH, the receiver refuses relaying" \
    same '^dsn=5\.7\.1, status=bounced \(host relay\.sasl\.test\[127\.0\.0\.11\] said: 554 5\.7\.1 <noentry@jail\.test>: Relay access denied '
drain

# ------------------------------------------------- table has changed

write_pw "[relay.sasl.test] alice@$REALM:alicepw"
pf_reload
both before s@sender.test || sj_die "before: no status"
sleep 1
write_pw "[relay.sasl.test] alice@$REALM:alicepw" "# edited"
off=$(log_size)
pf_send s@sender.test after@jail.test > /dev/null
wait_status "$off" after@jail.test
check "after an edit of the table: sent, then 'table ... has changed -- restarting'" \
    eval '[ "$(status_of "$off" after@jail.test | cut -c1-23)" = "dsn=2.0.0, status=sent " ] &&
        for i in $(seq 1 50); do
            log_since "$off" | grep -qE "postfix/smtp\[[0-9]+\]: table texthash:$PW has changed -- restarting" && break
            sleep 0.1
        done &&
        log_since "$off" | grep -qE "postfix/smtp\[[0-9]+\]: table texthash:$PW has changed -- restarting"'

# --------------------------------------- hash:, lmdb:, cdb: (postmap)

# Built with Debian's postmap(1) and made root-only: smtpjail's parent
# opens them as root before it drops privileges, as smtp(8) does.
for type in hash lmdb cdb; do
	case $type in hash) sfx=db ;; *) sfx=$type ;; esac
	write_pw "[relay.sasl.test] alice@$REALM:alicepw"
	pf_cmd postmap -c "$W_DIR/etc" "$type:$PW" || sj_die "postmap $type"
	chmod 600 "$PW.$sfx"
	pf_postconf "smtp_sasl_password_maps = $type:$PW" && pf_reload
	both "db$type" s@sender.test || sj_die "db$type: no status"
	check "$type: a root-only $PW.$sfx (mode $(stat -c %a "$PW.$sfx")): both sent" \
	    eval '[ "$(stat -c %a "$PW.$sfx")" = 600 ] && same "^dsn=2\.0\.0, status=sent "'
	check "$type: the receiver saw PLAIN as alice from both" \
	    eval '[ "$(auth_lines "$A_OFF" "auth PLAIN alice@$REALM ok")" = 2 ]'
	check "$type: no warning from smtpjail" \
	    eval '! log_since "$S_OFF" | grep -E "postfix/smtp\[[0-9]+\]: (warning|error|fatal)"'
done

# A rebuilt hash: file: Postfix's "table has changed", then the new
# contents (a wrong password) for both agents.
pf_postconf "smtp_sasl_password_maps = hash:$PW" && pf_reload
both hbefore s@sender.test || sj_die "hbefore: no status"
sleep 1
write_pw "[relay.sasl.test] alice@$REALM:wrong"
pf_cmd postmap -c "$W_DIR/etc" "hash:$PW" && chmod 600 "$PW.db"
off=$(log_size)
pf_send s@sender.test hafter@jail.test > /dev/null
wait_status "$off" hafter@jail.test
check "after postmap of the hash: table: 'table hash:... has changed -- restarting'" \
    eval 'for i in $(seq 1 50); do
            log_since "$off" | grep -qE "postfix/smtp\[[0-9]+\]: table hash:$PW has changed -- restarting" && break
            sleep 0.1
        done &&
        log_since "$off" | grep -qE "postfix/smtp\[[0-9]+\]: table hash:$PW has changed -- restarting"'
drain
both hnew s@sender.test || sj_die "hnew: no status"
check "the new hash: contents (wrong password): both 4.7.8 deferred" \
    same '^dsn=4\.7\.8, status=deferred \(SASL authentication failed; server relay\.sasl\.test\[127\.0\.0\.11\] said: 535 5\.7\.8 '
drain

# ------------------------------------------------------- dbm: refused

off=$(log_size)
pf_postconf "smtp_sasl_password_maps = dbm:$PW" && pf_reload
pf_send s@sender.test refused@jail.test > /dev/null
check "dbm: refused at start with the form that works" \
    eval 'for i in $(seq 1 100); do
            log_since "$off" | grep -qF "fatal: smtp_sasl_password_maps: table type \"dbm:\" is not supported by smtpjail; use texthash:$PW" && break
            sleep 0.1
        done
        log_since "$off" | grep -qF "fatal: smtp_sasl_password_maps: table type \"dbm:\" is not supported by smtpjail; use texthash:$PW"'
check "and the mail stays queued" pf_in_queue "$(pf_qid "$(tail -n 1 "$W_DIR/sent.list" | cut -d" " -f1)")"

sj_stop_pidfile "$W_DIR/auth.pid"
world_down
check_summary
