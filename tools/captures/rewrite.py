#!/usr/bin/env python3
"""Deterministic rewrites of a real capture, for exact tests of what networks and capture
hosts do to one: frames lost by the capture, duplicated, swapped and delivered late.

Usage: rewrite.py IN.pcap OUT.pcap OP [OP...]   (frame numbers refer to IN, 1-based)
       rewrite.py pick IN.pcap PORT   (frames of a dcmtk store to rewrite, see pick())
       rewrite.py random IN.pcap OUT.pcap SEED RATE   (each operation on about RATE of the frames)
  drop:N          the capture lost frame N (a capture gap: it is never seen again)
  dup:N           frame N arrives twice (the copy 1 microsecond after it)
  swap:N          frames N and N+1 arrive in the other order (timestamps kept in order)
  late:N:M        frame N is lost and arrives again just after frame M (a retransmission)
  sameport:P      every TCP connection to port P comes from the client port of the first one
                  (a client that reuses its port for each new connection)
Classic little-endian pcap files (what tcpdump writes) only."""
import struct
import sys


def read(path):
    data = open(path, "rb").read()
    if data[:4] != b"\xd4\xc3\xb2\xa1":
        sys.exit("%s: not a little-endian classic pcap" % path)
    header, frames, off = data[:24], [], 24
    while off + 16 <= len(data):
        sec, usec, caplen, origlen = struct.unpack("<IIII", data[off:off + 16])
        frames.append([sec, usec, data[off + 16:off + 16 + caplen], origlen])
        off += 16 + caplen
    return header, frames


def write(path, header, frames):
    with open(path, "wb") as f:
        f.write(header)
        for sec, usec, body, origlen in frames:
            f.write(struct.pack("<IIII", sec, usec, len(body), origlen))
            f.write(body)


def after(frame):
    """A timestamp 1 microsecond after `frame`'s."""
    sec, usec = frame[0], frame[1] + 1
    return (sec + 1, 0) if usec >= 1000000 else (sec, usec)


def tcp_segment(body):
    """(TCP header offset, 4-tuple, seq, payload offset, payload length) of an
    Ethernet/IPv4/TCP frame, or None."""
    if len(body) < 54 or body[12:14] != b"\x08\x00" or body[23] != 6:
        return None
    ihl = (body[14] & 15) * 4
    total = struct.unpack(">H", body[16:18])[0]
    tcp = 14 + ihl
    thl = (body[tcp + 12] >> 4) * 4
    key = (body[26:30], body[tcp:tcp + 2], body[30:34], body[tcp + 2:tcp + 4])
    return tcp, key, struct.unpack(">I", body[tcp + 4:tcp + 8])[0], tcp + thl, total - ihl - thl


def tcp_payload(body):
    """(destination port, payload) of an Ethernet/IPv4/TCP frame, or None."""
    seg = tcp_segment(body)
    if seg is None:
        return None
    tcp, _, _, off, length = seg
    return struct.unpack(">H", body[tcp + 2:tcp + 4])[0], body[off:off + length]


def pick(path, port):
    """Frames of the requestor's stream in a dcmtk storescu capture (which writes each
    command P-DATA-TF's 12 header bytes as a segment of its own): `data`, a segment in the
    middle of the first data set; `header`, the next segment that starts with a P-DATA-TF
    header; `last`, the last segment of the second data set."""
    _, frames = read(path)
    sent = [(n + 1, p[1]) for n, f in enumerate(frames) for p in [tcp_payload(f[2])] if p and p[0] == port and p[1]]
    commands = [i for i, (_, payload) in enumerate(sent) if len(payload) == 12]
    data = sent[commands[0] + 5][0]
    header = next(n for n, payload in sent if n > data and len(payload) == 1448 and payload[:2] == b"\x04\x00")
    last = sent[commands[2] - 1][0]
    print("data=%d header=%d last=%d" % (data, header, last))


def random_ops(path, seed, rate):
    """Random drop/dup/swap/late operations, for fuzzing (tools/fuzz-tshark.sh)."""
    import random
    rng = random.Random(seed)
    n = len(read(path)[1])
    ops, used = [], set()
    for f in range(1, n):
        if f in used or rng.random() >= rate * 4:
            continue
        kind = rng.choice(["drop", "dup", "swap", "late"])
        if kind == "swap" and f + 1 not in used:
            ops.append("swap:%d" % f)
            used.update((f, f + 1))
        elif kind == "late":
            m = min(n, f + rng.randint(1, 12))
            if m not in used and m != f:
                ops.append("late:%d:%d" % (f, m))
                used.update((f, m))
        elif kind in ("drop", "dup"):
            ops.append("%s:%d" % (kind, f))
            used.add(f)
    return ops


def same_client_port(frames, server):
    """Rewrites the client port of every connection to `server` to the first one's (the TCP
    checksum is left as it was: Wireshark does not check it by default)."""
    first = None
    for f in frames:
        seg = tcp_segment(f[2])
        if seg is None:
            continue
        tcp = seg[0]
        body = bytearray(f[2])
        src, dst = struct.unpack(">HH", body[tcp:tcp + 4])
        if server not in (src, dst):
            continue
        client_at = tcp if dst == server else tcp + 2
        if first is None:
            first = struct.unpack(">H", body[client_at:client_at + 2])[0]
        body[client_at:client_at + 2] = struct.pack(">H", first)
        f[2] = bytes(body)


def apply_ops(header, frames, ops):
    out = [list(f) + [n + 1] for n, f in enumerate(frames)]  # remember original numbers
    position = lambda n: next(i for i, f in enumerate(out) if f[4] == n)  # noqa: E731
    for op in ops:
        kind, *args = op.split(":")
        nums = [int(a) for a in args]
        if kind == "drop":
            del out[position(nums[0])]
        elif kind == "dup":
            i = position(nums[0])
            copy = list(out[i])
            copy[0], copy[1] = after(out[i])
            copy[4] = -nums[0]
            out.insert(i + 1, copy)
        elif kind == "swap":
            i = position(nums[0])
            a, b = out[i], out[i + 1]
            (a[0], a[1]), (b[0], b[1]) = (b[0], b[1]), (a[0], a[1])
            out[i], out[i + 1] = b, a
        elif kind == "late":
            frame = out.pop(position(nums[0]))
            j = position(nums[1])
            frame[0], frame[1] = after(out[j])
            out.insert(j + 1, frame)
        elif kind == "sameport":
            same_client_port(out, nums[0])
        else:
            sys.exit("unknown operation " + op)
    return [f[:4] for f in out]


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "pick":
        return pick(sys.argv[2], int(sys.argv[3]))
    if len(sys.argv) == 6 and sys.argv[1] == "random":
        header, frames = read(sys.argv[2])
        ops = random_ops(sys.argv[2], int(sys.argv[4]), float(sys.argv[5]))
        return write(sys.argv[3], header, apply_ops(header, frames, ops))
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    header, frames = read(sys.argv[1])
    write(sys.argv[2], header, apply_ops(header, frames, sys.argv[3:]))


if __name__ == "__main__":
    main()
