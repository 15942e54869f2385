#pragma once
/// \file
/// The runtime: compiles a validated spec into a `tbb::flow::graph` inside a
/// `tbb::task_arena` of N threads, runs it, and returns what reached each sink.
///
/// ```cpp
/// braid::RunOptions options;
/// options.threads = 4;
/// braid::Result r = braid::run(spec, registry, options);
/// std::int64_t total = r.value("result").get<std::int64_t>();
/// ```
///
/// A pipeline run many times is compiled once (validated, graph built) and
/// then run as often as needed, each run with fresh node bodies (a stateless
/// kind's, Kind::stateless, are made once and kept):
///
/// ```cpp
/// braid::Program program(spec, registry, options);
/// for (int i = 0; i < 100; ++i) braid::Result r = program.run();
/// ```
///
/// oneTBB stays behind this header (Executor is a pimpl): including it does
/// not include `<tbb/...>`.
#include <braid/message.hpp>
#include <braid/observe.hpp>
#include <braid/registry.hpp>
#include <braid/spec.hpp>

#include <atomic>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace braid {

struct Result;
struct RunOptions;
class Program;

/// A pool of worker threads (a tbb::task_arena) that runs share. Reusing one
/// executor for many runs saves waking workers for each run. Thread-safe:
/// several runs may use one executor at once.
class Executor {
 public:
  /// `threads` workers; 0: all cores (default_threads()). More than the cores
  /// is allowed (oversubscription) and lifts oneTBB's process-wide cap while
  /// the executor lives.
  explicit Executor(std::size_t threads = 0);
  /// Releases the workers. Destroy an executor only after every run on it has returned.
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;
  /// The number of workers runs on this executor get.
  std::size_t threads() const noexcept;

 private:
  friend class Program;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Cancels runs from another thread or a signal handler. cancel() is
/// thread-safe and async-signal-safe; a run that sees it stops starting
/// bodies, lets running ones finish, discards its sinks' output and throws
/// braid::CancelledError. A body already running is not interrupted.
class Cancellation {
 public:
  /// Requests cancellation; `code` says why (the CLI passes the signal number,
  /// or kTimeout) and is kept from the first call only.
  void cancel(int code = kRequested) noexcept {
    int expected = 0;
    code_.compare_exchange_strong(expected, code == 0 ? kRequested : code);
  }
  /// Whether cancel() was called. Thread-safe.
  bool cancelled() const noexcept { return code_.load(std::memory_order_relaxed) != 0; }
  /// 0 while not cancelled, else the first cancel()'s code.
  int code() const noexcept { return code_.load(std::memory_order_relaxed); }

  /// code() of a cancel() without a code (or with 0).
  static constexpr int kRequested = -1;
  /// code() of a cancellation by a timeout (`braid run --timeout`).
  static constexpr int kTimeout = -2;

 private:
  std::atomic<int> code_{0};
  static_assert(std::atomic<int>::is_always_lock_free, "cancel() must be async-signal-safe");
};

/// How run() runs a spec. Every pointer is borrowed: what it points to must
/// outlive the run.
struct RunOptions {
  /// Worker threads; 0: the spec's `threads`, and if that is 0 too, all cores.
  /// With an executor: 0 or the executor's thread count.
  std::size_t threads = 0;
  /// Runs on this executor's threads instead of a fresh arena; nullptr: a fresh one.
  Executor* executor = nullptr;
  /// Receives begin / end events of every body (statistics, traces, progress);
  /// nullptr: none, and no cost. Must outlive the run.
  Observer* observer = nullptr;
  /// Checked before every body: once cancelled, the run stops and throws
  /// braid::CancelledError. nullptr: not cancellable. Must outlive the run.
  const Cancellation* cancel = nullptr;
};

/// What a run produced.
struct Result {
  /// Messages collected by each collecting sink (sink.output), sorted by tag.
  std::map<std::string, std::vector<Message>, std::less<>> outputs;
  /// Wall time of the run, seconds: for braid::run the graph built, run and
  /// drained; for Program::run the bodies made, run and drained.
  double seconds = 0.0;
  /// Validating the spec before the run (not in `seconds`), seconds.
  double validate_seconds = 0.0;
  /// Building the tbb::flow graph (bodies made, nodes and edges; part of `seconds`), seconds.
  double build_seconds = 0.0;
  /// Threads the run's arena had.
  std::size_t threads = 0;

  /// The single value that reached `sink`. Throws braid::Error if the sink is
  /// unknown or did not receive exactly one message.
  const Value& value(std::string_view sink) const;
};

/// Removes the temporary files of every sink.file of this process that has not
/// committed yet: for a program about to end without unwinding (std::_Exit
/// after a body would not stop). Thread-safe.
void discard_pending_outputs() noexcept;

/// The number of threads a run gets when neither options nor spec set one.
std::size_t default_threads();

/// Validates `spec` against `registry`, then runs it. Throws braid::SpecError
/// (nothing ran) if the spec is invalid; braid::NodeError if a node threw (the
/// run is cancelled at once); braid::IncompleteError if a gather group or a
/// join key never completed; braid::CancelledError if options.cancel fired.
/// Sinks' commit() runs only after a run that succeeded. Never hangs on bad input. Thread-safe: concurrent
/// runs each get their own graph and arena.
Result run(const PipelineSpec& spec, const Registry& registry, const RunOptions& options = {});

/// A pipeline compiled once and run many times: the spec validated and its
/// tbb::flow graph built (nodes, edges, stream accounting) by the constructor,
/// on one executor; each run() makes the nodes' bodies afresh (no state leaks
/// from one run into the next; a stateless kind's are made at the first run
/// and kept, as they hold none), runs the graph and returns what the sinks
/// got, exactly as braid::run would. A run that failed or was cancelled
/// leaves nothing behind: the next one starts clean.
///
/// Runs of one Program take turns (run() is thread-safe; a second caller
/// waits). The registry is borrowed and must outlive the Program; the spec is
/// copied.
class Program {
 public:
  /// Validates `spec` (braid::SpecError, nothing built) and builds its graph.
  /// options.threads and options.executor pick where it runs, as for
  /// braid::run (the executor must outlive the Program); observer and cancel
  /// are a run's, given to run().
  Program(const PipelineSpec& spec, const Registry& registry, const RunOptions& options = {});
  ~Program();
  Program(const Program&) = delete;
  Program& operator=(const Program&) = delete;
  /// Takes over `other`'s graph; a moved-from Program may only be destroyed or assigned to.
  Program(Program&& other) noexcept;
  /// Takes over `other`'s graph, destroying this one's.
  Program& operator=(Program&& other) noexcept;

  /// Runs the pipeline once, with options.observer and options.cancel;
  /// options.threads and options.executor must be unset or what the Program
  /// was built with. Throws as braid::run does (NodeError, IncompleteError,
  /// CancelledError). Result::validate_seconds is 0 and build_seconds the
  /// time making the bodies: validate_seconds() and build_seconds() say what
  /// compiling took, once.
  Result run(const RunOptions& options = {});

  /// Threads the runs get.
  std::size_t threads() const noexcept;
  /// Validating the spec, in the constructor, seconds.
  double validate_seconds() const noexcept;
  /// Building the graph (workers started, nodes and edges), in the constructor, seconds.
  double build_seconds() const noexcept;

 private:
  friend Result run(const PipelineSpec&, const Registry&, const RunOptions&);
  struct Impl;
  Program(const PipelineSpec* borrowed, const Registry& registry, const RunOptions& options);
  std::unique_ptr<Impl> impl_;
};

/// The outputs of `result` as one JSON object text, `{"sink": value, ...}`,
/// values through their type's codec; a sink with one message gives its value,
/// with several an array of them in tag order. `sinks` selects and orders the
/// keys (empty: all, sorted). Throws braid::TypeError for a value without codec
/// ("output 'result': values of type point cannot be written as JSON (no codec)").
std::string outputs_to_json_text(const Result& result, const std::vector<std::string>& sinks = {});

}  // namespace braid
