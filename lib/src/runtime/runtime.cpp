// The runtime: a validated spec becomes a tbb::flow::graph run inside a
// tbb::task_arena.
//
// Every braid node becomes a node of the tbb::flow graph, all carrying Message:
//   source  -> multifunction_node<continue_msg, tuple<Message>> (its pump)
//   map, sink of unlimited concurrency -> TaskNode (braid's own, below)
//   map, sink of limited concurrency   -> function_node (queueing)
//   flat map, gather -> multifunction_node<Message, tuple<Message>>
//   join    -> a TaskNode: its ports file messages by key in the sender's
//              task, its task runs the body on each complete record (a
//              JoinPort receiver per port serves the tbb nodes feeding it)
// A TaskNode is a tbb::flow::receiver that runs each message as a graph task
// of its own, as a function_node of unlimited concurrency does, but it lives
// inside the compiled node (no allocation, no body leaf apart) and puts its
// output straight to its successors' receivers, the last one moved, where a
// function_node goes through a broadcast cache (a lock and a list walk per
// message). The first of its successors that is braid's and has work to do
// runs next in the same task (Here: no task made for it, where a
// function_node returns one to the scheduler to run next, bypass); the
// others' tasks are spawned. It makes its tasks with the interface oneTBB's
// own flow nodes use (tbb::detail::d1: graph_task, small_object_allocator,
// combine_tasks, spawn_in_graph_arena, reserve_wait / release_wait), which
// is not oneTBB's public API: this file is checked against oneTBB 2021.8
// (Debian 12), and an upgrade of oneTBB must rerun its tests.
// A source is a pump, a serial multifunction_node that emits items while its
// window has credits for them (at most max_in_flight items inside; stream.hpp
// counts them out) and runs again when retired items give credits back; an
// ordered node gets a sequencer node in front. Bodies run inside guard(): the
// first exception records a NodeError and cancels the graph, so the run ends
// promptly instead of hanging; a Cancellation is checked there too. Gathers of whole streams
// (depth-0 messages) and incomplete groups are settled after wait_for_all(),
// when every source has ended; sinks commit only after a run that succeeded.
#include <braid/runtime.hpp>

#include "runtime/stream.hpp"
#include "spec/prefetch.hpp"
#include "spec/recent.hpp"
#include "spec/same_text.hpp"
#include "spec/validated.hpp"

#include <oneapi/tbb/concurrent_vector.h>
#include <oneapi/tbb/flow_graph.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/info.h>
#include <oneapi/tbb/queuing_mutex.h>
#include <oneapi/tbb/spin_mutex.h>
#include <oneapi/tbb/task_arena.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cassert>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstddef>
#include <functional>
#include <map>
#include <memory_resource>
#include <mutex>
#include <new>
#include <optional>
#include <typeinfo>
#include <unordered_map>
#include <utility>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace braid {
namespace {

namespace flow = tbb::flow;
// Each node type in two policies: queueing, and rejecting for a node of
// unlimited concurrency, which never queues (a put always starts a body), so
// it is spared the input buffer a queueing node allocates.
template <class Policy>
using FlatMapNodeOf = flow::multifunction_node<Message, std::tuple<Message>, Policy>;
template <class Policy>
using MapNodeOf = flow::function_node<Message, Message, Policy>;
template <class Policy>
using SinkNodeOf = flow::function_node<Message, flow::continue_msg, Policy>;
using FlatMapNode = FlatMapNodeOf<flow::queueing>;
using PumpNode = flow::multifunction_node<flow::continue_msg, std::tuple<Message>, flow::queueing>;
using ArrivalNode = flow::function_node<Message, flow::continue_msg, flow::rejecting>;
using detail::Ledger;
using detail::prefetch_line;

struct TagHash {
  std::size_t operator()(const Tag& t) const noexcept { return t.hash(); }
};

/// A counting semaphore for a shared resource's capacity.
class Semaphore {
 public:
  explicit Semaphore(std::size_t n) : available_(n) {}
  void acquire() {
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait(lock, [&] { return available_ > 0; });
    --available_;
  }
  void release() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++available_;
    }
    cv_.notify_one();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::size_t available_;
};

/// A node's resources, sorted and without repeats (so that every node
/// acquires them in one global order, and holding several never
/// deadlocks): none, or a null-terminated array. One pointer in the
/// compiled node, where a vector's three made it a cache line longer.
class Held {
 public:
  Held() = default;
  explicit Held(std::vector<Semaphore*> list) {
    std::sort(list.begin(), list.end());
    list.erase(std::unique(list.begin(), list.end()), list.end());
    if (list.empty()) return;
    list_ = std::make_unique<Semaphore*[]>(list.size() + 1);  // value-initialized: the last stays null
    std::copy(list.begin(), list.end(), list_.get());
  }
  bool empty() const { return !list_; }
  /// The first resource; the array ends at a null pointer.
  Semaphore* const* begin() const { return list_.get(); }

 private:
  std::unique_ptr<Semaphore*[]> list_;
};

/// Holds a node's resources while it lives (acquired in their order, released in reverse).
class ResourceHold {
 public:
  explicit ResourceHold(const Held& held) : first_(held.begin()), last_(first_) {
    for (; last_ && *last_; ++last_) (*last_)->acquire();
  }
  ~ResourceHold() {
    for (Semaphore* const* it = last_; it != first_;) (*--it)->release();
  }
  ResourceHold(const ResourceHold&) = delete;
  ResourceHold& operator=(const ResourceHold&) = delete;

 private:
  Semaphore* const* first_;
  Semaphore* const* last_;  // one past the last acquired
};

/// How many join keys and gather groups are waiting for messages, so that a
/// run that left none need not visit every join and gather to learn so (a
/// cache miss apiece in a big graph). Each thread counts in a slot of its own
/// (one cache line), with a plain load and store: no locked instruction and
/// no line shared between threads. A key opened on one thread and closed on
/// another leaves the slots' sum right. Threads beyond the first kSlots - 1
/// of the process share the last slot, and add to it atomically.
class OpenCount {
 public:
  [[gnu::always_inline]] void add(std::int64_t n) {
    const std::size_t i = slot();
    std::atomic<std::int64_t>& c = slots_[i].n;
    if (i == kShared)
      c.fetch_add(n, std::memory_order_relaxed);
    else
      c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);  // only this thread writes it
  }
  /// The sum; exact once the graph is idle (wait_for_all() synchronizes).
  std::int64_t sum() const {
    std::int64_t total = 0;
    for (const Slot& s : slots_) total += s.n.load(std::memory_order_relaxed);
    return total;
  }
  void reset() {
    for (Slot& s : slots_) s.n.store(0, std::memory_order_relaxed);
  }

 private:
  static constexpr std::size_t kSlots = 64;
  static constexpr std::size_t kShared = kSlots - 1;
  struct alignas(64) Slot {
    std::atomic<std::int64_t> n{0};
  };
  // The thread's slot, taken on its first call. The thread_local is
  // constant-initialized, so reading it costs no call to a TLS wrapper.
  [[gnu::always_inline]] static std::size_t slot() {
    static std::atomic<std::size_t> next{0};
    thread_local std::size_t mine = kSlots;  // kSlots: none taken yet
    if (mine == kSlots) mine = std::min(next.fetch_add(1, std::memory_order_relaxed), kShared);
    return mine;
  }
  std::array<Slot, kSlots> slots_;
};

/// State shared by the nodes of a graph, reset for each run (begin()).
struct RunContext {
  flow::graph graph;
  std::atomic<bool> failed{false};
  std::mutex error_mutex;
  std::optional<NodeError> error;
  const Cancellation* cancel = nullptr;
  std::atomic<bool> cancelled{false};
  /// True while nodes count their messages in their accounts (Accounts).
  /// Cleared when the last source ends in a graph without ordered nodes:
  /// every account is then a window's, none of which needs counting any more
  /// (Account::ended; a sequencer's counts have no such flag, and are never
  /// skipped), and the nodes skip their accounts without reading them (a line
  /// of each node, in a graph too big for the cache). Else cleared once the
  /// graph is idle after the sources ended: messages made then (a whole
  /// stream's gather) are counted against no window.
  std::atomic<bool> streaming{true};
  std::atomic<std::size_t> sources_running{0};  // set by Compiler::prepare
  OpenCount open;  // join keys and gather groups waiting

  /// Whether a node counts its messages (streaming).
  bool counting() const { return streaming.load(std::memory_order_relaxed); }

  /// Ready for a run: nothing failed, nothing cancelled, sources streaming.
  void begin(const Cancellation* c) {
    failed.store(false);
    error.reset();
    cancel = c;
    cancelled.store(false);
    streaming.store(true);
  }

  /// Whether bodies should stop: a node failed or the run was cancelled.
  /// Inline, before every body: two loads when the run has no Cancellation.
  [[gnu::always_inline]] bool stopping() {
    if (failed.load(std::memory_order_acquire)) return true;
    return cancel && cancel_now();
  }
  /// Whether the run's Cancellation was cancelled: if so, the run stops.
  [[gnu::noinline]] bool cancel_now() {
    if (!cancel->cancelled()) return false;
    if (!cancelled.exchange(true)) graph.cancel();
    failed.store(true, std::memory_order_release);
    return true;
  }

  void fail(NodeError e) {
    {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!error) error = std::move(e);
    }
    failed.store(true, std::memory_order_release);
    graph.cancel();
  }
};

/// What a gather holds while its groups fill. Its lock guards finding (or
/// making) a part's group and marking its index arrived, and is the node's
/// own: no lock is shared between nodes. A part's value is stored and counted
/// outside it, in the group (which stays where it is until it completes), and
/// combining runs outside it too.
struct GatherState {
  struct Group {
    explicit Group(std::size_t n) : parts(n), filled(n, false) {}
    std::vector<Value> parts;             // each written once, by its own part, outside the lock
    std::vector<bool> filled;             // under the lock: the parts that arrived (twice is an error)
    std::atomic<std::size_t> arrived{0};  // parts stored: the one that makes it parts.size() completes the group
  };
  // Every part of a group takes it, on as many threads as there are: a
  // queue lock hands it from one waiter to the next, each spinning on its own
  // line (a spin lock's waiters all fought over one).
  tbb::queuing_mutex mutex;
  std::unordered_map<Tag, Group, TagHash> groups;  // node-based: a group never moves while it fills
  // Under the lock: the group the last part found or made, and its tag. A
  // split's parts mostly arrive group by group (a fan-out's 64 chunks of one
  // item), so most find theirs with a compare of two tags, not a hash and a
  // lookup in the table (~45 instructions of a part's ~240 in the gather,
  // all under the lock).
  Group* last = nullptr;  // nullptr once it completed (or was cleared)
  Tag last_tag;
  tbb::concurrent_vector<Message> stream;          // depth-0 messages: members of a whole stream
  bool whole_stream = false;                       // fed whole items (depth 0): settled at the stream's end
};

/// What a join holds while its keys fill. Most joins wait for one key at a
/// time (a task graph's one item; a stream's items arriving in step), so the
/// first pending key lives in the state itself; keys pending beside it go to
/// a hash table. A key's record is made at its first message and filled in
/// place (detail::RecordDraft): a value moves once, from its message into
/// the record the join's body gets. The first key's record is kept when it
/// is finished, and filled again by the next first key once its holders let
/// it go (a task graph's next run; a stream's next item).
struct JoinState {
  struct Pending {
    std::uint32_t arrived = 0;
    bool blocks = false;         // a value written holds a block: the record is not kept
    detail::RecordDraft record;  // one field per port, each empty until its message arrived
  };
  // What a message touches, in one line when its tag has no split levels (a
  // task graph's): the lock, the first key's item and depth, and its record;
  // the first key's levels follow, on the next line. With the first key's
  // Tag in one piece (its depth at its end) every message read two lines,
  // and a 100,000-node wavefront's run missed the cache once more a node.
  tbb::spin_mutex mutex;  // the node's own, as a gather's
  bool first_used = false;
  bool more_used = false;  // !more.empty(), kept beside the lock: a key's first message reads no line of `more`
  std::uint8_t first_depth = 0;
  std::uint32_t n_ports = 0;  // ports.size(), here: the names' list is a line of its own
  std::uint64_t first_item = 0;
  FieldNames ports;  // the records' field names: interned, so a record copies none and counts no reference
  Pending first;
  // Made when a second key is pending at once (a stream's items out of
  // step): most joins never make it, and a node's state is 48 bytes smaller
  // than with the table in place (a 100,000-node graph writes, and at its end
  // reads, 5 MB less).
  std::unique_ptr<std::unordered_map<Tag, Pending, TagHash>> more;
  std::array<Tag::Level, Tag::kMaxDepth> first_levels;  // [0, first_depth) are the first key's

  /// Whether the first key is pending, and is `tag`.
  bool is_first(const Tag& tag) const {
    if (!first_used || first_item != tag.item() || first_depth != tag.depth()) return false;
    for (std::size_t i = 0; i < first_depth; ++i) {
      const Tag::Level l = tag.level(i);
      if (l.index != first_levels[i].index || l.count != first_levels[i].count) return false;
    }
    return true;
  }
  /// Opens `tag` as the first key (requires !first_used), in the record
  /// kept from the last one when it is free, else a new one (made first: if
  /// that throws, no key was opened).
  void open_first(const Tag& tag) {
    if (!first.record.restart(n_ports)) first.record.start(ports);
    first_used = true;
    set_first(tag);
  }
  /// Makes `tag` the first key.
  void set_first(const Tag& tag) {
    first_item = tag.item();
    first_depth = static_cast<std::uint8_t>(tag.depth());
    for (std::size_t i = 0; i < first_depth; ++i) first_levels[i] = tag.level(i);
  }
  /// The first key, as a Tag.
  Tag first_tag() const {
    Tag tag(first_item);
    for (std::size_t i = 0; i < first_depth; ++i) tag = tag.child(first_levels[i].index, first_levels[i].count);
    return tag;
  }

  bool empty() const { return !first_used && !more_used; }
  void clear() {
    first_used = false;
    first.record.reset();
    first.arrived = 0;
    first.blocks = false;
    if (more) more->clear();
    more_used = false;
  }
  /// Calls f(tag, pending) for every key still waiting.
  template <class F>
  void for_each(F&& f) const {
    if (first_used) f(first_tag(), first);
    if (more)
      for (const auto& [tag, p] : *more) f(tag, p);
  }
};
static_assert(offsetof(JoinState, first_levels) <= 64, "a join's state for tags of depth 0 grew past one line");

/// Messages counted in a Ledger, `weight` per message.
///
/// A source's window needs its items counted only while the source may still
/// emit: once it has ended, credits are of no use, and the nodes stop
/// counting there (`ended`, the window's flag), which spares a task graph
/// (one item) an atomic on one shared counter per node. Skipping never makes
/// a count reach zero early: a node that sees the flag set skips both the
/// messages it adds and the ones it consumes, and whoever consumes a message
/// it put afterwards sees the flag too; a message added before the flag and
/// not removed after it only keeps its item from retiring, which no one
/// waits for any more (the window is reset before the next run). Sequencers'
/// counts are never skipped (`ended` is null).
struct Account {
  Ledger* ledger;
  std::int64_t weight;
  const std::atomic<bool>* ended = nullptr;  // a window's: skip once set
  bool skip() const { return ended && ended->load(std::memory_order_acquire); }
};

class Compiler;
struct CompiledNode;

/// The accounts one message updates, in the node itself: most nodes have one
/// source upstream, and its account is kept inline, so a message costs no
/// pointer to chase (a cache miss apiece in a graph of many nodes); a second
/// and more go to an array that ends with an account without a ledger (a
/// pointer in the node: a vector's three made it a cache line longer).
class Accounts {
 public:
  Accounts() = default;
  template <class Range>  // of Account
  explicit Accounts(const Range& accounts) {
    std::size_t n = 0;
    for (const Account& a : accounts) {
      (void)a;
      ++n;
    }
    if (n > 1) more_ = std::make_unique<Account[]>(n);  // n - 1, and the end
    std::size_t i = 0;
    for (const Account& a : accounts) {
      if (first_.ledger)
        more_[i++] = a;
      else
        first_ = a;
    }
  }
  /// Adds `weight` x `times` messages of `item` to each account.
  void add(std::uint64_t item, std::int64_t times = 1) const {
    if (!first_.ledger) return;
    if (!first_.skip()) first_.ledger->add(item, first_.weight * times);
    if (more_)
      for (const Account* a = more_.get(); a->ledger; ++a)
        if (!a->skip()) a->ledger->add(item, a->weight * times);
  }
  /// Subtracts `weight` x `times` messages of `item` from each account.
  void remove(std::uint64_t item, std::int64_t times = 1) const { add(item, -times); }

 private:
  Account first_{nullptr, 0};  // no ledger: no account at all
  std::unique_ptr<Account[]> more_;
};

namespace d1 = tbb::detail::d1;  // oneTBB's task interface, as its own flow nodes use it

class TaskNode;

/// The task running a node's body, as one of that node's successors (the
/// first of braid's with work to do: Outlets::put) may take it over
/// (Inlet::take_here): instead of a task of its own, returned to be run next
/// (bypass), the successor's message replaces the running task's, and the
/// same task runs the successor next. The work and its order are those of
/// the bypass; what is spared is the task: its allocation, its construction
/// and destruction, the graph's wait count taken and given back, and a trip
/// through the scheduler (~110-130 instructions a node of a task graph's run).
struct Here {
  Message* message;          // the running task's: the next node's replaces it
  TaskNode* next = nullptr;  // set when a successor took the task over: the node it runs next
};

/// A receiver of braid's own: it takes a message by value (so a braid node
/// can move its output into the last successor) on one of its input ports,
/// and returns, as every receiver's try_put_task does, the task to run next,
/// SUCCESSFULLY_ENQUEUED when there is none, or nullptr when it refused the
/// message. A tbb node's put arrives on port 0. `ed`: the sender's task's
/// execution data, when the sender is a braid task (a task it makes is then
/// allocated from the thread's pool without looking the thread up: the
/// lookup, a pthread_getspecific, was 3% of a task graph's run); nullptr
/// from a tbb node.
class Inlet : public flow::receiver<Message> {
 public:
  explicit Inlet(flow::graph& g) : graph_(g) {}
  virtual d1::graph_task* take(Message&& m, std::size_t port, d1::execution_data* ed) = 0;
  /// take() of a copy of `m` (a successor but the last): copied where it is
  /// kept, and only what is kept (a join keeps the value, not the tag), with
  /// no temporary Message made, moved from and destroyed on the way.
  virtual d1::graph_task* take_copy(const Message& m, std::size_t port, d1::execution_data* ed) = 0;
  /// take() and take_copy() by a successor of a braid task's node that
  /// may take that task over (`here`, not yet taken): the receiver then
  /// runs `m` in it next rather than make a task.
  virtual d1::graph_task* take_here(Message&& m, std::size_t port, d1::execution_data* ed, Here&) {
    return take(std::move(m), port, ed);
  }
  virtual d1::graph_task* take_copy_here(const Message& m, std::size_t port, d1::execution_data* ed, Here&) {
    return take_copy(m, port, ed);
  }

 protected:
  d1::graph_task* try_put_task(const Message& m) final { return take_copy(m, 0, nullptr); }  // from a tbb node
  flow::graph& graph_reference() const final { return graph_; }
  flow::graph& graph_;
};

/// A braid node's successors: the receivers its output port feeds. The first
/// two live in the node itself (most nodes have one or two successors), so a
/// message costs no pointer to chase to find them; more go to a vector.
class Outlets {
 public:
  /// `r`, fed on `port` of `own` when that is braid's (else through r's try_put_task).
  /// `join`: r's join state, when r is a join's task node (put() touches it).
  void add(flow::receiver<Message>& r, Inlet* own, std::size_t port, const JoinState* join) {
    Target t{own ? own : &r, static_cast<std::uint32_t>(port), own != nullptr, 0};
    if (join) {  // how many lines on from the task node the state starts
      const std::ptrdiff_t d = reinterpret_cast<const char*>(join) - reinterpret_cast<const char*>(t.receiver);
      if (d > 0 && d / 64 < 256) t.join_line = static_cast<std::uint8_t>(d / 64);
    }
    if (n_ < kInline) {
      inline_[n_] = t;
    } else {
      if (n_ - kInline == more_size_) reserve(2 * n_);  // more than reserved: grown
      more_[n_ - kInline] = t;
    }
    ++n_;
  }

  /// Room for `total` successors in all: the ones past the first two in one
  /// block, allocated once.
  void reserve(std::size_t total) {
    if (total <= kInline + more_size_) return;
    auto more = std::make_unique<Target[]>(total - kInline);
    for (std::size_t i = kInline; i < n_; ++i) more[i - kInline] = more_[i - kInline];
    more_ = std::move(more);
    more_size_ = static_cast<std::uint32_t>(total - kInline);
  }

  /// Asks the cache for the lines that put() will touch in the first
  /// successors (their task nodes, and a join's state), so that the misses
  /// of a graph too big for the cache overlap the body's run and each other
  /// (called only in such a graph: Compiler::prefetch_run).
  void prefetch() const {
    for (std::size_t i = 0; i < n_ && i < kInline; ++i) {
      const Target& t = inline_[i];
      if (!t.own) continue;
      const char* p = reinterpret_cast<const char*>(t.receiver);
      prefetch_line(p);
      prefetch_line(p + 64);
      if (t.join_line) prefetch_line(p + 64 * t.join_line);  // the join state's first line (JoinState)
    }
  }

  /// Puts `m` to every successor. Returns the task to run next (the last
  /// one made); the others are spawned, as a tbb node's broadcast does.
  /// `ed`, `here`: the putting task's (Inlet::take, Inlet::take_here): the
  /// first of braid's successors that has work to do (a map's message, a
  /// join's completed record) takes that task over, the others make tasks.
  d1::graph_task* put(flow::graph& g, Message&& m, d1::execution_data* ed, Here& here) const {
    d1::graph_task* next = nullptr;
    for (std::size_t i = 0; i + 1 < n_; ++i) {
      const Target& t = at(i);
      next = d1::combine_tasks(
          g, next, t.own && !here.next ? t.inlet()->take_copy_here(m, t.port, ed, here) : put_copy(t, m, ed));
    }
    if (n_) {
      const Target& last = at(n_ - 1);
      next = d1::combine_tasks(g, next,
                               last.own ? (here.next ? last.inlet()->take(std::move(m), last.port, ed)
                                                     : last.inlet()->take_here(std::move(m), last.port, ed, here))
                                        : put_copy(last, m, ed));
    }
    return next;
  }

 private:
  struct Target {  // 16 bytes: a node's two fit in one line with what its task reads
    flow::receiver<Message>* receiver;
    std::uint32_t port;  // the Inlet's input port
    bool own;            // receiver is braid's (an Inlet): it takes the message moved, on `port`
    std::uint8_t join_line;  // a join's: its state starts this many 64-byte lines on (0: none)
    Inlet* inlet() const { return static_cast<Inlet*>(receiver); }
  };
  static constexpr std::size_t kInline = 2;
  const Target& at(std::size_t i) const { return i < kInline ? inline_[i] : more_[i - kInline]; }
  /// try_put_task is protected in tbb::flow::receiver; a class derived from
  /// it may name it, and the pointer to member then calls any receiver's.
  struct Access : flow::receiver<Message> {
    static d1::graph_task* put(flow::receiver<Message>& r, const Message& m) {
      return (r.*&Access::try_put_task)(m);
    }
  };
  static d1::graph_task* put_copy(const Target& t, const Message& m, d1::execution_data* ed) {
    return t.own ? t.inlet()->take_copy(m, t.port, ed) : Access::put(*t.receiver, m);
  }
  std::array<Target, kInline> inline_{};
  std::unique_ptr<Target[]> more_;  // a pointer, not a vector: the task node stays in 96 bytes
  std::uint32_t more_size_ = 0;     // more_'s room
  std::uint32_t n_ = 0;
};

/// A map, sink or join of unlimited concurrency. A message into a map or
/// sink becomes a graph task that runs the node (Compiler::run_task) and
/// returns the first successor's task to run next. A message into a join's
/// port is filed under its key right in the sender's task (a short step
/// under the join's lock, as a continue_node counts its predecessors in
/// place): a message into a join costs no task of its own, and the record,
/// once every port has its message, becomes the task that runs the join's
/// body (Compiler::join_port_put). A refused message (the graph no longer
/// active: cancelled) is dropped, as a function_node drops it.
class TaskNode final : public Inlet {
 public:
  /// `prefetch`: the node's task asks for its successors' lines (Outlets::prefetch).
  TaskNode(flow::graph& g, Compiler& compiler, CompiledNode& node, bool join, bool sink, bool prefetch)
      : Inlet(g), compiler_(compiler), node_(node), join_(join), sink_(sink), prefetch_(prefetch) {}
  d1::graph_task* take(Message&& m, std::size_t port, d1::execution_data* ed) override {
    if (join_) return join_put(m.tag, std::move(m.value), port, ed);
    return task_for(ed, std::move(m));
  }
  d1::graph_task* take_copy(const Message& m, std::size_t port, d1::execution_data* ed) override {
    if (join_) return join_put(m.tag, Value(m.value), port, ed);
    return task_for(ed, m);
  }
  d1::graph_task* take_here(Message&& m, std::size_t port, d1::execution_data* ed, Here& here) override {
    if (join_) return join_put(m.tag, std::move(m.value), port, ed, &here);
    return run_here(here, m.tag, std::move(m.value));
  }
  d1::graph_task* take_copy_here(const Message& m, std::size_t port, d1::execution_data* ed, Here& here) override {
    if (join_) return join_put(m.tag, Value(m.value), port, ed, &here);
    return run_here(here, m.tag, Value(m.value));
  }
  /// Runs the node on the message of `tag` and `value` in the task `here`,
  /// next: what task_for's task would run, without the task.
  d1::graph_task* run_here(Here& here, const Tag& tag, Value&& value) {
    if (!d1::is_graph_active(graph_)) return nullptr;
    here.message->tag = tag;
    here.message->value = std::move(value);
    here.next = this;
    return d1::SUCCESSFULLY_ENQUEUED;
  }
  /// The task that runs the node on the message made of `message` (a
  /// Message, or its tag and value); `ed` as for take().
  template <class... M>
  d1::graph_task* task_for(d1::execution_data* ed, M&&... message) {
    if (!d1::is_graph_active(graph_)) return nullptr;
    d1::small_object_allocator allocator{};
    d1::graph_task* t = ed ? allocator.new_object<Task>(*ed, graph_, allocator, *this, std::forward<M>(message)...)
                           : allocator.new_object<Task>(graph_, allocator, *this, std::forward<M>(message)...);
    graph_.reserve_wait();  // released when the task is finalized
    return t;
  }
  /// Whether the node is a sink: its task has no output (a flag here spares reading the kind).
  bool sink() const { return sink_; }

 private:
  // What a message into the node and its task read, first: the node's own
  // lines (CompiledNode puts this first, and its body and resources right after).
  Compiler& compiler_;
  CompiledNode& node_;
  bool join_;
  bool sink_;
  bool prefetch_;

 public:
  Outlets outlets;

 private:
  class Task final : public d1::graph_task {
   public:
    template <class... M>
    Task(flow::graph& g, d1::small_object_allocator& a, TaskNode& node, M&&... message)
        : graph_task(g, a), allocator_(a), node_(&node), message_{std::forward<M>(message)...} {}
    d1::task* execute(d1::execution_data& ed) override;  // after Compiler
    d1::task* cancel(d1::execution_data& ed) override {
      finish(ed);
      return nullptr;
    }

   private:
    /// Frees the task and tells the graph it is done (graph_task::finalize
    /// does the same, but casts the destroyed task to Task first, which
    /// UBSan's vptr check reports).
    void finish(const d1::execution_data& ed) {
      flow::graph& g = my_graph;
      d1::small_object_allocator allocator = allocator_;
      this->~Task();
      allocator.deallocate(this, ed);
      g.release_wait();
    }
    d1::small_object_allocator allocator_;
    TaskNode* node_;  // the node it runs: the first one's, then each that took it over (Here)
    Message message_;
  };
  d1::graph_task* join_put(const Tag& tag, Value&& value, std::size_t port, d1::execution_data* ed,
                           Here* here = nullptr);  // Compiler::join_port_put
};

/// A join's input port as a receiver of its own, for the tbb nodes that feed
/// it (flat maps, gathers, sources); braid's nodes put to the join's port directly.
class JoinPort final : public Inlet {
 public:
  JoinPort(flow::graph& g, TaskNode& join, std::size_t port) : Inlet(g), join_(join), port_(port) {}
  d1::graph_task* take(Message&& m, std::size_t, d1::execution_data* ed) override {
    return join_.take(std::move(m), port_, ed);
  }
  d1::graph_task* take_copy(const Message& m, std::size_t, d1::execution_data* ed) override {
    return join_.take_copy(m, port_, ed);
  }

 private:
  TaskNode& join_;
  std::size_t port_;
};

/// What a source keeps besides what every node does: its pump and window.
struct SourceState {
  std::unique_ptr<detail::Window> window;
  PumpNode* pump = nullptr;
  std::optional<Message> pending;        // an item made, waiting for a credit
  std::uint64_t items = 0;               // items emitted so far
  bool ended = false;                    // its body said there is no more
  std::uint64_t nudged_at = UINT64_MAX;  // items when last nudged (Compiler::nudge)
};

/// The tbb::flow nodes a braid node is made of, where it has any (a flat map,
/// gather, source, or node of limited concurrency; an ordered node's sequencer
/// in front), and the receivers of a join's ports fed by them.
struct TbbParts {
  std::vector<std::unique_ptr<flow::graph_node>> nodes;
  std::vector<std::unique_ptr<JoinPort>> join_ports;  // a join's inputs (destroyed first)
};

/// One braid node, compiled.
struct alignas(64) CompiledNode {
  // What a message into the node touches, first and in two cache lines (the
  // node is line-aligned): its task node (taking the message, then the
  // task's reads), then the body and resources; a join's state follows, on
  // a line of its own. A graph of 100k nodes misses the cache on nearly
  // every node it reaches, once per line.
  std::optional<TaskNode> task;  // a map's or sink's of unlimited concurrency, a join's
  std::unique_ptr<NodeBody> body;
  Held resources;
  const Kind* kind = nullptr;
  const NodeSpec* spec = nullptr;
  // A join's keys: a message into a join touches it and the task node. It
  // starts a line of its own: the lock, which every message writes, is then
  // on no line of the task node's, which the threads putting to the node
  // read; and the line Outlets::prefetch asks for from there holds all a
  // message of a task graph reads (JoinState).
  alignas(64) std::optional<JoinState> join;
  // Then what each run touches (prepare, release).
  std::size_t index = 0;  // in PipelineSpec::nodes
  Accounts added;     // per message put out: a map's or join's net (out minus in, zero weights
                      // dropped), a source's, flat map's or gather's out
  Accounts consumed;  // a sink's, flat map's or gather's, per message consumed: in[0]

  flow::sender<Message>* output = nullptr;  // the sender of the output port, when a tbb node's (not a task node's)
  std::unique_ptr<TbbParts> tbb;            // where the node has any: a task graph's have none
  std::unique_ptr<GatherState> gather;
  std::unique_ptr<SourceState> src;              // a source's
  std::unique_ptr<detail::Sequencer> sequencer;  // an ordered node's
};
// Six lines: a graph of 100,000 nodes faults in, clears, and at its end
// walks 38 MB less than it did at twelve.
static_assert(sizeof(CompiledNode) <= 384, "a compiled node grew past six cache lines");

/// What building the graph needs of a node and its runs do not: kept apart
/// from the compiled node, which stays smaller (fewer pages to fault in,
/// fewer lines for a run to touch), and allocated from one arena for all the
/// nodes, dropped once the graph is built (a node's small vectors each cost a
/// malloc and a free).
struct NodePlan {
  using allocator_type = std::pmr::polymorphic_allocator<std::byte>;
  explicit NodePlan(const allocator_type& arena) : entries(arena) {}

  /// Stream accounting (stream.hpp), set by Compiler::plan_accounts(): it
  /// ends in the node's `added` and `consumed`. A task graph's nodes (one
  /// source, no ordered node, no gather) have none: each node's accounts are
  /// known as it is compiled.
  struct Flows {
    explicit Flows(const allocator_type& arena) : predecessors(arena), sources(arena), out(arena), in(arena) {}
    std::pmr::vector<std::size_t> predecessors;      // per input port: the node feeding it
    std::pmr::vector<std::size_t> sources;           // the sources upstream (itself, for a source), sorted
    std::pmr::vector<Account> out;                   // per message emitted, added before it is put (see `added`)
    std::pmr::vector<std::pmr::vector<Account>> in;  // per input port: subtracted per message consumed
  };

  /// The input ports: the kind's, or what validation got from its
  /// dynamic_inputs (read until connect() is done, then gone).
  const std::vector<PortSpec>* input_ports = nullptr;
  std::size_t n_inputs = 0;                            // input_ports->size()
  // Per input port: where edges connect. The node's own receiver (its task
  // node or tbb node; null for a join's port, see connect()), but an
  // ordered node's sequencer in front of its one input.
  std::pmr::vector<flow::receiver<Message>*> entries;
  flow::receiver<Message>* sequenced = nullptr;  // an ordered node's own input, behind its sequencer
  Flows* flows = nullptr;  // the arena's, where the graph needs them (Compiler::need_predecessors_)
};

/// Memory for a graph's arrays (its compiled nodes, and the plans its build
/// uses). A block of 2 MiB or more is whole pages of 2 MiB, in transparent
/// huge pages where the kernel gives them (madvise). A 100,000-node graph's
/// plans (40 MB) were faulted in 4 KiB page by page: a build of the
/// 99,856-node wavefront took 8,054 page faults, and takes 544.
///
/// The kernel clears every page of a fresh block as it is first written: at
/// 100,000 nodes, 58 MB of nodes and 40 MB of plans (as they were then), a
/// tenth of validating, building, running and tearing down the graph once. So a freed block is
/// kept, the largest few (kSlots, at most kKeep bytes in all), for the next
/// graph built in the process that fits in one: marked MADV_FREE, its pages
/// are the kernel's to take back if memory runs short (a page taken comes
/// back cleared when written), and are not cleared again while it does not.
///
/// Blocks from 128 KiB to 2 MiB (a graph of a few hundred to a few
/// thousand nodes) are kept apart, a few (at most kKeepMid bytes): left to
/// glibc, whether freeing one made glibc hand memory back to the system (and
/// the next build fault it in again, page by page) depended on the sizes of
/// the blocks around it. A 1,000-node chain took 0 page faults a build with
/// nodes of 576 bytes and 149 with nodes of 512; 600 nodes took 89 with
/// either. Smaller blocks are glibc's.
///
/// Under AddressSanitizer none is kept, so that it sees every block's lifetime.
namespace huge {
constexpr std::size_t kPage = std::size_t{2} << 20;
constexpr std::size_t kMid = std::size_t{128} << 10;     // glibc's first mmap threshold
constexpr std::size_t kMidStep = std::size_t{64} << 10;  // a mid block's sizes are multiples of it
constexpr std::size_t kSlots = 4;                    // a graph's nodes, its plans, their arena's first two blocks
constexpr std::size_t kKeep = std::size_t{1} << 28;  // 256 MiB: a graph of about 250,000 nodes
constexpr std::size_t kKeepMid = std::size_t{8} << 20;

/// The blocks kept of one range of sizes: each at least as big as its recorded size.
class Kept {
 public:
  /// Blocks of 2 MiB pages, or (`mid`) of kMid bytes up to 2 MiB.
  static Kept& instance(bool mid) {
    // never destroyed: a graph may be torn down during static destruction
    static Kept* const pages = new Kept(kKeep, kPage);
    static Kept* const mids = new Kept(kKeepMid, kMidStep);
    return mid ? *mids : *pages;
  }
  /// A kept block of `bytes` or more (the smallest such), or nullptr.
  void* take(std::size_t bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    Block* best = nullptr;
    for (Block& b : blocks_)
      if (b.raw && b.bytes >= bytes && (!best || b.bytes < best->bytes)) best = &b;
    if (!best) return nullptr;
    total_ -= best->bytes;
    best->bytes = 0;
    return std::exchange(best->raw, nullptr);
  }
  /// A fresh block of `bytes`.
  void* fresh(std::size_t bytes) const {
    void* p = ::operator new(bytes, std::align_val_t(align_));
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (huge_pages()) madvise(p, bytes, MADV_HUGEPAGE);  // a hint: failing is harmless
#endif
    return p;
  }
  /// Keeps `raw` (of `bytes`) in place of a smaller block; frees whichever is not kept.
  void give(void* raw, std::size_t bytes) noexcept {
    if (detail::pool_keeps_blocks() && bytes <= keep_) {
#if defined(__linux__) && defined(MADV_FREE)
      if (huge_pages()) madvise(raw, bytes, MADV_FREE);  // before another thread may take the block
#endif
      std::lock_guard<std::mutex> lock(mutex_);
      Block* smallest = &blocks_[0];
      for (Block& b : blocks_)
        if (b.bytes < smallest->bytes) smallest = &b;
      if (bytes > smallest->bytes) {
        total_ -= smallest->bytes;
        std::swap(raw, smallest->raw);
        std::swap(bytes, smallest->bytes);
        total_ += smallest->bytes;
      }
      // Over the bound: the smallest blocks go first (the one just kept stays).
      while (total_ > keep_) {
        Block* drop = nullptr;
        for (Block& b : blocks_)
          if (b.raw && b.raw != smallest->raw && (!drop || b.bytes < drop->bytes)) drop = &b;
        if (!drop) break;
        total_ -= drop->bytes;
        ::operator delete(std::exchange(drop->raw, nullptr), std::align_val_t(align_));
        drop->bytes = 0;
      }
    }
    if (raw) ::operator delete(raw, std::align_val_t(align_));
  }

 private:
  /// `keep`: at most this many bytes kept; `align`: a block's alignment (and
  /// its size's multiple; kPage: blocks of huge pages).
  Kept(std::size_t keep, std::size_t align) : keep_(keep), align_(align) {}
  /// Whether the blocks are 2 MiB pages: advised as huge pages, given back MADV_FREE when kept.
  bool huge_pages() const { return align_ == kPage; }
  struct Block {
    void* raw = nullptr;
    std::size_t bytes = 0;  // 0 when raw is null
  };
  const std::size_t keep_;
  const std::size_t align_;
  std::mutex mutex_;
  std::array<Block, kSlots> blocks_{};
  std::size_t total_ = 0;
};

/// Whether a block of `bytes` is a mid block (else whole huge pages); kMid or more.
inline bool is_mid(std::size_t bytes) { return bytes < kPage; }
/// `bytes` rounded up to its pool's multiple.
inline std::size_t rounded(std::size_t bytes) {
  const std::size_t step = is_mid(bytes) ? kMidStep : kPage;
  return (bytes + step - 1) / step * step;
}

inline void* allocate(std::size_t bytes) {
  if (bytes < kMid) return ::operator new(bytes);
  Kept& kept = Kept::instance(is_mid(bytes));
  const std::size_t size = rounded(bytes);
  if (void* p = kept.take(size)) return p;
  return kept.fresh(size);
}

inline void deallocate(void* p, std::size_t bytes) noexcept {
  if (bytes < kMid)
    ::operator delete(p);
  else
    Kept::instance(is_mid(bytes)).give(p, rounded(bytes));
}

/// huge::allocate as a memory resource, upstream of an arena.
class Resource final : public std::pmr::memory_resource {
  void* do_allocate(std::size_t bytes, std::size_t alignment) override {
    if (alignment > alignof(std::max_align_t)) throw std::bad_alloc();  // never asked: the arena's blocks
    return huge::allocate(bytes);
  }
  void do_deallocate(void* p, std::size_t bytes, std::size_t) noexcept override { huge::deallocate(p, bytes); }
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override { return this == &other; }
};
}  // namespace huge

/// The plans of a graph's nodes (by index), and their arena.
///
/// The plans are never destroyed one by one: every byte they hold is the
/// arena's, released with it at once (a NodePlan's destructor only hands its
/// vectors back to the arena, which does nothing with them: a call per
/// vector per node for nothing).
struct GraphPlan {
  /// For `n` nodes, each taking about `per_node` bytes of the arena.
  GraphPlan(std::size_t n, std::size_t per_node)
      : arena(n * per_node, &upstream), size(n), nodes(static_cast<NodePlan*>(huge::allocate(n * sizeof(NodePlan)))) {}
  ~GraphPlan() { huge::deallocate(nodes, size * sizeof(NodePlan)); }  // see above: no ~NodePlan
  GraphPlan(const GraphPlan&) = delete;
  GraphPlan& operator=(const GraphPlan&) = delete;
  huge::Resource upstream;                    // first: outlives the arena
  std::pmr::monotonic_buffer_resource arena;  // freed at once, with the plan
  /// Makes node `i`'s plan, as the node is compiled (see NodeArray::make).
  NodePlan& make(std::size_t i) { return *new (nodes + i) NodePlan(&arena); }

  std::size_t size;
  NodePlan* nodes;  // room for `size`, each made by make() before it is used
};

std::size_t tbb_concurrency(Concurrency c) {
  return c.is_unlimited() ? static_cast<std::size_t>(flow::unlimited) : c.value();
}

std::string describe_exception(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    return ex.what();
  } catch (...) {
    return "unknown exception";
  }
}

using OutPort = std::tuple_element_t<0, FlatMapNode::output_ports_type>;

/// Lets a FlatMapBody emit into a multifunction_node's output port.
class PortEmitter final : public Emitter {
 public:
  PortEmitter(OutPort& port, const Accounts* accounts) : port_(port), accounts_(accounts) {}
  void emit(const Tag& tag, Value value) override {
    if (accounts_) accounts_->add(tag.item());
    port_.try_put(Message{tag, std::move(value)});
    ++count_;
  }
  std::size_t count() const { return count_; }

 private:
  OutPort& port_;
  const Accounts* accounts_;  // nullptr once the sources ended
  std::size_t count_ = 0;
};

/// Files `in` into its group; returns the group's tag and parts (in index
/// order) when `in` completed it. Depth-0 messages wait for the stream's end.
std::optional<std::pair<Tag, std::vector<Value>>> gather_arrive(GatherState& g, const Message& in, OpenCount& open) {
  if (in.tag.depth() == 0) {
    g.stream.push_back(in);
    return std::nullopt;
  }
  const Tag parent = in.tag.parent();
  const Tag::Level level = in.tag.last();
  GatherState::Group* group = nullptr;
  {
    tbb::queuing_mutex::scoped_lock lock(g.mutex);
    if (g.last && g.last_tag == parent) {
      group = g.last;
    } else {
      auto [it, created] = g.groups.try_emplace(parent, level.count);
      if (created) open.add(1);
      group = &it->second;
      g.last = group;
      g.last_tag = parent;
    }
    if (level.count != group->parts.size() || level.index >= level.count)
      throw Error("tag " + in.tag.to_string() + " does not fit group " + parent.to_string() + " of " +
                  std::to_string(group->parts.size()) + " parts");
    if (group->filled[level.index]) throw Error("tag " + in.tag.to_string() + " arrived twice");
    group->filled[level.index] = true;
  }
  // The group cannot complete, and go, before this part is counted; once it
  // is, the group is the last part's alone (its parts moved out, then freed).
  group->parts[level.index] = in.value;
  if (group->arrived.fetch_add(1, std::memory_order_acq_rel) + 1 < level.count) return std::nullopt;
  // The last part: every other part was stored before it was counted.
  std::vector<Value> parts = std::move(group->parts);
  decltype(g.groups)::node_type gone;  // freed after the lock is released
  {
    tbb::queuing_mutex::scoped_lock lock(g.mutex);
    if (g.last == group) g.last = nullptr;
    gone = g.groups.extract(parent);
  }
  open.add(-1);
  return std::make_pair(parent, std::move(parts));
}

/// The key `tag` when it is not the first key, nor opens it while no other
/// key waits: found among the keys waiting beside the first, or opened
/// there (or as the first, when that is free). Out of line: a task graph's
/// joins, whose one item opens the first key, never come here, and their
/// path stays short.
[[gnu::noinline]] JoinState::Pending* other_key(JoinState& j, const Tag& tag, OpenCount& open) {
  if (j.more_used) {
    auto it = j.more->find(tag);
    if (it != j.more->end()) return &it->second;
  }
  if (!j.first_used) {
    j.open_first(tag);
    open.add(1);
    return &j.first;
  }
  detail::RecordDraft record;
  record.start(j.ports);
  if (!j.more) j.more = std::make_unique<std::unordered_map<Tag, JoinState::Pending, TagHash>>();
  JoinState::Pending& p = j.more->try_emplace(tag).first->second;
  j.more_used = true;
  p.record = std::move(record);
  open.add(1);
  return &p;
}

[[noreturn, gnu::noinline, gnu::cold]] void arrived_twice(const JoinState& j, std::size_t port, const Tag& tag) {
  throw Error("two messages tagged " + tag.to_string() + " arrived on port '" + j.ports[port] + "'");
}

/// Files `value` under `tag` on `port`. Returns the record when that
/// completed the key (every port has its message), else an empty value;
/// `keep`: the first key's record is kept for its next (a graph that runs
/// again). The key's record is made at its first message (the first key's
/// kept record again, when no one holds it; else a block from the thread's
/// own, detail::pool_allocate), and each message moves its value into its field:
/// a short step under the join's lock. Keeping the values in the join's
/// state and moving them into a record made by the last message cost a
/// rerun of a layered DAG of 1,000 nodes at 1 thread 954 instructions a node
/// against 895 (a move per value, the state's values emptied again, and the
/// record's made empty only to be overwritten), and the state 80 bytes.
Value join_arrive(JoinState& j, std::size_t port, const Tag& tag, Value&& value, OpenCount& open, bool keep) {
  std::lock_guard<tbb::spin_mutex> lock(j.mutex);
  JoinState::Pending* p = &j.first;
  if (!j.is_first(tag)) {
    if (j.first_used || j.more_used) {
      p = other_key(j, tag, open);
    } else {  // the first key opened (a task graph's one item)
      j.open_first(tag);
      open.add(1);
    }
  }
  Value& field = p->record.field(port);
  if (!field.empty()) arrived_twice(j, port, tag);
  p->blocks = p->blocks || value.object() != nullptr;
  field = std::move(value);
  if (++p->arrived < j.n_ports) return Value();
  // The first key's record is kept (`keep`) when no value in it holds a
  // block, for its next key to fill again.
  Value record = p == &j.first && keep && !p->blocks ? p->record.finish_keep_known() : p->record.finish();
  if (p == &j.first) {
    p->arrived = 0;
    p->blocks = false;
    j.first_used = false;
  } else {
    j.more->erase(tag);
    j.more_used = !j.more->empty();
  }
  open.add(-1);
  return record;
}

/// The compiled nodes, in one block that never moves (nodes point into it
/// and into each other). A block of over 341 nodes (128 KiB) is
/// huge::allocate's, kept for the next graph that fits: a graph of 100,000
/// nodes then takes a few dozen page faults to build instead of tens of
/// thousands, and its runs miss the TLB less; a graph of 1,000 nodes none.
class NodeArray {
 public:
  NodeArray() = default;
  explicit NodeArray(std::size_t n) : n_(n) {
    if (n == 0) return;
    std::size_t bytes = n * sizeof(CompiledNode);
    void* p;
    if (bytes >= huge::kMid) {
      bytes_ = bytes;
      raw_ = huge::allocate(bytes_);
      p = raw_;
    } else {
      // Aligned by hand: an aligned operator new (memalign) of a block this
      // size made glibc return its memory to the system at every free.
      std::size_t space = bytes + alignof(CompiledNode);
      raw_ = ::operator new(space);
      p = raw_;
      std::align(alignof(CompiledNode), bytes, p, space);
    }
    data_ = static_cast<CompiledNode*>(p);
  }
  ~NodeArray() {
    if (!data_) return;
    for (std::size_t i = made_; i-- > 0;) data_[i].~CompiledNode();
    if (bytes_)
      huge::deallocate(raw_, bytes_);
    else
      ::operator delete(raw_);
  }
  NodeArray(const NodeArray&) = delete;
  NodeArray& operator=(NodeArray&& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(n_, other.n_);
    std::swap(made_, other.made_);
    std::swap(raw_, other.raw_);
    std::swap(bytes_, other.bytes_);
    return *this;
  }
  /// Makes the next node (default-initialized: no memset first). Each is
  /// made as it is compiled, while its lines are in the cache: made all at
  /// once first, a graph of 100,000 nodes wrote its 58 MB twice, each time
  /// from memory.
  CompiledNode& make() {
    assert(made_ < n_);
    return *new (data_ + made_++) CompiledNode;
  }
  /// Node `i`, made already.
  CompiledNode& operator[](std::size_t i) { return data_[i]; }

 private:
  CompiledNode* data_ = nullptr;  // in raw_, line-aligned
  std::size_t n_ = 0;             // room for
  std::size_t made_ = 0;          // the first made_ are made (and are destroyed with the array)
  void* raw_ = nullptr;           // what was allocated
  std::size_t bytes_ = 0;  // raw_'s size when it is huge::allocate's; 0 when operator new's
};

class Compiler {
 public:
  /// `validated`: what validating `spec` learned.
  Compiler(RunContext& ctx, const PipelineSpec& spec, const Registry& registry, detail::Validated validated)
      : ctx_(ctx), spec_(spec), registry_(registry), validated_(std::move(validated)) {}

  /// Builds every node and edge of the graph. Sources stay inactive until
  /// activate_sources(). `bodies`: makes each node's body for the first run
  /// as well (a graph run once right after it is built).
  void build(bool bodies) {
    bodies_at_build_ = bodies;
    keep_records_ = !bodies && !prefetch_run();  // bodies made at the build: braid::run's one run
    storage_ = NodeArray(spec_.nodes.size());  // nodes_ points into it
    for (const auto& [name, r] : spec_.resources) semaphores_.emplace(name, std::make_unique<Semaphore>(r.capacity));
    successors_ = std::move(validated_->successors);
    order_ = std::move(validated_->order);
    port_types_ = std::move(validated_->port_types);
    out_types_ = std::move(validated_->out_types);
    ports_at_.reserve(spec_.nodes.size() + 1);
    // One source and no ordered node (every task graph): each node's
    // accounts are known as it is compiled, from its kind and its fanout.
    std::size_t sources = 0;
    for (const Kind* kind : validated_->kinds) {
      sources += kind->shape == Shape::kSource;
      any_gather_ = any_gather_ || kind->shape == Shape::kGather;
    }
    one_window_ = sources == 1;
    // Which node feeds each input port: for plan_accounts() and plan_depths() only.
    need_predecessors_ = !one_window_ || validated_->any_ordered || any_gather_;
    // The arena's first block: about what each node's plan takes of it (its
    // ports' entries, and its flows where they are needed).
    plan_ = std::make_unique<GraphPlan>(spec_.nodes.size(), need_predecessors_ ? 192 : 64);
    for (const NodeSpec& ns : spec_.nodes) {
      nodes_.push_back(&storage_.make());
      nodes_.back()->index = nodes_.size() - 1;
      compile(ns, *nodes_.back());
    }
    // An edge joins two nodes anywhere in the graph: connect() misses the
    // cache on each in a big one (a tenth of building 100,000 nodes). The
    // lines it touches are asked for some edges ahead, so the misses overlap.
    // (its task node and outlets: two lines; whether `to` is a join; its
    // plan's entries, and where they point, when it is not).
    constexpr std::size_t kAhead = 16, kNear = 8, kPrefetchFrom = 8192;  // edges: fewer stay in the cache
    const std::vector<std::size_t>& ends = validated_->ends;
    const std::size_t edges = spec_.edges.size();
    for (std::size_t e = 0; e < edges; ++e) {
      if (edges > kPrefetchFrom && e + kAhead < edges) {
        const CompiledNode& from = storage_[ends[2 * (e + kAhead)]];
        const std::size_t to = ends[2 * (e + kAhead) + 1];
        prefetch_line(&from);
        prefetch_line(reinterpret_cast<const char*>(&from) + 64);
        prefetch_line(reinterpret_cast<const char*>(&storage_[to].join) + sizeof(std::optional<JoinState>) - 1);
        prefetch_line(&plan(to).entries);
        prefetch_line(plan(ends[2 * (e + kNear) + 1]).entries.data());  // its plan asked for 8 edges ago
      }
      connect(ends[2 * e], ends[2 * e + 1], validated_->to_ports[e]);
    }
    validated_.reset();
    if (!one_window_ || !sequenced_.empty()) plan_accounts();  // else compile() set them
    if (any_gather_) {
      plan_depths();
      for (std::size_t v : order_)
        if (nodes_[v]->gather) gathers_.push_back(nodes_[v]);
    }
    plan_.reset();
  }

  /// Ready for a run: every node's body made afresh (a stateless kind's
  /// once, then kept: only the others are visited), every count, group, key
  /// and source back at its start. A factory that throws fails the run before
  /// anything ran (NodeError with the node's id and kind). After a run that
  /// completed (`clean`) no group or key is left waiting: they are not visited.
  void prepare(bool clean) {
    if (bodies_at_build_) {  // this first run's bodies are made: build() made them
      bodies_at_build_ = false;
      if (body_error_) throw NodeError(*std::exchange(body_error_, std::nullopt));
      stateless_made_ = true;
    } else if (stateless_made_) {
      for (CompiledNode* node : fresh_) make_body(*node);
    } else {
      for (const auto& node : nodes_) make_body(*node);
      stateless_made_ = true;
    }
    ctx_.sources_running.store(sources_.size());
    for (CompiledNode* node : sources_) {
      node->src->pending.reset();
      node->src->items = 0;
      node->src->ended = false;
      node->src->nudged_at = UINT64_MAX;
      node->src->window->reset();
    }
    for (CompiledNode* node : sequenced_) node->sequencer->reset();
    if (clean) return;
    ctx_.open.reset();
    for (CompiledNode* node : holders_) {
      if (node->gather) {
        node->gather->groups.clear();
        node->gather->last = nullptr;
        node->gather->stream.clear();
      }
      if (node->join) node->join->clear();
    }
  }

  /// After a run: the bodies go (a sink that did not commit discards its
  /// output now), but a stateless kind's, which the next run uses again.
  void release_bodies() {
    for (CompiledNode* node : fresh_) node->body.reset();
  }

  void activate_sources() {
    for (CompiledNode* node : sources_) node->src->pump->try_put(flow::continue_msg());
  }

  /// After the graph went idle: wakes the pump of every source that has not
  /// ended, and has emitted more items since it was last woken here, to try
  /// again (it emits what its window has credits for). Returns whether it woke any: the
  /// caller waits for the graph again. A source that stays stalled without
  /// progress is reported by stalled().
  bool nudge() {
    bool any = false;
    for (CompiledNode* node : sources_) {
      if (node->src->ended || node->src->nudged_at == node->src->items) continue;
      node->src->nudged_at = node->src->items;
      node->src->pump->try_put(flow::continue_msg());
      any = true;
    }
    return any;
  }

  /// A line for each source that neither ended nor failed although the graph
  /// is idle: its window is full of items that never completed (a join key or
  /// gather group that never fills holds its item), so the rest of its stream
  /// was never read. The run must not pass for complete.
  std::vector<std::string> stalled() const {
    std::vector<std::string> lines;
    for (CompiledNode* node : sources_)
      if (!node->src->ended)
        lines.push_back("node '" + node->spec->id + "' (" + node->kind->name + "): the stream stopped after " +
                        std::to_string(node->src->items) + " items, its max_in_flight window of " +
                        std::to_string(node->src->window->limit()) + " full of items that never completed");
    return lines;
  }

  /// The gathers, in topological order (ties in document order).
  const std::vector<CompiledNode*>& gathers() const { return gathers_; }

  /// Combines a whole stream's members (depth-0 messages) once every source
  /// has ended: a gather fed whole items, even none (the sum of an empty
  /// stream is 0, its count 0; its min fails the run). Returns whether it
  /// emitted anything.
  bool settle_stream_gather(CompiledNode& node) {
    if (!node.gather->whole_stream) return false;
    GatherState& g = *node.gather;
    std::vector<Message> members(g.stream.begin(), g.stream.end());
    g.stream.clear();
    std::sort(members.begin(), members.end(), [](const Message& a, const Message& b) { return a.tag < b.tag; });
    std::vector<Value> parts;
    parts.reserve(members.size());
    for (Message& m : members) parts.push_back(std::move(m.value));
    const Tag stream_tag(0);
    const Tag* tag = &stream_tag;
    Value combined;
    auto* body = static_cast<GatherBody*>(node.body.get());
    if (!guard(node, tag, [&]() -> std::size_t {
          combined = body->combine(std::move(parts));
          return 1;
        }))
      return false;
    static_cast<OutPort*>(node.output)->try_put(Message{stream_tag, std::move(combined)});
    return true;
  }

  /// What never completed: gather groups and join keys still waiting.
  std::vector<std::string> incomplete() const {
    std::vector<std::string> missing;
    if (ctx_.open.sum() == 0) return missing;  // nothing waits: no node need be visited
    for (CompiledNode* node : holders_) {
      if ((!node->gather || node->gather->groups.empty()) && (!node->join || node->join->empty())) continue;
      std::string who = "node '" + node->spec->id + "' (" + node->kind->name + ")";
      if (node->gather) {
        std::vector<std::pair<Tag, std::string>> lines;
        for (const auto& [tag, group] : node->gather->groups) {
          std::string absent;
          for (std::size_t i = 0; i < group.parts.size(); ++i)
            if (group.parts[i].empty()) absent += (absent.empty() ? "" : ", ") + std::to_string(i);
          lines.emplace_back(tag, who + ": group " + tag.to_string() + " received " +
                                      std::to_string(group.arrived.load()) + " of " +
                                      std::to_string(group.parts.size()) + " parts; missing " + absent);
        }
        std::sort(lines.begin(), lines.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        for (auto& l : lines) missing.push_back(std::move(l.second));
      }
      if (node->join) {
        std::vector<std::pair<Tag, std::string>> lines;
        node->join->for_each([&](const Tag& tag, const JoinState::Pending& p) {
          std::string have, lack;
          for (std::size_t i = 0; i < node->join->ports.size(); ++i)
            (p.record.field(i).empty() ? lack : have) +=
                ((p.record.field(i).empty() ? lack : have).empty() ? "" : ", ") + node->join->ports[i];
          lines.emplace_back(tag, who + ": tag " + tag.to_string() + " arrived on " + have + " but never on " + lack);
        });
        std::sort(lines.begin(), lines.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        for (auto& l : lines) missing.push_back(std::move(l.second));
      }
    }
    return missing;
  }

  /// Makes every sink's output visible (in declaration order). False when one
  /// failed. A stateless sink has none: it acted on each message as it came.
  bool commit() {
    for (CompiledNode* node : sinks_) {
      try {  // not a body run: observers do not see it
        static_cast<SinkBody*>(node->body.get())->commit();
      } catch (...) {
        fail(*node, nullptr);
        return false;
      }
    }
    return true;
  }

  /// Every collecting sink's messages, sorted by tag.
  void collect(Result& result) {
    for (CompiledNode* node : sinks_) {
      auto* sink = static_cast<SinkBody*>(node->body.get());
      if (sink->collects()) result.outputs.emplace(node->spec->id, sink->take());
    }
  }

  /// Runs `f` (which returns how many messages it emitted) as `node`'s body
  /// on the message tagged `*tag` (read when reporting, so `f` may point it at
  /// a group's tag). Skipped once the run has failed; an exception fails the
  /// run with the node's id, kind and tag. Observed when an observer is attached.
  template <class F>
  [[gnu::always_inline]] bool guard(CompiledNode& node, const Tag* const& tag, F&& f) {
    if (ctx_.stopping()) return false;
    if (observer_) return observed(node, tag, f);
    try {
      if (node.resources.empty()) {
        f();
      } else {
        ResourceHold hold(node.resources);
        f();
      }
      return true;
    } catch (...) {
      fail(node, tag);
      return false;
    }
  }

  void set_observer(Observer* observer, std::chrono::steady_clock::time_point start) {
    observer_ = observer;
    start_ = start;
  }

 private:
  /// A message into `node`'s join port `port` (JoinPort, in the sender's
  /// task): files it under its key, and returns the body node's task for the
  /// record when the key is complete. An arrival that leaves its key waiting
  /// is observed as a body of its own without outputs; the one that completes
  /// the key is part of the record's body (the body node's), so a join's
  /// bodies are its messages in.
  d1::graph_task* join_port_put(CompiledNode& node, std::size_t port, const Tag& in_tag, Value&& value,
                                d1::execution_data* ed, Here* here) {
    // Dropped once the run failed. A cancellation is polled by the bodies'
    // guards, not here: the sender's own body has just polled it.
    if (ctx_.failed.load(std::memory_order_acquire)) return d1::SUCCESSFULLY_ENQUEUED;
    const Tag* tag = &in_tag;
    const std::int64_t begin_ns = observer_ ? elapsed_ns() : 0;
    try {
      Value record = join_arrive(*node.join, port, in_tag, std::move(value), ctx_.open, keep_records_);
      if (!record.empty())
        return here ? node.task->run_here(*here, in_tag, std::move(record))
                    : node.task->task_for(ed, in_tag, std::move(record));
    } catch (...) {
      fail(node, tag);
      if (observer_) observe_arrival(node, tag, begin_ns, true);
      return d1::SUCCESSFULLY_ENQUEUED;
    }
    if (observer_) observe_arrival(node, tag, begin_ns, false);
    // Filed, waiting for the key's other ports. The body will run on the
    // record: fetch it now, while the other messages are on their way (in a
    // graph of many nodes it is a miss of its own, after the node's).
    prefetch_line(node.body.get());
    return d1::SUCCESSFULLY_ENQUEUED;
  }

  /// A task node's work on one message (TaskNode::Task): its output, if it
  /// has one, goes to its successors; returns the task to run next. It, and
  /// what it calls (map_step, sink_step, guard), are inlined into the task by
  /// force: GCC's own choice moved with the size of this file, and a task
  /// that called one of them out of line ran up to 30 instructions more.
  [[gnu::always_inline]] d1::graph_task* run_task(CompiledNode& n, const Message& in, d1::execution_data& ed,
                                                  Here& here) {
    if (n.task->sink()) {
      sink_step(n, in);
      return nullptr;
    }
    Message out = map_step(n, in);
    if (out.value.empty()) return nullptr;  // the body failed, or was skipped: the run is stopping
    return n.task->outlets.put(ctx_.graph, std::move(out), &ed, here);
  }

  /// A map's, or a join body's, work on one message (a join's is a record):
  /// the message out, empty when the body failed or was skipped.
  [[gnu::always_inline]] Message map_step(CompiledNode& n, const Message& in) {
    auto* body = static_cast<MapBody*>(n.body.get());  // none: a join without a body
    Message out{in.tag, Value()};
    const Tag* tag = &in.tag;
    guard(n, tag, [&]() -> std::size_t {
      out.value = body ? body->apply(in.value) : in.value;
      if (out.value.empty()) throw Error("the body returned an empty value");
      return 1;
    });
    // out, less what came in (a join's ports' messages stayed counted until
    // the record left), before `out` is put
    if (ctx_.counting()) n.added.add(in.tag.item());
    return out;
  }

  [[gnu::always_inline]] void sink_step(CompiledNode& n, const Message& in) {
    auto* body = static_cast<SinkBody*>(n.body.get());
    const Tag* tag = &in.tag;
    guard(n, tag, [&]() -> std::size_t {
      body->consume(in);
      return 0;
    });
    if (ctx_.counting()) n.consumed.remove(in.tag.item());
  }

  void observe_arrival(const CompiledNode& node, const Tag* tag, std::int64_t begin_ns, bool failed) {
    BodyEvent event;
    event.node = node.index;
    event.tag = tag;
    const int slot = tbb::this_task_arena::current_thread_index();
    event.worker = slot < 0 ? 0 : static_cast<std::size_t>(slot);
    event.begin_ns = begin_ns;
    observer_->on_begin(event);
    event.end_ns = elapsed_ns();
    event.failed = failed;
    observer_->on_end(event);
  }

  void fail(const CompiledNode& node, const Tag* tag) {
    ctx_.fail(NodeError(node.spec->id, node.kind->name, tag ? tag->to_string() : "",
                        describe_exception(std::current_exception())));
  }

  template <class F>
  bool observed(CompiledNode& node, const Tag* const& tag, F& f) {
    std::optional<ResourceHold> hold;  // waiting for a resource is not body time
    if (!node.resources.empty()) hold.emplace(node.resources);
    BodyEvent event;
    event.node = node.index;
    event.tag = tag;
    const int slot = tbb::this_task_arena::current_thread_index();
    event.worker = slot < 0 ? 0 : static_cast<std::size_t>(slot);
    event.begin_ns = elapsed_ns();
    observer_->on_begin(event);
    bool ok = true;
    try {
      event.outputs = f();
    } catch (...) {
      fail(node, tag);
      ok = false;
    }
    event.tag = tag;
    event.end_ns = elapsed_ns();
    event.failed = !ok;
    observer_->on_end(event);
    for (std::size_t i = 0; i < event.outputs; ++i)
      for (std::size_t next : successors_.of(node.index)) observer_->on_enqueue(next);
    return ok;
  }

  std::int64_t elapsed_ns() const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start_).count();
  }

  void compile(const NodeSpec& ns, CompiledNode& node) {
    node.spec = &ns;
    node.kind = validated_->kinds[node.index];  // as registry_.find(ns.kind), found once
    if (!ns.uses.empty()) {
      std::vector<Semaphore*> held;
      for (const std::string& r : ns.uses) held.push_back(semaphores_.at(r).get());
      node.resources = Held(std::move(held));
    }
    NodePlan& plan = plan_->make(node.index);
    plan.input_ports = validated_->inputs[node.index];  // a kind's dynamic_inputs is not asked again
    plan.n_inputs = plan.input_ports->size();
    if (need_predecessors_) {
      plan.flows = new (plan_->arena.allocate(sizeof(NodePlan::Flows), alignof(NodePlan::Flows)))
          NodePlan::Flows(&plan_->arena);  // never destroyed: see GraphPlan
      plan.flows->predecessors.assign(plan.n_inputs, 0);
    }
    if (!node.kind->make && node.kind->shape != Shape::kJoin)
      throw Error("kind '" + node.kind->name + "' has no factory");
    ports_at_.push_back(ports_at_.back() + plan.n_inputs);  // its types in port_types_, for make_body()
    const std::size_t concurrency = ns.ordered ? 1 : tbb_concurrency(ns.concurrency.value_or(node.kind->concurrency));
    flow::graph& g = ctx_.graph;
    CompiledNode* n = &node;
    switch (node.kind->shape) {
      case Shape::kSource: {
        node.src = std::make_unique<SourceState>();
        SourceState* src = node.src.get();
        src->window = std::make_unique<detail::Window>(
            ns.max_in_flight.value_or(spec_.max_in_flight.value_or(kDefaultMaxInFlight)));
        // The pump runs one body at a time: src's items, ended and pending
        // need no lock, and the thread that waited for the graph reads them
        // after wait_for_all(). Like an input_node it makes the next item
        // before it has a credit for it, so a stream whose items wait for its
        // end learns of the end while its window is full.
        auto pump = std::make_unique<PumpNode>(
            g, flow::serial, [this, n, src](const flow::continue_msg&, PumpNode::output_ports_type& ports) {
              auto* body = static_cast<SourceBody*>(n->body.get());
              const Tag* none = nullptr;
              while (!ctx_.stopping()) {
                if (!src->pending) {
                  if (src->ended) return;
                  Message m{Tag(src->items), Value()};
                  bool more = false;
                  if (!guard(*n, none, [&]() -> std::size_t { return (more = body->next(m.value)) ? 1 : 0; }) ||
                      !more) {
                    src->ended = true;  // or failed: then the run fails anyway
                    src->window->set_ended();
                    // the last source to end: no window needs counting any
                    // more (a sequencer's counts would: see RunContext::streaming)
                    if (ctx_.sources_running.fetch_sub(1, std::memory_order_acq_rel) == 1 && sequenced_.empty())
                      ctx_.streaming.store(false, std::memory_order_relaxed);
                    return;
                  }
                  n->added.add(src->items);
                  ++src->items;
                  src->pending = std::move(m);
                }
                if (!src->window->take()) return;  // full: retirements wake the pump again
                std::get<0>(ports).try_put(std::move(*src->pending));
                src->pending.reset();
              }
            });
        src->window->set_pump(pump.get());
        src->pump = pump.get();
        node.output = &flow::output_port<0>(*pump);
        tbb_parts(node).nodes.push_back(std::move(pump));
        break;
      }
      case Shape::kMap: {
        if (concurrency == static_cast<std::size_t>(flow::unlimited)) {
          add_task_node(node);
        } else {
          add_node_of<MapNodeOf<flow::queueing>>(node, concurrency,
                                                 [this, n](const Message& in) { return map_step(*n, in); });
        }
        break;
      }
      case Shape::kFlatMap: {
        add_node<FlatMapNodeOf>(
            node, concurrency, [this, n](const Message& in, FlatMapNode::output_ports_type& ports) {
              auto* body = static_cast<FlatMapBody*>(n->body.get());
              const bool counting = ctx_.counting();
              PortEmitter emit(std::get<0>(ports), counting ? &n->added : nullptr);
              const Tag* tag = &in.tag;
              guard(*n, tag, [&]() -> std::size_t {
                body->apply(in, emit);
                return emit.count();
              });
              if (counting) n->consumed.remove(in.tag.item());
            });
        break;
      }
      case Shape::kGather: {
        node.gather = std::make_unique<GatherState>();
        add_node<FlatMapNodeOf>(
            node, concurrency, [this, n](const Message& in, FlatMapNode::output_ports_type& ports) {
              auto* body = static_cast<GatherBody*>(n->body.get());
              const Tag* tag = &in.tag;
              const bool counting = ctx_.counting();
              Tag group;  // outlives the body: an error and the observer's on_end read it afterwards
              std::size_t parts = 0;
              guard(*n, tag, [&]() -> std::size_t {
                std::optional<std::pair<Tag, std::vector<Value>>> done = gather_arrive(*n->gather, in, ctx_.open);
                if (!done) return 0;
                group = done->first;
                parts = done->second.size();
                tag = &group;  // a failing combine is reported with the group's tag
                Value combined = body->combine(std::move(done->second));
                if (counting) n->added.add(group.item());
                std::get<0>(ports).try_put(Message{done->first, std::move(combined)});
                return 1;
              });
              if (!counting) return;
              // A group's parts stay counted until it is combined; a whole
              // stream's members are released as they arrive (held until the end).
              if (in.tag.depth() == 0)
                n->consumed.remove(in.tag.item());
              else if (parts)
                n->consumed.remove(in.tag.item(), static_cast<std::int64_t>(parts));
            });
        break;
      }
      case Shape::kJoin: {
        node.join.emplace();
        node.join->ports = join_names(*plan.input_ports);
        node.join->n_ports = static_cast<std::uint32_t>(node.join->ports.size());
        // The body node: the join's body (optional, make_body) on each complete
        // record, which the ports put to it. The ports are the inputs: braid's
        // nodes put to the task node on the port's number, a tbb node to a
        // JoinPort, made when connect() meets the first (none in a task graph).
        node.task.emplace(g, *this, node, true, false, prefetch_run());
        plan.entries.assign(plan.n_inputs, nullptr);
        break;
      }
      case Shape::kSink: {
        if (concurrency == static_cast<std::size_t>(flow::unlimited)) {
          add_task_node(node);
        } else {
          add_node_of<SinkNodeOf<flow::queueing>>(node, concurrency, [this, n](const Message& in) {
            sink_step(*n, in);
            return flow::continue_msg();
          });
        }
        break;
      }
    }
    if (ns.ordered) {  // a sequencer in front of the node's one input (validation allows no other)
      auto arrival = std::make_unique<ArrivalNode>(g, flow::unlimited, [this, n](const Message& in) {
        if (ctx_.counting())
          n->sequencer->arrive(in);
        else
          n->sequencer->pass(in);
        return flow::continue_msg();
      });
      plan.sequenced = std::exchange(plan.entries[0], arrival.get());
      tbb_parts(node).nodes.push_back(std::move(arrival));
      sequenced_.push_back(&node);  // its sequencer is made by plan_accounts()
    }
    if (node.src) sources_.push_back(&node);
    if (node.kind->shape == Shape::kSink && !node.kind->stateless) sinks_.push_back(&node);  // see commit()
    if (node.gather || node.join) holders_.push_back(&node);
    if (!node.kind->stateless) fresh_.push_back(&node);
    if (bodies_at_build_ && !body_error_) {
      try {
        make_body(node);
      } catch (NodeError& e) {  // the run fails with it, where it would have made the body
        body_error_.emplace(std::move(e));
      }
    }
    if (one_window_) {  // its accounts now, unless the source comes later
      if (node.src) {
        for (CompiledNode* before : unaccounted_) account_one_window(*before, node);
        unaccounted_ = {};
      }
      if (sources_.empty())
        unaccounted_.push_back(&node);
      else
        account_one_window(node, *sources_.front());
    }
  }

  /// `node`'s accounts in a graph whose one source is `source` (what
  /// plan_accounts() would find, without its lists): each message counts once
  /// in the source's window; a map or join adds what it puts out less what it
  /// took in, net, at once.
  void account_one_window(CompiledNode& node, const CompiledNode& source) {
    const auto fanout = static_cast<std::int64_t>(successors_.of(node.index).size());
    const auto ports = static_cast<std::int64_t>(plan(node).n_inputs);
    if (ports == 0 && node.kind->shape != Shape::kSource) return;  // reached by no message: none upstream
    const auto one = [&](std::int64_t weight) {
      return weight ? Accounts(std::array<Account, 1>{window_account(source, weight)}) : Accounts();
    };
    assign_accounts(
        node, [&] { return one(fanout - ports); }, [&] { return one(fanout); }, [&] { return one(1); }, ports > 0);
  }

  /// The one place that says which accounts a node's shape uses: a map's or
  /// join's net (`net()`), a source's, flat map's or gather's out (`out()`);
  /// a sink's, flat map's or gather's consumed on input port 0 (`in0()`,
  /// when it has an input). Each gives the Accounts, made only when used.
  template <class Net, class Out, class In0>
  static void assign_accounts(CompiledNode& node, Net net, Out out, In0 in0, bool has_input) {
    const Shape shape = node.kind->shape;
    if (shape == Shape::kMap || shape == Shape::kJoin) node.added = net();
    if (shape == Shape::kSource || shape == Shape::kFlatMap || shape == Shape::kGather) node.added = out();
    if ((shape == Shape::kSink || shape == Shape::kFlatMap || shape == Shape::kGather) && has_input)
      node.consumed = in0();
  }

  /// Adds a tbb node running `body` as `node`'s input (and output): a
  /// `Node<rejecting>` when `concurrency` is unlimited, else a `Node<queueing>`.
  template <template <class> class Node, class Body>
  void add_node(CompiledNode& node, std::size_t concurrency, Body&& body) {
    if (concurrency == static_cast<std::size_t>(flow::unlimited))
      add_node_of<Node<flow::rejecting>>(node, concurrency, std::forward<Body>(body));
    else
      add_node_of<Node<flow::queueing>>(node, concurrency, std::forward<Body>(body));
  }

  /// Whether the graph's tasks prefetch their successors' lines: only where
  /// its nodes (384 bytes each) outgrow a core's L2 cache. In a graph that
  /// fits, the lines are there already, and asking for them was 20
  /// instructions a task of a rerun's ~800 a node (1,000 nodes, callgrind).
  bool prefetch_run() const { return spec_.nodes.size() >= kPrefetchRunFrom; }
  static constexpr std::size_t kPrefetchRunFrom = 2048;  // 768 KiB of nodes

  /// Makes `node` a TaskNode (its input, and its output through its outlets).
  void add_task_node(CompiledNode& node) {
    node.task.emplace(ctx_.graph, *this, node, false, node.kind->shape == Shape::kSink, prefetch_run());
    plan(node).entries.push_back(&*node.task);
  }

  template <class N, class Body>
  void add_node_of(CompiledNode& node, std::size_t concurrency, Body&& body) {
    auto made = std::make_unique<N>(ctx_.graph, concurrency, std::forward<Body>(body));
    plan(node).entries.push_back(made.get());
    if constexpr (std::is_base_of_v<flow::sender<Message>, N>)
      node.output = made.get();  // a map
    else if constexpr (!std::is_base_of_v<flow::sender<flow::continue_msg>, N>)
      node.output = &flow::output_port<0>(*made);  // a flat map or gather
    tbb_parts(node).nodes.push_back(std::move(made));
  }

  void make_body(CompiledNode& node) {
    if (node.kind->stateless && node.body) return;  // made by an earlier run, kept
    node.body.reset();  // the last run's, before the new one exists
    if (!node.kind->make) return;  // a join without a body
    const NodeSpec& ns = *node.spec;
    try {
      // What the factory is told, made for the call (a node kept one from
      // build to teardown); its types in one list refilled per node.
      const auto types = port_types_.begin() + static_cast<std::ptrdiff_t>(ports_at_[node.index]);
      told_types_.assign(types, types + static_cast<std::ptrdiff_t>(ports_at_[node.index + 1] - ports_at_[node.index]));
      const NodeConfig config{ns.id, ns.params, told_types_, out_types_[node.index]};
      node.body = node.kind->make(config);
      if (!node.body) throw Error("the kind's factory made no body");
    } catch (...) {
      throw NodeError(ns.id, ns.kind, "", describe_exception(std::current_exception()));
    }
    if (node.kind->shape == Shape::kJoin && !is_map_body(*node.body))
      throw NodeError(ns.id, ns.kind, "", "a join kind's body must be a MapBody (applied to the record)");
    if (node.kind->stateless && node.kind->shape == Shape::kSink && static_cast<SinkBody*>(node.body.get())->collects())
      throw NodeError(ns.id, ns.kind, "", "a stateless kind's sink keeps nothing, so it cannot collect messages");
  }

  /// Whether `body` is a MapBody. A dynamic_cast per join took a quarter of
  /// making its body; the body classes found to be MapBodies are kept.
  bool is_map_body(const NodeBody& body) {
    const std::type_info* type = &typeid(body);
    if (map_bodies_.find([&](const std::type_info* known) { return *known == *type; })) return true;
    if (!dynamic_cast<const MapBody*>(&body)) return false;
    map_bodies_.keep(type);
    return true;
  }

  /// A join's field names, `names` interned: kept for the next joins named
  /// alike (a graph's joins have few lists of names between them), found
  /// without copying the names to look them up.
  FieldNames join_names(const std::vector<PortSpec>& ports) {
    const FieldNames* kept = join_names_.find([&](const FieldNames& known) {
      bool same = known.size() == ports.size();
      for (std::size_t i = 0; same && i < ports.size(); ++i) same = detail::same_text(ports[i].name, known[i]);
      return same;
    });
    if (kept) return *kept;
    std::vector<std::string> names;
    names.reserve(ports.size());
    for (const PortSpec& p : ports) names.push_back(p.name);
    return join_names_.keep(FieldNames::interned(names));
  }

  static TbbParts& tbb_parts(CompiledNode& node) {
    if (!node.tbb) node.tbb = std::make_unique<TbbParts>();
    return *node.tbb;
  }

  NodePlan& plan(std::size_t index) { return plan_->nodes[index]; }
  NodePlan& plan(const CompiledNode& node) { return plan(node.index); }
  /// Node `index`'s stream accounting (a graph that needs predecessors only).
  NodePlan::Flows& flows(std::size_t index) { return *plan(index).flows; }
  NodePlan::Flows& flows(const CompiledNode& node) { return flows(node.index); }

  /// Connects an edge from the node at index `from_index` to input port
  /// `port` of the one at `to_index` (its ends, as validating the spec found
  /// them: all exist).
  void connect(std::size_t from_index, std::size_t to_index, std::size_t port) {
    CompiledNode& from = *nodes_[from_index];
    CompiledNode& to = *nodes_[to_index];
    if (from.task) from.task->outlets.reserve(successors_.of(from_index).size());  // once, for all of them
    if (to.join && from.task) {
      from.task->outlets.add(*to.task, &*to.task, port, &*to.join);  // on the port's number
    } else {
      flow::receiver<Message>* entry = plan(to).entries.at(port);
      if (!entry) {  // a join's port fed by a tbb node: its receiver
        auto& ports = tbb_parts(to).join_ports;
        ports.push_back(std::make_unique<JoinPort>(ctx_.graph, *to.task, port));
        entry = plan(to).entries[port] = ports.back().get();
      }
      if (from.task) {
        // Most often the target's own task node (a map's or sink's), an
        // Inlet without a dynamic_cast (a tenth of connecting an edge).
        Inlet* own = to.task && entry == &*to.task ? static_cast<Inlet*>(&*to.task) : dynamic_cast<Inlet*>(entry);
        from.task->outlets.add(*entry, own, 0, nullptr);
      } else
        flow::make_edge(*from.output, *entry);
    }
    if (need_predecessors_) flows(to_index).predecessors.at(port) = from.index;
  }

  /// Which ledgers count each node's messages (stream.hpp): every source's
  /// window counts its items' messages wherever they are; an ordered node's
  /// sequencer counts those upstream of it.
  void plan_accounts() {
    for (const auto& node : nodes_) flows(*node).in.resize(plan(*node).n_inputs);
    for (std::size_t v : order_) {
      CompiledNode* node = nodes_[v];
      NodePlan::Flows& mine = flows(*node);
      std::pmr::vector<std::size_t>& sources = mine.sources;
      if (node->src) sources.push_back(node->index);
      for (std::size_t p : mine.predecessors) {
        const auto& more = flows(p).sources;
        sources.insert(sources.end(), more.begin(), more.end());
      }
      std::sort(sources.begin(), sources.end());
      sources.erase(std::unique(sources.begin(), sources.end()), sources.end());
      const auto fanout = static_cast<std::int64_t>(successors_.of(v).size());
      for (std::size_t s : sources)
        if (fanout) mine.out.push_back(window_account(*nodes_[s], fanout));
      for (std::size_t port = 0; port < mine.predecessors.size(); ++port)
        for (std::size_t s : flows(mine.predecessors[port]).sources)
          mine.in[port].push_back(window_account(*nodes_[s], 1));
    }
    for (CompiledNode* x : sequenced_) plan_sequencer(*x);
    for (const auto& node : nodes_) {
      const NodePlan::Flows& plan = flows(*node);
      assign_accounts(
          *node, [&] { return Accounts(net_of(plan)); }, [&] { return Accounts(plan.out); },
          [&] { return Accounts(plan.in[0]); }, !plan.in.empty());
    }
  }

  /// Marks the gathers fed whole items (split depth 0): each combines its
  /// whole stream once the stream has ended, an empty one included.
  void plan_depths() {
    std::vector<int> depth(nodes_.size(), 0);
    for (std::size_t v : order_) {
      CompiledNode* node = nodes_[v];
      int in = 0;
      for (std::size_t p : flows(*node).predecessors) in = std::max(in, depth[p]);
      depth[node->index] = std::max(0, in + node->kind->depth_change);  // a whole stream's gather emits depth 0
      if (node->gather && in == 0) node->gather->whole_stream = true;
    }
  }

  void plan_sequencer(CompiledNode& x) {
    // Validation allows one source upstream of an ordered node. Its window
    // keeps each item until the sequencer has delivered or skipped it (one
    // message more per item, released by the sequencer), so the window's
    // limit bounds the items held here and sizes the ring.
    CompiledNode& source = *nodes_[flows(x).sources.at(0)];
    std::pmr::vector<Account>& source_out = flows(source).out;
    detail::Window& window = *source.src->window;
    x.sequencer = std::make_unique<detail::Sequencer>(detail::ring_slots(window.limit()), *plan(x).sequenced, window);
    auto own =
        std::find_if(source_out.begin(), source_out.end(), [&](const Account& a) { return a.ledger == &window; });
    if (own == source_out.end())
      source_out.push_back(window_account(source, 1));
    else
      own->weight += 1;
    std::vector<bool> upstream(nodes_.size(), false);  // nodes whose inputs lead to x
    std::vector<std::size_t> stack{x.index};
    while (!stack.empty()) {
      std::size_t v = stack.back();
      stack.pop_back();
      for (std::size_t p : flows(v).predecessors)
        if (!upstream[p]) upstream[p] = true, stack.push_back(p);
    }
    for (std::size_t v = 0; v < nodes_.size(); ++v) {
      if (!upstream[v]) continue;
      CompiledNode& node = *nodes_[v];
      std::int64_t toward = 0;  // edges from v that stay upstream of x or reach it
      for (std::size_t w : successors_.of(v)) toward += (upstream[w] || w == x.index) ? 1 : 0;
      if (toward) flows(node).out.push_back(Account{x.sequencer.get(), toward});
      for (auto& accounts : flows(node).in) accounts.push_back(Account{x.sequencer.get(), 1});
    }
  }

  /// `weight` messages per message in `source`'s window.
  static Account window_account(const CompiledNode& source, std::int64_t weight) {
    return Account{source.src->window.get(), weight, &source.src->window->ended()};
  }

  /// A map consumes one message per message it emits, a join one per port
  /// per record: the net per ledger, added at once (one atomic, or none).
  std::pmr::vector<Account> net_of(const NodePlan::Flows& node) {
    std::pmr::vector<Account> net(node.out.begin(), node.out.end(), &plan_->arena);
    for (const auto& port : node.in)
      for (const Account& in : port) {
        auto it = std::find_if(net.begin(), net.end(), [&](const Account& a) { return a.ledger == in.ledger; });
        if (it == net.end())
          net.push_back(Account{in.ledger, -in.weight, in.ended});
        else
          it->weight -= in.weight;
      }
    net.erase(std::remove_if(net.begin(), net.end(), [](const Account& a) { return a.weight == 0; }), net.end());
    return net;
  }

  RunContext& ctx_;
  const PipelineSpec& spec_;
  const Registry& registry_;
  std::map<std::string, std::unique_ptr<Semaphore>, std::less<>> semaphores_;
  // The nodes in one block, in declaration order: a run visits them in
  // order (making bodies, releasing them), which the prefetcher follows.
  NodeArray storage_;                           // in place: a node holds its join's lock
  std::vector<CompiledNode*> nodes_;            // into storage_
  std::unique_ptr<GraphPlan> plan_;             // while build() runs
  std::optional<detail::Validated> validated_;  // until build() connected the edges
  detail::Successors successors_;               // every node's, along the edges in their order
  std::vector<std::size_t> order_;              // topological
  bool one_window_ = false;                     // one source: see account_one_window()
  bool any_gather_ = false;
  bool need_predecessors_ = true;           // NodePlan::predecessors: see build()
  // The types validation inferred (NodeConfig's): per input port, node i's
  // from ports_at_[i] to ports_at_[i + 1]; per node, its output's.
  std::vector<const Type*> port_types_;
  std::vector<std::size_t> ports_at_{0};
  std::vector<const Type*> out_types_;
  std::vector<const Type*> told_types_;     // NodeConfig::input_types of the node whose body make_body() makes
  std::vector<CompiledNode*> unaccounted_;  // compiled before the one source: accounted when it is
  // Subsets of the nodes, so that what runs after each run does not visit every node:
  std::vector<CompiledNode*> gathers_;  // in topological order
  std::vector<CompiledNode*> sources_;  // in declaration order, as the rest
  std::vector<CompiledNode*> sinks_;
  std::vector<CompiledNode*> holders_;  // gathers and joins
  std::vector<CompiledNode*> sequenced_;  // ordered nodes
  std::vector<CompiledNode*> fresh_;      // not stateless: a body made for each run
  detail::Recent<FieldNames, 4> join_names_;  // join_names()'s
  detail::Recent<const std::type_info*, 4> map_bodies_;  // is_map_body()'s
  bool stateless_made_ = false;           // every stateless kind's body made (kept from then on)
  // A graph built to run at once (braid::run): compile() makes each node's
  // body for the first run while the node's lines are in the cache (made by
  // prepare(), the bodies of a graph of 100,000 nodes cost a walk over its
  // 58 MB from memory). A factory's error waits for the run, where it would
  // have been thrown, and the bodies after it are not made.
  bool bodies_at_build_ = false;
  // A graph built to run again (a Program, not braid::run's one run) that
  // fits in a core's cache (not prefetch_run()): its joins keep their first
  // key's record for the next (JoinState). In one run a kept record only
  // moves its release to the teardown, where it is freed, not reused (a
  // 10,000-node wavefront's run took 440 instructions a node more). In a
  // bigger graph each join's record is a line of its own, read and written
  // from memory at every run (a rerun of the 99,856-node wavefront at 1
  // thread went from 0.51x raw tbb::flow's time to 0.71x), where a record
  // made anew is a block the thread freed a moment ago.
  bool keep_records_ = true;
  std::optional<NodeError> body_error_;
  Observer* observer_ = nullptr;
  std::chrono::steady_clock::time_point start_;

  friend class TaskNode;  // run_task, join_port_put
};

d1::graph_task* TaskNode::join_put(const Tag& tag, Value&& value, std::size_t port, d1::execution_data* ed,
                                   Here* here) {
  return compiler_.join_port_put(node_, port, tag, std::move(value), ed, here);
}

d1::task* TaskNode::Task::execute(d1::execution_data& ed) {
  d1::graph_task* next;
  for (;;) {
    TaskNode& node = *node_;
    if (node.prefetch_) node.outlets.prefetch();
    Here here{&message_};
    next = node.compiler_.run_task(node.node_, message_, ed, here);
    if (!here.next) break;
    // A successor took the task over: it runs that node next, and a task
    // another successor made is spawned (as combine_tasks spawns all but
    // the last).
    if (next != nullptr && next != d1::SUCCESSFULLY_ENQUEUED) d1::spawn_in_graph_arena(node.graph_, *next);
    node_ = here.next;
  }
  if (next == d1::SUCCESSFULLY_ENQUEUED)
    next = nullptr;
  else if (next)
    next = d1::prioritize_task(node_->graph_, *next);
  finish(ed);
  return next;
}

}  // namespace

static std::string cancel_reason(int code) {
  switch (code) {
    case Cancellation::kTimeout:
      return "timed out";
    case Cancellation::kRequested:
      return "cancel() was called";
    case SIGINT:
      return "interrupted (SIGINT)";
    case SIGTERM:
      return "terminated (SIGTERM)";
    default:
      return "signal " + std::to_string(code);
  }
}

std::size_t default_threads() { return static_cast<std::size_t>(tbb::info::default_concurrency()); }

struct Executor::Impl {
  explicit Impl(std::size_t n) : threads(n) {
    // oneTBB caps workers at the core count; more threads than cores
    // (oversubscription, e.g. to test determinism) lift the cap while this lives.
    if (n > default_threads()) allow.emplace(tbb::global_control::max_allowed_parallelism, n);
    arena.initialize(static_cast<int>(n));
  }
  std::size_t threads;
  std::optional<tbb::global_control> allow;
  tbb::task_arena arena;  // initialised once the cap is lifted
};

Executor::Executor(std::size_t threads) : impl_(std::make_unique<Impl>(threads ? threads : default_threads())) {}
Executor::~Executor() = default;
std::size_t Executor::threads() const noexcept { return impl_->threads; }

const Value& Result::value(std::string_view sink) const {
  auto it = outputs.find(sink);
  if (it == outputs.end()) throw Error("no output sink '" + std::string(sink) + "' in the result");
  if (it->second.size() != 1)
    throw Error("sink '" + std::string(sink) + "' received " + std::to_string(it->second.size()) +
                " messages, not one");
  return it->second.front().value;
}

namespace {
double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}
}  // namespace

struct Program::Impl {
  std::optional<PipelineSpec> copy;  // the spec, unless borrowed (braid::run)
  const PipelineSpec* spec = nullptr;
  std::optional<Executor> own;  // a Program without an executor gets one of its own
  Executor* executor = nullptr;
  // Made and destroyed inside the executor's arena: the graph belongs to the arena it was made in.
  std::unique_ptr<RunContext> ctx;  // declared before the compiler: the graph outlives the nodes
  std::unique_ptr<Compiler> compiler;
  std::mutex mutex;    // runs take turns
  bool dirty = false;  // the last run failed or was cancelled: tbb nodes may hold messages
  double validate_seconds = 0.0;
  double build_seconds = 0.0;

  /// Validates and builds; `run_next`: the graph is run once right after (braid::run).
  void compile(const Registry& registry, const RunOptions& options, bool run_next) {
    const auto start = std::chrono::steady_clock::now();
    detail::Validated validated = detail::validate_and_index(*spec, registry);
    validate_seconds = seconds_since(start);
    const auto build_start = std::chrono::steady_clock::now();
    if (options.executor && options.threads && options.threads != options.executor->threads())
      throw Error("RunOptions: threads " + std::to_string(options.threads) + " differs from the executor's " +
                  std::to_string(options.executor->threads()));
    if (!options.executor) own.emplace(options.threads ? options.threads : spec->threads);
    executor = options.executor ? options.executor : &*own;
    executor->impl_->arena.execute([&] {
      ctx = std::make_unique<RunContext>();
      compiler = std::make_unique<Compiler>(*ctx, *spec, registry, std::move(validated));
      try {
        compiler->build(run_next);
      } catch (...) {
        compiler.reset();  // inside the arena, as the graph
        ctx.reset();
        throw;
      }
    });
    build_seconds = seconds_since(build_start);
  }

  ~Impl() {
    if (!ctx) return;
    executor->impl_->arena.execute([&] {
      compiler.reset();
      ctx.reset();
    });
  }
};

Program::Program(const PipelineSpec& spec, const Registry& registry, const RunOptions& options)
    : impl_(std::make_unique<Impl>()) {
  impl_->copy.emplace(spec);
  impl_->spec = &*impl_->copy;
  impl_->compile(registry, options, false);
}

Program::Program(const PipelineSpec* borrowed, const Registry& registry, const RunOptions& options)
    : impl_(std::make_unique<Impl>()) {
  impl_->spec = borrowed;
  impl_->compile(registry, options, true);
}

Program::~Program() = default;
Program::Program(Program&&) noexcept = default;
Program& Program::operator=(Program&&) noexcept = default;

std::size_t Program::threads() const noexcept { return impl_->executor->threads(); }
double Program::validate_seconds() const noexcept { return impl_->validate_seconds; }
double Program::build_seconds() const noexcept { return impl_->build_seconds; }

Result Program::run(const RunOptions& options) {
  Impl& p = *impl_;
  if ((options.executor && options.executor != p.executor) || (options.threads && options.threads != threads()))
    throw Error("RunOptions: a Program runs on the executor and threads it was built with (" +
                std::to_string(threads()) + " threads)");
  std::lock_guard<std::mutex> turn(p.mutex);
  const auto run_start = std::chrono::steady_clock::now();
  Result result;
  result.threads = threads();
  std::optional<NodeError> error;
  std::vector<std::string> missing;
  bool cancelled = false;
  p.executor->impl_->arena.execute([&] {
    RunContext& ctx = *p.ctx;
    Compiler& compiler = *p.compiler;
    const bool clean = !p.dirty;
    if (!clean) ctx.graph.reset();  // drops what a failed run left in the nodes' queues
    p.dirty = true;
    ctx.begin(options.cancel);
    compiler.set_observer(options.observer, run_start);
    if (options.observer) options.observer->on_run_begin(*p.spec, result.threads);
    const auto build_start = std::chrono::steady_clock::now();
    struct Release {  // the bodies go with the run, whichever way it ends
      Compiler& c;
      ~Release() { c.release_bodies(); }
    } release{compiler};
    compiler.prepare(clean);
    result.build_seconds = seconds_since(build_start);
    if (!ctx.stopping()) {
      compiler.activate_sources();
      ctx.graph.wait_for_all();
      while (!ctx.stopping() && compiler.nudge()) ctx.graph.wait_for_all();
    }
    const std::vector<std::string> stalled = ctx.stopping() ? std::vector<std::string>{} : compiler.stalled();
    ctx.streaming.store(false);
    for (CompiledNode* node : compiler.gathers()) {
      if (ctx.stopping() || !stalled.empty()) break;  // a stalled stream is not whole: nothing to settle
      if (compiler.settle_stream_gather(*node)) ctx.graph.wait_for_all();
    }
    if (!ctx.stopping()) {
      missing = compiler.incomplete();
      missing.insert(missing.end(), stalled.begin(), stalled.end());
      if (missing.empty() && compiler.commit()) compiler.collect(result);
    }
    cancelled = ctx.cancelled.load();
    if (ctx.failed.load() && !cancelled) error = ctx.error;
    p.dirty = ctx.failed.load() || !missing.empty();
  });
  result.seconds = seconds_since(run_start);
  if (options.observer) options.observer->on_run_end(result.seconds);
  if (cancelled) throw CancelledError(cancel_reason(options.cancel->code()));
  if (error) throw *error;
  if (!missing.empty()) throw IncompleteError(std::move(missing));
  return result;
}

Result run(const PipelineSpec& spec, const Registry& registry, const RunOptions& options) {
  Program program(&spec, registry, options);  // validates and builds; borrows the spec
  Result result = program.run(options);
  result.validate_seconds = program.validate_seconds();
  result.build_seconds += program.build_seconds();
  result.seconds += program.build_seconds();
  return result;
}
namespace {
/// JSON text with ", " and ": " separators at every level, on one line.
void write_spaced(const nlohmann::json& j, std::string& out) {
  if (j.is_object()) {
    out += '{';
    bool first = true;
    for (const auto& [key, value] : j.items()) {
      if (!first) out += ", ";
      first = false;
      out += nlohmann::json(key).dump() + ": ";
      write_spaced(value, out);
    }
    out += '}';
  } else if (j.is_array()) {
    out += '[';
    for (std::size_t i = 0; i < j.size(); ++i) {
      if (i) out += ", ";
      write_spaced(j[i], out);
    }
    out += ']';
  } else {
    out += j.dump();
  }
}

nlohmann::json encode(const Value& v) {
  nlohmann::json j;
  if (!v.empty()) v.type()->encode(v, j);
  return j;
}
}  // namespace

std::string outputs_to_json_text(const Result& result, const std::vector<std::string>& sinks) {
  std::vector<std::string> keys = sinks;
  if (keys.empty())
    for (const auto& [name, messages] : result.outputs) keys.push_back(name);
  std::string out = "{";
  for (const std::string& key : keys) {
    auto it = result.outputs.find(key);
    if (it == result.outputs.end()) throw Error("no output sink '" + key + "' in the result");
    nlohmann::json value;
    const std::vector<Message>& messages = it->second;
    try {
      if (messages.size() == 1) {
        value = encode(messages.front().value);
      } else {
        value = nlohmann::json::array();
        for (const Message& m : messages) value.push_back(encode(m.value));
      }
    } catch (const TypeError& e) {  // a type without codec: say which output
      throw TypeError("output '" + key + "': " + e.what());
    }
    if (out.size() > 1) out += ", ";
    out += nlohmann::json(key).dump() + ": ";
    write_spaced(value, out);
  }
  return out + "}";
}

}  // namespace braid
