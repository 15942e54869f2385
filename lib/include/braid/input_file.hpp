#pragma once
/// \file
/// Reading a file in a kind's body: braid::InputFile reads a file, or standard
/// input, front to back with POSIX reads. It is what the built-in file sources
/// (source.lines, source.blocks) read with, for kinds of your own that read
/// files the same way and fail with the same messages.
///
/// ```cpp
/// braid::InputFile file(path);   // "-": standard input; nothing opened yet
/// std::string data(1 << 20, '\0');
/// while (std::size_t n = file.read(data.data(), data.size())) consume(data.data(), n);
/// ```
///
/// Every failure is a braid::Error naming the file and the operating system's
/// reason ("cannot open 'x.txt': No such file or directory"), so that a run
/// reports it as the node's error. A read interrupted by a signal is retried.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace braid {

/// A file read front to back; "-" is standard input (never closed). Opened by
/// the first read() or size_hint(), so a source's body opens its file when it
/// runs, not when the graph is built. Not thread-safe: one body reads it.
class InputFile {
 public:
  /// A reader of `path` ("-": standard input). Opens nothing and never throws
  /// but std::bad_alloc: the first read() or size_hint() opens the file.
  explicit InputFile(std::string path);
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;
  /// Closes the file (not standard input).
  ~InputFile();

  /// Reads up to `size` bytes into `data`, at least one unless the file has
  /// ended; returns how many, 0 only at the end (and for size 0). Throws
  /// braid::Error if the file cannot be opened (a directory cannot) or read.
  std::size_t read(char* data, std::size_t size);

  /// Reads until `size` bytes are in `data` or the file ends; returns how
  /// many (less than `size` only at the end). Throws as read() does.
  std::size_t read_fully(char* data, std::size_t size);

  /// The size of a regular file, in bytes, opening it if needed; nullopt for
  /// standard input, pipes and devices. Throws as read() does.
  std::optional<std::uint64_t> size_hint();

  /// How messages name the file: "'PATH'" or "standard input".
  std::string where() const;

 private:
  void open();
  void close() noexcept;

  std::string path_;
  int fd_ = -1;
  bool opened_ = false;
};

/// The operating system's text for an errno value ("No such file or
/// directory"). Thread-safe.
std::string os_reason(int error);

}  // namespace braid
