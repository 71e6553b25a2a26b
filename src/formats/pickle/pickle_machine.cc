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
#include <string_view>

#include "base/utf8.h"
#include "formats/pickle/machine_internal.h"
#include "formats/pickle/opcodes.h"
#include "formats/pickle/text_decoding.h"

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
namespace internal {

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
      if (opts_.torch) [[unlikely]] return Push(TorchPersistent(a));
      return Push(Val{VK::kPersistent});
    case kReduce:
      if (!Pop(&b) || !Pop(&a)) return false;  // b = args, a = callable
      if (!RecordCall(CallKind::kReduce, a, b, &c)) return false;
      return Push(c);
    case kString: {
      if (!ReadLine(&s)) return false;
      std::string out;
      const char* error = nullptr;
      if (!DecodeStringOpcodeArgument(s, &out, &error)) return Fail(ErrorKind::kBadArgument, error);
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
      std::string out;
      const char* error = nullptr;
      if (!DecodeRawUnicodeEscape(s, &out, &error)) return Fail(ErrorKind::kBadArgument, error);
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
      if (opts_.torch) [[unlikely]] TorchItems(target, &a, 1, false);
      if (target.kind == VK::kList) AddItems(target, &a, 1);
      RecordMutation(target);
      return true;
    }
    case kAppends: {
      if (!Marker(&mark)) return false;
      if (mark == 0 || mark > stack_.size()) return Underflow();
      if (mark <= Fence()) return FenceError();  // _pickle.c do_append/do_setitems/load_additems
      Val target = stack_[mark - 1];
      if (opts_.torch) [[unlikely]] TorchItems(target, stack_.data() + mark, stack_.size() - mark, false);
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
      if (opts_.torch) [[unlikely]] TorchBuild(inst, b);
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
      if (!IsValidUtf8(module) || !IsValidUtf8(name)) {
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
      if (!IsValidUtf8(module) || !IsValidUtf8(name)) return Fail(ErrorKind::kBadArgument, "STACK_GLOBAL: not UTF-8");
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
        if (opts_.torch && op_ != kFrozenSet) [[unlikely]] TorchItems(a, stack_.data() + mark, n, op_ == kDict);
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
      Val kv[2] = {a, b};
      if (target.kind == VK::kDict) AddItems(target, kv, 2);
      if (opts_.torch) [[unlikely]] TorchItems(target, kv, 2, true);
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
      if (opts_.torch && op_ == kSetItems) [[unlikely]] TorchItems(target, stack_.data() + mark, n, true);
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
      if (opts_.torch) [[unlikely]] TorchStop(v);
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
}  // namespace internal

using internal::Machine;


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
