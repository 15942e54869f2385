#pragma once
/// \file
/// The errors braid throws. Each has a stable code and an exact message that
/// starts with where the problem is; tests assert the text.
///
/// ```cpp
/// try {
///   braid::run(spec, registry);
/// } catch (const braid::SpecError& e) {      // invalid pipeline: nothing ran
///   for (const auto& p : e.problems()) std::cerr << p.to_string() << '\n';
/// } catch (const braid::NodeError& e) {      // a node threw while running
///   std::cerr << e.what() << '\n';           // node 'partial' (reduce.sum) failed on tag 0:3/4: ...
/// }
/// ```
///
/// Every error derives from braid::Error (a std::runtime_error). An error is
/// an immutable value once thrown: copy it, keep it, read it from any thread.
/// Catch braid::Error to catch them all; code that must tell failures apart
/// catches the derived types, not what() text.
#include <stdexcept>
#include <string>
#include <vector>

namespace braid {

/// Base of every braid error.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A value of one type was used where another was required, or a type is unknown.
class TypeError : public Error {
 public:
  using Error::Error;
};

/// One problem found in a pipeline: where (a JSON pointer into the pipeline
/// document, "" for the document itself), a stable code, and a message.
struct Problem {
  std::string pointer;  ///< e.g. "/nodes/split/params/chunks"
  std::string code;     ///< stable id, e.g. "bad-param"; see DESIGN.md / README
  std::string message;  ///< e.g. "must be a positive integer or \"auto\", got -3"

  /// "pointer: message" (or just the message when pointer is empty).
  std::string to_string() const;
  /// Equal when pointer, code and message are all equal.
  bool operator==(const Problem& o) const {
    return pointer == o.pointer && code == o.code && message == o.message;
  }
};

/// A pipeline that cannot run: malformed JSON, or a spec that fails validation.
/// Carries every problem found, in document order; what() lists them one per line.
class SpecError : public Error {
 public:
  /// An error carrying `problems` (normally non-empty), in the order given.
  explicit SpecError(std::vector<Problem> problems);
  /// Every problem found, in document order; lives as long as the error.
  const std::vector<Problem>& problems() const noexcept { return problems_; }

 private:
  std::vector<Problem> problems_;
};

/// A node's body threw while the pipeline ran. The run was cancelled.
class NodeError : public Error {
 public:
  /// what() is "node 'NODE' (KIND) failed on tag TAG: CAUSE" (without
  /// " on tag TAG" when `tag` is empty).
  NodeError(std::string node, std::string kind, std::string tag, std::string cause);
  /// The id of the node that failed.
  const std::string& node() const noexcept { return node_; }
  /// The node's kind name.
  const std::string& kind() const noexcept { return kind_; }
  /// The tag of the message being processed, as Tag::to_string() writes it ("" for a source).
  const std::string& tag() const noexcept { return tag_; }
  /// The original exception's what().
  const std::string& cause() const noexcept { return cause_; }

 private:
  std::string node_, kind_, tag_, cause_;
};

/// The run ended without a node failing but with results that cannot be
/// complete: a gather group or a join key that never completed. Lists what is missing.
class IncompleteError : public Error {
 public:
  /// `missing`: one line per group or key that never completed. what() is
  /// "the run ended with incomplete results:" then each line, indented.
  explicit IncompleteError(std::vector<std::string> missing);
  /// What never completed, one description per gather group or join key.
  const std::vector<std::string>& missing() const noexcept { return missing_; }

 private:
  std::vector<std::string> missing_;
};

/// The run was cancelled from outside (braid::Cancellation: another thread, a
/// signal, a timeout) before it finished. Nothing it wrote was made visible.
class CancelledError : public Error {
 public:
  /// `reason`: what cancelled it, e.g. "interrupted (SIGINT)".
  explicit CancelledError(std::string reason);
  /// What cancelled the run, as given to the constructor.
  const std::string& reason() const noexcept { return reason_; }

 private:
  std::string reason_;
};

}  // namespace braid
