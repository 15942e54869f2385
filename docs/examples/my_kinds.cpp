// my_kinds: the braid command line plus four kinds of its own, the program of
// docs/writing-a-kind.md.
//
//   numbers ──> split ──> my.sum_squares ──> my.total ──> result     (squares.json)
//   numbers ──> my.clamp ──> result                                   (clamp.json)
//
//   my_kinds run squares.json
#include <braid/braid.hpp>

#include "cli.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace {

// 1. A map kind from a callable: one chunk of int64 to the sum of its squares.
braid::Kind sum_squares_kind() {
  return braid::map_kind("my.sum_squares", "Sum of the squares of a chunk of int64", [](braid::Slice<std::int64_t> xs) {
    std::int64_t sum = 0;
    for (std::int64_t x : xs) {
      std::int64_t square = 0;
      if (__builtin_mul_overflow(x, x, &square) || __builtin_add_overflow(sum, square, &sum))
        throw braid::Error("the sum of squares overflows int64 at " + std::to_string(x));
    }
    return sum;
  });
}

// 2. A gather kind from a callable: the parts of one group, in chunk order.
braid::Kind total_kind() {
  return braid::gather_kind("my.total", "Sum of a group's int64 parts", [](std::vector<std::int64_t> parts) {
    std::int64_t total = 0;
    for (std::int64_t part : parts) total += part;
    return total;
  });
}

// 3. A kind made by hand: parameters, a check across them, a body that
//    reads them once.
class ClampMap final : public braid::MapBody {
 public:
  ClampMap(std::int64_t min, std::int64_t max) : min_(min), max_(max) {}
  braid::Value apply(const braid::Value& in) override {
    const std::int64_t x = in.get<std::int64_t>();
    return braid::Value::of(x < min_ ? min_ : x > max_ ? max_ : x);
  }

 private:
  const std::int64_t min_, max_;
};

braid::Kind clamp_kind() {
  braid::Kind kind;
  kind.name = "my.clamp";
  kind.doc = "An int64 brought within [min, max]";
  kind.shape = braid::Shape::kMap;
  kind.inputs = {braid::PortSpec{"in", {"int64"}, "a number"}};
  kind.outputs = {braid::PortSpec{"out", {"int64"}, "the number, clamped"}};
  kind.params = {braid::param::integer("min", "smallest value out", 0),
                 braid::param::integer("max", "largest value out", 100)};
  kind.check_params = [](const braid::Params& p) {
    std::vector<std::pair<std::string, std::string>> problems;
    if (p.get_or<std::int64_t>("min", 0) > p.get_or<std::int64_t>("max", 100))
      problems.emplace_back("/min", "must not exceed max");
    return problems;
  };
  kind.stateless = true;  // min_ and max_ only: a Program keeps the body across runs
  kind.make = [](const braid::NodeConfig& node) -> std::unique_ptr<braid::NodeBody> {
    return std::make_unique<ClampMap>(node.params.get_or<std::int64_t>("min", 0),
                                      node.params.get_or<std::int64_t>("max", 100));
  };
  return kind;
}

}  // namespace

// 4. The program: braid's command line (run, validate, kinds, graph, bench,
//    tune) over a registry holding the built-in kinds and these.
int main(int argc, char** argv) {
  braid::Registry registry;
  braid::register_builtin_kinds(registry);
  registry.add(sum_squares_kind());
  registry.add(total_kind());
  registry.add(clamp_kind());
  return braid::cli::main(argc, argv, registry, "my_kinds");
}
