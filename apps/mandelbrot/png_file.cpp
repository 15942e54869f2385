// PngFile: libpng's simplified write API into a temporary file, renamed into place.
#include "png_file.hpp"

#include <png.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace mandelbrot {

PngFile::PngFile(std::string path) : path_(std::move(path)) {
  static std::atomic<int> made{0};
  temp_ = path_ + ".tmp-" + std::to_string(getpid()) + "-" + std::to_string(++made);
  file_ = std::fopen(temp_.c_str(), "wb");
  if (!file_) fail(std::strerror(errno));
}

PngFile::~PngFile() {
  if (file_) std::fclose(file_);
  if (!committed_) std::remove(temp_.c_str());
}

void PngFile::fail(const std::string& reason) const {
  throw std::runtime_error("cannot write '" + path_ + "': " + reason);
}

void PngFile::write(const Image& image) {
  if (written_) throw std::logic_error("PngFile::write called twice");
  written_ = true;
  png_image png;
  std::memset(&png, 0, sizeof png);
  png.version = PNG_IMAGE_VERSION;
  png.width = static_cast<png_uint_32>(image.width);
  png.height = static_cast<png_uint_32>(image.height);
  png.format = PNG_FORMAT_RGB;
  const int ok = png_image_write_to_stdio(&png, file_, 0, image.rgb.data(), 0, nullptr);
  const std::string message = png.message;
  png_image_free(&png);
  errno = 0;
  const bool closed = std::fclose(file_) == 0;
  file_ = nullptr;
  if (!ok) fail(message);
  if (!closed) fail(std::strerror(errno ? errno : EIO));
}

void PngFile::commit() {
  if (!written_ || file_) throw std::logic_error("PngFile::commit before write");
  if (std::rename(temp_.c_str(), path_.c_str()) != 0) fail(std::strerror(errno));
  committed_ = true;
}

}  // namespace mandelbrot
