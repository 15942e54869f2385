#pragma once
/// \file
/// Values: the immutable, type-tagged payloads that travel through a pipeline.
///
/// A Value is cheap to copy: numbers and booleans are stored inline, a sequence
/// is a *view* (owner + pointer + length) into a buffer that may be shared by
/// many chunks, and any other object is held by shared ownership. Types are
/// registered by name, optionally with a JSON codec used to print outputs.
///
/// ```cpp
/// braid::Value n = braid::Value::of(42);                 // int64, inline
/// auto xs = braid::Slice<std::int64_t>(std::vector<std::int64_t>{1, 2, 3, 4});
/// braid::Value v = braid::Value::of(xs.sub(1, 2));       // view of {2, 3}: no copy
/// v.type()->name();                                      // "int64[]"
/// v.get<braid::Slice<std::int64_t>>()[0];                // 2
/// ```
///
/// Built-in types: int64, double, bool, string, int64[], double[], range,
/// record, list, mean, bytes and string[]; all of them have JSON codecs.
#include <braid/error.hpp>

#include <nlohmann/json_fwd.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeindex>
#include <utility>
#include <vector>

namespace braid {

class Value;

/// How a registered type is written to and read from JSON. Either may be empty.
struct TypeCodec {
  /// Writes `value` (which has this type) as JSON into `out`.
  std::function<void(const Value& value, nlohmann::json& out)> encode;
  /// Reads a value of this type from `in`; throws braid::TypeError if `in` does not fit.
  std::function<Value(const nlohmann::json& in)> decode;
};

/// How the values of a sequence type (a registered Slice<E>) are measured and
/// cut into views, so that `split` can cut them. register_type<Slice<E>> sets it.
struct SequenceOps {
  /// Number of elements of `value`.
  std::size_t (*size)(const Value& value) = nullptr;
  /// The elements [offset, offset + count) of `value`, a view sharing its storage.
  Value (*sub)(const Value& value, std::size_t offset, std::size_t count) = nullptr;
};

/// A registered value type. Types live for the whole process; compare them by address.
class Type {
 public:
  /// Use braid::register_type, which keeps the one Type of each C++ type;
  /// a Type made directly is known to no Value.
  Type(std::string name, std::type_index cpp_type, TypeCodec codec, SequenceOps sequence = {});

  /// The name users see in specs, `braid kinds` and error messages ("int64[]").
  const std::string& name() const noexcept { return name_; }
  /// The C++ type whose values carry this type.
  std::type_index cpp_type() const noexcept { return cpp_type_; }
  /// Whether values of this type can be written as JSON.
  bool can_encode() const noexcept { return static_cast<bool>(codec_.encode); }
  /// Whether values of this type can be read from JSON.
  bool can_decode() const noexcept { return static_cast<bool>(codec_.decode); }
  /// Writes `value` as JSON. Throws braid::TypeError if the type has no encoder.
  void encode(const Value& value, nlohmann::json& out) const;
  /// Reads a value from JSON. Throws braid::TypeError if the type has no decoder or `in` does not fit.
  Value decode(const nlohmann::json& in) const;
  /// How `split` cuts values of this type: set for a registered Slice<E> of a
  /// user's element type E; nullptr otherwise (the built-in sequences included).
  const SequenceOps* sequence() const noexcept { return sequence_.size ? &sequence_ : nullptr; }

 private:
  std::string name_;
  std::type_index cpp_type_;
  TypeCodec codec_;
  SequenceOps sequence_;
};

/// \cond INTERNAL
namespace detail {
const Type& register_type(std::type_index cpp_type, std::string name, TypeCodec codec);
const Type& register_type(std::type_index cpp_type, std::string name, TypeCodec codec, SequenceOps sequence);
const Type& type_for(std::type_index cpp_type);  // throws TypeError if unregistered
template <class T>
struct SequenceOf {  // T is no sequence; Slice<E> below is
  static SequenceOps ops() noexcept { return {}; }
};
}  // namespace detail
/// \endcond

/// Registers the C++ type T under `name`. Thread-safe. Registering the same T
/// under the same name again returns the existing Type; a name or a T already
/// registered otherwise throws std::invalid_argument. A Slice<E> (name it
/// "E[]", as "int64[]") is registered as a sequence: `split` cuts it into views.
template <class T>
const Type& register_type(std::string name, TypeCodec codec = {}) {
  return detail::register_type(std::type_index(typeid(T)), std::move(name), std::move(codec),
                               detail::SequenceOf<T>::ops());
}

/// The registered Type of T. Throws braid::TypeError if T was never registered.
template <class T>
const Type& type_of() {
  static const Type& type = detail::type_for(std::type_index(typeid(T)));
  return type;
}

/// The registered type called `name`, or nullptr. Thread-safe.
const Type* find_type(std::string_view name);

/// Every registered type, sorted by name. Thread-safe.
std::vector<const Type*> registered_types();

/// A read-only view of `size()` contiguous elements whose storage is kept
/// alive by a shared owner. Copying or sub-slicing never copies elements.
/// The elements live as long as any Slice (or Value) sharing the owner; a
/// Slice may be read from any number of threads at once.
template <class T>
class Slice {
 public:
  /// An empty view with no owner.
  Slice() = default;
  /// Takes ownership of `elements`.
  explicit Slice(std::vector<T> elements) {
    auto owner = std::make_shared<const std::vector<T>>(std::move(elements));
    data_ = owner->data();
    size_ = owner->size();
    owner_ = std::move(owner);
  }
  /// A view of `size` elements at `data`, kept alive by `owner`.
  Slice(std::shared_ptr<const void> owner, const T* data, std::size_t size) noexcept
      : owner_(std::move(owner)), data_(data), size_(size) {}

  /// The first element (nullptr when default-constructed).
  const T* data() const noexcept { return data_; }
  /// The number of elements.
  std::size_t size() const noexcept { return size_; }
  /// Whether size() is 0.
  bool empty() const noexcept { return size_ == 0; }
  /// Iterator to the first element.
  const T* begin() const noexcept { return data_; }
  /// Iterator past the last element.
  const T* end() const noexcept { return data_ + size_; }
  /// Element `i`; requires i < size() (unchecked).
  const T& operator[](std::size_t i) const noexcept { return data_[i]; }
  /// The elements [offset, offset + count), sharing this slice's owner. Requires offset + count <= size().
  Slice sub(std::size_t offset, std::size_t count) const noexcept {
    return Slice(owner_, data_ + offset, count);
  }
  /// What keeps the elements alive.
  const std::shared_ptr<const void>& owner() const noexcept { return owner_; }
  /// A copy of the elements.
  std::vector<T> to_vector() const { return std::vector<T>(begin(), end()); }

 private:
  std::shared_ptr<const void> owner_;
  const T* data_ = nullptr;
  std::size_t size_ = 0;
};

/// The lazy integer sequence begin, begin + step, ... stopping before `end`
/// (half-open, like Python's range). Holds bounds, never elements.
struct Range {
  std::int64_t begin = 0;  ///< the first element (if begin < end for a positive step)
  std::int64_t end = 0;    ///< the bound, excluded
  std::int64_t step = 1;   ///< never 0; may be negative

  /// Number of elements.
  std::size_t size() const noexcept;
  /// The i-th element; requires i < size().
  std::int64_t at(std::size_t i) const noexcept {
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(begin) +
                                     static_cast<std::uint64_t>(i) * static_cast<std::uint64_t>(step));
  }
  /// The elements [offset, offset + count) as a Range; requires offset + count <= size().
  Range sub(std::size_t offset, std::size_t count) const noexcept;
  /// Same begin, end and step.
  bool operator==(const Range& o) const noexcept { return begin == o.begin && end == o.end && step == o.step; }
};

/// The partial state of an exact mean: a sum and how many values it holds.
/// Integer inputs keep an exact integer sum.
struct Mean {
  bool integral = true;      ///< the sum is int_sum (else double_sum)
  std::int64_t int_sum = 0;  ///< the sum of integer inputs
  double double_sum = 0.0;   ///< the sum of floating-point inputs
  std::int64_t count = 0;    ///< how many values were summed
  /// sum / count, or NaN when count is 0.
  double value() const noexcept;
};

/// A sequence of values of any types (what gather.concat makes of non-sequence values).
using List = std::vector<Value>;

/// Raw binary data, e.g. one block of a file (type `bytes`). Its JSON form is
/// a string holding the base64 (RFC 4648, padded) of `data`.
struct Bytes {
  std::string data;  ///< the bytes (any values, '\0' included)
  /// Same bytes.
  bool operator==(const Bytes& o) const noexcept { return data == o.data; }
};

/// A batch of text lines, without their '\n' (type `string[]`; JSON: an array
/// of strings). `Value::of(std::vector<std::string>{...})` makes one.
using Lines = std::vector<std::string>;

/// \cond INTERNAL
namespace detail {
template <class T, class Enable = void>
struct ValueTraits;
class RecordDraft;
}  // namespace detail
/// \endcond

/// An immutable, type-tagged payload. Copying is cheap (no element data is
/// copied); a default-constructed Value is empty. Values may be read from
/// any number of threads at once.
class Value {
 public:
  /// An empty value (no type).
  Value() noexcept = default;

  /// Wraps `v`: integers become int64, floating-point numbers double, C strings
  /// string, std::vector<int64_t|double> a sequence owning the vector.
  /// Throws braid::TypeError if the resulting C++ type is not registered.
  template <class T>
  static Value of(T&& v);

  /// Wraps a T constructed in place from `args`, for a type held by shared
  /// ownership (any but int64, double, bool and Slice<E>; a Range of step 1
  /// is then held in the Value, as by of()): the same as
  /// `of(T(args...))` without moving the finished T into the Value, as in
  /// `Value::make<Record>(names, values)`. Throws braid::TypeError if T is
  /// not registered.
  template <class T, class... Args>
  static Value make(Args&&... args);

  /// The value's type, or nullptr when empty.
  const Type* type() const noexcept { return type_; }
  /// Whether the value is empty (default-constructed).
  bool empty() const noexcept { return type_ == nullptr; }
  /// The type's name, or "empty".
  const std::string& type_name() const noexcept;

  /// Whether the value holds a T (T as accepted by get()).
  template <class T>
  bool is() const {
    return type_ == &type_of<T>();
  }

  /// The payload as T: by value for int64_t, double, bool, Range and
  /// Slice<E>, by const reference otherwise (valid while any copy of this
  /// Value lives).
  /// Throws braid::TypeError naming both types when the value holds another type.
  template <class T>
  decltype(auto) get() const;

  /// Raw storage, for codecs and the runtime.
  const std::shared_ptr<const void>& object() const noexcept { return object_; }

 private:
  /// \cond INTERNAL
  template <class, class>
  friend struct detail::ValueTraits;
  friend class detail::RecordDraft;  // empties a kept record's fields, which hold no block, in place

  [[noreturn]] void throw_mismatch(const Type& wanted) const;

  union Inline {
    std::int64_t i;
    double d;
    bool b;
    struct View {
      const void* data;
      std::size_t size;
    } view;
    struct Span {  // a Range of step 1
      std::int64_t begin;
      std::int64_t end;
    } span;
  };

  const Type* type_ = nullptr;
  std::shared_ptr<const void> object_;
  Inline inline_{};
  /// \endcond
};

/// \cond INTERNAL
namespace detail {

// Any other registered type: held by shared ownership.
template <class T, class Enable>
struct ValueTraits {
  static void store(Value& out, T&& v) {
    out.object_ = std::make_shared<const T>(std::move(v));
  }
  static void store(Value& out, const T& v) { out.object_ = std::make_shared<const T>(v); }
  template <class... Args>
  static void emplace(Value& out, Args&&... args) {
    out.object_ = std::make_shared<const T>(std::forward<Args>(args)...);
  }
  static const T& load(const Value& v) { return *static_cast<const T*>(v.object_.get()); }
};

template <>
struct ValueTraits<std::int64_t> {
  static void store(Value& out, std::int64_t v) noexcept { out.inline_.i = v; }
  static std::int64_t load(const Value& v) noexcept { return v.inline_.i; }
};
template <>
struct ValueTraits<double> {
  static void store(Value& out, double v) noexcept { out.inline_.d = v; }
  static double load(const Value& v) noexcept { return v.inline_.d; }
};
template <>
struct ValueTraits<bool> {
  static void store(Value& out, bool v) noexcept { out.inline_.b = v; }
  static bool load(const Value& v) noexcept { return v.inline_.b; }
};
// A Range of step 1 (every range a source makes, and a split's chunks of
// them) in the Value itself: a chunk of a range costs no allocation (a
// split into 64 made and freed 64 blocks a round). Any other step is shared.
template <>
struct ValueTraits<Range> {
  static void store(Value& out, const Range& r) {
    if (r.step == 1)
      out.inline_.span = {r.begin, r.end};
    else
      out.object_ = std::make_shared<const Range>(r);
  }
  template <class... Args>
  static void emplace(Value& out, Args&&... args) {
    store(out, Range{std::forward<Args>(args)...});
  }
  static Range load(const Value& v) noexcept {
    if (v.object_) return *static_cast<const Range*>(v.object_.get());
    return Range{v.inline_.span.begin, v.inline_.span.end, 1};
  }
};
template <class E>
struct ValueTraits<Slice<E>> {
  static void store(Value& out, Slice<E> s) noexcept {
    out.inline_.view = {s.data(), s.size()};
    out.object_ = s.owner();
  }
  static Slice<E> load(const Value& v) noexcept {
    return Slice<E>(v.object_, static_cast<const E*>(v.inline_.view.data), v.inline_.view.size);
  }
};

// The C++ type a Value::of(T) argument is stored as.
template <class T>
struct StoredAs {
  using type = std::conditional_t<
      std::is_same_v<T, bool>, bool,
      std::conditional_t<std::is_integral_v<T>, std::int64_t,
                         std::conditional_t<std::is_floating_point_v<T>, double, T>>>;
};
template <>
struct StoredAs<const char*> {
  using type = std::string;
};
template <>
struct StoredAs<char*> {
  using type = std::string;
};
template <class E>
struct StoredAs<std::vector<E>> {
  using type = std::conditional_t<std::is_same_v<E, std::int64_t> || std::is_same_v<E, double>,
                                  Slice<E>, std::vector<E>>;
};

template <class E>
struct SequenceOf<Slice<E>> {
  static SequenceOps ops() noexcept {
    SequenceOps ops;
    ops.size = [](const Value& v) { return v.get<Slice<E>>().size(); };
    ops.sub = [](const Value& v, std::size_t offset, std::size_t count) {
      return Value::of(v.get<Slice<E>>().sub(offset, count));
    };
    return ops;
  }
};
}  // namespace detail
/// \endcond

template <class T>
Value Value::of(T&& v) {
  using Arg = std::decay_t<T>;
  using Stored = typename detail::StoredAs<Arg>::type;
  Value out;
  out.type_ = &type_of<Stored>();
  if constexpr (std::is_same_v<Arg, Stored>) {
    detail::ValueTraits<Stored>::store(out, std::forward<T>(v));
  } else if constexpr (std::is_arithmetic_v<Arg>) {
    detail::ValueTraits<Stored>::store(out, static_cast<Stored>(v));
  } else {
    detail::ValueTraits<Stored>::store(out, Stored(std::forward<T>(v)));
  }
  return out;
}

template <class T, class... Args>
Value Value::make(Args&&... args) {
  static_assert(std::is_same_v<typename detail::StoredAs<T>::type, T>, "Value::make<T>: T is stored as another type");
  Value out;
  out.type_ = &type_of<T>();
  detail::ValueTraits<T>::emplace(out, std::forward<Args>(args)...);  // none for an inline type
  return out;
}

template <class T>
decltype(auto) Value::get() const {
  const Type& wanted = type_of<T>();
  if (type_ != &wanted) throw_mismatch(wanted);
  return detail::ValueTraits<T>::load(*this);
}

/// The names of a record's fields, in order, shared by every record made
/// with them (a join makes all its records with one FieldNames: a record
/// then copies no name). Cheap to copy.
class FieldNames {
 public:
  /// No names.
  FieldNames() = default;
  /// Owns `names`; copies share them (reference-counted).
  explicit FieldNames(std::vector<std::string> names);
  /// The one process-lifetime copy of `names`: made on first use, kept until
  /// the process exits, and shared with no reference count, so a record made
  /// with it copies a pointer and touches no shared counter. For name lists
  /// of which a program has few (a join's ports); thread-safe.
  static FieldNames interned(const std::vector<std::string>& names);

  /// The number of names.
  std::size_t size() const noexcept { return names_ ? names_->size() : 0; }
  /// Name `i`; requires i < size().
  const std::string& operator[](std::size_t i) const noexcept { return (*names_)[i]; }

 private:
  std::shared_ptr<const std::vector<std::string>> names_;  // for interned lists, owns nothing
};

namespace detail {
struct EmptyFields {};  // Record's constructor of a record whose fields are all empty
}  // namespace detail

/// A record: named fields in a fixed order (a join's output: one field per port).
/// Immutable once made; readable from any number of threads. Up to four
/// fields live in the record itself (a Value of a record is then one
/// allocation); the names are shared (FieldNames), not copied.
///
/// ```cpp
/// braid::Record r({{"sum", braid::Value::of(10)}, {"count", braid::Value::of(4)}});
/// r.at("sum").get<std::int64_t>();                     // 10
/// for (const auto& [name, value] : r.fields()) ...     // "sum", then "count"
/// ```
class Record {
 public:
  /// One field, as fields() yields it: references into the record.
  using Field = std::pair<const std::string&, const Value&>;

  /// Every field of a record, in order (a view; valid while the record lives).
  class Fields {
   public:
    /// Walks the fields in order; yields Field by value.
    class iterator {
     public:
      using iterator_category = std::forward_iterator_tag;  ///< forward: read once per step
      using value_type = Field;                              ///< a pair of references
      using difference_type = std::ptrdiff_t;                ///< as for any iterator
      using reference = Field;                               ///< by value: the pair is made per step
      using pointer = void;                                  ///< none: no Field lives to point to
      /// A singular iterator (compare it with nothing).
      iterator() = default;
      /// The current field.
      Field operator*() const noexcept { return (*fields_)[i_]; }
      /// To the next field.
      iterator& operator++() noexcept {
        ++i_;
        return *this;
      }
      /// To the next field; returns where it was.
      iterator operator++(int) noexcept {
        iterator old = *this;
        ++i_;
        return old;
      }
      /// Same position (iterators of one record's fields).
      bool operator==(const iterator& o) const noexcept { return i_ == o.i_; }
      /// Different positions.
      bool operator!=(const iterator& o) const noexcept { return i_ != o.i_; }

     private:
      friend class Fields;
      iterator(const Fields* fields, std::size_t i) noexcept : fields_(fields), i_(i) {}
      const Fields* fields_ = nullptr;
      std::size_t i_ = 0;
    };

    /// The number of fields.
    std::size_t size() const noexcept { return record_->size(); }
    /// Whether there are none.
    bool empty() const noexcept { return size() == 0; }
    /// Field `i`; requires i < size().
    Field operator[](std::size_t i) const noexcept { return Field(record_->names_[i], record_->values_[i]); }
    /// The first field.
    iterator begin() const noexcept { return iterator(this, 0); }
    /// Past the last field.
    iterator end() const noexcept { return iterator(this, size()); }

   private:
    friend class Record;
    explicit Fields(const Record* record) noexcept : record_(record) {}
    const Record* record_;
  };

  /// A record with no fields.
  Record() noexcept : values_(inline_) {}
  /// A record of `fields`, in that order (names should be unique: at() and
  /// find() return the first field of a name).
  explicit Record(std::vector<std::pair<std::string, Value>> fields);
  /// A record of the fields `names`, whose values are moved out of
  /// values[0 .. names.size()): the names are shared, not copied. With
  /// `values` null every field is empty.
  Record(FieldNames names, Value* values);
  /// \cond INTERNAL
  /// The fields `names`, each empty (as Record(names, nullptr)), made inline:
  /// a join makes one record per key (detail::RecordDraft).
  Record(const FieldNames& names, detail::EmptyFields) : names_(names), values_(inline_) {
    if (names_.size() <= kInline)
      for (Value& v : inline_) new (&v) Value();  // all four: a fixed size, a few stores
    else
      make_empty_values();
  }
  /// \endcond
  /// The same fields (the values are copied: cheap, they share their payloads).
  Record(const Record& o);
  /// Takes o's fields; o is left with none.
  Record(Record&& o) noexcept;
  /// Replaces the fields with copies of o's.
  Record& operator=(const Record& o);
  /// Takes o's fields; o is left with none.
  Record& operator=(Record&& o) noexcept;
  /// Releases the values.
  ~Record();

  /// The field called `name`. Throws braid::TypeError if there is none.
  const Value& at(std::string_view name) const;
  /// The field called `name`, or nullptr.
  const Value* find(std::string_view name) const noexcept;
  /// Every field, in order: `for (const auto& [name, value] : r.fields())`.
  Fields fields() const noexcept { return Fields(this); }
  /// The number of fields.
  std::size_t size() const noexcept { return names_.size(); }
  /// The names of the fields, in order.
  const FieldNames& names() const noexcept { return names_; }

 private:
  static constexpr std::size_t kInline = 4;
  template <class From>  // from(i): what the i-th value is made from (Value&& or const Value&)
  void take_values(From from);
  void steal(Record& o) noexcept;
  void make_empty_values();
  void release() noexcept;
  friend class detail::RecordDraft;  // fills a record's fields before it is shared

  FieldNames names_;
  Value* values_;  // size() constructed values: inline_ when size() <= kInline, else allocated
  union {
    Value inline_[kInline];  // constructed one by one, as many as the record has (no zeroing of the rest)
  };
};

namespace detail {
/// Memory for a shared Record (its block and count): a join makes one per
/// key, and malloc's free list overflowed on them (a fifth of a task-graph
/// join's instructions went to malloc and free). Each thread keeps up to a
/// few hundred blocks of `kPoolBlock` bytes it freed, for the next records it
/// makes; a bigger request goes to operator new. Under AddressSanitizer every
/// block is operator new's, so it still sees each record's lifetime.
inline constexpr std::size_t kPoolBlock = 256;
void* pool_allocate(std::size_t bytes);
void pool_deallocate(void* p, std::size_t bytes) noexcept;
/// Whether freed blocks are kept for reuse (false under AddressSanitizer).
bool pool_keeps_blocks() noexcept;

template <class T>
struct PoolAllocator {
  using value_type = T;
  PoolAllocator() noexcept = default;
  template <class U>
  PoolAllocator(const PoolAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) { return static_cast<T*>(pool_allocate(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) noexcept { pool_deallocate(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const PoolAllocator<U>&) const noexcept {
    return true;
  }
  template <class U>
  bool operator!=(const PoolAllocator<U>&) const noexcept {
    return false;
  }
};

// A Record: shared, in a pooled block.
template <>
struct ValueTraits<Record> {
  static void store(Value& out, Record&& v) { emplace(out, std::move(v)); }
  static void store(Value& out, const Record& v) { emplace(out, v); }
  template <class... Args>
  static void emplace(Value& out, Args&&... args) {
    out.object_ = std::allocate_shared<const Record>(PoolAllocator<Record>(), std::forward<Args>(args)...);
  }
  static const Record& load(const Value& v) { return *static_cast<const Record*>(v.object_.get()); }
  static Value adopt(std::shared_ptr<const Record> record) noexcept {
    Value out;
    out.type_ = &type_of<Record>();
    out.object_ = std::move(record);
    return out;
  }
};

/// A record filled in place before anyone else sees it, as a join fills a
/// key's: made with every field empty at the key's first message, each
/// port's value moved straight into its field, and handed on whole as a
/// Value by the last. One owner writes it (under the join's lock); it is
/// shared only once finished. A value then moves once on its way into a
/// record, not into a table of the join's and again into the record.
///
/// A draft may keep the record it handed on (finish_keep()) and make its
/// next record in it, once every other holder has let it go: a join then
/// makes and frees no record per key (a record's block, its fields made
/// empty, and at the end its release cost a task graph's join about 170
/// instructions a key, a fifth of a small graph's rerun). Only a record
/// whose values all live in the values themselves (numbers, ranges of step
/// 1) is kept, so what a kept record holds is its own block, never a
/// payload.
class RecordDraft {
 public:
  RecordDraft() noexcept = default;
  /// Makes the record: `names.size()` fields, each empty; the names shared.
  void start(const FieldNames& names) {
    record_ = std::allocate_shared<Record>(PoolAllocator<Record>(), names, EmptyFields{});
  }
  /// Makes the record kept by finish_keep() the record being filled, its
  /// `n` fields (all it has) empty again, when no one else holds it; returns
  /// whether it did (else start() makes one).
  bool restart(std::size_t n) noexcept {
    if (!record_ || !sole_owner()) return false;
    // Its values hold no block (finish_keep): emptied, they release nothing.
    for (std::size_t i = 0; i < n; ++i) record_->values_[i].type_ = nullptr;
    return true;
  }
  /// Whether the draft holds a record: one being filled, or one kept.
  bool started() const noexcept { return record_ != nullptr; }
  /// Field `i` (requires started() and i < the number of names), writable until finish().
  Value& field(std::size_t i) const noexcept { return record_->values_[i]; }
  /// The record as a Value; the draft holds none again.
  Value finish() noexcept { return ValueTraits<Record>::adopt(std::move(record_)); }
  /// The record of `n` fields (all it has) as a Value, as finish(); the
  /// draft keeps it for restart() when none of its values holds a block.
  Value finish_keep(std::size_t n) noexcept {
    const Value* values = record_->values_;
    for (std::size_t i = 0; i < n; ++i)
      if (values[i].object_) return finish();
    return finish_keep_known();
  }
  /// finish_keep() of a record none of whose values holds a block, as its
  /// writer knows (it looked at each value it wrote): kept without a look.
  Value finish_keep_known() noexcept { return ValueTraits<Record>::adopt(record_); }
  /// Drops the record and the values written to it.
  void reset() noexcept { record_.reset(); }

 private:
  // Whether the draft's reference is the record's only one; if so, all that
  // its other holders did with it happened before what follows. A holder
  // lets go with a release decrement of the count, read here relaxed: an
  // acquire fence after it completes the pairing. ThreadSanitizer does not
  // model fences, so there a copy's increment (acquire and release) does.
  bool sole_owner() const noexcept {
    if (record_.use_count() != 1) return false;
#if defined(__SANITIZE_THREAD__)
    std::shared_ptr<Record> acquire = record_;
#else
    std::atomic_thread_fence(std::memory_order_acquire);
#endif
    return true;
  }

  std::shared_ptr<Record> record_;  // not const until finished: its fields are written in place
};
}  // namespace detail

/// Encodes `value` as JSON text, compact. Throws braid::TypeError if its type has no encoder.
std::string to_json_text(const Value& value);

}  // namespace braid
