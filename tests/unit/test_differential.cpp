// Differential tests of the runtime: thousands of random valid pipelines
// (random_pipeline.hpp) run by braid at 1, 2 and 4 threads must give exactly
// what a small sequential reference interpreter of the kinds computes, doubles
// included (compared through their JSON text, which round-trips every bit).
//
// BRAID_DIFF_PIPELINES=N overrides how many pipelines run (default: 4000, or
// 1000 under AddressSanitizer or ThreadSanitizer); BRAID_DIFF_SEED=S
// makes pipeline i use seed S + i (default 1), so a failure prints the seed
// that reproduces it: BRAID_DIFF_SEED=<seed> BRAID_DIFF_PIPELINES=1.
#include <braid/braid.hpp>

#include <doctest/doctest.h>

#include "pipelines.hpp"

#include <nlohmann/json.hpp>

#include "random_pipeline.hpp"

#include <cstdlib>
#include <iostream>
#include <string>

using braid_test::interpret;
using braid_test::RefOutputs;

namespace {

// ~10 s in Release, ~15 s under ASan + UBSan and under TSan (2 cores).
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr std::size_t kDefaultPipelines = 1000;
#else
constexpr std::size_t kDefaultPipelines = 4000;
#endif

std::uint64_t env_number(const char* name, std::uint64_t fallback) {
  const char* text = std::getenv(name);
  return text && *text ? std::strtoull(text, nullptr, 10) : fallback;
}

const auto registry = braid_test::builtin_registry;

/// A Result in the reference's shape: per sink, (tag, value as JSON text).
RefOutputs outputs_of(const braid::Result& result) {
  RefOutputs out;
  for (const auto& [sink, messages] : result.outputs) {
    auto& list = out[sink];
    for (const braid::Message& m : messages) list.emplace_back(m.tag.to_string(), braid::to_json_text(m.value));
  }
  return out;
}

std::string describe(const RefOutputs& outputs) {
  std::string s;
  for (const auto& [sink, messages] : outputs) {
    s += "  " + sink + ":";
    for (const auto& [tag, json] : messages) s += " [" + tag + "] " + json;
    s += "\n";
  }
  return s;
}

std::string describe(const braid_test::RefRun& run) {
  std::string s;
  for (const std::string& f : run.failures) s += "  NodeError: " + f + "\n";
  if (!run.failures.empty()) return s;
  for (const std::string& m : run.missing) s += "  IncompleteError: " + m + "\n";
  return run.missing.empty() ? describe(run.outputs) : s;
}

/// Runs `spec` on `pool` and compares with `expected`; "" when equal, else what differs:
/// the same outputs, or a NodeError for one of the bodies that fail, or an
/// IncompleteError listing exactly what never completes.
std::string differs(const braid::PipelineSpec& spec, braid::Executor& pool, const braid_test::RefRun& expected) {
  braid::RunOptions options;
  options.executor = &pool;
  std::string got;
  try {
    RefOutputs outputs = outputs_of(braid::run(spec, registry(), options));
    if (expected.failures.empty() && expected.missing.empty() && outputs == expected.outputs) return "";
    got = describe(outputs);
  } catch (const braid::NodeError& e) {
    if (expected.failures.count(e.what())) return "";
    got = std::string("  NodeError: ") + e.what() + "\n";
  } catch (const braid::IncompleteError& e) {
    if (expected.failures.empty() && e.missing() == expected.missing) return "";
    got = std::string("  ") + e.what() + "\n";
  } catch (const std::exception& e) {
    got = std::string("  ") + e.what() + "\n";
  }
  return "at " + std::to_string(pool.threads()) + " threads braid gives\n" + got + "the reference gives\n" +
         describe(expected);
}

std::string spec_text(const braid::PipelineSpec& spec) { return braid::spec_to_json(spec).dump(2); }

/// Runs `spec` at 1, 2 and 4 threads; returns the first difference from the reference, or "".
std::string check_pipeline(const braid::PipelineSpec& spec, braid::Executor* pools[3],
                           const braid_test::RefRun& expected) {
  const auto problems = braid::check(spec, registry());
  if (!problems.empty()) return "the generator made an invalid pipeline: " + std::string(braid::SpecError(problems).what());
  for (int k = 0; k < 3; ++k) {
    std::string d = differs(spec, *pools[k], expected);
    if (!d.empty()) return d;
  }
  return "";
}

}  // namespace

TEST_CASE("the reference interpreter computes documented results by hand") {
  // The seed pipeline: 1..10 in 4 chunks.
  braid::PipelineSpec seed = braid::PipelineBuilder("seed")
                                 .node("numbers", "source.values")
                                 .param("values", std::vector<std::int64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
                                 .node("split", "split").param("chunks", 4)
                                 .node("partial", "reduce.sum")
                                 .node("total", "gather.sum")
                                 .node("result", "sink.output")
                                 .node("chunks", "sink.output")
                                 .edge("numbers -> split -> partial -> total -> result")
                                 .edge("partial -> chunks")
                                 .build();
  RefOutputs seed_out = interpret(seed).outputs;
  CHECK(seed_out["result"] == std::vector<std::pair<std::string, std::string>>{{"0", "55"}});
  CHECK(seed_out["chunks"] ==
        std::vector<std::pair<std::string, std::string>>{{"0:0/4", "6"}, {"0:1/4", "15"}, {"0:2/4", "15"}, {"0:3/4", "19"}});

  // A range split into more chunks than it has elements, nested, joined with its count.
  braid::PipelineSpec nested = braid::PipelineBuilder("nested")
                                   .node("r", "source.range").param("begin", 10).param("end", 0).param("step", -3)
                                   .node("outer", "split").param("chunks", 9)
                                   .node("inner", "split").param("chunks", 2)
                                   .node("min", "reduce.min")
                                   .node("least", "gather.min")
                                   .node("n", "reduce.count")
                                   .node("both", "join").param("ports", std::vector<std::string>{"least", "n"})
                                   .node("out", "sink.output")
                                   .node("pieces", "sink.output")
                                   .edge("r -> outer -> inner -> min -> least -> both.least")
                                   .edge("outer -> n -> both.n")
                                   .edge("both -> out")
                                   .edge("inner -> pieces")
                                   .build();
  RefOutputs nested_out = interpret(nested).outputs;  // 10, 7, 4, 1: four chunks of one, the inner split keeps one each
  CHECK(nested_out["out"] == std::vector<std::pair<std::string, std::string>>{{"0:0/4", "{\"least\":10,\"n\":1}"},
                                                                              {"0:1/4", "{\"least\":7,\"n\":1}"},
                                                                              {"0:2/4", "{\"least\":4,\"n\":1}"},
                                                                              {"0:3/4", "{\"least\":1,\"n\":1}"}});
  CHECK(nested_out["pieces"].at(3) ==
        std::pair<std::string, std::string>{"0:3/4:0/1", "{\"begin\":1,\"end\":0,\"step\":-3}"});

  // Doubles are summed chunk by chunk, then the partial sums in chunk order:
  // (2^53 + 1) + (1 - 2^53) is 1 in doubles, the whole sequence left to right 0.
  braid::PipelineSpec doubles = braid::PipelineBuilder("doubles")
                                    .node("xs", "source.values").param("values", std::vector<double>{0x1p53, 1.0, 1.0, -0x1p53})
                                    .node("split", "split").param("chunks", 2)
                                    .node("partial", "reduce.sum")
                                    .node("total", "gather.sum")
                                    .node("all", "gather.sum")
                                    .node("out", "sink.output")
                                    .node("whole", "sink.output")
                                    .edge("xs -> split -> partial -> total -> out")
                                    .edge("xs -> all -> whole")
                                    .build();
  RefOutputs doubles_out = interpret(doubles).outputs;
  CHECK(doubles_out["out"] == std::vector<std::pair<std::string, std::string>>{{"0", "1.0"}});
  CHECK(doubles_out["whole"] == std::vector<std::pair<std::string, std::string>>{{"0", "0.0"}});
  for (const auto* spec : {&seed, &nested, &doubles})
    CHECK(outputs_of(braid::run(*spec, registry())) == interpret(*spec).outputs);

  // What the reference reports as a failure.
  braid::PipelineSpec empty_min = braid::PipelineBuilder("empty-min")
                                      .node("xs", "source.values").param("values", std::vector<std::int64_t>{})
                                      .node("split", "split").param("chunks", 3)
                                      .node("min", "reduce.min")
                                      .node("out", "sink.output")
                                      .edge("xs -> split -> min -> out")
                                      .build();
  CHECK(interpret(empty_min).failures ==
        std::set<std::string>{"node 'min' (reduce.min) failed on tag 0:0/1: the min of an empty chunk is undefined"});
  CHECK_THROWS_WITH_AS(braid::run(empty_min, registry()),
                       "node 'min' (reduce.min) failed on tag 0:0/1: the min of an empty chunk is undefined",
                       braid::NodeError);
  braid::PipelineSpec unequal = braid::PipelineBuilder("unequal")
                                    .node("xs", "source.values").param("values", std::vector<std::int64_t>{1, 2, 3})
                                    .node("halves", "split").param("chunks", 2)
                                    .node("thirds", "split").param("chunks", 3)
                                    .node("both", "join").param("ports", std::vector<std::string>{"h", "t"})
                                    .node("n", "gather.count")
                                    .node("out", "sink.output")
                                    .edge("xs -> halves -> both.h")
                                    .edge("xs -> thirds -> both.t")
                                    .edge("both -> n -> out")
                                    .build();
  const std::vector<std::string> missing{
      "node 'both' (join): tag 0:0/2 arrived on h but never on t", "node 'both' (join): tag 0:0/3 arrived on t but never on h",
      "node 'both' (join): tag 0:1/2 arrived on h but never on t", "node 'both' (join): tag 0:1/3 arrived on t but never on h",
      "node 'both' (join): tag 0:2/3 arrived on t but never on h"};
  CHECK(interpret(unequal).missing == missing);
  try {
    braid::run(unequal, registry());
    FAIL("expected an IncompleteError");
  } catch (const braid::IncompleteError& e) {
    CHECK(e.missing() == missing);
  }
}

TEST_CASE("random pipelines give the reference's outputs at 1, 2 and 4 threads") {
  const std::size_t count = env_number("BRAID_DIFF_PIPELINES", kDefaultPipelines);
  const std::uint64_t first_seed = env_number("BRAID_DIFF_SEED", 1);
  braid::Executor one(1), two(2), four(4);
  braid::Executor* pools[3] = {&one, &two, &four};
  std::set<std::string> kinds;
  std::size_t max_depth = 0, joins = 0, stream_gathers = 0, ordered = 0, failures = 0, nodes = 0;
  std::size_t node_errors = 0, incomplete = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint64_t seed = first_seed + i;
    braid_test::RandomPipeline p = braid_test::random_pipeline(seed);
    kinds.insert(p.kinds.begin(), p.kinds.end());
    max_depth = std::max(max_depth, p.max_depth);
    joins += p.kinds.count("join");
    stream_gathers += p.stream_gather;
    ordered += p.ordered;
    nodes += p.spec.nodes.size();
    const braid_test::RefRun expected = interpret(p.spec);
    node_errors += !expected.failures.empty();
    incomplete += expected.failures.empty() && !expected.missing.empty();
    std::string d = check_pipeline(p.spec, pools, expected);
    if (d.empty()) continue;
    ++failures;
    FAIL_CHECK("seed " << seed << " (BRAID_DIFF_SEED=" << seed << " BRAID_DIFF_PIPELINES=1): " << d << "\npipeline:\n"
                       << spec_text(p.spec));
    if (failures == 5) break;
  }
  MESSAGE(count << " pipelines (" << nodes << " nodes) from seed " << first_seed << ", each run at 1, 2 and 4 threads; "
                << node_errors << " end with a NodeError, " << incomplete << " with an IncompleteError");
  if (count >= 100) {  // enough pipelines to use every feature: the generator has not degenerated
    for (const char* kind : {"source.values", "source.range", "source.sequence", "source.count", "split", "reduce.sum",
                             "reduce.min", "reduce.max", "reduce.count", "reduce.mean", "gather.sum", "gather.min",
                             "gather.max", "gather.count", "gather.mean", "gather.concat", "join", "sink.output"}) {
      CAPTURE(kind);
      CHECK(kinds.count(kind) == 1);
    }
    CHECK(max_depth >= 3);
    CHECK(joins >= count / 10);
    CHECK(stream_gathers >= count / 20);
    CHECK(ordered >= count / 20);
    CHECK(node_errors >= count / 200);  // runs that end with a NodeError
    CHECK(incomplete >= count / 200);   // and with an IncompleteError
  }
}
