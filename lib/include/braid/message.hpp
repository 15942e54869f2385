#pragma once
/// \file
/// Tags and Messages: what travels on the edges of a running pipeline.
///
/// A Tag says where a message sits in a decomposition: the index of the source
/// item it came from, plus one (index, count) level per split it passed.
///
/// ```
/// item 0 ──split(4)──> 0:0/4  0:1/4  0:2/4  0:3/4 ──gather──> 0
/// ```
///
/// ```cpp
/// braid::Tag item(3);                     // "3"
/// braid::Tag chunk = item.child(1, 4);    // "3:1/4"
/// chunk.parent() == item;                 // true
/// ```
///
/// Joins match messages on equal tags; a gather removes the last level.
/// Tags and Messages are small values: copy them freely; a const one may be
/// read from any number of threads.
#include <braid/value.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace braid {

/// Where a message sits in a decomposition: source item index plus one
/// (index, count) level per split passed, at most kMaxDepth levels. A plain
/// value (no allocation, trivially copyable members).
class Tag {
 public:
  /// Deepest nesting of splits a message may pass (a validated pipeline never exceeds it).
  static constexpr std::size_t kMaxDepth = 6;

  /// One split level: chunk `index` of `count` (index < count).
  struct Level {
    std::uint32_t index = 0;  ///< the chunk's position, 0-based
    std::uint32_t count = 1;  ///< how many chunks the split made
  };

  /// The tag of source item 0, with no levels.
  Tag() noexcept = default;
  /// The tag of source item `item`.
  explicit Tag(std::uint64_t item) noexcept : item_(item) {}

  /// The index of the source item this message descends from.
  std::uint64_t item() const noexcept { return item_; }
  /// How many splits the message passed (levels), 0 .. kMaxDepth.
  std::size_t depth() const noexcept { return depth_; }
  /// Level i (0 = outermost split); requires i < depth().
  Level level(std::size_t i) const noexcept { return levels_[i]; }
  /// The innermost level; requires depth() > 0.
  Level last() const noexcept { return levels_[depth_ - 1]; }

  /// This tag with one more level (index of count). Throws braid::Error past kMaxDepth.
  Tag child(std::uint32_t index, std::uint32_t count) const;
  /// This tag without its innermost level; requires depth() > 0.
  Tag parent() const noexcept {
    Tag t = *this;
    t.levels_[--t.depth_] = Level{};
    return t;
  }

  /// Same item and the same levels.
  bool operator==(const Tag& o) const noexcept {  // inline: a join compares a tag per message
    if (item_ != o.item_ || depth_ != o.depth_) return false;
    for (std::size_t i = 0; i < depth_; ++i)
      if (levels_[i].index != o.levels_[i].index || levels_[i].count != o.levels_[i].count) return false;
    return true;
  }
  /// Not operator==.
  bool operator!=(const Tag& o) const noexcept { return !(*this == o); }
  /// Document order: by item, then level by level by index (a parent sorts before its children).
  bool operator<(const Tag& o) const noexcept;
  /// A hash consistent with operator== (for unordered containers); its values may change between versions.
  std::size_t hash() const noexcept;

  /// "3" for item 3; "3:1/4" for chunk 1 of 4 of item 3; "3:1/4:0/2" one split deeper.
  std::string to_string() const;

 private:
  std::uint64_t item_ = 0;
  std::array<Level, kMaxDepth> levels_{};
  std::uint8_t depth_ = 0;
};

/// A tagged value: the unit that flows along an edge.
struct Message {
  Tag tag;      ///< where the message sits in the decomposition
  Value value;  ///< the payload (shared, immutable)
};

}  // namespace braid
