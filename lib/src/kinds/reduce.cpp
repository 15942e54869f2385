// reduce.sum, reduce.min, reduce.max, reduce.count, reduce.mean: one chunk of
// numbers (int64[], double[] or a lazy range) to one number.
#include "kinds/kinds.hpp"
#include "kinds/numeric.hpp"

namespace braid::kinds {
namespace {

enum class Op { kSum, kMin, kMax, kCount, kMean };

[[noreturn]] void unsupported(const Value& v) {
  throw TypeError("expected int64[], double[] or range, got " + v.type_name());
}

[[noreturn]] void empty_chunk(const char* what) {
  throw Error(std::string("the ") + what + " of an empty chunk is undefined");
}

/// The reduction `op` of a chunk of `n` elements, given its sum, min and max kernels.
template <class Sum, class Min, class Max>
Value reduce(Op op, std::size_t n, Sum sum, Min min, Max max) {
  switch (op) {
    case Op::kSum: return Value::of(sum());
    case Op::kMin:
      if (n == 0) empty_chunk("min");
      return Value::of(min());
    case Op::kMax:
      if (n == 0) empty_chunk("max");
      return Value::of(max());
    case Op::kCount: return Value::of(static_cast<std::int64_t>(n));
    case Op::kMean: {
      Mean m;
      const auto s = sum();
      m.integral = std::is_integral_v<decltype(s)>;
      if constexpr (std::is_integral_v<decltype(s)>) {
        m.int_sum = s;
      } else {
        m.double_sum = s;
      }
      m.count = static_cast<std::int64_t>(n);
      return Value::of(m);
    }
  }
  return {};
}

template <class E>
Value reduce_slice(Op op, Slice<E> xs) {
  const E* p = xs.data();
  const std::size_t n = xs.size();
  return reduce(
      op, n,
      [&] {
        if constexpr (std::is_same_v<E, double>) {
          return sum_double(p, n);
        } else {
          return sum_int64(p, n);
        }
      },
      [&] { return min_of(p, n); }, [&] { return max_of(p, n); });
}

class ReduceBody final : public MapBody {
 public:
  explicit ReduceBody(Op op) : op_(op) {}
  Value apply(const Value& in) override {
    if (in.is<Slice<std::int64_t>>()) return reduce_slice(op_, in.get<Slice<std::int64_t>>());
    if (in.is<Slice<double>>()) return reduce_slice(op_, in.get<Slice<double>>());
    if (in.is<Range>()) {
      const Range& r = in.get<Range>();
      return reduce(
          op_, r.size(), [&] { return sum_range(r); }, [&] { return min_range(r); }, [&] { return max_range(r); });
    }
    unsupported(in);
  }

 private:
  Op op_;
};

Kind reduce_kind(const char* name, const char* doc, Op op, Kind::InferFn infer, const char* out_doc) {
  Kind k;
  k.name = name;
  k.doc = doc;
  k.shape = Shape::kMap;
  k.inputs = {port("in", {"int64[]", "double[]", "range"}, "a chunk of numbers")};
  k.outputs = {port("out", {}, out_doc)};
  k.concurrency = Concurrency::unlimited();
  k.infer = std::move(infer);
  k.stateless = true;  // op_ only
  k.make = [op](const NodeConfig&) { return std::make_unique<ReduceBody>(op); };
  return k;
}

}  // namespace

void add_reduces(Registry& registry) {
  const auto same_number = infer_by_input({{"int64[]", "int64"}, {"double[]", "double"}, {"range", "int64"}});
  registry.add(reduce_kind("reduce.sum", "Sum of a chunk's numbers (int64 sums are exact or fail on overflow)",
                           Op::kSum, same_number, "int64 for int64[] and range, double for double[]"));
  registry.add(reduce_kind("reduce.min", "Smallest number of a chunk (an empty chunk is an error)", Op::kMin,
                           same_number, "int64 for int64[] and range, double for double[]"));
  registry.add(reduce_kind("reduce.max", "Largest number of a chunk (an empty chunk is an error)", Op::kMax,
                           same_number, "int64 for int64[] and range, double for double[]"));
  registry.add(reduce_kind("reduce.count", "Number of elements of a chunk", Op::kCount, infer_fixed("int64"),
                           "int64"));
  registry.add(reduce_kind("reduce.mean", "Sum and count of a chunk, for an exact gather.mean", Op::kMean,
                           infer_fixed("mean"), "mean (a partial mean: sum and count)"));
}

}  // namespace braid::kinds
