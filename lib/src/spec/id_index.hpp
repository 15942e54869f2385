// Private: node ids to their index in PipelineSpec::nodes, for the layers that
// look an id up per edge (validation, the runtime's compiler).
#pragma once

#include <braid/spec.hpp>

#include "spec/prefetch.hpp"
#include "spec/same_text.hpp"

#include <cstdint>
#include <cstring>
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

  /// Adds every node under its id, in declaration order, and calls
  /// visit(i, added) right after node i (added: false when an earlier node
  /// has its id), while its id's line is still in the cache. Looks ahead, as
  /// each_edge.
  template <class Visit>
  void insert_each(Visit visit) {
    ahead(
        nodes_.size(), [&](std::size_t i) -> const std::string& { return nodes_[i].id; },
        [&](std::size_t i, std::uint64_t h) { visit(i, insert(i, h)); });
  }

  /// Adds every node under its id, as insert_each; returns, per node,
  /// whether it was added.
  std::vector<bool> insert_all() {
    std::vector<bool> added(nodes_.size());
    insert_each([&](std::size_t i, bool a) { added[i] = a; });
    return added;
  }

  /// The index of the node with `id`, or kNone.
  std::size_t find(std::string_view id) const { return find(id, hash(id)); }

  /// Calls visit(e, from, to) for each edge e of `edges`, in order, with
  /// the indexes of the nodes it connects (kNone: no such node), in one pass
  /// that looks ahead: an id's slot is fetched from memory some edges before
  /// it is read, and its node some edges before its id is compared. On a
  /// pipeline whose index outgrows the caches, one lookup after another
  /// each waited for a cache miss; these misses now overlap, and an edge is
  /// visited while its own lines are still in the cache.
  template <class Visit>
  void each_edge(const std::vector<EdgeSpec>& edges, Visit visit) const {
    const std::size_t n = edges.size();
    if (slots_.size() <= kSmall) {
      for (std::size_t e = 0; e < n; ++e) visit(e, find(edges[e].from.node), find(edges[e].to.node));
      return;
    }
    // As ahead(), an edge (both its ids) a step: ahead() of the ids one by
    // one took each edge's id three times over (its index halved, its end
    // picked), and looped twice as often.
    constexpr std::size_t kFar = 8, kNear = 4, kRing = 16;  // kRing > kFar, a power of two
    constexpr std::size_t kTouch = 32;
    std::uint64_t from_hash[kRing], to_hash[kRing];
    for (std::size_t i = 0; i < n + kFar; ++i) {
      if (i + kTouch < n) {
        prefetch(&edges[i + kTouch].from.node);
        prefetch(&edges[i + kTouch].to.node);
      }
      if (i < n) {
        const EdgeSpec& e = edges[i];
        from_hash[i % kRing] = hash(e.from.node);
        to_hash[i % kRing] = hash(e.to.node);
        prefetch(&slots_[from_hash[i % kRing] & mask_]);
        prefetch(&slots_[to_hash[i % kRing] & mask_]);
      }
      if (i >= kFar - kNear && i - (kFar - kNear) < n) {
        const std::size_t j = (i - (kFar - kNear)) % kRing;
        const Slot& from = slots_[from_hash[j] & mask_];
        const Slot& to = slots_[to_hash[j] & mask_];
        if (from.index != kNone) prefetch(&nodes_[from.index].id);
        if (to.index != kNone) prefetch(&nodes_[to.index].id);
      }
      if (i >= kFar) {
        const std::size_t e = i - kFar;
        visit(e, find(edges[e].from.node, from_hash[e % kRing]), find(edges[e].to.node, to_hash[e % kRing]));
      }
    }
  }

 private:
  struct Slot {
    std::uint64_t hash;
    std::size_t index;  // kNone: empty
  };

  // Ids are short: 8 bytes at a time, then the last 1 to 8 in at most two
  // loads of a fixed size (a memcpy of the rest's length, byte by byte into a
  // word read at once, stalled every hash), each step mixed; then
  // MurmurHash3's finalizer, so that ids differing in their last characters
  // spread over the low bits (the slot). std::hash of a string_view took a
  // tenth of validating a large pipeline.
  static std::uint64_t hash(std::string_view id) {
    const char* p = id.data();
    std::size_t n = id.size();
    std::uint64_t h = n * 0x9E3779B97F4A7C15ull;
    auto mix = [&h](std::uint64_t word) {
      h = (h ^ word) * 0xBF58476D1CE4E5B9ull;
      h ^= h >> 31;
    };
    auto load = [](const char* at, auto word) {
      std::memcpy(&word, at, sizeof word);
      return static_cast<std::uint64_t>(word);
    };
    for (; n > 8; p += 8, n -= 8) mix(load(p, std::uint64_t{}));
    if (n >= 4)  // bytes [0, 4) and [n - 4, n): all of them
      mix(load(p, std::uint32_t{}) << 32 | load(p + n - 4, std::uint32_t{}));
    else if (n > 0)  // bytes 0, n / 2 and n - 1: all of them
      mix(std::uint64_t{static_cast<unsigned char>(p[0])} << 16 |
          std::uint64_t{static_cast<unsigned char>(p[n / 2])} << 8 | static_cast<unsigned char>(p[n - 1]));
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDull;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ull;
    h ^= h >> 33;
    return h;
  }

  bool insert(std::size_t index, std::uint64_t h) {
    const std::string_view id = nodes_[index].id;
    for (std::size_t s = h & mask_;; s = (s + 1) & mask_) {
      Slot& slot = slots_[s];
      if (slot.index == kNone) {
        slot = Slot{h, index};
        return true;
      }
      if (slot.hash == h && same_text(nodes_[slot.index].id, id)) return false;
    }
  }

  std::size_t find(std::string_view id, std::uint64_t h) const {
    for (std::size_t s = h & mask_;; s = (s + 1) & mask_) {
      const Slot& slot = slots_[s];
      if (slot.index == kNone) return kNone;
      if (slot.hash == h && same_text(nodes_[slot.index].id, id)) return slot.index;
    }
  }

  /// Calls visit(i, hash of id_at(i)) for i in [0, n), in order. Id i + kFar
  /// is hashed and its slot prefetched, and the node that slot names (the
  /// likely match) is prefetched at i + kNear. A small index (a few thousand
  /// nodes), and its nodes, stay in the cache: nothing is fetched ahead.
  template <class IdAt, class Visit>
  void ahead(std::size_t n, IdAt id_at, Visit visit) const {
    if (slots_.size() <= kSmall) {
      for (std::size_t i = 0; i < n; ++i) visit(i, hash(id_at(i)));
      return;
    }
    constexpr std::size_t kFar = 16, kNear = 8, kRing = 32;  // kRing > kFar, a power of two
    constexpr std::size_t kTouch = 64;
    std::uint64_t hashes[kRing];
    for (std::size_t i = 0; i < n + kFar; ++i) {
      if (i + kTouch < n) prefetch(&id_at(i + kTouch));
      if (i < n) {
        hashes[i % kRing] = hash(id_at(i));
        prefetch(&slots_[hashes[i % kRing] & mask_]);
      }
      if (i >= kFar - kNear && i - (kFar - kNear) < n) {
        const Slot& slot = slots_[hashes[(i - (kFar - kNear)) % kRing] & mask_];
        if (slot.index != kNone) prefetch(&nodes_[slot.index].id);
      }
      if (i >= kFar) visit(i - kFar, hashes[(i - kFar) % kRing]);
    }
  }

  static void prefetch(const void* p) { prefetch_line(p); }

  static constexpr std::size_t kSmall = std::size_t{1} << 13;  // slots (128 KB): up to 4,096 nodes

  const std::vector<NodeSpec>& nodes_;
  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
};

}  // namespace braid::detail
