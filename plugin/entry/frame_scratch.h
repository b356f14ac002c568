/* The frame's scratch: what the calls one frame gets (TCP, TLS records, the postdissector)
 * share while it is dissected. One object, valid while the frame's packet pool lives. */
#pragma once

#include <epan/packet.h>

#include "view/info.h"

namespace dicom {
class Connection;
}

struct TlsCall {
    bool active;       /* inside our call into TLS */
    guint32 decrypted; /* calls TLS made into our dissector */
};

struct FrameScratch {
    dicom::Connection *conn; /* the frame's connection, once looked up */
    unsigned calls;          /* payload records dissected in this frame so far */
    bool handled;            /* TCP or TLS called us: the postdissector leaves the payload alone */
    bool timeline_fed;       /* the frame's TCP segment went into the connection's timeline */
    TlsCall tls;             /* tls_entry.cpp */
    InfoColumn info;         /* last, so that a reset can stop before its entries */
};

/* The frame's scratch, set up empty by its first use in the frame; _if_any: NULL before that. */
FrameScratch *frame_scratch(packet_info *pinfo);
FrameScratch *frame_scratch_if_any(packet_info *pinfo);
