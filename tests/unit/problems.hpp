// Test helpers shared by the spec-layer tests: problems rendered as text, so a
// failing CHECK shows every problem at once.
#pragma once

#include <braid/error.hpp>

#include <initializer_list>
#include <string>
#include <vector>

namespace braid_test {

/// One problem per line, "[code] pointer: message".
inline std::string render(const std::vector<braid::Problem>& problems) {
  std::string out;
  for (const braid::Problem& p : problems) out += "[" + p.code + "] " + p.to_string() + "\n";
  return out;
}

/// The items, one per line.
inline std::string lines(std::initializer_list<const char*> items) {
  std::string out;
  for (const char* s : items) out += std::string(s) + "\n";
  return out;
}

}  // namespace braid_test
