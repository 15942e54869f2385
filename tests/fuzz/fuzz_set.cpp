// Fuzz target: `--set NODE.PARAM=JSON` overrides, as `braid run FILE --set ...`
// applies them to the pipeline document before validation.
//
//   cmake/fuzz.sh                       (builds it with libFuzzer and runs it)
//   build-fuzz/tests/fuzz/fuzz_set tests/fuzz/corpus/set -dict=tests/fuzz/set.dict
//
// The input is one --set argument per line, applied in order to
// tests/fuzz/set-base.json through braid::cli::load_document (the closest
// public function to the CLI's parser, which is private to apps/braid/cli.cpp),
// then validated with valid_spec_from_json against the built-in kinds.
// What must hold: load_document throws only braid::SpecError or the CLI's
// usage error (a braid::Error whose message starts with "--set '");
// validation throws only braid::SpecError; nothing crashes.
#include "tools.hpp"

#include <braid/error.hpp>
#include <braid/json.hpp>
#include <braid/registry.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#ifndef BRAID_FUZZ_SET_BASE
#error "BRAID_FUZZ_SET_BASE: the path of the pipeline the --set lines apply to"
#endif

namespace {

const braid::Registry& builtin_registry() {
  static const braid::Registry registry = [] {
    braid::Registry r;
    braid::register_builtin_kinds(r);
    return r;
  }();
  return registry;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> sets;
  for (std::size_t begin = 0; begin <= text.size();) {
    std::size_t end = text.find('\n', begin);
    if (end == std::string_view::npos) end = text.size();
    sets.emplace_back(text.substr(begin, end - begin));
    begin = end + 1;
  }

  nlohmann::ordered_json doc;
  try {
    doc = braid::cli::load_document(BRAID_FUZZ_SET_BASE, sets);
  } catch (const braid::SpecError&) {
    return 0;
  } catch (const braid::Error& e) {
    if (std::string_view(e.what()).rfind("--set '", 0) == 0) return 0;  // the CLI's usage error
    std::fprintf(stderr, "fuzz_set: load_document threw an unexpected braid::Error: %s\n", e.what());
    std::abort();
  }
  try {
    (void)braid::valid_spec_from_json(doc, builtin_registry());
  } catch (const braid::SpecError&) {
  }
  return 0;
}
