// A braid consumer: one pipeline built in C++ with a kind of its own, one
// loaded from JSON text, both run; prints their results.
//
//   numbers ──> split ──> squares ──> total ──> result     (C++)
//   numbers ──> split ──> partial ──> total ──> result     (JSON)
#include <braid/braid.hpp>

#include <cstdint>
#include <iostream>
#include <numeric>
#include <vector>

int main() {
  braid::Registry registry;
  braid::register_builtin_kinds(registry);
  registry.add(braid::map_kind("consumer.squares", "Sum of the squares of a chunk", [](braid::Slice<std::int64_t> xs) {
    std::int64_t sum = 0;
    for (std::int64_t x : xs) sum += x * x;
    return sum;
  }));

  std::vector<std::int64_t> numbers(100);
  std::iota(numbers.begin(), numbers.end(), 1);
  const braid::PipelineSpec squares = braid::PipelineBuilder("squares")
                                          .node("numbers", "source.values")
                                          .param("values", numbers)
                                          .node("split", "split")
                                          .param("chunks", 4)
                                          .node("squares", "consumer.squares")
                                          .node("total", "gather.sum")
                                          .node("result", "sink.output")
                                          .edge("numbers -> split -> squares -> total -> result")
                                          .build();
  const braid::Result r = braid::run(squares, registry);
  std::cout << "sum of squares of 1..100: " << r.value("result").get<std::int64_t>() << '\n';

  const braid::PipelineSpec seed = braid::load_valid_spec(R"({
    "braid": 1,
    "nodes": {
      "numbers": { "kind": "source.values", "params": { "values": [1,2,3,4,5,6,7,8,9,10] } },
      "split":   { "kind": "split", "params": { "chunks": 4 } },
      "partial": { "kind": "reduce.sum" },
      "total":   { "kind": "gather.sum" },
      "result":  { "kind": "sink.output" }
    },
    "edges": [ "numbers -> split -> partial -> total -> result" ]
  })",
                                                          registry);
  braid::RunOptions options;
  options.threads = 2;
  std::cout << "seed: " << braid::outputs_to_json_text(braid::run(seed, registry, options)) << '\n';
  std::cout << "braid " << BRAID_VERSION_STRING << ", plugin ABI " << BRAID_ABI_VERSION << '\n';
  return 0;
}
