// braid: run, validate and inspect pipelines written in JSON.
#include <braid/braid.hpp>

#include "cli.hpp"

int main(int argc, char** argv) {
  braid::Registry registry;
  braid::register_builtin_kinds(registry);
  return braid::cli::main(argc, argv, registry, "braid");
}
