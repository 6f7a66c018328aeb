// Outbox records are read back from disk by every delivery; a damaged or hand-edited
// record must be refused cleanly, and a record that reads must survive a write/read.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "outbox/outbox.hpp"

using namespace bbsot;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto first = record_from_json(text);
  if (!first.ok()) return 0;
  const std::string json = record_to_json(*first);
  auto second = record_from_json(json);
  if (!second.ok()) std::abort();
  if (second->id != first->id || second->state != first->state || second->changes.size() != first->changes.size() ||
      second->created != first->created || second->attempts != first->attempts)
    std::abort();
  for (size_t i = 0; i < first->changes.size(); ++i)
    if (second->changes[i].commits.size() != first->changes[i].commits.size()) std::abort();
  if (record_to_json(*second) != json) std::abort();  // a fixed point after one trip
  return 0;
}
