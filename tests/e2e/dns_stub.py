#!/usr/bin/python3
# NAME
#	dns_stub.py - a DNS responder that fails on purpose
# SUMMARY
#	dns_stub.py ADDR PORT SUFFIX=ACTION...
# DESCRIPTION
#	Answers every UDP (and TCP) query whose name equals or ends in
#	SUFFIX with the ACTION of the longest matching suffix:
#	SERVFAIL, REFUSED, NOTIMP, FORMERR, NXDOMAIN (an rcode, no records),
#	NODATA (NOERROR, no records), or DROP (no answer at all: the
#	resolver times out). Queries for other names get REFUSED.
#
#	The end-to-end tests (tests/e2e/lib.sh) run it inside their network
#	namespace next to dnsmasq, which forwards the failing zones here
#	(--server=/zone/ADDR#PORT): dnsmasq itself cannot answer SERVFAIL
#	or REFUSED for a chosen name.
# SECURITY
#	Test helper only; runs as root inside a throw-away network
#	namespace. Parses queries defensively and never crashes on garbage.
# SEE ALSO
#	tests/e2e/lib.sh, child/dns.c, Postfix src/dns/dns_lookup.c
import socket
import struct
import sys
import threading

RCODES = {"FORMERR": 1, "SERVFAIL": 2, "NXDOMAIN": 3, "NOTIMP": 4,
          "REFUSED": 5, "NODATA": 0}


def qname(pkt):
    """Return (lowercase name, end offset of the question) or None."""
    off = 12
    labels = []
    while off < len(pkt):
        n = pkt[off]
        if n == 0:
            off += 1
            if off + 4 > len(pkt):
                return None
            return ".".join(labels).lower(), off + 4
        if n & 0xC0 or off + 1 + n > len(pkt):
            return None
        labels.append(pkt[off + 1:off + 1 + n].decode("ascii", "replace"))
        off += 1 + n
    return None


def answer(pkt, rules):
    if len(pkt) < 12:
        return None
    qid, flags, qd = struct.unpack("!HHH", pkt[:6])
    if flags & 0x8000 or qd != 1:
        return None
    q = qname(pkt)
    if q is None:
        return struct.pack("!HHHHHH", qid, 0x8000 | 1, 0, 0, 0, 0)
    name, end = q
    action = "REFUSED"
    best = -1
    for suffix, act in rules:
        if (name == suffix or name.endswith("." + suffix)) and \
                len(suffix) > best:
            action, best = act, len(suffix)
    if action == "DROP":
        return None
    rd = flags & 0x0100
    # QR, AA, RD copied, RA, rcode
    rflags = 0x8000 | 0x0400 | rd | 0x0080 | RCODES[action]
    return struct.pack("!HHHHHH", qid, rflags, 1, 0, 0, 0) + pkt[12:end]


def serve_udp(sock, rules):
    while True:
        try:
            pkt, peer = sock.recvfrom(4096)
            resp = answer(pkt, rules)
            if resp is not None:
                sock.sendto(resp, peer)
        except Exception as e:  # keep serving whatever arrives
            print("dns_stub: udp: %s" % e, file=sys.stderr)


def serve_tcp_conn(conn, rules):
    try:
        conn.settimeout(5)
        hdr = conn.recv(2)
        if len(hdr) == 2:
            n = struct.unpack("!H", hdr)[0]
            pkt = b""
            while len(pkt) < n:
                chunk = conn.recv(n - len(pkt))
                if not chunk:
                    break
                pkt += chunk
            resp = answer(pkt, rules)
            if resp is not None:
                conn.sendall(struct.pack("!H", len(resp)) + resp)
    except Exception as e:
        print("dns_stub: tcp: %s" % e, file=sys.stderr)
    finally:
        conn.close()


def serve_tcp(sock, rules):
    while True:
        conn, _ = sock.accept()
        threading.Thread(target=serve_tcp_conn, args=(conn, rules),
                         daemon=True).start()


def main():
    if len(sys.argv) < 3:
        print("usage: dns_stub.py ADDR PORT SUFFIX=ACTION...", file=sys.stderr)
        return 2
    addr, port = sys.argv[1], int(sys.argv[2])
    rules = []
    for arg in sys.argv[3:]:
        suffix, _, act = arg.partition("=")
        act = act.upper()
        if act not in RCODES and act != "DROP":
            print("dns_stub: bad action in %r" % arg, file=sys.stderr)
            return 2
        rules.append((suffix.lower().rstrip("."), act))
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    u.bind((addr, port))
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind((addr, port))
    t.listen(16)
    threading.Thread(target=serve_tcp, args=(t, rules), daemon=True).start()
    print("dns_stub: listening on %s:%d" % (addr, port), flush=True)
    serve_udp(u, rules)
    return 0


if __name__ == "__main__":
    sys.exit(main())
