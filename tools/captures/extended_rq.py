#!/usr/bin/env python3
"""A minimal association requestor for the "extended-negotiation" sample capture.

No peer in Debian sends the asynchronous operations window (0x53), SOP class common
extended negotiation (0x57) or a JSON Web Token user identity (0x58 type 5), so this
script sends them, built to PS3.8/PS3.7 Annex D, to a real dcmtk storescp; it then runs a
C-ECHO and releases. With --oversized the C-ECHO-RQ command travels in a P-DATA-TF longer
than the maximum the acceptor announced (padded with an Error Comment element), to record
how a real acceptor reacts. With --malformed it sends, after the C-ECHO, a C-STORE-RQ whose
data set (explicit VR little endian) has an odd-length value, an element with an unknown VR
and nothing after it, to record the acceptor's C-STORE-RSP.
Usage: extended_rq.py HOST PORT [--oversized | --malformed]"""
import socket
import struct
import sys


def item(kind, body, second_byte=0):
    return struct.pack(">BBH", kind, second_byte, len(body)) + body


def uid(u):
    return u.encode() + (b"\0" if len(u) % 2 else b"")


def counted(b):
    return struct.pack(">H", len(b)) + b


def element(group, elem, value):  # implicit VR little endian
    return struct.pack("<HHI", group, elem, len(value)) + value


def command_set(elements):
    body = b"".join(elements)
    return element(0, 0, struct.pack("<I", len(body))) + body


def read_pdu(sock):
    head = b""
    while len(head) < 6:
        chunk = sock.recv(6 - len(head))
        if not chunk:
            raise SystemExit("connection closed")
        head += chunk
    kind, length = head[0], struct.unpack(">I", head[2:6])[0]
    body = b""
    while len(body) < length:
        body += sock.recv(length - len(body))
    return kind, body


def explicit(group, elem, vr, value):  # explicit VR little endian, short form
    return struct.pack("<HH", group, elem) + vr + struct.pack("<H", len(value)) + value


def send_malformed_store(s, sop_class):
    instance = "2.25.1234567890123456789"
    data = (explicit(0x0008, 0x0016, b"UI", uid(sop_class)) + explicit(0x0008, 0x0018, b"UI", uid(instance))
            + explicit(0x0010, 0x0010, b"PN", b"Doe^J")            # odd length
            + explicit(0x0010, 0x0020, b"QQ", b"12"))              # no such VR
    command = command_set([element(0, 2, uid(sop_class)), element(0, 0x100, struct.pack("<H", 0x0001)),
                           element(0, 0x110, struct.pack("<H", 2)), element(0, 0x700, struct.pack("<H", 0)),
                           element(0, 0x800, struct.pack("<H", 0x0000)), element(0, 0x1000, uid(instance))])
    for flags, body in ((0x03, command), (0x02, data)):
        pdv = struct.pack(">IBB", len(body) + 2, 3, flags) + body
        s.sendall(struct.pack(">BBI", 4, 0, len(pdv)) + pdv)
    kind, body = read_pdu(s)
    if kind == 7:
        print("acceptor aborted: source %d reason %d" % (body[2], body[3]))
        return False
    return True


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    oversized = "--oversized" in sys.argv
    malformed = "--malformed" in sys.argv
    secondary_capture = "1.2.840.10008.5.1.4.1.1.7"
    verification = "1.2.840.10008.1.1"
    jwt = b"eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSIsImlzcyI6ImRpY29tLXVsLXRlc3QifQ."
    user_info = b"".join([
        item(0x51, struct.pack(">I", 32768)),
        item(0x52, uid("2.25.329800735698586629295641978511506172918")),
        item(0x53, struct.pack(">HH", 5, 3)),
        item(0x55, b"DICOMUL_TEST"),
        item(0x57, counted(b"1.2.840.10008.5.1.4.1.1.88.22") + counted(b"1.2.840.10008.4.2")
             + counted(counted(b"1.2.840.10008.5.1.4.1.1.88.11"))),
        item(0x58, bytes([5, 1]) + counted(jwt) + counted(b"")),
    ])
    variable = (item(0x10, uid("1.2.840.10008.3.1.1.1"))
                + item(0x20, bytes([1, 0, 0, 0]) + item(0x30, uid(verification))
                       + item(0x40, uid("1.2.840.10008.1.2")))
                + item(0x20, bytes([3, 0, 0, 0]) + item(0x30, uid(secondary_capture))
                       + item(0x40, uid("1.2.840.10008.1.2.1")))
                + item(0x50, user_info))
    fixed = struct.pack(">HH", 1, 0) + b"PACS".ljust(16) + b"SCRIPTED_SCU".ljust(16) + bytes(32)
    rq = fixed + variable
    with socket.create_connection((host, port)) as s:
        s.sendall(struct.pack(">BBI", 1, 0, len(rq)) + rq)
        kind, _ = read_pdu(s)
        if kind != 2:
            raise SystemExit("association not accepted (PDU type %d)" % kind)
        elements = [element(0, 2, uid(verification)), element(0, 0x100, struct.pack("<H", 0x30)),
                    element(0, 0x110, struct.pack("<H", 1)), element(0, 0x800, struct.pack("<H", 0x0101))]
        if oversized:
            elements.append(element(0, 0x902, b"X" * 20000))
        echo = command_set(elements)
        pdv = struct.pack(">IBB", len(echo) + 2, 1, 0x03) + echo
        s.sendall(struct.pack(">BBI", 4, 0, len(pdv)) + pdv)
        kind, body = read_pdu(s)
        if kind == 7:
            print("acceptor aborted: source %d reason %d" % (body[2], body[3]))
            return
        if malformed and not send_malformed_store(s, secondary_capture):
            return
        s.sendall(struct.pack(">BBI", 5, 0, 4) + bytes(4))
        kind, _ = read_pdu(s)
        if kind != 6:
            raise SystemExit("no A-RELEASE-RP (PDU type %d)" % kind)


if __name__ == "__main__":
    main()
