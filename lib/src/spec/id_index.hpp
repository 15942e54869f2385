// Private: node ids to their index in PipelineSpec::nodes, for the layers that
// look an id up per edge (validation, the runtime's compiler).
#pragma once

#include <braid/spec.hpp>

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

namespace braid::detail {

/// Node ids to their index in a spec's nodes: open addressing over (hash,
/// index) slots, at most half full, so a lookup reads a slot or two and the
/// id itself only where the hash matches. On a 1,000,000-node pipeline a
/// std::unordered_map's lookup missed the cache three times (bucket, node,
/// key) and a std::map's twenty.
class IdIndex {
 public:
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

  /// An empty index for `nodes` (borrowed: it must outlive the index).
  explicit IdIndex(const std::vector<NodeSpec>& nodes) : nodes_(nodes) {
    std::size_t size = 16;
    while (size < nodes.size() * 2) size <<= 1;
    slots_.assign(size, Slot{0, kNone});
    mask_ = size - 1;
  }

  /// Adds `nodes[index]` under its id; false, adding nothing, when a node
  /// with that id is there already.
  bool insert(std::size_t index) {
    const std::string_view id = nodes_[index].id;
    const std::uint64_t h = std::hash<std::string_view>{}(id);
    for (std::size_t s = h & mask_;; s = (s + 1) & mask_) {
      Slot& slot = slots_[s];
      if (slot.index == kNone) {
        slot = Slot{h, index};
        return true;
      }
      if (slot.hash == h && nodes_[slot.index].id == id) return false;
    }
  }

  /// The index of the node with `id`, or kNone.
  std::size_t find(std::string_view id) const {
    const std::uint64_t h = std::hash<std::string_view>{}(id);
    for (std::size_t s = h & mask_;; s = (s + 1) & mask_) {
      const Slot& slot = slots_[s];
      if (slot.index == kNone) return kNone;
      if (slot.hash == h && nodes_[slot.index].id == id) return slot.index;
    }
  }

 private:
  struct Slot {
    std::uint64_t hash;
    std::size_t index;  // kNone: empty
  };
  const std::vector<NodeSpec>& nodes_;
  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
};

}  // namespace braid::detail
