#pragma once
/// \file
/// Progress: an Observer that keeps one live line on a terminal while a run
/// goes, and clears it when the run ends:
///
/// ```
/// 12040 source items, 3.52M msg/s, 4.2 s
/// ```
///
/// (items the sources produced so far, ", all read" once every source has
/// ended; messages — bodies run, all nodes — per second over the last
/// interval; time since the run began). The line is rewritten in place
/// (a carriage return) by a background thread, about five times a second; a
/// run shorter than one interval prints nothing. Meant for a terminal only:
/// `braid run` attaches it when stderr is one.
///
/// ```cpp
/// braid::Progress progress(stderr);
/// braid::RunOptions options;
/// options.observer = &progress;
/// ```
#include <braid/observe.hpp>
#include <braid/spec.hpp>

#include <chrono>
#include <cstdio>
#include <memory>

namespace braid {

/// The live progress line (see the file's comment). Attach one Progress to
/// one run at a time; its hooks are thread-safe as an Observer's must be.
class Progress final : public Observer {
 public:
  /// Writes to `out`, which must outlive the runs, every `interval`.
  explicit Progress(std::FILE* out, std::chrono::milliseconds interval = std::chrono::milliseconds(200));
  /// Stops the background thread if a run is still going.
  ~Progress() override;
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  /// Starts the background thread (if it cannot start, the run shows no progress).
  void on_run_begin(const PipelineSpec& spec, std::size_t threads) override;
  void on_end(const BodyEvent& event) override;
  /// Stops the background thread and clears the line.
  void on_run_end(double seconds) override;

 private:
  struct State;
  std::FILE* out_;
  std::chrono::milliseconds interval_;
  std::unique_ptr<State> state_;
};

}  // namespace braid
