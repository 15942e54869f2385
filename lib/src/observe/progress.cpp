// The Progress observer: per-worker counters, read by a background thread
// that rewrites one line.
#include <braid/progress.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace braid {
namespace {

struct alignas(64) Counters {
  std::atomic<std::uint64_t> items{0};   // source pulls that produced an item
  std::atomic<std::uint64_t> bodies{0};  // bodies run, all nodes
};

/// "950", "12.3k", "4.56M", "7.89G".
std::string count_text(double x) {
  char text[32];
  if (x >= 1e9) {
    std::snprintf(text, sizeof text, "%.2fG", x / 1e9);
  } else if (x >= 1e6) {
    std::snprintf(text, sizeof text, "%.2fM", x / 1e6);
  } else if (x >= 1e4) {
    std::snprintf(text, sizeof text, "%.1fk", x / 1e3);
  } else {
    std::snprintf(text, sizeof text, "%.0f", x);
  }
  return text;
}

}  // namespace

struct Progress::State {
  std::vector<char> source;  // by node
  std::size_t sources = 0;
  std::atomic<std::size_t> sources_ended{0};
  std::unique_ptr<Counters[]> counters;  // by arena slot, modulo their count
  std::size_t slots = 1;
  std::chrono::steady_clock::time_point start;
  std::mutex mutex;
  std::condition_variable wake;
  bool stop = false;
  std::thread thread;
  std::size_t shown = 0;  // width of the line on screen; 0: none

  void show(std::FILE* out, const std::string& text) {
    std::string line = "\r" + text;
    if (text.size() < shown) line += std::string(shown - text.size(), ' ');
    shown = text.size();
    std::fputs(line.c_str(), out);
    std::fflush(out);
  }

  void loop(std::FILE* out, std::chrono::milliseconds interval) {
    std::uint64_t last_bodies = 0;
    auto last = start;
    std::unique_lock<std::mutex> lock(mutex);
    while (!wake.wait_for(lock, interval, [&] { return stop; })) {
      std::uint64_t items = 0, bodies = 0;
      for (std::size_t i = 0; i < slots; ++i) {
        items += counters[i].items.load(std::memory_order_relaxed);
        bodies += counters[i].bodies.load(std::memory_order_relaxed);
      }
      const auto now = std::chrono::steady_clock::now();
      const double span = std::chrono::duration<double>(now - last).count();
      const double rate = span > 0 ? static_cast<double>(bodies - last_bodies) / span : 0.0;
      last = now;
      last_bodies = bodies;
      char elapsed[32];
      std::snprintf(elapsed, sizeof elapsed, "%.1f s", std::chrono::duration<double>(now - start).count());
      const bool all_read = sources > 0 && sources_ended.load(std::memory_order_relaxed) >= sources;
      show(out, std::to_string(items) + " source items" + (all_read ? ", all read" : "") + ", " + count_text(rate) +
                    " msg/s, " + elapsed);
    }
    if (shown) {
      std::fputs(("\r" + std::string(shown, ' ') + "\r").c_str(), out);
      std::fflush(out);
    }
  }

  void finish() {
    if (!thread.joinable()) return;
    {
      std::lock_guard<std::mutex> lock(mutex);
      stop = true;
    }
    wake.notify_all();
    thread.join();
  }
};

Progress::Progress(std::FILE* out, std::chrono::milliseconds interval) : out_(out), interval_(interval) {}

Progress::~Progress() {
  if (state_) state_->finish();
}

void Progress::on_run_begin(const PipelineSpec& spec, std::size_t threads) {
  if (state_) state_->finish();
  auto s = std::make_unique<State>();
  std::vector<char> has_input(spec.nodes.size(), 0);
  for (const EdgeSpec& e : spec.edges)
    for (std::size_t i = 0; i < spec.nodes.size(); ++i)
      if (spec.nodes[i].id == e.to.node) has_input[i] = 1;
  for (char h : has_input) {
    s->source.push_back(h ? 0 : 1);  // a validated pipeline's sources are its nodes without inputs
    s->sources += h ? 0 : 1;
  }
  s->slots = std::max<std::size_t>(threads, 1);
  s->counters = std::make_unique<Counters[]>(s->slots);
  s->start = std::chrono::steady_clock::now();
  State* raw = s.get();
  try {
    s->thread = std::thread([this, raw] { raw->loop(out_, interval_); });
  } catch (const std::system_error&) {
    // no thread, no progress line: the run itself is unaffected
  }
  state_ = std::move(s);
}

void Progress::on_end(const BodyEvent& e) {
  if (!state_) return;
  State& s = *state_;
  Counters& c = s.counters[e.worker % s.slots];
  c.bodies.fetch_add(1, std::memory_order_relaxed);
  if (e.node < s.source.size() && s.source[e.node]) {
    if (e.outputs > 0) {
      c.items.fetch_add(1, std::memory_order_relaxed);
    } else {
      s.sources_ended.fetch_add(1, std::memory_order_relaxed);
    }
  }
}

void Progress::on_run_end(double) {
  if (state_) state_->finish();
}

}  // namespace braid
