// thread_count_app: the braid CLI plus one kind whose result depends on the
// number of threads, so that the tests can check that `braid bench` refuses
// results that differ between thread counts.
//
//   numbers ──> split ──> threads ──> total ──> result   (chunks x threads)
#include <braid/braid.hpp>

#include <tbb/task_arena.h>

#include "cli.hpp"

int main(int argc, char** argv) {
  braid::Registry registry;
  braid::register_builtin_kinds(registry);
  registry.add(braid::map_kind(
      "test.arena_threads", "The thread count of the arena running it (its input is ignored)",
      [](braid::Slice<std::int64_t>) { return std::int64_t{tbb::this_task_arena::max_concurrency()}; }));
  return braid::cli::main(argc, argv, registry, "thread_count_app");
}
