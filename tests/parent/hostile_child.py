#!/usr/bin/env python3
"""
NAME
	hostile_child.py - the real parent against a scripted hostile child
SUMMARY
	tests/parent/hostile_child.py AUX_HOSTILE_SMTPJAIL
DESCRIPTION
	Drives build/tests/parent/aux_hostile_smtpjail (the real parent,
	whose child plays a script of raw IPC datagrams, see
	tests/parent/hostile_child.c) with the fake qmgr, bounce/defer/trace
	and postlog of fake_postfix.py. Each scenario of the table at the end
	makes the child break the IPC protocol in one way after it received
	a job, and checks: the reply to qmgr is DEFER (never FINAL with a
	recipient unaccounted for), every recipient in flight went to the
	defer service with 4.3.0, the queue file bytes are unchanged except
	for recipients legitimately marked, the log says why the child's word
	was refused and that the child was stopped, the parent goes on (-S
	exits 0 after its one request; in master mode the parent is still
	alive after the connection and, where a scenario sends a second
	request, serves it with a fresh child), no sanitizer report, and no
	process of the parent, spawner or children is left at the end. A control
	scenario (a child that behaves) proves the encoder below speaks the
	parent's protocol, so the refusals are the parent's doing.
	Prints "ok - name" / "not ok - name" lines. SJ_DEBUG_SCRIPT=1 also
	prints each scenario's script and, for a failure, the whole log.
SECURITY
	Test code; runs as root (the sandbox is built as master(8) would).
SEE ALSO
	tests/parent/t_hostile_child.sh, tests/parent/fake_postfix.py,
	ipc/ipc_msg.c (field lists), ipc/ipc_msg_codec.c (wire format),
	include/ipc_msg.h
"""
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fake_postfix as fp  # noqa: E402

TOP = os.path.normpath(os.path.join(os.path.dirname(
    os.path.abspath(__file__)), "..", ".."))

# --------------------------------------------------------- IPC encoder


def ipc_header_facts():
	"""IPC_VERSION and the type numbers, read from include/ipc_msg.h so
	a renumbering there does not silently break these scripts."""
	with open(os.path.join(TOP, "include", "ipc_msg.h")) as f:
		text = f.read()
	version = int(re.search(r"#define\s+IPC_VERSION\s+(\d+)",
	    text).group(1))
	body = re.search(r"enum ipc_type \{(.*?)\};", text, re.S).group(1)
	types, n = {}, 0
	for m in re.finditer(r"IPC_T_(\w+)\s*(?:=\s*(\d+))?\s*,", body):
		if m.group(2) is not None:
			n = int(m.group(2))
		types[m.group(1)] = n
		n += 1
	return version, types


VERSION, T = ipc_header_facts()
JOB = object()		# the job id the child received, as LE u32


def u32(v):
	return [JOB] if v is JOB else [struct.pack("<I", v)]


def u64(v):
	return [struct.pack("<Q", v)]


def s16(v, length=None):
	"""A string field: u16 length (or a forged one) and the bytes."""
	if isinstance(v, str):
		v = v.encode("latin-1")
	return [struct.pack("<H", len(v) if length is None else length), v]


def frame(type_, parts, version=None, blen=None):
	"""Header + body; returns the script tokens for "send"."""
	size = sum(4 if p is JOB else len(p) for p in parts)
	hdr = struct.pack("<HHI", VERSION if version is None else version,
	    type_, size if blen is None else blen)
	out = [hdr.hex()]
	for p in parts:
		out.append("JOB" if p is JOB else p.hex())
	return " ".join(x for x in out if x)


def result(type_name="RCPT_RESULT", job=JOB, index=0, code=250, flags=0,
    status="2.0.0", relay="mx.test[192.0.2.1]:25", mta="mx.test",
    diag="250 2.0.0 ok", reason="250 2.0.0 ok", **kw):
	"""RCPT_RESULT/SITE_RESULT body (ipc_msg.c IPC_F_RESULT order)."""
	parts = u32(job) + u32(index) + u32(code) + u32(flags)
	for f, v in (("status", status), ("relay", relay), ("mta_name", mta),
	    ("diag_text", diag), ("reason", reason)):
		parts += s16(v, kw.get(f + "_len"))
	# reuse_count and the MSG_STATS stamps (0: not reached)
	parts += u32(kw.get("reuse", 0)) + u64(0) + u32(0) + u64(0) + u32(0)
	return frame(T[type_name], parts + [kw.get("extra", b"")])


def done(job=JOB, extra=b""):
	now = int(time.time())
	return frame(T["DONE"], u32(job) + u32(0) + u64(now) + u32(0) +
	    u64(now) + u32(0) + [extra])


def sign_req(job=JOB, alg=3, md=3, digest="ab" * 32):
	"""SIGN_REQ body (ipc_msg.c IPC_F_SIGN_REQ order): ECDSA, SHA-256."""
	return frame(T["SIGN_REQ"], u32(job) + u32(alg) + u32(md) +
	    s16(digest))


def sasl_req(dest, host="127.0.0.1", job=JOB, kind=0, challenge=""):
	"""SASL_REQ body (ipc_msg.c IPC_F_SASL_REQ order); kind 0 password,
	1 username only, 2 CRAM-MD5 response."""
	return frame(T["SASL_REQ"], u32(job) + u32(kind) + s16(dest) +
	    s16(host) + s16(challenge))


def log(text, level=1):
	return frame(T["LOG"], u32(level) + s16(text))


def transcript(job=JOB, classes=1, peer="mx.test[192.0.2.1]:25",
    text="Out: EHLO x\nIn:  500 no"):
	"""TRANSCRIPT body (ipc_msg.c IPC_F_TRANSCRIPT order)."""
	return frame(T["TRANSCRIPT"], u32(job) + u32(classes) + u32(0) +
	    u32(0) + s16(peer) + s16(text))


def check_log(content, text, job=JOB, kind=1, action=0, where=1, cls=3):
	"""CHECK_LOG body (ipc_msg.c IPC_F_CHECK_LOG): kind 1 an action
	line, action 0 warning, where 1 body, class 3 smtp_body_checks."""
	return frame(T["CHECK_LOG"], u32(job) + u32(kind) + u32(action) +
	    u32(where) + u32(cls) + s16(content) + s16(text))


# A regexp: table for smtp_body_checks (the parent reads it at start);
# its one rule comes as a CHECK message after CONFIG.
BODY_CHECKS = os.path.join(TOP, "tests", "fixtures", "body_checks.regexp")
CHECKS_ARGS = ["-o", "smtp_body_checks=regexp:" + BODY_CHECKS]


def connect(addr, port, purpose=3, job=JOB):
	"""CONNECT body (ipc_msg.c IPC_F_CONNECT): purpose 1 DNS UDP,
	2 DNS TCP, 3 SMTP."""
	return frame(T["CONNECT"], u32(job) + u32(purpose) + u32(port) +
	    s16(addr))


def ehlo_note(mask, job=JOB):
	"""EHLO_NOTE body (ipc_msg.c IPC_F_EHLO_NOTE): job, EHLO mask."""
	return frame(T["EHLO_NOTE"], u32(job) + u32(mask))


def dnssec_probe(result, job=JOB):
	"""DNSSEC_PROBE body (ipc_msg.c IPC_F_DNSSEC_PROBE): job, class
	(0 validated, 1 not validated, 2 try again, 3 fail, 4 available)."""
	return frame(T["DNSSEC_PROBE"], u32(job) + u32(result))


def ready(version=None):
	return frame(T["READY"], u32(VERSION if version is None else
	    version))


PROLOGUE = ["send " + ready(), "recv", "job"]	# READY, CONFIG, the job
CHECKS_PROLOGUE = ["send " + ready(), "recv", "recv", "job"]	# and CHECK

# ------------------------------------------------------------ helpers


def leftovers(script_path):
	"""Processes whose environment names this scenario's script: a
	parent or child of the pair that is still alive."""
	key = ("SJ_HOSTILE_SCRIPT=%s" % script_path).encode()
	pids = []
	for d in os.listdir("/proc"):
		if not d.isdigit():
			continue
		try:
			with open("/proc/%s/environ" % d, "rb") as f:
				env = f.read().split(b"\0")
			with open("/proc/%s/stat" % d) as f:
				state = f.read().rsplit(")", 1)[1].split()[0]
		except OSError:
			continue
		if key in env and state != "Z":
			pids.append(int(d))
	return pids


def wait_gone(script_path):
	deadline = time.time() + fp.TIMEOUT
	while time.time() < deadline:
		left = leftovers(script_path)
		if not left:
			return []
		time.sleep(0.05)
	return leftovers(script_path)


def run_master_mode(env, raw, extra_args=(), requests=1):
	"""The parent as master(8) starts it (status pipe on fd 5, a listen
	socket on fd 6), 'requests' qmgr connections one after the other;
	returns a Run whose reply is the last one's, 'alive' whether the
	parent still ran a moment after the last connection, and rc its
	exit status once the status pipe is closed (master going away)."""
	r = fp.Run()
	r.greeting = r.reply = r.error = None
	path = os.path.join(env.tmp, "smtp.%d" % os.getpid())
	if os.path.exists(path):
		os.unlink(path)
	lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
	lsock.bind(path)
	lsock.listen(4)
	lsock.setblocking(False)
	st_r, st_w = os.pipe()
	errf = open(os.path.join(env.tmp, "stderr"), "w+b")
	e = dict(os.environ, MAIL_CONFIG=env.etc, LANG="C")
	lfd = lsock.fileno()

	def fds():
		os.dup2(st_w, 5)
		os.dup2(lfd, 6)
		os.set_inheritable(5, True)
		os.set_inheritable(6, True)
	# Python's own descriptors are close-on-exec (PEP 446): only 0-2
	# and the two dup2()ed in fds() reach smtpjail.
	p = subprocess.Popen([env.binary, "-n", "smtp", "-t", "unix", "-u",
	    "-l", "-s", "1"] + list(extra_args), stdin=subprocess.DEVNULL,
	    stdout=subprocess.DEVNULL, stderr=errf, cwd=env.q, env=e,
	    preexec_fn=fds, close_fds=False)
	os.close(st_w)
	r.pid = p.pid
	for _ in range(requests):
		r.greeting = r.reply = None
		c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
		try:
			c.connect(path)
			rd = fp.Reader(c)
			r.greeting = rd.read_exact(36)
			c.sendall(raw)
			r.reply = rd.read_list(fp.TIMEOUT + 20)
		except (OSError, EOFError, TimeoutError) as ex:
			r.error = "%s: %s" % (type(ex).__name__, ex)
		c.close()		# qmgr closes first (deliver_request.c)
	# Time for an idle child's unsolicited message to be seen.
	time.sleep(1.0)
	r.alive = p.poll() is None
	os.close(st_r)			# master(8) went away
	try:
		r.rc = p.wait(fp.TIMEOUT + 20)
	except subprocess.TimeoutExpired:
		p.kill()
		r.rc = p.wait()
		r.error = (r.error or "") + " smtpjail did not exit"
	lsock.close()
	os.unlink(path)
	errf.seek(0)
	r.stderr = errf.read().decode("latin-1")
	errf.close()
	return r

# ----------------------------------------------------------- scenarios


def generic_req(address, job=JOB):
	"""GENERIC_REQ body (ipc_msg.c IPC_F_GENERIC_REQ order)."""
	return frame(T["GENERIC_REQ"], u32(job) + s16(address))


GENERIC_ARGS = ["-o", "smtp_generic_maps=inline:{ joe@int.test="
    "joe@ext.test }"]
GENERIC_FLOOD = 4096	# SJ_GENERIC_REQ_MAX


def scenario(env, sc, idx):
	ck = fp.Check()
	qid = "PH%04d" % idx
	rcpts = sc.get("rcpts", ["bob@remote.test"])
	data, data_off, size, roffs = fp.build_qfile(rcpts)
	path = env.write_qfile(qid, data)
	for s in env.svc.values():
		s.set_mode("ok")
	common, rl = fp.request(qid, data_off, size, "[127.0.0.1]:%d" %
	    env.dead_port, rcpts, roffs)
	raw = fp.attr_list(common) + b"".join(fp.attr_list(x) for x in rl)

	script = os.path.join(env.tmp, "script.%d.%d" % (os.getpid(), idx))
	body = sc["script"](qid) if callable(sc["script"]) else sc["script"]
	lines = sc.get("prologue", PROLOGUE) + body
	os.environ["SJ_HOSTILE_SCRIPT"] = script
	args = list(sc.get("args", ()))
	if sc.get("sasl"):
		# A password table with the job's nexthop and another
		# destination: only the job's own may be released.
		args += ["-o", "smtp_sasl_auth_enable=yes", "-o",
		    "smtp_sasl_password_maps=inline:{ {[127.0.0.1]:%d = "
		    "u:jobsecret}, {[other.test]:587 = o:othersecret}, "
		    "{other.test = o:othersecret} }" % env.dead_port]
	own = "[127.0.0.1]:%d" % env.dead_port
	subst = {
		"SEND_SASL_OWN": "send " + sasl_req(own),
		"SEND_SASL_USER": "send " + sasl_req(own, kind=1),
		"SEND_SASL_CRAM": "send " + sasl_req(own, kind=2,
		    challenge="PDEyMzRAeC50ZXN0Pg=="),
		"SEND_CONNECT_OWN": "send " + connect("127.0.0.1",
		    env.dead_port),
	}
	lines = [subst.get(ln, ln) for ln in lines]
	with open(script, "w") as f:
		f.write("\n".join(lines) + "\n")
	if os.environ.get("SJ_DEBUG_SCRIPT"):
		print("\n".join("# " + ln for ln in lines))
	env.log.take()
	try:
		if sc.get("master"):
			r = run_master_mode(env, raw, args,
			    sc.get("requests", 1))
		else:
			r = fp.run_smtpjail(env, raw, None, args)
	finally:
		del os.environ["SJ_HOSTILE_SCRIPT"]
	left = wait_gone(script)
	lingered = []
	if sc.get("lingers") and left:
		# The parent ($mail_owner) cannot signal the sandbox user:
		# the sleeping child outlives it (SECURITY.md). Clean up.
		for pid in left:
			os.kill(pid, signal.SIGKILL)
		lingered, left = left, wait_gone(script)
	log = env.log.take()
	logtxt = "\n".join(log)
	want = sc.get("want", "DEFER")
	marked = sc.get("marked", [])

	if want == "NONE":
		# The child broke the protocol before the parent could serve.
		ck.want(r.greeting is None or r.reply is None,
		    "parent served qmgr: greeting %r reply %r" % (r.greeting,
		    r.reply))
	elif ck.want(r.reply is not None and len(r.reply) == 8,
	    "no reply (%s; stderr %s)" % (r.error, r.stderr.strip()[-300:])):
		got = r.reply[7][1]
		ck.want(got == (fp.FINAL if want == "FINAL" else fp.DEFER),
		    "reply status %s, want %s" % (got, want))
		if got == fp.FINAL:
			ck.want(len(marked) == len(rcpts), "FINAL with %d of %d "
			    "recipients marked" % (len(marked), len(rcpts)))
	ck.want(r.rc == sc.get("rc", 0), "exit status %s, want %s" %
	    (r.rc, sc.get("rc", 0)))
	if sc.get("master"):
		# A broken child ends its own job, not the parent.
		ck.want(r.alive == sc.get("alive", True), "parent alive after "
		    "the connection: %s, want %s" % (r.alive,
		    sc.get("alive", True)))
	ck.want(not left, "processes of the pair still alive: %r" % left)
	for bad in ("runtime error", "Sanitizer", "panic:", "hostile child:"):
		ck.want(bad not in r.stderr and bad not in logtxt,
		    "%r reported: %s" % (bad, (r.stderr + logtxt)[-400:]))

	exp = bytearray(data)
	for i in marked:
		exp[roffs[i]] = ord("D")
	with open(path, "rb") as f:
		now = f.read()
	ck.want(now == bytes(exp), "queue file changed: differs at %r "
	    "(R offsets %r, want D at %r)" % ([i for i in range(min(len(now),
	    len(exp))) if now[i] != exp[i]][:8], roffs,
	    [roffs[i] for i in marked]))
	ck.want(os.stat(path).st_mode & 0o7777 == 0o700, "queue file mode "
	    "%o" % (os.stat(path).st_mode & 0o7777))

	# Recipients in flight: each deferred 4.3.0 exactly once, nothing
	# bounced or traced on the child's word.
	deferred = [dict(x) for x in env.svc["defer"].received()]
	want_def = sc.get("deferred", [] if want in ("FINAL", "NONE") else
	    list(range(len(rcpts))))
	ck.want(sorted(d.get("recipient") for d in deferred) ==
	    sorted(rcpts[i] for i in want_def), "defer APPENDs for %r, want "
	    "%r" % ([d.get("recipient") for d in deferred],
	    [rcpts[i] for i in want_def]))
	for d in deferred:
		ck.want(d.get("status") == "4.3.0" and d.get("reason") ==
		    "mail delivery agent (sandboxed child) failed",
		    "defer APPEND %r" % d)
		ck.want(d.get("offset") == str(roffs[rcpts.index(
		    d.get("recipient"))]), "defer APPEND offset %r" % d)
	bounced = [dict(x) for x in env.svc["bounce"].received()]
	ck.want(sorted(d.get("recipient") for d in bounced) ==
	    sorted(rcpts[i] for i in sc.get("bounced", [])), "bounce APPENDs "
	    "for %r, want %r" % ([d.get("recipient") for d in bounced],
	    [rcpts[i] for i in sc.get("bounced", [])]))
	for d in bounced:
		ck.want(d.get("status") == "5.1.3" and d.get("reason") ==
		    "recipient address too long", "bounce APPEND %r" %
		    dict((k, v[:80]) for k, v in d.items()))
	ck.want(env.svc["trace"].received() == [], "trace got %r" %
	    env.svc["trace"].received())

	for pat in sc["log"]:
		ck.want(pat in logtxt, "log lacks %r; log: %r" % (pat, log[-6:]))
	for pat in sc.get("absent", []):
		rx = re.compile(pat.replace("QID", qid))
		bad = [ln for ln in log if rx.search(ln)]
		ck.want(not bad, "log has %r: %r" % (pat, bad[:2]))
	if "max_lines" in sc:
		text, most = sc["max_lines"]
		n = sum(1 for ln in log if text in ln)
		ck.want(0 < n <= most, "%d lines with %r logged, want 1..%d" %
		    (n, text, most))
	if want == "DEFER" and not marked:
		ck.want("sandboxed child failed, deferring all %d recipients" %
		    len(rcpts) in logtxt, "no 'deferring all' warning")
	if want == "DEFER":
		ck.want("sandboxed child stopped" in logtxt,
		    "no 'sandboxed child stopped' warning")
	if "max_child_lines" in sc:
		n = sum(1 for ln in log if "flood line" in ln)
		ck.want(0 < n <= sc["max_child_lines"], "%d child LOG lines "
		    "logged, want 1..%d" % (n, sc["max_child_lines"]))
	if ck.problems:
		ck.problems.append("log: %r" % log[-8:])
		if os.environ.get("SJ_DEBUG_SCRIPT"):
			ck.problems.append("full log: %r" % log)
	os.unlink(path)
	os.unlink(script)
	return ck.problems


TWO = ["bob@remote.test", "carol@remote.test"]
FAILED = "sandboxed child failed, deferring all"
SENT0 = "send " + result(index=0)

SCENARIOS = [
	# The control: proves the encoder above matches the parent's codec.
	dict(name="control: a child that behaves gets FINAL, both marked",
	    rcpts=TWO, script=[SENT0, "send " + result(index=1),
	    "send " + done()], want="FINAL", marked=[0, 1], rc=0,
	    log=["status=sent"]),
	dict(name="control: master mode, a child that behaves: FINAL, "
	    "marked, parent exits at max_use", master=True,
	    args=["-o", "max_use=1"], script=[SENT0, "send " + done()],
	    want="FINAL", marked=[0], rc=0, alive=False, log=["status=sent"]),

	# Each result is logged with the session stamps it carries (issue
	# 12): the second recipient's session was a reused connection.
	dict(name="control: each recipient logged with its own session's "
	    "conn_use", rcpts=TWO, script=[SENT0,
	    "send " + result(index=1, reuse=2), "send " + done()],
	    want="FINAL", marked=[0, 1], rc=0,
	    log=["to=<carol@remote.test>, relay=mx.test[192.0.2.1]:25, "
	    "conn_use=3, delay="],
	    absent=[r"to=<bob@remote\.test>, .*conn_use="]),

	# An address over smtpjail's IPC limit (issue 12): that recipient
	# alone is bounced (5.1.3), as a server would refuse it; the child
	# gets the others, numbered from 0.
	dict(name="a recipient address over the limit: it alone is bounced, "
	    "the other goes to the child",
	    rcpts=["x" * 1100 + "@remote.test", "bob@remote.test"],
	    script=[SENT0, "send " + done()], want="FINAL", marked=[0, 1],
	    bounced=[0], rc=0, log=["recipient 0: address longer than "
	    "smtpjail's limit of 1024 bytes", "to=<bob@remote.test>, "
	    "relay=mx.test[192.0.2.1]:25"]),
	dict(name="every recipient over the limit: all bounced, the child "
	    "hears of no job", rcpts=["y" * 1100 + "@remote.test"],
	    prologue=["send " + ready(), "recv"], script=[], want="FINAL",
	    marked=[0], bounced=[0], rc=0,
	    log=["recipient 0: address longer than smtpjail's limit"]),

	# Egress (finding 2): the parent opens no connection the policy
	# refuses; a refusal is logged and answered, the job goes on.
	dict(name="CONNECT to 169.254.169.254:80 (not the job's port): "
	    "refused, logged, answered", script=["send " + connect(
	    "169.254.169.254", 80), "recv", SENT0, "send " + done()],
	    want="FINAL", marked=[0], rc=0,
	    log=["sandboxed child's connection request refused: SMTP to "
	    "169.254.169.254:80: port 80 is not a port of this delivery's "
	    "destinations", "status=sent"]),
	dict(name="CONNECT to 127.0.0.1:25 (not the job's port): refused",
	    script=["send " + connect("127.0.0.1", 25), "recv", SENT0,
	    "send " + done()], want="FINAL", marked=[0], rc=0,
	    log=["refused: SMTP to 127.0.0.1:25: port 25 is not a port"]),
	dict(name="DNS to 127.0.0.1:514 (no name server there): refused",
	    script=["send " + connect("127.0.0.1", 514, purpose=1), "recv",
	    SENT0, "send " + done()], want="FINAL", marked=[0], rc=0,
	    log=["refused: DNS UDP to 127.0.0.1:514: not a configured name "
	    "server"]),
	dict(name="CONNECT for another job: protocol violation",
	    script=["send " + connect("192.0.2.1", 25, job=57005)],
	    log=[FAILED, "CONNECT for job 57005, expected job 1"]),
	dict(name="CONNECT to a name: decoder refuses",
	    script=["send " + connect("mx.evil.test", 25)],
	    log=[FAILED, "CONNECT: field addr: \"mx.evil.test\" is not a "
	    "numeric"]),

	# Recipient indexes.
	dict(name="2xx for recipient 1 of 1 (never sent): refused",
	    script=["send " + result(index=1), "send " + done()],
	    log=[FAILED, "RCPT_RESULT for recipient 1 of 1"]),
	# A result is acted on when it arrives (smtp(8) marks at the reply):
	# a violation after it defers only the recipients without one.
	dict(name="2xx for recipient 5 of 2 after a valid one: the valid one "
	    "stands, the other is deferred", rcpts=TWO, script=[SENT0,
	    "send " + result(index=5), "send " + done()], marked=[0],
	    deferred=[1], log=["RCPT_RESULT for recipient 5 of 2",
	    "after reporting 1 of 2 recipients, deferring the other 1"]),
	dict(name="recipient index 10000 (past SJ_RCPT_MAX): decoder refuses",
	    script=["send " + result(index=10000)],
	    log=["RCPT_RESULT: field index: 10000 out of range"]),
	dict(name="recipient index 4294967295: decoder refuses",
	    script=["send " + result(index=0xffffffff)],
	    log=["field index: 4294967295 out of range"]),
	dict(name="repeated recipient index: refused, the first one stands "
	    "and is marked once", rcpts=TWO, script=[SENT0, SENT0,
	    "send " + result(index=1), "send " + done()], marked=[0],
	    deferred=[1], log=["second RCPT_RESULT for recipient 0"]),
	dict(name="DONE with a recipient unreported: refused, the reported "
	    "one stands", rcpts=TWO,
	    script=["send " + result(index=1), "send " + done()],
	    marked=[1], deferred=[0],
	    log=["DONE with 1 of 2 recipients reported"]),

	# Job ids.
	dict(name="RCPT_RESULT for another job: refused",
	    script=["send " + result(job=57005), "send " + done()],
	    log=["RCPT_RESULT for job 57005, expected job 1"]),
	dict(name="SITE_RESULT for another job: refused",
	    script=["send " + result("SITE_RESULT", job=2, code=421,
	    status="4.3.2"), "send " + done()],
	    log=["SITE_RESULT for job 2, expected job 1"]),
	dict(name="DONE for another job: refused (the result before stands)",
	    script=[SENT0, "send " + done(job=0)], marked=[0], want="FINAL",
	    log=["DONE for job 0, expected job 1",
	    "after reporting all 1 recipients"]),

	# Codes and statuses.
	dict(name="reply code 999: decoder refuses",
	    script=["send " + result(code=999)],
	    log=["field diag_code: 999 neither 0 nor 200..599"]),
	dict(name="reply code 199: decoder refuses",
	    script=["send " + result(code=199, status="5.0.0")],
	    log=["field diag_code: 199 neither 0 nor 200..599"]),
	dict(name="sent without a reply code: refused",
	    script=["send " + result(code=0), "send " + done()],
	    log=["recipient 0 reported sent (2.0.0) without a 2xx reply "
	    "(code 0)"]),
	dict(name="sent with reply code 550: refused",
	    script=["send " + result(code=550), "send " + done()],
	    log=["without a 2xx reply (code 550)"]),
	dict(name="bounced with reply code 250: refused",
	    script=["send " + result(code=250, status="5.1.1"),
	    "send " + done()], log=["status 5.1.1 with reply code 250"]),
	dict(name="SITE_RESULT with success status: refused",
	    script=["send " + result("SITE_RESULT", code=250),
	    "send " + done()], log=["SITE_RESULT with success status"]),
	dict(name="RCPT_RESULT after SITE_RESULT: refused",
	    script=["send " + result("SITE_RESULT", code=421,
	    status="4.3.2"), SENT0, "send " + done()],
	    log=["RCPT_RESULT after SITE_RESULT"]),
	dict(name="DSN status 2.0 (not x.y.z): decoder refuses",
	    script=["send " + result(status="2.0")],
	    log=["field status: \"2.0\" is not a DSN status"]),
	dict(name="unknown result flags: decoder refuses",
	    script=["send " + result(flags=0x80)],
	    log=["RCPT_RESULT: field flags: unknown bits 0x80"]),

	# Text.
	dict(name="reason of 3000 bytes (over SJ_REASON_MAX): refused",
	    script=["send " + result(reason="x" * 3000)],
	    log=["field reason: string length 3000 exceeds maximum"]),
	dict(name="string length field larger than the datagram: refused",
	    script=["send " + result(reason="short", reason_len=2000)],
	    log=["short body at field reason"]),
	dict(name="LOG text of 2000 bytes (over SJ_LOG_TEXT_MAX): refused",
	    script=["send " + log("y" * 2000)],
	    log=["LOG: body of 2006 bytes exceeds maximum"]),
	dict(name="LOG text length field 2000 in a small datagram: refused",
	    script=["send " + frame(T["LOG"], u32(1) + s16("t", 2000))],
	    log=["LOG: field text: string length 2000 exceeds maximum 1024"]),
	dict(name="datagram of 9000 bytes (over SJ_IPC_MSG_MAX): refused",
	    script=["send " + result(diag="z" * 2000, reason="z" * 2500,
	    relay="r" * 200, mta="m" * 200) + " " + "41" * 4000],
	    log=["datagram truncated: larger than"]),
	dict(name="CR LF in diag_text (header injection): refused",
	    script=["send " + result(diag="250 ok\r\nX-Injected: 1")],
	    log=["field diag_text: not printable ASCII"]),
	dict(name="escape sequence in LOG text: refused",
	    script=["send " + log("\x1b[2Jgotcha")],
	    log=["LOG: field text: not printable ASCII"]),
	dict(name="NUL inside reason: refused",
	    script=["send " + result(reason="ok\0hidden")],
	    log=["field reason: string contains NUL"]),
	dict(name="8-bit bytes in relay: refused",
	    script=["send " + result(relay="mx\xff.test")],
	    log=["field relay: not printable ASCII"]),
	dict(name="LOG level 7: refused",
	    script=["send " + log("level", level=7)],
	    log=["LOG: field level: 7 out of range"]),

	# Descriptors.
	dict(name="LOG carrying the content memfd back: refused",
	    script=["send fd=content " + log("here is your fd")],
	    log=["LOG: unexpected descriptor"]),
	dict(name="RCPT_RESULT carrying the IPC socket itself: refused",
	    script=["send fd=3 " + result()],
	    log=["RCPT_RESULT: unexpected descriptor"]),
	dict(name="DONE with two descriptors: refused",
	    script=[SENT0, "send fd=0 fd=2 " + done()], marked=[0],
	    want="FINAL",
	    log=["DONE: 2 descriptors in one message"]),
	dict(name="eight descriptors on one message: refused",
	    script=["send fd=0 fd=1 fd=2 fd=3 fd=content fd=0 fd=1 fd=2 " +
	    log("many")], log=["LOG: 8 descriptors in one message"]),

	# Types, versions, framing.
	dict(name="unknown type 99: refused",
	    script=["send " + frame(99, u32(JOB))],
	    log=["UNKNOWN(99): unknown message type"]),
	dict(name="type 0: refused", script=["send " + frame(0, [])],
	    log=["UNKNOWN(0): unknown message type"]),
	dict(name="parent-to-child type (DELIVER) from the child: refused",
	    script=["send " + frame(T["DELIVER"], u32(JOB))],
	    log=["DELIVER: wrong direction"]),
	dict(name="READY in the middle of a job: refused",
	    script=["send " + ready()], log=["unexpected READY during a job"]),
	dict(name="IPC version 3 in a header: refused",
	    script=["send " + frame(T["DONE"], u32(JOB), version=VERSION - 1)],
	    log=["DONE: IPC version %d, expected %d" % (VERSION - 1,
	    VERSION)]),
	dict(name="header body length disagrees: refused",
	    script=["send " + frame(T["DONE"], u32(JOB), blen=40)],
	    log=["DONE: header says body of 40 bytes, message has 4"]),
	dict(name="trailing bytes after RCPT_RESULT's fields: refused",
	    script=["send " + result(extra=b"\0\0\0")],
	    log=["RCPT_RESULT: trailing 3 bytes"]),
	dict(name="one byte more than DONE's fixed size: refused",
	    script=[SENT0, "send " + done(extra=b"\0")], marked=[0],
	    want="FINAL",
	    log=["DONE: body of 33 bytes exceeds maximum 32"]),
	dict(name="short header (3 bytes): refused",
	    script=["send 040007"], log=["shorter than the 8-byte header"]),
	dict(name="empty datagram: refused", script=["send"],
	    log=["empty datagram"]),

	# Header and body checks: the child matches, the parent logs the
	# fields it sends (CHECK_LOG), only for a class that is set, and
	# within the job's log budget.
	dict(name="CHECK_LOG while no content check is set: refused",
	    script=["send " + check_log("spam line", "seen")],
	    log=["CHECK_LOG for job", "class 3", "classes 0x0)"]),
	dict(name="CHECK_LOG of another job: refused",
	    args=CHECKS_ARGS, prologue=CHECKS_PROLOGUE,
	    script=["send " + check_log("spam line", "seen", job=99)],
	    log=["CHECK_LOG for job 99"]),
	dict(name="CHECK_LOG with body checks set: logged as Postfix's line",
	    args=CHECKS_ARGS, prologue=CHECKS_PROLOGUE,
	    script=["send " + check_log("spam line", "seen"), SENT0,
	    "send " + done()], want="FINAL", marked=[0], rc=0,
	    log=[": warning: body spam line: seen", "status=sent"]),
	dict(name="CHECK_LOG with non-printable text: refused by the "
	    "decoder", args=CHECKS_ARGS, prologue=CHECKS_PROLOGUE,
	    script=["send " + check_log("spam\nline", "seen")],
	    log=["CHECK_LOG: field content"]),
	dict(name="flood of 600 CHECK_LOG messages: refused after the budget",
	    args=CHECKS_ARGS, prologue=CHECKS_PROLOGUE,
	    script=["repeat 600 send " + check_log("flood line", "x")],
	    log=["child sent more than 500 LOG messages and stderr lines "
	    "in one job"]),

	# smtp_generic_maps: the child asks per header address, the parent
	# answers only with the maps on, for the job, a bounded number.
	dict(name="control: GENERIC_REQ with generic maps on is answered, "
	    "then FINAL", args=GENERIC_ARGS,
	    script=["send " + generic_req("joe@int.test"), "recv",
	    "send " + generic_req("nobody@int.test"), "recv", SENT0,
	    "send " + done()], want="FINAL", marked=[0], rc=0,
	    log=["status=sent"]),
	dict(name="GENERIC_REQ with generic maps off: refused",
	    script=["send " + generic_req("joe@int.test"), SENT0,
	    "send " + done()],
	    log=[FAILED, "GENERIC_REQ with smtp_generic_maps empty"]),
	dict(name="GENERIC_REQ for another job: refused", args=GENERIC_ARGS,
	    script=["send " + generic_req("joe@int.test", job=57005), SENT0,
	    "send " + done()], log=[FAILED, "GENERIC_REQ for job 57005"]),
	dict(name="GENERIC_REQ with a key over 1100 bytes: refused by the "
	    "decoder", args=GENERIC_ARGS,
	    script=["send " + generic_req("a" * 1101), SENT0,
	    "send " + done()],
	    log=["GENERIC_REQ: body of 1107 bytes exceeds maximum 1106"]),
	dict(name="flood of %d GENERIC_REQ: refused after the bound" %
	    (GENERIC_FLOOD + 1), args=GENERIC_ARGS,
	    script=["send " + generic_req("joe@int.test"), "recv"] *
	    GENERIC_FLOOD + ["send " + generic_req("joe@int.test"), SENT0,
	    "send " + done()],
	    log=[FAILED, "more than %d GENERIC_REQ in one job" %
	    GENERIC_FLOOD]),

	# Volume, silence, death.
	dict(name="flood of 600 LOG messages: refused after the budget",
	    script=["repeat 600 send " + log("flood line")],
	    log=["child sent more than 500 LOG messages and stderr lines "
	    "in one job"], max_child_lines=500),
	dict(name="silent child that ignores EOF: the parent times out, "
	    "the spawner kills it", rcpts=TWO,
	    script=["sleep 60000"], args=["-o", "daemon_timeout=2s"],
	    log=["passed the job deadline of 2 s: sending ABORT",
	    "job deadline of 2 s passed, and no DONE 5 s after ABORT",
	    "child killed by signal 9"]),
	# A child that dies after a well-formed result: that result stands
	# (smtp(8) marks a recipient as soon as its outcome is known, and a
	# 250 the server gave must not become a duplicate); the rest wait.
	dict(name="child exits mid-job after a valid result: it stands, the "
	    "other recipient is deferred", rcpts=TWO, script=[SENT0, "exit 3"],
	    marked=[0], deferred=[1], log=["child exit status 3",
	    "after reporting 1 of 2 recipients, deferring the other 1",
	    "status=sent"]),

	# Before the first job.
	dict(name="RCPT_RESULT before READY: the child never serves, the "
	    "job is deferred", prologue=[], script=["send " + result(job=1)],
	    log=["sandboxed child did not start: child sent RCPT_RESULT "
	    "before READY"]),
	dict(name="READY with IPC version 99: the child never serves, the "
	    "job is deferred", prologue=[], script=["send " + ready(99)],
	    log=["child speaks IPC version 99, parent %d" % VERSION]),

	# SASL: the credential of the job's own destination, once.
	dict(name="control: SASL_REQ for the job's nexthop is answered, "
	    "then FINAL", sasl=True, script=["SEND_SASL_OWN", "recv", SENT0,
	    "send " + done()], want="FINAL", marked=[0], rc=0,
	    log=["status=sent"]),
	dict(name="SASL_REQ twice for the same destination in a job: "
	    "refused", sasl=True, script=["SEND_SASL_OWN", "recv",
	    "SEND_SASL_OWN", SENT0, "send " + done()],
	    log=[FAILED, "second SASL_REQ for destination"]),
	dict(name="SASL_REQ for another destination's credential: refused",
	    sasl=True, script=["send " + sasl_req("[other.test]:587",
	    "other.test"), SENT0, "send " + done()],
	    log=[FAILED, 'SASL_REQ for destination "[other.test]:587", not '
	    "the job's nexthop"]),
	dict(name="SASL_REQ for another job: refused", sasl=True,
	    script=["send " + sasl_req("[127.0.0.1]:1", job=57005), SENT0,
	    "send " + done()], log=[FAILED, "SASL_REQ for job 57005, "
	    "expected job 1"]),
	dict(name="control: CRAM-MD5, the username then a response, then "
	    "FINAL", sasl=True, script=["SEND_SASL_USER", "recv",
	    "SEND_SASL_CRAM", "recv", SENT0, "send " + done()], want="FINAL",
	    marked=[0], rc=0, log=["status=sent"]),
	dict(name="CRAM-MD5 response asked before the username: refused",
	    sasl=True, script=["SEND_SASL_CRAM", SENT0, "send " + done()],
	    log=[FAILED, "before its username"]),
	dict(name="the password asked after the username (CRAM-MD5 "
	    "chosen): refused", sasl=True, script=["SEND_SASL_USER", "recv",
	    "SEND_SASL_OWN", SENT0, "send " + done()],
	    log=[FAILED, "second SASL_REQ for destination"]),
	# The client key: no signature without a client certificate.
	dict(name="SIGN_REQ without a client certificate: refused, "
	    "logged, the job deferred", script=["send " + sign_req(), SENT0,
	    "send " + done()], log=[FAILED, "sandboxed child's signing "
	    "request refused: SIGN_REQ without a client certificate"]),
	dict(name="SASL_REQ with SASL off: refused",
	    script=["SEND_SASL_OWN", SENT0, "send " + done()],
	    log=[FAILED, "SASL_REQ with smtp_sasl_auth_enable = no"]),

	# smtp_discard_ehlo_keywords: the parent logs Postfix's line with
	# the mask it sent with the job's last SMTP socket, nothing else.
	dict(name="control: EHLO_NOTE with the socket's mask: the parent "
	    "logs Postfix's line, then FINAL",
	    args=["-o", "smtp_discard_ehlo_keywords=dsn"],
	    script=["SEND_CONNECT_OWN", "recv", "send " + ehlo_note(0x800),
	    SENT0, "send " + done()], want="FINAL", marked=[0], rc=0,
	    log=["]: discarding EHLO keywords: DSN", "status=sent"]),
	dict(name="EHLO_NOTE with another mask than the socket's: refused",
	    args=["-o", "smtp_discard_ehlo_keywords=dsn"],
	    script=["SEND_CONNECT_OWN", "recv", "send " + ehlo_note(0x2),
	    SENT0, "send " + done()],
	    log=[FAILED, "EHLO_NOTE for job 1 mask 0x2 (job 1, mask 0x800"]),
	dict(name="EHLO_NOTE before any SMTP socket: refused",
	    script=["send " + ehlo_note(0x800), SENT0, "send " + done()],
	    log=[FAILED, "EHLO_NOTE for job 1 mask 0x800 (job 1, mask 0x0"]),

	# dnssec_probe: the parent words Postfix's warnings from a class,
	# once per process, only for a job it allowed to probe.
	dict(name="control: DNSSEC_PROBE not validated: the parent logs "
	    "Postfix's two warnings, then FINAL",
	    args=["-o", "smtp_dns_support_level=dnssec"],
	    script=["send " + dnssec_probe(1), SENT0, "send " + done()],
	    want="FINAL", marked=[0], rc=0,
	    log=["]: warning: DNSSEC validation may be unavailable",
	    "]: warning: reason: dnssec_probe 'ns:.' received a response "
	    "that is not DNSSEC validated", "status=sent"]),
	dict(name="DNSSEC_PROBE twice in a job: refused",
	    args=["-o", "smtp_dns_support_level=dnssec"],
	    script=["send " + dnssec_probe(4), "send " + dnssec_probe(1),
	    SENT0, "send " + done()],
	    log=[FAILED, "DNSSEC_PROBE for job 1 (job 1, probe not allowed "
	    "or reported)"]),
	dict(name="DNSSEC_PROBE without DNSSEC lookups: refused",
	    script=["send " + dnssec_probe(1), SENT0, "send " + done()],
	    log=[FAILED, "DNSSEC_PROBE for job 1 (job 1, probe not allowed "
	    "or reported)"]),
	dict(name="DNSSEC_PROBE with dnssec_probe empty: refused",
	    args=["-o", "smtp_dns_support_level=dnssec", "-o",
	    "dnssec_probe="],
	    script=["send " + dnssec_probe(2), SENT0, "send " + done()],
	    log=[FAILED, "DNSSEC_PROBE for job 1"]),
	dict(name="DNSSEC_PROBE with an unknown class: refused",
	    args=["-o", "smtp_dns_support_level=dnssec"],
	    script=["send " + dnssec_probe(5), SENT0, "send " + done()],
	    log=[FAILED, "field result: 5 not in 0..4"]),

	# The same refusal on master(8)'s path (serve(), not -S).
	dict(name="master mode: repeated recipient index: refused, the "
	    "parent goes on", master=True, rcpts=TWO, script=[SENT0, SENT0,
	    "send " + done()], marked=[0], deferred=[1],
	    log=["second RCPT_RESULT for recipient 0"]),
	# One destination per child: a child that dies ends its own job;
	# the next request (same nexthop) gets a fresh child and is served.
	dict(name="master mode: the first child dies mid-job, the next "
	    "request gets a fresh child and is delivered", master=True,
	    requests=2, script=["if-job 1 exit 3", SENT0, "send " + done()],
	    want="FINAL", marked=[0], deferred=[0], log=["child exit status 3",
	    "sandboxed child failed, deferring all 1 recipients",
	    "sandboxed child stopped", "status=deferred", "status=sent"]),

	# After DONE (master mode: the parent polls the idle child).
	dict(name="RCPT_RESULT after DONE: first request stands, the idle "
	    "child is stopped, the parent goes on", master=True, script=[SENT0, "send " + done(),
	    "send " + result()], want="FINAL", marked=[0],
	    log=["status=sent", "between requests: unsolicited RCPT_RESULT"]),
	dict(name="LOG after DONE: the idle child is stopped, the parent "
	    "goes on", master=True,
	    script=[SENT0, "send " + done(), "send " + log("late")],
	    want="FINAL", marked=[0],
	    log=["]: sandboxed child: late",
	    "between requests: unsolicited LOG"]),

	# Limits the child cannot stretch (issue 15, findings 3-7).
	# (3) A LOG line written as a Postfix status line is logged behind
	# the fixed prefix, so it is not one; relay= and the MTA name are
	# held to the characters of a host name and an address.
	dict(name="LOG forging a status=sent line: logged behind the "
	    "prefix, no status line; relay with free text: refused",
	    script=lambda qid: ["send " + log("%s: to=<bob@remote.test>, "
	    "relay=mx.test[192.0.2.1]:25, delay=1, delays=0/0/0/1, "
	    "dsn=2.0.0, status=sent (250 2.0.0 ok)" % qid),
	    "send " + result(relay="mx.test[192.0.2.1]:25, status=sent "
	    "(250 ok)"), "send " + done()],
	    log=["]: sandboxed child: PH", "RCPT_RESULT with a relay or "
	    "MTA name that is not a host name and address"],
	    absent=[r"\]: QID: to=<bob@remote\.test>.*status=sent"]),
	dict(name="relay with fields after the port: refused",
	    script=["send " + result(relay="mx.test[192.0.2.1]:25, "
	    "orig_to=<x@y.test>"), "send " + done()],
	    log=["RCPT_RESULT with a relay or MTA name that is not a host "
	    "name and address"]),
	dict(name="MTA name with spaces: refused",
	    script=["send " + result(mta="mx.test dsn=2.0.0"),
	    "send " + done()],
	    log=["RCPT_RESULT with a relay or MTA name that is not a host "
	    "name and address"]),
	dict(name="SITE_RESULT relay with free text: refused",
	    script=["send " + result("SITE_RESULT", code=421,
	    status="4.3.2", relay="none, status=deferred"),
	    "send " + done()],
	    log=["SITE_RESULT with a relay or MTA name"]),
	# (4) stderr lines count against the LOG budget.
	dict(name="stderr flood of 2000 lines: refused after the budget",
	    script=["stderr 2000 flood-line", "sleep 500", SENT0,
	    "send " + done()],
	    log=["child sent more than 500 LOG messages and stderr lines "
	    "in one job", "]: warning: sandboxed child: stderr: flood-line"],
	    max_lines=("flood-line", 500)),
	dict(name="LOG messages and stderr lines share one budget",
	    script=["repeat 300 send " + log("flood line"),
	    "stderr 300 flood-line", "sleep 500", SENT0, "send " + done()],
	    log=["child sent more than 500 LOG messages and stderr lines "
	    "in one job"], max_lines=("flood", 500)),
	# (5) One deadline per job, not renewed by messages; ABORT at it.
	dict(name="a LOG line every 200 ms does not renew the job deadline: "
	    "ABORT, then the job is deferred",
	    args=["-o", "daemon_timeout=3s"],
	    script=["send " + log("keepalive"), "sleep 200"] * 60 +
	    [SENT0, "send " + done()],
	    log=["passed the job deadline of 3 s: sending ABORT",
	    "job deadline of 3 s passed, and no DONE 5 s after ABORT"]),
	dict(name="a child that answers ABORT with DONE at the deadline: "
	    "the job is deferred",
	    args=["-o", "daemon_timeout=3s"],
	    script=["send " + log("keepalive"), "sleep 200"] * 20 +
	    ["recv", "send " + done()],
	    log=["passed the job deadline of 3 s: sending ABORT",
	    "job deadline of 3 s passed (ABORT sent, DONE received)"]),
	dict(name="nine TRANSCRIPT messages in one job: refused",
	    script=["repeat 9 send " + transcript(), SENT0,
	    "send " + done()],
	    log=["more than 8 TRANSCRIPT messages in one job"]),
	dict(name="eight TRANSCRIPT messages in one job: accepted (control)",
	    script=["repeat 8 send " + transcript(), SENT0,
	    "send " + done()], want="FINAL", marked=[0], rc=0,
	    log=["status=sent"]),
	# (6) Sends to the child are bounded: a child that stops reading.
	dict(name="a child that does not read its recipients: the send "
	    "times out, the job is deferred",
	    rcpts=["r%04d.%s@remote.test" % (i, "x" * 100)
	    for i in range(600)],
	    prologue=["send " + ready(), "recv", "recv"],
	    script=["sleep 60000"], lingers=True,
	    log=["the child has not read its messages for 10 s"]),
]


def main():
	if len(sys.argv) != 2:
		print("usage: hostile_child.py AUX_HOSTILE_SMTPJAIL",
		    file=sys.stderr)
		return 2
	signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))
	env = fp.Env(os.path.abspath(sys.argv[1]))
	return fp.run_scenarios(env, SCENARIOS, scenario, "hostile child: ")


if __name__ == "__main__":
	sys.exit(main())
