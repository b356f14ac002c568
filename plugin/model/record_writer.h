/* The first pass's writer of payload records (records.h): what a connection did with the
 * bytes and segments of one call of the dissector, written into the records of the payloads
 * that carried the bytes, and, for what it did with other frames' bytes, into a notes record
 * of the frame being dissected. */
#pragma once

#include <epan/packet.h>

#include "model/records.h"
#include "session/connection.hpp"

/* Where the data sets kept whole for Export Objects go when their message completes (the
 * export room owns them from then on). */
class KeptDataSink {
public:
    virtual void adopt(const dicom::Message &m, dicom::ChunkedBytes &&bytes) = 0;

protected:
    ~KeptDataSink() = default;
};

class RecordWriter final : public dicom::ConnectionObserver {
public:
    /* `current`: the record of the payload being walked (NULL for a segment without one). */
    RecordWriter(guint32 frame, PayloadRecord *current, KeptDataSink *kept)
        : frame_(frame), current_(current), kept_(kept) {}
    /* The payload's record, or the notes record this frame got (NULL: nothing was noted). */
    PayloadRecord *current() const { return current_; }

    void pdu(const dicom::UnitPlace &p, const dicom::WalkedBytes &w, uint8_t type, uint32_t length_field) override;
    void pdata_header(const dicom::UnitPlace &p, const dicom::WalkedBytes &w, uint32_t length_field) override;
    void pdv_header(const dicom::UnitPlace &p, const dicom::WalkedBytes &w, const dicom::PdvPosition &pdv) override;
    void pdv_value(const dicom::UnitPlace &p, const dicom::WalkedBytes &w, const dicom::PdvPosition &pdv,
                   const dicom::PieceOutcome &o) override;
    void lost(const dicom::UnitPlace &p, const dicom::WalkedBytes &w, dicom::LostKind kind, const dicom::PdvPosition &pdv,
              const dicom::PieceOutcome &o) override;
    void skipped(const dicom::UnitPlace &p, const dicom::WalkedBytes &w, dicom::SkipReason why) override;
    void garbage(const dicom::UnitPlace &p, const dicom::WalkedBytes &w) override;
    void resync(const dicom::UnitPlace &p, const dicom::WalkedBytes &w, dicom::ResyncReason why) override;
    void fragment(const dicom::UnitPlace &p, const dicom::WalkedBytes &w, uint8_t unit) override;
    void fragment_completed(const dicom::UnitPlace &p, const dicom::WalkedBytes &w, uint8_t unit,
                            dicom::Origin completed_by) override;
    void duplicate(const dicom::UnitPlace &p, const dicom::WalkedBytes &w, const dicom::Repeat &r) override;
    void held(const dicom::UnitPlace &p, const dicom::WalkedBytes &w, dicom::HeldReason why) override;
    void message_noted(const dicom::UnitPlace &p, dicom::Message &m, bool closed, bool command_only) override;
    void pdu_noted(const dicom::UnitPlace &p, uint8_t type, uint32_t bytes_frame) override;
    void findings(const dicom::UnitPlace &p, const std::vector<dicom::Diagnostic> &found) override;
    void violations(const dicom::UnitPlace &p, const std::vector<dicom::Violation> &found) override;
    void data_set_kept(const dicom::UnitPlace &p, const dicom::Message &m, dicom::ChunkedBytes &&bytes) override;

private:
    PayloadRecord *notes(int direction); /* this frame's record, for what the walk did with other frames' bytes */
    UnitRecord *unit(PayloadRecord *p, const dicom::Association *a);
    UnitRecord *unit_for(const dicom::UnitPlace &p, const dicom::WalkedBytes &w, RecordKind kind, bool marked = false);
    void mark_if_delivered_late(const dicom::WalkedBytes &w);
    void mark_delivered(PayloadRecord *origin, guint32 offset);
    UnitRecord *header_before(PayloadRecord *origin, const dicom::Association *a, const dicom::WalkedBytes &w,
                              const dicom::PdvPosition &pdv);
    void record_piece(UnitRecord *u, const dicom::PdvPosition &pdv, const dicom::PieceOutcome &o);

    guint32 frame_;
    PayloadRecord *current_;
    KeptDataSink *kept_;
};
