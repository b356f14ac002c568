"""tshark with the plugin on every sample capture: PDUs found, exact field values, filters,
Info column and expert infos. Expected values come from the dcmtk peers' known behaviour
and from the built-in dissector where it decodes the same field."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from tshark_run import fields, frames, home, pcap, tshark  # noqa: E402

CAPTURES = ["echo.pcap", "store-multi.pcap", "refused.pcap", "abort.pcap", "heuristic-port.pcap",
            "max-pdu-4096.pcap", "find-rejected.pcap", "user-identity.pcap", "negotiation.pcap",
            "extended-negotiation.pcap", "oversized-pdu.pcap", "transfer-syntaxes.pcap", "query-retrieve.pcap",
            "charsets.pcap", "malformed-dataset.pcap", "slow-receiver.pcap", "one-per-object.pcap"]
CT = "1.2.840.10008.5.1.4.1.1.2"


def info(name, display_filter="dicom"):
    return {int(r[0]): r[1] for r in fields(name, display_filter, "frame.number", "_ws.col.Info")}


class Loading(unittest.TestCase):
    def test_plugin_is_loaded(self):
        line = [x for x in tshark("-G", "plugins").splitlines() if x.startswith("dicom-ul.so")]
        self.assertEqual(len(line), 1)
        self.assertIn(home(), line[0])  # this build's copy, not an installed one
        protocols = tshark("-G", "protocols")
        self.assertIn("DICOM Upper Layer (plugin)\tDICOM-UL\tdicom_ul", protocols)

    def test_builtin_is_off_by_default_and_can_be_turned_on(self):
        rows = fields("echo.pcap", "frame.number == 4", "frame.protocols", "_ws.col.Protocol")
        self.assertEqual(rows, [["eth:ethertype:ip:tcp:dicom_ul", "DICOM"]])
        rows = fields("echo.pcap", "frame.number == 4", "frame.protocols",
                      extra=["--enable-protocol", "dicom", "-d", "tcp.port==11112,dicom"])
        self.assertEqual(rows, [["eth:ethertype:ip:tcp:dicom"]])

    def test_disabling_the_plugin_covers_its_postdissector(self):
        # Frame 133 of this receiver-side capture is a segment TCP kept to itself (out of
        # order): only the postdissector decodes it. Its handle has no protocol of its own, so
        # it checks the switch itself and names DICOM for the frame's expert infos. tshark's
        # summary lines show the columns as the packet list does (from 4.4 the _ws.col fields
        # of such a frame may still hold TCP's text: README, "Wireshark versions").
        name = "impaired-loss-receiver.pcap"
        line = tshark("-r", pcap(name), "-Y", "frame.number == 133")
        self.assertIn(" DICOM ", line)
        # TCP's marker stays in front ([TCP Out-Of-Order] on 4.0, [TCP Fast Retransmission] on 4.4)
        self.assertRegex(line, r"\[TCP [A-Za-z -]+\] C-STORE-RQ id=1 CT Image Storage 1\.2\.")
        off = tshark("-r", pcap(name), "--disable-protocol", "dicom_ul")
        self.assertEqual(len(off.splitlines()), 3369)
        self.assertNotIn("DICOM", off)  # 4.4's own heuristics take a few payloads (RK512)
        expert = tshark("-r", pcap(name), "-q", "-z", "expert,note", "--disable-protocol", "dicom_ul")
        self.assertNotIn("DICOM", expert)
        expert = tshark("-r", pcap(name), "-q", "-z", "expert,note")
        self.assertIn("DICOM-UL", expert)


class PdusFound(unittest.TestCase):
    def test_filter_dicom_is_only_pdus(self):
        # Frames matching "dicom" all carry a PDU header, a piece of a PDV (large P-DATA-TFs
        # are walked segment by segment, not reassembled) or part of a PDU that later segments
        # complete: no garbage, no bare segments, and no stream trouble on these clean captures.
        # The one exception: a TCP FIN or RST that ends an association without A-RELEASE or
        # A-ABORT carries the diagnosis' finding (find-rejected.pcap).
        for name in CAPTURES:
            with self.subTest(capture=name):
                self.assertEqual(frames(name, "dicom && !dicom.stream.retransmitted"),
                                 frames(name, "dicom.pdu.type || dicom.pdv.value || dicom.pdu.fragment || "
                                              "(dicom.finding && (tcp.flags.fin == 1 || tcp.flags.reset == 1))"))
                self.assertEqual(frames(name, "dicom.stream.held || dicom.stream.lost || dicom.stream.skipped"), [])
                self.assertEqual(frames(name, "dicom.garbage || dicom.expert.not_pdu"), [])
        # slow-receiver.pcap holds one real TCP retransmission: named as such, decoded once
        rows = fields("slow-receiver.pcap", "dicom.stream.retransmitted", "frame.number", "dicom.stream.first_seen_in",
                      "tcp.analysis.retransmission", "_ws.col.Info")
        self.assertEqual(len(rows), 1)
        self.assertTrue(rows[0][2])
        self.assertEqual(rows[0][3], "[TCP Retransmission] Retransmitted DICOM bytes of C-STORE-RQ id=2 "
                                     "(first seen in frame %s)" % rows[0][1])

    def test_every_pdu_the_builtin_finds(self):
        for name in CAPTURES:
            with self.subTest(capture=name):
                ours = set(frames(name, "dicom"))
                builtin = set(frames(name, "dicom", plugin=False))
                self.assertTrue(builtin, name)
                self.assertLessEqual(builtin, ours, name)

    def test_pdu_types_of_echo(self):
        # echoscu writes each P-DATA-TF as two segments, headers then value: the PDU header is
        # shown where it travels, the value (and the C-ECHO it completes) in the next segment.
        rows = fields("echo.pcap", "dicom", "frame.number", "dicom.pdu.type", "dicom.pdu.len", "dicom.pdv.value")
        self.assertEqual([r[:3] for r in rows], [
            ["4", "0x01", "205"], ["6", "0x02", "184"], ["8", "0x04", "74"], ["10", "", ""],
            ["12", "0x04", "84"], ["14", "", ""], ["16", "0x05", "4"], ["17", "0x06", "4"]])
        self.assertEqual([len(r[3].replace(":", "")) // 2 for r in rows if r[3]], [68, 78])


class Association(unittest.TestCase):
    def test_echo_negotiation(self):
        rows = fields("echo.pcap", "dicom.pdu.type == 1", "dicom.ae_called", "dicom.ae_calling",
                      "dicom.assoc.version", "dicom.actx", "dicom.pctx.id", "dicom.pctx.abstract_syntax",
                      "dicom.pctx.transfer_syntax", "dicom.max_pdu_len", "dicom.userinfo.impl_class_uid",
                      "dicom.userinfo.impl_version")
        self.assertEqual(rows, [["PACS", "MODALITY", "0x0001", "1.2.840.10008.3.1.1.1", "1",
                                 "1.2.840.10008.1.1", "1.2.840.10008.1.2", "16384",
                                 "1.2.276.0.7230010.3.0.3.6.7", "OFFIS_DCMTK_367"]])
        rows = fields("echo.pcap", "dicom.pdu.type == 2", "dicom.pctx.id", "dicom.pctx.result",
                      "dicom.pctx.transfer_syntax", "dicom.pctx.proposed_in", "dicom.max_pdu_len")
        self.assertEqual(rows, [["1", "0", "1.2.840.10008.1.2", "4", "16384"]])

    def test_ae_filters(self):
        # the A-ASSOCIATE-RQ and -AC carry the AE titles; every other frame of the association
        # has them generated, so a filter on an AE finds the whole association
        dicom_frames = frames("echo.pcap", "dicom")
        self.assertEqual(frames("echo.pcap", 'dicom.ae_called == "PACS"'), dicom_frames)
        self.assertEqual(frames("echo.pcap", 'dicom.ae_calling == "MODALITY"'), dicom_frames)
        self.assertEqual(frames("echo.pcap", 'dicom.ae_calling == "MODALITY" && !(dicom.pdu.type == 1 || dicom.pdu.type == 2)'),
                         [f for f in dicom_frames if f not in (4, 6)])
        self.assertEqual(frames("echo.pcap", 'dicom.assoc.ae.calling == "MODALITY"'), [4, 6])
        self.assertEqual(frames("echo.pcap", 'dicom.ae_called == "PACS "'), [])

    def test_rejected_context_of_find(self):
        rows = fields("find-rejected.pcap", "dicom.pdu.type == 2", "dicom.pctx.id", "dicom.pctx.result",
                      "dicom.pctx.abstract_syntax", "dicom.expert.pctx_rejected",
                      "dicom.expert.no_pctx_accepted")
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0][:3], ["1", "3", "1.2.840.10008.5.1.4.1.2.1.1"])
        self.assertEqual(frames("find-rejected.pcap", "dicom.expert.pctx_rejected"), [6])
        self.assertEqual(frames("find-rejected.pcap", "dicom.expert.no_pctx_accepted"), [6])
        self.assertEqual(info("find-rejected.pcap")[6], "A-ASSOCIATE-AC PACS → MODALITY (0 of 1 contexts accepted)")

    def test_many_contexts_and_sop_class_filter(self):
        rq = fields("store-multi.pcap", "dicom.pdu.type == 1", "dicom.pctx.id")[0][0].split(",")
        self.assertEqual(len(rq), 128)
        self.assertEqual(rq[:3], ["1", "3", "5"])
        ct_frames = frames("store-multi.pcap", f'dicom.sop_class_uid == "{CT}"')
        self.assertIn(15, ct_frames)  # the A-ASSOCIATE-RQ
        self.assertIn(20, ct_frames)  # the A-ASSOCIATE-AC
        pdata = info("store-multi.pcap", f'dicom.sop_class_uid == "{CT}" && dicom.pdu.type == 4')
        # the command's PDU header, its value with the first data PDU's header (one segment),
        # the headers of the other two data PDUs, the response's PDU header
        self.assertEqual(sorted(pdata), [24, 25, 39, 53, 59])
        self.assertTrue(all("CT Image Storage" in text
                            for text in pdata.values()), pdata)

    def test_user_identity_passcode_is_masked_unless_asked(self):
        rows = fields("user-identity.pcap", "dicom.user_identity.type", "dicom.user_identity.type",
                      "dicom.user_identity.primary", "dicom.user_identity.secondary")
        self.assertEqual(rows, [["2", "alice", "********"]])
        rows = fields("user-identity.pcap", "dicom.user_identity.type", "dicom.user_identity.secondary",
                      extra=["-o", "dicom_ul.show_passcode:TRUE"])
        self.assertEqual(rows, [["s3cret"]])


    def test_role_selection_and_extended_negotiation(self):
        rq = fields("negotiation.pcap", "dicom.pdu.type == 1", "dicom.userinfo.role.sop_class_uid",
                    "dicom.userinfo.role.scu", "dicom.userinfo.role.scp", "dicom.userinfo.extneg.sop_class_uid",
                    "dicom.userinfo.extneg.info", "dicom.userinfo.extneg.storage_level",
                    "dicom.userinfo.extneg.signature_level", "dicom.userinfo.extneg.coercion",
                    "dicom.userinfo.extneg.relational", "dicom.userinfo.extneg.fuzzymatching")
        self.assertEqual(rq, [[CT, "1", "1", CT + ",1.2.840.10008.5.1.4.1.2.2.1", "020003000000,01010101",
                               "2", "3", "0", "1", "1"]])
        ac = fields("negotiation.pcap", "dicom.pdu.type == 2", "dicom.userinfo.role.scu",
                    "dicom.userinfo.role.scp", "dicom.userinfo.extneg.info", "dicom.pctx.result")
        self.assertEqual(ac, [["1", "1", "020003000000", "0,3"]])

    def test_async_window_common_extneg_and_jwt(self):
        rows = fields("extended-negotiation.pcap", "dicom.pdu.type == 1", "dicom.userinfo.async.invoked",
                      "dicom.userinfo.async.performed", "dicom.userinfo.common_extneg.sop_class_uid",
                      "dicom.userinfo.common_extneg.service_class_uid",
                      "dicom.userinfo.common_extneg.related_uid", "dicom.user_identity.type",
                      "dicom.user_identity.response_requested", "dicom.user_identity.primary",
                      "dicom.userinfo.impl_class_uid", "dicom.max_pdu_len")
        self.assertEqual(rows, [["5", "3", "1.2.840.10008.5.1.4.1.1.88.22", "1.2.840.10008.4.2",
                                 "1.2.840.10008.5.1.4.1.1.88.11", "5", "1",
                                 "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSIsImlzcyI6ImRpY29tLXVsLXRlc3QifQ.",
                                 "2.25.329800735698586629295641978511506172918", "32768"]])
        # No malformed or protocol expert info on well-formed negotiation.
        self.assertEqual(frames("extended-negotiation.pcap", '_ws.expert.group == "Malformed"'), [])


class Pdvs(unittest.TestCase):
    def test_echo_pdvs(self):
        rows = fields("echo.pcap", "dicom.pdv.len", "frame.number", "dicom.pdv.len", "dicom.pdv.ctx",
                      "dicom.pdv.flags", "dicom.pdv.flags.command", "dicom.pdv.flags.last",
                      "dicom.pdv.abstract_syntax", "dicom.pdv.transfer_syntax", "dicom.pdv.negotiated_in")
        self.assertEqual(rows, [
            ["8", "70", "1", "0x03", "1", "1", "1.2.840.10008.1.1", "1.2.840.10008.1.2", "6"],
            ["12", "80", "1", "0x03", "1", "1", "1.2.840.10008.1.1", "1.2.840.10008.1.2", "6"]])

    def test_flag_filters_on_a_store(self):
        # The PDV headers travel in frames 24 (command), 25 (first data PDU, after the
        # command's value), ... 52 (last data PDU) and 56 (response); values follow them.
        # The pieces of a value carry their PDV's flags too (generated).
        self.assertEqual(frames("max-pdu-4096.pcap", "dicom.pdv.flags.command == 1"), [24, 25, 56, 58])
        self.assertEqual(frames("max-pdu-4096.pcap", "dicom.pdv.flags == 0x02 && dicom.pdv.len"), [52])
        middle = frames("max-pdu-4096.pcap", "dicom.pdv.flags == 0x00 && dicom.pdv.len")
        self.assertEqual(len(middle), 10)  # 9 data PDUs before the last, and frame 52 ends one
        self.assertLess(max(middle[:-1]), 52)

    def test_max_pdu_is_respected_and_not_flagged(self):
        lens = fields("max-pdu-4096.pcap", "dicom.pdu.type == 4", "dicom.pdu.len")
        self.assertGreater(len(lens), 5)
        self.assertTrue(all(int(r[0]) <= 4096 for r in lens))
        self.assertEqual(frames("max-pdu-4096.pcap", "dicom.expert.pdu_exceeds_max"), [])
        ac = fields("max-pdu-4096.pcap", "dicom.pdu.type == 2", "dicom.max_pdu_len")
        self.assertEqual(ac, [["4096"]])


    def test_pdu_longer_than_the_receivers_maximum(self):
        rows = fields("oversized-pdu.pcap", "dicom.expert.pdu_exceeds_max", "frame.number", "dicom.pdu.len",
                      "dicom.finding.text")
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0][1], "20082")
        self.assertEqual(rows[0][2], "SCRIPTED_SCU (requestor, DICOMUL_TEST) sent a P-DATA-TF of 20082 bytes, "
                                     "more than the 16384 bytes PACS (acceptor) can receive")
        # storescp's answer: it aborts the association.
        self.assertEqual([r[0] for r in fields("oversized-pdu.pcap", "dicom.pdu.type == 7", "tcp.srcport")],
                         ["11112", "11112"])


class ControlPdus(unittest.TestCase):
    def test_refused(self):
        rows = fields("refused.pcap", "dicom.pdu.type == 3", "frame.number", "dicom.assoc.reject.result",
                      "dicom.assoc.reject.source", "dicom.assoc.reject.reason", "_ws.col.Info")
        self.assertEqual(rows, [["6", "1", "1", "1", "A-ASSOCIATE-RJ permanent: no reason given"]])
        self.assertEqual(frames("refused.pcap", "dicom.expert.assoc_rejected"), [6])

    def test_abort(self):
        rows = fields("abort.pcap", "dicom.pdu.type == 7", "tcp.srcport", "dicom.assoc.abort.source",
                      "dicom.assoc.abort.reason", "_ws.col.Info")
        self.assertEqual(rows, [["11112", "0", "0", "A-ABORT by service-user"]])
        self.assertEqual(len(frames("abort.pcap", "dicom.expert.aborted")), 1)

    def test_release_info(self):
        i = info("echo.pcap")
        self.assertEqual(i[4], "A-ASSOCIATE-RQ MODALITY → PACS (1 context)")
        self.assertEqual(i[6], "A-ASSOCIATE-AC PACS → MODALITY (1 of 1 contexts accepted)")
        self.assertEqual(i[10], "C-ECHO-RQ id=1 Verification SOP Class")
        self.assertEqual(i[14], "C-ECHO-RSP id=1 Success")
        self.assertEqual(i[16], "A-RELEASE-RQ")
        self.assertEqual(i[17], "A-RELEASE-RP")


class Detection(unittest.TestCase):
    def test_heuristic_on_port_4242_with_multi_segment_rq(self):
        rows = fields("heuristic-port.pcap", "dicom.pdu.type == 1", "frame.number", "dicom.pdu.len",
                      "dicom.ae_calling")
        self.assertEqual(len(rows), 1)
        self.assertGreater(int(rows[0][1]), 1448)
        self.assertEqual(rows[0][2], "MODALITY")
        # The frames before carry its first bytes, each pointing at the frame that completes it
        # (with -2: the link is known once that frame has been seen, as with TCP's own).
        parts = fields("heuristic-port.pcap", "dicom.pdu.fragment == 1", "frame.number", "dicom.pdu.fragment",
                       "dicom.pdu.reassembled_in", "tcp.len", extra=["-2"])
        self.assertEqual(len(parts), (int(rows[0][1]) + 6) // 1448)
        self.assertEqual({(r[1], r[2]) for r in parts}, {("0x01", rows[0][0])})
        self.assertLess(sum(int(r[3]) for r in parts), int(rows[0][1]) + 6)
        # The conversation is ours: no payload-carrying frame goes to another protocol.
        protos = fields("heuristic-port.pcap", "tcp.len > 0", "frame.protocols")
        self.assertGreater(len(protos), 100)
        self.assertTrue(all(p[0].endswith(":dicom_ul") or p[0].endswith(":tcp") for p in protos), protos)

    def test_heuristic_can_be_disabled_and_decode_as_still_works(self):
        off = ["--disable-heuristic", "dicom_ul_tcp"]
        self.assertEqual(frames("heuristic-port.pcap", "dicom", extra=off), [])
        forced = frames("heuristic-port.pcap", "dicom", extra=off + ["-d", "tcp.port==4242,dicom_ul"])
        self.assertEqual(forced, frames("heuristic-port.pcap", "dicom"))

    def test_two_pass_gives_the_same_info_and_fields(self):
        names = ["frame.number", "_ws.col.Info", "dicom.pctx.result", "dicom.sop_class_uid",
                 "dicom.pdv.ctx", "dicom.dimse.command", "dicom.dimse.status", "dicom.tag"]
        args = ["-T", "fields", "-Y", "dicom"] + [x for n in names for x in ("-e", n)]
        for name in CAPTURES:
            with self.subTest(capture=name):
                one = tshark("-r", pcap(name), *args)
                two = tshark("-r", pcap(name), "-2", *args)
                self.assertEqual(one, two)


if __name__ == "__main__":
    unittest.main(verbosity=2)
