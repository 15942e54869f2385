// sink.output: collects what reaches it into the run's Result.
#include "kinds/kinds.hpp"

#include <oneapi/tbb/concurrent_vector.h>

#include <algorithm>

namespace braid::kinds {
namespace {

class OutputSink final : public SinkBody {
 public:
  void consume(const Message& in) override { messages_.push_back(in); }
  bool collects() const override { return true; }
  std::vector<Message> take() override {
    std::vector<Message> out(messages_.begin(), messages_.end());
    messages_.clear();
    std::sort(out.begin(), out.end(), [](const Message& a, const Message& b) { return a.tag < b.tag; });
    return out;
  }

 private:
  tbb::concurrent_vector<Message> messages_;
};

}  // namespace

void add_sinks(Registry& registry) {
  Kind k;
  k.name = "sink.output";
  k.doc = "Collects its messages as a result of the run (printed by braid run), in tag order";
  k.shape = Shape::kSink;
  k.inputs = {port("in", {}, "any value with a JSON codec")};
  k.concurrency = Concurrency::unlimited();
  k.make = [](const NodeConfig&) { return std::make_unique<OutputSink>(); };
  registry.add(std::move(k));
}

}  // namespace braid::kinds
