// Private: what validating a spec learned that building its graph uses
// again, so that the runtime's compiler does not compute it a second time.
#pragma once

#include <braid/registry.hpp>
#include <braid/spec.hpp>

#include "spec/id_index.hpp"

#include <cstddef>
#include <vector>

namespace braid::detail {

/// What validate_and_index() hands the compiler. Valid while the spec it was
/// made from lives, unchanged.
struct Validated {
  IdIndex index;                  ///< every node's id
  std::vector<std::size_t> ends;  ///< index.ends() of the spec's edges
  /// Per node: the ports its kind's dynamic_inputs gave (none for a kind without).
  std::vector<std::vector<PortSpec>> dynamic_inputs;
  /// Per node: its kind in the registry validated against.
  std::vector<const Kind*> kinds;
};

/// validate(spec, registry), returning what it learned. Throws
/// braid::SpecError as validate() does.
Validated validate_and_index(const PipelineSpec& spec, const Registry& registry);

}  // namespace braid::detail
