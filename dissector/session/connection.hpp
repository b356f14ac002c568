// One TCP connection as the first pass walks it: both directions' reassembly and PDU walk, the
// TCP timeline, the acknowledgements that stamp requests, the sequence numbering, and the
// association in progress (a new A-ASSOCIATE-RQ starts a new one). Every walked unit is
// applied to its association (PDUs shape it, PDV pieces build its DIMSE messages) and
// diagnosed, and then told to the observer, which records it for display.
//
// The plugin and the tests drive connections only through the two entry points below, in
// capture order: a payload, and a segment whose payload is not walked (a pure ACK, a FIN, or
// one whose acknowledgement of the other direction matters).
#pragma once
#include <cstdint>
#include <vector>

#include "base/containers.hpp"
#include "base/recent_values.hpp"
#include "session/association.hpp"
#include "tcp/endpoint.hpp"
#include "tcp/reassembly.hpp"
#include "tcp/tcp_timeline.hpp"
#include "ul/pdu_walker.hpp"

namespace dicom {

// What a TCP connection carries. The values are those of the dicom.transport field.
enum class Transport : uint8_t {
    Unknown = 0,
    Plain = 1,           // DICOM in the clear (or decrypted by TLS)
    TlsOnPlainPort = 2,  // a TLS handshake where plain DICOM was expected
    Tls = 3,             // DICOM over TLS on the TLS port
    PlainOnTlsPort = 4,  // plain DICOM where a TLS handshake was expected
    TlsNotDecrypted = 5, // (a frame's) DICOM over TLS whose application data was not decrypted
};

struct ConnectionSettings {
    uint32_t pdu_cap = 1u << 24;     // a PDU header announcing more is not a PDU
    uint64_t hold_limit = 8u << 20;  // bytes held ahead of a gap before it is declared lost
    double stall_seconds = 0.02;     // a pause of a message under way at least this long is a stall
};

// The frame the first pass is at, as the connection needs it.
struct Packet {
    uint32_t frame = 0;
    double time = 0;       // seconds since the epoch
    int direction = 0;     // of the connection: direction_of(src, dst)
    Endpoint src, dst;
    bool keep_for_export = false; // data sets are kept whole for Export Objects
};

// The stream and association a unit belongs to.
struct UnitPlace {
    Association *association = nullptr; // none only for bytes seen before any association
    int direction = 0;
};

// What a piece of a PDV's value (or a range lost inside one) did to its message.
struct PieceOutcome {
    Message *message = nullptr;
    bool command_done = false; // the piece completed the message's command set
    bool message_done = false; // ... the message
    uint64_t data_offset = 0;  // where the piece starts in the data set
    uint8_t progress = 0;      // how far the data set has got, percent + 1 (0: unknown)
};

// What bytes that the walk passed over again repeat.
struct Repeat {
    uint32_t frame = 0;               // the frame that carried them first (0: unknown)
    const Message *message = nullptr; // the message they belonged to
    bool of_held = false;             // they repeat bytes held ahead of a gap, not walked yet
};

// Receives, in order, what the connection did with the bytes and segments it was given. The
// `w.origin` of each unit says which payload carried it.
class ConnectionObserver {
public:
    virtual void pdu(const UnitPlace &p, const WalkedBytes &w, uint8_t type, uint32_t length_field) = 0;
    virtual void pdata_header(const UnitPlace &p, const WalkedBytes &w, uint32_t length_field) = 0;
    virtual void pdv_header(const UnitPlace &p, const WalkedBytes &w, const PdvPosition &pdv) = 0;
    virtual void pdv_value(const UnitPlace &p, const WalkedBytes &w, const PdvPosition &pdv, const PieceOutcome &o) = 0;
    virtual void lost(const UnitPlace &p, const WalkedBytes &w, LostKind kind, const PdvPosition &pdv,
                      const PieceOutcome &o) = 0;
    virtual void skipped(const UnitPlace &p, const WalkedBytes &w, SkipReason why) = 0;
    virtual void garbage(const UnitPlace &p, const WalkedBytes &w) = 0;
    virtual void resync(const UnitPlace &p, const WalkedBytes &w, ResyncReason why) = 0;
    virtual void fragment(const UnitPlace &p, const WalkedBytes &w, uint8_t unit) = 0;
    virtual void fragment_completed(const UnitPlace &p, const WalkedBytes &w, uint8_t unit, Origin completed_by) = 0;
    virtual void duplicate(const UnitPlace &p, const WalkedBytes &w, const Repeat &r) = 0;
    virtual void held(const UnitPlace &p, const WalkedBytes &w) = 0;
    // What the walk did at this frame with bytes of other frames: a message they completed or
    // closed incomplete (`closed`), or only its command set (`command_only`).
    virtual void message_noted(const UnitPlace &p, Message &m, bool closed, bool command_only) = 0;
    // A PDU whose last bytes are in frame `bytes_frame` (0: none), walked at this frame.
    virtual void pdu_noted(const UnitPlace &p, uint8_t type, uint32_t bytes_frame) = 0;
    virtual void findings(const UnitPlace &p, const std::vector<Diagnostic> &found) = 0;
    // A message that kept its data set whole (Packet::keep_for_export) ended: the data set as
    // sent, handed over.
    virtual void data_set_kept(const UnitPlace &p, const Message &m, ChunkedBytes &&bytes) = 0;

protected:
    ~ConnectionObserver() = default;
};

// What a connection needs of the capture it belongs to (session/capture.hpp): new associations,
// and what one association's messages tell the others.
class ConnectionHost {
public:
    // A new association on `conn`, numbered in the capture.
    virtual Association &new_association(const Connection &conn) = 0;
    virtual void associate_requested(Association &a) = 0; // its A-ASSOCIATE-RQ was walked
    virtual void message_completed(Association &a, Message &m) = 0; // or closed incomplete
    virtual void command_completed(Association &a, Message &m) = 0; // a data set follows
    // Its A-RELEASE-RQ was walked: findings that need the other associations.
    virtual void release_requested(Association &a, uint32_t frame, double time, std::vector<Diagnostic> &out) = 0;
    // Whether messages may keep their command set and small data set (kKeepToShow).
    virtual bool may_keep_shown_bytes() const = 0;

protected:
    ~ConnectionHost() = default;
};

class Connection {
public:
    Connection(ConnectionHost &host, const ConnectionSettings &settings, uint32_t tcp_stream);
    Connection(const Connection &) = delete;
    Connection &operator=(const Connection &) = delete;

    // ---- entry points (first pass, in capture order) ------------------------------------------
    // A payload of `packet.direction`: at TCP's relative sequence number `*seq`, or, without
    // one, bytes known to follow the previous ones (decrypted TLS data). `segment`: the TCP
    // segment that carried it (null for TLS records), for the timeline.
    void payload(const Packet &packet, Origin origin, ByteView bytes, const uint32_t *seq, const TcpFacts *segment,
                 ConnectionObserver &obs);
    // A segment whose payload is not walked: its facts for the timeline (`segment`, may be
    // null), and its acknowledgement of the other direction in TCP's relative numbering
    // (`ack_of_other`, may be null), which tells whether bytes that direction waits for came.
    void segment(const Packet &packet, const TcpFacts *segment, const uint32_t *ack_of_other, ConnectionObserver &obs);
    // A finding about the connection's transport (TLS where plain DICOM was expected and the
    // reverse), raised on its association, created when no PDU made one. `requestor_dir`: the
    // direction of the peer that opened the connection (-1: unknown).
    void raise_transport(const Packet &packet, int requestor_dir, DiagCode code);

    // ---- what the entry needs to know ---------------------------------------------------------
    bool holding(int dir) const { return dir_[dir & 1].reassembly.holding(); }
    uint64_t held_bytes(int dir) const { return dir_[dir & 1].reassembly.held_bytes(); }
    uint64_t delivered(int dir) const { return dir_[dir & 1].reassembly.delivered(); } // stream offset reached
    bool ack_matters(int dir, uint32_t ack) const { return dir_[dir & 1].reassembly.ack_matters(ack); }
    // TCP's relative numbering of a direction against the wire's, learnt from a payload TCP
    // handed over (`wire_seq` as captured, `tcp_seq` as TCP numbered it).
    void learn_numbering(int dir, uint32_t wire_seq, uint32_t tcp_seq);
    bool numbering_known(int dir) const { return dir_[dir & 1].numbering_known; }
    uint32_t relative_seq(int dir, uint32_t wire_seq) const { return wire_seq - dir_[dir & 1].seq_delta; }
    // The window scales the connection's SYNs offered, when TCP's analysis saw them before
    // this connection was made (-1: none offered).
    void know_window_scales(int scale_dir0, int scale_dir1) { timeline_.know_window_scales(scale_dir0, scale_dir1); }

    Association *association() const { return assoc_; } // the current one
    const Endpoint &endpoint(int dir) const { return dir_[dir & 1].sender; } // the sender of a direction
    uint32_t tcp_stream() const { return tcp_stream_; }

    // State of the glue about this connection.
    Transport transport = Transport::Unknown;
    uint32_t transport_report_frame = 0; // where the transport's problem got its expert info
    size_t frame_ip_offset = 0;          // where the IP header was in the last frame read (0: not yet)

private:
    class Walk; // one direction's walk within one entry call (connection_walk.cpp)
    // One direction of the connection.
    struct Direction {
        TcpReassembly reassembly;
        PduWalker walker;
        Endpoint sender;
        bool seen = false;           // its sender's address is known
        uint32_t seq_delta = 0;      // the wire's sequence numbers minus TCP's
        bool numbering_known = false;
        // Units walked lately, by stream offset: what a retransmission repeats.
        struct Walked {
            uint64_t offset;
            uint32_t frame;
            const Message *message;
        };
        RecentValues<Walked, 1024> walked;
        // Requests sent in this direction that wait for their receiver to acknowledge their last
        // byte (wire numbering): then their processing starts.
        struct AckWatch {
            uint32_t seq;
            Message *message;
        };
        Fifo<AckWatch> ack_watches;
        Direction(const ConnectionSettings &s, const uint32_t *pdu_cap);
    };

    void remember_endpoints(const Packet &packet);
    Association &association_for(bool starts_new); // creates one when there is none
    bool mid_message(int dir) const;
    bool feed_timeline(int dir, TcpFacts facts, Stall &stall); // true: the segment ended a stall
    void after_segment(const Packet &packet, const TcpFacts &facts, const Stall *stall, Message *walked_message,
                       ConnectionObserver &obs);

    ConnectionHost &host_;
    ConnectionSettings settings_;
    uint32_t tcp_stream_;
    Direction dir_[2];
    TcpTimeline timeline_;
    Association *assoc_ = nullptr;
};

} // namespace dicom
