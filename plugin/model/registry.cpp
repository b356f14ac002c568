/* The capture's registry (registry.h): one object, emptied by one cleanup routine when the
 * capture file is closed. */
#include "model/registry.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include <epan/conversation.h>
#include <epan/dissectors/packet-tcp.h>

#include "fields.h"
#include "model/records.h"
#include "prefs.h"

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

/* A packet's two ends, kept past the packet (addresses copied). */
struct PacketEnds {
    address src = ADDRESS_INIT_NONE, dst = ADDRESS_INIT_NONE;
    guint32 srcport = 0, destport = 0;
    ~PacketEnds() {
        free_address(&src);
        free_address(&dst);
    }
    void take_from(const packet_info *pinfo) {
        free_address(&src);
        free_address(&dst);
        copy_address(&src, &pinfo->src);
        copy_address(&dst, &pinfo->dst);
        srcport = pinfo->srcport;
        destport = pinfo->destport;
    }
    bool same_direction(const packet_info *pinfo) const {
        return srcport == pinfo->srcport && destport == pinfo->destport && same_address(src, pinfo->src) &&
               same_address(dst, pinfo->dst);
    }
    bool other_direction(const packet_info *pinfo) const {
        return srcport == pinfo->destport && destport == pinfo->srcport && same_address(src, pinfo->dst) &&
               same_address(dst, pinfo->src);
    }
};

struct Registry {
    std::unique_ptr<dicom::Capture> capture;
    /* each frame's payload records (records.h), by frame number */
    std::vector<PayloadRecord *> frame_records;
    /* the file-scope block new payload records are carved from, and how many it has left */
    PayloadRecord *record_block = nullptr;
    unsigned record_block_left = 0;
    /* the connections of the last few packets: most packets of a DICOM capture belong to a few */
    struct Recent {
        PacketEnds ends;
        dicom::Connection *conn = nullptr;
    };
    Recent recent[8];
    unsigned recent_next = 0;
    /* the last TCP payloads no dissector took, so that a connection the heuristic claims late
     * (its A-ASSOCIATE-RQ's first segment captured after the second) gets them back */
    struct Unclaimed {
        PacketEnds ends;
        guint32 frame = 0, seq = 0, length = 0;
        guint8 bytes[2048];
    };
    Unclaimed unclaimed[4];
    unsigned unclaimed_next = 0;
};

Registry *g_registry;

Registry &registry() {
    if (!g_registry) g_registry = new Registry();
    return *g_registry;
}

void registry_cleanup(void) {
    delete g_registry;
    g_registry = nullptr;
}

dicom::CaptureSettings settings_from_prefs() {
    dicom::CaptureSettings s;
    s.connection.pdu_cap = dicom_pdu_cap();
    s.connection.hold_limit = uint64_t(dicom_prefs.hold_limit_kb) * 1024;
    s.connection.stall_seconds = dicom_prefs.stall_ms / 1000.0;
    s.connection.ack_grace.seconds = dicom_prefs.ack_grace_ms / 1000.0;
    s.outstanding_cap = dicom_prefs.max_outstanding;
    s.diagnosis.slow_seconds = dicom_prefs.slow_response_ms / 1000.0;
    s.diagnosis.small_pdu = dicom_prefs.small_pdu;
    s.validation.enabled = dicom_prefs.validate;
    s.validation.data_sets = dicom_prefs.validate_data_sets;
    return s;
}


dicom::Endpoint endpoint_of(const address &a, guint32 port) {
    dicom::Endpoint e;
    if ((a.type == AT_IPv4 && a.len == 4) || (a.type == AT_IPv6 && a.len == 16)) {
        e.family = a.type == AT_IPv4 ? 4 : 6;
        memcpy(e.ip, a.data, (size_t)a.len);
    }
    e.port = (guint16)port;
    return e;
}

/* First pass only: later passes visit frames in any order, across connections that reused
 * the same addresses and ports. */
dicom::Connection *recent_connection(packet_info *pinfo) {
    if (!g_registry || PINFO_FD_VISITED(pinfo)) return nullptr;
    for (const Registry::Recent &r : g_registry->recent)
        if (r.conn && r.ends.same_direction(pinfo)) return r.conn;
    return nullptr;
}

void remember_recent(packet_info *pinfo, dicom::Connection *conn) {
    if (PINFO_FD_VISITED(pinfo)) return;
    Registry &g = registry();
    Registry::Recent &r = g.recent[g.recent_next++ % G_N_ELEMENTS(g.recent)];
    r.ends.take_from(pinfo);
    r.conn = conn;
}

bool append_frame_record(guint32 frame, PayloadRecord *rec) {
    try {
        std::vector<PayloadRecord *> &v = registry().frame_records;
        if (frame >= v.size()) v.resize(std::max<size_t>(frame + 1, v.size() + v.size() / 2), nullptr);
        PayloadRecord **slot = &v[frame];
        while (*slot) slot = &(*slot)->next;
        *slot = rec;
        return true;
    } catch (...) {
        return false;
    }
}

} // namespace

void dicom_register_registry(void) { register_cleanup_routine(registry_cleanup); }

dicom::Capture &dicom_capture(void) {
    Registry &g = registry();
    if (!g.capture) g.capture.reset(new dicom::Capture(settings_from_prefs()));
    return *g.capture;
}

namespace {
/* What the connections walk once the capture has ended has no frame left to show it on: the
 * associations take it in, the frames' records do not. */
class AfterTheLastFrame final : public dicom::ConnectionObserver {
public:
    void pdu(const dicom::UnitPlace &, const dicom::WalkedBytes &, uint8_t, uint32_t) override {}
    void pdata_header(const dicom::UnitPlace &, const dicom::WalkedBytes &, uint32_t) override {}
    void pdv_header(const dicom::UnitPlace &, const dicom::WalkedBytes &, const dicom::PdvPosition &) override {}
    void pdv_value(const dicom::UnitPlace &, const dicom::WalkedBytes &, const dicom::PdvPosition &,
                   const dicom::PieceOutcome &) override {}
    void lost(const dicom::UnitPlace &, const dicom::WalkedBytes &, dicom::LostKind, const dicom::PdvPosition &,
              const dicom::PieceOutcome &) override {}
    void skipped(const dicom::UnitPlace &, const dicom::WalkedBytes &, dicom::SkipReason) override {}
    void garbage(const dicom::UnitPlace &, const dicom::WalkedBytes &) override {}
    void resync(const dicom::UnitPlace &, const dicom::WalkedBytes &, dicom::ResyncReason) override {}
    void fragment(const dicom::UnitPlace &, const dicom::WalkedBytes &, uint8_t) override {}
    void fragment_completed(const dicom::UnitPlace &, const dicom::WalkedBytes &, uint8_t, dicom::Origin) override {}
    void duplicate(const dicom::UnitPlace &, const dicom::WalkedBytes &, const dicom::Repeat &) override {}
    void held(const dicom::UnitPlace &, const dicom::WalkedBytes &, dicom::HeldReason) override {}
    void message_noted(const dicom::UnitPlace &, dicom::Message &, bool, bool) override {}
    void pdu_noted(const dicom::UnitPlace &, uint8_t, uint32_t) override {}
    void findings(const dicom::UnitPlace &, const std::vector<dicom::Diagnostic> &) override {}
    void violations(const dicom::UnitPlace &, const std::vector<dicom::Violation> &) override {}
    void data_set_kept(const dicom::UnitPlace &, const dicom::Message &, dicom::ChunkedBytes &&) override {}
};
} // namespace

void dicom_finish_capture(void) {
    if (!g_registry || !g_registry->capture) return;
    AfterTheLastFrame nobody;
    g_registry->capture->finish(nobody);
}

void dicom_remember_unclaimed(packet_info *pinfo, guint32 seq, const guint8 *bytes, guint32 length) {
    if (PINFO_FD_VISITED(pinfo) || !length || length > sizeof(Registry::Unclaimed::bytes)) return;
    Registry &g = registry();
    Registry::Unclaimed &u = g.unclaimed[g.unclaimed_next++ % G_N_ELEMENTS(g.unclaimed)];
    u.ends.take_from(pinfo);
    u.frame = pinfo->num;
    u.seq = seq;
    u.length = length;
    memcpy(u.bytes, bytes, length);
}

unsigned dicom_take_unclaimed(packet_info *pinfo, void (*take)(void *ctx, int dir, guint32 frame, guint32 seq,
                                                                 const guint8 *bytes, guint32 length),
                              void *ctx) {
    if (!g_registry || PINFO_FD_VISITED(pinfo)) return 0;
    Registry &g = *g_registry;
    unsigned taken = 0;
    for (unsigned i = 0; i < G_N_ELEMENTS(g.unclaimed); ++i) { /* oldest first */
        Registry::Unclaimed &u = g.unclaimed[(g.unclaimed_next + i) % G_N_ELEMENTS(g.unclaimed)];
        if (!u.length || u.frame >= pinfo->num) continue;
        const bool same = u.ends.same_direction(pinfo), reverse = !same && u.ends.other_direction(pinfo);
        if (!same && !reverse) continue;
        const int dir = same ? dicom_direction(pinfo) : 1 - dicom_direction(pinfo);
        take(ctx, dir, u.frame, u.seq, u.bytes, u.length);
        u.length = 0;
        ++taken;
    }
    return taken;
}

const dicom::Capture *dicom_capture_if_any(void) { return g_registry ? g_registry->capture.get() : nullptr; }

dicom::Endpoint dicom_source(const packet_info *pinfo) { return endpoint_of(pinfo->src, pinfo->srcport); }
dicom::Endpoint dicom_destination(const packet_info *pinfo) { return endpoint_of(pinfo->dst, pinfo->destport); }

int dicom_direction(const packet_info *pinfo) {
    const int cmp = compare_address(pinfo->src, pinfo->dst);
    return cmp > 0 || (cmp == 0 && pinfo->srcport > pinfo->destport);
}

void dicom_forget_recent_connection(packet_info *pinfo) {
    if (!g_registry) return;
    for (Registry::Recent &r : g_registry->recent) {
        if (r.ends.same_direction(pinfo) || r.ends.other_direction(pinfo)) r.conn = nullptr;
    }
}

dicom::Connection *dicom_known_connection(packet_info *pinfo) {
    if (dicom::Connection *conn = recent_connection(pinfo)) return conn;
    conversation_t *conv = find_conversation_pinfo(pinfo, 0);
    auto *conn = conv ? (dicom::Connection *)conversation_get_proto_data(conv, proto_dicom_ul) : NULL;
    if (conn) remember_recent(pinfo, conn);
    return conn;
}

dicom::Connection *dicom_connection(packet_info *pinfo) {
    if (dicom::Connection *conn = recent_connection(pinfo)) return conn;
    conversation_t *conv = find_or_create_conversation(pinfo);
    auto *conn = (dicom::Connection *)conversation_get_proto_data(conv, proto_dicom_ul);
    if (conn) {
        remember_recent(pinfo, conn);
        return conn;
    }
    struct tcp_analysis *tcpd = get_tcp_conversation_data(conv, pinfo);
    try {
        conn = &dicom_capture().new_connection(tcpd ? tcpd->stream : 0);
    } catch (...) {
        return nullptr;
    }
    conversation_add_proto_data(conv, proto_dicom_ul, conn);
    remember_recent(pinfo, conn);
    return conn;
}

/* ---- the frames' records ------------------------------------------------------------------- */

/* One or more records for every frame of our connections, as long-lived as the file scope: a
 * block of them at a time costs one allocator call instead of one per frame. */
PayloadRecord *dicom_new_payload_record(guint32 frame, int direction, guint32 length) {
    static const unsigned kBlock = 256;
    Registry &g = registry();
    if (!g.record_block_left) {
        g.record_block = wmem_alloc0_array(wmem_file_scope(), PayloadRecord, kBlock);
        g.record_block_left = kBlock;
    }
    PayloadRecord *rec = g.record_block++;
    --g.record_block_left;
    rec->frame = frame;
    rec->length = length;
    rec->direction = (guint8)direction;
    rec->run.cap = 1;
    append_frame_record(frame, rec); /* out of memory: walked, but not shown later */
    return rec;
}

const PayloadRecord *dicom_payload_record(guint32 frame, unsigned index) {
    if (!g_registry || frame >= g_registry->frame_records.size()) return nullptr;
    const PayloadRecord *rec = g_registry->frame_records[frame];
    while (rec && index--) rec = rec->next;
    return rec;
}

const dicom::Association *dicom_frame_association(guint32 frame) {
    for (const PayloadRecord *rec = dicom_payload_record(frame, 0); rec; rec = rec->next)
        for (const Run *r = &rec->run; r; r = r->next)
            if (r->assoc) return r->assoc;
    return NULL;
}

UnitRecord *dicom_record_unit(PayloadRecord *p, const dicom::Association *assoc, guint32 walked_in) {
    Run *r = &p->run;
    while (r->next) r = r->next;
    if (r->n && (r->assoc != assoc || r->walked_in != walked_in)) {
        Run *fresh = wmem_new0(wmem_file_scope(), Run);
        fresh->cap = 1;
        r->next = fresh;
        r = fresh;
    }
    r->assoc = assoc;
    r->walked_in = walked_in;
    if (r->n == r->cap) {
        const guint16 cap = r->cap >= 0x8000 ? 0xFFFF : (guint16)(r->cap * 2); /* most payloads have 1 or 2 */
        if (cap == r->cap) return NULL; /* a run of 65535 units: no more are shown */
        auto *units = wmem_alloc_array(wmem_file_scope(), UnitRecord, cap);
        memcpy(units, r->units(), sizeof(UnitRecord) * r->n);
        if (r->cap > 1) wmem_free(wmem_file_scope(), r->u.many);
        r->u.many = units;
        r->cap = cap;
    }
    UnitRecord *u = &r->units()[r->n++];
    memset(u, 0, sizeof *u);
    return u;
}

address dicom_address_of(const dicom::Endpoint &e) {
    address a = ADDRESS_INIT_NONE;
    if (e.family == 4) set_address(&a, AT_IPv4, 4, e.ip);
    else if (e.family == 6) set_address(&a, AT_IPv6, 16, e.ip);
    return a;
}
