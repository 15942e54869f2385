#pragma once
// A PNG file written whole or not at all, with libpng.
//
//   PngFile file("out.png");   // opens out.png.tmp-<pid>-<n>: a bad path fails here
//   file.write(image);         // encodes into the temporary file
//   file.commit();             // renames it to out.png
//
// Destroyed before commit() (the run failed), it removes the temporary file
// and leaves `path` as it was.
#include "picture.hpp"

#include <cstdio>
#include <string>

namespace mandelbrot {

class PngFile {
 public:
  /// Opens a temporary file beside `path`. Throws std::runtime_error
  /// ("cannot write 'PATH': REASON") when it cannot be created.
  explicit PngFile(std::string path);
  ~PngFile();
  PngFile(const PngFile&) = delete;
  PngFile& operator=(const PngFile&) = delete;

  /// Encodes `image` as an 8-bit RGB PNG into the temporary file and closes
  /// it. Call at most once. Throws std::runtime_error on failure.
  void write(const Image& image);
  /// Renames the written temporary file to `path`. Requires write(); throws
  /// std::runtime_error on failure.
  void commit();
  /// Whether write() has been called.
  bool written() const noexcept { return written_; }

 private:
  [[noreturn]] void fail(const std::string& reason) const;

  std::string path_;
  std::string temp_;
  std::FILE* file_ = nullptr;
  bool written_ = false;
  bool committed_ = false;
};

}  // namespace mandelbrot
