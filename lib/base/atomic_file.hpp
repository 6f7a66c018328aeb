// Whole-file writes that readers never see half done: data goes to a temporary file in
// the same directory and reaches the real name only through commit() (fsync + rename).
// Token cache files, outbox records and .bbsot.yml are written this way.
#pragma once
#include <string>

#include <sys/types.h>

#include "base/error.hpp"

namespace bbsot {

// How durable a write is. Every write is atomic (readers see the old or the new file);
// these say what survives a power failure, at the cost of an fsync each.
enum class Sync {
  None,              // atomic only: survives a killed process, not a power cut
  File,              // the content is on disk before the rename
  FileAndDirectory,  // and the rename itself: for files a reader must find after a crash
};

class AtomicFile {
 public:
  AtomicFile(std::string path, mode_t mode = 0600);
  ~AtomicFile();  // removes the temporary file if commit() was not reached
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const std::string& data);
  // Renames over the target, after the fsyncs `sync` asks for. Throws Error on failure.
  void commit(Sync sync = Sync::File);

 private:
  std::string path_;
  std::string tmp_path_;
  int fd_ = -1;
};

// Convenience: write `data` to `path` atomically with `mode`.
[[nodiscard]] Status write_file_atomic(const std::string& path, const std::string& data, mode_t mode = 0600,
                                       Sync sync = Sync::File);
// fsync of a directory (after a rename or unlink in it). Failure: why not.
[[nodiscard]] Status sync_directory(const std::string& dir);

}  // namespace bbsot
