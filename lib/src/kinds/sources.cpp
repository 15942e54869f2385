// source.values, source.range, source.sequence: one-item sources that start a
// pipeline with one sequence.
#include "kinds/kinds.hpp"

#include <oneapi/tbb/parallel_for.h>

#include <new>
#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace braid::kinds {
namespace {

/// Emits one value, made on first demand (so a large sequence is built inside the run).
template <class Make>
class OnceSource final : public SourceBody {
 public:
  explicit OnceSource(Make make) : make_(std::move(make)) {}
  bool next(Value& out) override {
    if (done_) return false;
    done_ = true;
    out = make_();
    return true;
  }

 private:
  Make make_;
  bool done_ = false;
};

template <class Make>
std::unique_ptr<NodeBody> once(Make make) {
  return std::make_unique<OnceSource<Make>>(std::move(make));
}

bool all_integers(const nlohmann::json& values) {
  for (const auto& v : values)
    if (!v.is_number_integer() || (v.is_number_unsigned() && v.get<std::uint64_t>() > INT64_MAX)) return false;
  return true;
}

std::string array_of_numbers(const nlohmann::json& v) {
  if (!v.is_array()) return "must be an array of numbers, " + param::describe(v);
  for (std::size_t i = 0; i < v.size(); ++i)
    if (!v[i].is_number())
      return "must be an array of numbers; element " + std::to_string(i) + " is not a number: " + param::describe(v[i]);
  return "";
}

Kind source_kind(const char* name, const char* doc, const char* out_type) {
  Kind k;
  k.name = name;
  k.doc = doc;
  k.shape = Shape::kSource;
  k.outputs = {port("out", {out_type})};
  k.concurrency = Concurrency::serial();
  return k;
}

/// Uninitialised storage for n int64. Large buffers are mapped with
/// transparent huge pages where the system offers them: filling 1.6 GB then
/// costs hundreds of page faults instead of hundreds of thousands.
std::shared_ptr<std::int64_t> allocate_int64(std::size_t n) {
  const std::size_t bytes = n * sizeof(std::int64_t);
#if defined(__linux__)
  if (bytes >= (std::size_t{8} << 20)) {
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    madvise(p, bytes, MADV_HUGEPAGE);  // a hint: ignored where THP is off
    return std::shared_ptr<std::int64_t>(static_cast<std::int64_t*>(p),
                                         [bytes](std::int64_t* q) { munmap(q, bytes); });
  }
#endif
  return std::shared_ptr<std::int64_t>(new std::int64_t[n], std::default_delete<std::int64_t[]>());
}

/// splitmix64: a counter-based generator, so element i is the same whoever fills it.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

}  // namespace

void add_sources(Registry& registry) {
  {
    Kind k = source_kind("source.values", "One sequence given literally: int64[] if every value is an integer, else double[]",
                         "int64[]");
    k.outputs = {port("out", {}, "int64[] or double[]")};
    k.params = {param::custom("values", "an array of numbers", "the numbers", "", true, array_of_numbers)};
    k.infer = [](const Params& p, const std::vector<const Type*>&, std::string&) {
      return builtin_type(all_integers(p.json().at("values")) ? "int64[]" : "double[]");
    };
    k.make = [](const NodeConfig& c) {
      const nlohmann::json& values = c.params.json().at("values");
      if (all_integers(values)) {
        auto xs = values.get<std::vector<std::int64_t>>();
        return once([xs]() { return Value::of(Slice<std::int64_t>(xs)); });
      }
      auto xs = values.get<std::vector<double>>();
      return once([xs]() { return Value::of(Slice<double>(xs)); });
    };
    registry.add(std::move(k));
  }
  {
    Kind k = source_kind("source.range",
                         "The integers begin <= i < end by step, lazily: chunks hold bounds, reductions visit every "
                         "element",
                         "range");
    k.params = {param::integer("begin", "first integer", 0), param::integer("end", "bound, not included", std::nullopt),
                param::integer("step", "distance between integers; negative counts down", 1)};
    k.check_params = [](const Params& p) {
      std::vector<std::pair<std::string, std::string>> problems;
      if (p.get_or<std::int64_t>("step", 1) == 0) problems.emplace_back("/step", "must not be 0");
      return problems;
    };
    k.make = [](const NodeConfig& c) {
      Range r{c.params.get_or<std::int64_t>("begin", 0), c.params.get<std::int64_t>("end"),
              c.params.get_or<std::int64_t>("step", 1)};
      return once([r]() { return Value::of(r); });
    };
    registry.add(std::move(k));
  }
  {
    Kind k = source_kind("source.sequence",
                         "n int64 held in memory, filled in parallel: iota (start, start+1, ...) or random (seed)",
                         "int64[]");
    k.params = {
        param::integer("n", "number of elements", std::nullopt, 0, std::int64_t{1} << 34),
        param::string("fill", "how elements are made", "iota", {"iota", "random"}),
        param::integer("start", "first element of an iota fill", 0),
        param::integer("seed", "seed of a random fill: the same seed gives the same numbers", 0),
        param::integer("bound", "random elements lie in [0, bound)", 1000, 1),
    };
    k.make = [](const NodeConfig& c) {
      const auto n = static_cast<std::size_t>(c.params.get<std::int64_t>("n"));
      const bool random = c.params.get_or<std::string>("fill", "iota") == "random";
      const std::int64_t start = c.params.get_or<std::int64_t>("start", 0);
      const auto seed = static_cast<std::uint64_t>(c.params.get_or<std::int64_t>("seed", 0));
      const auto bound = static_cast<std::uint64_t>(c.params.get_or<std::int64_t>("bound", 1000));
      return once([=]() {
        // Not value-initialised: the parallel fill is the first touch, so page
        // faults are spread over the workers instead of one zeroing pass.
        std::shared_ptr<std::int64_t> owner = allocate_int64(n);
        std::int64_t* data = owner.get();
        tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, 1 << 16), [&](const tbb::blocked_range<std::size_t>& r) {
          for (std::size_t i = r.begin(); i != r.end(); ++i)
            data[i] = random ? static_cast<std::int64_t>(mix(seed * 0x100000001B3ull + i) % bound)
                             : static_cast<std::int64_t>(static_cast<std::uint64_t>(start) + i);
        });
        return Value::of(Slice<std::int64_t>(std::shared_ptr<const void>(owner, data), data, n));
      });
    };
    registry.add(std::move(k));
  }
}

}  // namespace braid::kinds
