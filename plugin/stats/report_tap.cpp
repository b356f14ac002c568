#include "stats/report_tap.h"

#include <cstdio>

#include "stats/tap.h"

namespace {

struct ReportTap : AssocCollector {
    const ReportTapKind *kind = nullptr;
    bool json = false;
};

void report_draw(void *tapdata) {
    auto *r = static_cast<ReportTap *>(tapdata);
    try {
        r->sort();
        if (r->json) {
            printf("{\"associations\": [\n");
            for (size_t i = 0; i < r->associations.size(); ++i)
                r->kind->json(*r->associations[i], i + 1 == r->associations.size());
            printf("]}\n");
            return;
        }
        printf("%s", r->kind->text(r->associations).text.c_str());
    } catch (...) {
    }
}

void report_finish(void *tapdata) { delete static_cast<ReportTap *>(tapdata); }

} // namespace

dicom_tap_init_result dicom_report_tap_init(const char *opt_arg, void *kind) {
    auto *r = new ReportTap();
    r->kind = static_cast<const ReportTapKind *>(kind);
    r->json = opt_arg && g_str_has_suffix(opt_arg, ",json");
    if (!dicom_register_collector(r, r->kind->name, report_draw, report_finish)) {
        delete r;
        DICOM_TAP_INIT_RETURN(false);
    }
    DICOM_TAP_INIT_RETURN(true);
}
