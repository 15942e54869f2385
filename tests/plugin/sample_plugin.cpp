// A sample plugin for the tests: adds `plugin.triple`, a map kind from int64
// to int64. Built twice: as is, and with SAMPLE_PLUGIN_ABI=3 defined, which
// makes it look built against a braid of another ABI.
//
//   numbers ──> split ──> partial ──> triple ──> total ──> result
//   (tests/plugin/data/triple.json: 3 × (1 + ... + 10) = 165)
#include <braid/plugin.hpp>

#include <cstdint>

#ifdef SAMPLE_PLUGIN_ABI
#undef BRAID_ABI_VERSION
#define BRAID_ABI_VERSION SAMPLE_PLUGIN_ABI
#endif

BRAID_PLUGIN(registry) {
  registry.add(braid::map_kind("plugin.triple", "Three times an int64 (from the sample plugin)",
                               [](std::int64_t x) { return 3 * x; }));
}
