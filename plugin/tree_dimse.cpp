/* A whole DIMSE message on the frame that completed it: the command set with a field for
 * each command element (PS3.7 E.1), then the data set, element by element (PS3.5). */
#include "dissect.h"
#include "records.h"

#include <epan/expert.h>

#include <string>
#include <vector>

#include "dictionary.hpp"
#include "fields.h"
#include "uids.hpp"
#include "values.hpp"

using dicom::Element;
using dicom::ElementKind;

namespace {

const char kMasked[] = "********";

bool is_patient_identifying(uint32_t tag, uint16_t vr) {
    if ((tag >> 16) == 0x0010) return true;
    if (vr == dicom::vr_code('P', 'N')) return true;
    switch (tag) {
    case 0x00080050: case 0x00080080: case 0x00080081: case 0x00080092: case 0x00081040:
        return true;
    }
    return false;
}

int key_field(uint32_t tag) {
    switch (tag) {
    case 0x00100020: return hf_key_patient_id;
    case 0x00100010: return hf_key_patient_name;
    case 0x0020000D: return hf_key_study_uid;
    case 0x0020000E: return hf_key_series_uid;
    case 0x00080018: return hf_key_sop_instance;
    case 0x00080016: return hf_sop_class_uid;
    case 0x00080060: return hf_key_modality;
    case 0x00080050: return hf_key_accession;
    case 0x00080020: return hf_key_study_date;
    case 0x00081030: return hf_key_study_description;
    case 0x0008103E: return hf_key_series_description;
    case 0x00080052: return hf_key_query_level;
    case 0x00080005: return hf_key_charset;
    }
    return -1;
}

/* Per data set walk: the character set in force and private creators seen so far. */
struct Creator {
    uint8_t depth;
    uint16_t group;
    uint8_t block;
    const char *text;
};

struct Walk {
    const PduContext *c;
    const dicom::DataSet *ds;
    dicom::Charset charset;
    bool big_endian;
    bool command; /* command set: command fields, no masking */
    const dicom::Command *cmd;
    Creator creators[32];
    unsigned n_creators;
};

/* Creator of the private block of `e` (gggg,xxyy), declared by (gggg,00xx) at the same level. */
const char *creator_of(const Walk &w, const Element &e) {
    const unsigned group = e.tag >> 16, elem = e.tag & 0xFFFF;
    if (!(group & 1) || elem < 0x1000) return NULL;
    for (unsigned i = w.n_creators; i-- > 0;) {
        const Creator &k = w.creators[i];
        if (k.depth == e.depth && k.group == group && k.block == (elem >> 8)) return k.text;
    }
    return NULL;
}

const char *vr_text(packet_info *pinfo, uint16_t vr) {
    return vr ? wmem_strdup_printf(pinfo->pool, "%c%c", vr >> 8, vr & 0xFF) : "";
}

int command_field(uint32_t tag) {
    switch (tag) {
    case dicom::kTagAffectedSopClass: return hf_dimse_affected_sop_class;
    case dicom::kTagRequestedSopClass: return hf_dimse_requested_sop_class;
    case dicom::kTagCommandField: return hf_dimse_command;
    case dicom::kTagMessageId: return hf_dimse_message_id;
    case dicom::kTagMessageIdRsp: return hf_dimse_message_id_rsp;
    case dicom::kTagMoveDestination: return hf_dimse_move_destination;
    case dicom::kTagPriority: return hf_dimse_priority;
    case dicom::kTagDataSetType: return hf_dimse_data_set_type;
    case dicom::kTagStatus: return hf_dimse_status;
    case dicom::kTagOffendingElement: return hf_dimse_offending_element;
    case dicom::kTagErrorComment: return hf_dimse_error_comment;
    case dicom::kTagErrorId: return hf_dimse_error_id;
    case dicom::kTagAffectedSopInstance: return hf_dimse_affected_sop_instance;
    case dicom::kTagRequestedSopInstance: return hf_dimse_requested_sop_instance;
    case dicom::kTagEventTypeId: return hf_dimse_event_type;
    case dicom::kTagActionTypeId: return hf_dimse_action_type;
    case dicom::kTagRemaining: return hf_dimse_remaining;
    case dicom::kTagCompleted: return hf_dimse_completed;
    case dicom::kTagFailed: return hf_dimse_failed;
    case dicom::kTagWarning: return hf_dimse_warning;
    case dicom::kTagMoveOriginatorAe: return hf_dimse_move_originator_ae;
    case dicom::kTagMoveOriginatorId: return hf_dimse_move_originator_id;
    }
    return -1;
}

/* The C++ value helpers return containers; these copy their results into pinfo->pool so
 * that the tree-building frames below hold nothing with a destructor. */
const char **text_values(packet_info *pinfo, uint16_t vr, std::string_view raw, dicom::Charset cs,
                         bool *raw_shown, unsigned *count) {
    *count = 0;
    try {
        std::vector<std::string_view> parts = dicom::split_values(vr, raw);
        const char **out = wmem_alloc_array(pinfo->pool, const char *, parts.size());
        for (std::string_view v : parts) {
            bool r = false;
            std::string u = dicom::to_utf8(v, cs, &r);
            *raw_shown |= r;
            out[(*count)++] = wmem_strdup(pinfo->pool, u.c_str());
        }
        return out;
    } catch (...) {
        *count = 0;
        return NULL;
    }
}

const dicom::Number *number_values(packet_info *pinfo, uint16_t vr, std::string_view raw, bool big, unsigned *count) {
    *count = 0;
    try {
        std::vector<dicom::Number> nums = dicom::decode_numbers(vr, raw, big);
        auto *out = wmem_alloc_array(pinfo->pool, dicom::Number, nums.size());
        for (const dicom::Number &n : nums) out[(*count)++] = n;
        return out;
    } catch (...) {
        *count = 0;
        return NULL;
    }
}

/* Values of one element as fields under `t`; returns display text for the element line. */
const char *add_values(const Walk &w, proto_tree *t, const Element &e) {
    packet_info *pinfo = w.c->pinfo;
    tvbuff_t *tvb = w.c->tvb;
    std::string_view raw = w.ds->value(e);
    const bool mask = !w.command && dicom_prefs.mask_patient && is_patient_identifying(e.tag, e.vr);
    const int specific = w.command ? command_field(e.tag) : -1;
    const int key = w.command ? -1 : key_field(e.tag);
    wmem_strbuf_t *shown = wmem_strbuf_new(pinfo->pool, "");
    if (dicom::vr_is_text(e.vr)) {
        bool raw_shown = false;
        unsigned n = 0;
        const dicom::Charset cs = e.vr == dicom::vr_code('U', 'I') ? dicom::Charset::Default : w.charset;
        const char **values = text_values(pinfo, e.vr, raw, cs, &raw_shown, &n);
        for (unsigned i = 0; i < n; ++i) {
            const char *text = mask ? kMasked : values[i];
            if (wmem_strbuf_get_len(shown)) wmem_strbuf_append_c(shown, '\\');
            wmem_strbuf_append(shown, text);
            if (specific >= 0) {
                proto_tree_add_string(t, specific, tvb, 0, 0, text);
                if (e.tag == dicom::kTagAffectedSopClass || e.tag == dicom::kTagRequestedSopClass)
                    proto_item_set_hidden(proto_tree_add_string(t, hf_sop_class_uid, tvb, 0, 0, text));
                if (e.tag == dicom::kTagAffectedSopInstance || e.tag == dicom::kTagRequestedSopInstance)
                    proto_item_set_hidden(proto_tree_add_string(t, hf_key_sop_instance, tvb, 0, 0, text));
                if (e.tag == dicom::kTagMoveDestination || e.tag == dicom::kTagMoveOriginatorAe)
                    proto_item_set_hidden(proto_tree_add_string(t, hf_value_string, tvb, 0, 0, text));
            } else {
                proto_item_set_hidden(proto_tree_add_string(t, hf_value_string, tvb, 0, 0, text));
                if (key >= 0) proto_item_set_hidden(proto_tree_add_string(t, key, tvb, 0, 0, text));
            }
        }
        if (raw_shown) expert_add_info(pinfo, t, &ei_charset_raw);
        return wmem_strbuf_get_str(shown);
    }
    if (dicom::vr_number_size(e.vr)) {
        unsigned count = 0;
        const dicom::Number *nums = number_values(pinfo, e.vr, raw, w.big_endian, &count);
        for (unsigned k = 0; k < count; ++k) {
            const dicom::Number &n = nums[k];
            if (wmem_strbuf_get_len(shown)) wmem_strbuf_append_c(shown, '\\');
            switch (n.kind) {
            case dicom::Number::Unsigned:
                if (w.command && e.tag == dicom::kTagCommandField) {
                    const char *name = dicom::code_name(dicom::kCommandFields, uint32_t(n.u));
                    wmem_strbuf_append_printf(shown, "0x%04X (%s)", unsigned(n.u), name ? name : "unknown");
                } else if (w.command && e.tag == dicom::kTagStatus) {
                    const char *meaning = w.cmd ? dicom::status_meaning(uint16_t(n.u), w.cmd->field) : NULL;
                    wmem_strbuf_append_printf(shown, "0x%04X (%s)", unsigned(n.u), meaning ? meaning : "no meaning defined");
                } else if (w.command && e.tag == dicom::kTagDataSetType) {
                    wmem_strbuf_append_printf(shown, "0x%04X (%s)", unsigned(n.u), n.u == 0x0101 ? "no data set" : "data set follows");
                } else if (w.command && e.tag == dicom::kTagPriority) {
                    const char *name = dicom::code_name(dicom::kPriorities, uint32_t(n.u));
                    wmem_strbuf_append_printf(shown, "%u (%s)", unsigned(n.u), name ? name : "unknown");
                } else {
                    wmem_strbuf_append_printf(shown, "%" G_GUINT64_FORMAT, n.u);
                }
                if (specific == hf_dimse_status && w.cmd) {
                    const char *meaning = dicom::status_meaning(uint16_t(n.u), w.cmd->field);
                    proto_tree_add_uint_format_value(t, specific, tvb, 0, 0, (guint32)n.u, "0x%04X %s", (unsigned)n.u,
                                                     meaning ? meaning : "(no meaning defined)");
                } else if (specific >= 0) {
                    proto_tree_add_uint(t, specific, tvb, 0, 0, (guint32)n.u);
                } else {
                    proto_item_set_hidden(proto_tree_add_uint64(t, hf_value_uint, tvb, 0, 0, n.u));
                }
                break;
            case dicom::Number::Signed:
                wmem_strbuf_append_printf(shown, "%" G_GINT64_FORMAT, n.i);
                proto_item_set_hidden(proto_tree_add_int64(t, hf_value_int, tvb, 0, 0, n.i));
                break;
            case dicom::Number::Float:
                wmem_strbuf_append_printf(shown, "%g", n.f);
                proto_item_set_hidden(proto_tree_add_double(t, hf_value_float, tvb, 0, 0, n.f));
                break;
            case dicom::Number::Tag:
                wmem_strbuf_append_printf(shown, "(%04X,%04X)", (unsigned)(n.u >> 16), (unsigned)(n.u & 0xFFFF));
                proto_item_set_hidden(proto_tree_add_uint(t, specific >= 0 ? specific : hf_value_tag, tvb, 0, 0, (guint32)n.u));
                break;
            }
        }
        if (e.truncated) wmem_strbuf_append(shown, "\\...");
        return wmem_strbuf_get_str(shown);
    }
    /* OB, OW, OF, OD, OL, OV, UN: a prefix at most */
    if (e.value_len)
        proto_item_set_hidden(proto_tree_add_bytes(t, hf_value_bytes, tvb, 0, 0, (const guint8 *)raw.data()));
    return e.length == dicom::kUndefinedLength ? "" : wmem_strdup_printf(pinfo->pool, "%u bytes", e.length);
}

proto_item *add_element(Walk &w, proto_tree **stack, const Element &e) {
    packet_info *pinfo = w.c->pinfo;
    tvbuff_t *tvb = w.c->tvb;
    proto_tree *parent = stack[e.depth];
    const unsigned group = e.tag >> 16, elem = e.tag & 0xFFFF;
    switch (e.kind) {
    case ElementKind::Item: {
        proto_item *it = proto_tree_add_uint_format(parent, hf_tag, tvb, 0, 0, e.tag, "Item (%s)",
            e.length == dicom::kUndefinedLength ? "undefined length" : wmem_strdup_printf(pinfo->pool, "%u bytes", e.length));
        stack[e.depth + 1] = proto_item_add_subtree(it, ett_element);
        return it;
    }
    case ElementKind::ItemEnd:
    case ElementKind::SequenceEnd:
        return proto_tree_add_uint_format(parent, hf_tag, tvb, 0, 0, e.tag, "%s",
                                          e.kind == ElementKind::ItemEnd ? "Item Delimitation Item" : "Sequence Delimitation Item");
    case ElementKind::Fragment: /* the first item of encapsulated pixel data is the offset table */
        return proto_tree_add_uint_format(parent, hf_tag, tvb, 0, 0, e.tag, "%s: %u bytes at data set offset %" G_GUINT64_FORMAT,
                                          (&e)[-1].kind == ElementKind::Sequence ? "Basic Offset Table" : "Fragment",
                                          e.length, e.value_offset());
    default:
        break;
    }
    const dicom::DictEntry *d = dicom::find_tag(e.tag);
    const char *name;
    if (d) name = d->name;
    else if (group & 1) name = elem == 0 ? "Private Group Length" : (elem >= 0x10 && elem <= 0xFF) ? "Private Creator" : "Private Element";
    else name = elem == 0 ? "Group Length" : "Unknown Element";
    proto_item *it = proto_tree_add_uint(parent, hf_tag, tvb, 0, 0, e.tag);
    proto_tree *t = proto_item_add_subtree(it, ett_element);
    proto_item_set_hidden(proto_tree_add_string(t, hf_tag_vr, tvb, 0, 0, vr_text(pinfo, e.vr)));
    proto_item_set_hidden(proto_tree_add_uint(t, hf_tag_vl, tvb, 0, 0, e.length));
    if (const char *creator = creator_of(w, e)) {
        proto_tree_add_string(t, hf_private_creator, tvb, 0, 0, creator);
        name = wmem_strdup_printf(pinfo->pool, "Private Element of \"%s\"", creator);
    }
    if (e.kind == ElementKind::Sequence) {
        proto_item_set_text(it, "(%04X,%04X) %s %s%s", group, elem, name, vr_text(pinfo, e.vr),
                            e.tag == 0x7FE00010 ? " (encapsulated: basic offset table, then one item per fragment)" : "");
        stack[e.depth + 1] = t;
        return it;
    }
    const char *shown = add_values(w, t, e);
    if ((group & 1) && elem >= 0x10 && elem <= 0xFF && w.n_creators < G_N_ELEMENTS(w.creators))
        w.creators[w.n_creators++] = Creator{e.depth, (uint16_t)group, (uint8_t)elem, shown};
    proto_item_set_text(it, "(%04X,%04X) %s %s [%u]: %s%s", group, elem, name, vr_text(pinfo, e.vr), e.length,
                        shown, e.truncated && dicom::vr_is_text(e.vr) ? " [...]" : "");
    return it;
}

/* Whether element items under `t` can be seen or filtered on. A tree that exists only so
 * that other fields can be read (a postdissector's, a filter's) need not hold them: the
 * values are decoded for nothing otherwise, for every message. */
bool elements_wanted(proto_tree *t, bool command) {
    if (!t) return false;
    if (PTREE_DATA(t)->visible) return true;
    static const int *const data_fields[] = {&hf_tag, &hf_tag_vr, &hf_tag_vl, &hf_value_string, &hf_value_uint,
        &hf_value_int, &hf_value_float, &hf_value_tag, &hf_value_bytes, &hf_private_creator, &hf_key_patient_id,
        &hf_key_patient_name, &hf_key_study_uid, &hf_key_series_uid, &hf_key_sop_instance, &hf_sop_class_uid,
        &hf_key_modality, &hf_key_accession, &hf_key_study_date, &hf_key_study_description,
        &hf_key_series_description, &hf_key_query_level, &hf_key_charset};
    static const int *const command_fields[] = {&hf_tag, &hf_tag_vr, &hf_tag_vl, &hf_value_string, &hf_value_uint,
        &hf_value_tag, &hf_sop_class_uid, &hf_key_sop_instance, &hf_dimse_command, &hf_dimse_message_id,
        &hf_dimse_message_id_rsp, &hf_dimse_affected_sop_class, &hf_dimse_requested_sop_class,
        &hf_dimse_affected_sop_instance, &hf_dimse_requested_sop_instance, &hf_dimse_priority,
        &hf_dimse_data_set_type, &hf_dimse_move_destination, &hf_dimse_move_originator_ae,
        &hf_dimse_move_originator_id, &hf_dimse_remaining, &hf_dimse_completed, &hf_dimse_failed,
        &hf_dimse_warning, &hf_dimse_status, &hf_dimse_error_comment, &hf_dimse_offending_element,
        &hf_dimse_error_id, &hf_dimse_event_type, &hf_dimse_action_type};
    if (command) {
        for (const int *hf : command_fields)
            if (proto_field_is_referenced(t, *hf)) return true;
    } else {
        for (const int *hf : data_fields)
            if (proto_field_is_referenced(t, *hf)) return true;
    }
    return false;
}

void add_dataset(const PduContext &c, proto_tree *t, const dicom::DataSet &ds, bool command,
                 const dicom::Command *cmd) {
    if (!elements_wanted(t, command)) { /* the findings still count, as expert infos */
        for (const dicom::DataSetFinding &f : ds.findings)
            proto_tree_add_expert(t, c.pinfo, &ei_problem[(int)f.what], c.tvb, 0, 0);
        return;
    }
    Walk w{&c, &ds, dicom::Charset::Default, ds.syntax.big_endian, command, cmd, {}, 0};
    proto_tree *stack[64] = {t};
    /* Each element's tree item, so that a finding lands on the element it is about. */
    proto_item **items = wmem_alloc0_array(c.pinfo->pool, proto_item *, ds.elements.size() + 1);
    for (size_t i = 0; i < ds.elements.size(); ++i) {
        const Element &e = ds.elements[i];
        if (e.depth >= 62 || !stack[e.depth]) continue;
        if (e.depth == 0 && e.tag == 0x00080005 && e.kind == ElementKind::Value)
            w.charset = dicom::charset_from(ds.value(e));
        items[i] = add_element(w, stack, e);
    }
    for (const dicom::DataSetFinding &f : ds.findings) {
        proto_item *anchor = f.element < ds.elements.size() ? items[f.element] : NULL;
        if (anchor)
            expert_add_info(c.pinfo, anchor, &ei_problem[(int)f.what]);
        else
            proto_tree_add_expert(t, c.pinfo, &ei_problem[(int)f.what], c.tvb, 0, 0);
    }
    if (ds.parsed_to < ds.size)
        proto_tree_add_uint64_format(t, hf_dimse_data_set_size, c.tvb, 0, 0, ds.size - ds.parsed_to,
                                     "Not parsed: %" G_GUINT64_FORMAT " bytes from offset %" G_GUINT64_FORMAT,
                                     ds.size - ds.parsed_to, ds.parsed_to);
}

const char *command_label(const dicom::Command &cmd) {
    const char *n = dicom::code_name(dicom::kCommandFields, cmd.field);
    return n ? n : "Unknown command";
}

/* Failure and warning statuses get the diagnosis' expert infos (failure_status, warning_status). */
void add_status(const PduContext &c, proto_tree *t, const dicom::Command &cmd) {
    dicom::StatusCategory cat = dicom::status_category(cmd.status);
    const char *cat_name = dicom::code_name(dicom::kStatusCategories, (uint32_t)cat);
    proto_item_set_generated(proto_tree_add_string(t, hf_dimse_status_category, c.tvb, 0, 0, cat_name));
}

} // namespace

static const char *summary_text(const PduContext &c, const dicom::Message &m, bool complete);

const char *message_summary(const PduContext &c, const dicom::Message &m, bool complete) {
    const char *text = summary_text(c, m, complete);
    if (!complete || !m.incomplete()) return text;
    return wmem_strdup_printf(c.pinfo->pool, "%s [incomplete: bytes missing from the capture]", text);
}

static const char *summary_text(const PduContext &c, const dicom::Message &m, bool complete) {
    packet_info *pinfo = c.pinfo;
    const dicom::Command &cmd = m.command;
    if (!cmd.valid)
        return m.command_fragments ? "DIMSE message without a valid command"
               : m.incomplete() && m.damage->gap ? "Data set whose command was lost in a capture gap"
                                  : "Data set whose command is not in the capture";
    if (dicom::is_response(cmd.field)) {
        dicom::StatusCategory cat = dicom::status_category(cmd.status);
        const char *cat_name = dicom::code_name(dicom::kStatusCategories, (uint32_t)cat);
        wmem_strbuf_t *b = wmem_strbuf_new(pinfo->pool, "");
        wmem_strbuf_append_printf(b, "%s id=%u %s", command_label(cmd), cmd.message_id_rsp, cat_name);
        if (cat != dicom::StatusCategory::Success) {
            const char *meaning = dicom::status_meaning(cmd.status, cmd.field);
            wmem_strbuf_append_printf(b, " 0x%04X%s%s", cmd.status, meaning ? " " : "", meaning ? meaning : "");
        }
        if (cmd.has_suboperations) { /* only the counters the response carries */
            const char *sep = " (";
            const struct { bool has; const char *name; unsigned v; } counters[] = {
                {cmd.has_remaining, "remaining", cmd.remaining}, {cmd.has_completed, "completed", cmd.completed},
                {cmd.has_failed, "failed", cmd.failed}, {cmd.has_warning, "warning", cmd.warning}};
            for (const auto &k : counters) {
                if (!k.has) continue;
                wmem_strbuf_append_printf(b, "%s%s %u", sep, k.name, k.v);
                sep = ", ";
            }
            wmem_strbuf_append(b, ")");
        }
        return wmem_strbuf_get_str(b);
    }
    wmem_strbuf_t *b = wmem_strbuf_new(pinfo->pool, "");
    if (cmd.field == dicom::kCCancelRq) { /* names the request it cancels */
        wmem_strbuf_append_printf(b, "C-CANCEL-RQ for id=%u", cmd.message_id_rsp);
        if (m.request && m.request->final_response && m.request->final_response->complete_frame < m.complete_frame)
            wmem_strbuf_append(b, " (after the final response)");
        return wmem_strbuf_get_str(b);
    }
    wmem_strbuf_append_printf(b, "%s id=%u", command_label(cmd), cmd.message_id);
    if (!cmd.sop_class().empty()) wmem_strbuf_append_printf(b, " %s", uid_label(pinfo, cmd.sop_class()));
    if (!cmd.sop_instance().empty()) wmem_strbuf_append_printf(b, " %s", cmd.sop_instance().c_str());
    if (!cmd.move_destination.empty()) wmem_strbuf_append_printf(b, " to %s", cmd.move_destination.c_str());
    if (complete && m.has_data) {
        if (const Element *level = m.data_set.find(0x00080052))
            wmem_strbuf_append_printf(b, " level=%s", g_strstrip(dicom_format_text(pinfo->pool, m.data_set.value(*level).data(),
                                                                                    m.data_set.value(*level).size())));
    }
    return wmem_strbuf_get_str(b);
}

void tree_pdv_message_link(const PduContext &c, proto_tree *pdv_tree, const dicom::Message &m, guint8 bits,
                           guint32 walked_in) {
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
    if (d.gap)
        wmem_strbuf_append_printf(b, "%sa capture gap of %" G_GUINT64_FORMAT " bytes hit PDU or PDV headers while it was sent",
                                  wmem_strbuf_get_len(b) ? "; " : "", d.gap_bytes);
    if (d.closed) wmem_strbuf_append_printf(b, "%sits last fragment is not in the capture", wmem_strbuf_get_len(b) ? "; " : "");
    expert_add_info_format(c.pinfo, anchor, &ei_problem[(int)dicom::Problem::BytesMissing],
                           "%s incomplete: %s (a capture gap, not an error of the peers)",
                           m.command.valid ? command_label(m.command) : "DIMSE message", wmem_strbuf_get_str(b));
    const bool exportable = m.has_data && (m.command.field == dicom::kCStoreRq || dicom_prefs.export_all);
    if (exportable && !dicom_prefs.export_incomplete)
        expert_add_info(c.pinfo, anchor, &ei_not_exported);
}

void tree_dimse_message(const PduContext &c, const dicom::Message &m) {
    proto_item *ti = proto_tree_add_item(c.tree, hf_dimse, c.tvb, 0, 0, ENC_NA);
    proto_item_set_text(ti, "DIMSE %s", message_summary(c, m, true));
    proto_tree *t = proto_item_add_subtree(ti, ett_dimse);
    proto_tree *ft = proto_tree_add_subtree_format(t, c.tvb, 0, 0, ett_fragments, NULL,
                                                   "%u fragment%s in %u frame%s", m.command_fragments + m.data_fragments,
                                                   m.command_fragments + m.data_fragments == 1 ? "" : "s",
                                                   (unsigned)m.frames.size(), m.frames.size() == 1 ? "" : "s");
    proto_item_set_generated(proto_tree_add_uint(ft, hf_dimse_fragment_count, c.tvb, 0, 0,
                                                 m.command_fragments + m.data_fragments));
    for (size_t i = 0; i < m.frames.size() && i < 1000; ++i)
        proto_item_set_generated(proto_tree_add_uint(ft, hf_dimse_fragment, c.tvb, 0, 0, m.frames[i]));
    proto_tree *ct = proto_tree_add_subtree_format(t, c.tvb, 0, 0, ett_command, NULL, "Command Set (%u elements)",
                                                   (unsigned)m.command_set.elements.size());
    add_dataset(c, ct, m.command_set, true, &m.command);
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
        expert_add_info_format(c.pinfo, dt, &ei_inferred, "Transfer syntax inferred from the data (%s): the "
                               "association set-up is not in the capture", uid_label(c.pinfo, m.transfer_syntax));
    add_dataset(c, dt, m.data_set, false, NULL);
}
