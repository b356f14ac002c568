/* What the tree builders share: the context of the PDU being shown, UID and text helpers, and
 * running core code safely around Wireshark's exceptions. The builders call only epan
 * functions and create no C++ objects with destructors in frames that call them (see
 * docs/design.md). */
#pragma once

#include <memory>
#include <string_view>

#include <epan/exceptions.h>
#include <epan/packet.h>

#include "base/bytes.hpp"
#include "base/problems.hpp"

namespace dicom {
class Association;
}

struct PduContext {
    tvbuff_t *tvb;
    packet_info *pinfo;
    proto_tree *tree;                  /* the PDU's subtree (may be NULL) */
    proto_item *pdu_item;
    const dicom::Association *assoc;   /* never NULL */
    int from_requestor;                /* 1, 0, or -1 when the A-ASSOCIATE-RQ was not seen */
};

void add_findings(const PduContext &c, const dicom::Findings &f);
const char *span_text(const PduContext &c, dicom::Span s); /* trimmed ASCII, pinfo->pool */
const char *uid_label(packet_info *pinfo, std::string_view uid); /* registry name, else the UID */
proto_item *add_uid(const PduContext &c, proto_tree *t, int hf, dicom::Span s);
proto_item *add_generated_uid(const PduContext &c, proto_tree *t, int hf, const char *uid);

/* Parsing outside of epan (no exception leaves it), tree building inside it. */
template <class T, class Parse> T *parse_noexcept(Parse &&parse) noexcept {
    try {
        std::unique_ptr<T> p(new T());
        parse(*p);
        return p.release();
    } catch (...) {
        return nullptr;
    }
}

/* Runs `build` (which may throw epan exceptions) and frees `obj` whichever way it ends. */
template <class T, class Build> void build_then_free(T *obj, Build &&build) {
    TRY {
        build(*obj);
    }
    CATCH_ALL {
        delete obj;
        RETHROW;
    }
    ENDTRY;
    delete obj;
}
