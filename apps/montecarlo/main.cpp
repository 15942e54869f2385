// montecarlo: Monte Carlo estimates of pi and of the integral of exp(-x^2)
// over [0, 1], each with its standard error. The braid command line plus
// three kinds of its own; the samples are a lazy range, cut by the built-in split.
//
//                      ┌─> draw_pi ────> sum_pi ────> mean_pi ────> pi      {"pi": {...}}
//   samples ──> split ─┤   (each chunk)
//   (0..n)   (k chunks)└─> draw_gauss ─> sum_gauss ─> mean_gauss ─> gauss   {"gauss": {...}}
//
//   ./montecarlo run pipelines/integrals.json --threads 2
//
// mc.sample takes parameters (integrand, seed), so it is a hand-written Kind;
// gather.moments and mc.estimate are plain functions made into kinds.
#include <braid/braid.hpp>

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cli.hpp"
#include "estimate.hpp"

namespace {

using montecarlo::Moments;

void register_types() {
  braid::TypeCodec codec;
  codec.encode = [](const braid::Value& v, nlohmann::json& out) {
    const Moments& m = v.get<Moments>();
    out = {{"count", m.count}, {"sum", m.sum}, {"sum_squares", m.sum_squares}};
  };
  braid::register_type<Moments>("mc.moments", codec);
}

/// Draws the samples whose indices a chunk holds.
class SampleMap final : public braid::MapBody {
 public:
  SampleMap(montecarlo::Integrand integrand, std::uint64_t seed) : integrand_(integrand), seed_(seed) {}
  braid::Value apply(const braid::Value& in) override {
    const braid::Range& r = in.get<braid::Range>();
    return braid::Value::of(
        montecarlo::sample(integrand_, seed_, r.begin, r.step, static_cast<std::int64_t>(r.size())));
  }

 private:
  montecarlo::Integrand integrand_;
  std::uint64_t seed_;
};

braid::Kind sample_kind() {
  braid::Kind k;
  k.name = "mc.sample";
  k.doc = "Draws the samples of a chunk of indices: count, sum and sum of squares of the integrand's values";
  k.shape = braid::Shape::kMap;
  k.inputs = {braid::PortSpec{"in", {"range"}, "sample indices (a chunk of source.range)"}};
  k.outputs = {braid::PortSpec{"out", {"mc.moments"}, "the chunk's moments"}};
  k.params = {
      braid::param::string("integrand", "pi: 4 [x^2 + y^2 < 1] on [0,1)^2; gauss: exp(-x^2) on [0,1)", "pi",
                           {"pi", "gauss"}),
      braid::param::integer("seed", "key of the random stream: the same seed gives the same estimate", 1),
  };
  k.stateless = true;  // the integrand and the seed only
  k.make = [](const braid::NodeConfig& c) -> std::unique_ptr<braid::NodeBody> {
    return std::make_unique<SampleMap>(*montecarlo::integrand_named(c.params.get_or<std::string>("integrand", "pi")),
                                       static_cast<std::uint64_t>(c.params.get_or<std::int64_t>("seed", 1)));
  };
  return k;
}

/// {estimate, stderr, samples}.
braid::Record estimate_record(const Moments& m) {
  const montecarlo::Estimate e = montecarlo::estimate_of(m);
  return braid::Record({{"estimate", braid::Value::of(e.value)},
                        {"stderr", braid::Value::of(e.standard_error)},
                        {"samples", braid::Value::of(e.count)}});
}

}  // namespace

int main(int argc, char** argv) {
  register_types();
  braid::Registry registry;
  braid::register_builtin_kinds(registry);
  registry.add(sample_kind());
  registry.add(
      braid::gather_kind("gather.moments", "Adds the moments of one group's chunks, in chunk order",
                         [](std::vector<Moments> parts) { return montecarlo::combine(parts.data(), parts.size()); }));
  registry.add(braid::map_kind("mc.estimate", "Moments to {estimate, stderr, samples}: the mean and its standard error",
                               estimate_record));
  return braid::cli::main(argc, argv, registry, "montecarlo");
}
