#include "pcap_reader.hpp"

#include <fstream>
#include <map>
#include <stdexcept>
#include <tuple>

#include "ul/pdu.hpp"

namespace {

uint32_t le32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | uint32_t(p[3]) << 24; }
uint32_t be32(const uint8_t *p) { return uint32_t(p[0]) << 24 | p[1] << 16 | p[2] << 8 | p[3]; }
uint16_t be16(const uint8_t *p) { return uint16_t(p[0] << 8 | p[1]); }

} // namespace

std::string sample(const std::string &name) { return std::string(SAMPLE_PCAPS) + "/" + name; }

std::vector<TcpStream> read_tcp_streams(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path);
    std::vector<uint8_t> file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (file.size() < 24 || le32(file.data()) != 0xa1b2c3d4 || le32(file.data() + 20) != 1)
        throw std::runtime_error(path + ": not a little-endian Ethernet pcap");

    using Key = std::tuple<uint32_t, uint16_t, uint32_t, uint16_t>;
    std::map<Key, size_t> index;
    std::vector<TcpStream> streams;
    std::vector<uint32_t> next_seq;
    size_t off = 24;
    while (off + 16 <= file.size()) {
        uint32_t caplen = le32(&file[off + 8]);
        const uint8_t *pkt = &file[off + 16];
        off += 16 + caplen;
        if (off > file.size() || caplen < 14 + 20 + 20 || be16(pkt + 12) != 0x0800) continue;
        const uint8_t *ip = pkt + 14;
        uint32_t ihl = (ip[0] & 0x0f) * 4u, ip_total = be16(ip + 2);
        if (ip[9] != 6 || 14 + ip_total > caplen) continue;
        const uint8_t *tcp = ip + ihl;
        uint32_t thl = (tcp[12] >> 4) * 4u;
        uint32_t payload = ip_total - ihl - thl;
        if (payload == 0) continue;
        Key k{be32(ip + 12), be16(tcp), be32(ip + 16), be16(tcp + 2)};
        uint32_t seq = be32(tcp + 4);
        auto it = index.find(k);
        if (it == index.end()) {
            it = index.emplace(k, streams.size()).first;
            streams.emplace_back();
            streams.back().src_port = std::get<1>(k);
            streams.back().dst_port = std::get<3>(k);
            streams.back().first_segment_len = payload;
            next_seq.push_back(seq);
        }
        TcpStream &s = streams[it->second];
        uint32_t &expect = next_seq[it->second];
        uint32_t skip = expect - seq; // bytes already held (retransmission)
        if (int32_t(skip) < 0 || skip >= payload) continue;
        const uint8_t *data = tcp + thl + skip;
        s.bytes.insert(s.bytes.end(), data, data + (payload - skip));
        expect = seq + payload;
    }
    return streams;
}

std::vector<dicom::ByteView> split_pdus(const TcpStream &s) {
    std::vector<dicom::ByteView> pdus;
    dicom::ByteView all(s.bytes.data(), s.bytes.size());
    size_t off = 0;
    while (off < all.size) {
        dicom::Framing f = dicom::frame_next(all.sub(off, all.size - off), 1u << 24);
        if (f.kind != dicom::Framing::Pdu || f.length > all.size - off) break;
        pdus.push_back(all.sub(off, f.length));
        off += f.length;
    }
    return pdus;
}
