#!/usr/bin/env python3
"""A storage requestor that makes one of the mistakes real modalities make and that no peer in
Debian makes on purpose, to record how a real acceptor (dcmtk's storescp) answers. Built to
PS3.8 and PS3.7 by hand; every other byte is what a correct requestor sends.

Usage: faulty_scu.py HOST PORT MISTAKE
  mismatch       the C-STORE-RQ names one SOP Instance UID in its command and another in its
                 data set (a modality that edits the object after building the command)
  encapsulated   JPEG-style encapsulated Pixel Data (fragments) on an Explicit VR Little
                 Endian context, which is a native transfer syntax
  no-dataset     the command announces a data set (Command Data Set Type 0x0000), then the
                 requestor sends a C-ECHO-RQ on the same context without it
  rejected-context  the C-STORE-RQ goes on a presentation context the acceptor rejected
                 (JPEG Baseline only, which storescp does not accept by default)
  native-on-jpeg native (uncompressed) Pixel Data on an accepted JPEG Baseline context (the
                 acceptor must be told to accept JPEG: storescp +xa)
  pause          a correct C-STORE whose sender stops for 1.5 s in the middle of its data set
                 (a modality reading the image from a slow disk)
  close-after-request  a correct C-STORE, then the requestor closes the connection 2 ms
                 later without waiting for the response (a modality killed or timing out)
Then it releases the association (or reports the acceptor's A-ABORT)."""
import socket
import struct
import sys
import time

CT = "1.2.840.10008.5.1.4.1.1.2"
VERIFICATION = "1.2.840.10008.1.1"
EXPLICIT_LE = "1.2.840.10008.1.2.1"
JPEG_BASELINE = "1.2.840.10008.1.2.4.50"


def item(kind, body):
    return struct.pack(">BBH", kind, 0, len(body)) + body


def uid(u):
    return u.encode() + (b"\0" if len(u) % 2 else b"")


def element(group, elem, value):  # implicit VR little endian (command sets)
    return struct.pack("<HHI", group, elem, len(value)) + value


def explicit(group, elem, vr, value):  # explicit VR little endian
    if vr in (b"OB", b"OW", b"SQ", b"UN", b"UT"):
        return struct.pack("<HH", group, elem) + vr + b"\0\0" + struct.pack("<I", len(value)) + value
    return struct.pack("<HH", group, elem) + vr + struct.pack("<H", len(value)) + value


def command_set(elements):
    body = b"".join(elements)
    return element(0, 0, struct.pack("<I", len(body))) + body


def read_pdu(sock):
    head = b""
    while len(head) < 6:
        chunk = sock.recv(6 - len(head))
        if not chunk:
            return None, b""
        head += chunk
    kind, length = head[0], struct.unpack(">I", head[2:6])[0]
    body = b""
    while len(body) < length:
        chunk = sock.recv(length - len(body))
        if not chunk:
            return None, b""
        body += chunk
    return kind, body


def pdata(context, flags, body):
    pdv = struct.pack(">IBB", len(body) + 2, context, flags) + body
    return struct.pack(">BBI", 4, 0, len(pdv)) + pdv


def store_command(message_id, instance, with_data=True):
    return command_set([element(0, 2, uid(CT)), element(0, 0x100, struct.pack("<H", 0x0001)),
                        element(0, 0x110, struct.pack("<H", message_id)), element(0, 0x700, struct.pack("<H", 0)),
                        element(0, 0x800, struct.pack("<H", 0x0000 if with_data else 0x0101)),
                        element(0, 0x1000, uid(instance))])


def ct_data_set(instance, encapsulated=False):
    head = (explicit(0x0008, 0x0016, b"UI", uid(CT)) + explicit(0x0008, 0x0018, b"UI", uid(instance))
            + explicit(0x0008, 0x0060, b"CS", b"CT") + explicit(0x0010, 0x0010, b"PN", b"Doe^Jane")
            + explicit(0x0010, 0x0020, b"LO", b"ID123456") + explicit(0x0020, 0x000D, b"UI", uid("2.25.7001"))
            + explicit(0x0020, 0x000E, b"UI", uid("2.25.7002")) + explicit(0x0028, 0x0002, b"US", struct.pack("<H", 1))
            + explicit(0x0028, 0x0004, b"CS", b"MONOCHROME2 ") + explicit(0x0028, 0x0010, b"US", struct.pack("<H", 16))
            + explicit(0x0028, 0x0011, b"US", struct.pack("<H", 16))
            + explicit(0x0028, 0x0100, b"US", struct.pack("<H", 8))
            + explicit(0x0028, 0x0101, b"US", struct.pack("<H", 8))
            + explicit(0x0028, 0x0102, b"US", struct.pack("<H", 7))
            + explicit(0x0028, 0x0103, b"US", struct.pack("<H", 0)))
    pixels = bytes(range(256))
    if not encapsulated:
        return head + explicit(0x7FE0, 0x0010, b"OB", pixels)
    # undefined length, an empty basic offset table, one fragment, the sequence delimiter
    frag = b"\xff\xd8" + pixels[2:254] + b"\xff\xd9"
    return (head + struct.pack("<HH", 0x7FE0, 0x0010) + b"OB\0\0" + struct.pack("<I", 0xFFFFFFFF)
            + struct.pack("<HHI", 0xFFFE, 0xE000, 0) + struct.pack("<HHI", 0xFFFE, 0xE000, len(frag)) + frag
            + struct.pack("<HHI", 0xFFFE, 0xE0DD, 0))


def associate(s, contexts):
    """contexts: [(id, abstract syntax, [transfer syntaxes])]; returns {id: result}."""
    user_info = item(0x51, struct.pack(">I", 16384)) + item(0x52, uid("2.25.329800735698586629295641978511506172918")) \
        + item(0x55, b"FAULTY_SCU")
    variable = item(0x10, uid("1.2.840.10008.3.1.1.1"))
    for cid, abstract, syntaxes in contexts:
        variable += item(0x20, bytes([cid, 0, 0, 0]) + item(0x30, uid(abstract))
                         + b"".join(item(0x40, uid(t)) for t in syntaxes))
    variable += item(0x50, user_info)
    rq = struct.pack(">HH", 1, 0) + b"PACS".ljust(16) + b"FAULTY_SCU".ljust(16) + bytes(32) + variable
    s.sendall(struct.pack(">BBI", 1, 0, len(rq)) + rq)
    kind, body = read_pdu(s)
    if kind != 2:
        raise SystemExit("association not accepted (PDU type %s)" % kind)
    results, off = {}, 68
    while off + 4 <= len(body):
        t, length = body[off], struct.unpack(">H", body[off + 2:off + 4])[0]
        if t == 0x21:
            results[body[off + 4]] = body[off + 6]
        off += 4 + length
    return results


def answer(s):
    """Prints what the acceptor answered; False when the association is over."""
    kind, body = read_pdu(s)
    if kind is None:
        print("acceptor closed the connection")
        return False
    if kind == 7:
        print("acceptor aborted: source %d reason %d" % (body[2], body[3]))
        return False
    if kind == 4:
        status = body.find(struct.pack("<HHI", 0, 0x900, 2))
        if status >= 0:
            print("response status 0x%04X" % struct.unpack("<H", body[status + 8:status + 10])[0])
    return True


def release(s):
    s.sendall(struct.pack(">BBI", 5, 0, 4) + bytes(4))
    kind, _ = read_pdu(s)
    print("release answered with PDU type %s" % kind)


def main():
    host, port, mistake = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    with socket.create_connection((host, port)) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if mistake == "native-on-jpeg":
            results = associate(s, [(1, CT, [JPEG_BASELINE]), (3, VERIFICATION, ["1.2.840.10008.1.2"])])
            print("context results", results)
            s.sendall(pdata(1, 0x03, store_command(1, "2.25.900006")))
            s.sendall(pdata(1, 0x02, ct_data_set("2.25.900006")))
        elif mistake == "pause":
            associate(s, [(1, CT, [EXPLICIT_LE]), (3, VERIFICATION, ["1.2.840.10008.1.2"])])
            data = ct_data_set("2.25.900007")
            s.sendall(pdata(1, 0x03, store_command(1, "2.25.900007")))
            s.sendall(pdata(1, 0x00, data[:200]))
            time.sleep(1.5)
            s.sendall(pdata(1, 0x02, data[200:]))
        elif mistake == "close-after-request":
            associate(s, [(1, CT, [EXPLICIT_LE]), (3, VERIFICATION, ["1.2.840.10008.1.2"])])
            s.sendall(pdata(1, 0x03, store_command(1, "2.25.900008")))
            s.sendall(pdata(1, 0x02, ct_data_set("2.25.900008")))
            time.sleep(0.002)
            return  # the socket closes: no A-RELEASE, no A-ABORT
        elif mistake == "rejected-context":
            results = associate(s, [(1, CT, [JPEG_BASELINE]), (3, VERIFICATION, ["1.2.840.10008.1.2"])])
            print("context results", results)
            instance = "2.25.900001"
            s.sendall(pdata(1, 0x03, store_command(1, instance)))
            s.sendall(pdata(1, 0x02, ct_data_set(instance)))
        else:
            associate(s, [(1, CT, [EXPLICIT_LE]), (3, VERIFICATION, ["1.2.840.10008.1.2"])])
            if mistake == "mismatch":
                s.sendall(pdata(1, 0x03, store_command(1, "2.25.900002")))
                s.sendall(pdata(1, 0x02, ct_data_set("2.25.900003")))
            elif mistake == "encapsulated":
                s.sendall(pdata(1, 0x03, store_command(1, "2.25.900004")))
                s.sendall(pdata(1, 0x02, ct_data_set("2.25.900004", encapsulated=True)))
            elif mistake == "no-dataset":
                s.sendall(pdata(1, 0x03, store_command(1, "2.25.900005")))
                echo = command_set([element(0, 2, uid(CT)), element(0, 0x100, struct.pack("<H", 0x30)),
                                    element(0, 0x110, struct.pack("<H", 2)), element(0, 0x800, struct.pack("<H", 0x0101))])
                s.sendall(pdata(1, 0x03, echo))
            else:
                raise SystemExit(__doc__)
        if answer(s):
            release(s)


if __name__ == "__main__":
    main()
