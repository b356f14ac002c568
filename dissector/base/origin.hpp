// Where bytes sit in the capture: the caller's handle for a payload it fed (opaque to the
// core), the frame that carried it, and an offset in that payload.
#pragma once
#include <cstdint>

namespace dicom {

struct Origin {
    void *source = nullptr;
    uint32_t frame = 0;
    uint32_t offset = 0;
    Origin at(uint32_t n) const { return Origin{source, frame, offset + n}; } // `n` bytes further
};

} // namespace dicom
