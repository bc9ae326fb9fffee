#!/usr/bin/python3
# NAME
#	auth_server.py - an SMTP receiver that relays only after AUTH
# SUMMARY
#	auth_server.py ADDR PORT USERS LOG [MECHS_FILE]
# DESCRIPTION
#	A scripted stand-in for a submission server, for the SASL tests
#	(the Cyrus sasldb back end of a Postfix smtpd does not find its
#	database inside the test instance). It greets as relay.sink.test,
#	offers "AUTH PLAIN LOGIN" (or the words in MECHS_FILE, read for
#	each connection; and PIPELINING, 8BITMIME), checks PLAIN (RFC 4616,
#	initial response or after an empty 334), LOGIN and CRAM-MD5 (RFC
#	2195) against USERS ("user:password" lines) and answers as Postfix's
#	smtpd does: "235 2.7.0 Authentication successful", "535 5.7.8
#	Error: authentication failed: authentication failure". Without a
#	successful AUTH every RCPT gets "554 5.7.1 <rcpt>: Relay access
#	denied". Each AUTH outcome is appended to LOG as
#	"auth MECH USER ok|fail"; each accepted message as "mail USER RCPT".
# SECURITY
#	Test helper only; runs as root inside a throw-away network
#	namespace and talks only to the agents under test.
# SEE ALSO
#	tests/e2e/t_e2e_sasl.sh
import base64
import hashlib
import hmac
import os
import socket
import sys
import threading

ADDR, PORT, USERS, LOG = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
MECHS = sys.argv[5] if len(sys.argv) > 5 else None


def mechs():
    try:
        with open(MECHS) as f:
            return f.read().strip() or "PLAIN LOGIN"
    except (OSError, TypeError):
        return "PLAIN LOGIN"
lock = threading.Lock()


def log(text):
    with lock, open(LOG, "a") as f:
        f.write(text + "\n")


def users():
    out = {}
    with open(USERS) as f:
        for line in f:
            line = line.rstrip("\n")
            if ":" in line:
                u, p = line.split(":", 1)
                out[u] = p
    return out


def b64(s):
    try:
        return base64.b64decode(s, validate=True)
    except Exception:
        return None


def serve(conn):
    f = conn.makefile("rb")

    def send(text):
        conn.sendall(text.encode() + b"\r\n")

    def line():
        data = f.readline(4096)
        if not data:
            raise EOFError
        return data.rstrip(b"\r\n").decode("latin-1")

    user = None
    send("220 relay.sink.test ESMTP")
    try:
        while True:
            cmd = line()
            word = cmd.split(" ", 1)[0].upper()
            if word in ("EHLO", "HELO"):
                send("250-relay.sink.test\r\n250-PIPELINING\r\n"
                     "250-AUTH %s\r\n250 8BITMIME" % mechs())
            elif word == "AUTH":
                parts = cmd.split(" ")
                mech = parts[1].upper() if len(parts) > 1 else ""
                if user is not None:
                    send("503 5.5.1 Error: already authenticated")
                    continue
                name = pw = None
                if mech == "PLAIN":
                    resp = parts[2] if len(parts) > 2 else None
                    if resp is None:
                        send("334 ")
                        resp = line()
                    raw = b64(resp) or b""
                    fields = raw.split(b"\0")
                    if len(fields) == 3:
                        name, pw = fields[1].decode(), fields[2].decode()
                elif mech == "CRAM-MD5":
                    chal = ("<%d.%d@relay.sink.test>" %
                            (os.getpid(), id(conn))).encode()
                    send("334 " + base64.b64encode(chal).decode())
                    raw = (b64(line()) or b"").decode("latin-1")
                    if " " in raw:
                        name, digest = raw.rsplit(" ", 1)
                        want = users().get(name)
                        if want is not None and hmac.compare_digest(
                                hmac.new(want.encode(), chal,
                                         hashlib.md5).hexdigest(), digest):
                            pw = want
                elif mech == "LOGIN":
                    send("334 VXNlcm5hbWU6")
                    name = (b64(line()) or b"").decode()
                    send("334 UGFzc3dvcmQ6")
                    pw = (b64(line()) or b"").decode()
                else:
                    send("535 5.7.8 Error: authentication failed: "
                         "Invalid authentication mechanism")
                    continue
                if name is not None and users().get(name) == pw:
                    user = name
                    log("auth %s %s ok" % (mech, name))
                    send("235 2.7.0 Authentication successful")
                else:
                    log("auth %s %s fail" % (mech, name))
                    send("535 5.7.8 Error: authentication failed: "
                         "authentication failure")
            elif word == "MAIL":
                send("250 2.1.0 Ok")
            elif word == "RCPT":
                rcpt = cmd[cmd.find("<"):cmd.find(">") + 1]
                if user is None:
                    send("554 5.7.1 %s: Relay access denied" % rcpt)
                else:
                    log("mail %s %s" % (user, rcpt))
                    send("250 2.1.5 Ok")
            elif word == "DATA":
                send("354 End data with <CR><LF>.<CR><LF>")
                while line() != ".":
                    pass
                send("250 2.0.0 Ok: queued as TEST")
            elif word == "RSET":
                send("250 2.0.0 Ok")
            elif word == "QUIT":
                send("221 2.0.0 Bye")
                break
            else:
                send("502 5.5.2 Error: command not recognized")
    except (EOFError, OSError):
        pass
    conn.close()


s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((ADDR, PORT))
s.listen(16)
print("auth_server: listening on %s:%d" % (ADDR, PORT), flush=True)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
