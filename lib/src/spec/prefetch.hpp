// Private: a prefetch the compiler keeps, for the layers that walk big
// graphs (validation's index, the runtime's build and its messages).
#pragma once

namespace braid::detail {

/// Asks the cache for the line at `p`, as __builtin_prefetch(p), but in an
/// instruction of its own on x86, which the compiler keeps: GCC 12 deleted
/// every __builtin_prefetch of the runtime's Outlets::prefetch (the group of
/// a line prefetched only where a field said so, beside two prefetched
/// always: a test case of five lines loses all three), so a task graph's
/// messages found their successors' lines in memory when they came: a
/// 100,000-node wavefront's rerun at 1 thread took 30 to 35 ms, and 17 to 26
/// with them. Every prefetch of the library goes through here. `p` may be
/// any address, null included: a prefetch never faults, and the address is
/// passed, not dereferenced.
inline void prefetch_line(const void* p) {
#if defined(__x86_64__) || defined(__i386__)
  asm volatile("prefetcht0 (%0)" ::"r"(p));
#else
  __builtin_prefetch(p);
#endif
}

}  // namespace braid::detail
