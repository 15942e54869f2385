// Unit tests of the built-in kinds, calling their bodies directly.
#include <braid/braid.hpp>

#include "kinds/numeric.hpp"

#include <doctest/doctest.h>

#include "pipelines.hpp"

#include <nlohmann/json.hpp>

#include <random>

using braid::Message;
using braid::Range;
using braid::Slice;
using braid::Tag;
using braid::Value;

namespace {

const auto registry = braid_test::builtin_registry;

std::unique_ptr<braid::NodeBody> make(const std::string& kind, const std::string& params_json = "{}") {
  const braid::Kind* k = registry().find(kind);
  REQUIRE(k != nullptr);
  static braid::Params params;  // outlives the factory call only; bodies copy what they need
  params = braid::Params(nlohmann::json::parse(params_json));
  braid::NodeConfig config{"node", params, {}, nullptr};
  return k->make(config);
}

struct Collect final : braid::Emitter {
  std::vector<Message> messages;
  void emit(const Tag& tag, Value value) override { messages.push_back(Message{tag, std::move(value)}); }
};

std::vector<Message> split(const Value& v, const std::string& params) {
  auto body = make("split", params);
  Collect out;
  static_cast<braid::FlatMapBody&>(*body).apply(Message{Tag(0), v}, out);
  return out.messages;
}

std::vector<std::size_t> sizes(const std::vector<Message>& chunks) {
  std::vector<std::size_t> out;
  for (const Message& m : chunks) out.push_back(braid::kinds::length_of(m.value));
  return out;
}

Value apply(const std::string& kind, const Value& v) {
  auto body = make(kind);
  return static_cast<braid::MapBody&>(*body).apply(v);
}

Value combine(const std::string& kind, std::vector<Value> parts) {
  auto body = make(kind);
  return static_cast<braid::GatherBody&>(*body).combine(std::move(parts));
}

Value ints(std::vector<std::int64_t> xs) { return Value::of(Slice<std::int64_t>(std::move(xs))); }

}  // namespace

TEST_CASE("split makes balanced contiguous chunks: the first n mod k hold one more") {
  auto chunks = split(ints({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}), R"({"chunks": 4})");
  CHECK(sizes(chunks) == std::vector<std::size_t>{3, 3, 2, 2});
  std::vector<std::int64_t> joined;
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    CHECK(chunks[i].tag == Tag(0).child(static_cast<std::uint32_t>(i), 4));
    auto xs = chunks[i].value.get<Slice<std::int64_t>>();
    joined.insert(joined.end(), xs.begin(), xs.end());
  }
  CHECK(joined == std::vector<std::int64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
}

TEST_CASE("split chunks are views into the parent's buffer") {
  Value parent = ints({1, 2, 3, 4, 5, 6});
  const std::int64_t* base = parent.get<Slice<std::int64_t>>().data();
  auto chunks = split(parent, R"({"chunks": 3})");
  CHECK(chunks[0].value.get<Slice<std::int64_t>>().data() == base);
  CHECK(chunks[1].value.get<Slice<std::int64_t>>().data() == base + 2);
  CHECK(chunks[2].value.get<Slice<std::int64_t>>().data() == base + 4);
}

TEST_CASE("split with fewer elements than chunks gives fewer, non-empty chunks") {
  auto chunks = split(ints({1, 2, 3}), R"({"chunks": 8})");
  CHECK(sizes(chunks) == std::vector<std::size_t>{1, 1, 1});
  CHECK(chunks[2].tag.to_string() == "0:2/3");
}

TEST_CASE("split of an empty sequence gives one empty chunk") {
  auto chunks = split(ints({}), R"({"chunks": 4})");
  REQUIRE(chunks.size() == 1);
  CHECK(chunks[0].tag.to_string() == "0:0/1");
  CHECK(sizes(chunks) == std::vector<std::size_t>{0});
}

TEST_CASE("split by grain") {
  CHECK(sizes(split(ints({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}), R"({"grain": 4})")) == std::vector<std::size_t>{4, 3, 3});
  CHECK(sizes(split(ints({1, 2, 3, 4}), R"({"grain": 2})")) == std::vector<std::size_t>{2, 2});
}

TEST_CASE("split auto: at most 256 chunks, none below 32768 elements, whatever the thread count") {
  CHECK(split(ints({1, 2, 3}), R"({"chunks": "auto"})").size() == 1);
  CHECK(split(Value::of(Range{0, 1000000, 1}), "{}").size() == 31);  // ceil(1e6 / 32768)
  CHECK(split(Value::of(Range{0, 1000000000, 1}), "{}").size() == 256);
}

TEST_CASE("split of a range gives ranges that cover it in order") {
  auto chunks = split(Value::of(Range{1, 11, 1}), R"({"chunks": 3})");
  REQUIRE(chunks.size() == 3);
  CHECK(chunks[0].value.get<Range>() == Range{1, 5, 1});
  CHECK(chunks[1].value.get<Range>() == Range{5, 8, 1});
  CHECK(chunks[2].value.get<Range>() == Range{8, 11, 1});
}

TEST_CASE("split refuses a grain that would make too many chunks") {
  CHECK_THROWS_WITH_AS(split(Value::of(Range{0, 1000000000, 1}), R"({"grain": 1})"),
                       "grain 1 makes 1000000000 chunks; at most 16777216 are allowed (raise grain)", braid::Error);
}

TEST_CASE("exact int64 sums agree with a 128-bit reference, on both kernel paths") {
  std::mt19937_64 gen(7);
  for (std::int64_t magnitude : {std::int64_t{1000}, std::int64_t{1} << 50, std::int64_t{1} << 52,
                                 std::int64_t{1} << 60}) {
    std::uniform_int_distribution<std::int64_t> dist(-magnitude, magnitude);
    std::vector<std::int64_t> xs(10000 + static_cast<std::size_t>(magnitude % 7));
    for (auto& x : xs) x = dist(gen);
    braid::kinds::Int128 reference = 0;
    for (auto x : xs) reference += x;
    if (reference > INT64_MAX || reference < INT64_MIN) continue;
    CHECK(braid::kinds::sum_int64(xs.data(), xs.size()) == static_cast<std::int64_t>(reference));
  }
}

TEST_CASE("an int64 sum that overflows is an error, not a wrong number") {
  std::vector<std::int64_t> xs(5000, std::int64_t{1} << 52);  // 5000 * 2^52 > 2^63
  CHECK_THROWS_WITH_AS(braid::kinds::sum_int64(xs.data(), xs.size()),
                       "int64 overflow: the sum does not fit in 64 bits", braid::Error);
  CHECK_THROWS_AS(apply("reduce.sum", ints({INT64_MAX, 1})), braid::Error);
  CHECK(apply("reduce.sum", ints({INT64_MAX, 1, -1})).get<std::int64_t>() == INT64_MAX);  // a prefix overflows
  CHECK(combine("gather.sum", {Value::of(INT64_MAX), Value::of(1), Value::of(-2)}).get<std::int64_t>() ==
        INT64_MAX - 1);
}

TEST_CASE("range sums visit every element and match the closed form") {
  for (Range r : {Range{1, 1001, 1}, Range{-50, 77, 3}, Range{100, -100, -7}, Range{5, 5, 1}, Range{-7, 8, 1},
                  Range{41, 42, 1}, Range{-30, -2, 1}}) {
    braid::kinds::Int128 reference = 0;
    for (std::size_t i = 0; i < r.size(); ++i) reference += r.at(i);
    CHECK(braid::kinds::sum_range(r) == static_cast<std::int64_t>(reference));
  }
  // elements near 2^62 take the 128-bit path; the sum still fits
  const std::int64_t big = std::int64_t{1} << 62, half = std::int64_t{1} << 61;
  CHECK(braid::kinds::sum_range(Range{-big, big, half}) == -big);  // -2^62 - 2^61 + 0 + 2^61
  CHECK(braid::kinds::sum_range(Range{INT64_MAX - 1, INT64_MAX, 1}) == INT64_MAX - 1);  // its last element is the top
  CHECK_THROWS_WITH_AS(braid::kinds::sum_range(Range{INT64_MAX - 10, INT64_MAX, 1}),
                       "int64 overflow: the sum does not fit in 64 bits", braid::Error);
}

TEST_CASE("reduce kinds over int64, double and range chunks") {
  CHECK(apply("reduce.sum", ints({1, 2, 3})).get<std::int64_t>() == 6);
  CHECK(apply("reduce.sum", Value::of(std::vector<double>{0.5, 0.25})).get<double>() == 0.75);
  CHECK(apply("reduce.sum", Value::of(Range{1, 11, 1})).get<std::int64_t>() == 55);
  CHECK(apply("reduce.min", ints({4, -2, 9})).get<std::int64_t>() == -2);
  CHECK(apply("reduce.max", Value::of(Range{1, 11, 3})).get<std::int64_t>() == 10);
  CHECK(apply("reduce.max", Value::of(std::vector<double>{1.5, -3})).get<double>() == 1.5);
  CHECK(apply("reduce.count", Value::of(Range{0, 10, 2})).get<std::int64_t>() == 5);
  braid::Mean m = apply("reduce.mean", ints({1, 2, 3, 4})).get<braid::Mean>();
  CHECK(m.int_sum == 10);
  CHECK(m.count == 4);
  CHECK_THROWS_WITH_AS(apply("reduce.min", ints({})), "the min of an empty chunk is undefined", braid::Error);
  CHECK_THROWS_WITH_AS(apply("reduce.sum", Value::of("x")), "expected int64[], double[] or range, got string",
                       braid::TypeError);
}

TEST_CASE("gather kinds combine parts in order") {
  CHECK(combine("gather.sum", {Value::of(1), Value::of(2), Value::of(3)}).get<std::int64_t>() == 6);
  CHECK(combine("gather.sum", {Value::of(0.5), Value::of(0.25)}).get<double>() == 0.75);
  CHECK(combine("gather.sum", {ints({1, 2}), ints({3})}).get<std::int64_t>() == 6);
  CHECK(combine("gather.min", {Value::of(4), Value::of(-1)}).get<std::int64_t>() == -1);
  CHECK(combine("gather.max", {Value::of(4), Value::of(-1)}).get<std::int64_t>() == 4);
  CHECK(combine("gather.count", {Value::of(3), Value::of(4)}).get<std::int64_t>() == 7);
  CHECK(combine("gather.count", {ints({1, 2}), Value::of("x")}).get<std::int64_t>() == 3);
  CHECK(combine("gather.count", {Value::of(braid::Lines{"a", "b", "c"}), Value::of(braid::Lines{})}).get<std::int64_t>() ==
        3);  // string[] counts its lines
  CHECK_THROWS_WITH_AS(combine("gather.sum", {Value::of(1), Value::of(0.5)}), "parts mix integers and doubles",
                       braid::TypeError);
  CHECK_THROWS_AS(combine("gather.sum", {Value::of(INT64_MAX), Value::of(1)}), braid::Error);
}

TEST_CASE("gather.mean is exact: partial means are weighted by their counts") {
  braid::Mean a, b;
  a.int_sum = 10;
  a.count = 4;  // mean 2.5
  b.int_sum = 2;
  b.count = 1;  // mean 2
  braid::Mean m = combine("gather.mean", {Value::of(a), Value::of(b)}).get<braid::Mean>();
  CHECK(m.count == 5);
  CHECK(m.value() == doctest::Approx(12.0 / 5));  // not (2.5 + 2) / 2
  CHECK(combine("gather.mean", {Value::of(1), Value::of(2.0)}).get<braid::Mean>().value() == 1.5);
}

TEST_CASE("gather.concat keeps chunk order, makes int64[] of ranges and a list of other values") {
  Value seq = combine("gather.concat", {ints({1, 2}), ints({3}), ints({})});
  CHECK(seq.get<Slice<std::int64_t>>().to_vector() == std::vector<std::int64_t>{1, 2, 3});
  Value r = combine("gather.concat", {Value::of(Range{0, 2, 1}), Value::of(Range{2, 4, 1})});
  CHECK(r.get<Slice<std::int64_t>>().to_vector() == std::vector<std::int64_t>{0, 1, 2, 3});
  Value list = combine("gather.concat", {Value::of(5), Value::of("x")});
  CHECK(braid::to_json_text(list) == R"([5,"x"])");
}

TEST_CASE("source.sequence fills iota from start, and random reproducibly from the seed") {
  auto first = [](const std::string& params) {
    auto body = make("source.sequence", params);
    auto& src = static_cast<braid::SourceBody&>(*body);
    Value v;
    REQUIRE(src.next(v));
    CHECK_FALSE(src.next(v) == true);  // one item only
    return v;
  };
  CHECK(first(R"({"n": 4, "start": 5})").get<Slice<std::int64_t>>().to_vector() ==
        std::vector<std::int64_t>{5, 6, 7, 8});
  auto a = first(R"({"n": 1000, "fill": "random", "seed": 1, "bound": 10})").get<Slice<std::int64_t>>().to_vector();
  auto b = first(R"({"n": 1000, "fill": "random", "seed": 1, "bound": 10})").get<Slice<std::int64_t>>().to_vector();
  auto c = first(R"({"n": 1000, "fill": "random", "seed": 2, "bound": 10})").get<Slice<std::int64_t>>().to_vector();
  CHECK(a == b);
  CHECK(a != c);
  CHECK(*std::min_element(a.begin(), a.end()) == 0);
  CHECK(*std::max_element(a.begin(), a.end()) == 9);
}

TEST_CASE("map_kind makes a typed map kind from a plain callable") {
  braid::Kind k = braid::map_kind("test.squares", "sum of squares",
                                  [](Slice<std::int64_t> xs) {
                                    std::int64_t s = 0;
                                    for (auto x : xs) s += x * x;
                                    return s;
                                  });
  CHECK(k.shape == braid::Shape::kMap);
  REQUIRE(k.inputs.size() == 1);
  CHECK(k.inputs[0].types == std::vector<std::string>{"int64[]"});
  CHECK(k.outputs[0].types == std::vector<std::string>{"int64"});
  braid::Params p;
  auto body = k.make(braid::NodeConfig{"n", p, {}, nullptr});
  CHECK(static_cast<braid::MapBody&>(*body).apply(ints({1, 2, 3})).get<std::int64_t>() == 14);
}

TEST_CASE("join: its ports are checked, and bad ones leave its inputs unknown") {
  const braid::Kind& join = *registry().find("join");
  auto check = [&](const char* ports) { return join.params.at(0).check(nlohmann::json::parse(ports)); };
  CHECK(check(R"(["sum", "count"])") == "");
  CHECK(check(R"(["sum"])") == "must be an array of at least two distinct port names, got 1 name");
  CHECK(check("[]") == "must be an array of at least two distinct port names, got 0 names");
  CHECK(check(R"(["sum", "sum"])") == "must be an array of at least two distinct port names; 'sum' appears twice");
  CHECK(check(R"(["sum", "n.count"])") ==
        "must be an array of at least two distinct port names; element 1 is not a name ([A-Za-z_][A-Za-z0-9_]*): "
        "got \"n.count\"");
  auto ports = [&](const char* params) { return join.input_ports(braid::Params(nlohmann::json::parse(params))); };
  REQUIRE(ports(R"({"ports": ["sum", "count"]})").size() == 2);
  CHECK(ports(R"({"ports": ["sum", "count"]})")[1].name == "count");
  // Validation takes the inputs of a join whose ports are bad as unknown.
  CHECK_THROWS_AS(ports(R"({"ports": ["sum"]})"), braid::Error);
  CHECK_THROWS_AS(ports("{}"), braid::Error);
}

TEST_CASE("source.values names the element that is not a number") {
  auto check = [&](const char* values) {
    return registry().find("source.values")->params.at(0).check(nlohmann::json::parse(values));
  };
  CHECK(check("[1, 2.5]") == "");
  CHECK(check(R"([1, 2, "three"])") == "must be an array of numbers; element 2 is not a number: got \"three\"");
  CHECK(check(R"("1 2 3")") == "must be an array of numbers, got \"1 2 3\"");
}

TEST_CASE("every built-in kind is documented") {
  for (const braid::Kind* k : registry().kinds()) {
    INFO(k->name);
    CHECK_FALSE(k->doc.empty());
    for (const auto& p : k->params) CHECK_FALSE(p.type.empty());
  }
  CHECK(registry().names() ==
        std::vector<std::string>{"filter.match", "filter.range",    "gather.concat", "gather.count", "gather.max",
                                 "gather.mean",  "gather.min",      "gather.sum",    "join",         "reduce.count",
                                 "reduce.max",   "reduce.mean",     "reduce.min",    "reduce.sum",   "sink.file",
                                 "sink.output",  "source.blocks",   "source.count",  "source.files", "source.lines",
                                 "source.range", "source.sequence", "source.values", "split"});
}
