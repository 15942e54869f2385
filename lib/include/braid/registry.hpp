#pragma once
/// \file
/// Kinds and the Registry: the node types a pipeline may use.
///
/// A Kind has a name, a one-line doc, typed ports, parameters, a default
/// concurrency and a factory that makes the node's body. Built-in kinds are
/// added explicitly; user kinds are usually made from plain callables
/// (guide: docs/writing-a-kind.md):
///
/// ```cpp
/// braid::Registry registry;
/// braid::register_builtin_kinds(registry);
/// registry.add(braid::map_kind("reduce.squares", "Sum of squares of a chunk",
///     [](braid::Slice<std::int64_t> xs) {
///       std::int64_t s = 0;
///       for (auto x : xs) s += x * x;
///       return s;
///     }));
/// ```
///
/// Shapes: source (0 -> stream), map (1 -> 1), flat map (1 -> 0..n), join
/// (named inputs matched by tag -> one record), gather (all members of a group
/// -> one), sink (1 -> 0).
#include <braid/message.hpp>
#include <braid/spec.hpp>
#include <braid/value.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace braid {

/// How a node turns messages in into messages out.
enum class Shape {
  kSource,   ///< no input; produces a stream of items (SourceBody)
  kMap,      ///< one message in, one out, same tag (MapBody)
  kFlatMap,  ///< one message in, any number out (FlatMapBody): split, filter
  kJoin,     ///< one message per named input port with equal tags in, one record out
  kGather,   ///< every member of a group in, one out with the parent tag (GatherBody)
  kSink      ///< one message in, none out (SinkBody)
};

/// "source", "map", "flat map", "join", "gather" or "sink".
const char* to_string(Shape shape) noexcept;

/// A named, typed port.
struct PortSpec {
  std::string name;  ///< e.g. "in", "out", or a join's port name
  /// Type names accepted (inputs) or produced (outputs). Empty: any type.
  std::vector<std::string> types;
  std::string doc;  ///< what travels on it, for `braid kinds NAME`
};

/// One parameter of a kind.
struct ParamSpec {
  std::string name;  ///< the key in a node's `params`
  /// What the value must be, as a phrase: "a positive integer or \"auto\"".
  std::string type;
  std::string doc;  ///< what it does, for `braid kinds NAME`
  /// JSON text of the default, shown by `braid kinds`; empty: no default.
  std::string default_json;
  bool required = false;  ///< a node of this kind must give it (validation reports its absence)
  /// Checks a given value: returns "" when it fits, else the complaint that
  /// follows the pointer ("must be a positive integer, got -3"). A function
  /// of the value alone: validation checks the params of nodes of one kind
  /// whose params are the same once.
  std::function<std::string(const nlohmann::json& value)> check;
};

/// Makes ParamSpecs with their checks. Each check returns "" or "must be
/// <type>, got <value>". A `fallback` is the default shown by `braid kinds`
/// (the kind's body applies it itself); std::nullopt makes the parameter
/// optional with no default. Pure functions: thread-safe.
namespace param {
/// An integer in [min, max].
ParamSpec integer(std::string name, std::string doc, std::optional<std::int64_t> fallback,
                  std::int64_t min = INT64_MIN, std::int64_t max = INT64_MAX);
/// Any JSON number.
ParamSpec number(std::string name, std::string doc, std::optional<double> fallback);
/// true or false.
ParamSpec boolean(std::string name, std::string doc, std::optional<bool> fallback);
/// A string; with `choices`, one of them.
ParamSpec string(std::string name, std::string doc, std::optional<std::string> fallback,
                 std::vector<std::string> choices = {});
/// Any JSON value accepted by `check` (which may be empty); `type` describes it.
ParamSpec custom(std::string name, std::string type, std::string doc, std::string default_json,
                 bool required, std::function<std::string(const nlohmann::json&)> check);
/// "got 3", "got \"x\"", "got an array": how messages describe a given value.
std::string describe(const nlohmann::json& value);
}  // namespace param

/// What a factory is told about the node it makes.
struct NodeConfig {
  const std::string& id;  ///< the node's id; valid during the factory call only, as the rest: copy what the body keeps
  const Params& params;   ///< its validated parameters; valid during the factory call only: copy what the body needs
  /// Types arriving on each input port, in port order, as validation inferred
  /// them (nullptr: not known before run time, as after a kind whose output
  /// accepts several types and infers none). Valid during the factory call
  /// only, as `params`: the runtime passes one list it refills node after
  /// node (a list made per node cost a malloc and a free each).
  const std::vector<const Type*>& input_types;
  /// The type the output port was inferred to carry (nullptr: none or unknown).
  const Type* output_type = nullptr;
};

/// Base of all node bodies. A body is used by one run; with a concurrency above
/// one its methods are called from several threads at once. A method that
/// throws fails the node: the run is cancelled and run() throws
/// braid::NodeError with the exception's what(). The body is destroyed after
/// the run, when none of its methods can be called any more (on a thread
/// callers must not rely on).
class NodeBody {
 public:
  virtual ~NodeBody() = default;
};

/// Produces the items of a stream. Called from one thread at a time.
class SourceBody : public NodeBody {
 public:
  /// Stores the next item in `out` and returns true, or returns false at the end.
  virtual bool next(Value& out) = 0;
};

/// One value in, one value out; the tag is kept.
class MapBody : public NodeBody {
 public:
  /// The output for input `in`. Called concurrently up to the node's concurrency.
  virtual Value apply(const Value& in) = 0;
};

/// Receives what a flat map emits.
class Emitter {
 public:
  /// Sends `value` on with `tag` (the input's tag, or a child of it for a
  /// split). Call it only during the FlatMapBody::apply it was passed to.
  virtual void emit(const Tag& tag, Value value) = 0;

 protected:
  ~Emitter() = default;
};

/// One message in, any number of messages out (split, filter).
class FlatMapBody : public NodeBody {
 public:
  /// Emits 0..n messages for `in` through `out`. Called concurrently up to
  /// the node's concurrency. A split that emits children must emit every
  /// chunk of the count it announces, or the gather after it never completes.
  virtual void apply(const Message& in, Emitter& out) = 0;
};

/// Combines the values of one complete group, in chunk (or item) order.
class GatherBody : public NodeBody {
 public:
  /// One value for the whole group; `parts` are in index order, whatever order
  /// they arrived in, so the result does not depend on the thread count.
  virtual Value combine(std::vector<Value> parts) = 0;
};

/// Consumes messages at the end of the graph.
class SinkBody : public NodeBody {
 public:
  /// Takes one message (in completion order, or tag order for an ordered node).
  /// Called concurrently up to the node's concurrency.
  virtual void consume(const Message& in) = 0;
  /// Whether this sink's messages become part of the run's Result.
  virtual bool collects() const { return false; }
  /// The messages collected, sorted by tag. Called once, after the run.
  virtual std::vector<Message> take() { return {}; }
  /// Called once after the run succeeded (every message consumed): make the
  /// output visible (rename a temporary file into place). An exception fails
  /// the run. Never called after a failed or cancelled run: the body's
  /// destructor must then discard what it wrote. A stateless kind's sink
  /// (Kind::stateless) has nothing to commit or take: neither is called.
  virtual void commit() {}
};

/// A registered node type.
struct Kind {
  std::string name;  ///< "reduce.sum"
  std::string doc;   ///< one line
  Shape shape = Shape::kMap;       ///< decides which NodeBody `make` must return
  std::vector<PortSpec> inputs;    ///< none for a source; a join's may come from dynamic_inputs
  std::vector<PortSpec> outputs;  ///< at most one
  std::vector<ParamSpec> params;   ///< every parameter a node may give; any other is an error
  Concurrency concurrency = Concurrency::unlimited();  ///< the default when a node sets none
  /// How the node changes a message's split depth: +1 for a split, -1 for a
  /// gather, 0 otherwise. Validation uses it to check nesting and joins.
  int depth_change = 0;

  /// Optional: the input ports for given params, when they depend on them
  /// (join). A function of the params alone: validation asks it once for
  /// nodes of this kind whose params are the same, and a run does not ask again.
  std::function<std::vector<PortSpec>(const Params&)> dynamic_inputs;
  /// Optional: checks that involve several parameters; returns problems as
  /// (pointer suffix below the node's params, message), e.g. {"", "give chunks or grain, not both"}.
  /// A function of the params alone, as `ParamSpec::check` is.
  std::function<std::vector<std::pair<std::string, std::string>>(const Params&)> check_params;
  /// Optional: the output type given the params and the types arriving on each
  /// input (nullptr where unknown). Returns nullptr and sets `error` when the
  /// inputs do not fit. Absent: the declared output type.
  using InferFn = std::function<const Type*(const Params&, const std::vector<const Type*>&, std::string& error)>;
  InferFn infer;  ///< see InferFn
  /// Makes the body of one node. A join's is optional: absent, the join emits
  /// the record {port: value}; present, it must be a MapBody, applied to that
  /// record (a task with several inputs, in one node).
  std::function<std::unique_ptr<NodeBody>(const NodeConfig&)> make;
  /// Whether a body keeps no state from one message to the next beyond what
  /// `make` read from the NodeConfig. A braid::Program then makes each node's
  /// body at its first run and keeps it for the runs after, sparing an
  /// allocation per node per run; otherwise (the default) every run makes the
  /// bodies afresh. A stateless sink acts on each message as it arrives: it
  /// has no output to commit or discard (its commit() and take() are not
  /// called). A source holds its stream's position: Registry::add refuses it
  /// stateless.
  bool stateless = false;

  /// The input ports of a node with these params.
  std::vector<PortSpec> input_ports(const Params& node_params) const {
    return dynamic_inputs ? dynamic_inputs(node_params) : inputs;
  }
};

/// Name -> Kind. Adding is not thread-safe; lookups are, once adding is done.
class Registry {
 public:
  /// Adds `kind`. Throws std::invalid_argument if its name is taken or empty.
  void add(Kind kind);
  /// The kind called `name`, or nullptr. The pointer stays valid while the
  /// registry lives (adding kinds does not move the others).
  const Kind* find(std::string_view name) const noexcept;
  /// Every kind, sorted by name.
  std::vector<const Kind*> kinds() const;
  /// Every kind's name, sorted.
  std::vector<std::string> names() const;

 private:
  std::map<std::string, Kind, std::less<>> kinds_;
};

/// Adds the built-in kinds (sources, split, reduce.*, gather.*, join,
/// filter.*, sink.output, sink.file; `braid kinds` lists them, docs/format.md
/// documents them). Call it once per registry, before any run: a second call
/// throws std::invalid_argument (names taken). Not thread-safe (it adds).
void register_builtin_kinds(Registry& registry);

/// \cond INTERNAL
namespace detail {
template <class F>
struct CallableTraits : CallableTraits<decltype(&F::operator())> {};
template <class C, class R, class... A>
struct CallableTraits<R (C::*)(A...) const> {
  using Result = R;
  using Args = std::tuple<std::decay_t<A>...>;
};
template <class C, class R, class... A>
struct CallableTraits<R (C::*)(A...)> : CallableTraits<R (C::*)(A...) const> {};
template <class R, class... A>
struct CallableTraits<R (*)(A...)> {
  using Result = R;
  using Args = std::tuple<std::decay_t<A>...>;
};
template <class R, class... A>
struct CallableTraits<R(A...)> : CallableTraits<R (*)(A...)> {};

template <class T>
using Stored = typename StoredAs<std::decay_t<T>>::type;

template <class F>
class CallableMap final : public MapBody {
 public:
  using In = std::tuple_element_t<0, typename CallableTraits<F>::Args>;
  explicit CallableMap(F f) : f_(std::move(f)) {}
  Value apply(const Value& in) override { return Value::of(f_(in.get<In>())); }

 private:
  F f_;
};

template <class T>
struct OptionalOf {  // R f(): one item
  using type = T;
  static constexpr bool kStream = false;
};
template <class T>
struct OptionalOf<std::optional<T>> {  // std::optional<R> f(): items until nullopt
  using type = T;
  static constexpr bool kStream = true;
};

template <class F>
class CallableSource final : public SourceBody {
 public:
  using Made = OptionalOf<std::decay_t<typename CallableTraits<F>::Result>>;
  explicit CallableSource(F f) : f_(std::move(f)) {}
  bool next(Value& out) override {
    if constexpr (Made::kStream) {
      auto item = f_();
      if (!item) return false;
      out = Value::of(std::move(*item));
    } else {
      if (done_) return false;
      done_ = true;
      out = Value::of(f_());
    }
    return true;
  }

 private:
  F f_;
  bool done_ = false;
};

template <class F>
class CallableGather final : public GatherBody {
 public:
  using Part = typename std::tuple_element_t<0, typename CallableTraits<F>::Args>::value_type;
  explicit CallableGather(F f) : f_(std::move(f)) {}
  Value combine(std::vector<Value> parts) override {
    std::vector<Part> typed;
    typed.reserve(parts.size());
    for (const Value& v : parts) typed.push_back(v.get<Part>());
    return Value::of(f_(std::move(typed)));
  }

 private:
  F f_;
};
}  // namespace detail
/// \endcond

/// A source kind from a callable taking no argument: `R f()` makes a stream of
/// one item, `std::optional<R> f()` a stream of the items it returns until it
/// returns std::nullopt. Output port "out" of R's type. Each run calls a fresh
/// copy of `f` (a mutable lambda starts over), from one thread at a time.
template <class F>
Kind source_kind(std::string name, std::string doc, F f) {
  using Traits = detail::CallableTraits<F>;
  static_assert(std::tuple_size_v<typename Traits::Args> == 0, "a source callable takes no argument");
  using Out = detail::Stored<typename detail::CallableSource<F>::Made::type>;
  Kind kind;
  kind.name = std::move(name);
  kind.doc = std::move(doc);
  kind.shape = Shape::kSource;
  kind.outputs = {PortSpec{"out", {type_of<Out>().name()}, ""}};
  kind.concurrency = Concurrency::serial();
  kind.make = [f](const NodeConfig&) -> std::unique_ptr<NodeBody> {
    return std::make_unique<detail::CallableSource<F>>(f);
  };
  return kind;
}

/// A map kind from a callable `R f(T)`: input port "in" of T's type, output
/// port "out" of R's type. T and R must be registered types (or int, double,
/// std::vector<int64_t>, ... which Value::of stores as registered types).
/// `f` is called concurrently when the node's concurrency allows: it must be
/// thread-safe then, and is copied into each node's body. A callable whose
/// call leaves it unchanged (a function, a lambda that is not `mutable`)
/// makes a stateless kind (Kind::stateless: a Program keeps the body across
/// runs); a `mutable` one gets a fresh copy each run. What `f` throws fails
/// the node (braid::NodeError). Throws braid::TypeError now if T or R is not
/// a registered type.
template <class F>
Kind map_kind(std::string name, std::string doc, F f,
              Concurrency concurrency = Concurrency::unlimited()) {
  using Traits = detail::CallableTraits<F>;
  static_assert(std::tuple_size_v<typename Traits::Args> == 1, "a map callable takes one argument");
  using In = std::tuple_element_t<0, typename Traits::Args>;
  using Out = detail::Stored<typename Traits::Result>;
  Kind kind;
  kind.name = std::move(name);
  kind.doc = std::move(doc);
  kind.shape = Shape::kMap;
  kind.inputs = {PortSpec{"in", {type_of<In>().name()}, ""}};
  kind.outputs = {PortSpec{"out", {type_of<Out>().name()}, ""}};
  kind.concurrency = concurrency;
  kind.stateless = std::is_invocable_v<const F&, In>;
  kind.make = [f](const NodeConfig&) -> std::unique_ptr<NodeBody> {
    return std::make_unique<detail::CallableMap<F>>(f);
  };
  return kind;
}

/// A gather kind from a callable `R f(std::vector<T> parts)`: the parts of one
/// group, in chunk order. Input "in" of T's type, output "out" of R's type.
/// Default concurrency unlimited (groups are combined in parallel); `f` must
/// then be thread-safe. Stateless as map_kind's when calling `f` leaves it
/// unchanged. Throws braid::TypeError now if T or R is not a registered type.
template <class F>
Kind gather_kind(std::string name, std::string doc, F f) {
  using Traits = detail::CallableTraits<F>;
  using Part = typename std::tuple_element_t<0, typename Traits::Args>::value_type;
  using Out = detail::Stored<typename Traits::Result>;
  Kind kind;
  kind.name = std::move(name);
  kind.doc = std::move(doc);
  kind.shape = Shape::kGather;
  kind.depth_change = -1;
  kind.inputs = {PortSpec{"in", {type_of<Part>().name()}, ""}};
  kind.outputs = {PortSpec{"out", {type_of<Out>().name()}, ""}};
  kind.stateless = std::is_invocable_v<const F&, std::vector<Part>>;
  kind.make = [f](const NodeConfig&) -> std::unique_ptr<NodeBody> {
    return std::make_unique<detail::CallableGather<F>>(f);
  };
  return kind;
}

}  // namespace braid
