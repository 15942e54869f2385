// A plugin built outside braid's tree: adds `example.double`.
//
//   numbers ──> split ──> partial ──> double ──> total ──> result   (double.json: 2 × 55)
#include <braid/plugin.hpp>

#include <cstdint>

BRAID_PLUGIN(registry) {
  registry.add(braid::map_kind("example.double", "Two times an int64", [](std::int64_t x) { return 2 * x; }));
}
