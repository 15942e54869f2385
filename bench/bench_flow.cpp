// bench_flow: braid's per-message overhead beside the same graph shapes in raw
// tbb::flow, in the same process and run.
//
//   chain:   source ──> pass_1 ──> pass_2 ──> ... ──> pass_1000 ──> sink     (time per hop)
//   single:  source ──> add_one ──> sink                                   (time per message)
//   fan-out: source ──> split(64) ──> work ──> gather.count ──> sink       (time per round)
//            raw twin: source ──> 64 function_nodes ──> countdown gather ──> sink
//
//   bench_flow [--threads 1,2] [--repeat 5] [--messages 1000000] [--hops 1000]
//              [--hop-messages 1000] [--rounds 20000]
//
// Each figure is the median of --repeat interleaved rounds after a warm-up; the
// ratio is braid's time over raw tbb::flow's (lower is better).
#include <braid/braid.hpp>

#include "bench_util.hpp"

#include <oneapi/tbb/flow_graph.h>

#include <atomic>
#include <cstdio>
#include <memory>

namespace flow = tbb::flow;

namespace {

/// Emits n items: the int64 0..n-1, or n ranges 0..64 (a round's 64 tasks).
class CountSource final : public braid::SourceBody {
 public:
  CountSource(std::int64_t n, bool rounds) : n_(n), rounds_(rounds) {}
  bool next(braid::Value& out) override {
    if (i_ == n_) return false;
    out = rounds_ ? braid::Value::of(braid::Range{0, 64, 1}) : braid::Value::of(i_);
    ++i_;
    return true;
  }

 private:
  std::int64_t n_, i_ = 0;
  bool rounds_;
};

class PassBody final : public braid::MapBody {
 public:
  braid::Value apply(const braid::Value& in) override { return in; }
};

class AddOneBody final : public braid::MapBody {
 public:
  braid::Value apply(const braid::Value& in) override { return braid::Value::of(in.get<std::int64_t>() + 1); }
};

std::atomic<std::int64_t> drained{0};

class DrainSink final : public braid::SinkBody {
 public:
  void consume(const braid::Message&) override { drained.fetch_add(1, std::memory_order_relaxed); }
};

void add_bench_kinds(braid::Registry& registry) {
  braid::Kind source;
  source.name = "bench.count";
  source.doc = "the stream 0..n-1";
  source.shape = braid::Shape::kSource;
  source.outputs = {braid::PortSpec{"out", {"int64"}, ""}};
  source.params = {braid::param::integer("n", "items", 1000)};
  source.concurrency = braid::Concurrency::serial();
  source.make = [](const braid::NodeConfig& c) {
    return std::make_unique<CountSource>(c.params.get<std::int64_t>("n"), false);
  };
  registry.add(source);
  source.name = "bench.rounds";
  source.doc = "n ranges 0..64";
  source.outputs = {braid::PortSpec{"out", {"range"}, ""}};
  source.make = [](const braid::NodeConfig& c) {
    return std::make_unique<CountSource>(c.params.get<std::int64_t>("n"), true);
  };
  registry.add(source);

  braid::Kind pass;
  pass.name = "bench.pass";
  pass.doc = "passes its input on";
  pass.inputs = {braid::PortSpec{"in", {}, ""}};
  pass.outputs = {braid::PortSpec{"out", {}, ""}};
  pass.make = [](const braid::NodeConfig&) { return std::make_unique<PassBody>(); };
  registry.add(pass);

  braid::Kind add;
  add.name = "bench.add_one";
  add.doc = "x + 1";
  add.inputs = {braid::PortSpec{"in", {"int64"}, ""}};
  add.outputs = {braid::PortSpec{"out", {"int64"}, ""}};
  add.make = [](const braid::NodeConfig&) { return std::make_unique<AddOneBody>(); };
  registry.add(add);

  braid::Kind drain;
  drain.name = "bench.drain";
  drain.doc = "counts what arrives";
  drain.shape = braid::Shape::kSink;
  drain.inputs = {braid::PortSpec{"in", {}, ""}};
  drain.make = [](const braid::NodeConfig&) { return std::make_unique<DrainSink>(); };
  registry.add(drain);
}

braid::PipelineSpec chain_spec(std::int64_t messages, int hops) {
  braid::PipelineBuilder b("chain");
  b.node("source", "bench.count").param("n", messages);
  std::string chain = "source";
  for (int i = 0; i < hops; ++i) {
    std::string id = "pass_" + std::to_string(i);
    b.node(id, "bench.pass");
    chain += " -> " + id;
  }
  b.node("sink", "bench.drain");
  b.edge(chain + " -> sink");
  return b.build();
}

braid::PipelineSpec single_spec(std::int64_t messages) {
  braid::PipelineBuilder b("single");
  b.node("source", "bench.count").param("n", messages);
  b.node("add", "bench.add_one");
  b.node("sink", "bench.drain");
  b.edge("source -> add -> sink");
  return b.build();
}

braid::PipelineSpec fanout_spec(std::int64_t rounds) {
  braid::PipelineBuilder b("fan-out");
  b.node("source", "bench.rounds").param("n", rounds);
  b.node("split", "split").param("chunks", 64);
  b.node("work", "reduce.sum");
  b.node("gather", "gather.sum");
  b.node("sink", "bench.drain");
  b.edge("source -> split -> work -> gather -> sink");
  return b.build();
}

/// The raw chain: input_node -> hops function_nodes -> sink.
std::int64_t raw_chain(std::int64_t messages, int hops) {
  flow::graph g;
  std::int64_t next = 0;
  flow::input_node<std::int64_t> source(g, [&](tbb::flow_control& fc) -> std::int64_t {
    if (next == messages) {
      fc.stop();
      return 0;
    }
    return next++;
  });
  std::vector<std::unique_ptr<flow::function_node<std::int64_t, std::int64_t>>> nodes;
  for (int i = 0; i < hops; ++i)
    nodes.push_back(std::make_unique<flow::function_node<std::int64_t, std::int64_t>>(
        g, flow::unlimited, [](std::int64_t x) { return x; }));
  std::atomic<std::int64_t> count{0};
  flow::function_node<std::int64_t, flow::continue_msg> sink(g, flow::unlimited, [&](std::int64_t) {
    count.fetch_add(1, std::memory_order_relaxed);
    return flow::continue_msg();
  });
  flow::make_edge(source, *nodes.front());
  for (int i = 0; i + 1 < hops; ++i) flow::make_edge(*nodes[i], *nodes[i + 1]);
  flow::make_edge(*nodes.back(), sink);
  source.activate();
  g.wait_for_all();
  return count.load();
}

/// The raw fan-out: each round broadcast to 64 function_nodes whose results a
/// hand-written countdown gather sums.
std::int64_t raw_fanout(std::int64_t rounds) {
  constexpr int kWidth = 64;
  flow::graph g;
  std::int64_t next = 0;
  flow::input_node<std::int64_t> source(g, [&](tbb::flow_control& fc) -> std::int64_t {
    if (next == rounds) {
      fc.stop();
      return 0;
    }
    return next++;
  });
  struct Round {
    std::atomic<int> left{kWidth};
    std::atomic<std::int64_t> sum{0};
  };
  std::vector<Round> state(static_cast<std::size_t>(rounds));
  std::atomic<std::int64_t> done{0};
  using Part = std::pair<std::int64_t, std::int64_t>;  // round, value
  flow::function_node<Part, flow::continue_msg> gather(g, flow::unlimited, [&](const Part& p) {
    Round& r = state[static_cast<std::size_t>(p.first)];
    r.sum.fetch_add(p.second, std::memory_order_relaxed);
    if (r.left.fetch_sub(1, std::memory_order_acq_rel) == 1) done.fetch_add(1, std::memory_order_relaxed);
    return flow::continue_msg();
  });
  std::vector<std::unique_ptr<flow::function_node<std::int64_t, Part>>> workers;
  for (int i = 0; i < kWidth; ++i) {
    workers.push_back(std::make_unique<flow::function_node<std::int64_t, Part>>(
        g, flow::unlimited, [i](std::int64_t round) { return Part{round, i}; }));
    flow::make_edge(source, *workers.back());
    flow::make_edge(*workers.back(), gather);
  }
  source.activate();
  g.wait_for_all();
  return done.load();
}

}  // namespace

int main(int argc, char** argv) {
  bench::Args args(argc, argv);
  const auto thread_counts = args.list("--threads", {1, 2});
  const int repeat = static_cast<int>(args.number("--repeat", 5));
  const std::int64_t messages = args.number("--messages", 1000000);
  const int hops = static_cast<int>(args.number("--hops", 1000));
  const std::int64_t hop_messages = args.number("--hop-messages", 1000);
  const std::int64_t rounds = args.number("--rounds", 20000);
  args.done("bench_flow [--threads 1,2] [--repeat N] [--messages N] [--hops N] [--hop-messages N] [--rounds N]");

  braid::Registry registry;
  braid::register_builtin_kinds(registry);
  add_bench_kinds(registry);

  const braid::PipelineSpec chain = chain_spec(hop_messages, hops);
  const braid::PipelineSpec single = single_spec(messages);
  const braid::PipelineSpec fanout = fanout_spec(rounds);

  std::printf("# bench_flow: median of %d interleaved rounds, hardware threads %d\n", repeat,
              tbb::info::default_concurrency());
  std::printf("%-9s %-7s %14s %14s %9s\n", "workload", "threads", "tbb::flow", "braid", "braid/tbb");
  bool right = true;
  for (std::size_t threads : thread_counts) {
    bench::ThreadScope scope(threads);
    braid::RunOptions options;
    options.threads = threads;
    auto run_braid = [&](const braid::PipelineSpec& spec, std::int64_t expect) {
      drained = 0;
      braid::run(spec, registry, options);
      right = right && drained.load() == expect;
    };

    auto t = bench::medians(repeat, {[&] { scope.arena.execute([&] { right &= raw_chain(hop_messages, hops) == hop_messages; }); },
                                     [&] { run_braid(chain, hop_messages); }});
    const double per_hop = 1e9 / static_cast<double>(hop_messages * (hops + 1));
    std::printf("%-9s %-7zu %11.1f ns %11.1f ns %8.2fx   per hop\n", "chain", threads, t[0] * per_hop, t[1] * per_hop,
                t[1] / t[0]);

    t = bench::medians(repeat, {[&] { scope.arena.execute([&] { right &= raw_chain(messages, 1) == messages; }); },
                                [&] { run_braid(single, messages); }});
    const double per_message = 1e9 / static_cast<double>(messages);
    std::printf("%-9s %-7zu %11.1f ns %11.1f ns %8.2fx   per message\n", "single", threads, t[0] * per_message,
                t[1] * per_message, t[1] / t[0]);

    t = bench::medians(repeat, {[&] { scope.arena.execute([&] { right &= raw_fanout(rounds) == rounds; }); },
                                [&] { run_braid(fanout, rounds); }});
    const double per_round = 1e6 / static_cast<double>(rounds);
    std::printf("%-9s %-7zu %11.2f us %11.2f us %8.2fx   per round of 64\n", "fan-out", threads, t[0] * per_round,
                t[1] * per_round, t[1] / t[0]);
  }
  if (!right) {
    std::fprintf(stderr, "bench_flow: a result was wrong\n");
    return 1;
  }
  return 0;
}
