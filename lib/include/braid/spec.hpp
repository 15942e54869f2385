#pragma once
/// \file
/// Pipeline specs: a pipeline as plain data (nodes, edges, options), built in
/// C++ or loaded from JSON (see json.hpp), and validated against a Registry
/// before anything runs.
///
/// ```
/// numbers ──> split ──> partial ──> total ──> result
/// ```
///
/// ```cpp
/// braid::PipelineSpec spec = braid::PipelineBuilder("seed-sum")
///     .node("numbers", "source.values").param("values", std::vector<std::int64_t>{1, 2, 3})
///     .node("split", "split").param("chunks", 2)
///     .node("partial", "reduce.sum").concurrency(braid::Concurrency::unlimited())
///     .node("total", "gather.sum")
///     .node("result", "sink.output")
///     .edge("numbers -> split -> partial -> total -> result")
///     .build();
/// braid::validate(spec, registry);   // throws SpecError listing every problem
/// ```
///
/// Specs are plain values: copy them, compare them, read a const one from any
/// number of threads; nothing here keeps a pointer into a spec.
#include <braid/error.hpp>

#include <nlohmann/json_fwd.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace braid {

class Registry;

/// How many bodies of one node may run at once.
class Concurrency {
 public:
  /// One body at a time.
  static Concurrency serial() noexcept { return Concurrency(1); }
  /// As many bodies at once as there are workers.
  static Concurrency unlimited() noexcept { return Concurrency(0); }
  /// At most n at once; n must be >= 1.
  static Concurrency limit(std::size_t n) noexcept { return Concurrency(n); }

  /// Whether there is no limit.
  bool is_unlimited() const noexcept { return n_ == 0; }
  /// The limit; 0 means unlimited.
  std::size_t value() const noexcept { return n_; }
  /// "serial", "unlimited" or the number.
  std::string to_string() const;
  /// Same limit (serial() equals limit(1)).
  bool operator==(const Concurrency& o) const noexcept { return n_ == o.n_; }

 private:
  explicit Concurrency(std::size_t n) noexcept : n_(n) {}
  std::size_t n_;
};

/// A node's parameters: a JSON object. Copying copies the parameters. The
/// JSON lives behind a pointer, so this header needs only `<nlohmann/json_fwd.hpp>`.
/// Const methods may be called from several threads at once; a moved-from
/// Params may only be assigned to or destroyed.
class Params {
 public:
  Params();  ///< an empty object
  /// A copy of `object`, which should be a JSON object (validation reports anything else).
  explicit Params(const nlohmann::json& object);
  /// A deep copy.
  Params(const Params& other);
  /// Takes `other`'s parameters.
  Params(Params&& other) noexcept;
  /// A deep copy.
  Params& operator=(const Params& other);
  /// Takes `other`'s parameters.
  Params& operator=(Params&& other) noexcept;
  ~Params();

  /// Whether parameter `name` is given.
  bool has(std::string_view name) const;
  /// Parameter `name` as T (std::int64_t, double, bool, std::string, or a
  /// std::vector of one of them). Throws braid::TypeError if absent or of another type.
  template <class T>
  T get(std::string_view name) const;
  /// Like get(), but `fallback` when absent.
  template <class T>
  T get_or(std::string_view name, T fallback) const {
    return has(name) ? get<T>(name) : fallback;
  }
  /// Sets parameter `name` (same T as get()).
  template <class T>
  void set(std::string name, T value);

  /// The parameters as a JSON object (include <nlohmann/json.hpp> to use it).
  const nlohmann::json& json() const noexcept { return *json_; }
  /// The parameters as a mutable JSON object.
  nlohmann::json& json() noexcept { return *json_; }

  /// Equal JSON objects.
  bool operator==(const Params& o) const;

 private:
  std::unique_ptr<nlohmann::json> json_;
};

/// One node of a pipeline.
struct NodeSpec {
  std::string id;    ///< unique in the pipeline; matches [A-Za-z_][A-Za-z0-9_-]*
  std::string kind;  ///< a registered kind name
  Params params;                           ///< checked against the kind's ParamSpecs by validation
  std::optional<Concurrency> concurrency;  ///< absent: the kind's default
  std::vector<std::string> uses;           ///< shared resources held around the body
  std::string description;                 ///< free text for people
  /// Deliver arriving messages in tag order (a sequencer by tag); the body then
  /// runs serially. Not for sources and joins; needs exactly one source upstream.
  bool ordered = false;
  /// A source's own bound on items in flight; absent: the pipeline's max_in_flight.
  std::optional<std::size_t> max_in_flight;
};

/// One end of an edge: a node and, optionally, one of its ports.
struct Endpoint {
  std::string node;  ///< a node id
  std::string port;  ///< empty: the node's only port of that direction
  /// "node" or "node.port".
  std::string to_string() const;
};

/// A connection from an output port to an input port.
struct EdgeSpec {
  Endpoint from;  ///< an output port
  Endpoint to;    ///< an input port
  /// Where the edge was written ("/edges/3"); set by the loaders, used in messages.
  std::string pointer;
};

/// A shared resource that nodes `use`: at most `capacity` bodies of those nodes run at once.
struct ResourceSpec {
  std::size_t capacity = 1;  ///< at least 1
};

/// Source items in flight at once when neither the pipeline nor the source sets max_in_flight.
inline constexpr std::size_t kDefaultMaxInFlight = 64;
/// The largest max_in_flight accepted (each source keeps a ring of that many slots).
inline constexpr std::size_t kMaxInFlightLimit = std::size_t{1} << 20;

/// A whole pipeline, as plain data. Nodes keep the order in which they were declared.
struct PipelineSpec {
  int version = 1;          ///< the format version (`braid`); kFormatVersion
  std::string name;         ///< shown in statistics and traces
  std::string description;  ///< free text for people
  std::size_t threads = 0;                    ///< 0: all cores
  /// Bound on each source's items inside the graph at once (absent: kDefaultMaxInFlight).
  std::optional<std::size_t> max_in_flight;
  std::map<std::string, ResourceSpec> resources;  ///< shared resources by name
  std::vector<std::string> outputs;           ///< sinks the CLI prints; empty: all
  std::vector<NodeSpec> nodes;  ///< in declaration order
  std::vector<EdgeSpec> edges;  ///< in declaration order, chains expanded

  /// The node called `id`, or nullptr.
  const NodeSpec* find_node(std::string_view id) const noexcept;
  /// The node called `id`, or nullptr; valid until `nodes` changes.
  NodeSpec* find_node(std::string_view id) noexcept;
};

/// Builds a PipelineSpec in C++. Methods after node() apply to the last node added.
/// Problems (a bad edge string, a parameter before any node) are reported by build().
/// Every method returns `*this`, for chaining. Not thread-safe; build() may be
/// called several times.
class PipelineBuilder {
 public:
  /// A pipeline called `name`, with no nodes.
  explicit PipelineBuilder(std::string name = "");

  /// Sets the pipeline's description.
  PipelineBuilder& description(std::string text);
  /// Sets the pipeline's `threads` (0: all cores).
  PipelineBuilder& threads(std::size_t n);
  /// Sets the pipeline's `max_in_flight`.
  PipelineBuilder& max_in_flight(std::size_t n);
  /// Declares shared resource `name` with `capacity`.
  PipelineBuilder& resource(std::string name, std::size_t capacity);
  /// Adds `sink` to the sinks the CLI prints.
  PipelineBuilder& output(std::string sink);

  /// Adds node `id` of `kind`.
  PipelineBuilder& node(std::string id, std::string kind);
  /// Sets a parameter of the last node (T as Params::set accepts).
  template <class T>
  PipelineBuilder& param(std::string name, T value) {
    if (auto* n = last_node()) n->params.set(std::move(name), std::move(value));
    return *this;
  }
  /// Sets a parameter of the last node from JSON text.
  PipelineBuilder& param_json(std::string name, std::string_view json_text);
  /// Sets the last node's concurrency.
  PipelineBuilder& concurrency(Concurrency c);
  /// Makes the last node use `resource` (call once per resource).
  PipelineBuilder& uses(std::string resource);
  /// Sets the last node's description.
  PipelineBuilder& node_description(std::string text);
  /// Makes the last node take its input in tag order.
  PipelineBuilder& ordered(bool on = true);
  /// Bounds the last node's (a source's) items in flight.
  PipelineBuilder& source_max_in_flight(std::size_t n);

  /// Adds edges written as in JSON: "a -> b.in", chains included.
  PipelineBuilder& edge(std::string_view chain);
  /// Adds one edge.
  PipelineBuilder& edge(Endpoint from, Endpoint to);

  /// The spec. Throws braid::SpecError if an edge string or call was malformed.
  /// Does not validate against a registry: call braid::validate for that.
  PipelineSpec build() const;

 private:
  NodeSpec* last_node();
  PipelineSpec spec_;
  std::vector<Problem> problems_;
};

/// Parses one edge string ("a -> b.port -> c") into its edges. Each problem
/// is reported with `pointer`. Returns the edges even when problems were found.
/// Thread-safe (no shared state).
std::vector<EdgeSpec> parse_edge_chain(std::string_view text, const std::string& pointer,
                                       std::vector<Problem>& problems);

/// Checks `spec` against `registry` and returns every problem found (empty: valid).
/// Problems are in document order: top level, then nodes, then edges, then graph-wide ones.
/// Never throws for a bad spec. Thread-safe, as long as nobody adds to `registry` meanwhile.
std::vector<Problem> check(const PipelineSpec& spec, const Registry& registry);

/// Throws braid::SpecError with every problem check() finds. Thread-safe.
void validate(const PipelineSpec& spec, const Registry& registry);

/// The candidates closest to `word` by edit distance (at most 2 edits, or a third of its length).
/// Thread-safe.
std::vector<std::string> did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace braid
