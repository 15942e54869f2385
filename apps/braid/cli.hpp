#pragma once
// The braid command line, reusable by apps that add their own kinds:
//
//   int main(int argc, char** argv) {
//     braid::Registry registry;
//     braid::register_builtin_kinds(registry);
//     registry.add(my_kind());
//     return braid::cli::main(argc, argv, registry, "myapp");
//   }
#include <braid/registry.hpp>

namespace braid::cli {

/// Exit codes of every braid command.
enum Exit : int {
  kOk = 0,
  kInvalid = 1,     ///< invalid pipeline, parameters or input data
  kUsage = 2,       ///< bad command line
  kNodeFailed = 3,  ///< a node threw, or results could not be completed
  kTimedOut = 124,  ///< `run --timeout` expired (as timeout(1))
  kInterrupted = 130,  ///< SIGINT (128 + 2)
  kTerminated = 143,   ///< SIGTERM (128 + 15)
};

/// Runs the command line `argv` against `registry`; returns the exit code.
/// Writes results to stdout and messages to stderr.
int main(int argc, char** argv, const Registry& registry, const char* program);

}  // namespace braid::cli
