/* The DICOM nodes of a capture (dissector/inventory.hpp): -z dicom_ul,endpoints[,json] in
 * tshark, Statistics > DICOM Nodes in the GUI. Each AE title at each address, with its roles,
 * software, maximum PDU, SOP classes proposed and accepted, associations and failures. */
#include "stats/endpoints.h"

#include <cstdio>
#include <string>
#include <vector>

#include <epan/packet.h>
#include <epan/stat_tap_ui.h>
#include <epan/tap.h>
#include <epan/to_str.h>

#include "analysis/inventory.hpp"
#include "base/uids.hpp"
#include "compat.h"
#include "model/registry.h"
#include "session/association.hpp"
#include "stats/stat_rows.h"
#include "stats/tap.h"

namespace {

std::string ip_text(const dicom::Endpoint &e) {
    const address addr = dicom_address_of(e);
    char *s = address_to_str(NULL, &addr);
    std::string out = s ? s : "";
    wmem_free(NULL, s);
    return out;
}

void observe(dicom::NodeInventory &inv, const dicom::Association &a) {
    if (!a.requestor_known()) return; /* which side is which is not known: no node to name */
    inv.observe(a, a.number, ip_text(a.requestor), ip_text(a.acceptor), a.acceptor.port);
}

std::string roles(const dicom::Node &n) {
    return n.requestor && n.acceptor ? "requestor, acceptor" : n.requestor ? "requestor" : "acceptor";
}

std::string where(const dicom::Node &n) {
    std::string s = n.address;
    for (guint32 p : n.listening_ports) s += (s == n.address ? ":" : ",") + std::to_string(p);
    return s;
}

std::string names(const std::set<std::string> &uids) {
    std::string s;
    for (const std::string &u : uids) {
        const char *n = dicom::uid_name(u);
        s += (s.empty() ? "" : "; ") + std::string(n ? n : u.c_str());
    }
    return s;
}

std::string json_list(const std::set<std::string> &uids) {
    std::string s = "[";
    for (const std::string &u : uids) s += (s.size() > 1 ? ", " : "") + ("\"" + dicom_json_escape(u) + "\"");
    return s + "]";
}

/* ---- tshark ---------------------------------------------------------------------------------- */

struct Endpoints : AssocCollector {
    bool json = false;
};

/* A storage SCU proposes a hundred SOP classes: their names are only worth reading when few. */
template <class Uids> void print_classes(const char *what, const Uids &uids) {
    const size_t kNamedClasses = 8;
    if (uids.empty()) return;
    if (uids.size() <= kNamedClasses)
        printf("  %s %zu SOP class%s: %s\n", what, uids.size(), uids.size() == 1 ? "" : "es", names(uids).c_str());
    else
        printf("  %s %zu SOP classes (listed by -z dicom_ul,endpoints,json)\n", what, uids.size());
}

void endpoints_draw(void *tapdata) {
    auto *e = static_cast<Endpoints *>(tapdata);
    try {
        e->sort();
        dicom::NodeInventory inv;
        for (const dicom::Association *a : e->associations) observe(inv, *a);
        const std::vector<const dicom::Node *> nodes = inv.nodes();
        if (e->json) {
            printf("{\"nodes\": [\n");
            for (size_t i = 0; i < nodes.size(); ++i) {
                const dicom::Node &n = *nodes[i];
                std::string ports = "[";
                for (guint32 p : n.listening_ports) ports += (ports.size() > 1 ? ", " : "") + std::to_string(p);
                printf("  {\"ae\": \"%s\", \"address\": \"%s\", \"listening_ports\": %s], \"requestor\": %s, "
                       "\"acceptor\": %s, \"implementation_class_uid\": \"%s\", \"implementation_version_name\": \"%s\", "
                       "\"max_pdu\": %u, \"proposed\": %s, \"accepted\": %s, \"associations\": %u, \"failed\": %u, "
                       "\"violations\": %u}%s\n",
                       dicom_json_escape(n.ae).c_str(), dicom_json_escape(n.address).c_str(), ports.c_str(),
                       n.requestor ? "true" : "false", n.acceptor ? "true" : "false", dicom_json_escape(n.class_uid).c_str(),
                       dicom_json_escape(n.version).c_str(), n.max_pdu, json_list(n.proposed).c_str(),
                       json_list(n.accepted).c_str(), n.associations, n.failed, n.violations, i + 1 < nodes.size() ? "," : "");
            }
            printf("]}\n");
            return;
        }
        printf("\n===================================================================\n");
        printf("DICOM nodes\n");
        for (const dicom::Node *n : nodes) {
            const std::string sw = n->version.empty() ? n->class_uid
                                                      : n->version + (n->class_uid.empty() ? "" : ", " + n->class_uid);
            printf("\n%s at %s (%s%s%s)\n", n->ae.empty() ? "?" : n->ae.c_str(), where(*n).c_str(), roles(*n).c_str(),
                   sw.empty() ? "" : "; ", sw.c_str());
            printf("  Associations %u (%u failed)  Maximum PDU %u  Conformance violations %u\n", n->associations, n->failed,
                   n->max_pdu, n->violations);
            print_classes("Proposed", n->proposed);
            print_classes("Accepted", n->accepted);
        }
        printf("===================================================================\n");
    } catch (...) {
    }
}

void endpoints_finish(void *tapdata) { delete static_cast<Endpoints *>(tapdata); }

dicom_tap_init_result endpoints_init(const char *opt_arg, void *) {
    auto *e = new Endpoints();
    e->json = opt_arg && g_str_has_suffix(opt_arg, ",json");
    if (!dicom_register_collector(e, "dicom_ul,endpoints", endpoints_draw, endpoints_finish)) {
        delete e;
        DICOM_TAP_INIT_RETURN(false);
    }
    DICOM_TAP_INIT_RETURN(true);
}

stat_tap_ui endpoints_ui = {REGISTER_STAT_GROUP_GENERIC, "DICOM nodes", "dicom_ul,endpoints", endpoints_init, 0, NULL};

/* ---- the GUI table: one row per node, rewritten when one of its associations changes -------- */

enum Col { cAe, cAddress, cRoles, cVersion, cClassUid, cMaxPdu, cProposed, cAccepted, cAssocs, cFailed, cViolations, cCount };

stat_tap_table_item node_columns[] = {
    {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "AE Title", "%s"},
    {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Address", "%s"},
    {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Roles", "%s"},
    {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Version Name", "%s"},
    {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Implementation Class UID", "%s"},
    {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Max PDU", "%u"},
    {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "SOP classes proposed", "%u"},
    {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "SOP classes accepted", "%u"},
    {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Associations", "%u"},
    {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Failed", "%u"},
    {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Violations", "%u"},
};
const char kNodesTable[] = "DICOM Nodes";
extern stat_tap_table_ui nodes_table_ui;
dicom::NodeInventory *g_inventory; /* of the table being filled; emptied by its reset */

void nodes_init(stat_tap_table_ui *ui) {
    stat_tap_table *table = stat_tap_find_table(ui, kNodesTable);
    if (table) {
        if (ui->stat_tap_reset_table_cb) ui->stat_tap_reset_table_cb(table);
        return;
    }
    table = stat_tap_init_table(kNodesTable, cCount, 0, NULL);
    stat_tap_add_table(ui, table);
}

void set_text(stat_tap_table *t, guint row, guint col, const std::string &v) {
    stat_tap_table_item_type *f = stat_tap_get_field_data(t, row, col);
    g_free((gchar *)f->value.string_value);
    f->value.string_value = g_strdup(v.c_str());
}

tap_packet_status nodes_packet(void *tapdata, packet_info *, epan_dissect_t *, const void *data, tap_flags_t) {
    auto *stat = (stat_data_t *)tapdata;
    stat_tap_table *t = g_array_index(stat->stat_tap_data->tables, stat_tap_table *, 0);
    const dicom::Association *assoc = ((const DicomTapInfo *)data)->assoc;
    try {
        if (!g_inventory) g_inventory = new dicom::NodeInventory();
        observe(*g_inventory, *assoc);
        const std::vector<const dicom::Node *> nodes = g_inventory->nodes();
        for (guint row = 0; row < nodes.size(); ++row) dicom_stat_row(t, row, nodes_table_ui); /* new nodes: new rows */
        for (guint row = 0; row < nodes.size(); ++row) {
            const dicom::Node &n = *nodes[row];
            if (n.ae != assoc->calling_ae && n.ae != assoc->called_ae) continue; /* not this association's */
            set_text(t, row, cAe, n.ae);
            set_text(t, row, cAddress, where(n));
            set_text(t, row, cRoles, roles(n));
            set_text(t, row, cVersion, n.version);
            set_text(t, row, cClassUid, n.class_uid);
            stat_tap_get_field_data(t, row, cMaxPdu)->value.uint_value = n.max_pdu;
            stat_tap_get_field_data(t, row, cProposed)->value.uint_value = (guint)n.proposed.size();
            stat_tap_get_field_data(t, row, cAccepted)->value.uint_value = (guint)n.accepted.size();
            stat_tap_get_field_data(t, row, cAssocs)->value.uint_value = n.associations;
            stat_tap_get_field_data(t, row, cFailed)->value.uint_value = n.failed;
            stat_tap_get_field_data(t, row, cViolations)->value.uint_value = n.violations;
        }
    } catch (...) {
        return TAP_PACKET_DONT_REDRAW;
    }
    return TAP_PACKET_REDRAW;
}

void nodes_reset(stat_tap_table *t) {
    delete g_inventory;
    g_inventory = nullptr;
    dicom_stat_rows_reset(t, nodes_table_ui);
}

void nodes_free_item(stat_tap_table *, guint, guint column, stat_tap_table_item_type *field) {
    if (node_columns[column].type == TABLE_ITEM_STRING) g_free((gchar *)field->value.string_value);
}

stat_tap_table_ui nodes_table_ui = {
    REGISTER_PACKET_STAT_GROUP_UNSORTED, "DICOM Nodes", "dicom_ul", "dicom_ul,nodes_table", nodes_init, nodes_packet,
    nodes_reset, nodes_free_item, NULL, G_N_ELEMENTS(node_columns), node_columns, 0, NULL, NULL, 0};

} // namespace

void dicom_register_endpoints(void) {
    register_stat_tap_ui(&endpoints_ui, NULL);
    register_stat_tap_table_ui(&nodes_table_ui);
}
