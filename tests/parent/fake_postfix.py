#!/usr/bin/env python3
"""
NAME
	fake_postfix.py - a fake qmgr, bounce/defer/trace, cleanup and
	postlog driving the real smtpjail parent (smtpjail -S)
SUMMARY
	tests/parent/fake_postfix.py SMTPJAIL_BINARY
DESCRIPTION
	Builds a throw-away queue directory (main.cf, active/, private/,
	public/), fake bounce, defer and trace services (attr0, one request
	per connection, answer 0, non-zero, or absent), a datagram postlog
	listener, a fake public/cleanup that records postmaster notices
	(Postfix smtp_chat_notify()), and a scripted SMTP server on
	127.0.0.1. For each scenario of the table at the end it writes a
	queue file, runs "smtpjail -n smtp -t unix -S" with a socketpair on
	stdin/stdout as qmgr, sends a delivery request (Postfix
	src/global/deliver_request.c), reads the reply and checks the
	reply, the queue file bytes and mode (deliver_completed.c,
	mark_corrupt.c), what the services received (bounce.c, defer.c,
	trace.c, sent.c) and the log.
	Prints one "ok - name" or "not ok - name" line per scenario.
SECURITY
	Test code; runs as root because smtpjail builds its sandbox as
	master(8) would. Touches only loopback and its temporary directory.
SEE ALSO
	tests/parent/t_parent.sh
"""
import base64
import fcntl
import os
import pwd
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

TIMEOUT = 20.0		# generous bound against hangs only

# ---------------------------------------------------------------- attr0


def attr_list(pairs):
	out = b""
	for name, value in pairs:
		if isinstance(value, int):
			value = str(value)
		if isinstance(value, str):
			value = value.encode()
		out += name.encode() + b"\0" + value + b"\0"
	return out + b"\0"


class Reader:
	"""Reads attr0 lists from a stream socket."""

	def __init__(self, sock):
		self.sock = sock
		self.buf = b""

	def _field(self, deadline):
		while b"\0" not in self.buf:
			left = deadline - time.time()
			if left <= 0:
				raise TimeoutError("timeout reading attr0")
			self.sock.settimeout(left)
			data = self.sock.recv(65536)
			if not data:
				raise EOFError("premature end-of-input")
			self.buf += data
		i = self.buf.index(b"\0")
		f, self.buf = self.buf[:i], self.buf[i + 1:]
		return f.decode("latin-1")

	def read_list(self, timeout=TIMEOUT):
		deadline = time.time() + timeout
		out = []
		while True:
			name = self._field(deadline)
			if name == "":
				return out
			out.append((name, self._field(deadline)))

	def read_exact(self, n, timeout=TIMEOUT):
		deadline = time.time() + timeout
		while len(self.buf) < n:
			left = deadline - time.time()
			if left <= 0:
				raise TimeoutError("timeout reading %d bytes" % n)
			self.sock.settimeout(left)
			data = self.sock.recv(65536)
			if not data:
				raise EOFError("premature end-of-input")
			self.buf += data
		out, self.buf = self.buf[:n], self.buf[n:]
		return out

# ---------------------------------------------------------- queue files


def rec(t, payload):
	if isinstance(payload, str):
		payload = payload.encode()
	n = len(payload)
	ln = b""
	while True:
		b = n & 0x7f
		n >>= 7
		if n:
			ln += bytes([b | 0x80])
		else:
			ln += bytes([b])
			break
	return t.encode() + ln + payload


def build_qfile(rcpts, lines=None, bad_content=False):
	"""rcpts: list of addresses. Returns (bytes, data_offset, size,
	[R offsets])."""
	if lines is None:
		lines = ["Subject: t_parent", "From: alice@example.test", "",
		    "Hello", ".dot line", "x" * 300]
	env = b""
	env += rec("T", "%d 0" % int(time.time() - 10))
	env += rec("A", "rewrite_context=local")
	env += rec("S", "alice@example.test")
	body_parts = []
	for a in rcpts:
		body_parts.append(("A", "notify_flags=0"))
		body_parts.append(("O", a))
		body_parts.append(("R", a))
	crec_len = 2 + 95
	off = crec_len + len(env)
	roffs = []
	for t, p in body_parts:
		if t == "R":
			roffs.append(off)
		r = rec(t, p)
		env += r
		off += len(r)
	env += rec("M", "")
	data_off = crec_len + len(env)
	content = b""
	for i, ln in enumerate(lines):
		content += rec("N", ln)
		if bad_content and i == 1:
			content += rec("Q", "bogus record")
	xseg = rec("X", "") + rec("E", "")
	size = len(content)
	crec = "%15d %15d %15d %15d %15d %15d" % (size, data_off, len(rcpts),
	    0, size, 0)
	assert len(crec) == 95
	data = rec("C", crec) + env + content + xseg
	for o in roffs:
		assert data[o:o + 1] == b"R"
	assert data[data_off - 2:data_off] == b"M\0"
	return data, data_off, size, roffs

FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
    "fixtures", "qfile_pf37_hold.bin")


def fixture_qfile():
	"""The real Postfix 3.7 queue file (tests/unit/test_qfile.c): data
	offset 397, content size 9577, R records at 283 and 376."""
	with open(FIXTURE, "rb") as fp:
		data = fp.read()
	for o, a in ((283, b"bob@remote.test"), (376, b"carol@remote.test")):
		assert data[o:o + 2 + len(a)] == b"R" + bytes([len(a)]) + a
	return data, 397, 9577, [283, 376]

# --------------------------------------------------- fake bounce/defer/trace


class FakeService:
	"""private/<name>: greeting, one list, status reply; records lists."""

	def __init__(self, qdir, name):
		self.path = os.path.join(qdir, "private", name)
		self.name = name
		self.got = []
		self.mode = "ok"	# ok|fail|absent|badgreet|noreply
		self.lock = threading.Lock()
		self.sock = None

	def set_mode(self, mode):
		self.mode = mode
		with self.lock:
			self.got = []
		if mode == "absent":
			if self.sock is not None:
				self.sock.close()
				self.sock = None
			if os.path.exists(self.path):
				os.unlink(self.path)
		elif self.sock is None:
			s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
			s.bind(self.path)
			os.chmod(self.path, 0o666)
			s.listen(16)
			self.sock = s
			threading.Thread(target=self._loop, args=(s,),
			    daemon=True).start()

	def _loop(self, s):
		while True:
			try:
				c, _ = s.accept()
			except OSError:
				return
			threading.Thread(target=self._one, args=(c,),
			    daemon=True).start()

	def _one(self, c):
		try:
			c.sendall(attr_list([("protocol",
			    "delivery_status_protocol" if self.mode !=
			    "badgreet" else "bogus_protocol")]))
			lst = Reader(c).read_list(10)
			with self.lock:
				self.got.append(lst)
			if self.mode == "noreply":
				return
			c.sendall(attr_list([("status",
			    0 if self.mode == "ok" else 1)]))
		except (OSError, EOFError, TimeoutError):
			pass
		finally:
			c.close()

	def received(self):
		with self.lock:
			return list(self.got)

# ------------------------------------------------------------ cleanup


class FakeCleanup(FakeService):
	"""public/cleanup (Postfix post_mail.c): greeting with a
	queue id, the flags list, queue-file records up to E, then
	"status 0 reason ''". Records each notice as (flags, [(type,
	payload)]). Modes ok|absent."""

	QID = "NOTICE1"

	def __init__(self, qdir):
		FakeService.__init__(self, qdir, "cleanup")
		self.path = os.path.join(qdir, "public", "cleanup")

	def _one(self, c):
		try:
			c.sendall(attr_list([("protocol", "cleanup_protocol"),
			    ("queue_id", self.QID)]))
			rd = Reader(c)
			flags = rd.read_list(10)
			recs = []
			while True:
				t = rd.read_exact(1, 10).decode("latin-1")
				n, shift = 0, 0
				while True:
					b = rd.read_exact(1, 10)[0]
					n |= (b & 0x7f) << shift
					shift += 7
					if not b & 0x80:
						break
				recs.append((t, rd.read_exact(n, 10).decode(
				    "latin-1")))
				if t == "E":
					break
			with self.lock:
				self.got.append((flags, recs))
			c.sendall(attr_list([("status", 0), ("reason", "")]))
		except (OSError, EOFError, TimeoutError, IndexError):
			pass
		finally:
			c.close()

# ------------------------------------------------------------ postlog


class Postlog:
	def __init__(self, qdir):
		self.path = os.path.join(qdir, "public", "postlog")
		self.lines = []
		self.lock = threading.Lock()
		s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
		s.bind(self.path)
		os.chmod(self.path, 0o666)
		self.sock = s
		threading.Thread(target=self._loop, daemon=True).start()

	def _loop(self):
		while True:
			try:
				d = self.sock.recv(65536)
			except OSError:
				return
			with self.lock:
				self.lines.append(d.decode("latin-1").rstrip("\n"))

	def take(self):
		"""Every line logged so far: a sentinel datagram sent now
		arrives after all earlier ones (one socket, FIFO)."""
		mark = "sj-parent-sentinel-%f" % time.time()
		c = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
		c.sendto(mark.encode(), self.path)
		c.close()
		deadline = time.time() + TIMEOUT
		while time.time() < deadline:
			with self.lock:
				if mark in self.lines:
					i = self.lines.index(mark)
					out = self.lines[:i]
					self.lines = self.lines[i + 1:]
					return out
			time.sleep(0.01)
		with self.lock:
			out, self.lines = self.lines, []
		return out

# -------------------------------------------------------- SMTP server


class SmtpServer:
	"""Scripted loopback SMTP server, one behaviour per scenario."""

	def __init__(self):
		self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
		self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
		self.sock.bind(("127.0.0.1", 0))
		self.port = self.sock.getsockname()[1]
		self.sock.listen(16)
		self.configure()
		threading.Thread(target=self._loop, daemon=True).start()

	def configure(self, rcpt=None, stall_after_data=False,
	    greeting="220 fake.test ESMTP", data_reply=None):
		self.rcpt = rcpt or {}		# address -> reply line
		self.greeting = greeting
		self.data_reply = data_reply or "250 2.0.0 Ok: queued as FAKE1"
		# stall_after_data: "quit" stalls at QUIT instead
		self.stall = stall_after_data
		self.data_seen = threading.Event()
		self.release = threading.Event()
		self.transcript = []
		self.data = []

	def _loop(self):
		while True:
			try:
				c, _ = self.sock.accept()
			except OSError:
				return
			threading.Thread(target=self._one, args=(c,),
			    daemon=True).start()

	def _one(self, c):
		c.settimeout(TIMEOUT)
		f = c.makefile("rb")

		def say(line):
			c.sendall(line.encode() + b"\r\n")
		try:
			say(self.greeting)
			if not self.greeting.startswith("2"):
				f.readline()		# QUIT
				say("221 2.0.0 Bye")
				return
			ok_rcpt = 0
			while True:
				ln = f.readline()
				if not ln:
					return
				cmd = ln.decode("latin-1").rstrip("\r\n")
				self.transcript.append(cmd)
				u = cmd.upper()
				if u.startswith("EHLO"):
					say("250-fake.test")
					say("250 8BITMIME")
				elif u.startswith("HELO"):
					say("250 fake.test")
				elif u.startswith("MAIL"):
					say("250 2.1.0 Ok")
				elif u.startswith("RCPT"):
					a = cmd[cmd.index("<") + 1:cmd.index(">")]
					r = self.rcpt.get(a, "250 2.1.5 Ok")
					if r.split("\r\n")[-1].startswith("2"):
						ok_rcpt += 1
					say(r)
				elif u == "DATA":
					if not ok_rcpt:
						say("554 5.5.1 no valid recipients")
						continue
					say("354 go ahead")
					while True:
						d = f.readline()
						if not d or d == b".\r\n":
							break
						self.data.append(d)
					if self.stall != "quit":
						self.data_seen.set()
					if self.stall and self.stall != "quit":
						self.release.wait(TIMEOUT)
						return
					say(self.data_reply)
				elif u == "RSET":
					say("250 2.0.0 Ok")
				elif u == "QUIT":
					if self.stall == "quit":
						self.data_seen.set()
						self.release.wait(TIMEOUT)
						return
					say("221 2.0.0 Bye")
					return
				else:
					say("502 5.5.2 what")
		except (OSError, ValueError):
			pass
		finally:
			c.close()

# ---------------------------------------------------------- environment


class Env:
	def __init__(self, binary):
		self.binary = binary
		self.tmp = tempfile.mkdtemp(prefix="sj-parent.")
		os.chmod(self.tmp, 0o755)
		self.q = os.path.join(self.tmp, "queue")
		self.etc = os.path.join(self.tmp, "etc")
		self.empty = os.path.join(self.tmp, "empty")
		for d in (self.q, self.etc, self.empty):
			os.mkdir(d, 0o755)
		pw = pwd.getpwnam("postfix")
		for d in ("active", "private", "public", "pid", "corrupt",
		    "deferred"):
			p = os.path.join(self.q, d)
			os.mkdir(p, 0o755)
			if d in ("active", "corrupt", "deferred"):
				os.chown(p, pw.pw_uid, pw.pw_gid)
				os.chmod(p, 0o700)
		self.uid, self.gid = pw.pw_uid, pw.pw_gid
		resolv = os.path.join(self.tmp, "resolv.conf")
		with open(resolv, "w") as fp:
			fp.write("nameserver 127.0.0.1\n")
		with open(os.path.join(self.etc, "main.cf"), "w") as fp:
			fp.write("queue_directory = %s\n" % self.q)
			fp.write("mail_owner = postfix\n")
			fp.write("myhostname = pj.example.test\n")
			fp.write("maillog_file = %s/maillog\n" % self.tmp)
			fp.write("maillog_file_prefixes = %s\n" % self.tmp)
			fp.write("smtpjail_sandbox_directory = %s\n" % self.empty)
			fp.write("smtpjail_sandbox_user = %s\n" % sandbox_user())
			fp.write("smtpjail_resolv_conf = %s\n" % resolv)
			fp.write("smtp_connect_timeout = 10s\n")
			fp.write("ipc_timeout = 10s\n")
		self.svc = {n: FakeService(self.q, n)
		    for n in ("bounce", "defer", "trace")}
		self.log = Postlog(self.q)
		self.cleanup_svc = FakeCleanup(self.q)
		self.smtp = SmtpServer()
		# A loopback port with nothing listening, for "connect refused".
		s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
		s.bind(("127.0.0.1", 0))
		self.dead_port = s.getsockname()[1]
		s.close()

	def cleanup(self):
		shutil.rmtree(self.tmp, ignore_errors=True)

	def write_qfile(self, qid, data, mode=0o700):
		p = os.path.join(self.q, "active", qid)
		with open(p, "wb") as fp:
			fp.write(data)
		os.chown(p, self.uid, self.gid)
		os.chmod(p, mode)
		return p


def time_blob(nbytes=88):
	now = int(time.time())
	b = struct.pack("<qqqq", now - 10, 0, now - 1, 0)
	b += b"\0" * (88 - len(b))
	b = (b + b"\0" * 200)[:nbytes]
	return base64.b64encode(b).decode()


def request(qid, data_off, size, nexthop, rcpts, roffs, flags=3, notify=0,
    order=None):
	common = [
		("flags", flags), ("queue_name", "active"), ("queue_id", qid),
		("offset", data_off), ("size", size), ("nexthop", nexthop),
		("encoding", "8bit"), ("smtputf8", 0),
		("sender", "alice@example.test"), ("envelope_id", ""),
		("ret_flags", 0), ("time", time_blob()),
		("log_client_name", ""), ("log_client_address", ""),
		("log_client_port", ""), ("log_protocol_name", ""),
		("log_helo_name", ""), ("sasl_method", ""),
		("sasl_username", ""), ("sasl_sender", ""), ("log_ident", ""),
		("rewrite_context", "local"), ("recipient_count", len(rcpts)),
	]
	rl = [[("original_recipient", a), ("recipient", a), ("offset", o),
	    ("dsn_orig_rcpt", "rfc822;" + a), ("notify_flags", notify)]
	    for a, o in zip(rcpts, roffs)]
	if order is not None:		# qmgr sorts: not file order
		rl = [rl[i] for i in order]
	return common, rl


def set_attr(lst, name, value):
	return [(n, value if n == name else v) for n, v in lst]


REPLY_NAMES = ["status", "diag_type", "diag_text", "mta_type", "mta_mname",
    "action", "reason", "status"]
APPEND_NAMES = ["nrequest", "flags", "queue_id", "original_recipient",
    "recipient", "offset", "dsn_orig_rcpt", "notify_flags", "status",
    "diag_type", "diag_text", "mta_type", "mta_mname", "action", "reason"]

FINAL, DEFER = "0", "4294967295"

# ------------------------------------------------------------ one run


class Run:
	pass


def run_smtpjail(env, raw_request, on_running=None, args=(),
    half_close=False):
	"""Runs smtpjail -S with the request bytes; returns a Run."""
	r = Run()
	r.greeting = r.reply = r.error = None
	a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
	errf = open(os.path.join(env.tmp, "stderr"), "w+b")
	e = dict(os.environ, MAIL_CONFIG=env.etc, LANG="C")
	p = subprocess.Popen([env.binary, "-n", "smtp", "-t", "unix", "-u", "-S"] + list(args),
	    stdin=b, stdout=b, stderr=errf, cwd=env.q, env=e,
	    close_fds=True)
	b.close()
	r.pid = p.pid
	rd = Reader(a)
	try:
		r.greeting = rd.read_exact(36)
		a.sendall(raw_request)
		if raw_request == b"" or half_close:
			a.shutdown(socket.SHUT_WR)	# qmgr closed early
		if on_running is not None:
			on_running(r)
		r.reply = rd.read_list(TIMEOUT + 20)
	except (OSError, EOFError, TimeoutError) as ex:
		r.error = "%s: %s" % (type(ex).__name__, ex)
	try:
		a.shutdown(socket.SHUT_WR)
	except OSError:
		pass
	try:
		r.rc = p.wait(TIMEOUT)
	except subprocess.TimeoutExpired:
		p.kill()
		r.rc = p.wait()
		r.error = (r.error or "") + " smtpjail did not exit"
	a.close()
	errf.seek(0)
	r.stderr = errf.read().decode("latin-1")
	errf.close()
	return r


def sandbox_user():
	"""The dedicated test sandbox user (tests/sandbox/sandbox_user.sh)."""
	return os.environ.get("SJ_SANDBOX_USER", "_smtpjail")


def find_child(ppid):
	"""The sandboxed child: running as the sandbox user, a child of the
	spawner, which is a child of ppid (policy/spawner.c)."""
	sbuid = pwd.getpwnam(sandbox_user()).pw_uid
	procs = {}
	for d in os.listdir("/proc"):
		if not d.isdigit():
			continue
		try:
			with open("/proc/%s/status" % d) as fp:
				st = fp.read()
		except OSError:
			continue
		f = dict(ln.split(":", 1) for ln in st.splitlines()
		    if ":" in ln)
		procs[int(d)] = (int(f.get("PPid", "0")),
		    int(f.get("Uid", "-1 ").split()[0]))
	spawners = [p for p, (pp, _) in procs.items() if pp == ppid]
	for p, (pp, uid) in procs.items():
		if pp in spawners and uid == sbuid:
			return p
	return None

# ----------------------------------------------------------- scenarios


class Check:
	def __init__(self):
		self.problems = []

	def want(self, cond, what):
		if not cond:
			self.problems.append(what)
		return cond


def scenario(env, sc):
	"""Runs one table entry; returns a list of problems (empty = ok)."""
	ck = Check()
	qid = sc.get("qid", "PJ%04d" % SCENARIOS.index(sc))
	rcpts = sc.get("rcpts", ["bob@remote.test"])
	if sc.get("fixture"):
		data, data_off, size, roffs = fixture_qfile()
	else:
		data, data_off, size, roffs = build_qfile(rcpts,
		    bad_content=sc.get("corrupt", False))
	if "truncate" in sc:
		data = data[:sc["truncate"](data)]
	if not sc.get("no_qfile"):
		path = env.write_qfile(qid, data, sc.get("qmode", 0o700))
	else:
		path = os.path.join(env.q, "active", qid)
	lockfp = None
	if sc.get("locked") and not sc.get("no_qfile"):
		lockfp = open(path, "rb")	# as qmgr or another agent holds it
		fcntl.flock(lockfp, fcntl.LOCK_EX)
	for n, s in env.svc.items():
		s.set_mode(sc.get("svc", {}).get(n, "ok"))
	env.cleanup_svc.set_mode(sc.get("cleanup", "ok"))
	env.smtp.configure(rcpt=sc.get("smtp_rcpt"),
	    stall_after_data=sc.get("stall", False),
	    greeting=sc.get("smtp_greeting", "220 fake.test ESMTP"),
	    data_reply=sc.get("smtp_data"))
	port = env.dead_port if sc.get("refused") else env.smtp.port
	common, rl = request(qid, data_off, size, "[127.0.0.1]:%d" % port,
	    rcpts, roffs, flags=sc.get("flags", 3), notify=sc.get("notify", 0),
	    order=sc.get("order"))
	if "mutate" in sc:
		common, rl = sc["mutate"](common, rl)
	raw = sc["raw"](common, rl) if "raw" in sc else \
	    attr_list(common) + b"".join(attr_list(x) for x in rl)
	env.log.take()

	killed = {}

	def killer(r):
		if not env.smtp.data_seen.wait(TIMEOUT):
			killed["err"] = "SMTP server never saw the end of DATA"
			return
		cpid = find_child(r.pid)
		if cpid is None:
			killed["err"] = "no child of %d running as the sandbox user" % r.pid
			return
		os.kill(cpid, signal.SIGKILL)
		killed["pid"] = cpid

	r = run_smtpjail(env, raw, killer if sc.get("stall") else None,
	    sc.get("args", ()), sc.get("half_close", False))
	env.smtp.release.set()
	if lockfp is not None:
		lockfp.close()
	log = env.log.take()
	logtxt = "\n".join(log)

	if sc["want"] == "NONE":
		ck.want(r.greeting == b"protocol\0delivery_request_protocol"
		    b"\0\0" and r.reply is None, "greeting %r reply %r" %
		    (r.greeting, r.reply))
	elif ck.want(r.greeting == b"protocol\0delivery_request_protocol\0\0",
	    "greeting %r (%s; stderr %s)" % (r.greeting, r.error,
	    r.stderr.strip()[-300:])) and \
	    ck.want(r.reply is not None, "no reply (%s; stderr %s)" %
	    (r.error, r.stderr.strip()[-300:])):
		names = [n for n, _ in r.reply]
		ck.want(names == REPLY_NAMES, "reply attributes %r" % names)
		if names == REPLY_NAMES:
			want = sc["want"]
			got = r.reply[7][1]
			ck.want(got == (FINAL if want == "FINAL" else DEFER),
			    "reply status %s, want %s" % (got, want))
			hop = r.reply[0][1]
			wh = sc.get("hop", "")
			if "hop_full" in sc:
				full = [x.replace("{port}", str(port)) for x in
				    sc["hop_full"]]
				ck.want([v for _, v in r.reply[:7]] == full,
				    "hop DSN %r, want %r" % (r.reply[:7], full))
			if wh:
				ck.want(hop == wh and r.reply[6][1] != "",
				    "hop status %r reason %r, want %s" %
				    (hop, r.reply[6][1], wh))
			else:
				ck.want(all(v == "" for _, v in r.reply[:7]),
				    "hop DSN not empty: %r" % r.reply[:7])
	if "err" in killed:
		ck.want(False, killed["err"])
	# A killed child ends only its job: -S exits 0 after the reply;
	# only the spawner's end makes it exit 1 (parent/main.c).
	wrc = 0
	ck.want(r.rc == wrc, "smtpjail -S exit status %s, want %d" % (r.rc,
	    wrc))
	for bad in ("runtime error", "Sanitizer", "panic:", "fatal:"):
		ck.want(bad not in r.stderr, "stderr has %r: %s" % (bad,
		    r.stderr.strip()[-400:]))

	# Queue file: D exactly at the expected offsets, nothing else.
	marked = sc.get("marked", [])
	if not sc.get("no_qfile"):
		exp = bytearray(data)
		for i in marked:
			exp[roffs[i]] = ord("D")
		try:
			with open(path, "rb") as fp:
				now = fp.read()
			mode = os.stat(path).st_mode & 0o7777
		except OSError as ex:
			now, mode = b"", 0
			ck.want(False, "queue file: %s" % ex)
		if now != bytes(exp):
			diff = [i for i in range(min(len(now), len(exp)))
			    if now[i] != exp[i]]
			ck.want(False, "queue file differs at %r (R offsets %r, "
			    "want D at %r), len %d/%d" % (diff[:8], roffs,
			    [roffs[i] for i in marked], len(now), len(exp)))
		wm = sc.get("mode", sc.get("qmode", 0o700))
		# mode None: not asserted (see the scenario's comment).
		ck.want(wm is None or mode == wm, "queue file mode %o, want "
		    "%s" % (mode, "-" if wm is None else "%o" % wm))

	# Services: what each received.
	for n, s in env.svc.items():
		got = s.received()
		want = sc.get("appends", {}).get(n, [])
		if not ck.want(len(got) == len(want), "%s got %d APPENDs, "
		    "want %d: %r" % (n, len(got), len(want), got)):
			continue
		for lst, (rc, status, action) in zip(got, want):
			names = [x for x, _ in lst]
			d = dict(lst)
			ck.want(names == APPEND_NAMES, "%s APPEND attributes %r"
			    % (n, names))
			ck.want(d.get("nrequest") == "0" and d.get("flags") ==
			    str(sc.get("flags", 3) & (256 | 512 | 1024 | 8192))
			    and d.get("queue_id") == qid, "%s APPEND "
			    "nrequest/flags/queue_id %r" % (n, d))
			ck.want(d.get("recipient") == rc and d.get("offset") ==
			    str(roffs[rcpts.index(rc)]), "%s APPEND recipient "
			    "%r offset %r" % (n, d.get("recipient"),
			    d.get("offset")))
			ck.want(d.get("status", "").startswith(status),
			    "%s APPEND status %r, want %s" % (n, d.get("status"),
			    status))
			ck.want(d.get("action") == action, "%s APPEND action %r, "
			    "want %s" % (n, d.get("action"), action))
			ck.want(d.get("reason", "") != "", "%s APPEND without "
			    "reason" % n)
			# Postfix logs the reason it sent to an accepting
			# bounce/defer (defer.c, bounce.c); trace adds
			# "delivery via".
			if s.mode == "ok" and n != "trace":
				ck.want(d.get("reason") in logtxt, "%s APPEND "
				    "reason %r not in the log" % (n,
				    d.get("reason")))

	if sc.get("no_smtp"):
		ck.want(not any(x.upper().startswith("MAIL") for x in
		    env.smtp.transcript), "SMTP transaction started: %r" %
		    env.smtp.transcript)
	for want_line in sc.get("data_has", []):
		ck.want(want_line in env.smtp.data, "SMTP DATA lacks %r" %
		    want_line)
	if sc.get("data_has"):
		ck.want(all(len(x) <= 1000 and x.endswith(b"\r\n") for x in
		    env.smtp.data), "SMTP DATA line over 1000 bytes or "
		    "without CRLF")
	for n, fields in sc.get("append_full", {}).items():
		got = env.svc[n].received()
		d = dict(got[0]) if got else {}
		for k, v in fields.items():
			ck.want(d.get(k) == v, "%s APPEND %s=%r, want %r" % (n, k,
			    d.get(k), v))
	check_notices(ck, env, sc)
	for pat in sc.get("log", []):
		pat = pat.replace("{port}", str(env.smtp.port))
		ck.want(pat in logtxt, "log lacks %r; log: %r" % (pat,
		    log[-6:]))
	for pat in sc.get("nolog", []):
		pat = pat.replace("{port}", str(env.smtp.port))
		ck.want(pat not in logtxt, "log has %r; log: %r" % (pat,
		    log[-6:]))
	if sc["want"] == "DEFER" and not marked:
		pass
	if sc.get("warn"):
		ck.want(any(": warning: " in ln for ln in log),
		    "no warning logged; log: %r" % log[-6:])
	# No FINAL with a recipient unaccounted for.
	if r.reply and len(r.reply) == 8 and r.reply[7][1] == FINAL and \
	    sc.get("flags", 3) & 1 and not sc.get("unaccounted_ok"):
		ck.want(len(marked) == len(rcpts), "FINAL but only %d of %d "
		    "marked" % (len(marked), len(rcpts)))
	if ck.problems:
		ck.problems.append("log: %r" % log[-8:])
	if not sc.get("no_qfile") and os.path.exists(path):
		os.chmod(path, 0o700)
		os.unlink(path)
	return ck.problems


def check_notices(ck, env, sc):
	"""Postmaster notices (smtp_chat_notify()): how many, and for each
	the flags, the envelope records, the headers and the transcript
	lines in order."""
	got = env.cleanup_svc.received()
	want = sc.get("notices", 0)
	if not ck.want(len(got) == want, "cleanup got %d notices, want %d: "
	    "%r" % (len(got), want, got)):
		return
	port = str(env.smtp.port)
	for flags, recs in got:
		ck.want(flags == [("flags", "32")], "cleanup flags %r" % flags)
		types = "".join(t for t, _ in recs)
		ck.want(types.startswith("TAASRM") and types.endswith("NXE") and
		    set(types[6:-2]) == {"N"}, "record types %r" % types)
		if not types.startswith("TAASRM"):
			continue
		ck.want(recs[1][1] == "log_message_origin=local" and
		    recs[2][1] == "trace_flags=0", "A records %r" % recs[1:3])
		ck.want(recs[3][1] == "double-bounce@pj.example.test",
		    "sender %r" % recs[3][1])
		ck.want(recs[4][1] == "postmaster", "recipient %r" % recs[4][1])
		tv = recs[0][1].split(" ")
		ck.want(len(tv) == 2 and all(x.isdigit() for x in tv),
		    "T record %r" % recs[0][1])
		lines = [v for t, v in recs if t == "N"]
		nap = "127.0.0.1[127.0.0.1]:" + port
		head = ["Received: by pj.example.test (Postfix)", None, None,
		    "From: Mail Delivery System <MAILER-DAEMON@pj.example.test>",
		    "To: Postmaster <postmaster>",
		    "Subject: Postfix SMTP client: errors from " + nap, "",
		    "Unexpected response from %s." % nap, "",
		    "Transcript of session follows.", ""]
		for i, h in enumerate(head):
			if h is not None:
				ck.want(i < len(lines) and lines[i] == h,
				    "notice line %d %r, want %r" % (i, lines[i:i + 1],
				    h))
		ck.want(len(lines) > 2 and lines[1].startswith("\tid NOTICE1; ")
		    and lines[2].startswith("Date: ") and lines[1][13:] ==
		    lines[2][6:], "Received/Date lines %r" % lines[1:3])
		ck.want(lines[-2:] == ["", "For other details, see the local "
		    "mail logfile"], "notice end %r" % lines[-2:])
		body = lines[len(head):-2]
		exp = [x.replace("{port}", port) for x in sc["notice_has"]]
		pos = 0
		for x in exp:		# in this order, not necessarily adjacent
			while pos < len(body) and body[pos] != x:
				pos += 1
			if not ck.want(pos < len(body), "transcript lacks %r (in "
			    "order); transcript: %r" % (x, body)):
				break
		ck.want(all(x.startswith(" ") and len(x) <= 79 for x in body),
		    "transcript lines not indented or wider than 78: %r" % body)


def drop(name):
	return lambda c, r: ([x for x in c if x[0] != name], r)


def insert_after(name, extra):
	def f(c, r):
		out = []
		for x in c:
			out.append(x)
			if x[0] == name:
				out.append(extra)
		return out, r
	return f


def set_common(name, value):
	return lambda c, r: (set_attr(c, name, value), r)


def rename(old, new):
	return lambda c, r: ([(new if n == old else n, v) for n, v in c], r)


TWO = ["bob@remote.test", "carol@remote.test"]

SCENARIOS = [
	dict(name="all recipients delivered: FINAL, all marked D",
	    rcpts=TWO, want="FINAL", marked=[0, 1],
	    log=["to=<bob@remote.test>, relay=127.0.0.1[127.0.0.1]:{port}, ",
	    "dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as FAKE1)",
	    "to=<carol@remote.test>, relay=127.0.0.1[127.0.0.1]:{port}, "]),
	dict(name="real Postfix 3.7 queue file fixture: both delivered, D at "
	    "283 and 376, FINAL", fixture=True, rcpts=TWO, want="FINAL",
	    marked=[0, 1], log=["status=sent"],
	    data_has=[b"..leading dot line\r\n", b"...two dots\r\n",
	    b"last line no newline\r\n",
	    b"Subject: smtpjail qfile fixture\r\n"]),
	# Postfix smtp_proto.c logs this notice with the queue id, as every
	# per-message line.
	dict(name="real Postfix 3.7 queue file fixture: long line notice "
	    "logged as '<qid>: breaking line > 998 bytes'", fixture=True,
	    qid="PJLONG", rcpts=TWO, want="FINAL", marked=[0, 1],
	    log=["]: sandboxed child: PJLONG: breaking line > 998 bytes with "
	    "<CR><LF>SPACE"]),
	dict(name="real Postfix 3.7 queue file fixture: carol RCPT 550, bob "
	    "RCPT 450: D at 376 only, DEFER", fixture=True, rcpts=TWO,
	    smtp_rcpt={"carol@remote.test": "550 5.1.1 no",
	    "bob@remote.test": "450 4.2.0 busy"}, want="DEFER", marked=[1],
	    appends={"bounce": [("carol@remote.test", "5.1.1", "failed")],
	    "defer": [("bob@remote.test", "4.2.0", "delayed")]},
	    log=["status=bounced", "status=deferred"]),
	dict(name="one of two RCPT 550: bounce APPEND, both marked, FINAL",
	    rcpts=TWO, smtp_rcpt={"carol@remote.test":
	    "550 5.1.1 no such user"}, want="FINAL", marked=[0, 1],
	    appends={"bounce": [("carol@remote.test", "5.1.1", "failed")]},
	    append_full={"bounce": {"original_recipient": "carol@remote.test",
	    "dsn_orig_rcpt": "rfc822;carol@remote.test", "notify_flags": "0",
	    "status": "5.1.1", "diag_type": "smtp",
	    "diag_text": "550 5.1.1 no such user", "mta_type": "dns",
	    "mta_mname": "127.0.0.1", "reason": "host 127.0.0.1[127.0.0.1] "
	    "said: 550 5.1.1 no such user (in reply to RCPT TO command)"}},
	    log=["status=bounced", "status=sent"]),
	dict(name="RCPT 450: defer APPEND, not marked, DEFER",
	    smtp_rcpt={"bob@remote.test": "450 4.2.0 busy"}, want="DEFER",
	    appends={"defer": [("bob@remote.test", "4.2.0", "delayed")]},
	    append_full={"defer": {"status": "4.2.0", "diag_type": "smtp",
	    "diag_text": "450 4.2.0 busy", "mta_type": "dns",
	    "mta_mname": "127.0.0.1", "reason": "host 127.0.0.1[127.0.0.1] "
	    "said: 450 4.2.0 busy (in reply to RCPT TO command)"}},
	    log=["status=deferred"]),
	dict(name="bounce service answers non-zero: deferred 4.3.0, DEFER",
	    smtp_rcpt={"bob@remote.test": "550 5.1.1 no such user"},
	    svc={"bounce": "fail"}, want="DEFER",
	    appends={"bounce": [("bob@remote.test", "5.1.1", "failed")],
	    "defer": [("bob@remote.test", "4.3.0", "delayed")]},
	    append_full={"defer": {"status": "4.3.0",
	    "reason": "bounce or trace service failure"}},
	    log=["dsn=4.3.0", "status=deferred"]),
	dict(name="bounce service absent: deferred 4.3.0, DEFER",
	    smtp_rcpt={"bob@remote.test": "550 5.1.1 no such user"},
	    svc={"bounce": "absent"}, want="DEFER",
	    appends={"defer": [("bob@remote.test", "4.3.0", "delayed")]},
	    log=["dsn=4.3.0", "status=deferred"]),
	dict(name="defer service absent: still DEFER, nothing marked",
	    smtp_rcpt={"bob@remote.test": "450 4.2.0 busy"},
	    svc={"defer": "absent"}, want="DEFER",
	    log=["status=deferred"], warn=True),
	dict(name="connect refused: DEFER with hop status 4.4.1",
	    rcpts=TWO, refused=True, want="DEFER", hop="4.4.1",
	    hop_full=["4.4.1", "", "", "", "", "", "connect to "
	    "127.0.0.1[127.0.0.1]:{port}: Connection refused"],
	    appends={"defer": [("bob@remote.test", "4.4.1", "delayed"),
	    ("carol@remote.test", "4.4.1", "delayed")]},
	    log=["status=deferred", "Connection refused"]),
	dict(name="malformed: attribute out of place (encoding dropped)",
	    mutate=drop("encoding"), want="DEFER", warn=True,
	    log=["unexpected attribute smtputf8"]),
	dict(name="malformed: missing attribute (recipient_count)",
	    mutate=drop("recipient_count"), want="DEFER", warn=True,
	    log=["missing attribute"]),
	dict(name="malformed: extra attribute",
	    mutate=insert_after("flags", ("bogus", "1")), want="DEFER",
	    warn=True, log=["unexpected attribute"]),
	dict(name="malformed: non-numeric int (size)",
	    mutate=set_common("size", "12x"), want="DEFER", warn=True),
	dict(name="malformed: queue_id ../x",
	    mutate=set_common("queue_id", "../x"), want="DEFER", warn=True),
	dict(name="malformed: queue_name nosuch",
	    mutate=set_common("queue_name", "nosuch"), want="DEFER"),
	dict(name="queue file missing", no_qfile=True, want="DEFER"),
	dict(name="malformed: time blob of 87 bytes",
	    mutate=set_common("time", time_blob(87)), want="DEFER",
	    warn=True),
	dict(name="malformed: recipient_count 0",
	    raw=lambda c, r: attr_list(set_attr(c, "recipient_count", 0)),
	    want="DEFER", warn=True, log=["no recipients"]),
	dict(name="variant: flags 6147 (connection cache bits), 7bit, "
	    "envid, ret_flags 1, smtputf8 0",
	    flags=6147, mutate=lambda c, r: (set_attr(set_attr(set_attr(c,
	    "encoding", "7bit"), "envelope_id", "envid123"), "ret_flags", 1),
	    r), want="FINAL", marked=[0], log=["status=sent"]),
	dict(name="variant: empty encoding, empty sender, log_* and sasl_* "
	    "filled, rewrite_context remote",
	    mutate=lambda c, r: ([(n, {"encoding": "", "sender": "",
	    "log_client_name": "client.example", "log_client_address":
	    "192.0.2.1", "log_client_port": "12345", "log_protocol_name":
	    "ESMTP", "log_helo_name": "helo.example", "sasl_method": "PLAIN",
	    "sasl_username": "u", "sasl_sender": "", "log_ident": "ABC",
	    "rewrite_context": "remote"}.get(n, v)) for n, v in c], r),
	    want="FINAL", marked=[0], log=["status=sent"]),
	dict(name="variant: flags 1027 (sendmail -v): trace APPEND relayed "
	    "with flags 1024, marked, FINAL",
	    flags=1027, want="FINAL", marked=[0],
	    appends={"trace": [("bob@remote.test", "2.", "relayed")]},
	    log=["status=sent"]),
	dict(name="variant: NOTIFY=SUCCESS, server without DSN: trace "
	    "APPEND relayed, marked, FINAL",
	    notify=2, want="FINAL", marked=[0],
	    appends={"trace": [("bob@remote.test", "2.", "relayed")]},
	    log=["status=sent"]),
	dict(name="trace service down on NOTIFY=SUCCESS: deferred 4.3.0, "
	    "not marked, DEFER",
	    notify=2, svc={"trace": "absent"}, want="DEFER",
	    appends={"defer": [("bob@remote.test", "4.3.0", "delayed")]},
	    log=["dsn=4.3.0", "status=deferred"]),
	dict(name="variant: recipient offset -1 (nothing to mark): FINAL, "
	    "file unchanged",
	    mutate=lambda c, r: (c, [set_attr(x, "offset",
	    "18446744073709551615") for x in r]),
	    want="FINAL", log=["status=sent"], unaccounted_ok=True),
	dict(name="malformed: oversize sender (70000 bytes)",
	    mutate=set_common("sender", "a" * 70000 + "@example.test"),
	    want="DEFER", warn=True),
	dict(name="malformed: oversize queue_id (300 bytes)",
	    mutate=set_common("queue_id", "A" * 300), want="DEFER",
	    warn=True),
	dict(name="malformed: non-numeric recipient notify_flags",
	    mutate=lambda c, r: (c, [set_attr(x, "notify_flags", "two")
	    for x in r]), want="DEFER", warn=True),
	dict(name="malformed: bad base64 in time",
	    mutate=set_common("time", "!!!!" * 30), want="DEFER", warn=True),
	dict(name="malformed: content offset not after M",
	    mutate=lambda c, r: (set_attr(c, "offset", dict(c)["offset"] + 1),
	    r), want="DEFER", warn=True),
	dict(name="malformed: qmgr closes after the greeting (no reply, "
	    "file untouched)", raw=lambda c, r: b"", want="NONE"),
	dict(name="one RCPT 250, one RCPT 450: first marked, second not, "
	    "DEFER", rcpts=TWO, smtp_rcpt={"carol@remote.test":
	    "450 4.2.0 busy"}, want="DEFER", marked=[0],
	    appends={"defer": [("carol@remote.test", "4.2.0", "delayed")]},
	    log=["status=sent", "status=deferred"]),
	dict(name="554 after DATA: both bounced and marked, FINAL",
	    rcpts=TWO, smtp_data="554 5.7.1 content rejected", want="FINAL",
	    marked=[0, 1],
	    appends={"bounce": [("bob@remote.test", "5.7.1", "failed"),
	    ("carol@remote.test", "5.7.1", "failed")]},
	    log=["status=bounced", "in reply to end of DATA command"]),
	dict(name="421 greeting: DEFER with hop status 4.3.2 (diag smtp)",
	    smtp_greeting="421 4.3.2 busy, try later", want="DEFER",
	    hop="4.3.2", hop_full=["4.3.2", "smtp", "421 4.3.2 busy, try "
	    "later", "dns", "127.0.0.1", "", "host 127.0.0.1[127.0.0.1] "
	    "refused to talk to me: 421 4.3.2 busy, try later"],
	    appends={"defer": [("bob@remote.test", "4.3.2", "delayed")]},
	    log=["status=deferred", "refused to talk to me"]),
	dict(name="soft_bounce=yes: RCPT 550 goes to defer as 4.1.1, not "
	    "marked, DEFER", args=["-o", "soft_bounce=yes"],
	    smtp_rcpt={"bob@remote.test": "550 5.1.1 no such user"},
	    want="DEFER",
	    appends={"defer": [("bob@remote.test", "4.1.1", "delayed")]},
	    log=["status=SOFTBOUNCE"]),
	dict(name="bounce service with wrong greeting: deferred 4.3.0, DEFER",
	    smtp_rcpt={"bob@remote.test": "550 5.1.1 no such user"},
	    svc={"bounce": "badgreet"}, want="DEFER",
	    appends={"bounce": [], "defer": [("bob@remote.test", "4.3.0",
	    "delayed")]}, log=["dsn=4.3.0"], warn=True),
	dict(name="bounce service closes without reply: deferred 4.3.0, "
	    "DEFER", smtp_rcpt={"bob@remote.test": "550 5.1.1 no such user"},
	    svc={"bounce": "noreply"}, want="DEFER",
	    appends={"bounce": [("bob@remote.test", "5.1.1", "failed")],
	    "defer": [("bob@remote.test", "4.3.0", "delayed")]},
	    log=["dsn=4.3.0"], warn=True),
	dict(name="defer service answers non-zero: still DEFER, logged "
	    "deferred, warning", smtp_rcpt={"bob@remote.test":
	    "450 4.2.0 busy"}, svc={"defer": "fail"}, want="DEFER",
	    appends={"defer": [("bob@remote.test", "4.2.0", "delayed")]},
	    log=["status=deferred", "defer service failure"]),
	# Postfix's mail_open_ok() refuses it silently: no warning asserted.
	dict(name="queue file mode 0600: DEFER, untouched", qmode=0o600,
	    want="DEFER"),
	# Postfix's smtp(8) (src/smtp/smtp_proto.c) hits EOF before X while
	# sending DATA: bad record type -1, every recipient bounced 5.3.0
	# "unreadable mail queue entry" (marked done), then chmod 0400 and
	# status 0; qmgr moves the file to corrupt/. smtpjail sees the short
	# file before it connects: the same outcome, nothing sent.
	dict(name="truncated queue file (no X/E): bounced 5.3.0, marked, "
	    "file mode 0400, FINAL", truncate=lambda d: len(d) - 6,
	    want="FINAL", marked=[0], warn=True, mode=0o400, no_smtp=True,
	    appends={"bounce": [("bob@remote.test", "5.3.0",
	    "failed")]},
	    log=["bad record type: -1 in message content", "relay=none",
	    "dsn=5.3.0, status=bounced (unreadable mail queue entry)",
	    "corrupted queue file"]),
	# soft_bounce: smtp_mesg_fail() defers instead (4.3.0), the status
	# is not 0, so smtp_proto.c does not mark the file corrupt.
	dict(name="truncated queue file, soft_bounce=yes: deferred 4.3.0, "
	    "not marked, mode unchanged, DEFER", truncate=lambda d: len(d) - 6,
	    args=["-o", "soft_bounce=yes"], want="DEFER", warn=True,
	    no_smtp=True, appends={"defer": [("bob@remote.test", "4.3.0",
	    "delayed")]},
	    log=["dsn=4.3.0, status=SOFTBOUNCE (unreadable mail queue "
	    "entry)"],
	    nolog=["corrupted queue file"]),
	dict(name="recipient offset not at an R record: delivered, not "
	    "marked, DEFER", mutate=lambda c, r: (c, [set_attr(x, "offset",
	    int(dict(x)["offset"]) - 17) for x in r]), want="DEFER",
	    log=["status=sent", "not a recipient"]),
	dict(name="three recipients, request in reverse file order: sent, "
	    "bounced, deferred -> D at the first two offsets only, DEFER",
	    rcpts=["a@remote.test", "b@remote.test", "c@remote.test"],
	    order=[2, 1, 0], smtp_rcpt={"b@remote.test": "550 5.1.1 no",
	    "c@remote.test": "451 4.3.0 later"}, want="DEFER", marked=[0, 1],
	    appends={"bounce": [("b@remote.test", "5.1.1", "failed")],
	    "defer": [("c@remote.test", "4.3.0", "delayed")]},
	    log=["to=<a@remote.test>", "status=sent", "status=bounced",
	    "status=deferred"]),
	dict(name="all RCPT 550, reverse order: both bounced and marked, "
	    "FINAL", rcpts=TWO, order=[1, 0],
	    smtp_rcpt={"bob@remote.test": "550 5.1.1 no",
	    "carol@remote.test": "553 5.1.3 bad"}, want="FINAL",
	    marked=[0, 1],
	    appends={"bounce": [("carol@remote.test", "5.1.3", "failed"),
	    ("bob@remote.test", "5.1.1", "failed")]},
	    log=["status=bounced"]),
	# Postfix: "fatal: shared lock" (qmgr sees a crash and defers);
	# smtpjail must defer too and must not deliver (duplicate delivery).
	dict(name="queue file locked exclusively: DEFER, no delivery, "
	    "untouched", locked=True, want="DEFER", warn=True, no_smtp=True),
	dict(name="malformed: recipient_count 2 but one recipient list, "
	    "then EOF", rcpts=TWO, raw=lambda c, r: attr_list(c) +
	    attr_list(r[0]), half_close=True, want="DEFER", warn=True),
	dict(name="malformed: recipient_count 4294967295 (oversize)",
	    raw=lambda c, r: attr_list(set_attr(c, "recipient_count",
	    4294967295)) + b"".join(attr_list(x) for x in r),
	    want="DEFER", warn=True),
	dict(name="malformed: recipient offset inside the message content",
	    mutate=lambda c, r: (c, [set_attr(x, "offset", dict(c)["offset"])
	    for x in r]), want="DEFER", log=["status=sent"]),
	dict(name="50 recipients, all delivered: all 50 marked, FINAL",
	    rcpts=["r%02d@remote.test" % i for i in range(50)],
	    order=list(range(49, -1, -1)), want="FINAL",
	    marked=list(range(50)), log=["to=<r49@remote.test>"]),
	dict(name="flags without SUCCESS: delivered, not marked, FINAL",
	    flags=2, want="FINAL", log=["status=sent"]),
	dict(name="flags without SUCCESS, RCPT 550: bounced and still "
	    "marked, FINAL", flags=2,
	    smtp_rcpt={"bob@remote.test": "550 5.1.1 no"}, want="FINAL",
	    marked=[0],
	    appends={"bounce": [("bob@remote.test", "5.1.1", "failed")]},
	    log=["status=bounced"]),
	dict(name="flags 8195 (REC_DLY_SENT), NOTIFY empty: trace APPEND "
	    "flags 8192, marked, FINAL", flags=8195, want="FINAL",
	    marked=[0],
	    appends={"trace": [("bob@remote.test", "2.", "relayed")]},
	    log=["status=sent"]),
	dict(name="flags 1027 with the trace service down: deferred 4.3.0, "
	    "not marked, DEFER", flags=1027, svc={"trace": "absent"},
	    want="DEFER",
	    appends={"defer": [("bob@remote.test", "4.3.0", "delayed")]},
	    log=["dsn=4.3.0", "trace service failed"]),
	dict(name="sendopts instead of smtputf8 accepted",
	    mutate=rename("smtputf8", "sendopts"), want="FINAL", marked=[0],
	    log=["status=sent"]),
	# As the truncated file above (src/smtp/smtp_proto.c).
	dict(name="corrupt content record: bounced 5.3.0, marked, file mode "
	    "0400, FINAL", corrupt=True, want="FINAL", marked=[0],
	    mode=0o400, warn=True, no_smtp=True,
	    appends={"bounce": [("bob@remote.test", "5.3.0",
	    "failed")]},
	    log=["bad record type:", "status=bounced (unreadable mail queue "
	    "entry)", "corrupted queue file"]),
	# Postmaster notices (Postfix smtp_chat_notify()): a 501 to RCPT
	# is a protocol error (Postfix smtp_check_code()).
	dict(name="notify_classes=protocol, RCPT 501: one notice to "
	    "postmaster with the transcript, outcomes as usual",
	    rcpts=TWO, args=["-o", "notify_classes=resource, software, "
	    "protocol"], smtp_rcpt={"carol@remote.test":
	    "501 5.5.4 Syntax error, weird"}, want="FINAL", marked=[0, 1],
	    appends={"bounce": [("carol@remote.test", "5.5.4", "failed")]},
	    notices=1, notice_has=[" In:  220 fake.test ESMTP",
	    " Out: EHLO pj.example.test", " In:  250-fake.test",
	    " In:  250 8BITMIME", " Out: MAIL FROM:<alice@example.test> "
	    "BODY=8BITMIME", " In:  250 2.1.0 Ok",
	    " Out: RCPT TO:<bob@remote.test>", " In:  250 2.1.5 Ok",
	    " Out: RCPT TO:<carol@remote.test>",
	    " In:  501 5.5.4 Syntax error, weird", " Out: DATA",
	    " In:  354 go ahead", " Out: .", " In:  250 2.0.0 Ok: queued as "
	    "FAKE1", " Out: QUIT"],
	    log=["status=bounced", "status=sent"]),
	dict(name="notify_classes without protocol, RCPT 501: no notice",
	    rcpts=TWO, smtp_rcpt={"carol@remote.test":
	    "501 5.5.4 Syntax error, weird"}, want="FINAL", marked=[0, 1],
	    appends={"bounce": [("carol@remote.test", "5.5.4", "failed")]},
	    notices=0, log=["status=bounced", "status=sent"]),
	dict(name="notify_classes=protocol, RCPT 550 (not a protocol "
	    "error): no notice", args=["-o", "notify_classes=protocol"],
	    smtp_rcpt={"bob@remote.test": "550 5.1.1 no such user"},
	    want="FINAL", marked=[0],
	    appends={"bounce": [("bob@remote.test", "5.1.1", "failed")]},
	    notices=0, log=["status=bounced"]),
	dict(name="notify_classes=protocol, null sender: no notice",
	    args=["-o", "notify_classes=protocol"],
	    mutate=set_common("sender", ""),
	    smtp_rcpt={"bob@remote.test": "501 5.5.4 Syntax error"},
	    want="FINAL", marked=[0],
	    appends={"bounce": [("bob@remote.test", "5.5.4", "failed")]},
	    notices=0, log=["status=bounced"]),
	# Postfix smtp_chat_resp(): a line without "NNN[ -]" is a protocol
	# error even when the reply that follows is fine.
	dict(name="notify_classes=protocol, garbage line before a RCPT 250: "
	    "delivered, one notice showing the line",
	    args=["-o", "notify_classes=protocol"],
	    smtp_rcpt={"bob@remote.test": "hello there\r\n250 2.1.5 Ok"},
	    want="FINAL", marked=[0], notices=1,
	    notice_has=[" Out: RCPT TO:<bob@remote.test>",
	    " In:  hello there", " In:  250 2.1.5 Ok", " Out: DATA"],
	    log=["status=sent"]),
	dict(name="notify_classes=protocol, cleanup absent: warning, "
	    "outcomes unchanged", rcpts=TWO,
	    args=["-o", "notify_classes=protocol"], cleanup="absent",
	    smtp_rcpt={"carol@remote.test": "501 5.5.4 Syntax error, weird"},
	    want="FINAL", marked=[0, 1],
	    appends={"bounce": [("carol@remote.test", "5.5.4", "failed")]},
	    notices=0, warn=True, log=["status=bounced", "status=sent",
	    "warning: connect to public/cleanup: ",
	    "warning: postmaster notify: connect to public/cleanup: "]),
	# smtp(8) marks a recipient once the content got its 250; a child
	# killed in QUIT after reporting must not make it a duplicate.
	dict(name="child killed in QUIT after 250 to the content: sent, "
	    "marked, FINAL", stall="quit",
	    args=["-o", "smtp_skip_quit_response=no"], want="FINAL",
	    marked=[0], log=["status=sent", "child killed by signal 9",
	    "after reporting all 1 recipients"]),
	# debug_peer_list: the chat with a matching peer is logged as
	# Postfix's smtp_chat does at a raised verbosity, content is not.
	dict(name="debug_peer_list matches the server: its chat is logged",
	    args=["-o", "debug_peer_list=192.0.2.0/24, 127.0.0.0/8"],
	    want="FINAL", marked=[0], log=[
	    "> 127.0.0.1[127.0.0.1]:{port}: EHLO pj.example.test",
	    "< 127.0.0.1[127.0.0.1]:{port}: 250 8BITMIME",
	    "> 127.0.0.1[127.0.0.1]:{port}: MAIL FROM:<alice@example.test>",
	    "> 127.0.0.1[127.0.0.1]:{port}: .",
	    "< 127.0.0.1[127.0.0.1]:{port}: 250 2.0.0 Ok: queued as FAKE1",
	    "status=sent"], nolog=["Subject:"]),
	dict(name="debug_peer_list without the server: no chat logged",
	    args=["-o", "debug_peer_list=!127.0.0.1 127.0.0.0/8"],
	    want="FINAL", marked=[0], log=["status=sent"],
	    nolog=["> 127.0.0.1[127.0.0.1]:{port}: EHLO"]),
	dict(name="child killed mid-request: DEFER, nothing marked",
	    rcpts=TWO, stall=True, want="DEFER",
	    appends={"defer": [("bob@remote.test", "4.3.0", "delayed"),
	    ("carol@remote.test", "4.3.0", "delayed")]},
	    log=["child killed by signal 9"]),
]


def run_scenarios(env, scenarios, run, label=""):
	"""Run each scenario (run(env, sc, idx) returns a list of problems),
	print "ok - "/"not ok - " lines, honour SJ_PARENT_ONLY, _TIMES and
	_KEEP, clean env up; the exit status: 1 when one failed."""
	only = os.environ.get("SJ_PARENT_ONLY")
	failed = 0
	try:
		for idx, sc in enumerate(scenarios):
			if only and only not in sc["name"]:
				continue
			t0 = time.time()
			try:
				probs = run(env, sc, idx)
			except Exception as ex:		# report, go on
				probs = ["exception %s: %s" % (type(ex).__name__,
				    ex)]
			if probs:
				failed += 1
				print("not ok - %s%s" % (label, sc["name"]))
				for p in probs:
					print("#   %s" % p)
			else:
				print("ok - %s%s" % (label, sc["name"]))
			if os.environ.get("SJ_PARENT_TIMES"):
				print("# %.1fs" % (time.time() - t0))
			sys.stdout.flush()
	finally:
		if not os.environ.get("SJ_PARENT_KEEP"):
			env.cleanup()
		else:
			print("# kept %s" % env.tmp)
	return 1 if failed else 0


def main():
	if len(sys.argv) != 2:
		print("usage: fake_postfix.py SMTPJAIL_BINARY", file=sys.stderr)
		return 2
	# timeout(1) in t_parent.sh sends SIGTERM: clean up on the way out.
	signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))
	env = Env(os.path.abspath(sys.argv[1]))
	return run_scenarios(env, SCENARIOS,
	    lambda env, sc, idx: scenario(env, sc))


if __name__ == "__main__":
	sys.exit(main())
