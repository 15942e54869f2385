// Pipeline JSON (format version 1) <-> PipelineSpec: parsing JSON text with
// exact problems, reading a document's structure into a spec, and writing a
// spec back out.
#include <braid/json.hpp>
#include <braid/registry.hpp>

#include <nlohmann/json.hpp>

#include "spec/ids.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace braid {
namespace {

using Json = nlohmann::ordered_json;
using Pointer = nlohmann::json::json_pointer;
// The vector under an ordered_json object: appending to it directly skips the
// linear key search of ordered_map::emplace, which would make an object of n
// keys cost n^2. Callers make sure keys are unique.
using ObjectItems = Json::object_t::Container;

constexpr std::size_t kMaxNesting = 256;

/// `base` + "/" + `key`, escaped as a JSON pointer token ('~' -> "~0", '/' -> "~1").
std::string child(const std::string& base, const std::string& key) { return base + (Pointer() / key).to_string(); }
std::string child(const std::string& base, std::size_t index) { return base + "/" + std::to_string(index); }

std::string describe(const Json& value) {
  if (value.is_array()) return "got an array";  // no deep copy of big values just to say what they are
  if (value.is_object()) return "got an object";
  return param::describe(nlohmann::json(value));
}

// "line L, column C" of the byte before offset `end` (`end` bytes read, the
// end of the text counting as one), as nlohmann counts them, except that a
// line break is the last column of its own line, not column 0 of the next.
std::string line_column(std::string_view text, std::size_t end) {
  std::size_t line = 1, column = 0;
  for (std::size_t i = 0; i < end && i <= text.size(); ++i) {
    if (i > 0 && text[i - 1] == '\n') {
      ++line;
      column = 0;
    }
    ++column;
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

// The offset of the bracket that opens nesting level `level` (1: the outermost
// container). The text before it is valid JSON, so strings are the only thing to skip.
std::size_t nesting_offset(std::string_view text, std::size_t level) {
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth == level) return i;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return text.size();
}

// The length of the UTF-8 sequence at the start of `s`, or 0 if it is not one.
std::size_t utf8_length(std::string_view s) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char c = byte(0);
  std::size_t n = 0;
  if (c < 0x80)
    n = 1;
  else if (c >= 0xC2 && c <= 0xDF)
    n = 2;
  else if (c >= 0xE0 && c <= 0xEF)
    n = 3;
  else if (c >= 0xF0 && c <= 0xF4)
    n = 4;
  if (n == 0 || n > s.size()) return 0;
  for (std::size_t i = 1; i < n; ++i)
    if ((byte(i) & 0xC0) != 0x80) return 0;
  if (n == 3 && ((c == 0xE0 && byte(1) < 0xA0) || (c == 0xED && byte(1) >= 0xA0))) return 0;  // overlong, surrogate
  if (n == 4 && ((c == 0xF0 && byte(1) < 0x90) || (c == 0xF4 && byte(1) >= 0x90))) return 0;  // overlong, > U+10FFFF
  return n;
}

// `s` with each byte that is not part of valid UTF-8 written as <0xAB>: the
// "last read" text of a parse error may hold any bytes of the input.
std::string printable(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    if (std::size_t n = utf8_length(s.substr(i))) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      const auto c = static_cast<unsigned char>(s[i++]);
      out += std::string("<0x") + kHex[c >> 4] + kHex[c & 0xF] + ">";
    }
  }
  return out;
}

// "line L, column C: malformed JSON: DETAIL" from one of nlohmann's parse errors.
std::string malformed_message(std::string_view text, std::size_t byte, const std::string& what) {
  static const std::string kAt = "parse error at ";
  std::string where, detail;
  auto at = what.find(kAt);
  auto colon = at == std::string::npos ? std::string::npos : what.find(": ", at);
  if (at != std::string::npos && colon != std::string::npos && what.compare(at + kAt.size(), 5, "line ") == 0) {
    where = what.substr(at + kAt.size(), colon - at - kAt.size());
    detail = what.substr(colon + 2);
  } else {
    where = line_column(text, byte);
    auto start = what.find(": ");
    detail = start == std::string::npos ? what : what.substr(start + 2);
  }
  // nlohmann places an error found on a line break (a string left open at
  // the end of its line) at column 0 of the next line: say the end of its own.
  if (byte >= 1 && byte <= text.size() && text[byte - 1] == '\n') where = line_column(text, byte);
  return where + ": malformed JSON: " + printable(detail);
}

// Builds an ordered_json document from nlohmann's SAX events, reporting
// duplicate keys (with their pointers) and refusing deep nesting before it
// can exhaust the stack of any recursive code that later walks the document.
class DocumentReader {
 public:
  explicit DocumentReader(std::string_view text) : text_(text) {}

  bool null() { return add(Json(nullptr)); }
  bool boolean(bool v) { return add(Json(v)); }
  bool number_integer(Json::number_integer_t v) { return add(Json(v)); }
  bool number_unsigned(Json::number_unsigned_t v) { return add(Json(v)); }
  bool number_float(Json::number_float_t v, const std::string&) { return add(Json(v)); }
  bool string(std::string& v) { return add(Json(std::move(v))); }
  bool binary(Json::binary_t& v) { return add(Json(std::move(v))); }
  bool start_object(std::size_t) { return open(Json::object()); }
  bool start_array(std::size_t) { return open(Json::array()); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }

  bool key(std::string& k) {
    Frame& top = stack_.back();
    if (!top.keys.insert(k).second)
      problems_.push_back({child(pointer(), k), "duplicate-key", "duplicate key '" + k + "'"});
    top.key = std::move(k);
    return true;
  }

  bool parse_error(std::size_t byte, const std::string&, const nlohmann::detail::exception& e) {
    problems_.push_back({"", "malformed-json", malformed_message(text_, byte, e.what())});
    return false;
  }

  std::vector<Problem>& problems() { return problems_; }
  Json& document() { return root_; }

 private:
  struct Frame {
    Json* value;
    std::unordered_set<std::string> keys;  // objects: keys seen so far
    std::string key;                       // objects: the key of the value being read
  };

  // Where `value` goes in the innermost open container; the slot it now occupies.
  Json* place(Json value) {
    if (stack_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    Frame& top = stack_.back();
    if (top.value->is_array()) {
      auto& items = top.value->get_ref<Json::array_t&>();
      items.push_back(std::move(value));
      return &items.back();
    }
    // Duplicates are kept too: they make parse_json_text throw anyway.
    auto& items = static_cast<ObjectItems&>(top.value->get_ref<Json::object_t&>());
    items.emplace_back(top.key, std::move(value));
    return &items.back().second;
  }

  bool add(Json value) {
    place(std::move(value));
    return true;
  }

  bool open(Json container) {
    if (stack_.size() >= kMaxNesting) {
      problems_.push_back({"", "malformed-json",
                           line_column(text_, nesting_offset(text_, kMaxNesting + 1) + 1) + ": nesting deeper than " +
                               std::to_string(kMaxNesting) + " levels"});
      return false;
    }
    // A container's slot stays put while it is open: its parent only grows once it is closed.
    stack_.push_back(Frame{place(std::move(container)), {}, {}});
    return true;
  }

  bool close() {
    stack_.pop_back();
    return true;
  }

  // The pointer of the innermost open container.
  std::string pointer() const {
    std::string out;
    for (std::size_t i = 0; i + 1 < stack_.size(); ++i) {
      const Frame& f = stack_[i];
      out = f.value->is_array() ? child(out, f.value->size() - 1) : child(out, f.key);
    }
    return out;
  }

  std::string_view text_;
  Json root_;
  std::vector<Frame> stack_;
  std::vector<Problem> problems_;
};

// ---------------------------------------------------------------------------
// Reading a document's structure

const std::vector<std::string>& top_level_keys() {
  static const std::vector<std::string> kKeys = {"braid",     "name",    "description", "threads", "max_in_flight",
                                                 "resources", "outputs", "nodes",       "edges"};
  return kKeys;
}

const std::vector<std::string>& node_keys() {
  static const std::vector<std::string> kKeys = {"kind",        "params",  "concurrency",  "uses",
                                                 "description", "ordered", "max_in_flight"};
  return kKeys;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// Reads the structure of one document into a spec. Problems are appended in
// a fixed order: the top-level keys in the order braid, name, description,
// threads, max_in_flight, resources, outputs, nodes, edges, then unknown
// top-level keys in document order. Inside a node the same holds for kind,
// params, concurrency, uses, description, ordered, max_in_flight, then its unknown keys. Nodes,
// resources, outputs, uses and edges are read in document order.
class SpecReader {
 public:
  explicit SpecReader(std::vector<Problem>& problems) : problems_(problems) {}

  /// False when the document's format version is newer than this braid reads:
  /// then nothing else is read, since the rest may mean something else.
  bool read(const Json& doc, PipelineSpec& spec) {
    if (!doc.is_object()) {
      report("", "bad-type", "a pipeline must be a JSON object, " + describe(doc));
      return true;
    }
    if (!read_version(doc)) return false;
    if (const Json* v = find(doc, "name")) read_string(*v, "/name", spec.name);
    if (const Json* v = find(doc, "description")) read_string(*v, "/description", spec.description);
    if (const Json* v = find(doc, "threads")) {
      if (auto n = count(*v, 0))
        spec.threads = *n;
      else
        must("/threads", "a non-negative integer", *v);
    }
    if (const Json* v = find(doc, "max_in_flight")) {
      if (auto n = count(*v, 1))
        spec.max_in_flight = *n;
      else
        must("/max_in_flight", "a positive integer", *v);
    }
    if (const Json* v = find(doc, "resources")) read_resources(*v, spec);
    if (const Json* v = find(doc, "outputs"))
      read_names(*v, "/outputs", "an array of node ids", "a node id string", spec.outputs);
    if (const Json* v = find(doc, "nodes"))
      read_nodes(*v, spec);
    else
      report("/nodes", "missing-key", "missing required key 'nodes'");
    if (const Json* v = find(doc, "edges"))
      read_edges(*v, spec);
    else
      report("/edges", "missing-key", "missing required key 'edges'");
    report_unknown_keys(doc, "", top_level_keys());
    return true;
  }

 private:
  void report(std::string pointer, std::string code, std::string message) {
    problems_.push_back({std::move(pointer), std::move(code), std::move(message)});
  }
  void must(const std::string& pointer, const std::string& type, const Json& value) {
    report(pointer, "bad-type", "must be " + type + ", " + describe(value));
  }

  static const Json* find(const Json& object, const char* key) {
    auto it = object.find(key);
    return it == object.end() ? nullptr : &*it;
  }

  // An integer >= min that fits a size_t, or nothing.
  static std::optional<std::size_t> count(const Json& v, std::size_t min) {
    if (v.is_number_unsigned()) {
      auto n = v.get<std::uint64_t>();
      if (n >= min && n <= std::numeric_limits<std::size_t>::max()) return static_cast<std::size_t>(n);
    } else if (v.is_number_integer()) {
      auto n = v.get<std::int64_t>();
      if (n >= 0 && static_cast<std::uint64_t>(n) >= min) return static_cast<std::size_t>(n);
    }
    return std::nullopt;
  }

  bool read_version(const Json& doc) {
    const Json* v = find(doc, "braid");
    if (!v) {
      report("/braid", "missing-version", "missing format version: add \"braid\": " + std::to_string(kFormatVersion));
      return true;
    }
    if (!v->is_number_integer()) {
      must("/braid", "the integer " + std::to_string(kFormatVersion), *v);
      return true;
    }
    const auto reads_u = static_cast<std::uint64_t>(kFormatVersion);
    bool newer = v->is_number_unsigned() ? v->get<std::uint64_t>() > reads_u : v->get<std::int64_t>() > kFormatVersion;
    bool older = v->is_number_unsigned() ? v->get<std::uint64_t>() < reads_u : v->get<std::int64_t>() < kFormatVersion;
    const std::string reads = std::to_string(kFormatVersion);
    if (newer) {
      report("/braid", "unsupported-version",
             "format version " + v->dump() + " is newer than this braid reads (" + reads + ")");
      return false;
    }
    if (older)
      report("/braid", "unsupported-version",
             "format version " + v->dump() + " does not exist (this braid reads " + reads + ")");
    return true;
  }

  void read_string(const Json& v, const std::string& pointer, std::string& out) {
    if (v.is_string())
      out = v.get<std::string>();
    else
      must(pointer, "a string", v);
  }

  // An array of strings (outputs, uses).
  void read_names(const Json& v, const std::string& pointer, const char* type, const char* element_type,
                  std::vector<std::string>& out) {
    if (!v.is_array()) {
      must(pointer, type, v);
      return;
    }
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (v[i].is_string())
        out.push_back(v[i].get<std::string>());
      else
        must(child(pointer, i), element_type, v[i]);
    }
  }

  void read_resources(const Json& v, PipelineSpec& spec) {
    if (!v.is_object()) {
      must("/resources", "an object", v);
      return;
    }
    for (const auto& [name, resource] : v.items()) {
      const std::string pointer = child("/resources", name);
      if (!resource.is_object()) {
        must(pointer, "an object", resource);
        continue;
      }
      ResourceSpec r;
      for (const auto& [key, value] : resource.items()) {
        if (key != "capacity") {
          report(child(pointer, key), "unknown-key", "unknown key (expected: capacity)");
        } else if (auto n = count(value, 1)) {
          r.capacity = *n;
        } else {
          must(child(pointer, key), "a positive integer", value);
        }
      }
      spec.resources[name] = r;
    }
  }

  void read_nodes(const Json& v, PipelineSpec& spec) {
    if (!v.is_object()) {
      must("/nodes", "an object", v);
      return;
    }
    if (v.empty()) {
      report("/nodes", "empty", "a pipeline needs at least one node");
      return;
    }
    spec.nodes.reserve(v.size());
    for (const auto& [id, node] : v.items()) {
      const std::string pointer = child("/nodes", id);
      if (!detail::is_node_id(id)) {  // skipped: edges naming it report an unknown node
        report(pointer, "bad-id", "invalid node id '" + id + "': ids match [A-Za-z_][A-Za-z0-9_-]*");
        continue;
      }
      NodeSpec n;
      n.id = id;
      // A node that cannot be read is kept, kind-less, so that edges naming it
      // do not add "unknown node" problems to the one reported here.
      if (!node.is_object())
        must(pointer, "an object", node);
      else
        read_node(node, pointer, n);
      spec.nodes.push_back(std::move(n));
    }
  }

  void read_node(const Json& node, const std::string& pointer, NodeSpec& n) {
    if (const Json* v = find(node, "kind"))
      read_string(*v, child(pointer, "kind"), n.kind);
    else
      report(child(pointer, "kind"), "missing-key", "missing required key 'kind'");
    if (const Json* v = find(node, "params")) {
      if (v->is_object())
        n.params = Params(nlohmann::json(*v));
      else
        must(child(pointer, "params"), "an object", *v);
    }
    if (const Json* v = find(node, "concurrency")) {
      if (v->is_string() && v->get<std::string>() == "serial")
        n.concurrency = Concurrency::serial();
      else if (v->is_string() && v->get<std::string>() == "unlimited")
        n.concurrency = Concurrency::unlimited();
      else if (auto c = count(*v, 1))
        n.concurrency = Concurrency::limit(*c);
      else
        report(child(pointer, "concurrency"), "bad-concurrency",
               "must be \"serial\", \"unlimited\" or a positive integer, " + describe(*v));
    }
    if (const Json* v = find(node, "uses"))
      read_names(*v, child(pointer, "uses"), "an array of resource names", "a resource name string", n.uses);
    if (const Json* v = find(node, "description")) read_string(*v, child(pointer, "description"), n.description);
    if (const Json* v = find(node, "ordered")) {
      if (v->is_boolean())
        n.ordered = v->get<bool>();
      else
        must(child(pointer, "ordered"), "true or false", *v);
    }
    if (const Json* v = find(node, "max_in_flight")) {
      if (auto c = count(*v, 1))
        n.max_in_flight = *c;
      else
        must(child(pointer, "max_in_flight"), "a positive integer", *v);
    }
    report_unknown_keys(node, pointer, node_keys());
  }

  void read_edges(const Json& v, PipelineSpec& spec) {
    if (!v.is_array()) {
      must("/edges", "an array of strings", v);
      return;
    }
    for (std::size_t i = 0; i < v.size(); ++i) {
      const std::string pointer = child("/edges", i);
      if (!v[i].is_string()) {
        must(pointer, "a string, as in \"a -> b\"", v[i]);
        continue;
      }
      for (EdgeSpec& e : parse_edge_chain(v[i].get_ref<const std::string&>(), pointer, problems_))
        spec.edges.push_back(std::move(e));
    }
  }

  void report_unknown_keys(const Json& object, const std::string& pointer, const std::vector<std::string>& known) {
    for (const auto& [key, value] : object.items()) {
      if (std::find(known.begin(), known.end(), key) != known.end()) continue;
      auto close = did_you_mean(key, known);
      report(child(pointer, key), "unknown-key",
             close.empty() ? "unknown key (expected one of: " + join(known) + ")"
                           : "unknown key (did you mean '" + close.front() + "'?)");
    }
  }

  std::vector<Problem>& problems_;
};

// Whether `pointer` is `base` or lies below it.
bool at_or_below(const std::string& pointer, const std::string& base) {
  return pointer.compare(0, base.size(), base) == 0 && (pointer.size() == base.size() || pointer[base.size()] == '/');
}

// Whether `pointer` is one of `bases` or lies below one (a lookup per token, not per base).
bool at_or_below_any(const std::string& pointer, const std::unordered_set<std::string>& bases) {
  for (std::size_t end = pointer.size();;) {
    if (bases.count(pointer.substr(0, end))) return true;
    if (end == 0) return false;
    end = pointer.rfind('/', end - 1);
    if (end == std::string::npos) return false;
  }
}

// Sorts problems by where their pointers lie in the document: the index of
// each token in its object or array. A token the document lacks (a missing
// key) comes before its container's children; a pointer before those below
// it; problems at the same place keep their order.
class DocumentOrder {
 public:
  explicit DocumentOrder(const Json& document) : document_(document) {}

  std::vector<Problem> sort(std::vector<Problem> problems) {
    std::vector<std::pair<std::vector<std::size_t>, std::size_t>> keys;  // (position, index in problems)
    keys.reserve(problems.size());
    for (std::size_t i = 0; i < problems.size(); ++i) keys.emplace_back(position(problems[i].pointer), i);
    std::stable_sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<Problem> out;
    out.reserve(problems.size());
    for (const auto& key : keys) out.push_back(std::move(problems[key.second]));
    return out;
  }

 private:
  // 1 + the index of each token of `pointer` in its container, 0 where the document lacks it.
  std::vector<std::size_t> position(const std::string& pointer) {
    std::vector<std::size_t> out;
    const Json* at = &document_;
    for (std::size_t start = 0; at && start < pointer.size() && pointer[start] == '/';) {
      std::size_t end = std::min(pointer.find('/', start + 1), pointer.size());
      std::string token = unescape(pointer.substr(start + 1, end - start - 1));
      start = end;
      const Json* next = nullptr;
      std::size_t index = 0;
      if (at->is_object()) {
        const auto& keys = keys_of(*at);
        auto it = keys.find(token);
        if (it != keys.end()) {
          index = it->second + 1;
          next = &static_cast<const ObjectItems&>(at->get_ref<const Json::object_t&>())[it->second].second;
        }
      } else if (at->is_array() && !token.empty() && token.find_first_not_of("0123456789") == std::string::npos &&
                 token.size() < 19 && std::stoull(token) < at->size()) {
        index = std::stoull(token) + 1;
        next = &(*at)[index - 1];
      }
      out.push_back(index);
      at = next;
    }
    return out;
  }

  static std::string unescape(std::string token) {  // "~1" -> "/", "~0" -> "~"
    for (std::size_t i = 0; (i = token.find('~', i)) != std::string::npos; ++i)
      if (i + 1 < token.size()) token.replace(i, 2, token[i + 1] == '1' ? "/" : "~");
    return token;
  }

  // An object's keys -> their index, made on first use (a big "nodes" object is searched once).
  const std::unordered_map<std::string_view, std::size_t>& keys_of(const Json& object) {
    auto [it, made] = keys_.try_emplace(&object);
    if (made) {
      const auto& items = static_cast<const ObjectItems&>(object.get_ref<const Json::object_t&>());
      for (std::size_t i = 0; i < items.size(); ++i) it->second.emplace(items[i].first, i);
    }
    return it->second;
  }

  const Json& document_;
  std::unordered_map<const Json*, std::unordered_map<std::string_view, std::size_t>> keys_;
};

Json concurrency_to_json(const Concurrency& c) {
  if (c.is_unlimited()) return "unlimited";
  if (c.value() == 1) return "serial";
  return c.value();
}

}  // namespace

Json parse_json_text(std::string_view text) {
  if (text.size() >= 2 && ((text[0] == '\xFF' && text[1] == '\xFE') || (text[0] == '\xFE' && text[1] == '\xFF')))
    throw SpecError({Problem{"", "malformed-json",
                             "line 1, column 1: malformed JSON: the text is UTF-16 (it starts with a UTF-16 byte "
                             "order mark); save it as UTF-8"}});
  DocumentReader reader(text);
  Json::sax_parse(text.begin(), text.end(), &reader);
  if (!reader.problems().empty()) throw SpecError(std::move(reader.problems()));
  return std::move(reader.document());
}

std::string read_text_file(const std::string& path) {
  auto fail = [&](int error) -> SpecError {
    return SpecError(
        {Problem{"", "unreadable-file", "cannot read pipeline file '" + path + "': " + std::strerror(error)}});
  };
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw fail(EISDIR);
  errno = 0;
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) throw fail(errno ? errno : ENOENT);
  std::string text;
  char buffer[1 << 16];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) text.append(buffer, n);
  int error = std::ferror(file) ? (errno ? errno : EIO) : 0;
  std::fclose(file);
  if (error) throw fail(error);
  return text;
}

PipelineSpec spec_from_json(const Json& document, std::vector<Problem>& problems) {
  PipelineSpec spec;
  SpecReader(problems).read(document, spec);
  return spec;
}

PipelineSpec load_spec(std::string_view json_text) {
  std::vector<Problem> problems;
  PipelineSpec spec = spec_from_json(parse_json_text(json_text), problems);
  if (!problems.empty()) throw SpecError(std::move(problems));
  return spec;
}

PipelineSpec load_spec_file(const std::string& path) { return load_spec(read_text_file(path)); }

// Validation runs on what could be read, so some of its problems would only
// echo a structural one. Those are left out:
// - all of them when the version is newer than this braid reads, or "nodes"
//   itself could not be read;
// - those at or below the pointer of a structural problem (a kind-less node
//   is not reported again as "missing required key 'kind'");
// - unconnected inputs and outputs when some edge could not be read.
//
// The problems are then put in document order (see DocumentOrder).
PipelineSpec valid_spec_from_json(const Json& document, const Registry& registry) {
  std::vector<Problem> problems;
  PipelineSpec spec;
  bool readable = SpecReader(problems).read(document, spec);
  bool edges_unread = false;
  for (const Problem& p : problems) {
    if (p.pointer.empty() || p.pointer == "/nodes") readable = false;
    if (at_or_below(p.pointer, "/edges")) edges_unread = true;
  }
  if (readable) {
    std::unordered_set<std::string> structural;
    for (const Problem& p : problems) structural.insert(p.pointer);
    for (Problem& p : check(spec, registry)) {
      bool echo = (edges_unread && (p.code == "unconnected-input" || p.code == "unconnected-output"));
      if (!echo && !at_or_below_any(p.pointer, structural)) problems.push_back(std::move(p));
    }
  }
  if (!problems.empty()) throw SpecError(DocumentOrder(document).sort(std::move(problems)));
  return spec;
}

PipelineSpec load_valid_spec(std::string_view json_text, const Registry& registry) {
  return valid_spec_from_json(parse_json_text(json_text), registry);
}

Json spec_to_json(const PipelineSpec& spec) {
  Json doc = Json::object();
  doc["braid"] = kFormatVersion;
  if (!spec.name.empty()) doc["name"] = spec.name;
  if (!spec.description.empty()) doc["description"] = spec.description;
  if (spec.threads != 0) doc["threads"] = spec.threads;
  if (spec.max_in_flight) doc["max_in_flight"] = *spec.max_in_flight;
  if (!spec.resources.empty()) {
    Json& resources = doc["resources"] = Json::object();
    for (const auto& [name, r] : spec.resources) resources[name] = Json{{"capacity", r.capacity}};
  }
  if (!spec.outputs.empty()) doc["outputs"] = spec.outputs;

  Json& nodes = doc["nodes"] = Json::object();
  auto& items = static_cast<ObjectItems&>(nodes.get_ref<Json::object_t&>());
  items.reserve(spec.nodes.size());
  std::unordered_set<std::string_view> seen;
  for (const NodeSpec& n : spec.nodes) {
    if (!seen.insert(n.id).second) continue;  // a JSON object holds each id once
    Json node = Json::object();
    node["kind"] = n.kind;
    if (!n.params.json().empty()) node["params"] = Json(n.params.json());
    if (n.concurrency) node["concurrency"] = concurrency_to_json(*n.concurrency);
    if (!n.uses.empty()) node["uses"] = n.uses;
    if (!n.description.empty()) node["description"] = n.description;
    if (n.ordered) node["ordered"] = true;
    if (n.max_in_flight) node["max_in_flight"] = *n.max_in_flight;
    items.emplace_back(n.id, std::move(node));
  }

  Json& edges = doc["edges"] = Json::array();
  for (const EdgeSpec& e : spec.edges) edges.push_back(e.from.to_string() + " -> " + e.to.to_string());
  return doc;
}

}  // namespace braid
