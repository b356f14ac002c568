// The DICOM nodes of a capture: each application entity seen, by AE title and address, with
// what its associations show of it (roles, software, maximum PDU, SOP classes proposed and
// accepted, how many associations and how many of them failed, its conformance violations). Built incrementally: each
// association is observed as often as it changes, and counted once.
#pragma once
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace dicom {

class Association;

struct Node {
    std::string ae;        // AE title ("" when the association set-up was not captured)
    std::string address;   // IP address
    std::set<uint32_t> listening_ports; // ports it accepted associations on
    bool requestor = false, acceptor = false;
    std::string class_uid, version; // implementation class UID and version name (the latest seen)
    uint32_t max_pdu = 0;  // maximum PDU length it announced (the latest non-zero)
    std::set<std::string> proposed, accepted; // abstract syntaxes (SOP classes)
    uint32_t associations = 0, failed = 0;
    std::map<uint32_t, bool> failed_by_association; // association number -> failed
    uint32_t violations = 0; // conformance violations it committed (session/validate.hpp)
    std::map<uint32_t, uint32_t> violations_by_association; // association number -> its violations there
};

class NodeInventory {
public:
    // Records what association `a` (numbered `number`) shows of its two peers. `requestor_ip`
    // and `acceptor_ip` are addresses as text; `acceptor_port` the acceptor's port. Observing
    // the same association again updates what it contributes (it failed since, say).
    void observe(const Association &a, uint32_t number, const std::string &requestor_ip, const std::string &acceptor_ip,
                 uint32_t acceptor_port);
    // Nodes in order of first sight.
    std::vector<const Node *> nodes() const;
    // Whether an association failed: not released, or an error finding.
    static bool failed(const Association &a);

private:
    Node &node(const std::string &ae, const std::string &ip);
    std::map<std::pair<std::string, std::string>, size_t> index_;
    std::vector<Node> nodes_;
};

} // namespace dicom
