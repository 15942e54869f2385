// Text helpers shared by the observers' reports: durations for people, JSON
// scalars, aligned tables.
#pragma once

#include <string>
#include <vector>

namespace braid::observe {

/// "850 ns", "12.3 us", "4.56 ms", "1.23 s": three significant digits or so.
std::string duration_text(double seconds);

/// A JSON number: the shortest text that reads back as `x`; 0 for NaN or infinity.
std::string json_number(double x);

/// A JSON string literal, quoted and escaped.
std::string json_string(const std::string& s);

/// Rows as columns separated by `gap` spaces; the first two columns aligned
/// left, the others right; one line per row, each ending with a newline.
std::string table_text(const std::vector<std::vector<std::string>>& rows, std::size_t gap);

}  // namespace braid::observe
