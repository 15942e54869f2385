// graph, bench and tune: draw a pipeline (Graphviz DOT or Mermaid, annotated
// with the statistics of a run), measure its speedup over a sweep of thread
// counts, and search the chunking and concurrency that make it fastest.
//
//   braid graph seed.json --stats stats.json --svg seed.svg
//   braid bench range.json --threads 1,2,4,8 --svg speedup.svg
//   braid tune range.json --budget 30 --write range-tuned.json
#include "tools.hpp"

#include "output_file.hpp"

#include "cli.hpp"

#include <braid/braid.hpp>

#include <spawn.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

extern char** environ;

namespace braid::cli {
namespace {

using Json = nlohmann::ordered_json;

/// A complaint of these commands: printed as "program: message", exit `exit`.
struct ToolError : Error {
  ToolError(int exit_code, const std::string& message) : Error(message), exit(exit_code) {}
  int exit;
};

// --- shared: checksums, timing, files, programs --------------------------------

/// FNV-1a, 64 bits: the checksum of a run's printed outputs.
std::uint64_t fnv1a(std::string_view text) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string hex(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string format(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

double median(std::vector<double> xs) {
  if (xs.empty()) return 0.0;
  std::sort(xs.begin(), xs.end());
  const std::size_t n = xs.size();
  return n % 2 ? xs[n / 2] : (xs[n / 2 - 1] + xs[n / 2]) / 2;
}

/// Timed runs of one spec on one thread count.
struct Timing {
  std::vector<double> seconds;  ///< the wall time (Result::seconds) of each timed run
  double median = 0.0;
  std::uint64_t checksum = 0;  ///< FNV-1a of the first run's outputs, as `braid run` prints them
  bool consistent = true;      ///< every run, warm-ups included, gave that checksum
};

/// Runs `spec` `warmups` + `runs` times on `threads` threads (0: the spec's)
/// and times the last `runs`: one Program, compiled once, so a time is a
/// run's (bodies made, run, drained), not validation's or the graph's
/// construction. Throws what braid::run throws.
Timing time_runs(const PipelineSpec& spec, const Registry& registry, std::size_t threads, std::size_t warmups,
                 std::size_t runs) {
  Timing t;
  RunOptions options;
  options.threads = threads;
  Program program(spec, registry, options);
  for (std::size_t i = 0; i < warmups + runs; ++i) {
    Result r = program.run();
    const std::uint64_t sum = fnv1a(outputs_to_json_text(r, spec.outputs));
    if (i == 0) t.checksum = sum;
    if (sum != t.checksum) t.consistent = false;
    if (i >= warmups) t.seconds.push_back(r.seconds);
  }
  t.median = median(t.seconds);
  return t;
}

/// Writes `text` to `path` whole or not at all (see OutputFile).
void write_file(const std::string& path, const std::string& text) {
  try {
    OutputFile file(path);
    file.stream() << text;
    file.commit();
  } catch (const OutputError& e) {
    throw ToolError(kInvalid, e.what());
  }
}

/// The full path of executable `name` on PATH, or "".
std::string find_on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  if (!path) return "";
  std::string_view rest(path);
  while (true) {
    const std::size_t colon = rest.find(':');
    std::string dir(rest.substr(0, colon));
    if (dir.empty()) dir = ".";
    const std::string candidate = dir + "/" + name;
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(candidate.c_str(), X_OK) == 0)
      return candidate;
    if (colon == std::string_view::npos) return "";
    rest.remove_prefix(colon + 1);
  }
}

/// Runs `args` (args[0]: a path), its stdout and stderr those of this process,
/// and returns its exit status; -1 if it could not start.
int run_program(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (::posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0) return -1;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string title_of(const PipelineSpec& spec, const std::string& file) {
  if (!spec.name.empty()) return spec.name;
  return file == "-" ? "pipeline" : std::filesystem::path(file).stem().string();
}

/// "/nodes/<id>" as a JSON pointer.
std::string node_pointer(const std::string& id) { return "/nodes" + (nlohmann::json::json_pointer() / id).to_string(); }

// --- graph --------------------------------------------------------------------

/// What a stats file (`braid run --stats-json`, see <braid/stats.hpp>) says
/// about a run; every field is optional but `nodes`.
struct StatsFile {
  struct Node {
    std::optional<double> share, busy_seconds;
    std::optional<std::int64_t> messages_in, messages_out, max_queue;
  };
  std::optional<double> wall_seconds, busy_seconds, efficiency, critical_seconds;
  std::optional<std::int64_t> threads;
  std::vector<std::string> critical_path;  ///< node ids, along edges of the pipeline
  std::map<std::string, Node> nodes;
};

/// Reads a stats file, checking it against `spec`; every complaint is
/// "FILE: /json/pointer: message", exit 1.
class StatsReader {
 public:
  StatsReader(std::string path, const PipelineSpec& spec) : path_(std::move(path)), spec_(spec) {}

  StatsFile read() {
    std::ifstream in(path_, std::ios::binary);
    if (!in) throw ToolError(kInvalid, "cannot read stats file '" + path_ + "': " + std::strerror(errno));
    std::ostringstream text;
    text << in.rdbuf();
    Json doc;
    try {
      doc = parse_json_text(text.str());
    } catch (const SpecError& e) {
      throw ToolError(kInvalid, path_ + ": " + e.problems().front().to_string());
    }
    if (!doc.is_object() || !doc.contains("nodes"))
      fail("", "not a stats file: expected an object with \"nodes\", as `braid run --stats-json` writes");
    StatsFile stats;
    const Json& nodes = doc["nodes"];
    if (!nodes.is_array()) fail("/nodes", "must be an array, " + describe(nodes));
    for (std::size_t i = 0; i < nodes.size(); ++i) read_node(nodes[i], "/nodes/" + std::to_string(i), stats);
    if (doc.contains("run")) read_run(doc["run"], stats);
    return stats;
  }

 private:
  [[noreturn]] void fail(const std::string& pointer, const std::string& message) const {
    throw ToolError(kInvalid, path_ + ": " + Problem{pointer, "bad-stats", message}.to_string());
  }

  static std::string describe(const Json& v) {
    if (v.is_array()) return "got an array";
    if (v.is_object()) return "got an object";
    return param::describe(nlohmann::json(v));
  }

  const Json& object(const Json& v, const std::string& pointer) const {
    if (!v.is_object()) fail(pointer, "must be an object, " + describe(v));
    return v;
  }

  std::optional<double> seconds(const Json& obj, const char* key, const std::string& pointer) const {
    if (!obj.contains(key)) return std::nullopt;
    const Json& v = obj[key];
    if (!v.is_number() || v.get<double>() < 0 || !std::isfinite(v.get<double>()))
      fail(pointer + "/" + key, "must be a non-negative number, " + describe(v));
    return v.get<double>();
  }

  std::optional<std::int64_t> count(const Json& obj, const char* key, const std::string& pointer) const {
    if (!obj.contains(key)) return std::nullopt;
    const Json& v = obj[key];
    if (!v.is_number_integer() || (v.is_number_integer() && !v.is_number_unsigned() && v.get<std::int64_t>() < 0))
      fail(pointer + "/" + key, "must be a non-negative integer, " + describe(v));
    return v.get<std::int64_t>();
  }

  /// The id at obj[key], which must name a node of the pipeline.
  const NodeSpec& known_node(const Json& v, const std::string& pointer) const {
    if (!v.is_string()) fail(pointer, "must be a node id (a string), " + describe(v));
    const std::string id = v.get<std::string>();
    const NodeSpec* n = spec_.find_node(id);
    if (!n) {
      std::vector<std::string> ids;
      for (const NodeSpec& node : spec_.nodes) ids.push_back(node.id);
      const auto near = did_you_mean(id, ids);
      fail(pointer,
           "the pipeline has no node '" + id + "'" + (near.empty() ? "" : " (did you mean '" + near.front() + "'?)"));
    }
    return *n;
  }

  void read_node(const Json& v, const std::string& pointer, StatsFile& stats) const {
    const Json& obj = object(v, pointer);
    if (!obj.contains("id")) fail(pointer, "a node needs its \"id\"");
    const NodeSpec& node = known_node(obj["id"], pointer + "/id");
    if (obj.contains("kind")) {
      const Json& kind = obj["kind"];
      if (!kind.is_string()) fail(pointer + "/kind", "must be a string, " + describe(kind));
      if (kind.get<std::string>() != node.kind)
        fail(pointer + "/kind", "node '" + node.id + "' is a " + kind.get<std::string>() + " here but a " + node.kind +
                                    " in the pipeline");
    }
    if (stats.nodes.count(node.id)) fail(pointer + "/id", "node '" + node.id + "' appears twice");
    StatsFile::Node& s = stats.nodes[node.id];
    s.share = seconds(obj, "share", pointer);
    s.busy_seconds = seconds(obj, "busy_seconds", pointer);
    s.messages_in = count(obj, "messages_in", pointer);
    s.messages_out = count(obj, "messages_out", pointer);
    s.max_queue = count(obj, "max_queue", pointer);
  }

  void read_run(const Json& v, StatsFile& stats) const {
    const Json& run = object(v, "/run");
    stats.wall_seconds = seconds(run, "wall_seconds", "/run");
    stats.busy_seconds = seconds(run, "busy_seconds", "/run");
    stats.efficiency = seconds(run, "efficiency", "/run");
    stats.threads = count(run, "threads", "/run");
    if (!run.contains("critical_path")) return;
    const Json& cp = object(run["critical_path"], "/run/critical_path");
    stats.critical_seconds = seconds(cp, "seconds", "/run/critical_path");
    if (!cp.contains("nodes")) return;
    const Json& nodes = cp["nodes"];
    if (!nodes.is_array()) fail("/run/critical_path/nodes", "must be an array of node ids, " + describe(nodes));
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      const std::string pointer = "/run/critical_path/nodes/" + std::to_string(i);
      const NodeSpec& n = known_node(nodes[i], pointer);
      if (!stats.critical_path.empty()) {
        const std::string& from = stats.critical_path.back();
        const bool linked = std::any_of(spec_.edges.begin(), spec_.edges.end(),
                                        [&](const EdgeSpec& e) { return e.from.node == from && e.to.node == n.id; });
        if (!linked) fail(pointer, "no edge from '" + from + "' to '" + n.id + "' in the pipeline");
      }
      stats.critical_path.push_back(n.id);
    }
  }

  std::string path_;
  const PipelineSpec& spec_;
};

/// A parameter value in a few characters: strings bare, others as JSON, long ones cut.
std::string brief(const nlohmann::json& v) {
  constexpr std::size_t kMax = 28;
  std::string text = v.is_string() ? v.get<std::string>() : v.dump();
  if (text.size() > kMax) {
    std::size_t cut = kMax - 3;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // not inside a UTF-8 character
    text = text.substr(0, cut) + "...";
  }
  return text;
}

/// "1.23 ms": three significant digits in the unit that fits.
std::string duration(double s) {
  if (s == 0) return "0 s";
  if (s >= 1000) return format("%.0f s", s);
  if (s >= 1) return format("%.3g s", s);
  if (s >= 1e-3) return format("%.3g ms", s * 1e3);
  if (s >= 1e-6) return format("%.3g \u00b5s", s * 1e6);
  return format("%.3g ns", s * 1e9);
}

/// The lines of a node's label: id, kind, what is written about it, then its statistics.
std::vector<std::string> node_lines(const NodeSpec& n, const StatsFile::Node* s) {
  constexpr std::size_t kMaxParams = 4;
  std::vector<std::string> lines = {n.id, n.kind};
  std::size_t shown = 0, total = n.params.json().size();
  for (const auto& item : n.params.json().items()) {
    if (shown++ == kMaxParams && total > kMaxParams + 1) {
      lines.push_back("+" + std::to_string(total - kMaxParams) + " more");
      break;
    }
    lines.push_back(item.key() + "=" + brief(item.value()));
  }
  if (n.concurrency) lines.push_back("concurrency=" + n.concurrency->to_string());
  if (!n.uses.empty()) {
    std::string uses;
    for (const std::string& u : n.uses) uses += (uses.empty() ? "" : ",") + u;
    lines.push_back("uses=" + uses);
  }
  if (s) {
    std::string work;
    if (s->share) work = format("share %.1f%%", *s->share * 100);
    if (s->busy_seconds) work += (work.empty() ? "" : ", ") + duration(*s->busy_seconds) + " busy";
    if (!work.empty()) lines.push_back(work);
    std::string messages;
    if (s->messages_in) messages = std::to_string(*s->messages_in) + " in";
    if (s->messages_out) messages += (messages.empty() ? "" : ", ") + std::to_string(*s->messages_out) + " out";
    if (s->max_queue && *s->max_queue > 0)
      messages += (messages.empty() ? "" : ", ") + std::string("max queue ") + std::to_string(*s->max_queue);
    if (!messages.empty()) lines.push_back(messages);
  }
  return lines;
}

/// The title, then a line about the run and one about its critical path when stats say them.
std::vector<std::string> title_lines(const std::string& title, const StatsFile* stats) {
  std::vector<std::string> lines = {title};
  if (!stats) return lines;
  std::string run;
  if (stats->wall_seconds) run = "wall " + duration(*stats->wall_seconds);
  if (stats->threads)
    run += (run.empty() ? "" : " ") + std::string("on ") + std::to_string(*stats->threads) + " threads";
  if (stats->busy_seconds) run += (run.empty() ? "" : ", ") + std::string("busy ") + duration(*stats->busy_seconds);
  if (stats->efficiency) run += (run.empty() ? "" : ", ") + format("efficiency %.0f%%", *stats->efficiency * 100);
  if (!run.empty()) lines.push_back(run);
  if (!stats->critical_path.empty())
    lines.push_back("critical path (bold)" +
                    (stats->critical_seconds ? ": " + duration(*stats->critical_seconds) : std::string()));
  return lines;
}

/// The label text of an edge: its ports, where they are named.
std::string port_label(const EdgeSpec& e) {
  if (e.from.port.empty()) return e.to.port;
  if (e.to.port.empty()) return e.from.port;
  return e.from.port + " -> " + e.to.port;
}

/// The fill of a node by its share of the busy time, relative to the largest share: white to red.
std::string share_color(double share, double max_share) {
  const double x = max_share > 0 ? std::clamp(share / max_share, 0.0, 1.0) : 0.0;
  const int gb = static_cast<int>(std::lround(255 - 204 * x));
  char buf[8];
  std::snprintf(buf, sizeof buf, "#ff%02x%02x", gb, gb);
  return buf;
}

/// How a drawing shows one pipeline: per node its lines and fill, per edge whether it is critical.
struct Drawing {
  std::vector<std::string> title;
  std::vector<std::vector<std::string>> node_lines;
  std::vector<std::string> fill;  ///< "" where no stats
  std::vector<bool> node_critical, edge_critical;
};

Drawing drawing(const PipelineSpec& spec, const std::string& title, const StatsFile* stats) {
  Drawing d;
  d.title = title_lines(title, stats);
  double max_share = 0;
  if (stats)
    for (const auto& [id, s] : stats->nodes) max_share = std::max(max_share, s.share.value_or(0));
  std::set<std::string> on_path;
  std::set<std::pair<std::string, std::string>> path_edges;
  if (stats) {
    on_path.insert(stats->critical_path.begin(), stats->critical_path.end());
    for (std::size_t i = 1; i < stats->critical_path.size(); ++i)
      path_edges.emplace(stats->critical_path[i - 1], stats->critical_path[i]);
  }
  for (const NodeSpec& n : spec.nodes) {
    const StatsFile::Node* s = nullptr;
    if (stats) {
      auto it = stats->nodes.find(n.id);
      if (it != stats->nodes.end()) s = &it->second;
    }
    d.node_lines.push_back(node_lines(n, s));
    d.fill.push_back(s && s->share ? share_color(*s->share, max_share) : "");
    d.node_critical.push_back(on_path.count(n.id) > 0);
  }
  for (const EdgeSpec& e : spec.edges) d.edge_critical.push_back(path_edges.count({e.from.node, e.to.node}) > 0);
  return d;
}

/// A DOT double-quoted string; lines joined by DOT's centred line break.
std::string dot_string(const std::vector<std::string>& lines) {
  std::string out = "\"";
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i) out += "\\n";
    for (char c : lines[i]) {
      if (c == '"' || c == '\\') out += '\\';
      if (c == '\n') {
        out += "\\n";
        continue;
      }
      out += c;
    }
  }
  return out + "\"";
}
std::string dot_string(const std::string& text) { return dot_string(std::vector<std::string>{text}); }

std::string to_dot(const PipelineSpec& spec, const Drawing& d) {
  std::ostringstream o;
  o << "digraph " << dot_string(d.title.front()) << " {\n";
  o << "  graph [label=" << dot_string(d.title) << ", labelloc=t, fontname=\"Helvetica\", rankdir=LR];\n";
  o << "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", fontname=\"Helvetica\"];\n";
  o << "  edge [fontname=\"Helvetica\", fontsize=10];\n";
  for (std::size_t i = 0; i < spec.nodes.size(); ++i) {
    const NodeSpec& n = spec.nodes[i];
    o << "  " << dot_string(n.id) << " [label=" << dot_string(d.node_lines[i]);
    if (!d.fill[i].empty()) o << ", fillcolor=\"" << d.fill[i] << "\"";
    if (d.node_critical[i]) o << ", penwidth=2.5";
    if (!n.description.empty()) o << ", tooltip=" << dot_string(n.description);
    o << "];\n";
  }
  for (std::size_t i = 0; i < spec.edges.size(); ++i) {
    const EdgeSpec& e = spec.edges[i];
    std::vector<std::string> attrs;
    if (const std::string label = port_label(e); !label.empty()) attrs.push_back("label=" + dot_string(label));
    if (d.edge_critical[i]) attrs.push_back("style=bold, penwidth=3");
    o << "  " << dot_string(e.from.node) << " -> " << dot_string(e.to.node);
    for (std::size_t a = 0; a < attrs.size(); ++a) o << (a ? ", " : " [") << attrs[a];
    o << (attrs.empty() ? "" : "]") << ";\n";
  }
  o << "}\n";
  return o.str();
}

/// Text inside a Mermaid "..." label: quotes, angle brackets and '#' as entity codes.
std::string mermaid_text(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '"':
        out += "#quot;";
        break;
      case '<':
        out += "#lt;";
        break;
      case '>':
        out += "#gt;";
        break;
      case '#':
        out += "#35;";
        break;
      case '\n':
        out += "<br/>";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string to_mermaid(const PipelineSpec& spec, const Drawing& d) {
  std::ostringstream o;
  std::string title;
  for (const std::string& line : d.title) title += (title.empty() ? "" : "; ") + line;
  o << "---\ntitle: " << nlohmann::json(title).dump() << "\n---\nflowchart LR\n";
  std::map<std::string, std::string> mid;  // node id -> Mermaid id (n0, n1, ...: safe whatever the braid id)
  for (std::size_t i = 0; i < spec.nodes.size(); ++i) {
    mid[spec.nodes[i].id] = "n" + std::to_string(i);
    std::string label;
    for (const std::string& line : d.node_lines[i]) label += (label.empty() ? "" : "<br/>") + mermaid_text(line);
    o << "  n" << i << "[\"" << label << "\"]\n";
  }
  for (std::size_t i = 0; i < spec.edges.size(); ++i) {
    const EdgeSpec& e = spec.edges[i];
    const std::string label = port_label(e);
    o << "  " << mid[e.from.node] << (d.edge_critical[i] ? " ==>" : " -->");
    if (!label.empty()) o << "|\"" << mermaid_text(label) << "\"|";
    o << " " << mid[e.to.node] << "\n";
  }
  for (std::size_t i = 0; i < spec.nodes.size(); ++i) {
    if (d.fill[i].empty() && !d.node_critical[i]) continue;
    o << "  style n" << i << " ";
    if (!d.fill[i].empty()) o << "fill:" << d.fill[i] << (d.node_critical[i] ? "," : "");
    if (d.node_critical[i]) o << "stroke-width:3px";
    o << "\n";
  }
  return o.str();
}

/// Renders DOT text with `dot -T<format>` into `out` (through a temporary file and a rename).
void render(const std::string& dot_exe, const std::string& dot_text, const std::string& format,
            const std::string& out) {
  const std::string tmp = out + ".tmp-" + std::to_string(::getpid());
  const std::string source = tmp + ".dot";
  write_file(source, dot_text);
  const int code = run_program({dot_exe, "-T" + format, "-o", tmp, source});
  std::remove(source.c_str());
  if (code != 0) {
    std::remove(tmp.c_str());
    throw ToolError(kInvalid, "`dot -T" + format + "` failed" +
                                  (code < 0 ? std::string(" to start") : " (exit " + std::to_string(code) + ")") +
                                  "; '" + out + "' not written");
  }
  if (std::rename(tmp.c_str(), out.c_str()) != 0) {
    const int error = errno;
    std::remove(tmp.c_str());
    throw ToolError(kInvalid, "cannot write '" + out + "': " + std::strerror(error));
  }
}

// --- bench --------------------------------------------------------------------

/// 1, 2, 4, ... below `hardware`, then `hardware` itself.
std::vector<std::size_t> default_thread_counts(std::size_t hardware) {
  std::vector<std::size_t> counts;
  for (std::size_t t = 1; t < hardware; t *= 2) counts.push_back(t);
  counts.push_back(std::max<std::size_t>(hardware, 1));
  return counts;
}

struct BenchRow {
  std::size_t threads = 0;
  Timing timing;
  double speedup = 1.0;     ///< median of the first row / this median
  double efficiency = 1.0;  ///< speedup / (threads / threads of the first row)
};

/// A tick step of 1, 2 or 5 times a power of ten giving at most about `ticks` ticks up to `max`.
double tick_step(double max, int ticks) {
  const double raw = max / ticks;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * magnitude >= raw) return m * magnitude;
  return 10 * magnitude;
}

std::string xml_text(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

/// Speedup against threads as a self-contained SVG: measured points joined by
/// a line, the ideal (linear) speedup dashed, axes with ticks, a legend.
std::string speedup_svg(const std::string& title, std::size_t repeat, const std::vector<BenchRow>& rows) {
  constexpr double kWidth = 640, kHeight = 440, kLeft = 70, kRight = 610, kTop = 60, kBottom = 380;
  const double t0 = static_cast<double>(rows.front().threads);
  double max_threads = 2, max_speedup = 1;
  for (const BenchRow& r : rows) {
    max_threads = std::max(max_threads, static_cast<double>(r.threads));
    max_speedup = std::max(max_speedup, r.speedup);
  }
  const double x_step = std::max(1.0, tick_step(max_threads, 8));
  const double x_max = std::ceil(max_threads / x_step) * x_step;
  const double y_top = std::max(max_speedup * 1.05, max_threads / t0);
  const double y_step = tick_step(y_top, 8);
  const double y_max = std::ceil(y_top / y_step - 1e-9) * y_step;
  auto px = [&](double threads) { return kLeft + (kRight - kLeft) * threads / x_max; };
  auto py = [&](double speedup) { return kBottom - (kBottom - kTop) * speedup / y_max; };
  auto num = [](double v) { return format("%.1f", v); };
  auto label = [](double v) { return v == std::floor(v) ? format("%.0f", v) : format("%g", v); };

  std::ostringstream o;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kWidth << "\" height=\"" << kHeight
    << "\" viewBox=\"0 0 " << kWidth << " " << kHeight
    << "\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n";
  o << "  <title>" << xml_text(title) << ": speedup against threads</title>\n";
  o << "  <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  o << "  <text x=\"" << (kLeft + kRight) / 2 << "\" y=\"24\" text-anchor=\"middle\" font-size=\"16\" "
    << "font-weight=\"bold\">" << xml_text(title) << ": speedup against threads</text>\n";
  o << "  <text x=\"" << (kLeft + kRight) / 2 << "\" y=\"42\" text-anchor=\"middle\" fill=\"#555\">median of " << repeat
    << " run" << (repeat == 1 ? "" : "s") << " per thread count, against " << rows.front().threads << " thread"
    << (rows.front().threads == 1 ? "" : "s") << "</text>\n";
  // Grid and ticks.
  o << "  <g class=\"grid\" stroke=\"#e3e3e3\" stroke-width=\"1\">\n";
  for (double x = x_step; x <= x_max + 1e-9; x += x_step)
    o << "    <line x1=\"" << num(px(x)) << "\" y1=\"" << kTop << "\" x2=\"" << num(px(x)) << "\" y2=\"" << kBottom
      << "\"/>\n";
  for (double y = y_step; y <= y_max + 1e-9; y += y_step)
    o << "    <line x1=\"" << kLeft << "\" y1=\"" << num(py(y)) << "\" x2=\"" << kRight << "\" y2=\"" << num(py(y))
      << "\"/>\n";
  o << "  </g>\n";
  o << "  <g class=\"axes\" stroke=\"black\" stroke-width=\"1.5\">\n";
  o << "    <line x1=\"" << kLeft << "\" y1=\"" << kBottom << "\" x2=\"" << kRight << "\" y2=\"" << kBottom << "\"/>\n";
  o << "    <line x1=\"" << kLeft << "\" y1=\"" << kTop << "\" x2=\"" << kLeft << "\" y2=\"" << kBottom << "\"/>\n";
  for (double x = 0; x <= x_max + 1e-9; x += x_step)
    o << "    <line x1=\"" << num(px(x)) << "\" y1=\"" << kBottom << "\" x2=\"" << num(px(x)) << "\" y2=\""
      << kBottom + 5 << "\"/>\n";
  for (double y = 0; y <= y_max + 1e-9; y += y_step)
    o << "    <line x1=\"" << kLeft - 5 << "\" y1=\"" << num(py(y)) << "\" x2=\"" << kLeft << "\" y2=\"" << num(py(y))
      << "\"/>\n";
  o << "  </g>\n";
  o << "  <g class=\"tick-labels\" fill=\"#333\">\n";
  for (double x = 0; x <= x_max + 1e-9; x += x_step)
    o << "    <text x=\"" << num(px(x)) << "\" y=\"" << kBottom + 20 << "\" text-anchor=\"middle\">" << label(x)
      << "</text>\n";
  for (double y = 0; y <= y_max + 1e-9; y += y_step)
    o << "    <text x=\"" << kLeft - 9 << "\" y=\"" << num(py(y) + 4) << "\" text-anchor=\"end\">" << label(y)
      << "</text>\n";
  o << "  </g>\n";
  o << "  <text x=\"" << (kLeft + kRight) / 2 << "\" y=\"" << kBottom + 45
    << "\" text-anchor=\"middle\" font-size=\"13\">threads</text>\n";
  o << "  <text x=\"22\" y=\"" << (kTop + kBottom) / 2 << "\" text-anchor=\"middle\" font-size=\"13\" "
    << "transform=\"rotate(-90 22 " << (kTop + kBottom) / 2 << ")\">speedup</text>\n";
  // The ideal speedup, threads / t0: a straight line from the first thread count to the plot's edge.
  const double ideal_end = std::min(x_max, y_max * t0);
  o << "  <line class=\"ideal\" x1=\"" << num(px(t0)) << "\" y1=\"" << num(py(1)) << "\" x2=\"" << num(px(ideal_end))
    << "\" y2=\"" << num(py(ideal_end / t0)) << "\" stroke=\"#777\" stroke-width=\"1.5\" stroke-dasharray=\"7 5\"/>\n";
  // Measured speedups.
  o << "  <polyline class=\"measured\" fill=\"none\" stroke=\"#c62828\" stroke-width=\"2.5\" points=\"";
  for (std::size_t i = 0; i < rows.size(); ++i)
    o << (i ? " " : "") << num(px(static_cast<double>(rows[i].threads))) << "," << num(py(rows[i].speedup));
  o << "\"/>\n";
  o << "  <g class=\"points\" fill=\"#c62828\">\n";
  for (const BenchRow& r : rows) {
    o << "    <circle cx=\"" << num(px(static_cast<double>(r.threads))) << "\" cy=\"" << num(py(r.speedup))
      << "\" r=\"4.5\"><title>" << r.threads << " threads: speedup " << format("%.2f", r.speedup) << ", efficiency "
      << format("%.0f%%", r.efficiency * 100) << ", median " << duration(r.timing.median) << "</title></circle>\n";
  }
  o << "  </g>\n";
  // Each point's speedup above it, where it does not crowd the label before.
  o << "  <g class=\"values\" fill=\"#7f0000\" font-size=\"11\" text-anchor=\"middle\">\n";
  double last_label = -1e9;
  for (const BenchRow& r : rows) {
    const double x = px(static_cast<double>(r.threads));
    if (x - last_label < 34) continue;
    last_label = x;
    o << "    <text x=\"" << num(x) << "\" y=\"" << num(py(r.speedup) - 10) << "\">"
      << format(r.speedup < 10 ? "%.2f" : "%.1f", r.speedup) << "x</text>\n";
  }
  o << "  </g>\n";
  // Legend, top left inside the plot.
  const double lx = kLeft + 14, ly = kTop + 12;
  o << "  <g class=\"legend\">\n";
  o << "    <rect x=\"" << lx << "\" y=\"" << ly << "\" width=\"210\" height=\"48\" fill=\"white\" stroke=\"#bbb\"/>\n";
  o << "    <line x1=\"" << lx + 10 << "\" y1=\"" << ly + 16 << "\" x2=\"" << lx + 40 << "\" y2=\"" << ly + 16
    << "\" stroke=\"#c62828\" stroke-width=\"2.5\"/>\n";
  o << "    <circle cx=\"" << lx + 25 << "\" cy=\"" << ly + 16 << "\" r=\"4.5\" fill=\"#c62828\"/>\n";
  o << "    <text x=\"" << lx + 48 << "\" y=\"" << ly + 20 << "\">measured</text>\n";
  o << "    <line x1=\"" << lx + 10 << "\" y1=\"" << ly + 34 << "\" x2=\"" << lx + 40 << "\" y2=\"" << ly + 34
    << "\" stroke=\"#777\" stroke-width=\"1.5\" stroke-dasharray=\"7 5\"/>\n";
  o << "    <text x=\"" << lx + 48 << "\" y=\"" << ly + 38 << "\">ideal (linear) speedup</text>\n";
  o << "  </g>\n";
  o << "</svg>\n";
  return o.str();
}

// --- tune ---------------------------------------------------------------------

/// One setting tune searches: a split's chunks, or a node's concurrency.
struct Dimension {
  std::string node;
  std::string setting;  ///< "chunks" or "concurrency"
  /// As written: chunks N or "auto", {"grain": G}; concurrency "serial", "unlimited" or N.
  Json original;
  std::vector<Json> candidates;
};

/// One value per dimension.
using Config = std::vector<Json>;

Json concurrency_json(Concurrency c) {
  if (c.is_unlimited()) return "unlimited";
  if (c.value() == 1) return "serial";
  return c.value();
}

/// What tune searches in `spec`, run on `threads` threads: the chunks of every
/// split, then the concurrency of every node whose concurrency the runtime honours.
std::vector<Dimension> dimensions(const PipelineSpec& spec, const Registry& registry, std::size_t threads) {
  std::vector<Dimension> dims;
  for (const NodeSpec& n : spec.nodes) {
    if (n.kind != "split") continue;
    Dimension d{n.id, "chunks", "auto", {}};
    if (n.params.has("chunks")) d.original = Json(n.params.json().at("chunks"));
    if (n.params.has("grain")) d.original = Json{{"grain", Json(n.params.json().at("grain"))}};
    for (std::size_t k = threads; k <= 1024; k *= 2) d.candidates.push_back(k);
    if (d.candidates.empty()) d.candidates.push_back(threads);
    d.candidates.push_back("auto");
    dims.push_back(std::move(d));
  }
  // Maps and gathers first (the work), then flat maps and sinks; not sources
  // (serial) nor joins (the runtime runs a join's ports unlimited).
  for (bool work : {true, false}) {
    for (const NodeSpec& n : spec.nodes) {
      const Kind* kind = registry.find(n.kind);
      if (!kind || kind->shape == Shape::kSource || kind->shape == Shape::kJoin) continue;
      if (work != (kind->shape == Shape::kMap || kind->shape == Shape::kGather)) continue;
      Dimension d{n.id, "concurrency", concurrency_json(n.concurrency.value_or(kind->concurrency)), {}};
      d.candidates.push_back("unlimited");
      if (threads > 1) d.candidates.push_back(threads);
      d.candidates.push_back("serial");
      dims.push_back(std::move(d));
    }
  }
  return dims;
}

/// "split.chunks=64", "partial.concurrency=serial", "split.grain=1000".
std::string setting_text(const Dimension& d, const Json& value) {
  if (value.is_object()) return d.node + "." + value.begin().key() + "=" + value.begin().value().dump();
  return d.node + "." + d.setting + "=" + (value.is_string() ? value.get<std::string>() : value.dump());
}

Json patch_op(const char* op, const std::string& path, const Json& value) {
  Json o = Json::object();
  o["op"] = op;
  o["path"] = path;
  o["value"] = value;
  return o;
}

/// The RFC 6902 patch that turns `doc` (whose settings are the dimensions' originals) into `config`.
Json patch_for(const Json& doc, const std::vector<Dimension>& dims, const Config& config) {
  Json patch = Json::array();
  for (std::size_t i = 0; i < dims.size(); ++i) {
    const Dimension& d = dims[i];
    if (config[i] == d.original) continue;
    const std::string base = node_pointer(d.node);
    const Json& node = doc.at("nodes").at(d.node);
    if (d.setting == "concurrency") {
      patch.push_back(patch_op(node.contains("concurrency") ? "replace" : "add", base + "/concurrency", config[i]));
      continue;
    }
    if (!node.contains("params")) {
      patch.push_back(patch_op("add", base + "/params", Json{{"chunks", config[i]}}));
      continue;
    }
    const Json& params = node.at("params");
    if (params.contains("grain")) {
      Json remove = Json::object();
      remove["op"] = "remove";
      remove["path"] = base + "/params/grain";
      patch.push_back(std::move(remove));
    }
    patch.push_back(patch_op(params.contains("chunks") ? "replace" : "add", base + "/params/chunks", config[i]));
  }
  return patch;
}

std::string patch_text(const Json& patch) {
  if (patch.empty()) return "[]\n";
  std::string out = "[\n";
  for (std::size_t i = 0; i < patch.size(); ++i) out += "  " + patch[i].dump() + (i + 1 < patch.size() ? ",\n" : "\n");
  return out + "]\n";
}

}  // namespace

// --- the commands -----------------------------------------------------------------

ToolCommands::ToolCommands(CLI::App& app, const std::function<void(CLI::App*)>& add_file_and_sets) {
  graph_ =
      app.add_subcommand("graph", "Draw a pipeline as Graphviz DOT or Mermaid, optionally with a run's statistics");
  add_file_and_sets(graph_);
  graph_->add_option("--format", graph_options_.format, "dot (Graphviz) or mermaid")
      ->check(CLI::IsMember({"dot", "mermaid"}))
      ->capture_default_str();
  graph_
      ->add_option("--stats", graph_options_.stats,
                   "Annotate and shade nodes with a run's statistics (a `braid run --stats-json` file); "
                   "the critical path is drawn bold")
      ->type_name("STATS.json");
  graph_->add_option("--svg", graph_options_.svg, "Render to an SVG file with Graphviz's `dot`")->type_name("OUT");
  graph_->add_option("--png", graph_options_.png, "Render to a PNG file with Graphviz's `dot`")->type_name("OUT");

  bench_ = app.add_subcommand(
      "bench", "Time a pipeline at several thread counts: median, speedup, efficiency, checksum of the result");
  add_file_and_sets(bench_);
  bench_->add_option("--threads,-t", bench_options_.threads, "Thread counts (default: 1, 2, 4, ... up to all cores)")
      ->delimiter(',')
      ->check(CLI::Range(std::size_t{1}, std::size_t{1024}))
      ->type_name("N,N,...");
  bench_->add_option("--repeat,-r", bench_options_.repeat, "Timed runs per thread count, after one warm-up")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1000}))
      ->capture_default_str();
  bench_->add_flag("--json", bench_options_.json, "Print the results as JSON instead of a table");
  bench_->add_option("--svg", bench_options_.svg, "Also write a plot of speedup against threads (SVG)")
      ->type_name("OUT");

  tune_ = app.add_subcommand("tune",
                             "Search the chunks of every split and the concurrency of the nodes for the fastest run");
  add_file_and_sets(tune_);
  tune_
      ->add_option("--budget", tune_options_.budget,
                   "Seconds to spend searching (the pipeline as written is "
                   "always timed)")
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            char* end = nullptr;
            const double v = std::strtod(text.c_str(), &end);
            if (text.empty() || *end != '\0' || !(v >= 0) || !std::isfinite(v))
              return "must be a non-negative number of seconds, got " + text;
            return "";
          },
          "SECONDS"))
      ->capture_default_str();
  tune_->add_option("--threads,-t", tune_options_.threads, "Worker threads (0: the file's `threads`, else all cores)")
      ->check(CLI::Range(std::size_t{0}, std::size_t{1024}));
  tune_
      ->add_option("--write", tune_options_.write,
                   "Write the pipeline (with --set applied) with the best settings, if it gives the same result")
      ->type_name("OUT.json");
}

bool ToolCommands::chosen() const { return graph_->parsed() || bench_->parsed() || tune_->parsed(); }

int ToolCommands::run(const Registry& registry, const char* program, const std::string& file,
                      const std::vector<std::string>& sets) const {
  try {
    if (graph_->parsed()) return run_graph(registry, file, sets);
    if (bench_->parsed()) return run_bench(registry, program, file, sets);
    return run_tune(registry, file, sets);
  } catch (const ToolError& e) {
    std::cout << std::flush;
    std::cerr << program << ": " << e.what() << '\n';
    return e.exit;
  }
}

int ToolCommands::run_graph(const Registry& registry, const std::string& file,
                            const std::vector<std::string>& sets) const {
  const Graph& o = graph_options_;
  const bool rendering = !o.svg.empty() || !o.png.empty();
  if (rendering && o.format != "dot")
    throw ToolError(kUsage, "--svg and --png render the DOT drawing; leave out --format " + o.format);
  std::string dot_exe;
  if (rendering) {
    dot_exe = find_on_path("dot");
    if (dot_exe.empty())
      throw ToolError(kInvalid, std::string(o.svg.empty() ? "--png" : "--svg") +
                                    " needs Graphviz's `dot` (apt-get install graphviz)");
  }
  const PipelineSpec spec = valid_spec_from_json(load_document(file, sets), registry);
  std::optional<StatsFile> stats;
  if (!o.stats.empty()) stats = StatsReader(o.stats, spec).read();
  const Drawing d = drawing(spec, title_of(spec, file), stats ? &*stats : nullptr);
  if (!rendering) {
    std::cout << (o.format == "mermaid" ? to_mermaid(spec, d) : to_dot(spec, d)) << std::flush;
    return kOk;
  }
  const std::string dot = to_dot(spec, d);
  if (!o.svg.empty()) render(dot_exe, dot, "svg", o.svg);
  if (!o.png.empty()) render(dot_exe, dot, "png", o.png);
  return kOk;
}

int ToolCommands::run_bench(const Registry& registry, const char* program, const std::string& file,
                            const std::vector<std::string>& sets) const {
  const Bench& o = bench_options_;
  const PipelineSpec spec = valid_spec_from_json(load_document(file, sets), registry);
  const std::string title = title_of(spec, file);
  const std::vector<std::size_t> counts = o.threads.empty() ? default_thread_counts(default_threads()) : o.threads;
  if (!o.json) {
    std::cout << "bench " << title << ": median wall time of " << o.repeat << " run" << (o.repeat == 1 ? "" : "s")
              << " per thread count, after 1 warm-up\n"
              << "threads    median_s  speedup  efficiency  checksum\n"
              << std::flush;
  }
  std::vector<BenchRow> rows;
  std::string differs;  // the first difference between results, or ""
  for (std::size_t threads : counts) {
    BenchRow r;
    r.threads = threads;
    r.timing = time_runs(spec, registry, threads, 1, o.repeat);
    if (!rows.empty()) {
      const BenchRow& first = rows.front();
      r.speedup = r.timing.median > 0 ? first.timing.median / r.timing.median : 0.0;
      r.efficiency = r.speedup * static_cast<double>(first.threads) / static_cast<double>(threads);
      if (differs.empty() && r.timing.checksum != first.timing.checksum)
        differs = "checksum " + hex(first.timing.checksum) + " at " + std::to_string(first.threads) + " threads, " +
                  hex(r.timing.checksum) + " at " + std::to_string(threads) + " threads";
    }
    if (differs.empty() && !r.timing.consistent)
      differs = "the runs at " + std::to_string(threads) + " threads gave different checksums";
    if (!o.json) {
      char line[128];
      std::snprintf(line, sizeof line, "%7zu  %10.6f  %7.2f  %10.2f  %s", threads, r.timing.median, r.speedup,
                    r.efficiency, hex(r.timing.checksum).c_str());
      const bool odd = !r.timing.consistent || (!rows.empty() && r.timing.checksum != rows.front().timing.checksum);
      std::cout << line << (odd ? "  <- DIFFERS" : "") << '\n' << std::flush;
    }
    rows.push_back(std::move(r));
  }
  if (o.json) {
    Json out = Json::object();
    out["pipeline"] = title;
    out["repeat"] = o.repeat;
    out["warmups"] = 1;
    Json runs = Json::array();
    for (const BenchRow& r : rows) {
      Json row = Json::object();
      row["threads"] = r.threads;
      row["median_seconds"] = r.timing.median;
      row["speedup"] = r.speedup;
      row["efficiency"] = r.efficiency;
      row["checksum"] = hex(r.timing.checksum);
      row["seconds"] = r.timing.seconds;
      runs.push_back(std::move(row));
    }
    out["runs"] = std::move(runs);
    out["deterministic"] = differs.empty();
    std::cout << out.dump(2) << '\n' << std::flush;
  }
  if (!differs.empty()) {
    std::cerr << program << ": RESULTS DIFFER: " << differs
              << ". The outputs must not depend on the thread count; these timings compare different "
                 "computations"
              << (o.svg.empty() ? "" : " (no plot written)") << ".\n";
    return kNodeFailed;
  }
  if (!o.svg.empty()) write_file(o.svg, speedup_svg(title, o.repeat, rows));
  return kOk;
}

int ToolCommands::run_tune(const Registry& registry, const std::string& file,
                           const std::vector<std::string>& sets) const {
  constexpr std::size_t kRuns = 3;  // each setting: the median of 3 runs
  // A setting counts as faster when its median beats the best by 5%, over its
  // 3 runs and again over 3 more: timing noise is not a gain.
  constexpr double kBetter = 0.95;
  using Clock = std::chrono::steady_clock;
  const Tune& o = tune_options_;
  const auto start = Clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };

  const Json doc = load_document(file, sets);
  const PipelineSpec spec = valid_spec_from_json(doc, registry);
  const std::size_t threads = o.threads ? o.threads : spec.threads ? spec.threads : default_threads();
  const std::vector<Dimension> dims = dimensions(spec, registry, threads);
  const std::string written = "(as written)";
  std::size_t width = written.size();
  for (const Dimension& d : dims)
    for (const Json& c : d.candidates) width = std::max(width, setting_text(d, c).size());

  std::cout << "tune " << title_of(spec, file) << " on " << threads << " threads: each setting timed as the median of "
            << kRuns << " runs, budget " << format("%g", o.budget) << " s\n"
            << std::string("setting") + std::string(width - 7, ' ') << "    median_s  vs_written  note\n";
  auto row = [&](const std::string& setting, const Timing* t, double baseline, const std::string& note) {
    char numbers[64] = "";
    if (t)
      std::snprintf(numbers, sizeof numbers, "  %10.6f  %9.2fx", t->median, t->median > 0 ? baseline / t->median : 0.0);
    std::string line = setting + std::string(width - setting.size(), ' ') + (t ? numbers : "");
    if (!note.empty()) line += "  " + note;
    std::cout << line << '\n' << std::flush;
  };

  const Timing baseline = time_runs(spec, registry, o.threads, 1, kRuns);
  if (!baseline.consistent)
    throw ToolError(kNodeFailed,
                    "the pipeline as written gave different results from run to run; tune needs "
                    "a deterministic pipeline");
  row(written, &baseline, baseline.median, "");

  Config original, best;
  for (const Dimension& d : dims) original.push_back(d.original);
  best = original;
  double best_median = baseline.median;
  std::set<std::string> tried = {Json(original).dump()};
  std::size_t untried = 0;
  bool improved = true, out_of_budget = false;
  while (improved && !out_of_budget) {
    improved = false;
    for (std::size_t i = 0; i < dims.size() && !out_of_budget; ++i) {
      for (const Json& value : dims[i].candidates) {
        if (value == best[i]) continue;
        Config config = best;
        config[i] = value;
        if (!tried.insert(Json(config).dump()).second) continue;
        if (elapsed() + kRuns * best_median > o.budget) {
          out_of_budget = true;
          break;
        }
        const std::string setting = setting_text(dims[i], value);
        Timing t;
        bool confirmed = false;
        try {
          const PipelineSpec candidate = valid_spec_from_json(doc.patch(patch_for(doc, dims, config)), registry);
          t = time_runs(candidate, registry, o.threads, 0, kRuns);
          if (t.consistent && t.checksum == baseline.checksum && t.median < best_median * kBetter) {
            const Timing more = time_runs(candidate, registry, o.threads, 0, kRuns);
            t.consistent = more.consistent && more.checksum == t.checksum;
            t.seconds.insert(t.seconds.end(), more.seconds.begin(), more.seconds.end());
            t.median = median(t.seconds);
            confirmed = t.median < best_median * kBetter;
          }
        } catch (const SpecError& e) {
          row(setting, nullptr, 0, "invalid: " + e.problems().front().to_string());
          continue;
        } catch (const Error& e) {
          row(setting, nullptr, 0, std::string("failed: ") + e.what());
          continue;
        }
        if (t.checksum != baseline.checksum || !t.consistent) {
          row(setting, &t, baseline.median, "result differs: not used");
          continue;
        }
        if (confirmed) {
          best = config;
          best_median = t.median;
          improved = true;
        }
        row(setting, &t, baseline.median,
            confirmed                  ? "best so far (median of 6 runs)"
            : t.seconds.size() > kRuns ? "not confirmed in 3 more runs"
                                       : "");
      }
    }
  }
  if (out_of_budget) {
    for (std::size_t i = 0; i < dims.size(); ++i)
      for (const Json& value : dims[i].candidates) {
        Config config = best;
        config[i] = value;
        untried += tried.count(Json(config).dump()) == 0;
      }
    std::cout << "budget spent: " << untried << " setting" << (untried == 1 ? "" : "s") << " not tried\n";
  }

  const Json patch = patch_for(doc, dims, best);
  std::string summary;
  for (std::size_t i = 0; i < dims.size(); ++i)
    if (best[i] != dims[i].original) summary += (summary.empty() ? "" : ", ") + setting_text(dims[i], best[i]);
  if (summary.empty())
    std::cout << "best: as written\n";
  else
    std::cout << "best: " << summary << format(" (%.2fx as fast as written)", baseline.median / best_median) << '\n';
  std::cout << patch_text(patch) << std::flush;

  if (o.write.empty()) return kOk;
  const std::string text = doc.patch(patch).dump(2) + "\n";
  PipelineSpec tuned;
  try {
    tuned = load_valid_spec(text, registry);
  } catch (const SpecError& e) {
    throw ToolError(kInvalid, "the tuned pipeline does not validate (" + e.problems().front().to_string() + "); '" +
                                  o.write + "' not written");
  }
  const Timing check = time_runs(tuned, registry, o.threads, 0, 1);
  if (check.checksum != baseline.checksum)
    throw ToolError(kNodeFailed, "the tuned pipeline gives a different result (checksum " + hex(check.checksum) +
                                     ", as written " + hex(baseline.checksum) + "); '" + o.write + "' not written");
  write_file(o.write, text);
  return kOk;
}

}  // namespace braid::cli
