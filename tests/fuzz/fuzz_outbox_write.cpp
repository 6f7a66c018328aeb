// Writing an outbox record from what git hands the pre-push hook: commit messages, author
// names, remote names and paths are bytes, not necessarily UTF-8 (i18n.commitEncoding,
// Latin-1 file systems). Writing must never throw, and what was written must read back.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include <fuzzer/FuzzedDataProvider.h>

#include "outbox/outbox.hpp"

using namespace bbsot;

namespace {

PushRecord record_from(FuzzedDataProvider& in) {
  PushRecord r;
  r.id = "3f2a6c1e-8b4d-4e0f-9a71-0c5d2e6b7a10";
  r.state = in.PickValueInArray({RecordState::Pending, RecordState::Ready, RecordState::Sent});
  // Times as a clock gives them (the reader refuses what no clock gives: docs/RELIABILITY.md).
  r.created = in.ConsumeIntegralInRange<int64_t>(0, 4102444800);
  r.created_ns = r.created * 1000000000 + in.ConsumeIntegralInRange<int64_t>(0, 999999999);
  r.remote = in.ConsumeRandomLengthString(64);
  r.remote_url = in.ConsumeRandomLengthString(128);
  r.git_dir = in.ConsumeRandomLengthString(128);
  r.actor_name = in.ConsumeRandomLengthString(64);
  r.actor_email = in.ConsumeRandomLengthString(64);
  r.last_error = in.ConsumeRandomLengthString(128);
  while (r.changes.size() < 3 && in.ConsumeBool()) {
    RefChange c;
    c.ref = "refs/heads/" + in.ConsumeRandomLengthString(64);
    c.new_id = in.ConsumeRandomLengthString(64);
    while (c.commits.size() < 5 && in.ConsumeBool()) {
      CommitInfo ci;
      ci.hash = in.ConsumeRandomLengthString(64);
      ci.author_name = in.ConsumeRandomLengthString(64);
      ci.author_email = in.ConsumeRandomLengthString(64);
      ci.date = in.ConsumeIntegralInRange<int64_t>(-4102444800, 4102444800);
      ci.tz_offset_min = in.ConsumeIntegral<int>();
      ci.message = in.ConsumeRandomLengthString(256);
      c.commits.push_back(std::move(ci));
    }
    r.changes.push_back(std::move(c));
  }
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  const PushRecord r = record_from(in);
  std::string json;
  try {
    json = record_to_json(r);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz_outbox_write: record_to_json threw: %s\n", e.what());
    std::abort();
  }
  auto back = record_from_json(json);
  if (!back.ok()) {
    std::fprintf(stderr, "fuzz_outbox_write: a written record does not read back: %s\n", back.error().c_str());
    std::abort();
  }
  if (back->id != r.id || back->state != r.state || back->changes.size() != r.changes.size()) std::abort();
  return 0;
}
