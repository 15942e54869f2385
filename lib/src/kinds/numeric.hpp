// Private: the numeric kernels of the reduce.* and gather.* kinds. Integer
// sums are exact or fail with an overflow error; floating-point sums run in
// element order, so results do not depend on the thread count.
#pragma once

#include <braid/error.hpp>
#include <braid/value.hpp>

#include <algorithm>
#include <cstdint>
#include <string>

namespace braid::kinds {

__extension__ using Int128 = __int128;

[[noreturn]] inline void throw_overflow() { throw Error("int64 overflow: the sum does not fit in 64 bits"); }

inline std::int64_t add_checked(std::int64_t a, std::int64_t b) {
  std::int64_t r;
  if (__builtin_add_overflow(a, b, &r)) throw_overflow();
  return r;
}

/// `total` as int64, or an overflow error.
inline std::int64_t narrow_sum(Int128 total) {
  if (total > INT64_MAX || total < INT64_MIN) throw_overflow();
  return static_cast<std::int64_t>(total);
}

/// Exact sum of n int64: the right answer whenever the total fits in int64,
/// even if a prefix does not, and an overflow error otherwise (numeric.cpp).
std::int64_t sum_int64(const std::int64_t* p, std::size_t n);

inline double sum_double(const double* p, std::size_t n) {
  double s = 0.0;
  for (std::size_t i = 0; i < n; ++i) s += p[i];
  return s;
}

/// Sum of a range, visiting every element (the compute-bound workload).
inline std::int64_t sum_range(const Range& r) {
  const std::size_t n = r.size();
  if (n == 0) return 0;
  const std::int64_t last = r.at(n - 1);
  const auto mag = [](std::int64_t v) { return v < 0 ? -static_cast<Int128>(v) : static_cast<Int128>(v); };
  const Int128 bound = static_cast<Int128>(n) * std::max(mag(r.begin), mag(last));
  std::int64_t s = 0;
  std::int64_t x = r.begin;
  if (bound <= INT64_MAX) {
    if (r.step == 1) {  // the usual range: one induction variable, as in a hand-written loop
      for (; x < last; ++x) s += x;
      return s + last;
    }
    for (std::size_t i = 0; i < n; ++i, x += r.step) s += x;
    return s;
  }
  Int128 total = 0;
  for (std::size_t i = 0; i < n; ++i) total += r.at(i);
  return narrow_sum(total);
}

template <class T>
T min_of(const T* p, std::size_t n) {
  T m = p[0];
  for (std::size_t i = 1; i < n; ++i) m = p[i] < m ? p[i] : m;
  return m;
}

template <class T>
T max_of(const T* p, std::size_t n) {
  T m = p[0];
  for (std::size_t i = 1; i < n; ++i) m = m < p[i] ? p[i] : m;
  return m;
}

inline std::int64_t min_range(const Range& r) {
  std::int64_t m = r.begin;
  const std::size_t n = r.size();
  for (std::size_t i = 1; i < n; ++i) m = std::min(m, r.at(i));
  return m;
}

inline std::int64_t max_range(const Range& r) {
  std::int64_t m = r.begin;
  const std::size_t n = r.size();
  for (std::size_t i = 1; i < n; ++i) m = std::max(m, r.at(i));
  return m;
}

/// Number of elements of a sequence value (int64[], double[], range, string[], a
/// registered Slice<E>); 1 for anything else.
inline std::size_t length_of(const Value& v) {
  if (v.is<Slice<std::int64_t>>()) return v.get<Slice<std::int64_t>>().size();
  if (v.is<Slice<double>>()) return v.get<Slice<double>>().size();
  if (v.is<Range>()) return v.get<Range>().size();
  if (v.is<Lines>()) return v.get<Lines>().size();
  if (const SequenceOps* seq = v.type() ? v.type()->sequence() : nullptr) return seq->size(v);  // a registered Slice<E>
  return 1;
}

}  // namespace braid::kinds
