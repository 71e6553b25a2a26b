// Internals of the symbolic pickle machine, shared by its implementation
// files (pickle_machine.cc: the opcode loop; machine_values.cc: rendering and
// call recording; joblib_arrays.cc: joblib's inline array data). Not part of
// any public interface; see pickle_machine.h for the contract.
#ifndef MODELGATE_FORMATS_PICKLE_MACHINE_INTERNAL_H_
#define MODELGATE_FORMATS_PICKLE_MACHINE_INTERNAL_H_

#include <algorithm>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "formats/pickle/opcodes.h"
#include "formats/pickle/pickle_machine.h"
#include "formats/pickle/torch_records.h"

namespace modelgate::pickle::internal {


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
    for (std::size_t k = 0; k < keep; ++k) tuple_items_.push_back(items[k]);  // items is null for EMPTY_TUPLE
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

  // --- PyTorch records (only when opts_.torch is set; torch_hooks.cc) ------
  // Every caller tests opts_.torch first, so an ordinary scan pays one
  // predictable branch at BINPERSID, calls, container items and BUILD.
  Val TorchPersistent(const Val& pid);  // the value BINPERSID pushes
  void TorchCall(const Val& callee, const Val& args, std::uint32_t object);
  // Items added to `target`: (key, value) pairs when `pairs`, else list items.
  void TorchItems(const Val& target, const Val* items, std::size_t n, bool pairs);
  void TorchBuild(const Val& inst, const Val& state);
  void TorchStop(const Val& result);
  TorchNode NodeOf(const Val& v) const;
  bool TorchEdgeRoom();

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

inline bool Machine::MemoGet(std::uint64_t idx) {
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

}  // namespace modelgate::pickle::internal

#endif  // MODELGATE_FORMATS_PICKLE_MACHINE_INTERNAL_H_
