// register_builtin_kinds and the helpers the kind families share.
#include "kinds/kinds.hpp"

namespace braid {

void register_builtin_kinds(Registry& registry) {
  kinds::add_sources(registry);
  kinds::add_streams(registry);
  kinds::add_split(registry);
  kinds::add_reduces(registry);
  kinds::add_gathers(registry);
  kinds::add_join(registry);
  kinds::add_filters(registry);
  kinds::add_sinks(registry);
  kinds::add_files(registry);
}

namespace kinds {

const Type* builtin_type(const char* name) {
  const Type* t = find_type(name);
  if (!t) throw Error(std::string("built-in type ") + name + " is not registered");
  return t;
}

Kind::InferFn infer_by_input(std::vector<std::pair<const char*, const char*>> map) {
  return [map](const Params&, const std::vector<const Type*>& inputs, std::string& error) -> const Type* {
    if (inputs.empty() || inputs[0] == nullptr) return nullptr;
    for (const auto& [in, out] : map)
      if (inputs[0]->name() == in) return builtin_type(out);
    std::string accepted;
    for (const auto& entry : map) accepted += (accepted.empty() ? "" : ", ") + std::string(entry.first);
    error = "input of type " + inputs[0]->name() + " is not supported (accepted: " + accepted + ")";
    return nullptr;
  };
}

Kind::InferFn infer_fixed(const char* name) {
  return [name](const Params&, const std::vector<const Type*>&, std::string&) { return builtin_type(name); };
}

ParamSpec path_param(std::string name, std::string doc) {
  return param::custom(std::move(name), "a non-empty string", std::move(doc), "", true,
                       [](const nlohmann::json& v) -> std::string {
                         if (v.is_string() && !v.get_ref<const std::string&>().empty()) return "";
                         return "must be a non-empty string, " + param::describe(v);
                       });
}

}  // namespace kinds
}  // namespace braid
