// thread_count_app: the braid CLI plus test kinds: one whose result depends on
// the number of threads, so that the tests can check that `braid bench`
// refuses results that differ between thread counts; and faults to inject
// into a stream (a body that throws, or stalls, at a chosen value).
//
//   numbers ──> split ──> threads ──> total ──> result   (chunks x threads)
//   numbers ──> test.fault(at: 700) ──> out               (fails mid-stream)
#include <braid/braid.hpp>

#include <tbb/task_arena.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

namespace {

/// Passes int64 values on; at value `at` throws (mode "throw") or sleeps for
/// `seconds` (mode "stall").
class FaultBody final : public braid::MapBody {
 public:
  FaultBody(std::int64_t at, bool stall, double seconds) : at_(at), stall_(stall), seconds_(seconds) {}
  braid::Value apply(const braid::Value& in) override {
    const std::int64_t v = in.get<std::int64_t>();
    if (v == at_) {
      if (!stall_) throw std::runtime_error("value " + std::to_string(v) + " is the one that fails");
      std::this_thread::sleep_for(std::chrono::duration<double>(seconds_));
    }
    return in;
  }

 private:
  std::int64_t at_;
  bool stall_;
  double seconds_;
};

braid::Kind fault_kind() {
  braid::Kind k;
  k.name = "test.fault";
  k.doc = "Passes int64 values; at value `at` throws, or stalls for `seconds`";
  k.inputs = {braid::PortSpec{"in", {"int64"}, ""}};
  k.outputs = {braid::PortSpec{"out", {"int64"}, ""}};
  k.params = {braid::param::integer("at", "the value that fails", 0),
              braid::param::string("mode", "throw or stall", std::string("throw"), {"throw", "stall"}),
              braid::param::number("seconds", "how long a stall lasts", 3600.0)};
  k.make = [](const braid::NodeConfig& c) {
    return std::make_unique<FaultBody>(c.params.get_or<std::int64_t>("at", 0),
                                       c.params.get_or<std::string>("mode", "throw") == "stall",
                                       c.params.get_or<double>("seconds", 3600.0));
  };
  return k;
}

}  // namespace

#include "cli.hpp"

int main(int argc, char** argv) {
  braid::Registry registry;
  braid::register_builtin_kinds(registry);
  registry.add(braid::map_kind(
      "test.arena_threads", "The thread count of the arena running it (its input is ignored)",
      [](braid::Slice<std::int64_t>) { return std::int64_t{tbb::this_task_arena::max_concurrency()}; }));
  registry.add(fault_kind());
  return braid::cli::main(argc, argv, registry, "thread_count_app");
}
