// bench_load: what a big pipeline costs before its first body runs. Generates
// the JSON text of a pipeline of about N nodes, then times each step from
// text to a running graph: parse (braid::parse_json_text), spec
// (braid::spec_from_json), validate (braid::validate), build (the
// tbb::flow graph inside braid::run: Result::build_seconds) — and the rest of
// the run (execute and tear down).
//
//                      ┌─> b0_keep ─> b0_sum ─> b0_inc0 ─> ... ─> b0_total ─┐
//   numbers ──> split ─┼─> b1_keep ─> ...                        b1_total ──┼─> j1_0 ─> s1_0 ─┐
//   (1..64)  (4 chunks)│   ...                                      ...     │  (16 ports)       ├─> ... ─> result
//                      └─> bB_keep ─> ...                        bB_total ──┘                   ┘
//
// Each of the B branches: filter.range (keeps all) -> reduce.sum -> a chain of
// `--chain` bench.inc (adds 1) -> gather.sum; the branches' totals meet in a
// tree of joins of up to 16 ports, each followed by bench.add (the sum of the
// record's fields), down to one sink. B is the smallest giving N nodes or
// more. The result must be B * (2080 + 4 * chain), else the program exits 1.
//
//   bench_load [--sizes 10000,1000000] [--threads 1] [--repeat 5] [--warmup 1] [--chain 8]
//
// Each figure is the median of --repeat rounds after --warmup rounds.
#include <braid/braid.hpp>

#include "bench_util.hpp"

#include <nlohmann/json.hpp>

#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace {

constexpr std::size_t kFanIn = 16;   // ports of a join
constexpr std::size_t kChunks = 4;   // split of the source's values
constexpr std::int64_t kValues = 64;  // the source holds 1..kValues

/// The generated pipeline: its text, how many nodes, and what its sink must get.
struct Generated {
  std::string text;
  std::size_t nodes = 0;
  std::size_t branches = 0;
  std::int64_t expected = 0;
};

/// Nodes of the join tree over `m` inputs: a join and a bench.add per group of 2..16.
std::size_t join_nodes(std::size_t m) {
  std::size_t nodes = 0;
  while (m > 1) {
    const std::size_t groups = (m + kFanIn - 1) / kFanIn;
    const std::size_t last = m - (groups - 1) * kFanIn;  // a group of 1 passes up without a join
    nodes += 2 * (groups - (last == 1 ? 1 : 0));
    m = groups;
  }
  return nodes;
}

std::size_t nodes_for(std::size_t branches, std::size_t chain) {
  return 3 + branches * (chain + 3) + join_nodes(branches);
}

Generated generate(std::size_t target, std::size_t chain) {
  Generated g;
  std::size_t lo = 1, hi = target + 1;  // the smallest branch count reaching `target` nodes
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    if (nodes_for(mid, chain) >= target) hi = mid; else lo = mid + 1;
  }
  g.branches = lo;
  g.nodes = nodes_for(lo, chain);
  g.expected = static_cast<std::int64_t>(g.branches) *
               (kValues * (kValues + 1) / 2 + static_cast<std::int64_t>(kChunks * chain));

  std::string& t = g.text;
  t.reserve(g.nodes * 90);
  std::vector<std::string> edges;
  edges.reserve(g.branches + 2 * g.nodes / kFanIn + 4);
  t += "{\n  \"braid\": 1,\n  \"name\": \"generated\",\n";
  t += "  \"description\": \"bench_load: " + std::to_string(g.branches) + " branches of a split, joined in a tree\",\n";
  t += "  \"nodes\": {\n    \"numbers\": {\"kind\": \"source.values\", \"params\": {\"values\": [";
  for (std::int64_t v = 1; v <= kValues; ++v) t += (v > 1 ? "," : "") + std::to_string(v);
  t += "]}},\n    \"split\": {\"kind\": \"split\", \"params\": {\"chunks\": " + std::to_string(kChunks) + "}}";
  auto node = [&t](const std::string& id, const char* rest) {
    t += ",\n    \"";
    t += id;
    t += "\": {\"kind\": ";
    t += rest;
    t += '}';
  };
  std::vector<std::string> level;  // the nodes whose outputs meet in the next level of joins
  level.reserve(g.branches);
  for (std::size_t b = 0; b < g.branches; ++b) {
    const std::string p = "b" + std::to_string(b) + "_";
    std::string e = "split -> " + p + "keep -> " + p + "sum";
    node(p + "keep", "\"filter.range\", \"params\": {\"min\": 0}");
    node(p + "sum", "\"reduce.sum\", \"concurrency\": \"unlimited\"");
    for (std::size_t i = 0; i < chain; ++i) {
      node(p + "inc" + std::to_string(i), "\"bench.inc\"");
      e += " -> " + p + "inc" + std::to_string(i);
    }
    node(p + "total", "\"gather.sum\"");
    e += " -> " + p + "total";
    edges.push_back(std::move(e));
    level.push_back(p + "total");
  }
  for (std::size_t depth = 1; level.size() > 1; ++depth) {
    std::vector<std::string> next;
    for (std::size_t first = 0; first < level.size(); first += kFanIn) {
      const std::size_t n = std::min(kFanIn, level.size() - first);
      if (n == 1) {
        next.push_back(level[first]);
        continue;
      }
      const std::string suffix = std::to_string(depth) + "_" + std::to_string(first / kFanIn);
      const std::string join = "j" + suffix, add = "s" + suffix;
      std::string ports;
      for (std::size_t k = 0; k < n; ++k) {
        ports += (k ? ", \"p" : "\"p") + std::to_string(k) + "\"";
        edges.push_back(level[first + k] + " -> " + join + ".p" + std::to_string(k));
      }
      node(join, ("\"join\", \"params\": {\"ports\": [" + ports + "]}").c_str());
      node(add, "\"bench.add\"");
      edges.push_back(join + " -> " + add);
      next.push_back(add);
    }
    level = std::move(next);
  }
  node("result", "\"sink.output\"");
  edges.push_back(level.front() + " -> result");
  t += "\n  },\n  \"edges\": [\n    \"numbers -> split\"";
  for (const auto& e : edges) {
    t += ",\n    \"";
    t += e;
    t += '"';
  }
  t += "\n  ]\n}\n";
  return g;
}

double since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/// CPU time of the calling thread, seconds: unlike wall time, not stretched
/// when a loaded machine takes the core away.
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double median(std::vector<double> xs) {
  std::sort(xs.begin(), xs.end());
  return xs[xs.size() / 2];
}

double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux: KiB
}

}  // namespace

int main(int argc, char** argv) {
  bench::Args args(argc, argv);
  const auto sizes = args.list("--sizes", {10000, 1000000});
  const auto thread_counts = args.list("--threads", {1});
  const int repeat = static_cast<int>(args.number("--repeat", 5));
  const auto chain = static_cast<std::size_t>(args.number("--chain", 8));
  const int warmup = static_cast<int>(args.number("--warmup", 1));
  args.done("bench_load [--sizes N,N,...] [--threads 1,2,...] [--repeat N] [--warmup N] [--chain LENGTH]");
  if (repeat < 1 || warmup < 0) {
    std::fprintf(stderr, "bench_load: --repeat must be at least 1, --warmup at least 0\n");
    return 2;
  }

  braid::Registry registry;
  braid::register_builtin_kinds(registry);
  registry.add(braid::map_kind("bench.inc", "x + 1", [](std::int64_t x) { return x + 1; }));
  registry.add(braid::map_kind("bench.add", "The sum of a record's int64 fields", [](braid::Record r) {
    std::int64_t s = 0;
    for (const auto& field : r.fields()) s += field.second.get<std::int64_t>();
    return s;
  }));

  std::printf("# bench_load: chain %zu, joins of %zu ports, median of %d rounds after %d warm-up, hardware threads %d\n",
              chain, kFanIn, repeat, warmup, tbb::info::default_concurrency());
  std::printf("# load = parse + spec + validate + build; execute = the rest of the run (bodies, drain, tear down);\n");
  std::printf("# run = the whole braid::run call: its own validation again, build, execute\n");
  std::printf("# cpu: this thread's CPU time over wall time in parse + spec + validate (below 100%%: the machine was busy)\n");
  std::printf("%9s %-7s %8s %10s %10s %10s %10s %10s %10s %10s %10s %9s %5s\n", "nodes", "threads", "text", "parse",
              "spec", "validate", "build", "load", "execute", "run", "free", "peak RSS", "cpu");
  bool all_right = true;
  bool load_10k_checked = false, load_10k_ok = false;
  double load_10k = 0.0;
  for (std::size_t size : sizes) {
    const auto gen_start = std::chrono::steady_clock::now();
    const Generated g = generate(size, chain);
    const double t_generate = since(gen_start);
    for (std::size_t threads : thread_counts) {
      braid::RunOptions options;
      options.threads = threads;
      std::vector<double> parse, spec, validate, build, load, execute, free, run, cpu_share;
      for (int round = -warmup; round < repeat; ++round) {
        const double cpu0 = thread_cpu_seconds();
        auto t0 = std::chrono::steady_clock::now();
        auto document = std::make_unique<nlohmann::ordered_json>(braid::parse_json_text(g.text));
        const double t_parse = since(t0);
        t0 = std::chrono::steady_clock::now();
        std::vector<braid::Problem> problems;
        auto pipeline = std::make_unique<braid::PipelineSpec>(braid::spec_from_json(*document, problems));
        const double t_spec = since(t0);
        if (!problems.empty()) {
          std::fprintf(stderr, "bench_load: the generated pipeline has structural problems, first: %s\n",
                       problems.front().to_string().c_str());
          return 1;
        }
        t0 = std::chrono::steady_clock::now();
        braid::validate(*pipeline, registry);
        const double t_validate = since(t0);
        const double cpu_front = thread_cpu_seconds() - cpu0;  // parse + spec + validate, on this thread
        t0 = std::chrono::steady_clock::now();
        const braid::Result result = braid::run(*pipeline, registry, options);
        const double t_run = since(t0);
        const std::int64_t got = result.value("result").get<std::int64_t>();
        if (got != g.expected) {
          std::fprintf(stderr, "bench_load: %zu nodes: result %lld, expected %lld\n", g.nodes,
                       static_cast<long long>(got), static_cast<long long>(g.expected));
          all_right = false;
        }
        t0 = std::chrono::steady_clock::now();
        document.reset();
        pipeline.reset();
        const double t_free = since(t0);
        if (round < 0) continue;
        parse.push_back(t_parse);
        spec.push_back(t_spec);
        validate.push_back(t_validate);
        build.push_back(result.build_seconds);
        load.push_back(t_parse + t_spec + t_validate + result.build_seconds);
        execute.push_back(result.seconds - result.build_seconds);
        free.push_back(t_free);
        run.push_back(t_run);
        cpu_share.push_back(cpu_front / (t_parse + t_spec + t_validate));
      }
      const double t_load = median(load);
      std::printf("%9zu %-7zu %6.1fMB %8.2fms %8.2fms %8.2fms %8.2fms %8.2fms %8.2fms %8.2fms %8.2fms %7.0fMiB %4.0f%%\n", g.nodes,
                  threads, static_cast<double>(g.text.size()) / 1e6, median(parse) * 1e3, median(spec) * 1e3,
                  median(validate) * 1e3, median(build) * 1e3, t_load * 1e3, median(execute) * 1e3,
                  median(run) * 1e3, median(free) * 1e3, peak_rss_mib(), median(cpu_share) * 100);
      std::fflush(stdout);
      if (size == 10000 && !load_10k_checked) {
        load_10k_checked = true;
        load_10k = t_load;
        load_10k_ok = t_load <= 0.100;
      }
    }
    std::printf("#   %zu nodes: %zu branches, text generated in %.2f ms\n", g.nodes, g.branches, t_generate * 1e3);
  }
  if (load_10k_checked)
    std::printf("# 10,000 nodes: load + validate + build %.2f ms, %s the 100 ms target\n", load_10k * 1e3,
                load_10k_ok ? "within" : "OVER");
  if (!all_right) {
    std::fprintf(stderr, "bench_load: a result was wrong\n");
    return 1;
  }
  return 0;
}
