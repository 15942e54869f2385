// wordcount: word frequencies over the files of a directory. The braid command
// line plus three kinds of its own:
//
//   files ──> count ──> merge ──> top ──> result
//   (paths)  (a table   (all the  (top k  {"result": {"distinct": M, "top": [["the", 123], ...], "words": N}}
//             per file)  tables)   words)
//
//   ./wordcount run pipelines/wordcount.json --threads 4
//
// A word is a maximal run of ASCII letters [A-Za-z], folded to lower case;
// every other byte separates words. wc.count_file reads one file (braid::InputFile,
// 1 MiB at a time) into a count table, many files at once; wc.merge gathers the
// whole stream of tables, in file order; wc.top keeps the k most frequent
// words, by count descending, then word ascending.
#include <braid/braid.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cli.hpp"

namespace {

/// word -> how many times it occurs.
struct CountTable {
  std::unordered_map<std::string, std::int64_t> counts;
};

/// The k most frequent words, and the totals they were taken from.
struct TopWords {
  std::vector<std::pair<std::string, std::int64_t>> top;  // count descending, then word ascending
  std::int64_t words = 0;                                 // every occurrence
  std::int64_t distinct = 0;                              // different words
};

void register_types() {
  braid::TypeCodec table;
  table.encode = [](const braid::Value& v, nlohmann::json& out) {
    out = nlohmann::json::object();
    for (const auto& [word, count] : v.get<CountTable>().counts) out[word] = count;
  };
  table.decode = [](const nlohmann::json& in) {
    if (!in.is_object()) throw braid::TypeError("a count table must be an object {word: count}");
    CountTable t;
    for (const auto& [word, count] : in.items()) {
      if (!count.is_number_integer() || count.get<std::int64_t>() < 0)
        throw braid::TypeError("a count table's counts must be non-negative integers");
      t.counts.emplace(word, count.get<std::int64_t>());
    }
    return braid::Value::of(std::move(t));
  };
  braid::register_type<CountTable>("wc.counts", table);

  braid::TypeCodec top;
  top.encode = [](const braid::Value& v, nlohmann::json& out) {
    const TopWords& t = v.get<TopWords>();
    nlohmann::json list = nlohmann::json::array();
    for (const auto& [word, count] : t.top) list.push_back({word, count});
    out = {{"top", std::move(list)}, {"words", t.words}, {"distinct", t.distinct}};
  };
  braid::register_type<TopWords>("wc.top", top);
}

/// Reads `path` whole, 1 MiB at a time, and counts its words.
CountTable count_file(const std::string& path) {
  braid::InputFile file(path);
  CountTable table;
  std::string word;  // the word being read; it may span two reads
  // 1 MiB reads; a smaller buffer for a smaller file (size + 1: the read that finds the end).
  constexpr std::size_t kReadSize = std::size_t{1} << 20;
  std::size_t size = kReadSize;
  if (std::optional<std::uint64_t> bytes = file.size_hint())
    size = static_cast<std::size_t>(std::clamp<std::uint64_t>(*bytes + 1, 4096, kReadSize));
  std::vector<char> buffer(size);
  while (const std::size_t n = file.read(buffer.data(), buffer.size())) {
    for (const char *p = buffer.data(), *end = p + n; p != end; ++p) {
      const unsigned char c = static_cast<unsigned char>(*p);
      if (c >= 'a' && c <= 'z') {
        word.push_back(static_cast<char>(c));
      } else if (c >= 'A' && c <= 'Z') {
        word.push_back(static_cast<char>(c - 'A' + 'a'));
      } else if (!word.empty()) {
        ++table.counts[word];
        word.clear();
      }
    }
  }
  if (!word.empty()) ++table.counts[word];
  return table;
}

/// wc.merge: adds the count tables of the whole stream, in item order.
class MergeGather final : public braid::GatherBody {
 public:
  braid::Value combine(std::vector<braid::Value> parts) override {
    CountTable total;
    for (const braid::Value& part : parts)
      for (const auto& [word, count] : part.get<CountTable>().counts) total.counts[word] += count;
    return braid::Value::of(std::move(total));
  }
};

braid::Kind merge_kind() {
  braid::Kind k;
  k.name = "wc.merge";
  k.doc = "Adds the count tables of the whole stream (one per file), in item order";
  k.shape = braid::Shape::kGather;
  k.depth_change = -1;
  k.inputs = {braid::PortSpec{"in", {"wc.counts"}, "one file's count table"}};
  k.outputs = {braid::PortSpec{"out", {"wc.counts"}, "the counts of every file together"}};
  k.make = [](const braid::NodeConfig&) -> std::unique_ptr<braid::NodeBody> { return std::make_unique<MergeGather>(); };
  return k;
}

/// wc.top: the k most frequent words.
class TopMap final : public braid::MapBody {
 public:
  explicit TopMap(std::size_t k) : k_(k) {}
  braid::Value apply(const braid::Value& in) override {
    const CountTable& table = in.get<CountTable>();
    TopWords out;
    out.distinct = static_cast<std::int64_t>(table.counts.size());
    std::vector<std::pair<std::string, std::int64_t>> all;
    all.reserve(table.counts.size());
    for (const auto& [word, count] : table.counts) {
      out.words += count;
      all.emplace_back(word, count);
    }
    auto before = [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    };
    const std::size_t k = std::min(k_, all.size());
    std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(k), all.end(), before);
    all.resize(k);
    out.top = std::move(all);
    return braid::Value::of(std::move(out));
  }

 private:
  std::size_t k_;
};

braid::Kind top_kind() {
  braid::Kind k;
  k.name = "wc.top";
  k.doc =
      "The k most frequent words (count descending, then word ascending), the number of words and of distinct words";
  k.shape = braid::Shape::kMap;
  k.inputs = {braid::PortSpec{"in", {"wc.counts"}, "a count table"}};
  k.outputs = {braid::PortSpec{"out", {"wc.top"}, "{top: [[word, count], ...], words, distinct}"}};
  k.params = {braid::param::integer("k", "how many words to keep", 20, 1, 1000000)};
  k.make = [](const braid::NodeConfig& c) -> std::unique_ptr<braid::NodeBody> {
    return std::make_unique<TopMap>(static_cast<std::size_t>(c.params.get_or<std::int64_t>("k", 20)));
  };
  return k;
}

}  // namespace

int main(int argc, char** argv) {
  register_types();
  braid::Registry registry;
  braid::register_builtin_kinds(registry);
  registry.add(braid::map_kind(
      "wc.count_file", "Reads one file and counts its words (maximal runs of ASCII letters, lower-cased)", count_file));
  registry.add(merge_kind());
  registry.add(top_kind());
  return braid::cli::main(argc, argv, registry, "wordcount");
}
