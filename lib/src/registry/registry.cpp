// Registry, Kind helpers and the parameter checks kinds declare.
#include <braid/registry.hpp>

#include <nlohmann/json.hpp>

#include <stdexcept>

namespace braid {

const char* to_string(Shape shape) noexcept {
  switch (shape) {
    case Shape::kSource: return "source";
    case Shape::kMap: return "map";
    case Shape::kFlatMap: return "flat map";
    case Shape::kJoin: return "join";
    case Shape::kGather: return "gather";
    case Shape::kSink: return "sink";
  }
  return "?";
}

void Registry::add(Kind kind) {
  if (kind.name.empty()) throw std::invalid_argument("braid::Registry::add: a kind needs a name");
  if (kind.outputs.size() > 1)
    throw std::invalid_argument("braid::Registry::add: kind '" + kind.name + "' has more than one output port");
  if (kind.stateless && kind.shape == Shape::kSource)
    throw std::invalid_argument("braid::Registry::add: kind '" + kind.name +
                                "' is a source: its body holds a stream's position, so it cannot be stateless");
  if (kinds_.count(kind.name) != 0)
    throw std::invalid_argument("braid::Registry::add: kind '" + kind.name + "' is already registered");
  std::string name = kind.name;
  kinds_.emplace(std::move(name), std::move(kind));
}

const Kind* Registry::find(std::string_view name) const noexcept {
  auto it = kinds_.find(name);
  return it == kinds_.end() ? nullptr : &it->second;
}

std::vector<const Kind*> Registry::kinds() const {
  std::vector<const Kind*> out;
  out.reserve(kinds_.size());
  for (const auto& [name, kind] : kinds_) out.push_back(&kind);
  return out;
}

std::vector<std::string> Registry::names() const {
  std::vector<std::string> out;
  out.reserve(kinds_.size());
  for (const auto& [name, kind] : kinds_) out.push_back(name);
  return out;
}

namespace param {

std::string describe(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::array: return "got an array";
    case nlohmann::json::value_t::object: return "got an object";
    case nlohmann::json::value_t::null: return "got null";
    default: {
      std::string text = value.dump();
      if (text.size() > 40) text = text.substr(0, 37) + "...";
      return "got " + text;
    }
  }
}

namespace {
std::string must(const std::string& type, const nlohmann::json& value) {
  return "must be " + type + ", " + describe(value);
}

std::string integer_phrase(std::int64_t min, std::int64_t max) {
  if (min == 1 && max == INT64_MAX) return "a positive integer";
  if (min == 0 && max == INT64_MAX) return "a non-negative integer";
  if (min == INT64_MIN && max == INT64_MAX) return "an integer";
  if (max == INT64_MAX) return "an integer >= " + std::to_string(min);
  return "an integer between " + std::to_string(min) + " and " + std::to_string(max);
}
}  // namespace

ParamSpec integer(std::string name, std::string doc, std::optional<std::int64_t> fallback,
                  std::int64_t min, std::int64_t max) {
  std::string type = integer_phrase(min, max);
  return custom(std::move(name), type, std::move(doc), fallback ? std::to_string(*fallback) : "",
                !fallback, [type, min, max](const nlohmann::json& v) -> std::string {
                  if (v.is_number_integer()) {
                    if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX))
                      return must(type, v);
                    std::int64_t x = v.get<std::int64_t>();
                    if (x < min || x > max) return must(type, v);
                    return "";
                  }
                  return must(type, v);
                });
}

ParamSpec number(std::string name, std::string doc, std::optional<double> fallback) {
  return custom(std::move(name), "a number", std::move(doc),
                fallback ? nlohmann::json(*fallback).dump() : "", !fallback,
                [](const nlohmann::json& v) { return v.is_number() ? std::string() : must("a number", v); });
}

ParamSpec boolean(std::string name, std::string doc, std::optional<bool> fallback) {
  return custom(std::move(name), "true or false", std::move(doc),
                fallback ? (*fallback ? "true" : "false") : "", !fallback,
                [](const nlohmann::json& v) { return v.is_boolean() ? std::string() : must("true or false", v); });
}

ParamSpec string(std::string name, std::string doc, std::optional<std::string> fallback,
                 std::vector<std::string> choices) {
  std::string type = "a string";
  if (!choices.empty()) {
    type = "one of ";
    for (std::size_t i = 0; i < choices.size(); ++i) type += (i ? ", \"" : "\"") + choices[i] + "\"";
  }
  return custom(std::move(name), type, std::move(doc), fallback ? nlohmann::json(*fallback).dump() : "",
                !fallback, [type, choices](const nlohmann::json& v) -> std::string {
                  if (!v.is_string()) return must(type, v);
                  if (choices.empty()) return "";
                  for (const auto& c : choices)
                    if (v.get<std::string>() == c) return "";
                  return must(type, v);
                });
}

ParamSpec custom(std::string name, std::string type, std::string doc, std::string default_json,
                 bool required, std::function<std::string(const nlohmann::json&)> check) {
  ParamSpec p;
  p.name = std::move(name);
  p.type = std::move(type);
  p.doc = std::move(doc);
  p.default_json = std::move(default_json);
  p.required = required;
  p.check = std::move(check);
  return p;
}

}  // namespace param
}  // namespace braid
