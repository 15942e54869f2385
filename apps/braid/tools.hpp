#pragma once
// graph, bench and tune: the commands that draw a pipeline, measure how it
// scales with threads, and search its chunking and concurrency. cli.cpp adds
// them to its command line and dispatches to them:
//
//   CLI::App app{...};
//   braid::cli::ToolCommands tools(app, add_file_and_sets);
//   app.parse(argc, argv);
//   if (tools.chosen()) return tools.run(registry, "braid", file, sets);
//
//   braid graph pipelines/seed.json | dot -Tsvg > seed.svg
//   braid bench pipelines/range.json --threads 1,2,4 --svg speedup.svg
//   braid tune pipelines/range.json --budget 30 --write tuned.json
#include <braid/registry.hpp>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace braid::cli {

/// The pipeline document at `file` ("-": standard input) with every
/// `--set NODE.PARAM=JSON` of `sets` applied, not yet validated. Throws
/// braid::SpecError (unreadable file, malformed JSON, unknown node) or the
/// CLI's usage error (a malformed --set). Defined in cli.cpp.
nlohmann::ordered_json load_document(const std::string& file, const std::vector<std::string>& sets);

/// The subcommands graph, bench and tune, with their options. Not copyable:
/// CLI11 holds pointers to the options stored here.
class ToolCommands {
 public:
  /// Adds graph, bench and tune to `app`. `add_file_and_sets(cmd)` adds the
  /// FILE argument and the --set option that every pipeline command shares.
  ToolCommands(CLI::App& app, const std::function<void(CLI::App*)>& add_file_and_sets);
  ToolCommands(const ToolCommands&) = delete;
  ToolCommands& operator=(const ToolCommands&) = delete;

  /// Whether the parsed command line chose one of them.
  bool chosen() const;

  /// Runs the chosen command on pipeline `file` with `sets` applied and
  /// returns the exit code. Prints its own complaints (a bad stats file, no
  /// `dot` on PATH, results that differ) as "`program`: message"; lets
  /// braid::SpecError, braid::NodeError and the CLI's usage error propagate,
  /// for the CLI to report as it does for `run`.
  int run(const Registry& registry, const char* program, const std::string& file,
          const std::vector<std::string>& sets) const;

 private:
  CLI::App* graph_ = nullptr;
  CLI::App* bench_ = nullptr;
  CLI::App* tune_ = nullptr;

  struct Graph {
    std::string format = "dot";
    std::string stats, svg, png;
  } graph_options_;
  struct Bench {
    std::vector<std::size_t> threads;  ///< empty: 1, 2, 4, ... up to the hardware threads
    std::size_t repeat = 5;
    bool json = false;
    std::string svg;
  } bench_options_;
  struct Tune {
    double budget = 10.0;
    std::size_t threads = 0;  ///< 0: the file's `threads`, else all cores
    std::string write;
  } tune_options_;

  int run_graph(const Registry& registry, const std::string& file, const std::vector<std::string>& sets) const;
  int run_bench(const Registry& registry, const char* program, const std::string& file,
                const std::vector<std::string>& sets) const;
  int run_tune(const Registry& registry, const std::string& file, const std::vector<std::string>& sets) const;
};

}  // namespace braid::cli
