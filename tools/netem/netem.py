#!/usr/bin/python3
"""User-space link emulator on NFQUEUE (pure Python 3 standard library).

This kernel has no sch_netem, so this does netem's job in user space.  iptables sends the
packets of one direction to an NFQUEUE queue; this program binds that queue through a raw
netlink socket (NETLINK_NETFILTER), gives every packet the verdict NF_DROP at once (holding
packets in the kernel makes TCP Small Queues throttle the sender), and re-sends a copy of each
surviving packet at its due time through a raw IPv4 socket (IP_HDRINCL) with SO_MARK 1, so the
iptables rule (`-m mark ! --mark 1`) does not queue it again.

Per packet, in this order (one fixed set of random draws per packet, so a seed gives the same
decision sequence for the same packet sequence):
  1. random loss (--loss P)                                   -> "dropped_loss"
  2. bottleneck: rate limit (--rate-kbps) with a finite FIFO (--queue-limit packets and/or
     --queue-limit-bytes bytes); a packet that does not fit is tail-dropped -> "tail_dropped"
  3. after leaving the bottleneck: duplication (--dup P)      -> "duplicated"
  4. propagation: --delay-ms plus uniform jitter in [-jitter, +jitter] (clipped at 0), and with
     probability --reorder an extra --reorder-delay-ms, so later packets overtake it
                                                              -> "reordered"
A single thread keeps a heap of due packets and sleeps in select() until the next one is due or
the netlink socket is readable.  SIGTERM/SIGINT stop it and print a summary (JSON) on stdout
and, with --summary FILE, into FILE.
"""

import argparse
import errno
import heapq
import json
import os
import random
import select
import signal
import socket
import struct
import sys
import time
from collections import deque

NETLINK_NETFILTER = 12
SOL_NETLINK = 270
NETLINK_NO_ENOBUFS = 5
SO_MARK = getattr(socket, "SO_MARK", 36)
SO_RCVBUFFORCE = getattr(socket, "SO_RCVBUFFORCE", 33)
SO_SNDBUFFORCE = getattr(socket, "SO_SNDBUFFORCE", 32)

NFNL_SUBSYS_QUEUE = 3
NFQNL_MSG_PACKET = 0
NFQNL_MSG_VERDICT = 1
NFQNL_MSG_CONFIG = 2

NLM_F_REQUEST = 0x01
NLM_F_ACK = 0x04
NLMSG_ERROR = 0x02
NLMSG_DONE = 0x03

NFQA_CFG_CMD = 1
NFQA_CFG_PARAMS = 2
NFQA_CFG_QUEUE_MAXLEN = 3
NFQNL_CFG_CMD_BIND = 1
NFQNL_CFG_CMD_UNBIND = 2
NFQNL_COPY_PACKET = 2

NFQA_PACKET_HDR = 1
NFQA_VERDICT_HDR = 2
NFQA_PAYLOAD = 10

NF_DROP = 0


def nla(attr_type, payload):
    """One netlink attribute, padded to 4 bytes."""
    hdr = struct.pack("=HH", 4 + len(payload), attr_type)
    pad = (-len(payload)) % 4
    return hdr + payload + b"\0" * pad


def nfmsg(msg_type, queue, attrs, seq, flags=NLM_F_REQUEST, family=socket.AF_INET):
    """nlmsghdr + nfgenmsg (version 0, res_id = queue number, big endian) + attributes."""
    body = struct.pack("=BBH", family, 0, socket.htons(queue)) + b"".join(attrs)
    hdr = struct.pack("=IHHII", 16 + len(body), (NFNL_SUBSYS_QUEUE << 8) | msg_type, flags,
                      seq, 0)
    return hdr + body


def parse_attrs(buf, off, end):
    attrs = {}
    while off + 4 <= end:
        alen, atype = struct.unpack_from("=HH", buf, off)
        if alen < 4:
            break
        attrs[atype & 0x3FFF] = (off + 4, off + alen)
        off += (alen + 3) & ~3
    return attrs


class Emulator:
    def __init__(self, a):
        self.a = a
        self.rng = random.Random(a.seed)
        self.rate = a.rate_kbps * 1000.0 / 8.0 if a.rate_kbps > 0 else 0.0  # bytes/s
        self.link_free_at = 0.0            # when the bottleneck has sent everything admitted
        self.fifo = deque()                # (departure time, size) of packets in the queue
        self.fifo_bytes = 0
        self.heap = []                     # (due, seq, packet bytes, destination)
        self.hseq = 0
        self.stats = dict(seen=0, seen_bytes=0, dropped_loss=0, tail_dropped=0, duplicated=0,
                          reordered=0, sent=0, sent_bytes=0, send_errors=0, pending_at_exit=0,
                          max_queue_packets=0, max_queue_bytes=0)
        self.nlseq = 1
        self.stop = False

    # -- netlink -----------------------------------------------------------------------
    def open(self):
        a = self.a
        nl = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
        try:
            nl.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 16 << 20)
        except OSError:
            nl.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 << 20)
        try:
            nl.setsockopt(SOL_NETLINK, NETLINK_NO_ENOBUFS, 1)
        except OSError:
            pass
        nl.bind((0, 0))
        self.nl = nl
        cmd = lambda c: nla(NFQA_CFG_CMD, struct.pack("!BBH", c, 0, socket.AF_INET))
        # A stale binding of this queue (a killed earlier run) is released first; the error
        # for "not bound" is ignored.
        self.request(cmd(NFQNL_CFG_CMD_UNBIND), check=False)
        self.request(cmd(NFQNL_CFG_CMD_BIND))
        self.request(nla(NFQA_CFG_PARAMS, struct.pack("!IB", 0xFFFF, NFQNL_COPY_PACKET)))
        self.request(nla(NFQA_CFG_QUEUE_MAXLEN, struct.pack("!I", a.kernel_queue_len)))
        nl.setblocking(False)

        raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
        raw.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
        raw.setsockopt(socket.SOL_SOCKET, SO_MARK, a.mark)
        try:
            raw.setsockopt(socket.SOL_SOCKET, SO_SNDBUFFORCE, 8 << 20)
        except OSError:
            pass
        self.raw = raw

    def request(self, attr, check=True):
        seq = self.nlseq
        self.nlseq += 1
        self.nl.send(nfmsg(NFQNL_MSG_CONFIG, self.a.queue, [attr], seq,
                           NLM_F_REQUEST | NLM_F_ACK, family=socket.AF_UNSPEC))
        while True:
            buf = self.nl.recv(65536)
            off = 0
            while off + 16 <= len(buf):
                mlen, mtype, _fl, mseq, _pid = struct.unpack_from("=IHHII", buf, off)
                if mtype == NLMSG_ERROR and mseq == seq:
                    err = struct.unpack_from("=i", buf, off + 16)[0]
                    if err != 0 and check:
                        raise OSError(-err, "nfqueue config (queue %d): %s"
                                      % (self.a.queue, os.strerror(-err)))
                    return
                off += (mlen + 3) & ~3

    def read_packets(self, now):
        """Drain the netlink socket; decide each packet; answer all verdicts in one send."""
        verdicts = []
        while True:
            try:
                buf = self.nl.recv(262144)
            except BlockingIOError:
                break
            except OSError as e:
                if e.errno == errno.ENOBUFS:
                    self.stats["netlink_enobufs"] = self.stats.get("netlink_enobufs", 0) + 1
                    continue
                raise
            off = 0
            while off + 16 <= len(buf):
                mlen, mtype, _fl, _seq, _pid = struct.unpack_from("=IHHII", buf, off)
                if mlen < 16:
                    break
                if mtype == (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET:
                    attrs = parse_attrs(buf, off + 20, off + mlen)
                    if NFQA_PACKET_HDR in attrs:
                        s, _e = attrs[NFQA_PACKET_HDR]
                        pkt_id = struct.unpack_from("!I", buf, s)[0]
                        verdicts.append(nfmsg(NFQNL_MSG_VERDICT, self.a.queue,
                                              [nla(NFQA_VERDICT_HDR,
                                                   struct.pack("!II", NF_DROP, pkt_id))],
                                              0))
                        if NFQA_PAYLOAD in attrs:
                            s, e = attrs[NFQA_PAYLOAD]
                            self.decide(bytes(buf[s:e]), now)
                off += (mlen + 3) & ~3
            if len(verdicts) >= 64:
                self.nl.send(b"".join(verdicts))
                verdicts = []
            now = time.monotonic()
        if verdicts:
            self.nl.send(b"".join(verdicts))

    # -- the link model ------------------------------------------------------------------
    def decide(self, pkt, now):
        a, st, rng = self.a, self.stats, self.rng
        # Fixed draws per packet keep the random sequence aligned to the packet sequence.
        r_loss, r_dup, r_reo, r_jit = rng.random(), rng.random(), rng.random(), rng.random()
        r_reo2, r_jit2 = rng.random(), rng.random()
        st["seen"] += 1
        st["seen_bytes"] += len(pkt)
        if len(pkt) < 20 or pkt[0] >> 4 != 4:
            return
        if r_loss < a.loss:
            st["dropped_loss"] += 1
            return
        depart = now
        if self.rate > 0:
            q = self.fifo
            while q and q[0][0] <= now:
                self.fifo_bytes -= q.popleft()[1]
            if ((a.queue_limit > 0 and len(q) >= a.queue_limit) or
                    (a.queue_limit_bytes > 0 and self.fifo_bytes + len(pkt) > a.queue_limit_bytes)):
                st["tail_dropped"] += 1
                return
            depart = max(now, self.link_free_at) + len(pkt) / self.rate
            self.link_free_at = depart
            q.append((depart, len(pkt)))
            self.fifo_bytes += len(pkt)
            st["max_queue_packets"] = max(st["max_queue_packets"], len(q))
            st["max_queue_bytes"] = max(st["max_queue_bytes"], self.fifo_bytes)
        copies = [(r_reo, r_jit)]
        if r_dup < a.dup:
            st["duplicated"] += 1
            copies.append((r_reo2, r_jit2))
        dst = socket.inet_ntoa(pkt[16:20])
        for r1, r2 in copies:
            d = a.delay_ms
            if a.jitter_ms > 0:
                d = max(0.0, d + (2.0 * r2 - 1.0) * a.jitter_ms)
            if r1 < a.reorder:
                st["reordered"] += 1
                d += a.reorder_delay_ms
            heapq.heappush(self.heap, (depart + d / 1000.0, self.hseq, pkt, dst))
            self.hseq += 1

    def send_due(self, now):
        h = self.heap
        while h and h[0][0] <= now:
            _due, _s, pkt, dst = heapq.heappop(h)
            try:
                self.raw.sendto(pkt, (dst, 0))
                self.stats["sent"] += 1
                self.stats["sent_bytes"] += len(pkt)
            except OSError:
                self.stats["send_errors"] += 1

    # -- main loop ------------------------------------------------------------------------
    def run(self):
        rfd, wfd = os.pipe()
        os.set_blocking(rfd, False)
        os.set_blocking(wfd, False)

        def on_signal(_sig, _frm):
            self.stop = True
        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        signal.set_wakeup_fd(wfd)
        nlfd = self.nl.fileno()
        if self.a.ready_file:
            with open(self.a.ready_file, "w") as f:
                f.write("%d\n" % os.getpid())
        while not self.stop:
            self.send_due(time.monotonic())
            timeout = None
            if self.heap:
                # select() takes microseconds (poll() only milliseconds): packets leave the
                # bottleneck about 0.1-1 ms apart.
                timeout = max(0.0, self.heap[0][0] - time.monotonic())
            ready, _w, _x = select.select([nlfd, rfd], [], [], timeout)
            if rfd in ready:
                try:
                    os.read(rfd, 4096)
                except BlockingIOError:
                    pass
            if nlfd in ready:
                self.read_packets(time.monotonic())
        self.stats["pending_at_exit"] = len(self.heap)

    def summary(self):
        a = self.a
        out = dict(name=a.name, queue=a.queue, seed=a.seed,
                   settings=dict(loss=a.loss, dup=a.dup, reorder=a.reorder,
                                 reorder_delay_ms=a.reorder_delay_ms, delay_ms=a.delay_ms,
                                 jitter_ms=a.jitter_ms, rate_kbps=a.rate_kbps,
                                 queue_limit=a.queue_limit,
                                 queue_limit_bytes=a.queue_limit_bytes))
        out.update(self.stats)
        # The kernel's own counters for this queue (packets it dropped because the queue was
        # full or could not be passed to this socket: losses the model did not choose).
        try:
            with open("/proc/net/netfilter/nfnetlink_queue") as f:
                for line in f:
                    v = line.split()
                    if v and int(v[0]) == a.queue:
                        out["kernel_queue_dropped"] = int(v[5])
                        out["kernel_user_dropped"] = int(v[6])
        except (OSError, ValueError, IndexError):
            pass
        return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--queue", type=int, default=0, help="NFQUEUE queue number (0)")
    ap.add_argument("--name", default="", help="label for the summary, e.g. a2b")
    ap.add_argument("--loss", type=float, default=0.0, help="random loss probability")
    ap.add_argument("--dup", type=float, default=0.0, help="duplication probability")
    ap.add_argument("--reorder", type=float, default=0.0,
                    help="probability that a packet gets the extra reorder delay")
    ap.add_argument("--reorder-delay-ms", type=float, default=5.0,
                    help="extra delay of reordered packets (5 ms)")
    ap.add_argument("--delay-ms", type=float, default=0.0, help="fixed one-way delay")
    ap.add_argument("--jitter-ms", type=float, default=0.0,
                    help="uniform jitter +-J ms added to the delay (clipped at 0)")
    ap.add_argument("--rate-kbps", type=float, default=0.0,
                    help="bottleneck rate in kbit/s (0 = unlimited)")
    ap.add_argument("--queue-limit", type=int, default=0,
                    help="bottleneck FIFO size in packets (0 = no packet limit)")
    ap.add_argument("--queue-limit-bytes", type=int, default=0,
                    help="bottleneck FIFO size in bytes (0 = no byte limit)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (1)")
    ap.add_argument("--mark", type=int, default=1, help="SO_MARK of re-sent packets (1)")
    ap.add_argument("--kernel-queue-len", type=int, default=16384,
                    help="NFQUEUE kernel queue length (16384)")
    ap.add_argument("--summary", help="also write the JSON summary to this file")
    ap.add_argument("--ready-file", help="write the pid here once the queue is bound")
    a = ap.parse_args()
    if a.rate_kbps > 0 and a.queue_limit <= 0 and a.queue_limit_bytes <= 0:
        a.queue_limit = 1000
    emu = Emulator(a)
    emu.open()
    emu.run()
    s = emu.summary()
    text = json.dumps(s, indent=1, sort_keys=True)
    print(text, flush=True)
    if a.summary:
        with open(a.summary, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    sys.exit(main())
