// Private: equality of the short names a spec is made of (node ids, kind
// names, port names), inline.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace braid::detail {

/// Whether `a` and `b` are the same text. Names of up to 16 characters are
/// compared in at most two loads of a fixed size from each, not by a call
/// to memcmp: validating a pipeline compares a few names per edge (its ends'
/// ids, its port), and the calls were a twentieth of building and running
/// a 1,000-node task graph once.
inline bool same_text(std::string_view a, std::string_view b) noexcept {
  const std::size_t n = a.size();
  if (n != b.size()) return false;
  if (n > 16) return std::memcmp(a.data(), b.data(), n) == 0;
  const char* p = a.data();
  const char* q = b.data();
  auto same = [](const char* x, const char* y, auto word) {
    decltype(word) u, v;
    std::memcpy(&u, x, sizeof u);
    std::memcpy(&v, y, sizeof v);
    return u == v;
  };
  if (n >= 8)  // bytes [0, 8) and [n - 8, n): all of them
    return same(p, q, std::uint64_t{}) && same(p + n - 8, q + n - 8, std::uint64_t{});
  if (n >= 4)  // bytes [0, 4) and [n - 4, n)
    return same(p, q, std::uint32_t{}) && same(p + n - 4, q + n - 4, std::uint32_t{});
  return n == 0 || (p[0] == q[0] && p[n / 2] == q[n / 2] && p[n - 1] == q[n - 1]);  // bytes 0, n / 2, n - 1
}

}  // namespace braid::detail
