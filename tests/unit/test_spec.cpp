// Unit tests of the spec layer: Concurrency, Params, the builder, edge
// strings, did_you_mean, and check() / validate() against a Registry of kinds
// built here (not the built-in ones), each validation message asserted exactly.
#include <braid/registry.hpp>
#include <braid/spec.hpp>

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include "problems.hpp"
#include "spec/id_index.hpp"
#include "spec/same_text.hpp"
#include "spec/validated.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

using braid::Concurrency;
using braid::Endpoint;
using braid::Kind;
using braid::Params;
using braid::PipelineBuilder;
using braid::PipelineSpec;
using braid::PortSpec;
using braid::Problem;
using braid::Registry;
using braid::Shape;
using braid::SpecError;

namespace {

using braid_test::lines;
using braid_test::render;

const braid::Type* type(const char* name) {
  const braid::Type* t = braid::find_type(name);
  REQUIRE(t != nullptr);
  return t;
}

// infer: the output type is the type that arrives on the (first) input.
Kind::InferFn same_as_input() {
  return [](const Params&, const std::vector<const braid::Type*>& in, std::string&) -> const braid::Type* {
    return in.empty() ? nullptr : in.front();
  };
}

PortSpec port(std::string name, std::vector<std::string> types = {}) {
  return PortSpec{std::move(name), std::move(types), ""};
}

Kind kind(std::string name, Shape shape, std::vector<PortSpec> inputs, std::vector<PortSpec> outputs) {
  Kind k;
  k.name = std::move(name);
  k.doc = "test kind";
  k.shape = shape;
  k.inputs = std::move(inputs);
  k.outputs = std::move(outputs);
  return k;
}

// The kinds these tests validate against: look-alikes of the built-ins, kept
// here so that the tests do not depend on how the built-ins evolve.
//   source.values  source; values (required): out int64[] or double[] (inferred)
//   source.text    source; out string
//   split          flat map, depth +1; chunks, grain (not both); in int64[], double[], range; out as in
//   reduce.sum     map; in int64[], double[], range; out int64 or double (inferred)
//   count          map; in any; out int64
//   identity       map; in any; out as in
//   gather.sum     gather, depth -1; in int64, double; out as in
//   gather.list    gather, depth -1; in any; out list
//   join           join; ports (required) name the inputs; out record
//   picky          map; in any; infer always fails
//   sink.output    sink; in any
Registry test_registry() {
  Registry r;
  {
    Kind k = kind("source.values", Shape::kSource, {}, {port("out", {"int64[]", "double[]"})});
    k.concurrency = Concurrency::serial();
    k.params.push_back(braid::param::custom(
        "values", "an array of numbers", "the items", "", true, [](const nlohmann::json& v) -> std::string {
          if (v.is_array())
            for (const auto& e : v)
              if (!e.is_number()) return "must be an array of numbers, got an array";
          return v.is_array() ? "" : "must be an array of numbers, " + braid::param::describe(v);
        }));
    k.infer = [](const Params& p, const std::vector<const braid::Type*>&, std::string&) {
      for (const auto& e : p.json().at("values"))
        if (!e.is_number_integer()) return type("double[]");
      return type("int64[]");
    };
    r.add(k);
  }
  r.add(kind("source.text", Shape::kSource, {}, {port("out", {"string"})}));
  {
    Kind k = kind("split", Shape::kFlatMap, {port("in", {"int64[]", "double[]", "range"})}, {port("out")});
    k.depth_change = 1;
    k.params.push_back(braid::param::integer("chunks", "chunk count", 4, 1));
    k.params.push_back(braid::param::integer("grain", "elements per chunk", 0, 1));
    k.check_params = [](const Params& p) {
      std::vector<std::pair<std::string, std::string>> out;
      if (p.has("chunks") && p.has("grain")) out.emplace_back("", "give chunks or grain, not both");
      return out;
    };
    k.infer = same_as_input();
    r.add(k);
  }
  {
    Kind k = kind("reduce.sum", Shape::kMap, {port("in", {"int64[]", "double[]", "range"})},
                  {port("out", {"int64", "double"})});
    k.infer = [](const Params&, const std::vector<const braid::Type*>& in, std::string&) -> const braid::Type* {
      if (!in[0]) return nullptr;
      return in[0]->name() == "double[]" ? type("double") : type("int64");
    };
    r.add(k);
  }
  r.add(kind("count", Shape::kMap, {port("in")}, {port("out", {"int64"})}));
  {
    Kind k = kind("identity", Shape::kMap, {port("in")}, {port("out")});
    k.infer = same_as_input();
    r.add(k);
  }
  {
    Kind k = kind("gather.sum", Shape::kGather, {port("in", {"int64", "double"})}, {port("out", {"int64", "double"})});
    k.depth_change = -1;
    k.infer = same_as_input();
    r.add(k);
  }
  {
    Kind k = kind("gather.list", Shape::kGather, {port("in")}, {port("out", {"list"})});
    k.depth_change = -1;
    r.add(k);
  }
  {
    Kind k = kind("join", Shape::kJoin, {}, {port("out", {"record"})});
    k.params.push_back(braid::param::custom("ports", "an array of port names", "input ports", "", true, {}));
    k.dynamic_inputs = [](const Params& p) {
      std::vector<PortSpec> ports;
      for (const auto& name : p.get<std::vector<std::string>>("ports")) ports.push_back(port(name));
      return ports;
    };
    r.add(k);
  }
  {
    Kind k = kind("picky", Shape::kMap, {port("in")}, {port("out")});
    k.infer = [](const Params&, const std::vector<const braid::Type*>&, std::string& error) -> const braid::Type* {
      error = "picky takes nothing it is given";
      return nullptr;
    };
    r.add(k);
  }
  r.add(kind("sink.output", Shape::kSink, {port("in")}, {}));
  return r;
}

const Registry& registry() {
  static const Registry r = test_registry();
  return r;
}

std::string check_text(const PipelineSpec& spec) { return render(braid::check(spec, registry())); }

// numbers ──> split ──> partial ──> total ──> result
PipelineBuilder seed() {
  PipelineBuilder b("seed-sum");
  b.node("numbers", "source.values")
      .param("values", std::vector<std::int64_t>{1, 2, 3, 4, 5})
      .node("split", "split")
      .param("chunks", 2)
      .node("partial", "reduce.sum")
      .concurrency(Concurrency::unlimited())
      .node("total", "gather.sum")
      .node("result", "sink.output");
  return b;
}

}  // namespace

TEST_CASE("Concurrency, Endpoint and find_node") {
  CHECK(Concurrency::serial().to_string() == "serial");
  CHECK(Concurrency::unlimited().to_string() == "unlimited");
  CHECK(Concurrency::limit(4).to_string() == "4");
  CHECK(Concurrency::limit(1) == Concurrency::serial());

  CHECK(Endpoint{"stats", ""}.to_string() == "stats");
  CHECK(Endpoint{"stats", "sum"}.to_string() == "stats.sum");

  PipelineSpec spec = seed().edge("numbers -> split -> partial -> total -> result").build();
  REQUIRE(spec.find_node("total") != nullptr);
  CHECK(spec.find_node("total")->kind == "gather.sum");
  CHECK(spec.find_node("nope") == nullptr);
  spec.find_node("total")->description = "changed";
  CHECK(spec.nodes[3].description == "changed");
}

TEST_CASE("Params") {
  Params p;
  CHECK_FALSE(p.has("n"));
  p.set("n", std::int64_t{3});
  p.set("x", 2.5);
  p.set("flag", true);
  p.set("name", std::string("abc"));
  p.set("ints", std::vector<std::int64_t>{1, 2});
  p.set("doubles", std::vector<double>{0.5, 1});
  p.set("names", std::vector<std::string>{"a", "b"});
  CHECK(p.has("n"));
  CHECK(p.get<std::int64_t>("n") == 3);
  CHECK(p.get<double>("x") == 2.5);
  CHECK(p.get<double>("n") == 3.0);  // an integer is a number
  CHECK(p.get<bool>("flag"));
  CHECK(p.get<std::string>("name") == "abc");
  CHECK(p.get<std::vector<std::int64_t>>("ints") == std::vector<std::int64_t>{1, 2});
  CHECK(p.get<std::vector<double>>("doubles") == std::vector<double>{0.5, 1.0});
  CHECK(p.get<std::vector<double>>("ints") == std::vector<double>{1.0, 2.0});
  CHECK(p.get<std::vector<std::string>>("names") == std::vector<std::string>{"a", "b"});
  CHECK(p.get_or<std::int64_t>("missing", 7) == 7);
  CHECK(p.get_or<std::int64_t>("n", 7) == 3);

  CHECK_THROWS_WITH_AS(p.get<std::int64_t>("missing"), "parameter 'missing' is missing", braid::TypeError);
  CHECK_THROWS_WITH_AS(p.get<std::int64_t>("x"), "parameter 'x' must be an integer, got 2.5", braid::TypeError);
  CHECK_THROWS_WITH_AS(p.get<std::int64_t>("name"), "parameter 'name' must be an integer, got \"abc\"",
                       braid::TypeError);
  CHECK_THROWS_WITH_AS(p.get<double>("flag"), "parameter 'flag' must be a number, got true", braid::TypeError);
  CHECK_THROWS_WITH_AS(p.get<bool>("n"), "parameter 'n' must be true or false, got 3", braid::TypeError);
  CHECK_THROWS_WITH_AS(p.get<std::string>("ints"), "parameter 'ints' must be a string, got an array", braid::TypeError);
  CHECK_THROWS_WITH_AS(p.get<std::vector<std::int64_t>>("n"), "parameter 'n' must be an array of integers, got 3",
                       braid::TypeError);
  CHECK_THROWS_WITH_AS(p.get<std::vector<std::int64_t>>("doubles"),
                       "parameter 'doubles' must be an array of integers, got 0.5 at index 0", braid::TypeError);
  CHECK_THROWS_WITH_AS(p.get<std::vector<std::string>>("ints"),
                       "parameter 'ints' must be an array of strings, got 1 at index 0", braid::TypeError);

  // Copies are deep; equality compares the JSON.
  Params copy = p;
  CHECK(copy == p);
  copy.set("n", std::int64_t{4});
  CHECK_FALSE(copy == p);
  CHECK(p.get<std::int64_t>("n") == 3);
  Params moved = std::move(copy);
  CHECK(moved.get<std::int64_t>("n") == 4);
  copy = p;  // a moved-from Params can be assigned again
  CHECK(copy == p);

  Params from_json(nlohmann::json{{"chunks", 4}});
  CHECK(from_json.get<std::int64_t>("chunks") == 4);
  CHECK(from_json.json().dump() == "{\"chunks\":4}");
  CHECK(Params(nlohmann::json()) == Params());
  CHECK_THROWS_WITH_AS(Params(nlohmann::json::array()), "parameters must be a JSON object, got an array",
                       braid::TypeError);
}

TEST_CASE("PipelineBuilder") {
  SUBCASE("builds the spec as written") {
    PipelineSpec spec = PipelineBuilder("seed-sum")
                            .description("sum of 1..3")
                            .threads(4)
                            .max_in_flight(8)
                            .resource("disk", 2)
                            .output("result")
                            .node("numbers", "source.values")
                            .param("values", std::vector<std::int64_t>{1, 2, 3})
                            .node_description("the items")
                            .node("split", "split")
                            .param("chunks", 2)
                            .param("mode", "fast")
                            .param_json("extra", R"({"a": [1, 2.5]})")
                            .concurrency(Concurrency::limit(3))
                            .uses("disk")
                            .node("result", "sink.output")
                            .edge("numbers -> split")
                            .edge(Endpoint{"split", "out"}, Endpoint{"result", "in"})
                            .build();
    CHECK(spec.name == "seed-sum");
    CHECK(spec.description == "sum of 1..3");
    CHECK(spec.threads == 4);
    CHECK(spec.max_in_flight == std::optional<std::size_t>(8));
    REQUIRE(spec.resources.count("disk") == 1);
    CHECK(spec.resources.at("disk").capacity == 2);
    CHECK(spec.outputs == std::vector<std::string>{"result"});
    REQUIRE(spec.nodes.size() == 3);
    CHECK(spec.nodes[0].id == "numbers");
    CHECK(spec.nodes[0].description == "the items");
    CHECK(spec.nodes[0].params.get<std::vector<std::int64_t>>("values") == std::vector<std::int64_t>{1, 2, 3});
    CHECK_FALSE(spec.nodes[0].concurrency.has_value());
    CHECK(spec.nodes[1].params.get<std::int64_t>("chunks") == 2);
    CHECK(spec.nodes[1].params.get<std::string>("mode") == "fast");
    CHECK(spec.nodes[1].params.json().at("extra").dump() == R"({"a":[1,2.5]})");
    CHECK(spec.nodes[1].concurrency == std::optional<Concurrency>(Concurrency::limit(3)));
    CHECK(spec.nodes[1].uses == std::vector<std::string>{"disk"});
    REQUIRE(spec.edges.size() == 2);
    CHECK(spec.edges[0].from.to_string() == "numbers");
    CHECK(spec.edges[0].to.to_string() == "split");
    CHECK(spec.edges[0].pointer == "/edges/0");
    CHECK(spec.edges[1].from.to_string() == "split.out");
    CHECK(spec.edges[1].to.to_string() == "result.in");
    CHECK(spec.edges[1].pointer == "/edges/1");
  }

  SUBCASE("a chain is one edge entry: its edges share a pointer") {
    PipelineSpec spec = seed().edge("numbers -> split -> partial").edge("partial -> total -> result").build();
    REQUIRE(spec.edges.size() == 4);
    CHECK(spec.edges[0].pointer == "/edges/0");
    CHECK(spec.edges[1].pointer == "/edges/0");
    CHECK(spec.edges[2].pointer == "/edges/1");
    CHECK(spec.edges[3].pointer == "/edges/1");
  }

  SUBCASE("malformed edges and misplaced calls are reported by build()") {
    PipelineBuilder b;
    b.param("chunks", 2).concurrency(Concurrency::serial());
    b.node("a", "identity").edge("a -> ").edge("a").edge("a -> b").edge("a -> b.c.d").param_json("p", "[1,");
    try {
      b.build();
      FAIL("build() did not throw");
    } catch (const SpecError& e) {
      CHECK(render(e.problems()) ==
            lines({"[no-node] a node setting (param, concurrency, uses or description) came before any node()",
                   "[bad-edge] /edges/0: malformed edge 'a -> ': empty endpoint",
                   "[bad-edge] /edges/1: malformed edge 'a': an edge needs two endpoints, as in 'a -> b'",
                   "[bad-edge] /edges/3: malformed edge 'a -> b.c.d': 'b.c.d' is not a node or node.port",
                   "[malformed-json] /nodes/a/params/p: line 1, column 4: malformed JSON: syntax error while "
                   "parsing value - unexpected end of input; expected '[', '{', or a literal"}));
      CHECK(std::string(e.what()).rfind(
                "a node setting (param, concurrency, uses or description) came before any node()\n"
                "/edges/0: malformed edge 'a -> ': empty endpoint\n",
                0) == 0);
    }
  }
}

TEST_CASE("parse_edge_chain") {
  std::vector<Problem> problems;
  auto edges = braid::parse_edge_chain("a -> b.in -> c", "/edges/4", problems);
  CHECK(problems.empty());
  REQUIRE(edges.size() == 2);
  CHECK(edges[0].from.node == "a");
  CHECK(edges[0].from.port.empty());
  CHECK(edges[0].to.node == "b");
  CHECK(edges[0].to.port == "in");
  CHECK(edges[0].pointer == "/edges/4");
  CHECK(edges[1].from.to_string() == "b.in");
  CHECK(edges[1].to.to_string() == "c");
  CHECK(edges[1].pointer == "/edges/4");

  SUBCASE("spaces are optional; ids may hold '-' and '_'") {
    edges = braid::parse_edge_chain("\tmy-node_2.out_1->_x  ", "/edges/0", problems);
    CHECK(problems.empty());
    REQUIRE(edges.size() == 1);
    CHECK(edges[0].from.node == "my-node_2");
    CHECK(edges[0].from.port == "out_1");
    CHECK(edges[0].to.node == "_x");
  }

  SUBCASE("malformed") {
    auto problems_of = [](std::string_view text) {
      std::vector<Problem> found;
      auto parsed = braid::parse_edge_chain(text, "/edges/1", found);
      return std::make_pair(render(found), parsed.size());
    };
    CHECK(
        problems_of("a") ==
        std::make_pair(lines({"[bad-edge] /edges/1: malformed edge 'a': an edge needs two endpoints, as in 'a -> b'"}),
                       std::size_t{0}));
    CHECK(problems_of("") ==
          std::make_pair(lines({"[bad-edge] /edges/1: malformed edge '': an edge needs two endpoints, as in 'a -> b'"}),
                         std::size_t{0}));
    CHECK(problems_of("a -> ") ==
          std::make_pair(lines({"[bad-edge] /edges/1: malformed edge 'a -> ': empty endpoint"}), std::size_t{0}));
    CHECK(problems_of(" -> -> b") ==
          std::make_pair(lines({"[bad-edge] /edges/1: malformed edge ' -> -> b': empty endpoint"}), std::size_t{0}));
    CHECK(
        problems_of("a -> b.c.d") ==
        std::make_pair(lines({"[bad-edge] /edges/1: malformed edge 'a -> b.c.d': 'b.c.d' is not a node or node.port"}),
                       std::size_t{0}));
    // The good edges of a chain are kept.
    CHECK(problems_of("a -> b -> c d -> e -> f") ==
          std::make_pair(lines({"[bad-edge] /edges/1: malformed edge 'a -> b -> c d -> e -> f': 'c d' is not a node "
                                "or node.port"}),
                         std::size_t{2}));
    CHECK(
        problems_of("9a -> b.-x -> c.") ==
        std::make_pair(lines({"[bad-edge] /edges/1: malformed edge '9a -> b.-x -> c.': '9a' is not a node or node.port",
                              "[bad-edge] /edges/1: malformed edge '9a -> b.-x -> c.': 'b.-x' is not a node or "
                              "node.port",
                              "[bad-edge] /edges/1: malformed edge '9a -> b.-x -> c.': 'c.' is not a node or "
                              "node.port"}),
                       std::size_t{0}));
    // Ports are identifiers without '-'.
    CHECK(problems_of("a.my-port -> b").first ==
          lines({"[bad-edge] /edges/1: malformed edge 'a.my-port -> b': 'a.my-port' is not a node or node.port"}));
  }
}

TEST_CASE("did_you_mean") {
  using V = std::vector<std::string>;
  CHECK(braid::did_you_mean("splt", V{"numbers", "split", "partial"}) == V{"split"});
  CHECK(braid::did_you_mean("reduce.summ", V{"reduce.max", "reduce.sum", "split"}) == V{"reduce.sum"});
  CHECK(braid::did_you_mean("cnt", V{"sum", "count"}) == V{"count"});
  CHECK(braid::did_you_mean("xyz", V{"sum", "count"}).empty());
  // best first, ties in candidate order
  CHECK(braid::did_you_mean("ab", V{"abcd", "abc", "xb", "ac"}) == V{"abc", "xb", "ac", "abcd"});
  // within max(2, len / 3) edits: 12 letters allow 4
  CHECK(braid::did_you_mean("abcdefghijkl", V{"abcdefghXXXX", "abcdefgXXXXX"}) == V{"abcdefghXXXX"});
  // a complete rewrite is no suggestion
  CHECK(braid::did_you_mean("x", V{"y", "ab"}).empty());
  CHECK(braid::did_you_mean("x", V{"xy"}) == V{"xy"});
  CHECK(braid::did_you_mean("word", V{}).empty());
}

TEST_CASE("check: a valid pipeline has no problems") {
  PipelineSpec spec = seed().edge("numbers -> split -> partial -> total -> result").build();
  CHECK(check_text(spec) == "");
  CHECK_NOTHROW(braid::validate(spec, registry()));

  // numbers ──> split ──> s ──> stats.sum ──> result
  //                  └──> c ──> stats.count
  spec = PipelineBuilder()
             .node("numbers", "source.values")
             .param("values", std::vector<double>{1.5, 2})
             .concurrency(Concurrency::serial())
             .node("split", "split")
             .param("grain", 1)
             .node("s", "reduce.sum")
             .node("c", "count")
             .node("stats", "join")
             .param("ports", std::vector<std::string>{"sum", "count"})
             .node("result", "sink.output")
             .edge("numbers -> split -> s -> stats.sum")
             .edge("split.out -> c.in")
             .edge("c -> stats.count")
             .edge("stats -> result")
             .build();
  CHECK(check_text(spec) == "");

  // A gather fed at depth 0 gathers the whole stream.
  spec = PipelineBuilder()
             .node("numbers", "source.text")
             .node("all", "gather.list")
             .node("result", "sink.output")
             .edge("numbers -> all -> result")
             .build();
  CHECK(check_text(spec) == "");
}

TEST_CASE("check: validate() throws every problem") {
  PipelineSpec spec =
      seed().node("extra", "sink.output").edge("numbers -> splt").edge("split -> partial -> total -> result").build();
  try {
    braid::validate(spec, registry());
    FAIL("validate() did not throw");
  } catch (const SpecError& e) {
    CHECK(std::string(e.what()) ==
          "/edges/0: unknown node 'splt' (did you mean 'split'?)\n/nodes/extra: input 'in' is not connected");
    CHECK(e.problems().size() == 2);
    CHECK(e.problems()[0] == Problem{"/edges/0", "unknown-node", "unknown node 'splt' (did you mean 'split'?)"});
  }
}

TEST_CASE("check: kinds") {
  const char* chain = "numbers -> split -> partial -> total -> result";
  PipelineSpec spec = seed().edge(chain).build();
  spec.find_node("partial")->kind = "reduce.summ";
  CHECK(check_text(spec) ==
        lines({"[unknown-kind] /nodes/partial/kind: unknown kind 'reduce.summ' (did you mean 'reduce.sum'?)"}));
  spec.find_node("partial")->kind = "foo";
  CHECK(check_text(spec) == lines({"[unknown-kind] /nodes/partial/kind: unknown kind 'foo' (see 'braid kinds')"}));
  spec.find_node("partial")->kind = "";
  CHECK(check_text(spec) == lines({"[missing-key] /nodes/partial/kind: missing required key 'kind'"}));
}

TEST_CASE("check: params") {
  const char* chain = "numbers -> split -> partial -> total -> result";
  SUBCASE("unknown") {
    PipelineSpec spec =
        seed().node("extra", "reduce.sum").param("x", 1).edge(chain).edge("split -> extra -> total").build();
    spec.find_node("split")->params.set("chunk", std::int64_t{4});
    spec.find_node("split")->params.set("xyz", std::int64_t{4});
    CHECK(check_text(spec) ==
          lines({"[unknown-param] /nodes/split/params/chunk: unknown parameter (did you mean 'chunks'?)",
                 "[unknown-param] /nodes/split/params/xyz: unknown parameter (split takes: chunks, grain)",
                 "[unknown-param] /nodes/extra/params/x: unknown parameter (reduce.sum takes none)",
                 "[duplicate-input] /edges/1: input 'total.in' is already connected by /edges/0"}));
  }
  SUBCASE("missing, ill-typed, and checks of several params") {
    PipelineSpec spec = seed().edge(chain).build();
    spec.find_node("numbers")->params = Params();
    spec.find_node("split")->params.set("chunks", std::int64_t{0});
    spec.find_node("split")->params.set("grain", std::int64_t{2});
    CHECK(check_text(spec) ==
          lines({"[missing-param] /nodes/numbers/params/values: missing required parameter: an array of numbers",
                 "[bad-param] /nodes/split/params/chunks: must be a positive integer, got 0"}));
    spec.find_node("split")->params.set("chunks", std::int64_t{3});
    CHECK(check_text(spec) ==
          lines({"[missing-param] /nodes/numbers/params/values: missing required parameter: an array of numbers",
                 "[bad-param] /nodes/split/params: give chunks or grain, not both"}));
    spec.find_node("numbers")->params.set("values", std::string("1, 2"));
    CHECK(check_text(spec) ==
          lines({"[bad-param] /nodes/numbers/params/values: must be an array of numbers, got \"1, 2\"",
                 "[bad-param] /nodes/split/params: give chunks or grain, not both"}));
  }
  SUBCASE("params that are not an object") {
    PipelineSpec spec = seed().edge(chain).build();
    spec.find_node("split")->params.json() = 3;
    CHECK(check_text(spec) == lines({"[bad-type] /nodes/split/params: must be an object, got 3"}));
  }
  SUBCASE("ports that depend on a bad param are unknown, not reported again") {
    PipelineSpec spec = PipelineBuilder()
                            .node("numbers", "source.text")
                            .node("stats", "join")
                            .node("result", "sink.output")
                            .edge("numbers -> stats.sum")
                            .edge("stats -> result")
                            .build();
    CHECK(check_text(spec) ==
          lines({"[missing-param] /nodes/stats/params/ports: missing required parameter: an array of port names"}));
    spec.find_node("stats")->params.set("ports", std::int64_t{2});  // no check: dynamic_inputs throws
    CHECK(check_text(spec) ==
          lines({"[bad-param] /nodes/stats/params: parameter 'ports' must be an array of strings, got 2"}));
  }
}

TEST_CASE("check: concurrency and resources") {
  PipelineSpec spec = seed().resource("disk", 1).edge("numbers -> split -> partial -> total -> result").build();
  spec.find_node("numbers")->concurrency = Concurrency::serial();
  spec.find_node("partial")->uses = {"disk", "dsk", "net"};
  CHECK(check_text(spec) ==
        lines({"[unknown-resource] /nodes/partial/uses/1: unknown resource 'dsk' (did you mean 'disk'?)",
               "[unknown-resource] /nodes/partial/uses/2: unknown resource 'net' (declare it under \"resources\")"}));
  spec.find_node("numbers")->concurrency = Concurrency::unlimited();
  spec.find_node("partial")->uses = {};
  CHECK(check_text(spec) ==
        lines({"[bad-concurrency] /nodes/numbers/concurrency: a source runs serially; remove concurrency or set "
               "\"serial\""}));
  spec.find_node("numbers")->concurrency = Concurrency::limit(2);
  CHECK(check_text(spec) ==
        lines({"[bad-concurrency] /nodes/numbers/concurrency: a source runs serially; remove concurrency or set "
               "\"serial\""}));
}

TEST_CASE("check: outputs") {
  PipelineSpec spec = seed()
                          .output("result")
                          .output("reslt")
                          .output("total")
                          .output("nothing-like-it")
                          .edge("numbers -> split -> partial -> total -> result")
                          .build();
  CHECK(check_text(spec) == lines({"[unknown-node] /outputs/1: unknown node 'reslt' (did you mean 'result'?)",
                                   "[not-a-sink] /outputs/2: node 'total' (gather.sum) is not a sink",
                                   "[unknown-node] /outputs/3: unknown node 'nothing-like-it'"}));
}

TEST_CASE("check: edges") {
  // numbers ──> split ──> s ──> stats.sum ──> result
  //                  └──> c ──> stats.count
  auto graph = [] {
    PipelineBuilder b;
    b.node("numbers", "source.values")
        .param("values", std::vector<std::int64_t>{1, 2})
        .node("split", "split")
        .node("s", "reduce.sum")
        .node("c", "count")
        .node("stats", "join")
        .param("ports", std::vector<std::string>{"sum", "count"})
        .node("result", "sink.output")
        .edge("numbers -> split -> s")
        .edge("split -> c");
    return b;
  };
  const char* joined = "stats -> result";

  SUBCASE("unknown nodes") {
    PipelineSpec spec =
        graph().edge("s -> stats.sum").edge("c -> stats.count").edge("stats -> reslt").edge("qqqqqq -> result").build();
    CHECK(check_text(spec) == lines({"[unknown-node] /edges/4: unknown node 'reslt' (did you mean 'result'?)",
                                     "[unknown-node] /edges/5: unknown node 'qqqqqq'"}));
  }
  SUBCASE("nodes without ports of a direction") {
    PipelineSpec spec =
        graph().edge("s -> stats.sum").edge("c -> stats.count").edge(joined).edge("result -> numbers").build();
    CHECK(check_text(spec) == lines({"[unknown-port] /edges/5: node 'result' (sink.output) has no output port",
                                     "[unknown-port] /edges/5: node 'numbers' (source.values) has no input port"}));
  }
  SUBCASE("unknown ports") {
    PipelineSpec spec = graph()
                            .edge("s -> stats.cnt")
                            .edge("c -> stats.xyz")
                            .edge(joined)
                            .edge("s.ot -> result")
                            .edge("s.output -> result")
                            .build();
    CHECK(check_text(spec) ==
          lines({"[unknown-port] /edges/2: node 'stats' (join) has no input port 'cnt' (did you mean 'count'?)",
                 "[unknown-port] /edges/3: node 'stats' (join) has no input port 'xyz' (input ports: sum, count)",
                 "[unknown-port] /edges/5: node 's' (reduce.sum) has no output port 'ot' (did you mean 'out'?)",
                 "[unknown-port] /edges/6: node 's' (reduce.sum) has no output port 'output' (output ports: out)"}));
  }
  SUBCASE("a port must be named where there are several") {
    PipelineSpec spec = graph().edge("s -> stats").edge("c -> stats.count").edge(joined).build();
    CHECK(check_text(spec) ==
          lines({"[ambiguous-port] /edges/2: node 'stats' (join) has several input ports; name one, as in "
                 "'stats.sum' (input ports: sum, count)"}));
  }
  SUBCASE("an input fed twice") {
    PipelineSpec spec =
        graph().edge("s -> stats.sum").edge("c -> stats.count").edge(joined).edge("c -> stats.sum").build();
    CHECK(check_text(spec) ==
          lines({"[duplicate-input] /edges/5: input 'stats.sum' is already connected by /edges/2"}));
  }
  SUBCASE("after an edge problem, types and depths are not checked") {
    PipelineSpec spec =
        graph().edge("s -> stats.sum").edge("numbers -> stats.count").edge(joined).edge("c -> reslt").build();
    CHECK(check_text(spec) == lines({"[unknown-node] /edges/5: unknown node 'reslt' (did you mean 'result'?)"}));
  }
}

TEST_CASE("IdIndex: lookups many at a time give what one at a time does") {
  // More ids than the index looks ahead (16, and 64 for the ids' own
  // lines), with repeats and unknowns at the start, the middle and the end; in an index small enough to look
  // nothing up ahead (300 nodes), and in one that does (5,000).
  for (const std::size_t size : {std::size_t{300}, std::size_t{5000}}) {
    CAPTURE(size);
    std::vector<braid::NodeSpec> nodes(size);
    for (std::size_t i = 0; i < nodes.size(); ++i) nodes[i].id = "n" + std::to_string(i);
    nodes[3].id = "n0";
    nodes[size / 2].id = "n7";
    nodes[size - 1].id = "n" + std::to_string(size - 2);
    {  // insert_each visits each node in order, right after adding it
      braid::detail::IdIndex index(nodes);
      std::size_t next = 0;
      auto repeat = [&](std::size_t i) { return i == 3 || i == size / 2 || i == size - 1; };
      auto first_with_id = [&](std::size_t i) -> std::size_t {  // of a repeat: the node that has its id
        return i == 3 ? 0 : i == size / 2 ? 7 : size - 2;
      };
      index.insert_each([&](std::size_t i, bool added) {
        CHECK(i == next++);
        CHECK(added == !repeat(i));
        CHECK_MESSAGE(index.find(nodes[i].id) == (added ? i : first_with_id(i)), i);
        if (i + 1 < nodes.size() && !repeat(i + 1))
          CHECK(index.find(nodes[i + 1].id) == braid::detail::IdIndex::kNone);  // not yet added
      });
      CHECK(next == nodes.size());
    }
    braid::detail::IdIndex index(nodes);
    const std::vector<bool> added = index.insert_all();
    for (std::size_t i = 0; i < nodes.size(); ++i)
      CHECK_MESSAGE(added[i] == (i != 3 && i != size / 2 && i != size - 1), i);

    // Edges (two ids each): fewer than the look-ahead, about as many, and many more.
    for (std::size_t n :
         {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{8}, std::size_t{9}, std::size_t{33}, size}) {
      std::vector<braid::EdgeSpec> edges(n);
      auto id = [&](std::size_t k) {
        return k % 5 == 4 ? "x" + std::to_string(k) : "n" + std::to_string((k * 7) % size);
      };
      for (std::size_t e = 0; e < n; ++e) {
        edges[e].from.node = id(2 * e);
        edges[e].to.node = id(2 * e + 1);
      }
      std::size_t next = 0;
      index.each_edge(edges, [&](std::size_t e, std::size_t from, std::size_t to) {
        CHECK(e == next++);
        CHECK_MESSAGE(from == index.find(edges[e].from.node), edges[e].from.node);
        CHECK_MESSAGE(to == index.find(edges[e].to.node), edges[e].to.node);
        if (edges[e].from.node[0] == 'x') CHECK(from == braid::detail::IdIndex::kNone);
        if (edges[e].to.node[0] == 'x') CHECK(to == braid::detail::IdIndex::kNone);
      });
      CHECK(next == n);
    }
    CHECK(index.find("n0") == 0);
    CHECK(index.find("n3") == braid::detail::IdIndex::kNone);  // its node took the id n0
    CHECK(index.find("n" + std::to_string(size - 2)) == size - 2);
    CHECK(index.find("n" + std::to_string(size - 1)) == braid::detail::IdIndex::kNone);

    std::vector<braid::EdgeSpec> edges(40);
    for (std::size_t e = 0; e < edges.size(); ++e) {
      edges[e].from.node = "n" + std::to_string(e);
      edges[e].to.node = e == 39 ? "nowhere" : "n" + std::to_string(e + 100);
    }
    std::vector<std::size_t> ends;
    index.each_edge(edges, [&](std::size_t, std::size_t from, std::size_t to) {
      ends.push_back(from);
      ends.push_back(to);
    });
    REQUIRE(ends.size() == 80);
    CHECK(ends[0] == 0);
    CHECK(ends[1] == 100);
    CHECK(ends[2 * 3] == braid::detail::IdIndex::kNone);
    CHECK(ends[2 * 38 + 1] == 138);
    CHECK(ends[2 * 39] == 39);
    CHECK(ends[2 * 39 + 1] == braid::detail::IdIndex::kNone);
  }
}

TEST_CASE("IdIndex: ids of every length up to 24, alike but in one character, are all told apart") {
  // The hash reads 8 bytes at a time and the last 1 to 8 in fixed-size
  // loads: every length takes one of its paths.
  std::vector<braid::NodeSpec> nodes;
  for (std::size_t length = 1; length <= 24; ++length)
    for (std::size_t at = 0; at < length; ++at) {
      std::string id(length, 'a');
      id[at] = 'b';
      nodes.emplace_back().id = id;
      if (at == 0) nodes.emplace_back().id = std::string(length, 'a');
    }
  braid::detail::IdIndex index(nodes);
  const std::vector<bool> added = index.insert_all();
  CHECK(std::count(added.begin(), added.end(), false) == 0);
  for (std::size_t i = 0; i < nodes.size(); ++i) CHECK_MESSAGE(index.find(nodes[i].id) == i, nodes[i].id);
  CHECK(index.find(std::string(25, 'a')) == braid::detail::IdIndex::kNone);
  CHECK(index.find("") == braid::detail::IdIndex::kNone);
  CHECK(index.find("ba") == 2);  // b, a, ba, aa, ab, ...
  CHECK(index.find("ab") == 4);
}

TEST_CASE("same_text: names of every length up to 24 that differ in one character, or in length, differ") {
  // Up to 16 characters are compared in fixed-size loads (two of 8, two of
  // 4, or three bytes), longer ones by memcmp: every length takes one path.
  for (std::size_t length = 0; length <= 24; ++length) {
    const std::string a(length, 'a');
    const std::string copy(a.data(), a.size());  // equal, in another buffer
    CHECK_MESSAGE(braid::detail::same_text(a, copy), length);
    CHECK_FALSE(braid::detail::same_text(a, a + "a"));
    CHECK_FALSE(braid::detail::same_text(a + "a", a));
    for (std::size_t at = 0; at < length; ++at) {
      std::string b = a;
      b[at] = 'b';
      CHECK_MESSAGE(!braid::detail::same_text(a, b), length, " differing at ", at);
      CHECK_MESSAGE(!braid::detail::same_text(b, a), length, " differing at ", at);
    }
  }
  // Views into a longer text compare only their own characters.
  const std::string text = "in0in1in0";
  CHECK(braid::detail::same_text(std::string_view(text).substr(0, 3), std::string_view(text).substr(6, 3)));
  CHECK_FALSE(braid::detail::same_text(std::string_view(text).substr(0, 3), std::string_view(text).substr(3, 3)));
}

TEST_CASE("check: ids and edges of a pipeline longer than the lookups look ahead") {
  // numbers -> c0 -> c1 -> ... -> c199 -> result (one edge entry: /edges/0)
  auto chain = [] {
    PipelineBuilder b;
    b.node("numbers", "source.values").param("values", std::vector<std::int64_t>{1, 2});
    std::string edges = "numbers";
    for (int i = 0; i < 200; ++i) {
      b.node("c" + std::to_string(i), "count");
      edges += " -> c" + std::to_string(i);
    }
    b.node("result", "sink.output").edge(edges + " -> result");
    return b;
  };
  CHECK(check_text(chain().build()) == "");
  PipelineBuilder b = chain();
  b.node("c150", "count").edge("c17 -> zzzz");
  CHECK(check_text(b.build()) == lines({"[duplicate-id] /nodes/c150: node id 'c150' is used by more than one node",
                                        "[unknown-node] /edges/1: unknown node 'zzzz'"}));
}

TEST_CASE("check: the params of nodes of a kind whose params are the same are checked, and give ports, once") {
  static int asked = 0, checked = 0, crossed = 0;
  Registry r = test_registry();
  Kind k = kind("counted", Shape::kJoin, {}, {port("out")});
  k.params.push_back(braid::param::custom("ports", "an array of port names", "input ports", "", true,
                                          [](const nlohmann::json& v) -> std::string {
                                            ++checked;
                                            return v.is_array() ? "" : "must be an array";
                                          }));
  k.params.push_back(braid::param::number("w", "a weight", 1.0));
  k.check_params = [](const Params&) {
    ++crossed;
    return std::vector<std::pair<std::string, std::string>>{};
  };
  k.dynamic_inputs = [](const Params& p) {
    ++asked;
    std::vector<PortSpec> ports;
    for (const auto& name : p.get<std::vector<std::string>>("ports")) ports.push_back(port(name));
    return ports;
  };
  r.add(k);
  PipelineBuilder b;
  b.node("numbers", "source.text");
  const std::vector<std::string> ab{"a", "b"}, abc{"a", "b", "c"};
  b.node("j1", "counted").param("ports", ab);
  b.node("j2", "counted").param("ports", ab);
  b.node("j3", "counted").param("ports", abc);
  b.node("j4", "counted").param("ports", ab).param("w", std::int64_t{2});
  b.node("j5", "counted").param("ports", ab).param("w", 2.0);  // equal to j4's for nlohmann's ==, not the same
  b.node("j6", "counted").param("ports", ab);
  for (const char* j : {"j1", "j2", "j3", "j4", "j5", "j6"}) {
    b.edge(std::string("numbers -> ") + j + ".a").edge(std::string("numbers -> ") + j + ".b");
    b.node(std::string("out_") + j, "sink.output").edge(std::string(j) + " -> out_" + j);
  }
  b.edge("numbers -> j3.c");
  b.edge("numbers -> j1.c");  // j1 shares j2's ports, not j3's
  b.node("j7", "counted").param("ports", std::vector<std::string>{"a", "x"});  // as long as [a, b], not the same
  b.node("out_j7", "sink.output").edge("numbers -> j7.a").edge("numbers -> j7.x").edge("j7 -> out_j7");
  asked = checked = crossed = 0;
  CHECK(render(braid::check(b.build(), r)) ==
        lines({"[unknown-port] /edges/19: node 'j1' (counted) has no input port 'c' (input ports: a, b)"}));
  // [a, b]; [a, b, c]; [a, b] with w 2; [a, b] with w 2.0; [a, x]
  CHECK(asked == 5);
  CHECK(checked == 5);
  CHECK(crossed == 5);

  // Params with a problem are checked, and reported, at every node that has them.
  b.node("bad1", "counted").param("ports", std::string("ab"));
  b.node("bad2", "counted").param("ports", std::string("ab"));
  b.edge("bad1 -> out_bad").edge("bad2 -> out_bad2");
  b.node("out_bad", "sink.output").node("out_bad2", "sink.output");
  asked = checked = crossed = 0;
  CHECK(render(braid::check(b.build(), r)) ==
        lines({"[bad-param] /nodes/bad1/params/ports: must be an array",
               "[bad-param] /nodes/bad2/params/ports: must be an array",
               "[unknown-port] /edges/19: node 'j1' (counted) has no input port 'c' (input ports: a, b)"}));
  CHECK(checked == 7);
}

TEST_CASE("check: unconnected ports") {
  PipelineSpec spec =
      seed().node("extra", "reduce.sum").edge("numbers -> split -> partial").edge("total -> result").build();
  CHECK(check_text(spec) ==
        lines({"[unconnected-output] /nodes/partial: output 'out' is not connected; its results would be lost",
               "[unconnected-input] /nodes/total: input 'in' is not connected",
               "[unconnected-input] /nodes/extra: input 'in' is not connected",
               "[unconnected-output] /nodes/extra: output 'out' is not connected; its results would be lost"}));
}

TEST_CASE("check: the node an unknown node suggests is not reported as unconnected") {
  // 'nmbers' most likely means numbers, whose output is then not "not connected";
  // 'totl' means total, whose input is not either. 'qqq' suggests nothing.
  PipelineSpec spec = seed()
                          .node("extra", "reduce.sum")
                          .edge("nmbers -> split -> partial -> totl")
                          .edge("total -> result")
                          .edge("qqq -> extra")
                          .build();
  CHECK(check_text(spec) == lines({"[unknown-node] /edges/0: unknown node 'nmbers' (did you mean 'numbers'?)",
                                   "[unknown-node] /edges/0: unknown node 'totl' (did you mean 'total'?)",
                                   "[unknown-node] /edges/2: unknown node 'qqq'",
                                   "[unconnected-output] /nodes/extra: output 'out' is not connected; its results "
                                   "would be lost"}));
}

TEST_CASE("check: cycles") {
  SUBCASE("a cycle starts at its first node in declaration order") {
    PipelineSpec spec = PipelineBuilder()
                            .node("c", "identity")
                            .node("a", "identity")
                            .node("b", "identity")
                            .edge("a -> b -> c -> a")
                            .build();
    CHECK(check_text(spec) == lines({"[cycle] /edges: cycle: c -> a -> b -> c"}));
  }
  SUBCASE("a self-loop is a cycle; each cycle is reported once") {
    PipelineSpec spec = PipelineBuilder()
                            .node("x", "identity")
                            .node("p", "identity")
                            .node("q", "identity")
                            .edge("x -> x")
                            .edge("p -> q -> p")
                            .build();
    CHECK(check_text(spec) == lines({"[cycle] /edges: cycle: x -> x", "[cycle] /edges: cycle: p -> q -> p"}));
  }
  SUBCASE("the shortest way back is shown; types are not checked") {
    //   text ──> j.a ──> a ──> b ──> c ──> j.b
    //                    ^─────────────────┘ (through j)
    PipelineSpec spec = PipelineBuilder()
                            .node("text", "source.text")
                            .node("j", "join")
                            .param("ports", std::vector<std::string>{"a", "b"})
                            .node("a", "identity")
                            .node("b", "identity")
                            .node("c", "reduce.sum")
                            .edge("text -> j.a")
                            .edge("j -> a -> b -> c -> j.b")
                            .build();
    CHECK(check_text(spec) == lines({"[cycle] /edges: cycle: j -> a -> b -> c -> j"}));
  }
}

TEST_CASE("check: types") {
  SUBCASE("mismatch, named with real ports; no cascade") {
    PipelineSpec spec = PipelineBuilder()
                            .node("numbers", "source.text")
                            .node("partial", "reduce.sum")
                            .node("total", "gather.sum")
                            .node("result", "sink.output")
                            .edge("numbers -> partial -> total -> result")
                            .build();
    CHECK(check_text(spec) ==
          lines({"[type-mismatch] /edges/0: type mismatch: 'numbers.out' gives string, 'partial.in' accepts "
                 "int64[], double[], range"}));
  }
  SUBCASE("inferred types travel along") {
    // values are int64[]; a split keeps that; a sum gives int64; count gives int64
    PipelineSpec spec = PipelineBuilder()
                            .node("numbers", "source.values")
                            .param("values", std::vector<std::int64_t>{1})
                            .node("split", "split")
                            .node("partial", "reduce.sum")
                            .node("again", "reduce.sum")
                            .node("result", "sink.output")
                            .edge("numbers -> split -> partial -> again -> result")
                            .build();
    CHECK(check_text(spec) ==
          lines({"[type-mismatch] /edges/0: type mismatch: 'partial.out' gives int64, 'again.in' accepts int64[], "
                 "double[], range"}));
  }
  SUBCASE("several mismatches come node by node in topological order, ties in declaration order") {
    //            ┌──> a (reduce.sum) ──> x (reduce.sum) ──> r1
    // numbers ───┤
    //            └──> b (reduce.sum) ──> r2
    // a and b are ready together: a (declared first) reports first, then
    // b, then x, which is after a only.
    PipelineSpec spec = PipelineBuilder()
                            .node("numbers", "source.text")
                            .node("a", "reduce.sum")
                            .node("b", "reduce.sum")
                            .node("x", "reduce.sum")
                            .node("r1", "sink.output")
                            .node("r2", "sink.output")
                            .edge("numbers -> a -> x -> r1")
                            .edge("numbers -> b -> r2")
                            .build();
    CHECK(check_text(spec) ==
          lines({"[type-mismatch] /edges/0: type mismatch: 'numbers.out' gives string, 'a.in' accepts int64[], "
                 "double[], range",
                 "[type-mismatch] /edges/1: type mismatch: 'numbers.out' gives string, 'b.in' accepts int64[], "
                 "double[], range"}));
    spec.nodes[0].kind = "source.values";  // int64[] now: a and b give int64, which x refuses
    spec.nodes[0].params = Params(nlohmann::json{{"values", {1, 2}}});
    spec.nodes[2].kind = "count";  // b: int64 too; and r2, a sink, takes it
    CHECK(check_text(spec) ==
          lines({"[type-mismatch] /edges/0: type mismatch: 'a.out' gives int64, 'x.in' accepts int64[], double[], "
                 "range"}));
  }
  SUBCASE("a declared single output type is used without infer") {
    PipelineSpec spec = PipelineBuilder()
                            .node("numbers", "source.text")
                            .node("n", "count")
                            .node("s", "reduce.sum")
                            .node("result", "sink.output")
                            .edge(Endpoint{"numbers", ""}, Endpoint{"n", ""})
                            .edge(Endpoint{"n", "out"}, Endpoint{"s", ""})
                            .edge(Endpoint{"s", ""}, Endpoint{"result", "in"})
                            .build();
    CHECK(check_text(spec) ==
          lines({"[type-mismatch] /edges/1: type mismatch: 'n.out' gives int64, 's.in' accepts int64[], double[], "
                 "range"}));
  }
  SUBCASE("bad params give an unknown type") {
    PipelineSpec spec = PipelineBuilder()
                            .node("numbers", "source.values")
                            .param("values", "oops")
                            .node("total", "gather.sum")
                            .node("result", "sink.output")
                            .edge("numbers -> total -> result")
                            .build();
    CHECK(check_text(spec) ==
          lines({"[bad-param] /nodes/numbers/params/values: must be an array of numbers, got \"oops\""}));
  }
  SUBCASE("an error from infer") {
    PipelineSpec spec = PipelineBuilder()
                            .node("numbers", "source.text")
                            .node("p", "picky")
                            .node("result", "sink.output")
                            .edge("numbers -> p -> result")
                            .build();
    CHECK(check_text(spec) == lines({"[type-mismatch] /nodes/p: picky takes nothing it is given"}));
  }
}

TEST_CASE("check: split depths") {
  SUBCASE("a join's inputs must arrive at the same depth") {
    // numbers ──> split ──> s ──> stats.sum ──> result
    //        └──────────> c ──> stats.count
    PipelineSpec spec = PipelineBuilder()
                            .node("numbers", "source.values")
                            .param("values", std::vector<std::int64_t>{1})
                            .node("split", "split")
                            .node("s", "reduce.sum")
                            .node("c", "count")
                            .node("stats", "join")
                            .param("ports", std::vector<std::string>{"sum", "count"})
                            .node("result", "sink.output")
                            .edge("numbers -> split -> s -> stats.sum")
                            .edge("numbers -> c -> stats.count")
                            .edge("stats -> result")
                            .build();
    CHECK(check_text(spec) ==
          lines({"[depth-mismatch] /nodes/stats: inputs arrive at different split depths (sum: 1, count: 0); their "
                 "tags can never match"}));
  }
  SUBCASE("at most Tag::kMaxDepth nested splits") {
    PipelineBuilder b;
    b.node("numbers", "source.values").param("values", std::vector<std::int64_t>{1});
    std::string chain = "numbers";
    for (int i = 1; i <= 7; ++i) {
      b.node("s" + std::to_string(i), "split");
      chain += " -> s" + std::to_string(i);
    }
    b.node("result", "sink.output").edge(chain + " -> result");
    CHECK(check_text(b.build()) == lines({"[too-deep] /nodes/s7: splits nested 7 deep; at most 6 are supported"}));
  }
}

TEST_CASE("check: nodes declared in any order, before or after what feeds them: types and depths follow the edges") {
  // numbers ──> split ──> s ──> stats.sum ──> result
  //        └──────────> c ──> stats.count
  auto declared = [](const std::vector<std::string>& order) {
    PipelineBuilder b;
    for (const std::string& id : order) {
      if (id == "numbers") b.node(id, "source.values").param("values", std::vector<std::int64_t>{1, 2, 3});
      if (id == "split") b.node(id, "split");
      if (id == "s") b.node(id, "reduce.sum");
      if (id == "c") b.node(id, "count");
      if (id == "stats") b.node(id, "join").param("ports", std::vector<std::string>{"sum", "count"});
      if (id == "result") b.node(id, "sink.output");
    }
    b.edge("numbers -> split -> s -> stats.sum").edge("numbers -> c -> stats.count").edge("stats -> result");
    return b.build();
  };
  const std::string problem =
      "[depth-mismatch] /nodes/stats: inputs arrive at different split depths (sum: 1, count: 0); their tags can "
      "never match";
  for (const std::vector<std::string>& order :
       {std::vector<std::string>{"numbers", "split", "s", "c", "stats", "result"},     // every edge forward
        std::vector<std::string>{"result", "stats", "c", "s", "split", "numbers"},     // every edge backward
        std::vector<std::string>{"split", "stats", "numbers", "result", "s", "c"}}) {  // some of each
    CAPTURE(order.front());
    PipelineSpec spec = declared(order);
    CHECK(check_text(spec) == lines({problem.c_str()}));
    // without the split, the types flow through: the order validation hands the build is topological
    spec = declared(order);
    spec.find_node("split")->kind = "reduce.sum";  // int64[] in, int64 out: s then sums an int64
    CHECK(check_text(spec) == lines({"[type-mismatch] /edges/0: type mismatch: 'split.out' gives int64, 's.in' "
                                     "accepts int64[], double[], range"}));
    spec.find_node("s")->kind = "count";
    CHECK(check_text(spec) == "");
    const braid::detail::Validated v = braid::detail::validate_and_index(spec, registry());
    REQUIRE(v.order.size() == spec.nodes.size());
    std::vector<std::size_t> at(spec.nodes.size());
    for (std::size_t i = 0; i < v.order.size(); ++i) at[v.order[i]] = i;
    for (std::size_t e = 0; e < spec.edges.size(); ++e) CHECK(at[v.ends[2 * e]] < at[v.ends[2 * e + 1]]);
    CHECK(v.out_types[spec.find_node("stats") - spec.nodes.data()] != nullptr);  // a record, inferred
  }
}

TEST_CASE("check: ids and top level (specs built in C++)") {
  PipelineSpec spec = seed().edge("numbers -> split -> partial -> total -> result").build();
  spec.max_in_flight = 0;
  spec.resources["disk"].capacity = 0;
  spec.nodes.push_back(spec.nodes[0]);
  spec.nodes.back().kind = "nothing";
  spec.nodes.push_back(spec.nodes[4]);
  spec.nodes.back().id = "my node";
  CHECK(check_text(spec) ==
        lines({"[bad-type] /max_in_flight: must be a positive integer, got 0",
               "[bad-type] /resources/disk/capacity: must be a positive integer, got 0",
               "[duplicate-id] /nodes/numbers: node id 'numbers' is used by more than one node",
               "[bad-id] /nodes/my node: invalid node id 'my node': ids match [A-Za-z_][A-Za-z0-9_-]*",
               "[unconnected-input] /nodes/my node: input 'in' is not connected"}));
  CHECK(check_text(PipelineSpec{}) == lines({"[empty] /nodes: a pipeline needs at least one node"}));
}

TEST_CASE("check: problems come in pass order") {
  PipelineSpec spec = PipelineBuilder()
                          .resource("disk", 1)
                          .output("sum")
                          .node("numbers", "source.text")
                          .concurrency(Concurrency::limit(4))
                          .node("sum", "reduce.sum")
                          .param("chunk", 2)
                          .uses("dsk")
                          .node("wat", "reduce.summ")
                          .node("result", "sink.output")
                          .edge("numbers -> sum")
                          .edge("sum -> result.x")
                          .build();
  CHECK(check_text(spec) ==
        lines({"[bad-concurrency] /nodes/numbers/concurrency: a source runs serially; remove concurrency or set "
               "\"serial\"",
               "[unknown-param] /nodes/sum/params/chunk: unknown parameter (reduce.sum takes none)",
               "[unknown-resource] /nodes/sum/uses/0: unknown resource 'dsk' (did you mean 'disk'?)",
               "[unknown-kind] /nodes/wat/kind: unknown kind 'reduce.summ' (did you mean 'reduce.sum'?)",
               "[not-a-sink] /outputs/0: node 'sum' (reduce.sum) is not a sink",
               "[unknown-port] /edges/1: node 'result' (sink.output) has no input port 'x' (input ports: in)"}));
}

TEST_CASE("check: 100,000 nodes in a chain and in a cycle") {
  const int n = 100000;
  PipelineBuilder b;
  b.node("numbers", "source.values").param("values", std::vector<std::int64_t>{1});
  for (int i = 0; i < n; ++i) b.node("n" + std::to_string(i), "identity");
  b.node("result", "sink.output");
  b.edge(Endpoint{"numbers", ""}, Endpoint{"n0", ""});
  for (int i = 0; i + 1 < n; ++i)
    b.edge(Endpoint{"n" + std::to_string(i), ""}, Endpoint{"n" + std::to_string(i + 1), ""});
  b.edge(Endpoint{"n" + std::to_string(n - 1), ""}, Endpoint{"result", ""});
  PipelineSpec spec = b.build();
  auto start = std::chrono::steady_clock::now();
  CHECK(check_text(spec) == "");
  MESSAGE("check() of " << spec.nodes.size() << " nodes: "
                        << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() << " s");

  // Close the chain into one long cycle (no stack is deep enough for a recursive search).
  spec.edges.front().from = Endpoint{"n" + std::to_string(n - 1), ""};
  auto problems = braid::check(spec, registry());
  REQUIRE(problems.size() == 2);
  CHECK(problems[0].to_string() == "/nodes/numbers: output 'out' is not connected; its results would be lost");
  const std::string& cycle = problems[1].message;
  CHECK(problems[1].pointer == "/edges");
  CHECK(cycle.rfind("cycle: n0 -> n1 -> n2 -> ", 0) == 0);
  const std::string end = "n99998 -> n99999 -> n0";
  CHECK(cycle.compare(cycle.size() - end.size(), end.size(), end) == 0);
}
