#include "analysis/inventory.hpp"

#include <cstring>

#include "session/association.hpp"

namespace dicom {

bool NodeInventory::failed(const Association &a) {
    if (a.rj_time || a.abort_time) return true;
    if (std::strcmp(a.outcome(), "released") != 0 && std::strcmp(a.outcome(), "cut_off") != 0) return true;
    for (const DiagnosticSummary &s : a.diagnostics)
        if (s.severity == Severity::Error) return true;
    return false;
}

Node &NodeInventory::node(const std::string &ae, const std::string &ip) {
    auto key = std::make_pair(ae, ip);
    auto it = index_.find(key);
    if (it != index_.end()) return nodes_[it->second];
    index_.emplace(key, nodes_.size());
    nodes_.emplace_back();
    nodes_.back().ae = ae;
    nodes_.back().address = ip;
    return nodes_.back();
}

void NodeInventory::observe(const Association &a, uint32_t number, const std::string &requestor_ip,
                            const std::string &acceptor_ip, uint32_t acceptor_port) {
    const bool bad = failed(a);
    for (int side = 0; side < 2; ++side) {
        const bool rq = side == 0;
        const std::string &ip = rq ? requestor_ip : acceptor_ip;
        if (ip.empty()) continue;
        Node &n = node(rq ? a.calling_ae : a.called_ae, ip);
        (rq ? n.requestor : n.acceptor) = true;
        if (!rq && acceptor_port) n.listening_ports.insert(acceptor_port);
        const std::string &uid = rq ? a.requestor_class_uid : a.acceptor_class_uid;
        const std::string &version = rq ? a.requestor_version : a.acceptor_version;
        if (!uid.empty()) n.class_uid = uid;
        if (!version.empty()) n.version = version;
        const uint32_t max = rq ? a.max_pdu_requestor : a.max_pdu_acceptor;
        if (max) n.max_pdu = max;
        for (const NegotiatedContext &c : a.contexts()) {
            if (c.abstract_syntax.empty() || c.inferred) continue;
            if (rq && c.proposed_in) n.proposed.insert(c.abstract_syntax);
            if (!rq && c.accepted()) n.accepted.insert(c.abstract_syntax);
        }
        uint32_t broke = 0;
        for (const ViolationSummary &v : a.conformance.summaries)
            if (v.party == (rq ? Party::Requestor : Party::Acceptor)) broke += v.count;
        uint32_t &counted = n.violations_by_association[number];
        n.violations += broke - counted; // an association observed again: only what it added
        counted = broke;
        auto seen = n.failed_by_association.find(number);
        if (seen == n.failed_by_association.end()) {
            n.failed_by_association.emplace(number, bad);
            ++n.associations;
            n.failed += bad;
        } else if (seen->second != bad) {
            n.failed += bad ? 1 : uint32_t(-1);
            seen->second = bad;
        }
    }
}

std::vector<const Node *> NodeInventory::nodes() const {
    std::vector<const Node *> v;
    for (const Node &n : nodes_) v.push_back(&n);
    return v;
}

} // namespace dicom
