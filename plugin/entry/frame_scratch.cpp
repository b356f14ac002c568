/* The frame's scratch (frame_scratch.h). */
#include "entry/frame_scratch.h"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <type_traits>
#include <vector>

#include <wsutil/wmem/wmem_user_cb.h>

#include "compat.h"

/* One frame is dissected at a time, and Wireshark frees the packet pool (pinfo->pool) after
 * each. So the frame's scratch is one object, valid while its pool has not been freed since it
 * was set up: a callback on the pool says when. A proto-data entry per frame would cost an
 * allocation, a list insertion and two list searches on every frame. */
namespace {

struct ScratchSlot {
    wmem_allocator_t *pool = nullptr; /* the packet pool of the frame it belongs to */
    guint32 frame = 0;
    bool live = false;
    FrameScratch fs;
};
ScratchSlot scratch_slot;
/* pools that carry the callback; few: one per epan_dissect_t alive at a time */
std::vector<wmem_allocator_t *> watched_pools;

dicom_wmem_cb_result packet_pool_freed(wmem_allocator_t *pool, wmem_cb_event_t event, void *) {
    if (scratch_slot.pool == pool) scratch_slot.live = false;
    if (event == WMEM_CB_FREE_EVENT) return true; /* the pool serves the next frame */
    watched_pools.erase(std::remove(watched_pools.begin(), watched_pools.end(), pool), watched_pools.end());
    return false;
}

} // namespace

FrameScratch *frame_scratch_if_any(packet_info *pinfo) {
    const ScratchSlot &s = scratch_slot;
    return s.live && s.pool == pinfo->pool && s.frame == pinfo->num ? &scratch_slot.fs : NULL;
}

FrameScratch *frame_scratch(packet_info *pinfo) {
    if (FrameScratch *fs = frame_scratch_if_any(pinfo)) return fs;
    if (std::find(watched_pools.begin(), watched_pools.end(), pinfo->pool) == watched_pools.end()) {
        try {
            watched_pools.push_back(pinfo->pool);
            wmem_register_callback(pinfo->pool, packet_pool_freed, NULL);
        } catch (...) {
            /* out of memory: the pool is not watched, and the frame number (checked above)
             * is what tells its frames apart */
        }
    }
    scratch_slot.pool = pinfo->pool;
    scratch_slot.frame = pinfo->num;
    scratch_slot.live = true;
    static_assert(std::is_trivially_copyable<FrameScratch>::value, "FrameScratch is reset with memset");
    memset(&scratch_slot.fs, 0, offsetof(FrameScratch, info) + offsetof(InfoColumn, entries)); /* entries count from n_entries */
    return &scratch_slot.fs;
}
