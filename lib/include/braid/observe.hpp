#pragma once
/// \file
/// Observers: hooks on the begin and end of every node body, for statistics,
/// traces and progress. A run without an observer pays one pointer test per
/// body and nothing else.
///
/// ```cpp
/// struct Count : braid::Observer {
///   std::atomic<long> bodies{0};
///   void on_end(const braid::BodyEvent&) override { ++bodies; }
/// };
/// Count count;
/// braid::RunOptions options;
/// options.observer = &count;
/// braid::run(spec, registry, options);
/// ```
///
/// Ready-made observers: braid::Stats (stats.hpp), braid::Trace (trace.hpp),
/// braid::Progress (progress.hpp); an ObserverList attaches several at once.
#include <braid/message.hpp>
#include <braid/spec.hpp>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace braid {

/// One body run of one node. Valid only during the hook it is passed to:
/// copy what you need, never keep the pointer or `tag`.
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

/// Several observers attached to one run: each event goes to each of them, in
/// the order they were added. Add them all before the run; not thread-safe
/// while adding. The observers must outlive the list's use.
class ObserverList final : public Observer {
 public:
  /// Adds `observer`; nullptr is ignored.
  void add(Observer* observer) {
    if (observer) observers_.push_back(observer);
  }
  /// Whether no observer was added.
  bool empty() const noexcept { return observers_.empty(); }

  /// Forwards to each observer, in order.
  void on_run_begin(const PipelineSpec& spec, std::size_t threads) override {
    for (Observer* o : observers_) o->on_run_begin(spec, threads);
  }
  void on_begin(const BodyEvent& event) override {
    for (Observer* o : observers_) o->on_begin(event);
  }
  void on_end(const BodyEvent& event) override {
    for (Observer* o : observers_) o->on_end(event);
  }
  void on_enqueue(std::size_t to) override {
    for (Observer* o : observers_) o->on_enqueue(to);
  }
  void on_run_end(double seconds) override {
    for (Observer* o : observers_) o->on_run_end(seconds);
  }

 private:
  std::vector<Observer*> observers_;
};

}  // namespace braid
