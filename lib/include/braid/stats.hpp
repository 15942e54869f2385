#pragma once
/// \file
/// Statistics of a run, gathered by an Observer: per node, how many messages
/// went in and out, how long its bodies took, how long its input queue grew
/// and its share of the work; per run, the wall time, the parallel efficiency
/// and the critical path, the chain of nodes that bounds the speedup.
///
/// ```cpp
/// braid::Stats stats(registry);
/// braid::RunOptions options;
/// options.observer = &stats;
/// braid::run(spec, registry, options);
/// std::cerr << braid::stats_table(stats.report());
/// ```
///
/// Definitions (what every figure of a StatsReport means):
/// - messages in: bodies the node ran, one per message it received; for a
///   source, its pulls that produced an item (the pull that finds the end of
///   the stream is not a message, though its time counts as busy).
/// - messages out: messages its bodies emitted (BodyEvent::outputs summed).
/// - busy: the time workers spent in the node's bodies. A body during which
///   its worker ran another body nested in it (a body waiting in a parallel
///   algorithm may do so) is charged without the nested one, so no worker is
///   ever busy twice at once; work a body hands to other threads through a
///   parallel algorithm is charged only as the time the body waited for it.
/// - latency (mean, p50, p99): a body's begin to end, nested bodies included.
///   Percentiles are nearest-rank. They are exact when the node ran at most
///   64 bodies on each worker; beyond that they come from a log-bucketed
///   histogram (8 buckets per power of two of nanoseconds, exact below 16 ns)
///   and are within 1/16 (6.25%) of the exact value, and never outside the
///   smallest and largest latency seen. The mean is exact.
/// - max queue: the most messages seen waiting in the node's input at once:
///   a count raised when a message is handed to the node and lowered when a
///   body takes one. The runtime reports a hand-off after the body that made
///   it ended, so the count may lag behind the truth: it is a lower bound.
/// - share: the node's busy time over the run's busy time (shares sum to 1).
/// - efficiency: busy / (wall × threads), in [0, 1] (up to clock granularity).
/// - critical path: among the paths of the pipeline's graph from a source to a
///   sink, the one maximising the sum over its nodes of
///   busy / min(threads, concurrency, messages in) — the least time the node
///   needs given how many of its bodies may run at once (a source counts as
///   serial, a join as unlimited) — reported as its node ids and that sum in
///   seconds. Ties go to the node declared first.
#include <braid/observe.hpp>
#include <braid/registry.hpp>
#include <braid/spec.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace braid {

/// What one node did during a run. See the definitions at the top of this file.
struct NodeStats {
  std::string id;                  ///< the node's id
  std::string kind;                ///< its kind's name
  std::uint64_t messages_in = 0;   ///< messages it received (a source: items it produced)
  std::uint64_t messages_out = 0;  ///< messages its bodies emitted
  std::uint64_t bodies = 0;  ///< body runs (for a source, every pull, the last one included)
  double busy_seconds = 0.0;   ///< time workers spent in its bodies, nested bodies excluded
  double mean_seconds = 0.0;  ///< mean body latency; 0 when no body ran
  double p50_seconds = 0.0;   ///< median body latency (nearest rank); 0 when no body ran
  double p99_seconds = 0.0;   ///< 99th percentile body latency (nearest rank); 0 when no body ran
  std::int64_t max_queue = 0;  ///< most messages seen waiting in its input at once (a lower bound)
  double share = 0.0;         ///< busy_seconds over the run's busy time
};

/// The chain of nodes that bounds the run's speedup, and its length.
struct CriticalPath {
  std::vector<std::string> nodes;  ///< node ids, source first, sink last
  double seconds = 0.0;             ///< sum over the path of busy / min(threads, concurrency, messages in)
};

/// Plain data: everything Stats measured in one run.
struct StatsReport {
  std::string pipeline;  ///< the spec's name
  double wall_seconds = 0.0;  ///< the run's wall time
  std::size_t threads = 0;    ///< the arena's thread count
  double busy_seconds = 0.0;  ///< summed over nodes
  double efficiency = 0.0;    ///< busy / (wall × threads); 0 when wall is 0
  CriticalPath critical_path;  ///< the chain of nodes that bounds the speedup
  std::vector<NodeStats> nodes;  ///< in document order
};

/// An Observer that measures a run. Events are accumulated per worker (and,
/// for queue lengths, in one atomic counter per node): no lock is taken per
/// event. Attach one Stats to one run at a time; a later run starts afresh.
class Stats final : public Observer {
 public:
  /// `registry` (the one the run uses) gives the kinds' shapes and default
  /// concurrency; it must outlive this object.
  explicit Stats(const Registry& registry);
  ~Stats() override;
  Stats(const Stats&) = delete;
  Stats& operator=(const Stats&) = delete;

  void on_run_begin(const PipelineSpec& spec, std::size_t threads) override;
  void on_begin(const BodyEvent& event) override;
  void on_end(const BodyEvent& event) override;
  void on_enqueue(std::size_t to) override;
  void on_run_end(double seconds) override;

  /// What the last run measured. Call it once run() has returned (also after
  /// a failed run: it reports what ran); not while a run is going. An empty
  /// report before any run.
  StatsReport report() const;

 private:
  struct State;
  const Registry& registry_;
  std::unique_ptr<State> state_;
};

/// `report` as a table for people: one line for the run, one for the critical
/// path, then one row per node. Ends with a newline.
std::string stats_table(const StatsReport& report);

/// `report` as one line of JSON, of exactly this shape (nodes in document order):
///   {"run": {"wall_seconds": 1.2, "threads": 4, "busy_seconds": 3.9, "efficiency": 0.81,
///            "critical_path": {"nodes": ["numbers", "split", ...], "seconds": 0.9}},
///    "nodes": [{"id": "split", "kind": "split", "messages_in": 1, "messages_out": 4,
///               "busy_seconds": 0.001, "mean_seconds": 0.001, "p50_seconds": 0.001,
///               "p99_seconds": 0.001, "max_queue": 0, "share": 0.01}, ...]}
/// No newline at the end.
std::string stats_json(const StatsReport& report);

}  // namespace braid
