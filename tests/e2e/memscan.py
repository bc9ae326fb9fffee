#!/usr/bin/env python3
# NAME
#	memscan.py - does a process's memory hold a private key's bytes?
# SUMMARY
#	memscan.py KEYFILE PID...
# DESCRIPTION
#	Reads the private component of KEYFILE (RSA: the private exponent
#	and both primes; EC: the private scalar) with openssl(1), and the
#	base64 text of its PEM body. For each PID, reads every readable
#	mapping of /proc/PID/mem (as root) and counts the places where one
#	of these appears: each number big-endian (as in DER) and byte-
#	reversed (OpenSSL's BIGNUM limbs on a little-endian machine), at
#	least 16 bytes of it; the longest line of the PEM body. Prints
#	"PID N" per process, N the number of hits ("PID gone" for one
#	that exited meanwhile, "PID unreadable" when nothing could be
#	read: exit 1). Mappings of 4 GiB or more (ASan's shadow) are
#	skipped; the rest is read in chunks.
# SECURITY
#	Test only (root).
import re
import subprocess
import sys


def secrets(keyfile):
    text = subprocess.run(["openssl", "pkey", "-in", keyfile, "-noout",
                           "-text"], check=True, capture_output=True,
                          text=True).stdout
    out = []
    for name in ("privateExponent", "prime1", "prime2", "priv"):
        m = re.search(r"^%s:\s*\n((?:\s+[0-9a-f:]+\n)+)" % name, text,
                      re.M)
        if not m:
            continue
        b = bytes.fromhex(re.sub(r"[\s:]", "", m.group(1)))
        b = b.lstrip(b"\0")
        if len(b) >= 16:
            out.append(b[:32])
            out.append(bytes(reversed(b))[:32])
    pem = open(keyfile).read().splitlines()
    body = [line for line in pem if line and not line.startswith("-----")]
    if body:
        out.append(max(body, key=len).encode())
    return out


CHUNK = 8 << 20
HUGE = 1 << 32          # ASan's shadow: reserved, never holds data


def scan(pid, pats):
    """Hits, and the bytes read (a scan that read nothing proves nothing)."""
    hits = done = 0
    keep = max(len(p) for p in pats) - 1
    with open("/proc/%d/maps" % pid) as maps, \
            open("/proc/%d/mem" % pid, "rb", 0) as mem:
        for line in maps:
            f = line.split()
            if "r" not in f[1]:
                continue
            lo, hi = (int(x, 16) for x in f[0].split("-"))
            if hi - lo >= HUGE or \
                    (len(f) > 5 and f[5] in ("[vvar]", "[vsyscall]")):
                continue
            tail = b""
            for at in range(lo, hi, CHUNK):
                try:
                    mem.seek(at)
                    data = mem.read(min(CHUNK, hi - at))
                except (OSError, ValueError, OverflowError):
                    break
                buf = tail + data
                for p in pats:
                    hits += buf.count(p)
                    # A match wholly inside the carried tail was counted.
                    hits -= tail.count(p)
                tail = data[-keep:] if keep > 0 else b""
                done += len(data)
    return hits, done


def main():
    pats = secrets(sys.argv[1])
    if not pats:
        print("no private component found in %s" % sys.argv[1])
        return 1
    rc = 0
    for pid in sys.argv[2:]:
        try:
            hits, done = scan(int(pid), pats)
        except (FileNotFoundError, ProcessLookupError):
            # exited before or while its maps were read
            print("%s gone" % pid)
            continue
        if done == 0:
            print("%s unreadable" % pid)
            rc = 1
            continue
        print("%s %d" % (pid, hits))
    return rc


if __name__ == "__main__":
    sys.exit(main())
