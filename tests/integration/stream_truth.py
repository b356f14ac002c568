"""An independent reading of a DICOM capture, for checking the plugin against: each TCP
direction is put back together by sequence number (retransmitted, duplicated and
reordered segments included), each byte gets the frame at which the receiver had every byte
before it, and the PDUs, PDVs and DIMSE messages are read from the bytes. Written from PS3.8
and PS3.7 only, sharing no code with the plugin. Ethernet/IPv4/TCP classic pcaps only."""
import struct


def frames(path):
    with open(path, "rb") as f:
        data = f.read()
    assert data[:4] == b"\xd4\xc3\xb2\xa1", path
    off, n = 24, 0
    while off + 16 <= len(data):
        sec, usec, caplen, _ = struct.unpack("<IIII", data[off:off + 16])
        body = data[off + 16:off + 16 + caplen]
        off += 16 + caplen
        n += 1
        if len(body) < 54 or body[12:14] != b"\x08\x00" or body[23] != 6:
            continue
        ihl = (body[14] & 15) * 4
        total = struct.unpack(">H", body[16:18])[0]
        tcp = 14 + ihl
        src, dst = body[26:30], body[30:34]
        sport, dport, seq = struct.unpack(">HHI", body[tcp:tcp + 8])
        flags = body[tcp + 13]
        thl = (body[tcp + 12] >> 4) * 4
        yield n, sec + usec / 1e6, (src, sport, dst, dport), seq, flags, body[tcp + thl:14 + total]


class Direction:
    """One direction's bytes in order, each with the frame and time it became contiguous."""

    def __init__(self, syn_seq):
        self.next = syn_seq + 1
        self.data = bytearray()
        self.at = []      # (end offset, frame, time) of each delivery
        self.held = {}    # seq -> payload, waiting for the bytes before it

    def add(self, frame, time, seq, payload):
        self.held[seq] = payload
        progressed = True
        while progressed:
            progressed = False
            for s in sorted(self.held):
                p = self.held[s]
                end = (s + len(p)) & 0xFFFFFFFF
                if ((self.next - s) & 0xFFFFFFFF) < 0x80000000:  # starts at or before what we have
                    del self.held[s]
                    skip = (self.next - s) & 0xFFFFFFFF
                    if skip < len(p):
                        self.data += p[skip:]
                        self.next = end
                        self.at.append((len(self.data), frame, time))
                    progressed = True
                    break

    def when(self, offset):
        """(frame, time) at which byte `offset` (and every byte before it) was there."""
        for end, frame, time in self.at:
            if offset < end:
                return frame, time
        return None


def read(path):
    """{(src, sport, dst, dport): Direction} for every connection whose SYN is in the capture."""
    dirs = {}
    for n, t, key, seq, flags, payload in frames(path):
        if flags & 0x02:  # SYN: the stream starts after it
            dirs[key] = Direction(seq)
            continue
        if payload and key in dirs:
            dirs[key].add(n, t, seq, bytes(payload))
    return dirs


def pdus(d):
    """(type, offset, end) of each whole PDU of one direction, in stream order."""
    b, off = d.data, 0
    while off + 6 <= len(b):
        end = off + 6 + struct.unpack(">I", b[off + 2:off + 6])[0]
        if end > len(b):
            return
        yield b[off], off, end
        off = end


def pdvs(d, off, end):
    """(item offset, item length, context ID, message control header) of each PDV of the
    P-DATA-TF at `off`."""
    b, p = d.data, off + 6
    while p + 6 <= end:
        ilen, ctx, mch = struct.unpack(">IBB", b[p:p + 6])
        yield p, ilen, ctx, mch
        p += 4 + ilen


def messages(d):
    """DIMSE messages of one direction: dicts with command field, message ID (or the ID it
    answers), status, and the frame and time at which the receiver had the whole message.
    Also the PDUs other than P-DATA-TF: ("pdu", type, frame, time)."""
    out, others, pending = [], [], {}
    for ptype, off, end in pdus(d):
        if ptype != 4:
            frame, time = d.when(end - 1)
            others.append(("pdu", ptype, frame, time))
            continue
        for p, ilen, ctx, mch in pdvs(d, off, end):
            value = bytes(d.data[p + 6:p + 4 + ilen])
            m = pending.setdefault(ctx, {"command": b"", "data": 0, "done": False})
            if mch & 1:
                m["command"] += value
            else:
                m["data"] += len(value)
            last = mch & 2
            if last and mch & 1:
                m.update(command_fields(m["command"]))
                m["done"] = not m["has_data"]
            elif last:
                m["done"] = True
            if m["done"]:
                m["frame"], m["time"] = d.when(p + 4 + ilen - 1)
                out.append(m)
                del pending[ctx]
    return out, others


def pdata_pdv_counts(d):
    """The number of PDVs in each P-DATA-TF of one direction, in stream order."""
    return [sum(1 for _ in pdvs(d, off, end)) for ptype, off, end in pdus(d) if ptype == 4]


def command_fields(cmd):
    """The command set's field, message IDs, status and whether a data set follows."""
    f, off = {}, 0
    while off + 8 <= len(cmd):
        group, elem, length = struct.unpack("<HHI", cmd[off:off + 8])
        v = cmd[off + 8:off + 8 + length]
        tag = group << 16 | elem
        if length == 2:
            x = struct.unpack("<H", v)[0]
            f[{0x0100: "field", 0x0110: "id", 0x0120: "id_rsp", 0x0800: "data_set_type",
               0x0900: "status"}.get(tag, tag)] = x
        off += 8 + length
    return {"field": f.get("field"), "id": f.get("id", f.get("id_rsp")), "status": f.get("status"),
            "has_data": f.get("data_set_type", 0x0101) != 0x0101}
