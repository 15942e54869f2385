#pragma once
/// \file
/// The whole public API of braid in one include (all but `<braid/plugin.hpp>`,
/// which a plugin includes on its own).
///
/// ```cpp
/// #include <braid/braid.hpp>
///
/// int main() {
///   braid::Registry registry;
///   braid::register_builtin_kinds(registry);
///   braid::PipelineSpec spec = braid::load_spec_file("seed.json");
///   braid::Result result = braid::run(spec, registry);   // validates, then runs
///   std::puts(braid::outputs_to_json_text(result).c_str());   // {"result": 55}
/// }
/// ```
///
/// Including it does not pull in oneTBB nor `<nlohmann/json.hpp>` (only
/// `<nlohmann/json_fwd.hpp>`): a test checks it, and docs/install.md gives
/// the compile time of a file that includes it.

/// \namespace braid
/// braid's public API. Names in `braid::detail` are internals: never name them.
#include <braid/error.hpp>
#include <braid/input_file.hpp>
#include <braid/json.hpp>
#include <braid/message.hpp>
#include <braid/observe.hpp>
#include <braid/pipeline.hpp>
#include <braid/progress.hpp>
#include <braid/registry.hpp>
#include <braid/runtime.hpp>
#include <braid/spec.hpp>
#include <braid/stats.hpp>
#include <braid/trace.hpp>
#include <braid/value.hpp>
#include <braid/version.hpp>
