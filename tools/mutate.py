#!/usr/bin/env python3
"""Frame-level mutations of a capture, as networks, switches and capture hosts make them, for
differential tests (tools/differential.py): the same traffic captured differently.

  dup      a frame twice (a mirror port that copies both ingress and egress: same time)
  vlan     a frame twice, one copy with an 802.1Q tag (a mirror of a trunk and an access port)
  swap     two neighbouring data segments of one direction in the other order (reordering:
           only segments in flight together, with the same acknowledgement number, since a
           segment sent in answer to the other direction cannot overtake one sent before)
  late     a data segment moved past 1-4 frames of the other direction captured within 10 ms
           of it (never past a frame of its own direction), whose ACKs then come before the data they acknowledge (a mirror port's
           separate queues delay a frame by microseconds to milliseconds)
  mirror   every frame twice, the second copy with an 802.1Q tag (a mirror of two ports)
  drop     a frame missing from the capture (not from the wire: a capture gap)
  dropframe:N  frame N missing (deterministic, for tests)
  swapframe:N  frames N and N+1 in the other order (deterministic, for tests)
  cut      the capture starts at a frame (everything before it is missing)

Every mutation but drop and cut keeps every byte of the traffic; timestamps stay in capture
order (a moved frame takes the time of where it lands). Frames are chosen by a seeded random
generator, so a run can be repeated exactly.

Usage:
  tools/mutate.py IN OUT --seed N --ops dup:2,swap:2,late:2,vlan:1[,drop:1][,cut:0.3]
        (counts; cut takes the fraction of the capture to cut off)
Writes OUT as a classic pcap and prints one JSON line: what was done, with frame numbers of IN.
A pcapng input is converted with editcap first."""
import argparse
import json
import os
import random
import struct
import subprocess
import sys
import tempfile


def read_pcap(path):
    data = open(path, "rb").read()
    if data[:4] == b"\x0a\x0d\x0d\x0a":  # pcapng: convert to a classic pcap
        with tempfile.NamedTemporaryFile(suffix=".pcap") as t:
            subprocess.run(["editcap", "-F", "pcap", path, t.name], check=True)
            data = open(t.name, "rb").read()
    if data[:4] == b"\xd4\xc3\xb2\xa1":
        end = "<"
    elif data[:4] == b"\xa1\xb2\xc3\xd4":
        end = ">"
    else:
        sys.exit("%s: not a classic pcap" % path)
    linktype = struct.unpack(end + "I", data[20:24])[0]
    if linktype != 1:
        sys.exit("%s: link type %d, only Ethernet is handled" % (path, linktype))
    frames, off = [], 24
    while off + 16 <= len(data):
        sec, usec, caplen, origlen = struct.unpack(end + "IIII", data[off:off + 16])
        frames.append({"t": (sec, usec), "body": data[off + 16:off + 16 + caplen], "orig": origlen})
        off += 16 + caplen
    return frames


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        for fr in frames:
            sec, usec = fr["t"]
            f.write(struct.pack("<IIII", sec, usec, len(fr["body"]), fr["orig"]))
            f.write(fr["body"])


def tcp_of(body):
    """(src, dst, sport, dport, seq, ack, flags, payload length) of an Ethernet/IPv4|IPv6/TCP
    frame (a VLAN tag allowed), or None."""
    off, etype = 14, struct.unpack(">H", body[12:14])[0] if len(body) >= 14 else 0
    while etype == 0x8100 and len(body) >= off + 4:
        etype = struct.unpack(">H", body[off + 2:off + 4])[0]
        off += 4
    if etype == 0x0800 and len(body) >= off + 20:
        ihl = (body[off] & 15) * 4
        if body[off + 9] != 6:
            return None
        total = struct.unpack(">H", body[off + 2:off + 4])[0]
        src, dst, l4, end = body[off + 12:off + 16], body[off + 16:off + 20], off + ihl, off + total
    elif etype == 0x86DD and len(body) >= off + 40:
        if body[off + 6] != 6:
            return None
        plen = struct.unpack(">H", body[off + 4:off + 6])[0]
        src, dst, l4, end = body[off + 8:off + 24], body[off + 24:off + 40], off + 40, off + 40 + plen
    else:
        return None
    if len(body) < l4 + 20:
        return None
    sport, dport, seq, ack, hl_flags = struct.unpack(">HHIIH", body[l4:l4 + 14])
    hlen = (hl_flags >> 12) * 4
    return (src, dst, sport, dport, seq, ack, hl_flags & 0x3F, max(0, end - l4 - hlen))


def direction(t):
    src, dst, sport, dport = t[:4]
    return (src, sport) > (dst, dport)


def connection(t):
    src, dst, sport, dport = t[:4]
    return tuple(sorted([(src, sport), (dst, dport)]))


def vlan_tagged(body, vid):
    return body[:12] + struct.pack(">HH", 0x8100, vid & 0x0FFF) + body[12:]


LATE_WINDOW = 0.010  # seconds a mirror port may capture a frame late


def seconds(frame):
    sec, usec = frame["t"]
    return sec + usec / 1e6


def mutate(frames, seed, ops):
    rng = random.Random(seed)
    n = len(frames)
    # each frame's identity in IN (1-based) travels with it
    for i, fr in enumerate(frames):
        fr["in"] = i + 1
        fr["tcp"] = tcp_of(fr["body"])
    data = [i for i, fr in enumerate(frames) if fr["tcp"] and fr["tcp"][7] > 0]
    done = []
    order = list(range(n))  # positions of IN's frames in the output order
    extra = []              # (after position, frame copy)
    cut_at = None
    for op, count in ops:
        if op == "cut":
            cut_at = int(n * float(count))
            done.append({"op": "cut", "before": cut_at + 1})
            continue
        for _ in range(int(count)):
            if not data:
                break
            i = rng.choice(data)
            t = frames[i]["tcp"]
            if op == "dup":
                extra.append((i, dict(frames[i])))
                done.append({"op": "dup", "frame": i + 1})
            elif op == "vlan":
                copy = dict(frames[i])
                copy["body"] = vlan_tagged(frames[i]["body"], 10 + rng.randrange(100))
                copy["orig"] = frames[i]["orig"] + 4
                extra.append((i, copy))
                done.append({"op": "vlan", "frame": i + 1})
            elif op == "swap":
                # the next data segment of the same direction and connection
                p = order.index(i)
                for q in range(p + 1, min(len(order), p + 40)):
                    u = frames[order[q]]["tcp"]
                    if u and u[7] > 0 and connection(u) == connection(t) and direction(u) == direction(t):
                        if u[5] != t[5]:
                            break  # sent after the other direction said something: not in flight together
                        order[p], order[q] = order[q], order[p]
                        done.append({"op": "swap", "frame": i + 1, "with": order[p] + 1})
                        break
            elif op == "late":
                # past the next k frames of the other direction of its connection, as a mirror
                # port's queues do: by microseconds to milliseconds (LATE_WINDOW), never across
                # an application's pause
                k = rng.randint(1, 4)
                p = order.index(i)
                q, passed = p, 0
                while q + 1 < len(order) and passed < k and seconds(frames[order[q + 1]]) - seconds(frames[i]) <= LATE_WINDOW:
                    u = frames[order[q + 1]]["tcp"]
                    if u and connection(u) == connection(t) and direction(u) == direction(t):
                        break  # a mirror's queue keeps one direction's frames in order
                    q += 1
                    if u and connection(u) == connection(t) and direction(u) != direction(t):
                        passed += 1
                if passed:
                    order.insert(q, order.pop(p))
                    done.append({"op": "late", "frame": i + 1, "past": passed})
            elif op == "mirror":
                break  # below: every frame at once
            elif op in ("dropframe", "swapframe"):
                break  # below: the frame named
            elif op == "drop":
                if i in order:
                    order.remove(i)
                    data.remove(i)
                    done.append({"op": "drop", "frame": i + 1})
    for op, count in ops:
        if op == "mirror":  # both ports of a trunk mirrored: every frame twice, one copy tagged
            for i in range(n):
                copy = dict(frames[i])
                copy["body"] = vlan_tagged(frames[i]["body"], 10 + rng.randrange(100))
                copy["orig"] = frames[i]["orig"] + 4
                extra.append((i, copy))
            done.append({"op": "mirror", "frames": n})
        elif op == "swapframe":  # a named frame (1-based) and the next one
            k = int(count) - 1
            p = order.index(k)
            if p + 1 < len(order):
                order[p], order[p + 1] = order[p + 1], order[p]
                done.append({"op": "swap", "frame": k + 1, "with": order[p] + 1})
        elif op == "dropframe":  # a named frame (1-based)
            k = int(count) - 1
            if k in order:
                order.remove(k)
                done.append({"op": "drop", "frame": k + 1})
    times = [fr["t"] for fr in frames]
    out = []
    for slot, i in enumerate(order):
        fr = dict(frames[i])
        fr["t"] = times[min(slot, len(times) - 1)] if slot < len(times) else times[-1]
        out.append(fr)
        for after, copy in extra:
            if after == i:
                c = dict(copy)
                c["t"] = fr["t"]  # a mirror's copy: the same time
                out.append(c)
    # timestamps stay in capture order (a moved frame takes the time of where it lands)
    ts = sorted(fr["t"] for fr in out)
    for fr, t in zip(out, ts):
        fr["t"] = t
    if cut_at is not None:
        out = [fr for fr in out if fr["in"] > cut_at]
    return out, done


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--ops", default="dup:1,swap:1,late:1,vlan:1")
    a = ap.parse_args()
    ops = []
    for part in a.ops.split(","):
        name, _, count = part.partition(":")
        if name not in ("dup", "vlan", "swap", "late", "drop", "cut", "mirror", "dropframe", "swapframe"):
            sys.exit("unknown operation %r" % name)
        ops.append((name, count or "1"))
    frames = read_pcap(a.input)
    out, done = mutate(frames, a.seed, ops)
    write_pcap(a.output, out)
    print(json.dumps({"input": os.path.basename(a.input), "seed": a.seed, "done": done}))


if __name__ == "__main__":
    main()
