#pragma once
// The kinds of pcompress: zstd compression of a stream of blocks, one
// independent frame per block, and the reverse, frame by frame.
//
//   braid::Registry registry;
//   braid::register_builtin_kinds(registry);
//   pcompress::add_kinds(registry);   // zstd.compress, zstd.frames, zstd.decompress
//
// Every frame is a standard zstd frame (content size in the header, XXH64
// checksum at the end): `zstd -d` reads the concatenation, and so does
// zstd.frames → zstd.decompress, in parallel.
#include <braid/registry.hpp>

namespace pcompress {

/// Adds zstd.compress, zstd.frames and zstd.decompress (compress.json reads
/// its input with the built-in source.blocks, "empty_block": true).
void add_kinds(braid::Registry& registry);

}  // namespace pcompress
