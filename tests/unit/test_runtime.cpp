// Unit tests of the runtime: pipelines built in C++ and run on tbb::flow.
#include <braid/braid.hpp>

#include <doctest/doctest.h>

#include "pipelines.hpp"
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <thread>

using braid::Concurrency;
using braid::Message;
using braid::PipelineBuilder;
using braid::Range;
using braid::Slice;
using braid::Tag;
using braid::Value;

namespace {

/// Counts how many bodies run at once (max_seen), to check concurrency limits.
struct Overlap {
  std::atomic<int> now{0};
  std::atomic<int> max_seen{0};
  void enter() {
    int n = ++now;
    int m = max_seen.load();
    while (n > m && !max_seen.compare_exchange_weak(m, n)) {
    }
  }
  void leave() { --now; }
};

class PassBody final : public braid::MapBody {
 public:
  PassBody(Overlap* overlap, std::int64_t throw_at) : overlap_(overlap), throw_at_(throw_at) {}
  Value apply(const Value& in) override {
    overlap_->enter();
    std::this_thread::sleep_for(std::chrono::microseconds(200));
    overlap_->leave();
    auto xs = in.get<Slice<std::int64_t>>();
    if (!xs.empty() && xs[0] == throw_at_) throw std::runtime_error("bad element " + std::to_string(xs[0]));
    return in;
  }

 private:
  Overlap* overlap_;
  std::int64_t throw_at_;
};

/// Drops the chunk with a given index (to make a gather group incomplete).
class DropBody final : public braid::FlatMapBody {
 public:
  explicit DropBody(std::uint32_t index) : index_(index) {}
  void apply(const Message& in, braid::Emitter& out) override {
    if (in.tag.depth() == 0 || in.tag.last().index != index_) out.emit(in.tag, in.value);
  }

 private:
  std::uint32_t index_;
};

/// Emits `n` items 1..n as int64 (a stream source).
class CountSource final : public braid::SourceBody {
 public:
  CountSource(std::int64_t n, std::atomic<int>* calls) : n_(n), calls_(calls) {}
  bool next(Value& out) override {
    if (calls_) ++*calls_;
    if (i_ == n_) return false;
    out = Value::of(++i_);
    return true;
  }

 private:
  std::int64_t n_, i_ = 0;
  std::atomic<int>* calls_;
};

Overlap overlap;
std::atomic<int> source_calls{0};

const braid::Registry& registry() {
  static const braid::Registry r = [] {
    braid::Registry reg;
    braid::register_builtin_kinds(reg);
    braid::Kind pass;
    pass.name = "test.pass";
    pass.doc = "passes int64[] chunks, noting overlap; throws at a chosen first element";
    pass.inputs = {braid::PortSpec{"in", {"int64[]"}, ""}};
    pass.outputs = {braid::PortSpec{"out", {"int64[]"}, ""}};
    pass.params = {braid::param::integer("throw_at", "", -1)};
    pass.make = [](const braid::NodeConfig& c) {
      return std::make_unique<PassBody>(&overlap, c.params.get_or<std::int64_t>("throw_at", -1));
    };
    reg.add(pass);
    braid::Kind drop;
    drop.name = "test.drop";
    drop.doc = "drops chunk `index`";
    drop.shape = braid::Shape::kFlatMap;
    drop.inputs = {braid::PortSpec{"in", {}, ""}};
    drop.outputs = {braid::PortSpec{"out", {}, ""}};
    drop.params = {braid::param::integer("index", "", 0)};
    drop.make = [](const braid::NodeConfig& c) {
      return std::make_unique<DropBody>(static_cast<std::uint32_t>(c.params.get_or<std::int64_t>("index", 0)));
    };
    reg.add(drop);
    braid::Kind count;
    count.name = "test.count";
    count.doc = "the stream 1..n";
    count.shape = braid::Shape::kSource;
    count.outputs = {braid::PortSpec{"out", {"int64"}, ""}};
    count.concurrency = Concurrency::serial();
    count.params = {braid::param::integer("n", "", 5)};
    count.make = [](const braid::NodeConfig& c) {
      return std::make_unique<CountSource>(c.params.get_or<std::int64_t>("n", 5), &source_calls);
    };
    reg.add(count);
    reg.add(braid::gather_kind("test.product", "product of int64 parts", [](std::vector<std::int64_t> parts) {
      std::int64_t p = 1;
      for (auto x : parts) p *= x;
      return p;
    }));
    return reg;
  }();
  return r;
}

PipelineBuilder sum_of(std::vector<std::int64_t> values, std::int64_t chunks) {
  PipelineBuilder b("sum");
  b.node("numbers", "source.values").param("values", std::move(values));
  b.node("split", "split").param("chunks", chunks);
  b.node("partial", "reduce.sum");
  b.node("total", "gather.sum");
  b.node("result", "sink.output");
  b.edge("numbers -> split -> partial -> total -> result");
  return b;
}

braid::RunOptions threads(std::size_t n) {
  braid::RunOptions o;
  o.threads = n;
  return o;
}

}  // namespace

TEST_CASE("the seed pipeline sums 1..10 in 4 chunks") {
  braid::Result r = braid::run(sum_of({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 4).build(), registry(), threads(4));
  CHECK(r.value("result").get<std::int64_t>() == 55);
  CHECK(r.threads == 4);
  CHECK(braid::outputs_to_json_text(r) == R"({"result": 55})");
}

TEST_CASE("double sums are bitwise identical at every thread count") {
  PipelineBuilder b("doubles");
  std::vector<double> xs;
  for (int i = 0; i < 10000; ++i) xs.push_back(1.0 / (i + 1.0));
  b.node("numbers", "source.values").param("values", xs);
  b.node("split", "split").param("chunks", 37);
  b.node("partial", "reduce.sum");
  b.node("total", "gather.sum");
  b.node("result", "sink.output");
  b.edge("numbers -> split -> partial -> total -> result");
  braid::PipelineSpec spec = b.build();
  double one = braid::run(spec, registry(), threads(1)).value("result").get<double>();
  for (std::size_t t : {2, 4, 8}) {
    double other = braid::run(spec, registry(), threads(t)).value("result").get<double>();
    CHECK(std::memcmp(&one, &other, sizeof one) == 0);
  }
}

TEST_CASE("nested splits gather level by level") {
  PipelineBuilder b("nested");
  b.node("numbers", "source.range").param("begin", 1).param("end", 100001);
  b.node("outer", "split").param("chunks", 7);
  b.node("inner", "split").param("chunks", 5);
  b.node("partial", "reduce.sum");
  b.node("chunk_total", "gather.sum");
  b.node("total", "gather.sum");
  b.node("result", "sink.output");
  b.edge("numbers -> outer -> inner -> partial -> chunk_total -> total -> result");
  CHECK(braid::run(b.build(), registry(), threads(2)).value("result").get<std::int64_t>() == 5000050000);
}

TEST_CASE("a join matches two branches by tag into a record") {
  braid::Result r = braid::run(braid_test::chunk_sum_and_count(), registry(), threads(2));
  CHECK(braid::outputs_to_json_text(r) == R"({"result": [{"count": 3, "sum": 12}, {"count": 2, "sum": 18}]})");
}

TEST_CASE("a join kind with a body applies it to the record: a task with several inputs") {
  braid::Registry reg;
  braid::register_builtin_kinds(reg);
  braid::Kind add;
  add.name = "test.add";
  add.doc = "a + b, once both arrived";
  add.shape = braid::Shape::kJoin;
  add.inputs = {braid::PortSpec{"a", {"int64"}, ""}, braid::PortSpec{"b", {"int64"}, ""}};
  add.outputs = {braid::PortSpec{"out", {"int64"}, ""}};
  add.make = [](const braid::NodeConfig&) {
    struct Add final : braid::MapBody {
      Value apply(const Value& in) override {
        const auto& r = in.get<braid::Record>();
        return Value::of(r.at("a").get<std::int64_t>() + r.at("b").get<std::int64_t>());
      }
    };
    return std::make_unique<Add>();
  };
  reg.add(add);
  PipelineBuilder b("add");
  b.node("numbers", "source.values").param("values", std::vector<std::int64_t>{1, 2, 3, 4});
  b.node("split", "split").param("chunks", 2);
  b.node("sum", "reduce.sum");
  b.node("count", "reduce.count");
  b.node("add", "test.add");
  b.node("total", "gather.sum");
  b.node("result", "sink.output");
  b.edge("numbers -> split");
  b.edge("split -> sum -> add.a");
  b.edge("split -> count -> add.b");
  b.edge("add -> total -> result");
  CHECK(braid::run(b.build(), reg, threads(2)).value("result").get<std::int64_t>() == 10 + 4);
}

TEST_CASE("a throwing node ends the run with its id, kind, tag and message, and the next run works") {
  PipelineBuilder b = sum_of({1, 2, 3, 4, 5, 6, 7, 8}, 4);
  braid::PipelineSpec spec = b.build();
  spec.find_node("partial")->kind = "test.pass";
  spec.find_node("partial")->params.set("throw_at", std::int64_t{5});
  spec.edges.clear();
  std::vector<braid::Problem> problems;
  spec.edges = braid::parse_edge_chain("numbers -> split -> partial -> total -> result", "/edges/0", problems);
  // test.pass passes chunks through: gather.sum then sums them
  for (int attempt = 0; attempt < 20; ++attempt) {
    try {
      braid::run(spec, registry(), threads(4));
      FAIL("expected a NodeError");
    } catch (const braid::NodeError& e) {
      CHECK(e.node() == "partial");
      CHECK(e.kind() == "test.pass");
      CHECK(e.tag() == "0:2/4");
      CHECK(e.cause() == "bad element 5");
      CHECK(std::string(e.what()) == "node 'partial' (test.pass) failed on tag 0:2/4: bad element 5");
    }
  }
  spec.find_node("partial")->params.set("throw_at", std::int64_t{-1});
  CHECK(braid::run(spec, registry(), threads(4)).value("result").get<std::int64_t>() == 36);
}

TEST_CASE("a concurrency limit bounds how many bodies run at once") {
  braid::PipelineSpec spec = sum_of(std::vector<std::int64_t>(64, 1), 64).build();
  spec.find_node("partial")->kind = "test.pass";
  spec.find_node("total")->kind = "gather.count";
  for (auto [limit, expect_max] : {std::pair<Concurrency, int>{Concurrency::serial(), 1},
                                   std::pair<Concurrency, int>{Concurrency::limit(2), 2}}) {
    overlap.max_seen = 0;
    spec.find_node("partial")->concurrency = limit;
    CHECK(braid::run(spec, registry(), threads(4)).value("result").get<std::int64_t>() == 64);
    CHECK(overlap.max_seen.load() <= expect_max);
    CHECK(overlap.max_seen.load() >= 1);
  }
}

TEST_CASE("a shared resource of capacity 1 serialises every node that uses it") {
  PipelineBuilder b("resources");
  b.resource("disk", 1);
  b.node("numbers", "source.values").param("values", std::vector<std::int64_t>(32, 1));
  b.node("split", "split").param("chunks", 32);
  b.node("a", "test.pass").uses("disk");
  b.node("b", "test.pass").uses("disk");
  b.node("ta", "gather.count");
  b.node("tb", "gather.count");
  b.node("ra", "sink.output");
  b.node("rb", "sink.output");
  b.edge("numbers -> split");
  b.edge("split -> a -> ta -> ra");
  b.edge("split -> b -> tb -> rb");
  overlap.max_seen = 0;
  braid::Result r = braid::run(b.build(), registry(), threads(4));
  CHECK(r.value("ra").get<std::int64_t>() == 32);
  CHECK(r.value("rb").get<std::int64_t>() == 32);
  CHECK(overlap.max_seen.load() == 1);
}

TEST_CASE("a gather group that never completes is an error listing what is missing") {
  braid::PipelineSpec spec = sum_of({1, 2, 3, 4, 5, 6, 7, 8}, 4).build();
  spec.nodes.insert(spec.nodes.begin() + 3, braid::NodeSpec{"drop", "test.drop", {}, {}, {}, ""});
  spec.find_node("drop")->params.set("index", std::int64_t{2});
  std::vector<braid::Problem> problems;
  spec.edges = braid::parse_edge_chain("numbers -> split -> partial -> drop -> total -> result", "/edges/0", problems);
  CHECK_THROWS_WITH_AS(braid::run(spec, registry(), threads(2)),
                       "the run ended with incomplete results:\n"
                       "  node 'total' (gather.sum): group 0 received 3 of 4 parts; missing 2",
                       braid::IncompleteError);
}

TEST_CASE("a join key that never completes is an error naming the port it lacks") {
  PipelineBuilder b("half-join");
  b.node("numbers", "source.values").param("values", std::vector<std::int64_t>{1, 2, 3, 4});
  b.node("split", "split").param("chunks", 2);
  b.node("sum", "reduce.sum");
  b.node("count", "reduce.count");
  b.node("drop", "test.drop").param("index", 1);
  b.node("both", "join").param("ports", std::vector<std::string>{"sum", "count"});
  b.node("all", "gather.concat");
  b.node("result", "sink.output");
  b.edge("numbers -> split");
  b.edge("split -> sum -> both.sum");
  b.edge("split -> count -> drop -> both.count");
  b.edge("both -> all -> result");
  try {
    braid::run(b.build(), registry(), threads(2));
    FAIL("expected an IncompleteError");
  } catch (const braid::IncompleteError& e) {
    CHECK(e.missing() == std::vector<std::string>{
                             "node 'both' (join): tag 0:1/2 arrived on sum but never on count",
                             "node 'all' (gather.concat): group 0 received 1 of 2 parts; missing 1"});
  }
}

TEST_CASE("a gather of a stream combines every item in item order when the stream ends") {
  PipelineBuilder b("stream");
  b.node("items", "test.count").param("n", 20);
  b.node("all", "gather.concat");
  b.node("product", "test.product");
  b.node("result", "sink.output");
  b.node("p", "sink.output");
  b.edge("items -> all -> result");
  b.edge("items -> product -> p");
  braid::Result r = braid::run(b.build(), registry(), threads(4));
  std::string expected = "[";
  for (int i = 1; i <= 20; ++i) expected += (i > 1 ? "," : "") + std::to_string(i);
  CHECK(braid::to_json_text(r.value("result")) == expected + "]");
  CHECK(r.value("p").get<std::int64_t>() == 2432902008176640000);  // 20!
}

TEST_CASE("a sink fed a stream collects every message in tag order") {
  PipelineBuilder b("stream");
  b.node("items", "test.count").param("n", 20);
  b.node("result", "sink.output");
  b.edge("items -> result");
  braid::Result r = braid::run(b.build(), registry(), threads(4));
  REQUIRE(r.outputs.at("result").size() == 20);
  for (std::size_t i = 0; i < 20; ++i) CHECK(r.outputs.at("result")[i].tag == Tag(i));
  CHECK_THROWS_WITH_AS(r.value("result"), "sink 'result' received 20 messages, not one", braid::Error);
  CHECK_THROWS_WITH_AS(r.value("nope"), "no output sink 'nope' in the result", braid::Error);
}

TEST_CASE("an invalid spec throws SpecError before any node runs") {
  PipelineBuilder b("bad");
  b.node("items", "test.count").param("n", 3);
  b.node("split", "split").param("chunks", 2);  // int64 is not splittable
  b.node("result", "sink.output");
  b.edge("items -> split -> result");
  source_calls = 0;
  CHECK_THROWS_AS(braid::run(b.build(), registry()), braid::SpecError);
  CHECK(source_calls.load() == 0);
}

TEST_CASE("an int64 overflow in a gather fails the run with the gather's tag") {
  braid::PipelineSpec spec = sum_of({INT64_MAX, 1}, 2).build();
  CHECK_THROWS_WITH_AS(
      braid::run(spec, registry(), threads(2)),
      "node 'total' (gather.sum) failed on tag 0: int64 overflow: the sum does not fit in 64 bits",
      braid::NodeError);
}

TEST_CASE("runs on several threads at once do not interfere") {
  braid::PipelineSpec spec = sum_of({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 3).build();
  std::vector<std::thread> callers;
  std::atomic<int> right{0};
  for (int i = 0; i < 4; ++i)
    callers.emplace_back([&] {
      for (int k = 0; k < 10; ++k)
        if (braid::run(spec, registry(), threads(2)).value("result").get<std::int64_t>() == 55) ++right;
    });
  for (auto& t : callers) t.join();
  CHECK(right.load() == 40);
}

TEST_CASE("runs can share one executor, from several threads at once") {
  braid::Executor executor(3);
  CHECK(executor.threads() == 3);
  braid::RunOptions options;
  options.executor = &executor;
  braid::PipelineSpec spec = sum_of({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 5).build();
  std::vector<std::thread> callers;
  std::atomic<int> right{0};
  for (int i = 0; i < 3; ++i)
    callers.emplace_back([&] {
      for (int k = 0; k < 10; ++k) {
        braid::Result r = braid::run(spec, registry(), options);
        if (r.value("result").get<std::int64_t>() == 55 && r.threads == 3) ++right;
      }
    });
  for (auto& t : callers) t.join();
  CHECK(right.load() == 30);
  options.threads = 2;
  CHECK_THROWS_WITH_AS(braid::run(spec, registry(), options), "RunOptions: threads 2 differs from the executor's 3",
                       braid::Error);
}
