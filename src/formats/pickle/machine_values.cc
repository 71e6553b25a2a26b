// Rendering and recording for the symbolic pickle machine: how values are
// described in findings, the bounded argument preview, the walk that gathers
// bytes handed to calls, and call-site recording.
#include <cstdio>
#include <string>

#include "formats/pickle/machine_internal.h"

namespace modelgate::pickle::internal {

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
  if (args.kind == VK::kTuple) {
    std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(args.i), 4);
    for (std::size_t k = 0; k < n && tuple_items_[args.ref + k].kind == VK::kStr; ++k) {
      c.str_args.emplace_back(Text(tuple_items_[args.ref + k]));
    }
  }
  t_.calls.push_back(std::move(c));
  objects_.push_back(ObjectRec{callee, args, Val{}});
  if (opts_.torch) [[unlikely]] TorchCall(callee, args, static_cast<std::uint32_t>(objects_.size() - 1));
  *result = Val{VK::kObject, 0, static_cast<std::uint32_t>(objects_.size() - 1), 0};
  return true;
}

// joblib's NumpyUnpickler.load_build: after BUILD completes a
// NumpyArrayWrapper, the array's bytes follow in the file (see
// joblib/numpy_pickle.py, NumpyArrayWrapper.read_array).
}  // namespace modelgate::pickle::internal
