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
#include <oneapi/tbb/spin_mutex.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
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
  explicit Ledger(std::size_t slots) : mask_(slots - 1), counts_(new std::atomic<std::int64_t>[slots]) {
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
    if (counts_[item & mask_].fetch_add(delta, std::memory_order_acq_rel) + delta == 0) on_zero(item);
  }

 protected:
  /// Every message of `item` has left the watched part of the graph.
  virtual void on_zero(std::uint64_t item) = 0;
  std::size_t slot(std::uint64_t item) const { return static_cast<std::size_t>(item & mask_); }
  std::size_t slots() const { return mask_ + 1; }

 private:
  std::uint64_t mask_;
  std::unique_ptr<std::atomic<std::int64_t>[]> counts_;
};

/// Bounds one source's items in flight: the source's pump takes a credit per
/// item it emits (take()), and the window gives credits back as items retire,
/// oldest first, waking the pump. It gives them back in batches of a few
/// (limit / 8): each wake-up is a task that runs the pump, so one per item
/// doubled the cost of a small message. Held-back retirements only lower the
/// bound for a while (to at least limit * 7 / 8).
class Window final : public Ledger {
 public:
  explicit Window(std::size_t limit)
      : Ledger(ring_slots(limit)),
        limit_(limit),
        batch_(static_cast<long long>(std::max<std::size_t>(1, limit / 8))),
        credits_(static_cast<long long>(limit)),
        retired_(slots()) {
    for (auto& r : retired_) r.store(false, std::memory_order_relaxed);
  }
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
    for (auto& r : retired_) r.store(false, std::memory_order_relaxed);
    credits_.store(static_cast<long long>(limit_), std::memory_order_relaxed);
    held_ = 0;
    head_ = 0;
  }

  /// Takes a credit for one more item; false when the window is full. Only
  /// the pump takes (one body at a time).
  bool take() {
    if (credits_.load(std::memory_order_acquire) <= 0) return false;
    credits_.fetch_sub(1, std::memory_order_acq_rel);
    return true;
  }

 private:
  void on_zero(std::uint64_t item) override {
    retired_[slot(item)].store(true, std::memory_order_release);
    long long advanced = 0;
    {
      std::lock_guard<tbb::spin_mutex> lock(mutex_);
      while (retired_[slot(head_)].load(std::memory_order_acquire)) {
        retired_[slot(head_)].store(false, std::memory_order_relaxed);
        ++head_;
        ++held_;
      }
      if (held_ >= batch_) std::swap(advanced, held_);
    }
    if (advanced) {
      credits_.fetch_add(advanced, std::memory_order_acq_rel);
      pump_->try_put(tbb::flow::continue_msg());  // queued behind a running pump: no wake-up is lost
    }
  }

  std::size_t limit_;
  long long batch_;     // retirements given back at once
  long long held_ = 0;  // retired, not yet given back (fewer than batch_)
  std::atomic<long long> credits_;
  std::atomic<bool> ended_{false};
  tbb::flow::receiver<tbb::flow::continue_msg>* pump_ = nullptr;
  std::vector<std::atomic<bool>> retired_;
  tbb::spin_mutex mutex_;
  std::uint64_t head_ = 0;  // the oldest item not yet retired
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
