// gather.sum, gather.min, gather.max, gather.count, gather.mean, gather.concat:
// the parts of one group (the chunks of one split item, or a whole stream),
// combined in index order.
#include "kinds/kinds.hpp"
#include "kinds/numeric.hpp"

namespace braid::kinds {
namespace {

enum class Op { kSum, kMin, kMax };

/// Folds numbers (and the elements of sequences) in part order.
class NumberGather final : public GatherBody {
 public:
  explicit NumberGather(Op op) : op_(op) {}

  Value combine(std::vector<Value> parts) override {
    bool integral = true, saw_int = false, any = false;
    std::int64_t i = 0;
    Int128 int_total = 0;  // sums add up in 128 bits: exact whenever the total fits
    double d = 0.0;
    auto take_int = [&](std::int64_t x) {
      saw_int = true;
      if (op_ == Op::kSum) {
        int_total += x;
      } else if (!any) {
        i = x;
      } else {
        i = op_ == Op::kMin ? std::min(i, x) : std::max(i, x);
      }
      any = true;
    };
    auto take_double = [&](double x) {
      if (!any) {
        d = x;
      } else if (op_ == Op::kSum) {
        d += x;
      } else {
        d = op_ == Op::kMin ? std::min(d, x) : std::max(d, x);
      }
      any = true;
    };
    for (const Value& v : parts) {
      if (v.is<std::int64_t>()) {
        take_int(v.get<std::int64_t>());
      } else if (v.is<double>()) {
        integral = false;
        take_double(v.get<double>());
      } else if (v.is<Slice<std::int64_t>>()) {
        auto xs = v.get<Slice<std::int64_t>>();
        if (xs.empty()) continue;
        take_int(op_ == Op::kSum   ? sum_int64(xs.data(), xs.size())
                 : op_ == Op::kMin ? min_of(xs.data(), xs.size())
                                   : max_of(xs.data(), xs.size()));
      } else if (v.is<Slice<double>>()) {
        auto xs = v.get<Slice<double>>();
        integral = false;
        if (xs.empty()) continue;
        take_double(op_ == Op::kSum   ? sum_double(xs.data(), xs.size())
                    : op_ == Op::kMin ? min_of(xs.data(), xs.size())
                                      : max_of(xs.data(), xs.size()));
      } else if (v.is<Range>()) {
        const Range& r = v.get<Range>();
        if (r.size() == 0) continue;
        take_int(op_ == Op::kSum ? sum_range(r) : op_ == Op::kMin ? min_range(r) : max_range(r));
      } else {
        throw TypeError("expected numbers or sequences of numbers, got " + v.type_name());
      }
    }
    if (!integral && saw_int) throw TypeError("parts mix integers and doubles");
    if (!any) {
      if (op_ == Op::kSum) return integral ? Value::of(std::int64_t{0}) : Value::of(0.0);
      throw Error(std::string("the ") + (op_ == Op::kMin ? "min" : "max") + " of no numbers is undefined");
    }
    if (integral && op_ == Op::kSum) i = narrow_sum(int_total);
    return integral ? Value::of(i) : Value::of(d);
  }

 private:
  Op op_;
};

class CountGather final : public GatherBody {
 public:
  Value combine(std::vector<Value> parts) override {
    std::int64_t n = 0;
    for (const Value& v : parts)
      n = add_checked(n, v.is<std::int64_t>() ? v.get<std::int64_t>() : static_cast<std::int64_t>(length_of(v)));
    return Value::of(n);
  }
};

class MeanGather final : public GatherBody {
 public:
  Value combine(std::vector<Value> parts) override {
    Mean m;
    for (const Value& v : parts) {
      Mean p;
      if (v.is<Mean>()) {
        p = v.get<Mean>();
      } else if (v.is<std::int64_t>()) {
        p.int_sum = v.get<std::int64_t>();
        p.count = 1;
      } else if (v.is<double>()) {
        p.integral = false;
        p.double_sum = v.get<double>();
        p.count = 1;
      } else {
        throw TypeError("expected mean, int64 or double, got " + v.type_name());
      }
      if (m.integral && p.integral) {
        m.int_sum = add_checked(m.int_sum, p.int_sum);
      } else {
        if (m.integral) m.double_sum = static_cast<double>(m.int_sum);
        m.integral = false;
        m.double_sum += p.integral ? static_cast<double>(p.int_sum) : p.double_sum;
      }
      m.count += p.count;
    }
    return Value::of(m);
  }
};

class ConcatGather final : public GatherBody {
 public:
  Value combine(std::vector<Value> parts) override {
    if (!parts.empty() && parts.front().is<Slice<double>>()) return concat<double>(parts);
    if (!parts.empty() && (parts.front().is<Slice<std::int64_t>>() || parts.front().is<Range>()))
      return concat<std::int64_t>(parts);
    return Value::of(List(std::move(parts)));
  }

 private:
  template <class E>
  static Value concat(const std::vector<Value>& parts) {
    std::size_t n = 0;
    for (const Value& v : parts) n += length_of(v);
    std::vector<E> out;
    out.reserve(n);
    for (const Value& v : parts) {
      if (v.is<Slice<E>>()) {
        auto xs = v.get<Slice<E>>();
        out.insert(out.end(), xs.begin(), xs.end());
      } else if (std::is_same_v<E, std::int64_t> && v.is<Range>()) {
        const Range& r = v.get<Range>();
        for (std::size_t i = 0, m = r.size(); i < m; ++i) out.push_back(static_cast<E>(r.at(i)));
      } else {
        throw TypeError("parts of a concatenation must all be " + type_of<Slice<E>>().name() + ", got " +
                        v.type_name());
      }
    }
    return Value::of(Slice<E>(std::move(out)));
  }
};

template <class Body, class... Args>
Kind gather_kind_of(const char* name, const char* doc, PortSpec in, Kind::InferFn infer, Args... args) {
  Kind k;
  k.name = name;
  k.doc = doc;
  k.shape = Shape::kGather;
  k.depth_change = -1;
  k.inputs = {std::move(in)};
  k.outputs = {port("out", {})};
  k.concurrency = Concurrency::unlimited();
  k.infer = std::move(infer);
  k.stateless = true;  // an op at most
  k.make = [args...](const NodeConfig&) { return std::make_unique<Body>(args...); };
  return k;
}

}  // namespace

void add_gathers(Registry& registry) {
  const auto numbers = [] {
    return port("in", {"int64", "double", "int64[]", "double[]", "range"}, "partial results of one group");
  };
  const auto number_out = infer_by_input({{"int64", "int64"},
                                          {"double", "double"},
                                          {"int64[]", "int64"},
                                          {"double[]", "double"},
                                          {"range", "int64"}});
  registry.add(gather_kind_of<NumberGather>("gather.sum", "Sum of a group's parts, in chunk order", numbers(),
                                            number_out, Op::kSum));
  registry.add(gather_kind_of<NumberGather>("gather.min", "Smallest of a group's parts", numbers(), number_out,
                                            Op::kMin));
  registry.add(gather_kind_of<NumberGather>("gather.max", "Largest of a group's parts", numbers(), number_out,
                                            Op::kMax));
  registry.add(gather_kind_of<CountGather>(
      "gather.count",
      "Total count of a group: int64 parts are partial counts and add up, a sequence counts its elements, any other "
      "value counts one",
      port("in", {}), infer_fixed("int64")));
  registry.add(gather_kind_of<MeanGather>(
      "gather.mean", "Exact mean of a group: partial means weighted by their counts (int64 / double parts count one)",
      port("in", {"mean", "int64", "double"}), infer_fixed("mean")));
  registry.add(gather_kind_of<ConcatGather>(
      "gather.concat",
      "Concatenation in chunk order: sequences into one sequence (a range becomes int64[]), other values into a list",
      port("in", {}),
      [](const Params&, const std::vector<const Type*>& in, std::string&) -> const Type* {
        if (in.empty() || !in[0]) return nullptr;
        const std::string& t = in[0]->name();
        if (t == "double[]") return builtin_type("double[]");
        if (t == "int64[]" || t == "range") return builtin_type("int64[]");
        return builtin_type("list");
      }));
}

}  // namespace braid::kinds
