/* A command set or data set, element by element (PS3.5): each element with its tag, VR,
 * length and values, over its bytes when the message kept them. */
#include "view/tree_dataset.h"

#include <epan/expert.h>

#include <string>
#include <vector>

#include "dataset/charset.hpp"
#include "dataset/dictionary.hpp"
#include "dataset/values.hpp"
#include "dimse/dimse.hpp"
#include "fields.h"
#include "prefs.h"

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
    dicom::CharsetScope charsets;
    const dicom::SpecificCharacterSet *charset; /* the one that applies to the element being added */
    bool big_endian;
    bool command; /* command set: command fields, no masking */
    const dicom::Command *cmd;
    tvbuff_t *bytes;       /* the set's kept bytes as a data source, or NULL */
    proto_item *open[64];  /* undefined-length sequences and items by depth: their delimiter ends them */
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
const char **text_values(packet_info *pinfo, uint16_t vr, std::string_view raw, const dicom::SpecificCharacterSet &cs,
                         bool *raw_shown, unsigned *count) {
    *count = 0;
    try {
        std::vector<std::string> parts = dicom::decode_values(vr, raw, cs, raw_shown);
        const char **out = wmem_alloc_array(pinfo->pool, const char *, parts.size());
        for (const std::string &u : parts) out[(*count)++] = wmem_strdup(pinfo->pool, u.c_str());
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

/* An element's values, decoded once for its tree line and for its fields. */
struct ElementValues {
    const char **text = NULL;          /* text VRs: each value in UTF-8 (masked when the preference says so) */
    const dicom::Number *nums = NULL;  /* numeric VRs */
    unsigned n = 0;
    bool undecodable = false;          /* text that its character set does not explain */
    const char *shown = "";            /* the values as the element's line shows them */
};

ElementValues read_values(const Walk &w, const Element &e) {
    packet_info *pinfo = w.c->pinfo;
    std::string_view raw = w.ds->value(e);
    ElementValues v;
    wmem_strbuf_t *shown = wmem_strbuf_new(pinfo->pool, "");
    if (dicom::vr_is_text(e.vr)) {
        v.text = text_values(pinfo, e.vr, raw, *w.charset, &v.undecodable, &v.n);
        const bool mask = !w.command && dicom_prefs.mask_patient && is_patient_identifying(e.tag, e.vr);
        for (unsigned i = 0; i < v.n; ++i) {
            if (mask) v.text[i] = kMasked;
            if (i) wmem_strbuf_append_c(shown, '\\');
            wmem_strbuf_append(shown, v.text[i]);
        }
        v.shown = wmem_strbuf_get_str(shown);
        return v;
    }
    if (dicom::vr_number_size(e.vr)) {
        v.nums = number_values(pinfo, e.vr, raw, w.big_endian, &v.n);
        for (unsigned k = 0; k < v.n; ++k) {
            const dicom::Number &n = v.nums[k];
            if (k) wmem_strbuf_append_c(shown, '\\');
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
                break;
            case dicom::Number::Signed: wmem_strbuf_append_printf(shown, "%" G_GINT64_FORMAT, n.i); break;
            case dicom::Number::Float: wmem_strbuf_append_printf(shown, "%g", n.f); break;
            case dicom::Number::Tag:
                wmem_strbuf_append_printf(shown, "(%04X,%04X)", (unsigned)(n.u >> 16), (unsigned)(n.u & 0xFFFF));
                break;
            }
        }
        if (e.truncated) wmem_strbuf_append(shown, "\\...");
        v.shown = wmem_strbuf_get_str(shown);
        return v;
    }
    /* OB, OW, OF, OD, OL, OV, UN: the length, and a prefix of the bytes as a field */
    v.shown = e.length == dicom::kUndefinedLength ? "" : wmem_strdup_printf(pinfo->pool, "%u bytes", e.length);
    return v;
}

/* Where some bytes of the data set are in the tree: in its data source when the message kept
 * its bytes (clicking the item highlights them), else nowhere (0, 0 of the frame). */
struct Place {
    tvbuff_t *tvb;
    gint start, length;
};

Place place(const Walk &w, uint64_t offset, uint64_t length) {
    if (!w.bytes) return Place{w.c->tvb, 0, 0};
    const guint64 size = tvb_captured_length(w.bytes);
    if (offset >= size) return Place{w.bytes, (gint)size, 0};
    return Place{w.bytes, (gint)offset, (gint)std::min<guint64>(length, size - offset)};
}

Place element_place(const Walk &w, const Element &e) {
    const bool undefined = e.length == dicom::kUndefinedLength; /* its delimiter sets the end later */
    return place(w, e.offset, e.header_len + (undefined ? 0 : (uint64_t)e.length));
}

/* The element's tag, VR and value length, each over its bytes. */
void add_header(const Walk &w, proto_tree *t, const Element &e) {
    const Place at = place(w, e.offset, e.header_len);
    const bool shown = at.length == (gint)e.header_len && e.header_len >= 8;
    proto_item *pi = proto_tree_add_uint(t, hf_tag, at.tvb, at.start, shown ? 4 : 0, e.tag);
    if (!shown) proto_item_set_generated(pi);
    pi = proto_tree_add_string(t, hf_tag_vr, at.tvb, shown && !e.vr_implicit ? at.start + 4 : at.start,
                               shown && !e.vr_implicit ? 2 : 0, vr_text(w.c->pinfo, e.vr));
    if (!shown || e.vr_implicit) proto_item_set_generated(pi);
    const gint vl_at = e.vr_implicit ? 4 : e.header_len == 12 ? 8 : 6;
    pi = proto_tree_add_uint(t, hf_tag_vl, at.tvb, shown ? at.start + vl_at : at.start, shown ? (gint)e.header_len - vl_at : 0,
                             e.length);
    if (!shown) proto_item_set_generated(pi);
}

/* Each value as a field of its kind (dicom.value.*), over the value's bytes; hidden, since the
 * element's line shows them. */
void add_value_fields(const Walk &w, proto_tree *t, const Element &e, const ElementValues &v, int own) {
    const Place at = place(w, e.value_offset(), e.length == dicom::kUndefinedLength ? 0 : e.length);
    const bool own_string = own >= 0 && proto_registrar_get_ftype(own) == FT_STRING;
    for (unsigned i = 0; v.text && i < v.n; ++i) {
        proto_item_set_hidden(proto_tree_add_string(t, hf_value_string, at.tvb, at.start, at.length, v.text[i]));
        if (i && own_string) proto_item_set_hidden(proto_tree_add_string(t, own, at.tvb, at.start, at.length, v.text[i]));
        if (w.command && (e.tag == dicom::kTagAffectedSopClass || e.tag == dicom::kTagRequestedSopClass))
            proto_item_set_hidden(proto_tree_add_string(t, hf_sop_class_uid, at.tvb, at.start, at.length, v.text[i]));
        if (w.command && (e.tag == dicom::kTagAffectedSopInstance || e.tag == dicom::kTagRequestedSopInstance))
            proto_item_set_hidden(proto_tree_add_string(t, hf_key_sop_instance, at.tvb, at.start, at.length, v.text[i]));
    }
    for (unsigned k = 0; v.nums && k < v.n; ++k) {
        const dicom::Number &n = v.nums[k];
        const bool own_again = k && own >= 0; /* the named field holds the first value */
        switch (n.kind) {
        case dicom::Number::Unsigned:
            proto_item_set_hidden(proto_tree_add_uint64(t, hf_value_uint, at.tvb, at.start, at.length, n.u));
            if (own_again) proto_item_set_hidden(proto_tree_add_uint(t, own, at.tvb, at.start, at.length, (guint32)n.u));
            break;
        case dicom::Number::Signed:
            proto_item_set_hidden(proto_tree_add_int64(t, hf_value_int, at.tvb, at.start, at.length, n.i));
            break;
        case dicom::Number::Float:
            proto_item_set_hidden(proto_tree_add_double(t, hf_value_float, at.tvb, at.start, at.length, n.f));
            break;
        case dicom::Number::Tag:
            proto_item_set_hidden(proto_tree_add_uint(t, hf_value_tag, at.tvb, at.start, at.length, (guint32)n.u));
            if (own_again) proto_item_set_hidden(proto_tree_add_uint(t, own, at.tvb, at.start, at.length, (guint32)n.u));
            break;
        }
    }
    if (!v.text && !v.nums && e.value_len) {
        std::string_view raw = w.ds->value(e);
        proto_item_set_hidden(proto_tree_add_bytes_with_length(t, hf_value_bytes, at.tvb, at.start, at.length,
                                                               (const guint8 *)raw.data(), (gint)raw.size()));
    }
}

/* The element's own item: its named field (dicom.modality, dicom.dimse.status, ...) when it has
 * one, so that Apply as Filter and Apply as Column give that field; else dicom.element. */
proto_item *add_element_item(const Walk &w, proto_tree *parent, const Element &e, const ElementValues &v, int own,
                             const char *keyword) {
    const Place at = element_place(w, e);
    if (own >= 0 && v.n) {
        const ftenum_t type = proto_registrar_get_ftype(own);
        if (type == FT_STRING && v.text) return proto_tree_add_string(parent, own, at.tvb, at.start, at.length, v.text[0]);
        if (type != FT_STRING && v.nums && v.nums[0].kind != dicom::Number::Float && v.nums[0].kind != dicom::Number::Signed)
            return proto_tree_add_uint(parent, own, at.tvb, at.start, at.length, (guint32)v.nums[0].u);
    }
    return proto_tree_add_string(parent, hf_element, at.tvb, at.start, at.length,
                                 wmem_strdup_printf(w.c->pinfo->pool, "%s=%s", keyword, v.shown));
}

proto_item *add_element(Walk &w, proto_tree **stack, const Element &e) {
    packet_info *pinfo = w.c->pinfo;
    proto_tree *parent = stack[e.depth];
    const unsigned group = e.tag >> 16, elem = e.tag & 0xFFFF;
    const Place at = element_place(w, e);
    switch (e.kind) {
    case ElementKind::Item: {
        proto_item *it = proto_tree_add_uint_format(parent, hf_tag, at.tvb, at.start, at.length, e.tag, "Item (%s)",
            e.length == dicom::kUndefinedLength ? "undefined length" : wmem_strdup_printf(pinfo->pool, "%u bytes", e.length));
        stack[e.depth + 1] = proto_item_add_subtree(it, ett_element);
        if (e.length == dicom::kUndefinedLength) w.open[e.depth] = it;
        return it;
    }
    case ElementKind::ItemEnd:
    case ElementKind::SequenceEnd:
        if (w.open[e.depth] && w.bytes) proto_item_set_end(w.open[e.depth], w.bytes, at.start + at.length);
        w.open[e.depth] = NULL;
        return proto_tree_add_uint_format(parent, hf_tag, at.tvb, at.start, at.length, e.tag, "%s",
                                          e.kind == ElementKind::ItemEnd ? "Item Delimitation Item" : "Sequence Delimitation Item");
    case ElementKind::Fragment: /* the first item of encapsulated pixel data is the offset table */
        return proto_tree_add_uint_format(parent, hf_tag, at.tvb, at.start, at.length, e.tag,
                                          "%s: %u bytes at data set offset %" G_GUINT64_FORMAT,
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
    const char *keyword = d && d->keyword && *d->keyword && !(group & 1)
                              ? d->keyword : wmem_strdup_printf(pinfo->pool, "(%04X,%04X)", group, elem);
    const char *creator = creator_of(w, e);
    if (creator) name = wmem_strdup_printf(pinfo->pool, "Private Element of \"%s\"", creator);
    if (e.kind == ElementKind::Sequence) {
        proto_item *it = proto_tree_add_uint(parent, hf_tag, at.tvb, at.start, at.length, e.tag);
        proto_item_set_text(it, "(%04X,%04X) %s %s%s", group, elem, name, vr_text(pinfo, e.vr),
                            e.tag == 0x7FE00010 ? " (encapsulated: basic offset table, then one item per fragment)" : "");
        proto_tree *t = proto_item_add_subtree(it, ett_element);
        proto_item_set_hidden(proto_tree_add_string(t, hf_element, at.tvb, at.start, at.length, keyword));
        if (creator) proto_tree_add_string(t, hf_private_creator, at.tvb, at.start, 0, creator);
        if (e.length == dicom::kUndefinedLength) w.open[e.depth] = it;
        stack[e.depth + 1] = t;
        return it;
    }
    const int own = w.command ? command_field(e.tag) : key_field(e.tag);
    const ElementValues v = read_values(w, e);
    proto_item *it = add_element_item(w, parent, e, v, own, keyword);
    proto_item_set_text(it, "(%04X,%04X) %s %s [%u]: %s%s", group, elem, name, vr_text(pinfo, e.vr), e.length,
                        v.shown, e.truncated && dicom::vr_is_text(e.vr) ? " [...]" : "");
    proto_tree *t = proto_item_add_subtree(it, ett_element);
    add_header(w, t, e);
    if (creator) proto_tree_add_string(t, hf_private_creator, at.tvb, at.start, 0, creator);
    if (own >= 0) /* every element answers to dicom.element, whatever its own field */
        proto_item_set_hidden(proto_tree_add_string(t, hf_element, at.tvb, at.start, at.length,
                                                    wmem_strdup_printf(pinfo->pool, "%s=%s", keyword, v.shown)));
    add_value_fields(w, t, e, v, own);
    if (v.undecodable) expert_add_info(pinfo, it, &ei_charset_raw);
    if ((group & 1) && elem >= 0x10 && elem <= 0xFF && w.n_creators < G_N_ELEMENTS(w.creators))
        w.creators[w.n_creators++] = Creator{e.depth, (uint16_t)group, (uint8_t)elem, v.shown};
    return it;
}

/* The kept bytes of a command or data set as a data source of the frame (a tab of the bytes
 * pane), so that its elements can point at them; NULL when they were not kept. */
tvbuff_t *set_bytes_source(const PduContext &c, const std::string &bytes, const char *name) {
    if (bytes.empty() || bytes.size() > G_MAXINT32) return NULL;
    tvbuff_t *t = tvb_new_child_real_data(c.tvb, (const guint8 *)bytes.data(), (guint)bytes.size(), (gint)bytes.size());
    add_new_data_source(c.pinfo, t, name);
    return t;
}

} // namespace

/* Whether element items under `t` can be seen or filtered on. A tree that exists only so
 * that other fields can be read (a postdissector's, a filter's) need not hold them: the
 * values are decoded for nothing otherwise, for every message. */
bool elements_wanted(proto_tree *t, bool command) {
    if (!t) return false;
    if (PTREE_DATA(t)->visible) return true;
    static const int *const data_fields[] = {&hf_tag, &hf_tag_vr, &hf_tag_vl, &hf_element, &hf_value_string,
        &hf_value_uint, &hf_value_int, &hf_value_float, &hf_value_tag, &hf_value_bytes, &hf_private_creator,
        &hf_key_patient_id, &hf_key_patient_name, &hf_key_study_uid, &hf_key_series_uid, &hf_key_sop_instance,
        &hf_sop_class_uid, &hf_key_modality, &hf_key_accession, &hf_key_study_date, &hf_key_study_description,
        &hf_key_series_description, &hf_key_query_level, &hf_key_charset};
    static const int *const command_fields[] = {&hf_tag, &hf_tag_vr, &hf_tag_vl, &hf_element, &hf_value_string,
        &hf_value_uint, &hf_value_tag, &hf_sop_class_uid, &hf_key_sop_instance, &hf_dimse_command, &hf_dimse_message_id,
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
                 const dicom::Command *cmd, const std::string &bytes, const char *source_name) {
    if (!elements_wanted(t, command)) { /* the findings still count, as expert infos */
        for (const dicom::DataSetFinding &f : ds.findings)
            proto_tree_add_expert(t, c.pinfo, &ei_problem[(int)f.what], c.tvb, 0, 0);
        if (!command && dicom::first_undecodable_text(ds) != dicom::kNoElement)
            proto_tree_add_expert(t, c.pinfo, &ei_charset_raw, c.tvb, 0, 0);
        return;
    }
    Walk w{};
    w.c = &c;
    w.ds = &ds;
    w.big_endian = ds.syntax.big_endian;
    w.command = command;
    w.cmd = cmd;
    w.bytes = set_bytes_source(c, bytes, source_name);
    proto_tree *stack[64] = {t};
    /* Each element's tree item, so that a finding lands on the element it is about. */
    proto_item **items = wmem_alloc0_array(c.pinfo->pool, proto_item *, ds.elements.size() + 1);
    for (size_t i = 0; i < ds.elements.size(); ++i) {
        const Element &e = ds.elements[i];
        w.charset = &w.charsets.apply(ds, e);
        if (e.depth >= 62 || !stack[e.depth]) continue;
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
