// join: named input ports matched by tag into one record {port: value}.
// The runtime builds the join itself (any number of ports, keyed by tag).
#include "kinds/kinds.hpp"

#include <regex>
#include <set>

namespace braid::kinds {
namespace {

std::string port_names(const nlohmann::json& v) {
  static const std::regex kName("[A-Za-z_][A-Za-z0-9_]*");
  const std::string want = "must be an array of at least two distinct port names";
  if (!v.is_array()) return want + ", " + param::describe(v);
  if (v.size() < 2) return want + ", got " + std::to_string(v.size()) + (v.size() == 1 ? " name" : " names");
  std::set<std::string> seen;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_string() || !std::regex_match(v[i].get<std::string>(), kName))
      return want + "; element " + std::to_string(i) + " is not a name ([A-Za-z_][A-Za-z0-9_]*): " +
             param::describe(v[i]);
    if (!seen.insert(v[i].get<std::string>()).second)
      return want + "; '" + v[i].get<std::string>() + "' appears twice";
  }
  return "";
}

}  // namespace

void add_join(Registry& registry) {
  Kind k;
  k.name = "join";
  k.doc = "Matches messages of equal tag on every named port and emits one record {port: value}";
  k.shape = Shape::kJoin;
  k.inputs = {port("<each name in params.ports>", {}, "one input per port name")};
  k.outputs = {port("out", {"record"}, "a record with one field per port")};
  k.params = {param::custom("ports", "an array of at least two distinct port names",
                            "the input port names, in the order of the record's fields", "", true, port_names)};
  k.concurrency = Concurrency::unlimited();
  k.stateless = true;  // no body at all: the runtime makes the record
  // Bad ports (reported by the check above) throw: validation then takes the
  // join's inputs as unknown instead of reporting every edge into it.
  k.dynamic_inputs = [](const Params& p) {
    if (!p.has("ports")) throw Error("parameter 'ports' is missing");
    std::string problem = port_names(p.json().at("ports"));
    if (!problem.empty()) throw Error("parameter 'ports' " + problem);
    std::vector<PortSpec> ports;
    for (const auto& name : p.json().at("ports")) ports.push_back(port(name.get<std::string>(), {}));
    return ports;
  };
  registry.add(std::move(k));
}

}  // namespace braid::kinds
