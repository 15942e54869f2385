// Test helpers: small pipelines more than one test file runs.
#pragma once

#include <braid/registry.hpp>
#include <braid/spec.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace braid_test {

/// A registry of the built-in kinds, made once; thread-safe to read.
inline const braid::Registry& builtin_registry() {
  static const braid::Registry r = [] {
    braid::Registry reg;
    braid::register_builtin_kinds(reg);
    return reg;
  }();
  return r;
}

/// 2, 4, 6, 8, 10 split in 2; a sum and a count per chunk joined by tag into
/// {sum, count} records, gathered in chunk order into `result`.
inline braid::PipelineSpec chunk_sum_and_count() {
  braid::PipelineBuilder b("join");
  b.node("numbers", "source.values").param("values", std::vector<std::int64_t>{2, 4, 6, 8, 10});
  b.node("split", "split").param("chunks", 2);
  b.node("sum", "reduce.sum");
  b.node("count", "reduce.count");
  b.node("both", "join").param("ports", std::vector<std::string>{"sum", "count"});
  b.node("chunks", "gather.concat");
  b.node("result", "sink.output");
  b.edge("numbers -> split");
  b.edge("split -> sum -> both.sum");
  b.edge("split -> count -> both.count");
  b.edge("both -> chunks -> result");
  return b.build();
}

}  // namespace braid_test
