#include <gtest/gtest.h>

#include "pcap_reader.hpp"
#include "ul/pdu.hpp"
#include "tcp/tls_sniff.hpp"

using namespace dicom;

TEST(TlsSniff, ClientHelloFromAStorescuTlsClientOnAPlainPort) {
    auto streams = read_tcp_streams(sample("tls-client-plain-port.pcap"));
    ASSERT_EQ(streams.size(), 1u); // storescp resets the connection without answering
    ByteView b(streams[0].bytes.data(), streams[0].bytes.size());
    TlsRecordStart r;
    ASSERT_TRUE(looks_like_tls_hello(b, r));
    EXPECT_EQ(r.content_type, kTlsHandshake);
    EXPECT_EQ(r.handshake_type, 1);
    EXPECT_EQ(r.version_major, 3);
    EXPECT_EQ(r.length + 5u, b.size); // the whole ClientHello is one record
    // What a reader that ignores TLS would make of it: a PDU type no one defines.
    EXPECT_EQ(pdu_type_name(b.u8(0)), nullptr);
    EXPECT_EQ(frame_next(b, 1u << 24).kind, Framing::Garbage);
}

TEST(TlsSniff, TlsConversationHasHelloesThenApplicationData) {
    auto streams = read_tcp_streams(sample("tls.pcap"));
    ASSERT_EQ(streams.size(), 2u);
    TlsRecordStart r;
    for (const TcpStream &s : streams) {
        ByteView b(s.bytes.data(), s.bytes.size());
        ASSERT_TRUE(looks_like_tls_hello(b, r));
        EXPECT_EQ(r.handshake_type, s.dst_port == 2762 ? 1 : 2);
        // Walk the records: every one is recognised, the last ones carry application data.
        size_t off = 0, app = 0;
        while (off < b.size) {
            ASSERT_TRUE(sniff_tls_record(b.sub(off, b.size - off), r)) << off;
            if (r.content_type == kTlsApplicationData) ++app;
            off += 5u + r.length;
        }
        EXPECT_EQ(off, b.size);
        EXPECT_GE(app, 3u);
    }
}

TEST(TlsSniff, DicomIsNotTls) {
    for (const char *name : {"store-multi.pcap", "plain-client-tls-port.pcap", "query-retrieve.pcap"}) {
        for (const TcpStream &s : read_tcp_streams(sample(name))) {
            ByteView b(s.bytes.data(), s.bytes.size());
            TlsRecordStart r;
            EXPECT_FALSE(sniff_tls_record(b, r)) << name;
            EXPECT_FALSE(looks_like_tls_hello(b, r)) << name;
        }
    }
    auto plain = read_tcp_streams(sample("plain-client-tls-port.pcap"));
    ASSERT_EQ(plain.size(), 1u);
    EXPECT_TRUE(looks_like_associate_rq(ByteView(plain[0].bytes.data(), plain[0].bytes.size())));
}

TEST(TlsSniff, BrokenHeaders) {
    TlsRecordStart r;
    const uint8_t short_hdr[] = {0x16, 0x03, 0x01, 0x00};
    EXPECT_FALSE(sniff_tls_record(ByteView(short_hdr, sizeof short_hdr), r));
    const uint8_t bad_version[] = {0x16, 0x02, 0x01, 0x00, 0x10, 0x01};
    EXPECT_FALSE(sniff_tls_record(ByteView(bad_version, sizeof bad_version), r));
    const uint8_t too_long[] = {0x17, 0x03, 0x03, 0xff, 0xff, 0x00};
    EXPECT_FALSE(sniff_tls_record(ByteView(too_long, sizeof too_long), r));
    const uint8_t empty[] = {0x17, 0x03, 0x03, 0x00, 0x00};
    EXPECT_FALSE(sniff_tls_record(ByteView(empty, sizeof empty), r));
    // A record header alone, or a hello too short to be one, is not enough to call it TLS.
    const uint8_t hdr_only[] = {0x16, 0x03, 0x01, 0x02, 0x00};
    EXPECT_TRUE(sniff_tls_record(ByteView(hdr_only, sizeof hdr_only), r));
    EXPECT_FALSE(looks_like_tls_hello(ByteView(hdr_only, sizeof hdr_only), r));
    const uint8_t tiny_hello[] = {0x16, 0x03, 0x01, 0x00, 0x08, 0x01, 0x00, 0x00, 0x04, 0x03, 0x03, 0, 0};
    EXPECT_FALSE(looks_like_tls_hello(ByteView(tiny_hello, sizeof tiny_hello), r));
    const uint8_t finished[] = {0x16, 0x03, 0x03, 0x00, 0x40, 0x14, 0x00, 0x00, 0x0c};
    EXPECT_TRUE(sniff_tls_record(ByteView(finished, sizeof finished), r));
    EXPECT_FALSE(looks_like_tls_hello(ByteView(finished, sizeof finished), r));
}
