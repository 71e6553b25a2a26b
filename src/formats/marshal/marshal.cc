// CPython marshal decoder (Python/marshal.c, r_object), iterative. Values go
// into an arena; FLAG_REF objects get their reference slot when their type
// byte is read (pre-order, as r_ref_reserve/R_REF assign them), so 'r' can
// point at any earlier object, including a container still being filled.
#include "formats/marshal/marshal.h"

#include <set>
#include <string>
#include <utility>
#include <vector>

namespace modelgate {
namespace {

enum class Kind : std::uint8_t { kNull, kOther, kStr, kBytes, kSeq, kDict, kCode };

struct Value {
  Kind kind = Kind::kOther;
  std::string text;                 // kStr, kBytes
  std::vector<std::uint32_t> items;  // kSeq, kDict (k, v, k, v ...), kCode (object fields)
};

// A code layout: 'i' = raw int32 field, 'o' = object field; plus the index
// (among object fields) of consts, names, varnames, filename, name.
struct Layout {
  const char* label;
  const char* steps;
  int consts, names, varnames, filename, name;
};

constexpr Layout kLayouts[] = {
    // argcount posonly kwonly stacksize flags | code consts names
    // localsplusnames localspluskinds filename name qualname | firstlineno |
    // linetable exceptiontable
    {"3.11-3.13", "iiiiiooooooooioo", 1, 2, 3, 5, 6},
    // argcount posonly kwonly nlocals stacksize flags | code consts names
    // varnames freevars cellvars filename name | firstlineno | lnotab
    {"3.8-3.10", "iiiiiiooooooooio", 1, 2, 3, 6, 7},
    // as 3.8 without posonlyargcount
    {"3.7", "iiiiiooooooooio", 1, 2, 3, 6, 7},
};

struct Frame {
  std::uint32_t value;
  std::uint64_t remaining;  // children still to read (kSeq); ~0 for dicts
  std::uint32_t step = 0;   // kCode: next step in the layout
};

class Decoder {
 public:
  Decoder(ByteView b, const Limits& l, const Layout& layout) : r_(b), limits_(l), layout_(layout) {}

  Status Run(std::uint32_t* root) {
    std::vector<Frame> stack;
    for (;;) {
      // Code frames read their raw int fields before the next object.
      while (!stack.empty() && arena_[stack.back().value].kind == Kind::kCode) {
        Frame& f = stack.back();
        const char* steps = layout_.steps;
        while (steps[f.step] == 'i') {
          std::uint32_t skip;
          if (!r_.ReadU32LE(&skip)) return Fail("code object int field truncated");
          ++f.step;
        }
        if (steps[f.step] != '\0') break;
        std::uint32_t done = f.value;
        stack.pop_back();
        if (Attach(stack, done, root)) return Status::Ok();
      }
      std::uint32_t v = 0;
      bool leaf = true;
      MODELGATE_RETURN_IF_ERROR(ReadOne(stack, &v, &leaf));
      if (!leaf) continue;
      // Attach completed values upward until a frame still needs children.
      if (Attach(stack, v, root)) return Status::Ok();
    }
  }

  const std::vector<Value>& arena() const { return arena_; }
  bool AtEnd() const { return r_.at_end(); }

 private:
  Status Fail(const std::string& what) const {
    return Status::Corruption("marshal@" + std::to_string(r_.pos()) + ": " + what);
  }

  // Adds a finished value to the top frame, closing frames that complete.
  // Returns true when the root value is complete.
  bool Attach(std::vector<Frame>& stack, std::uint32_t v, std::uint32_t* root) {
    for (;;) {
      if (stack.empty()) {
        *root = v;
        return true;
      }
      Frame& f = stack.back();
      Value& parent = arena_[f.value];
      if (parent.kind == Kind::kDict) {
        if (arena_[v].kind == Kind::kNull && parent.items.size() % 2 == 0) {
          v = f.value;
          stack.pop_back();
          continue;
        }
        parent.items.push_back(v);
        return false;
      }
      parent.items.push_back(v);
      if (parent.kind == Kind::kCode) {
        ++f.step;
        return false;  // the code loop in Run() closes it after its int fields
      }
      if (--f.remaining > 0) return false;
      v = f.value;
      stack.pop_back();
    }
  }

  Status NewValue(Kind k, bool ref, std::uint32_t* out) {
    if (arena_.size() >= limits_.max_marshal_values) {
      return Status::LimitExceeded("marshal data has more than " + std::to_string(limits_.max_marshal_values) +
                                   " values");
    }
    arena_.emplace_back();
    arena_.back().kind = k;
    *out = static_cast<std::uint32_t>(arena_.size() - 1);
    if (ref) refs_.push_back(*out);
    return Status::Ok();
  }

  Status ReadText(std::uint64_t n, Kind k, bool ref, std::uint32_t* out) {
    ByteView t;
    if (!r_.ReadBytes(n, &t)) return Fail("string runs past the end");
    MODELGATE_RETURN_IF_ERROR(NewValue(k, ref, out));
    arena_[*out].text.assign(AsStringView(t));
    return Status::Ok();
  }

  Status ReadOne(std::vector<Frame>& stack, std::uint32_t* v, bool* leaf) {
    std::uint8_t code = 0;
    if (!r_.ReadU8(&code)) return Fail("value truncated");
    const bool ref = (code & 0x80) != 0;
    const char type = static_cast<char>(code & 0x7f);
    std::uint32_t n32 = 0;
    std::uint8_t n8 = 0;
    *leaf = true;
    switch (type) {
      case '0': return NewValue(Kind::kNull, false, v);
      case 'N': case 'F': case 'T': case 'S': case '.': return NewValue(Kind::kOther, ref, v);
      case 'i': if (!r_.Skip(4)) return Fail("int truncated"); return NewValue(Kind::kOther, ref, v);
      case 'I': case 'g': if (!r_.Skip(8)) return Fail("number truncated"); return NewValue(Kind::kOther, ref, v);
      case 'y': if (!r_.Skip(16)) return Fail("complex truncated"); return NewValue(Kind::kOther, ref, v);
      case 'l': {
        std::int32_t n = 0;
        if (!r_.ReadI32LE(&n)) return Fail("long truncated");
        std::uint64_t digits = n < 0 ? static_cast<std::uint64_t>(-static_cast<std::int64_t>(n)) : n;
        if (!r_.Skip(digits * 2)) return Fail("long digits truncated");
        return NewValue(Kind::kOther, ref, v);
      }
      case 'f': case 'x': {
        int parts = type == 'x' ? 2 : 1;
        for (int i = 0; i < parts; ++i) {
          if (!r_.ReadU8(&n8) || !r_.Skip(n8)) return Fail("float text truncated");
        }
        return NewValue(Kind::kOther, ref, v);
      }
      case 's':
        if (!r_.ReadU32LE(&n32)) return Fail("bytes length truncated");
        return ReadText(n32, Kind::kBytes, ref, v);
      case 't': case 'u': case 'a': case 'A':
        if (!r_.ReadU32LE(&n32)) return Fail("string length truncated");
        return ReadText(n32, Kind::kStr, ref, v);
      case 'z': case 'Z':
        if (!r_.ReadU8(&n8)) return Fail("string length truncated");
        return ReadText(n8, Kind::kStr, ref, v);
      case 'r':
        if (!r_.ReadU32LE(&n32)) return Fail("ref truncated");
        if (n32 >= refs_.size()) return Fail("ref " + std::to_string(n32) + " to no earlier object");
        *v = refs_[n32];
        return Status::Ok();
      case '(': case '[': case '<': case '>': case ')': case '{': case 'c': {
        std::uint64_t count = ~0ull;
        Kind k = type == '{' ? Kind::kDict : (type == 'c' ? Kind::kCode : Kind::kSeq);
        if (type == ')') {
          if (!r_.ReadU8(&n8)) return Fail("tuple size truncated");
          count = n8;
        } else if (k == Kind::kSeq) {
          if (!r_.ReadU32LE(&n32)) return Fail("container size truncated");
          if (n32 > r_.remaining()) return Fail("container larger than the input");
          count = n32;
        }
        MODELGATE_RETURN_IF_ERROR(NewValue(k, ref, v));
        if (k == Kind::kSeq && count == 0) return Status::Ok();
        if (stack.size() >= limits_.max_marshal_depth) {
          return Status::LimitExceeded("marshal nesting deeper than " + std::to_string(limits_.max_marshal_depth));
        }
        stack.push_back({*v, count, 0});
        *leaf = false;
        return Status::Ok();
      }
      default: return Fail(std::string("unknown type code 0x") + "0123456789abcdef"[(code >> 4) & 15] +
                           "0123456789abcdef"[code & 15]);
    }
  }

  ByteReader r_;
  const Limits& limits_;
  const Layout& layout_;
  std::vector<Value> arena_;
  std::vector<std::uint32_t> refs_;
};

void AddUnique(std::vector<std::string>& out, std::set<std::string>& seen, const std::string& s) {
  if (seen.insert(s).second) out.push_back(s);
}

MarshalSummary Summarise(const std::vector<Value>& arena, std::uint32_t root, const Layout& layout) {
  MarshalSummary s;
  s.layout = layout.label;
  std::set<std::string> seen_names, seen_strings;
  std::set<std::uint32_t> visited;
  // One set for all code objects: constants shared through refs are read
  // once, so the walk stays linear in the arena.
  std::set<std::uint32_t> const_seen;
  std::vector<std::uint32_t> todo{root};
  auto field = [&](const Value& code, int i) -> const Value* {
    return i < static_cast<int>(code.items.size()) ? &arena[code.items[static_cast<std::size_t>(i)]] : nullptr;
  };
  auto strings_of = [&](const Value* seq, std::vector<std::string>* out) {
    if (!seq || seq->kind != Kind::kSeq) return;
    for (std::uint32_t i : seq->items) {
      if (arena[i].kind == Kind::kStr) out->push_back(arena[i].text);
    }
  };
  while (!todo.empty()) {
    std::uint32_t idx = todo.back();
    todo.pop_back();
    if (!visited.insert(idx).second || arena[idx].kind != Kind::kCode) continue;
    const Value& c = arena[idx];
    MarshalCode mc;
    if (const Value* f = field(c, layout.name); f && f->kind == Kind::kStr) mc.name = f->text;
    if (const Value* f = field(c, layout.filename); f && f->kind == Kind::kStr) mc.filename = f->text;
    strings_of(field(c, layout.names), &mc.names);
    strings_of(field(c, layout.varnames), &mc.varnames);
    // Constants: strings, bytes, nested code, and strings inside constant tuples.
    std::vector<std::uint32_t> consts;
    if (const Value* f = field(c, layout.consts); f && f->kind == Kind::kSeq) consts = f->items;
    std::vector<std::uint32_t> nested;
    while (!consts.empty()) {
      std::uint32_t k = consts.back();
      consts.pop_back();
      if (!const_seen.insert(k).second) continue;
      const Value& cv = arena[k];
      if (cv.kind == Kind::kStr || cv.kind == Kind::kBytes) mc.string_consts.push_back(cv.text);
      if (cv.kind == Kind::kCode) nested.push_back(k);
      if (cv.kind == Kind::kSeq) consts.insert(consts.end(), cv.items.begin(), cv.items.end());
    }
    for (const std::string& n : mc.names) AddUnique(s.all_names, seen_names, n);
    for (const std::string& t : mc.string_consts) AddUnique(s.all_strings, seen_strings, t);
    s.code_objects.push_back(std::move(mc));
    todo.insert(todo.end(), nested.rbegin(), nested.rend());
  }
  return s;
}

}  // namespace

Result<MarshalSummary> DecodeMarshalCode(ByteView bytes, const Limits& limits) {
  Status last = Status::Corruption("empty marshal data");
  for (const Layout& layout : kLayouts) {
    Decoder d(bytes, limits, layout);
    std::uint32_t root = 0;
    Status st = d.Run(&root);
    if (st.code() == StatusCode::kLimitExceeded) return st;
    if (!st.ok()) {
      last = st;
      continue;
    }
    if (!d.AtEnd()) {
      last = Status::Corruption("marshal data continues after the code object");
      continue;
    }
    if (d.arena()[root].kind != Kind::kCode) return Status::Corruption("marshal data is not a code object");
    return Summarise(d.arena(), root, layout);
  }
  return last;
}

}  // namespace modelgate
