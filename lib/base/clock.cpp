#include "base/clock.hpp"

#include <ctime>

namespace bbsot {

int64_t now_epoch() { return static_cast<int64_t>(std::time(nullptr)); }

int64_t now_epoch_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

}  // namespace bbsot
