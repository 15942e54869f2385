// braid::Pipeline: a PipelineBuilder and a Registry behind typed handles.
#include <braid/json.hpp>
#include <braid/pipeline.hpp>

#include <nlohmann/json.hpp>

namespace braid {

Pipeline::Pipeline(std::string name) : name_(name), builder_(std::move(name)) {
  register_builtin_kinds(registry_);
}

Pipeline::Pipeline(std::string name, Registry registry)
    : name_(name), registry_(std::move(registry)), builder_(std::move(name)) {}

Pipeline& Pipeline::description(std::string text) {
  builder_.description(std::move(text));
  return *this;
}

Pipeline& Pipeline::threads(std::size_t n) {
  builder_.threads(n);
  return *this;
}

Pipeline& Pipeline::max_in_flight(std::size_t n) {
  builder_.max_in_flight(n);
  return *this;
}

Pipeline& Pipeline::resource(std::string name, std::size_t capacity) {
  builder_.resource(std::move(name), capacity);
  return *this;
}

Pipeline& Pipeline::concurrency(Concurrency c) {
  builder_.concurrency(c);
  return *this;
}

Pipeline& Pipeline::uses(std::string resource) {
  builder_.uses(std::move(resource));
  return *this;
}

Pipeline& Pipeline::ordered(bool on) {
  builder_.ordered(on);
  return *this;
}

void Pipeline::add_node(std::string id, std::string kind, std::string_view params_json) {
  nlohmann::ordered_json params = nlohmann::ordered_json::object();
  if (!params_json.empty()) {
    const std::string where = (nlohmann::json::json_pointer("/nodes") / id / "params").to_string();
    try {
      params = parse_json_text(params_json);
    } catch (const SpecError& e) {
      std::vector<Problem> problems;
      for (const Problem& p : e.problems()) problems.push_back({where + p.pointer, p.code, p.message});
      throw SpecError(std::move(problems));
    }
    if (!params.is_object())
      throw SpecError({Problem{where, "bad-type", "must be an object, " + param::describe(params)}});
  }
  last_id_ = id;
  builder_.node(std::move(id), std::move(kind));
  for (const auto& [key, value] : params.items()) builder_.param_json(key, value.dump());
}

void Pipeline::add_split(std::string id, const StreamBase& in, std::size_t chunks) {
  add_node(std::move(id), "split", "");
  if (chunks != 0) builder_.param("chunks", static_cast<std::int64_t>(chunks));
  connect(in, "");
}

void Pipeline::connect(const StreamBase& from, std::string to_port) {
  builder_.edge(Endpoint{from.node(), ""}, Endpoint{last_id_, std::move(to_port)});
}

Stream<Record> Pipeline::join(std::string id, const std::vector<std::pair<std::string, StreamBase>>& ports) {
  std::vector<std::string> names;
  for (const auto& entry : ports) names.push_back(entry.first);
  add_node(std::move(id), "join", "");
  builder_.param("ports", names);
  for (const auto& [port, stream] : ports) connect(stream, port);
  return Stream<Record>(last_id_);
}

void Pipeline::output(std::string id, const StreamBase& in) { node(std::move(id), "sink.output", in); }

PipelineSpec Pipeline::spec() const { return builder_.build(); }

void Pipeline::validate() const { braid::validate(spec(), registry_); }

Result Pipeline::run(const RunOptions& options) const { return braid::run(spec(), registry_, options); }

Program Pipeline::compile(const RunOptions& options) const { return Program(spec(), registry_, options); }

std::string Pipeline::to_json() const { return spec_to_json(spec()).dump(2); }

}  // namespace braid
