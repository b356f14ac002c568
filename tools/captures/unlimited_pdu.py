#!/usr/bin/env python3
"""A storage requestor and acceptor that both announce Maximum Length 0 ("no limit", PS3.8 D.1)
and then use it: each C-STORE data set goes in one P-DATA-TF, longer than 16 MiB. dcmtk only
announces 4096..131072, and no stack in Debian sends such PDUs on purpose, so both peers are
built here to PS3.8 and PS3.7 (the PDU helpers are faulty_scu.py's).

Usage: unlimited_pdu.py scp PORT
       unlimited_pdu.py scu HOST PORT MIB COUNT
The acceptor answers every C-STORE-RQ with Success once its data set is complete, and the
A-RELEASE-RQ with an A-RELEASE-RP; the requestor sends COUNT objects of MIB MiB of pixel data."""
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import faulty_scu as ul  # noqa: E402

CT = ul.CT
EXPLICIT_LE = ul.EXPLICIT_LE


def user_info(max_length):
    return ul.item(0x50, ul.item(0x51, struct.pack(">I", max_length))
                   + ul.item(0x52, ul.uid("2.25.329800735698586629295641978511506172919"))
                   + ul.item(0x55, b"UNLIMITED_PDU"))


def big_data_set(instance, mib):
    head = ul.ct_data_set(instance)
    head = head[:head.rfind(struct.pack("<HH", 0x7FE0, 0x0010))]  # the small Pixel Data goes
    rows = cols = 1024
    frames = max(1, mib // 2)  # 16-bit 1024 x 1024: 2 MiB a frame
    head += ul.explicit(0x0028, 0x0008, b"IS", str(frames).encode().ljust(2 if frames < 10 else 4))
    pixels = bytes(range(256)) * (rows * cols * 2 * frames // 256)
    return head + struct.pack("<HH", 0x7FE0, 0x0010) + b"OW\0\0" + struct.pack("<I", len(pixels)) + pixels


def scu(host, port, mib, count):
    with socket.create_connection((host, port)) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        variable = ul.item(0x10, ul.uid("1.2.840.10008.3.1.1.1"))
        variable += ul.item(0x20, bytes([1, 0, 0, 0]) + ul.item(0x30, ul.uid(CT)) + ul.item(0x40, ul.uid(EXPLICIT_LE)))
        variable += user_info(0)
        rq = struct.pack(">HH", 1, 0) + b"PACS".ljust(16) + b"BIGSCU".ljust(16) + bytes(32) + variable
        s.sendall(struct.pack(">BBI", 1, 0, len(rq)) + rq)
        kind, body = ul.read_pdu(s)
        if kind != 2:
            raise SystemExit("association not accepted (PDU type %s)" % kind)
        for n in range(1, count + 1):
            instance = "2.25.9100%02d" % n
            s.sendall(ul.pdata(1, 0x03, ul.store_command(n, instance)))
            pdu = ul.pdata(1, 0x02, big_data_set(instance, mib))  # one PDU, one PDV
            for at in range(0, len(pdu), 1 << 18):  # paced, so that the capture keeps up
                s.sendall(pdu[at:at + (1 << 18)])
                time.sleep(0.003)
            if not ul.answer(s):
                return
        ul.release(s)


def scp(port):
    with socket.socket() as ls:
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("127.0.0.1", port))
        ls.listen(1)
        s, _ = ls.accept()
        with s:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            kind, body = ul.read_pdu(s)
            if kind != 1:
                return
            variable = ul.item(0x10, ul.uid("1.2.840.10008.3.1.1.1"))
            variable += ul.item(0x21, bytes([1, 0, 0, 0]) + ul.item(0x40, ul.uid(EXPLICIT_LE)))
            variable += user_info(0)
            ac = body[:68] + variable
            s.sendall(struct.pack(">BBI", 2, 0, len(ac)) + ac)
            message_id = 0
            while True:
                kind, body = ul.read_pdu(s)
                if kind is None:
                    return
                if kind == 5:
                    s.sendall(struct.pack(">BBI", 6, 0, 4) + bytes(4))
                    return
                if kind != 4:
                    return
                flags = body[5]
                if flags & 0x01:  # a command: its Message ID (0000,0110)
                    at = body.find(struct.pack("<HHI", 0, 0x110, 2))
                    message_id = struct.unpack("<H", body[at + 8:at + 10])[0] if at >= 0 else 0
                if not flags & 0x01 and flags & 0x02:  # the data set's last fragment: answer
                    rsp = ul.command_set([ul.element(0, 2, ul.uid(CT)), ul.element(0, 0x100, struct.pack("<H", 0x8001)),
                                          ul.element(0, 0x120, struct.pack("<H", message_id)),
                                          ul.element(0, 0x800, struct.pack("<H", 0x0101)),
                                          ul.element(0, 0x900, struct.pack("<H", 0))])
                    s.sendall(ul.pdata(1, 0x03, rsp))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "scp":
        scp(int(sys.argv[2]))
    elif len(sys.argv) == 6 and sys.argv[1] == "scu":
        scu(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
    else:
        raise SystemExit(__doc__)
