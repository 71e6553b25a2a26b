// NpyReader implementation.
//
// Three stages: the fixed preamble (magic, version, header length) through
// ByteReader; the header text through ParsePyLiteral (py_literal.h: a
// tokenizer plus an explicit container stack building a flat node arena, no
// recursion, depth capped at CPython's parser limit of 200 brackets); and the
// interpretation of the dict the way numpy/lib/format.py does it
// (_read_array_header and descr_to_dtype), walking the descr with a worklist
// of (node, multiplier) pairs so object fields at any nesting depth are found
// and the itemsize is summed without recursion.
#include "formats/npy/npy.h"

#include "base/utf8.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "formats/npy/py_literal.h"

namespace modelgate {
namespace {

// ---------------------------------------------------------------- dtypes

struct TypeInfo {
  bool known = false;
  bool object = false;
  std::uint64_t itemsize = 0;
};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool ParseDigits(std::string_view s, std::uint64_t* v) {
  if (s.empty() || s.size() > 12) return false;
  std::uint64_t r = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    r = r * 10 + static_cast<std::uint64_t>(c - '0');
  }
  *v = r;
  return true;
}

// Sizes one comma-free component of a numpy type string ("<f4", "U10", "O").
TypeInfo ComponentInfo(std::string_view c) {
  TypeInfo info;
  c = Trim(c);
  std::uint64_t mult = 1;
  if (!c.empty() && c.front() == '(') {  // "(2,3)f8" subarray prefix
    std::size_t close = c.find(')');
    if (close == std::string_view::npos) return info;
    std::string_view dims = c.substr(1, close - 1);
    while (!dims.empty()) {
      std::size_t comma = dims.find(',');
      std::string_view d = Trim(dims.substr(0, comma));
      std::uint64_t v;
      if (!d.empty()) {
        if (!ParseDigits(d, &v) || __builtin_mul_overflow(mult, v, &mult)) return info;
      }
      if (comma == std::string_view::npos) break;
      dims.remove_prefix(comma + 1);
    }
    c = Trim(c.substr(close + 1));
  }
  if (!c.empty() && std::strchr("<>|=!", c.front()) != nullptr) c.remove_prefix(1);
  if (c.empty()) return info;
  // Objects: 'O', 'O8', 'object', 'object_' ... matched generously, so a
  // spelling numpy accepts is never missed.
  std::string lower(c);
  for (char& ch : lower) ch = static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
  if (c.front() == 'O' || lower.rfind("object", 0) == 0) {
    info.known = true;
    info.object = true;
    info.itemsize = 8 * mult;
    return info;
  }
  struct Named { const char* name; std::uint64_t size; };
  static constexpr Named kNamed[] = {
      {"bool", 1},     {"int8", 1},     {"uint8", 1},     {"int16", 2},      {"uint16", 2},
      {"int32", 4},    {"uint32", 4},   {"int64", 8},     {"uint64", 8},     {"float16", 2},
      {"float32", 4},  {"float64", 8},  {"complex64", 8}, {"complex128", 16}, {"int", 8},
      {"float", 8},    {"complex", 16}, {"double", 8},    {"single", 4},     {"half", 2},
      {"longlong", 8}, {"ulonglong", 8}, {"byte", 1},     {"ubyte", 1},      {"short", 2},
      {"ushort", 2},   {"intc", 4},     {"uintc", 4},     {"intp", 8},       {"uintp", 8},
      {"longdouble", 16}, {"float128", 16}, {"complex256", 32}, {"clongdouble", 32},
      {"str", 0},      {"bytes", 0},    {"void", 0},      {"bool_", 1},
  };
  for (const Named& n : kNamed) {
    if (c == n.name) {
      info.known = true;
      info.itemsize = n.size * mult;
      return info;
    }
  }
  char code = c.front();
  std::string_view rest = c.substr(1);
  if (code == 'M' || code == 'm') {  // datetime64 / timedelta64: "M8", "M8[ns]", "M"
    if (!rest.empty() && rest.front() == '8') rest.remove_prefix(1);
    if (rest.empty() || (rest.front() == '[' && rest.back() == ']')) {
      info.known = true;
      info.itemsize = 8 * mult;
    }
    return info;
  }
  std::uint64_t n = 0;
  bool has_n = ParseDigits(rest, &n);
  if (!rest.empty() && !has_n) return info;
  std::uint64_t size = 0;
  switch (code) {
    case 'b': size = has_n ? (n == 1 ? 1 : 0) : 1; break;
    case 'i': case 'u': size = has_n ? ((n == 1 || n == 2 || n == 4 || n == 8) ? n : 0) : 4; break;
    case 'f': size = has_n ? ((n == 2 || n == 4 || n == 8 || n == 12 || n == 16) ? n : 0) : 4; break;
    case 'c': size = has_n ? ((n == 8 || n == 16 || n == 24 || n == 32) ? n : 0) : 8; break;
    case 'S': case 'a': case 'V': info.known = true; info.itemsize = n * mult; return info;
    case 'U':
      info.known = true;
      if (__builtin_mul_overflow(n, std::uint64_t{4}, &info.itemsize) ||
          __builtin_mul_overflow(info.itemsize, mult, &info.itemsize)) {
        info.known = false;
      }
      return info;
    case '?': case 'B': size = has_n ? 0 : 1; break;
    case 'h': case 'H': case 'e': size = has_n ? 0 : 2; break;
    case 'I': size = has_n ? 0 : 4; break;
    case 'l': case 'L': case 'q': case 'Q': case 'p': case 'P': case 'n': case 'N': case 'd':
      size = has_n ? 0 : 8; break;
    case 'F': size = has_n ? 0 : 8; break;
    case 'D': case 'g': size = has_n ? 0 : 16; break;
    case 'G': size = has_n ? 0 : 32; break;
    default: size = 0;
  }
  if (size == 0) return info;
  info.known = !__builtin_mul_overflow(size, mult, &info.itemsize);
  return info;
}

// A type string may list several comma-separated components ("i4, O"),
// which numpy turns into a structured dtype.
TypeInfo TypeStringInfo(std::string_view s) {
  TypeInfo total;
  total.known = true;
  std::size_t depth = 0, start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i < s.size() && (s[i] == '(' || s[i] == '[')) ++depth;
    if (i < s.size() && (s[i] == ')' || s[i] == ']') && depth > 0) --depth;
    if (i == s.size() || (s[i] == ',' && depth == 0)) {
      TypeInfo c = ComponentInfo(s.substr(start, i - start));
      total.object = total.object || c.object;
      total.known = total.known && c.known;
      if (__builtin_add_overflow(total.itemsize, c.itemsize, &total.itemsize)) total.known = false;
      start = i + 1;
    }
  }
  return total;
}

// Renders a node compactly (for messages and NpyFile::descr), bounded.
std::string Render(const std::vector<PyNode>& nodes, std::uint32_t root, std::size_t max_len = 400) {
  std::string out;
  struct Item { std::uint32_t node; std::size_t next_child; };
  std::vector<Item> stack{{root, 0}};
  while (!stack.empty() && out.size() < max_len) {
    Item& it = stack.back();
    const PyNode& n = nodes[it.node];
    bool container = n.kind == PyKind::kTuple || n.kind == PyKind::kList || n.kind == PyKind::kDict ||
                     n.kind == PyKind::kSet;
    if (!container) {
      switch (n.kind) {
        case PyKind::kStr: out += "'" + n.text + "'"; break;
        case PyKind::kBytes: out += "b'" + n.text + "'"; break;
        case PyKind::kBool: out += n.ival ? "True" : "False"; break;
        case PyKind::kNone: out += "None"; break;
        default: out += n.text;
      }
      stack.pop_back();
      continue;
    }
    const char* open = n.kind == PyKind::kTuple ? "(" : (n.kind == PyKind::kList ? "[" : "{");
    const char* close = n.kind == PyKind::kTuple ? ")" : (n.kind == PyKind::kList ? "]" : "}");
    if (it.next_child == 0) out += open;
    if (it.next_child == n.children.size()) {
      if (n.kind == PyKind::kTuple && n.children.size() == 1) out += ",";
      out += close;
      stack.pop_back();
      continue;
    }
    if (it.next_child > 0) out += (n.kind == PyKind::kDict && it.next_child % 2 == 1) ? ": " : ", ";
    std::uint32_t child = n.children[it.next_child++];
    stack.push_back(Item{child, 0});
  }
  if (out.size() >= max_len) out += "...";
  return out;
}

bool IsIntLike(const PyNode& n) { return (n.kind == PyKind::kInt && !n.int_overflow) || n.kind == PyKind::kBool; }

// Product of a subarray shape (int or tuple of ints). Returns false when it is
// not a shape numpy accepts or the product overflows.
bool ShapeProduct(const std::vector<PyNode>& nodes, std::uint32_t idx, std::uint64_t* out) {
  const PyNode& n = nodes[idx];
  if (IsIntLike(n)) {
    if (n.ival < 0) return false;
    *out = static_cast<std::uint64_t>(n.ival);
    return true;
  }
  if (n.kind != PyKind::kTuple) return false;
  std::uint64_t p = 1;
  for (std::uint32_t c : n.children) {
    const PyNode& d = nodes[c];
    if (!IsIntLike(d) || d.ival < 0) return false;
    if (__builtin_mul_overflow(p, static_cast<std::uint64_t>(d.ival), &p)) return false;
  }
  *out = p;
  return true;
}

struct DescrResult {
  bool valid = true;       // numpy would accept the shape of the description
  bool sizes_known = true;
  bool has_object = false;
  std::uint64_t itemsize = 0;
  std::vector<std::string> object_fields;
  std::vector<std::string> unknown_types;
  std::string problem;
};

// Walks a descr the way descr_to_dtype does, with a worklist instead of
// recursion. Anything numpy hands straight to numpy.dtype() that is not a
// plain type string (dicts in subarray position, for instance) is searched
// for object type strings wholesale, so exotic spellings cannot hide an 'O'.
DescrResult AnalyzeDescr(const std::vector<PyNode>& nodes, std::uint32_t descr) {
  DescrResult r;
  struct Work { std::uint32_t node; std::uint64_t mult; std::string path; bool opaque; };
  std::vector<Work> work{{descr, 1, "", false}};
  std::size_t steps = 0;
  while (!work.empty()) {
    Work w = std::move(work.back());
    work.pop_back();
    if (++steps > nodes.size() * 4 + 16) break;  // cannot happen: arena is a tree
    const PyNode& n = nodes[w.node];
    std::string where = w.path.empty() ? "<descr>" : w.path;
    if (w.opaque) {
      if (n.kind == PyKind::kStr || n.kind == PyKind::kBytes) {
        if (TypeStringInfo(n.text).object) {
          r.has_object = true;
          r.object_fields.push_back(where);
        }
      }
      for (std::uint32_t c : n.children) work.push_back(Work{c, 1, w.path, true});
      continue;
    }
    if (n.kind == PyKind::kStr || n.kind == PyKind::kBytes) {
      TypeInfo t = TypeStringInfo(n.text);
      if (t.object) {
        r.has_object = true;
        r.object_fields.push_back(where);
      }
      std::uint64_t sz = 0;
      if (!t.known || __builtin_mul_overflow(t.itemsize, w.mult, &sz) ||
          __builtin_add_overflow(r.itemsize, sz, &r.itemsize)) {
        r.sizes_known = false;
        if (!t.known && r.unknown_types.size() < 8) r.unknown_types.push_back(n.text);
      }
      continue;
    }
    if (n.kind == PyKind::kTuple) {  // (subtype, shape)
      if (n.children.size() != 2) {
        r.valid = false;
        r.problem = "subarray tuple must be (dtype, shape)";
        for (std::uint32_t c : n.children) work.push_back(Work{c, 1, w.path, true});
        continue;
      }
      std::uint64_t p = 0, m = 0;
      if (ShapeProduct(nodes, n.children[1], &p) && !__builtin_mul_overflow(w.mult, p, &m)) {
        work.push_back(Work{n.children[0], m, w.path, false});
      } else {
        // numpy.dtype((base, x)) also accepts other x (field dicts...).
        r.sizes_known = false;
        work.push_back(Work{n.children[0], 1, w.path, false});
        work.push_back(Work{n.children[1], 1, w.path, true});
      }
      continue;
    }
    if (n.kind == PyKind::kList) {  // [(name, dtype[, shape]), ...]
      for (auto it = n.children.rbegin(); it != n.children.rend(); ++it) {
        const PyNode& field = nodes[*it];
        if ((field.kind != PyKind::kTuple && field.kind != PyKind::kList) || field.children.size() < 2 ||
            field.children.size() > 3) {
          r.valid = false;
          r.problem = "structured field is not (name, dtype[, shape])";
          work.push_back(Work{*it, 1, w.path, true});
          continue;
        }
        const PyNode& name = nodes[field.children[0]];
        std::string fname = name.kind == PyKind::kStr ? name.text : Render(nodes, field.children[0], 60);
        std::string path = w.path.empty() ? fname : w.path + "/" + fname;
        std::uint64_t p = 1, m = w.mult;
        if (field.children.size() == 3) {
          if (!ShapeProduct(nodes, field.children[2], &p) || __builtin_mul_overflow(m, p, &m)) {
            r.valid = false;
            r.problem = "structured field has an invalid shape";
            m = 1;
          }
        }
        work.push_back(Work{field.children[1], m, path, false});
      }
      continue;
    }
    r.valid = false;
    r.problem = "descr is neither a type string, a subarray tuple nor a field list";
    work.push_back(Work{w.node, 1, w.path, true});
    if (n.kind != PyKind::kDict && n.kind != PyKind::kSet) {
      work.pop_back();  // scalars: nothing to search
    } else {
      work.back().opaque = true;
    }
  }
  return r;
}

// ---------------------------------------------------------------- reader

std::string Latin1ToUtf8(ByteView b) {
  std::string out;
  out.reserve(b.size());
  for (std::uint8_t c : b) AppendUtf8(c, &out);
  return out;
}


void Add(NpyFile* f, NpyAnomalyKind k, std::uint64_t off, std::string detail) {
  f->anomalies.push_back(NpyAnomaly{k, off, std::move(detail)});
}

// Interprets the parsed dict as numpy's _read_array_header does.
void InterpretHeader(const std::vector<PyNode>& nodes, std::uint32_t root, NpyFile* f) {
  const std::uint64_t at = f->header_offset;
  const PyNode& dict = nodes[root];
  if (dict.kind != PyKind::kDict) {
    Add(f, NpyAnomalyKind::kHeaderNotDict, at, "header is not a dict: " + Render(nodes, root, 120));
    f->header_state = NpyHeaderState::kInvalid;
    return;
  }
  std::optional<std::uint32_t> descr, fortran, shape;
  bool bad_keys = false;
  std::string keys;
  for (std::size_t i = 0; i + 1 < dict.children.size(); i += 2) {
    const PyNode& k = nodes[dict.children[i]];
    std::uint32_t v = dict.children[i + 1];
    keys += (keys.empty() ? "" : ", ") + Render(nodes, dict.children[i], 60);
    std::optional<std::uint32_t>* slot = nullptr;
    if (k.kind == PyKind::kStr && k.text == "descr") slot = &descr;
    if (k.kind == PyKind::kStr && k.text == "fortran_order") slot = &fortran;
    if (k.kind == PyKind::kStr && k.text == "shape") slot = &shape;
    if (slot == nullptr) {
      bad_keys = true;
      continue;
    }
    if (slot->has_value()) {
      Add(f, NpyAnomalyKind::kDuplicateKey, at,
          "key '" + k.text + "' appears more than once; Python keeps the last value");
    }
    *slot = v;  // last one wins, as in a Python dict display
  }
  // The descr is analysed even when other keys are wrong, so an object dtype
  // is still seen in a header numpy would reject.
  if (descr) {
    f->descr = Render(nodes, *descr);
    DescrResult d = AnalyzeDescr(nodes, *descr);
    f->structured = nodes[*descr].kind != PyKind::kStr && nodes[*descr].kind != PyKind::kBytes;
    f->has_object = d.has_object;
    f->object_fields = std::move(d.object_fields);
    if (!d.valid) Add(f, NpyAnomalyKind::kBadDescr, at, d.problem + ": " + f->descr);
    for (const std::string& u : d.unknown_types) {
      Add(f, NpyAnomalyKind::kUnknownDtype, at, "type string '" + u + "' is not one this reader can size");
    }
    if (d.valid && d.sizes_known) f->itemsize = d.itemsize;
    if (!d.valid) f->header_state = NpyHeaderState::kInvalid;
  }
  if (bad_keys || !descr || !fortran || !shape) {
    Add(f, NpyAnomalyKind::kHeaderKeys, at, "header keys are {" + keys + "}, not descr, fortran_order, shape");
    f->header_state = NpyHeaderState::kInvalid;
    return;
  }
  const PyNode& fo = nodes[*fortran];
  if (fo.kind != PyKind::kBool) {
    Add(f, NpyAnomalyKind::kBadFortranOrder, at, "fortran_order is not a bool: " + Render(nodes, *fortran, 60));
    f->header_state = NpyHeaderState::kInvalid;
  } else {
    f->fortran_order = fo.ival != 0;
  }
  const PyNode& sh = nodes[*shape];
  bool shape_ok = sh.kind == PyKind::kTuple;
  std::uint64_t count = 1;
  bool overflow = false;
  if (shape_ok) {
    for (std::uint32_t c : sh.children) {
      const PyNode& d = nodes[c];
      if (d.kind == PyKind::kInt && d.int_overflow) {
        overflow = true;
        continue;
      }
      if (!IsIntLike(d)) {  // isinstance(True, int) holds in Python: bools pass
        shape_ok = false;
        break;
      }
      f->shape.push_back(d.ival);
      if (d.ival < 0) continue;
      if (__builtin_mul_overflow(count, static_cast<std::uint64_t>(d.ival), &count)) overflow = true;
    }
  }
  if (!shape_ok) {
    Add(f, NpyAnomalyKind::kBadShape, at, "shape is not a tuple of ints: " + Render(nodes, *shape, 120));
    f->header_state = NpyHeaderState::kInvalid;
    return;
  }
  for (std::int64_t d : f->shape) {
    if (d < 0) {
      Add(f, NpyAnomalyKind::kBadShape, at, "negative dimension in shape " + Render(nodes, *shape, 120));
      f->header_state = NpyHeaderState::kInvalid;
      return;
    }
  }
  // numpy computes the count with numpy.multiply.reduce(dtype=int64), which
  // wraps silently: treat anything past INT64_MAX as overflow.
  if (overflow || count > static_cast<std::uint64_t>(INT64_MAX)) {
    Add(f, NpyAnomalyKind::kShapeOverflow, at, "element count of shape " + Render(nodes, *shape, 120) +
                                                    " overflows 64 bits");
    f->header_state = NpyHeaderState::kInvalid;
    return;
  }
  f->element_count = count;
  if (f->itemsize && !f->has_object) {
    std::uint64_t bytes = 0;
    if (__builtin_mul_overflow(count, *f->itemsize, &bytes)) {
      Add(f, NpyAnomalyKind::kShapeOverflow, at, "data size (count x itemsize) overflows 64 bits");
      f->header_state = NpyHeaderState::kInvalid;
      return;
    }
    f->expected_data_bytes = bytes;
  }
}

}  // namespace

bool HasNpyMagic(ByteView bytes) {
  static constexpr std::uint8_t kMagic[] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
  return bytes.size() >= sizeof(kMagic) && std::equal(kMagic, kMagic + sizeof(kMagic), bytes.begin());
}

bool NpyFile::Has(NpyAnomalyKind k) const {
  return std::any_of(anomalies.begin(), anomalies.end(), [k](const NpyAnomaly& a) { return a.kind == k; });
}

Result<NpyFile> ReadNpy(ByteView bytes, const Limits& limits) {
  if (!HasNpyMagic(bytes)) return Status::Corruption("npy@0: missing \\x93NUMPY magic");
  ByteReader r(bytes);
  (void)r.Skip(6);
  NpyFile f;
  if (!r.ReadU8(&f.major) || !r.ReadU8(&f.minor)) return Status::Corruption("npy@6: truncated version");
  std::uint64_t hlen = 0;
  bool known = f.minor == 0 && f.major >= 1 && f.major <= 3;
  if (!known) {
    Add(&f, NpyAnomalyKind::kUnknownVersion, 6,
        "version " + std::to_string(f.major) + "." + std::to_string(f.minor) + " (numpy reads 1.0, 2.0, 3.0)");
  }
  // An unknown version is still read with the nearest layout so the header
  // (and any object dtype in it) is seen.
  if (f.major <= 1) {
    std::uint16_t h;
    if (!r.ReadU16LE(&h)) return Status::Corruption("npy@8: truncated header length");
    hlen = h;
  } else {
    std::uint32_t h;
    if (!r.ReadU32LE(&h)) return Status::Corruption("npy@8: truncated header length");
    hlen = h;
  }
  f.header_offset = r.pos();
  f.header_length = hlen;
  f.data_offset = r.pos() + hlen;
  f.header_state = known ? NpyHeaderState::kOk : NpyHeaderState::kInvalid;
  if (hlen > limits.max_header_bytes) {
    Add(&f, NpyAnomalyKind::kHeaderTooLarge, f.header_offset,
        "header of " + std::to_string(hlen) + " bytes exceeds the limit of " +
            std::to_string(limits.max_header_bytes));
    f.header_state = NpyHeaderState::kTooLarge;
    f.data_bytes = hlen <= r.remaining() ? r.remaining() - hlen : 0;
    return f;
  }
  ByteView header;
  if (!r.ReadBytes(hlen, &header)) {
    Add(&f, NpyAnomalyKind::kHeaderTruncated, f.header_offset,
        "header length " + std::to_string(hlen) + " exceeds the " + std::to_string(r.remaining()) +
            " bytes that follow");
    f.header_state = NpyHeaderState::kInvalid;
    header = r.rest();  // still look at what is there
  }
  f.data_bytes = r.remaining();
  bool utf8 = f.major >= 3;
  if (utf8 && !IsValidUtf8(AsStringView(header))) {
    Add(&f, NpyAnomalyKind::kHeaderEncoding, f.header_offset, "3.0 header is not valid UTF-8");
    f.header_state = NpyHeaderState::kInvalid;
    f.header_text = Latin1ToUtf8(header);  // lossless view for the parser
  } else {
    f.header_text = utf8 ? std::string(AsStringView(header)) : Latin1ToUtf8(header);
  }
  if (f.header_text.size() > kNumpyMaxHeaderChars) {
    Add(&f, NpyAnomalyKind::kHeaderOverNumpyLimit, f.header_offset,
        "header of " + std::to_string(f.header_text.size()) +
            " characters: numpy.load refuses it unless allow_pickle=True");
  }
  if (f.header_text.find('\0') != std::string::npos) {
    // compile() rejects source with NUL bytes, so numpy cannot load this.
    Add(&f, NpyAnomalyKind::kHeaderSyntax, f.header_offset, "NUL byte in header");
    f.header_state = NpyHeaderState::kInvalid;
  }
  std::string_view text = f.header_text;
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  std::vector<PyNode> nodes;
  std::uint32_t root = 0;
  ParseError err;
  if (!ParsePyLiteral(text, f.major <= 2, &nodes, &root, &err)) {
    std::uint64_t off = f.header_offset + (f.header_text.size() - text.size()) + err.offset;
    Add(&f, err.unsupported ? NpyAnomalyKind::kHeaderUnsupported : NpyAnomalyKind::kHeaderSyntax, off,
        err.message);
    if (err.unsupported && f.header_state == NpyHeaderState::kOk) {
      f.header_state = NpyHeaderState::kUnsupported;
    } else if (!err.unsupported) {
      f.header_state = NpyHeaderState::kInvalid;
    }
    // Conservatively look for an object type string anywhere in the text:
    // the loader might parse what we could not.
    for (std::size_t i = 0; i + 1 < f.header_text.size(); ++i) {
      char q = f.header_text[i];
      char c = f.header_text[i + 1];
      if ((q == '\'' || q == '"') && i + 2 < f.header_text.size() &&
          (c == 'O' || ((c == '|' || c == '<' || c == '>' || c == '=') && f.header_text[i + 2] == 'O'))) {
        f.has_object = true;
        f.object_fields.push_back("<unparsed header>");
        break;
      }
    }
    return f;
  }
  NpyHeaderState before = f.header_state;
  InterpretHeader(nodes, root, &f);
  if (before != NpyHeaderState::kOk && f.header_state == NpyHeaderState::kOk) f.header_state = before;
  if (f.header_state == NpyHeaderState::kOk || f.header_state == NpyHeaderState::kInvalid) {
    if (f.has_object && f.data_bytes == 0 && !f.Has(NpyAnomalyKind::kHeaderTruncated)) {
      Add(&f, NpyAnomalyKind::kEmptyObjectData, f.data_offset, "object dtype but no pickle data follows");
    }
    if (f.expected_data_bytes && !f.Has(NpyAnomalyKind::kHeaderTruncated)) {
      if (f.data_bytes < *f.expected_data_bytes) {
        Add(&f, NpyAnomalyKind::kDataTruncated, f.data_offset,
            "shape and dtype need " + std::to_string(*f.expected_data_bytes) + " data bytes, " +
                std::to_string(f.data_bytes) + " present");
      } else if (f.data_bytes > *f.expected_data_bytes) {
        Add(&f, NpyAnomalyKind::kTrailingData, f.data_offset + *f.expected_data_bytes,
            std::to_string(f.data_bytes - *f.expected_data_bytes) + " bytes follow the array data");
      }
    }
  }
  return f;
}

}  // namespace modelgate
