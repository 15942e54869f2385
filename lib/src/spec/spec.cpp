// PipelineSpec as plain data: Concurrency, Params, Endpoint, the C++ builder,
// edge strings ("a -> b.port -> c") and did-you-mean suggestions.
#include <braid/json.hpp>
#include <braid/registry.hpp>
#include <braid/spec.hpp>

#include <nlohmann/json.hpp>

#include "spec/ids.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace braid {

// ---------------------------------------------------------------------------
// Concurrency, Endpoint, PipelineSpec

std::string Concurrency::to_string() const {
  if (n_ == 0) return "unlimited";
  if (n_ == 1) return "serial";
  return std::to_string(n_);
}

std::string Endpoint::to_string() const { return port.empty() ? node : node + "." + port; }

const NodeSpec* PipelineSpec::find_node(std::string_view id) const noexcept {
  for (const NodeSpec& n : nodes)
    if (n.id == id) return &n;
  return nullptr;
}

NodeSpec* PipelineSpec::find_node(std::string_view id) noexcept {
  for (NodeSpec& n : nodes)
    if (n.id == id) return &n;
  return nullptr;
}

// ---------------------------------------------------------------------------
// Params

namespace {

// What get<T>() requires, as the phrase its TypeError uses.
template <class T>
struct ParamType;

bool fits_int64(const nlohmann::json& v) {
  return v.is_number_integer() &&
         !(v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX));
}

template <>
struct ParamType<std::int64_t> {
  static constexpr const char* kPhrase = "an integer";
  static bool fits(const nlohmann::json& v) { return fits_int64(v); }
};
template <>
struct ParamType<double> {
  static constexpr const char* kPhrase = "a number";
  static bool fits(const nlohmann::json& v) { return v.is_number(); }
};
template <>
struct ParamType<bool> {
  static constexpr const char* kPhrase = "true or false";
  static bool fits(const nlohmann::json& v) { return v.is_boolean(); }
};
template <>
struct ParamType<std::string> {
  static constexpr const char* kPhrase = "a string";
  static bool fits(const nlohmann::json& v) { return v.is_string(); }
};
template <>
struct ParamType<std::vector<std::int64_t>> {
  static constexpr const char* kPhrase = "an array of integers";
  using Element = std::int64_t;
};
template <>
struct ParamType<std::vector<double>> {
  static constexpr const char* kPhrase = "an array of numbers";
  using Element = double;
};
template <>
struct ParamType<std::vector<std::string>> {
  static constexpr const char* kPhrase = "an array of strings";
  using Element = std::string;
};

template <class T>
struct IsVector : std::false_type {};
template <class E>
struct IsVector<std::vector<E>> : std::true_type {};

[[noreturn]] void throw_param_mismatch(std::string_view name, const char* phrase, const std::string& got) {
  throw TypeError("parameter '" + std::string(name) + "' must be " + phrase + ", " + got);
}

const nlohmann::json& empty_object() {
  static const nlohmann::json kEmpty = nlohmann::json::object();
  return kEmpty;
}

}  // namespace

Params::Params() : json_(std::make_unique<nlohmann::json>(nlohmann::json::object())) {}

Params::Params(const nlohmann::json& object) : Params() {
  if (object.is_null()) return;
  if (!object.is_object()) throw TypeError("parameters must be a JSON object, " + param::describe(object));
  *json_ = object;
}

// A moved-from Params holds no JSON; every member treats it as an empty object.
Params::Params(const Params& other)
    : json_(std::make_unique<nlohmann::json>(other.json_ ? *other.json_ : empty_object())) {}
Params::Params(Params&& other) noexcept = default;
Params& Params::operator=(const Params& other) {
  if (this != &other) json_ = std::make_unique<nlohmann::json>(other.json_ ? *other.json_ : empty_object());
  return *this;
}
Params& Params::operator=(Params&& other) noexcept {
  std::swap(json_, other.json_);
  return *this;
}
Params::~Params() = default;

bool Params::has(std::string_view name) const {
  return json_ && json_->is_object() && json_->find(name) != json_->end();
}

template <class T>
T Params::get(std::string_view name) const {
  const nlohmann::json& object = json_ ? *json_ : empty_object();
  auto it = object.find(name);
  if (it == object.end()) throw TypeError("parameter '" + std::string(name) + "' is missing");
  const nlohmann::json& v = *it;
  using Spec = ParamType<T>;
  if constexpr (IsVector<T>::value) {
    using E = typename Spec::Element;
    if (!v.is_array()) throw_param_mismatch(name, Spec::kPhrase, param::describe(v));
    T out;
    out.reserve(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (!ParamType<E>::fits(v[i]))
        throw_param_mismatch(name, Spec::kPhrase, param::describe(v[i]) + " at index " + std::to_string(i));
      out.push_back(v[i].template get<E>());
    }
    return out;
  } else {
    if (!Spec::fits(v)) throw_param_mismatch(name, Spec::kPhrase, param::describe(v));
    return v.template get<T>();
  }
}

template <class T>
void Params::set(std::string name, T value) {
  if (!json_) json_ = std::make_unique<nlohmann::json>(nlohmann::json::object());
  (*json_)[std::move(name)] = std::move(value);
}

bool Params::operator==(const Params& o) const {
  return (json_ ? *json_ : empty_object()) == (o.json_ ? *o.json_ : empty_object());
}

#define BRAID_PARAMS_TYPE(T)                              \
  template T Params::get<T>(std::string_view name) const; \
  template void Params::set<T>(std::string name, T value);
BRAID_PARAMS_TYPE(std::int64_t)
BRAID_PARAMS_TYPE(double)
BRAID_PARAMS_TYPE(bool)
BRAID_PARAMS_TYPE(std::string)
BRAID_PARAMS_TYPE(std::vector<std::int64_t>)
BRAID_PARAMS_TYPE(std::vector<double>)
BRAID_PARAMS_TYPE(std::vector<std::string>)
#undef BRAID_PARAMS_TYPE

// PipelineBuilder::param deduces T from its argument: param("chunks", 4) sets
// an int, param("mode", "fast") a const char*. Those are stored as the JSON
// they convert to.
template void Params::set<int>(std::string, int);
template void Params::set<unsigned>(std::string, unsigned);
// std::int64_t is long on some platforms and long long on others: the other one here.
using OtherLong = std::conditional_t<std::is_same_v<long, std::int64_t>, long long, long>;
template void Params::set<OtherLong>(std::string, OtherLong);
template void Params::set<unsigned long>(std::string, unsigned long);
template void Params::set<unsigned long long>(std::string, unsigned long long);
template void Params::set<float>(std::string, float);
template void Params::set<const char*>(std::string, const char*);
template void Params::set<std::string_view>(std::string, std::string_view);
template void Params::set<std::vector<int>>(std::string, std::vector<int>);

// ---------------------------------------------------------------------------
// Edge strings

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// What each byte may be in an identifier: a bit per role, one load per
// character (validation checks every node's id; three or four compares a
// character were a fortieth of validating a 10,000-node task graph).
enum : std::uint8_t { kIdHead = 1, kIdTail = 2, kIdDash = 4 };
constexpr std::array<std::uint8_t, 256> id_classes() {
  std::array<std::uint8_t, 256> t{};
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = kIdHead | kIdTail;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = kIdHead | kIdTail;
  t['_'] = kIdHead | kIdTail;
  for (int c = '0'; c <= '9'; ++c) t[c] = kIdTail;
  t['-'] = kIdDash;
  return t;
}
constexpr std::array<std::uint8_t, 256> kIdClasses = id_classes();

// [A-Za-z_][A-Za-z0-9_]*, plus '-' after the first character when `dash`.
bool is_identifier(std::string_view s, bool dash) {
  if (s.empty() || !(kIdClasses[static_cast<unsigned char>(s[0])] & kIdHead)) return false;
  const std::uint8_t tail = dash ? kIdTail | kIdDash : kIdTail;
  for (char c : s.substr(1))
    if (!(kIdClasses[static_cast<unsigned char>(c)] & tail)) return false;
  return true;
}

}  // namespace

namespace detail {
bool is_node_id(std::string_view id) { return is_identifier(id, true); }
}  // namespace detail

namespace {

// "node" or "node.port"; false when `text` is neither.
bool parse_endpoint(std::string_view text, Endpoint& out) {
  auto dot = text.find('.');
  std::string_view node = text.substr(0, dot);
  std::string_view port = dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  if (!detail::is_node_id(node)) return false;
  if (dot != std::string_view::npos && !is_identifier(port, false)) return false;
  out.node = std::string(node);
  out.port = std::string(port);
  return true;
}

}  // namespace

std::vector<EdgeSpec> parse_edge_chain(std::string_view text, const std::string& pointer,
                                       std::vector<Problem>& problems) {
  const std::string quoted = "malformed edge '" + std::string(text) + "': ";
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    auto arrow = text.find("->", start);
    parts.push_back(trim(text.substr(start, arrow == std::string_view::npos ? arrow : arrow - start)));
    if (arrow == std::string_view::npos) break;
    start = arrow + 2;
  }
  if (parts.size() < 2) {
    problems.push_back({pointer, "bad-edge", quoted + "an edge needs two endpoints, as in 'a -> b'"});
    return {};
  }
  // Each endpoint once; an unreadable one drops the edges on either side of it.
  std::vector<Endpoint> ends(parts.size());
  std::vector<bool> ok(parts.size(), false);
  bool reported_empty = false;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].empty()) {
      if (!reported_empty) problems.push_back({pointer, "bad-edge", quoted + "empty endpoint"});
      reported_empty = true;
    } else if (!parse_endpoint(parts[i], ends[i])) {
      problems.push_back({pointer, "bad-edge", quoted + "'" + std::string(parts[i]) + "' is not a node or node.port"});
    } else {
      ok[i] = true;
    }
  }
  std::vector<EdgeSpec> edges;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i)
    if (ok[i] && ok[i + 1]) edges.push_back(EdgeSpec{ends[i], ends[i + 1], pointer});
  return edges;
}

// ---------------------------------------------------------------------------
// did_you_mean

namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

}  // namespace

// A candidate is suggested when it is within max(2, |word| / 3) edits of
// `word` and is not a complete rewrite of it (distance below the longer
// length: 'x' never suggests 'y'). Best first; ties keep candidate order.
std::vector<std::string> did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  const std::size_t limit = std::max<std::size_t>(2, word.size() / 3);
  std::vector<std::pair<std::size_t, std::size_t>> found;  // (distance, candidate index)
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const std::string& c = candidates[i];
    std::size_t gap = c.size() > word.size() ? c.size() - word.size() : word.size() - c.size();
    if (gap > limit) continue;
    std::size_t d = edit_distance(word, c);
    if (d <= limit && d < std::max(word.size(), c.size())) found.emplace_back(d, i);
  }
  std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> out;
  out.reserve(found.size());
  for (const auto& f : found) out.push_back(candidates[f.second]);
  return out;
}

// ---------------------------------------------------------------------------
// PipelineBuilder

PipelineBuilder::PipelineBuilder(std::string name) { spec_.name = std::move(name); }

PipelineBuilder& PipelineBuilder::description(std::string text) {
  spec_.description = std::move(text);
  return *this;
}

PipelineBuilder& PipelineBuilder::threads(std::size_t n) {
  spec_.threads = n;
  return *this;
}

PipelineBuilder& PipelineBuilder::max_in_flight(std::size_t n) {
  spec_.max_in_flight = n;
  return *this;
}

PipelineBuilder& PipelineBuilder::resource(std::string name, std::size_t capacity) {
  spec_.resources[std::move(name)] = ResourceSpec{capacity};
  return *this;
}

PipelineBuilder& PipelineBuilder::output(std::string sink) {
  spec_.outputs.push_back(std::move(sink));
  return *this;
}

PipelineBuilder& PipelineBuilder::node(std::string id, std::string kind) {
  NodeSpec n;
  n.id = std::move(id);
  n.kind = std::move(kind);
  spec_.nodes.push_back(std::move(n));
  return *this;
}

PipelineBuilder& PipelineBuilder::param_json(std::string name, std::string_view json_text) {
  NodeSpec* n = last_node();
  if (!n) return *this;
  try {
    n->params.json()[name] = nlohmann::json(parse_json_text(json_text));
  } catch (const SpecError& e) {
    const std::string where = (nlohmann::json::json_pointer("/nodes") / n->id / "params" / name).to_string();
    for (const Problem& p : e.problems()) problems_.push_back({where + p.pointer, p.code, p.message});
  }
  return *this;
}

PipelineBuilder& PipelineBuilder::concurrency(Concurrency c) {
  if (NodeSpec* n = last_node()) n->concurrency = c;
  return *this;
}

PipelineBuilder& PipelineBuilder::uses(std::string resource) {
  if (NodeSpec* n = last_node()) n->uses.push_back(std::move(resource));
  return *this;
}

PipelineBuilder& PipelineBuilder::ordered(bool on) {
  if (NodeSpec* n = last_node()) n->ordered = on;
  return *this;
}

PipelineBuilder& PipelineBuilder::source_max_in_flight(std::size_t n) {
  if (NodeSpec* node = last_node()) node->max_in_flight = n;
  return *this;
}

PipelineBuilder& PipelineBuilder::node_description(std::string text) {
  if (NodeSpec* n = last_node()) n->description = std::move(text);
  return *this;
}

namespace {
// The index in "/edges/INDEX", or -1.
long edge_index(const std::string& pointer) {
  const std::string prefix = "/edges/";
  if (pointer.compare(0, prefix.size(), prefix) != 0 || pointer.size() == prefix.size()) return -1;
  long index = 0;
  for (char c : pointer.substr(prefix.size())) {
    if (!is_digit(c)) return -1;
    index = index * 10 + (c - '0');
  }
  return index;
}

// Each edge() call is one entry of "edges", as one string of a JSON document
// is: "/edges/N" for the N-th call. Every call leaves an edge or a bad-edge
// problem carrying its pointer, so the next N follows from the last of those.
std::string next_edge_pointer(const PipelineSpec& spec, const std::vector<Problem>& problems) {
  long last = spec.edges.empty() ? -1 : edge_index(spec.edges.back().pointer);
  for (auto it = problems.rbegin(); it != problems.rend(); ++it)
    if (it->code == "bad-edge") {
      last = std::max(last, edge_index(it->pointer));
      break;
    }
  return "/edges/" + std::to_string(last + 1);
}
}  // namespace

PipelineBuilder& PipelineBuilder::edge(std::string_view chain) {
  const std::string pointer = next_edge_pointer(spec_, problems_);
  for (EdgeSpec& e : parse_edge_chain(chain, pointer, problems_)) spec_.edges.push_back(std::move(e));
  return *this;
}

PipelineBuilder& PipelineBuilder::edge(Endpoint from, Endpoint to) {
  const std::string pointer = next_edge_pointer(spec_, problems_);
  spec_.edges.push_back(EdgeSpec{std::move(from), std::move(to), pointer});
  return *this;
}

PipelineSpec PipelineBuilder::build() const {
  if (!problems_.empty()) throw SpecError(problems_);
  return spec_;
}

NodeSpec* PipelineBuilder::last_node() {
  if (spec_.nodes.empty()) {
    Problem p{"", "no-node", "a node setting (param, concurrency, uses or description) came before any node()"};
    if (std::find(problems_.begin(), problems_.end(), p) == problems_.end()) problems_.push_back(std::move(p));
    return nullptr;
  }
  return &spec_.nodes.back();
}

}  // namespace braid
