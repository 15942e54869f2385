// bench_shapes: task graphs from the literature built with braid's C++ API,
// beside the same graphs in raw tbb::flow (continue_node style), in the same
// process and run. Each node is one task; a node with several predecessors is
// a join kind with a body (it runs once all its inputs arrived).
//
//   chain:     a -> b -> c -> ... (N nodes)
//   tree:      a binary fan-out tree of N nodes (leaves are sinks)
//   wavefront: an S x S grid, (i,j) after (i-1,j) and (i,j-1)
//   layered:   a random layered DAG of width 64, 1..3 predecessors per node
//
//   bench_shapes [--threads 1,2] [--repeat 3] [--sizes 1000,10000,100000,1000000] [--shapes chain,tree,...]
//                [--columns once,rerun] [--work-ns 0] [--stateless 1]
//
// --work-ns gives every task (braid's and tbb's) that many nanoseconds of
// busy work: 0 measures the bare overhead per node, 1000 or more a task graph
// whose tasks do something. The tasks' kinds are stateless (Kind::stateless):
// a Program makes their bodies once and keeps them, as a tbb::flow graph keeps
// its nodes' bodies; --stateless 0 makes them afresh for every run.
//
// Two times per shape, each braid / tbb::flow:
//   once: the whole of a single run. braid: validate + build + execute + tear
//         down (braid::run); tbb::flow: build + execute + tear down.
//   rerun: one more run of a graph built before. braid: Program::run (fresh
//         bodies, execute); tbb::flow: try_put + wait_for_all on the built graph.
// A last column times braid::validate alone (median of the same rounds), the
// part of braid's once that raw tbb::flow has no counterpart for.
#include <braid/braid.hpp>

#include "bench_util.hpp"

#include <oneapi/tbb/flow_graph.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>
#include <random>

namespace flow = tbb::flow;

namespace {

/// A graph as plain adjacency: preds[i] lists the predecessors of node i.
/// Node 0 is the only root; nodes without successors are leaves.
struct Dag {
  std::vector<std::vector<std::size_t>> preds;
  std::size_t size() const { return preds.size(); }
};

Dag chain(std::size_t n) {
  Dag d;
  d.preds.resize(n);
  for (std::size_t i = 1; i < n; ++i) d.preds[i] = {i - 1};
  return d;
}

Dag tree(std::size_t n) {
  Dag d;
  d.preds.resize(n);
  for (std::size_t i = 1; i < n; ++i) d.preds[i] = {(i - 1) / 2};
  return d;
}

Dag wavefront(std::size_t n) {
  const auto side = static_cast<std::size_t>(std::sqrt(static_cast<double>(n)));
  Dag d;
  d.preds.resize(side * side);
  for (std::size_t i = 0; i < side; ++i)
    for (std::size_t j = 0; j < side; ++j) {
      auto& p = d.preds[i * side + j];
      if (i > 0) p.push_back((i - 1) * side + j);
      if (j > 0) p.push_back(i * side + j - 1);
    }
  return d;
}

Dag layered(std::size_t n) {
  constexpr std::size_t kWidth = 64;
  std::mt19937_64 gen(42);
  Dag d;
  d.preds.resize(1);  // the root
  std::vector<std::size_t> previous{0};
  while (d.size() < n) {
    std::vector<std::size_t> layer;
    std::vector<bool> used(previous.size(), false);
    for (std::size_t k = 0; k < kWidth && d.size() < n; ++k) {
      std::vector<std::size_t> p;
      const std::size_t want = std::min<std::size_t>(previous.size(), 1 + gen() % 3);
      while (p.size() < want) {
        std::size_t pick = gen() % previous.size();
        if (std::find(p.begin(), p.end(), previous[pick]) == p.end()) {
          p.push_back(previous[pick]);
          used[pick] = true;
        }
      }
      layer.push_back(d.size());
      d.preds.push_back(std::move(p));
    }
    // every node of the previous layer feeds at least one of this layer
    for (std::size_t k = 0; k < previous.size(); ++k)
      if (!used[k]) d.preds[layer[gen() % layer.size()]].push_back(previous[k]);
    previous = std::move(layer);
  }
  return d;
}

std::int64_t work_ns = 0;  // --work-ns: busy work per task

/// Spins for work_ns nanoseconds.
void work() {
  if (work_ns <= 0) return;
  const auto until = std::chrono::steady_clock::now() + std::chrono::nanoseconds(work_ns);
  while (std::chrono::steady_clock::now() < until) {
  }
}

class PassBody final : public braid::MapBody {
 public:
  braid::Value apply(const braid::Value& in) override {
    work();
    return in;
  }
};

class TaskBody final : public braid::MapBody {
 public:
  braid::Value apply(const braid::Value&) override {
    work();
    return braid::Value::of(std::int64_t{0});
  }
};

class OnceSource final : public braid::SourceBody {
 public:
  bool next(braid::Value& out) override {
    if (done_) return false;
    done_ = true;
    work();
    out = braid::Value::of(std::int64_t{0});
    return true;
  }

 private:
  bool done_ = false;
};

/// A leaf task (`work`), or the sink after a task that has no successors.
class DrainSink final : public braid::SinkBody {
 public:
  explicit DrainSink(bool work) : work_(work) {}
  void consume(const braid::Message&) override {
    if (work_) work();
  }

 private:
  bool work_;
};

/// `stateless`: the tasks' kinds say so (Kind::stateless), and a Program keeps their bodies across runs.
void add_kinds(braid::Registry& registry, bool stateless) {
  braid::Kind root;
  root.name = "shape.root";
  root.doc = "one item";
  root.shape = braid::Shape::kSource;
  root.outputs = {braid::PortSpec{"out", {"int64"}, ""}};
  root.concurrency = braid::Concurrency::serial();
  root.make = [](const braid::NodeConfig&) { return std::make_unique<OnceSource>(); };
  registry.add(root);

  braid::Kind pass;
  pass.name = "shape.pass";
  pass.doc = "a task with one predecessor";
  pass.inputs = {braid::PortSpec{"in", {}, ""}};
  pass.outputs = {braid::PortSpec{"out", {}, ""}};
  pass.stateless = stateless;
  pass.make = [](const braid::NodeConfig&) { return std::make_unique<PassBody>(); };
  registry.add(pass);

  braid::Kind task;
  task.name = "shape.task";
  task.doc = "a task with `inputs` predecessors: runs when all arrived";
  task.shape = braid::Shape::kJoin;
  task.outputs = {braid::PortSpec{"out", {"int64"}, ""}};
  task.params = {braid::param::integer("inputs", "number of predecessors", std::nullopt, 2, 64)};
  task.dynamic_inputs = [](const braid::Params& p) {
    const std::int64_t inputs = p.get_or<std::int64_t>("inputs", 0);
    std::vector<braid::PortSpec> ports;
    ports.reserve(static_cast<std::size_t>(std::max<std::int64_t>(inputs, 0)));
    for (std::int64_t i = 0; i < inputs; ++i) ports.push_back(braid::PortSpec{"in" + std::to_string(i), {}, ""});
    return ports;
  };
  task.stateless = stateless;
  task.make = [](const braid::NodeConfig&) { return std::make_unique<TaskBody>(); };
  registry.add(task);

  braid::Kind leaf;
  leaf.name = "shape.leaf";
  leaf.doc = "a task without successors";
  leaf.shape = braid::Shape::kSink;
  leaf.inputs = {braid::PortSpec{"in", {}, ""}};
  leaf.stateless = stateless;  // it keeps nothing: no output to commit
  leaf.make = [](const braid::NodeConfig&) { return std::make_unique<DrainSink>(true); };
  registry.add(leaf);

  braid::Kind drain = leaf;
  drain.name = "shape.drain";
  drain.doc = "the end of a task without successors (no task of its own)";
  drain.make = [](const braid::NodeConfig&) { return std::make_unique<DrainSink>(false); };
  registry.add(drain);
}

/// The DAG as a braid pipeline. A leaf with several predecessors becomes a
/// task followed by a sink that does no work (one node more).
braid::PipelineSpec to_spec(const Dag& d) {
  std::vector<std::size_t> successors(d.size(), 0);
  for (const auto& p : d.preds)
    for (std::size_t q : p) ++successors[q];
  braid::PipelineBuilder b("shape");
  std::vector<std::size_t> fed(d.size(), 0);  // input ports used so far
  auto id = [](std::size_t i) { return "n" + std::to_string(i); };
  for (std::size_t i = 0; i < d.size(); ++i) {
    const std::size_t k = d.preds[i].size();
    if (i == 0) {
      b.node(id(i), "shape.root");
    } else if (k >= 2) {
      b.node(id(i), "shape.task").param("inputs", static_cast<std::int64_t>(k));
    } else {
      b.node(id(i), successors[i] == 0 ? "shape.leaf" : "shape.pass");
    }
    if (k >= 2 && successors[i] == 0) {
      b.node(id(i) + "_leaf", "shape.drain");
      b.edge(braid::Endpoint{id(i), ""}, braid::Endpoint{id(i) + "_leaf", ""});
    }
    for (std::size_t q : d.preds[i])
      b.edge(braid::Endpoint{id(q), ""},
             braid::Endpoint{id(i), k >= 2 ? "in" + std::to_string(fed[i]++) : std::string()});
  }
  return b.build();
}

/// The DAG in raw tbb::flow: one continue_node per task. Built where it is
/// constructed (inside the arena it runs in); run() returns the tasks it ran.
class RawGraph {
 public:
  explicit RawGraph(const Dag& d) {
    nodes_.reserve(d.size());
    for (std::size_t i = 0; i < d.size(); ++i)
      nodes_.push_back(std::make_unique<flow::continue_node<flow::continue_msg>>(g_, [this](const flow::continue_msg&) {
        work();
        ran_.fetch_add(1, std::memory_order_relaxed);
        return flow::continue_msg();
      }));
    for (std::size_t i = 0; i < d.size(); ++i)
      for (std::size_t q : d.preds[i]) flow::make_edge(*nodes_[q], *nodes_[i]);
  }
  std::size_t run() {
    ran_ = 0;
    nodes_[0]->try_put(flow::continue_msg());
    g_.wait_for_all();
    return ran_.load();
  }

 private:
  flow::graph g_;  // first: outlives its nodes
  std::atomic<std::size_t> ran_{0};
  std::vector<std::unique_ptr<flow::continue_node<flow::continue_msg>>> nodes_;
};

/// "tbb ms, braid ms, ratio" for a column measured, else dashes.
std::string column(bool measured, const std::vector<double>& t) {
  char text[64];
  if (measured)
    std::snprintf(text, sizeof text, "%9.2fms %9.2fms %8.2fx", t[0] * 1e3, t[1] * 1e3, t[1] / t[0]);
  else
    std::snprintf(text, sizeof text, "%11s %11s %9s", "-", "-", "-");
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  bench::Args args(argc, argv);
  const auto thread_counts = args.list("--threads", {1, 2});
  const int repeat = static_cast<int>(args.number("--repeat", 3));
  const auto sizes = args.list("--sizes", {1000, 10000, 100000, 1000000});
  const std::string shapes = args.text("--shapes", "chain,tree,wavefront,layered");
  const std::string columns = args.text("--columns", "once,rerun");
  work_ns = static_cast<std::int64_t>(args.number("--work-ns", 0));
  const bool stateless = args.number("--stateless", 1) != 0;
  args.done(
      "bench_shapes [--threads 1,2] [--repeat N] [--sizes N,N,...] [--shapes chain,tree,wavefront,layered] "
      "[--columns once,rerun] [--work-ns N] [--stateless 1|0]");
  const bool want_once = columns.find("once") != std::string::npos;
  const bool want_rerun = columns.find("rerun") != std::string::npos;

  braid::Registry registry;
  braid::register_builtin_kinds(registry);
  add_kinds(registry, stateless);

  std::printf("# bench_shapes: median of %d interleaved rounds, hardware threads %d, work per task %lld ns\n", repeat,
              tbb::info::default_concurrency(), static_cast<long long>(work_ns));
  std::printf("%-10s %9s %-7s %11s %11s %9s %11s %11s %9s %10s\n", "shape", "nodes", "threads", "tbb once",
              "braid once", "ratio", "tbb rerun", "braid rerun", "ratio", "validate");
  bool right = true;
  const std::vector<std::pair<const char*, Dag (*)(std::size_t)>> all = {
      {"chain", chain}, {"tree", tree}, {"wavefront", wavefront}, {"layered", layered}};
  for (const auto& [name, make] : all) {
    if (shapes.find(name) == std::string::npos) continue;
    for (std::size_t n : sizes) {
      const Dag dag = make(n);
      const braid::PipelineSpec spec = to_spec(dag);
      const double t_validate = bench::medians(repeat, {[&] { braid::validate(spec, registry); }})[0];
      for (std::size_t threads : thread_counts) {
        bench::ThreadScope scope(threads);
        braid::RunOptions options;
        options.threads = threads;
        std::vector<double> once, rerun;
        if (want_once)
          once = bench::medians(repeat, {[&] { scope.arena.execute([&] { right &= RawGraph(dag).run() == dag.size(); }); },
                                         [&] { braid::run(spec, registry, options); }});
        if (want_rerun) {
          std::optional<RawGraph> raw;
          scope.arena.execute([&] { raw.emplace(dag); });
          braid::Program program(spec, registry, options);
          rerun = bench::medians(repeat, {[&] { scope.arena.execute([&] { right &= raw->run() == dag.size(); }); },
                                          [&] { program.run(); }});
          scope.arena.execute([&] { raw.reset(); });
        }
        std::printf("%-10s %9zu %-7zu %s %s %8.2fms\n", name, dag.size(), threads, column(want_once, once).c_str(),
                    column(want_rerun, rerun).c_str(), t_validate * 1e3);
        std::fflush(stdout);
      }
    }
  }
  if (!right) {
    std::fprintf(stderr, "bench_shapes: a result was wrong\n");
    return 1;
  }
  return 0;
}
