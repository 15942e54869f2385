// logstats: streaming statistics of a web server's access log (Common Log
// Format). The braid command line plus five kinds of its own:
//
//                            ┌─> log.status_counts ──> log.merge_status ─────┐ status
//   source.lines ─> log.parse┤   (each batch)          (the whole stream)    ├─> join ─> sink.output
//   (batches)      (each     └─> log.endpoint_sizes ─> log.merge_endpoints ──┘ endpoints
//                   batch)       (each batch)          (the whole stream)
//
//   ./logstats run pipelines/logstats.json --set lines.path=access.log
//
// Malformed lines are counted, never fatal. The parsing and the statistics
// are plain functions (logparse.hpp); this file only makes them kinds.
#include <braid/braid.hpp>

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cli.hpp"
#include "logparse.hpp"

namespace {

using logstats::EndpointReport;
using logstats::EndpointSizes;
using logstats::ParsedBatch;
using logstats::StatusCounts;

void register_types() {
  braid::TypeCodec parsed;
  parsed.encode = [](const braid::Value& v, nlohmann::json& out) {
    const ParsedBatch& b = v.get<ParsedBatch>();
    nlohmann::json requests = nlohmann::json::array();
    for (const logstats::Request& r : b.requests)
      requests.push_back({{"status", r.status}, {"endpoint", r.endpoint}, {"bytes", r.bytes}});
    out = {{"requests", std::move(requests)}, {"malformed", b.malformed}};
  };
  braid::register_type<ParsedBatch>("log.parsed", parsed);

  braid::TypeCodec status;
  status.encode = [](const braid::Value& v, nlohmann::json& out) {
    const StatusCounts& c = v.get<StatusCounts>();
    out = nlohmann::json::object();
    for (int i = 0; i < 5; ++i) out[std::to_string(i + 1) + "xx"] = c.by_class[i];
    out["malformed"] = c.malformed;
  };
  braid::register_type<StatusCounts>("log.status", status);

  braid::TypeCodec sizes;
  sizes.encode = [](const braid::Value& v, nlohmann::json& out) {
    out = nlohmann::json::object();
    for (const auto& [endpoint, histogram] : v.get<EndpointSizes>().sizes) {
      nlohmann::json pairs = nlohmann::json::array();
      for (const auto& [size, count] : histogram) pairs.push_back({size, count});
      out[endpoint] = std::move(pairs);
    }
  };
  braid::register_type<EndpointSizes>("log.sizes", sizes);

  braid::TypeCodec report;
  report.encode = [](const braid::Value& v, nlohmann::json& out) {
    out = nlohmann::json::object();
    for (const auto& [endpoint, s] : v.get<EndpointReport>().endpoints)
      out[endpoint] = {{"requests", s.requests}, {"p50_bytes", s.p50_bytes}, {"p99_bytes", s.p99_bytes}};
  };
  braid::register_type<EndpointReport>("log.endpoints", report);
}

/// A map kind from a plain function, with its ports documented.
template <class F>
braid::Kind documented_map(std::string name, std::string doc, F f, std::string in_doc, std::string out_doc) {
  braid::Kind k = braid::map_kind(std::move(name), std::move(doc), f);
  k.inputs[0].doc = std::move(in_doc);
  k.outputs[0].doc = std::move(out_doc);
  return k;
}

/// Merges the parts of a group (here: every batch of the stream) into a Total,
/// reading each part in place.
template <class Part, class Total, class Out>
class MergeGather final : public braid::GatherBody {
 public:
  explicit MergeGather(std::function<Out(const Total&)> finish) : finish_(std::move(finish)) {}
  braid::Value combine(std::vector<braid::Value> parts) override {
    Total total;
    for (const braid::Value& part : parts) logstats::add(total, part.get<Part>());
    return braid::Value::of(finish_(total));
  }

 private:
  std::function<Out(const Total&)> finish_;
};

template <class Part, class Out>
braid::Kind merge_kind(std::string name, std::string doc, std::function<Out(const Part&)> finish, std::string out_doc) {
  braid::Kind k;
  k.name = std::move(name);
  k.doc = std::move(doc);
  k.shape = braid::Shape::kGather;
  k.depth_change = -1;
  k.inputs = {braid::PortSpec{"in", {braid::type_of<Part>().name()}, "one batch's part, in batch order"}};
  k.outputs = {braid::PortSpec{"out", {braid::type_of<Out>().name()}, std::move(out_doc)}};
  k.stateless = true;  // finish_ only
  k.make = [finish](const braid::NodeConfig&) -> std::unique_ptr<braid::NodeBody> {
    return std::make_unique<MergeGather<Part, Part, Out>>(finish);
  };
  return k;
}

}  // namespace

int main(int argc, char** argv) {
  register_types();
  braid::Registry registry;
  braid::register_builtin_kinds(registry);
  registry.add(documented_map(
      "log.parse", "Parses a batch of access-log lines (Common Log Format): status, endpoint and size of each request",
      [](const braid::Lines& lines) { return logstats::parse_batch(lines); }, "a batch of lines",
      "the batch's requests (status, path without its query string, bytes with \"-\" as 0) and how many lines were "
      "malformed"));
  registry.add(documented_map(
      "log.status_counts", "Counts a parsed batch's requests per status class (1xx to 5xx) and its malformed lines",
      [](const ParsedBatch& b) { return logstats::count_statuses(b); }, "a parsed batch",
      "requests per status class and malformed lines"));
  registry.add(documented_map(
      "log.endpoint_sizes", "Histogram of a parsed batch's response sizes, per endpoint",
      [](const ParsedBatch& b) { return logstats::endpoint_sizes(b); }, "a parsed batch",
      "per endpoint, response size -> number of requests"));
  registry.add(merge_kind<StatusCounts, StatusCounts>(
      "log.merge_status", "Adds the status counts of every batch", [](const StatusCounts& c) { return c; },
      "the counts of the whole stream"));
  registry.add(merge_kind<EndpointSizes, EndpointReport>(
      "log.merge_endpoints",
      "Merges the size histograms of every batch: per endpoint, requests and exact nearest-rank p50 and p99 of the "
      "response size",
      [](const EndpointSizes& s) { return logstats::report_of(s); },
      "per endpoint (sorted): requests, p50_bytes, p99_bytes"));
  return braid::cli::main(argc, argv, registry, "logstats");
}
