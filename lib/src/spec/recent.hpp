// Private: the last few results of a lookup, kept to be found again by a
// short linear search (a pipeline has few kinds, output types and lists of
// port names among many nodes).
#pragma once

#include <array>
#include <cstddef>
#include <utility>

namespace braid::detail {

/// Up to N values, the oldest replaced first once full.
template <class T, std::size_t N>
class Recent {
 public:
  /// The first kept value that `match` accepts, or nullptr.
  template <class Match>
  const T* find(Match match) const {
    for (std::size_t i = 0; i < kept_; ++i)
      if (match(values_[i])) return &values_[i];
    return nullptr;
  }
  /// Keeps `value`; returns the kept copy.
  const T& keep(T value) {
    T& slot = values_[next_++ % N];
    slot = std::move(value);
    if (kept_ < N) ++kept_;
    return slot;
  }

 private:
  std::array<T, N> values_{};
  std::size_t next_ = 0;
  std::size_t kept_ = 0;
};

}  // namespace braid::detail
