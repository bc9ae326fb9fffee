#!/usr/bin/python3
# NAME
#	tls_hostile_server.py - an SMTP server that misbehaves after STARTTLS
# SUMMARY
#	tls_hostile_server.py DIR CERT KEY HUGECHAIN MANYCHAIN MODE=ADDR...
# DESCRIPTION
#	Listens on ADDR:25 for each MODE=ADDR and greets, answers EHLO
#	(offering STARTTLS; no PIPELINING, no CHUNKING) and accepts mail in
#	clear text as a plain SMTP server does. What it does after the
#	client's STARTTLS depends on the MODE of the address the client
#	connected to:
#
#	    garbage    220, reads the ClientHello, then 2 KiB of bytes that
#	               are no TLS record instead of a ServerHello; reads
#	               until the client closes
#	    truncated  220, reads the ClientHello, sends the first 40
#	               bytes of a real ServerHello flight (a record header
#	               announcing more than follows) and stalls until the
#	               client gives up
#	    close      220, reads the ClientHello, sends half of the real
#	               server flight and closes the connection (its
#	               sending half: what the client sends is read until
#	               it closes, so no RST is sent)
#	    reset      the same, but the connection is reset (SO_LINGER 0:
#	               RST, no FIN)
#	    hugechain  220, a real TLS handshake presenting CERT followed by
#	               the certificates of HUGECHAIN (more than the 100 KiB
#	               OpenSSL accepts in a Certificate message)
#	    manychain  the same with MANYCHAIN (100+ certificates, less
#	               than 100 KiB)
#	    reneg      220, a real TLS 1.2 handshake; after the EHLO that
#	               follows, the server starts a renegotiation
#	               (SSL_renegotiate(): a HelloRequest, RFC 5246 7.4.1.1)
#	               before it answers; then mail as usual
#	    keyupdate  220, TLS 1.3; after the EHLO that follows, the
#	               server sends KEY_UPDATES (40) KeyUpdate messages
#	               that request one in return (RFC 8446 4.6.3;
#	               OpenSSL's SSL_key_update()) before it answers
#	    badrecord  220, a real TLS handshake; the EHLO that follows
#	               is answered in clear text on the socket, past the
#	               TLS layer (no TLS record), then nothing
#	    refuse     answers STARTTLS with 454 4.7.0
#
#	Python's ssl module cannot start a renegotiation or a key update:
#	"reneg" and "keyupdate" call SSL_renegotiate() and
#	SSL_key_update() of the libssl Python's ssl module is linked with,
#	through ctypes, on the SSL pointer of the _ssl socket object (the
#	field after the weak reference to the socket in CPython's
#	PySSLSocket); it checks the pointer (SSL_is_server, SSL_version)
#	before it uses it.
#
#	Records, one line each, in DIR/events.log: "MODE EVENT TIME:THREAD
#	DETAIL"
#	(connect, starttls, renegotiate, renegotiated, tls-error, ...);
#	in DIR/delivered.log: "MODE tls|plain MESSAGE-ID RCPT,... RENEG" for
#	every transaction answered with 250 after the final dot, RENEG
#	the number of renegotiations the TLS session went through
#	("reneg" mode; "-" elsewhere).
#	Prints "tls_hostile_server: ready" once every address listens.
# SECURITY
#	Test helper only; runs as root inside a throw-away network
#	namespace and talks only to the agents under test.
# SEE ALSO
#	tests/e2e/t_e2e_tls_hostile.sh, RFC 3207, RFC 5246 7.4.1.1,
#	RFC 5746, RFC 8446
import ctypes
import os
import re
import socket
import ssl
import struct
import sys
import threading
import time

HOLD_MAX = 60
KEY_UPDATES = 40
LOCK = threading.Lock()


def record(d, name, text):
    with LOCK:
        with open(os.path.join(d, name), "a") as f:
            f.write(text + "\n")


class Conn:
    def __init__(self, sock):
        self.s = sock          # a socket, or an ssl.SSLSocket after TLS
        self.buf = b""

    def send(self, text):
        self.s.sendall(text.encode() + b"\r\n")

    def line(self):
        while b"\n" not in self.buf:
            data = self.s.recv(65536)
            if not data:
                return None
            self.buf += data
        ln, self.buf = self.buf.split(b"\n", 1)
        return ln.rstrip(b"\r")


def drain(sock, seconds):
    """Read and drop until EOF, error or SECONDS."""
    sock.settimeout(0.5)
    end = time.time() + seconds
    while time.time() < end:
        try:
            if not sock.recv(65536):
                return
        except socket.timeout:
            continue
        except OSError:
            return


def read_client_hello(sock):
    """The client's first TLS flight (a ClientHello), as far as it came."""
    sock.settimeout(10)
    data = b""
    try:
        while len(data) < 5 or len(data) < 5 + int.from_bytes(data[3:5],
                                                               "big"):
            got = sock.recv(65536)
            if not got:
                break
            data += got
    except OSError:
        pass
    return data


def server_flight(ctx, hello):
    """The server's answer to HELLO, made by a real TLS server."""
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_side=True)
    inc.write(hello)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return out.read()


class Libssl:
    """SSL_renegotiate() on an ssl.SSLSocket (see DESCRIPTION)."""

    def __init__(self):
        self.lib = ctypes.CDLL("libssl.so.3")
        for name, args in (("SSL_renegotiate", [ctypes.c_void_p]),
                           ("SSL_do_handshake", [ctypes.c_void_p]),
                           ("SSL_is_server", [ctypes.c_void_p]),
                           ("SSL_version", [ctypes.c_void_p]),
                           ("SSL_renegotiate_pending", [ctypes.c_void_p]),
                           ("SSL_key_update", [ctypes.c_void_p,
                                               ctypes.c_int]),
                           ("SSL_get_error", [ctypes.c_void_p,
                                              ctypes.c_int])):
            f = getattr(self.lib, name)
            f.argtypes = args
            f.restype = ctypes.c_int
        self.lib.SSL_ctrl.argtypes = [ctypes.c_void_p, ctypes.c_int,
                                      ctypes.c_long, ctypes.c_void_p]
        self.lib.SSL_ctrl.restype = ctypes.c_long

    def ssl_of(self, sslsock, version=0x0303):
        obj = sslsock._sslobj
        p = ctypes.c_void_p.from_address(
            id(obj) + 3 * ctypes.sizeof(ctypes.c_void_p)).value
        if not p or self.lib.SSL_is_server(p) != 1 or \
                self.lib.SSL_version(p) != version:
            raise RuntimeError("not the SSL object of a TLS 0x%04x server"
                               % version)
        return p

    def total_renegotiations(self, p):
        return self.lib.SSL_ctrl(p, 12, 0, None)  # SSL_total_renegotiations


class Server:
    def __init__(self, d, cert, key, huge, many):
        self.d = d
        self.ctx = {}
        for name, chain in (("plain", None), ("hugechain", huge),
                            ("manychain", many)):
            c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            c.load_cert_chain(cert, key)
            if chain:
                # The leaf first, then every certificate of CHAIN.
                both = os.path.join(d, "chain-" + name + ".pem")
                with open(both, "w") as f:
                    f.write(open(cert).read())
                    f.write(open(chain).read())
                c.load_cert_chain(both, key)
            self.ctx[name] = c
        r = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        r.load_cert_chain(cert, key)
        r.maximum_version = ssl.TLSVersion.TLSv1_2
        self.ctx["reneg"] = r
        self.libssl = Libssl()

    def event(self, mode, ev, detail=""):
        record(self.d, "events.log", ("%s %s %s %s" % (
            mode, ev, self.tag(), detail)).strip())

    @staticmethod
    def tag():
        return "%.3f:%s" % (time.time(), threading.current_thread().name)

    def starttls(self, mode, c):
        """After STARTTLS: None to end the connection, else the Conn."""
        s = c.s
        if mode == "refuse":
            c.send("454 4.7.0 TLS not available due to local problem")
            return c
        c.send("220 2.0.0 Ready to start TLS")
        self.event(mode, "starttls")
        if mode == "garbage":
            # In answer to the ClientHello: sent at once after the 220,
            # the bytes may reach the client with the 220 and be read
            # (and discarded, RFC 3207 section 4.2) as part of that
            # reply, so that the handshake waits for a timeout instead.
            read_client_hello(s)
            junk = (b"\x00\xffThis is no ServerHello\r\n" * 80)[:2048]
            s.sendall(junk)
            drain(s, HOLD_MAX)
            return None
        if mode in ("truncated", "close", "reset"):
            hello = read_client_hello(s)
            flight = server_flight(self.ctx["plain"], hello)
            self.event(mode, "flight", "%d of %d bytes" % (
                40 if mode == "truncated" else len(flight) // 2,
                len(flight)))
            if mode == "truncated":
                s.sendall(flight[:40])
                drain(s, HOLD_MAX)
            elif mode == "reset":
                # An abortive close (SO_LINGER 0): RST after half the
                # flight.
                s.sendall(flight[:len(flight) // 2])
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                             struct.pack("ii", 1, 0))
            else:
                # FIN after half the flight; what the client still
                # sends is read, so that the close sends no RST.
                s.sendall(flight[:len(flight) // 2])
                s.shutdown(socket.SHUT_WR)
                drain(s, HOLD_MAX)
            return None
        ctx = self.ctx.get(mode, self.ctx["plain"])
        s.settimeout(30)
        try:
            t = ctx.wrap_socket(s, server_side=True)
        except (ssl.SSLError, OSError) as e:
            self.event(mode, "tls-error", str(e))
            return None
        self.event(mode, "tls", t.version() or "?")
        t.settimeout(None if mode == "reneg" else 30)
        return Conn(t)

    def renegotiate(self, mode, c):
        try:
            p = self.libssl.ssl_of(c.s)
            rc = self.libssl.lib.SSL_renegotiate(p)
            hs = self.libssl.lib.SSL_do_handshake(p)
            self.event(mode, "renegotiate", "SSL_renegotiate=%d "
                       "SSL_do_handshake=%d" % (rc, hs))
        except (RuntimeError, OSError) as e:
            self.event(mode, "renegotiate-error", str(e))

    def key_updates(self, mode, c):
        """KEY_UPDATES KeyUpdate(update_requested) messages in a row."""
        try:
            p = self.libssl.ssl_of(c.s, 0x0304)
            n = 0
            for _ in range(KEY_UPDATES):
                if self.libssl.lib.SSL_key_update(p, 1) != 1 or \
                        self.libssl.lib.SSL_do_handshake(p) != 1:
                    break
                n += 1
            self.event(mode, "keyupdate", "%d sent" % n)
        except (RuntimeError, OSError) as e:
            self.event(mode, "keyupdate-error", str(e))

    def session(self, mode, sock):
        c = Conn(sock)
        tls = False
        rcpts = []
        self.event(mode, "connect")
        try:
            c.send("220 hostile.sink.test ESMTP")
            while True:
                ln = c.line()
                if ln is None:
                    self.event(mode, "eof", "tls" if tls else "plain")
                    return
                cmd = ln[:4].upper()
                if cmd == b"EHLO":
                    if mode == "reneg" and tls:
                        self.renegotiate(mode, c)
                    if mode == "keyupdate" and tls:
                        self.key_updates(mode, c)
                    if mode == "badrecord" and tls:
                        # Past the TLS layer, on the socket itself.
                        os.write(c.s.fileno(), b"250 not a TLS record\r\n")
                        self.event(mode, "badrecord")
                        drain(c.s, HOLD_MAX)
                        return
                    c.send("250-hostile.sink.test")
                    if not tls:
                        c.send("250-STARTTLS")
                    c.send("250 8BITMIME")
                elif cmd == b"HELO":
                    c.send("250 hostile.sink.test")
                elif cmd == b"STAR" and not tls:
                    c = self.starttls(mode, c)
                    if c is None:
                        return
                    tls = c.s is not sock
                elif cmd == b"MAIL":
                    if mode == "reneg" and tls:
                        self.event(mode, "renegotiated", "%d" %
                                   self.libssl.total_renegotiations(
                                       self.libssl.ssl_of(c.s)))
                    rcpts = []
                    c.send("250 2.1.0 Ok")
                elif cmd == b"RCPT":
                    m = re.search(rb"<([^>]*)>", ln)
                    rcpts.append(m.group(1).decode() if m else "?")
                    c.send("250 2.1.5 Ok")
                elif cmd == b"DATA":
                    c.send("354 End data with <CR><LF>.<CR><LF>")
                    mid = "none"
                    while True:
                        ln = c.line()
                        if ln is None:
                            return
                        if ln == b".":
                            break
                        if mid == "none" and \
                                ln.lower().startswith(b"message-id:"):
                            mid = ln.split(b":", 1)[1].strip().decode(
                                "ascii", "replace").strip("<>")
                    reneg = "-"
                    if mode == "reneg" and tls:
                        reneg = "%d" % self.libssl.total_renegotiations(
                            self.libssl.ssl_of(c.s))
                    record(self.d, "delivered.log", "%s %s %s %s %s" % (
                        mode, "tls" if tls else "plain", mid,
                        ",".join(rcpts), reneg))
                    c.send("250 2.0.0 Ok: queued as H%d" %
                           int(time.time() * 1000))
                elif cmd == b"QUIT":
                    c.send("221 2.0.0 Bye")
                    return
                elif cmd in (b"RSET", b"NOOP"):
                    c.send("250 2.0.0 Ok")
                else:
                    c.send("502 5.5.2 Error: command not recognized")
        except (OSError, ssl.SSLError) as e:
            self.event(mode, "error", str(e).replace("\n", " "))
        finally:
            try:
                c.s.close()
                sock.close()
            except OSError:
                pass

    def listen(self, mode, addr):
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind((addr, 25))
        ls.listen(16)

        def loop():
            while True:
                s, _ = ls.accept()
                threading.Thread(target=self.session, args=(mode, s),
                                 name="%s:%d" % s.getpeername(),
                                 daemon=True).start()
        threading.Thread(target=loop, daemon=True).start()


def main():
    if len(sys.argv) < 7:
        print("usage: tls_hostile_server.py DIR CERT KEY HUGECHAIN "
              "MANYCHAIN MODE=ADDR...", file=sys.stderr)
        return 2
    srv = Server(*sys.argv[1:6])
    for arg in sys.argv[6:]:
        mode, addr = arg.split("=", 1)
        srv.listen(mode, addr)
    print("tls_hostile_server: ready", flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    sys.exit(main())
