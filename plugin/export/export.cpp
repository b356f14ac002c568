/* File > Export Objects > DICOM-UL and tshark --export-objects dicom_ul,DIR: every data set
 * that travelled in a DIMSE message, written as a DICOM Part 10 file (PS3.10 7.1): 128-byte
 * preamble, "DICM", the file meta information group, then the data set bytes exactly as
 * sent. */
#include "export/export.h"

#include <cstring>
#include <string>

#include <epan/addr_resolv.h>
#include <epan/export_object.h>
#include <epan/to_str.h>
#include <epan/tap.h>

#include <memory>
#include <unordered_map>

#include "dimse/dimse.hpp"
#include "fields.h"
#include "model/registry.h"
#include "prefs.h"

static int export_tap = -1;

/* The plugin's own implementation class UID (a UUID-derived 2.25 UID). */
static const char kImplementationUid[] = "2.25.142416337911442539125402232128403591205";
static const char kImplementationVersion[] = "DICOM_UL_PLUGIN";

bool dicom_export_wanted(void) { return export_tap >= 0 && have_tap_listener(export_tap); }

namespace {

void put16(std::string &f, uint16_t v) { f += char(v & 0xFF); f += char(v >> 8); }
void put32(std::string &f, uint32_t v) { put16(f, uint16_t(v & 0xFFFF)); put16(f, uint16_t(v >> 16)); }

/* One explicit VR little endian element of the meta group. */
void meta_element(std::string &f, uint16_t elem, const char vr[2], std::string value) {
    if (value.size() % 2) value += vr[0] == 'U' && vr[1] == 'I' ? '\0' : ' ';
    put16(f, 0x0002);
    put16(f, elem);
    f.append(vr, 2);
    if (vr[0] == 'O') { /* OB: reserved bytes and a 4-byte length */
        put16(f, 0);
        put32(f, uint32_t(value.size()));
    } else {
        put16(f, uint16_t(value.size()));
    }
    f += value;
}

/* The object's SOP class or instance UID: its command's, or where a (non-conformant) command
 * leaves it out, its data set's (0008,0016 / 0008,0018). */
std::string object_uid(const dicom::Message &m, bool instance) {
    const std::string &from_command = instance ? m.command.sop_instance() : m.command.sop_class();
    if (!from_command.empty()) return from_command;
    const dicom::Element *e = m.data_set.find(instance ? 0x00080018 : 0x00080016);
    if (!e || e->kind != dicom::ElementKind::Value || e->truncated) return std::string();
    std::string v(m.data_set.value(*e));
    while (!v.empty() && (v.back() == '\0' || v.back() == ' ')) v.pop_back();
    return v;
}

/* Builds the file; returns false when the message has nothing to export. */
bool part10_file(const dicom::Message &m, const dicom::ChunkedBytes &data, std::string &file) {
    std::string meta;
    meta_element(meta, 0x0001, "OB", std::string("\x00\x01", 2));
    meta_element(meta, 0x0002, "UI", object_uid(m, false));
    meta_element(meta, 0x0003, "UI", object_uid(m, true));
    meta_element(meta, 0x0010, "UI", m.transfer_syntax);
    meta_element(meta, 0x0012, "UI", kImplementationUid);
    meta_element(meta, 0x0013, "SH", kImplementationVersion);
    file.assign(128, '\0');
    file += "DICM";
    std::string group_length;
    put16(group_length, 0x0002);
    put16(group_length, 0x0000);
    group_length += "UL";
    put16(group_length, 4);
    put32(group_length, uint32_t(meta.size()));
    file += group_length;
    file += meta;
    if (m.incomplete()) { /* only with the export_incomplete preference: zeros where bytes are missing */
        data.read_filled(0, size_t(data.size()), file);
        return true;
    }
    return data.read_into(0, size_t(data.size()), file);
}

/* What the tap carries: the message and its data set, which the listener frees. */
struct ExportItem {
    const dicom::Message *message;
    dicom::ChunkedBytes *data;
    const char *host;
};

/* The data sets being gathered for Export Objects, by message: handed over whole on the first
 * pass (the record writer's KeptDataSink), collected piece by piece on later passes (the GUI
 * re-reads the file); each leaves here when its message is published. */
std::unordered_map<const dicom::Message *, std::unique_ptr<dicom::ChunkedBytes>> *g_collecting;

std::unordered_map<const dicom::Message *, std::unique_ptr<dicom::ChunkedBytes>> &collecting() {
    if (!g_collecting) g_collecting = new std::unordered_map<const dicom::Message *, std::unique_ptr<dicom::ChunkedBytes>>();
    return *g_collecting;
}

void forget_collected(void) {
    delete g_collecting;
    g_collecting = nullptr;
}

class ExportSink final : public KeptDataSink {
public:
    void adopt(const dicom::Message &m, dicom::ChunkedBytes &&bytes) override {
        collecting()[&m].reset(new dicom::ChunkedBytes(std::move(bytes)));
    }
};
ExportSink g_sink;

tap_packet_status export_packet(void *tapdata, packet_info *pinfo, epan_dissect_t *, const void *data,
                                tap_flags_t) {
    auto *list = (export_object_list_t *)tapdata;
    auto *item = (const ExportItem *)data;
    const dicom::Message &m = *item->message;
    std::unique_ptr<dicom::ChunkedBytes> bytes(item->data); /* ours from here on */
    guint8 *payload = NULL;
    size_t payload_len = 0;
    char *filename = NULL;
    try {
        std::string file;
        if (part10_file(m, *bytes, file)) {
            payload = (guint8 *)g_malloc(file.size());
            std::memcpy(payload, file.data(), file.size());
            payload_len = file.size();
            /* C-STORE: the SOP instance UID. Others: their command, association and message. */
            const std::string uid = object_uid(m, true);
            const char *tag = m.incomplete() ? "-incomplete" : "";
            if (m.command.field == dicom::kCStoreRq && !uid.empty())
                filename = g_strdup_printf("%s%s.dcm", uid.c_str(), tag);
            else
                filename = g_strdup_printf("%s-frame%u-msg%u%s.dcm",
                                           dicom::code_name(dicom::kCommandFields, m.command.field)
                                               ? dicom::code_name(dicom::kCommandFields, m.command.field) : "DIMSE",
                                           pinfo->num, m.index, tag);
        }
    } catch (...) {
        g_free(payload);
        return TAP_PACKET_DONT_REDRAW;
    }
    if (!payload) return TAP_PACKET_DONT_REDRAW;
    export_object_entry_t *entry = g_new0(export_object_entry_t, 1);
    entry->pkt_num = pinfo->num;
    entry->hostname = g_strdup(item->host);
    entry->content_type = g_strdup("application/dicom");
    entry->filename = filename;
    entry->payload_len = payload_len;
    entry->payload_data = payload;
    list->add_entry(list->gui_data, entry);
    return TAP_PACKET_REDRAW;
}

} // namespace

void dicom_register_export(void) {
    export_tap = register_export_object(proto_dicom_ul, export_packet, NULL);
    register_cleanup_routine(forget_collected);
}

KeptDataSink *dicom_export_sink(void) { return &g_sink; }

void dicom_export_collect(const dicom::Message &m, guint64 data_offset, const guint8 *value, guint32 length) {
    try {
        std::unique_ptr<dicom::ChunkedBytes> &slot = collecting()[&m];
        if (!slot) slot.reset(new dicom::ChunkedBytes());
        slot->place(data_offset, value, length);
    } catch (...) {
        if (g_collecting) g_collecting->erase(&m);
    }
}

/* Whole data sets always; one that lost bytes in a capture gap only when the user asks. */
void dicom_export_message(packet_info *pinfo, const dicom::Message &m, const dicom::Endpoint &src) {
    if (!g_collecting) return;
    auto it = g_collecting->find(&m);
    if (it == g_collecting->end()) return;
    std::unique_ptr<dicom::ChunkedBytes> data = std::move(it->second);
    g_collecting->erase(it);
    if (!dicom_export_wanted() || !m.has_data || !data) return;
    const bool whole = !m.incomplete() && data->size() == m.data_size && data->complete();
    const bool wanted_kind = m.command.field == dicom::kCStoreRq || dicom_prefs.export_all;
    if (!wanted_kind || (!whole && !(m.incomplete() && dicom_prefs.export_incomplete))) return;
    auto *item = wmem_new(pinfo->pool, ExportItem);
    item->message = &m;
    item->data = data.release();
    const address a = dicom_address_of(src);
    item->host = address_to_str(pinfo->pool, &a);
    tap_queue_packet(export_tap, pinfo, item);
}
