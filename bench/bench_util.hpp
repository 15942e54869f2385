// The benchmarks' small harness: flags, interleaved medians, a thread scope.
#pragma once

#include <braid/registry.hpp>

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/info.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace bench {

/// Has the C library's allocator finish the work that the frees before left
/// it: glibc keeps small freed blocks in "fast bins", merged with their
/// neighbours (malloc_consolidate) only at the next large request. Without
/// this, a variant paid for the blocks the variant before it freed: at
/// 1,000 nodes braid's validation, whose first request is large, merged raw
/// tbb::flow's teardown's thousands of blocks (about a tenth of braid's time
/// to build and run the graph once); at 10,000, raw tbb::flow's first large
/// request merged braid's.
inline void settle_heap() {
  void* volatile block = std::malloc(4096);  // past the small sizes: glibc merges the fast bins first
  std::free(block);
}

/// The time `f` takes, including the allocator's work its frees left (settle_heap).
inline double seconds(const std::function<void()>& f) {
  const auto start = std::chrono::steady_clock::now();
  f();
  settle_heap();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/// Runs each variant once per round, `repeat` rounds after a warm-up round,
/// interleaved so that drift in a shared machine's speed hits all alike.
/// Returns each variant's median time in seconds.
inline std::vector<double> medians(int repeat, const std::vector<std::function<void()>>& variants) {
  std::vector<std::vector<double>> times(variants.size());
  for (int round = -1; round < repeat; ++round)
    for (std::size_t v = 0; v < variants.size(); ++v) {
      const double t = seconds(variants[v]);
      if (round >= 0) times[v].push_back(t);
    }
  std::vector<double> out;
  for (auto& t : times) {
    std::sort(t.begin(), t.end());
    out.push_back(t[t.size() / 2]);
  }
  return out;
}

/// "--flag value" pairs; unknown flags print the usage and exit 2.
class Args {
 public:
  Args(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
      std::string flag = argv[i];
      if (flag.rfind("--", 0) != 0 || i + 1 >= argc) {
        bad_ = true;
        break;
      }
      values_[flag] = argv[++i];
    }
  }
  std::vector<std::size_t> list(const std::string& flag, std::vector<std::size_t> fallback) {
    auto it = take(flag);
    if (!it) return fallback;
    std::vector<std::size_t> out;
    std::stringstream in(*it);
    std::string item;
    while (std::getline(in, item, ',')) out.push_back(std::stoul(item));
    return out;
  }
  long long number(const std::string& flag, long long fallback) {
    auto it = take(flag);
    return it ? std::stoll(*it) : fallback;
  }
  std::string text(const std::string& flag, std::string fallback) {
    auto it = take(flag);
    return it ? *it : fallback;
  }
  /// Exits 2 with `usage` if a flag was malformed or not asked for.
  void done(const char* usage) {
    if (bad_ || !values_.empty()) {
      std::fprintf(stderr, "usage: %s\n", usage);
      std::exit(2);
    }
  }

 private:
  std::optional<std::string> take(const std::string& flag) {
    auto it = values_.find(flag);
    if (it == values_.end()) return std::nullopt;
    std::string v = it->second;
    values_.erase(it);
    return v;
  }
  std::map<std::string, std::string> values_;
  bool bad_ = false;
};

/// A source kind `name` whose nodes emit `value` (of type `type`) once, so
/// that a benchmark times the pipeline, not the making of its input.
inline braid::Kind prepared_source_kind(std::string name, std::string type, braid::Value value) {
  class Once final : public braid::SourceBody {
   public:
    explicit Once(braid::Value v) : value_(std::move(v)) {}
    bool next(braid::Value& out) override {
      if (done_) return false;
      done_ = true;
      out = value_;
      return true;
    }

   private:
    braid::Value value_;
    bool done_ = false;
  };
  braid::Kind source;
  source.name = std::move(name);
  source.doc = "a benchmark's prepared input";
  source.shape = braid::Shape::kSource;
  source.outputs = {braid::PortSpec{"out", {std::move(type)}, ""}};
  source.concurrency = braid::Concurrency::serial();
  source.make = [value](const braid::NodeConfig&) { return std::make_unique<Once>(value); };
  return source;
}

/// An arena of `threads` for the hand-written twins, with oneTBB's worker cap
/// lifted when more threads than cores are asked for (as braid::run does).
struct ThreadScope {
  explicit ThreadScope(std::size_t threads) : arena(static_cast<int>(threads)) {
    if (threads > static_cast<std::size_t>(tbb::info::default_concurrency()))
      allow.emplace(tbb::global_control::max_allowed_parallelism, threads);
  }
  std::optional<tbb::global_control> allow;
  tbb::task_arena arena;
};

}  // namespace bench
