#!/usr/bin/python3
# NAME
#	stall_server.py - an SMTP server that stops answering at a chosen stage
# SUMMARY
#	stall_server.py ADDR PORT DIR
#	stall_server.py --blackhole ADDR PORT
# DESCRIPTION
#	A minimal SMTP receiver (no PIPELINING, so every command waits for
#	its reply) for the kill-at-every-stage tests. For each connection
#	it reads DIR/stage (missing or "none": behave normally) and stalls
#	at that stage:
#
#	    greeting  no greeting is sent
#	    ehlo      EHLO is read, not answered
#	    mail      MAIL FROM is read, not answered
#	    rcpt1     the first RCPT TO is read, not answered
#	    rcpt2     the second RCPT TO is read, not answered
#	    data      DATA is read, not answered
#	    content   354 is sent, then 64 KiB of content are read and
#	              reading stops (the client is left mid-content)
#	    dot       the whole content up to the final dot is read, no
#	              reply (recorded in DIR/unacked.log)
#	    quit      250 after the final dot (recorded in
#	              DIR/delivered.log), then QUIT is read, not answered
#
#	On reaching the stall it creates DIR/at-STAGE (the test waits for
#	it), then holds the connection until the client closes it or
#	DIR/release exists (at most 300 s). Every transaction answered with
#	250 after the dot appends "MESSAGE-ID RCPT,RCPT..." to
#	DIR/delivered.log; the test counts deliveries there.
#
#	When DIR/offer-size exists, EHLO offers SIZE (no limit) and each
#	transaction answered with 250 also appends "MESSAGE-ID RCPT,...
#	MAIL-FROM-LINE" to DIR/mail.log (the SIZE= a client announced).
#
#	--blackhole listens with a backlog of 0 and fills that backlog with
#	one connection of its own, never accepting: a client's SYN is
#	dropped and its connect() hangs (the "connect" stage).
# SECURITY
#	Test helper only; runs as root inside a throw-away network
#	namespace and talks only to the agent under test.
# SEE ALSO
#	tests/e2e/t_e2e_faults.sh
import os
import re
import select
import socket
import sys
import threading
import time

HOLD_MAX = 300
CONTENT_STALL_AT = 65536


class Conn:
    def __init__(self, sock, d):
        self.s = sock
        self.d = d
        self.buf = b""
        self.eof = False

    def send(self, text):
        self.s.sendall(text.encode() + b"\r\n")

    def line(self):
        while b"\n" not in self.buf:
            data = self.s.recv(65536)
            if not data:
                self.eof = True
                return None
            self.buf += data
        ln, self.buf = self.buf.split(b"\n", 1)
        return ln.rstrip(b"\r")

    def stall(self, stage, reading=True):
        open(os.path.join(self.d, "at-" + stage), "w").close()
        end = time.time() + HOLD_MAX
        release = os.path.join(self.d, "release")
        while time.time() < end and not os.path.exists(release):
            if reading:
                r, _, _ = select.select([self.s], [], [], 0.1)
                if r:
                    try:
                        if not self.s.recv(65536):
                            return
                    except OSError:
                        return
            else:
                time.sleep(0.1)


def record(d, name, text):
    with open(os.path.join(d, name), "a") as f:
        f.write(text + "\n")


def session(sock, d):
    c = Conn(sock, d)
    try:
        with open(os.path.join(d, "stage")) as f:
            stage = f.read().strip()
    except OSError:
        stage = "none"
    try:
        if stage == "greeting":
            return c.stall(stage)
        c.send("220 stall.sink.test ESMTP")
        rcpts = []
        mail_line = ""
        while True:
            ln = c.line()
            if ln is None:
                return
            cmd = ln[:4].upper()
            if cmd in (b"EHLO", b"HELO"):
                if stage == "ehlo":
                    return c.stall(stage)
                if cmd == b"EHLO":
                    c.send("250-stall.sink.test")
                    if os.path.exists(os.path.join(d, "offer-size")):
                        c.send("250-SIZE")
                    c.send("250 8BITMIME")
                else:
                    c.send("250 stall.sink.test")
            elif cmd == b"MAIL":
                if stage == "mail":
                    return c.stall(stage)
                rcpts = []
                mail_line = ln.decode("ascii", "replace")
                c.send("250 2.1.0 Ok")
            elif cmd == b"RCPT":
                m = re.search(rb"<([^>]*)>", ln)
                rcpts.append(m.group(1).decode() if m else "?")
                if stage == "rcpt%d" % len(rcpts):
                    return c.stall(stage)
                c.send("250 2.1.5 Ok")
            elif cmd == b"DATA":
                if stage == "data":
                    return c.stall(stage)
                c.send("354 End data with <CR><LF>.<CR><LF>")
                got = 0
                mid = "none"
                while True:
                    ln = c.line()
                    if ln is None:
                        return
                    got += len(ln) + 2
                    if ln == b".":
                        break
                    if mid == "none" and ln.lower().startswith(b"message-id:"):
                        mid = ln.split(b":", 1)[1].strip().decode(
                            "ascii", "replace").strip("<>")
                    if stage == "content" and got >= CONTENT_STALL_AT:
                        return c.stall(stage, reading=False)
                if stage == "dot":
                    record(d, "unacked.log", "%s %s" % (mid, ",".join(rcpts)))
                    return c.stall(stage)
                record(d, "delivered.log", "%s %s" % (mid, ",".join(rcpts)))
                if os.path.exists(os.path.join(d, "offer-size")):
                    record(d, "mail.log", "%s %s %s" % (mid, ",".join(rcpts),
                        mail_line))
                c.send("250 2.0.0 Ok: queued as S%d" % int(time.time() * 1000))
            elif cmd == b"QUIT":
                if stage == "quit":
                    return c.stall(stage)
                c.send("221 2.0.0 Bye")
                return
            elif cmd in (b"RSET", b"NOOP"):
                c.send("250 2.0.0 Ok")
            else:
                c.send("502 5.5.2 Error: command not recognized")
    except OSError:
        pass
    finally:
        try:
            sock.close()
        except OSError:
            pass


def blackhole(addr, port):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, port))
    ls.listen(0)
    filler = socket.create_connection((addr, port), timeout=5)
    print("stall_server: blackhole on %s:%d" % (addr, port), flush=True)
    while True:
        time.sleep(3600)
    del filler


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--blackhole":
        return blackhole(sys.argv[2], int(sys.argv[3]))
    if len(sys.argv) != 4:
        print("usage: stall_server.py ADDR PORT DIR", file=sys.stderr)
        return 2
    addr, port, d = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, port))
    ls.listen(16)
    print("stall_server: listening on %s:%d" % (addr, port), flush=True)
    while True:
        s, _ = ls.accept()
        threading.Thread(target=session, args=(s, d), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main() or 0)
