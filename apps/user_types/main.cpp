// user_types: your own value types flowing through a pipeline written in C++.
// A cloud of particles (a type without a JSON codec) is made by a lambda
// source, cut into chunk views by the built-in split, summarised chunk by
// chunk in parallel (a map lambda), and the summaries (a type with a JSON
// codec) are combined in chunk order by a gather lambda and printed.
//
//                             ┌─> moments (chunk 0)   ─┐
//   particles ──> chunks ─────┼─> moments (chunk 1)   ─┼─> cloud ──> result    {"result": {...}}
//   (particle[])  (split)     └─> moments (chunk k-1) ─┘   (gather, in chunk order)
//
//   ./user_types --particles 1000000 --chunks 16 --threads 4
//   ./user_types --pipeline          # the pipeline as JSON
#include <braid/braid.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

namespace {

// --- the types ---------------------------------------------------------------

/// One particle: integer coordinates and mass, so that every sum is exact.
struct Particle {
  std::int64_t x = 0;
  std::int64_t y = 0;
  std::int64_t mass = 1;
};

/// What a set of particles sums up to: count, total mass, mass-weighted sums
/// of the coordinates (the centre of mass is mx / mass, my / mass) and the
/// bounding box.
struct Moments {
  std::int64_t count = 0;
  std::int64_t mass = 0;
  std::int64_t mx = 0;
  std::int64_t my = 0;
  std::int64_t min_x = 0, min_y = 0, max_x = 0, max_y = 0;
};

/// Moments as JSON: {"count", "mass", "center": [x, y] or null, "box": [[min_x, min_y], [max_x, max_y]] or null}.
void encode_moments(const braid::Value& value, nlohmann::json& out) {
  const Moments& m = value.get<Moments>();
  out = {{"count", m.count}, {"mass", m.mass}, {"center", nullptr}, {"box", nullptr}};
  if (m.count == 0) return;
  out["center"] = {static_cast<double>(m.mx) / static_cast<double>(m.mass),
                   static_cast<double>(m.my) / static_cast<double>(m.mass)};
  out["box"] = {{m.min_x, m.min_y}, {m.max_x, m.max_y}};
}

/// Registers the types: Particle and its sequence Slice<Particle> without a
/// codec (they never leave the pipeline), Moments with one (it is printed).
void register_types() {
  braid::register_type<Particle>("particle");
  braid::register_type<braid::Slice<Particle>>("particle[]");  // split cuts it into views
  braid::TypeCodec codec;
  codec.encode = encode_moments;
  braid::register_type<Moments>("moments", codec);
}

// --- the work ----------------------------------------------------------------

/// `n` particles from `seed`: a 64-bit linear congruential generator (Knuth's
/// MMIX constants), x and y in [-1000, 1000], mass in [1, 10].
std::vector<Particle> make_particles(std::int64_t n, std::uint64_t seed) {
  std::vector<Particle> out(static_cast<std::size_t>(n));
  std::uint64_t state = seed;
  auto next = [&state](std::uint64_t range) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<std::int64_t>((state >> 33) % range);
  };
  for (Particle& p : out) {
    p.x = next(2001) - 1000;
    p.y = next(2001) - 1000;
    p.mass = next(10) + 1;
  }
  return out;
}

/// The moments of one chunk of particles.
Moments moments_of(braid::Slice<Particle> chunk) {
  Moments m;
  for (const Particle& p : chunk) {
    if (m.count == 0) {
      m.min_x = m.max_x = p.x;
      m.min_y = m.max_y = p.y;
    }
    m.min_x = std::min(m.min_x, p.x);
    m.max_x = std::max(m.max_x, p.x);
    m.min_y = std::min(m.min_y, p.y);
    m.max_y = std::max(m.max_y, p.y);
    m.count += 1;
    m.mass += p.mass;
    m.mx += p.mass * p.x;
    m.my += p.mass * p.y;
  }
  return m;
}

/// The moments of all chunks together, combined in chunk order.
Moments combine(std::vector<Moments> parts) {
  Moments all;
  for (const Moments& m : parts) {
    if (m.count == 0) continue;
    if (all.count == 0) {
      all = m;
      continue;
    }
    all.count += m.count;
    all.mass += m.mass;
    all.mx += m.mx;
    all.my += m.my;
    all.min_x = std::min(all.min_x, m.min_x);
    all.max_x = std::max(all.max_x, m.max_x);
    all.min_y = std::min(all.min_y, m.min_y);
    all.max_y = std::max(all.max_y, m.max_y);
  }
  return all;
}

// --- the pipeline --------------------------------------------------------------

/// The pipeline: particles -> chunks -> moments -> cloud -> result.
braid::Pipeline cloud_pipeline(std::int64_t n, std::uint64_t seed, std::size_t chunks) {
  braid::Pipeline p("particle-cloud");
  p.description("Centre of mass and bounding box of a particle cloud, chunk by chunk");
  auto particles = p.source("particles", [n, seed] { return braid::Slice<Particle>(make_particles(n, seed)); });
  auto parts = p.split("chunks", particles, chunks);
  auto moments = p.map("moments", parts, moments_of, "cloud.moments");
  auto cloud = p.gather("cloud", moments, combine, "cloud.combine");
  p.output("result", cloud);
  return p;
}

int usage() {
  std::cerr << "usage: user_types [--particles N] [--seed S] [--chunks K] [--threads T] [--pipeline]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::int64_t n = 100000;
  std::uint64_t seed = 1;
  std::size_t chunks = 8, threads = 0;
  bool print_pipeline = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--pipeline") {
      print_pipeline = true;
      continue;
    }
    if (i + 1 == argc) return usage();
    char* end = nullptr;
    const unsigned long long value = std::strtoull(argv[++i], &end, 10);
    if (*end != '\0' || argv[i][0] == '-') return usage();
    if (arg == "--particles")
      n = static_cast<std::int64_t>(value);
    else if (arg == "--seed")
      seed = value;
    else if (arg == "--chunks" && value > 0)
      chunks = value;
    else if (arg == "--threads")
      threads = value;
    else
      return usage();
  }

  register_types();
  braid::Pipeline p = cloud_pipeline(n, seed, chunks);
  try {
    if (print_pipeline) {
      std::cout << p.to_json() << '\n';
      return 0;
    }
    braid::RunOptions options;
    options.threads = threads;
    braid::Result result = p.run(options);
    std::cout << braid::outputs_to_json_text(result) << '\n';
  } catch (const braid::SpecError& e) {
    std::cerr << e.what() << '\n';
    return 1;
  } catch (const braid::Error& e) {
    std::cerr << e.what() << '\n';
    return 3;
  }
  return 0;
}
