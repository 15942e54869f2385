// filter.range, filter.match: keep the messages (or the elements of a
// sequence, the lines of a batch) that pass a test. A scalar message passes
// or is dropped; a sequence or a batch always gives one message, possibly
// empty, so that a gather further down still completes. Tags are kept.
//
//   source.lines ──> filter.match {"regex": "ERROR|WARN"} ──> sink.file
#include "kinds/kinds.hpp"

#include <cmath>
#include <regex>

namespace braid::kinds {
namespace {

/// An inclusive bound as written in the params: an integer is compared
/// exactly with int64 values, a fraction rounded the right way.
struct Bound {
  bool given = false;
  bool integral = false;  // i holds the bound exactly
  std::int64_t i = 0;
  double d = 0.0;

  static Bound from(const Params& p, const char* name) {
    Bound b;
    if (!p.has(name)) return b;
    const nlohmann::json& v = p.json().at(name);
    b.given = true;
    b.d = v.get<double>();
    if (v.is_number_integer() && !(v.is_number_unsigned() && v.get<std::uint64_t>() > INT64_MAX)) {
      b.integral = true;
      b.i = v.get<std::int64_t>();
    }
    return b;
  }
};

/// Bounds of the int64 values within [min, max]: lo <= x <= hi (none: nothing passes).
struct IntBounds {
  std::int64_t lo = INT64_MIN;
  std::int64_t hi = INT64_MAX;
  bool none = false;
};

IntBounds int_bounds(const Bound& min, const Bound& max) {
  constexpr double kTwo63 = 9223372036854775808.0;  // 2^63: the first double above INT64_MAX
  IntBounds r;
  if (min.given) {
    if (min.integral) {
      r.lo = min.i;
    } else if (min.d >= kTwo63) {
      r.none = true;
    } else if (min.d > -kTwo63) {
      r.lo = static_cast<std::int64_t>(std::ceil(min.d));
    }
  }
  if (max.given) {
    if (max.integral) {
      r.hi = max.i;
    } else if (max.d < -kTwo63) {
      r.none = true;
    } else if (max.d < kTwo63) {
      r.hi = static_cast<std::int64_t>(std::floor(max.d));
    }
  }
  if (r.lo > r.hi) r.none = true;
  return r;
}

class RangeFilter final : public FlatMapBody {
 public:
  RangeFilter(const Bound& min, const Bound& max)
      : ints_(int_bounds(min, max)), lo_(min.given ? min.d : -INFINITY), hi_(max.given ? max.d : INFINITY) {}

  void apply(const Message& in, Emitter& out) override {
    const Value& v = in.value;
    if (v.is<std::int64_t>()) {
      if (keep(v.get<std::int64_t>())) out.emit(in.tag, v);
    } else if (v.is<double>()) {
      if (keep(v.get<double>())) out.emit(in.tag, v);
    } else if (v.is<Slice<std::int64_t>>()) {
      out.emit(in.tag, filtered(v, v.get<Slice<std::int64_t>>()));
    } else if (v.is<Slice<double>>()) {
      out.emit(in.tag, filtered(v, v.get<Slice<double>>()));
    } else {
      throw TypeError("expected int64, double, int64[] or double[], got " + v.type_name());
    }
  }

 private:
  bool keep(std::int64_t x) const noexcept { return !ints_.none && x >= ints_.lo && x <= ints_.hi; }
  bool keep(double x) const noexcept { return x >= lo_ && x <= hi_; }  // NaN never passes

  /// The elements within bounds: `v` itself when all are.
  template <class E>
  Value filtered(const Value& v, const Slice<E>& xs) const {
    std::size_t first_out = 0;
    while (first_out < xs.size() && keep(xs[first_out])) ++first_out;
    if (first_out == xs.size()) return v;
    std::vector<E> kept(xs.begin(), xs.begin() + first_out);
    for (std::size_t i = first_out + 1; i < xs.size(); ++i)
      if (keep(xs[i])) kept.push_back(xs[i]);
    return Value::of(Slice<E>(std::move(kept)));
  }

  IntBounds ints_;
  double lo_, hi_;
};

/// A test on one line: a substring, or a search of an ECMAScript regex.
class LineTest {
 public:
  explicit LineTest(const Params& p) {
    if (p.has("regex")) {
      regex_.emplace(p.get<std::string>("regex"), std::regex::ECMAScript);
    } else {
      contains_ = p.get<std::string>("contains");
    }
  }
  bool operator()(const std::string& line) const {
    return regex_ ? std::regex_search(line, *regex_) : line.find(contains_) != std::string::npos;
  }

 private:
  std::optional<std::regex> regex_;
  std::string contains_;
};

class MatchFilter final : public FlatMapBody {
 public:
  explicit MatchFilter(const Params& p) : test_(p) {}

  void apply(const Message& in, Emitter& out) override {
    const Value& v = in.value;
    if (v.is<std::string>()) {
      if (test_(v.get<std::string>())) out.emit(in.tag, v);
    } else if (v.is<Lines>()) {
      const Lines& lines = v.get<Lines>();
      Lines kept;
      for (const std::string& line : lines)
        if (test_(line)) kept.push_back(line);
      out.emit(in.tag, kept.size() == lines.size() ? v : Value::of(std::move(kept)));
    } else {
      throw TypeError("expected string or string[], got " + v.type_name());
    }
  }

 private:
  LineTest test_;
};

Kind filter_kind(const char* name, const char* doc) {
  Kind k;
  k.name = name;
  k.doc = doc;
  k.shape = Shape::kFlatMap;
  k.concurrency = Concurrency::unlimited();
  k.stateless = true;  // bounds or a test, read from the params
  return k;
}

/// An optional parameter (no default shown).
ParamSpec optional(ParamSpec p) {
  p.required = false;
  p.default_json = "";
  return p;
}

std::string valid_regex(const nlohmann::json& v) {
  if (!v.is_string()) return "must be a string, " + param::describe(v);
  try {
    std::regex(v.get<std::string>(), std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    return std::string("is not a valid regular expression: ") + e.what();
  }
  return "";
}

}  // namespace

void add_filters(Registry& registry) {
  {
    Kind k = filter_kind("filter.range",
                         "Keeps the numbers within [min, max]: a scalar passes or is dropped, a sequence keeps its "
                         "elements within bounds");
    k.inputs = {port("in", {"int64", "double", "int64[]", "double[]"})};
    k.outputs = {port("out", {},
                      "the input's type: a scalar within bounds; for a sequence, always one sequence of the "
                      "elements within bounds (possibly empty, so a gather still completes)")};
    k.params = {optional(param::number("min", "smallest value kept (inclusive)", std::nullopt)),
                optional(param::number("max", "largest value kept (inclusive)", std::nullopt))};
    k.check_params = [](const Params& p) {
      std::vector<std::pair<std::string, std::string>> problems;
      if (!p.has("min") && !p.has("max")) {
        problems.emplace_back("", "give min, max or both");
      } else if (p.has("min") && p.has("max") && p.get<double>("min") > p.get<double>("max")) {
        problems.emplace_back("", "min must not be greater than max");
      }
      return problems;
    };
    k.infer =
        infer_by_input({{"int64", "int64"}, {"double", "double"}, {"int64[]", "int64[]"}, {"double[]", "double[]"}});
    k.make = [](const NodeConfig& c) -> std::unique_ptr<NodeBody> {
      return std::make_unique<RangeFilter>(Bound::from(c.params, "min"), Bound::from(c.params, "max"));
    };
    registry.add(std::move(k));
  }
  {
    Kind k = filter_kind("filter.match",
                         "Keeps the strings, or the lines of a batch, that contain a substring or a match of a regex");
    k.inputs = {port("in", {"string", "string[]"})};
    k.outputs = {port("out", {},
                      "the input's type: a string that matches; for a batch, always one batch of the matching lines "
                      "(possibly empty, so a gather still completes)")};
    k.params = {optional(param::string("contains", "keep what contains this text", std::nullopt)),
                optional(param::custom("regex", "a regular expression (ECMAScript)",
                                       "keep what holds a match of this regular expression (std::regex, ECMAScript)",
                                       "", false, valid_regex))};
    k.check_params = [](const Params& p) {
      std::vector<std::pair<std::string, std::string>> problems;
      if (p.has("contains") == p.has("regex")) problems.emplace_back("", "give contains or regex (exactly one)");
      return problems;
    };
    k.infer = infer_by_input({{"string", "string"}, {"string[]", "string[]"}});
    k.make = [](const NodeConfig& c) -> std::unique_ptr<NodeBody> { return std::make_unique<MatchFilter>(c.params); };
    registry.add(std::move(k));
  }
}

}  // namespace braid::kinds
