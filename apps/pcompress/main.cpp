// pcompress: parallel zstd compression with braid. The braid command line plus
// four kinds of its own (zstd_kinds.hpp).
//
// Compress (pipelines/compress.json): the file is read lazily in blocks, each
// block becomes one independent zstd frame in parallel, and the frames are
// written in block order; `zstd -d` reads the result.
//
//                            ┌─> compress (block 0) ─┐
//   input ──> block 0, 1, .. ├─> compress (block 1) ─┼─> output (ordered)   input.zst
//   (source.blocks)          └─> compress (block k) ─┘   (sink.file, raw)
//
// Decompress (pipelines/decompress.json): the frames of a .zst file (ours,
// pzstd's, or zstd's single frame) are decompressed in parallel, frame by frame.
//
//                            ┌─> decompress (frame 0) ─┐
//   input ──> frame 0, 1, .. ├─> decompress (frame 1) ─┼─> output (ordered)   input
//   (zstd.frames)            └─> decompress (frame k) ─┘   (sink.file, raw)
//
//   ./pcompress run pipelines/compress.json --set input.path=big.log --set output.path=big.log.zst
//   ./pcompress run pipelines/decompress.json --set input.path=big.log.zst --set output.path=big.log
//
// At most max_in_flight blocks are inside the graph at once (backpressure), the
// ordered sink puts them back in order, and the output file appears only when
// the whole run succeeded.
#include <braid/braid.hpp>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "cli.hpp"
#include "zstd_kinds.hpp"

int main(int argc, char** argv) {
#if defined(__GLIBC__)
  // Blocks of megabytes are allocated and freed by the thousand. By default
  // glibc maps each one afresh and unmaps it when freed, so every block costs
  // page faults and zero-filling (half the time of a decompression). Keep
  // freed blocks in the heap for the next ones instead; memory stays bounded
  // by the max_in_flight blocks in the graph.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
  braid::Registry registry;
  braid::register_builtin_kinds(registry);
  pcompress::add_kinds(registry);
  return braid::cli::main(argc, argv, registry, "pcompress");
}
