// The Stats observer: per-worker accumulation of body counts and times, one
// log-bucketed latency histogram per node and worker, one atomic queue count
// per node; everything is merged when report() is asked for.
#include <braid/stats.hpp>

#include "observe/format.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <climits>
#include <cmath>
#include <cstdio>
#include <mutex>

namespace braid {
namespace {

/// Latencies below this many bodies per node and worker are kept exactly.
constexpr std::size_t kExactSamples = 64;

/// A log-bucketed histogram of nanoseconds: values below 16 have a bucket
/// each; above, each power of two [2^e, 2^(e+1)) is cut into 8 equal buckets,
/// up to 2^45 ns (about 9.8 hours; longer latencies fall in the last bucket).
struct Buckets {
  static constexpr int kSubBits = 3;  // 8 buckets per power of two
  static constexpr int kMaxExponent = 44;
  static constexpr std::size_t kCount = static_cast<std::size_t>((kMaxExponent - kSubBits + 2) << kSubBits);

  static std::size_t of(std::int64_t ns) {
    const auto v = static_cast<std::uint64_t>(std::max<std::int64_t>(ns, 0));
    if (v < (1u << kSubBits)) return static_cast<std::size_t>(v);
    const int e = 63 - __builtin_clzll(v);
    if (e > kMaxExponent) return kCount - 1;
    return (static_cast<std::size_t>(e - kSubBits + 1) << kSubBits) +
           static_cast<std::size_t>((v >> (e - kSubBits)) & ((1u << kSubBits) - 1));
  }
  /// The middle of bucket `i` (its only value when it is one nanosecond wide).
  static std::int64_t middle(std::size_t i) {
    if (i < (2u << kSubBits)) return static_cast<std::int64_t>(i);
    const int e = static_cast<int>(i >> kSubBits) + kSubBits - 1;
    const std::uint64_t sub = i & ((1u << kSubBits) - 1);
    const std::uint64_t lower = ((1u << kSubBits) + sub) << (e - kSubBits);
    const std::uint64_t width = std::uint64_t{1} << (e - kSubBits);
    return static_cast<std::int64_t>(lower + width / 2);
  }
};

/// What one worker saw of one node.
struct Cell {
  std::uint64_t bodies = 0;
  std::uint64_t in = 0;
  std::uint64_t out = 0;
  std::int64_t busy_ns = 0;     // nested bodies excluded
  std::int64_t latency_ns = 0;  // nested bodies included
  std::int64_t min_ns = INT64_MAX;
  std::int64_t max_ns = 0;
  std::array<std::int64_t, kExactSamples> exact{};
  std::array<std::uint64_t, Buckets::kCount> histogram{};
};

/// One arena slot's accumulators. Only the thread holding the slot touches them.
struct alignas(64) Worker {
  std::vector<std::unique_ptr<Cell>> cells;  // by node; made on first use
  std::vector<std::int64_t> nested;          // per open body: time of the bodies nested in it so far

  Cell& cell(std::size_t node) {
    std::unique_ptr<Cell>& c = cells[node];
    if (!c) c = std::make_unique<Cell>();
    return *c;
  }
};

struct alignas(64) Queue {
  std::atomic<std::int64_t> waiting{0};
  std::atomic<std::int64_t> max{0};
};

/// The nearest-rank percentile `p` of sorted `values`.
std::int64_t nearest_rank(const std::vector<std::int64_t>& sorted, double p) {
  auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

std::int64_t nearest_rank(const std::array<std::uint64_t, Buckets::kCount>& histogram, std::uint64_t total, double p) {
  auto rank = static_cast<std::uint64_t>(std::ceil(p * static_cast<double>(total)));
  rank = std::clamp<std::uint64_t>(rank, 1, total);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < histogram.size(); ++i) {
    seen += histogram[i];
    if (seen >= rank) return Buckets::middle(i);
  }
  return Buckets::middle(histogram.size() - 1);
}

}  // namespace

struct Stats::State {
  std::string pipeline;
  std::vector<std::string> ids;
  std::vector<std::string> kinds;
  std::vector<char> source;              // by node: a source (its input is never enqueued)
  std::vector<std::size_t> concurrency;  // by node; 0: unlimited
  std::vector<std::vector<std::size_t>> successors;
  std::size_t threads = 0;
  double wall_seconds = 0.0;
  std::vector<Worker> workers;  // by arena slot
  Worker stray;                 // events from a slot beyond `threads` (never from run())
  std::mutex stray_mutex;
  std::unique_ptr<Queue[]> queues;  // by node

  void record(Worker& w, const BodyEvent& e, std::int64_t self_ns) {
    const std::int64_t ns = e.end_ns - e.begin_ns;
    Cell& c = w.cell(e.node);
    if (c.bodies < kExactSamples) c.exact[c.bodies] = ns;
    ++c.bodies;
    c.in += source[e.node] ? (e.outputs > 0 ? 1 : 0) : 1;
    c.out += e.outputs;
    c.busy_ns += self_ns;
    c.latency_ns += ns;
    c.min_ns = std::min(c.min_ns, ns);
    c.max_ns = std::max(c.max_ns, ns);
    ++c.histogram[Buckets::of(ns)];
  }
};

Stats::Stats(const Registry& registry) : registry_(registry) {}
Stats::~Stats() = default;

void Stats::on_run_begin(const PipelineSpec& spec, std::size_t threads) {
  auto s = std::make_unique<State>();
  const std::size_t n = spec.nodes.size();
  s->pipeline = spec.name;
  s->threads = threads;
  s->successors.resize(n);
  for (const NodeSpec& ns : spec.nodes) {
    const Kind* kind = registry_.find(ns.kind);
    const Shape shape = kind ? kind->shape : Shape::kMap;
    Concurrency c = ns.concurrency.value_or(kind ? kind->concurrency : Concurrency::unlimited());
    if (shape == Shape::kSource) c = Concurrency::serial();   // the source's pump runs one body at a time
    if (shape == Shape::kJoin) c = Concurrency::unlimited();  // each port takes what arrives
    s->ids.push_back(ns.id);
    s->kinds.push_back(ns.kind);
    s->source.push_back(shape == Shape::kSource ? 1 : 0);
    s->concurrency.push_back(c.value());
  }
  for (const EdgeSpec& e : spec.edges) {
    auto index = [&](const std::string& id) {
      return static_cast<std::size_t>(std::find(s->ids.begin(), s->ids.end(), id) - s->ids.begin());
    };
    const std::size_t from = index(e.from.node), to = index(e.to.node);
    if (from < n && to < n) s->successors[from].push_back(to);
  }
  s->workers.resize(threads);
  for (Worker& w : s->workers) {
    w.cells.resize(n);
    w.nested.reserve(8);
  }
  s->stray.cells.resize(n);
  s->queues = std::make_unique<Queue[]>(n);
  state_ = std::move(s);
}

void Stats::on_begin(const BodyEvent& e) {
  if (!state_) return;
  State& s = *state_;
  if (e.node >= s.ids.size()) return;
  if (!s.source[e.node]) s.queues[e.node].waiting.fetch_sub(1, std::memory_order_relaxed);
  if (e.worker < s.workers.size()) s.workers[e.worker].nested.push_back(0);
}

void Stats::on_end(const BodyEvent& e) {
  if (!state_) return;
  State& s = *state_;
  if (e.node >= s.ids.size()) return;
  const std::int64_t ns = e.end_ns - e.begin_ns;
  if (e.worker >= s.workers.size()) {
    std::lock_guard<std::mutex> lock(s.stray_mutex);
    s.record(s.stray, e, ns);
    return;
  }
  Worker& w = s.workers[e.worker];
  std::int64_t self_ns = ns;
  if (!w.nested.empty()) {
    self_ns -= w.nested.back();
    w.nested.pop_back();
  }
  if (!w.nested.empty()) w.nested.back() += ns;
  s.record(w, e, self_ns);
}

void Stats::on_enqueue(std::size_t to) {
  if (!state_) return;
  State& s = *state_;
  if (to >= s.ids.size()) return;
  Queue& q = s.queues[to];
  const std::int64_t now = q.waiting.fetch_add(1, std::memory_order_relaxed) + 1;
  std::int64_t seen = q.max.load(std::memory_order_relaxed);
  while (now > seen && !q.max.compare_exchange_weak(seen, now, std::memory_order_relaxed)) {
  }
}

void Stats::on_run_end(double seconds) {
  if (state_) state_->wall_seconds = seconds;
}

StatsReport Stats::report() const {
  StatsReport r;
  if (!state_) return r;
  const State& s = *state_;
  const std::size_t n = s.ids.size();
  r.pipeline = s.pipeline;
  r.wall_seconds = s.wall_seconds;
  r.threads = s.threads;
  std::vector<const Worker*> workers;
  for (const Worker& w : s.workers) workers.push_back(&w);
  workers.push_back(&s.stray);

  for (std::size_t node = 0; node < n; ++node) {
    NodeStats ns;
    ns.id = s.ids[node];
    ns.kind = s.kinds[node];
    std::int64_t busy_ns = 0, latency_ns = 0, min_ns = INT64_MAX, max_ns = 0;
    bool exact = true;
    std::vector<std::int64_t> samples;
    std::array<std::uint64_t, Buckets::kCount> histogram{};
    for (const Worker* w : workers) {
      const Cell* c = w->cells[node].get();
      if (!c) continue;
      ns.bodies += c->bodies;
      ns.messages_in += c->in;
      ns.messages_out += c->out;
      busy_ns += c->busy_ns;
      latency_ns += c->latency_ns;
      min_ns = std::min(min_ns, c->min_ns);
      max_ns = std::max(max_ns, c->max_ns);
      if (c->bodies > kExactSamples) exact = false;
      if (exact)
        samples.insert(samples.end(), c->exact.begin(), c->exact.begin() + static_cast<std::ptrdiff_t>(c->bodies));
      for (std::size_t i = 0; i < histogram.size(); ++i) histogram[i] += c->histogram[i];
    }
    ns.busy_seconds = static_cast<double>(busy_ns) / 1e9;
    if (ns.bodies > 0) {
      ns.mean_seconds = static_cast<double>(latency_ns) / 1e9 / static_cast<double>(ns.bodies);
      std::int64_t p50 = 0, p99 = 0;
      if (exact) {
        std::sort(samples.begin(), samples.end());
        p50 = nearest_rank(samples, 0.50);
        p99 = nearest_rank(samples, 0.99);
      } else {
        p50 = std::clamp(nearest_rank(histogram, ns.bodies, 0.50), min_ns, max_ns);
        p99 = std::clamp(nearest_rank(histogram, ns.bodies, 0.99), min_ns, max_ns);
      }
      ns.p50_seconds = static_cast<double>(p50) / 1e9;
      ns.p99_seconds = static_cast<double>(p99) / 1e9;
    }
    ns.max_queue = std::max<std::int64_t>(0, s.queues[node].max.load(std::memory_order_relaxed));
    r.busy_seconds += ns.busy_seconds;
    r.nodes.push_back(std::move(ns));
  }
  for (NodeStats& ns : r.nodes) ns.share = r.busy_seconds > 0 ? ns.busy_seconds / r.busy_seconds : 0.0;
  const double capacity = r.wall_seconds * static_cast<double>(r.threads);
  r.efficiency = capacity > 0 ? r.busy_seconds / capacity : 0.0;

  // Critical path: the heaviest source-to-sink path, nodes weighted by the
  // least time they need given their parallelism. Longest path in a DAG, in
  // topological order (Kahn, ties in document order).
  std::vector<double> weight(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::uint64_t parallel = std::max<std::size_t>(s.threads, 1);
    if (s.concurrency[i] != 0) parallel = std::min<std::uint64_t>(parallel, s.concurrency[i]);
    parallel = std::max<std::uint64_t>(std::min<std::uint64_t>(parallel, r.nodes[i].messages_in), 1);
    weight[i] = r.nodes[i].busy_seconds / static_cast<double>(parallel);
  }
  std::vector<std::size_t> indegree(n, 0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j : s.successors[i]) ++indegree[j];
  std::vector<double> best(n, -1.0);  // heaviest path from a source ending at the node
  std::vector<std::size_t> previous(n, n);
  std::vector<std::size_t> left = indegree;
  std::vector<std::size_t> ready;
  for (std::size_t i = n; i-- > 0;)
    if (indegree[i] == 0) {
      best[i] = weight[i];
      ready.push_back(i);
    }
  while (!ready.empty()) {
    const std::size_t i = ready.back();
    ready.pop_back();
    for (std::size_t j : s.successors[i]) {
      const double through = best[i] + weight[j];
      if (through > best[j] || (through == best[j] && i < previous[j])) {
        best[j] = through;
        previous[j] = i;
      }
      if (--left[j] == 0) ready.push_back(j);
    }
  }
  std::size_t end = n;
  for (std::size_t i = 0; i < n; ++i)
    if (s.successors[i].empty() && best[i] >= 0 && (end == n || best[i] > best[end])) end = i;
  if (end < n) {
    r.critical_path.seconds = best[end];
    for (std::size_t i = end; i < n; i = previous[i]) r.critical_path.nodes.push_back(s.ids[i]);
    std::reverse(r.critical_path.nodes.begin(), r.critical_path.nodes.end());
  }
  return r;
}

std::string stats_table(const StatsReport& r) {
  using observe::duration_text;
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line, "run: %s wall, %zu threads, %s busy, efficiency %.1f%%\n",
                duration_text(r.wall_seconds).c_str(), r.threads, duration_text(r.busy_seconds).c_str(),
                r.efficiency * 100.0);
  out += line;
  out += "critical path (" + duration_text(r.critical_path.seconds) + "):";
  for (std::size_t i = 0; i < r.critical_path.nodes.size(); ++i) out += (i ? " -> " : " ") + r.critical_path.nodes[i];
  out += "\n\n";
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"node", "kind", "in", "out", "busy", "share", "mean", "p50", "p99", "max queue"});
  for (const NodeStats& ns : r.nodes) {
    std::snprintf(line, sizeof line, "%.1f%%", ns.share * 100.0);
    rows.push_back({ns.id, ns.kind, std::to_string(ns.messages_in), std::to_string(ns.messages_out),
                    duration_text(ns.busy_seconds), line, duration_text(ns.mean_seconds), duration_text(ns.p50_seconds),
                    duration_text(ns.p99_seconds), std::to_string(ns.max_queue)});
  }
  out += observe::table_text(rows, 2);
  return out;
}

std::string stats_json(const StatsReport& r) {
  using observe::json_number;
  using observe::json_string;
  std::string out = "{\"run\": {\"wall_seconds\": " + json_number(r.wall_seconds) +
                    ", \"threads\": " + std::to_string(r.threads) +
                    ", \"busy_seconds\": " + json_number(r.busy_seconds) +
                    ", \"efficiency\": " + json_number(r.efficiency) + ", \"critical_path\": {\"nodes\": [";
  for (std::size_t i = 0; i < r.critical_path.nodes.size(); ++i)
    out += (i ? ", " : "") + json_string(r.critical_path.nodes[i]);
  out += "], \"seconds\": " + json_number(r.critical_path.seconds) + "}}, \"nodes\": [";
  for (std::size_t i = 0; i < r.nodes.size(); ++i) {
    const NodeStats& ns = r.nodes[i];
    out += (i ? ", " : "");
    out += "{\"id\": " + json_string(ns.id) + ", \"kind\": " + json_string(ns.kind) +
           ", \"messages_in\": " + std::to_string(ns.messages_in) +
           ", \"messages_out\": " + std::to_string(ns.messages_out) +
           ", \"busy_seconds\": " + json_number(ns.busy_seconds) +
           ", \"mean_seconds\": " + json_number(ns.mean_seconds) + ", \"p50_seconds\": " + json_number(ns.p50_seconds) +
           ", \"p99_seconds\": " + json_number(ns.p99_seconds) + ", \"max_queue\": " + std::to_string(ns.max_queue) +
           ", \"share\": " + json_number(ns.share) + "}";
  }
  return out + "]}";
}

}  // namespace braid
