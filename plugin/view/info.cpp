/* The Info column (info.h). */
#include "view/info.h"

#include <algorithm>
#include <cstring>

#include "dimse/dimse.hpp"
#include "ul/pdu.hpp"
#include "session/association.hpp"
#include "view/tree_common.h"

const char kContinued[] = "P-DATA (continued)";

void set_info(packet_info *pinfo, InfoColumn &info, const char *text, const void *message) {
    if (message == kContinued && info.n_entries) return;
    if (info.n_entries == 1 && info.entries[0].message == kContinued) info.n_entries = 0;
    unsigned i = 0;
    while (i < info.n_entries && !(message && info.entries[i].message == message)) ++i;
    if (i < info.n_entries)
        info.entries[i].text = text;
    else if (info.n_entries < G_N_ELEMENTS(info.entries))
        info.entries[info.n_entries++] = InfoEntry{message, text};
    else
        ++info.dropped;
    /* col_set_str replaces what follows the column's fence, so what TCP put before it ([TCP
     * Retransmission] ...) stays. Every text is static or in pinfo->pool: without a fence the
     * column points at it instead of copying. */
    if (info.n_entries == 1 && !info.dropped) { /* the common case: no joining */
        col_set_str(pinfo->cinfo, COL_INFO, info.entries[0].text);
        return;
    }
    wmem_strbuf_t *b = wmem_strbuf_new(pinfo->pool, "");
    for (unsigned k = 0; k < info.n_entries; ++k) {
        if (k) wmem_strbuf_append(b, " | ");
        wmem_strbuf_append(b, info.entries[k].text);
    }
    if (info.dropped) wmem_strbuf_append_printf(b, " | (%u more)", info.dropped);
    col_set_str(pinfo->cinfo, COL_INFO, wmem_strbuf_get_str(b));
}

namespace {

/* The labels of the messages whose frames continue them ("C-STORE-RQ id=5 CT Image Storage"):
 * a large data set spans thousands of frames, each says which message it belongs to, and
 * formatting the label once instead of per frame is most of that cost. A few slots, by
 * message: transfers interleave on a few associations at a time. */
struct Label {
    const dicom::Message *message; /* with its command frame: an address may be reused */
    guint32 command_frame;
    guint32 length;                /* of text */
    char text[160];
};
Label g_labels[8];

void forget_labels(void) { memset(g_labels, 0, sizeof g_labels); }

const Label &continued_label(packet_info *pinfo, const dicom::Association *a, const dicom::Message &m) {
    Label &slot = g_labels[(reinterpret_cast<guintptr>(&m) / sizeof(dicom::Message)) % G_N_ELEMENTS(g_labels)];
    if (slot.message == &m && slot.command_frame == m.command_frame) return slot;
    const char *name = dicom::code_name(dicom::kCommandFields, m.command.field);
    const guint32 id = dicom::is_response(m.command.field) ? m.command.message_id_rsp : m.command.message_id;
    const dicom::NegotiatedContext *nc = a->context(m.context_id);
    const char *sop = nc && !nc->abstract_syntax.empty() ? uid_label(pinfo, nc->abstract_syntax) : "";
    const int n = g_snprintf(slot.text, sizeof slot.text, "%s id=%u%s%s", name ? name : "DIMSE", id, *sop ? " " : "", sop);
    slot.length = n < 0 ? 0 : std::min<guint32>((guint32)n, sizeof slot.text - 1);
    slot.message = &m;
    slot.command_frame = m.command_frame;
    return slot;
}

/* A string literal without its terminator, copied with a length the compiler knows. */
template <size_t N> char *put_literal(char *out, const char (&text)[N]) {
    memcpy(out, text, N - 1);
    return out + N - 1;
}

} // namespace

char *put_decimal(char *out, guint64 v) {
    char digits[20];
    int n = 0;
    do digits[n++] = char('0' + v % 10); while ((v /= 10) && n < 20);
    while (n) *out++ = digits[--n];
    return out;
}

void dicom_register_info(void) { register_cleanup_routine(forget_labels); }

/* Built without printf: it runs for every frame of every large data set. */
const char *continued_info(packet_info *pinfo, const dicom::Association *a, guint32 walked_in, const UnitRecord &u) {
    auto *m = (const dicom::Message *)u.ptr;
    if (!m || !a || !m->command.valid || !m->command_frame || m->command_frame > walked_in) return kContinued;
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
    const Label &label = continued_label(pinfo, a, *m);
    const size_t tail = (size_t)(p - progress);
    auto *text = (char *)wmem_alloc(pinfo->pool, label.length + tail + 1);
    memcpy(text, label.text, label.length);
    memcpy(text + label.length, progress, tail + 1);
    return text;
}
