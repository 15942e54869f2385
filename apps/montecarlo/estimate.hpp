#pragma once
// Monte Carlo estimates as plain functions, with no braid in sight: a
// counter-based random stream, the integrands, per-chunk moments and the
// estimate with its standard error.
//
//   Moments m = sample(Integrand::kPi, /*seed=*/1, /*first=*/0, /*step=*/1, /*count=*/1000);
//   Estimate e = estimate_of(m);   // e.value ~ 3.14, e.standard_error ~ 0.05
//
// Sample i draws its uniforms from positions (i * dims + j) of a splitmix64
// stream keyed by the seed and the integrand, so sample i is the same number
// whichever chunk holds it and whichever thread runs that chunk. The
// independent reference in tests/apps/montecarlo_reference.py implements the
// same generator.
#include <cstdint>
#include <optional>
#include <string_view>

namespace montecarlo {

/// What is integrated over the unit square (kPi) or the unit interval (kGauss).
enum class Integrand {
  kPi,     ///< 4 * [x^2 + y^2 < 1] over [0,1)^2: its mean is pi
  kGauss,  ///< exp(-x^2) over [0,1): its mean is the integral, 0.746824132812427...
};

/// The integrand called `name` ("pi", "gauss"), or nothing.
std::optional<Integrand> integrand_named(std::string_view name);

/// splitmix64's output function: a bijection of 64-bit words whose outputs
/// for consecutive inputs pass BigCrush.
std::uint64_t splitmix64(std::uint64_t x) noexcept;

/// A counter-based stream of uniform doubles: at(n) is the n-th output of
/// splitmix64 seeded with the key, computed directly (no state).
class Stream {
 public:
  Stream(std::uint64_t seed, Integrand integrand) noexcept;
  /// A double in [0, 1) with 53 random bits. Thread-safe.
  double at(std::uint64_t n) const noexcept;

 private:
  std::uint64_t key_;
};

/// How many samples, and the sum and sum of squares of their values.
struct Moments {
  std::int64_t count = 0;
  double sum = 0.0;
  double sum_squares = 0.0;
};

/// The values of samples first, first + step, ..., (count of them), summed in that order.
Moments sample(Integrand integrand, std::uint64_t seed, std::int64_t first, std::int64_t step, std::int64_t count);

/// `parts` summed one after another, in the order given.
Moments combine(const Moments* parts, std::size_t n);

struct Estimate {
  double value = 0.0;           ///< sum / count
  double standard_error = 0.0;  ///< sqrt(sample variance / count)
  std::int64_t count = 0;
};

/// The mean and its standard error. Throws std::invalid_argument with fewer than 2 samples.
Estimate estimate_of(const Moments& m);

}  // namespace montecarlo
