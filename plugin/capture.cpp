/* The capture's registry: every association and TCP connection the first pass found, and the
 * indexes that link associations (the same AEs again, C-MOVE sub-operations). One object,
 * emptied by one cleanup routine when the capture file is closed. */
#include "dissect.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <epan/conversation.h>
#include <epan/dissectors/packet-tcp.h>

#include "fields.h"
#include "records.h"

namespace {

struct Capture {
    std::vector<std::unique_ptr<AssocRecord>> associations;
    std::vector<std::unique_ptr<Connection>> connections;
    std::unordered_map<std::string, AssocRecord *> last_by_aes; /* "calling\0called" */
    /* C-MOVE requests by "originator AE\0message ID", for their sub-associations' C-STOREs */
    std::unordered_map<std::string, dicom::Message *> moves;
    /* for each C-MOVE-RQ: the associations that carried C-STOREs for it, in order */
    std::unordered_map<const dicom::Message *, std::vector<guint32>> move_subs;
    /* each frame's payload records (records.h), by frame number */
    std::vector<PayloadRecord *> frame_records;
    /* the file-scope block new payload records are carved from, and how many it has left */
    PayloadRecord *record_block = nullptr;
    unsigned record_block_left = 0;
    /* bytes messages keep to show their elements' bytes (dicom::kKeepToShow), capture-wide */
    guint64 shown_bytes = 0;
    /* the connections of the last few packets: most packets of a DICOM capture belong to a few */
    struct Recent {
        address src = ADDRESS_INIT_NONE, dst = ADDRESS_INIT_NONE;
        guint32 srcport = 0, destport = 0;
        Connection *conn = nullptr;
    };
    Recent recent[8];
    unsigned recent_next = 0;
    ~Capture() {
        for (Recent &r : recent) {
            free_address(&r.src);
            free_address(&r.dst);
        }
    }
};

Capture *g_capture;

Capture &capture() {
    if (!g_capture) g_capture = new Capture();
    return *g_capture;
}

void capture_cleanup(void) {
    delete g_capture;
    g_capture = nullptr;
}

std::string move_key(const std::string &ae, guint16 id) { return ae + '\0' + std::to_string(id); }

} // namespace

void dicom_register_capture(void) { register_cleanup_routine(capture_cleanup); }

namespace {

/* cmp_address(), with IPv4 (every frame compares a few) compared without a call. */
int compare_address(const address &a, const address &b) {
    if (a.type == AT_IPv4 && b.type == AT_IPv4 && a.len == 4 && b.len == 4) {
        guint32 x, y;
        memcpy(&x, a.data, 4);
        memcpy(&y, b.data, 4);
        x = g_ntohl(x);
        y = g_ntohl(y);
        return x > y ? 1 : x < y ? -1 : 0;
    }
    return cmp_address(&a, &b);
}

bool same_address(const address &a, const address &b) { return compare_address(a, b) == 0; }

} // namespace

int dicom_direction(packet_info *pinfo) {
    const int cmp = compare_address(pinfo->src, pinfo->dst);
    return cmp > 0 || (cmp == 0 && pinfo->srcport > pinfo->destport);
}

namespace {

/* First pass only: later passes visit frames in any order, across connections that reused
 * the same addresses and ports. */
Connection *recent_connection(packet_info *pinfo) {
    if (!g_capture || PINFO_FD_VISITED(pinfo)) return nullptr;
    for (const Capture::Recent &r : g_capture->recent)
        if (r.conn && r.srcport == pinfo->srcport && r.destport == pinfo->destport && same_address(r.src, pinfo->src) &&
            same_address(r.dst, pinfo->dst))
            return r.conn;
    return nullptr;
}

void remember_recent(packet_info *pinfo, Connection *conn) {
    if (PINFO_FD_VISITED(pinfo)) return;
    Capture &c = capture();
    Capture::Recent &r = c.recent[c.recent_next++ % G_N_ELEMENTS(c.recent)];
    free_address(&r.src);
    free_address(&r.dst);
    copy_address(&r.src, &pinfo->src);
    copy_address(&r.dst, &pinfo->dst);
    r.srcport = pinfo->srcport;
    r.destport = pinfo->destport;
    r.conn = conn;
}

} // namespace

void dicom_forget_recent_connection(packet_info *pinfo) {
    if (!g_capture) return;
    for (Capture::Recent &r : g_capture->recent) {
        const bool fwd = r.srcport == pinfo->srcport && r.destport == pinfo->destport &&
                         same_address(r.src, pinfo->src) && same_address(r.dst, pinfo->dst);
        const bool back = r.srcport == pinfo->destport && r.destport == pinfo->srcport &&
                          same_address(r.src, pinfo->dst) && same_address(r.dst, pinfo->src);
        if (fwd || back) r.conn = nullptr;
    }
}

Connection *dicom_known_connection(packet_info *pinfo) {
    if (Connection *conn = recent_connection(pinfo)) return conn;
    conversation_t *conv = find_conversation_pinfo(pinfo, 0);
    auto *conn = conv ? (Connection *)conversation_get_proto_data(conv, proto_dicom_ul) : NULL;
    if (conn) remember_recent(pinfo, conn);
    return conn;
}

/* Command sets and small data sets are kept so that their elements show their bytes; a
 * capture of millions of queries stops keeping them here (the tree then shows no bytes). */
static const guint64 kShownBytesBudget = G_GUINT64_CONSTANT(256) << 20;

bool dicom_may_keep_shown_bytes(void) { return !g_capture || g_capture->shown_bytes < kShownBytesBudget; }

void dicom_count_shown_bytes(const dicom::Message &m) {
    capture().shown_bytes += m.command_bytes.size() + m.data_set_bytes.size();
}

PayloadRecord *dicom_frame_records(guint32 frame) {
    if (!g_capture || frame >= g_capture->frame_records.size()) return nullptr;
    return g_capture->frame_records[frame];
}

static bool append_frame_record(guint32 frame, PayloadRecord *rec) {
    try {
        std::vector<PayloadRecord *> &v = capture().frame_records;
        if (frame >= v.size()) v.resize(std::max<size_t>(frame + 1, v.size() + v.size() / 2), nullptr);
        PayloadRecord **slot = &v[frame];
        while (*slot) slot = &(*slot)->next;
        *slot = rec;
        return true;
    } catch (...) {
        return false;
    }
}

/* One or more records for every frame of our connections, as long-lived as the file scope: a
 * block of them at a time costs one allocator call instead of one per frame. */
PayloadRecord *dicom_new_frame_record(guint32 frame) {
    static const unsigned kBlock = 256;
    Capture &c = capture();
    if (!c.record_block_left) {
        c.record_block = wmem_alloc0_array(wmem_file_scope(), PayloadRecord, kBlock);
        c.record_block_left = kBlock;
    }
    PayloadRecord *rec = c.record_block++;
    --c.record_block_left;
    rec->frame = frame;
    append_frame_record(frame, rec); /* out of memory: walked, but not shown later */
    return rec;
}

Connection *dicom_connection(packet_info *pinfo) {
    if (Connection *conn = recent_connection(pinfo)) return conn;
    conversation_t *conv = find_or_create_conversation(pinfo);
    auto *conn = (Connection *)conversation_get_proto_data(conv, proto_dicom_ul);
    if (conn) {
        remember_recent(pinfo, conn);
        return conn;
    }
    try {
        dicom::StreamLimits limits;
        limits.pdu_cap = dicom_pdu_cap();
        limits.hold_limit = uint64_t(dicom_prefs.hold_limit_kb) * 1024;
        capture().connections.emplace_back(new Connection(limits, dicom_prefs.stall_ms / 1000.0));
        conn = capture().connections.back().get();
    } catch (...) {
        return nullptr;
    }
    if (struct tcp_analysis *tcpd = get_tcp_conversation_data(conv, pinfo)) {
        conn->tcp_stream = tcpd->stream;
        /* the SYNs came before any payload: TCP's analysis has their window scales (-1: no
         * SYN seen, -2: no scaling); `fwd` is the flow of this packet's sender */
        const int here = dicom_direction(pinfo);
        const int fwd = tcpd->fwd ? tcpd->fwd->win_scale : -1, rev = tcpd->rev ? tcpd->rev->win_scale : -1;
        if (fwd != -1 && rev != -1)
            conn->timeline.know_window_scales(here == 0 ? fwd : rev, here == 0 ? rev : fwd);
    }
    conversation_add_proto_data(conv, proto_dicom_ul, conn);
    remember_recent(pinfo, conn);
    return conn;
}

AssocRecord *dicom_new_association(Connection *conn) {
    Capture &c = capture();
    c.associations.emplace_back(new AssocRecord());
    AssocRecord *r = c.associations.back().get();
    r->number = (guint32)c.associations.size();
    r->core.number = r->number;
    r->core.outstanding_cap = dicom_prefs.max_outstanding;
    r->core.diagnosis_settings.slow_seconds = dicom_prefs.slow_response_ms / 1000.0;
    r->core.diagnosis_settings.small_pdu = dicom_prefs.small_pdu;
    r->tcp_stream = conn->tcp_stream;
    r->conn = conn;
    conn->assoc = r;
    return r;
}

void dicom_raise_transport(packet_info *pinfo, Connection *conn, int requestor_dir, dicom::DiagCode code) {
    try {
        AssocRecord *a = conn->assoc ? conn->assoc : dicom_new_association(conn);
        if (a->requestor_dir < 0 && requestor_dir >= 0) {
            const bool sender = requestor_dir == dicom_direction(pinfo); /* this packet's sender opened it */
            a->requestor_dir = requestor_dir;
            copy_address_wmem(wmem_file_scope(), &a->requestor_addr, sender ? &pinfo->src : &pinfo->dst);
            copy_address_wmem(wmem_file_scope(), &a->acceptor_addr, sender ? &pinfo->dst : &pinfo->src);
            a->requestor_port = sender ? pinfo->srcport : pinfo->destport;
            a->acceptor_port = sender ? pinfo->destport : pinfo->srcport;
        }
        if (!a->core.first_time) a->core.first_time = a->core.last_time = nstime_to_sec(&pinfo->abs_ts);
        std::vector<dicom::Diagnostic> shown_by_tls;
        a->core.raise(dicom::Diagnostic{code, dicom::Party::Requestor, pinfo->num, nstime_to_sec(&pinfo->abs_ts)},
                      shown_by_tls);
    } catch (...) {
    }
}

AssocRecord *dicom_previous_association(AssocRecord *rec) {
    std::string key = rec->core.calling_ae + '\0' + rec->core.called_ae;
    AssocRecord *&slot = capture().last_by_aes[key];
    AssocRecord *prev = slot != rec ? slot : nullptr;
    slot = rec;
    return prev;
}

void dicom_index_move(AssocRecord *rec, dicom::Message &m) {
    capture().moves[move_key(rec->core.calling_ae, m.command.message_id)] = &m;
}

const dicom::Message *dicom_move_request(const dicom::Message &m) {
    const dicom::Command &cmd = m.command;
    if (!g_capture || cmd.move_originator_ae.empty() || !cmd.has_move_originator_id) return nullptr;
    try {
        auto it = g_capture->moves.find(move_key(cmd.move_originator_ae, cmd.move_originator_id));
        if (it == g_capture->moves.end()) return nullptr;
        const dicom::Message *move = it->second;
        /* within the C-MOVE's life: after the request, before its final response */
        if (move->complete_time > m.first_time) return nullptr;
        if (move->final_response && move->final_response->complete_time < m.first_time) return nullptr;
        return move;
    } catch (...) {
        return nullptr;
    }
}

void dicom_index_move_store(AssocRecord *rec, dicom::Message &m) {
    const dicom::Message *move = dicom_move_request(m);
    if (!move) return;
    std::vector<guint32> &subs = capture().move_subs[move];
    if (subs.empty() || subs.back() != rec->number) subs.push_back(rec->number);
}

const std::vector<guint32> *dicom_move_sub_associations(const dicom::Message *move) {
    if (!g_capture) return nullptr;
    auto it = g_capture->move_subs.find(move);
    return it == g_capture->move_subs.end() || it->second.empty() ? nullptr : &it->second;
}
