// Unit tests of the value layer: Value, Slice, Range, Record, types and codecs, Tag.
#include <braid/message.hpp>
#include <braid/value.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <cmath>
#include <limits>
#include <thread>
#include <vector>

using braid::Range;
using braid::Slice;
using braid::Tag;
using braid::Value;

TEST_CASE("scalars are stored inline with their registered types") {
  Value i = Value::of(42);
  CHECK(i.type()->name() == "int64");
  CHECK(i.get<std::int64_t>() == 42);
  CHECK(i.object() == nullptr);  // no heap allocation for a number
  CHECK(Value::of(2.5).type()->name() == "double");
  CHECK(Value::of(true).get<bool>());
  CHECK(Value::of("text").get<std::string>() == "text");
  CHECK(Value::of(std::string("s")).type_name() == "string");
  CHECK(Value().empty());
  CHECK(Value().type_name() == "empty");
}

TEST_CASE("get with the wrong type throws a TypeError naming both types") {
  Value v = Value::of(1);
  CHECK_THROWS_WITH_AS(v.get<double>(), "expected a value of type double, got int64", braid::TypeError);
  CHECK_FALSE(v.is<double>());
  CHECK(v.is<std::int64_t>());
}

TEST_CASE("a slice's sub-slices are views sharing the owner: no element is copied") {
  Slice<std::int64_t> all(std::vector<std::int64_t>{1, 2, 3, 4, 5, 6});
  long owners_before = all.owner().use_count();
  Slice<std::int64_t> part = all.sub(2, 3);
  CHECK(part.data() == all.data() + 2);
  CHECK(part.size() == 3);
  CHECK(part.to_vector() == std::vector<std::int64_t>{3, 4, 5});
  CHECK(all.owner().use_count() == owners_before + 1);

  Value v = Value::of(part);
  CHECK(v.type()->name() == "int64[]");
  Slice<std::int64_t> back = v.get<Slice<std::int64_t>>();
  CHECK(back.data() == part.data());
  CHECK(back.size() == 3);
  Value copy = v;  // copying the value copies no elements either
  CHECK(copy.get<Slice<std::int64_t>>().data() == part.data());
}

TEST_CASE("a std::vector of int64 or double becomes a sequence owning it") {
  CHECK(Value::of(std::vector<std::int64_t>{1, 2}).type()->name() == "int64[]");
  CHECK(Value::of(std::vector<double>{1.5}).get<Slice<double>>()[0] == 1.5);
}

TEST_CASE("range sizes are half-open like Python's") {
  CHECK(Range{0, 10, 1}.size() == 10);
  CHECK(Range{1, 11, 1}.size() == 10);
  CHECK(Range{0, 10, 3}.size() == 4);  // 0 3 6 9
  CHECK(Range{10, 0, -1}.size() == 10);
  CHECK(Range{10, 0, -3}.size() == 4);  // 10 7 4 1
  CHECK(Range{0, 0, 1}.size() == 0);
  CHECK(Range{5, 0, 1}.size() == 0);
  CHECK(Range{0, 5, -1}.size() == 0);
  constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  CHECK(Range{kMin, kMax, 1}.size() == std::numeric_limits<std::uint64_t>::max());
  CHECK(Range{kMax, kMin, kMin}.size() == 2);  // kMax, -1
}

TEST_CASE("range sub-ranges cover the same elements") {
  Range r{3, 40, 4};  // 3 7 11 ... 39: 10 elements
  REQUIRE(r.size() == 10);
  Range a = r.sub(0, 4), b = r.sub(4, 6);
  CHECK(a.size() == 4);
  CHECK(b.size() == 6);
  CHECK(a.at(0) == 3);
  CHECK(b.at(0) == 19);
  CHECK(b.at(5) == 39);
  CHECK(r.sub(10, 0).size() == 0);
}

TEST_CASE("a range of step 1 is held in the value itself, any other step shared, and both read back whole") {
  constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  for (const Range& r : {Range{3, 9, 1}, Range{kMin, kMax, 1}, Range{5, 0, 1}, Range{3, 40, 4}, Range{10, 0, -1},
                         Range{kMax, kMin, kMin}}) {
    const Value v = Value::of(r);
    CHECK(v.type()->name() == "range");
    CHECK(v.get<Range>() == r);
    CHECK((v.object() == nullptr) == (r.step == 1));  // no block to allocate for a step of 1
    const Value copy = v;                             // NOLINT(performance-unnecessary-copy-initialization)
    CHECK(copy.get<Range>() == r);
    CHECK(Value::make<Range>(r.begin, r.end, r.step).get<Range>() == r);
  }
  // a split's chunk of a range: inline again
  const Value chunk = Value::of(Value::of(Range{0, 64, 1}).get<Range>().sub(10, 1));
  CHECK(chunk.get<Range>() == Range{10, 11, 1});
  CHECK(chunk.object() == nullptr);
  CHECK_THROWS_AS(chunk.get<std::int64_t>(), braid::TypeError);
}

TEST_CASE("built-in codecs write JSON") {
  CHECK(braid::to_json_text(Value::of(-7)) == "-7");
  CHECK(braid::to_json_text(Value::of(0.1)) == "0.1");
  CHECK(braid::to_json_text(Value::of(std::nan(""))) == "null");
  CHECK(braid::to_json_text(Value::of(false)) == "false");
  CHECK(braid::to_json_text(Value::of("a\"b")) == "\"a\\\"b\"");
  CHECK(braid::to_json_text(Value::of(std::vector<std::int64_t>{1, 2})) == "[1,2]");
  CHECK(braid::to_json_text(Value::of(std::vector<double>{0.5})) == "[0.5]");
  CHECK(braid::to_json_text(Value::of(Range{1, 11, 1})) == R"({"begin":1,"end":11,"step":1})");
  braid::Record rec({{"sum", Value::of(10)}, {"count", Value::of(4)}});
  CHECK(braid::to_json_text(Value::of(rec)) == R"({"count":4,"sum":10})");
  CHECK(braid::to_json_text(Value::of(braid::List{Value::of(1), Value::of("x")})) == R"([1,"x"])");
  braid::Mean m;
  m.int_sum = 5;
  m.count = 2;
  CHECK(braid::to_json_text(Value::of(m)) == "2.5");
  CHECK(braid::to_json_text(Value::of(braid::Mean{})) == "null");
}

TEST_CASE("built-in codecs read JSON and refuse what does not fit") {
  const braid::Type* i64 = braid::find_type("int64");
  REQUIRE(i64 != nullptr);
  CHECK(i64->decode(nlohmann::json(5)).get<std::int64_t>() == 5);
  CHECK_THROWS_WITH_AS(i64->decode(nlohmann::json(1.5)), "expected an integer, got 1.5", braid::TypeError);
  CHECK_THROWS_WITH_AS(i64->decode(nlohmann::json::parse("18446744073709551615")),
                       "expected an integer, got 18446744073709551615", braid::TypeError);
  const braid::Type* seq = braid::find_type("double[]");
  CHECK(seq->decode(nlohmann::json::parse("[1, 2.5]")).get<Slice<double>>()[1] == 2.5);
  CHECK_THROWS_WITH_AS(seq->decode(nlohmann::json::parse("[1, \"x\"]")),
                       "expected an array of numbers, got element \"x\"", braid::TypeError);
  CHECK_THROWS_AS(braid::find_type("range")->decode(nlohmann::json::object()), braid::TypeError);
}

namespace {
struct Point {
  double x, y;
};
struct Unregistered {};
}  // namespace

TEST_CASE("user types register by name, with or without a codec") {
  braid::TypeCodec codec;
  codec.encode = [](const Value& v, nlohmann::json& out) {
    const Point& p = v.get<Point>();
    out = {p.x, p.y};
  };
  const braid::Type& t = braid::register_type<Point>("test.point", codec);
  CHECK(&braid::register_type<Point>("test.point", codec) == &t);  // idempotent
  CHECK(braid::find_type("test.point") == &t);
  Value v = Value::of(Point{1, 2});
  CHECK(v.type() == &t);
  CHECK(v.get<Point>().y == 2);
  CHECK(braid::to_json_text(v) == "[1.0,2.0]");
  CHECK_THROWS_AS(braid::register_type<Point>("test.other-name"), std::invalid_argument);
  CHECK_THROWS_AS(braid::register_type<Unregistered>("int64"), std::invalid_argument);
  CHECK_THROWS_AS(Value::of(Unregistered{}), braid::TypeError);
}

TEST_CASE("a type without a codec cannot be printed, and says so") {
  struct Opaque {};
  braid::register_type<Opaque>("test.opaque");
  CHECK_THROWS_WITH_AS(braid::to_json_text(Value::of(Opaque{})),
                       "values of type test.opaque cannot be written as JSON (no codec)", braid::TypeError);
}

TEST_CASE("records find fields by name") {
  braid::Record r({{"a", Value::of(1)}, {"b", Value::of(2)}});
  CHECK(r.at("b").get<std::int64_t>() == 2);
  CHECK(r.find("c") == nullptr);
  CHECK_THROWS_WITH_AS(r.at("c"), "record has no field 'c' (fields: a, b)", braid::TypeError);
}

namespace {
// "n0=0,n1=10,..." from walking the fields, and from indexing them.
std::string listed(const braid::Record& r) {
  std::string walked, indexed;
  for (const auto& [name, value] : r.fields()) walked += name + "=" + braid::to_json_text(value) + ",";
  for (std::size_t i = 0; i < r.fields().size(); ++i)
    indexed += r.fields()[i].first + "=" + braid::to_json_text(r.fields()[i].second) + ",";
  CHECK(walked == indexed);
  return walked;
}
}  // namespace

TEST_CASE("records of few and of many fields copy, move and assign whole") {
  for (int n : {0, 1, 4, 5, 9}) {  // up to 4 live in the record, more are allocated
    CAPTURE(n);
    std::vector<std::pair<std::string, Value>> fields;
    std::string expected;
    for (int i = 0; i < n; ++i) {
      fields.emplace_back("n" + std::to_string(i), Value::of(std::vector<std::int64_t>{std::int64_t{i}, std::int64_t{10} * i}));
      expected += "n" + std::to_string(i) + "=[" + std::to_string(i) + "," + std::to_string(10 * i) + "],";
    }
    const braid::Record original(fields);
    CHECK(original.size() == static_cast<std::size_t>(n));
    CHECK(original.fields().empty() == (n == 0));
    CHECK(listed(original) == expected);

    braid::Record copy(original);
    braid::Record moved(std::move(copy));
    CHECK(listed(moved) == expected);
    CHECK(copy.size() == 0);  // NOLINT(bugprone-use-after-move): moved-from is empty, by contract
    CHECK(listed(copy).empty());

    braid::Record assigned({{"x", Value::of(1)}});
    assigned = original;
    CHECK(listed(assigned) == expected);
    braid::Record move_assigned({{"x", Value::of(1)}, {"y", Value::of(2)}, {"z", Value::of(3)},
                                 {"w", Value::of(4)}, {"v", Value::of(5)}});
    move_assigned = std::move(assigned);
    CHECK(listed(move_assigned) == expected);
    CHECK(listed(original) == expected);  // the copies share no value storage with it

    if (n > 0) CHECK(moved.at("n" + std::to_string(n - 1)).get<braid::Slice<std::int64_t>>()[1] == 10 * (n - 1));
  }
}

TEST_CASE("records made with shared field names take their values and copy no name") {
  const std::vector<std::string> ports{"left", "right"};
  const braid::FieldNames names = braid::FieldNames::interned(ports);
  CHECK(names.size() == 2);
  CHECK(&braid::FieldNames::interned(ports)[0] == &names[0]);  // one copy per list, for the process
  CHECK(&braid::FieldNames::interned({"left"})[0] != &names[0]);

  std::vector<Value> values{Value::of(1), Value::of("two")};
  braid::Record r(names, values.data());
  CHECK(listed(r) == "left=1,right=\"two\",");
  CHECK(&r.names()[1] == &names[1]);  // shared, not copied
  CHECK(braid::to_json_text(Value::of(r)) == R"({"left":1,"right":"two"})");

  const braid::FieldNames owned(std::vector<std::string>{"a", "b", "c", "d", "e", "f"});
  std::vector<Value> six;
  for (int i = 0; i < 6; ++i) six.push_back(Value::of(i));
  const braid::Record wide(owned, six.data());
  CHECK(listed(wide) == "a=0,b=1,c=2,d=3,e=4,f=5,");
  CHECK(&braid::Record(wide).names()[5] == &owned[5]);
}

TEST_CASE("Value::make constructs its payload in place") {
  const braid::FieldNames names = braid::FieldNames::interned({"left", "right"});
  std::vector<Value> values{Value::of(1), Value::of(std::vector<std::int64_t>{2, 3})};
  const std::int64_t* elements = values[1].get<braid::Slice<std::int64_t>>().data();
  const Value made = Value::make<braid::Record>(names, values.data());
  CHECK(made.type_name() == "record");
  const braid::Record& r = made.get<braid::Record>();
  CHECK(listed(r) == "left=1,right=[2,3],");
  CHECK(&r.names()[0] == &names[0]);
  CHECK(r.at("right").get<braid::Slice<std::int64_t>>().data() == elements);  // moved in, not copied

  const Value text = Value::make<std::string>(std::size_t{3}, 'x');
  CHECK(text.get<std::string>() == "xxx");
  CHECK(braid::to_json_text(text) == braid::to_json_text(Value::of(std::string("xxx"))));
}

TEST_CASE("a record draft is filled in place, field by field, and finished into a Value that holds it") {
  for (std::size_t n : {1, 2, 4, 5, 7}) {  // inline fields, and fields in a block of their own
    CAPTURE(n);
    std::vector<std::string> ports;
    for (std::size_t i = 0; i < n; ++i) ports.push_back("in" + std::to_string(i));
    const braid::FieldNames names = braid::FieldNames::interned(ports);

    braid::Record empty(names, nullptr);  // every field empty
    REQUIRE(empty.size() == n);
    for (std::size_t i = 0; i < n; ++i) CHECK(empty.at(ports[i]).empty());

    braid::detail::RecordDraft draft;
    CHECK_FALSE(draft.started());
    draft.start(names);
    REQUIRE(draft.started());
    std::vector<const std::int64_t*> elements;
    for (std::size_t i = n; i-- > 0;) {  // in any order, as the ports' messages come
      CHECK(draft.field(i).empty());
      Value v = Value::of(std::vector<std::int64_t>{static_cast<std::int64_t>(i), 10});
      elements.insert(elements.begin(), v.get<braid::Slice<std::int64_t>>().data());
      draft.field(i) = std::move(v);
    }
    const Value made = draft.finish();
    CHECK_FALSE(draft.started());
    REQUIRE(made.type_name() == "record");
    const braid::Record& r = made.get<braid::Record>();
    REQUIRE(r.size() == n);
    CHECK(&r.names()[0] == &names[0]);
    for (std::size_t i = 0; i < n; ++i) {
      CHECK(r.at(ports[i]).object().use_count() == 1);  // held by the record alone
      const auto slice = r.at(ports[i]).get<braid::Slice<std::int64_t>>();
      CHECK(slice[0] == static_cast<std::int64_t>(i));
      CHECK(slice.data() == elements[i]);  // the payload written, not one made anew
    }

    // Dropped unfinished (a failed run's key): its values go with it.
    braid::detail::RecordDraft dropped;
    dropped.start(names);
    const Value kept = Value::of(std::vector<std::int64_t>{1, 2, 3});
    dropped.field(n - 1) = kept;
    CHECK(kept.object().use_count() == 2);
    dropped.reset();
    CHECK_FALSE(dropped.started());
    CHECK(kept.object().use_count() == 1);
  }
}

TEST_CASE("a record draft keeps a finished record of inline values and fills it again once no one else holds it") {
  for (std::size_t n : {2, 5}) {  // inline fields, and fields in a block of their own
    CAPTURE(n);
    std::vector<std::string> ports;
    for (std::size_t i = 0; i < n; ++i) ports.push_back("in" + std::to_string(i));
    const braid::FieldNames names = braid::FieldNames::interned(ports);
    braid::detail::RecordDraft draft;
    CHECK_FALSE(draft.restart(n));  // nothing kept yet
    draft.start(names);
    for (std::size_t i = 0; i < n; ++i) draft.field(i) = Value::of(static_cast<std::int64_t>(i));
    Value first = draft.finish_keep(n);
    CHECK(draft.started());  // kept
    const braid::Record* block = &first.get<braid::Record>();

    // Held elsewhere: not filled again; the holder's fields stay as they were.
    CHECK_FALSE(draft.restart(n));
    draft.start(names);
    for (std::size_t i = 0; i < n; ++i) draft.field(i) = Value::of(static_cast<std::int64_t>(10 + i));
    Value second = draft.finish_keep(n);
    CHECK(&second.get<braid::Record>() != block);
    for (std::size_t i = 0; i < n; ++i) CHECK(first.get<braid::Record>().at(ports[i]).get<std::int64_t>() == i);

    // Let go: the same block, every field empty, filled anew.
    const braid::Record* kept = &second.get<braid::Record>();
    second = Value();
    REQUIRE(draft.restart(n));
    for (std::size_t i = 0; i < n; ++i) {
      CHECK(draft.field(i).empty());
      draft.field(i) = Value::of(static_cast<std::int64_t>(20 + i));
    }
    const Value third = draft.finish_keep(n);
    CHECK(&third.get<braid::Record>() == kept);
    for (std::size_t i = 0; i < n; ++i) CHECK(third.get<braid::Record>().at(ports[i]).get<std::int64_t>() == 20 + i);

    // A value that holds a block: the record is not kept, so nothing keeps
    // the payload once the record's holders let it go.
    braid::detail::RecordDraft other;
    other.start(names);
    const Value text = Value::of(std::string(40, 'x'));
    for (std::size_t i = 0; i < n; ++i) other.field(i) = i == n - 1 ? text : Value::of(std::int64_t{1});
    Value made = other.finish_keep(n);
    CHECK_FALSE(other.started());
    CHECK(text.object().use_count() == 2);
    made = Value();
    CHECK(text.object().use_count() == 1);
    CHECK_FALSE(other.restart(n));
  }
}

TEST_CASE("a kept record read and let go on another thread is filled again only after its reads (ThreadSanitizer)") {
  // Each round's record goes to a thread that reads it and lets it go; this
  // thread waits until it is the record's only holder, then fills it again,
  // and joins the reader only after: what orders the reads before the writes
  // is the draft's own check, which ThreadSanitizer sees.
  const braid::FieldNames names = braid::FieldNames::interned({"a", "b"});
  braid::detail::RecordDraft draft;
  std::atomic<std::int64_t> total{0};
  std::thread reader;
  for (std::int64_t round = 0; round < 200; ++round) {
    if (round == 0) {
      draft.start(names);
    } else {
      while (!draft.restart(2)) std::this_thread::yield();
    }
    draft.field(0) = Value::of(round);
    draft.field(1) = Value::of(2 * round);
    Value record = draft.finish_keep(2);
    if (reader.joinable()) reader.join();
    reader = std::thread([&total, held = std::move(record)]() mutable {
      const braid::Record& r = held.get<braid::Record>();
      total += r.at("a").get<std::int64_t>() + r.at("b").get<std::int64_t>();
      held = Value();
    });
  }
  reader.join();
  CHECK(total.load() == 3 * (199 * 200 / 2));
}

TEST_CASE("shared records live in blocks each thread keeps and reuses, freed by whichever thread drops them last") {
  // Made on this thread, dropped on others (their blocks join those threads'
  // lists), more than a thread keeps; each record's fields stay intact until
  // its last reference goes (ThreadSanitizer checks the hand-over).
  const braid::FieldNames names = braid::FieldNames::interned({"i", "text"});
  std::vector<Value> made;
  for (int i = 0; i < 2000; ++i) {
    std::vector<Value> values{Value::of(i), Value::of(std::string(40, static_cast<char>('a' + i % 26)))};
    made.push_back(Value::make<braid::Record>(names, values.data()));
  }
  std::vector<std::vector<Value>> parts(4);
  for (std::size_t t = 0; t < 4; ++t)
    parts[t].assign(made.begin() + static_cast<std::ptrdiff_t>(t * 500),
                    made.begin() + static_cast<std::ptrdiff_t>((t + 1) * 500));
  made.clear();  // each thread holds the only references to its part
  std::vector<std::thread> threads;
  std::vector<std::int64_t> sums(4, 0);
  for (std::size_t t = 0; t < 4; ++t)
    threads.emplace_back([&sums, mine = std::move(parts[t]), t]() mutable {
      for (const Value& v : mine) sums[t] += v.get<braid::Record>().at("i").get<std::int64_t>();
      mine.clear();              // dropped here: the blocks join this thread's list
      std::vector<Value> again;  // made and dropped here: from this thread's own blocks
      for (int i = 0; i < 700; ++i) again.push_back(Value::of(braid::Record({{"i", Value::of(i)}})));
      for (const Value& v : again) sums[t] += v.get<braid::Record>().at("i").get<std::int64_t>();
    });
  for (auto& th : threads) th.join();
  for (std::size_t t = 0; t < 4; ++t)
    CHECK(sums[t] == static_cast<std::int64_t>((t * 500 + (t + 1) * 500 - 1) * 500 / 2 + 699 * 700 / 2));

  if (braid::detail::pool_keeps_blocks()) {  // not under AddressSanitizer
    // A block freed here is the next one this thread is given.
    void* first = braid::detail::pool_allocate(200);
    braid::detail::pool_deallocate(first, 200);
    void* second = braid::detail::pool_allocate(100);
    CHECK(second == first);
    braid::detail::pool_deallocate(second, 100);
  }
  void* big = braid::detail::pool_allocate(braid::detail::kPoolBlock + 1);  // operator new's
  braid::detail::pool_deallocate(big, braid::detail::kPoolBlock + 1);
}

TEST_CASE("tags add and remove split levels") {
  Tag item(3);
  Tag chunk = item.child(1, 4);
  CHECK(chunk.depth() == 1);
  CHECK(chunk.to_string() == "3:1/4");
  CHECK(chunk.child(0, 2).to_string() == "3:1/4:0/2");
  CHECK(chunk.parent() == item);
  CHECK(chunk.child(0, 2).parent() == chunk);
  CHECK(item.to_string() == "3");
  CHECK(chunk.last().index == 1);
  CHECK(chunk.last().count == 4);
}

TEST_CASE("tags order by item, then level by level, and equal tags hash equally") {
  Tag a = Tag(0).child(2, 4), b = Tag(0).child(10, 11), c = Tag(1);
  CHECK(a < b);
  CHECK(b < c);
  CHECK(Tag(0) < a);  // a parent sorts before its children
  CHECK_FALSE(a < a);
  CHECK(Tag(5).child(1, 2).hash() == Tag(5).child(1, 2).hash());
  CHECK(Tag(5).child(1, 2) != Tag(5).child(1, 3));
}

TEST_CASE("a tag refuses to nest deeper than kMaxDepth") {
  Tag t(0);
  for (std::size_t i = 0; i < Tag::kMaxDepth; ++i) t = t.child(0, 1);
  CHECK_THROWS_WITH_AS(t.child(0, 1), "splits nested deeper than 6 levels", braid::Error);
}
