#pragma once
// Tags and Messages: what travels on the edges of a running pipeline.
//
// A Tag says where a message sits in a decomposition: the index of the source
// item it came from, plus one (index, count) level per split it passed.
//
//   item 0 ──split(4)──> 0:0/4  0:1/4  0:2/4  0:3/4 ──gather──> 0
//
// Joins match messages on equal tags; a gather removes the last level.
#include <braid/value.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace braid {

class Tag {
 public:
  /// Deepest nesting of splits a message may pass (a validated pipeline never exceeds it).
  static constexpr std::size_t kMaxDepth = 6;

  struct Level {
    std::uint32_t index = 0;
    std::uint32_t count = 1;
  };

  Tag() noexcept = default;
  /// The tag of source item `item`.
  explicit Tag(std::uint64_t item) noexcept : item_(item) {}

  std::uint64_t item() const noexcept { return item_; }
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

  bool operator==(const Tag& o) const noexcept;
  bool operator!=(const Tag& o) const noexcept { return !(*this == o); }
  /// Document order: by item, then level by level by index (a parent sorts before its children).
  bool operator<(const Tag& o) const noexcept;
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
  Tag tag;
  Value value;
};

}  // namespace braid
