#pragma once
// The errors braid throws. Each has a stable code and an exact message that
// starts with where the problem is; tests assert the text.
//
//   try {
//     braid::run(spec, registry);
//   } catch (const braid::SpecError& e) {      // invalid pipeline: nothing ran
//     for (const auto& p : e.problems()) std::cerr << p.to_string() << '\n';
//   } catch (const braid::NodeError& e) {      // a node threw while running
//     std::cerr << e.what() << '\n';           // node 'partial' (reduce.sum) failed on tag 0:3/4: ...
//   }
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
  bool operator==(const Problem& o) const {
    return pointer == o.pointer && code == o.code && message == o.message;
  }
};

/// A pipeline that cannot run: malformed JSON, or a spec that fails validation.
/// Carries every problem found, in document order; what() lists them one per line.
class SpecError : public Error {
 public:
  explicit SpecError(std::vector<Problem> problems);
  const std::vector<Problem>& problems() const noexcept { return problems_; }

 private:
  std::vector<Problem> problems_;
};

/// A node's body threw while the pipeline ran. The run was cancelled.
class NodeError : public Error {
 public:
  NodeError(std::string node, std::string kind, std::string tag, std::string cause);
  const std::string& node() const noexcept { return node_; }
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
  explicit IncompleteError(std::vector<std::string> missing);
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
  const std::string& reason() const noexcept { return reason_; }

 private:
  std::string reason_;
};

}  // namespace braid
