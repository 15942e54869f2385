// bench_observe: what observers cost. braid's split -> reduce.sum ->
// gather.sum over n in-memory int64 (bench_sum's memory-bound workload) run
// without an observer, with one that does nothing (what the runtime's hooks
// cost: two clock reads and the calls per body), with braid::Stats, with
// braid::Trace, and with both, in the same process, interleaved round by round.
//
//   array ──> split(chunks) ──> reduce.sum ──> gather.sum ──> result
//
//   bench_observe [--threads 1,2] [--repeat 15] [--n 20000000] [--chunks auto]
//
// Each figure is the median of --repeat runs after one warm-up; a ratio is
// the observed run's time over the unobserved one's (1.00x = free). `--chunks
// N` makes more, smaller chunks — more body runs per second, the observers'
// worst case; "events" is the body runs of one run. Times are of braid::run
// only: writing the trace out afterwards is not included.
#include <braid/braid.hpp>

#include "bench_util.hpp"

#include <cstdio>
#include <numeric>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  bench::Args args(argc, argv);
  const auto thread_counts = args.list("--threads", {1, 2});
  const int repeat = static_cast<int>(args.number("--repeat", 15));
  const auto n = static_cast<std::size_t>(args.number("--n", 20000000));
  const std::string chunks = args.text("--chunks", "auto");
  args.done("bench_observe [--threads 1,2,...] [--repeat N] [--n ELEMENTS] [--chunks N|auto]");

  std::vector<std::int64_t> data(n);
  std::iota(data.begin(), data.end(), std::int64_t{0});
  const std::int64_t expected = std::accumulate(data.begin(), data.end(), std::int64_t{0});
  braid::Registry registry;
  braid::register_builtin_kinds(registry);
  registry.add(bench::prepared_source_kind("bench.prepared", "int64[]",
                                           braid::Value::of(braid::Slice<std::int64_t>(nullptr, data.data(), n))));

  braid::PipelineBuilder b("bench-observe");
  b.node("numbers", "bench.prepared");
  if (chunks == "auto") {
    b.node("split", "split").param("chunks", "auto");
  } else {
    b.node("split", "split").param("chunks", static_cast<std::int64_t>(std::stoll(chunks)));
  }
  b.node("partial", "reduce.sum");
  b.node("total", "gather.sum");
  b.node("result", "sink.output");
  b.edge("numbers -> split -> partial -> total -> result");
  const braid::PipelineSpec spec = b.build();

  std::printf("# bench_observe: n=%zu, chunks %s, median of %d interleaved rounds, hardware threads %d\n", n,
              chunks.c_str(), repeat, tbb::info::default_concurrency());
  std::printf("%-7s %8s %10s %10s %10s %10s %10s %11s %11s %11s %11s\n", "threads", "events", "none", "empty", "stats",
              "trace", "both", "empty/none", "stats/none", "trace/none", "both/none");
  bool all_right = true;
  for (std::size_t threads : thread_counts) {
    braid::Observer empty;
    braid::Stats stats(registry);
    braid::Trace trace;
    braid::ObserverList both;
    both.add(&stats);
    both.add(&trace);
    auto run_with = [&](braid::Observer* observer) {
      braid::RunOptions options;
      options.threads = threads;
      options.observer = observer;
      all_right = braid::run(spec, registry, options).value("result").get<std::int64_t>() == expected && all_right;
    };
    const auto t =
        bench::medians(repeat, {[&] { run_with(nullptr); }, [&] { run_with(&empty); }, [&] { run_with(&stats); },
                                [&] { run_with(&trace); }, [&] { run_with(&both); }});
    std::printf("%-7zu %8llu %8.2fms %8.2fms %8.2fms %8.2fms %8.2fms %10.3fx %10.3fx %10.3fx %10.3fx\n", threads,
                static_cast<unsigned long long>(trace.summary().body_runs), t[0] * 1e3, t[1] * 1e3, t[2] * 1e3,
                t[3] * 1e3, t[4] * 1e3, t[1] / t[0], t[2] / t[0], t[3] / t[0], t[4] / t[0]);
  }
  if (!all_right) {
    std::fprintf(stderr, "bench_observe: a result was wrong\n");
    return 1;
  }
  return 0;
}
