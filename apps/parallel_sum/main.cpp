// parallel_sum: the seed sample. The braid CLI plus one kind of its own,
// stats.mean, made from a plain C++ callable.
//
//   numbers ──> split ──┬─> reduce.sum ──> gather.sum ────┐
//                       └─> reduce.count ─> gather.count ──┴─> join ──> stats.mean ──> result
//
//   ./parallel_sum run pipelines/stats.json
#include <braid/braid.hpp>

#include "cli.hpp"

namespace {

/// A {sum, count} record to {sum, count, mean}.
braid::Record mean_of(const braid::Record& totals) {
  const std::int64_t sum = totals.at("sum").get<std::int64_t>();
  const std::int64_t count = totals.at("count").get<std::int64_t>();
  const double mean = count == 0 ? 0.0 : static_cast<double>(sum) / static_cast<double>(count);
  return braid::Record({{"sum", braid::Value::of(sum)},
                        {"count", braid::Value::of(count)},
                        {"mean", braid::Value::of(mean)}});
}

}  // namespace

int main(int argc, char** argv) {
  braid::Registry registry;
  braid::register_builtin_kinds(registry);
  registry.add(braid::map_kind("stats.mean", "A {sum, count} record (int64 fields) to {sum, count, mean}", mean_of));
  return braid::cli::main(argc, argv, registry, "parallel_sum");
}
