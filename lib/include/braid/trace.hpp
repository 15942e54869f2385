#pragma once
/// \file
/// Traces: an Observer that records every body run and writes them as Chrome
/// trace-event JSON, which Perfetto (ui.perfetto.dev) and chrome://tracing load.
///
/// ```cpp
/// braid::Trace trace;                       // at most 1,000,000 events
/// braid::RunOptions options;
/// options.observer = &trace;
/// braid::run(spec, registry, options);
/// std::ofstream out("trace.json");
/// trace.write(out);
/// ```
///
/// What the file holds:
/// ```
/// {"traceEvents": [
///    {"name": "partial", "cat": "reduce.sum", "ph": "X", "ts": 12.345, "dur": 6.789,
///     "pid": 1, "tid": 2, "args": {"tag": "0:1/4"}},
///    ...,
///    {"name": "thread_name", "ph": "M", "pid": 1, "tid": 2, "args": {"name": "worker 2"}}, ...],
///  "displayTimeUnit": "ms",
///  "otherData": {"pipeline": "seed-sum", "threads": 4, "body_runs": 12, "events": 12,
///                "dropped": 0, "sample_stride": 1, "limit": 1000000}}
/// ```
///
/// - One complete event ("ph": "X") per body run: name = node id, cat = kind,
///   ts and dur in microseconds since the run began, tid = the worker (arena
///   slot; 0 is the thread that called run()). args.tag is the message's tag;
///   a source's pulls have none. A body that threw has args.failed = true.
///   Bodies nested in another on one worker nest in the trace.
/// - Events are buffered per worker and written at the end, sorted by worker,
///   then begin time.
/// - The cap: at most `limit` events. When a run has more body runs, the trace
///   keeps, of the bodies each worker ran of each node, the 1st, the (K+1)th,
///   the (2K+1)th, ... in the order they ended, K being the smallest power of
///   two that brings the count within the cap; in the rare case that even one
///   event per node and worker is too many, only the earliest `limit` of those
///   are kept. otherData records the body runs, the events kept, how many were
///   dropped and K (sample_stride). Memory stays within about twice the cap:
///   workers thin their buffers as the count grows.
#include <braid/observe.hpp>
#include <braid/spec.hpp>

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <memory>

namespace braid {

/// Records every body run of a run for a Chrome trace (see the file's
/// comment). Attach one Trace to one run at a time; a later run starts afresh.
/// Its hooks are thread-safe (per-worker buffers, no lock per event).
class Trace final : public Observer {
 public:
  /// The default cap on events kept: one million.
  static constexpr std::size_t kDefaultLimit = 1000000;

  /// Keeps at most `limit` events (see the cap above).
  explicit Trace(std::size_t limit = kDefaultLimit);
  ~Trace() override;
  Trace(const Trace&) = delete;
  Trace& operator=(const Trace&) = delete;

  void on_run_begin(const PipelineSpec& spec, std::size_t threads) override;
  void on_end(const BodyEvent& event) override;

  /// What the last run's trace holds.
  struct Summary {
    std::uint64_t body_runs = 0;  ///< bodies that ran
    std::uint64_t events = 0;     ///< events written (at most the limit)
    std::uint64_t dropped = 0;    ///< body_runs - events
    std::uint64_t sample_stride = 1;  ///< K: one body in K of each node and worker kept
  };
  /// Call once run() has returned, not during a run.
  Summary summary() const;

  /// Writes the last run's trace as JSON (the format above) and flushes `out`;
  /// the caller checks `out` for failure. Call once run() has returned (also
  /// after a failed run), not during a run.
  void write(std::ostream& out) const;

 private:
  struct State;
  std::size_t limit_;
  std::unique_ptr<State> state_;
};

}  // namespace braid
