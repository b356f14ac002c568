/* Seconds since the epoch (as the core keeps times) as Wireshark's nstime_t. */
#pragma once

#include <wsutil/nstime.h>

/* Rounded to the nanosecond. */
static inline nstime_t dicom_nstime(double seconds) {
    nstime_t ns;
    nstime_set_zero(&ns);
    ns.secs = (time_t)seconds;
    ns.nsecs = (int)((seconds - (double)ns.secs) * 1e9 + 0.5);
    if (ns.nsecs >= 1000000000) {
        ns.secs += 1;
        ns.nsecs -= 1000000000;
    }
    return ns;
}
