// Private: what validating a spec learned that building its graph uses
// again, so that the runtime's compiler does not compute it a second time.
#pragma once

#include <braid/registry.hpp>
#include <braid/spec.hpp>

#include "spec/id_index.hpp"

#include <cstddef>
#include <memory>
#include <vector>

namespace braid::detail {

/// Each node's successors (the targets of its graph edges, in edge order) in
/// one array, a node's being a slice of it: the passes that walk the graph
/// read it in order, where a vector per node cost a cache miss per node (and
/// a malloc and a free per node for the compiler).
class Successors {
 public:
  /// No nodes.
  Successors() : start_(1, 0) {}
  /// The successors of nodes [0, nodes) along `edges` (each with `from` and `to`).
  template <class Edges>
  Successors(std::size_t nodes, const Edges& edges) : start_(nodes + 1, 0), to_(edges.size()) {
    for (const auto& e : edges) ++start_[e.from + 1];
    for (std::size_t v = 0; v < nodes; ++v) start_[v + 1] += start_[v];
    std::vector<std::size_t> next(start_.begin(), start_.end() - 1);
    for (const auto& e : edges) to_[next[e.from]++] = e.to;
  }

  /// Node v's successors, in edge order (one node twice where two edges lead to it).
  struct Slice {
    const std::size_t* first;
    const std::size_t* last;
    const std::size_t* begin() const { return first; }
    const std::size_t* end() const { return last; }
    std::size_t size() const { return static_cast<std::size_t>(last - first); }
    bool empty() const { return first == last; }
  };
  /// Node v's successors.
  Slice of(std::size_t v) const { return {to_.data() + start_[v], to_.data() + start_[v + 1]}; }

 private:
  std::vector<std::size_t> start_;  // node v's successors are to_[start_[v] .. start_[v + 1])
  std::vector<std::size_t> to_;
};

/// What validate_and_index() hands the compiler. Valid while the spec it was
/// made from lives, unchanged.
struct Validated {
  IdIndex index;                  ///< every node's id
  std::vector<std::size_t>
      ends;  ///< per edge e: the indexes of the nodes it connects, from at 2e, to at 2e + 1 (IdIndex::each_edge)
  /// Per node: its input ports, the kind's or those its dynamic_inputs gave.
  std::vector<const std::vector<PortSpec>*> inputs;
  /// The lists of ports dynamic_inputs gave, which `inputs` points into.
  std::vector<std::unique_ptr<std::vector<PortSpec>>> port_lists;
  /// Per node: its kind in the registry validated against.
  std::vector<const Kind*> kinds;
  /// Every node's successors, along the spec's edges in their order.
  Successors successors;
  /// The nodes in a topological order.
  std::vector<std::size_t> order;
  /// Per edge of the spec: the input port of its target that it feeds.
  std::vector<std::size_t> to_ports;
  /// Whether any node is ordered.
  bool any_ordered = false;
  /// The type arriving on each input port (nullptr: not known), node after
  /// node in declaration order, each node's ports in order.
  std::vector<const Type*> port_types;
  /// Per node: the type its output carries (nullptr: none, or not known).
  std::vector<const Type*> out_types;
};

/// validate(spec, registry), returning what it learned. Throws
/// braid::SpecError as validate() does.
Validated validate_and_index(const PipelineSpec& spec, const Registry& registry);

}  // namespace braid::detail
