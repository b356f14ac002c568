// One TCP connection as the first pass walks it: both directions' reassembly and PDU walk, the
// TCP timeline, the acknowledgements that stamp requests, the order of the two directions as
// the peers had it (connection_entry.cpp), and the association in progress (a new A-ASSOCIATE-RQ starts a new one). Every walked unit is
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
    AckGrace ack_grace;              // how long a gap the receiver acknowledged past waits for late bytes
    uint64_t defer_limit = 1u << 20; // bytes of segments that wait for what they acknowledge, per direction
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
    bool capture_copy = false;        // the same segment captured twice (a mirror port), not sent twice
};

// Why bytes wait before they are walked.
enum class HeldReason : uint8_t {
    AheadOfGap = 0,       // bytes before them have not been captured yet
    AheadOfAcknowledged,  // their segment acknowledges data of the other direction not captured yet
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
    virtual void held(const UnitPlace &p, const WalkedBytes &w, HeldReason why) = 0;
    // What the walk did at this frame with bytes of other frames: a message they completed or
    // closed incomplete (`closed`), or only its command set (`command_only`).
    virtual void message_noted(const UnitPlace &p, Message &m, bool closed, bool command_only) = 0;
    // A PDU whose last bytes are in frame `bytes_frame` (0: none), walked at this frame.
    virtual void pdu_noted(const UnitPlace &p, uint8_t type, uint32_t bytes_frame) = 0;
    virtual void findings(const UnitPlace &p, const std::vector<Diagnostic> &found) = 0;
    // Conformance violations the walk showed at this frame (session/validate.hpp).
    virtual void violations(const UnitPlace &p, const std::vector<Violation> &found) = 0;
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
    // A payload of `packet.direction`: at sequence number `*seq` (as on the wire, the same
    // numbering as `segment`), or, without one, bytes known to follow the previous ones
    // (decrypted TLS data). `segment`: the TCP segment that carried it (null for TLS records).
    void payload(const Packet &packet, Origin origin, ByteView bytes, const uint32_t *seq, const TcpFacts *segment,
                 ConnectionObserver &obs);
    // A segment whose payload is not walked: its facts for the timeline (`segment`, may be
    // null), and its acknowledgement of the other direction (`ack_of_other`, may be null),
    // which tells whether bytes that direction waits for came.
    void segment(const Packet &packet, const TcpFacts *segment, const uint32_t *ack_of_other, ConnectionObserver &obs);
    // A finding about the connection's transport (TLS where plain DICOM was expected and the
    // reverse), raised on its association, created when no PDU made one. `requestor_dir`: the
    // direction of the peer that opened the connection (-1: unknown).
    void raise_transport(const Packet &packet, int requestor_dir, DiagCode code);

    // ---- what the entry needs to know ---------------------------------------------------------
    bool holding(int dir) const { return dir_[dir & 1].reassembly.holding(); }
    // The capture ended: what waits for data of the other direction is walked, and what waits
    // for missing bytes is declared lost, as of the connection's last frame.
    void finish(ConnectionObserver &obs);
    uint64_t held_bytes(int dir) const { return dir_[dir & 1].reassembly.held_bytes(); }
    uint64_t delivered(int dir) const { return dir_[dir & 1].reassembly.delivered(); } // stream offset reached
    bool ack_matters(int dir, uint32_t ack) const { return dir_[dir & 1].reassembly.ack_matters(ack); }
    // Direction `dir` began with a SYN numbered `syn_seq` (as on the wire): its stream starts
    // right after it. Told by the connection's SYN, or by TCP when it saw the SYNs before the
    // connection was made.
    void stream_starts_after(int dir, uint32_t syn_seq);
    // The sender of direction `dir` opened the TCP connection (its SYN, or the other side's
    // SYN-ACK, was captured, by this connection or by TCP before it): the requestor, PS3.8 9.1.2.
    void opened_by(int dir) { opener_dir_ = int8_t(dir & 1); }
    // The sender of direction `dir` uses a port DICOM is registered on and the other does not:
    // likely the acceptor, the side that listens.
    void listens(int dir) { listener_dir_ = int8_t(dir & 1); }
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
    bool tcp_analysis_read = false;      // what TCP knew from before the connection was ours
    bool ports_read = false;             // whether one end is on a DICOM port (listens)
    // TCP's sequence numbers (relative by default) to the wire's, per direction: what a
    // reassembled payload (out-of-order reassembly) carries only in TCP's numbering
    uint32_t wire_minus_tcp_seq[2] = {0, 0};
    bool wire_minus_tcp_known[2] = {false, false};

private:
    class Walk; // one direction's walk within one entry call (connection_walk.cpp)
    // One direction of the connection.
    struct Direction {
        TcpReassembly reassembly;
        PduWalker walker;
        Endpoint sender;
        bool seen = false;           // its sender's address is known
        bool syn_seen = false;       // its SYN was captured: its data starts after syn_seq
        uint32_t syn_seq = 0;        // (wire numbering)
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
        // Segments that acknowledge data of the other direction the capture has not shown yet (a
        // mirror port copies the two directions through separate queues): walked once that data
        // has been captured, in the order the peers had them, or when the grace is over.
        struct Deferred {
            Packet packet;
            Origin origin;
            std::vector<uint8_t> bytes;
            uint32_t seq = 0;
            TcpFacts facts;       // its ACK (wire numbering of the other direction), FIN, RST
            double until = 0;     // the grace
            bool ahead = false;   // it acknowledged bytes of the other direction not seen yet
            uint32_t other_holes = 0; // the other direction's holes then
            bool copy = false;        // a second capture of a segment (a mirror port's copy)
        };
        std::vector<Deferred> deferred;
        uint64_t deferred_bytes = 0;
        uint32_t holes = 0; // holes delivered (bytes the capture missed)
        double disorder_time = -1; // the last segment out of order, retransmitted or missed
        // The last segments with payload, to tell a second capture of one from a retransmission.
        struct Seen {
            uint32_t seq, length;
            uint16_t ip_id, checksum;
            double time;
        };
        RecentValues<Seen, 8> seen_segments;
        Direction(const ConnectionSettings &s, const uint32_t *pdu_cap);
    };

    void remember_endpoints(const Packet &packet);
    Association &association_for(bool starts_new); // creates one when there is none
    // Roles of an association whose A-ASSOCIATE is not in the capture, from the best evidence
    // there is: the handshake, the listening port, a request (`request_dir`, -1: none).
    void infer_roles(Association &a, int request_dir) const;
    int8_t opener_dir_ = -1, listener_dir_ = -1;
    bool mid_message(int dir) const;
    bool feed_timeline(int dir, TcpFacts facts, Stall &stall); // true: the segment ended a stall
    void tick(const Packet &p, ConnectionObserver &obs); // gaps whose grace is over are declared lost
    Packet last_packet_;    // the connection's last frame (for finish)
    bool finishing_ = false; // finish(): nothing waits any more
    void after_segment(const Packet &packet, const TcpFacts &facts, const Stall *stall, Message *walked_message,
                       ConnectionObserver &obs);
    void judge_close(const Packet &packet, const TcpFacts &facts, ConnectionObserver &obs);
    // connection_entry.cpp: putting the capture back in the order the peers had it
    bool ahead_of_own_bytes(int dir, const TcpFacts &facts) const;
    bool acknowledges_unseen(int dir, const TcpFacts &facts) const;
    bool next_to_walk(int dir, uint32_t &wire_seq) const;
    bool captured_twice(int dir, const TcpFacts &facts);
    void defer(const Packet &p, Origin origin, ByteView bytes, uint32_t seq, const TcpFacts &facts, ConnectionObserver &obs);
    void follow_negotiated_limits(const Association &a);
    // Either direction waits for bytes: a gap in its grace, or segments held for the data they
    // acknowledge. Findings raised meanwhile cannot count on what the capture will show.
    bool waiting_for_bytes(int dir) const;
    bool waiting_for_bytes() const { return waiting_for_bytes(0) || waiting_for_bytes(1); }
    // Tells the association which of its sides' bytes wait (Association::pending_from_*).
    void note_pending(Association &a) const;
    void give_up_waiting(int dir, uint32_t ack, const Packet &now, double captured, ConnectionObserver &obs);
    double first_deferred_time(int dir) const; // when the first segment `dir` defers was captured
    void catch_up(int dir, const Packet &now, ConnectionObserver &obs);
    void release_deferred(int dir, const Packet &now, ConnectionObserver &obs);
    // a segment that waited for what it acknowledges, into the reassembly of `dir`
    void add_deferred(int dir, uint32_t seq, ByteView bytes, Origin origin, double time, Walk &walk);
    Message *walk_payload(const Packet &p, Origin origin, ByteView bytes, const uint32_t *seq, bool copy,
                          ConnectionObserver &obs); // returns the first message a piece of it belonged to
    void note_mirror_evidence(const Packet &p, int dir, ConnectionObserver &obs);
    void note_pending_mirror_evidence(const Packet &now, ConnectionObserver &obs);

    ConnectionHost &host_;
    ConnectionSettings settings_;
    uint32_t tcp_stream_;
    Direction dir_[2];
    TcpTimeline timeline_;
    Association *assoc_ = nullptr;
    struct MirrorEvidence {
        uint32_t frame = 0; // 0: none waits
        double time = 0;
        int dir = 0;
    } mirror_pending_; // seen before the connection had an association
    // Data segments and second copies of one: a mirror copies every frame, a network that
    // duplicates (the receiver then reports it) only some.
    uint32_t data_segments_ = 0, copies_ = 0;
};

} // namespace dicom
