// Unit tests of braid::Pipeline, the typed C++ pipeline API: a pipeline written
// in C++ and its JSON twin (tests/data/pipeline/) give the same spec, the same
// problems and the same results; specs survive to_json and back; lambdas that
// throw fail like any kind; user types (with and without a JSON codec) flow
// through split, map and gather.
#include <braid/braid.hpp>

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

using braid::Pipeline;
using braid::Slice;
using braid::Stream;

namespace {

std::string data_file(const std::string& name) {
  std::string here = __FILE__;  // .../tests/unit/test_pipeline.cpp
  return here.substr(0, here.rfind("/unit/")) + "/data/pipeline/" + name;
}

std::string text_of(const braid::PipelineSpec& spec) { return braid::spec_to_json(spec).dump(2); }

braid::RunOptions threads(std::size_t n) {
  braid::RunOptions o;
  o.threads = n;
  return o;
}

std::int64_t sum_of_squares(const Slice<std::int64_t>& chunk) {
  std::int64_t s = 0;
  for (std::int64_t x : chunk) s += x * x;
  return s;
}

std::int64_t total_of(const std::vector<std::int64_t>& parts) {
  std::int64_t s = 0;
  for (std::int64_t x : parts) s += x;
  return s;
}

// xs ──> chunks ──┬─> squares ──> total ──┐
//                 └─> count ───> counts ──┴─> both ──> result
// The twin of tests/data/pipeline/sum-of-squares.json.
Pipeline sum_of_squares_pipeline() {
  Pipeline p("sum-of-squares");
  p.description(
      "The JSON twin of the C++ pipeline of tests/unit/test_pipeline.cpp: the squares of 0..999 summed chunk by "
      "chunk; 'squares' and 'total' are the C++ pipeline's lambda kinds");
  auto xs = p.source<Slice<std::int64_t>>("xs", "source.sequence", R"({"n": 1000, "fill": "iota"})");
  auto chunks = p.split("chunks", xs, 8);
  auto squares = p.map("squares", chunks, [](Slice<std::int64_t> c) { return sum_of_squares(c); });
  Stream<std::int64_t> total = p.gather("total", squares, [](std::vector<std::int64_t> parts) { return total_of(parts); });
  auto count = p.node("count", "reduce.count", chunks);
  auto counts = p.node("counts", "gather.sum", count);
  auto both = p.join("both", {{"sum", total}, {"count", counts}});
  p.output("result", both);
  return p;
}

/// A user's element type without a JSON codec, and a summary of points with one.
struct Point {
  std::int64_t x = 0, y = 0;
};
struct Box {
  std::int64_t count = 0, min_x = 0, max_x = 0, sum_y = 0;
};

void register_test_types() {
  braid::register_type<Point>("test.point");
  braid::register_type<Slice<Point>>("test.point[]");
  braid::TypeCodec codec;
  codec.encode = [](const braid::Value& v, nlohmann::json& out) {
    const Box& b = v.get<Box>();
    out = {{"count", b.count}, {"min_x", b.min_x}, {"max_x", b.max_x}, {"sum_y", b.sum_y}};
  };
  braid::register_type<Box>("test.box", codec);
}

Box box_of(Slice<Point> points) {
  Box b;
  for (const Point& p : points) {
    b.min_x = b.count == 0 ? p.x : std::min(b.min_x, p.x);
    b.max_x = b.count == 0 ? p.x : std::max(b.max_x, p.x);
    b.sum_y += p.y;
    ++b.count;
  }
  return b;
}

Box merge(const std::vector<Box>& parts) {
  Box all;
  for (const Box& b : parts) {
    if (b.count == 0) continue;
    all.min_x = all.count == 0 ? b.min_x : std::min(all.min_x, b.min_x);
    all.max_x = all.count == 0 ? b.max_x : std::max(all.max_x, b.max_x);
    all.sum_y += b.sum_y;
    all.count += b.count;
  }
  return all;
}

std::vector<Point> some_points(std::int64_t n) {
  std::vector<Point> points;
  for (std::int64_t i = 0; i < n; ++i) points.push_back(Point{(i * 37) % 101 - 50, i * i % 13});
  return points;
}

}  // namespace

TEST_CASE("a C++ pipeline and its JSON twin: the same spec, the same results at 1, 2 and 4 threads") {
  Pipeline p = sum_of_squares_pipeline();
  braid::PipelineSpec twin = braid::load_spec_file(data_file("sum-of-squares.json"));
  CHECK(text_of(p.spec()) == text_of(twin));
  CHECK(p.to_json() == text_of(twin));
  CHECK_NOTHROW(p.validate());
  CHECK_NOTHROW(braid::validate(twin, p.registry()));

  std::int64_t expected = 0;
  for (std::int64_t x = 0; x < 1000; ++x) expected += x * x;
  for (std::size_t n : {1, 2, 4}) {
    CAPTURE(n);
    braid::Result mine = p.run(threads(n));
    braid::Result theirs = braid::run(twin, p.registry(), threads(n));
    CHECK(braid::outputs_to_json_text(mine) == braid::outputs_to_json_text(theirs));
    const braid::Record& both = mine.value("result").get<braid::Record>();
    CHECK(both.at("sum").get<std::int64_t>() == expected);
    CHECK(both.at("count").get<std::int64_t>() == 1000);
  }
}

TEST_CASE("a compiled C++ pipeline gives run()'s result on every run") {
  Pipeline p = sum_of_squares_pipeline();
  const std::string once = braid::outputs_to_json_text(p.run(threads(2)));
  braid::Program compiled = p.compile(threads(2));
  for (int run = 0; run < 3; ++run) CHECK(braid::outputs_to_json_text(compiled.run()) == once);
  braid::Program moved = std::move(compiled);
  CHECK(braid::outputs_to_json_text(moved.run()) == once);
  CHECK(moved.threads() == 2);
}

TEST_CASE("to_json, loaded back, is the same spec") {
  Pipeline p = sum_of_squares_pipeline();
  p.threads(3);
  braid::PipelineSpec back = braid::load_spec(p.to_json());
  CHECK(text_of(back) == p.to_json());
  CHECK(back.threads == 3);
  REQUIRE(back.nodes.size() == p.spec().nodes.size());
  CHECK(back.find_node("squares")->kind == "squares");
  CHECK(back.find_node("chunks")->params.get<std::int64_t>("chunks") == 8);
  CHECK(back.edges.size() == 8);
  CHECK(braid::load_valid_spec(p.to_json(), p.registry()).nodes.size() == 8);
}

TEST_CASE("node settings in C++ are the JSON twin's keys: concurrency, uses, ordered, resources, max_in_flight") {
  // items ──> squares (3 at once, uses disk) ──> kept (ordered) ──> result
  Pipeline p("settings");
  p.max_in_flight(4).resource("disk", 1);
  auto items = p.source<std::int64_t>("items", "source.count", R"({"n": 50})");
  auto squares = p.map("squares", items, [](std::int64_t x) { return x * x; });
  p.concurrency(braid::Concurrency::limit(3)).uses("disk");
  auto kept = p.node("kept", "filter.range", squares, R"({"min": 100})");
  p.ordered();
  p.output("result", kept);
  braid::PipelineSpec twin = braid::load_spec(R"({
    "braid": 1,
    "name": "settings",
    "max_in_flight": 4,
    "resources": { "disk": { "capacity": 1 } },
    "nodes": {
      "items":   { "kind": "source.count", "params": { "n": 50 } },
      "squares": { "kind": "squares", "concurrency": 3, "uses": ["disk"] },
      "kept":    { "kind": "filter.range", "params": { "min": 100 }, "ordered": true },
      "result":  { "kind": "sink.output" }
    },
    "edges": [ "items -> squares", "squares -> kept", "kept -> result" ]
  })");
  CHECK(text_of(p.spec()) == text_of(twin));
  for (std::size_t n : {1, 4}) {
    CAPTURE(n);
    braid::Result r = p.run(threads(n));
    std::vector<std::int64_t> got;
    for (const braid::Message& m : r.outputs.at("result")) got.push_back(m.value.get<std::int64_t>());
    std::vector<std::int64_t> want;
    for (std::int64_t x = 10; x < 50; ++x) want.push_back(x * x);
    CHECK(got == want);
  }
  // A setting before any node is validation's problem, as in the builder.
  Pipeline early("early");
  early.concurrency(braid::Concurrency::serial());
  CHECK_THROWS_AS(early.validate(), braid::SpecError);
}

TEST_CASE("a type mismatch gives the JSON twin's problems, word for word") {
  Pipeline p("mismatch");
  p.description("The JSON twin of a C++ pipeline with a mistake: 'shout' takes a string, gather.sum gives int64");
  auto xs = p.source("xs", "source.sequence", R"({"n": 10})");
  auto chunks = p.split("chunks", xs, 2);
  auto sums = p.node("sums", "reduce.sum", chunks);
  auto total = p.node("total", "gather.sum", sums);  // Stream<>: checked by validation, not the compiler
  auto shout = p.map("shout", total, [](std::string s) { return s + "!"; });
  p.output("result", shout);

  braid::PipelineSpec twin = braid::load_spec_file(data_file("mismatch.json"));
  CHECK(text_of(p.spec()) == text_of(twin));
  std::string mine, theirs;
  try {
    p.validate();
    FAIL("validate() did not throw");
  } catch (const braid::SpecError& e) {
    mine = e.what();
    REQUIRE(e.problems().size() == 1);
    CHECK(e.problems()[0].code == "type-mismatch");
  }
  try {
    braid::validate(twin, p.registry());
    FAIL("validate() did not throw");
  } catch (const braid::SpecError& e) {
    theirs = e.what();
  }
  CHECK(mine == "/edges/3: type mismatch: 'total.out' gives int64, 'shout.in' accepts string");
  CHECK(mine == theirs);
  CHECK_THROWS_WITH_AS(p.run(), "/edges/3: type mismatch: 'total.out' gives int64, 'shout.in' accepts string",
                       braid::SpecError);
}

TEST_CASE("an unknown kind name gets the validator's did-you-mean") {
  Pipeline p("typo");
  auto xs = p.source("xs", "source.sequence", R"({"n": 10})");
  auto chunks = p.split("chunks", xs);
  auto sums = p.node("sums", "reduce.summ", chunks);
  p.output("result", p.node("total", "gather.sum", sums));
  CHECK_THROWS_WITH_AS(p.validate(), "/nodes/sums/kind: unknown kind 'reduce.summ' (did you mean 'reduce.sum'?)",
                       braid::SpecError);
  CHECK_FALSE(p.spec().find_node("chunks")->params.has("chunks"));  // chunks left to "auto"
}

TEST_CASE("malformed parameters and taken kind names are refused at once") {
  Pipeline p("bad");
  CHECK_THROWS_WITH_AS(p.source("xs", "source.sequence", R"({"n": )"),
                       "/nodes/xs/params: line 1, column 7: malformed JSON: syntax error while parsing value - "
                       "unexpected end of input; expected '[', '{', or a literal",
                       braid::SpecError);
  CHECK_THROWS_WITH_AS(p.source("xs", "source.sequence", "[1]"), "/nodes/xs/params: must be an object, got an array",
                       braid::SpecError);
  auto xs = p.source("xs", "source.sequence", R"({"n": 4})");
  CHECK_THROWS_WITH_AS(p.map("sums", xs, [](Slice<std::int64_t> c) { return c.size(); }, "split"),
                       "braid::Registry::add: kind 'split' is already registered", std::invalid_argument);
  CHECK(p.spec().nodes.size() == 1);  // nothing added by the calls that threw
}

TEST_CASE("a lambda that throws ends the run with its node id, kind and tag") {
  Pipeline p("throws");
  auto xs = p.source("xs", "source.sequence", R"({"n": 8})");
  auto chunks = p.split("chunks", xs, 4);
  auto checked = p.map(
      "checked", chunks,
      [](Slice<std::int64_t> c) {
        if (c[0] == 4) throw std::runtime_error("4 is unlucky");
        return static_cast<std::int64_t>(c.size());
      },
      "app.checked");
  p.output("result", p.node("total", "gather.sum", checked));
  for (std::size_t n : {1, 4}) {
    try {
      p.run(threads(n));
      FAIL("expected a NodeError");
    } catch (const braid::NodeError& e) {
      CHECK(e.node() == "checked");
      CHECK(e.kind() == "app.checked");
      CHECK(e.tag() == "0:2/4");
      CHECK(std::string(e.what()) == "node 'checked' (app.checked) failed on tag 0:2/4: 4 is unlucky");
    }
  }
}

TEST_CASE("user types flow through the built-in split, a map and a gather") {
  register_test_types();
  const std::vector<Point> points = some_points(1000);

  Pipeline p("boxes");
  auto all = p.source("points", [&points] { return Slice<Point>(points); });
  static_assert(std::is_same_v<decltype(all), Stream<Slice<Point>>>);
  auto chunks = p.split("chunks", all, 7);
  auto boxes = p.map("boxes", chunks, box_of);
  auto box = p.gather("box", boxes, merge);
  p.output("result", box);
  CHECK_NOTHROW(p.validate());

  const Box expected = box_of(Slice<Point>(points));
  for (std::size_t n : {1, 2, 4}) {
    CAPTURE(n);
    braid::Result r = p.run(threads(n));
    const Box& b = r.value("result").get<Box>();
    CHECK(b.count == expected.count);
    CHECK(b.min_x == expected.min_x);
    CHECK(b.max_x == expected.max_x);
    CHECK(b.sum_y == expected.sum_y);
    CHECK(braid::outputs_to_json_text(r) == "{\"result\": {\"count\": 1000, \"max_x\": " +
                                                std::to_string(expected.max_x) + ", \"min_x\": " +
                                                std::to_string(expected.min_x) + ", \"sum_y\": " +
                                                std::to_string(expected.sum_y) + "}}");
  }

  // The chunks are views of the source's points: no element was copied.
  const Slice<Point> shared(points);
  Pipeline views("views");
  auto src = views.source("points", [shared] { return shared; });
  auto offsets = views.map("offsets", views.split("chunks", src, 4),
                           [base = shared.data()](Slice<Point> c) { return c.data() - base; });
  views.output("result", views.gather("all", offsets, [](std::vector<std::int64_t> parts) { return parts; }));
  CHECK(braid::outputs_to_json_text(views.run(threads(2))) == "{\"result\": [0, 250, 500, 750]}");
}

TEST_CASE("split names a user's sequence type among those it accepts") {
  register_test_types();
  Pipeline p("not-a-sequence");
  auto one = p.source("point", [] { return Point{1, 2}; });
  p.output("result", p.split("chunks", one, 2));
  CHECK_THROWS_WITH_AS(p.validate(),
                       "/edges/0: type mismatch: 'point.out' gives test.point, 'chunks.in' accepts int64[], double[], "
                       "range, test.point[]",
                       braid::SpecError);
}

TEST_CASE("a value without a JSON codec runs, but cannot be printed") {
  register_test_types();
  Pipeline p("raw");
  std::int64_t calls = 0;
  auto numbers = p.source("numbers", [calls]() mutable -> std::optional<std::int64_t> {
    if (calls == 3) return std::nullopt;
    return ++calls;
  });
  p.output("result", p.map("points", numbers, [](std::int64_t i) { return Point{i, -i}; }));
  braid::Result r = p.run(threads(2));
  REQUIRE(r.outputs.at("result").size() == 3);  // one per item, a fresh generator per run
  CHECK(r.outputs.at("result")[2].value.get<Point>().y == -3);
  CHECK(p.run(threads(1)).outputs.at("result").size() == 3);
  CHECK_THROWS_WITH_AS(braid::outputs_to_json_text(r),
                       "output 'result': values of type test.point cannot be written as JSON (no codec)",
                       braid::TypeError);
}

TEST_CASE("the example of README.md, section Pipelines in C++") {
  braid::Pipeline p("sum-of-squares");
  auto xs = p.source("xs", "source.sequence", R"({"n": 1000})");
  auto squares = p.map("squares", p.split("chunks", xs, 8), [](braid::Slice<std::int64_t> c) {
    std::int64_t s = 0;
    for (std::int64_t x : c) s += x * x;
    return s;
  });
  p.output("result", p.node("total", "gather.sum", squares));
  std::int64_t total = p.run().value("result").get<std::int64_t>();  // 332833500
  std::int64_t expected = 0;
  for (std::int64_t x = 0; x < 1000; ++x) expected += x * x;
  CHECK(total == expected);
}
