// Fuzz target: pipeline JSON text -> spec -> validation against the built-in
// kinds, the path every `braid run FILE` takes before anything runs.
//
//   cmake/fuzz.sh                       (builds it with libFuzzer and runs it)
//   build-fuzz/tests/fuzz/fuzz_spec tests/fuzz/corpus/spec -dict=tests/fuzz/spec.dict
//
// What must hold for any input, however malformed:
// - load_spec, load_valid_spec and valid_spec_from_json either return or throw
//   braid::SpecError; any other exception, a crash or a sanitizer report is a bug;
// - a spec that loads and validates is written out by spec_to_json as a
//   document that loads back to the same spec (json.hpp's round-trip contract)
//   and still validates.
#include <braid/error.hpp>
#include <braid/json.hpp>
#include <braid/registry.hpp>
#include <braid/spec.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

namespace {

const braid::Registry& builtin_registry() {
  static const braid::Registry registry = [] {
    braid::Registry r;
    braid::register_builtin_kinds(r);
    return r;
  }();
  return registry;
}

[[noreturn]] void fail(const char* what, const nlohmann::ordered_json& a, const nlohmann::ordered_json& b) {
  std::fprintf(stderr, "fuzz_spec: %s\n  first:  %s\n  second: %s\n", what, a.dump().c_str(), b.dump().c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const braid::Registry& registry = builtin_registry();

  // Structure only.
  try {
    braid::PipelineSpec spec = braid::load_spec(text);
    (void)braid::check(spec, registry);
  } catch (const braid::SpecError&) {
  }

  // Structure and validation, as the CLI does (parse, then convert and validate).
  braid::PipelineSpec valid;
  try {
    valid = braid::load_valid_spec(text, registry);
  } catch (const braid::SpecError&) {
    try {
      (void)braid::valid_spec_from_json(braid::parse_json_text(text), registry);
    } catch (const braid::SpecError&) {
      return 0;
    }
    std::fprintf(stderr, "fuzz_spec: load_valid_spec threw but valid_spec_from_json(parse_json_text) did not\n");
    std::abort();
  }

  // Round trip: written out and read back, the same spec, still valid.
  const nlohmann::ordered_json once = braid::spec_to_json(valid);
  std::vector<braid::Problem> problems;
  const braid::PipelineSpec back = braid::spec_from_json(once, problems);
  if (!problems.empty()) fail("spec_to_json wrote a document that spec_from_json reports problems in", once, once);
  const nlohmann::ordered_json twice = braid::spec_to_json(back);
  if (once != twice) fail("spec_from_json(spec_to_json(s)) differs from s", once, twice);
  braid::validate(back, registry);  // a SpecError here escapes: a bug
  return 0;
}
