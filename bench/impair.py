#!/usr/bin/env python3
"""Impairs a real capture for the benchmark, deterministically and in one pass over it (the
captures are up to 1 GB): of the TCP segments that carry data, about 1% arrive late as a
receiver sees a lost segment (its retransmission 20 frames later; meanwhile the receiver's
acknowledgements stop at the missing byte, as real ones would), 1% arrive twice as a
sender-side capture shows a retransmission (the copy 3 frames later), and 2% swap places
with the next frame (reordering). Timestamps stay in order.

Usage: bench/impair.py IN.pcap OUT.pcap [SEED]"""
import os
import random
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools", "captures"))
from rewrite import tcp_segment  # noqa: E402

LATE, DUP, SWAP = 0.01, 0.01, 0.02
LATE_BY, DUP_BY = 20, 3


def tcp(body):
    """(tcp header offset, 4-tuple, seq, payload length) of an Ethernet/IPv4/TCP frame."""
    seg = tcp_segment(body)
    return None if seg is None else (seg[0], seg[1], seg[2], seg[4])


def main():
    src, dst = sys.argv[1], sys.argv[2]
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    with open(src, "rb") as f, open(dst, "wb") as out:
        header = f.read(24)
        assert header[:4] == b"\xd4\xc3\xb2\xa1", src
        out.write(header)
        pending = []  # [frames to wait, body, original length, (key, seq) while it is held back]
        last_ts = (0, 0)

        def emit(sec, usec, body, orig):
            nonlocal last_ts
            if (sec, usec) < last_ts:  # a late frame takes the time it is seen at
                sec, usec = last_ts
            last_ts = (sec, usec)
            out.write(struct.pack("<IIII", sec, usec, len(body), orig))
            out.write(body)

        while True:
            h = f.read(16)
            if len(h) < 16:
                break
            sec, usec, caplen, orig = struct.unpack("<IIII", h)
            body = f.read(caplen)
            seg = tcp(body)
            held = False
            if seg and seg[3] > 0:
                r = rng.random()
                if r < LATE:  # held back: the receiver has not got it yet
                    pending.append([LATE_BY + 1, body, orig, (seg[1], seg[2])])
                    held = True
                elif r < LATE + DUP:  # sent now and again later
                    pending.append([DUP_BY + 1, body, orig, None])
                elif r < LATE + DUP + SWAP:  # after the next frame
                    pending.append([2, body, orig, (seg[1], seg[2])])
                    held = True
            if seg and not held:
                # the receiver cannot acknowledge a byte it has not got
                t, key, _, _ = seg
                back = (key[2], key[3], key[0], key[1])
                ack = struct.unpack(">I", body[t + 8:t + 12])[0]
                for p in pending:
                    if p[3] and p[3][0] == back and ((ack - p[3][1]) & 0xFFFFFFFF) < 0x80000000:
                        ack = p[3][1]
                        body = body[:t + 8] + struct.pack(">I", ack) + body[t + 12:]
            if not held:
                emit(sec, usec, body, orig)
            # frames waiting their turn go out once enough frames have passed
            for p in pending:
                p[0] -= 1
            for p in [p for p in pending if p[0] <= 0]:
                emit(sec, usec, p[1], p[2])
                pending.remove(p)
        for p in pending:
            emit(*last_ts, p[1], p[2])


if __name__ == "__main__":
    main()
