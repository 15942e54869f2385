#pragma once
/// \file
/// Typed pipelines in C++: a whole pipeline written in C++, with lambdas as
/// kinds whose port types are deduced from their signatures (guide:
/// docs/first-pipeline-cpp.md). Underneath it is a PipelineBuilder and a
/// Registry: the spec it builds is the spec of the pipeline's JSON twin,
/// validated by braid::validate with the same messages, and run by braid::run.
///
/// ```text
/// xs ──> chunks ──> squares ──> total ──> result
/// ```
///
/// ```cpp
/// braid::Pipeline p("sum-of-squares");
/// auto xs = p.source("xs", "source.sequence", R"({"n": 1000, "fill": "iota"})");
/// auto chunks = p.split("chunks", xs, 8);
/// auto squares = p.map("squares", chunks, [](braid::Slice<std::int64_t> c) {
///   std::int64_t s = 0;
///   for (std::int64_t x : c) s += x * x;
///   return s;
/// });
/// auto total = p.gather("total", squares, [](std::vector<std::int64_t> parts) {
///   std::int64_t s = 0;
///   for (std::int64_t x : parts) s += x;
///   return s;
/// });
/// p.output("result", total);
/// braid::Result r = p.run();           // validates first, like braid::run
/// std::string json = p.to_json();      // the pipeline file of the same spec
/// ```
///
/// A lambda becomes a kind of p.registry() named after its node ("squares"),
/// or the kind name given; the JSON twin names those kinds and is loaded and
/// run against p.registry().
#include <braid/registry.hpp>
#include <braid/runtime.hpp>
#include <braid/spec.hpp>
#include <braid/value.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace braid {

/// The output of one node of a Pipeline, by node id. Cheap to copy. A stream
/// of one pipeline passed to another names a node that pipeline may not have:
/// its validation reports the edge's unknown node.
class StreamBase {
 public:
  /// The id of the node whose output this is.
  const std::string& node() const noexcept { return node_; }

 protected:
  /// The output of node `node`; only Pipeline makes streams.
  explicit StreamBase(std::string node) : node_(std::move(node)) {}

 private:
  std::string node_;
};

/// A stream whose values are read as T (`Value::get<T>()`: std::int64_t,
/// Slice<double>, Record, a user's type ...). Stream<> (T = void): the type is
/// known only when the pipeline is validated (a built-in kind's inferred output).
/// T is a compile-time promise the lambdas downstream are checked against;
/// what runs is checked by validation, whatever T says.
template <class T = void>
class Stream : public StreamBase {
 public:
  /// What the stream's values are read as (void: not known before validation).
  using value_type = T;

 private:
  friend class Pipeline;
  explicit Stream(std::string node) : StreamBase(std::move(node)) {}
};

/// A pipeline being built in C++, with the Registry its kinds live in.
/// Building is not thread-safe; once built, spec(), validate(), to_json()
/// and run() may be called from several threads at once. Nothing is
/// validated while building: problems are reported, all at once and with the
/// JSON pointers of the JSON twin, by validate() and run(). A node's edges
/// are added when the node is, so edge k of the spec is the k-th input
/// connected ("/edges/k" in messages).
class Pipeline {
 public:
  /// An empty pipeline called `name`, whose registry holds the built-in kinds.
  explicit Pipeline(std::string name = "");
  /// An empty pipeline whose registry is a copy of `registry` (with whatever
  /// kinds it has: add the built-in ones yourself if you want them).
  Pipeline(std::string name, Registry registry);

  /// Sets the pipeline's description.
  Pipeline& description(std::string text);
  /// Sets the threads a run gets (0: all cores), as "threads" in JSON.
  Pipeline& threads(std::size_t n);
  /// Sets the pipeline's max_in_flight: at most `n` items of each source inside
  /// the graph at once, as "max_in_flight" in JSON. Checked by validation.
  Pipeline& max_in_flight(std::size_t n);
  /// Declares a shared resource of `capacity` units that nodes may use, as an
  /// entry of "resources" in JSON.
  Pipeline& resource(std::string name, std::size_t capacity);

  // Settings of the node added last: each applies to the node that the last
  // call of source, node, split, map, gather, join or output added, as the
  // node's key of the same name in JSON, and validation checks it (a setting
  // before any node is reported there too).
  //
  //   auto squares = p.map("squares", chunks, f);
  //   p.concurrency(braid::Concurrency::serial()).uses("disk");

  /// Sets how many messages the node added last may process at once, as its
  /// "concurrency" in JSON. Returns `*this`.
  Pipeline& concurrency(Concurrency c);
  /// Adds a shared resource that the node added last holds while its body
  /// runs, as an entry of its "uses" in JSON. Returns `*this`.
  Pipeline& uses(std::string resource);
  /// Makes the node added last receive its messages in tag order, as its
  /// "ordered" in JSON. Returns `*this`.
  Pipeline& ordered(bool on = true);

  /// Adds source node `id` of a registered kind, with parameters given as the
  /// text of a JSON object ("": none). Out: what the stream's values are read
  /// as, unchecked until validation. Throws braid::SpecError at once if
  /// `params_json` is malformed or not an object.
  template <class Out = void>
  Stream<Out> source(std::string id, std::string kind, std::string_view params_json = "") {
    add_node(std::move(id), std::move(kind), params_json);
    return Stream<Out>(last_id());
  }

  /// Adds source node `id` made from a callable taking no argument (see
  /// braid::source_kind: one item, or items until std::nullopt). Its kind,
  /// added to registry(), is called `kind`, or `id` when empty. Throws
  /// std::invalid_argument if the registry already has a kind of that name.
  template <class F, class = std::enable_if_t<!std::is_convertible_v<F, std::string_view>>>
  auto source(std::string id, F f, std::string kind = "") {
    using Out = detail::Stored<typename detail::CallableSource<F>::Made::type>;
    std::string name = kind_name(id, kind);
    registry_.add(source_kind(name, "source '" + id + "' of pipeline '" + name_ + "'", std::move(f)));
    add_node(std::move(id), std::move(name), "");
    return Stream<Out>(last_id());
  }

  /// Adds node `id` of a registered kind with one input, fed by `in`;
  /// parameters as for source(). For a sink, ignore what it returns.
  template <class Out = void>
  Stream<Out> node(std::string id, std::string kind, const StreamBase& in, std::string_view params_json = "") {
    add_node(std::move(id), std::move(kind), params_json);
    connect(in, "");
    return Stream<Out>(last_id());
  }

  /// Adds a built-in `split` node: `chunks` chunks, or 0 for "auto" (the
  /// parameter left out). Its chunks are views of the same type as `in`.
  template <class T>
  Stream<T> split(std::string id, const Stream<T>& in, std::size_t chunks = 0) {
    add_split(std::move(id), in, chunks);
    return Stream<T>(last_id());
  }

  /// Adds map node `id` made from a callable `R f(A)` (see braid::map_kind):
  /// input "in" of A's type, output "out" of R's. Its kind is called `kind`,
  /// or `id` when empty. Does not compile when `in` is typed and its T is not
  /// A. Throws std::invalid_argument if the kind name is taken, and
  /// braid::TypeError if A or R is not a registered type.
  template <class T, class F>
  auto map(std::string id, const Stream<T>& in, F f, std::string kind = "") {
    using Traits = detail::CallableTraits<F>;
    static_assert(std::tuple_size_v<typename Traits::Args> == 1, "a map callable takes one argument");
    using Arg = std::tuple_element_t<0, typename Traits::Args>;
    static_assert(std::is_void_v<T> || std::is_same_v<T, Arg>,
                  "braid::Pipeline::map: the callable's argument is not the type of the stream it is given");
    using Out = detail::Stored<typename Traits::Result>;
    std::string name = kind_name(id, kind);
    registry_.add(map_kind(name, "map '" + id + "' of pipeline '" + name_ + "'", std::move(f)));
    add_node(std::move(id), std::move(name), "");
    connect(in, "");
    return Stream<Out>(last_id());
  }

  /// Adds gather node `id` made from a callable `R f(std::vector<P> parts)`
  /// (see braid::gather_kind): the parts of one group in chunk order. Does not
  /// compile when `in` is typed and its T is not P. Kind name and throws as map().
  template <class T, class F>
  auto gather(std::string id, const Stream<T>& in, F f, std::string kind = "") {
    using Traits = detail::CallableTraits<F>;
    static_assert(std::tuple_size_v<typename Traits::Args> == 1, "a gather callable takes one std::vector");
    using Part = typename std::tuple_element_t<0, typename Traits::Args>::value_type;
    static_assert(std::is_void_v<T> || std::is_same_v<T, Part>,
                  "braid::Pipeline::gather: the callable's parts are not the type of the stream it is given");
    using Out = detail::Stored<typename Traits::Result>;
    std::string name = kind_name(id, kind);
    registry_.add(gather_kind(name, "gather '" + id + "' of pipeline '" + name_ + "'", std::move(f)));
    add_node(std::move(id), std::move(name), "");
    connect(in, "");
    return Stream<Out>(last_id());
  }

  /// Adds a built-in `join` node with one input port per entry, named as given,
  /// in that order: one Record {port: value, ...} per tag.
  Stream<Record> join(std::string id, const std::vector<std::pair<std::string, StreamBase>>& ports);

  /// Adds a `sink.output` node `id` fed by `in`: what reaches it is in the
  /// Result of run() under `id`.
  void output(std::string id, const StreamBase& in);

  /// The spec built so far. Throws braid::SpecError if a call was malformed
  /// (as PipelineBuilder::build()); does not validate.
  PipelineSpec spec() const;
  /// The kinds the pipeline's nodes name: the built-in ones (or those given
  /// to the constructor) and the callables' kinds. Lives as long as the
  /// pipeline; load the JSON twin against it.
  const Registry& registry() const noexcept { return registry_; }
  /// The same, to add kinds that node() and source() then name.
  Registry& registry() noexcept { return registry_; }
  /// Throws braid::SpecError with every problem of spec() against registry():
  /// the problems, pointers and messages braid::validate gives the JSON twin.
  void validate() const;
  /// braid::run(spec(), registry(), options): validates, then runs. Throws as
  /// braid::run (SpecError, NodeError naming node id, kind and tag, ...).
  Result run(const RunOptions& options = {}) const;
  /// braid::Program(spec(), registry(), options): validated and built once,
  /// to run() many times. It borrows registry(): the pipeline must outlive it.
  Program compile(const RunOptions& options = {}) const;
  /// spec() as pipeline JSON text (format version 1, indented by 2):
  /// load_spec(to_json()) gives spec() back.
  std::string to_json() const;

 private:
  static std::string kind_name(const std::string& id, const std::string& kind) { return kind.empty() ? id : kind; }
  void add_node(std::string id, std::string kind, std::string_view params_json);
  void add_split(std::string id, const StreamBase& in, std::size_t chunks);
  void connect(const StreamBase& from, std::string to_port);
  const std::string& last_id() const noexcept { return last_id_; }

  std::string name_;
  Registry registry_;
  PipelineBuilder builder_;
  std::string last_id_;
};

}  // namespace braid
