// braid::InputFile: POSIX reads of a file or standard input, errors as braid::Error.
#include <braid/error.hpp>
#include <braid/input_file.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <utility>

namespace braid {

std::string os_reason(int error) { return std::generic_category().message(error); }

InputFile::InputFile(std::string path) : path_(std::move(path)) {}

InputFile::~InputFile() { close(); }

std::string InputFile::where() const { return path_ == "-" ? std::string("standard input") : "'" + path_ + "'"; }

std::size_t InputFile::read(char* data, std::size_t size) {
  if (!opened_) open();
  if (fd_ < 0 || size == 0) return 0;
  ssize_t n;
  do {
    n = ::read(fd_, data, size);
  } while (n < 0 && errno == EINTR);
  if (n < 0) throw Error("cannot read " + where() + ": " + os_reason(errno));
  if (n == 0) close();
  return static_cast<std::size_t>(n);
}

std::size_t InputFile::read_fully(char* data, std::size_t size) {
  std::size_t done = 0;
  while (done < size) {
    const std::size_t n = read(data + done, size - done);
    if (n == 0) break;
    done += n;
  }
  return done;
}

std::optional<std::uint64_t> InputFile::size_hint() {
  if (!opened_) open();
  struct stat st {};
  if (fd_ < 0 || ::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0) return std::nullopt;
  return static_cast<std::uint64_t>(st.st_size);
}

void InputFile::open() {
  opened_ = true;
  if (path_ == "-") {
    fd_ = STDIN_FILENO;
  } else {
    do {
      fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    } while (fd_ < 0 && errno == EINTR);
    if (fd_ < 0) throw Error("cannot open " + where() + ": " + os_reason(errno));
  }
  struct stat st {};
  if (::fstat(fd_, &st) == 0 && S_ISDIR(st.st_mode)) {
    close();
    throw Error("cannot open " + where() + ": " + os_reason(EISDIR));
  }
}

void InputFile::close() noexcept {
  if (fd_ >= 0 && fd_ != STDIN_FILENO) ::close(fd_);
  fd_ = -1;
}

}  // namespace braid
