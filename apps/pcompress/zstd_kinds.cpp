// zstd.compress, zstd.frames, zstd.decompress.
//
//   source.blocks ──> zstd.compress ──> sink.file (ordered)        one frame per block
//   zstd.frames ──> zstd.decompress ──> sink.file (ordered)        one block per frame
//
// The maps hold no state of their own: each worker thread keeps one zstd
// context (thread_local), so a block costs no context allocation and any
// number of blocks are (de)compressed at once. zstd.frames reads its input
// lazily and only as far as the next frame's end, so memory stays bounded by
// the pipeline's max_in_flight frames whatever the file's size.
#include "zstd_kinds.hpp"

#include <braid/input_file.hpp>

#include <zstd.h>
#include <zstd_errors.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace pcompress {
namespace {

using braid::Bytes;
using braid::Error;
using braid::Value;

std::string zstd_reason(std::size_t code) { return ZSTD_getErrorName(code); }

// --- per-thread zstd contexts ------------------------------------------------------

struct ContextFree {
  void operator()(ZSTD_CCtx* c) const noexcept { ZSTD_freeCCtx(c); }
  void operator()(ZSTD_DCtx* d) const noexcept { ZSTD_freeDCtx(d); }
};

/// This thread's compression context, made on first use and kept until the thread ends.
ZSTD_CCtx& thread_cctx() {
  thread_local std::unique_ptr<ZSTD_CCtx, ContextFree> cctx;
  if (!cctx) cctx.reset(ZSTD_createCCtx());
  if (!cctx) throw std::bad_alloc();
  return *cctx;
}

/// This thread's decompression context, made on first use and kept until the thread ends.
ZSTD_DCtx& thread_dctx() {
  thread_local std::unique_ptr<ZSTD_DCtx, ContextFree> dctx;
  if (!dctx) dctx.reset(ZSTD_createDCtx());
  if (!dctx) throw std::bad_alloc();
  return *dctx;
}

// --- zstd.compress ---------------------------------------------------------------------

class Compress final : public braid::MapBody {
 public:
  explicit Compress(int level) : level_(level) {}

  Value apply(const Value& in) override {
    const std::string& block = in.get<Bytes>().data;
    ZSTD_CCtx& cctx = thread_cctx();
    check(ZSTD_CCtx_setParameter(&cctx, ZSTD_c_compressionLevel, level_));
    check(ZSTD_CCtx_setParameter(&cctx, ZSTD_c_checksumFlag, 1));
    check(ZSTD_CCtx_setParameter(&cctx, ZSTD_c_contentSizeFlag, 1));
    // Compressed into a buffer of the worst-case size that this thread keeps,
    // then copied out at its exact size: a frame in flight holds no slack.
    const std::size_t bound = ZSTD_compressBound(block.size());
    thread_local std::string scratch;
    std::string local;
    std::string& buffer = bound <= kScratchMax ? scratch : local;
    if (buffer.size() < bound) buffer.resize(bound);
    const std::size_t n = ZSTD_compress2(&cctx, buffer.data(), bound, block.data(), block.size());
    check(n);
    return Value::of(Bytes{std::string(buffer.data(), n)});
  }

 private:
  static constexpr std::size_t kScratchMax = std::size_t{64} << 20;

  static void check(std::size_t code) {
    if (ZSTD_isError(code)) throw Error("zstd compression failed: " + zstd_reason(code));
  }

  int level_;
};

braid::Kind compress_kind() {
  braid::Kind k;
  k.name = "zstd.compress";
  k.doc = "One block to one standard zstd frame (content size in the header, checksum on)";
  k.shape = braid::Shape::kMap;
  k.inputs = {braid::PortSpec{"in", {"bytes"}, "a block of any size, empty included"}};
  k.outputs = {braid::PortSpec{"out", {"bytes"}, "one complete zstd frame: `zstd -d` reads a concatenation of them"}};
  k.params = {braid::param::integer("level", "zstd compression level: 1 fastest, 19 smallest", 3, 1, 19)};
  k.concurrency = braid::Concurrency::unlimited();
  k.make = [](const braid::NodeConfig& c) -> std::unique_ptr<braid::NodeBody> {
    return std::make_unique<Compress>(static_cast<int>(c.params.get_or<std::int64_t>("level", 3)));
  };
  return k;
}

// --- zstd.frames -----------------------------------------------------------------------

std::uint32_t read_le32(const char* p) {
  const auto* b = reinterpret_cast<const unsigned char*>(p);
  return std::uint32_t{b[0]} | std::uint32_t{b[1]} << 8 | std::uint32_t{b[2]} << 16 | std::uint32_t{b[3]} << 24;
}

/// Emits each zstd frame of a file as one `bytes` value; skippable frames are skipped.
class FrameSource final : public braid::SourceBody {
 public:
  explicit FrameSource(std::string path) : file_(std::move(path)) {}

  bool next(Value& out) override {
    for (;;) {
      if (!want(4)) {
        if (available() == 0) return false;
        if (magic_prefix()) throw truncated();
        throw not_zstd();
      }
      const std::uint32_t magic = read_le32(data());
      if ((magic & ZSTD_MAGIC_SKIPPABLE_MASK) == ZSTD_MAGIC_SKIPPABLE_START) {
        skip_skippable_frame();
        continue;
      }
      if (magic != ZSTD_MAGICNUMBER) throw not_zstd();
      for (;;) {
        // Rescanning from the frame's start after each read costs little: the
        // scan visits block headers only, and each read at least doubles what is held.
        const std::size_t n = ZSTD_findFrameCompressedSize(data(), available());
        if (!ZSTD_isError(n)) {
          out = Value::of(Bytes{std::string(data(), n)});
          consume(n);
          return true;
        }
        if (ZSTD_getErrorCode(n) != ZSTD_error_srcSize_wrong) {
          throw Error(file_.where() + ": corrupt zstd frame at byte offset " + std::to_string(offset_) + ": " +
                      zstd_reason(n));
        }
        if (fill(std::max(kReadSize, available())) == 0) throw truncated();
      }
    }
  }

 private:
  static constexpr std::size_t kReadSize = std::size_t{1} << 20;

  const char* data() const { return buffer_.data() + start_; }
  std::size_t available() const { return buffer_.size() - start_; }

  void consume(std::size_t n) {
    start_ += n;
    offset_ += n;
  }

  /// Appends up to `more` bytes from the file (fewer only at its end); returns how many.
  std::size_t fill(std::size_t more) {
    buffer_.erase(0, start_);
    start_ = 0;
    const std::size_t old = buffer_.size();
    buffer_.resize(old + more);
    const std::size_t n = file_.read_fully(&buffer_[old], more);
    buffer_.resize(old + n);
    return n;
  }

  /// Whether `n` bytes are available, reading if needed.
  bool want(std::size_t n) {
    while (available() < n)
      if (fill(std::max(kReadSize, n - available())) == 0) return false;
    return true;
  }

  /// Whether the bytes left (fewer than 4) begin a zstd or skippable frame's magic number.
  bool magic_prefix() const {
    static constexpr unsigned char kZstd[4] = {0x28, 0xB5, 0x2F, 0xFD};       // ZSTD_MAGICNUMBER
    static constexpr unsigned char kSkippable[4] = {0x50, 0x2A, 0x4D, 0x18};  // first byte 0x50..0x5F
    const auto* b = reinterpret_cast<const unsigned char*>(data());
    bool zstd = true, skippable = true;
    for (std::size_t i = 0; i < available(); ++i) {
      zstd = zstd && b[i] == kZstd[i];
      skippable = skippable && (i == 0 ? (b[i] & 0xF0) == kSkippable[0] : b[i] == kSkippable[i]);
    }
    return zstd || skippable;
  }

  void skip_skippable_frame() {
    if (!want(8)) throw truncated();
    std::uint64_t left = 8 + std::uint64_t{read_le32(data() + 4)};
    const std::uint64_t frame_offset = offset_;
    while (left != 0) {
      if (available() == 0 && fill(kReadSize) == 0) {
        offset_ = frame_offset;
        throw truncated();
      }
      const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(left, available()));
      consume(n);
      left -= n;
    }
  }

  Error truncated() const {
    return Error(file_.where() + ": truncated zstd frame at byte offset " + std::to_string(offset_) +
                 " (the input ends at byte " + std::to_string(end_offset()) + ")");
  }

  Error not_zstd() const {
    std::string found;
    for (std::size_t i = 0; i < std::min<std::size_t>(4, available()); ++i) {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%s%02x", i == 0 ? "" : " ", static_cast<unsigned char>(data()[i]));
      found += hex;
    }
    return Error(file_.where() + " is not zstd data: no zstd magic number at byte offset " + std::to_string(offset_) +
                 " (found " + found + ")");
  }

  std::uint64_t end_offset() const { return offset_ + available(); }

  braid::InputFile file_;
  std::string buffer_;        // bytes read and not yet emitted, from start_ on
  std::size_t start_ = 0;     // first byte of the next frame in buffer_
  std::uint64_t offset_ = 0;  // the file offset of buffer_[start_]
};

braid::Kind frames_kind() {
  braid::Kind k;
  k.name = "zstd.frames";
  k.doc =
      "The zstd frames of a .zst file (or standard input), read lazily, one message each; skippable frames "
      "are skipped";
  k.shape = braid::Shape::kSource;
  k.outputs = {braid::PortSpec{"out", {"bytes"}, "one complete zstd frame; an empty file gives none"}};
  k.params = {braid::param::custom("path", "a non-empty string", "the .zst file to read; \"-\": standard input", "",
                                   true, [](const nlohmann::json& v) -> std::string {
                                     if (v.is_string() && !v.get_ref<const std::string&>().empty()) return "";
                                     return "must be a non-empty string, " + braid::param::describe(v);
                                   })};
  k.concurrency = braid::Concurrency::serial();
  k.make = [](const braid::NodeConfig& c) -> std::unique_ptr<braid::NodeBody> {
    return std::make_unique<FrameSource>(c.params.get<std::string>("path"));
  };
  return k;
}

// --- zstd.decompress -------------------------------------------------------------------

class Decompress final : public braid::MapBody {
 public:
  Value apply(const Value& in) override {
    const std::string& frame = in.get<Bytes>().data;
    const unsigned long long size = ZSTD_getFrameContentSize(frame.data(), frame.size());
    if (size == ZSTD_CONTENTSIZE_ERROR) throw Error("not a zstd frame: bad magic number or header");
    Bytes out;
    if (size == ZSTD_CONTENTSIZE_UNKNOWN) {
      out.data = decompress_stream(frame);
    } else {
      // A header is only a claim: at most 128 KiB (one RLE block) per 4 bytes of frame.
      if (size / kMaxRatio > frame.size() / 4 + 1)
        throw corrupt("the header's content size " + std::to_string(size) + " is more than a frame of " +
                      std::to_string(frame.size()) + " bytes can hold");
      out.data.resize(static_cast<std::size_t>(size));
      const std::size_t n =
          ZSTD_decompressDCtx(&thread_dctx(), out.data.data(), out.data.size(), frame.data(), frame.size());
      if (ZSTD_isError(n)) throw corrupt(zstd_reason(n));
      if (n != size) throw corrupt("content size " + std::to_string(size) + " in the header, got " + std::to_string(n));
    }
    return Value::of(std::move(out));
  }

 private:
  static constexpr unsigned long long kMaxRatio = 128 * 1024;

  static Error corrupt(const std::string& reason) { return Error("corrupt zstd frame: " + reason); }

  /// A frame whose header gives no content size, into a buffer that doubles as needed.
  static std::string decompress_stream(const std::string& frame) {
    ZSTD_DCtx& dctx = thread_dctx();
    ZSTD_DCtx_reset(&dctx, ZSTD_reset_session_only);
    std::string out(std::max(ZSTD_DStreamOutSize(), frame.size()), '\0');
    ZSTD_inBuffer in{frame.data(), frame.size(), 0};
    ZSTD_outBuffer buffer{out.data(), out.size(), 0};
    for (;;) {
      const std::size_t in_pos = in.pos, out_pos = buffer.pos;
      const std::size_t r = ZSTD_decompressStream(&dctx, &buffer, &in);
      if (ZSTD_isError(r)) throw corrupt(zstd_reason(r));
      if (r == 0) break;  // the frame is complete
      if (buffer.pos == buffer.size) {
        out.resize(2 * out.size());
        buffer.dst = out.data();
        buffer.size = out.size();
      } else if (in.pos == in_pos && buffer.pos == out_pos) {
        throw corrupt("the frame ends before its last block");
      }
    }
    out.resize(buffer.pos);
    return out;
  }
};

braid::Kind decompress_kind() {
  braid::Kind k;
  k.name = "zstd.decompress";
  k.doc = "One zstd frame to the bytes it holds (its checksum, if any, verified)";
  k.shape = braid::Shape::kMap;
  k.inputs = {braid::PortSpec{"in", {"bytes"}, "one complete zstd frame, as zstd.frames emits"}};
  k.outputs = {braid::PortSpec{"out", {"bytes"}, "the frame's content"}};
  k.concurrency = braid::Concurrency::unlimited();
  k.make = [](const braid::NodeConfig&) -> std::unique_ptr<braid::NodeBody> { return std::make_unique<Decompress>(); };
  return k;
}

}  // namespace

void add_kinds(braid::Registry& registry) {
  registry.add(compress_kind());
  registry.add(frames_kind());
  registry.add(decompress_kind());
}

}  // namespace pcompress
