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
  // Flushes, fsyncs and renames over the target; with `sync_dir`, also fsyncs the
  // directory, so the new name survives a crash (records a report depends on). Throws
  // Error on failure.
  void commit(bool sync_dir = false);

 private:
  std::string path_;
  std::string tmp_path_;
  int fd_ = -1;
};

// Convenience: write `data` to `path` atomically with `mode`.
[[nodiscard]] Status write_file_atomic(const std::string& path, const std::string& data, mode_t mode = 0600,
                                       bool sync_dir = false);
// fsync of a directory (after a rename or unlink in it). Failure: why not.
[[nodiscard]] Status sync_directory(const std::string& dir);

}  // namespace bbsot
