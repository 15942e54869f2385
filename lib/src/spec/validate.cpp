// Validation of a PipelineSpec against a Registry: every problem at once,
// each with its JSON pointer, before anything runs.
//
// check() works in passes, and returns problems in this order:
//   1. top level (a spec built in C++ may hold what JSON cannot say: no nodes,
//      max_in_flight 0, a resource of capacity 0);
//   2. per node, in declaration order: id, kind, params, concurrency,
//      max_in_flight and ordered, uses;
//   3. outputs;
//   4. edges, in order: unknown nodes and ports, inputs fed twice;
//   5. per node: unconnected inputs and outputs;
//   6. cycles;
//   7. only when passes 4 and 6 found nothing: types and split depths, node
//      by node in topological order (ties in declaration order);
//   8. then ordered nodes with more than one source upstream.
// A problem is not echoed by the passes after it: a node whose kind is
// unknown has unknown ports and types, a node with a bad parameter or a
// mismatched input gives an unknown type, a node whose input_ports() throws
// has unknown ports; neither a port named in a bad edge nor the node that an
// edge's unknown node suggests ("did you mean") is reported as unconnected.
#include <braid/message.hpp>
#include <braid/registry.hpp>
#include <braid/spec.hpp>

#include <nlohmann/json.hpp>

#include "spec/id_index.hpp"
#include "spec/ids.hpp"
#include "spec/recent.hpp"
#include "spec/same_text.hpp"
#include "spec/validated.hpp"

#include <algorithm>
#include <cstddef>
#include <functional>
#include <memory>
#include <numeric>
#include <optional>
#include <queue>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace braid {
namespace {

constexpr std::size_t kNone = static_cast<std::size_t>(-1);

/// `base` + "/" + `key`, escaped as a JSON pointer token.
std::string child(const std::string& base, const std::string& key) {
  return base + (nlohmann::json::json_pointer() / key).to_string();
}

std::string join(const std::vector<std::string>& items, const char* separator = ", ") {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? separator : "") + items[i];
  return out;
}

std::vector<std::string> port_names(const std::vector<PortSpec>& ports) {
  std::vector<std::string> out;
  for (const PortSpec& p : ports) out.push_back(p.name);
  return out;
}

/// " (did you mean 'x'?)" or `otherwise`.
std::string suggestion(std::string_view word, const std::vector<std::string>& candidates,
                       const std::string& otherwise) {
  auto close = did_you_mean(word, candidates);
  return close.empty() ? otherwise : " (did you mean '" + close.front() + "'?)";
}

const std::vector<PortSpec> kNoPorts;  // a node's whose ports are not known

struct NodeInfo {
  const NodeSpec* spec = nullptr;
  const Kind* kind = nullptr;  // nullptr: unknown, so are its ports and types
  bool duplicate = false;      // an id already used by an earlier node: ignored after pass 2
  bool param_problems = false;
  bool inputs_known = false;  // false when dynamic inputs could not be computed
  // The kind's own ports, or those its dynamic_inputs gave (in Checker::port_lists_); none when not known.
  const std::vector<PortSpec>* input_list = nullptr;
  std::size_t ports_at = 0;  // where its input ports start in Checker::port_edges_ and port_types_
  std::size_t output_edges = 0;
  bool in_bad_edge_as_from = false;  // named by an edge that had a problem
  bool in_bad_edge_as_to = false;

  // "node 'stats' (join)"
  std::string title() const { return "node '" + spec->id + "' (" + spec->kind + ")"; }
  const std::vector<PortSpec>& inputs() const { return input_list ? *input_list : kNoPorts; }
  // "/nodes/ID", made when a problem is reported (not for every node)
  std::string pointer() const { return child("/nodes", spec->id); }
};

// An edge between two known nodes, with no problem: what cycles, types and depths follow.
struct GraphEdge {
  std::size_t from;
  std::size_t to;
  std::size_t to_port;  // kNone when the target's kind (so its ports) is unknown
  std::size_t spec;     // its index in PipelineSpec::edges
};

using detail::Successors;

class Checker {
 public:
  Checker(const PipelineSpec& spec, const Registry& registry) : spec_(spec), registry_(registry), by_id_(spec.nodes) {}

  std::vector<Problem> run() {
    check_top_level();
    nodes_.resize(spec_.nodes.size());
    // Each node checked as its id is indexed, its input ports laid out one
    // after another: one pass over the nodes (a large pipeline's outgrow the caches).
    std::size_t ports = 0, live = 0;  // live: nodes that are not duplicates
    kinds_.reserve(nodes_.size());
    inputs_.reserve(nodes_.size());
    by_id_.insert_each([&](std::size_t i, bool first_of_id) {
      check_node(i, first_of_id);
      NodeInfo& n = nodes_[i];
      live += first_of_id;
      n.ports_at = ports;
      ports += n.inputs().size();
      kinds_.push_back(n.kind);
      inputs_.push_back(n.input_list);
    });
    port_edges_.assign(ports, kNone);
    check_outputs();
    bool edge_problems = check_edges();
    check_unconnected();
    successors_ = Successors(nodes_.size(), edges_);
    // A topological order reaches every node unless there is a cycle: only
    // then are the strongly connected components looked for, to report it.
    // Where every edge leads forward (to a node declared later, as pipelines
    // are mostly written and generated), declaration order is one: no walk
    // looks for another, and the passes that follow it read the nodes in
    // turn (a walk's order made checking a 100,000-node grid's types miss
    // the cache on nearly every node).
    if (all_forward_ && live == nodes_.size()) {
      order_.resize(live);
      std::iota(order_.begin(), order_.end(), std::size_t{0});
    } else {
      order_.reserve(live);
      in_topological_order(false, [&](std::size_t v) { order_.push_back(v); });
    }
    bool cycles = order_.size() != live && check_cycles();
    if (!edge_problems && !cycles) {
      check_types_and_depths();
      check_ordered_sources();
    }
    return std::move(problems_);
  }

  /// After run() found no problem: what building the graph uses again.
  detail::Validated take() {
    return {std::move(by_id_), std::move(ends_),       std::move(inputs_),  std::move(port_lists_),
            std::move(kinds_), std::move(successors_), std::move(order_),   std::move(to_ports_),
            any_ordered_,      std::move(port_types_), std::move(out_type_)};
  }

 private:
  void report(std::string pointer, std::string code, std::string message) {
    problems_.push_back({std::move(pointer), std::move(code), std::move(message)});
  }

  /// Per input port of `n`: the graph edge feeding it, or kNone.
  std::size_t* input_edge(const NodeInfo& n) { return port_edges_.data() + n.ports_at; }

  // "/edges/3", or where a loaded edge came from
  std::string edge_pointer(std::size_t e) const {
    const EdgeSpec& edge = spec_.edges[e];
    return edge.pointer.empty() ? "/edges/" + std::to_string(e) : edge.pointer;
  }

  // --- pass 1 ---------------------------------------------------------------
  void check_top_level() {
    if (spec_.max_in_flight) check_max_in_flight("/max_in_flight", *spec_.max_in_flight);
    for (const auto& [name, resource] : spec_.resources)
      if (resource.capacity == 0)
        report(child(child("/resources", name), "capacity"), "bad-type", "must be a positive integer, got 0");
    if (spec_.nodes.empty()) report("/nodes", "empty", "a pipeline needs at least one node");
  }

  void check_max_in_flight(const std::string& pointer, std::size_t n) {
    if (n == 0)
      report(pointer, "bad-type", "must be a positive integer, got 0");
    else if (n > kMaxInFlightLimit)
      report(pointer, "bad-type",
             "must be at most " + std::to_string(kMaxInFlightLimit) + ", got " + std::to_string(n));
  }

  // --- pass 2 ---------------------------------------------------------------
  // `first_of_id`: no earlier node has its id.
  void check_node(std::size_t i, bool first_of_id) {
    NodeInfo& n = nodes_[i];
    const NodeSpec& node = spec_.nodes[i];
    n.spec = &node;
    if (!first_of_id) {
      n.duplicate = true;
      report(n.pointer(), "duplicate-id", "node id '" + node.id + "' is used by more than one node");
      return;
    }
    if (!detail::is_node_id(node.id))
      report(n.pointer(), "bad-id", "invalid node id '" + node.id + "': ids match [A-Za-z_][A-Za-z0-9_-]*");

    if (node.kind.empty()) {
      report(child(n.pointer(), "kind"), "missing-key", "missing required key 'kind'");
    } else if (!(n.kind = find_kind(node.kind))) {
      report(child(n.pointer(), "kind"), "unknown-kind",
             "unknown kind '" + node.kind + "'" + suggestion(node.kind, registry_.names(), " (see 'braid kinds')"));
    }
    if (n.kind) {
      check_params(n);
      check_concurrency(n);
      check_stream_keys(n);
    }
    for (std::size_t u = 0; u < node.uses.size(); ++u) {
      const std::string& name = node.uses[u];
      if (spec_.resources.count(name)) continue;
      std::vector<std::string> declared;
      for (const auto& r : spec_.resources) declared.push_back(r.first);
      report(child(n.pointer(), "uses") + "/" + std::to_string(u), "unknown-resource",
             "unknown resource '" + name + "'" + suggestion(name, declared, " (declare it under \"resources\")"));
    }
  }

  void check_params(NodeInfo& n) {
    const Kind& kind = *n.kind;
    const Params& params = n.spec->params;
    auto base = [&] { return child(n.pointer(), "params"); };  // made when a problem is reported
    const std::size_t before = problems_.size();

    if (!params.json().is_object()) {  // Params::json() is writable
      report(base(), "bad-type", "must be an object, " + param::describe(params.json()));
      n.param_problems = true;
      return;
    }
    // The same params as an earlier node of this kind whose params had no
    // problem: every check below is a function of the kind and the params
    // (ParamSpec::check, Kind::check_params, Kind::dynamic_inputs), so they
    // pass again, and give the same ports. A task graph's joins, or a
    // generated pipeline's nodes, have a handful of params between them.
    if (const KnownParams* known = recent_params_.find(
            [&](const KnownParams& k) { return k.kind == &kind && same_json(*k.params, params.json()); })) {
      n.input_list = known->ports;
      n.inputs_known = true;
      return;
    }
    for (const auto& [name, value] : params.json().items()) {
      auto it = std::find_if(kind.params.begin(), kind.params.end(),
                             [&, &key = name](const ParamSpec& p) { return p.name == key; });
      if (it == kind.params.end()) {
        std::vector<std::string> names;
        for (const ParamSpec& p : kind.params) names.push_back(p.name);
        std::string takes =
            names.empty() ? " (" + kind.name + " takes none)" : " (" + kind.name + " takes: " + join(names) + ")";
        report(child(base(), name), "unknown-param", "unknown parameter" + suggestion(name, names, takes));
      } else if (it->check) {
        std::string complaint = it->check(value);
        if (!complaint.empty()) report(child(base(), name), "bad-param", complaint);
      }
    }
    for (const ParamSpec& p : kind.params)
      if (p.required && !params.has(p.name))
        report(child(base(), p.name), "missing-param", "missing required parameter: " + p.type);

    if (problems_.size() == before && kind.check_params) {
      try {
        for (const auto& [suffix, message] : kind.check_params(params)) report(base() + suffix, "bad-param", message);
      } catch (const std::exception& e) {
        report(base(), "bad-param", e.what());
      }
    }
    n.param_problems = problems_.size() != before;

    try {
      if (kind.dynamic_inputs) {
        port_lists_.push_back(std::make_unique<std::vector<PortSpec>>(kind.dynamic_inputs(params)));
        n.input_list = port_lists_.back().get();
      } else {
        n.input_list = &kind.inputs;  // not copied: most kinds' ports do not depend on params
      }
      n.inputs_known = true;
      // Params with a problem are never taken for another node's: a bad one
      // may make a check or dynamic_inputs throw, which must be seen.
      if (!n.param_problems) recent_params_.keep({&kind, &params.json(), n.input_list});
    } catch (const std::exception& e) {
      if (!n.param_problems) report(base(), "bad-param", e.what());
      n.param_problems = true;
    }
  }

  // Equal, and of the same types throughout (nlohmann's == takes 2 and 2.0
  // for equal). Params nested deeper than `depth` are taken for different:
  // their node is checked on its own, and no input recurses deep.
  static bool same_json(const nlohmann::json& a, const nlohmann::json& b, int depth = 8) {
    using json = nlohmann::json;
    if (a.type() != b.type() || depth == 0) return false;
    // What each value holds, compared as such (get_ptr, inline: get_ref is
    // a call): nlohmann's iterators and its == cost a node of a task graph
    // more than the checks they spared. Scalars are compared in place, not
    // by a call each.
    switch (a.type()) {
      case json::value_t::object: {
        const auto& x = *a.get_ptr<const json::object_t*>();
        const auto& y = *b.get_ptr<const json::object_t*>();
        std::size_t left = x.size();
        if (left != y.size()) return false;
        if (left == 0) return true;
        // Stepped size - 1 times, not size: a step is a call into the tree
        // (_Rb_tree_increment), and most params have one or two keys.
        for (auto i = x.begin(), j = y.begin();; ++i, ++j) {
          if (!detail::same_text(i->first, j->first) || !same_value(i->second, j->second, depth - 1)) return false;
          if (--left == 0) return true;
        }
      }
      case json::value_t::array: {
        const auto& x = *a.get_ptr<const json::array_t*>();
        const auto& y = *b.get_ptr<const json::array_t*>();
        if (x.size() != y.size()) return false;
        for (std::size_t i = 0; i < x.size(); ++i)
          if (!same_value(x[i], y[i], depth - 1)) return false;
        return true;
      }
      default:
        return same_scalar(a, b);
    }
  }

  // same_json() of two values inside params: a scalar here, a container by a call.
  static bool same_value(const nlohmann::json& a, const nlohmann::json& b, int depth) {
    if (a.is_structured()) return same_json(a, b, depth);
    return a.type() == b.type() && same_scalar(a, b);
  }

  // Two scalars of one type.
  static bool same_scalar(const nlohmann::json& a, const nlohmann::json& b) {
    using json = nlohmann::json;
    switch (a.type()) {
      case json::value_t::string:
        return detail::same_text(*a.get_ptr<const json::string_t*>(), *b.get_ptr<const json::string_t*>());
      case json::value_t::number_integer:
        return *a.get_ptr<const json::number_integer_t*>() == *b.get_ptr<const json::number_integer_t*>();
      case json::value_t::number_unsigned:
        return *a.get_ptr<const json::number_unsigned_t*>() == *b.get_ptr<const json::number_unsigned_t*>();
      case json::value_t::boolean:
        return *a.get_ptr<const json::boolean_t*>() == *b.get_ptr<const json::boolean_t*>();
      default:
        return a == b;  // null, floating point (NaN is never the same), binary
    }
  }

  void check_concurrency(const NodeInfo& n) {
    const auto& c = n.spec->concurrency;
    if (n.kind->shape == Shape::kSource && c && c->value() != 1)
      report(child(n.pointer(), "concurrency"), "bad-concurrency",
             "a source runs serially; remove concurrency or set \"serial\"");
  }

  void check_stream_keys(const NodeInfo& n) {
    const NodeSpec& node = *n.spec;
    const Shape shape = n.kind->shape;
    if (node.max_in_flight) {
      if (shape != Shape::kSource)
        report(child(n.pointer(), "max_in_flight"), "not-a-source",
               "only a source's items are bounded; " + n.title() + " is a " + to_string(shape) +
                   " (set max_in_flight on its source or at the top level)");
      else
        check_max_in_flight(child(n.pointer(), "max_in_flight"), *node.max_in_flight);
    }
    if (!node.ordered) return;
    any_ordered_ = true;
    if (shape == Shape::kSource)
      report(child(n.pointer(), "ordered"), "bad-ordered", "a source has no input to order");
    else if (shape == Shape::kJoin)
      report(child(n.pointer(), "ordered"), "bad-ordered",
             "a join's inputs cannot be ordered; order the node it feeds instead");
    else if (node.concurrency && node.concurrency->value() != 1)
      report(child(n.pointer(), "concurrency"), "bad-concurrency",
             "an ordered node runs serially; remove concurrency or set \"serial\"");
  }

  /// registry_.find(name), the last few kinds found kept: a pipeline's nodes
  /// are of a few kinds, and a compare or two of a name is cheaper than the
  /// registry's lookup (half a dozen of them, in a tree as big as the registry).
  const Kind* find_kind(const std::string& name) {
    if (const Kind* const* kept = recent_kinds_.find([&](const Kind* k) { return detail::same_text(k->name, name); }))
      return *kept;
    const Kind* k = registry_.find(name);
    if (k) recent_kinds_.keep(k);
    return k;
  }

  /// The type named by `kind`'s one output type, kept per kind as find_kind() keeps kinds.
  const Type* output_type(const Kind& kind) {
    using KindType = std::pair<const Kind*, const Type*>;
    if (const KindType* kept = recent_types_.find([&](const KindType& t) { return t.first == &kind; }))
      return kept->second;
    return recent_types_.keep({&kind, find_type(kind.outputs.front().types.front())}).second;
  }

  // --- pass 3 ---------------------------------------------------------------
  std::size_t find(const std::string& id) const { return by_id_.find(id); }

  // "unknown node 'x' (did you mean 'y'?)"; `suggested`, when given, is set to y's index or kNone.
  std::string unknown_node(const std::string& id, std::size_t* suggested = nullptr) const {
    std::vector<std::string> ids;
    ids.reserve(spec_.nodes.size());
    for (const NodeSpec& n : spec_.nodes) ids.push_back(n.id);
    auto close = did_you_mean(id, ids);
    if (suggested) *suggested = close.empty() ? kNone : find(close.front());
    return "unknown node '" + id + "'" + (close.empty() ? "" : " (did you mean '" + close.front() + "'?)");
  }

  void check_outputs() {
    for (std::size_t i = 0; i < spec_.outputs.size(); ++i) {
      const std::string pointer = "/outputs/" + std::to_string(i);
      std::size_t n = find(spec_.outputs[i]);
      if (n == kNone)
        report(pointer, "unknown-node", unknown_node(spec_.outputs[i]));
      else if (nodes_[n].kind && nodes_[n].kind->shape != Shape::kSink)
        report(pointer, "not-a-sink", nodes_[n].title() + " is not a sink");
    }
  }

  // --- pass 4 ---------------------------------------------------------------
  // Returns whether any edge had a problem.
  bool check_edges() {
    bool any = false;
    ends_.resize(2 * spec_.edges.size());
    to_ports_.resize(spec_.edges.size());
    edges_.reserve(spec_.edges.size());
    by_id_.each_edge(spec_.edges, [&](std::size_t e, std::size_t from, std::size_t to) {
      const EdgeSpec& edge = spec_.edges[e];
      const std::size_t before = problems_.size();
      ends_[2 * e] = from;
      ends_[2 * e + 1] = to;

      // An unknown node's suggestion is what the edge was meant to connect:
      // it is not also reported as unconnected.
      std::size_t suggested = kNone;
      if (from == kNone) {
        report(edge_pointer(e), "unknown-node", unknown_node(edge.from.node, &suggested));
        if (suggested != kNone) nodes_[suggested].in_bad_edge_as_from = true;
      } else {
        check_from_port(nodes_[from], edge.from, e);
      }

      std::size_t port = kNone;
      if (to == kNone) {
        report(edge_pointer(e), "unknown-node", unknown_node(edge.to.node, &suggested));
        if (suggested != kNone) nodes_[suggested].in_bad_edge_as_to = true;
      } else {
        port = check_to_port(nodes_[to], edge.to, e);
      }

      bool clean = problems_.size() == before;
      if (clean && port != kNone) {
        std::size_t& feeder = input_edge(nodes_[to])[port];
        if (feeder != kNone) {
          report(edge_pointer(e), "duplicate-input",
                 "input '" + edge.to.node + "." + nodes_[to].inputs()[port].name + "' is already connected by " +
                     edge_pointer(edges_[feeder].spec));
          clean = false;
        }
      }
      if (!clean) {
        any = true;
        if (from != kNone) nodes_[from].in_bad_edge_as_from = true;
        if (to != kNone) nodes_[to].in_bad_edge_as_to = true;
        return;
      }
      to_ports_[e] = port;
      if (port != kNone) input_edge(nodes_[to])[port] = edges_.size();
      nodes_[from].output_edges++;
      all_forward_ = all_forward_ && from < to;
      edges_.push_back(GraphEdge{from, to, port, e});
    });
    return any;
  }

  void check_from_port(const NodeInfo& n, const Endpoint& end, std::size_t e) {
    if (!n.kind) return;
    const auto& outputs = n.kind->outputs;
    if (outputs.empty()) {
      report(edge_pointer(e), "unknown-port", n.title() + " has no output port");
    } else if (!end.port.empty() && !detail::same_text(end.port, outputs.front().name)) {
      report(edge_pointer(e), "unknown-port",
             n.title() + " has no output port '" + end.port + "'" + port_hint(end.port, outputs, "output"));
    }
  }

  // The input port `end` (of edge `e`) names, or kNone when it names none or the ports are unknown.
  std::size_t check_to_port(const NodeInfo& n, const Endpoint& end, std::size_t e) {
    if (!n.kind || !n.inputs_known) return kNone;
    const auto& inputs = n.inputs();
    if (inputs.empty()) {
      report(edge_pointer(e), "unknown-port", n.title() + " has no input port");
      return kNone;
    }
    if (end.port.empty()) {
      if (inputs.size() == 1) return 0;
      report(edge_pointer(e), "ambiguous-port",
             n.title() + " has several input ports; name one, as in '" + n.spec->id + "." + inputs.front().name +
                 "' (input ports: " + join(port_names(inputs)) + ")");
      return kNone;
    }
    for (std::size_t i = 0; i < inputs.size(); ++i)
      if (detail::same_text(inputs[i].name, end.port)) return i;
    report(edge_pointer(e), "unknown-port",
           n.title() + " has no input port '" + end.port + "'" + port_hint(end.port, inputs, "input"));
    return kNone;
  }

  static std::string port_hint(const std::string& port, const std::vector<PortSpec>& ports, const char* direction) {
    auto names = port_names(ports);
    return suggestion(port, names, std::string(" (") + direction + " ports: " + join(names) + ")");
  }

  // --- pass 5 ---------------------------------------------------------------
  void check_unconnected() {
    for (const NodeInfo& n : nodes_) {
      if (n.duplicate || !n.kind) continue;
      if (!n.in_bad_edge_as_to) {
        const std::vector<PortSpec>& inputs = n.inputs();
        const std::size_t* fed = input_edge(n);
        for (std::size_t i = 0; i < inputs.size(); ++i)
          if (fed[i] == kNone)
            report(n.pointer(), "unconnected-input", "input '" + inputs[i].name + "' is not connected");
      }
      if (!n.in_bad_edge_as_from && !n.kind->outputs.empty() && n.output_edges == 0)
        report(n.pointer(), "unconnected-output",
               "output '" + n.kind->outputs.front().name + "' is not connected; its results would be lost");
    }
  }

  // --- pass 6 ---------------------------------------------------------------
  // Reports one cycle per strongly connected component that has one, in the
  // order of the components' first nodes. Returns whether there was any.
  bool check_cycles() {
    std::vector<std::size_t> component = strong_components();
    // The first node (in declaration order) of each component with a cycle.
    std::vector<std::size_t> size(nodes_.size(), 0);
    for (std::size_t c : component)
      if (c != kNone) ++size[c];
    std::vector<bool> started(nodes_.size(), false);
    bool any = false;
    for (std::size_t v = 0; v < nodes_.size(); ++v) {
      std::size_t c = component[v];
      if (c == kNone || started[c]) continue;
      started[c] = true;
      bool self_loop = false;
      for (std::size_t w : successors_.of(v)) self_loop = self_loop || w == v;
      if (size[c] < 2 && !self_loop) continue;
      any = true;
      report("/edges", "cycle", "cycle: " + cycle_through(v, component));
    }
    return any;
  }

  // Tarjan's algorithm without recursion: node -> component number (kNone for duplicates).
  std::vector<std::size_t> strong_components() const {
    const std::size_t n = nodes_.size();
    std::vector<std::size_t> index(n, kNone), low(n, 0), component(n, kNone);
    std::vector<bool> on_stack(n, false);
    std::vector<std::size_t> stack;
    std::vector<std::pair<std::size_t, std::size_t>> calls;  // (node, next adjacency position)
    std::size_t counter = 0, components = 0;
    for (std::size_t root = 0; root < n; ++root) {
      if (nodes_[root].duplicate || index[root] != kNone) continue;
      calls.emplace_back(root, 0);
      index[root] = low[root] = counter++;
      stack.push_back(root);
      on_stack[root] = true;
      while (!calls.empty()) {
        auto& [v, next] = calls.back();
        if (const Successors::Slice out = successors_.of(v); next < out.size()) {
          std::size_t w = out.first[next++];
          if (index[w] == kNone) {
            index[w] = low[w] = counter++;
            stack.push_back(w);
            on_stack[w] = true;
            calls.emplace_back(w, 0);
          } else if (on_stack[w]) {
            low[v] = std::min(low[v], index[w]);
          }
          continue;
        }
        std::size_t done = v;
        calls.pop_back();
        if (!calls.empty()) low[calls.back().first] = std::min(low[calls.back().first], low[done]);
        if (low[done] == index[done]) {
          std::size_t w;
          do {
            w = stack.back();
            stack.pop_back();
            on_stack[w] = false;
            component[w] = components;
          } while (w != done);
          ++components;
        }
      }
    }
    // Number components by their first node in declaration order, so callers can index by node.
    std::vector<std::size_t> renumber(components, kNone);
    for (std::size_t v = 0; v < n; ++v)
      if (component[v] != kNone) {
        if (renumber[component[v]] == kNone) renumber[component[v]] = v;
        component[v] = renumber[component[v]];
      }
    return component;
  }

  // "a -> b -> c -> a": a shortest cycle from `start` back to it, inside its component.
  std::string cycle_through(std::size_t start, const std::vector<std::size_t>& component) const {
    std::unordered_map<std::size_t, std::size_t> parent;  // node -> node it was reached from
    std::queue<std::size_t> queue;
    queue.push(start);
    std::size_t last = kNone;
    while (!queue.empty() && last == kNone) {
      std::size_t v = queue.front();
      queue.pop();
      for (std::size_t w : successors_.of(v)) {
        if (w == start) {
          last = v;
          break;
        }
        if (component[w] == component[start] && !parent.count(w)) {
          parent[w] = v;
          queue.push(w);
        }
      }
    }
    std::vector<std::string> path{spec_.nodes[start].id};
    for (std::size_t v = last; v != start; v = parent.at(v)) path.push_back(spec_.nodes[v].id);
    std::reverse(path.begin() + 1, path.end());
    path.push_back(spec_.nodes[start].id);
    return join(path, " -> ");
  }

  // --- pass 7 ---------------------------------------------------------------
  // The problems come node by node in the topological order that takes ties
  // in declaration order. That order costs a heap (log n per node, and a
  // cache miss a step on a large graph), so the nodes are checked in a
  // cheaper topological order, and the problems, when there are any, are
  // then sorted into it: a node's checks read only its predecessors' results.
  void check_types_and_depths() {
    const std::size_t n = nodes_.size();
    out_type_.assign(n, nullptr);
    port_types_.assign(port_edges_.size(), nullptr);
    depth_.assign(n, std::nullopt);
    const std::size_t first = problems_.size();
    std::vector<std::size_t> reporter;  // per problem from `first` on: the node that reported it
    for (std::size_t v : order_) {
      check_node_types_and_depth(v);
      reporter.resize(problems_.size() - first, v);
    }
    if (reporter.empty()) return;
    std::vector<std::size_t> rank(n, kNone);
    std::size_t next = 0;
    in_topological_order(true, [&](std::size_t v) { rank[v] = next++; });
    std::vector<std::size_t> order(reporter.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return rank[reporter[a]] < rank[reporter[b]]; });
    std::vector<Problem> sorted;
    sorted.reserve(order.size());
    for (std::size_t i : order) sorted.push_back(std::move(problems_[first + i]));
    std::move(sorted.begin(), sorted.end(), problems_.begin() + static_cast<std::ptrdiff_t>(first));
  }

  // Calls visit(v) for every node but duplicates (the graph has no cycle),
  // each after its predecessors: ties in declaration order when
  // `least_first`, else in an order that costs no heap.
  template <class Visit>
  void in_topological_order(bool least_first, Visit visit) const {
    const std::size_t n = nodes_.size();
    std::vector<std::size_t> waiting(n, 0);
    for (const GraphEdge& e : edges_) ++waiting[e.to];
    std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>> heap;
    std::vector<std::size_t> stack;
    auto ready = [&](std::size_t v) { least_first ? heap.push(v) : stack.push_back(v); };
    for (std::size_t v = n; v-- > 0;)
      if (!nodes_[v].duplicate && waiting[v] == 0) ready(v);
    while (least_first ? !heap.empty() : !stack.empty()) {
      std::size_t v;
      if (least_first) {
        v = heap.top();
        heap.pop();
      } else {
        v = stack.back();
        stack.pop_back();
      }
      visit(v);
      for (std::size_t w : successors_.of(v))
        if (--waiting[w] == 0) ready(w);
    }
  }

  // A node's input types and split depths, in one pass over its inputs
  // (their predecessors' types and depths are known: topological order).
  // Problems in this order: type mismatches by port, the kind's inference,
  // then the depths.
  void check_node_types_and_depth(std::size_t v) {
    const NodeInfo& n = nodes_[v];
    if (!n.kind) return;
    const Kind& kind = *n.kind;
    const std::vector<PortSpec>& inputs = n.inputs();
    const std::size_t ports = inputs.size();
    const bool infer = static_cast<bool>(kind.infer);
    std::vector<const Type*>& arriving = arriving_;  // reused from node to node: for infer only
    if (infer) arriving.assign(ports, nullptr);
    const Type** port_types = port_types_.data() + n.ports_at;
    bool mismatch = false;
    std::optional<int> in;  // the depth its inputs arrive at
    if (kind.shape == Shape::kSource) in = 0;
    bool differ = false;
    for (std::size_t i = 0; i < ports; ++i) {
      if (input_edge(n)[i] == kNone) continue;
      const GraphEdge& e = edges_[input_edge(n)[i]];
      const Type* type = out_type_[e.from];
      port_types[i] = type;
      if (infer) arriving[i] = type;
      if (const std::optional<int> d = depth_[e.from]) {
        if (in && *in != *d) differ = true;
        in = in ? std::max(*in, *d) : *d;
      }
      const auto& accepts = inputs[i].types;
      if (!type || accepts.empty() || std::any_of(accepts.begin(), accepts.end(), [&](const std::string& a) {
            return detail::same_text(a, type->name());
          }))
        continue;
      mismatch = true;
      const NodeInfo& from = nodes_[e.from];
      report(edge_pointer(e.spec), "type-mismatch",
             "type mismatch: '" + from.spec->id + "." + from.kind->outputs.front().name + "' gives " + type->name() +
                 ", '" + n.spec->id + "." + inputs[i].name + "' accepts " + join(accepts));
    }
    if (!kind.outputs.empty() && !mismatch && !n.param_problems) {
      if (infer) {
        std::string error;
        const Type* type = nullptr;
        try {
          type = kind.infer(n.spec->params, arriving, error);
        } catch (const std::exception& e) {
          error = e.what();
        }
        if (!error.empty())
          report(n.pointer(), "type-mismatch", error);
        else
          out_type_[v] = type;
      } else if (kind.outputs.front().types.size() == 1) {
        out_type_[v] = output_type(kind);
      }
    }
    if (in) check_depth(v, n, *in, differ);
  }

  // The depth of node v (`n`) whose inputs arrive at `in` (the deepest; `differ`: not all alike).
  void check_depth(std::size_t v, const NodeInfo& n, int in, bool differ) {
    if (differ && n.kind->shape == Shape::kJoin) {
      std::vector<std::string> arrivals;  // "port: depth"
      for (std::size_t i = 0; i < n.inputs().size(); ++i)
        if (input_edge(n)[i] != kNone)
          if (auto d = depth_[edges_[input_edge(n)[i]].from])
            arrivals.push_back(n.inputs()[i].name + ": " + std::to_string(*d));
      report(n.pointer(), "depth-mismatch",
             "inputs arrive at different split depths (" + join(arrivals) + "); their tags can never match");
      return;
    }
    int out = std::max(0, in + n.kind->depth_change);  // a gather at depth 0 gathers a whole stream
    if (out > static_cast<int>(Tag::kMaxDepth)) {
      report(n.pointer(), "too-deep",
             "splits nested " + std::to_string(out) + " deep; at most " + std::to_string(Tag::kMaxDepth) +
                 " are supported");
      return;
    }
    depth_[v] = out;
  }

  // --- pass 8 ---------------------------------------------------------------
  // An ordered node sequences by source item: it needs exactly one source upstream.
  void check_ordered_sources() {
    if (!any_ordered_) return;
    std::vector<std::vector<std::size_t>> into(nodes_.size());
    for (std::size_t e = 0; e < edges_.size(); ++e) into[edges_[e].to].push_back(edges_[e].from);
    for (std::size_t x = 0; x < nodes_.size(); ++x) {
      if (nodes_[x].duplicate || !nodes_[x].kind || !nodes_[x].spec->ordered) continue;
      std::vector<bool> seen(nodes_.size(), false);
      std::vector<std::size_t> stack{x}, sources;
      seen[x] = true;
      while (!stack.empty()) {
        std::size_t v = stack.back();
        stack.pop_back();
        if (nodes_[v].kind && nodes_[v].kind->shape == Shape::kSource) sources.push_back(v);
        for (std::size_t u : into[v])
          if (!seen[u]) seen[u] = true, stack.push_back(u);
      }
      if (sources.size() <= 1) continue;
      std::sort(sources.begin(), sources.end());
      std::vector<std::string> ids;
      for (std::size_t s : sources) ids.push_back(spec_.nodes[s].id);
      report(child(nodes_[x].pointer(), "ordered"), "ordered-sources",
             "an ordered node needs exactly one source upstream, found " + std::to_string(ids.size()) + " (" +
                 join(ids) + ")");
    }
  }

  const PipelineSpec& spec_;
  const Registry& registry_;
  std::vector<Problem> problems_;
  std::vector<NodeInfo> nodes_;
  bool all_forward_ = true;  // every graph edge leads from a node to one declared after it
  // What take() hands the compiler, gathered as the nodes and edges are checked:
  std::vector<const Kind*> kinds_;                    // per node: NodeInfo::kind
  std::vector<const std::vector<PortSpec>*> inputs_;  // per node: NodeInfo::input_list
  std::vector<std::size_t> to_ports_;                 // per edge of the spec: the input port it feeds
  detail::Recent<const Kind*, 8> recent_kinds_;                          // find_kind()'s
  struct KnownParams {  // a kind and params without problems, and the ports they gave
    const Kind* kind = nullptr;
    const nlohmann::json* params = nullptr;  // a node's, in the spec
    const std::vector<PortSpec>* ports = nullptr;
  };
  detail::Recent<KnownParams, 8> recent_params_;                         // check_params()'s
  std::vector<std::unique_ptr<std::vector<PortSpec>>> port_lists_;       // what dynamic_inputs gave
  detail::Recent<std::pair<const Kind*, const Type*>, 8> recent_types_;  // output_type()'s
  detail::IdIndex by_id_;
  std::vector<std::size_t> ends_;        // per edge e: from at 2e, to at 2e + 1
  std::vector<std::size_t> port_edges_;  // every node's input_edge(), one after another (NodeInfo::ports_at)
  std::vector<GraphEdge> edges_;
  Successors successors_;
  std::vector<std::size_t> order_;  // topological, every node but duplicates (when there is no cycle): run()'s
  std::vector<const Type*> out_type_;
  std::vector<const Type*> port_types_;  // the type arriving on each input port, laid out as port_edges_
  std::vector<const Type*> arriving_;  // check_node_types(): the type on each input port
  std::vector<std::optional<int>> depth_;
  bool any_ordered_ = false;  // a node of known kind is ordered (pass 8 looks at them)
};

}  // namespace

std::vector<Problem> check(const PipelineSpec& spec, const Registry& registry) { return Checker(spec, registry).run(); }

void validate(const PipelineSpec& spec, const Registry& registry) {
  auto problems = check(spec, registry);
  if (!problems.empty()) throw SpecError(std::move(problems));
}

detail::Validated detail::validate_and_index(const PipelineSpec& spec, const Registry& registry) {
  Checker checker(spec, registry);
  auto problems = checker.run();
  if (!problems.empty()) throw SpecError(std::move(problems));
  return checker.take();
}

}  // namespace braid
