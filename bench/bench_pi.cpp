// bench_pi: a compute-bound Monte Carlo estimate of pi, braid beside a
// hand-written tbb::parallel_reduce and a sequential loop, in the same process
// and run.
//
//   samples ──> split(auto) ──> bench.pi_hits ──> gather.sum ──> hits
//   (0..n)                      (each chunk)
//
//   bench_pi [--threads 1,2] [--repeat 7] [--samples 200000000] [--seed 1]
//
// Sample i is the point (x, y) of the (2i)-th and (2i+1)-th outputs of a
// splitmix64 stream keyed by the seed (counter-based: no state, so a sample is
// the same number whichever chunk or thread draws it), and a hit when
// x^2 + y^2 < 1. The three variants run the same kernel over the same indices
// and must count the same hits (else the program exits 1). Each figure is the
// median of --repeat runs after one warm-up; braid/tbb is braid's time over
// oneTBB's (lower is better; 1.00 = as fast as hand-written oneTBB), and
// "of tbb's" is braid's speedup as a share of oneTBB's (tbb time / braid time).
#include <braid/braid.hpp>

#include "bench_util.hpp"

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_reduce.h>

#include <cstdint>
#include <cstdio>
#include <functional>

namespace {

constexpr std::uint64_t kGolden = 0x9E3779B97F4A7C15ull;

std::uint64_t splitmix64(std::uint64_t x) noexcept {
  x += kGolden;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

/// The stream's n-th output as a double in [0, 1): splitmix64 seeded with
/// `key` returns splitmix64(key + n * golden) as its n-th output.
double uniform(std::uint64_t key, std::uint64_t n) noexcept {
  return static_cast<double>(splitmix64(key + n * kGolden) >> 11) * 0x1.0p-53;
}

/// Hits among the samples whose indices `r` holds; the kernel of all three variants.
std::int64_t count_hits(std::uint64_t key, const braid::Range& r) noexcept {
  std::int64_t hits = 0;
  const std::size_t count = r.size();
  for (std::size_t k = 0; k < count; ++k) {
    const auto i = static_cast<std::uint64_t>(r.at(k));
    const double x = uniform(key, 2 * i), y = uniform(key, 2 * i + 1);
    hits += x * x + y * y < 1.0 ? 1 : 0;
  }
  return hits;
}

braid::PipelineSpec pi_pipeline(std::int64_t samples) {
  braid::PipelineBuilder b("bench-pi");
  b.node("samples", "source.range").param("begin", std::int64_t{0}).param("end", samples);
  b.node("split", "split").param("chunks", "auto");
  b.node("draw", "bench.pi_hits");
  b.node("total", "gather.sum");
  b.node("hits", "sink.output");
  b.edge("samples -> split -> draw -> total -> hits");
  return b.build();
}

}  // namespace

int main(int argc, char** argv) {
  bench::Args args(argc, argv);
  const auto thread_counts = args.list("--threads", {1, 2});
  const int repeat = static_cast<int>(args.number("--repeat", 7));
  const std::int64_t samples = args.number("--samples", 200000000);
  const auto seed = static_cast<std::uint64_t>(args.number("--seed", 1));
  args.done("bench_pi [--threads 1,2,...] [--repeat N] [--samples N] [--seed S]");

  const std::uint64_t key = splitmix64(seed);
  braid::Registry registry;
  braid::register_builtin_kinds(registry);
  registry.add(braid::map_kind("bench.pi_hits", "Hits inside the quarter circle among a chunk of sample indices",
                               [key](braid::Range r) { return count_hits(key, r); }));
  const braid::PipelineSpec spec = pi_pipeline(samples);

  std::printf("# bench_pi: %lld samples, seed %llu, median of %d interleaved rounds, hardware threads %d\n",
              static_cast<long long>(samples), static_cast<unsigned long long>(seed), repeat,
              tbb::info::default_concurrency());
  std::printf("# braid: each run on a fresh arena; braid+pool: runs on one braid::Executor, as the tbb twin's arena\n");
  std::printf("%-7s %11s %11s %11s %9s %11s %9s %11s %11s %9s\n", "threads", "sequential", "tbb", "braid", "braid/tbb",
              "braid+pool", "+pool/tbb", "tbb speedup", "braid spdup", "of tbb's");
  bool all_right = true;
  std::int64_t reference = -1;
  for (std::size_t threads : thread_counts) {
    bench::ThreadScope scope(threads);
    braid::RunOptions options;
    options.threads = threads;
    braid::Executor executor(threads);
    braid::RunOptions pooled;
    pooled.executor = &executor;

    std::int64_t got_seq = -1, got_tbb = -2, got_braid = -3, got_pooled = -4;
    const auto t = bench::medians(
        repeat, {[&] { got_seq = count_hits(key, braid::Range{0, samples, 1}); },
                 [&] {
                   scope.arena.execute([&] {
                     got_tbb = tbb::parallel_reduce(
                         tbb::blocked_range<std::int64_t>(0, samples), std::int64_t{0},
                         [&](const tbb::blocked_range<std::int64_t>& r, std::int64_t s) {
                           return s + count_hits(key, braid::Range{r.begin(), r.end(), 1});
                         },
                         std::plus<std::int64_t>());
                   });
                 },
                 [&] { got_braid = braid::run(spec, registry, options).value("hits").get<std::int64_t>(); },
                 [&] { got_pooled = braid::run(spec, registry, pooled).value("hits").get<std::int64_t>(); }});
    const double t_seq = t[0], t_tbb = t[1], t_braid = t[2], t_pooled = t[3];
    if (reference < 0) reference = got_seq;
    const bool right = got_seq == reference && got_tbb == got_seq && got_braid == got_seq && got_pooled == got_seq;
    all_right = all_right && right;
    std::printf("%-7zu %9.2fms %9.2fms %9.2fms %8.2fx %9.2fms %8.2fx %10.2fx %10.2fx %8.2fx%s\n", threads,
                t_seq * 1e3, t_tbb * 1e3, t_braid * 1e3, t_braid / t_tbb, t_pooled * 1e3, t_pooled / t_tbb,
                t_seq / t_tbb, t_seq / t_braid, t_tbb / t_braid, right ? "" : "  WRONG");
    if (!right)
      std::printf("#   hits: sequential %lld, tbb %lld, braid %lld, braid+pool %lld\n", static_cast<long long>(got_seq),
                  static_cast<long long>(got_tbb), static_cast<long long>(got_braid),
                  static_cast<long long>(got_pooled));
    std::fflush(stdout);
  }
  std::printf("# hits %lld of %lld: pi ~ %.6f\n", static_cast<long long>(reference), static_cast<long long>(samples),
              4.0 * static_cast<double>(reference) / static_cast<double>(samples));
  if (!all_right) {
    std::fprintf(stderr, "bench_pi: the hit counts differ\n");
    return 1;
  }
  return 0;
}
