// Test helper: reads a classic pcap of Ethernet/IPv4/TCP (what tcpdump writes on Linux
// loopback) and returns each direction's TCP payload in sequence order, so unit tests can
// feed the core the exact bytes real peers exchanged.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "base/bytes.hpp"

struct TcpStream {
    uint16_t src_port = 0, dst_port = 0;
    uint32_t first_segment_len = 0; // payload bytes of the first data segment
    std::vector<uint8_t> bytes;
};

// Streams in order of their first data segment; a retransmitted range is kept once.
std::vector<TcpStream> read_tcp_streams(const std::string &pcap_path);

// Splits a stream into PDUs with the core's framing; stops at the first non-PDU.
std::vector<dicom::ByteView> split_pdus(const TcpStream &s);

std::string sample(const std::string &name); // path of a capture in sample-pcaps/
