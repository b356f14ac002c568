/* Statistics > DICOM Diagnosis and DICOM Validation: the text of -z dicom_ul,diagnose and
 * -z dicom_ul,validate in a window of their own, built on what Wireshark offers a plugin in 4.0
 * to 4.6: a text window and its buttons (epan/funnel.h, what Lua's TextWindow is made of) and
 * the main window's go-to-frame and display filter (epan/plugin_if.h). The window is a listener
 * on the dicom_ul tap: opening it retaps the capture, Refresh retaps again, and during a live
 * capture it is redrawn as packets arrive. */
#include "stats/report_window.h"

#include <cstdio>
#include <cstdlib>
#include <string>

#include <epan/funnel.h>
#include <epan/plugin_if.h>
#include <epan/tap.h>

#include "compat.h"
#include "stats/diagnose.h"
#include "stats/validate.h"
#include "stats/tap.h"

namespace {

/* What one kind of window shows: its title (also its menu entry), its report, and what the
 * report numbers (for the buttons' questions). */
struct ReportKind {
    const char *title;
    NumberedReportMaker make;
    const char *entry; /* "finding", "violation" */
    const char *save;  /* the Save As... question */
};

const ReportKind kDiagnosis = {"DICOM Diagnosis", dicom_diagnosis_report, "finding", "Save the diagnosis as text"};
const ReportKind kValidation = {"DICOM Validation", dicom_validation_report, "violation",
                                "Save the validation report as text"};

struct ReportWindow : AssocCollector {
    const ReportKind *kind = nullptr;
    funnel_text_window_t *window = nullptr;
    NumberedReport report;

    bool capture_complete() const override {
        ws_info_t *info = nullptr;
        plugin_if_get_ws_info(&info);
        /* Without an answer from the GUI (no main window), the file is taken as read. */
        return !info || info->cf_state != FILE_READ_IN_PROGRESS;
    }
};

const funnel_ops_t *ops() { return funnel_get_funnel_ops(); }

/* The report; drawn while a capture is still being read (`live`), said to be provisional. */
void show(const ReportWindow &w, bool live) {
    std::string text = w.report.text;
    if (live)
        text = "(Live capture: the associations as they stand; what still waits for its data is settled when "
               "the capture stops. Refresh then.)\n" + text;
    ops()->set_text(w.window, text.c_str());
}

void draw(void *tapdata) {
    auto *w = static_cast<ReportWindow *>(tapdata);
    try {
        if (!w->window) return;
        const bool live = !w->capture_complete();
        w->sort();
        w->report = w->kind->make(w->associations);
        show(*w, live);
    } catch (...) {
    }
}

void forget(void *) {} /* the window owns the listener's data; see closed() */

void closed(void *data) {
    auto *w = static_cast<ReportWindow *>(data);
    remove_tap_listener(w);
    delete w;
}

/* ---- the buttons ------------------------------------------------------------------------- */

dicom_funnel_bt_result refresh(funnel_text_window_t *, void *data) {
    (void)data;
    ops()->retap_packets(ops()->ops_id);
    return TRUE;
}

dicom_funnel_bt_result copy(funnel_text_window_t *, void *data) {
    auto *w = static_cast<ReportWindow *>(data);
    GString *s = g_string_new(w->report.text.c_str());
    ops()->copy_to_clipboard(s);
    g_string_free(s, TRUE);
    return TRUE;
}

/* A reference the user typed: "2.1" (a finding) or "2" (an association). */
const ReportEntry *find_finding(const NumberedReport &r, const char *typed, unsigned &association) {
    association = 0;
    if (!typed) return nullptr;
    char *end = nullptr;
    association = (unsigned)strtoul(typed, &end, 10);
    if (end == typed) return nullptr;
    if (*end != '.') return nullptr;
    const unsigned index = (unsigned)strtoul(end + 1, nullptr, 10);
    for (const ReportEntry &f : r.entries)
        if (f.association == association && f.index == index) return &f;
    return nullptr;
}

/* What a funnel dialog hands back to its callback: the report as it was when asked (the window
 * may be closed, or refreshed, before the answer comes). */
struct Ask {
    NumberedReport report;
};

void go_to_finding(char **input, void *data) {
    const NumberedReport &r = static_cast<Ask *>(data)->report;
    unsigned association;
    if (const ReportEntry *f = find_finding(r, input ? input[0] : nullptr, association)) {
        if (f->frame) plugin_if_goto_frame(f->frame);
    }
}

void filter_finding(char **input, void *data) {
    const NumberedReport &r = static_cast<Ask *>(data)->report;
    unsigned association;
    const ReportEntry *f = find_finding(r, input ? input[0] : nullptr, association);
    if (f) plugin_if_apply_filter(f->filter.c_str(), TRUE);
    else if (association) plugin_if_apply_filter(dicom_assoc_filter(association).c_str(), TRUE);
}

void free_ask(void *data) { delete static_cast<Ask *>(data); }

void ask(ReportWindow *w, const char *title, const char *field, funnel_dlg_cb_t answer) {
    const char *names[] = {field, nullptr};
    const char *values[] = {"", nullptr};
    ops()->new_dialog(ops()->ops_id, title, names, values, answer, new Ask{w->report}, free_ask);
}

dicom_funnel_bt_result ask_go_to(funnel_text_window_t *, void *data) {
    auto *w = static_cast<ReportWindow *>(data);
    const std::string entry = w->kind->entry;
    ask(w, ("Go to the frame of a " + entry).c_str(), ("Number of the " + entry + " (e.g. 1.2)").c_str(), go_to_finding);
    return TRUE;
}

dicom_funnel_bt_result ask_filter(funnel_text_window_t *, void *data) {
    auto *w = static_cast<ReportWindow *>(data);
    const std::string entry = w->kind->entry;
    ask(w, ("Filter the frames of a " + entry + " or an association").c_str(),
        ("Number of the " + entry + " (e.g. 1.2) or association (e.g. 1)").c_str(), filter_finding);
    return TRUE;
}

void write_file(char **input, void *data) {
    const NumberedReport &r = static_cast<Ask *>(data)->report;
    if (!input || !input[0] || !*input[0]) return;
    if (FILE *f = fopen(input[0], "w")) {
        fputs(r.text.c_str(), f);
        fclose(f);
    }
}

dicom_funnel_bt_result save(funnel_text_window_t *, void *data) {
    auto *w = static_cast<ReportWindow *>(data);
    ask(w, w->kind->save, "File name", write_file);
    return TRUE;
}

void add_button(ReportWindow *w, const char *label, funnel_bt_cb_t fn) {
    /* The button is the window's: 4.4 and later free it with it (free_fcn); 4.0 keeps it. */
    funnel_bt_t *b = g_new0(funnel_bt_t, 1);
    b->tw = w->window;
    b->func = fn;
    b->data = w;
    b->free_fcn = g_free;
    ops()->add_button(w->window, b, label);
}

/* Statistics > DICOM Diagnosis or DICOM Validation (`kind`); the menu retaps once this returns,
 * which fills the window. */
void open_window(void *kind) {
    if (!ops()) return;
    auto *w = new ReportWindow();
    w->kind = static_cast<const ReportKind *>(kind);
    w->redraw_on_every_packet = true;
    if (!dicom_register_collector(w, w->kind->title, draw, forget)) {
        delete w;
        return;
    }
    w->window = ops()->new_text_window(ops()->ops_id, w->kind->title);
    ops()->set_text(w->window, "Reading the capture...\n");
    ops()->set_close_cb(w->window, closed, w);
    add_button(w, "Refresh", refresh);
    add_button(w, (std::string("Go to ") + w->kind->entry + "...").c_str(), ask_go_to);
    add_button(w, "Filter...", ask_filter);
    add_button(w, "Copy", copy);
    add_button(w, "Save As...", save);
}

} // namespace

void dicom_register_report_windows(void) {
    funnel_register_menu(kDiagnosis.title, REGISTER_PACKET_STAT_GROUP_UNSORTED, open_window,
                         const_cast<ReportKind *>(&kDiagnosis), NULL, TRUE);
    funnel_register_menu(kValidation.title, REGISTER_PACKET_STAT_GROUP_UNSORTED, open_window,
                         const_cast<ReportKind *>(&kValidation), NULL, TRUE);
}
