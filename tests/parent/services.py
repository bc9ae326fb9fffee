#!/usr/bin/env python3
"""
NAME
	services.py - the real parent with Postfix services down, silent
	or talking garbage
SUMMARY
	tests/parent/services.py SMTPJAIL_BINARY
DESCRIPTION
	The service matrix of issue 7 at parent level, on the fake world of
	fake_postfix.py: bounce, defer, trace (private/), verify (private/)
	and flush (public/) each (i) down (socket absent), (ii) accepting
	but never greeting, (iii) greeting and reading the request but
	never answering, (iv) answering garbage (a non-numeric status, or
	bytes that are no attr0 at all), with $ipc_timeout at 2 s so a
	silent service must time out. Each scenario is a fake_postfix.py
	table entry, checked by its scenario(): the reply (never FINAL with
	a recipient left), exactly the right D bytes (nothing marked done on
	a failed report), what every service received, the log and a
	warning; verify and flush are checked here. The cases t_parent.sh
	already has (bounce fail/absent/bad greeting/close, defer
	absent/fail, trace absent) are not repeated.
	Prints "ok - name" / "not ok - name" lines.
SECURITY
	Test code; runs as root (the sandbox is built as master(8) would).
SEE ALSO
	tests/parent/t_services.sh, tests/parent/fake_postfix.py,
	parent/svc_client.c
"""
import os
import signal
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fake_postfix as fp  # noqa: E402

SILENCE = 30.0		# a silent service holds the line this long at most


class MatrixService(fp.FakeService):
	"""A fake service with the failure modes of the matrix on top of
	fake_postfix's: "silent" (accepts, never greets), "stall" (greets,
	reads the request, never answers), "garbage" (answers a
	non-numeric status), "junk" (sends bytes without any NUL instead
	of the greeting, then closes). 'sub' is private or public;
	'proto' the greeting's protocol name."""

	def __init__(self, qdir, name, sub="private",
	    proto="delivery_status_protocol"):
		fp.FakeService.__init__(self, qdir, name)
		self.path = os.path.join(qdir, sub, name)
		self.proto = proto
		self.release = threading.Event()

	def set_mode(self, mode):
		self.release.set()		# free the previous scenario's
		self.release = threading.Event()
		fp.FakeService.set_mode(self, mode)

	def _one(self, c):
		release = self.release
		try:
			if self.mode == "silent":
				release.wait(SILENCE)
				return
			if self.mode == "junk":
				c.sendall(b"\xff\xfeHELLO garbage \x01\x02" * 8)
				return
			c.sendall(fp.attr_list([("protocol", self.proto if
			    self.mode != "badgreet" else "bogus_protocol")]))
			lst = fp.Reader(c).read_list(10)
			with self.lock:
				self.got.append(lst)
			if self.mode == "stall":
				release.wait(SILENCE)
				return
			if self.mode == "noreply":
				return
			if self.mode == "garbage":
				c.sendall(fp.attr_list([("status", "banana")]))
				return
			c.sendall(fp.attr_list([("status",
			    0 if self.mode == "ok" else 1)]))
		except (OSError, EOFError, TimeoutError):
			pass
		finally:
			c.close()


def install(env):
	"""Replaces the fake services with matrix ones; adds verify, flush."""
	for n in list(env.svc):
		old = env.svc[n]
		old.set_mode("absent")
		env.svc[n] = MatrixService(env.q, n)
	env.extra = {
	    "verify": MatrixService(env.q, "verify", "private",
	    "address_verification_prrotocol"),
	    "flush": MatrixService(env.q, "flush", "public",
	    "queue_flush_protocol"),
	}


FAST = ["-o", "ipc_timeout=2s"]
FLUSH = FAST + ["-o", "fast_flush_domains=remote.test"]
B550 = {"bob@remote.test": "550 5.1.1 no such user"}
B450 = {"bob@remote.test": "450 4.2.0 busy"}
BOB = "bob@remote.test"
MODES = ("silent", "stall", "garbage", "junk")
READS = ("stall", "garbage")		# modes in which the list was read


def why(mode, sock):
	"""The reader's warning for a mode; sock is "private/bounce"."""
	return {"absent": "connect to %s: No such file" % sock,
	    "silent": "timeout on %s socket" % sock,
	    "stall": "timeout on %s socket" % sock,
	    "garbage": "malformed numerical data from %s socket" % sock,
	    "junk": "unexpected end-of-input from %s socket" % sock}[mode]


def matrix():
	out = []
	for m in MODES:
		got = m in READS
		out.append(dict(name="bounce %s: RCPT 550 deferred 4.3.0, not "
		    "marked, DEFER" % m, smtp_rcpt=B550, svc={"bounce": m},
		    args=FAST, want="DEFER", appends={"bounce": [(BOB, "5.1.1",
		    "failed")] if got else [], "defer": [(BOB, "4.3.0",
		    "delayed")]}, log=["dsn=4.3.0", "status=deferred",
		    why(m, "private/bounce")], warn=True))
		out.append(dict(name="defer %s: RCPT 450 still deferred, not "
		    "marked, DEFER" % m, smtp_rcpt=B450, svc={"defer": m},
		    args=FAST, want="DEFER", appends={"defer": [(BOB, "4.2.0",
		    "delayed")] if got else []}, log=["status=deferred",
		    why(m, "private/defer")], warn=True))
		out.append(dict(name="trace %s on NOTIFY=SUCCESS: delivered "
		    "but deferred 4.3.0, not marked, DEFER" % m, notify=2,
		    svc={"trace": m}, args=FAST, want="DEFER",
		    appends={"trace": [(BOB, "2.", "relayed")] if got else [],
		    "defer": [(BOB, "4.3.0", "delayed")]},
		    log=["dsn=4.3.0", "trace service failed",
		    why(m, "private/trace")], warn=True))
	for m in ("ok", "absent") + MODES:
		out.append(dict(name="flush %s: RCPT 450 deferred, not marked, "
		    "DEFER" % m, smtp_rcpt=B450, extra={"flush": m}, args=FLUSH,
		    want="DEFER", appends={"defer": [(BOB, "4.2.0", "delayed")]},
		    log=["status=deferred"] + ([] if m == "ok" else
		    ["flush service failure", why(m, "public/flush")]),
		    warn=m != "ok",
		    extra_got={"flush": 1 if m in ("ok",) + READS else 0}))
	# Address probes (verify(8), flags MTA_VRFY|SUCCESS): the RCPT is
	# tried, nothing is sent, the result goes to verify only.
	out.append(dict(name="verify ok: probe result recorded, marked, "
	    "FINAL", flags=257, extra={"verify": "ok"}, want="FINAL",
	    marked=[0], log=["status=deliverable"], extra_got={"verify": 1},
	    no_data=True))
	for m in ("absent",) + MODES:
		out.append(dict(name="verify %s: probe not recorded, not marked, "
		    "DEFER" % m, flags=257, extra={"verify": m}, args=FAST,
		    want="DEFER", warn=True, no_data=True,
		    log=["verify service", why(m, "private/verify")],
		    extra_got={"verify": 1 if m in READS else 0}))
	return out


SCENARIOS = matrix()
for _i, _sc in enumerate(SCENARIOS):
	_sc["qid"] = "PS%04d" % _i
# fake_postfix.scenario() looks a scenario up in its module's table.
fp.SCENARIOS = SCENARIOS


def run(env, sc):
	for n, s in env.extra.items():
		s.set_mode(sc.get("extra", {}).get(n, "absent"))
	probs = fp.scenario(env, sc)
	for n, want in sc.get("extra_got", {}).items():
		got = env.extra[n].received()
		if len(got) != want:
			probs.append("%s received %d requests, want %d: %r" % (n,
			    len(got), want, got))
		for lst in got:
			d = dict(lst)
			if n == "flush" and (d.get("request") != "add" or
			    d.get("site") != "remote.test" or
			    d.get("queue_id") != sc["qid"]):
				probs.append("flush request %r" % lst)
			if n == "verify" and (d.get("request") != "update" or
			    d.get("address") != BOB or
			    d.get("recipient_status") != "0"):
				probs.append("verify request %r" % lst)
	if sc.get("no_data") and any(x.upper() == "DATA" for x in
	    env.smtp.transcript):
		probs.append("probe sent DATA: %r" % env.smtp.transcript)
	for s in list(env.svc.values()) + list(env.extra.values()):
		s.release.set()
	return probs


def main():
	if len(sys.argv) != 2:
		print("usage: services.py SMTPJAIL_BINARY", file=sys.stderr)
		return 2
	signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))
	env = fp.Env(os.path.abspath(sys.argv[1]))
	install(env)
	return fp.run_scenarios(env, SCENARIOS,
	    lambda env, sc, idx: run(env, sc), "services: ")


if __name__ == "__main__":
	sys.exit(main())
