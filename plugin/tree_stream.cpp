/* The tree, Info column and taps of one payload, built from its record (records.h) on every
 * pass. A PDU gets a protocol item of its own; the PDV headers and value pieces of a
 * P-DATA-TF nest under the item of their PDU where the PDU starts in this payload, and under
 * a "continued" item otherwise. A message is shown whole, with its command and data set,
 * where the receiver had all of it. */
#include "dissect_internal.h"

#include <epan/expert.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "ul/control_pdus.hpp"
#include "analysis/diagnosis.hpp"
#include "fields.h"
#include "ul/pdu.hpp"
#include "base/uids.hpp"

namespace {

/* What is open while the units of one payload are turned into tree items. */
struct Build {
    tvbuff_t *tvb;
    packet_info *pinfo;
    proto_tree *tree;
    FrameScratch *fs;
    const PayloadRecord *rec;
    const Run *run;
    proto_item *item;      /* the current protocol item (PDU or continuation), or NULL */
    proto_tree *item_tree;
    bool pdata_open;       /* item is a P-DATA-TF whose PDV units follow */
    proto_tree *pdv_tree;  /* the PDV whose header is in this payload */
    guint16 pdv_index;
    guint32 pdv_count;
    bool pdata_header;     /* the item starts with the P-DATA-TF header */
    wmem_strbuf_t *pdata_info; /* " ctx 1 CT Image Storage (command, last)" */
    int last_ctx;
    bool info_message;     /* the P-DATA item completed a message: its summary is the Info */
    bool native_ae;        /* the item being opened is an A-ASSOCIATE-RQ/AC: it has its own AE titles */
    const char *pdata_continues; /* the item's only PDV continues a known message: its progress is the Info */
};

PduContext context(Build &b, tvbuff_t *tvb, proto_tree *t, proto_item *ti) {
    return PduContext{tvb, b.pinfo, t, ti, b.run->assoc, direction_from_requestor(b.run->assoc, b.rec->direction)};
}

/* A protocol item of our own; `label` follows "DICOM-UL, ". */
proto_tree *open_item(Build &b, tvbuff_t *tvb, guint32 off, guint32 len, const char *label) {
    b.pdata_open = false;
    b.pdata_header = false;
    b.pdv_tree = NULL;
    b.pdv_count = 0;
    if (!b.tree) { /* tshark without -V or a filter: only the columns and taps are wanted */
        b.item = b.item_tree = NULL;
        return NULL;
    }
    b.item = proto_tree_add_item(b.tree, proto_dicom_ul, tvb, off, len, ENC_NA);
    proto_item_append_text(b.item, ", %s", label);
    b.item_tree = proto_item_add_subtree(b.item, ett_dicom);
    proto_item_set_hidden(proto_tree_add_item(b.item_tree, hf_dicom_any, tvb, off, len, ENC_NA));
    if (const AssocRecord *a = b.run->assoc) {
        /* every frame of an association says which one, and who its peers are, so that a filter
         * or column on them finds every frame (an A-ASSOCIATE-RQ/AC carries the AE titles itself) */
        proto_item_set_generated(proto_tree_add_uint(b.item_tree, hf_assoc_id, tvb, 0, 0, a->number));
        if (!b.native_ae && b.item_tree) {
            if (!a->core.calling_ae.empty())
                proto_item_set_generated(proto_tree_add_string(b.item_tree, hf_ae_calling, tvb, 0, 0, a->core.calling_ae.c_str()));
            if (!a->core.called_ae.empty())
                proto_item_set_generated(proto_tree_add_string(b.item_tree, hf_ae_called, tvb, 0, 0, a->core.called_ae.c_str()));
        }
    }
    return b.item_tree;
}

/* Ends the P-DATA item: its PDV count and, unless it completed a message, its Info. */
void close_item(Build &b) {
    if (b.pdata_open && b.pdata_header) {
        proto_item_set_generated(proto_tree_add_uint(b.item_tree, hf_pdv_count, b.tvb, 0, 0, b.pdv_count));
        proto_item_append_text(b.item, ", %u PDV%s", b.pdv_count, b.pdv_count == 1 ? "" : "s");
    }
    if (b.pdata_open && b.pdata_info && !b.info_message && b.pdv_count == 1 && b.pdata_continues) {
        set_info(b.pinfo, b.fs, b.pdata_continues, kContinued);
    } else if (b.pdata_open && b.pdata_info && !b.info_message) {
        if (b.last_ctx >= 0) wmem_strbuf_append(b.pdata_info, ")");
        set_info(b.pinfo, b.fs,
                 b.pdv_count == 1 || !b.pdata_header
                     ? wmem_strdup_printf(b.pinfo->pool, "P-DATA%s", wmem_strbuf_get_str(b.pdata_info))
                     : wmem_strdup_printf(b.pinfo->pool, "P-DATA %u PDVs%s", b.pdv_count, wmem_strbuf_get_str(b.pdata_info)));
    }
    b.item = NULL;
    b.item_tree = NULL;
    b.pdata_open = false;
    b.pdv_tree = NULL;
    b.pdata_info = NULL;
    b.last_ctx = -1;
    b.info_message = false;
    b.pdata_continues = NULL;
}

/* The tvb holding a unit's bytes: a part of the payload, or the copy of an assembled one. */
tvbuff_t *unit_tvb(Build &b, const UnitRecord &u, guint32 *off) {
    if (u.bits & kUnitAssembled) {
        tvbuff_t *t = tvb_new_child_real_data(b.tvb, (const guint8 *)u.ptr, u.b, u.b);
        add_new_data_source(b.pinfo, t, "Reassembled DICOM-UL");
        *off = 0;
        return t;
    }
    *off = u.offset;
    return b.tvb;
}

const char *human(packet_info *pinfo, const char *standard_term) {
    /* "called-AE-title-not-recognized" reads better as "called AE title not recognized" */
    char *s = wmem_strdup(pinfo->pool, standard_term ? standard_term : "unknown");
    for (char *p = s; *p; ++p)
        if (*p == '-') *p = ' ';
    return s;
}

void info_associate(const PduContext &c, const dicom::Associate &a, FrameScratch *fs) {
    const bool rq = a.pdu_type == dicom::kAssociateRq;
    const char *from = span_text(c, rq ? a.calling_ae.where : a.called_ae.where);
    const char *to = span_text(c, rq ? a.called_ae.where : a.calling_ae.where);
    unsigned n = (unsigned)a.contexts.size(), accepted = 0;
    for (const auto &pc : a.contexts) accepted += pc.result == dicom::kAcceptance;
    if (rq)
        set_info(c.pinfo, fs, wmem_strdup_printf(c.pinfo->pool, "A-ASSOCIATE-RQ %s \xe2\x86\x92 %s (%u context%s)", from,
                                                 to, n, n == 1 ? "" : "s"));
    else
        set_info(c.pinfo, fs, wmem_strdup_printf(c.pinfo->pool, "A-ASSOCIATE-AC %s \xe2\x86\x92 %s (%u of %u contexts accepted)",
                                                 from, to, accepted, n));
}

const char *control_text(packet_info *pinfo, const dicom::ControlPdu &p) {
    switch (p.type) {
    case dicom::kAssociateRj:
        return wmem_strdup_printf(pinfo->pool, "A-ASSOCIATE-RJ %s: %s", p.result == 2 ? "transient" : "permanent",
                                  human(pinfo, dicom::reject_reason_name(p.source, p.reason)));
    case dicom::kAbort:
        if (p.source == 2)
            return wmem_strdup_printf(pinfo->pool, "A-ABORT by service-provider: %s",
                                      human(pinfo, dicom::code_name(dicom::kAbortReasons, p.reason)));
        return p.source == 0 ? "A-ABORT by service-user" : "A-ABORT";
    default: return dicom::pdu_type_name(p.type);
    }
}

void build_pdu(Build &b, const UnitRecord &u) {
    close_item(b);
    guint32 off;
    tvbuff_t *base = unit_tvb(b, u, &off);
    tvbuff_t *tvb = tvb_new_subset_length(base, off, (gint)(u.bits & kUnitAssembled ? u.b : u.length));
    const guint len = tvb_captured_length(tvb);
    const char *name = dicom::pdu_type_name(u.type);
    b.native_ae = u.type == dicom::kAssociateRq || u.type == dicom::kAssociateAc;
    proto_tree *pt = open_item(b, tvb, 0, len, name ? name : "PDU");
    b.native_ae = false;
    proto_tree_add_item(pt, hf_pdu_type, tvb, 0, 1, ENC_BIG_ENDIAN);
    proto_tree_add_item(pt, hf_pdu_len, tvb, 2, 4, ENC_BIG_ENDIAN);
    PduContext c = context(b, tvb, pt, b.item);
    tree_association(c, u.type);
    dicom_tap_pdu(b.pinfo, b.run->assoc, NULL);
    const dicom::ByteView view(tvb_get_ptr(tvb, 0, len), len);
    if (u.type == dicom::kAssociateRq || u.type == dicom::kAssociateAc) {
        bool complete = false;
        auto *a = parse_noexcept<dicom::Associate>([&](dicom::Associate &o) { complete = dicom::parse_associate(view, o); });
        if (!a) {
            expert_add_info(b.pinfo, b.item, &ei_parse_failed);
            return;
        }
        if (!complete) {
            delete a;
            proto_tree_add_expert(pt, b.pinfo, &ei_problem[(int)dicom::Problem::PduTruncated], tvb, 0, -1);
            set_info(b.pinfo, b.fs, wmem_strdup_printf(b.pinfo->pool, "%s (truncated)", name));
            return;
        }
        build_then_free(a, [&](const dicom::Associate &pdu) {
            tree_associate(c, pdu);
            info_associate(c, pdu, b.fs);
        });
        return;
    }
    auto *p = parse_noexcept<dicom::ControlPdu>([&](dicom::ControlPdu &o) { dicom::parse_control_pdu(view, o); });
    if (!p) {
        expert_add_info(b.pinfo, b.item, &ei_parse_failed);
        return;
    }
    build_then_free(p, [&](const dicom::ControlPdu &pdu) {
        tree_control(c, pdu);
        set_info(b.pinfo, b.fs, control_text(b.pinfo, pdu));
    });
}

/* A string literal without its terminator, copied with a length the compiler knows. */
template <size_t N> char *put_literal(char *out, const char (&text)[N]) {
    memcpy(out, text, N - 1);
    return out + N - 1;
}

/* Writes `v` in decimal at `out` (room for 20 digits); returns the end. The Info
 * texts built for every frame use it instead of printf, which costs more than the rest of
 * the text. */
char *put_decimal(char *out, guint64 v) {
    char digits[20];
    int n = 0;
    do digits[n++] = char('0' + v % 10); while ((v /= 10) && n < 20);
    while (n) *out++ = digits[--n];
    return out;
}

void pdata_info_pdv(Build &b, const UnitRecord &u) {
    if (!b.pdata_info) return;
    if (u.type != b.last_ctx) {
        if (b.last_ctx >= 0) wmem_strbuf_append(b.pdata_info, "),");
        const dicom::NegotiatedContext *nc = b.run->assoc ? b.run->assoc->core.context(u.type) : NULL;
        char ctx[32] = " ctx ";
        *put_decimal(ctx + 5, u.type) = '\0';
        wmem_strbuf_append(b.pdata_info, ctx);
        if (nc && !nc->abstract_syntax.empty()) {
            wmem_strbuf_append_c(b.pdata_info, ' ');
            wmem_strbuf_append(b.pdata_info, uid_label(b.pinfo, nc->abstract_syntax));
        }
        wmem_strbuf_append(b.pdata_info, " (");
        b.last_ctx = u.type;
    } else {
        wmem_strbuf_append(b.pdata_info, "; ");
    }
    wmem_strbuf_append(b.pdata_info, (u.pdv_flags & dicom::kPdvCommand) ? "command" : "data");
    if (u.pdv_flags & dicom::kPdvLast) wmem_strbuf_append(b.pdata_info, ", last");
}

void start_pdata(Build &b, const UnitRecord &u) {
    close_item(b);
    guint32 off;
    tvbuff_t *tvb = unit_tvb(b, u, &off);
    proto_tree *pt = open_item(b, tvb, off, dicom::kPduHeaderLen, "P-DATA-TF");
    proto_tree_add_item(pt, hf_pdu_type, tvb, off, 1, ENC_BIG_ENDIAN);
    proto_tree_add_item(pt, hf_pdu_len, tvb, off + 2, 4, ENC_BIG_ENDIAN);
    if (dicom_tvb_u8(tvb, off + 1) != 0)
        proto_tree_add_expert(pt, b.pinfo, &ei_problem[(int)dicom::Problem::ReservedNotZero], tvb, off + 1, 1);
    PduContext c = context(b, tvb, pt, b.item);
    tree_association(c, dicom::kPData);
    b.pdata_open = true;
    b.pdata_header = true;
    b.pdata_info = wmem_strbuf_new(b.pinfo->pool, "");
    b.last_ctx = -1;
}

/* The PDU a PDV unit belongs to started in an earlier payload. */
void continue_pdata(Build &b) {
    if (b.pdata_open) return;
    close_item(b);
    open_item(b, b.tvb, 0, 0, "P-DATA-TF (continued)");
    b.pdata_open = true;
}

void extend_item(Build &b, tvbuff_t *tvb, guint32 end) {
    if (b.item && tvb == b.tvb) proto_item_set_end(b.item, tvb, (gint)end);
}

void build_pdv_header(Build &b, const UnitRecord &u) {
    continue_pdata(b);
    if (!b.pdata_info) {
        b.pdata_info = wmem_strbuf_new(b.pinfo->pool, "");
        b.last_ctx = -1;
    }
    guint32 off;
    tvbuff_t *tvb = unit_tvb(b, u, &off);
    PduContext c = context(b, tvb, b.item_tree, b.item);
    b.pdv_tree = tree_pdv_header(c, (int)off, u.pdv_index, u.type, u.pdv_flags, u.a);
    b.pdv_index = u.pdv_index;
    ++b.pdv_count;
    extend_item(b, tvb, off + dicom::kPdvHeaderLen);
    if (u.bits & kUnitInvalid) {
        proto_tree_add_expert(b.pdv_tree, b.pinfo, &ei_problem[(int)dicom::Problem::PdvLengthInvalid], tvb, (gint)off, 4);
        set_info(b.pinfo, b.fs, "P-DATA (PDV length does not fit the PDU)");
        b.pdata_info = NULL;
        return;
    }
    if (u.pdv_flags & ~(dicom::kPdvCommand | dicom::kPdvLast))
        proto_tree_add_expert(b.pdv_tree, b.pinfo, &ei_problem[(int)dicom::Problem::PdvFlagsReserved], tvb, (gint)off + 5, 1);
    pdata_info_pdv(b, u);
}

/* A message this unit completed, shown where the receiver had it all. */
void show_completion(Build &b, tvbuff_t *tvb, dicom::Message &m, guint8 bits) {
    PduContext c = context(b, tvb, b.item_tree, b.item);
    if (bits & kUnitMessageDone) {
        const char *summary = message_summary(c, m, true);
        tree_dimse_message(c, m, summary);
        set_info(b.pinfo, b.fs, summary, &m);
        const dicom::Message *final_rsp =
            dicom::is_response(m.command.field) && m.request && m.request->final_response == &m ? &m : NULL;
        dicom_tap_pdu(b.pinfo, b.run->assoc, final_rsp);
        dicom_export_message(b.pinfo, m, &b.run->assoc->conn->addr[b.rec->direction]);
    } else if (bits & kUnitCommandDone) {
        set_info(b.pinfo, b.fs, wmem_strdup_printf(b.pinfo->pool, "%s (data set follows)", message_summary(c, m, false)), &m);
    }
    b.info_message = true;
}

/* The label of a message as the frames that continue it show it, formatted once per message. */
const AssocRecord::ContinuedLabel &continued_label(const Build &b, const dicom::Message &m) {
    AssocRecord::ContinuedLabel &cache = b.run->assoc->continued_label;
    if (cache.message == &m && cache.command_frame == m.command_frame) return cache;
    const char *name = dicom::code_name(dicom::kCommandFields, m.command.field);
    const guint32 id = dicom::is_response(m.command.field) ? m.command.message_id_rsp : m.command.message_id;
    const dicom::NegotiatedContext *nc = b.run->assoc->core.context(m.context_id);
    const char *sop = nc && !nc->abstract_syntax.empty() ? uid_label(b.pinfo, nc->abstract_syntax) : "";
    const int n = g_snprintf(cache.text, sizeof cache.text, "%s id=%u%s%s", name ? name : "DIMSE", id, *sop ? " " : "", sop);
    cache.length = n < 0 ? 0 : std::min<guint32>((guint32)n, sizeof cache.text - 1);
    cache.message = &m;
    cache.command_frame = m.command_frame;
    return cache;
}

/* The Info of a frame that only continues a message: which message, and how far it has got,
 * e.g. "C-STORE-RQ id=5 CT Image Storage, data 40% (continued)" (the command is known by then).
 * Built without printf: it runs for every frame of every large data set. */
const char *continued_info(Build &b, const UnitRecord &u) {
    auto *m = (const dicom::Message *)u.ptr;
    if (!m || !b.run->assoc || !m->command.valid || !m->command_frame || m->command_frame > b.run->walked_in)
        return kContinued;
    char progress[64], *p = progress;
    if (u.pdv_flags & dicom::kPdvCommand) {
        p = put_literal(p, ", command");
    } else if (u.reason) {
        p = put_decimal(put_literal(p, ", data "), u.reason - 1u);
        *p++ = '%';
    } else {
        p = put_literal(put_decimal(put_literal(p, ", data "), (u.data_offset + u.length) / 1024), " kB");
    }
    p = put_literal(p, " (continued)");
    *p = '\0';
    /* label + progress in one piece of the packet's pool, without measuring either again */
    const AssocRecord::ContinuedLabel &label = continued_label(b, *m);
    const size_t tail = (size_t)(p - progress);
    auto *text = (char *)wmem_alloc(b.pinfo->pool, label.length + tail + 1);
    memcpy(text, label.text, label.length);
    memcpy(text + label.length, progress, tail + 1);
    return text;
}

void build_value(Build &b, const UnitRecord &u) {
    const bool own_pdv = b.pdv_tree && b.pdv_index == u.pdv_index;
    /* the message completes here: its summary, not its progress, is the Info */
    const bool shows_completion =
        u.ptr && (u.bits & (kUnitMessageDone | kUnitCommandDone)) && b.run->walked_in == b.pinfo->num;
    continue_pdata(b);
    PduContext c = context(b, b.tvb, b.item_tree, b.item);
    proto_tree *t;
    if (own_pdv) {
        t = b.pdv_tree;
        if (u.length) proto_tree_add_item(t, hf_pdv_value, b.tvb, (gint)u.offset, (gint)u.length, ENC_NA);
        /* a P-DATA-TF whose one PDV is the middle of a message says how far the message has got,
         * like the frames that only continue it */
        if (b.pdv_count == 1 && !(u.bits & (kUnitMessageDone | kUnitCommandDone))) {
            const char *text = continued_info(b, u);
            if (text != kContinued) b.pdata_continues = text;
        }
    } else {
        t = tree_pdv_piece(c, (int)u.offset, u.pdv_index, u.type, u.pdv_flags, u.b, u.length, u.a);
        if (!b.pdata_info && !shows_completion) set_info(b.pinfo, b.fs, continued_info(b, u), kContinued);
    }
    extend_item(b, b.tvb, u.offset + u.length);
    auto *m = (dicom::Message *)u.ptr;
    if (!m) return;
    /* later passes: Export Objects re-reads the file and collects the data set again */
    if (PINFO_FD_VISITED(b.pinfo) && !(u.pdv_flags & dicom::kPdvCommand) && u.length && dicom_export_wanted())
        dicom_export_collect(*m, u.data_offset, tvb_get_ptr(b.tvb, (gint)u.offset, (gint)u.length), u.length);
    tree_pdv_message_link(c, t, *m, u.bits, b.run->walked_in);
    if (shows_completion)
        show_completion(b, b.tvb, *m, u.bits);
    else if (b.run->walked_in != b.pinfo->num)
        proto_item_set_generated(proto_tree_add_uint(t, hf_stream_delivered_in, b.tvb, 0, 0, b.run->walked_in));
}

void build_bytes_item(Build &b, const UnitRecord &u, const char *label, int hf, expert_field *ei, const char *info) {
    close_item(b);
    proto_tree *t = open_item(b, b.tvb, u.offset, u.length, label);
    proto_item *pi = proto_tree_add_item(t, hf, b.tvb, (gint)u.offset, (gint)u.length, ENC_NA);
    if (ei) expert_add_info(b.pinfo, pi, ei);
    if (info) set_info(b.pinfo, b.fs, info);
    close_item(b);
}

void build_skip(Build &b, const UnitRecord &u) {
    const auto why = (dicom::SkipReason)u.reason;
    if (why == dicom::SkipReason::AfterGap) {
        build_bytes_item(b, u, "P-DATA-TF (rest after a capture gap, skipped)", hf_stream_skipped, &ei_resync_after_gap,
                         "P-DATA (continued; PDV headers lost in a capture gap, rest of the PDU skipped)");
        return;
    }
    continue_pdata(b);
    proto_item *pi = proto_tree_add_item(b.item_tree, hf_garbage, b.tvb, (gint)u.offset, (gint)u.length, ENC_NA);
    if (why == dicom::SkipReason::TailShort)
        expert_add_info(b.pinfo, pi, &ei_problem[(int)dicom::Problem::PdvLengthInvalid]);
    proto_item_append_text(b.item, " (rest skipped)");
    extend_item(b, b.tvb, u.offset + u.length);
    set_info(b.pinfo, b.fs, "P-DATA (continued; rest of the PDU skipped)");
}

void build_fragment(Build &b, const UnitRecord &u) {
    close_item(b);
    const char *name = u.type ? dicom::pdu_type_name(u.type) : "PDV header";
    if (!name) name = "PDU";
    proto_tree *t = open_item(b, b.tvb, u.offset, u.length, wmem_strdup_printf(b.pinfo->pool, "part of %s", name));
    proto_tree_add_uint(t, hf_pdu_fragment, b.tvb, (gint)u.offset, (gint)u.length, u.type);
    /* like TCP's "Reassembled in", known from the frame that completes it on (later passes) */
    if (u.a) proto_item_set_generated(proto_tree_add_uint(t, hf_pdu_reassembled_in, b.tvb, 0, 0, u.a));
    set_info(b.pinfo, b.fs, wmem_strdup_printf(b.pinfo->pool, "%s (continues in later segments)", name), kContinued);
    close_item(b);
}

const char *message_label(packet_info *pinfo, const dicom::Message *m) {
    if (!m || !m->command.valid) return m ? wmem_strdup_printf(pinfo->pool, "message %u", m->index) : NULL;
    const char *n = dicom::code_name(dicom::kCommandFields, m->command.field);
    return wmem_strdup_printf(pinfo->pool, "%s id=%u", n ? n : "DIMSE",
                              dicom::is_response(m->command.field) ? m->command.message_id_rsp : m->command.message_id);
}

void build_duplicate(Build &b, const UnitRecord &u) {
    close_item(b);
    proto_tree *t = open_item(b, b.tvb, u.offset, u.length, "retransmitted bytes (not decoded again)");
    proto_item *pi = proto_tree_add_uint(t, hf_stream_retransmitted, b.tvb, (gint)u.offset, (gint)u.length, u.length);
    auto *m = (const dicom::Message *)u.ptr;
    const char *what = message_label(b.pinfo, m);
    if (u.a) proto_item_set_generated(proto_tree_add_uint(t, hf_stream_first_seen_in, b.tvb, 0, 0, u.a));
    if (m) proto_item_set_generated(proto_tree_add_uint(t, hf_pdv_message, b.tvb, 0, 0, m->index));
    expert_add_info_format(b.pinfo, pi, &ei_retransmitted, "%u retransmitted DICOM bytes%s%s%s",
                           u.length, what ? " of " : "", what ? what : "",
                           u.a ? wmem_strdup_printf(b.pinfo->pool, " (first seen in frame %u)", u.a)
                               : (u.bits & kUnitOfHeld) ? " (already held, ahead of a gap)" : "");
    set_info(b.pinfo, b.fs,
             wmem_strdup_printf(b.pinfo->pool, "Retransmitted DICOM bytes%s%s%s", what ? " of " : "", what ? what : "",
                                u.a ? wmem_strdup_printf(b.pinfo->pool, " (first seen in frame %u)", u.a) : ""),
             kContinued);
    close_item(b);
}

void build_held(Build &b, const UnitRecord &u) {
    close_item(b);
    proto_tree *t = open_item(b, b.tvb, u.offset, u.length, "bytes ahead of a gap");
    proto_item *pi = proto_tree_add_uint(t, hf_stream_held, b.tvb, (gint)u.offset, (gint)u.length, u.length);
    if (u.a) proto_item_set_generated(proto_tree_add_uint(t, hf_stream_delivered_in, b.tvb, 0, 0, u.a));
    expert_add_info(b.pinfo, pi, &ei_held);
    set_info(b.pinfo, b.fs,
             u.a ? wmem_strdup_printf(b.pinfo->pool, "DICOM bytes ahead of a gap (decoded at frame %u)", u.a)
                 : "DICOM bytes ahead of a gap (held until the missing bytes arrive)",
             kContinued);
    close_item(b);
}

void build_lost(Build &b, const UnitRecord &u) {
    close_item(b);
    proto_tree *t = open_item(b, b.tvb, 0, 0, "bytes missing from the capture");
    proto_item *pi = proto_tree_add_uint(t, hf_stream_lost, b.tvb, 0, 0, u.length);
    proto_item_set_generated(pi);
    const auto kind = (dicom::LostKind)u.reason;
    auto *m = (dicom::Message *)u.ptr;
    const int from_rq = direction_from_requestor(b.run->assoc, b.rec->direction);
    const char *stream = from_rq == 1 ? "requestor\xe2\x86\x92" "acceptor" : from_rq == 0 ? "acceptor\xe2\x86\x92" "requestor" : "one";
    const char *where;
    if (kind == dicom::LostKind::InValue) {
        where = wmem_strdup_printf(b.pinfo->pool, "inside the %s of %s (offset %" G_GUINT64_FORMAT ")",
                                   (u.pdv_flags & dicom::kPdvCommand) ? "command set" : "data set",
                                   m ? message_label(b.pinfo, m) : "a message", (guint64)u.data_offset);
        if (m) proto_item_set_generated(proto_tree_add_uint(t, hf_pdv_message, b.tvb, 0, 0, m->index));
    } else {
        proto_item_set_generated(proto_tree_add_uint64(t, hf_stream_offset, b.tvb, 0, 0, u.data_offset));
        where = kind == dicom::LostKind::PduRest ? "over PDV headers: the rest of that P-DATA-TF is skipped"
                : kind == dicom::LostKind::Unit  ? "inside a PDU or header being assembled"
                                                 : "over a PDU boundary: the next PDU header is searched for";
    }
    expert_add_info_format(b.pinfo, pi, &ei_problem[(int)dicom::Problem::BytesMissing],
                           "%u bytes of the %s stream are missing from the capture, %s (a capture gap, not an error of the peers)",
                           u.length, stream, where);
    set_info(b.pinfo, b.fs, wmem_strdup_printf(b.pinfo->pool, "%u bytes missing from the capture", u.length));
    close_item(b);
}

void build_note_message(Build &b, const UnitRecord &u) {
    close_item(b);
    auto *m = (dicom::Message *)u.ptr;
    proto_tree *t = open_item(b, b.tvb, 0, 0, (u.bits & kUnitClosed) ? "message ended incomplete" : "message completed");
    if (m->frames.size())
        proto_item_set_generated(proto_tree_add_uint(t, hf_stream_bytes_in, b.tvb, 0, 0, m->frames.back()));
    show_completion(b, b.tvb, *m, u.bits);
    close_item(b);
}

void build_note_delivered(Build &b, const UnitRecord &u) {
    close_item(b);
    const char *name = dicom::pdu_type_name(u.type);
    proto_tree *t = open_item(b, b.tvb, 0, 0, wmem_strdup_printf(b.pinfo->pool, "%s delivered", name ? name : "PDU"));
    if (u.a) proto_item_set_generated(proto_tree_add_uint(t, hf_stream_bytes_in, b.tvb, 0, 0, u.a));
    set_info(b.pinfo, b.fs, wmem_strdup_printf(b.pinfo->pool, "%s (bytes in frame %u)", name ? name : "PDU", u.a));
    close_item(b);
}

/* The sentence of a finding, made by the core (std::string) where no epan call can throw. */
const char *finding_text(packet_info *pinfo, const AssocRecord *a, const dicom::Diagnostic &d) {
    try {
        const std::string s = dicom::diagnostic_text(a->core, d);
        return wmem_strdup(pinfo->pool, s.c_str());
    } catch (...) {
        return dicom::diag_code_title(d.code);
    }
}

/* A finding raised at this frame: a generated item under the unit that raised it, with the
 * expert info that names the party. */
void build_note_finding(Build &b, const UnitRecord &u) {
    const AssocRecord *a = b.run->assoc;
    if (!a) return;
    dicom::Diagnostic d;
    d.code = (dicom::DiagCode)u.type;
    d.party = (dicom::Party)u.reason;
    memcpy(&d.value, &u.data_offset, sizeof d.value);
    d.aux = u.a;
    d.message = (const dicom::Message *)u.ptr;
    d.frame = b.pinfo->num;
    if (d.code >= dicom::DiagCode::Count) return;
    const char *text = finding_text(b.pinfo, a, d);
    if (!b.item) open_item(b, b.tvb, 0, 0, dicom::diag_code_title(d.code));
    proto_item *fi = proto_tree_add_string(b.item_tree, hf_finding, b.tvb, 0, 0, dicom::diag_code_name(d.code));
    proto_item_set_generated(fi);
    proto_tree *ft = proto_item_add_subtree(fi, ett_finding);
    proto_item_set_generated(proto_tree_add_string(ft, hf_finding_party, b.tvb, 0, 0, dicom::party_name(d.party)));
    const std::string &ae = d.party == dicom::Party::Requestor ? a->core.calling_ae : a->core.called_ae;
    if ((d.party == dicom::Party::Requestor || d.party == dicom::Party::Acceptor) && !ae.empty())
        proto_item_set_generated(proto_tree_add_string(ft, hf_finding_ae, b.tvb, 0, 0, ae.c_str()));
    proto_item_set_generated(proto_tree_add_string(ft, hf_finding_severity, b.tvb, 0, 0,
                                                   dicom::severity_name(dicom::diag_severity(d.code))));
    static const dicom::StallCause stall_of[] = {dicom::StallCause::DelayedAck, dicom::StallCause::WindowFull,
                                                 dicom::StallCause::Retransmission, dicom::StallCause::SenderIdle,
                                                 dicom::StallCause::RoundTrip};
    const int stall = (int)d.code - (int)dicom::DiagCode::DelayedAckStall;
    if (stall >= 0 && stall < (int)G_N_ELEMENTS(stall_of)) { /* the stall this frame ended */
        nstime_t ns;
        dicom_seconds_to_nstime(d.value / 1000, &ns);
        proto_item_set_generated(proto_tree_add_time(ft, hf_stall_time, b.tvb, 0, 0, &ns));
        proto_item_set_generated(proto_tree_add_string(ft, hf_stall_cause, b.tvb, 0, 0, dicom::stall_cause_name(stall_of[stall])));
    }
    expert_add_info_format(b.pinfo, fi, &ei_diag[(int)d.code], "%s", text);
    if (!b.rec->length) set_info(b.pinfo, b.fs, text, u.ptr ? u.ptr : (const void *)&u);
}

void build_unit(Build &b, const UnitRecord &u) {
    switch (u.kind) {
    case RecordKind::Pdu: build_pdu(b, u); break;
    case RecordKind::PdataHeader: start_pdata(b, u); break;
    case RecordKind::PdvHeader: build_pdv_header(b, u); break;
    case RecordKind::Value: build_value(b, u); break;
    case RecordKind::PdvHeaderValue: {
        UnitRecord value = u;
        value.offset += dicom::kPdvHeaderLen;
        value.length -= dicom::kPdvHeaderLen;
        build_pdv_header(b, u);
        build_value(b, value);
        break;
    }
    case RecordKind::Skip: build_skip(b, u); break;
    case RecordKind::Garbage: {
        close_item(b);
        proto_tree *t = open_item(b, b.tvb, u.offset, u.length, "not a PDU");
        proto_tree_add_item(t, hf_garbage, b.tvb, (gint)u.offset, (gint)u.length, ENC_NA);
        expert_add_info(b.pinfo, b.item, &ei_not_pdu);
        set_info(b.pinfo, b.fs, "Not a DICOM PDU (no plausible PDU header)");
        close_item(b);
        break;
    }
    case RecordKind::Resync:
        if ((dicom::ResyncReason)u.reason == dicom::ResyncReason::CaptureStart)
            build_bytes_item(b, u, "the capture starts inside a PDU", hf_stream_skipped, &ei_capture_starts_inside_pdu,
                             "Bytes of a PDU that started before the capture (skipped to the next PDU)");
        else
            build_bytes_item(b, u, "bytes after a capture gap, skipped", hf_stream_skipped, &ei_resync_after_gap,
                             "Bytes after a capture gap (skipped to the next PDU)");
        break;
    case RecordKind::Fragment: build_fragment(b, u); break;
    case RecordKind::Duplicate: build_duplicate(b, u); break;
    case RecordKind::Held: build_held(b, u); break;
    case RecordKind::Lost: build_lost(b, u); break;
    case RecordKind::NoteMessage: build_note_message(b, u); break;
    case RecordKind::NoteDelivered: build_note_delivered(b, u); break;
    case RecordKind::NoteFinding: build_note_finding(b, u); break;
    }
}

} // namespace

void build_payload(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const PayloadRecord *rec, FrameScratch *fs) {
    col_set_str(pinfo->cinfo, COL_PROTOCOL, "DICOM");
    Build b{};
    b.tvb = tvb;
    b.pinfo = pinfo;
    b.tree = tree;
    b.fs = fs;
    b.rec = rec;
    b.last_ctx = -1;
    for (const Run *r = &rec->run; r; r = r->next) {
        b.run = r;
        const UnitRecord *units = r->units();
        for (guint16 i = 0; i < r->n; ++i) build_unit(b, units[i]);
        close_item(b);
    }
}
