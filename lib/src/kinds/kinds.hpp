// Private: the built-in kind families, and helpers they share.
#pragma once

#include <braid/input_file.hpp>  // os_reason
#include <braid/registry.hpp>

#include <nlohmann/json.hpp>

#include <initializer_list>
#include <string>
#include <vector>

namespace braid::kinds {

void add_sources(Registry& registry);
void add_split(Registry& registry);
void add_reduces(Registry& registry);
void add_gathers(Registry& registry);
void add_sinks(Registry& registry);
void add_join(Registry& registry);
void add_streams(Registry& registry);
void add_filters(Registry& registry);
void add_files(Registry& registry);

/// A port accepting (or giving) the named types; no names: any type.
inline PortSpec port(std::string name, std::initializer_list<const char*> types, std::string doc = "") {
  PortSpec p;
  p.name = std::move(name);
  for (const char* t : types) p.types.emplace_back(t);
  p.doc = std::move(doc);
  return p;
}

/// The registered type called `name` (a built-in: never null).
const Type* builtin_type(const char* name);

/// An infer function mapping input type names to output type names; an input
/// type outside `map` is an error naming the accepted ones.
Kind::InferFn infer_by_input(std::vector<std::pair<const char*, const char*>> map);

/// An infer function giving `name` whatever arrives.
Kind::InferFn infer_fixed(const char* name);

/// A required parameter naming a file or directory: a non-empty string.
ParamSpec path_param(std::string name, std::string doc);

}  // namespace braid::kinds
