// split: one sequence (int64[], double[], a lazy range, or a user's registered
// Slice<E>) into balanced, contiguous chunk views. Chunk i of k gets the
// parent's tag plus (i, k).
#include "kinds/kinds.hpp"
#include "kinds/numeric.hpp"

namespace braid::kinds {
namespace {

/// split: "auto" makes at most this many chunks (a multiple of every power-of-two
/// thread count up to 256, and independent of the thread count, so floating-point
/// results are identical at any --threads)...
constexpr std::size_t kAutoMaxChunks = 256;
/// ...and no chunk smaller than this many elements (tens of microseconds of work).
constexpr std::size_t kAutoMinGrain = 32768;
/// A split never makes more chunks than this (each chunk is a message and a task).
constexpr std::size_t kMaxChunks = std::size_t{1} << 24;

/// The types split accepts besides the users' sequences (SequenceOps).
constexpr std::initializer_list<const char*> kBuiltinSequences = {"int64[]", "double[]", "range"};

Value slice_of(const Value& v, std::size_t offset, std::size_t count) {
  if (v.is<Slice<std::int64_t>>()) return Value::of(v.get<Slice<std::int64_t>>().sub(offset, count));
  if (v.is<Slice<double>>()) return Value::of(v.get<Slice<double>>().sub(offset, count));
  if (const SequenceOps* seq = v.type()->sequence()) return seq->sub(v, offset, count);
  return Value::of(v.get<Range>().sub(offset, count));
}

class SplitBody final : public FlatMapBody {
 public:
  SplitBody(std::size_t chunks, std::size_t grain) : chunks_(chunks), grain_(grain) {}

  void apply(const Message& in, Emitter& out) override {
    const Value& v = in.value;
    const SequenceOps* seq = v.type() ? v.type()->sequence() : nullptr;
    if (!seq && !v.is<Slice<std::int64_t>>() && !v.is<Slice<double>>() && !v.is<Range>())
      throw TypeError("expected int64[], double[] or range, got " + v.type_name());
    const std::size_t n = seq ? seq->size(v) : length_of(v);
    std::size_t k;
    if (chunks_ != 0) {
      k = chunks_;
    } else if (grain_ != 0) {
      k = n / grain_ + (n % grain_ != 0);
    } else {
      k = std::min(kAutoMaxChunks, n / kAutoMinGrain + (n % kAutoMinGrain != 0));
    }
    if (k > kMaxChunks)
      throw Error("grain " + std::to_string(grain_) + " makes " + std::to_string(k) +
                  " chunks; at most " + std::to_string(kMaxChunks) + " are allowed (raise grain)");
    k = std::max<std::size_t>(1, std::min(k, n));  // never an empty chunk, unless the input is empty
    const std::size_t base = n / k, extra = n % k;
    std::size_t offset = 0;
    for (std::size_t i = 0; i < k; ++i) {
      const std::size_t len = base + (i < extra ? 1 : 0);
      out.emit(in.tag.child(static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(k)), slice_of(v, offset, len));
      offset += len;
    }
  }

 private:
  std::size_t chunks_;  // 0: not given
  std::size_t grain_;   // 0: not given; both 0: auto
};

std::string positive_or_auto(const nlohmann::json& v) {
  if (v.is_string() && v.get<std::string>() == "auto") return "";
  if (v.is_number_integer() && !v.is_number_unsigned() && v.get<std::int64_t>() >= 1 &&
      v.get<std::int64_t>() <= static_cast<std::int64_t>(kMaxChunks))
    return "";
  if (v.is_number_unsigned() && v.get<std::uint64_t>() >= 1 && v.get<std::uint64_t>() <= kMaxChunks) return "";
  return "must be a positive integer up to " + std::to_string(kMaxChunks) + " or \"auto\", " + param::describe(v);
}

}  // namespace

void add_split(Registry& registry) {
  Kind k;
  k.name = "split";
  k.doc = "Splits a sequence into balanced contiguous chunks (views: no element is copied)";
  k.shape = Shape::kFlatMap;
  k.depth_change = +1;
  k.inputs = {port("in", kBuiltinSequences, "the sequence to split")};
  // A user's Slice<E> registered by the time of validation is a sequence too.
  k.dynamic_inputs = [doc = k.inputs.front().doc](const Params&) {
    PortSpec in = port("in", kBuiltinSequences, doc);
    for (const Type* t : registered_types())
      if (t->sequence()) in.types.push_back(t->name());
    return std::vector<PortSpec>{std::move(in)};
  };
  k.outputs = {port("out", {}, "its chunks, of the input's type")};
  k.params = {
      param::custom("chunks", "a positive integer or \"auto\"",
                    "number of chunks; \"auto\": up to 256, none under 32768 elements (the same at any thread count)",
                    "\"auto\"", false, positive_or_auto),
      param::integer("grain", "elements per chunk (instead of chunks)", std::nullopt, 1),
  };
  k.params[1].required = false;
  k.params[1].default_json = "";
  k.check_params = [](const Params& p) {
    std::vector<std::pair<std::string, std::string>> problems;
    if (p.has("chunks") && p.has("grain")) problems.emplace_back("", "give chunks or grain, not both");
    return problems;
  };
  k.infer = [builtin = infer_by_input({{"int64[]", "int64[]"}, {"double[]", "double[]"}, {"range", "range"}})](
                const Params& p, const std::vector<const Type*>& in, std::string& error) -> const Type* {
    if (!in.empty() && in[0] && in[0]->sequence()) return in[0];  // chunks of a user's sequence: the same type
    return builtin(p, in, error);
  };
  k.stateless = true;  // chunks_ and grain_ only
  k.make = [](const NodeConfig& c) {
    std::size_t chunks = 0, grain = 0;
    if (c.params.has("grain")) {
      grain = static_cast<std::size_t>(c.params.get<std::int64_t>("grain"));
    } else if (c.params.has("chunks") && c.params.json().at("chunks").is_number()) {
      chunks = static_cast<std::size_t>(c.params.get<std::int64_t>("chunks"));
    }
    return std::make_unique<SplitBody>(chunks, grain);
  };
  registry.add(std::move(k));
}

}  // namespace braid::kinds
