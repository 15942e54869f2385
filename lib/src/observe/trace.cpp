// The Trace observer: each worker buffers its events; a shared count, raised
// in batches, tells workers when to thin their buffers (see the cap in
// trace.hpp); the final selection and the JSON are made by write().
#include <braid/trace.hpp>

#include <braid/message.hpp>

#include "observe/format.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <vector>

namespace braid {
namespace {

struct Event {
  std::int64_t begin_ns = 0;
  std::int64_t end_ns = 0;
  std::uint64_t seq = 0;  // among the bodies of this node on this worker, in the order they ended
  std::uint32_t node = 0;
  std::uint32_t tid = 0;
  bool has_tag = false;
  bool failed = false;
  Tag tag;
};

/// Events in blocks of fixed size: growing never copies or re-touches what
/// was stored (a vector's doubling did, and cost more than the events).
class EventBuffer {
 public:
  static constexpr std::size_t kBlock = 1024;

  std::size_t size() const { return size_; }
  const Event& operator[](std::size_t i) const { return blocks_[i / kBlock][i % kBlock]; }
  Event& operator[](std::size_t i) { return blocks_[i / kBlock][i % kBlock]; }
  void push_back(const Event& e) {
    if (size_ == blocks_.size() * kBlock) blocks_.push_back(std::make_unique<Event[]>(kBlock));
    (*this)[size_++] = e;
  }
  /// Keeps, in order, the events for which `keep` holds; frees the blocks left empty.
  template <class Keep>
  void keep_if(Keep keep) {
    std::size_t kept = 0;
    for (std::size_t i = 0; i < size_; ++i)
      if (keep((*this)[i])) (*this)[kept++] = (*this)[i];
    size_ = kept;
    blocks_.resize((size_ + kBlock - 1) / kBlock);
  }

 private:
  std::vector<std::unique_ptr<Event[]>> blocks_;
  std::size_t size_ = 0;
};

/// One arena slot's buffer. Only the thread holding the slot touches it.
struct alignas(64) Worker {
  EventBuffer events;
  std::vector<std::uint64_t> count;  // by node: bodies ended here
  std::uint64_t stride = 1;          // `events` holds only seq % stride == 0
  std::uint64_t unreported = 0;      // bodies not yet added to State::reported
};

/// The smallest power of two k with n <= limit * k.
std::uint64_t stride_for(std::uint64_t n, std::uint64_t limit) {
  std::uint64_t k = 1;
  while (k < (std::uint64_t{1} << 62) && n > limit * k) k *= 2;
  return k;
}

}  // namespace

struct Trace::State {
  std::string pipeline;
  std::vector<std::string> names;  // by node: JSON string literals
  std::vector<std::string> kinds;
  std::size_t threads = 0;
  std::uint64_t limit = 0;
  std::uint64_t batch = 1;
  std::vector<Worker> workers;  // by arena slot, then one for stray slots (never used by run())
  std::mutex stray_mutex;
  std::atomic<std::uint64_t> reported{0};  // bodies counted so far; a lower bound of the total
  std::atomic<std::uint64_t> stride{1};    // a lower bound of the final stride

  void add(Worker& w, const BodyEvent& e, std::uint32_t tid) {
    const std::uint64_t seq = w.count[e.node]++;
    if (++w.unreported >= batch) {
      const std::uint64_t total = reported.fetch_add(w.unreported, std::memory_order_relaxed) + w.unreported;
      w.unreported = 0;
      const std::uint64_t want = stride_for(total, limit);
      std::uint64_t now = stride.load(std::memory_order_relaxed);
      while (want > now && !stride.compare_exchange_weak(now, want, std::memory_order_relaxed)) {
      }
    }
    const std::uint64_t k = stride.load(std::memory_order_relaxed);
    if (k > w.stride) {
      w.events.keep_if([k](const Event& ev) { return ev.seq % k == 0; });
      w.stride = k;
    }
    if (seq % w.stride != 0) return;
    Event ev;
    ev.begin_ns = e.begin_ns;
    ev.end_ns = e.end_ns;
    ev.seq = seq;
    ev.node = static_cast<std::uint32_t>(e.node);
    ev.tid = tid;
    ev.failed = e.failed;
    if (e.tag) {
      ev.has_tag = true;
      ev.tag = *e.tag;
    }
    w.events.push_back(ev);
  }

  /// The events to write, by worker then begin time, and the summary.
  std::vector<const Event*> select(Summary& summary) const {
    std::uint64_t total = 0, pairs_max = 0;
    for (const Worker& w : workers)
      for (std::uint64_t c : w.count) {
        total += c;
        pairs_max = std::max(pairs_max, c);
      }
    auto kept_with = [&](std::uint64_t k) {
      std::uint64_t kept = 0;
      for (const Worker& w : workers)
        for (std::uint64_t c : w.count) kept += (c + k - 1) / k;
      return kept;
    };
    std::uint64_t k = std::max<std::uint64_t>(stride.load(), 1);
    while (k < pairs_max && kept_with(k) > limit) k *= 2;
    std::vector<const Event*> chosen;
    for (const Worker& w : workers)
      for (std::size_t i = 0; i < w.events.size(); ++i)
        if (w.events[i].seq % k == 0) chosen.push_back(&w.events[i]);
    if (chosen.size() > limit) {  // even one event per node and worker is too many: the earliest
      std::stable_sort(chosen.begin(), chosen.end(),
                       [](const Event* a, const Event* b) { return a->begin_ns < b->begin_ns; });
      chosen.resize(limit);
    }
    std::stable_sort(chosen.begin(), chosen.end(), [](const Event* a, const Event* b) {
      return a->tid != b->tid ? a->tid < b->tid : a->begin_ns < b->begin_ns;
    });
    summary.body_runs = total;
    summary.events = chosen.size();
    summary.dropped = total - chosen.size();
    summary.sample_stride = k;
    return chosen;
  }
};

Trace::Trace(std::size_t limit) : limit_(limit) {}
Trace::~Trace() = default;

void Trace::on_run_begin(const PipelineSpec& spec, std::size_t threads) {
  auto s = std::make_unique<State>();
  s->pipeline = spec.name;
  for (const NodeSpec& ns : spec.nodes) {
    s->names.push_back(observe::json_string(ns.id));
    s->kinds.push_back(observe::json_string(ns.kind));
  }
  s->threads = threads;
  s->limit = limit_;
  // Each worker reports its count at least every `batch` bodies, so buffers
  // outgrow the cap by at most a quarter of it before they are thinned.
  s->batch = std::clamp<std::uint64_t>(limit_ / (4 * std::max<std::size_t>(threads, 1)), 1, 1024);
  s->workers.resize(threads + 1);
  for (Worker& w : s->workers) w.count.assign(spec.nodes.size(), 0);
  state_ = std::move(s);
}

void Trace::on_end(const BodyEvent& e) {
  if (!state_) return;
  State& s = *state_;
  if (e.node >= s.names.size()) return;
  if (e.worker < s.threads) {
    s.add(s.workers[e.worker], e, static_cast<std::uint32_t>(e.worker));
  } else {
    std::lock_guard<std::mutex> lock(s.stray_mutex);
    s.add(s.workers.back(), e, static_cast<std::uint32_t>(s.threads));
  }
}

Trace::Summary Trace::summary() const {
  Summary summary;
  if (state_) state_->select(summary);
  return summary;
}

void Trace::write(std::ostream& out) const {
  Summary summary;
  State empty;
  const State& s = state_ ? *state_ : empty;
  const std::vector<const Event*> events = s.select(summary);
  auto micros = [](std::int64_t ns) {
    char text[32];
    std::snprintf(text, sizeof text, "%lld.%03lld", static_cast<long long>(ns / 1000),
                  static_cast<long long>(ns % 1000));
    return std::string(text);
  };
  std::string chunk;
  chunk.reserve(1 << 16);
  chunk += "{\"traceEvents\": [\n";
  bool first = true;
  auto next = [&] {
    if (!first) chunk += ",\n";
    first = false;
    if (chunk.size() >= (1u << 16) - 512) {
      out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
      chunk.clear();
    }
  };
  for (const Event* ev : events) {
    next();
    chunk += "{\"name\": " + s.names[ev->node] + ", \"cat\": " + s.kinds[ev->node] +
             ", \"ph\": \"X\", \"ts\": " + micros(ev->begin_ns) + ", \"dur\": " + micros(ev->end_ns - ev->begin_ns) +
             ", \"pid\": 1, \"tid\": " + std::to_string(ev->tid) + ", \"args\": {";
    if (ev->has_tag) chunk += "\"tag\": \"" + ev->tag.to_string() + "\"";
    if (ev->failed) chunk += std::string(ev->has_tag ? ", " : "") + "\"failed\": true";
    chunk += "}}";
  }
  next();
  chunk += "{\"name\": \"process_name\", \"ph\": \"M\", \"pid\": 1, \"args\": {\"name\": " +
           observe::json_string("braid: " + s.pipeline) + "}}";
  for (std::size_t t = 0; t < s.workers.size(); ++t) {
    const std::vector<std::uint64_t>& count = s.workers[t].count;
    if (t == s.threads && std::all_of(count.begin(), count.end(), [](std::uint64_t c) { return c == 0; })) break;
    next();
    chunk += "{\"name\": \"thread_name\", \"ph\": \"M\", \"pid\": 1, \"tid\": " + std::to_string(t) +
             ", \"args\": {\"name\": \"" + (t < s.threads ? "worker " + std::to_string(t) : "other threads") + "\"}}";
  }
  chunk += "\n],\n\"displayTimeUnit\": \"ms\",\n\"otherData\": {\"pipeline\": " + observe::json_string(s.pipeline) +
           ", \"threads\": " + std::to_string(s.threads) + ", \"body_runs\": " + std::to_string(summary.body_runs) +
           ", \"events\": " + std::to_string(summary.events) + ", \"dropped\": " + std::to_string(summary.dropped) +
           ", \"sample_stride\": " + std::to_string(summary.sample_stride) + ", \"limit\": " + std::to_string(limit_) +
           "}}\n";
  out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
  out.flush();
}

}  // namespace braid
