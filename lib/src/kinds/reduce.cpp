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

Value reduce_int64(Op op, Slice<std::int64_t> xs) {
  switch (op) {
    case Op::kSum: return Value::of(sum_int64(xs.data(), xs.size()));
    case Op::kMin:
      if (xs.empty()) empty_chunk("min");
      return Value::of(min_of(xs.data(), xs.size()));
    case Op::kMax:
      if (xs.empty()) empty_chunk("max");
      return Value::of(max_of(xs.data(), xs.size()));
    case Op::kCount: return Value::of(static_cast<std::int64_t>(xs.size()));
    case Op::kMean: {
      Mean m;
      m.int_sum = sum_int64(xs.data(), xs.size());
      m.count = static_cast<std::int64_t>(xs.size());
      return Value::of(m);
    }
  }
  return {};
}

Value reduce_double(Op op, Slice<double> xs) {
  switch (op) {
    case Op::kSum: return Value::of(sum_double(xs.data(), xs.size()));
    case Op::kMin:
      if (xs.empty()) empty_chunk("min");
      return Value::of(min_of(xs.data(), xs.size()));
    case Op::kMax:
      if (xs.empty()) empty_chunk("max");
      return Value::of(max_of(xs.data(), xs.size()));
    case Op::kCount: return Value::of(static_cast<std::int64_t>(xs.size()));
    case Op::kMean: {
      Mean m;
      m.integral = false;
      m.double_sum = sum_double(xs.data(), xs.size());
      m.count = static_cast<std::int64_t>(xs.size());
      return Value::of(m);
    }
  }
  return {};
}

Value reduce_range(Op op, const Range& r) {
  switch (op) {
    case Op::kSum: return Value::of(sum_range(r));
    case Op::kMin:
      if (r.size() == 0) empty_chunk("min");
      return Value::of(min_range(r));
    case Op::kMax:
      if (r.size() == 0) empty_chunk("max");
      return Value::of(max_range(r));
    case Op::kCount: return Value::of(static_cast<std::int64_t>(r.size()));
    case Op::kMean: {
      Mean m;
      m.int_sum = sum_range(r);
      m.count = static_cast<std::int64_t>(r.size());
      return Value::of(m);
    }
  }
  return {};
}

class ReduceBody final : public MapBody {
 public:
  explicit ReduceBody(Op op) : op_(op) {}
  Value apply(const Value& in) override {
    if (in.is<Slice<std::int64_t>>()) return reduce_int64(op_, in.get<Slice<std::int64_t>>());
    if (in.is<Slice<double>>()) return reduce_double(op_, in.get<Slice<double>>());
    if (in.is<Range>()) return reduce_range(op_, in.get<Range>());
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
