// The int64 sum kernel, compiled for AVX2 and for the baseline, chosen when
// the program loads (the memory-bound workload runs through it).
#include "kinds/numeric.hpp"

namespace braid::kinds {

// Blocks whose elements are all below 2^51 in magnitude cannot overflow, so
// they are summed with plain (vectorizable) wrapping adds; others in 128 bits.
// No clones under ASan or TSan: the clone resolver (an ifunc) runs while the
// program is being linked, before the sanitizer runtime exists, and crashes.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__) && \
    !defined(__SANITIZE_THREAD__)
__attribute__((target_clones("avx2", "default")))
#endif
std::int64_t sum_int64(const std::int64_t* p, std::size_t n) {
  constexpr std::size_t kBlock = 4096;  // 4096 * 2^51 = 2^63
  constexpr std::uint64_t kBias = std::uint64_t{1} << 51;
  Int128 total = 0;
  for (std::size_t i = 0; i < n; i += kBlock) {
    const std::size_t m = std::min(kBlock, n - i);
    const std::int64_t* block = p + i;
    std::uint64_t sum = 0, biased = 0;
    for (std::size_t j = 0; j < m; ++j) {
      const auto x = static_cast<std::uint64_t>(block[j]);
      sum += x;
      biased |= x + kBias;
    }
    if ((biased >> 52) == 0) {
      total += static_cast<std::int64_t>(sum);
    } else {
      for (std::size_t j = 0; j < m; ++j) total += block[j];
    }
  }
  return narrow_sum(total);
}

}  // namespace braid::kinds
