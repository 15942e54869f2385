// Streams inside the runtime: per source item, how many of its messages are
// still alive in some part of the graph.
//
//   source pump ──> ... nodes ... ──> sequencer ──> ordered node
//      ▲                                (holds items until complete here)
//      └── Window: item k retired (no message of it left) -> one more credit
//
// A Ledger counts, for each source item, the messages alive in the part of the
// graph it watches. Producers add before they put a message and consumers
// subtract after they are done with it, so a count reaches zero once, when the
// last message of the item has left that part. A source never has more than
// its window's items in flight, so the counts live in a ring of slots (item k
// in slot k & mask), each back at zero before it is reused.
//   - A Window watches the whole graph for one source: its zeros retire items,
//     oldest first, each giving the source's pump a credit for one more item,
//     so at most max_in_flight items are ever inside.
//   - A Sequencer watches the part upstream of an ordered node: when an item
//     reaches zero there, all its messages that will ever arrive have arrived,
//     and items are released to the node in item order, each sorted by tag.
//     The source's window holds each item until it is released here, so the
//     window bounds the items a sequencer holds too.
#pragma once

#include <braid/message.hpp>

#include <oneapi/tbb/flow_graph.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <vector>

namespace braid::detail {

/// Slots for a window of `limit` items: a power of two above limit + 1 (the
/// source's pump holds one item more, made before it has a credit for it).
inline std::size_t ring_slots(std::size_t limit) {
  std::size_t slots = 2;
  while (slots < limit + 2) slots <<= 1;
  return slots;
}

class Ledger {
 public:
  explicit Ledger(std::size_t slots)
      : mask_(slots - 1), spread_(spread_shift(slots)), counts_(new std::atomic<std::int64_t>[slots]) {
    for (std::size_t i = 0; i < slots; ++i) counts_[i].store(0, std::memory_order_relaxed);
  }
  virtual ~Ledger() = default;
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  /// Back to no message of any item, for the next run of a compiled graph.
  virtual void reset() {
    for (std::size_t i = 0; i <= mask_; ++i) counts_[i].store(0, std::memory_order_relaxed);
  }

  /// Adds `delta` messages of `item`; calls on_zero when none is left.
  void add(std::uint64_t item, std::int64_t delta) {
    if (count(item).fetch_add(delta, std::memory_order_acq_rel) + delta == 0) on_zero(item);
  }

 protected:
  /// Every message of `item` has left the watched part of the graph.
  virtual void on_zero(std::uint64_t item) = 0;
  std::size_t slot(std::uint64_t item) const { return static_cast<std::size_t>(item & mask_); }
  std::size_t slots() const { return mask_ + 1; }
  /// `item`'s count. Consecutive items are in flight on different threads at
  /// once, so their counts lie in different cache lines (eight to a line):
  /// the slot's bits rotated by three, items slots / 8 apart sharing a line.
  std::atomic<std::int64_t>& count(std::uint64_t item) {
    const std::size_t k = slot(item);
    return counts_[spread_ ? ((k << 3) & mask_) | (k >> spread_) : k];
  }

 private:
  /// log2(slots) - 3 for a ring of 16 slots or more, else 0 (no rotation).
  static unsigned spread_shift(std::size_t slots) {
    unsigned bits = 0;
    while ((std::size_t{1} << bits) < slots) ++bits;
    return bits >= 4 ? bits - 3 : 0;
  }

  std::uint64_t mask_;
  unsigned spread_;
  std::unique_ptr<std::atomic<std::int64_t>[]> counts_;
};

/// Bounds one source's items in flight: the source's pump takes a credit per
/// item it emits (take()), and the window gives credits back as items retire,
/// oldest first, waking the pump. It gives them back in batches of a few
/// (limit / 8): each wake-up is a task that runs the pump, so one per item
/// doubled the cost of a small message. Held-back retirements only lower the
/// bound for a while (to at least limit * 7 / 8).
///
/// Retiring takes no lock that anyone waits for: the thread whose message was
/// an item's last marks the item's count retired, and whichever thread holds
/// the `advancing_` flag moves the head over every marked item; a thread that
/// finds the flag taken leaves its mark to the holder, which looks again after
/// letting go (so no mark is left behind). The pump keeps the credits it took
/// to itself. With one spin lock and one shared credit count, a stream of
/// small items on 16 threads spent its time handing those lines around.
class Window final : public Ledger {
 public:
  explicit Window(std::size_t limit)
      : Ledger(ring_slots(limit)),
        limit_(limit),
        batch_(std::max<std::uint64_t>(1, limit / 8)),
        credits_(static_cast<long long>(limit)) {}
  std::size_t limit() const { return limit_; }
  /// Where a batch of credits given back sends its wake-up.
  void set_pump(tbb::flow::receiver<tbb::flow::continue_msg>* pump) { pump_ = pump; }

  /// The source said there is no more: from now on its items need no
  /// credits, so nodes may stop counting their messages here (Account::ended).
  void set_ended() { ended_.store(true, std::memory_order_release); }
  /// Set by set_ended(), cleared by reset().
  const std::atomic<bool>& ended() const { return ended_; }

  void reset() override {
    Ledger::reset();
    ended_.store(false, std::memory_order_relaxed);
    credits_.store(static_cast<long long>(limit_), std::memory_order_relaxed);
    taken_ = 0;
    head_.store(0, std::memory_order_relaxed);
  }

  /// Takes a credit for one more item; false when the window is full. Only
  /// the pump takes (one body at a time).
  bool take() {
    if (taken_ == 0) taken_ = credits_.exchange(0, std::memory_order_acquire);
    if (taken_ == 0) return false;
    --taken_;
    return true;
  }

 private:
  static constexpr std::int64_t kRetired = std::numeric_limits<std::int64_t>::min();

  void on_zero(std::uint64_t item) override {
    // Nothing else touches a count at zero until its slot is reused, which
    // waits for the head to pass it.
    count(item).store(kRetired, std::memory_order_seq_cst);
    do {
      if (advancing_.exchange(true, std::memory_order_seq_cst)) return;  // the holder will see the mark
      std::uint64_t head = head_.load(std::memory_order_relaxed);
      long long advanced = 0;
      while (count(head).load(std::memory_order_seq_cst) == kRetired) {
        count(head).store(0, std::memory_order_relaxed);  // free for item head + slots
        if (++head % batch_ == 0) advanced += static_cast<long long>(batch_);
      }
      head_.store(head, std::memory_order_relaxed);
      advancing_.store(false, std::memory_order_seq_cst);
      if (advanced) {
        credits_.fetch_add(advanced, std::memory_order_release);
        pump_->try_put(tbb::flow::continue_msg());  // queued behind a running pump: no wake-up is lost
      }
      // A mark made while the flag was held: its thread left it to us.
    } while (count(head_.load(std::memory_order_relaxed)).load(std::memory_order_seq_cst) == kRetired);
  }

  std::size_t limit_;
  std::uint64_t batch_;  // retirements given back at once
  tbb::flow::receiver<tbb::flow::continue_msg>* pump_ = nullptr;
  std::atomic<bool> ended_{false};
  long long taken_ = 0;                         // credits the pump took and has not used yet (the pump's own)
  alignas(64) std::atomic<long long> credits_;  // given back, not yet taken
  alignas(64) std::atomic<bool> advancing_{false};
  std::atomic<std::uint64_t> head_{0};  // the oldest item not yet retired; written under advancing_
};

/// Delivers the messages arriving at an ordered node in tag order: holds each
/// item's messages until every earlier item has been delivered and the item
/// itself is complete here.
///
/// Its source's window counts one more message per item for it (Compiler::
/// plan_sequencer), released here when the item has been delivered or skipped.
/// Without it an item dropped upstream (a filter) retired at once, the source
/// ran past an item still waiting for an earlier one, and the window no longer
/// bounded the items held here: two items shared a slot and the stream stalled.
class Sequencer final : public Ledger {
 public:
  Sequencer(std::size_t slots, tbb::flow::receiver<Message>& target, Ledger& window)
      : Ledger(slots), target_(target), window_(window), held_(slots), complete_(slots, false) {}

  void reset() override {
    Ledger::reset();
    for (auto& h : held_) h.clear();
    std::fill(complete_.begin(), complete_.end(), false);
    next_ = 0;
  }

  /// A message reached the node: held until its turn.
  void arrive(const Message& m) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      held_[slot(m.tag.item())].push_back(m);
    }
    add(m.tag.item(), -1);
  }

  /// After the sources ended (a whole stream's gather result): straight through.
  void pass(const Message& m) { target_.try_put(m); }

 private:
  void on_zero(std::uint64_t item) override {
    std::uint64_t first = 0;
    std::uint64_t last = 0;  // items [first, last) delivered by this call
    {
      std::lock_guard<std::mutex> lock(mutex_);  // held while putting: puts stay in order
      complete_[slot(item)] = true;
      first = next_;
      while (complete_[slot(next_)]) {
        std::vector<Message>& held = held_[slot(next_)];
        std::sort(held.begin(), held.end(), [](const Message& a, const Message& b) { return a.tag < b.tag; });
        for (const Message& m : held) target_.try_put(m);
        held.clear();
        complete_[slot(next_)] = false;
        ++next_;
      }
      last = next_;
    }
    for (std::uint64_t k = first; k < last; ++k) window_.add(k, -1);  // the window may retire them now
  }

  tbb::flow::receiver<Message>& target_;
  Ledger& window_;  // the source's
  std::mutex mutex_;
  std::vector<std::vector<Message>> held_;
  std::vector<bool> complete_;
  std::uint64_t next_ = 0;  // the next item to deliver
};

}  // namespace braid::detail
