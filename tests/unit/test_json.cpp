// Unit tests of the JSON layer: parsing JSON text (malformed input, duplicate
// keys, deep nesting), reading a pipeline document's structure (every
// structural message asserted exactly), loading files, validating while
// loading, and writing a spec back out.
#include <braid/json.hpp>
#include <braid/registry.hpp>
#include <braid/spec.hpp>

#include <doctest/doctest.h>

#include "problems.hpp"
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using braid::Concurrency;
using braid::PipelineSpec;
using braid::Problem;
using braid::SpecError;

namespace {

using braid_test::lines;
using braid_test::render;

// The problems a call throws as SpecError, rendered; "" when it does not throw.
template <class F>
std::string problems_of(F&& f) {
  try {
    f();
  } catch (const SpecError& e) {
    return render(e.problems());
  }
  return "";
}

std::string parse_problems(std::string_view text) {
  return problems_of([&] { braid::parse_json_text(text); });
}

// The structural problems of a document given as JSON text.
std::string load_problems(std::string_view text) {
  return problems_of([&] { braid::load_spec(text); });
}

// A minimal valid document with `extra` spliced into its top level.
std::string doc(const std::string& extra) {
  return R"({"braid": 1, "nodes": {"a": {"kind": "source.text"}, "b": {"kind": "sink.output"}}, "edges": ["a -> b"])" +
         (extra.empty() ? "" : ", " + extra) + "}";
}

// A document whose node "x" is `node`.
std::string with_node(const std::string& node) {
  return R"({"braid": 1, "nodes": {"x": )" + node + R"(}, "edges": []})";
}

std::string nested_arrays(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

std::vector<std::string> ids(const PipelineSpec& spec) {
  std::vector<std::string> out;
  for (const auto& n : spec.nodes) out.push_back(n.id);
  return out;
}

// Field by field; edge pointers are compared too.
void check_same(const PipelineSpec& a, const PipelineSpec& b) {
  CHECK(a.version == b.version);
  CHECK(a.name == b.name);
  CHECK(a.description == b.description);
  CHECK(a.threads == b.threads);
  CHECK(a.max_in_flight == b.max_in_flight);
  REQUIRE(a.resources.size() == b.resources.size());
  for (const auto& [name, r] : a.resources) {
    REQUIRE(b.resources.count(name) == 1);
    CHECK(b.resources.at(name).capacity == r.capacity);
  }
  CHECK(a.outputs == b.outputs);
  REQUIRE(a.nodes.size() == b.nodes.size());
  for (std::size_t i = 0; i < a.nodes.size(); ++i) {
    CAPTURE(i);
    CHECK(a.nodes[i].id == b.nodes[i].id);
    CHECK(a.nodes[i].kind == b.nodes[i].kind);
    CHECK(a.nodes[i].params == b.nodes[i].params);
    CHECK(a.nodes[i].concurrency == b.nodes[i].concurrency);
    CHECK(a.nodes[i].uses == b.nodes[i].uses);
    CHECK(a.nodes[i].description == b.nodes[i].description);
  }
  REQUIRE(a.edges.size() == b.edges.size());
  for (std::size_t i = 0; i < a.edges.size(); ++i) {
    CAPTURE(i);
    CHECK(a.edges[i].from.to_string() == b.edges[i].from.to_string());
    CHECK(a.edges[i].to.to_string() == b.edges[i].to.to_string());
    CHECK(a.edges[i].pointer == b.edges[i].pointer);
  }
}

// A few kinds for load_valid_spec: text ──> upper ──> sink.output
braid::Registry test_registry() {
  braid::Registry r;
  braid::Kind source;
  source.name = "source.text";
  source.shape = braid::Shape::kSource;
  source.outputs = {braid::PortSpec{"out", {"string"}, ""}};
  r.add(source);
  braid::Kind upper;
  upper.name = "upper";
  upper.shape = braid::Shape::kMap;
  upper.inputs = {braid::PortSpec{"in", {"string"}, ""}};
  upper.outputs = {braid::PortSpec{"out", {"string"}, ""}};
  upper.params = {braid::param::boolean("ascii", "only ASCII letters", true)};
  r.add(upper);
  braid::Kind sink;
  sink.name = "sink.output";
  sink.shape = braid::Shape::kSink;
  sink.inputs = {braid::PortSpec{"in", {}, ""}};
  r.add(sink);
  return r;
}

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path() /
           ("braid-test-json-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

}  // namespace

TEST_CASE("parse_json_text keeps document order") {
  auto j = braid::parse_json_text(R"({"z": 1, "a": {"y": [1, 2.5, "s", true, null], "b": {}}})");
  CHECK(j.dump() == R"({"z":1,"a":{"y":[1,2.5,"s",true,null],"b":{}}})");
  // A plain nlohmann::json takes it too (ordering its keys by name).
  nlohmann::json plain = braid::parse_json_text(R"({"z": 1, "a": 2})");
  CHECK(plain.dump() == R"({"a":2,"z":1})");
}

TEST_CASE("parse_json_text: malformed JSON") {
  CHECK(parse_problems(R"({"braid": 1,})") ==
        lines({"[malformed-json] line 1, column 13: malformed JSON: syntax error while parsing object key - "
               "unexpected '}'; expected string literal"}));
  CHECK(parse_problems("") ==
        lines({"[malformed-json] line 1, column 1: malformed JSON: syntax error while parsing value - unexpected end "
               "of input; expected '[', '{', or a literal"}));
  // An error found on a line break is at the end of that line, not at column 0 of the next.
  CHECK(parse_problems("{\n  \"a\": tru\n}") ==
        lines({"[malformed-json] line 2, column 11: malformed JSON: syntax error while parsing value - invalid "
               "literal; last read: '\"a\": tru<U+000A>'"}));
  CHECK(parse_problems("{\"edges\": [\"a -> b]\n}") ==
        lines({"[malformed-json] line 1, column 20: malformed JSON: syntax error while parsing value - invalid "
               "string: control character U+000A (LF) must be escaped to \\u000A or \\n; last read: "
               "'\"a -> b]<U+000A>'"}));
  CHECK(parse_problems("[1] x") ==
        lines({"[malformed-json] line 1, column 5: malformed JSON: syntax error while parsing value - invalid "
               "literal; last read: '1] x'; expected end of input"}));
  // Bytes that are not UTF-8 are shown as hex, so that the message is text.
  CHECK(parse_problems("{\"name\": \"caf\xE9\"}") ==
        lines({"[malformed-json] line 1, column 15: malformed JSON: syntax error while parsing value - invalid "
               "string: ill-formed UTF-8 byte; last read: '\"caf<0xE9>\"'"}));
  CHECK(parse_problems("\xFF\xFE{\0}\0") ==
        lines({"[malformed-json] line 1, column 1: malformed JSON: the text is UTF-16 (it starts with a UTF-16 "
               "byte order mark); save it as UTF-8"}));
  CHECK(parse_problems("\xEF\xBB\xBF{}") == "");  // a UTF-8 byte order mark is allowed
  try {
    braid::parse_json_text("[1, 2");
    FAIL("no throw");
  } catch (const SpecError& e) {
    REQUIRE(e.problems().size() == 1);
    CHECK(e.problems()[0].pointer == "");
    CHECK(e.problems()[0].code == "malformed-json");
    CHECK(std::string(e.what()) ==
          "line 1, column 6: malformed JSON: syntax error while parsing array - unexpected end of input; expected ']'");
  }
}

TEST_CASE("parse_json_text: duplicate keys are all reported, with their pointers") {
  CHECK(parse_problems(R"({"nodes": {"split": {"kind": "a"}, "split": {"kind": "b"}}})") ==
        lines({"[duplicate-key] /nodes/split: duplicate key 'split'"}));
  CHECK(parse_problems(R"({"a": 1, "e": [0, {"x": 1, "x": {"y": 1, "y": 2}}], "a/b~": 1, "a/b~": 2, "a": 3})") ==
        lines({"[duplicate-key] /e/1/x: duplicate key 'x'", "[duplicate-key] /e/1/x/y: duplicate key 'y'",
               "[duplicate-key] /a~1b~0: duplicate key 'a/b~'", "[duplicate-key] /a: duplicate key 'a'"}));
  // Equal keys in different objects are fine.
  CHECK(parse_problems(R"({"a": {"k": 1}, "b": {"k": 1}, "c": [{"k": 1}, {"k": 2}]})") == "");
}

TEST_CASE("parse_json_text: nesting deeper than 256 levels") {
  CHECK(parse_problems(nested_arrays(256)) == "");
  CHECK(parse_problems(nested_arrays(257)) ==
        lines({"[malformed-json] line 1, column 257: nesting deeper than 256 levels"}));
  std::string objects;
  for (int i = 0; i < 300; ++i) objects += "{\"a\": ";
  CHECK(parse_problems("\n  " + objects) ==
        lines({"[malformed-json] line 2, column 1539: nesting deeper than 256 levels"}));
  // Brackets inside strings do not count.
  CHECK(parse_problems("[\"[[[\\\"[[\", " + std::string(256, '[') + "]") ==
        lines({"[malformed-json] line 1, column 268: nesting deeper than 256 levels"}));
  // Far deeper input is refused the same way, without exhausting the stack.
  CHECK(parse_problems(nested_arrays(100000)) ==
        lines({"[malformed-json] line 1, column 257: nesting deeper than 256 levels"}));
  CHECK(load_problems(std::string(100000, '[')) ==
        lines({"[malformed-json] line 1, column 257: nesting deeper than 256 levels"}));
}

TEST_CASE("read_text_file and load_spec_file") {
  TempDir dir;
  const std::string path = (dir.path / "p.json").string();
  {
    std::ofstream out(path, std::ios::binary);
    out << doc("\"name\": \"from a file\"");
  }
  CHECK(braid::read_text_file(path) == doc("\"name\": \"from a file\""));
  CHECK(braid::load_spec_file(path).name == "from a file");

  const std::string missing = (dir.path / "missing.json").string();
  CHECK(problems_of([&] { braid::read_text_file(missing); }) ==
        "[unreadable-file] cannot read pipeline file '" + missing + "': No such file or directory\n");
  CHECK(problems_of([&] { braid::load_spec_file(missing); }) ==
        "[unreadable-file] cannot read pipeline file '" + missing + "': No such file or directory\n");
  CHECK(problems_of([&] { braid::load_spec_file(dir.path.string()); }) ==
        "[unreadable-file] cannot read pipeline file '" + dir.path.string() + "': Is a directory\n");
}

TEST_CASE("load_spec reads a pipeline") {
  PipelineSpec spec = braid::load_spec(R"({
    "braid": 1,
    "name": "seed-sum",
    "description": "Sum of 1..10 in 4 chunks",
    "threads": 4,
    "max_in_flight": 16,
    "resources": {"disk": {"capacity": 2}, "net": {}},
    "outputs": ["result"],
    "nodes": {
      "numbers": { "kind": "source.values", "params": { "values": [1, 2, 3] }, "description": "input" },
      "split":   { "kind": "split", "params": { "chunks": 4 }, "concurrency": "serial" },
      "partial": { "kind": "reduce.sum", "concurrency": "unlimited", "uses": ["disk", "net"] },
      "total":   { "kind": "gather.sum", "concurrency": 3 },
      "result":  { "kind": "sink.output" }
    },
    "edges": [ "numbers -> split -> partial", "partial.out -> total.in", "total -> result" ]
  })");
  CHECK(spec.version == 1);
  CHECK(spec.name == "seed-sum");
  CHECK(spec.description == "Sum of 1..10 in 4 chunks");
  CHECK(spec.threads == 4);
  CHECK(spec.max_in_flight == std::optional<std::size_t>(16));
  CHECK(spec.resources.at("disk").capacity == 2);
  CHECK(spec.resources.at("net").capacity == 1);
  CHECK(spec.outputs == std::vector<std::string>{"result"});
  CHECK(ids(spec) == std::vector<std::string>{"numbers", "split", "partial", "total", "result"});
  CHECK(spec.nodes[0].params.get<std::vector<std::int64_t>>("values") == std::vector<std::int64_t>{1, 2, 3});
  CHECK(spec.nodes[0].description == "input");
  CHECK_FALSE(spec.nodes[0].concurrency.has_value());
  CHECK(spec.nodes[1].concurrency == std::optional<Concurrency>(Concurrency::serial()));
  CHECK(spec.nodes[2].concurrency == std::optional<Concurrency>(Concurrency::unlimited()));
  CHECK(spec.nodes[2].uses == std::vector<std::string>{"disk", "net"});
  CHECK(spec.nodes[3].concurrency == std::optional<Concurrency>(Concurrency::limit(3)));
  REQUIRE(spec.edges.size() == 4);
  CHECK(spec.edges[0].from.to_string() == "numbers");
  CHECK(spec.edges[0].to.to_string() == "split");
  CHECK(spec.edges[1].pointer == "/edges/0");
  CHECK(spec.edges[2].from.to_string() == "partial.out");
  CHECK(spec.edges[2].to.to_string() == "total.in");
  CHECK(spec.edges[2].pointer == "/edges/1");
  CHECK(spec.edges[3].pointer == "/edges/2");
}

TEST_CASE("structure: the document and its version") {
  CHECK(load_problems("[1]") == lines({"[bad-type] a pipeline must be a JSON object, got an array"}));
  CHECK(load_problems("\"x\"") == lines({"[bad-type] a pipeline must be a JSON object, got \"x\""}));
  CHECK(load_problems(R"({"nodes": {"a": {"kind": "k"}}, "edges": []})") ==
        lines({"[missing-version] /braid: missing format version: add \"braid\": 1"}));
  CHECK(load_problems(R"({"braid": "1", "nodes": {"a": {"kind": "k"}}, "edges": []})") ==
        lines({"[bad-type] /braid: must be the integer 1, got \"1\""}));
  CHECK(load_problems(R"({"braid": 1.0, "nodes": {"a": {"kind": "k"}}, "edges": []})") ==
        lines({"[bad-type] /braid: must be the integer 1, got 1.0"}));
  CHECK(load_problems(R"({"braid": -1, "nodes": {"a": {"kind": "k"}}, "edges": []})") ==
        lines({"[unsupported-version] /braid: format version -1 does not exist (this braid reads 1)"}));
  CHECK(load_problems(R"({"braid": 0, "nodes": {"a": {"kind": "k"}}, "edges": []})") ==
        lines({"[unsupported-version] /braid: format version 0 does not exist (this braid reads 1)"}));
  // A newer version may mean anything else: nothing more is read.
  CHECK(load_problems(R"({"braid": 2, "nodes": 3, "wires": []})") ==
        lines({"[unsupported-version] /braid: format version 2 is newer than this braid reads (1)"}));
  CHECK(
      load_problems(R"({"braid": 18446744073709551615})") ==
      lines({"[unsupported-version] /braid: format version 18446744073709551615 is newer than this braid reads (1)"}));
}

TEST_CASE("structure: top-level keys") {
  CHECK(load_problems(R"({"braid": 1})") == lines({"[missing-key] /nodes: missing required key 'nodes'",
                                                   "[missing-key] /edges: missing required key 'edges'"}));
  CHECK(load_problems(R"({"braid": 1, "nodes": {}, "edges": []})") ==
        lines({"[empty] /nodes: a pipeline needs at least one node"}));
  CHECK(load_problems(doc(R"("nodez": 1, "x/y": 2)")) ==
        lines({"[unknown-key] /nodez: unknown key (did you mean 'nodes'?)",
               "[unknown-key] /x~1y: unknown key (expected one of: braid, name, description, threads, "
               "max_in_flight, resources, outputs, nodes, edges)"}));
  CHECK(
      load_problems(doc(R"("name": 1, "description": ["a"])")) ==
      lines({"[bad-type] /name: must be a string, got 1", "[bad-type] /description: must be a string, got an array"}));
  CHECK(load_problems(doc(R"("threads": -1, "max_in_flight": 0)")) ==
        lines({"[bad-type] /threads: must be a non-negative integer, got -1",
               "[bad-type] /max_in_flight: must be a positive integer, got 0"}));
  CHECK(load_problems(doc(R"("threads": 2.5, "max_in_flight": "10")")) ==
        lines({"[bad-type] /threads: must be a non-negative integer, got 2.5",
               "[bad-type] /max_in_flight: must be a positive integer, got \"10\""}));
  CHECK(braid::load_spec(doc(R"("threads": 0)")).threads == 0);
}

TEST_CASE("structure: resources and outputs") {
  CHECK(load_problems(doc(R"("resources": [])")) == lines({"[bad-type] /resources: must be an object, got an array"}));
  CHECK(load_problems(doc(R"("resources": {"disk": 1, "net": {"capacity": 0}, "gpu": {"capacity": 1, "cap": 2}})")) ==
        lines({"[bad-type] /resources/disk: must be an object, got 1",
               "[bad-type] /resources/net/capacity: must be a positive integer, got 0",
               "[unknown-key] /resources/gpu/cap: unknown key (expected: capacity)"}));
  CHECK(load_problems(doc(R"("outputs": "b")")) ==
        lines({"[bad-type] /outputs: must be an array of node ids, got \"b\""}));
  CHECK(load_problems(doc(R"("outputs": ["b", 3, null])")) ==
        lines({"[bad-type] /outputs/1: must be a node id string, got 3",
               "[bad-type] /outputs/2: must be a node id string, got null"}));
}

TEST_CASE("structure: nodes") {
  CHECK(load_problems(R"({"braid": 1, "nodes": [], "edges": []})") ==
        lines({"[bad-type] /nodes: must be an object, got an array"}));
  CHECK(load_problems(with_node("[]")) == lines({"[bad-type] /nodes/x: must be an object, got an array"}));
  CHECK(load_problems(with_node("{}")) == lines({"[missing-key] /nodes/x/kind: missing required key 'kind'"}));
  CHECK(load_problems(with_node(R"({"kind": 3, "params": [1], "uses": "disk", "description": false})")) ==
        lines({"[bad-type] /nodes/x/kind: must be a string, got 3",
               "[bad-type] /nodes/x/params: must be an object, got an array",
               "[bad-type] /nodes/x/uses: must be an array of resource names, got \"disk\"",
               "[bad-type] /nodes/x/description: must be a string, got false"}));
  CHECK(load_problems(with_node(R"({"kind": "k", "uses": ["disk", {}]})")) ==
        lines({"[bad-type] /nodes/x/uses/1: must be a resource name string, got an object"}));
  CHECK(load_problems(with_node(R"({"kind": "k", "parms": {}, "size": 1})")) ==
        lines({"[unknown-key] /nodes/x/parms: unknown key (did you mean 'params'?)",
               "[unknown-key] /nodes/x/size: unknown key (expected one of: kind, params, concurrency, uses, "
               "description, ordered, max_in_flight)"}));
  CHECK(load_problems(with_node(R"({"kind": "k", "ordered": 1, "max_in_flight": 0})")) ==
        lines({"[bad-type] /nodes/x/ordered: must be true or false, got 1",
               "[bad-type] /nodes/x/max_in_flight: must be a positive integer, got 0"}));

  SUBCASE("concurrency") {
    for (const char* bad : {"0", "-1", "1.5", "\"fast\"", "true", "[]"}) {
      CAPTURE(bad);
      CHECK(load_problems(with_node(std::string(R"({"kind": "k", "concurrency": )") + bad + "}")) ==
            "[bad-concurrency] /nodes/x/concurrency: must be \"serial\", \"unlimited\" or a positive integer, " +
                braid::param::describe(nlohmann::json::parse(bad)) + "\n");
    }
    CHECK(load_problems(with_node(R"({"kind": "k", "concurrency": 0})")) ==
          lines({"[bad-concurrency] /nodes/x/concurrency: must be \"serial\", \"unlimited\" or a positive integer, "
                 "got 0"}));
  }

  SUBCASE("ids") {
    CHECK(load_problems(R"({"braid": 1, "nodes": {"my node": {"kind": "k"}, "": {"kind": "k"}, "9x": {"kind": "k"},
                          "a/b": {"kind": "k"}, "ok-id_2": {"kind": "k"}}, "edges": []})") ==
          lines({"[bad-id] /nodes/my node: invalid node id 'my node': ids match [A-Za-z_][A-Za-z0-9_-]*",
                 "[bad-id] /nodes/: invalid node id '': ids match [A-Za-z_][A-Za-z0-9_-]*",
                 "[bad-id] /nodes/9x: invalid node id '9x': ids match [A-Za-z_][A-Za-z0-9_-]*",
                 "[bad-id] /nodes/a~1b: invalid node id 'a/b': ids match [A-Za-z_][A-Za-z0-9_-]*"}));
    // A node with a bad id is skipped.
    std::vector<Problem> problems;
    PipelineSpec spec = braid::spec_from_json(
        braid::parse_json_text(R"({"braid": 1, "nodes": {"a b": {"kind": "k"}, "c": {"kind": "k"}}, "edges": []})"),
        problems);
    CHECK(problems.size() == 1);
    CHECK(ids(spec) == std::vector<std::string>{"c"});
  }

  SUBCASE("nodes keep document order") {
    PipelineSpec spec = braid::load_spec(
        R"({"braid": 1, "nodes": {"zeta": {"kind": "k"}, "alpha": {"kind": "k"}, "mid": {"kind": "k"}}, "edges": []})");
    CHECK(ids(spec) == std::vector<std::string>{"zeta", "alpha", "mid"});
  }
}

TEST_CASE("structure: edges") {
  CHECK(load_problems(R"({"braid": 1, "nodes": {"a": {"kind": "k"}}, "edges": "a -> b"})") ==
        lines({"[bad-type] /edges: must be an array of strings, got \"a -> b\""}));
  CHECK(load_problems(R"({"braid": 1, "nodes": {"a": {"kind": "k"}}, "edges": [["a", "b"], "a -> a"]})") ==
        lines({"[bad-type] /edges/0: must be a string, as in \"a -> b\", got an array"}));
  CHECK(load_problems(R"({"braid": 1, "nodes": {"a": {"kind": "k"}},
                          "edges": ["a", "a -> ", "a -> b.c.d", "a -> b -> c"]})") ==
        lines({"[bad-edge] /edges/0: malformed edge 'a': an edge needs two endpoints, as in 'a -> b'",
               "[bad-edge] /edges/1: malformed edge 'a -> ': empty endpoint",
               "[bad-edge] /edges/2: malformed edge 'a -> b.c.d': 'b.c.d' is not a node or node.port"}));
}

TEST_CASE("structure: every problem at once, in a fixed order") {
  // Top-level keys in the order braid, name, description, threads,
  // max_in_flight, resources, outputs, nodes, edges, then unknown keys in
  // document order; inside a node: kind, params, concurrency, uses,
  // description, then unknown keys.
  CHECK(load_problems(R"({
    "edges": ["a ->"],
    "extra": true,
    "nodes": {"b": {"uses": [1], "kind": "k", "concurrency": "many"}, "a": {"kind": 1}},
    "threads": "all",
    "name": 7
  })") == lines({"[missing-version] /braid: missing format version: add \"braid\": 1",
                 "[bad-type] /name: must be a string, got 7",
                 "[bad-type] /threads: must be a non-negative integer, got \"all\"",
                 "[bad-concurrency] /nodes/b/concurrency: must be \"serial\", \"unlimited\" or a positive integer, "
                 "got \"many\"",
                 "[bad-type] /nodes/b/uses/0: must be a resource name string, got 1",
                 "[bad-type] /nodes/a/kind: must be a string, got 1",
                 "[bad-edge] /edges/0: malformed edge 'a ->': empty endpoint",
                 "[unknown-key] /extra: unknown key (expected one of: braid, name, description, threads, "
                 "max_in_flight, resources, outputs, nodes, edges)"}));
}

TEST_CASE("spec_from_json appends problems and keeps what it could read") {
  std::vector<Problem> problems{{"", "earlier", "kept"}};
  PipelineSpec spec = braid::spec_from_json(
      braid::parse_json_text(R"({"braid": 1, "name": 3, "nodes": {"a": {"kind": "k"}}, "edges": ["a -> a", 1]})"),
      problems);
  CHECK(render(problems) == lines({"[earlier] kept", "[bad-type] /name: must be a string, got 3",
                                   "[bad-type] /edges/1: must be a string, as in \"a -> b\", got 1"}));
  CHECK(ids(spec) == std::vector<std::string>{"a"});
  CHECK(spec.edges.size() == 1);

  // A plain nlohmann::json document works too; its nodes come ordered by id.
  problems.clear();
  nlohmann::json plain = {
      {"braid", 1}, {"nodes", {{"z", {{"kind", "k"}}}, {"a", {{"kind", "k"}}}}}, {"edges", {"z -> a"}}};
  spec = braid::spec_from_json(plain, problems);
  CHECK(problems.empty());
  CHECK(ids(spec) == std::vector<std::string>{"a", "z"});
}

TEST_CASE("load_valid_spec reports structural and validation problems together") {
  const braid::Registry registry = test_registry();
  PipelineSpec spec = braid::load_valid_spec(
      R"({"braid": 1, "nodes": {"t": {"kind": "source.text"}, "u": {"kind": "upper"}, "r": {"kind": "sink.output"}},
          "edges": ["t -> u -> r"]})",
      registry);
  CHECK(ids(spec) == std::vector<std::string>{"t", "u", "r"});

  auto problems = [&](std::string_view text) { return problems_of([&] { braid::load_valid_spec(text, registry); }); };
  CHECK(
      problems(R"({"braid": 1, "name": 1, "nodes": {"t": {"kind": "source.txt"}, "u": {"kind": "upper",
                     "params": {"ascii": 1}}, "r": {"kind": "sink.output"}}, "edges": ["t -> u -> r", "u -> t"]})") ==
      lines({"[bad-type] /name: must be a string, got 1",
             "[unknown-kind] /nodes/t/kind: unknown kind 'source.txt' (did you mean 'source.text'?)",
             "[bad-param] /nodes/u/params/ascii: must be true or false, got 1", "[cycle] /edges: cycle: t -> u -> t"}));
  // What only echoes a structural problem is left out: a kind-less node is
  // not "missing 'kind'" twice, a bad params object is not "unknown params".
  CHECK(problems(R"({"braid": 1, "nodes": {"t": {"kind": 1}, "u": {"kind": "upper", "params": 2},
                     "r": {"kind": "sink.output"}}, "edges": ["t -> u -> r"]})") ==
        lines({"[bad-type] /nodes/t/kind: must be a string, got 1",
               "[bad-type] /nodes/u/params: must be an object, got 2"}));
  // An unreadable edge: no "not connected" for what it may have connected.
  CHECK(problems(R"({"braid": 1, "nodes": {"t": {"kind": "source.text"}, "u": {"kind": "upper"},
                     "r": {"kind": "sink.output"}}, "edges": ["t -> u", "u ->> r"]})") ==
        lines({"[bad-edge] /edges/1: malformed edge 'u ->> r': '> r' is not a node or node.port"}));
  // A node with a bad id is skipped: an edge to it names an unknown node.
  CHECK(problems(R"({"braid": 1, "nodes": {"t": {"kind": "source.text"}, "r r": {"kind": "sink.output"}},
                     "edges": ["t -> r"]})") ==
        lines({"[bad-id] /nodes/r r: invalid node id 'r r': ids match [A-Za-z_][A-Za-z0-9_-]*",
               "[unknown-node] /edges/0: unknown node 'r'"}));
  CHECK(problems(
            R"({"braid": 1, "nodes": {"t": {"kind": "source.text"}, "u": {"kind": "upper"}}, "edges": ["t -> u"]})") ==
        lines({"[unconnected-output] /nodes/u: output 'out' is not connected; its results would be lost"}));
  CHECK(problems(R"({"braid": 1, "edges": ["t -> u"]})") ==
        lines({"[missing-key] /nodes: missing required key 'nodes'"}));
  CHECK(problems(R"({"braid": 3, "nodes": {"t": {"kind": "nothing"}}, "edges": []})") ==
        lines({"[unsupported-version] /braid: format version 3 is newer than this braid reads (1)"}));
  CHECK(problems("{") ==
        lines({"[malformed-json] line 1, column 2: malformed JSON: syntax error while parsing object key - unexpected "
               "end of input; expected string literal"}));
  // Structural and validation problems together come in document order.
  CHECK(problems(R"({"extra": 1, "nodes": {"t": {"kind": "source.txt"}, "u": {"kind": "upper", "params": {"ascii": 1},
                     "x": 2}, "r": {"kind": "sink.output", "uses": [3]}}, "edges": ["t -> u -> r", "r -> q"],
                     "braid": 1, "name": 1})") ==
        lines({"[unknown-key] /extra: unknown key (expected one of: braid, name, description, threads, "
               "max_in_flight, resources, outputs, nodes, edges)",
               "[unknown-kind] /nodes/t/kind: unknown kind 'source.txt' (did you mean 'source.text'?)",
               "[bad-param] /nodes/u/params/ascii: must be true or false, got 1",
               "[unknown-key] /nodes/u/x: unknown key (expected one of: kind, params, concurrency, uses, description, "
               "ordered, max_in_flight)",
               "[bad-type] /nodes/r/uses/0: must be a resource name string, got 3",
               "[unknown-port] /edges/1: node 'r' (sink.output) has no output port",
               "[unknown-node] /edges/1: unknown node 'q'", "[bad-type] /name: must be a string, got 1"}));
  // A missing key comes first in its object.
  CHECK(problems(R"({"nodes": {"t": {"kind": "source.text"}, "u": {"params": {"ascii": 1}}}, "edges": ["t -> u"]})") ==
        lines({"[missing-version] /braid: missing format version: add \"braid\": 1",
               "[missing-key] /nodes/u/kind: missing required key 'kind'"}));
}

TEST_CASE("valid_spec_from_json validates a parsed document") {
  const braid::Registry registry = test_registry();
  auto document = braid::parse_json_text(
      R"({"braid": 1, "nodes": {"t": {"kind": "source.text"}, "r": {"kind": "sink.output"}}, "edges": ["t -> r"]})");
  CHECK(ids(braid::valid_spec_from_json(document, registry)) == std::vector<std::string>{"t", "r"});
  document["nodes"]["r"]["kind"] = "sink.outptu";
  CHECK(problems_of([&] { braid::valid_spec_from_json(document, registry); }) ==
        lines({"[unknown-kind] /nodes/r/kind: unknown kind 'sink.outptu' (did you mean 'sink.output'?)"}));
}

TEST_CASE("spec_to_json writes what spec_from_json reads back") {
  PipelineSpec spec = braid::PipelineBuilder("round/trip ~")
                          .description("every field")
                          .threads(3)
                          .max_in_flight(5)
                          .resource("disk", 2)
                          .resource("net", 1)
                          .output("result")
                          .node("zeta", "source.values")
                          .param("values", std::vector<double>{1.5, 2})
                          .param("flag", true)
                          .param_json("nested", R"({"b": [1, {"c": null}], "a": "x"})")
                          .node_description("the items")
                          .concurrency(Concurrency::serial())
                          .node("alpha", "split")
                          .param("chunks", 4)
                          .concurrency(Concurrency::limit(7))
                          .uses("disk")
                          .uses("net")
                          .node("mid", "reduce.sum")
                          .concurrency(Concurrency::unlimited())
                          .node("result", "sink.output")
                          .edge("zeta -> alpha.in")
                          .edge("alpha.out -> mid")
                          .edge(braid::Endpoint{"mid", ""}, braid::Endpoint{"result", "in"})
                          .build();
  auto json = braid::spec_to_json(spec);
  CHECK(json.dump() ==
        R"({"braid":1,"name":"round/trip ~","description":"every field","threads":3,"max_in_flight":5,)"
        R"("resources":{"disk":{"capacity":2},"net":{"capacity":1}},"outputs":["result"],)"
        R"("nodes":{"zeta":{"kind":"source.values","params":{"flag":true,"nested":{"a":"x","b":[1,{"c":null}]},)"
        R"("values":[1.5,2.0]},"concurrency":"serial","description":"the items"},)"
        R"("alpha":{"kind":"split","params":{"chunks":4},"concurrency":7,"uses":["disk","net"]},)"
        R"("mid":{"kind":"reduce.sum","concurrency":"unlimited"},"result":{"kind":"sink.output"}},)"
        R"("edges":["zeta -> alpha.in","alpha.out -> mid","mid -> result.in"]})");

  std::vector<Problem> problems;
  check_same(braid::spec_from_json(json, problems), spec);
  CHECK(problems.empty());
  check_same(braid::load_spec(json.dump(2)), spec);

  // A minimal spec writes only what it must.
  PipelineSpec small = braid::PipelineBuilder().node("a", "k").build();
  CHECK(braid::spec_to_json(small).dump() == R"({"braid":1,"nodes":{"a":{"kind":"k"}},"edges":[]})");
  check_same(braid::load_spec(braid::spec_to_json(small).dump()), small);
}

TEST_CASE("100,000 nodes load in document order") {
  const int n = 100000;
  std::string text = R"({"braid": 1, "nodes": {)";
  for (int i = n - 1; i >= 0; --i) text += "\"n" + std::to_string(i) + "\": {\"kind\": \"identity\"}" + (i ? "," : "");
  text += R"(}, "edges": [)";
  for (int i = n - 1; i > 0; --i)
    text += "\"n" + std::to_string(i) + " -> n" + std::to_string(i - 1) + "\"" + (i > 1 ? "," : "");
  text += "]}";
  auto start = std::chrono::steady_clock::now();
  PipelineSpec spec = braid::load_spec(text);
  REQUIRE(spec.nodes.size() == static_cast<std::size_t>(n));
  CHECK(spec.nodes.front().id == "n99999");
  CHECK(spec.nodes.back().id == "n0");
  CHECK(spec.edges.size() == static_cast<std::size_t>(n - 1));
  auto json = braid::spec_to_json(spec);
  CHECK(json["nodes"].size() == static_cast<std::size_t>(n));
  MESSAGE("load_spec and spec_to_json of "
          << n << " nodes: " << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()
          << " s");
  // A duplicate among them is found.
  text.insert(text.find("\"n5\":"), "\"n7\": {}, ");
  CHECK(parse_problems(text) == lines({"[duplicate-key] /nodes/n7: duplicate key 'n7'"}));
}
