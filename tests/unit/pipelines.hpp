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

/// numbers 1, 2, 3, 4 split in two chunks, each chunk's sum into port `port`
/// of the node "join" (of kind `join_kind`), whose records' values
/// gather.sum totals into the sink "result". The caller adds the join's
/// other inputs.
inline braid::PipelineBuilder sums_into_join(const std::string& join_kind, const std::string& port) {
  braid::PipelineBuilder b("sums into a join");
  b.node("numbers", "source.values").param("values", std::vector<std::int64_t>{1, 2, 3, 4});
  b.node("split", "split").param("chunks", 2);
  b.node("sum", "reduce.sum");
  b.node("join", join_kind);
  b.node("total", "gather.sum");
  b.node("result", "sink.output");
  b.edge("numbers -> split");
  b.edge("split -> sum -> join." + port);
  b.edge("join -> total -> result");
  return b;
}

}  // namespace braid_test
