// Private: node ids to their index in PipelineSpec::nodes, for the layers that
// look an id up per edge (validation, the runtime's compiler).
#pragma once

#include <braid/spec.hpp>

#include "spec/prefetch.hpp"
#include "spec/same_text.hpp"

#include <array>
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
    slots_.assign(size, Slot{0, kEmpty});
    mask_ = size - 1;
  }

  /// Adds every node under its id, in declaration order, and calls
  /// visit(i, added) right after node i (added: false when an earlier node
  /// has its id), while its id's line is still in the cache. Looks ahead, as
  /// each_edge.
  template <class Visit>
  void insert_each(Visit visit) {
    ahead<1>(
        nodes_.size(), [&](std::size_t i, std::size_t) -> const std::string& { return nodes_[i].id; },
        [&](std::size_t i, const std::array<std::uint64_t, 1>& h) { visit(i, insert(i, h[0])); });
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
    // Both of an edge's ids a step: its line is read once, and the loop runs
    // once per edge (ahead() over the ids one by one took each id three times
    // over, through its index halved and its end picked).
    ahead<2>(
        edges.size(),
        [&](std::size_t e, std::size_t end) -> const std::string& {
          return end ? edges[e].to.node : edges[e].from.node;
        },
        [&](std::size_t e, const std::array<std::uint64_t, 2>& h) {
          visit(e, find(edges[e].from.node, h[0]), find(edges[e].to.node, h[1]));
        });
  }

 private:
  // A slot holds its id's hash's high half and its node's index: 8 bytes,
  // so a 100,000-node index is 2 MB, not 4, and validating a 100,000-node
  // task graph took 6-9% less time (an index of 32-bit numbers would need a
  // spec of 4,294,967,295 nodes to overflow: some 700 GB of NodeSpecs).
  struct Slot {
    std::uint32_t tag;
    std::uint32_t index;  // kEmpty: empty
  };
  static constexpr std::uint32_t kEmpty = 0xFFFFFFFFu;
  static std::uint32_t tag(std::uint64_t h) { return static_cast<std::uint32_t>(h >> 32); }

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
      if (slot.index == kEmpty) {
        slot = Slot{tag(h), static_cast<std::uint32_t>(index)};
        return true;
      }
      if (slot.tag == tag(h) && same_text(nodes_[slot.index].id, id)) return false;
    }
  }

  std::size_t find(std::string_view id, std::uint64_t h) const {
    for (std::size_t s = h & mask_;; s = (s + 1) & mask_) {
      const Slot& slot = slots_[s];
      if (slot.index == kEmpty) return kNone;
      if (slot.tag == tag(h) && same_text(nodes_[slot.index].id, id)) return slot.index;
    }
  }

  /// Calls visit(i, hashes) for i in [0, n), in order, with the hashes of
  /// item i's W ids id_at(i, 0 .. W). Item i + kFar's ids are hashed and
  /// their slots prefetched, and the nodes those slots name (the likely
  /// matches) are prefetched at i + kNear; the distances are in ids, so an
  /// item of two ids looks half as many items ahead. A small index (a few
  /// thousand nodes), and its nodes, stay in the cache: nothing is fetched ahead.
  template <std::size_t W, class IdAt, class Visit>
  void ahead(std::size_t n, IdAt id_at, Visit visit) const {
    using Hashes = std::array<std::uint64_t, W>;
    if (slots_.size() <= kSmall) {
      for (std::size_t i = 0; i < n; ++i) {
        Hashes h;
        for (std::size_t w = 0; w < W; ++w) h[w] = hash(id_at(i, w));
        visit(i, h);
      }
      return;
    }
    constexpr std::size_t kFar = 16 / W, kNear = 8 / W, kRing = 32 / W;  // kRing > kFar, a power of two
    constexpr std::size_t kTouch = 64 / W;
    Hashes hashes[kRing];
    for (std::size_t i = 0; i < n + kFar; ++i) {
      if (i + kTouch < n)
        for (std::size_t w = 0; w < W; ++w) prefetch(&id_at(i + kTouch, w));
      if (i < n)
        for (std::size_t w = 0; w < W; ++w) {
          hashes[i % kRing][w] = hash(id_at(i, w));
          prefetch(&slots_[hashes[i % kRing][w] & mask_]);
        }
      if (i >= kFar - kNear && i - (kFar - kNear) < n)
        for (std::size_t w = 0; w < W; ++w) {
          const Slot& slot = slots_[hashes[(i - (kFar - kNear)) % kRing][w] & mask_];
          if (slot.index != kEmpty) prefetch(&nodes_[slot.index].id);
        }
      if (i >= kFar) visit(i - kFar, hashes[(i - kFar) % kRing]);
    }
  }

  static void prefetch(const void* p) { prefetch_line(p); }

  static constexpr std::size_t kSmall = std::size_t{1} << 13;  // slots (64 KB): up to 4,096 nodes

  const std::vector<NodeSpec>& nodes_;
  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
};

}  // namespace braid::detail
