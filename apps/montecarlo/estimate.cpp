// The generator, the integrands and the statistics. Floating-point steps are
// evaluated in the order written (the app is built with -ffp-contract=off).
#include "estimate.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace montecarlo {
namespace {

constexpr std::uint64_t kGolden = 0x9E3779B97F4A7C15ull;

std::uint64_t stream_id(Integrand integrand) { return integrand == Integrand::kPi ? 1 : 2; }
int dims(Integrand integrand) { return integrand == Integrand::kPi ? 2 : 1; }

}  // namespace

std::optional<Integrand> integrand_named(std::string_view name) {
  if (name == "pi") return Integrand::kPi;
  if (name == "gauss") return Integrand::kGauss;
  return std::nullopt;
}

std::uint64_t splitmix64(std::uint64_t x) noexcept {
  x += kGolden;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// Each integrand gets its own key, so the two estimates are independent.
Stream::Stream(std::uint64_t seed, Integrand integrand) noexcept
    : key_(splitmix64(splitmix64(seed) ^ stream_id(integrand))) {}

// splitmix64 seeded with s returns splitmix64(s + n * golden) as its n-th output.
double Stream::at(std::uint64_t n) const noexcept {
  return static_cast<double>(splitmix64(key_ + n * kGolden) >> 11) * 0x1.0p-53;
}

Moments sample(Integrand integrand, std::uint64_t seed, std::int64_t first, std::int64_t step, std::int64_t count) {
  const Stream stream(seed, integrand);
  const auto d = static_cast<std::uint64_t>(dims(integrand));
  Moments m;
  m.count = count;
  for (std::int64_t k = 0; k < count; ++k) {
    const std::uint64_t i =
        static_cast<std::uint64_t>(first) + static_cast<std::uint64_t>(k) * static_cast<std::uint64_t>(step);
    const std::uint64_t n = i * d;
    double f;
    if (integrand == Integrand::kPi) {
      const double x = stream.at(n), y = stream.at(n + 1);
      f = x * x + y * y < 1.0 ? 4.0 : 0.0;
    } else {
      const double x = stream.at(n);
      f = std::exp(-(x * x));
    }
    m.sum += f;
    m.sum_squares += f * f;
  }
  return m;
}

Moments combine(const Moments* parts, std::size_t n) {
  Moments total;
  for (std::size_t i = 0; i < n; ++i) {
    total.count += parts[i].count;
    total.sum += parts[i].sum;
    total.sum_squares += parts[i].sum_squares;
  }
  return total;
}

Estimate estimate_of(const Moments& m) {
  if (m.count < 2)
    throw std::invalid_argument("a standard error needs at least 2 samples, got " + std::to_string(m.count));
  const double n = static_cast<double>(m.count);
  const double mean = m.sum / n;
  const double variance = std::max(0.0, (m.sum_squares - m.sum * mean) / (n - 1.0));
  return Estimate{mean, std::sqrt(variance / n), m.count};
}

}  // namespace montecarlo
