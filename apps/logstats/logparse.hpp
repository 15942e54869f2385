#pragma once
// Access-log analysis as plain functions, with no braid in sight: parsing a
// line of the Common Log Format, per-batch counts and size histograms, and
// the exact nearest-rank percentiles of the merged histograms.
//
//   std::optional<Request> r = parse_line(
//       "10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] \"GET /a.html?x=1 HTTP/1.0\" 200 2326");
//   // r->status == 200, r->endpoint == "/a.html", r->bytes == 2326
//
// A line is well formed when it reads
//   HOST SP IDENT SP AUTHUSER SP "[" DATE "]" SP '"' METHOD SP TARGET SP PROTOCOL '"' SP STATUS SP BYTES [SP ...]
// where HOST, IDENT, AUTHUSER and METHOD are non-empty runs of non-blank bytes
// (blank: space, \t, \n, \v, \f, \r), DATE holds no ']', TARGET is a
// non-empty run of non-blank bytes starting with '/', PROTOCOL a run of
// non-blank bytes starting with "HTTP/", STATUS three digits from 100 to 599,
// BYTES 1 to 18 digits or "-" (0). Anything after BYTES and a space (the
// Combined Log Format's referer and user agent) is ignored. One '\r' at the
// end of the line is dropped first. Every other line is malformed. The
// endpoint is TARGET up to its first '?'.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace logstats {

/// What the report keeps of one well-formed line.
struct Request {
  int status = 0;
  std::string endpoint;
  std::int64_t bytes = 0;
};

/// The requests of a batch of lines, in line order, and how many lines were malformed.
struct ParsedBatch {
  std::vector<Request> requests;
  std::int64_t malformed = 0;
};

/// Requests per status class (1xx to 5xx) and malformed lines.
struct StatusCounts {
  std::int64_t by_class[5] = {0, 0, 0, 0, 0};  ///< [0]: 1xx ... [4]: 5xx
  std::int64_t malformed = 0;
};

/// Per endpoint, response size -> how many requests had it.
struct EndpointSizes {
  std::map<std::string, std::map<std::int64_t, std::int64_t>> sizes;
};

/// One endpoint's line of the report.
struct EndpointStats {
  std::int64_t requests = 0;
  std::int64_t p50_bytes = 0;
  std::int64_t p99_bytes = 0;
};

/// The report's endpoints, sorted by name.
struct EndpointReport {
  std::map<std::string, EndpointStats> endpoints;
};

/// The request a line holds, or nothing when it is malformed (see above).
std::optional<Request> parse_line(std::string_view line);
ParsedBatch parse_batch(const std::vector<std::string>& lines);

StatusCounts count_statuses(const ParsedBatch& batch);
/// Adds `part` into `total`.
void add(StatusCounts& total, const StatusCounts& part);

EndpointSizes endpoint_sizes(const ParsedBatch& batch);
/// Adds `part`'s counts into `total`.
void add(EndpointSizes& total, const EndpointSizes& part);

/// The nearest-rank p-th percentile (0 < p <= 100) of a histogram value ->
/// count holding n >= 1 values: the smallest value v such that at least
/// ceil(p * n / 100) values are <= v.
std::int64_t percentile(const std::map<std::int64_t, std::int64_t>& histogram, std::int64_t n, int p);

/// Requests, p50 and p99 of the sizes of each endpoint.
EndpointReport report_of(const EndpointSizes& sizes);

}  // namespace logstats
