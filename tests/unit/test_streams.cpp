// Unit tests of the streaming kinds: source.lines, source.blocks, source.files,
// source.count, filter.range, filter.match and sink.file, their bodies called
// directly, then small pipelines run through braid::run.
#include <braid/braid.hpp>

#include <doctest/doctest.h>

#include "pipelines.hpp"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

namespace fs = std::filesystem;
using braid::Bytes;
using braid::Lines;
using braid::Message;
using braid::Slice;
using braid::Tag;
using braid::Value;

namespace {

const auto registry = braid_test::builtin_registry;

/// A fresh directory, removed with everything in it at the end of the test.
struct TempDir {
  fs::path path;
  TempDir() {
    static std::atomic<int> counter{0};
    path = fs::temp_directory_path() /
           ("braid-test-streams-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
            std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  /// The path of `name` in this directory, as a string.
  std::string operator/(const std::string& name) const { return (path / name).string(); }
  /// The names in this directory, sorted.
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(path)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }
};

void write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
  REQUIRE(out.good());
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::unique_ptr<braid::NodeBody> make(const std::string& kind, const nlohmann::json& params) {
  const braid::Kind* k = registry().find(kind);
  REQUIRE(k != nullptr);
  braid::Params p(params);
  braid::NodeConfig config{"node", p, {}, nullptr};
  return k->make(config);
}

std::vector<Value> drain(const std::string& kind, const nlohmann::json& params) {
  auto body = make(kind, params);
  auto& source = static_cast<braid::SourceBody&>(*body);
  std::vector<Value> out;
  Value v;
  while (source.next(v)) out.push_back(v);
  Value after;
  CHECK_FALSE(source.next(after));  // the end stays the end
  return out;
}

std::vector<Lines> line_batches(const std::string& path, std::int64_t batch) {
  std::vector<Lines> out;
  for (const Value& v : drain("source.lines", {{"path", path}, {"batch", batch}})) out.push_back(v.get<Lines>());
  return out;
}

std::vector<std::string> blocks(const std::string& path, std::int64_t block_size, bool empty_block = false) {
  std::vector<std::string> out;
  for (const Value& v : drain("source.blocks", {{"path", path}, {"block_size", block_size}, {"empty_block", empty_block}}))
    out.push_back(v.get<Bytes>().data);
  return out;
}

std::vector<std::string> strings(const std::vector<Value>& values) {
  std::vector<std::string> out;
  for (const Value& v : values) out.push_back(v.get<std::string>());
  return out;
}

/// What the first next() of a source throws ("" if nothing).
std::string first_error(const std::string& kind, const nlohmann::json& params) {
  auto body = make(kind, params);
  Value v;
  try {
    static_cast<braid::SourceBody&>(*body).next(v);
  } catch (const braid::Error& e) {
    return e.what();
  }
  return "";
}

/// What making a body throws ("" if nothing).
std::string make_error(const std::string& kind, const nlohmann::json& params) {
  try {
    make(kind, params);
  } catch (const braid::Error& e) {
    return e.what();
  }
  return "";
}

struct Collect final : braid::Emitter {
  std::vector<Message> messages;
  void emit(const Tag& tag, Value value) override { messages.push_back(Message{tag, std::move(value)}); }
};

std::vector<Message> filter(const std::string& kind, const nlohmann::json& params, const Value& v) {
  auto body = make(kind, params);
  Collect out;
  static_cast<braid::FlatMapBody&>(*body).apply(Message{Tag(7), v}, out);
  for (const Message& m : out.messages) CHECK(m.tag == Tag(7));
  return out.messages;
}

Value ints(std::vector<std::int64_t> xs) { return Value::of(Slice<std::int64_t>(std::move(xs))); }
Value doubles(std::vector<double> xs) { return Value::of(Slice<double>(std::move(xs))); }

/// The problems check() finds in a pipeline, one "pointer: message" per entry.
std::vector<std::string> problems(const std::string& json_text) {
  std::vector<std::string> out;
  for (const braid::Problem& p : braid::check(braid::load_spec(json_text), registry())) out.push_back(p.to_string());
  return out;
}

/// A pipeline document with these nodes and edges.
std::string pipeline(const nlohmann::json& nodes, const std::vector<std::string>& edges) {
  return nlohmann::json{{"braid", 1}, {"threads", 2}, {"nodes", nodes}, {"edges", edges}}.dump();
}

braid::Result run(const std::string& json_text) { return braid::run(braid::load_spec(json_text), registry()); }

}  // namespace

// --- value types -------------------------------------------------------------

TEST_CASE("bytes: a JSON string of base64, both ways") {
  const braid::Type* type = braid::find_type("bytes");
  REQUIRE(type != nullptr);
  for (const auto& [raw, text] :
       std::vector<std::pair<std::string, std::string>>{{"", ""},
                                                        {"f", "Zg=="},
                                                        {"fo", "Zm8="},
                                                        {"foo", "Zm9v"},
                                                        {"foob", "Zm9vYg=="},
                                                        {"fooba", "Zm9vYmE="},
                                                        {"foobar", "Zm9vYmFy"},
                                                        {std::string("\0\xff\xfe", 3), "AP/+"}}) {
    Value v = Value::of(Bytes{raw});
    CHECK(v.type() == type);
    CHECK(braid::to_json_text(v) == "\"" + text + "\"");
    CHECK(type->decode(nlohmann::json(text)).get<Bytes>().data == raw);
  }
  for (const char* bad : {"Zg=", "Zg", "Z===", "Zm9v!A==", "Zg==Zg==", "Z=g="})
    CHECK_THROWS_WITH_AS(type->decode(nlohmann::json(bad)),
                         ("expected a base64 string, got \"" + std::string(bad) + "\"").c_str(), braid::TypeError);
  CHECK_THROWS_WITH_AS(type->decode(nlohmann::json(3)), "expected a base64 string, got 3", braid::TypeError);
}

TEST_CASE("string[]: a batch of lines, an array of strings in JSON") {
  Value v = Value::of(Lines{"a", "b c"});
  CHECK(v.type_name() == "string[]");
  CHECK(v.is<Lines>());
  CHECK(braid::to_json_text(v) == R"(["a","b c"])");
  const braid::Type* type = braid::find_type("string[]");
  REQUIRE(type != nullptr);
  CHECK(type->decode(nlohmann::json::parse(R"(["x", ""])")).get<Lines>() == Lines{"x", ""});
  CHECK_THROWS_WITH_AS(type->decode(nlohmann::json::parse(R"(["x", 1])")),
                       "expected an array of strings, got element 1", braid::TypeError);
  CHECK_THROWS_WITH_AS(type->decode(nlohmann::json("x")), "expected an array of strings, got \"x\"", braid::TypeError);
}

// --- source.lines ------------------------------------------------------------

TEST_CASE("source.lines: batches of up to `batch` lines, never one message per line") {
  TempDir dir;
  const std::string path = dir / "in.txt";

  write_file(path, "");
  CHECK(line_batches(path, 2).empty());

  write_file(path, "a\nb\nc\nd\n");  // an exact multiple of batch: no empty batch after
  CHECK(line_batches(path, 2) == std::vector<Lines>{{"a", "b"}, {"c", "d"}});
  CHECK(line_batches(path, 4) == std::vector<Lines>{{"a", "b", "c", "d"}});
  CHECK(line_batches(path, 3) == std::vector<Lines>{{"a", "b", "c"}, {"d"}});
  CHECK(line_batches(path, 1024) == std::vector<Lines>{{"a", "b", "c", "d"}});

  write_file(path, "a\nb\nlast");  // a final line without '\n' counts
  CHECK(line_batches(path, 2) == std::vector<Lines>{{"a", "b"}, {"last"}});

  write_file(path, "\n\nx\r\n\n");  // empty lines count; "\r\n" keeps the '\r'
  CHECK(line_batches(path, 10) == std::vector<Lines>{{"", "", "x\r", ""}});

  write_file(path, "only");
  CHECK(line_batches(path, 1) == std::vector<Lines>{{"only"}});
}

TEST_CASE("source.lines: lines longer than a read, across many reads") {
  TempDir dir;
  const std::string path = dir / "big.txt";
  std::string text;
  std::vector<std::string> expected;
  for (int i = 0; i < 5000; ++i) {
    expected.push_back(std::string(static_cast<std::size_t>(i % 97), 'x') + std::to_string(i));
    text += expected.back() + '\n';
  }
  expected.push_back(std::string(200000, 'y'));  // longer than one read, no final '\n'
  text += expected.back();
  write_file(path, text);
  std::vector<std::string> got;
  auto batches = line_batches(path, 333);
  for (std::size_t i = 0; i < batches.size(); ++i) {
    CHECK(batches[i].size() == (i + 1 < batches.size() ? 333 : expected.size() % 333));
    got.insert(got.end(), batches[i].begin(), batches[i].end());
  }
  CHECK(got == expected);
}

TEST_CASE("source.lines reads lazily: the file is opened by the first next()") {
  TempDir dir;
  const std::string path = dir / "later.txt";
  auto body = make("source.lines", {{"path", path}});  // not there yet: no error
  write_file(path, "x\n");
  Value v;
  REQUIRE(static_cast<braid::SourceBody&>(*body).next(v));
  CHECK(v.get<Lines>() == Lines{"x"});
}

TEST_CASE("source.lines and source.blocks errors name the path and the reason") {
  TempDir dir;
  const std::string missing = dir / "missing.txt";
  CHECK(first_error("source.lines", {{"path", missing}}) == "cannot open '" + missing + "': No such file or directory");
  CHECK(first_error("source.blocks", {{"path", missing}}) ==
        "cannot open '" + missing + "': No such file or directory");
  CHECK(first_error("source.lines", {{"path", dir.path.string()}}) ==
        "cannot open '" + dir.path.string() + "': Is a directory");
  CHECK(first_error("source.blocks", {{"path", dir.path.string()}}) ==
        "cannot open '" + dir.path.string() + "': Is a directory");
  if (::geteuid() != 0) {  // root reads anything
    const std::string locked = dir / "locked.txt";
    write_file(locked, "secret\n");
    fs::permissions(locked, fs::perms::none);
    CHECK(first_error("source.lines", {{"path", locked}}) == "cannot open '" + locked + "': Permission denied");
  }
}

TEST_CASE("source.lines and source.blocks read standard input for path \"-\"") {
  TempDir dir;
  write_file(dir / "stdin.txt", "x\ny\nz");
  const int saved = ::dup(STDIN_FILENO);
  REQUIRE(saved >= 0);
  const int fd = ::open((dir / "stdin.txt").c_str(), O_RDONLY);
  REQUIRE(fd >= 0);
  REQUIRE(::dup2(fd, STDIN_FILENO) == STDIN_FILENO);
  ::close(fd);
  CHECK(line_batches("-", 2) == std::vector<Lines>{{"x", "y"}, {"z"}});
  ::lseek(STDIN_FILENO, 0, SEEK_SET);
  CHECK(blocks("-", 3) == std::vector<std::string>{"x\ny", "\nz"});
  CHECK(::fcntl(STDIN_FILENO, F_GETFD) != -1);  // standard input is never closed
  ::dup2(saved, STDIN_FILENO);
  ::close(saved);
}

namespace {
extern "C" void ignore_signal(int) {}
}  // namespace

TEST_CASE("a read interrupted by a signal is retried") {
  // A signal handler installed without SA_RESTART makes a blocked read() fail with EINTR.
  struct sigaction action {
  }, old{};
  action.sa_handler = ignore_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;
  REQUIRE(::sigaction(SIGUSR1, &action, &old) == 0);
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const std::string path = "/dev/fd/" + std::to_string(fds[0]);
  const pthread_t reader = ::pthread_self();
  std::thread writer([&] {
    for (int i = 0; i < 5; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      ::pthread_kill(reader, SIGUSR1);
    }
    CHECK(::write(fds[1], "a\nb\n", 4) == 4);
    ::close(fds[1]);
  });
  CHECK(line_batches(path, 10) == std::vector<Lines>{{"a", "b"}});
  writer.join();
  ::close(fds[0]);
  ::sigaction(SIGUSR1, &old, nullptr);
}

// --- source.blocks -----------------------------------------------------------

TEST_CASE("source.blocks: exactly block_size bytes, the last block shorter") {
  TempDir dir;
  const std::string path = dir / "in.bin";
  write_file(path, "");
  CHECK(blocks(path, 4).empty());
  write_file(path, "a");
  CHECK(blocks(path, 4) == std::vector<std::string>{"a"});
  write_file(path, "abcdefgh");
  CHECK(blocks(path, 4) == std::vector<std::string>{"abcd", "efgh"});
  write_file(path, "abcdefghi");
  CHECK(blocks(path, 4) == std::vector<std::string>{"abcd", "efgh", "i"});
  CHECK(blocks(path, 1) == std::vector<std::string>{"a", "b", "c", "d", "e", "f", "g", "h", "i"});
  CHECK(blocks(path, 1 << 30) == std::vector<std::string>{"abcdefghi"});  // no 1 GiB allocated for 9 bytes

  // Binary data, blocks bigger than one read.
  std::string data(3 * (1 << 20) + 5, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 131 % 251);
  write_file(path, data);
  auto got = blocks(path, (1 << 21) + 1);
  REQUIRE(got.size() == 2);
  CHECK(got[0].size() == (1 << 21) + 1);
  CHECK(got[0] + got[1] == data);
}

TEST_CASE("source.blocks with empty_block: an empty file gives one empty block, other files as without") {
  TempDir dir;
  const std::string path = dir / "in.bin";
  write_file(path, "");
  CHECK(blocks(path, 4, true) == std::vector<std::string>{""});
  write_file(path, "abcd");
  CHECK(blocks(path, 4, true) == std::vector<std::string>{"abcd"});
  write_file(path, "abcdefghi");
  CHECK(blocks(path, 4, true) == std::vector<std::string>{"abcd", "efgh", "i"});
}

// --- source.files ------------------------------------------------------------

TEST_CASE("source.files: regular files matching glob, sorted, optionally recursive") {
  TempDir dir;
  fs::create_directories(dir.path / "sub" / "deeper");
  for (const char* name : {"b.txt", "a.txt", "c.log", ".hidden.txt", "sub/x.txt", "sub/deeper/y.txt", "sub/z.log"})
    write_file(dir / name, name);
  const std::string root = dir.path.string();
  auto listed = [&](const nlohmann::json& params) {
    nlohmann::json p = params;
    p["path"] = root;
    return strings(drain("source.files", p));
  };
  CHECK(listed({}) == std::vector<std::string>{root + "/a.txt", root + "/b.txt", root + "/c.log"});
  CHECK(listed({{"glob", "*.txt"}}) == std::vector<std::string>{root + "/a.txt", root + "/b.txt"});
  CHECK(listed({{"glob", ".*"}}) == std::vector<std::string>{root + "/.hidden.txt"});
  CHECK(listed({{"glob", "*.txt"}, {"recursive", true}}) ==
        std::vector<std::string>{root + "/a.txt", root + "/b.txt", root + "/sub/deeper/y.txt", root + "/sub/x.txt"});
  CHECK(listed({{"recursive", true}}).size() == 6);
  CHECK(listed({{"glob", "*.csv"}}).empty());

  TempDir empty;
  CHECK(drain("source.files", {{"path", empty.path.string()}}).empty());
}

TEST_CASE("source.files errors: a missing directory, a file") {
  TempDir dir;
  const std::string missing = dir / "missing";
  const std::string file = dir / "f.txt";
  write_file(file, "x");
  CHECK(first_error("source.files", {{"path", missing}}) == "cannot list '" + missing + "': No such file or directory");
  CHECK(first_error("source.files", {{"path", file}}) == "cannot list '" + file + "': Not a directory");
}

// --- source.count ------------------------------------------------------------

TEST_CASE("source.count: 0..n-1, one int64 per message") {
  std::vector<std::int64_t> got;
  for (const Value& v : drain("source.count", {{"n", 4}})) got.push_back(v.get<std::int64_t>());
  CHECK(got == std::vector<std::int64_t>{0, 1, 2, 3});
  CHECK(drain("source.count", {{"n", 0}}).empty());
}

// --- filter.range ------------------------------------------------------------

TEST_CASE("filter.range keeps scalars within inclusive bounds") {
  auto kept = [](const nlohmann::json& params, const Value& v) { return filter("filter.range", params, v).size(); };
  CHECK(kept({{"min", 2}, {"max", 4}}, Value::of(2)) == 1);
  CHECK(kept({{"min", 2}, {"max", 4}}, Value::of(4)) == 1);
  CHECK(kept({{"min", 2}, {"max", 4}}, Value::of(5)) == 0);
  CHECK(kept({{"min", 2}, {"max", 4}}, Value::of(1)) == 0);
  CHECK(kept({{"min", 2}}, Value::of(INT64_MAX)) == 1);
  CHECK(kept({{"max", -1}}, Value::of(INT64_MIN)) == 1);
  CHECK(kept({{"min", 1.5}}, Value::of(1)) == 0);
  CHECK(kept({{"min", 1.5}}, Value::of(2)) == 1);
  CHECK(kept({{"max", 1.5}}, Value::of(1)) == 1);
  CHECK(kept({{"max", 1.5}}, Value::of(2)) == 0);
  CHECK(kept({{"min", 1e300}}, Value::of(INT64_MAX)) == 0);
  CHECK(kept({{"max", -1e300}}, Value::of(INT64_MIN)) == 0);
  CHECK(kept({{"min", -1e300}, {"max", 1e300}}, Value::of(INT64_MIN)) == 1);
  // Integer bounds compare exactly, beyond double precision.
  CHECK(kept({{"min", 9007199254740993}}, Value::of(std::int64_t{9007199254740992})) == 0);
  CHECK(kept({{"min", 9007199254740993}}, Value::of(std::int64_t{9007199254740993})) == 1);
  CHECK(kept({{"min", 0.5}, {"max", 0.75}}, Value::of(0.5)) == 1);
  CHECK(kept({{"min", 0.5}, {"max", 0.75}}, Value::of(0.8)) == 0);
  CHECK(kept({{"min", 0}}, Value::of(std::nan(""))) == 0);
  auto out = filter("filter.range", {{"min", 0}}, Value::of(2.5));
  REQUIRE(out.size() == 1);
  CHECK(out[0].value.get<double>() == 2.5);
}

TEST_CASE("filter.range on a sequence emits the elements within bounds, always one message") {
  auto one = [](const nlohmann::json& params, const Value& v) {
    auto out = filter("filter.range", params, v);
    REQUIRE(out.size() == 1);
    return out[0].value;
  };
  CHECK(one({{"min", 2}, {"max", 4}}, ints({5, 1, 2, 3, 4, 9, 4})).get<Slice<std::int64_t>>().to_vector() ==
        std::vector<std::int64_t>{2, 3, 4, 4});
  CHECK(one({{"max", 0.5}}, doubles({0.25, 1.0, -3.0, 0.5})).get<Slice<double>>().to_vector() ==
        std::vector<double>{0.25, -3.0, 0.5});
  CHECK(one({{"min", 100}}, ints({1, 2})).get<Slice<std::int64_t>>().empty());
  CHECK(one({{"min", 100}}, ints({})).get<Slice<std::int64_t>>().empty());
  Value all = ints({1, 2, 3});  // all within bounds: the same view, nothing copied
  CHECK(one({{"min", 1}}, all).get<Slice<std::int64_t>>().data() == all.get<Slice<std::int64_t>>().data());
  // A chunk view keeps only its own elements.
  Value chunk = Value::of(ints({1, 2, 3, 4, 5, 6}).get<Slice<std::int64_t>>().sub(2, 3));
  CHECK(one({{"max", 4}}, chunk).get<Slice<std::int64_t>>().to_vector() == std::vector<std::int64_t>{3, 4});
  CHECK_THROWS_WITH_AS(filter("filter.range", {{"min", 1}}, Value::of(std::string("x"))),
                       "expected int64, double, int64[] or double[], got string", braid::TypeError);
}

// --- filter.match ------------------------------------------------------------

TEST_CASE("filter.match: contains or regex, on strings and on batches of lines") {
  auto kept = [](const nlohmann::json& params, const std::string& s) {
    return filter("filter.match", params, Value::of(s)).size();
  };
  CHECK(kept({{"contains", "err"}}, "an error") == 1);
  CHECK(kept({{"contains", "err"}}, "all fine") == 0);
  CHECK(kept({{"contains", ""}}, "") == 1);
  CHECK(kept({{"regex", "^[0-9]+$"}}, "123") == 1);
  CHECK(kept({{"regex", "^[0-9]+$"}}, "12a") == 0);
  CHECK(kept({{"regex", "a|b"}}, "xxbxx") == 1);  // a search, not a full match

  auto batch = [](const nlohmann::json& params, const Value& v) {
    auto out = filter("filter.match", params, v);
    REQUIRE(out.size() == 1);
    return out[0].value.get<Lines>();
  };
  CHECK(batch({{"contains", "b"}}, Value::of(Lines{"ab", "cd", "b", ""})) == Lines{"ab", "b"});
  CHECK(batch({{"regex", "^W"}}, Value::of(Lines{"W1", "E2", "W3"})) == Lines{"W1", "W3"});
  CHECK(batch({{"contains", "z"}}, Value::of(Lines{"ab", "cd"})).empty());  // still emitted
  CHECK(batch({{"contains", "z"}}, Value::of(Lines{})).empty());
  CHECK_THROWS_WITH_AS(filter("filter.match", {{"contains", "x"}}, Value::of(3)),
                       "expected string or string[], got int64", braid::TypeError);
}

TEST_CASE("filter params are checked before anything runs") {
  auto one = [](const nlohmann::json& node) {
    return problems(pipeline({{"numbers", {{"kind", "source.count"}, {"params", {{"n", 3}}}}},
                              {"f", node},
                              {"out", {{"kind", "sink.output"}}}},
                             {"numbers -> f -> out"}));
  };
  CHECK(one({{"kind", "filter.range"}}) == std::vector<std::string>{"/nodes/f/params: give min, max or both"});
  CHECK(one({{"kind", "filter.range"}, {"params", {{"min", 3}, {"max", 2.5}}}}) ==
        std::vector<std::string>{"/nodes/f/params: min must not be greater than max"});
  CHECK(one({{"kind", "filter.range"}, {"params", {{"min", "3"}}}}) ==
        std::vector<std::string>{"/nodes/f/params/min: must be a number, got \"3\""});
  CHECK(one({{"kind", "filter.range"}, {"params", {{"min", 3}}}}).empty());

  auto lines = [](const nlohmann::json& node) {
    return problems(pipeline({{"in", {{"kind", "source.lines"}, {"params", {{"path", "x.txt"}}}}},
                              {"f", node},
                              {"out", {{"kind", "sink.output"}}}},
                             {"in -> f -> out"}));
  };
  CHECK(lines({{"kind", "filter.match"}}) ==
        std::vector<std::string>{"/nodes/f/params: give contains or regex (exactly one)"});
  CHECK(lines({{"kind", "filter.match"}, {"params", {{"contains", "a"}, {"regex", "a"}}}}) ==
        std::vector<std::string>{"/nodes/f/params: give contains or regex (exactly one)"});
  std::string regex_error;
  try {
    std::regex("a(b", std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    regex_error = e.what();
  }
  REQUIRE(!regex_error.empty());
  CHECK(lines({{"kind", "filter.match"}, {"params", {{"regex", "a(b"}}}}) ==
        std::vector<std::string>{"/nodes/f/params/regex: is not a valid regular expression: " + regex_error});
  CHECK(lines({{"kind", "filter.match"}, {"params", {{"regex", "a(b)"}}}}).empty());
  // Types: filter.match takes strings, filter.range numbers.
  CHECK(
      one({{"kind", "filter.match"}, {"params", {{"contains", "a"}}}}) ==
      std::vector<std::string>{"/edges/0: type mismatch: 'numbers.out' gives int64, 'f.in' accepts string, string[]"});
}

TEST_CASE("source params are checked before anything runs") {
  auto one = [](const nlohmann::json& source) {
    return problems(pipeline({{"in", source}, {"out", {{"kind", "sink.output"}}}}, {"in -> out"}));
  };
  CHECK(one({{"kind", "source.lines"}}) ==
        std::vector<std::string>{"/nodes/in/params/path: missing required parameter: a non-empty string"});
  CHECK(one({{"kind", "source.lines"}, {"params", {{"path", ""}}}}) ==
        std::vector<std::string>{"/nodes/in/params/path: must be a non-empty string, got \"\""});
  CHECK(one({{"kind", "source.lines"}, {"params", {{"path", "x"}, {"batch", 0}}}}) ==
        std::vector<std::string>{"/nodes/in/params/batch: must be a positive integer, got 0"});
  CHECK(one({{"kind", "source.blocks"}, {"params", {{"path", "x"}, {"block_size", 1073741825}}}}) ==
        std::vector<std::string>{
            "/nodes/in/params/block_size: must be an integer between 1 and 1073741824, got 1073741825"});
  CHECK(one({{"kind", "source.files"}, {"params", {{"path", "x"}, {"recursive", 1}}}}) ==
        std::vector<std::string>{"/nodes/in/params/recursive: must be true or false, got 1"});
  CHECK(one({{"kind", "source.count"}, {"params", {{"n", -1}}}}) ==
        std::vector<std::string>{"/nodes/in/params/n: must be a non-negative integer, got -1"});
}

// --- sink.file ---------------------------------------------------------------

namespace {

std::unique_ptr<braid::NodeBody> file_sink(const std::string& path, const std::string& format = "raw") {
  return make("sink.file", {{"path", path}, {"format", format}});
}

void consume(braid::NodeBody& body, std::uint64_t item, Value v) {
  static_cast<braid::SinkBody&>(body).consume(Message{Tag(item), std::move(v)});
}

void commit(braid::NodeBody& body) { static_cast<braid::SinkBody&>(body).commit(); }

}  // namespace

TEST_CASE("sink.file writes into a temporary file and renames it onto path at commit") {
  TempDir dir;
  const std::string path = dir / "out.bin";
  auto body = file_sink(path);
  consume(*body, 0, Value::of(Bytes{std::string("ab\0", 3)}));
  consume(*body, 1, Value::of(std::string("cd")));
  CHECK_FALSE(fs::exists(path));
  auto names = dir.names();
  REQUIRE(names.size() == 1);
  CHECK(std::regex_match(names[0], std::regex(R"(\.out\.bin\.braid-tmp-[A-Za-z0-9]{6})")));
  commit(*body);
  CHECK(read_file(path) == std::string("ab\0cd", 5));
  CHECK(dir.names() == std::vector<std::string>{"out.bin"});
  body.reset();  // a committed file stays
  CHECK(read_file(path) == std::string("ab\0cd", 5));
}

TEST_CASE("sink.file without commit leaves nothing, and an existing file untouched") {
  TempDir dir;
  const std::string path = dir / "out.txt";
  {
    auto body = file_sink(path);
    consume(*body, 0, Value::of(std::string("partial")));
  }
  CHECK(dir.names().empty());

  write_file(path, "before");
  {
    auto body = file_sink(path);
    consume(*body, 0, Value::of(std::string(3 << 20, 'x')));  // past the buffer: written to disk already
  }
  CHECK(dir.names() == std::vector<std::string>{"out.txt"});
  CHECK(read_file(path) == "before");

  auto body = file_sink(path);  // committed: replaces it
  consume(*body, 0, Value::of(std::string("after")));
  commit(*body);
  CHECK(read_file(path) == "after");
}

TEST_CASE("sink.file with no message commits an empty file") {
  TempDir dir;
  auto body = file_sink(dir / "empty.txt", "lines");
  commit(*body);
  CHECK(fs::exists(dir / "empty.txt"));
  CHECK(read_file(dir / "empty.txt").empty());
}

TEST_CASE("sink.file formats: raw, lines, jsonl") {
  TempDir dir;
  {
    auto body = file_sink(dir / "a.txt", "lines");
    consume(*body, 0, Value::of(std::string("one")));
    consume(*body, 1, Value::of(Lines{"two", "", "three"}));
    consume(*body, 2, Value::of(Lines{}));
    commit(*body);
    CHECK(read_file(dir / "a.txt") == "one\ntwo\n\nthree\n");
  }
  {
    auto body = file_sink(dir / "b.jsonl", "jsonl");
    consume(*body, 0, Value::of(3));
    consume(*body, 1, Value::of(Lines{"a", "b\"c"}));
    consume(*body, 2, Value::of(Bytes{"foo"}));
    consume(*body, 3, ints({1, 2}));
    consume(*body, 4, Value::of(0.5));
    commit(*body);
    CHECK(read_file(dir / "b.jsonl") == "3\n[\"a\",\"b\\\"c\"]\n\"Zm9v\"\n[1,2]\n0.5\n");
  }
  {
    auto body = file_sink(dir / "c.txt", "raw");
    for (int i = 0; i < 1000; ++i) consume(*body, static_cast<std::uint64_t>(i), Value::of(std::string(3000, 'a')));
    commit(*body);
    CHECK(read_file(dir / "c.txt") == std::string(3000000, 'a'));
  }
  {
    auto body = file_sink(dir / "d.txt", "raw");
    CHECK_THROWS_WITH_AS(consume(*body, 0, Value::of(1)), "format \"raw\" writes bytes or string values, got int64",
                         braid::TypeError);
    auto lines = file_sink(dir / "e.txt", "lines");
    CHECK_THROWS_WITH_AS(consume(*lines, 0, Value::of(Bytes{"x"})),
                         "format \"lines\" writes string or string[] values, got bytes", braid::TypeError);
    auto jsonl = file_sink(dir / "f.txt", "jsonl");
    CHECK_THROWS_WITH_AS(consume(*jsonl, 0, Value::of(std::string("\xff"))),
                         "cannot write a string value as JSON: [json.exception.type_error.316] invalid UTF-8 byte at "
                         "index 0: 0xFF",
                         braid::Error);
  }
  CHECK(dir.names() == std::vector<std::string>{"a.txt", "b.jsonl", "c.txt"});
}

TEST_CASE("sink.file errors name the path and the reason") {
  TempDir dir;
  const std::string no_dir = dir / "nowhere/out.txt";
  CHECK(make_error("sink.file", {{"path", no_dir}}) == "cannot write '" + no_dir + "': No such file or directory");
  CHECK(make_error("sink.file", {{"path", dir.path.string()}}) ==
        "cannot write '" + dir.path.string() + "': Is a directory");
  CHECK(dir.names().empty());
  if (::geteuid() != 0) {  // root writes anywhere
    fs::create_directories(dir.path / "locked");
    fs::permissions(dir.path / "locked", fs::perms::owner_read | fs::perms::owner_exec);
    const std::string locked = dir / "locked/out.txt";
    CHECK(make_error("sink.file", {{"path", locked}}) == "cannot write '" + locked + "': Permission denied");
    fs::permissions(dir.path / "locked", fs::perms::owner_all);
    CHECK(dir.names() == std::vector<std::string>{"locked"});
  }
}

TEST_CASE("sink.file: the format decides which types its input accepts") {
  auto one = [](const std::string& source_kind, const nlohmann::json& source_params, const std::string& format) {
    return problems(pipeline({{"in", {{"kind", source_kind}, {"params", source_params}}},
                              {"w", {{"kind", "sink.file"}, {"params", {{"path", "o.txt"}, {"format", format}}}}}},
                             {"in -> w"}));
  };
  const nlohmann::json count = {{"n", 2}};
  const nlohmann::json path = {{"path", "x"}};
  CHECK(one("source.count", count, "raw") ==
        std::vector<std::string>{"/edges/0: type mismatch: 'in.out' gives int64, 'w.in' accepts bytes, string"});
  CHECK(one("source.blocks", path, "lines") ==
        std::vector<std::string>{"/edges/0: type mismatch: 'in.out' gives bytes, 'w.in' accepts string, string[]"});
  CHECK(one("source.count", count, "jsonl").empty());
  CHECK(one("source.blocks", path, "raw").empty());
  CHECK(one("source.lines", path, "lines").empty());
  CHECK(one("source.files", path, "lines").empty());
  CHECK(one("source.count", count, "csv") ==
        std::vector<std::string>{"/nodes/w/params/format: must be one of \"raw\", \"lines\", \"jsonl\", got \"csv\""});
}

// --- pipelines ---------------------------------------------------------------

TEST_CASE("a grep pipeline: source.lines -> filter.match -> sink.output") {
  TempDir dir;
  const std::string path = dir / "log.txt";
  write_file(path, "INFO a\nERROR b\nINFO c\nERROR d\nERROR e\n");
  auto result = run(pipeline({{"in", {{"kind", "source.lines"}, {"params", {{"path", path}, {"batch", 2}}}}},
                              {"grep", {{"kind", "filter.match"}, {"params", {{"regex", "^ERROR"}}}}},
                              {"out", {{"kind", "sink.output"}}}},
                             {"in -> grep -> out"}));
  const auto& out = result.outputs.at("out");
  REQUIRE(out.size() == 3);  // one batch per batch read, the empty one included
  CHECK(out[0].value.get<Lines>() == Lines{"ERROR b"});
  CHECK(out[1].value.get<Lines>() == Lines{"ERROR d"});
  CHECK(out[2].value.get<Lines>() == Lines{"ERROR e"});
  CHECK(out[2].tag == Tag(2));
}

TEST_CASE("source.count -> filter.range -> sink.output keeps the tags of what passes") {
  auto result = run(pipeline({{"n", {{"kind", "source.count"}, {"params", {{"n", 10}}}}},
                              {"f", {{"kind", "filter.range"}, {"params", {{"min", 3}, {"max", 5}}}}},
                              {"out", {{"kind", "sink.output"}}}},
                             {"n -> f -> out"}));
  std::vector<std::string> got;
  for (const Message& m : result.outputs.at("out"))
    got.push_back(m.tag.to_string() + "=" + braid::to_json_text(m.value));
  CHECK(got == std::vector<std::string>{"3=3", "4=4", "5=5"});
}

TEST_CASE("source.files and source.blocks in pipelines") {
  TempDir dir;
  write_file(dir / "b.dat", "bb");
  write_file(dir / "a.dat", "a");
  auto files = run(pipeline({{"ls", {{"kind", "source.files"}, {"params", {{"path", dir.path.string()}}}}},
                             {"out", {{"kind", "sink.output"}}}},
                            {"ls -> out"}));
  CHECK(nlohmann::json::parse(braid::outputs_to_json_text(files)) ==
        nlohmann::json{{"out", {dir / "a.dat", dir / "b.dat"}}});

  auto blocks =
      run(pipeline({{"in", {{"kind", "source.blocks"}, {"params", {{"path", dir / "b.dat"}, {"block_size", 1}}}}},
                    {"out", {{"kind", "sink.output"}}}},
                   {"in -> out"}));
  CHECK(nlohmann::json::parse(braid::outputs_to_json_text(blocks)) ==
        nlohmann::json::parse(R"({"out": ["Yg==", "Yg=="]})"));
}

TEST_CASE("a source error fails the run with the node's name, and sink.file leaves nothing") {
  TempDir dir;
  const std::string missing = dir / "missing.txt";
  const std::string target = dir / "out.txt";
  const std::string text =
      pipeline({{"in", {{"kind", "source.lines"}, {"params", {{"path", missing}}}}},
                {"w", {{"kind", "sink.file"}, {"params", {{"path", target}, {"format", "lines"}}}}}},
               {"in -> w"});
  CHECK_THROWS_WITH_AS(
      run(text), ("node 'in' (source.lines) failed: cannot open '" + missing + "': No such file or directory").c_str(),
      braid::NodeError);
  CHECK(dir.names().empty());
}
