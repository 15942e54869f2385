#pragma once
/// \file
/// Pipeline JSON (format version 1, see docs/format.md) <-> PipelineSpec.
///
/// ```cpp
/// braid::PipelineSpec spec = braid::load_spec_file("pipelines/seed.json");  // structure only
/// braid::validate(spec, registry);                                          // against kinds
/// ```
///
/// Loading reports every structural problem at once (malformed JSON with its
/// line and column, wrong types, unknown keys, bad ids, bad edge strings) as a
/// braid::SpecError whose problems carry JSON pointers into the document.
///
/// Documents are nlohmann::ordered_json, so that nodes keep the order in which
/// they were written (problems are reported in that order, and a spec written
/// out and read back is the same spec). nlohmann::json converts to and from it
/// implicitly; a plain nlohmann::json orders keys by name. This header
/// declares them only (`<nlohmann/json_fwd.hpp>`): include
/// `<nlohmann/json.hpp>` to use the documents the functions take or return.
///
/// Every function here is thread-safe (none has shared state) and reentrant.
#include <braid/spec.hpp>

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace braid {

/// The newest pipeline format version this braid reads.
inline constexpr int kFormatVersion = 1;

/// Parses JSON text, keeping object keys in document order and refusing
/// duplicate keys and nesting deeper than 256 levels. Throws braid::SpecError
/// ("line L, column C: malformed JSON: ...") on bad syntax.
nlohmann::ordered_json parse_json_text(std::string_view text);

/// Reads the whole file at `path`. Throws braid::SpecError if it cannot be read.
std::string read_text_file(const std::string& path);

/// Turns a parsed pipeline document into a spec, appending each structural
/// problem to `problems` and skipping what it cannot read.
/// Never throws for a bad document (every problem lands in `problems`, in
/// document order); the spec is not validated against any registry.
PipelineSpec spec_from_json(const nlohmann::ordered_json& document, std::vector<Problem>& problems);

/// Parses and converts; throws braid::SpecError with every structural problem.
PipelineSpec load_spec(std::string_view json_text);
/// load_spec() of a file's contents; an unreadable file is a SpecError too.
PipelineSpec load_spec_file(const std::string& path);

/// Parses, converts and validates against `registry`, throwing one
/// braid::SpecError with the structural and the validation problems together,
/// in document order, leaving out validation problems that only echo a
/// structural one.
PipelineSpec load_valid_spec(std::string_view json_text, const Registry& registry);
/// load_valid_spec() of a parsed document (as the CLI has after --set).
PipelineSpec valid_spec_from_json(const nlohmann::ordered_json& document, const Registry& registry);

/// The spec as a version-1 JSON document. spec_from_json(spec_to_json(s)) equals s
/// (edges written one per string, with explicit ports where they were given).
nlohmann::ordered_json spec_to_json(const PipelineSpec& spec);

}  // namespace braid
