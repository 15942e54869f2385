#include "logparse.hpp"

#include <cstddef>

namespace logstats {
namespace {

bool blank(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }
bool digit(char c) noexcept { return c >= '0' && c <= '9'; }

/// Reads the lines of the format left to right; each method consumes what it
/// matched or returns false.
class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}

  bool at_end() const noexcept { return i_ == s_.size(); }

  /// A non-empty run of non-blank bytes, stopping before `stop` too (when not '\0').
  bool word(std::string_view& out, char stop = '\0') {
    const std::size_t start = i_;
    while (i_ < s_.size() && !blank(s_[i_]) && (stop == '\0' || s_[i_] != stop)) ++i_;
    out = s_.substr(start, i_ - start);
    return i_ > start;
  }

  bool literal(char c) {
    if (i_ >= s_.size() || s_[i_] != c) return false;
    ++i_;
    return true;
  }

  /// Everything up to (not including) the next `c`, which is consumed.
  bool until(char c, std::string_view& out) {
    const std::size_t end = s_.find(c, i_);
    if (end == std::string_view::npos) return false;
    out = s_.substr(i_, end - i_);
    i_ = end + 1;
    return true;
  }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
};

bool starts_with(std::string_view s, std::string_view prefix) noexcept {
  return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

/// METHOD SP TARGET SP PROTOCOL: the endpoint, or nothing.
std::optional<std::string_view> endpoint_of(std::string_view request) {
  Cursor c(request);
  std::string_view method, target, protocol;
  if (!c.word(method) || !c.literal(' ') || !c.word(target) || !c.literal(' ') || !c.word(protocol) || !c.at_end())
    return std::nullopt;
  if (target[0] != '/' || !starts_with(protocol, "HTTP/")) return std::nullopt;
  return target.substr(0, target.find('?'));
}

}  // namespace

std::optional<Request> parse_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  Cursor c(line);
  std::string_view host, ident, user, date, request, status, bytes;
  if (!c.word(host) || !c.literal(' ') || !c.word(ident) || !c.literal(' ') || !c.word(user) || !c.literal(' ') ||
      !c.literal('[') || !c.until(']', date) || !c.literal(' ') || !c.literal('"') || !c.until('"', request) ||
      !c.literal(' ') || !c.word(status) || !c.literal(' ') || !c.word(bytes))
    return std::nullopt;
  if (!c.at_end() && !c.literal(' ')) return std::nullopt;
  const std::optional<std::string_view> endpoint = endpoint_of(request);
  if (!endpoint) return std::nullopt;
  if (status.size() != 3 || status[0] < '1' || status[0] > '5' || !digit(status[1]) || !digit(status[2]))
    return std::nullopt;
  Request r;
  r.status = (status[0] - '0') * 100 + (status[1] - '0') * 10 + (status[2] - '0');
  if (bytes != "-") {
    if (bytes.size() > 18) return std::nullopt;
    for (char ch : bytes) {
      if (!digit(ch)) return std::nullopt;
      r.bytes = r.bytes * 10 + (ch - '0');
    }
  }
  r.endpoint = std::string(*endpoint);
  return r;
}

ParsedBatch parse_batch(const std::vector<std::string>& lines) {
  ParsedBatch batch;
  batch.requests.reserve(lines.size());
  for (const std::string& line : lines) {
    if (std::optional<Request> r = parse_line(line)) {
      batch.requests.push_back(std::move(*r));
    } else {
      ++batch.malformed;
    }
  }
  return batch;
}

StatusCounts count_statuses(const ParsedBatch& batch) {
  StatusCounts counts;
  for (const Request& r : batch.requests) ++counts.by_class[r.status / 100 - 1];
  counts.malformed = batch.malformed;
  return counts;
}

void add(StatusCounts& total, const StatusCounts& part) {
  for (int i = 0; i < 5; ++i) total.by_class[i] += part.by_class[i];
  total.malformed += part.malformed;
}

EndpointSizes endpoint_sizes(const ParsedBatch& batch) {
  EndpointSizes out;
  for (const Request& r : batch.requests) ++out.sizes[r.endpoint][r.bytes];
  return out;
}

void add(EndpointSizes& total, const EndpointSizes& part) {
  for (const auto& [endpoint, histogram] : part.sizes) {
    std::map<std::int64_t, std::int64_t>& into = total.sizes[endpoint];
    for (const auto& [size, count] : histogram) into[size] += count;
  }
}

std::int64_t percentile(const std::map<std::int64_t, std::int64_t>& histogram, std::int64_t n, int p) {
  const std::int64_t rank = (static_cast<std::int64_t>(p) * n + 99) / 100;  // ceil(p * n / 100), >= 1
  std::int64_t seen = 0;
  for (const auto& [size, count] : histogram) {
    seen += count;
    if (seen >= rank) return size;
  }
  return histogram.empty() ? 0 : histogram.rbegin()->first;
}

EndpointReport report_of(const EndpointSizes& sizes) {
  EndpointReport report;
  for (const auto& [endpoint, histogram] : sizes.sizes) {
    EndpointStats s;
    for (const auto& entry : histogram) s.requests += entry.second;
    s.p50_bytes = percentile(histogram, s.requests, 50);
    s.p99_bytes = percentile(histogram, s.requests, 99);
    report.endpoints.emplace(endpoint, s);
  }
  return report;
}

}  // namespace logstats
