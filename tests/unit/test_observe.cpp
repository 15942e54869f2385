// Unit tests of the observers: Stats (counts, latencies, queues, critical
// path), Trace (Chrome trace JSON, the cap), Progress, ObserverList. Counts are
// exact; times are only compared where the order cannot fail (a body that
// sleeps 50 ms against bodies that do almost nothing) or fed in by hand.
#include <braid/braid.hpp>

#include <doctest/doctest.h>

#include "pipelines.hpp"
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>
#include <thread>

using braid::BodyEvent;
using braid::NodeStats;
using braid::PipelineBuilder;
using braid::StatsReport;
using braid::Tag;
using braid::Value;

namespace {

/// Emits the stream 1..n as int64.
class CountSource final : public braid::SourceBody {
 public:
  explicit CountSource(std::int64_t n) : n_(n) {}
  bool next(Value& out) override {
    if (i_ == n_) return false;
    out = Value::of(++i_);
    return true;
  }

 private:
  std::int64_t n_, i_ = 0;
};

/// Passes its input on after sleeping `ms` milliseconds.
class SleepBody final : public braid::MapBody {
 public:
  explicit SleepBody(std::int64_t ms) : ms_(ms) {}
  Value apply(const Value& in) override {
    if (ms_ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(ms_));
    return in;
  }

 private:
  std::int64_t ms_;
};

/// The file a test.wait body waits on: it returns once something was written there.
std::FILE* awaited = nullptr;

class WaitBody final : public braid::MapBody {
 public:
  Value apply(const Value& in) override {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (awaited && std::ftell(awaited) <= 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return in;
  }
};

braid::Kind pass_kind(const char* name,
                      std::function<std::unique_ptr<braid::NodeBody>(const braid::NodeConfig&)> make) {
  braid::Kind k;
  k.name = name;
  k.doc = "passes its input on";
  k.inputs = {braid::PortSpec{"in", {}, ""}};
  k.outputs = {braid::PortSpec{"out", {}, ""}};
  k.params = {braid::param::integer("ms", "", 0)};
  k.make = std::move(make);
  return k;
}

const braid::Registry& registry() {
  static const braid::Registry r = [] {
    braid::Registry reg;
    braid::register_builtin_kinds(reg);
    braid::Kind count;
    count.name = "test.count";
    count.doc = "the stream 1..n";
    count.shape = braid::Shape::kSource;
    count.outputs = {braid::PortSpec{"out", {"int64"}, ""}};
    count.concurrency = braid::Concurrency::serial();
    count.params = {braid::param::integer("n", "", 5)};
    count.make = [](const braid::NodeConfig& c) {
      return std::make_unique<CountSource>(c.params.get_or<std::int64_t>("n", 5));
    };
    reg.add(count);
    reg.add(pass_kind("test.sleep", [](const braid::NodeConfig& c) {
      return std::make_unique<SleepBody>(c.params.get_or<std::int64_t>("ms", 0));
    }));
    reg.add(pass_kind("test.wait", [](const braid::NodeConfig&) { return std::make_unique<WaitBody>(); }));
    return reg;
  }();
  return r;
}

braid::PipelineSpec seed() {
  PipelineBuilder b("seed-sum");
  b.node("numbers", "source.values").param("values", std::vector<std::int64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  b.node("split", "split").param("chunks", 4);
  b.node("partial", "reduce.sum").concurrency(braid::Concurrency::unlimited());
  b.node("total", "gather.sum");
  b.node("result", "sink.output");
  b.edge("numbers -> split -> partial -> total -> result");
  return b.build();
}

/// A stream of n items through a pass-through map into a sink.
braid::PipelineSpec stream(std::int64_t n) {
  PipelineBuilder b("stream");
  b.node("numbers", "test.count").param("n", n);
  b.node("pass", "test.sleep");
  b.node("result", "sink.output");
  b.edge("numbers -> pass -> result");
  return b.build();
}

StatsReport run_with_stats(const braid::PipelineSpec& spec, std::size_t threads) {
  braid::Stats stats(registry());
  braid::RunOptions options;
  options.threads = threads;
  options.observer = &stats;
  braid::run(spec, registry(), options);
  return stats.report();
}

const NodeStats& node(const StatsReport& r, const std::string& id) {
  for (const NodeStats& n : r.nodes)
    if (n.id == id) return n;
  FAIL("no node " << id);
  throw std::logic_error("unreachable");
}

/// (messages in, messages out) of every node, by id.
std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> counts(const StatsReport& r) {
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> out;
  for (const NodeStats& n : r.nodes) out[n.id] = {n.messages_in, n.messages_out};
  return out;
}

/// What holds for every report: efficiency within [0, 1], shares summing to 1.
void check_consistent(const StatsReport& r) {
  CHECK(r.efficiency >= 0.0);
  CHECK(r.efficiency <= 1.0 + 1e-6);
  double shares = 0.0, busy = 0.0;
  for (const NodeStats& n : r.nodes) {
    CHECK(n.share >= 0.0);
    CHECK(n.busy_seconds >= 0.0);
    CHECK(n.p50_seconds <= n.p99_seconds);
    CHECK(n.max_queue >= 0);
    shares += n.share;
    busy += n.busy_seconds;
  }
  CHECK(busy == doctest::Approx(r.busy_seconds));
  if (r.busy_seconds > 0) CHECK(shares == doctest::Approx(1.0));
  CHECK(r.critical_path.seconds <= r.busy_seconds + 1e-12);
}

/// Feeds Stats events by hand: one body of `node` on `worker` from `begin` to `end` ns.
void body(braid::Observer& o, std::size_t node, std::size_t worker, std::int64_t begin, std::int64_t end,
          std::size_t outputs = 1) {
  BodyEvent e;
  e.node = node;
  e.worker = worker;
  e.begin_ns = begin;
  o.on_begin(e);
  e.end_ns = end;
  e.outputs = outputs;
  o.on_end(e);
}

}  // namespace

TEST_CASE("stats count every node's messages exactly on the seed pipeline, at any thread count") {
  for (std::size_t threads : {1, 2, 4}) {
    CAPTURE(threads);
    StatsReport r = run_with_stats(seed(), threads);
    CHECK(r.pipeline == "seed-sum");
    CHECK(r.threads == threads);
    CHECK(r.wall_seconds > 0.0);
    using C = std::map<std::string, std::pair<std::uint64_t, std::uint64_t>>;
    CHECK(counts(r) ==
          C{{"numbers", {1, 1}}, {"split", {1, 4}}, {"partial", {4, 4}}, {"total", {4, 1}}, {"result", {1, 0}}});
    CHECK(node(r, "numbers").bodies == 2);  // the item, then the end of the stream
    CHECK(node(r, "partial").bodies == 4);
    CHECK(node(r, "partial").kind == "reduce.sum");
    CHECK(node(r, "numbers").max_queue == 0);
    CHECK(r.critical_path.nodes == std::vector<std::string>{"numbers", "split", "partial", "total", "result"});
    check_consistent(r);
    std::vector<std::string> order;
    for (const NodeStats& n : r.nodes) order.push_back(n.id);
    CHECK(order == std::vector<std::string>{"numbers", "split", "partial", "total", "result"});
  }
  // On one thread no chunk can start before the split's body returned: all four waited at once.
  StatsReport one = run_with_stats(seed(), 1);
  CHECK(node(one, "partial").max_queue == 4);
  CHECK(node(one, "total").max_queue >= 1);
}

TEST_CASE("stats count a join's inputs per port and its records out") {
  const braid::PipelineSpec spec = braid_test::chunk_sum_and_count();
  for (std::size_t threads : {1, 3}) {
    CAPTURE(threads);
    StatsReport r = run_with_stats(spec, threads);
    using C = std::map<std::string, std::pair<std::uint64_t, std::uint64_t>>;
    CHECK(counts(r) == C{{"numbers", {1, 1}},
                         {"split", {1, 2}},
                         {"sum", {2, 2}},
                         {"count", {2, 2}},
                         {"both", {4, 2}},
                         {"chunks", {2, 1}},
                         {"result", {1, 0}}});
    check_consistent(r);
    REQUIRE(r.critical_path.nodes.size() == 6);
    CHECK(r.critical_path.nodes.front() == "numbers");
    CHECK(r.critical_path.nodes.back() == "result");
    CHECK(r.critical_path.nodes[3] == "both");
  }
}

TEST_CASE("stats of a stream count one message per item, and the end of the stream as a body only") {
  for (std::size_t threads : {1, 4}) {
    CAPTURE(threads);
    StatsReport r = run_with_stats(stream(500), threads);
    using C = std::map<std::string, std::pair<std::uint64_t, std::uint64_t>>;
    CHECK(counts(r) == C{{"numbers", {500, 500}}, {"pass", {500, 500}}, {"result", {500, 0}}});
    CHECK(node(r, "numbers").bodies == 501);
    CHECK(node(r, "pass").bodies == 500);
    check_consistent(r);
  }
}

TEST_CASE("a slow node has the largest share and lies on the critical path") {
  // numbers -> split -> slow -> a -> ta -> both.a
  //                 \-> b -> tb -> both.b ;  both -> result
  PipelineBuilder b("slow");
  b.node("numbers", "source.values").param("values", std::vector<std::int64_t>{1, 2, 3, 4});
  b.node("split", "split").param("chunks", 2);
  b.node("slow", "test.sleep").param("ms", 50);
  b.node("a", "reduce.sum");
  b.node("ta", "gather.sum");
  b.node("fast", "test.sleep");
  b.node("bsum", "reduce.sum");
  b.node("tb", "gather.sum");
  b.node("both", "join").param("ports", std::vector<std::string>{"a", "b"});
  b.node("result", "sink.output");
  b.edge("numbers -> split");
  b.edge("split -> fast -> bsum -> tb -> both.b");
  b.edge("split -> slow -> a -> ta -> both.a");
  b.edge("both -> result");
  StatsReport r = run_with_stats(b.build(), 2);
  check_consistent(r);
  const NodeStats& slow = node(r, "slow");
  for (const NodeStats& n : r.nodes)
    if (n.id != "slow") CHECK(n.share < slow.share);
  CHECK(slow.busy_seconds >= 0.1);
  CHECK(slow.p50_seconds >= 0.05);  // exact: two samples
  CHECK(slow.mean_seconds >= 0.05);
  CHECK(r.critical_path.nodes == std::vector<std::string>{"numbers", "split", "slow", "a", "ta", "both", "result"});
  CHECK(r.critical_path.seconds >= 0.05);
}

TEST_CASE("stats charge a body without the bodies nested in it on its worker") {
  braid::Stats stats(registry());
  braid::PipelineSpec spec = stream(1);
  stats.on_run_begin(spec, 1);
  BodyEvent outer;
  outer.node = 0;
  outer.begin_ns = 0;
  stats.on_begin(outer);
  body(stats, 1, 0, 20, 50);  // ran inside the source's body, on the same worker
  outer.end_ns = 100;
  outer.outputs = 1;
  stats.on_end(outer);
  stats.on_run_end(1e-6);
  StatsReport r = stats.report();
  CHECK(node(r, "numbers").busy_seconds == doctest::Approx(70e-9));
  CHECK(node(r, "numbers").mean_seconds == doctest::Approx(100e-9));
  CHECK(node(r, "pass").busy_seconds == doctest::Approx(30e-9));
  CHECK(r.busy_seconds == doctest::Approx(100e-9));
  CHECK(r.efficiency == doctest::Approx(0.1));
}

TEST_CASE("latency percentiles: exact for few bodies, within 1/16 from the histogram") {
  braid::PipelineSpec spec = stream(1);
  SUBCASE("exact: at most 64 bodies on each worker") {
    braid::Stats stats(registry());
    stats.on_run_begin(spec, 2);
    for (int i = 1; i <= 100; ++i) body(stats, 1, i % 2, 0, i * 1000);  // 1..100 us, 50 per worker
    stats.on_run_end(1.0);
    const StatsReport r = stats.report();
    const NodeStats& n = r.nodes[1];
    CHECK(n.bodies == 100);
    CHECK(n.p50_seconds == doctest::Approx(50e-6));
    CHECK(n.p99_seconds == doctest::Approx(99e-6));
    CHECK(n.mean_seconds == doctest::Approx(50.5e-6));
  }
  SUBCASE("histogram") {
    braid::Stats stats(registry());
    stats.on_run_begin(spec, 1);
    for (int i = 1; i <= 1000; ++i) body(stats, 1, 0, 0, i * 1000 + 7);
    stats.on_run_end(1.0);
    const StatsReport r = stats.report();
    const NodeStats& n = r.nodes[1];
    CHECK(n.p50_seconds == doctest::Approx(500.007e-6).epsilon(1.0 / 16));
    CHECK(n.p99_seconds == doctest::Approx(990.007e-6).epsilon(1.0 / 16));
    CHECK(n.mean_seconds == doctest::Approx(500.507e-6));
  }
  SUBCASE("one body") {
    braid::Stats stats(registry());
    stats.on_run_begin(spec, 1);
    body(stats, 1, 0, 5, 123456789);
    stats.on_run_end(1.0);
    const StatsReport r = stats.report();
    const NodeStats& n = r.nodes[1];
    CHECK(n.p50_seconds == doctest::Approx(123456784e-9));
    CHECK(n.p99_seconds == doctest::Approx(123456784e-9));
  }
}

TEST_CASE("max queue: the most messages waiting at once, a hand-off reported late never counts below zero") {
  braid::Stats stats(registry());
  stats.on_run_begin(stream(1), 1);
  for (int i = 0; i < 3; ++i) stats.on_enqueue(1);
  body(stats, 1, 0, 0, 1);
  stats.on_enqueue(1);
  stats.on_enqueue(1);  // 4 waiting now
  for (int i = 0; i < 4; ++i) body(stats, 1, 0, 0, 1);
  body(stats, 2, 0, 0, 1);  // the sink takes a message whose hand-off is reported next
  stats.on_enqueue(2);
  stats.on_run_end(1.0);
  StatsReport r = stats.report();
  CHECK(node(r, "pass").max_queue == 4);
  CHECK(node(r, "result").max_queue == 0);
  CHECK(node(r, "numbers").max_queue == 0);
}

TEST_CASE("the critical path weighs each node's busy time by the parallelism it could have") {
  // s -> a -> j.x ; s -> b -> j.y ; j -> k.  a: one body of 2000 ns. b: four bodies of 1500 ns.
  auto spec_with = [](braid::Concurrency b_concurrency) {
    PipelineBuilder p("diamond");
    p.node("s", "test.count");
    p.node("a", "test.sleep");
    p.node("b", "test.sleep").concurrency(b_concurrency);
    p.node("j", "join").param("ports", std::vector<std::string>{"x", "y"});
    p.node("k", "sink.output");
    p.edge("s -> a -> j.x");
    p.edge("s -> b -> j.y");
    p.edge("j -> k");
    return p.build();
  };
  auto path = [](const braid::PipelineSpec& spec, std::size_t threads) {
    braid::Stats stats(registry());
    stats.on_run_begin(spec, threads);
    body(stats, 0, 0, 0, 100);
    body(stats, 1, 0, 100, 2100);
    for (std::size_t i = 0; i < 4; ++i) body(stats, 2, i % threads, 100, 1600);
    body(stats, 3, 0, 2100, 2200);
    body(stats, 4, 0, 2200, 2300, 0);
    stats.on_run_end(1e-5);
    return stats.report().critical_path;
  };
  braid::CriticalPath four = path(spec_with(braid::Concurrency::unlimited()), 4);
  CHECK(four.nodes == std::vector<std::string>{"s", "a", "j", "k"});  // b needs 6000 / 4 = 1500 ns
  CHECK(four.seconds == doctest::Approx(2300e-9));
  braid::CriticalPath one = path(spec_with(braid::Concurrency::unlimited()), 1);
  CHECK(one.nodes == std::vector<std::string>{"s", "b", "j", "k"});  // b needs 6000 ns
  CHECK(one.seconds == doctest::Approx(6300e-9));
  braid::CriticalPath serial = path(spec_with(braid::Concurrency::serial()), 4);
  CHECK(serial.nodes == std::vector<std::string>{"s", "b", "j", "k"});
  braid::CriticalPath two = path(spec_with(braid::Concurrency::limit(2)), 4);
  CHECK(two.nodes == std::vector<std::string>{"s", "b", "j", "k"});  // 6000 / 2 = 3000 ns
  CHECK(two.seconds == doctest::Approx(3300e-9));
}

TEST_CASE("stats_json has exactly the documented shape, and stats_table names every node") {
  StatsReport r = run_with_stats(seed(), 2);
  const std::string text = braid::stats_json(r);
  CHECK(text.back() == '}');
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(text);
  std::vector<std::string> keys;
  for (const auto& item : j.items()) keys.push_back(item.key());
  CHECK(keys == std::vector<std::string>{"run", "nodes"});
  keys.clear();
  for (const auto& item : j["run"].items()) keys.push_back(item.key());
  CHECK(keys == std::vector<std::string>{"wall_seconds", "threads", "busy_seconds", "efficiency", "critical_path"});
  CHECK(j["run"]["threads"] == 2);
  CHECK(j["run"]["critical_path"]["nodes"] ==
        nlohmann::ordered_json::array({"numbers", "split", "partial", "total", "result"}));
  CHECK(j["run"]["critical_path"]["seconds"].is_number());
  REQUIRE(j["nodes"].size() == 5);
  const std::vector<std::string> node_keys{"id",           "kind",        "messages_in", "messages_out", "busy_seconds",
                                           "mean_seconds", "p50_seconds", "p99_seconds", "max_queue",    "share"};
  for (const auto& n : j["nodes"]) {
    keys.clear();
    for (const auto& item : n.items()) keys.push_back(item.key());
    CHECK(keys == node_keys);
  }
  CHECK(j["nodes"][1]["id"] == "split");
  CHECK(j["nodes"][1]["kind"] == "split");
  CHECK(j["nodes"][1]["messages_in"] == 1);
  CHECK(j["nodes"][1]["messages_out"] == 4);
  CHECK(text.rfind("{\"run\": {\"wall_seconds\": ", 0) == 0);

  const std::string table = braid::stats_table(r);
  CHECK(table.rfind("run: ", 0) == 0);
  CHECK(table.find("2 threads") != std::string::npos);
  CHECK(table.find("critical path (") != std::string::npos);
  CHECK(table.find("numbers -> split -> partial -> total -> result") != std::string::npos);
  for (const char* id : {"numbers", "split", "partial", "total", "result", "max queue"})
    CHECK(table.find(id) != std::string::npos);
}

TEST_CASE("a report before any run is empty") {
  braid::Stats stats(registry());
  StatsReport r = stats.report();
  CHECK(r.nodes.empty());
  CHECK(r.critical_path.nodes.empty());
  CHECK(nlohmann::json::parse(braid::stats_json(r))["nodes"].empty());
}

namespace {

nlohmann::json run_with_trace(const braid::PipelineSpec& spec, std::size_t threads, std::size_t limit,
                              StatsReport* stats_report = nullptr, braid::Trace::Summary* summary = nullptr) {
  braid::Trace trace(limit);
  braid::Stats stats(registry());
  braid::ObserverList both;
  both.add(&trace);
  both.add(&stats);
  braid::RunOptions options;
  options.threads = threads;
  options.observer = &both;
  braid::run(spec, registry(), options);
  std::ostringstream out;
  trace.write(out);
  if (stats_report) *stats_report = stats.report();
  if (summary) *summary = trace.summary();
  return nlohmann::json::parse(out.str());
}

std::map<std::string, std::size_t> complete_events(const nlohmann::json& trace) {
  std::map<std::string, std::size_t> n;
  for (const auto& e : trace["traceEvents"])
    if (e["ph"] == "X") ++n[e["name"].get<std::string>()];
  return n;
}

}  // namespace

TEST_CASE("a trace holds one complete event per body run, with kind, worker and tag") {
  for (std::size_t threads : {1, 4}) {
    CAPTURE(threads);
    StatsReport r;
    nlohmann::json t = run_with_trace(seed(), threads, braid::Trace::kDefaultLimit, &r);
    std::map<std::string, std::size_t> expected;
    for (const NodeStats& n : r.nodes) expected[n.id] = n.bodies;
    CHECK(complete_events(t) == expected);
    std::set<std::string> tags;
    std::vector<std::string> total_tags;
    std::set<std::int64_t> named_threads;
    for (const auto& e : t["traceEvents"]) {
      CHECK(e["pid"] == 1);
      if (e["ph"] == "M") {
        if (e["name"] == "thread_name") named_threads.insert(e["tid"].get<std::int64_t>());
        continue;
      }
      CHECK(e["ph"] == "X");
      CHECK(e["ts"].get<double>() >= 0.0);
      CHECK(e["dur"].get<double>() >= 0.0);
      CHECK(e["tid"].get<std::int64_t>() < static_cast<std::int64_t>(threads));
      if (e["name"] == "partial") {
        CHECK(e["cat"] == "reduce.sum");
        tags.insert(e["args"]["tag"].get<std::string>());
      }
      if (e["name"] == "total") total_tags.push_back(e["args"]["tag"].get<std::string>());
      if (e["name"] == "numbers") CHECK(!e["args"].contains("tag"));
    }
    CHECK(tags == std::set<std::string>{"0:0/4", "0:1/4", "0:2/4", "0:3/4"});
    // a gather's body that completes a group reports the group's tag, the others their part's
    CHECK(total_tags.size() == 4);
    CHECK(std::count(total_tags.begin(), total_tags.end(), "0") == 1);
    CHECK(std::count_if(total_tags.begin(), total_tags.end(),
                        [](const std::string& tag) { return tag.rfind("0:", 0) == 0 && tag.size() == 5; }) == 3);
    CHECK(named_threads.size() == threads);
    CHECK(t["otherData"]["body_runs"] == 12);
    CHECK(t["otherData"]["events"] == 12);
    CHECK(t["otherData"]["dropped"] == 0);
    CHECK(t["otherData"]["sample_stride"] == 1);
    CHECK(t["otherData"]["pipeline"] == "seed-sum");
  }
}

TEST_CASE("the trace cap keeps every k-th event of each node and records how many were dropped") {
  SUBCASE("one thread: exactly every 32nd") {
    braid::Trace::Summary s;
    nlohmann::json t = run_with_trace(stream(1000), 1, 100, nullptr, &s);
    // 1001 + 1000 + 1000 body runs; the smallest power of two fitting 100 events is 32.
    CHECK(complete_events(t) == std::map<std::string, std::size_t>{{"numbers", 32}, {"pass", 32}, {"result", 32}});
    CHECK(t["otherData"]["body_runs"] == 3001);
    CHECK(t["otherData"]["events"] == 96);
    CHECK(t["otherData"]["dropped"] == 3001 - 96);
    CHECK(t["otherData"]["sample_stride"] == 32);
    CHECK(t["otherData"]["limit"] == 100);
    CHECK(s.events == 96);
    CHECK(s.dropped == 3001 - 96);
  }
  SUBCASE("several threads: within the cap, every node represented") {
    for (std::size_t threads : {2, 4}) {
      CAPTURE(threads);
      nlohmann::json t = run_with_trace(stream(3000), threads, 200);
      std::size_t x = 0;
      for (const auto& [name, n] : complete_events(t)) x += n;
      CHECK(x <= 200);
      CHECK(x == t["otherData"]["events"]);
      CHECK(t["otherData"]["body_runs"] == 9001);
      CHECK(t["otherData"]["events"].get<std::size_t>() + t["otherData"]["dropped"].get<std::size_t>() == 9001);
      CHECK(complete_events(t).size() == 3);
    }
  }
  SUBCASE("a cap below one event per node keeps the earliest") {
    nlohmann::json t = run_with_trace(seed(), 2, 2);
    std::size_t x = 0;
    for (const auto& [name, n] : complete_events(t)) x += n;
    CHECK(x == 2);
    CHECK(t["otherData"]["dropped"] == 10);
  }
}

TEST_CASE("progress: a live line on its stream, cleared at the end; nothing for a short run") {
  SUBCASE("a run that outlasts an interval") {
    std::FILE* out = std::tmpfile();
    REQUIRE(out);
    awaited = out;
    PipelineBuilder b("wait");
    b.node("numbers", "test.count").param("n", 3);
    b.node("wait", "test.wait");  // returns once the progress line was written
    b.node("result", "sink.output");
    b.edge("numbers -> wait -> result");
    braid::Progress progress(out, std::chrono::milliseconds(5));
    braid::RunOptions options;
    options.threads = 2;
    options.observer = &progress;
    braid::run(b.build(), registry(), options);
    awaited = nullptr;
    std::string text(static_cast<std::size_t>(std::ftell(out)), '\0');
    std::rewind(out);
    CHECK(std::fread(text.data(), 1, text.size(), out) == text.size());
    std::fclose(out);
    CHECK(text.rfind("\r", 0) == 0);
    CHECK(text.find(" source items, ") != std::string::npos);
    CHECK(text.find(" msg/s, ") != std::string::npos);
    CHECK(text.find('\n') == std::string::npos);
    // cleared: the last line written is blanks between carriage returns
    const std::size_t last = text.rfind('\r', text.size() - 2);
    REQUIRE(last != std::string::npos);
    CHECK(text.back() == '\r');
    CHECK(text.find_first_not_of(' ', last + 1) == text.size() - 1);
  }
  SUBCASE("a run shorter than the interval prints nothing") {
    std::FILE* out = std::tmpfile();
    REQUIRE(out);
    braid::Progress progress(out, std::chrono::hours(1));
    braid::RunOptions options;
    options.observer = &progress;
    braid::run(seed(), registry(), options);
    CHECK(std::ftell(out) == 0);
    std::fclose(out);
  }
}

TEST_CASE("an observer list passes every event to each observer; observed results equal unobserved ones") {
  braid::Stats a(registry()), b(registry());
  braid::ObserverList list;
  list.add(&a);
  list.add(nullptr);
  list.add(&b);
  braid::RunOptions options;
  options.threads = 2;
  options.observer = &list;
  braid::Result r = braid::run(seed(), registry(), options);
  CHECK(r.value("result").get<std::int64_t>() == 55);
  CHECK(counts(a.report()) == counts(b.report()));
  CHECK(a.report().nodes[2].messages_in == 4);
}
