#!/usr/bin/env python3
"""A DICOM peer that breaks one conformance rule on purpose (issue 24), to record how a real
peer (dcmtk's storescp as acceptor, echoscu as requestor) sees it. Built to PS3.8 and PS3.7 by
hand (helpers of faulty_scu.py); every byte but the broken one is what a correct peer sends.

Usage: rule_breaker.py scu HOST PORT SCENARIO   (a requestor, against storescp)
       rule_breaker.py scp PORT SCENARIO        (an acceptor for one association, echoscu calls it)

Requestor scenarios:
  ae-control          the calling AE title holds a control character (BEL)  pdu.ae_title
  uid-leading-zero    the implementation class UID and the C-STORE's Affected SOP Instance UID
                      have a component with a leading zero                   pdu.uid_syntax, enc.ui_value
  pdata-after-release a C-ECHO-RQ after the requestor's own A-RELEASE-RQ     ul.pdata_after_own_release_rq
  store-no-instance   a C-STORE-RQ without Affected SOP Instance UID         dimse.command_element_missing
  priority-7          a C-STORE-RQ with Priority 7                           dimse.priority
  echo-on-ct          a C-ECHO-RQ on the context negotiated for CT Image Storage  dimse.sop_class_not_context
  two-outstanding     a second C-ECHO-RQ before the first is answered, without an asynchronous
                      operations window                                      dimse.outstanding_beyond_window
  message-id-reuse    a second C-ECHO-RQ with the Message ID of the first, still outstanding
                                                                             dimse.message_id_in_use
  group-length        a C-ECHO-RQ whose Command Group Length is 2 too large  enc.group_length
  ct-no-series-uid    a CT image without Series Instance UID (General Series, Type 1)  iod.type1_missing
  ct-empty-modality   a CT image whose Modality is empty (General Series, Type 1)      iod.type1_empty
  ct-bad-values       a CT image with Study Date 2004-01-19, Modality "ct" and one Pixel Spacing value
                                                                 enc.value_format, enc.value_multiplicity
  ct-vr-mismatch      a CT image whose Study Description (LO) is sent as CS  enc.vr_not_dictionary
Acceptor scenarios:
  accept-unproposed-ts  the A-ASSOCIATE-AC accepts JPEG Baseline, which was not proposed
                                                                             pdu.transfer_syntax_not_proposed
  extra-negotiation   the A-ASSOCIATE-AC answers a role selection and an asynchronous operations
                      window the requestor did not propose     pdu.role_reply_not_proposed, pdu.async_window_not_proposed
  echo-status-a700    the C-ECHO-RSP has status 0xA700 (out of resources: C-STORE's, not C-ECHO's)
                                                                             dimse.status_not_for_service
  release-rp-unasked  an A-RELEASE-RP right after the C-ECHO-RSP, before any A-RELEASE-RQ
                                                                             ul.release_rp_without_release_rq
"""
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from faulty_scu import (CT, EXPLICIT_LE, VERIFICATION, JPEG_BASELINE, answer, command_set,  # noqa: E402
                        element, item, pdata, read_pdu, release, uid)

IMPLICIT_LE = "1.2.840.10008.1.2"
APPLICATION_CONTEXT = "1.2.840.10008.3.1.1.1"


def ct_data_set(instance, drop=(), empty=(), change=()):
    """A whole CT image (pydicom's CT_small.dcm, which follows the CT Image IOD) in Explicit VR
    Little Endian, with `instance` as its SOP Instance UID: only the broken rule is broken. The
    attributes named in `drop` are left out, those in `empty` sent empty; `change` is a list of
    (keyword, value, VR or None) set as given, however wrong."""
    import warnings
    import pydicom
    from pydicom.filebase import DicomBytesIO
    from pydicom.filewriter import write_dataset
    ds = pydicom.dcmread("/usr/lib/python3/dist-packages/pydicom/data/test_files/CT_small.dcm")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a UID with a leading zero, on purpose
        ds.SOPInstanceUID = instance
    for keyword in drop:
        delattr(ds, keyword)
    for keyword in empty:
        setattr(ds, keyword, "")
    for keyword, value, vr in change:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            setattr(ds, keyword, value)
            if vr:
                ds[keyword].VR = vr
    fp = DicomBytesIO()
    fp.is_little_endian, fp.is_implicit_VR = True, False
    write_dataset(fp, ds)
    return fp.getvalue()


def send_data_set(s, context, data, fragment=16000):
    """The data set in P-DATA-TFs within storescp's maximum length (16384)."""
    for at in range(0, len(data), fragment):
        last = at + fragment >= len(data)
        s.sendall(pdata(context, 0x02 if last else 0x00, data[at:at + fragment]))


def u16(v):
    return struct.pack("<H", v)


def echo_rq(message_id, sop_class=VERIFICATION, group_length_extra=0):
    body = [element(0, 2, uid(sop_class)), element(0, 0x100, u16(0x30)), element(0, 0x110, u16(message_id)),
            element(0, 0x800, u16(0x0101))]
    cs = command_set(body)
    if group_length_extra:
        length = struct.unpack("<I", cs[8:12])[0] + group_length_extra
        cs = cs[:8] + struct.pack("<I", length) + cs[12:]
    return cs


def store_rq(message_id, instance, priority=0, with_instance=True):
    body = [element(0, 2, uid(CT)), element(0, 0x100, u16(0x0001)), element(0, 0x110, u16(message_id)),
            element(0, 0x700, u16(priority)), element(0, 0x800, u16(0x0000))]
    if with_instance:
        body.append(element(0, 0x1000, uid(instance)))
    return command_set(body)


def associate_rq(s, calling=b"BREAKER_SCU", class_uid="2.25.329800735698586629295641978511506172918"):
    """Proposes CT Image Storage (1) and Verification (3); returns when accepted."""
    user_info = item(0x51, struct.pack(">I", 16384)) + item(0x52, uid(class_uid)) + item(0x55, b"RULE_BREAKER")
    variable = item(0x10, uid(APPLICATION_CONTEXT))
    for cid, abstract, syntax in ((1, CT, EXPLICIT_LE), (3, VERIFICATION, IMPLICIT_LE)):
        variable += item(0x20, bytes([cid, 0, 0, 0]) + item(0x30, uid(abstract)) + item(0x40, uid(syntax)))
    variable += item(0x50, user_info)
    rq = struct.pack(">HH", 1, 0) + b"PACS".ljust(16) + calling.ljust(16) + bytes(32) + variable
    s.sendall(struct.pack(">BBI", 1, 0, len(rq)) + rq)
    kind, _ = read_pdu(s)
    if kind != 2:
        raise SystemExit("association not accepted (PDU type %s)" % kind)


def requestor(host, port, scenario):
    with socket.create_connection((host, port)) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if scenario == "ae-control":
            associate_rq(s, calling=b"BREAK\x07SCU")
            s.sendall(pdata(3, 0x03, echo_rq(1)))
        elif scenario == "uid-leading-zero":
            associate_rq(s, class_uid="2.25.0329800735698586629295641978511506172918")
            s.sendall(pdata(1, 0x03, store_rq(1, "2.25.0123")))
            send_data_set(s, 1, ct_data_set("2.25.0123"))
        elif scenario == "pdata-after-release":
            associate_rq(s)
            s.sendall(struct.pack(">BBI", 5, 0, 4) + bytes(4) + pdata(3, 0x03, echo_rq(1)))
            while answer(s):  # whatever the acceptor makes of it, to the end
                pass
            return
        elif scenario == "store-no-instance":
            associate_rq(s)
            s.sendall(pdata(1, 0x03, store_rq(1, "2.25.900101", with_instance=False)))
            send_data_set(s, 1, ct_data_set("2.25.900101"))
        elif scenario == "priority-7":
            associate_rq(s)
            s.sendall(pdata(1, 0x03, store_rq(1, "2.25.900102", priority=7)))
            send_data_set(s, 1, ct_data_set("2.25.900102"))
        elif scenario in ("ct-no-series-uid", "ct-empty-modality", "ct-bad-values", "ct-vr-mismatch"):
            associate_rq(s)
            s.sendall(pdata(1, 0x03, store_rq(1, "2.25.900103")))
            broken = {"ct-no-series-uid": {"drop": ["SeriesInstanceUID"]},
                      "ct-empty-modality": {"empty": ["Modality"]},
                      "ct-bad-values": {"change": [("StudyDate", "2004-01-19", None), ("Modality", "ct", None),
                                                   ("PixelSpacing", ["0.661468"], None)]},
                      "ct-vr-mismatch": {"change": [("StudyDescription", "HEAD", "CS")]}}[scenario]
            send_data_set(s, 1, ct_data_set("2.25.900103", **broken))
        elif scenario == "echo-on-ct":
            associate_rq(s)
            s.sendall(pdata(1, 0x03, echo_rq(1)))
        elif scenario in ("two-outstanding", "message-id-reuse"):
            associate_rq(s)
            second = 2 if scenario == "two-outstanding" else 1
            s.sendall(pdata(3, 0x03, echo_rq(1)) + pdata(3, 0x03, echo_rq(second)))
            if answer(s):
                answer(s)
        elif scenario == "group-length":
            associate_rq(s)
            s.sendall(pdata(3, 0x03, echo_rq(1, group_length_extra=2)))
        else:
            raise SystemExit(__doc__)
        if answer(s):
            release(s)


def contexts_of(rq_body):
    """[(id, abstract syntax, [transfer syntaxes])] of an A-ASSOCIATE-RQ body (after the header)."""
    out, off = [], 68
    while off + 4 <= len(rq_body):
        kind, length = rq_body[off], struct.unpack(">H", rq_body[off + 2:off + 4])[0]
        if kind == 0x20:
            cid, sub, abstract, syntaxes = rq_body[off + 4], off + 8, "", []
            while sub + 4 <= off + 4 + length:
                t, n = rq_body[sub], struct.unpack(">H", rq_body[sub + 2:sub + 4])[0]
                value = rq_body[sub + 4:sub + 4 + n].rstrip(b"\0").decode()
                if t == 0x30:
                    abstract = value
                elif t == 0x40:
                    syntaxes.append(value)
                sub += 4 + n
            out.append((cid, abstract, syntaxes))
        off += 4 + length
    return out


def associate_ac(rq_body, scenario):
    variable = item(0x10, uid(APPLICATION_CONTEXT))
    for cid, abstract, syntaxes in contexts_of(rq_body):
        syntax = JPEG_BASELINE if scenario == "accept-unproposed-ts" else syntaxes[0]
        variable += item(0x21, bytes([cid, 0, 0, 0]) + item(0x40, uid(syntax)))
    user_info = item(0x51, struct.pack(">I", 16384)) + item(0x52, uid("2.25.98765432109876543210")) \
        + item(0x55, b"RULE_BREAKER")
    if scenario == "extra-negotiation":
        role = uid(VERIFICATION)
        user_info += item(0x53, struct.pack(">HH", 4, 4))
        user_info += item(0x54, struct.pack(">H", len(role)) + role + bytes([1, 1]))
    ac = struct.pack(">HH", 1, 0) + rq_body[4:36] + bytes(32) + variable + item(0x50, user_info)
    return struct.pack(">BBI", 2, 0, len(ac)) + ac


def echo_rsp(message_id, status):
    return command_set([element(0, 2, uid(VERIFICATION)), element(0, 0x100, u16(0x8030)),
                        element(0, 0x120, u16(message_id)), element(0, 0x800, u16(0x0101)),
                        element(0, 0x900, u16(status))])


def acceptor(port, scenario):
    with socket.create_server(("127.0.0.1", port)) as server:
        conn, _ = server.accept()
    with conn:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        kind, body = read_pdu(conn)
        if kind != 1:
            raise SystemExit("expected an A-ASSOCIATE-RQ, got PDU type %s" % kind)
        conn.sendall(associate_ac(body, scenario))
        while True:
            kind, body = read_pdu(conn)
            if kind is None or kind == 7:
                print("requestor %s" % ("closed" if kind is None else "aborted"))
                return
            if kind == 5:
                conn.sendall(struct.pack(">BBI", 6, 0, 4) + bytes(4))
                time.sleep(0.2)
                return
            if kind == 4:
                cid, at = body[4], body.find(struct.pack("<HHI", 0, 0x110, 2))
                message_id = struct.unpack("<H", body[at + 8:at + 10])[0] if at >= 0 else 1
                status = 0xA700 if scenario == "echo-status-a700" else 0x0000
                conn.sendall(pdata(cid, 0x03, echo_rsp(message_id, status)))
                if scenario == "release-rp-unasked":
                    conn.sendall(struct.pack(">BBI", 6, 0, 4) + bytes(4))


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "scu":
        requestor(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif len(sys.argv) == 4 and sys.argv[1] == "scp":
        acceptor(int(sys.argv[2]), sys.argv[3])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
