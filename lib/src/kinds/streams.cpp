// source.lines, source.blocks, source.files, source.count: sources of many
// items, read lazily: each next() reads only what its item needs, so a file
// far larger than memory streams through a pipeline.
//
//   source.lines ──> filter.match ──> sink.file     (grep, one batch of lines per message)
//
// Files are read with POSIX open/read: a read interrupted by a signal is
// retried, and every failure is a braid::Error naming the path and the
// operating system's reason ("cannot open 'x.txt': No such file or directory"),
// raised by the first next() (the run reports it as the node's error).
#include "kinds/kinds.hpp"

#include <braid/input_file.hpp>

#include <fnmatch.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace braid::kinds {
namespace {

/// source.lines: batches of up to `batch` lines.
class LinesSource final : public SourceBody {
 public:
  LinesSource(std::string path, std::size_t batch) : file_(std::move(path)), batch_(batch) {}

  bool next(Value& out) override {
    Lines batch;
    batch.reserve(std::min<std::size_t>(batch_, 1024));
    while (batch.size() < batch_) {
      const char* begin = buffer_.data() + start_;
      const void* newline = std::memchr(buffer_.data() + scanned_, '\n', buffer_.size() - scanned_);
      if (newline) {
        const std::size_t length = static_cast<std::size_t>(static_cast<const char*>(newline) - begin);
        batch.emplace_back(begin, length);
        start_ = scanned_ = start_ + length + 1;
      } else if (at_end_) {
        if (start_ < buffer_.size()) batch.emplace_back(begin, buffer_.size() - start_);  // no final '\n'
        start_ = scanned_ = buffer_.size();
        break;
      } else {
        scanned_ = buffer_.size();
        fill();
      }
    }
    if (batch.empty()) return false;
    out = Value::of(std::move(batch));
    return true;
  }

 private:
  static constexpr std::size_t kReadSize = std::size_t{1} << 16;

  /// Drops the lines already emitted and appends what the next read gives.
  void fill() {
    buffer_.erase(0, start_);
    scanned_ -= start_;
    start_ = 0;
    const std::size_t old = buffer_.size();
    buffer_.resize(old + kReadSize);
    const std::size_t n = file_.read(&buffer_[old], kReadSize);
    buffer_.resize(old + n);
    if (n == 0) at_end_ = true;
  }

  InputFile file_;
  std::size_t batch_;
  std::string buffer_;       // bytes read, not yet emitted from start_ on
  std::size_t start_ = 0;    // first byte of the next line
  std::size_t scanned_ = 0;  // bytes before this hold no '\n' after start_
  bool at_end_ = false;
};

/// source.blocks: blocks of exactly `block_size` bytes, the last one shorter;
/// with `empty_block`, an empty file gives one empty block.
class BlocksSource final : public SourceBody {
 public:
  BlocksSource(std::string path, std::size_t block_size, bool empty_block)
      : file_(std::move(path)), block_size_(block_size), empty_block_(empty_block) {}

  bool next(Value& out) override {
    Bytes block;
    std::string& data = block.data;
    // Grown geometrically, so a huge block_size costs nothing on a small file.
    while (data.size() < block_size_) {
      const std::size_t old = data.size();
      const std::size_t want = std::min(block_size_ - old, std::max(kFirstRead, old));
      data.resize(old + want);
      const std::size_t n = file_.read_fully(&data[old], want);
      data.resize(old + n);
      if (n < want) break;
    }
    if (data.empty() && (emitted_ || !empty_block_)) return false;
    if (data.capacity() > 2 * data.size()) data.shrink_to_fit();
    out = Value::of(std::move(block));
    emitted_ = true;
    return true;
  }

 private:
  static constexpr std::size_t kFirstRead = std::size_t{1} << 20;

  InputFile file_;
  std::size_t block_size_;
  bool empty_block_;
  bool emitted_ = false;
};

/// source.files: the paths of the regular files in a directory, sorted.
class FilesSource final : public SourceBody {
 public:
  FilesSource(std::string root, std::string glob, bool recursive)
      : root_(std::move(root)), glob_(std::move(glob)), recursive_(recursive) {}

  bool next(Value& out) override {
    if (!listed_) list();
    if (index_ == paths_.size()) return false;
    out = Value::of(std::move(paths_[index_++]));
    return true;
  }

 private:
  [[noreturn]] void fail(const std::string& reason) const { throw Error("cannot list '" + root_ + "': " + reason); }

  void list() {
    namespace fs = std::filesystem;
    listed_ = true;
    std::error_code ec;
    const fs::file_status status = fs::status(root_, ec);
    if (ec) fail(ec.message());
    if (!fs::is_directory(status)) fail(os_reason(ENOTDIR));
    auto visit = [&](const fs::directory_entry& entry) {
      std::error_code type_ec;
      if (!entry.is_regular_file(type_ec)) return;  // directories, devices, broken links
      const std::string name = entry.path().filename().string();
      if (::fnmatch(glob_.c_str(), name.c_str(), FNM_PERIOD) == 0) paths_.push_back(entry.path().string());
    };
    if (recursive_) {
      fs::recursive_directory_iterator it(root_, ec), end;
      for (; !ec && it != end; it.increment(ec)) visit(*it);
    } else {
      fs::directory_iterator it(root_, ec), end;
      for (; !ec && it != end; it.increment(ec)) visit(*it);
    }
    if (ec) fail(ec.message());
    std::sort(paths_.begin(), paths_.end());
  }

  std::string root_;
  std::string glob_;
  bool recursive_;
  bool listed_ = false;
  std::vector<std::string> paths_;
  std::size_t index_ = 0;
};

/// source.count: 0, 1, ..., n - 1.
class CountSource final : public SourceBody {
 public:
  explicit CountSource(std::int64_t n) : n_(n) {}
  bool next(Value& out) override {
    if (i_ >= n_) return false;
    out = Value::of(i_++);
    return true;
  }

 private:
  std::int64_t n_;
  std::int64_t i_ = 0;
};

Kind stream_kind(const char* name, const char* doc, const char* out_type, const char* out_doc) {
  Kind k;
  k.name = name;
  k.doc = doc;
  k.shape = Shape::kSource;
  k.outputs = {port("out", {out_type}, out_doc)};
  k.concurrency = Concurrency::serial();
  return k;
}

std::size_t size_param(const NodeConfig& c, const char* name, std::int64_t fallback) {
  return static_cast<std::size_t>(c.params.get_or<std::int64_t>(name, fallback));
}

}  // namespace

void add_streams(Registry& registry) {
  {
    Kind k = stream_kind("source.lines",
                         "The lines of a text file (or standard input), read lazily, in batches of at most batch lines",
                         "string[]",
                         "one batch of lines, without their '\\n' (a \"\\r\\n\" line keeps its '\\r'); a last line "
                         "without '\\n' counts; an empty file gives no batch");
    k.params = {path_param("path", "the file to read; \"-\": standard input"),
                param::integer("batch", "most lines per message", 1024, 1)};
    k.make = [](const NodeConfig& c) -> std::unique_ptr<NodeBody> {
      return std::make_unique<LinesSource>(c.params.get<std::string>("path"), size_param(c, "batch", 1024));
    };
    registry.add(std::move(k));
  }
  {
    Kind k = stream_kind("source.blocks",
                         "The bytes of a file (or standard input), read lazily, in blocks of block_size bytes", "bytes",
                         "one block: exactly block_size bytes, the last one shorter; an empty file gives none, "
                         "or one empty block with empty_block");
    k.params = {path_param("path", "the file to read; \"-\": standard input"),
                param::integer("block_size", "bytes per block (at most 1 GiB)", std::int64_t{1} << 20, 1,
                               std::int64_t{1} << 30),
                param::boolean("empty_block",
                               "an empty file gives one empty block instead of none (for formats in which an "
                               "empty input still has a header, such as a zstd frame)",
                               false)};
    k.make = [](const NodeConfig& c) -> std::unique_ptr<NodeBody> {
      return std::make_unique<BlocksSource>(c.params.get<std::string>("path"),
                                            size_param(c, "block_size", std::int64_t{1} << 20),
                                            c.params.get_or<bool>("empty_block", false));
    };
    registry.add(std::move(k));
  }
  {
    Kind k = stream_kind("source.files",
                         "The paths of the regular files in a directory whose names match glob, in sorted order",
                         "string", "one path per message: the directory's path joined with the file's name");
    k.params = {path_param("path", "the directory to list"),
                param::string("glob",
                              "shell pattern matched against each file's name (fnmatch); a name starting with '.' "
                              "matches only a pattern starting with '.'",
                              "*"),
                param::boolean("recursive",
                               "also list the subdirectories, at any depth (links to directories "
                               "are not followed)",
                               false)};
    k.make = [](const NodeConfig& c) -> std::unique_ptr<NodeBody> {
      return std::make_unique<FilesSource>(c.params.get<std::string>("path"), c.params.get_or<std::string>("glob", "*"),
                                           c.params.get_or<bool>("recursive", false));
    };
    registry.add(std::move(k));
  }
  {
    Kind k = stream_kind("source.count", "The integers 0, 1, ..., n - 1, one message each", "int64", "one integer");
    k.params = {param::integer("n", "how many integers", std::nullopt, 0)};
    k.make = [](const NodeConfig& c) -> std::unique_ptr<NodeBody> {
      return std::make_unique<CountSource>(c.params.get<std::int64_t>("n"));
    };
    registry.add(std::move(k));
  }
}

}  // namespace braid::kinds
