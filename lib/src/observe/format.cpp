// Text helpers shared by the observers' reports.
#include "observe/format.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace braid::observe {

std::string duration_text(double seconds) {
  char text[64];
  const double s = std::isfinite(seconds) ? seconds : 0.0;
  if (s >= 1.0) {
    std::snprintf(text, sizeof text, "%.2f s", s);
  } else if (s >= 1e-3) {
    std::snprintf(text, sizeof text, "%.2f ms", s * 1e3);
  } else if (s >= 1e-6) {
    std::snprintf(text, sizeof text, "%.2f us", s * 1e6);
  } else {
    std::snprintf(text, sizeof text, "%.0f ns", s * 1e9);
  }
  return text;
}

std::string json_number(double x) { return std::isfinite(x) ? nlohmann::json(x).dump() : "0"; }

std::string json_string(const std::string& s) {
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string table_text(const std::vector<std::vector<std::string>>& rows, std::size_t gap) {
  std::vector<std::size_t> width;
  for (const auto& row : rows) {
    if (width.size() < row.size()) width.resize(row.size(), 0);
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      const std::string pad(width[c] - row[c].size(), ' ');
      if (c) line += std::string(gap, ' ');
      line += c < 2 ? row[c] + pad : pad + row[c];
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + '\n';
  }
  return out;
}

}  // namespace braid::observe
