/* A whole DIMSE message on the frame that completed it: the command set with a field for
 * each command element (PS3.7 E.1), then the data set (tree_dataset.h); and the links from
 * each PDV to its message. */
#include "view/tree_dimse.h"

#include <epan/expert.h>

#include "fields.h"
#include "prefs.h"
#include "model/records.h"
#include "session/association.hpp"
#include "view/tree_dataset.h"
#include "view/info.h"
#include "view/tree_timing.h"

using dicom::Element;

namespace {

const char *command_label(const dicom::Command &cmd) {
    const char *n = dicom::code_name(dicom::kCommandFields, cmd.field);
    return n ? n : "Unknown command";
}

/* The status's category and its meaning in words (the profile's Status column); failure and
 * warning statuses get the diagnosis' expert infos (failure_status, warning_status). */
void add_status(const PduContext &c, proto_tree *t, const dicom::Command &cmd) {
    dicom::StatusCategory cat = dicom::status_category(cmd.status);
    const char *cat_name = dicom::code_name(dicom::kStatusCategories, (uint32_t)cat);
    proto_item_set_generated(proto_tree_add_string(t, hf_dimse_status_category, c.tvb, 0, 0, cat_name));
    proto_item_set_generated(proto_tree_add_string(t, hf_dimse_status_meaning, c.tvb, 0, 0,
                                                   dicom::status_text(cmd.status, cmd.field).c_str()));
}

} // namespace

static const char *summary_text(const PduContext &c, const dicom::Message &m, bool complete);

const char *message_summary(const PduContext &c, const dicom::Message &m, bool complete) {
    const char *text = summary_text(c, m, complete);
    if (!complete || !m.incomplete()) return text;
    return wmem_strdup_printf(c.pinfo->pool, "%s [incomplete: bytes missing from the capture]", text);
}

/* wmem_strbuf_append of a number in decimal, or of a 16-bit value as 0xHHHH: the summary is made
 * for every message, and printf costs more than the rest of it. */
static void append_decimal(wmem_strbuf_t *b, guint64 v) {
    char digits[24];
    *put_decimal(digits, v) = '\0';
    wmem_strbuf_append(b, digits);
}

static void append_hex16(wmem_strbuf_t *b, guint16 v) {
    static const char hex[] = "0123456789ABCDEF";
    const char text[7] = {'0', 'x', hex[v >> 12], hex[(v >> 8) & 15], hex[(v >> 4) & 15], hex[v & 15], '\0'};
    wmem_strbuf_append(b, text);
}

/* "C-FIND-RSP id=3 Pending (remaining 2, completed 5)", "C-STORE-RSP id=1 Warning 0xB000 ..." */
static const char *response_summary(packet_info *pinfo, const dicom::Command &cmd) {
    dicom::StatusCategory cat = dicom::status_category(cmd.status);
    wmem_strbuf_t *b = wmem_strbuf_new(pinfo->pool, command_label(cmd));
    wmem_strbuf_append(b, " id=");
    append_decimal(b, cmd.message_id_rsp);
    wmem_strbuf_append_c(b, ' ');
    const char *cat_name = dicom::code_name(dicom::kStatusCategories, (uint32_t)cat);
    wmem_strbuf_append(b, cat_name ? cat_name : "(null)");
    if (cat != dicom::StatusCategory::Success) {
        wmem_strbuf_append_c(b, ' ');
        append_hex16(b, cmd.status);
        if (const char *meaning = dicom::status_meaning(cmd.status, cmd.field)) {
            wmem_strbuf_append_c(b, ' ');
            wmem_strbuf_append(b, meaning);
        }
    }
    if (cmd.has_suboperations) { /* only the counters the response carries */
        const char *sep = " (";
        const struct { bool has; const char *name; unsigned v; } counters[] = {
            {cmd.has_remaining, "remaining", cmd.remaining}, {cmd.has_completed, "completed", cmd.completed},
            {cmd.has_failed, "failed", cmd.failed}, {cmd.has_warning, "warning", cmd.warning}};
        for (const auto &k : counters) {
            if (!k.has) continue;
            wmem_strbuf_append(b, sep);
            wmem_strbuf_append(b, k.name);
            wmem_strbuf_append_c(b, ' ');
            append_decimal(b, k.v);
            sep = ", ";
        }
        wmem_strbuf_append(b, ")");
    }
    return wmem_strbuf_get_str(b);
}

static const char *summary_text(const PduContext &c, const dicom::Message &m, bool complete) {
    packet_info *pinfo = c.pinfo;
    const dicom::Command &cmd = m.command;
    if (!cmd.valid)
        return m.command_fragments ? "DIMSE message without a valid command"
               : m.incomplete() && m.damage->gap && m.damage->gap_bytes ? "Data set whose command was lost in a capture gap"
                                  : "Data set whose command is not in the capture";
    if (dicom::is_response(cmd.field)) return response_summary(pinfo, cmd);
    wmem_strbuf_t *b = wmem_strbuf_new(pinfo->pool, "");
    if (cmd.field == dicom::kCCancelRq) { /* names the request it cancels */
        wmem_strbuf_append(b, "C-CANCEL-RQ for id=");
        append_decimal(b, cmd.message_id_rsp);
        if (m.request && m.request->final_response && m.request->final_response->complete_frame < m.complete_frame)
            wmem_strbuf_append(b, " (after the final response)");
        return wmem_strbuf_get_str(b);
    }
    wmem_strbuf_append(b, command_label(cmd));
    wmem_strbuf_append(b, " id=");
    append_decimal(b, cmd.message_id);
    const struct { bool has; const char *prefix; const char *text; } parts[] = {
        {!cmd.sop_class().empty(), " ", cmd.sop_class().empty() ? "" : uid_label(pinfo, cmd.sop_class())},
        {!cmd.sop_instance().empty(), " ", cmd.sop_instance().c_str()},
        {!cmd.move_destination().empty(), " to ", cmd.move_destination().c_str()}};
    for (const auto &p : parts) {
        if (!p.has) continue;
        wmem_strbuf_append(b, p.prefix);
        wmem_strbuf_append(b, p.text);
    }
    if (complete && m.has_data) {
        if (const Element *level = m.data_set.find(0x00080052)) {
            wmem_strbuf_append(b, " level=");
            wmem_strbuf_append(b, g_strstrip(dicom_format_text(pinfo->pool, m.data_set.value(*level).data(),
                                                               m.data_set.value(*level).size())));
        }
    }
    return wmem_strbuf_get_str(b);
}

void tree_pdv_message_link(const PduContext &c, proto_tree *pdv_tree, const dicom::Message &m, guint8 bits,
                           guint32 walked_in) {
    if (!pdv_tree) return;
    proto_item_set_generated(proto_tree_add_uint(pdv_tree, hf_pdv_message, c.tvb, 0, 0, m.index));
    /* which DIMSE message, on every frame that carries a piece of it once its command is known
     * (the same on every pass): a filter on the message finds all of its frames */
    if (m.command.valid && m.command_frame && m.command_frame <= walked_in) {
        proto_item_set_generated(proto_tree_add_uint(pdv_tree, hf_message_command, c.tvb, 0, 0, m.command.field));
        const bool rsp = dicom::is_response(m.command.field);
        if (rsp ? m.command.has_message_id_rsp : m.command.has_message_id)
            proto_item_set_generated(proto_tree_add_uint(pdv_tree, hf_message_id, c.tvb, 0, 0,
                                                         rsp ? m.command.message_id_rsp : m.command.message_id));
    }
    const bool here = walked_in == c.pinfo->num;
    if ((bits & kUnitCommandDone) && !(bits & kUnitMessageDone) && here) /* the whole message is shown where it completes */
        proto_tree_add_subtree_format(pdv_tree, c.tvb, 0, 0, ett_dimse, NULL, "[Command complete: %s; data set follows]",
                                      message_summary(c, m, false));
    if (m.complete_frame && !((bits & kUnitMessageDone) && here))
        proto_item_set_generated(proto_tree_add_uint(pdv_tree, hf_pdv_completed_in, c.tvb, 0, 0, m.complete_frame));
}

/* "1448 bytes missing from the capture (data set offset 123456)" */
static void add_missing(const PduContext &c, proto_tree *t, proto_item *anchor, const dicom::Message &m) {
    const dicom::CaptureDamage &d = *m.damage;
    proto_item_set_generated(proto_tree_add_boolean(t, hf_dimse_incomplete, c.tvb, 0, 0, TRUE));
    if (d.bytes_missing)
        proto_item_set_generated(proto_tree_add_uint64(t, hf_dimse_bytes_missing, c.tvb, 0, 0, d.bytes_missing));
    wmem_strbuf_t *b = wmem_strbuf_new(c.pinfo->pool, "");
    if (d.bytes_missing) {
        wmem_strbuf_append_printf(b, "%" G_GUINT64_FORMAT " bytes missing from the capture", d.bytes_missing);
        if (d.first_missing != ~uint64_t(0))
            wmem_strbuf_append_printf(b, " (first at data set offset %" G_GUINT64_FORMAT ")", d.first_missing);
    }
    if (d.gap && d.gap_bytes)
        wmem_strbuf_append_printf(b, "%sa capture gap of %" G_GUINT64_FORMAT " bytes hit PDU or PDV headers while it was sent",
                                  wmem_strbuf_get_len(b) ? "; " : "", d.gap_bytes);
    else if (d.gap) /* no bytes lost: the capture began after its start */
        wmem_strbuf_append_printf(b, "%sthe capture started after it began", wmem_strbuf_get_len(b) ? "; " : "");
    if (d.closed) wmem_strbuf_append_printf(b, "%sits last fragment is not in the capture", wmem_strbuf_get_len(b) ? "; " : "");
    const char *what = m.command.valid ? command_label(m.command) : "DIMSE message";
    dicom_expert_explained(c.pinfo, c.tvb, anchor, &ei_problem[(int)dicom::Problem::BytesMissing],
                           wmem_strdup_printf(c.pinfo->pool, "%s incomplete: bytes missing from the capture (not an "
                                              "error of the peers)", what),
                           wmem_strdup_printf(c.pinfo->pool, "%s incomplete: %s (a capture gap, not an error of the peers)",
                                              what, wmem_strbuf_get_str(b)));
    const bool exportable = m.has_data && (m.command.field == dicom::kCStoreRq || dicom_prefs.export_all);
    if (exportable && !dicom_prefs.export_incomplete)
        expert_add_info(c.pinfo, anchor, &ei_not_exported);
}

static void show_command_set(const PduContext &c, proto_tree *t, const dicom::Message &m, const dicom::DataSet &cs) {
    proto_tree *ct = proto_tree_add_subtree_format(t, c.tvb, 0, 0, ett_command, NULL, "Command Set (%u elements)",
                                                   (unsigned)cs.elements.size());
    add_dataset(c, ct, cs, true, &m.command, m.command_bytes, "Command Set");
}

/* The command set's elements: a whole one parsed again from its bytes (only when they can be
 * seen or filtered on: else its findings are enough), a damaged one as the first pass read it. */
static void add_command_set(const PduContext &c, proto_tree *t, const dicom::Message &m) {
    static const dicom::DataSet no_command; /* data that came without its command */
    if (m.command_bytes.empty()) {
        show_command_set(c, t, m, m.damage ? m.damage->command_set : no_command);
        return;
    }
    if (!elements_wanted(t, true)) {
        proto_tree *ct = proto_tree_add_subtree(t, c.tvb, 0, 0, ett_command, NULL, "Command Set");
        for (const dicom::DataSetFinding &f : m.command_findings)
            proto_tree_add_expert(ct, c.pinfo, &ei_problem[(int)f.what], c.tvb, 0, 0);
        return;
    }
    auto *cs = parse_noexcept<dicom::DataSet>([&](dicom::DataSet &d) {
        dicom::ChunkedBytes bytes;
        bytes.append(reinterpret_cast<const uint8_t *>(m.command_bytes.data()), m.command_bytes.size());
        dicom::parse_dataset(bytes, dicom::Syntax{}, d);
    });
    if (cs) build_then_free(cs, [&](const dicom::DataSet &d) { show_command_set(c, t, m, d); });
}

void tree_dimse_message(const PduContext &c, const dicom::Message &m, const char *summary) {
    proto_item *ti = proto_tree_add_item(c.tree, hf_dimse, c.tvb, 0, 0, ENC_NA);
    proto_item_set_text(ti, "DIMSE %s", summary);
    proto_tree *t = proto_item_add_subtree(ti, ett_dimse);
    proto_tree *ft = proto_tree_add_subtree_format(t, c.tvb, 0, 0, ett_fragments, NULL,
                                                   "%u fragment%s in %u frame%s", m.command_fragments + m.data_fragments,
                                                   m.command_fragments + m.data_fragments == 1 ? "" : "s",
                                                   (unsigned)m.frames.size(), m.frames.size() == 1 ? "" : "s");
    proto_item_set_generated(proto_tree_add_uint(ft, hf_dimse_fragment_count, c.tvb, 0, 0,
                                                 m.command_fragments + m.data_fragments));
    for (size_t i = 0; i < m.frames.size() && i < 1000; ++i)
        proto_item_set_generated(proto_tree_add_uint(ft, hf_dimse_fragment, c.tvb, 0, 0, m.frames[i]));
    add_command_set(c, t, m);
    if (m.command.valid) /* the operation a request and its responses share: filters and the SRT rows */
        proto_item_set_hidden(proto_tree_add_uint(t, hf_dimse_operation, c.tvb, 0, 0, m.command.field & 0x7FFF));
    tree_message_timing(c, t, m);
    if (m.command.valid && dicom::is_response(m.command.field) && m.command.has_status)
        add_status(c, t, m.command);
    if (m.incomplete()) add_missing(c, t, ti, m);
    for (dicom::Problem p : m.problems)
        if (p != dicom::Problem::BytesMissing) proto_tree_add_expert(t, c.pinfo, &ei_problem[(int)p], c.tvb, 0, 0);
    if (!m.has_data) return;
    proto_item *sz = proto_tree_add_uint64(t, hf_dimse_data_set_size, c.tvb, 0, 0, m.data_size);
    proto_item_set_generated(sz);
    proto_tree *dt = proto_tree_add_subtree_format(t, c.tvb, 0, 0, ett_dataset, NULL,
                                                   "Data Set (%u elements, %s)", (unsigned)m.data_set.elements.size(),
                                                   uid_label(c.pinfo, m.transfer_syntax));
    if (m.syntax_inferred)
        dicom_expert_explained(c.pinfo, c.tvb, dt, &ei_inferred,
                               wmem_strdup_printf(c.pinfo->pool, "Transfer syntax inferred from the data: %s",
                                                  uid_label(c.pinfo, m.transfer_syntax)),
                               wmem_strdup_printf(c.pinfo->pool, "Transfer syntax inferred from the data (%s): the "
                                                  "association set-up is not in the capture",
                                                  uid_label(c.pinfo, m.transfer_syntax)));
    add_dataset(c, dt, m.data_set, false, NULL, m.data_set_bytes,
                dicom::syntax_for(m.transfer_syntax).deflated ? "Data Set (inflated)" : "Data Set");
}
