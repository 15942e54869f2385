// The braid command line: run, validate, kinds; graph, bench and tune are in tools.cpp.
#include "cli.hpp"
#include "output_file.hpp"
#include "tools.hpp"

#include <braid/braid.hpp>
#include <braid/plugin.hpp>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <csignal>
#include <mutex>
#include <thread>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

namespace braid::cli {
namespace {

/// A bad command line: printed, exit 2.
struct UsageError : Error {
  using Error::Error;
};

/// Reads FILE ("-": standard input) as text.
std::string read_pipeline_text(const std::string& file) {
  if (file != "-") return read_text_file(file);
  return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
}

std::string display_name(const std::string& file) { return file == "-" ? "<stdin>" : file; }

/// Whether `text` is [A-Za-z_] followed by [A-Za-z0-9_] and the characters of `more`.
bool is_word(std::string_view text, std::string_view more) {
  if (text.empty() || !(std::isalpha(static_cast<unsigned char>(text[0])) || text[0] == '_')) return false;
  for (char c : text)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || more.find(c) != std::string_view::npos))
      return false;
  return true;
}

/// Applies one `--set NODE.PARAM=JSON` to the pipeline document. The value is
/// read by the pipeline loader's JSON reader (same limits: nesting, numbers).
void apply_set(nlohmann::ordered_json& doc, const std::string& assignment) {
  const std::size_t dot = assignment.find('.');
  const std::size_t eq = assignment.find('=');
  if (dot == std::string::npos || eq == std::string::npos || dot > eq ||
      !is_word(std::string_view(assignment).substr(0, dot), "-") ||
      !is_word(std::string_view(assignment).substr(dot + 1, eq - dot - 1), ""))
    throw UsageError("--set '" + assignment + "': expected NODE.PARAM=JSON, as in --set split.chunks=8");
  const std::string node = assignment.substr(0, dot), param = assignment.substr(dot + 1, eq - dot - 1);
  const std::string text = assignment.substr(eq + 1);
  nlohmann::json value;
  try {
    value = parse_json_text(text);
  } catch (const SpecError&) {
    if (!is_word(text, ".-"))
      throw UsageError("--set '" + assignment + "': the value is not valid JSON (quote strings: '\"text\"')");
    value = text;  // a bare word such as auto is taken as a string
  }
  if (!doc.is_object() || !doc.contains("nodes") || !doc["nodes"].is_object() || !doc["nodes"].contains(node)) {
    std::vector<std::string> ids;
    if (doc.is_object() && doc.contains("nodes") && doc["nodes"].is_object())
      for (const auto& item : doc["nodes"].items()) ids.push_back(item.key());
    auto near = did_you_mean(node, ids);
    throw SpecError({Problem{"", "unknown-node",
                             "--set " + node + "." + param + ": unknown node '" + node + "'" +
                                 (near.empty() ? "" : " (did you mean '" + near.front() + "'?)")}});
  }
  nlohmann::ordered_json& n = doc["nodes"][node];
  if (!n.is_object()) return;  // spec loading reports the bad node
  if (!n.contains("params")) n["params"] = nlohmann::json::object();
  if (n["params"].is_object()) n["params"][param] = std::move(value);
}

/// Loads, applies --set, validates. Throws SpecError with every problem.
PipelineSpec load(const std::string& file, const std::vector<std::string>& sets, const Registry& registry) {
  return valid_spec_from_json(load_document(file, sets), registry);
}

/// One line per problem, "FILE: pointer: message"; a file that cannot be read is the program's complaint.
void print_problems(const char* program, const std::string& file, const SpecError& e) {
  std::string text;  // one write: std::cerr is unbuffered, and there may be many problems
  for (const Problem& p : e.problems())
    text += (p.code == "unreadable-file" ? std::string(program) : display_name(file)) + ": " + p.to_string() + '\n';
  std::cerr << text;
}

std::string types_text(const std::vector<std::string>& types) {
  if (types.empty()) return "any";
  std::string out;
  for (const auto& t : types) out += (out.empty() ? "" : ", ") + t;
  return out;
}

void print_kind(const Kind& k) {
  std::cout << k.name << " - " << k.doc << '\n';
  std::cout << "  shape: " << to_string(k.shape) << '\n';
  std::cout << "  concurrency: " << k.concurrency.to_string() << " (default)\n";
  std::cout << "  stateless: " << (k.stateless ? "yes (a Program makes its bodies once)" : "no") << '\n';
  std::cout << "  inputs:" << (k.inputs.empty() ? " none" : "") << '\n';
  for (const PortSpec& p : k.inputs)
    std::cout << "    " << p.name << ": " << types_text(p.types) << (p.doc.empty() ? "" : " - " + p.doc) << '\n';
  std::cout << "  outputs:" << (k.outputs.empty() ? " none" : "") << '\n';
  for (const PortSpec& p : k.outputs)
    std::cout << "    " << p.name << ": " << types_text(p.types) << (p.doc.empty() ? "" : " - " + p.doc) << '\n';
  std::cout << "  parameters:" << (k.params.empty() ? " none" : "") << '\n';
  for (const ParamSpec& p : k.params) {
    std::string when = p.required ? "required" : p.default_json.empty() ? "optional" : "default " + p.default_json;
    std::cout << "    " << p.name << ": " << p.type << " (" << when << ")" << (p.doc.empty() ? "" : " - " + p.doc)
              << '\n';
  }
}

int cmd_kinds(const Registry& registry, const std::string& name) {
  if (name.empty()) {
    std::size_t width = 0;
    for (const Kind* k : registry.kinds()) width = std::max(width, k->name.size());
    for (const Kind* k : registry.kinds())
      std::cout << k->name << std::string(width + 2 - k->name.size(), ' ') << k->doc << '\n';
    return kOk;
  }
  const Kind* k = registry.find(name);
  if (!k) {
    auto near = did_you_mean(name, registry.names());
    std::cerr << "braid: unknown kind '" << name << "'"
              << (near.empty() ? "" : " (did you mean '" + near.front() + "'?)") << '\n';
    return kInvalid;
  }
  print_kind(*k);
  return kOk;
}

int cmd_validate(const Registry& registry, const std::string& file, const std::vector<std::string>& sets) {
  load(file, sets, registry);
  std::cout << "ok\n";
  return kOk;
}

/// `braid run`'s options besides FILE and --set.
struct RunFlags {
  std::size_t threads = 0;
  bool stats = false;      // --stats: the table on stderr
  std::string stats_json;  // --stats-json FILE
  std::string trace;       // --trace FILE
  std::size_t trace_limit = Trace::kDefaultLimit;
  bool no_progress = false;
  double timeout = 0;  // --timeout SECONDS; 0: none
};

/// Cancels the run in flight on SIGINT / SIGTERM. A second signal, while the
/// run is still stopping, ends the process the default way.
Cancellation g_cancel;

extern "C" void on_stop_signal(int sig) {
  if (g_cancel.cancelled()) {
    std::signal(sig, SIG_DFL);
    std::raise(sig);
    return;
  }
  g_cancel.cancel(sig);
}

/// Catches SIGINT and SIGTERM from now until the process ends (no
/// SA_RESTART: a blocked read returns, so a source waiting on a pipe sees the
/// cancellation). Never restored: a signal that arrives once the run has
/// committed its outputs cancels nothing and the process exits 0, instead of
/// the default action ending it with 130 / 143 and the outputs written.
void catch_stop_signals() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

/// Cancels the run after `seconds`; if the run has still not returned a grace
/// period later (a body that never ends), reports it and ends the process.
class Deadline {
 public:
  Deadline(double seconds, const char* program) {
    if (seconds <= 0) return;
    thread_ = std::thread([this, seconds, program] {
      std::unique_lock<std::mutex> lock(mutex_);
      if (cv_.wait_for(lock, std::chrono::duration<double>(seconds), [&] { return done_; })) return;
      g_cancel.cancel(Cancellation::kTimeout);
      if (cv_.wait_for(lock, std::chrono::seconds(kGraceSeconds), [&] { return done_; })) return;
      std::fprintf(stderr, "%s: timed out after %g s; a node's body still running %d s later did not stop\n", program,
                   seconds, kGraceSeconds);
      std::fflush(stderr);
      discard_pending_outputs();
      std::_Exit(kTimedOut);
    });
  }
  ~Deadline() {
    if (!thread_.joinable()) return;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;

 private:
  static constexpr int kGraceSeconds = 5;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

int cmd_run(const Registry& registry, const std::string& file, const std::vector<std::string>& sets,
            const RunFlags& flags, const char* program) {
  PipelineSpec spec = load(file, sets, registry);
  // Opened before the run, so that a bad path fails before a long run.
  std::optional<OutputFile> stats_file, trace_file;
  if (!flags.stats_json.empty()) stats_file.emplace(flags.stats_json);
  if (!flags.trace.empty()) trace_file.emplace(flags.trace);
  std::optional<Stats> stats;
  std::optional<Trace> trace;
  std::optional<Progress> progress;
  ObserverList observers;
  if (flags.stats || stats_file) observers.add(&stats.emplace(registry));
  if (trace_file) observers.add(&trace.emplace(flags.trace_limit));
  if (!flags.no_progress && isatty(STDERR_FILENO)) observers.add(&progress.emplace(stderr));
  RunOptions options;
  options.threads = flags.threads;
  if (!observers.empty()) options.observer = &observers;
  options.cancel = &g_cancel;
  Result result;
  try {
    catch_stop_signals();
    Deadline deadline(flags.timeout, program);
    result = run(spec, registry, options);
  } catch (const CancelledError&) {
    const int code = g_cancel.code();
    if (code == Cancellation::kTimeout) {
      std::cerr << program << ": timed out after " << flags.timeout << " s; nothing was written\n";
      return kTimedOut;
    }
    std::cerr << program << ": " << (code == SIGTERM ? "terminated" : "interrupted") << "; nothing was written\n";
    return code == SIGTERM ? kTerminated : kInterrupted;
  }
  std::string text = outputs_to_json_text(result, spec.outputs);
  std::cout << text << '\n' << std::flush;
  if (stats) {
    const StatsReport report = stats->report();
    if (flags.stats) std::cerr << stats_table(report) << std::flush;
    if (stats_file) {
      stats_file->stream() << stats_json(report) << '\n';
      stats_file->commit();
    }
  }
  if (trace_file) {
    trace->write(trace_file->stream());
    trace_file->commit();
  }
  return kOk;
}

/// `registry` plus the kinds of the plugins listed in BRAID_PLUGIN_PATH, then
/// of each --plugin, in order. Throws braid::PluginError.
Registry with_plugins(const Registry& registry, const std::vector<std::string>& plugins) {
  Registry loaded = registry;
  const char* env = std::getenv("BRAID_PLUGIN_PATH");
  for (const std::string& path : split_plugin_path(env ? env : "")) load_plugin(path, loaded);
  for (const std::string& path : plugins) load_plugin(path, loaded);
  return loaded;
}

}  // namespace

nlohmann::ordered_json load_document(const std::string& file, const std::vector<std::string>& sets) {
  nlohmann::ordered_json doc = parse_json_text(read_pipeline_text(file));
  for (const std::string& s : sets) apply_set(doc, s);
  return doc;
}

int main(int argc, char** argv, const Registry& registry, const char* program) {
  CLI::App app{std::string(program) + ": data-parallel pipelines on oneTBB, declared in JSON", program};
  app.set_version_flag("--version", std::string(program) + " (braid " BRAID_VERSION_STRING ")");
  app.require_subcommand(1);
  app.footer(
      "Exit codes: 0 ok, 1 invalid pipeline or input, 2 usage, 3 a node failed, 124 timed out, "
      "130 interrupted (SIGINT), 143 terminated (SIGTERM).");

  std::string file, kind_name;
  std::vector<std::string> sets;
  RunFlags run_flags;
  std::vector<std::string> plugins;
  auto add_plugins = [&](CLI::App* cmd) {
    cmd->add_option("--plugin", plugins,
                    "Load kinds from a plugin (a shared library), after those in BRAID_PLUGIN_PATH "
                    "(':'-separated); repeatable")
        ->type_name("LIB.so");
  };
  // Every command that reads a pipeline takes --set and --plugin.
  auto add_sets = [&](CLI::App* cmd) {
    cmd->add_option("--set", sets, "Override a parameter: NODE.PARAM=JSON (a bare word is a string)")
        ->type_name("NODE.PARAM=JSON");
    add_plugins(cmd);
  };

  CLI::App* run_cmd = app.add_subcommand("run", "Run a pipeline and print its outputs as one JSON object");
  run_cmd->add_option("FILE", file, "Pipeline JSON file ('-': standard input)")->required();
  run_cmd->add_option("--threads,-t", run_flags.threads, "Worker threads (0: the file's `threads`, else all cores)")
      ->check(CLI::Range(std::size_t{0}, std::size_t{1024}));
  add_sets(run_cmd);
  run_cmd->add_flag("--stats", run_flags.stats,
                    "After the outputs, print on stderr per node messages, busy time, latency, queue and share, "
                    "and the run's efficiency and critical path");
  run_cmd->add_option("--stats-json", run_flags.stats_json, "Write those statistics as JSON to FILE")
      ->type_name("FILE");
  CLI::Option* trace_opt =
      run_cmd->add_option("--trace", run_flags.trace, "Write a Chrome trace of every body run to FILE (Perfetto)")
          ->type_name("FILE");
  run_cmd
      ->add_option("--trace-limit", run_flags.trace_limit,
                   "At most N trace events; beyond, every k-th of each node is kept (default 1000000)")
      ->check(CLI::Validator(
          [](std::string& text) {
            const bool positive = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos &&
                                  text.find_first_not_of('0') != std::string::npos;
            return positive ? std::string() : "must be a positive integer, got '" + text + "'";
          },
          "N"))
      ->needs(trace_opt);
  run_cmd->add_option("--timeout", run_flags.timeout, "Cancel the run after SECONDS (exit 124); nothing is written")
      ->type_name("SECONDS")
      ->check(CLI::PositiveNumber);
  run_cmd->add_flag("--no-progress", run_flags.no_progress,
                    "No live progress line (shown only when stderr is a terminal)");

  CLI::App* validate_cmd = app.add_subcommand("validate", "Check a pipeline: print every problem, or ok");
  validate_cmd->add_option("FILE", file, "Pipeline JSON file ('-': standard input)")->required();
  add_sets(validate_cmd);

  CLI::App* kinds_cmd = app.add_subcommand("kinds", "List the node kinds, or describe one");
  kinds_cmd->add_option("NAME", kind_name, "A kind to describe: ports, parameters, defaults");
  add_plugins(kinds_cmd);

  ToolCommands tools(app, [&](CLI::App* cmd) {
    cmd->add_option("FILE", file, "Pipeline JSON file ('-': standard input)")->required();
    add_sets(cmd);
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kUsage;
  }

  try {
    const Registry loaded = with_plugins(registry, plugins);
    if (*kinds_cmd) return cmd_kinds(loaded, kind_name);
    if (*validate_cmd) return cmd_validate(loaded, file, sets);
    if (tools.chosen()) return tools.run(loaded, program, file, sets);
    return cmd_run(loaded, file, sets, run_flags, program);
  } catch (const UsageError& e) {
    std::cerr << program << ": " << e.what() << '\n';
    return kUsage;
  } catch (const PluginError& e) {  // an unusable file, as an unreadable pipeline file is
    std::cerr << program << ": " << e.what() << '\n';
    return kInvalid;
  } catch (const OutputError& e) {
    std::cerr << program << ": " << e.what() << '\n';
    return kInvalid;
  } catch (const SpecError& e) {
    print_problems(program, file, e);
    return kInvalid;
  } catch (const NodeError& e) {
    std::cerr << program << ": " << e.what() << '\n';
    return kNodeFailed;
  } catch (const IncompleteError& e) {
    std::cerr << program << ": " << e.what() << '\n';
    return kNodeFailed;
  } catch (const std::exception& e) {
    std::cerr << program << ": " << e.what() << '\n';
    return kNodeFailed;
  }
}

}  // namespace braid::cli
