// Tag: ordering, hashing, printing.
#include <braid/message.hpp>

namespace braid {

Tag Tag::child(std::uint32_t index, std::uint32_t count) const {
  if (depth_ >= kMaxDepth)
    throw Error("splits nested deeper than " + std::to_string(kMaxDepth) + " levels");
  Tag t = *this;
  t.levels_[t.depth_++] = Level{index, count};
  return t;
}

bool Tag::operator<(const Tag& o) const noexcept {
  if (item_ != o.item_) return item_ < o.item_;
  std::size_t n = depth_ < o.depth_ ? depth_ : o.depth_;
  for (std::size_t i = 0; i < n; ++i)
    if (levels_[i].index != o.levels_[i].index) return levels_[i].index < o.levels_[i].index;
  if (depth_ != o.depth_) return depth_ < o.depth_;
  // Equal indices, other counts (chunks of splits of different sizes): still
  // ordered, so that what is sorted by tag (error listings) is the same every run.
  for (std::size_t i = 0; i < n; ++i)
    if (levels_[i].count != o.levels_[i].count) return levels_[i].count < o.levels_[i].count;
  return false;
}

std::size_t Tag::hash() const noexcept {
  std::uint64_t h = item_ * 0x9E3779B97F4A7C15ull;
  for (std::size_t i = 0; i < depth_; ++i) {
    h ^= (static_cast<std::uint64_t>(levels_[i].index) << 32 | levels_[i].count) + 0x9E3779B97F4A7C15ull +
         (h << 6) + (h >> 2);
  }
  return static_cast<std::size_t>(h ^ (h >> 31));
}

std::string Tag::to_string() const {
  std::string s = std::to_string(item_);
  for (std::size_t i = 0; i < depth_; ++i)
    s += ':' + std::to_string(levels_[i].index) + '/' + std::to_string(levels_[i].count);
  return s;
}

}  // namespace braid
