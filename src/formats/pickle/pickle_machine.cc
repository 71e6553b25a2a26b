// The symbolic pickle machine. See pickle_machine.h for what it promises.
//
// Layout: stack entries are small `Val`s. Scalars (ints, floats, bools,
// None) live inside the Val; strings and bytes are views into the input (or
// into `owned_` for the text opcodes that need decoding); tuples, containers,
// objects and globals are indices into side tables. Containers keep only their
// first kContainerKeep items, so a million-element list costs a million
// 16-byte stack pushes and nothing more.
//
// Errors follow Modules/_pickle.c: each opcode checks the stack fence (the
// innermost MARK) exactly where _pickle.c does, so the point at which we stop
// is the point at which the real unpickler raises.
#include "formats/pickle/pickle_machine.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <deque>
#include <string_view>
#include <unordered_map>

#include "formats/pickle/opcodes.h"

namespace modelgate::pickle {

const char* CallKindName(CallKind k) {
  switch (k) {
    case CallKind::kReduce: return "REDUCE";
    case CallKind::kNewObj: return "NEWOBJ";
    case CallKind::kNewObjEx: return "NEWOBJ_EX";
    case CallKind::kInst: return "INST";
    case CallKind::kObj: return "OBJ";
  }
  return "?";
}

const char* ErrorKindName(ErrorKind k) {
  switch (k) {
    case ErrorKind::kNone: return "none";
    case ErrorKind::kTruncated: return "truncated";
    case ErrorKind::kUnknownOpcode: return "unknown-opcode";
    case ErrorKind::kBadArgument: return "bad-argument";
    case ErrorKind::kStackUnderflow: return "stack-underflow";
    case ErrorKind::kMarkMissing: return "mark-missing";
    case ErrorKind::kMemoMissing: return "memo-missing";
    case ErrorKind::kBadGlobalOperands: return "bad-global-operands";
    case ErrorKind::kUnsupportedProtocol: return "unsupported-protocol";
    case ErrorKind::kLimit: return "limit";
    case ErrorKind::kTimeout: return "timeout";
  }
  return "?";
}

namespace {

constexpr std::size_t kContainerKeep = 64;
constexpr std::size_t kTupleKeep = 64;
constexpr std::size_t kMaxLine = 1 << 16;  // protocol-0 text arguments
constexpr std::uint32_t kDenseMemo = 1u << 20;
constexpr std::size_t kMaxBytesArgs = 8;
// legacy torch.save's first pickle: LONG1 of 0x1950a86a20f9469cfc6c.
constexpr std::uint8_t kTorchMagic[] = {0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};

enum class VK : std::uint8_t {
  kNone, kBool, kInt, kBigInt, kFloat, kStr, kBytes, kTuple, kList, kDict, kSet, kFrozenSet,
  kGlobal, kObject, kPersistent, kBuffer, kJoblibArray, kExtension, kTorchMagic,
  kUnset,  // an empty memo slot (never on the stack)
};

constexpr std::uint8_t kFromMemo = 1;
// kStr/kBytes whose text lives in texts_ (decoded or longer than 4 GiB)
// rather than in the input at offset i with length ref.
constexpr std::uint8_t kTextOwned = 2;

struct Val {
  VK kind = VK::kNone;
  std::uint8_t flags = 0;
  // str/bytes: length (or texts_ index when kTextOwned); tuple: first item in
  // tuple_items_; containers_/globals/objects_/descriptions_ index otherwise.
  std::uint32_t ref = 0;
  std::int64_t i = 0;  // int value; tuple length; str/bytes: offset of the text in the input
};

struct Container {
  std::vector<Val> items;  // first kContainerKeep (dicts: key, value, key, value ...)
  std::uint64_t total = 0;
};

struct ObjectRec {
  Val callee;
  Val args;
  Val state;  // from the last BUILD, kNone if none
};

bool ValidUtf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    std::size_t extra = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : 4;
    if (extra == 4 || i + extra >= s.size()) return false;
    for (std::size_t k = 1; k <= extra; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
    }
    i += extra + 1;
  }
  return true;
}

// The machine's value stack: a vector's interface without its out-of-line
// growth path on every push (the push is the hottest operation there is).
class ValStack {
 public:
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  Val& back() { return data_[size_ - 1]; }
  const Val& back() const { return data_[size_ - 1]; }
  Val& operator[](std::size_t i) { return data_[i]; }
  Val* data() { return data_.get(); }
  void pop_back() { --size_; }
  // REQUIRES: n <= size() (only shrinks).
  void resize(std::size_t n) { size_ = n; }
  [[gnu::always_inline]] void push_back(const Val& v) {
    if (size_ == capacity_) [[unlikely]] Grow();
    data_[size_++] = v;
  }

 private:
  [[gnu::noinline]] void Grow() {
    std::size_t cap = capacity_ ? capacity_ * 2 : 64;
    std::unique_ptr<Val[]> bigger(new Val[cap]);
    std::copy(data_.get(), data_.get() + size_, bigger.get());
    data_ = std::move(bigger);
    capacity_ = cap;
  }
  std::unique_ptr<Val[]> data_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

class Machine {
 public:
  Machine(ByteView data, std::uint64_t start, const Limits& limits, const MachineOptions& opts,
          StreamTrace* trace)
      : data_(data), r_(data), limits_(limits), opts_(opts), t_(*trace),
        max_stack_(limits.max_pickle_stack_depth * 16ull + 1024) {
    (void)r_.Seek(start);
    t_.start = start;
    // Reserve (virtual memory only) in proportion to the input so the big
    // tables never reallocate and copy on large streams; capped so a huge
    // file does not reserve more than a few tens of MiB.
    std::size_t hint = std::min<std::size_t>((data.size() - std::min<std::uint64_t>(start, data.size())) / 8, 1u << 21);
    memo_dense_.reserve(std::min<std::size_t>(hint, kDenseMemo));
    tuple_items_.reserve(hint);
  }

  void Run();

 private:
  // --- error helpers -------------------------------------------------------
  bool Fail(ErrorKind kind, std::string msg) {
    t_.error = kind;
    t_.error_offset = op_off_;
    t_.error_message = std::move(msg);
    t_.end = op_off_;
    return false;
  }
  bool Truncated() { return Fail(ErrorKind::kTruncated, std::string("data ends inside ") + Name() + " argument"); }
  // Pdata_stack_underflow: the message depends on whether a MARK is set.
  bool FenceError() {
    if (marks_.empty()) return Underflow();
    return Fail(ErrorKind::kStackUnderflow, std::string(Name()) + ": unexpected MARK found");
  }
  bool Underflow() { return Fail(ErrorKind::kStackUnderflow, std::string(Name()) + ": unpickling stack underflow"); }
  const char* Name() const {
    const char* n = OpcodeName(op_);
    return n ? n : "?";
  }

  // --- stack helpers (fence = innermost MARK, as in _pickle.c) -------------
  std::size_t Fence() const { return marks_.empty() ? 0 : marks_.back(); }
  bool Pop(Val* out) {
    if (stack_.size() <= Fence()) return Underflow();
    *out = stack_.back();
    stack_.pop_back();
    return true;
  }
  [[gnu::always_inline]] bool Push(const Val& v) {
    if (stack_.size() >= max_stack_) [[unlikely]] {
      return Fail(ErrorKind::kLimit, "stack grew beyond the scanner's bound");
    }
    stack_.push_back(v);
    return true;
  }
  // Pops the innermost mark; *mark receives the stack index it recorded.
  bool Marker(std::size_t* mark) {
    if (marks_.empty()) return Fail(ErrorKind::kMarkMissing, std::string(Name()) + ": could not find MARK");
    *mark = marks_.back();
    marks_.pop_back();
    return true;
  }

  // --- value constructors --------------------------------------------------
  // Strings are views into the input where possible, so a stream of a
  // million strings allocates nothing per string.
  [[gnu::always_inline]] Val Str(std::string_view s, std::uint64_t /*opcode_offset*/) {
    const auto* p = reinterpret_cast<const std::uint8_t*>(s.data());
    if (p >= data_.data() && p + s.size() <= data_.data() + data_.size() && s.size() <= UINT32_MAX) {
      return Val{VK::kStr, 0, static_cast<std::uint32_t>(s.size()), static_cast<std::int64_t>(p - data_.data())};
    }
    texts_.push_back(s);
    return Val{VK::kStr, kTextOwned, static_cast<std::uint32_t>(texts_.size() - 1), 0};
  }
  Val Bytes(std::string_view s, std::uint64_t off) {
    Val v = Str(s, off);
    v.kind = VK::kBytes;
    return v;
  }
  Val OwnedStr(std::string s, std::uint64_t off) {
    owned_.push_back(std::move(s));
    return Str(owned_.back(), off);
  }
  Val Tuple(const Val* items, std::size_t n) {
    Val v{VK::kTuple, 0, static_cast<std::uint32_t>(tuple_items_.size()), static_cast<std::int64_t>(n)};
    std::size_t keep = std::min(n, kTupleKeep);
    tuple_items_.insert(tuple_items_.end(), items, items + keep);
    return v;
  }
  Val NewContainer(VK kind) {
    containers_.emplace_back();
    return Val{kind, 0, static_cast<std::uint32_t>(containers_.size() - 1), 0};
  }
  void AddItems(const Val& target, const Val* items, std::size_t n) {
    Container& c = containers_[target.ref];
    c.total += n;
    for (std::size_t k = 0; k < n && c.items.size() < kContainerKeep; ++k) c.items.push_back(items[k]);
  }
  std::string_view Text(const Val& v) const {
    if (v.flags & kTextOwned) return texts_[v.ref];
    return std::string_view(reinterpret_cast<const char*>(data_.data()) + v.i, v.ref);
  }

  std::int32_t InternGlobal(std::string module, std::string name, std::uint8_t opcode, bool via_memo) {
    std::string key = module;
    key.push_back('\0');
    key += name;
    auto it = global_index_.find(key);
    std::int32_t idx;
    if (it == global_index_.end()) {
      idx = static_cast<std::int32_t>(t_.globals.size());
      GlobalRef g;
      g.module = std::move(module);
      g.name = std::move(name);
      g.offset = op_off_;
      g.opcode = opcode;
      t_.globals.push_back(std::move(g));
      global_index_.emplace(std::move(key), idx);
    } else {
      idx = it->second;
    }
    GlobalRef& g = t_.globals[static_cast<std::size_t>(idx)];
    ++g.references;
    g.via_memo = g.via_memo || via_memo;
    return idx;
  }

  // --- analysis helpers ----------------------------------------------------
  std::string Describe(const Val& v) const;
  std::string Preview(const Val& v, int depth, std::size_t* budget) const;
  void CollectBytes(const Val& root, CallSite* call) const;
  bool RecordCall(CallKind kind, const Val& callee, const Val& args, Val* result);
  void RecordMutation(const Val& target) {
    if (target.kind == VK::kGlobal) {
      t_.global_mutations.push_back({op_off_, op_, static_cast<std::int32_t>(target.ref)});
    }
  }
  bool MaybeReadJoblibArray(const Val& inst);

  // --- argument readers ----------------------------------------------------
  bool ReadLine(std::string_view* line) {
    ByteView v;
    if (!r_.ReadLine(&v, kMaxLine)) {
      if (r_.remaining() >= kMaxLine) return Fail(ErrorKind::kLimit, std::string(Name()) + " argument line too long");
      return Truncated();
    }
    *line = AsStringView(v);
    if (!line->empty() && line->back() == '\r') {
      // Python's readline keeps '\r'; int('1\r') still parses. Keep as is.
    }
    return true;
  }
  bool ReadCounted(std::uint64_t n, std::string_view* out) {
    ByteView v;
    if (!r_.ReadBytes(n, &v)) return Truncated();
    *out = AsStringView(v);
    return true;
  }
  // LONG1/LONG4 and SHORT_BINSTRING/BINSTRING: a u8 or a signed int32
  // length (negative is an error in _pickle.c), then that many bytes.
  bool ReadSignedCounted(bool one_byte_length, std::string_view* out) {
    std::uint64_t n;
    if (one_byte_length) {
      std::uint8_t v;
      if (!r_.ReadU8(&v)) return Truncated();
      n = v;
    } else {
      std::int32_t v;
      if (!r_.ReadI32LE(&v)) return Truncated();
      if (v < 0) return Fail(ErrorKind::kBadArgument, std::string(Name()) + " has a negative byte count");
      n = static_cast<std::uint64_t>(v);
    }
    return ReadCounted(n, out);
  }
  [[gnu::always_inline]] bool MemoPut(std::uint64_t idx, const Val& v);
  bool MemoLimit() { return Fail(ErrorKind::kLimit, "memo grew beyond the scanner's bound"); }
  bool MemoGet(std::uint64_t idx);

  [[gnu::always_inline]] bool Step();

  ByteView data_;
  ByteReader r_;
  const Limits& limits_;
  const MachineOptions& opts_;
  StreamTrace& t_;

  std::uint64_t op_off_ = 0;
  std::uint8_t op_ = 0;
  bool in_frame_ = false;
  std::uint64_t frame_end_ = 0;

  ValStack stack_;
  std::size_t max_stack_;
  std::vector<std::size_t> marks_;
  std::vector<Val> memo_dense_;
  std::unordered_map<std::uint64_t, Val> memo_sparse_;
  std::uint64_t memo_count_ = 0;

  std::vector<std::string_view> texts_;
  std::deque<std::string> owned_;
  std::vector<Val> tuple_items_;
  std::vector<Container> containers_;
  std::vector<ObjectRec> objects_;
  std::vector<std::string> descriptions_;  // kExtension values
  std::unordered_map<std::string, std::int32_t> global_index_;
};

inline bool Machine::MemoPut(std::uint64_t idx, const Val& v) {
  if (idx < kDenseMemo) {
    if (idx == memo_dense_.size()) {
      // The common case: MEMOIZE and BINPUT number entries in order.
      memo_dense_.push_back(v);
      ++memo_count_;
      return memo_count_ <= limits_.max_pickle_memo_entries || MemoLimit();
    }
    if (idx > memo_dense_.size()) memo_dense_.resize(static_cast<std::size_t>(idx) + 1, Val{VK::kUnset});
    if (memo_dense_[idx].kind == VK::kUnset) ++memo_count_;
    memo_dense_[idx] = v;
  } else {
    auto [it, inserted] = memo_sparse_.insert_or_assign(idx, v);
    (void)it;
    if (inserted) ++memo_count_;
  }
  if (memo_count_ > limits_.max_pickle_memo_entries) return MemoLimit();
  return true;
}

bool Machine::MemoGet(std::uint64_t idx) {
  Val v;
  if (idx < memo_dense_.size() && memo_dense_[idx].kind != VK::kUnset) {
    v = memo_dense_[idx];
  } else {
    auto it = memo_sparse_.find(idx);
    if (it == memo_sparse_.end()) {
      return Fail(ErrorKind::kMemoMissing, "memo value not found at index " + std::to_string(idx));
    }
    v = it->second;
  }
  v.flags |= kFromMemo;
  return Push(v);
}

std::string Machine::Describe(const Val& v) const {
  switch (v.kind) {
    case VK::kGlobal: {
      const GlobalRef& g = t_.globals[v.ref];
      return g.module + "." + g.name;
    }
    case VK::kObject: {
      const ObjectRec& o = objects_[v.ref];
      return "object returned by " + Describe(o.callee);
    }
    case VK::kExtension: return descriptions_[v.ref];
    case VK::kPersistent: return "persistent object";
    case VK::kStr: return "str";
    case VK::kBytes: return "bytes";
    case VK::kTuple: return "tuple";
    case VK::kList: return "list";
    case VK::kDict: return "dict";
    case VK::kSet: return "set";
    case VK::kFrozenSet: return "frozenset";
    case VK::kNone: return "None";
    case VK::kBool: return "bool";
    case VK::kInt:
    case VK::kBigInt: return "int";
    case VK::kFloat: return "float";
    case VK::kBuffer: return "buffer";
    case VK::kJoblibArray: return "joblib array";
    case VK::kTorchMagic: return "int";
    case VK::kUnset: return "value";
  }
  return "value";
}

// Renders a value Python-style for evidence. Depth is bounded by the
// constant passed in (never by input nesting) and output by *budget.
std::string Machine::Preview(const Val& v, int depth, std::size_t* budget) const {
  if (*budget == 0) return "...";
  std::string out;
  auto clip = [&](std::string s) {
    if (s.size() > *budget) s = s.substr(0, *budget) + "...";
    *budget -= std::min(*budget, s.size());
    return s;
  };
  switch (v.kind) {
    case VK::kStr:
    case VK::kBytes: {
      std::string_view s = Text(v);
      std::string q = v.kind == VK::kBytes ? "b'" : "'";
      for (char c : s.substr(0, 120)) {
        unsigned char u = static_cast<unsigned char>(c);
        if (c == '\'' || c == '\\') {
          q.push_back('\\');
          q.push_back(c);
        } else if (u < 0x20 || u == 0x7f || (v.kind == VK::kBytes && u >= 0x80)) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\x%02x", u);
          q += buf;
        } else {
          q.push_back(c);
        }
      }
      if (s.size() > 120) q += "...";
      q.push_back('\'');
      return clip(q);
    }
    case VK::kInt: return clip(std::to_string(v.i));
    case VK::kBool: return clip(v.i ? "True" : "False");
    case VK::kTuple: {
      if (depth <= 0) return clip("(...)");
      out = "(";
      std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(v.i), kTupleKeep);
      for (std::size_t k = 0; k < n && *budget > 0; ++k) {
        if (k) out += ", ";
        out += Preview(tuple_items_[v.ref + k], depth - 1, budget);
      }
      if (n == 1) out += ",";
      out += ")";
      return out;
    }
    case VK::kList: {
      if (depth <= 0) return clip("[...]");
      const Container& c = containers_[v.ref];
      out = "[";
      for (std::size_t k = 0; k < c.items.size() && *budget > 0; ++k) {
        if (k) out += ", ";
        out += Preview(c.items[k], depth - 1, budget);
      }
      if (c.total > c.items.size()) out += ", ...";
      return out + "]";
    }
    case VK::kGlobal: return clip(Describe(v));
    case VK::kObject: {
      const ObjectRec& o = objects_[v.ref];
      if (depth <= 0) return clip(Describe(o.callee) + "(...)");
      std::string callee = o.callee.kind == VK::kGlobal ? Describe(o.callee) : "<" + Describe(o.callee) + ">";
      return clip(callee) + Preview(o.args, depth - 1, budget);
    }
    default: return clip(Describe(v));
  }
}

// Gathers bytes values reachable from a call's arguments (bounded walk with
// an explicit stack; cycles are cut by the visit budget).
void Machine::CollectBytes(const Val& root, CallSite* call) const {
  std::vector<Val> todo{root};
  std::size_t visits = 0;
  while (!todo.empty() && visits < 256 && call->bytes_args.size() < kMaxBytesArgs) {
    Val v = todo.back();
    todo.pop_back();
    ++visits;
    switch (v.kind) {
      case VK::kBytes: {
        std::string_view s = Text(v);
        const std::uint8_t* p = reinterpret_cast<const std::uint8_t*>(s.data());
        // Only views into the stream (not decoded text) can be rescanned
        // zero-copy; decoded bytes never come from BINBYTES anyway.
        if (p >= data_.data() && p + s.size() <= data_.data() + data_.size()) {
          call->bytes_args.push_back({static_cast<std::uint64_t>(v.i), ByteView(p, s.size())});
        }
        break;
      }
      case VK::kTuple: {
        std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(v.i), kTupleKeep);
        for (std::size_t k = 0; k < n; ++k) todo.push_back(tuple_items_[v.ref + k]);
        break;
      }
      case VK::kList:
      case VK::kDict:
      case VK::kSet:
      case VK::kFrozenSet:
        for (const Val& x : containers_[v.ref].items) todo.push_back(x);
        break;
      case VK::kObject:
        todo.push_back(objects_[v.ref].args);
        break;
      default: break;
    }
  }
}

bool Machine::RecordCall(CallKind kind, const Val& callee, const Val& args, Val* result) {
  CallSite c;
  c.kind = kind;
  c.offset = op_off_;
  if (callee.kind == VK::kGlobal) {
    c.callee = static_cast<std::int32_t>(callee.ref);
    ++t_.globals[callee.ref].calls;
  }
  c.callee_description = Describe(callee);
  // Reports show the first call of each global (and every dynamic call);
  // rendering a preview for each of a checkpoint's thousand tensor rebuilds
  // would cost more than decoding them.
  if (callee.kind != VK::kGlobal || t_.globals[callee.ref].calls == 1) {
    std::size_t budget = 200;
    c.args_preview = Preview(args, 3, &budget);
  }
  CollectBytes(args, &c);
  t_.calls.push_back(std::move(c));
  objects_.push_back(ObjectRec{callee, args, Val{}});
  *result = Val{VK::kObject, 0, static_cast<std::uint32_t>(objects_.size() - 1), 0};
  return true;
}

// joblib's NumpyUnpickler.load_build: after BUILD completes a
// NumpyArrayWrapper, the array's bytes follow in the file (see
// joblib/numpy_pickle.py, NumpyArrayWrapper.read_array).
bool Machine::MaybeReadJoblibArray(const Val& inst) {
  if (!opts_.joblib_arrays || inst.kind != VK::kObject) return true;
  const ObjectRec& o = objects_[inst.ref];
  if (o.callee.kind != VK::kGlobal) return true;
  const GlobalRef& g = t_.globals[o.callee.ref];
  if (g.name != "NumpyArrayWrapper" ||
      (g.module != "joblib.numpy_pickle" && g.module != "sklearn.externals.joblib.numpy_pickle")) {
    return true;
  }
  if (o.state.kind != VK::kDict) {
    return Fail(ErrorKind::kBadArgument, "joblib NumpyArrayWrapper state is not a dict");
  }
  const Container& state = containers_[o.state.ref];
  const Val* shape = nullptr;
  const Val* dtype = nullptr;
  const Val* align = nullptr;
  for (std::size_t k = 0; k + 1 < state.items.size(); k += 2) {
    const Val& key = state.items[k];
    if (key.kind != VK::kStr) continue;
    std::string_view name = Text(key);
    if (name == "shape") shape = &state.items[k + 1];
    if (name == "dtype") dtype = &state.items[k + 1];
    if (name == "numpy_array_alignment_bytes") align = &state.items[k + 1];
  }
  if (shape == nullptr || dtype == nullptr || shape->kind != VK::kTuple || dtype->kind != VK::kObject) {
    return Fail(ErrorKind::kBadArgument, "joblib NumpyArrayWrapper without a readable shape and dtype");
  }
  std::uint64_t count = 1;
  if (static_cast<std::size_t>(shape->i) > kTupleKeep) {
    return Fail(ErrorKind::kBadArgument, "joblib array shape has too many dimensions");
  }
  for (std::int64_t k = 0; k < shape->i; ++k) {
    const Val& d = tuple_items_[shape->ref + static_cast<std::size_t>(k)];
    if (d.kind != VK::kInt || d.i < 0 || __builtin_mul_overflow(count, static_cast<std::uint64_t>(d.i), &count)) {
      return Fail(ErrorKind::kBadArgument, "joblib array shape is not a tuple of small non-negative ints");
    }
  }
  // dtype: numpy.dtype(typestr, False, True) with BUILD state
  // (version, endian, subdescr, names, fields, elsize, alignment, flags[, metadata]).
  const ObjectRec& d = objects_[dtype->ref];
  std::string_view typestr;
  if (d.args.kind == VK::kTuple && d.args.i >= 1 && tuple_items_[d.args.ref].kind == VK::kStr) {
    typestr = Text(tuple_items_[d.args.ref]);
  }
  std::int64_t elsize = -1, flags = 0;
  if (d.state.kind == VK::kTuple && d.state.i >= 8) {
    const Val& e = tuple_items_[d.state.ref + 5];
    const Val& f = tuple_items_[d.state.ref + 7];
    if (e.kind == VK::kInt) elsize = e.i;
    if (f.kind == VK::kInt) flags = f.i;
  }
  bool has_object = (flags & 1) != 0 || (!typestr.empty() && typestr[0] == 'O');
  std::uint64_t itemsize = 0;
  if (elsize > 0) {
    itemsize = static_cast<std::uint64_t>(elsize);
  } else if (typestr.size() >= 2) {
    std::size_t p = 0;
    while (p < typestr.size() && !(typestr[p] >= '0' && typestr[p] <= '9')) ++p;
    auto res = std::from_chars(typestr.data() + p, typestr.data() + typestr.size(), itemsize);
    if (res.ec != std::errc()) itemsize = 0;
  }
  // joblib commits the pickle frame before writing the array, so BUILD ends
  // its frame. Opcodes left in the frame after it would be read by the
  // unpickler from its frame buffer while joblib reads the array from the
  // file after the frame: two readers, two streams.
  if (in_frame_ && r_.pos() < frame_end_) {
    t_.frame_anomalies.push_back({op_off_, "opcodes follow a joblib array wrapper inside its FRAME (joblib reads the "
                                           "array after the frame, the unpickler reads those opcodes first)"});
  }
  in_frame_ = false;
  JoblibArray arr;
  arr.offset = r_.pos();
  arr.object_dtype = has_object;
  if (has_object) {
    // pickle.load(file_handle): a plain unpickler, so no joblib behaviour.
    MachineOptions inner = opts_;
    inner.joblib_arrays = false;
    StreamTrace sub = RunStream(data_, r_.pos(), limits_, inner);
    bool ok = sub.stopped;
    std::uint64_t end = sub.end;
    ErrorKind kind = sub.error;
    std::string msg = sub.error_message;
    t_.opcodes += sub.opcodes;
    arr.data_bytes = end - arr.offset;
    t_.inline_streams.push_back(std::move(sub));
    t_.joblib_arrays.push_back(arr);
    if (!ok) return Fail(kind, "joblib object array pickle: " + msg);
    (void)r_.Seek(end);
  } else {
    if (itemsize == 0) return Fail(ErrorKind::kBadArgument, "joblib array dtype size unknown");
    if (align != nullptr && align->kind != VK::kNone) {
      std::uint8_t pad;
      if (!r_.ReadU8(&pad) || !r_.Skip(pad)) return Fail(ErrorKind::kTruncated, "joblib array padding truncated");
    }
    std::uint64_t bytes;
    if (__builtin_mul_overflow(count, itemsize, &bytes) || !r_.Skip(bytes)) {
      return Fail(ErrorKind::kTruncated, "joblib array data (" + std::to_string(count) + " x " +
                                             std::to_string(itemsize) + " bytes) runs past the end");
    }
    arr.data_bytes = r_.pos() - arr.offset;
    t_.joblib_arrays.push_back(arr);
  }
  stack_.back() = Val{VK::kJoblibArray, 0, 0, 0};
  return true;
}

inline bool Machine::Step() {
  Val a, b, c;
  std::size_t mark;
  std::string_view s;
  switch (op_) {
    case kMark:
      if (marks_.size() >= limits_.max_pickle_stack_depth) {
        return Fail(ErrorKind::kLimit, "MARK nesting deeper than the scanner's bound");
      }
      marks_.push_back(stack_.size());
      return true;
    case kPop:
      if (!marks_.empty() && marks_.back() == stack_.size()) {
        marks_.pop_back();
        return true;
      }
      return Pop(&a);
    case kPopMark:
      if (!Marker(&mark)) return false;
      stack_.resize(mark);
      return true;
    case kDup:
      if (stack_.size() <= Fence()) return Underflow();
      a = stack_.back();
      a.flags |= kFromMemo;
      return Push(a);
    case kFloat:
      if (!ReadLine(&s)) return false;
      return Push(Val{VK::kFloat});
    case kInt: {
      if (!ReadLine(&s)) return false;
      if (s == "01" || s == "00") return Push(Val{VK::kBool, 0, 0, s == "01"});
      std::int64_t v = 0;
      auto res = std::from_chars(s.data(), s.data() + s.size(), v);
      if (s.empty()) return Fail(ErrorKind::kBadArgument, "INT argument is empty");
      return Push(res.ec == std::errc() ? Val{VK::kInt, 0, 0, v} : Val{VK::kBigInt});
    }
    case kLong: {
      if (!ReadLine(&s)) return false;
      if (!s.empty() && s.back() == 'L') s.remove_suffix(1);
      std::int64_t v = 0;
      auto res = std::from_chars(s.data(), s.data() + s.size(), v);
      return Push(res.ec == std::errc() ? Val{VK::kInt, 0, 0, v} : Val{VK::kBigInt});
    }
    case kBinInt: {
      std::int32_t v;
      if (!r_.ReadI32LE(&v)) return Truncated();
      return Push(Val{VK::kInt, 0, 0, v});
    }
    case kBinInt1: {
      std::uint8_t v;
      if (!r_.ReadU8(&v)) return Truncated();
      return Push(Val{VK::kInt, 0, 0, v});
    }
    case kBinInt2: {
      std::uint16_t v;
      if (!r_.ReadU16LE(&v)) return Truncated();
      return Push(Val{VK::kInt, 0, 0, v});
    }
    case kLong1:
    case kLong4: {
      if (!ReadSignedCounted(op_ == kLong1, &s)) return false;
      std::size_t n = s.size();
      if (n == sizeof(kTorchMagic) && std::memcmp(s.data(), kTorchMagic, n) == 0) {
        return Push(Val{VK::kTorchMagic});
      }
      if (n <= 8) {
        std::uint64_t u = 0;
        for (std::size_t k = 0; k < n; ++k) u |= static_cast<std::uint64_t>(static_cast<std::uint8_t>(s[k])) << (8 * k);
        if (n > 0 && n < 8 && (static_cast<std::uint8_t>(s[n - 1]) & 0x80)) u |= ~0ull << (8 * n);  // sign-extend
        return Push(Val{VK::kInt, 0, 0, static_cast<std::int64_t>(u)});
      }
      return Push(Val{VK::kBigInt});
    }
    case kNone: return Push(Val{VK::kNone});
    case kNewTrue: return Push(Val{VK::kBool, 0, 0, 1});
    case kNewFalse: return Push(Val{VK::kBool, 0, 0, 0});
    case kBinFloat:
      if (!r_.Skip(8)) return Truncated();
      return Push(Val{VK::kFloat});
    case kPersId:
      if (!ReadLine(&s)) return false;
      ++t_.persistent_ids;
      return Push(Val{VK::kPersistent});
    case kBinPersId:
      if (!Pop(&a)) return false;
      ++t_.persistent_ids;
      return Push(Val{VK::kPersistent});
    case kReduce:
      if (!Pop(&b) || !Pop(&a)) return false;  // b = args, a = callable
      if (!RecordCall(CallKind::kReduce, a, b, &c)) return false;
      return Push(c);
    case kString: {
      if (!ReadLine(&s)) return false;
      if (s.size() < 2 || s.front() != s.back() || (s.front() != '\'' && s.front() != '"')) {
        return Fail(ErrorKind::kBadArgument, "the STRING opcode argument must be quoted");
      }
      s = s.substr(1, s.size() - 2);
      std::string out;
      for (std::size_t k = 0; k < s.size(); ++k) {
        if (s[k] != '\\' || k + 1 >= s.size()) {
          out.push_back(s[k]);
          continue;
        }
        char e = s[++k];
        switch (e) {
          case 'n': out.push_back('\n'); break;
          case 't': out.push_back('\t'); break;
          case 'r': out.push_back('\r'); break;
          case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
            int v = 0, digits = 0;
            while (digits < 3 && k < s.size() && s[k] >= '0' && s[k] <= '7') v = v * 8 + (s[k++] - '0'), ++digits;
            --k;
            out.push_back(static_cast<char>(v));
            break;
          }
          case 'x':
            if (k + 2 < s.size() + 0 && std::isxdigit(static_cast<unsigned char>(s[k + 1])) &&
                std::isxdigit(static_cast<unsigned char>(s[k + 2]))) {
              out.push_back(static_cast<char>(std::stoi(std::string(s.substr(k + 1, 2)), nullptr, 16)));
              k += 2;
            } else {
              return Fail(ErrorKind::kBadArgument, "invalid \\x escape in STRING");
            }
            break;
          default: out.push_back(e == '\n' ? '\n' : e); break;
        }
      }
      return Push(OwnedStr(std::move(out), op_off_));
    }
    case kBinString:
    case kShortBinString: {
      if (!ReadSignedCounted(op_ == kShortBinString, &s)) return false;
      // Python 3 decodes these to str (ASCII by default); torch legacy
      // loads pass encoding='utf-8'. Either way STACK_GLOBAL accepts them.
      return Push(Str(s, op_off_));
    }
    case kUnicode: {
      if (!ReadLine(&s)) return false;
      // raw-unicode-escape: \uXXXX and \UXXXXXXXX, other bytes are Latin-1.
      std::string out;
      for (std::size_t k = 0; k < s.size(); ++k) {
        unsigned char ch = static_cast<unsigned char>(s[k]);
        std::uint32_t cp = ch;
        if (ch == '\\' && k + 1 < s.size() && (s[k + 1] == 'u' || s[k + 1] == 'U')) {
          std::size_t len = s[k + 1] == 'u' ? 4 : 8;
          if (k + 2 + len > s.size()) return Fail(ErrorKind::kBadArgument, "truncated \\u escape in UNICODE");
          auto res = std::from_chars(s.data() + k + 2, s.data() + k + 2 + len, cp, 16);
          if (res.ec != std::errc() || res.ptr != s.data() + k + 2 + len || cp > 0x10FFFF) {
            return Fail(ErrorKind::kBadArgument, "bad \\u escape in UNICODE");
          }
          k += 1 + len;
        }
        if (cp < 0x80) {
          out.push_back(static_cast<char>(cp));
        } else if (cp < 0x800) {
          out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
          out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else if (cp < 0x10000) {
          out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
          out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
          out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else {
          out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
          out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
          out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
          out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        }
      }
      return Push(OwnedStr(std::move(out), op_off_));
    }
    case kShortBinUnicode:
    case kBinUnicode:
    case kBinUnicode8:
    case kShortBinBytes:
    case kBinBytes:
    case kBinBytes8:
    case kByteArray8: {
      std::uint64_t n;
      if (op_ == kShortBinUnicode || op_ == kShortBinBytes) {
        std::uint8_t v;
        if (!r_.ReadU8(&v)) return Truncated();
        n = v;
      } else if (op_ == kBinUnicode || op_ == kBinBytes) {
        std::uint32_t v;
        if (!r_.ReadU32LE(&v)) return Truncated();
        n = v;
      } else if (!r_.ReadU64LE(&n)) {
        return Truncated();
      }
      if (!ReadCounted(n, &s)) return false;
      bool text = op_ == kShortBinUnicode || op_ == kBinUnicode || op_ == kBinUnicode8;
      return Push(text ? Str(s, op_off_) : Bytes(s, op_off_));
    }
    case kAppend: {
      // _pickle.c load_append/do_append(len - 1): the list sits just below
      // the value and must be above the innermost MARK.
      if (stack_.size() < 2 || stack_.size() - 1 <= Fence()) return FenceError();
      if (!Pop(&a)) return false;
      Val target = stack_.back();
      if (target.kind == VK::kList) AddItems(target, &a, 1);
      RecordMutation(target);
      return true;
    }
    case kAppends: {
      if (!Marker(&mark)) return false;
      if (mark == 0 || mark > stack_.size()) return Underflow();
      if (mark <= Fence()) return FenceError();  // _pickle.c do_append/do_setitems/load_additems
      Val target = stack_[mark - 1];
      if (target.kind == VK::kList) AddItems(target, stack_.data() + mark, stack_.size() - mark);
      if (stack_.size() > mark) RecordMutation(target);
      stack_.resize(mark);
      return true;
    }
    case kBuild: {
      if (stack_.size() < Fence() + 2) return Underflow();
      if (!Pop(&b)) return false;
      Val inst = stack_.back();
      RecordMutation(inst);
      if (inst.kind == VK::kObject) {
        objects_[inst.ref].state = b;
        return MaybeReadJoblibArray(inst);
      }
      return true;
    }
    case kGlobal:
    case kInst: {
      std::string_view module, name;
      if (op_ == kInst && !Marker(&mark)) return false;
      if (!ReadLine(&module) || !ReadLine(&name)) return false;
      if (module.empty() || name.empty()) return Fail(ErrorKind::kBadArgument, std::string(Name()) + ": empty module or name");
      if (!ValidUtf8(module) || !ValidUtf8(name)) {
        return Fail(ErrorKind::kBadArgument, std::string(Name()) + ": module or name is not UTF-8");
      }
      std::int32_t idx = InternGlobal(std::string(module), std::string(name), op_, false);
      Val g{VK::kGlobal, 0, static_cast<std::uint32_t>(idx), 0};
      if (op_ == kGlobal) return Push(g);
      Val args = Tuple(stack_.data() + mark, stack_.size() - mark);
      stack_.resize(mark);
      if (!RecordCall(CallKind::kInst, g, args, &c)) return false;
      return Push(c);
    }
    case kStackGlobal: {
      if (!Pop(&b) || !Pop(&a)) return false;  // b = name, a = module
      auto opaque = [](const Val& v) {
        return v.kind == VK::kGlobal || v.kind == VK::kObject || v.kind == VK::kPersistent ||
               v.kind == VK::kExtension;
      };
      if ((a.kind == VK::kStr || opaque(a)) && (b.kind == VK::kStr || opaque(b)) &&
          (opaque(a) || opaque(b))) {
        // The names are produced at load time (e.g. attributes planted by an
        // earlier BUILD): record an unresolved global and go on, as the
        // loader would if the values turn out to be str.
        auto text = [&](const Val& v) {
          if (v.kind == VK::kStr) return std::string(Text(v));
          std::string out("<");  // appended piecewise: GCC 12 -O3 warns (-Wrestrict) on "<" + s
          out.append(Describe(v));
          out.push_back('>');
          return out;
        };
        std::int32_t idx = InternGlobal(text(a), text(b), op_, ((a.flags | b.flags) & kFromMemo) != 0);
        t_.globals[static_cast<std::size_t>(idx)].unresolved = true;
        return Push(Val{VK::kGlobal, 0, static_cast<std::uint32_t>(idx), 0});
      }
      if (a.kind != VK::kStr || b.kind != VK::kStr) {
        std::string what = "STACK_GLOBAL requires str (got " + Describe(a) + ", " + Describe(b) + ")";
        return Fail(ErrorKind::kBadGlobalOperands, what);
      }
      std::string_view module = Text(a), name = Text(b);
      if (!ValidUtf8(module) || !ValidUtf8(name)) return Fail(ErrorKind::kBadArgument, "STACK_GLOBAL: not UTF-8");
      bool memo = ((a.flags | b.flags) & kFromMemo) != 0;
      std::int32_t idx = InternGlobal(std::string(module), std::string(name), op_, memo);
      return Push(Val{VK::kGlobal, 0, static_cast<std::uint32_t>(idx), 0});
    }
    case kDict:
    case kList:
    case kTuple:
    case kFrozenSet: {
      if (!Marker(&mark)) return false;
      std::size_t n = stack_.size() - mark;
      if (op_ == kTuple) {
        a = Tuple(stack_.data() + mark, n);
      } else {
        if (op_ == kDict && n % 2 != 0) return Fail(ErrorKind::kBadArgument, "odd number of items for DICT");
        a = NewContainer(op_ == kDict ? VK::kDict : op_ == kList ? VK::kList : VK::kFrozenSet);
        AddItems(a, stack_.data() + mark, n);
      }
      stack_.resize(mark);
      return Push(a);
    }
    case kEmptyDict: return Push(NewContainer(VK::kDict));
    case kEmptyList: return Push(NewContainer(VK::kList));
    case kEmptySet: return Push(NewContainer(VK::kSet));
    case kEmptyTuple: return Push(Tuple(nullptr, 0));
    case kTuple1:
    case kTuple2:
    case kTuple3: {
      std::size_t n = op_ - kTuple1 + 1;
      if (stack_.size() < Fence() + n) return Underflow();
      a = Tuple(stack_.data() + stack_.size() - n, n);
      stack_.resize(stack_.size() - n);
      return Push(a);
    }
    case kGet:
    case kPut: {
      if (!ReadLine(&s)) return false;
      std::int64_t idx = 0;
      auto res = std::from_chars(s.data(), s.data() + s.size(), idx);
      if (res.ec != std::errc() || s.empty()) return Fail(ErrorKind::kBadArgument, std::string(Name()) + " index is not an int");
      if (idx < 0) return Fail(ErrorKind::kBadArgument, std::string("negative ") + Name() + " argument");
      if (op_ == kGet) return MemoGet(static_cast<std::uint64_t>(idx));
      if (stack_.size() <= Fence()) return Underflow();
      return MemoPut(static_cast<std::uint64_t>(idx), stack_.back());
    }
    case kBinGet:
    case kBinPut: {
      std::uint8_t idx;
      if (!r_.ReadU8(&idx)) return Truncated();
      if (op_ == kBinGet) return MemoGet(idx);
      if (stack_.size() <= Fence()) return Underflow();
      return MemoPut(idx, stack_.back());
    }
    case kLongBinGet:
    case kLongBinPut: {
      std::uint32_t idx;
      if (!r_.ReadU32LE(&idx)) return Truncated();
      if (op_ == kLongBinGet) return MemoGet(idx);
      if (stack_.size() <= Fence()) return Underflow();
      return MemoPut(idx, stack_.back());
    }
    case kMemoize:
      if (stack_.size() <= Fence()) return Underflow();
      return MemoPut(memo_count_, stack_.back());
    case kObj: {
      if (!Marker(&mark)) return false;
      if (stack_.size() - mark < 1) return Underflow();
      Val cls = stack_[mark];
      Val args = Tuple(stack_.data() + mark + 1, stack_.size() - mark - 1);
      stack_.resize(mark);
      if (!RecordCall(CallKind::kObj, cls, args, &c)) return false;
      return Push(c);
    }
    case kSetItem: {
      // _pickle.c load_setitem -> do_setitems(len - 2): the dict must sit
      // above the innermost MARK.
      if (stack_.size() < 3 || stack_.size() - 2 <= Fence()) return FenceError();
      if (!Pop(&b) || !Pop(&a)) return false;
      Val target = stack_.back();
      if (target.kind == VK::kDict) {
        Val kv[2] = {a, b};
        AddItems(target, kv, 2);
      }
      RecordMutation(target);
      return true;
    }
    case kSetItems:
    case kAddItems: {
      if (!Marker(&mark)) return false;
      if (mark == 0 || mark > stack_.size()) return Underflow();
      if (mark <= Fence()) return FenceError();  // _pickle.c do_append/do_setitems/load_additems
      std::size_t n = stack_.size() - mark;
      if (op_ == kSetItems && n % 2 != 0) return Fail(ErrorKind::kBadArgument, "odd number of items for SETITEMS");
      Val target = stack_[mark - 1];
      if (target.kind == VK::kDict || target.kind == VK::kSet) AddItems(target, stack_.data() + mark, n);
      if (n > 0) RecordMutation(target);
      stack_.resize(mark);
      return true;
    }
    case kProto: {
      std::uint8_t v;
      if (!r_.ReadU8(&v)) return Truncated();
      if (v > 5) return Fail(ErrorKind::kUnsupportedProtocol, "unsupported pickle protocol: " + std::to_string(v));
      if (t_.protocol < 0) t_.protocol = v;
      return true;
    }
    case kNewObj:
    case kNewObjEx: {
      Val kwargs;
      if (op_ == kNewObjEx && !Pop(&kwargs)) return false;
      if (!Pop(&b) || !Pop(&a)) return false;  // b = args, a = cls
      if (!RecordCall(op_ == kNewObj ? CallKind::kNewObj : CallKind::kNewObjEx, a, b, &c)) return false;
      return Push(c);
    }
    case kExt1:
    case kExt2:
    case kExt4: {
      std::int64_t code;
      if (op_ == kExt1) {
        std::uint8_t v;
        if (!r_.ReadU8(&v)) return Truncated();
        code = v;
      } else if (op_ == kExt2) {
        std::uint16_t v;
        if (!r_.ReadU16LE(&v)) return Truncated();
        code = v;
      } else {
        std::int32_t v;
        if (!r_.ReadI32LE(&v)) return Truncated();
        code = v;
      }
      if (code <= 0) return Fail(ErrorKind::kBadArgument, "EXT specifies code <= 0");
      t_.ext_offsets.push_back(op_off_);
      descriptions_.push_back("copyreg extension code " + std::to_string(code));
      return Push(Val{VK::kExtension, 0, static_cast<std::uint32_t>(descriptions_.size() - 1), code});
    }
    case kFrame: {
      std::uint64_t n;
      if (!r_.ReadU64LE(&n)) return Truncated();
      if (in_frame_ && op_off_ < frame_end_) {
        t_.frame_anomalies.push_back({op_off_, "FRAME begins before the previous frame ended (pickle.py rejects this, _pickle.c accepts it)"});
      }
      if (n > r_.remaining()) {
        return Fail(ErrorKind::kTruncated, "FRAME declares " + std::to_string(n) + " bytes but only " +
                                               std::to_string(r_.remaining()) + " remain");
      }
      in_frame_ = true;
      frame_end_ = r_.pos() + n;
      return true;
    }
    case kNextBuffer:
      ++t_.out_of_band_buffers;
      return Fail(ErrorKind::kBadArgument, "NEXT_BUFFER: out-of-band data but no buffers are given by model loaders");
    case kReadonlyBuffer:
      if (stack_.size() <= Fence()) return Underflow();
      return true;
    default:
      return Fail(ErrorKind::kUnknownOpcode, "invalid load key 0x" + [](std::uint8_t v) {
        char buf[4];
        std::snprintf(buf, sizeof(buf), "%02x", v);
        return std::string(buf);
      }(op_));
  }
}

void Machine::Run() {
  for (;;) {
    op_off_ = r_.pos();
    if (t_.opcodes >= limits_.max_pickle_opcodes) {
      Fail(ErrorKind::kLimit, "more than " + std::to_string(limits_.max_pickle_opcodes) + " opcodes");
      return;
    }
    if ((t_.opcodes & 0xFFFF) == 0xFFFF && opts_.out_of_time && opts_.out_of_time(opts_.out_of_time_ctx)) {
      Fail(ErrorKind::kTimeout, "time budget for this file spent");
      return;
    }
    if (!r_.ReadU8(&op_)) {
      op_ = 0;
      Fail(ErrorKind::kTruncated, "data ended before STOP");
      return;
    }
    ++t_.opcodes;
    if (in_frame_ && op_off_ >= frame_end_) in_frame_ = false;
    if (op_ == kStop) {
      Val v;
      if (!Pop(&v)) return;
      t_.stopped = true;
      t_.end = r_.pos();
      t_.result_is_legacy_torch_magic = v.kind == VK::kTorchMagic;
      t_.result_is_int = v.kind == VK::kInt || v.kind == VK::kTorchMagic;
      t_.result_int = v.i;
      return;
    }
    if (!Step()) return;
    if (in_frame_ && r_.pos() > frame_end_ && op_off_ < frame_end_) {
      t_.frame_anomalies.push_back(
          {op_off_, std::string(Name()) + " straddles the end of its FRAME (pickle.py rejects this, _pickle.c accepts it)"});
      in_frame_ = false;
    }
  }
}

}  // namespace

StreamTrace RunStream(ByteView data, std::uint64_t start, const Limits& limits, const MachineOptions& options) {
  StreamTrace trace;
  Machine m(data, start, limits, options, &trace);
  m.Run();
  return trace;
}

bool LooksLikePickle(ByteView data, std::uint64_t start) {
  if (start >= data.size()) return false;
  std::uint8_t first = data[start];
  if (first == kProto) return start + 1 < data.size() && data[start + 1] <= 5;
  // Opcodes a pickler can emit first at protocols 0 and 1.
  static constexpr std::string_view kFirst = "(]})cNIJKLFSTUVXGdlt.";
  if (kFirst.find(static_cast<char>(first)) == std::string_view::npos) return false;
  // A protocol-0 GLOBAL whose module line is a plain dotted identifier is a
  // pickle even when the name after it is broken: the loader will try it.
  if (first == kGlobal) {
    std::size_t i = start + 1, end = std::min<std::size_t>(data.size(), start + 129);
    while (i < end && (std::isalnum(data[i]) || data[i] == '_' || data[i] == '.')) ++i;
    if (i > start + 1 && i < end && data[i] == '\n') return true;
  }
  Limits small;
  small.max_pickle_opcodes = 64;
  StreamTrace t = RunStream(data, start, small);
  if (t.stopped) return true;
  // A long stream cut by our small budget is still a pickle; so is one that
  // decodes a global (a truncated attack must not escape routing).
  return (t.error == ErrorKind::kLimit) || (!t.globals.empty() && t.opcodes >= 3);
}

}  // namespace modelgate::pickle
