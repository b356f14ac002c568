/* Helpers all tree builders share (tree_common.h). */
#include "view/tree_common.h"

#include <epan/expert.h>

#include "base/uids.hpp"
#include "compat.h"
#include "fields.h"

using dicom::Span;

const char *span_text(const PduContext &c, Span s) {
    /* ENC_ASCII maps bytes above 0x7f to the replacement character: always valid UTF-8. */
    char *text = (char *)tvb_get_string_enc(c.pinfo->pool, c.tvb, s.off, s.len, ENC_ASCII);
    return g_strstrip(text);
}

const char *uid_label(packet_info *pinfo, std::string_view uid) {
    const char *name = dicom::uid_name(uid);
    return name ? name : dicom_format_text(pinfo->pool, uid.data(), uid.size());
}

static proto_item *add_uid_value(const PduContext &c, proto_tree *t, int hf, Span s, const char *uid) {
    const char *name = dicom::uid_name(uid);
    if (name)
        return proto_tree_add_string_format_value(t, hf, c.tvb, s.off, s.len, uid, "%s (%s)", uid, name);
    return proto_tree_add_string(t, hf, c.tvb, s.off, s.len, uid);
}

proto_item *add_uid(const PduContext &c, proto_tree *t, int hf, Span s) {
    return add_uid_value(c, t, hf, s, span_text(c, s));
}

proto_item *add_generated_uid(const PduContext &c, proto_tree *t, int hf, const char *uid) {
    proto_item *pi = add_uid_value(c, t, hf, Span{0, 0}, uid);
    proto_item_set_generated(pi);
    return pi;
}

void add_findings(const PduContext &c, const dicom::Findings &findings) {
    for (const dicom::Finding &f : findings) {
        guint avail = tvb_captured_length(c.tvb);
        guint off = f.where.off < avail ? f.where.off : avail;
        guint len = f.where.len <= avail - off ? f.where.len : avail - off;
        proto_tree_add_expert(c.tree, c.pinfo, &ei_problem[(int)f.what], c.tvb, off, len);
    }
}
