// Whole-file writes that readers never see half done: data goes to a temporary file in
// the same directory and reaches the real name only through commit() (fsync + rename).
// Token cache files, outbox records and .bbsot.yml are written this way.
#pragma once
#include <string>

#include <sys/types.h>

#include "base/error.hpp"

namespace bbsot {

class AtomicFile {
 public:
  AtomicFile(std::string path, mode_t mode = 0600);
  ~AtomicFile();  // removes the temporary file if commit() was not reached
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const std::string& data);
  // Flushes, fsyncs and renames over the target. Throws Error on failure.
  void commit();

 private:
  std::string path_;
  std::string tmp_path_;
  int fd_ = -1;
};

// Convenience: write `data` to `path` atomically with `mode`.
Status write_file_atomic(const std::string& path, const std::string& data, mode_t mode = 0600);

}  // namespace bbsot
