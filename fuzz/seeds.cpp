// Writes a seed corpus per fuzz target from the sample captures (real PDUs, command sets,
// data sets), using the same pcap reader as the unit tests. Usage: fuzz_seeds OUTDIR
#include <cstdio>
#include <fstream>
#include <string>
#include <sys/stat.h>

#include "message.hpp"
#include "pcap_reader.hpp"
#include "pdata.hpp"
#include "pdu.hpp"

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
                if (pdu.u8(0) != dicom::kPData) continue;
                dicom::PData pd;
                dicom::parse_pdata(pdu, pd);
                for (const dicom::Pdv &v : pd.pdvs) {
                    if (v.value.len > 8192) continue;
                    std::string body(1, char(v.value.len / 2));
                    body.append(reinterpret_cast<const char *>(pdu.data) + v.value.off, v.value.len);
                    const uint8_t *b = reinterpret_cast<const uint8_t *>(body.data());
                    write(out + (v.is_command() ? "/dimse" : "/dataset"), id + "-" + std::to_string(v.value.off), b,
                          body.size());
                }
            }
        }
    }
    std::printf("%d PDUs\n", n);
    return 0;
}
