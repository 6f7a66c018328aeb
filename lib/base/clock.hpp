// The wall clock, in one place. Stored times (token expiry, report schedules) are epoch
// seconds from here; waits inside one process use std::chrono::steady_clock instead, so a
// clock that jumps cannot stretch them.
#pragma once
#include <cstdint>

namespace bbsot {

// Seconds since the epoch, by this machine's clock.
[[nodiscard]] int64_t now_epoch();
// The same in nanoseconds, for ordering records made within one second.
[[nodiscard]] int64_t now_epoch_ns();

}  // namespace bbsot
