#!/usr/bin/python3
# NAME
#	delay_proxy.py - a TCP relay that adds a fixed delay each way
# SUMMARY
#	delay_proxy.py LISTEN_ADDR:PORT TARGET_ADDR:PORT RTT_MS STATS_FILE
# DESCRIPTION
#	A wide-area path on loopback, for tests/e2e/bench.sh (this kernel
#	has no netem). Every byte read from one side is written to the
#	other RTT_MS/2 milliseconds after it was read, in order; the two
#	directions are independent, so pipelined commands and replies
#	cross as they would on a long path.
#
#	The relay terminates TCP on both sides, so it moves Nagle and
#	delayed ACKs onto its own local hops. It does what a path would
#	not hide: it writes with TCP_NODELAY (no Nagle of its own) and
#	sets TCP_QUICKACK after every read (a path acknowledges nothing;
#	the end hosts do, and those effects are measured without the
#	relay). What it measures is the round trips.
#
#	Round trips are counted as "turns": the number of times data from
#	the server arrives after data from the client arrived since the
#	previous server data (the client waited for a reply). The greeting
#	is not a turn; a new connection costs two more round trips (the
#	handshake, then the greeting). On SIGUSR1 the relay writes the
#	totals since it started to STATS_FILE as one line
#	    sessions=N turns=N c2s_bytes=N s2c_bytes=N
#	(the bench takes the difference over a run). With
#	DELAY_PROXY_TRACE=FILE in the environment every read is also
#	logged there: "time session c2s|s2c bytes".
# SECURITY
#	Test helper only; runs inside the bench's throw-away network
#	namespace and relays between the agent under test and a receiver.
# SEE ALSO
#	tests/e2e/bench.sh, BENCHMARKS.md
import asyncio
import os
import signal
import socket
import sys
import time

READ_MAX = 65536


class Totals:
    sessions = 0
    turns = 0
    c2s = 0
    s2c = 0


class Conn:
    def __init__(self):
        self.client_spoke = False
        self.id = Totals.sessions


TRACE = os.environ.get("DELAY_PROXY_TRACE")


def trace(conn, from_client, n):
    if TRACE:
        with open(TRACE, "a") as f:
            f.write("%.6f %d %s %d\n" % (time.monotonic(), conn.id,
                    "c2s" if from_client else "s2c", n))


def quickack(sock):
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
    except OSError:
        pass


async def pump(loop, src, dst, delay, conn, from_client):
    """Read from src, write to dst 'delay' seconds after each read."""
    queue = asyncio.Queue()

    async def writer():
        while True:
            due, data = await queue.get()
            if data is None:
                try:
                    dst.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                return
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                await loop.sock_sendall(dst, data)
            except OSError:
                return

    task = loop.create_task(writer())
    while True:
        try:
            data = await loop.sock_recv(src, READ_MAX)
        except OSError:
            data = b""
        now = loop.time()
        if not data:
            queue.put_nowait((now + delay, None))
            break
        quickack(src)
        trace(conn, from_client, len(data))
        if from_client:
            Totals.c2s += len(data)
            conn.client_spoke = True
        else:
            Totals.s2c += len(data)
            if conn.client_spoke:
                Totals.turns += 1
                conn.client_spoke = False
        queue.put_nowait((now + delay, data))
    await task


async def handle(loop, client, target, delay):
    Totals.sessions += 1
    conn = Conn()
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setblocking(False)
    try:
        # SYN out, SYN-ACK back, ACK out: the greeting then reaches
        # the client two round trips after its connect, as on a path
        await asyncio.sleep(3 * delay)
        await loop.sock_connect(server, target)
    except OSError:
        client.close()
        server.close()
        return
    for s in (client, server):
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    await asyncio.gather(pump(loop, client, server, delay, conn, True),
                         pump(loop, server, client, delay, conn, False))
    client.close()
    server.close()


def dump(stats):
    with open(stats + ".tmp", "w") as f:
        f.write("sessions=%d turns=%d c2s_bytes=%d s2c_bytes=%d\n" %
                (Totals.sessions, Totals.turns, Totals.c2s, Totals.s2c))
    os.rename(stats + ".tmp", stats)


def addr(text):
    host, port = text.rsplit(":", 1)
    return (host, int(port))


async def main():
    if len(sys.argv) != 5:
        sys.stderr.write("usage: delay_proxy.py LISTEN:PORT TARGET:PORT "
                         "RTT_MS STATS_FILE\n")
        sys.exit(2)
    listen, target = addr(sys.argv[1]), addr(sys.argv[2])
    delay = float(sys.argv[3]) / 2000.0
    stats = sys.argv[4]
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGUSR1, dump, stats)
    dump(stats)
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(listen)
    ls.listen(128)
    ls.setblocking(False)
    while True:
        client, _ = await loop.sock_accept(ls)
        client.setblocking(False)
        loop.create_task(handle(loop, client, target, delay))


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
