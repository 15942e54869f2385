// Private to the tests: random valid pipelines over the built-in kinds, and a
// small sequential reference interpreter of those kinds, for differential
// testing (test_differential.cpp).
//
//   random_pipeline(seed)         a PipelineSpec: 1-3 sources, a random DAG of
//                                 split / reduce.* / gather.* / join, a
//                                 sink.output on every loose end
//   interpret(spec)               what each sink.output receives, or which
//                                 node fails or never completes, computed node
//                                 by node in topological order from the kinds'
//                                 documented semantics
//
// The interpreter uses neither tbb nor braid's runtime or kinds: it reads the
// spec as plain data and holds its own values (RefValue) and tags (RefTag).
// Its outputs are (tag text, value as JSON text) per sink, the shape a
// braid::Result is reduced to for comparison.
#pragma once

#include <braid/spec.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace braid_test {

// --- tags -------------------------------------------------------------------

/// The item of a source plus one (index, count) level per split passed.
struct RefTag {
  std::uint64_t item = 0;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> levels;

  RefTag child(std::uint32_t index, std::uint32_t count) const {
    RefTag t = *this;
    t.levels.emplace_back(index, count);
    return t;
  }
  RefTag parent() const {
    RefTag t = *this;
    t.levels.pop_back();
    return t;
  }
  /// "3", "3:1/4", "3:1/4:0/2" (as braid::Tag::to_string documents).
  std::string to_string() const {
    std::string s = std::to_string(item);
    for (const auto& [i, c] : levels) s += ":" + std::to_string(i) + "/" + std::to_string(c);
    return s;
  }
  /// By item, then level by level by index, a parent first; equal indices by counts.
  bool operator<(const RefTag& o) const {
    if (item != o.item) return item < o.item;
    for (std::size_t i = 0; i < levels.size() && i < o.levels.size(); ++i)
      if (levels[i].first != o.levels[i].first) return levels[i].first < o.levels[i].first;
    if (levels.size() != o.levels.size()) return levels.size() < o.levels.size();
    return levels < o.levels;
  }
  bool operator==(const RefTag& o) const { return item == o.item && levels == o.levels; }
};

// --- values -----------------------------------------------------------------

struct RefValue {
  enum class Kind { kInt, kDouble, kInts, kDoubles, kRange, kMean, kRecord, kList };
  Kind kind = Kind::kInt;
  std::int64_t i = 0;
  double d = 0.0;
  std::vector<std::int64_t> ints;
  std::vector<double> doubles;
  std::int64_t begin = 0, end = 0, step = 1;  // a range
  bool integral = true;                        // a mean: exact int sum or double sum, and count
  std::int64_t int_sum = 0;
  double double_sum = 0.0;
  std::int64_t count = 0;
  std::vector<std::string> names;  // a record's field names, in port order
  std::vector<RefValue> items;     // a record's fields, or a list's elements

  static RefValue of_int(std::int64_t x) {
    RefValue v;
    v.i = x;
    return v;
  }
  static RefValue of_double(double x) {
    RefValue v;
    v.kind = Kind::kDouble;
    v.d = x;
    return v;
  }
  bool is_sequence() const { return kind == Kind::kInts || kind == Kind::kDoubles || kind == Kind::kRange; }

  /// Elements of a range: Python's range(begin, end, step).
  std::size_t range_size() const {
    __extension__ using I128 = __int128;
    if (step > 0) return begin >= end ? 0 : static_cast<std::size_t>((I128(end) - begin - 1) / step + 1);
    return begin <= end ? 0 : static_cast<std::size_t>((I128(begin) - end - 1) / (-I128(step)) + 1);
  }
  std::int64_t range_at(std::size_t k) const { return begin + static_cast<std::int64_t>(k) * step; }
  std::size_t length() const {
    if (kind == Kind::kInts) return ints.size();
    if (kind == Kind::kDoubles) return doubles.size();
    if (kind == Kind::kRange) return range_size();
    return 1;
  }
  /// The integer elements of an int64[] or a range.
  std::vector<std::int64_t> int_elements() const {
    if (kind == Kind::kInts) return ints;
    std::vector<std::int64_t> out;
    for (std::size_t k = 0, n = range_size(); k < n; ++k) out.push_back(range_at(k));
    return out;
  }

  /// The JSON braid's codecs give: numbers, arrays, {begin, end, step}, a
  /// mean as sum / count (null when not finite), a record as an object.
  nlohmann::json to_json() const {
    auto number = [](double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); };
    switch (kind) {
      case Kind::kInt: return i;
      case Kind::kDouble: return number(d);
      case Kind::kInts: return ints;
      case Kind::kDoubles: {
        nlohmann::json a = nlohmann::json::array();
        for (double x : doubles) a.push_back(number(x));
        return a;
      }
      case Kind::kRange: return {{"begin", begin}, {"end", end}, {"step", step}};
      case Kind::kMean: {
        if (count == 0) return nullptr;
        return number((integral ? static_cast<double>(int_sum) : double_sum) / static_cast<double>(count));
      }
      case Kind::kRecord: {
        nlohmann::json o = nlohmann::json::object();
        for (std::size_t k = 0; k < items.size(); ++k) o[names[k]] = items[k].to_json();
        return o;
      }
      case Kind::kList: {
        nlohmann::json a = nlohmann::json::array();
        for (const RefValue& e : items) a.push_back(e.to_json());
        return a;
      }
    }
    return nullptr;
  }
};

struct RefMessage {
  RefTag tag;
  RefValue value;
};
using RefMessages = std::vector<RefMessage>;  // one node's output, sorted by tag

/// A body that fails (as a braid kind throws): the run would end with a NodeError.
struct RefNodeFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};
/// What one node does with its input: the messages it emits, the bodies that
/// fail (tag, cause: each would end the run with a NodeError) and the gather
/// groups or join keys that never complete (tag, IncompleteError line).
struct RefEval {
  RefMessages messages;
  std::vector<std::pair<RefTag, std::string>> failures;
  std::vector<std::pair<RefTag, std::string>> missing;
};

namespace ref_detail {

__extension__ using I128 = __int128;

inline std::int64_t narrow(I128 total) {
  if (total > INT64_MAX || total < INT64_MIN) throw RefNodeFailure("int64 overflow: the sum does not fit in 64 bits");
  return static_cast<std::int64_t>(total);
}

inline std::int64_t exact_sum(const std::vector<std::int64_t>& xs) {
  I128 t = 0;
  for (std::int64_t x : xs) t += x;
  return narrow(t);
}

/// Floating-point sums run left to right from 0.0, in element order.
inline double left_sum(const std::vector<double>& xs) {
  double s = 0.0;
  for (double x : xs) s += x;
  return s;
}

inline void sort_by_tag(RefMessages& ms) {
  std::stable_sort(ms.begin(), ms.end(), [](const RefMessage& a, const RefMessage& b) { return a.tag < b.tag; });
}

inline std::uint64_t splitmix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

inline RefValue source_value(const std::string& kind, const nlohmann::json& p) {
  RefValue v;
  if (kind == "source.values") {
    const auto& values = p.at("values");
    bool ints = std::all_of(values.begin(), values.end(), [](const nlohmann::json& x) {
      return x.is_number_integer() && !(x.is_number_unsigned() && x.get<std::uint64_t>() > INT64_MAX);
    });
    if (ints) {
      v.kind = RefValue::Kind::kInts;
      for (const auto& x : values) v.ints.push_back(x.get<std::int64_t>());
    } else {
      v.kind = RefValue::Kind::kDoubles;
      for (const auto& x : values) v.doubles.push_back(x.get<double>());
    }
  } else if (kind == "source.range") {
    v.kind = RefValue::Kind::kRange;
    v.begin = p.value("begin", std::int64_t{0});
    v.end = p.at("end").get<std::int64_t>();
    v.step = p.value("step", std::int64_t{1});
  } else if (kind == "source.sequence") {
    v.kind = RefValue::Kind::kInts;
    const auto n = p.at("n").get<std::int64_t>();
    const bool random = p.value("fill", std::string("iota")) == "random";
    const auto start = p.value("start", std::int64_t{0});
    const auto seed = static_cast<std::uint64_t>(p.value("seed", std::int64_t{0}));
    const auto bound = static_cast<std::uint64_t>(p.value("bound", std::int64_t{1000}));
    for (std::int64_t k = 0; k < n; ++k)
      v.ints.push_back(random ? static_cast<std::int64_t>(splitmix(seed * 0x100000001B3ull + static_cast<std::uint64_t>(k)) % bound)
                              : start + k);
  } else {
    throw std::logic_error("reference: no source kind " + kind);
  }
  return v;
}

/// Chunk [offset, offset + count) of a sequence; a range chunk keeps its bounds.
inline RefValue chunk_of(const RefValue& v, std::size_t offset, std::size_t count) {
  RefValue c;
  c.kind = v.kind;
  if (v.kind == RefValue::Kind::kInts) {
    c.ints.assign(v.ints.begin() + static_cast<std::ptrdiff_t>(offset),
                  v.ints.begin() + static_cast<std::ptrdiff_t>(offset + count));
  } else if (v.kind == RefValue::Kind::kDoubles) {
    c.doubles.assign(v.doubles.begin() + static_cast<std::ptrdiff_t>(offset),
                     v.doubles.begin() + static_cast<std::ptrdiff_t>(offset + count));
  } else {
    c.step = v.step;
    c.begin = v.range_at(offset);
    c.end = count == 0 ? c.begin : offset + count >= v.range_size() ? v.end : v.range_at(offset + count);
  }
  return c;
}

/// split: k chunks (chunks, grain or auto), never more than the elements
/// unless there are none (then one empty chunk); the first n mod k one longer.
inline RefMessages split(const nlohmann::json& p, const RefMessages& in) {
  RefMessages out;
  for (const RefMessage& m : in) {
    const std::size_t n = m.value.length();
    std::size_t k;
    if (p.contains("grain")) {
      const auto g = p.at("grain").get<std::size_t>();
      k = (n + g - 1) / g;
    } else if (p.contains("chunks") && p.at("chunks").is_number()) {
      k = p.at("chunks").get<std::size_t>();
    } else {
      k = std::min<std::size_t>(256, (n + 32767) / 32768);
    }
    k = std::max<std::size_t>(1, std::min(k, n));
    std::size_t offset = 0;
    for (std::size_t c = 0; c < k; ++c) {
      const std::size_t len = n / k + (c < n % k ? 1 : 0);
      out.push_back({m.tag.child(static_cast<std::uint32_t>(c), static_cast<std::uint32_t>(k)),
                     chunk_of(m.value, offset, len)});
      offset += len;
    }
  }
  return out;
}

inline RefValue reduce(const std::string& op, const RefValue& v) {
  if (!v.is_sequence()) throw std::logic_error("reference: reduce of a non-sequence");
  const bool dbl = v.kind == RefValue::Kind::kDoubles;
  const std::size_t n = v.length();
  if (op == "count") return RefValue::of_int(static_cast<std::int64_t>(n));
  if (op == "sum") return dbl ? RefValue::of_double(left_sum(v.doubles)) : RefValue::of_int(exact_sum(v.int_elements()));
  if (op == "mean") {
    RefValue m;
    m.kind = RefValue::Kind::kMean;
    m.integral = !dbl;
    if (dbl)
      m.double_sum = left_sum(v.doubles);
    else
      m.int_sum = exact_sum(v.int_elements());
    m.count = static_cast<std::int64_t>(n);
    return m;
  }
  if (n == 0) throw RefNodeFailure("the " + op + " of an empty chunk is undefined");
  if (dbl) {
    double r = v.doubles[0];
    for (double x : v.doubles) r = op == "min" ? std::min(r, x) : std::max(r, x);
    return RefValue::of_double(r);
  }
  auto xs = v.int_elements();
  return RefValue::of_int(op == "min" ? *std::min_element(xs.begin(), xs.end()) : *std::max_element(xs.begin(), xs.end()));
}

/// gather.sum / min / max: numbers, and each non-empty sequence's own
/// reduction, folded in part order; sums of integers exact.
inline RefValue fold_numbers(const std::string& op, const std::vector<RefValue>& parts) {
  bool integral = true, any = false;
  I128 total = 0;
  std::int64_t best = 0;
  double d = 0.0;
  auto take_int = [&](std::int64_t x) {
    if (op == "sum")
      total += x;
    else
      best = !any ? x : op == "min" ? std::min(best, x) : std::max(best, x);
    any = true;
  };
  auto take_double = [&](double x) {
    d = !any ? x : op == "sum" ? d + x : op == "min" ? std::min(d, x) : std::max(d, x);
    any = true;
  };
  for (const RefValue& v : parts) {
    if (v.kind == RefValue::Kind::kInt) {
      take_int(v.i);
    } else if (v.kind == RefValue::Kind::kDouble) {
      integral = false;
      take_double(v.d);
    } else if (v.is_sequence()) {
      if (v.kind == RefValue::Kind::kDoubles) integral = false;
      if (v.length() == 0) continue;
      const RefValue r = reduce(op, v);
      if (r.kind == RefValue::Kind::kDouble)
        take_double(r.d);
      else
        take_int(r.i);
    } else {
      throw std::logic_error("reference: gather." + op + " of a non-number");
    }
  }
  if (!any) {
    if (op == "sum") return integral ? RefValue::of_int(0) : RefValue::of_double(0.0);
    throw RefNodeFailure("the " + op + " of no numbers is undefined");
  }
  if (!integral) return RefValue::of_double(d);
  return RefValue::of_int(op == "sum" ? narrow(total) : best);
}

inline RefValue combine(const std::string& op, const std::vector<RefValue>& parts) {
  if (op == "sum" || op == "min" || op == "max") return fold_numbers(op, parts);
  if (op == "count") {
    I128 n = 0;
    for (const RefValue& v : parts) n += v.kind == RefValue::Kind::kInt ? v.i : static_cast<std::int64_t>(v.length());
    return RefValue::of_int(narrow(n));
  }
  if (op == "mean") {
    RefValue m;
    m.kind = RefValue::Kind::kMean;
    for (const RefValue& v : parts) {
      RefValue p = v;
      if (v.kind == RefValue::Kind::kInt) {
        p.kind = RefValue::Kind::kMean, p.integral = true, p.int_sum = v.i, p.count = 1;
      } else if (v.kind == RefValue::Kind::kDouble) {
        p.kind = RefValue::Kind::kMean, p.integral = false, p.double_sum = v.d, p.count = 1;
      }
      if (m.integral && p.integral) {
        m.int_sum = narrow(I128(m.int_sum) + p.int_sum);
      } else {
        if (m.integral) m.double_sum = static_cast<double>(m.int_sum);
        m.integral = false;
        m.double_sum += p.integral ? static_cast<double>(p.int_sum) : p.double_sum;
      }
      m.count += p.count;
    }
    return m;
  }
  if (op == "concat") {
    RefValue out;
    if (!parts.empty() && parts.front().kind == RefValue::Kind::kDoubles) {
      out.kind = RefValue::Kind::kDoubles;
      for (const RefValue& v : parts) out.doubles.insert(out.doubles.end(), v.doubles.begin(), v.doubles.end());
    } else if (!parts.empty() && (parts.front().kind == RefValue::Kind::kInts || parts.front().kind == RefValue::Kind::kRange)) {
      out.kind = RefValue::Kind::kInts;
      for (const RefValue& v : parts) {
        auto xs = v.int_elements();
        out.ints.insert(out.ints.end(), xs.begin(), xs.end());
      }
    } else {
      out.kind = RefValue::Kind::kList;
      out.items = parts;
    }
    return out;
  }
  throw std::logic_error("reference: no gather." + op);
}

/// A gather: whole-stream (depth 0) members combine into one message tagged
/// 0 (an empty stream too: `whole_stream`, the gather is fed depth 0);
/// deeper messages group by parent tag, each group complete with every index
/// of its count.
inline void gather(const std::string& op, const RefMessages& in, bool whole_stream, RefEval& out) {
  auto combine_into = [&](const RefTag& tag, const std::vector<RefValue>& parts) {
    try {
      out.messages.push_back({tag, combine(op, parts)});
    } catch (const RefNodeFailure& e) {
      out.failures.emplace_back(tag, e.what());
    }
  };
  if (in.empty() && whole_stream) combine_into(RefTag{}, {});
  if (in.empty()) return;
  if (in.front().tag.levels.empty()) {
    std::vector<RefValue> parts;
    for (const RefMessage& m : in) parts.push_back(m.value);  // `in` is in tag order
    combine_into(RefTag{}, parts);
    return;
  }
  std::map<std::string, std::pair<RefTag, std::map<std::uint32_t, RefValue>>> groups;
  std::map<std::string, std::uint32_t> counts;
  for (const RefMessage& m : in) {
    RefTag parent = m.tag.parent();
    auto& g = groups[parent.to_string()];
    g.first = parent;
    counts[parent.to_string()] = m.tag.levels.back().second;
    g.second.emplace(m.tag.levels.back().first, m.value);
  }
  for (const auto& [key, g] : groups) {
    const std::uint32_t count = counts[key];
    if (g.second.size() != count) {
      std::string absent;
      for (std::uint32_t k = 0; k < count; ++k)
        if (!g.second.count(k)) absent += (absent.empty() ? "" : ", ") + std::to_string(k);
      out.missing.emplace_back(g.first, "group " + key + " received " + std::to_string(g.second.size()) + " of " +
                                            std::to_string(count) + " parts; missing " + absent);
      continue;
    }
    std::vector<RefValue> parts;
    for (const auto& [index, v] : g.second) parts.push_back(v);
    combine_into(g.first, parts);
  }
}

inline void join(const std::vector<std::string>& ports, const std::vector<const RefMessages*>& in, RefEval& out) {
  std::map<std::string, std::pair<RefTag, std::vector<const RefValue*>>> keys;
  for (std::size_t p = 0; p < ports.size(); ++p)
    for (const RefMessage& m : *in[p]) {
      auto& k = keys[m.tag.to_string()];
      k.first = m.tag;
      k.second.resize(ports.size(), nullptr);
      k.second[p] = &m.value;
    }
  for (const auto& [key, k] : keys) {
    RefValue r;
    r.kind = RefValue::Kind::kRecord;
    std::string have, lack;
    for (std::size_t p = 0; p < ports.size(); ++p) {
      std::string& list = k.second[p] ? have : lack;
      list += (list.empty() ? "" : ", ") + ports[p];
      if (!k.second[p]) continue;
      r.names.push_back(ports[p]);
      r.items.push_back(*k.second[p]);
    }
    if (lack.empty())
      out.messages.push_back({k.first, std::move(r)});
    else
      out.missing.emplace_back(k.first, "tag " + key + " arrived on " + have + " but never on " + lack);
  }
}

}  // namespace ref_detail

/// The input port names of `node`: a join's `ports`, else "in" (sources: none).
inline std::vector<std::string> ref_input_ports(const braid::NodeSpec& node) {
  if (node.kind == "join") return node.params.json().at("ports").get<std::vector<std::string>>();
  if (node.kind.rfind("source.", 0) == 0) return {};
  return {"in"};
}

/// What `node` does given the messages arriving on each input port
/// (ref_input_ports order); its messages in tag order. `whole_stream`: a
/// gather fed whole items (split depth 0).
inline RefEval ref_eval(const braid::NodeSpec& node, const std::vector<const RefMessages*>& in,
                        bool whole_stream = false) {
  namespace d = ref_detail;
  const std::string& kind = node.kind;
  const nlohmann::json& p = node.params.json();
  RefEval out;
  if (kind == "source.count") {
    for (std::int64_t k = 0; k < p.at("n").get<std::int64_t>(); ++k)
      out.messages.push_back({RefTag{static_cast<std::uint64_t>(k), {}}, RefValue::of_int(k)});
  } else if (kind.rfind("source.", 0) == 0) {
    out.messages.push_back({RefTag{}, d::source_value(kind, p)});
  } else if (kind == "split") {
    out.messages = d::split(p, *in.at(0));
  } else if (kind.rfind("reduce.", 0) == 0) {
    for (const RefMessage& m : *in.at(0)) {
      try {
        out.messages.push_back({m.tag, d::reduce(kind.substr(7), m.value)});
      } catch (const RefNodeFailure& e) {
        out.failures.emplace_back(m.tag, e.what());
      }
    }
  } else if (kind.rfind("gather.", 0) == 0) {
    d::gather(kind.substr(7), *in.at(0), whole_stream, out);
  } else if (kind == "join") {
    d::join(ref_input_ports(node), in, out);
  } else if (kind == "sink.output") {
    out.messages = *in.at(0);  // what it collects
  } else {
    throw std::logic_error("reference: no kind " + kind);
  }
  d::sort_by_tag(out.messages);
  return out;
}

/// What each sink.output collects: (tag, value as JSON text), in tag order.
using RefOutputs = std::map<std::string, std::vector<std::pair<std::string, std::string>>>;

/// How a run of a pipeline ends.
struct RefRun {
  /// Bodies that fail: a run throws NodeError for one of them (the first it
  /// meets): "node 'ID' (KIND) failed on tag TAG: CAUSE".
  std::set<std::string> failures;
  /// Else, when not empty, the run throws IncompleteError with these lines.
  std::vector<std::string> missing;
  /// Else the run succeeds with these outputs.
  RefOutputs outputs;
};

/// Runs `spec` sequentially: nodes in topological order (Kahn's algorithm),
/// each fed the messages of the nodes its input ports are connected to.
inline RefRun interpret(const braid::PipelineSpec& spec) {
  const std::size_t n = spec.nodes.size();
  std::map<std::string, std::size_t> index;
  for (std::size_t v = 0; v < n; ++v) index[spec.nodes[v].id] = v;
  std::vector<std::map<std::string, std::size_t>> feeder(n);  // port -> node
  std::vector<std::vector<std::size_t>> next(n);
  std::vector<std::size_t> waiting(n, 0);
  for (const braid::EdgeSpec& e : spec.edges) {
    const std::size_t from = index.at(e.from.node), to = index.at(e.to.node);
    feeder[to][e.to.port.empty() ? "in" : e.to.port] = from;
    next[from].push_back(to);
    ++waiting[to];
  }
  std::vector<std::size_t> ready;
  for (std::size_t v = 0; v < n; ++v)
    if (waiting[v] == 0) ready.push_back(v);
  std::vector<RefMessages> emitted(n);
  std::vector<std::vector<std::pair<RefTag, std::string>>> missing(n);
  std::vector<int> depth(n, 0);  // split depth of each node's output
  RefRun run;
  while (!ready.empty()) {
    const std::size_t v = ready.back();
    ready.pop_back();
    const braid::NodeSpec& node = spec.nodes[v];
    std::vector<const RefMessages*> in;
    int in_depth = 0;
    for (const std::string& port : ref_input_ports(node)) {
      in.push_back(&emitted[feeder[v].at(port)]);
      in_depth = std::max(in_depth, depth[feeder[v].at(port)]);
    }
    const bool is_gather = node.kind.rfind("gather.", 0) == 0;
    depth[v] = std::max(0, in_depth + (node.kind == "split" ? 1 : is_gather ? -1 : 0));
    RefEval e = ref_eval(node, in, is_gather && in_depth == 0);
    emitted[v] = std::move(e.messages);
    const std::string who = "node '" + node.id + "' (" + node.kind + ")";
    for (const auto& [tag, cause] : e.failures) run.failures.insert(who + " failed on tag " + tag.to_string() + ": " + cause);
    missing[v] = std::move(e.missing);
    if (node.kind == "sink.output") {
      auto& out = run.outputs[node.id];
      for (const RefMessage& m : emitted[v]) out.emplace_back(m.tag.to_string(), m.value.to_json().dump());
    }
    for (std::size_t w : next[v])
      if (--waiting[w] == 0) ready.push_back(w);
  }
  for (std::size_t v = 0; v < n; ++v) {  // in declaration order, each node's in tag order
    std::stable_sort(missing[v].begin(), missing[v].end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [tag, line] : missing[v])
      run.missing.push_back("node '" + spec.nodes[v].id + "' (" + spec.nodes[v].kind + "): " + line);
  }
  return run;
}

// --- the generator ------------------------------------------------------------

/// What random_pipeline() made, and which features it used (for coverage checks).
struct RandomPipeline {
  braid::PipelineSpec spec;
  std::set<std::string> kinds;  // kinds used
  std::size_t max_depth = 0;    // deepest split nesting
  bool stream_gather = false;   // a gather of a whole stream of several items
  bool ordered = false;
};

namespace gen_detail {

class Random {
 public:
  explicit Random(std::uint64_t seed) : engine_(seed) {}
  /// Uniform in [0, n).
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(engine_() % n); }
  /// Uniform in [lo, hi].
  std::int64_t between(std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(engine_() % static_cast<std::uint64_t>(hi - lo + 1));
  }
  bool chance(double p) { return static_cast<double>(engine_() >> 11) * 0x1p-53 < p; }
  template <class T>
  const T& pick(const std::vector<T>& xs) {
    return xs[below(xs.size())];
  }
  /// A double of any sign and magnitude 1e-3 .. 1e6, never an integer and never -0.0,
  /// so that sums depend on the order they are added in.
  double real() {
    static const double kScales[] = {1e-3, 1.0, 1e3, 1e6};
    double m = static_cast<double>(engine_() >> 11) * 0x1p-53 * 2.0 - 1.0;
    double x = m * kScales[below(4)];
    return x == std::floor(x) ? x + 0.5 : x;
  }

 private:
  std::mt19937_64 engine_;
};

/// A node of the pipeline being made, with what the reference says it emits.
struct Made {
  braid::NodeSpec spec;
  std::string type;  // its output's type name ("" for a sink)
  std::size_t depth = 0;
  RefMessages messages;
  std::set<std::string> sources;  // sources upstream (itself, for a source)
  std::size_t consumers = 0;
  std::vector<std::pair<std::size_t, std::string>> inputs;  // (node, port)
};

inline bool is_sequence(const std::string& t) { return t == "int64[]" || t == "double[]" || t == "range"; }

class Generator {
 public:
  explicit Generator(std::uint64_t seed) : r_(seed) { may_fail_ = r_.chance(0.2); }

  RandomPipeline make() {
    const std::size_t sources = 1 + (r_.chance(0.5) ? 0 : r_.below(3));
    for (std::size_t s = 0; s < sources; ++s) add_source();
    const std::size_t ops = 2 + r_.below(13);
    for (std::size_t k = 0; k < ops; ++k)
      for (int attempt = 0; attempt < 30 && !add_operation(); ++attempt) {
      }
    const std::size_t made = nodes_.size();
    for (std::size_t v = 0; v < made; ++v)
      if (nodes_[v].consumers == 0 || r_.chance(0.1)) add_sink(v);
    return build();
  }

 private:
  std::string next_id(const std::string& kind) {
    std::string id = kind;
    std::replace(id.begin(), id.end(), '.', '_');
    return id + "_" + std::to_string(nodes_.size());
  }

  void maybe_concurrency(braid::NodeSpec& n) {
    switch (r_.below(5)) {
      case 0: n.concurrency = braid::Concurrency::serial(); break;
      case 1: n.concurrency = braid::Concurrency::unlimited(); break;
      case 2: n.concurrency = braid::Concurrency::limit(static_cast<std::size_t>(r_.between(2, 3))); break;
      default: break;  // the kind's default
    }
    if (!resources_.empty() && r_.chance(0.15)) n.uses.push_back(r_.pick(resources_));
  }

  void add_source() {
    Made m;
    m.spec.id = next_id("source");
    auto& p = m.spec.params.json();
    switch (r_.below(5)) {
      case 0: {  // literal integers (sometimes none)
        m.spec.kind = "source.values";
        std::vector<std::int64_t> xs(r_.below(8) == 0 ? 0 : r_.below(40));
        const std::int64_t mag = r_.chance(0.5) ? 5 : 1000;
        for (auto& x : xs) x = r_.between(-mag, mag);
        p["values"] = xs;
        m.type = "int64[]";
        break;
      }
      case 1: {  // literal doubles
        m.spec.kind = "source.values";
        std::vector<double> xs(1 + r_.below(40));
        for (auto& x : xs) x = r_.real();
        p["values"] = xs;
        m.type = "double[]";
        break;
      }
      case 2: {
        m.spec.kind = "source.range";
        const std::int64_t step = r_.pick(std::vector<std::int64_t>{1, 1, 2, 3, -1, -2, 7});
        const std::int64_t begin = r_.between(-50, 50);
        p["begin"] = begin;
        p["end"] = begin + step * r_.between(-3, 60) + (r_.chance(0.3) ? r_.between(-1, 1) : 0);
        if (step != 1 || r_.chance(0.5)) p["step"] = step;
        m.type = "range";
        break;
      }
      case 3: {
        m.spec.kind = "source.sequence";
        p["n"] = r_.below(6) == 0 ? 0 : r_.between(1, 300);
        if (r_.chance(0.5)) {
          p["fill"] = "random";
          p["seed"] = r_.between(0, 1000000);
          p["bound"] = r_.between(1, 2000);
        } else {
          p["start"] = r_.between(-100, 100);
        }
        m.type = "int64[]";
        break;
      }
      default: {  // a stream of int64 items
        m.spec.kind = "source.count";
        p["n"] = r_.below(8) == 0 ? 0 : r_.between(1, 25);
        m.type = "int64";
        break;
      }
    }
    // Small windows only where every join key completes: a key that never
    // does holds its item in the window, and a full window stalls the source.
    if (!may_fail_ && r_.chance(0.15)) m.spec.max_in_flight = static_cast<std::size_t>(r_.between(1, 4));
    m.sources = {m.spec.id};
    m.messages = ref_eval(m.spec, {}).messages;
    nodes_.push_back(std::move(m));
  }

  /// Adds one split, reduce, gather or join fed by earlier nodes; false when
  /// the random choice does not fit (no suitable input, or a node that would fail).
  bool add_operation() {
    Made m;
    const std::size_t what = r_.below(10);
    std::vector<std::size_t> feeds;
    if (what < 3) {  // split
      std::vector<std::size_t> candidates;
      for (std::size_t v = 0; v < nodes_.size(); ++v)
        if (is_sequence(nodes_[v].type) && nodes_[v].depth < 4) candidates.push_back(v);
      if (candidates.empty()) return false;
      const std::size_t from = r_.pick(candidates);
      std::size_t longest = 0;
      for (const RefMessage& msg : nodes_[from].messages) longest = std::max(longest, msg.value.length());
      m.spec.kind = "split";
      auto& p = m.spec.params.json();
      switch (r_.below(6)) {
        case 0: p["grain"] = r_.between(1, static_cast<std::int64_t>(longest) + 2); break;
        case 1: p["chunks"] = "auto"; break;
        case 2: p["chunks"] = r_.between(1, 64); break;  // often more chunks than elements
        case 3: break;                                  // the default: auto
        default: p["chunks"] = r_.between(1, static_cast<std::int64_t>(longest) + 3); break;
      }
      m.type = nodes_[from].type;
      m.depth = nodes_[from].depth + 1;
      feeds = {from};
    } else if (what < 5) {  // reduce
      std::vector<std::size_t> candidates;
      for (std::size_t v = 0; v < nodes_.size(); ++v)
        if (is_sequence(nodes_[v].type)) candidates.push_back(v);
      if (candidates.empty()) return false;
      const std::size_t from = r_.pick(candidates);
      const std::string op = r_.pick(std::vector<std::string>{"sum", "min", "max", "count", "mean"});
      m.spec.kind = "reduce." + op;
      const std::string& in = nodes_[from].type;
      m.type = op == "count" ? "int64" : op == "mean" ? "mean" : in == "double[]" ? "double" : "int64";
      m.depth = nodes_[from].depth;
      feeds = {from};
    } else if (what < 8) {  // gather
      const std::string op = r_.pick(std::vector<std::string>{"sum", "min", "max", "count", "mean", "concat"});
      std::vector<std::size_t> candidates;
      for (std::size_t v = 0; v < nodes_.size(); ++v) {
        const std::string& t = nodes_[v].type;
        bool fits = op == "count" || op == "concat" ? !t.empty()
                    : op == "mean"                  ? t == "mean" || t == "int64" || t == "double"
                                                    : t == "int64" || t == "double" || is_sequence(t);
        if (fits) candidates.push_back(v);
      }
      if (candidates.empty()) return false;
      const std::size_t from = r_.pick(candidates);
      m.spec.kind = "gather." + op;
      const std::string& in = nodes_[from].type;
      const bool dbl = in == "double" || in == "double[]";
      if (op == "count") m.type = "int64";
      else if (op == "mean") m.type = "mean";
      else if (op == "concat") m.type = in == "double[]" ? "double[]" : in == "int64[]" || in == "range" ? "int64[]" : "list";
      else m.type = dbl ? "double" : "int64";
      m.depth = nodes_[from].depth == 0 ? 0 : nodes_[from].depth - 1;
      feeds = {from};
    } else {  // join: 2 or 3 inputs whose messages carry the same tags
      std::map<std::string, std::vector<std::size_t>> by_tags;
      const bool any_tags = may_fail_ && !failed_ && r_.chance(0.5);  // joined tags may never match
      for (std::size_t v = 0; v < nodes_.size(); ++v) {
        if (nodes_[v].type.empty()) continue;
        std::string key = std::to_string(nodes_[v].depth) + "|";
        if (!any_tags)
          for (const RefMessage& msg : nodes_[v].messages) key += msg.tag.to_string() + ",";
        by_tags[key].push_back(v);
      }
      std::vector<const std::vector<std::size_t>*> groups;
      for (const auto& [key, vs] : by_tags) groups.push_back(&vs);
      const auto& group = *r_.pick(groups);
      const std::size_t ports = 2 + r_.below(2);
      for (std::size_t k = 0; k < ports; ++k) feeds.push_back(r_.pick(group));  // maybe one node twice
      if (group.size() == 1 && !r_.chance(0.2)) return false;
      m.spec.kind = "join";
      std::vector<std::string> names;
      for (std::size_t k = 0; k < ports; ++k) names.push_back(std::string(1, static_cast<char>('a' + k)) + "_" + std::to_string(r_.below(10)));
      if (names[0] == names[1] || (ports == 3 && (names[2] == names[0] || names[2] == names[1]))) return false;
      m.spec.params.json()["ports"] = names;
      m.type = "record";
      m.depth = nodes_[feeds[0]].depth;
    }
    m.spec.id = next_id(m.spec.kind);
    maybe_concurrency(m.spec);
    for (std::size_t v : feeds) m.sources.insert(nodes_[v].sources.begin(), nodes_[v].sources.end());
    if (m.spec.kind != "join" && m.sources.size() == 1 && r_.chance(0.1)) {
      m.spec.ordered = true;
      if (m.spec.concurrency && m.spec.concurrency->value() != 1) m.spec.concurrency.reset();
    }
    std::vector<std::string> ports = ref_input_ports(m.spec);
    std::vector<const RefMessages*> in;
    for (std::size_t k = 0; k < feeds.size(); ++k) {
      in.push_back(&nodes_[feeds[k]].messages);
      m.inputs.emplace_back(feeds[k], m.spec.kind == "join" ? ports[k] : "");
    }
    const bool whole_stream = m.spec.kind.rfind("gather.", 0) == 0 && nodes_[feeds.at(0)].depth == 0;
    RefEval e = ref_eval(m.spec, in, whole_stream);
    if (!e.failures.empty() || !e.missing.empty()) {
      // e.g. the min of an empty chunk, or a join of unequal tags: at most one
      // such node, in the pipelines chosen to fail.
      if (!may_fail_ || failed_) return false;
      failed_ = true;
    }
    m.messages = std::move(e.messages);
    for (std::size_t v : feeds) ++nodes_[v].consumers;
    nodes_.push_back(std::move(m));
    return true;
  }

  void add_sink(std::size_t from) {
    Made m;
    m.spec.kind = "sink.output";
    m.spec.id = next_id("out");
    if (nodes_[from].sources.size() == 1 && r_.chance(0.25)) {
      m.spec.ordered = true;
    } else if (r_.chance(0.3)) {
      m.spec.concurrency = r_.chance(0.5) ? braid::Concurrency::serial() : braid::Concurrency::limit(2);
    }
    m.inputs.emplace_back(from, "");
    ++nodes_[from].consumers;
    nodes_.push_back(std::move(m));
  }

  RandomPipeline build() {
    RandomPipeline out;
    braid::PipelineBuilder b("random");
    if (!may_fail_ && r_.chance(0.3)) b.max_in_flight(static_cast<std::size_t>(r_.between(1, 8)));
    for (const std::string& res : resources_) b.resource(res, 1);
    for (const Made& m : nodes_) {
      b.node(m.spec.id, m.spec.kind);
      for (const auto& [name, value] : m.spec.params.json().items()) b.param_json(name, value.dump());
      if (m.spec.concurrency) b.concurrency(*m.spec.concurrency);
      for (const std::string& u : m.spec.uses) b.uses(u);
      if (m.spec.ordered) b.ordered();
      if (m.spec.max_in_flight) b.source_max_in_flight(*m.spec.max_in_flight);
      out.kinds.insert(m.spec.kind);
      out.max_depth = std::max(out.max_depth, m.depth);
      out.ordered = out.ordered || m.spec.ordered;
      if (m.spec.kind.rfind("gather.", 0) == 0 && m.depth == 0 && nodes_[m.inputs[0].first].messages.size() > 1)
        out.stream_gather = true;
    }
    for (const Made& m : nodes_)
      for (const auto& [from, port] : m.inputs) b.edge(braid::Endpoint{nodes_[from].spec.id, ""}, braid::Endpoint{m.spec.id, port});
    out.spec = b.build();
    return out;
  }

  Random r_;
  bool may_fail_ = false;  // this pipeline may hold one node that fails or never completes
  bool failed_ = false;    // and it does
  std::vector<Made> nodes_;
  std::vector<std::string> resources_{"disk"};
};

}  // namespace gen_detail

/// A random pipeline that braid::validate accepts; most runs succeed, about
/// one in ten has one node that fails or never completes (interpret() says
/// which). The same seed gives the same pipeline.
inline RandomPipeline random_pipeline(std::uint64_t seed) { return gen_detail::Generator(seed).make(); }

}  // namespace braid_test
