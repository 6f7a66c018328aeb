// A private directory for one unit test, removed at the end (also when an assertion
// fails). Unit tests touch files only through this: no git processes, no network.
#pragma once
#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>

namespace bbsot::unit {

struct ScratchDir {
  ScratchDir() {
    std::string t = (std::filesystem::temp_directory_path() / "bbsot-unit-XXXXXX").string();
    if (!::mkdtemp(t.data())) throw std::runtime_error("mkdtemp failed");
    path = t;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::string path;
};

}  // namespace bbsot::unit
