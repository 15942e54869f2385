// sink.file: writes what reaches it to a file, all or nothing.
//
//   source.lines ──> filter.match ──> sink.file {"path": "errors.txt", "format": "lines"}
//
// The bytes go to a temporary file beside `path` (".<name>.braid-tmp-XXXXXX"),
// renamed onto `path` by commit() once the run has succeeded. A run that fails,
// is cancelled or interrupted never calls commit(): the body's destructor
// removes the temporary file, and whatever was at `path` stays untouched.
#include "kinds/kinds.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <optional>
#include <random>
#include <set>

namespace braid::kinds {
namespace {

/// Temporary files of every FileSink not yet committed or destroyed, so that a
/// process about to end without unwinding can remove them.
struct PendingOutputs {
  std::mutex mutex;
  std::set<std::string> paths;
};

PendingOutputs& pending_outputs() {
  static PendingOutputs* p = new PendingOutputs();  // never destroyed: usable until the process ends
  return *p;
}

void set_pending(const std::string& path, bool pending) {
  PendingOutputs& p = pending_outputs();
  std::lock_guard<std::mutex> lock(p.mutex);
  if (pending)
    p.paths.insert(path);
  else
    p.paths.erase(path);
}

enum class Format { kRaw, kLines, kJsonl };

/// The format the params ask for; nullopt if it is not one (a problem validation reports).
std::optional<Format> format_of(const Params& p) {
  if (!p.has("format")) return Format::kRaw;
  const nlohmann::json& v = p.json().at("format");
  if (v == "raw") return Format::kRaw;
  if (v == "lines") return Format::kLines;
  if (v == "jsonl") return Format::kJsonl;
  return std::nullopt;
}

/// ".<name>.braid-tmp-" plus 6 random letters or digits.
std::string temporary_name(const std::string& name) {
  static constexpr char kChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  thread_local std::mt19937_64 gen(
      std::random_device{}() ^ static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()));
  std::string out = "." + name + ".braid-tmp-";
  for (int i = 0; i < 6; ++i) out += kChars[gen() % (sizeof kChars - 1)];
  return out;
}

class FileSink final : public SinkBody {
 public:
  FileSink(std::string path, Format format) : path_(std::move(path)), format_(format) {
    namespace fs = std::filesystem;
    struct stat st {};
    if (::stat(path_.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) fail(EISDIR);
    const fs::path target(path_);
    const std::string name = target.filename().string();
    if (name.empty()) fail(EISDIR);  // "out/"
    const fs::path dir = target.parent_path();
    for (int attempt = 0; fd_ < 0; ++attempt) {
      temporary_ = (dir / temporary_name(name)).string();
      fd_ = ::open(temporary_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
      if (fd_ < 0 && (errno != EEXIST || attempt == 100)) {
        const int error = errno;
        temporary_.clear();
        fail(error);
      }
    }
    set_pending(temporary_, true);
    buffer_.reserve(kBufferSize);
  }

  FileSink(const FileSink&) = delete;
  FileSink& operator=(const FileSink&) = delete;

  ~FileSink() override {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_ && !temporary_.empty()) {
      ::unlink(temporary_.c_str());
      set_pending(temporary_, false);
    }
  }

  void consume(const Message& in) override {
    std::lock_guard<std::mutex> lock(mutex_);  // the node may be given a concurrency above one
    const Value& v = in.value;
    switch (format_) {
      case Format::kRaw:
        if (v.is<Bytes>()) {
          append(v.get<Bytes>().data);
        } else if (v.is<std::string>()) {
          append(v.get<std::string>());
        } else {
          throw TypeError("format \"raw\" writes bytes or string values, got " + v.type_name());
        }
        break;
      case Format::kLines:
        if (v.is<std::string>()) {
          append(v.get<std::string>());
          append("\n");
        } else if (v.is<Lines>()) {
          for (const std::string& line : v.get<Lines>()) {
            append(line);
            append("\n");
          }
        } else {
          throw TypeError("format \"lines\" writes string or string[] values, got " + v.type_name());
        }
        break;
      case Format::kJsonl:
        append(json_line(v));
        break;
    }
  }

  void commit() override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (committed_) return;
    if (fd_ < 0) throw Error("cannot write '" + path_ + "': an earlier write failed");
    flush();
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0 && errno != EINTR) fail(errno);
    if (std::rename(temporary_.c_str(), path_.c_str()) != 0)
      throw Error("cannot rename '" + temporary_ + "' to '" + path_ + "': " + os_reason(errno));
    committed_ = true;
    set_pending(temporary_, false);
  }

 private:
  static constexpr std::size_t kBufferSize = std::size_t{1} << 20;

  [[noreturn]] void fail(int error) const { throw Error("cannot write '" + path_ + "': " + os_reason(error)); }

  static std::string json_line(const Value& v) {
    if (v.empty()) return "null\n";
    nlohmann::json j;
    v.type()->encode(v, j);
    try {
      return j.dump() + '\n';
    } catch (const nlohmann::json::exception& e) {  // a string that is not UTF-8
      throw Error("cannot write a " + v.type_name() + " value as JSON: " + e.what());
    }
  }

  void append(std::string_view data) {
    if (fd_ < 0) throw Error("cannot write '" + path_ + "': an earlier write failed");
    if (buffer_.size() + data.size() > kBufferSize) flush();
    if (data.size() >= kBufferSize) {
      write_all(data.data(), data.size());
    } else {
      buffer_.append(data.data(), data.size());
    }
  }

  void flush() {
    write_all(buffer_.data(), buffer_.size());
    buffer_.clear();
  }

  void write_all(const char* data, std::size_t size) {
    while (size != 0) {
      const ssize_t n = ::write(fd_, data, size);
      if (n < 0) {
        if (errno == EINTR) continue;
        const int error = errno;
        ::close(fd_);
        fd_ = -1;  // the temporary file is removed by the destructor
        fail(error);
      }
      data += n;
      size -= static_cast<std::size_t>(n);
    }
  }

  std::string path_;
  Format format_;
  std::string temporary_;  // empty: none was created
  int fd_ = -1;
  bool committed_ = false;
  std::string buffer_;
  std::mutex mutex_;
};

}  // namespace

void add_files(Registry& registry) {
  Kind k;
  k.name = "sink.file";
  k.doc = "Writes its messages to a file, in the order they arrive, made visible only when the run succeeds";
  k.shape = Shape::kSink;
  k.inputs = {port("in", {}, "raw: bytes or string; lines: string or string[]; jsonl: any value with a JSON codec")};
  k.dynamic_inputs = [](const Params& p) -> std::vector<PortSpec> {
    switch (format_of(p).value_or(Format::kJsonl)) {  // a bad format: only the param is reported
      case Format::kRaw:
        return {port("in", {"bytes", "string"}, "written as they are")};
      case Format::kLines:
        return {port("in", {"string", "string[]"}, "each line followed by '\\n'")};
      case Format::kJsonl:
        return {port("in", {}, "any value with a JSON codec")};
    }
    return {};
  };
  k.params = {
      path_param("path",
                 "the file to write; written to a temporary file beside it, renamed onto it only when the run "
                 "succeeds (a failed run leaves an existing file untouched)"),
      param::string("format",
                    "raw: bytes and strings as they are; lines: each string, or each line of a string[], followed "
                    "by '\\n'; jsonl: each value as one line of compact JSON",
                    "raw", {"raw", "lines", "jsonl"}),
  };
  k.concurrency = Concurrency::serial();
  k.make = [](const NodeConfig& c) -> std::unique_ptr<NodeBody> {
    const std::optional<Format> format = format_of(c.params);
    if (!format) throw Error("parameter 'format' must be \"raw\", \"lines\" or \"jsonl\"");
    return std::make_unique<FileSink>(c.params.get<std::string>("path"), *format);
  };
  registry.add(std::move(k));
}

}  // namespace braid::kinds

namespace braid {

void discard_pending_outputs() noexcept {
  kinds::PendingOutputs& p = kinds::pending_outputs();
  std::lock_guard<std::mutex> lock(p.mutex);
  for (const std::string& path : p.paths) ::unlink(path.c_str());
  p.paths.clear();
}

}  // namespace braid
