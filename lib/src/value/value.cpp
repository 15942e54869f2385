// Value, the process-wide type table and the built-in types' JSON codecs.
#include <braid/value.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <limits>
#include <map>
#include <mutex>
#include <new>
#include <set>
#include <stdexcept>
#include <unordered_map>

namespace braid {
namespace detail {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kPooled = false;  // every block operator new's: ASan sees each record's lifetime
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kPooled = false;
#else
constexpr bool kPooled = true;
#endif
#else
constexpr bool kPooled = true;
#endif

/// The blocks a thread freed, kept for it to allocate again: a list threaded
/// through the blocks. Trivially destructible, so it stays usable while the
/// thread exits (a record freed by another thread_local's destructor);
/// Reaper, made with the first block kept, returns the blocks at exit.
struct FreeBlocks {
  void* head = nullptr;
  std::uint32_t count = 0;
  // Reaper made for the thread: a flag, so that the reaper (its TLS wrapper
  // a call) is asked for once, not whenever the list was empty.
  bool reaped = false;
  bool closed = false;  // the thread is exiting: keep nothing more
};
constexpr std::uint32_t kKeep = 512;  // 128 KiB a thread at most
thread_local FreeBlocks free_blocks;

struct Reaper {
  ~Reaper() {
    FreeBlocks& f = free_blocks;
    f.closed = true;
    while (f.head) {
      void* next = *static_cast<void**>(f.head);
      ::operator delete(f.head);
      f.head = next;
    }
    f.count = 0;
  }
};
thread_local Reaper reaper;

}  // namespace

void* pool_allocate(std::size_t bytes) {
  if (kPooled && bytes <= kPoolBlock) {
    FreeBlocks& f = free_blocks;
    if (f.head) {
      void* p = f.head;
      f.head = *static_cast<void**>(p);
      --f.count;
      return p;
    }
    return ::operator new(kPoolBlock);
  }
  return ::operator new(bytes);
}

void pool_deallocate(void* p, std::size_t bytes) noexcept {
  if (kPooled && bytes <= kPoolBlock) {
    FreeBlocks& f = free_blocks;
    if (f.count < kKeep && !f.closed) {
      if (!f.reaped) {  // made (once) before the first block is kept
        (void)&reaper;
        f.reaped = true;
      }
      *static_cast<void**>(p) = f.head;
      f.head = p;
      ++f.count;
      return;
    }
  }
  ::operator delete(p);
}

bool pool_keeps_blocks() noexcept { return kPooled; }

}  // namespace detail

namespace {

std::string got(const nlohmann::json& j) {
  std::string text = j.dump();
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return text;
}

bool fits_int64(const nlohmann::json& j) {
  return j.is_number_integer() &&
         !(j.is_number_unsigned() && j.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX));
}

void encode_double(double d, nlohmann::json& out) {
  if (std::isfinite(d))
    out = d;
  else
    out = nullptr;  // JSON has no NaN or infinity
}

template <class E>
TypeCodec sequence_codec() {
  TypeCodec c;
  c.encode = [](const Value& v, nlohmann::json& out) {
    out = nlohmann::json::array();
    auto& arr = out.get_ref<nlohmann::json::array_t&>();
    Slice<E> s = v.get<Slice<E>>();
    arr.reserve(s.size());
    for (E x : s) {
      if constexpr (std::is_same_v<E, double>) {
        nlohmann::json j;
        encode_double(x, j);
        arr.push_back(std::move(j));
      } else {
        arr.emplace_back(x);
      }
    }
  };
  c.decode = [](const nlohmann::json& j) {
    const char* what = std::is_same_v<E, double> ? "an array of numbers" : "an array of integers";
    if (!j.is_array()) throw TypeError(std::string("expected ") + what + ", got " + got(j));
    std::vector<E> xs;
    xs.reserve(j.size());
    for (const auto& e : j) {
      bool ok = std::is_same_v<E, double> ? e.is_number() : fits_int64(e);
      if (!ok) throw TypeError(std::string("expected ") + what + ", got element " + got(e));
      xs.push_back(e.get<E>());
    }
    return Value::of(Slice<E>(std::move(xs)));
  };
  return c;
}

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Base64 (RFC 4648, with '=' padding) of `data`.
std::string base64_encode(const std::string& data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  auto byte = [&](std::size_t k) { return static_cast<std::uint32_t>(static_cast<unsigned char>(data[k])); };
  for (; i + 3 <= data.size(); i += 3) {
    std::uint32_t n = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    out += kBase64[n >> 18];
    out += kBase64[(n >> 12) & 63];
    out += kBase64[(n >> 6) & 63];
    out += kBase64[n & 63];
  }
  if (std::size_t rest = data.size() - i; rest != 0) {
    std::uint32_t n = byte(i) << 16 | (rest == 2 ? byte(i + 1) << 8 : 0);
    out += kBase64[n >> 18];
    out += kBase64[(n >> 12) & 63];
    out += rest == 2 ? kBase64[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

/// The bytes whose base64 is `text`; false if `text` is not padded base64.
bool base64_decode(const std::string& text, std::string& out) {
  if (text.size() % 4 != 0) return false;
  std::int8_t digit[256];
  std::fill(std::begin(digit), std::end(digit), std::int8_t{-1});
  for (int k = 0; k < 64; ++k) digit[static_cast<unsigned char>(kBase64[k])] = static_cast<std::int8_t>(k);
  out.clear();
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    const int pad = last ? (text[i + 3] == '=') + (text[i + 2] == '=') : 0;
    if (pad == 1 && text[i + 2] == '=') return false;  // "xx=x"
    std::uint32_t n = 0;
    for (int k = 0; k < 4 - pad; ++k) {
      std::int8_t d = digit[static_cast<unsigned char>(text[i + k])];
      if (d < 0) return false;
      n |= static_cast<std::uint32_t>(d) << (18 - 6 * k);
    }
    out += static_cast<char>(n >> 16);
    if (pad < 2) out += static_cast<char>((n >> 8) & 0xFF);
    if (pad < 1) out += static_cast<char>(n & 0xFF);
  }
  return true;
}

class TypeTable {
 public:
  TypeTable() {
    TypeCodec i64;
    i64.encode = [](const Value& v, nlohmann::json& out) { out = v.get<std::int64_t>(); };
    i64.decode = [](const nlohmann::json& j) {
      if (!fits_int64(j)) throw TypeError("expected an integer, got " + got(j));
      return Value::of(j.get<std::int64_t>());
    };
    add(typeid(std::int64_t), "int64", i64);

    TypeCodec dbl;
    dbl.encode = [](const Value& v, nlohmann::json& out) { encode_double(v.get<double>(), out); };
    dbl.decode = [](const nlohmann::json& j) {
      if (!j.is_number()) throw TypeError("expected a number, got " + got(j));
      return Value::of(j.get<double>());
    };
    add(typeid(double), "double", dbl);

    TypeCodec boolean;
    boolean.encode = [](const Value& v, nlohmann::json& out) { out = v.get<bool>(); };
    boolean.decode = [](const nlohmann::json& j) {
      if (!j.is_boolean()) throw TypeError("expected true or false, got " + got(j));
      return Value::of(j.get<bool>());
    };
    add(typeid(bool), "bool", boolean);

    TypeCodec str;
    str.encode = [](const Value& v, nlohmann::json& out) { out = v.get<std::string>(); };
    str.decode = [](const nlohmann::json& j) {
      if (!j.is_string()) throw TypeError("expected a string, got " + got(j));
      return Value::of(j.get<std::string>());
    };
    add(typeid(std::string), "string", str);

    add(typeid(Slice<std::int64_t>), "int64[]", sequence_codec<std::int64_t>());
    add(typeid(Slice<double>), "double[]", sequence_codec<double>());

    TypeCodec range;
    range.encode = [](const Value& v, nlohmann::json& out) {
      const Range& r = v.get<Range>();
      out = {{"begin", r.begin}, {"end", r.end}, {"step", r.step}};
    };
    add(typeid(Range), "range", range);

    TypeCodec record;
    record.encode = [](const Value& v, nlohmann::json& out) {
      out = nlohmann::json::object();
      for (const auto& [name, field] : v.get<Record>().fields()) {
        if (field.empty()) throw TypeError("record field '" + name + "' is empty");
        field.type()->encode(field, out[name]);
      }
    };
    add(typeid(Record), "record", record);

    TypeCodec list;
    list.encode = [](const Value& v, nlohmann::json& out) {
      out = nlohmann::json::array();
      for (const Value& e : v.get<List>()) {
        nlohmann::json j;
        if (!e.empty()) e.type()->encode(e, j);
        out.push_back(std::move(j));
      }
    };
    add(typeid(List), "list", list);

    TypeCodec mean;
    mean.encode = [](const Value& v, nlohmann::json& out) { encode_double(v.get<Mean>().value(), out); };
    add(typeid(Mean), "mean", mean);

    TypeCodec bytes;
    bytes.encode = [](const Value& v, nlohmann::json& out) { out = base64_encode(v.get<Bytes>().data); };
    bytes.decode = [](const nlohmann::json& j) {
      Bytes b;
      if (!j.is_string() || !base64_decode(j.get_ref<const std::string&>(), b.data))
        throw TypeError("expected a base64 string, got " + got(j));
      return Value::of(std::move(b));
    };
    add(typeid(Bytes), "bytes", bytes);

    TypeCodec lines;
    lines.encode = [](const Value& v, nlohmann::json& out) { out = v.get<Lines>(); };
    lines.decode = [](const nlohmann::json& j) {
      if (!j.is_array()) throw TypeError("expected an array of strings, got " + got(j));
      Lines xs;
      xs.reserve(j.size());
      for (const auto& e : j) {
        if (!e.is_string()) throw TypeError("expected an array of strings, got element " + got(e));
        xs.push_back(e.get<std::string>());
      }
      return Value::of(std::move(xs));
    };
    add(typeid(Lines), "string[]", lines);
  }

  const Type& add(std::type_index cpp, std::string name, TypeCodec codec, SequenceOps sequence = {}) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto by_cpp = by_cpp_.find(cpp);
    auto by_name = by_name_.find(name);
    if (by_cpp != by_cpp_.end() && by_cpp->second->name() == name) return *by_cpp->second;
    if (by_cpp != by_cpp_.end())
      throw std::invalid_argument("braid::register_type: this C++ type is already registered as '" +
                                  by_cpp->second->name() + "'");
    if (by_name != by_name_.end())
      throw std::invalid_argument("braid::register_type: the name '" + name +
                                  "' is already taken by another C++ type");
    if (name.empty()) throw std::invalid_argument("braid::register_type: a type needs a name");
    auto type = std::make_unique<Type>(name, cpp, std::move(codec), sequence);
    const Type* raw = type.get();
    by_cpp_.emplace(cpp, std::move(type));
    by_name_.emplace(std::move(name), raw);
    return *raw;
  }

  const Type* find(std::type_index cpp) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = by_cpp_.find(cpp);
    return it == by_cpp_.end() ? nullptr : it->second.get();
  }

  std::vector<const Type*> all() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<const Type*> out;
    for (const auto& entry : by_name_) out.push_back(entry.second);
    return out;
  }

  const Type* find(std::string_view name) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = by_name_.find(name);
    return it == by_name_.end() ? nullptr : it->second;
  }

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::type_index, std::unique_ptr<Type>> by_cpp_;
  std::map<std::string, const Type*, std::less<>> by_name_;
};

TypeTable& table() {
  static TypeTable t;
  return t;
}

}  // namespace

Type::Type(std::string name, std::type_index cpp_type, TypeCodec codec, SequenceOps sequence)
    : name_(std::move(name)), cpp_type_(cpp_type), codec_(std::move(codec)), sequence_(sequence) {}

void Type::encode(const Value& value, nlohmann::json& out) const {
  if (!codec_.encode) throw TypeError("values of type " + name_ + " cannot be written as JSON (no codec)");
  codec_.encode(value, out);
}

Value Type::decode(const nlohmann::json& in) const {
  if (!codec_.decode) throw TypeError("values of type " + name_ + " cannot be read from JSON (no codec)");
  return codec_.decode(in);
}

namespace detail {
const Type& register_type(std::type_index cpp_type, std::string name, TypeCodec codec) {
  return table().add(cpp_type, std::move(name), std::move(codec));
}

const Type& register_type(std::type_index cpp_type, std::string name, TypeCodec codec, SequenceOps sequence) {
  return table().add(cpp_type, std::move(name), std::move(codec), sequence);
}

const Type& type_for(std::type_index cpp_type) {
  const Type* t = table().find(cpp_type);
  if (!t)
    throw TypeError(std::string("C++ type ") + cpp_type.name() +
                    " is not a registered braid type (call braid::register_type first)");
  return *t;
}
}  // namespace detail

const Type* find_type(std::string_view name) { return table().find(name); }

std::vector<const Type*> registered_types() { return table().all(); }

const std::string& Value::type_name() const noexcept {
  static const std::string kEmpty = "empty";
  return type_ ? type_->name() : kEmpty;
}

void Value::throw_mismatch(const Type& wanted) const {
  throw TypeError("expected a value of type " + wanted.name() + ", got " + type_name());
}

std::size_t Range::size() const noexcept {
  auto u = [](std::int64_t x) { return static_cast<std::uint64_t>(x); };
  if (step == 1) return begin < end ? static_cast<std::size_t>(u(end) - u(begin)) : 0;  // no division
  if (step > 0) {
    if (begin >= end) return 0;
    return static_cast<std::size_t>((u(end) - u(begin) - 1) / u(step) + 1);
  }
  if (begin <= end) return 0;
  std::uint64_t magnitude = u(-(step + 1)) + 1;
  return static_cast<std::size_t>((u(begin) - u(end) - 1) / magnitude + 1);
}

Range Range::sub(std::size_t offset, std::size_t count) const noexcept {
  std::size_t n = size();
  Range r;
  r.step = step;
  r.begin = at(offset);
  r.end = offset + count >= n ? end : at(offset + count);
  if (count == 0) r.end = r.begin;
  return r;
}

double Mean::value() const noexcept {
  if (count == 0) return std::numeric_limits<double>::quiet_NaN();
  double sum = integral ? static_cast<double>(int_sum) : double_sum;
  return sum / static_cast<double>(count);
}

FieldNames::FieldNames(std::vector<std::string> names)
    : names_(std::make_shared<const std::vector<std::string>>(std::move(names))) {}

FieldNames FieldNames::interned(const std::vector<std::string>& names) {
  static std::mutex mutex;
  static auto* lists = new std::set<std::vector<std::string>>();  // never freed: records may outlive statics
  const std::vector<std::string>* list;
  {
    std::lock_guard<std::mutex> lock(mutex);
    list = &*lists->insert(names).first;
  }
  FieldNames out;
  out.names_ = std::shared_ptr<const std::vector<std::string>>(std::shared_ptr<const void>(), list);  // owns nothing
  return out;
}

// Constructs values_ (size() of them, names_ already set), the i-th from from(i).
template <class From>
void Record::take_values(From from) {
  const std::size_t n = size();
  if (n > kInline) values_ = static_cast<Value*>(::operator new(n * sizeof(Value)));
  std::size_t i = 0;
  try {
    for (; i < n; ++i) new (&values_[i]) Value(from(i));
  } catch (...) {  // a Value's copy does not throw today; stay exact if one ever does
    while (i > 0) values_[--i].~Value();
    if (values_ != inline_) ::operator delete(values_);
    values_ = inline_;
    names_ = FieldNames();
    throw;
  }
}

Record::Record(std::vector<std::pair<std::string, Value>> fields) : values_(inline_) {
  std::vector<std::string> names;
  names.reserve(fields.size());
  for (auto& field : fields) names.push_back(std::move(field.first));
  names_ = FieldNames(std::move(names));
  take_values([&](std::size_t i) -> Value&& { return std::move(fields[i].second); });
}

Record::Record(FieldNames names, Value* values) : names_(std::move(names)), values_(inline_) {
  if (values) {
    take_values([values](std::size_t i) -> Value&& { return std::move(values[i]); });
  } else if (size() <= kInline) {
    // Every inline value made empty, past size() too: a fixed size, written
    // in a few stores, where as many as size() were a call to memset (a
    // join's records are made so). The ones past size() hold nothing, and
    // are never destroyed.
    for (Value& v : inline_) new (&v) Value();
  } else {
    make_empty_values();
  }
}

// More than kInline fields, each empty.
void Record::make_empty_values() {
  values_ = static_cast<Value*>(::operator new(size() * sizeof(Value)));
  for (std::size_t i = 0; i < size(); ++i) new (&values_[i]) Value();
}

Record::Record(const Record& o) : names_(o.names_), values_(inline_) {
  take_values([&o](std::size_t i) -> const Value& { return o.values_[i]; });
}

Record::Record(Record&& o) noexcept : values_(inline_) { steal(o); }

Record& Record::operator=(const Record& o) {
  if (this != &o) *this = Record(o);
  return *this;
}

Record& Record::operator=(Record&& o) noexcept {
  if (this != &o) {
    release();
    steal(o);
  }
  return *this;
}

Record::~Record() {
  for (std::size_t i = 0, n = size(); i < n; ++i) values_[i].~Value();
  if (values_ != inline_) ::operator delete(values_);
}

// Takes o's fields (this one holds none); leaves o empty.
void Record::steal(Record& o) noexcept {
  const std::size_t n = o.size();
  if (o.values_ != o.inline_) {
    values_ = o.values_;
  } else {
    for (std::size_t i = 0; i < n; ++i) {
      new (&inline_[i]) Value(std::move(o.inline_[i]));
      o.inline_[i].~Value();
    }
  }
  o.values_ = o.inline_;
  names_ = std::move(o.names_);
  o.names_ = FieldNames();
}

// Empties the record: no names, no values held.
void Record::release() noexcept {
  for (std::size_t i = 0, n = size(); i < n; ++i) values_[i].~Value();
  if (values_ != inline_) ::operator delete(values_);
  values_ = inline_;
  names_ = FieldNames();
}

const Value* Record::find(std::string_view name) const noexcept {
  for (std::size_t i = 0; i < size(); ++i)
    if (names_[i] == name) return &values_[i];
  return nullptr;
}

const Value& Record::at(std::string_view name) const {
  if (const Value* v = find(name)) return *v;
  std::string names;
  for (std::size_t i = 0; i < size(); ++i) names += (names.empty() ? "" : ", ") + names_[i];
  throw TypeError("record has no field '" + std::string(name) + "' (fields: " + names + ")");
}

std::string to_json_text(const Value& value) {
  if (value.empty()) return "null";
  nlohmann::json j;
  value.type()->encode(value, j);
  return j.dump();
}

}  // namespace braid
