#pragma once
// Private to the CLI: files written whole or not at all (stats, traces,
// rendered graphs, plots, tuned pipelines).
#include <braid/error.hpp>

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <utility>

namespace braid::cli {

/// An output file that cannot be written: printed, exit 1.
struct OutputError : Error {
  using Error::Error;
};

/// A file written whole or not at all: the text goes to a temporary file
/// beside `path`, renamed over it by commit(). Destroyed uncommitted (the run
/// failed), it removes the temporary file and leaves `path` as it was.
class OutputFile {
 public:
  explicit OutputFile(std::string path) : path_(std::move(path)) {
    static std::atomic<int> made{0};
    temp_ = path_ + ".tmp-" + std::to_string(getpid()) + "-" + std::to_string(++made);
    stream_.open(temp_, std::ios::binary | std::ios::trunc);
    if (!stream_) throw OutputError("cannot write '" + path_ + "': " + std::strerror(errno));
  }
  ~OutputFile() {
    if (committed_) return;
    stream_.close();
    std::remove(temp_.c_str());
  }
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  std::ostream& stream() { return stream_; }
  /// Closes the temporary file and renames it to `path`. Throws OutputError.
  void commit() {
    errno = 0;
    stream_.close();
    if (!stream_) throw OutputError("cannot write '" + path_ + "': " + std::strerror(errno ? errno : EIO));
    if (std::rename(temp_.c_str(), path_.c_str()) != 0)
      throw OutputError("cannot write '" + path_ + "': " + std::strerror(errno));
    committed_ = true;
  }

 private:
  std::string path_;
  std::string temp_;
  std::ofstream stream_;
  bool committed_ = false;
};

}  // namespace braid::cli
