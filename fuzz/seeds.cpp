// Writes a seed corpus per fuzz target from the sample captures (real PDUs, command sets,
// data sets), using the same pcap reader as the unit tests. Usage: fuzz_seeds OUTDIR
#include <cstdio>
#include <fstream>
#include <string>
#include <sys/stat.h>

#include "dimse/message.hpp"
#include "pcap_reader.hpp"
#include "ul/pdu.hpp"
#include "ul/pdu_walker.hpp"

namespace {
// Each PDV value of a stream, as the PDU walker hands it over.
struct Values final : dicom::WalkObserver {
    struct V {
        bool command;
        std::string bytes;
    };
    std::vector<V> out;
    void pdv_header(const dicom::WalkedBytes &, const dicom::PdvPosition &pdv) override {
        out.push_back(V{bool(pdv.flags & dicom::kPdvCommand), {}});
    }
    void pdv_value(const dicom::WalkedBytes &w, const dicom::PdvPosition &) override {
        if (!out.empty()) out.back().bytes.append(reinterpret_cast<const char *>(w.bytes.data), w.bytes.size);
    }
    void pdu(const dicom::WalkedBytes &, uint8_t, uint32_t) override {}
    void pdata_header(const dicom::WalkedBytes &, uint32_t) override {}
    void skipped(const dicom::WalkedBytes &, dicom::SkipReason) override {}
    void garbage(const dicom::WalkedBytes &) override {}
    void resync(const dicom::WalkedBytes &, dicom::ResyncReason) override {}
    void fragment(const dicom::WalkedBytes &, uint8_t, dicom::ByteView) override {}
    void fragment_completed(const dicom::WalkedBytes &, uint8_t, dicom::Origin) override {}
    void lost(const dicom::WalkedBytes &, dicom::LostKind, const dicom::PdvPosition &) override {}
};
} // namespace

static void write(const std::string &dir, const std::string &name, const uint8_t *p, size_t n) {
    mkdir(dir.c_str(), 0755);
    std::ofstream(dir + "/" + name, std::ios::binary).write(reinterpret_cast<const char *>(p), long(n));
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    std::string out = argv[1];
    mkdir(out.c_str(), 0755);
    const char *captures[] = {"echo.pcap", "find-rejected.pcap", "negotiation.pcap", "extended-negotiation.pcap",
                              "refused.pcap", "abort.pcap", "query-retrieve.pcap", "transfer-syntaxes.pcap",
                              "charsets.pcap", "user-identity.pcap"};
    int n = 0;
    for (const char *cap : captures) {
        for (const TcpStream &s : read_tcp_streams(sample(cap))) {
            for (dicom::ByteView pdu : split_pdus(s)) {
                std::string id = std::string(cap) + "-" + std::to_string(n++);
                if (pdu.size <= 65536) write(out + "/pdu", id, pdu.data, pdu.size);
                if ((pdu.u8(0) == dicom::kAssociateRq || pdu.u8(0) == dicom::kAssociateAc) && pdu.size > 74) {
                    std::string v(1, char(pdu.u8(0) == dicom::kAssociateAc));
                    v.append(reinterpret_cast<const char *>(pdu.data) + 74, pdu.size - 74);
                    write(out + "/associate", id, reinterpret_cast<const uint8_t *>(v.data()), v.size());
                }
            }
            // the stream target: a segment size and impairments, then the stream (at most 64 KiB)
            const size_t keep = s.bytes.size() < 65536 ? s.bytes.size() : 65536;
            std::string st = std::string("\x5a\x31\x03\x00", 4) + std::string(s.bytes.begin(), s.bytes.begin() + long(keep));
            write(out + "/stream", std::string(cap) + "-" + std::to_string(n++), reinterpret_cast<const uint8_t *>(st.data()),
                  st.size());
            dicom::PduWalker walk;
            Values values;
            int id = 0;
            walk.walk(0, dicom::ByteView(s.bytes.data(), s.bytes.size()), dicom::Origin{&id, 1, 0}, values);
            for (const Values::V &v : values.out) {
                if (v.bytes.size() > 8192) continue;
                std::string body(1, char(v.bytes.size() / 2));
                body += v.bytes;
                write(out + (v.command ? "/dimse" : "/dataset"), std::string(cap) + "-" + std::to_string(n++),
                      reinterpret_cast<const uint8_t *>(body.data()), body.size());
            }
        }
    }
    // the timeline target: a store's rhythm (data, ACKs, a 12-byte header and the rest 40 ms
    // later), a zero window, a retransmission (see fuzz_timeline.cpp for the layout)
    auto seg = [](std::string &s, int dir, uint8_t flags, uint16_t win, int32_t step, int8_t ack, uint16_t len,
                  uint16_t dt, bool mid) {
        const uint32_t st = uint32_t(step + 0x400000);
        const uint8_t b[16] = {uint8_t(dir | (mid ? 2 : 0) | 0x80), flags, uint8_t(win), uint8_t(win >> 8), uint8_t(st),
                               uint8_t(st >> 8), uint8_t(st >> 16), uint8_t(ack), uint8_t(len), uint8_t(len >> 8),
                               0, 0, 0, 0, uint8_t(dt), uint8_t(dt >> 8)};
        s.append(reinterpret_cast<const char *>(b), 16);
    };
    std::string store(1, char(0x71)), window(1, char(0)), loss(1, char(0x71));
    for (int i = 0; i < 6; ++i) seg(store, 0, 0x10, 512, 1448, 0, 1448, 1, true);
    seg(store, 1, 0x10, 512, 0, 0, 0, 1, false);
    seg(store, 1, 0x18, 512, 0, 0, 12, 5, true);
    seg(store, 0, 0x10, 512, 0, 0, 0, 400, false);
    seg(store, 1, 0x18, 512, 12, 0, 142, 1, true);
    seg(window, 0, 0x10, 512, 1448, 0, 1448, 1, true);
    seg(window, 1, 0x10, 0, 0, 0, 0, 1, false);
    seg(window, 1, 0x10, 512, 0, 0, 0, 5000, false);
    seg(window, 0, 0x10, 512, 1448, 0, 1448, 1, true);
    seg(loss, 0, 0x10, 512, 1448, 0, 1448, 1, true);
    seg(loss, 0, 0x10, 512, 1448, 0, 1448, 1, true);
    seg(loss, 0, 0x10, 512, -1448, 0, 1448, 2000, false);
    seg(loss, 0, 0x11, 512, 2896, 0, 0, 10, false);
    write(out + "/timeline", "store", reinterpret_cast<const uint8_t *>(store.data()), store.size());
    write(out + "/timeline", "window", reinterpret_cast<const uint8_t *>(window.data()), window.size());
    write(out + "/timeline", "loss", reinterpret_cast<const uint8_t *>(loss.data()), loss.size());
    std::printf("%d PDUs\n", n);
    return 0;
}
