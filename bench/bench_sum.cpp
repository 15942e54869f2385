// bench_sum: braid's split -> reduce.sum -> gather.sum beside a hand-written
// tbb::parallel_reduce and a sequential loop, in the same process and run.
//
//   array ──> split(auto) ──> reduce.sum ──> gather.sum ──> result
//
//   bench_sum [--threads 1,2] [--repeat 7] [--n 200000000] [--range 1000000000]
//
// memory-bound: the sum of n in-memory int64 (parallel_sum/array.json without
// the fill); compute-bound: the sum of the lazy range 1..range
// (parallel_sum/range.json). Each figure is the median of --repeat runs after
// one warm-up; the ratio is braid's time over oneTBB's (lower is better;
// 1.00 = as fast as hand-written oneTBB).
#include <braid/braid.hpp>

#include "bench_util.hpp"

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_reduce.h>

#include <cstdio>
#include <functional>
#include <numeric>
#include <string>
#include <vector>

namespace {

braid::PipelineSpec sum_pipeline(const char* source_kind) {
  braid::PipelineBuilder b("bench-sum");
  b.node("numbers", source_kind);
  b.node("split", "split").param("chunks", "auto");
  b.node("partial", "reduce.sum");
  b.node("total", "gather.sum");
  b.node("result", "sink.output");
  b.edge("numbers -> split -> partial -> total -> result");
  return b.build();
}

}  // namespace

int main(int argc, char** argv) {
  bench::Args args(argc, argv);
  const auto thread_counts = args.list("--threads", {1, 2});
  const int repeat = static_cast<int>(args.number("--repeat", 7));
  const auto n = static_cast<std::size_t>(args.number("--n", 200000000));
  const std::int64_t range_end = args.number("--range", 1000000000) + 1;
  args.done("bench_sum [--threads 1,2,...] [--repeat N] [--n ELEMENTS] [--range END]");

  std::vector<std::int64_t> data(n);
  std::iota(data.begin(), data.end(), std::int64_t{0});
  const std::int64_t* p = data.data();
  // bench.prepared emits the array, so that the split -> reduce -> gather part is timed, not the fill
  braid::Registry registry;
  braid::register_builtin_kinds(registry);
  registry.add(bench::prepared_source_kind("bench.prepared", "int64[]",
                                           braid::Value::of(braid::Slice<std::int64_t>(nullptr, p, n))));
  const std::int64_t expected_array = std::accumulate(data.begin(), data.end(), std::int64_t{0});

  braid::PipelineSpec array_spec = sum_pipeline("bench.prepared");
  braid::PipelineSpec range_spec = sum_pipeline("source.range");
  range_spec.find_node("numbers")->params.set("begin", std::int64_t{1});
  range_spec.find_node("numbers")->params.set("end", range_end);
  const std::int64_t m = range_end - 1;
  const std::int64_t expected_range = m % 2 == 0 ? m / 2 * (m + 1) : (m + 1) / 2 * m;

  std::printf("# bench_sum: n=%zu, range 1..%lld, median of %d interleaved rounds, hardware threads %d\n", n,
              static_cast<long long>(range_end - 1), repeat, tbb::info::default_concurrency());
  std::printf("# braid: each run on a fresh arena; braid+pool: runs on one braid::Executor, as the tbb twin's arena\n");
  std::printf("%-8s %-7s %12s %12s %12s %8s %12s %11s %10s\n", "workload", "threads", "sequential", "tbb", "braid",
              "braid/tbb", "braid+pool", "+pool/tbb", "tbb speedup");
  bool all_right = true;
  for (std::size_t threads : thread_counts) {
    bench::ThreadScope scope(threads);
    tbb::task_arena& arena = scope.arena;
    braid::RunOptions options;
    options.threads = threads;
    braid::Executor executor(threads);  // a pool kept across runs, like the arena of the tbb twin
    braid::RunOptions pooled;
    pooled.executor = &executor;

    // memory-bound
    std::int64_t got_seq = 0, got_tbb = 0, got_braid = 0, got_pooled = 0;
    auto t = bench::medians(repeat, {[&] { got_seq = std::accumulate(p, p + n, std::int64_t{0}); },
                              [&] {
                                arena.execute([&] {
                                  got_tbb = tbb::parallel_reduce(
                                      tbb::blocked_range<std::size_t>(0, n), std::int64_t{0},
                                      [&](const tbb::blocked_range<std::size_t>& r, std::int64_t s) {
                                        return std::accumulate(p + r.begin(), p + r.end(), s);
                                      },
                                      std::plus<std::int64_t>());
                                });
                              },
                              [&] {
                                got_braid =
                                    braid::run(array_spec, registry, options).value("result").get<std::int64_t>();
                              },
                              [&] {
                                got_pooled =
                                    braid::run(array_spec, registry, pooled).value("result").get<std::int64_t>();
                              }});
    double t_seq = t[0], t_tbb = t[1], t_braid = t[2], t_pooled = t[3];
    all_right = all_right && got_seq == expected_array && got_tbb == expected_array && got_braid == expected_array &&
                got_pooled == expected_array;
    std::printf("%-8s %-7zu %10.2fms %10.2fms %10.2fms %8.2fx %10.2fms %10.2fx %10.2fx\n", "memory", threads,
                t_seq * 1e3, t_tbb * 1e3, t_braid * 1e3, t_braid / t_tbb, t_pooled * 1e3, t_pooled / t_tbb,
                t_seq / t_tbb);

    // compute-bound: the same kernel shape (visit every element) on both sides
    const std::int64_t begin = 1;
    auto range_sum = [](std::int64_t b, std::int64_t e) {
      std::int64_t s = 0;
      for (std::int64_t x = b; x < e; ++x) s += x;
      return s;
    };
    t = bench::medians(repeat, {[&] { got_seq = range_sum(begin, range_end); },
                         [&] {
                           arena.execute([&] {
                             got_tbb = tbb::parallel_reduce(
                                 tbb::blocked_range<std::int64_t>(begin, range_end), std::int64_t{0},
                                 [&](const tbb::blocked_range<std::int64_t>& r, std::int64_t s) {
                                   return s + range_sum(r.begin(), r.end());
                                 },
                                 std::plus<std::int64_t>());
                           });
                         },
                         [&] {
                           got_braid = braid::run(range_spec, registry, options).value("result").get<std::int64_t>();
                         },
                         [&] {
                           got_pooled = braid::run(range_spec, registry, pooled).value("result").get<std::int64_t>();
                         }});
    t_seq = t[0], t_tbb = t[1], t_braid = t[2], t_pooled = t[3];
    all_right = all_right && got_seq == expected_range && got_tbb == expected_range && got_braid == expected_range &&
                got_pooled == expected_range;
    std::printf("%-8s %-7zu %10.2fms %10.2fms %10.2fms %8.2fx %10.2fms %10.2fx %10.2fx\n", "compute", threads,
                t_seq * 1e3, t_tbb * 1e3, t_braid * 1e3, t_braid / t_tbb, t_pooled * 1e3, t_pooled / t_tbb,
                t_seq / t_tbb);
  }
  if (!all_right) {
    std::fprintf(stderr, "bench_sum: a result was wrong\n");
    return 1;
  }
  return 0;
}
