#pragma once
// Observers: hooks on the begin and end of every node body, for statistics,
// traces and progress. A run without an observer pays one pointer test per
// body and nothing else.
//
//   struct Count : braid::Observer {
//     std::atomic<long> bodies{0};
//     void on_end(const braid::BodyEvent&) override { ++bodies; }
//   };
//   Count count;
//   braid::RunOptions options;
//   options.observer = &count;
//   braid::run(spec, registry, options);
#include <braid/message.hpp>
#include <braid/spec.hpp>

#include <cstddef>
#include <cstdint>

namespace braid {

/// One body run of one node.
struct BodyEvent {
  std::size_t node = 0;         ///< index of the node in PipelineSpec::nodes
  const Tag* tag = nullptr;     ///< the message's tag; nullptr for a source pulling its next item
  std::size_t worker = 0;       ///< the arena slot of the thread that ran it (0 .. threads-1)
  std::int64_t begin_ns = 0;    ///< when the body began, nanoseconds since the run began
  std::int64_t end_ns = 0;      ///< when it ended (on_end only)
  std::size_t outputs = 0;      ///< messages it emitted (on_end only)
  bool failed = false;          ///< it threw (on_end only)
};

/// Receives events of a run. on_run_begin and on_run_end are called from the
/// thread that called run(); every other hook from workers, concurrently: an
/// observer must be thread-safe. Hooks must not throw.
class Observer {
 public:
  virtual ~Observer() = default;
  /// Before any body runs. `threads`: the arena's thread count.
  virtual void on_run_begin(const PipelineSpec& spec, std::size_t threads) {}
  /// A body is about to run.
  virtual void on_begin(const BodyEvent& event) {}
  /// A body ended (normally or by throwing).
  virtual void on_end(const BodyEvent& event) {}
  /// A message was handed to node `to` (it waits in its input until a body takes it).
  virtual void on_enqueue(std::size_t to) {}
  /// After the run drained or failed; `seconds` is its wall time.
  virtual void on_run_end(double seconds) {}
};

}  // namespace braid
