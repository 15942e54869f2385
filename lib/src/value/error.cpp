// Error types and their messages.
#include <braid/error.hpp>

namespace braid {
namespace {
template <class Items, class Format>
std::string join_lines(const Items& items, Format format) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += '\n';
    out += format(item);
  }
  return out;
}
}  // namespace

std::string Problem::to_string() const { return pointer.empty() ? message : pointer + ": " + message; }

SpecError::SpecError(std::vector<Problem> problems)
    : Error(join_lines(problems, [](const Problem& p) { return p.to_string(); })),
      problems_(std::move(problems)) {}

NodeError::NodeError(std::string node, std::string kind, std::string tag, std::string cause)
    : Error("node '" + node + "' (" + kind + ") failed" + (tag.empty() ? "" : " on tag " + tag) + ": " + cause),
      node_(std::move(node)),
      kind_(std::move(kind)),
      tag_(std::move(tag)),
      cause_(std::move(cause)) {}

IncompleteError::IncompleteError(std::vector<std::string> missing)
    : Error("the run ended with incomplete results:\n" +
            join_lines(missing, [](const std::string& s) { return "  " + s; })),
      missing_(std::move(missing)) {}

CancelledError::CancelledError(std::string reason)
    : Error("the run was cancelled: " + reason), reason_(std::move(reason)) {}

}  // namespace braid
