// GGUF reader. See gguf.h for the layout and the contract.
#include "formats/gguf/gguf.h"

#include <algorithm>
#include <unordered_map>
#include <utility>

#include "base/utf8.h"
#include "formats/gguf/ggml_types.h"

namespace modelgate {
namespace {

constexpr std::uint32_t kMaxDims = 4;        // GGML_MAX_DIMS
constexpr std::size_t kMaxNameBytes = 64;    // GGML_MAX_NAME (including the NUL)
constexpr std::size_t kMaxAnomaliesPerKind = 64;

// Reads integers in the file's byte order and GGUF's version-dependent
// widths, on top of the checked ByteReader.
class GgufCursor {
 public:
  GgufCursor(ByteView bytes, bool big_endian, std::uint32_t version)
      : r_(bytes), big_(big_endian), v1_(version == 1) {}

  ByteReader& reader() { return r_; }
  std::uint64_t pos() const { return r_.pos(); }
  std::uint64_t remaining() const { return r_.remaining(); }
  bool v1() const { return v1_; }

  bool U32(std::uint32_t* out) {
    if (!big_) return r_.ReadU32LE(out);
    return r_.ReadU32BE(out);
  }
  bool U64(std::uint64_t* out) {
    if (!big_) return r_.ReadU64LE(out);
    std::uint32_t hi = 0, lo = 0;
    if (r_.remaining() < 8) return false;
    (void)r_.ReadU32BE(&hi);
    (void)r_.ReadU32BE(&lo);
    *out = (static_cast<std::uint64_t>(hi) << 32) | lo;
    return true;
  }
  // A count or length: u32 in v1, u64 from v2 on.
  bool Size(std::uint64_t* out) {
    if (!v1_) return U64(out);
    std::uint32_t v;
    if (!U32(&v)) return false;
    *out = v;
    return true;
  }
  std::uint32_t size_width() const { return v1_ ? 4 : 8; }
  // Scalar of `size` bytes, widened; byte order applied.
  bool Scalar(std::uint32_t size, std::uint64_t* out) {
    if (r_.remaining() < size) return false;
    ByteView b;
    (void)r_.ReadBytes(size, &b);
    std::uint64_t v = 0;
    for (std::uint32_t i = 0; i < size; ++i) {
      std::uint32_t k = big_ ? i : size - 1 - i;
      v = (v << 8) | b[k];
    }
    *out = v;
    return true;
  }

 private:
  ByteReader r_;
  bool big_;
  bool v1_;
};

std::uint64_t AlignUp(std::uint64_t x, std::uint64_t a) {
  std::uint64_t rem = x % a;
  return rem == 0 ? x : x + (a - rem);
}

bool MulOverflows(std::uint64_t a, std::uint64_t b, std::uint64_t* out) {
  return __builtin_mul_overflow(a, b, out);
}

class Parser {
 public:
  Parser(ByteView bytes, const Limits& limits, GgufFile* f)
      : bytes_(bytes), limits_(limits), f_(f), c_(bytes, f->big_endian, f->version) {}

  void Run();

 private:
  void Add(GgufAnomalyKind kind, std::uint64_t offset, std::string detail) {
    std::size_t& n = per_kind_[static_cast<int>(kind)];
    if (++n > kMaxAnomaliesPerKind) return;
    f_->anomalies.push_back({kind, offset, std::move(detail)});
  }
  // Reads a string (length + bytes). On failure adds the anomaly and returns false.
  bool ReadString(std::string_view what, std::string_view* out);
  bool ReadKv();
  bool ReadArray(GgufKv& kv);
  bool ReadNestedArray(GgufKv& kv);
  bool ReadTensorInfo(std::size_t index);
  void CheckAlignmentKey();
  void CheckTensorLayout();

  ByteView bytes_;
  const Limits& limits_;
  GgufFile* f_;
  GgufCursor c_;
  std::uint64_t elements_walked_ = 0;
  std::unordered_map<std::string, std::size_t> keys_;
  std::unordered_map<std::string, std::size_t> tensor_names_;
  std::size_t per_kind_[32] = {};
};

bool Parser::ReadString(std::string_view what, std::string_view* out) {
  std::uint64_t at = c_.pos();
  std::uint64_t len;
  if (!c_.Size(&len)) {
    Add(GgufAnomalyKind::kTruncated, at, std::string(what) + ": length field runs past the end of the file");
    return false;
  }
  if (len > c_.remaining() || len > limits_.max_gguf_string_bytes) {
    // Beyond the limit the length is absurd; within it, the file was cut short.
    Add(len > limits_.max_gguf_string_bytes ? GgufAnomalyKind::kAbsurdLength : GgufAnomalyKind::kTruncated, at,
        std::string(what) + ": string length " + std::to_string(len) + " exceeds " +
            (len > c_.remaining() ? "the " + std::to_string(c_.remaining()) + " bytes left"
                                  : "the limit of " + std::to_string(limits_.max_gguf_string_bytes) + " bytes"));
    return false;
  }
  ByteView b;
  (void)c_.reader().ReadBytes(len, &b);
  *out = AsStringView(b);
  return true;
}

void Parser::Run() {
  (void)c_.reader().Seek(8);  // after magic and version
  std::uint64_t at = c_.pos();
  if (!c_.Size(&f_->tensor_count) || !c_.Size(&f_->kv_count)) {
    Add(GgufAnomalyKind::kTruncated, at, "header counts run past the end of the file");
    return;
  }
  // Each kv needs at least a key length and a type; each tensor info at least
  // a name length, n_dims, type and offset.
  std::uint64_t min_kv = c_.size_width() + 4, min_ti = c_.size_width() + 16;
  if (f_->kv_count > limits_.max_gguf_kv || f_->kv_count > c_.remaining() / min_kv) {
    Add(f_->kv_count > limits_.max_gguf_kv ? GgufAnomalyKind::kAbsurdCount : GgufAnomalyKind::kTruncated,
        at + c_.size_width(),
        "metadata_kv_count " + std::to_string(f_->kv_count) + " exceeds the limit of " +
            std::to_string(limits_.max_gguf_kv) + " or what " + std::to_string(c_.remaining()) +
            " bytes can hold");
    return;
  }
  if (f_->tensor_count > limits_.max_gguf_tensors || f_->tensor_count > c_.remaining() / min_ti) {
    Add(f_->tensor_count > limits_.max_gguf_tensors ? GgufAnomalyKind::kAbsurdCount : GgufAnomalyKind::kTruncated, at,
        "tensor_count " + std::to_string(f_->tensor_count) + " exceeds the limit of " +
            std::to_string(limits_.max_gguf_tensors) + " or what " + std::to_string(c_.remaining()) +
            " bytes can hold");
    return;
  }
  f_->kvs.reserve(static_cast<std::size_t>(f_->kv_count));
  for (std::uint64_t i = 0; i < f_->kv_count; ++i) {
    if (!ReadKv()) return;
  }
  CheckAlignmentKey();
  f_->tensors.reserve(static_cast<std::size_t>(f_->tensor_count));
  for (std::uint64_t i = 0; i < f_->tensor_count; ++i) {
    if (!ReadTensorInfo(static_cast<std::size_t>(i))) return;
  }
  f_->header_complete = true;
  f_->info_end = c_.pos();
  f_->data_offset = AlignUp(f_->info_end, f_->alignment);
  CheckTensorLayout();
}

bool Parser::ReadKv() {
  GgufKv kv;
  kv.offset = c_.pos();
  std::string_view key;
  if (!ReadString("metadata key", &key)) return false;
  kv.key.assign(key);
  if (!IsValidUtf8(key)) Add(GgufAnomalyKind::kInvalidUtf8, kv.offset, "metadata key is not valid UTF-8");
  auto [it, fresh] = keys_.emplace(kv.key, f_->kvs.size());
  if (!fresh) {
    Add(GgufAnomalyKind::kDuplicateKey, kv.offset,
        "key '" + kv.key.substr(0, 200) + "' repeats the key at offset " + std::to_string(f_->kvs[it->second].offset));
  }
  std::uint64_t type_at = c_.pos();
  if (!c_.U32(&kv.type)) {
    Add(GgufAnomalyKind::kTruncated, type_at, "value type of '" + kv.key.substr(0, 200) + "' runs past the end");
    return false;
  }
  kv.value_offset = c_.pos();
  bool ok = true;
  if (kv.type == static_cast<std::uint32_t>(GgufValueType::kString)) {
    std::string_view s;
    ok = ReadString("value of '" + kv.key.substr(0, 200) + "'", &s);
    if (ok) {
      kv.strings.push_back(s);
      if (!IsValidUtf8(s)) {
        Add(GgufAnomalyKind::kInvalidUtf8, kv.value_offset, "string value of '" + kv.key.substr(0, 200) + "'");
      }
    }
  } else if (kv.type == static_cast<std::uint32_t>(GgufValueType::kArray)) {
    ok = ReadArray(kv);
  } else if (std::uint32_t size = GgufScalarSize(kv.type); size != 0) {
    std::uint64_t v = 0;
    ok = c_.Scalar(size, &v);
    if (!ok) {
      Add(GgufAnomalyKind::kTruncated, kv.value_offset, "value of '" + kv.key.substr(0, 200) + "' runs past the end");
    } else {
      kv.u64 = v;
      switch (static_cast<GgufValueType>(kv.type)) {
        case GgufValueType::kInt8: kv.i64 = static_cast<std::int8_t>(v); break;
        case GgufValueType::kInt16: kv.i64 = static_cast<std::int16_t>(v); break;
        case GgufValueType::kInt32: kv.i64 = static_cast<std::int32_t>(v); break;
        case GgufValueType::kInt64: kv.i64 = static_cast<std::int64_t>(v); break;
        case GgufValueType::kFloat32: {
          float x;
          std::uint32_t u = static_cast<std::uint32_t>(v);
          __builtin_memcpy(&x, &u, 4);
          kv.f64 = x;
          break;
        }
        case GgufValueType::kFloat64: __builtin_memcpy(&kv.f64, &v, 8); break;
        default: kv.i64 = static_cast<std::int64_t>(v); break;
      }
    }
  } else {
    Add(GgufAnomalyKind::kUnknownValueType, type_at,
        "key '" + kv.key.substr(0, 200) + "' has value type " + std::to_string(kv.type) +
            ", which GGUF does not define; the rest of the file cannot be located");
    ok = false;
  }
  kv.complete = ok;
  kv.value_end = c_.pos();
  f_->kvs.push_back(std::move(kv));
  return ok;
}

bool Parser::ReadArray(GgufKv& kv) {
  std::uint64_t at = c_.pos();
  std::string name = "array '" + kv.key.substr(0, 200) + "'";
  if (!c_.U32(&kv.element_type) || !c_.Size(&kv.count)) {
    Add(GgufAnomalyKind::kTruncated, at, name + ": element type or count runs past the end");
    return false;
  }
  kv.depth = 1;
  std::uint32_t et = kv.element_type;
  if (std::uint32_t size = GgufScalarSize(et); size != 0) {
    std::uint64_t total;
    if (MulOverflows(kv.count, size, &total) || total > c_.remaining()) {
      Add(kv.count > limits_.max_gguf_array_elements ? GgufAnomalyKind::kAbsurdCount : GgufAnomalyKind::kTruncated, at,
          name + ": " + std::to_string(kv.count) + " elements of " + std::string(GgufValueTypeName(et)) +
              " do not fit in the " + std::to_string(c_.remaining()) + " bytes left");
      return false;
    }
    (void)c_.reader().ReadBytes(total, &kv.raw);
    return true;
  }
  if (et == static_cast<std::uint32_t>(GgufValueType::kString)) {
    if (kv.count > c_.remaining() / c_.size_width()) {
      Add(kv.count > limits_.max_gguf_array_elements ? GgufAnomalyKind::kAbsurdCount : GgufAnomalyKind::kTruncated, at,
          name + ": " + std::to_string(kv.count) + " strings cannot fit in the " + std::to_string(c_.remaining()) +
              " bytes left");
      return false;
    }
    if (kv.count > limits_.max_gguf_array_elements - std::min(elements_walked_, limits_.max_gguf_array_elements)) {
      Add(GgufAnomalyKind::kLimitExceeded, at,
          name + ": " + std::to_string(kv.count) + " strings exceed the limit of " +
              std::to_string(limits_.max_gguf_array_elements) + " array elements per file");
      return false;
    }
    elements_walked_ += kv.count;
    kv.strings.reserve(static_cast<std::size_t>(kv.count));
    std::uint64_t bad_utf8 = 0, first_bad = 0;
    for (std::uint64_t i = 0; i < kv.count; ++i) {
      std::string_view s;
      std::uint64_t s_at = c_.pos();
      if (!ReadString(name + " element " + std::to_string(i), &s)) return false;
      if (!IsValidUtf8(s) && bad_utf8++ == 0) first_bad = s_at;
      kv.strings.push_back(s);
    }
    if (bad_utf8 != 0) {
      Add(GgufAnomalyKind::kInvalidUtf8, first_bad,
          name + ": " + std::to_string(bad_utf8) + " of " + std::to_string(kv.count) + " strings are not valid UTF-8");
    }
    return true;
  }
  if (et == static_cast<std::uint32_t>(GgufValueType::kArray)) return ReadNestedArray(kv);
  Add(GgufAnomalyKind::kUnknownValueType, at,
      name + " has element type " + std::to_string(et) + ", which GGUF does not define");
  return false;
}

// Arrays of arrays: walked with an explicit stack, contents not kept.
bool Parser::ReadNestedArray(GgufKv& kv) {
  std::string name = "array '" + kv.key.substr(0, 200) + "'";
  Add(GgufAnomalyKind::kNestedArray, kv.value_offset, name + " holds arrays");
  struct Frame {
    std::uint32_t type;
    std::uint64_t left;
  };
  std::vector<Frame> stack = {{kv.element_type, kv.count}};
  while (!stack.empty()) {
    Frame& top = stack.back();
    if (top.left == 0) {
      stack.pop_back();
      continue;
    }
    std::uint64_t at = c_.pos();
    if (std::uint32_t size = GgufScalarSize(top.type); size != 0) {
      std::uint64_t total;
      if (MulOverflows(top.left, size, &total) || !c_.reader().Skip(total)) {
        Add(GgufAnomalyKind::kAbsurdCount, at,
            name + ": nested array of " + std::to_string(top.left) + " elements runs past the end");
        return false;
      }
      top.left = 0;
      continue;
    }
    if (++elements_walked_ > limits_.max_gguf_array_elements) {
      Add(GgufAnomalyKind::kLimitExceeded, at,
          name + ": more than " + std::to_string(limits_.max_gguf_array_elements) + " array elements walked");
      return false;
    }
    --top.left;
    if (top.type == static_cast<std::uint32_t>(GgufValueType::kString)) {
      std::string_view s;
      if (!ReadString(name + " nested string", &s)) return false;
      continue;
    }
    if (top.type != static_cast<std::uint32_t>(GgufValueType::kArray)) {
      Add(GgufAnomalyKind::kUnknownValueType, at,
          name + ": nested element type " + std::to_string(top.type) + " is not defined by GGUF");
      return false;
    }
    Frame next;
    if (!c_.U32(&next.type) || !c_.Size(&next.left)) {
      Add(GgufAnomalyKind::kTruncated, at, name + ": nested array header runs past the end");
      return false;
    }
    // Every element takes at least one byte (or a size field for strings and arrays).
    std::uint64_t min_size = GgufScalarSize(next.type) != 0 ? GgufScalarSize(next.type) : c_.size_width();
    if (next.left > c_.remaining() / min_size) {
      Add(GgufAnomalyKind::kAbsurdCount, at,
          name + ": nested array of " + std::to_string(next.left) + " elements cannot fit in the " +
              std::to_string(c_.remaining()) + " bytes left");
      return false;
    }
    if (stack.size() + 1 > limits_.max_gguf_array_depth) {
      Add(GgufAnomalyKind::kLimitExceeded, at,
          name + ": arrays nested deeper than " + std::to_string(limits_.max_gguf_array_depth));
      return false;
    }
    stack.push_back(next);
    kv.depth = std::max<std::uint32_t>(kv.depth, static_cast<std::uint32_t>(stack.size()));
  }
  return true;
}

void Parser::CheckAlignmentKey() {
  const GgufKv* kv = f_->Find("general.alignment");
  if (kv == nullptr) return;
  if (kv->type != static_cast<std::uint32_t>(GgufValueType::kUint32)) {
    Add(GgufAnomalyKind::kBadAlignment, kv->offset,
        "general.alignment has type " + std::string(GgufValueTypeName(kv->type)) +
            "; llama.cpp asserts (aborts) and gguf-py refuses anything but UINT32");
    return;
  }
  std::uint64_t a = kv->u64;
  if (a == 0 || (a & (a - 1)) != 0) {
    Add(GgufAnomalyKind::kBadAlignment, kv->offset,
        "general.alignment " + std::to_string(a) + " is not a power of two; loaders refuse the file");
    return;
  }
  f_->alignment = a;
}

bool Parser::ReadTensorInfo(std::size_t index) {
  GgufTensorInfo t;
  t.info_offset = c_.pos();
  std::string_view name;
  if (!ReadString("tensor name " + std::to_string(index), &name)) return false;
  t.name.assign(name);
  std::string shown = t.name.substr(0, 200);
  if (!IsValidUtf8(name)) Add(GgufAnomalyKind::kInvalidUtf8, t.info_offset, "tensor name " + std::to_string(index));
  if (name.size() >= kMaxNameBytes) {
    Add(GgufAnomalyKind::kTensorNameTooLong, t.info_offset,
        "tensor name '" + shown + "' has " + std::to_string(name.size()) + " bytes; ggml allows 63");
  }
  auto [it, fresh] = tensor_names_.emplace(t.name, index);
  if (!fresh) {
    Add(GgufAnomalyKind::kDuplicateTensor, t.info_offset,
        "tensor '" + shown + "' repeats tensor " + std::to_string(it->second));
  }
  std::uint64_t at = c_.pos();
  if (!c_.U32(&t.n_dims)) {
    Add(GgufAnomalyKind::kTruncated, at, "tensor '" + shown + "': n_dims runs past the end");
    return false;
  }
  std::uint32_t dim_width = c_.v1() ? 4 : 8;
  if (t.n_dims > c_.remaining() / dim_width) {
    Add(GgufAnomalyKind::kAbsurdCount, at,
        "tensor '" + shown + "': n_dims " + std::to_string(t.n_dims) + " cannot fit in the bytes left");
    return false;
  }
  bool shape_ok = true;
  if (t.n_dims > kMaxDims) {
    Add(GgufAnomalyKind::kTooManyDims, at,
        "tensor '" + shown + "' has " + std::to_string(t.n_dims) + " dimensions; ggml allows 4");
    shape_ok = false;
  }
  for (std::uint32_t d = 0; d < t.n_dims; ++d) {
    std::uint64_t v = 0;
    (void)c_.Size(&v);  // u32 in v1, u64 later; fits (checked above)
    if (d < kMaxDims) t.dims[d] = v;
    if (!c_.v1() && static_cast<std::int64_t>(v) < 0) {
      Add(GgufAnomalyKind::kBadShape, at, "tensor '" + shown + "': dimension " + std::to_string(d) + " is negative");
      shape_ok = false;
    }
  }
  std::uint64_t type_at = c_.pos();
  if (!c_.U32(&t.type) || !c_.U64(&t.offset)) {
    Add(GgufAnomalyKind::kTruncated, type_at, "tensor '" + shown + "': type or offset runs past the end");
    return false;
  }
  const GgmlTypeInfo* ti = FindGgmlType(t.type);
  if (ti == nullptr) {
    Add(GgufAnomalyKind::kUnknownTensorType, type_at,
        "tensor '" + shown + "' has ggml type " + std::to_string(t.type) + ", which ggml does not define");
    shape_ok = false;
  } else if (ti->removed) {
    Add(GgufAnomalyKind::kRemovedTensorType, type_at,
        "tensor '" + shown + "' has ggml type " + std::string(ti->name) + " (" + std::to_string(t.type) +
            "), which ggml no longer reads");
  }
  if (shape_ok) {
    std::uint64_t count = 1;
    bool overflow = false;
    for (std::uint64_t d : t.dims) overflow |= MulOverflows(count, d, &count);
    if (overflow || count > static_cast<std::uint64_t>(INT64_MAX)) {
      Add(GgufAnomalyKind::kBadShape, at, "tensor '" + shown + "': element count overflows 64 bits");
    } else if (t.dims[0] % ti->block_size != 0) {
      Add(GgufAnomalyKind::kBadShape, at,
          "tensor '" + shown + "': row of " + std::to_string(t.dims[0]) + " elements is not a multiple of the " +
              std::string(ti->name) + " block size " + std::to_string(ti->block_size));
    } else {
      std::uint64_t bytes = (t.dims[0] / ti->block_size) * ti->type_size;  // <= count * 4... no overflow
      bool ov = MulOverflows(bytes, t.dims[1], &bytes) || MulOverflows(bytes, t.dims[2], &bytes) ||
                MulOverflows(bytes, t.dims[3], &bytes);
      if (ov) {
        Add(GgufAnomalyKind::kBadShape, at, "tensor '" + shown + "': byte size overflows 64 bits");
      } else {
        t.element_count = count;
        t.nbytes = bytes;
      }
    }
  }
  f_->tensors.push_back(std::move(t));
  return true;
}

void Parser::CheckTensorLayout() {
  const std::uint64_t size = bytes_.size();
  const std::uint64_t a = f_->alignment;
  f_->data_end = std::min(f_->data_offset, size);
  struct Span {
    std::uint64_t start, end;
    std::size_t index;
  };
  std::vector<Span> spans;
  std::uint64_t expected = 0;  // ggml requires offset == running padded size
  bool layout_reported = false;
  for (std::size_t i = 0; i < f_->tensors.size(); ++i) {
    const GgufTensorInfo& t = f_->tensors[i];
    std::string shown = t.name.substr(0, 200);
    if (t.offset % a != 0) {
      Add(GgufAnomalyKind::kTensorMisaligned, t.info_offset,
          "tensor '" + shown + "' offset " + std::to_string(t.offset) + " is not a multiple of the alignment " +
              std::to_string(a));
    }
    if (!t.nbytes) continue;
    std::uint64_t start, end;
    if (__builtin_add_overflow(f_->data_offset, t.offset, &start) || __builtin_add_overflow(start, *t.nbytes, &end) ||
        end > size) {
      Add(GgufAnomalyKind::kTensorOutOfRange, t.info_offset,
          "tensor '" + shown + "' (" + std::to_string(*t.nbytes) + " bytes at data offset " +
              std::to_string(t.offset) + ") extends past the end of the " + std::to_string(size) + "-byte file");
      layout_reported = true;
      continue;
    }
    if (!layout_reported && t.offset != expected) {
      Add(GgufAnomalyKind::kTensorLayout, t.info_offset,
          "tensor '" + shown + "' is at data offset " + std::to_string(t.offset) + "; ggml expects " +
              std::to_string(expected) + " (tensors packed in order)");
      layout_reported = true;
    }
    expected = AlignUp(t.offset + *t.nbytes, a);
    if (*t.nbytes != 0) spans.push_back({start, end, i});
    f_->data_end = std::max(f_->data_end, std::min(AlignUp(end - f_->data_offset, a) + f_->data_offset, size));
  }
  std::sort(spans.begin(), spans.end(), [](const Span& x, const Span& y) { return x.start < y.start; });
  std::uint64_t max_end = 0;
  std::size_t max_index = 0;
  for (const Span& s : spans) {
    if (s.start < max_end) {
      const GgufTensorInfo& t = f_->tensors[s.index];
      Add(GgufAnomalyKind::kTensorOverlap, t.info_offset,
          "tensor '" + t.name.substr(0, 200) + "' (file bytes " + std::to_string(s.start) + ".." +
              std::to_string(s.end) + ") overlaps tensor '" + f_->tensors[max_index].name.substr(0, 200) +
              "' (ending at " + std::to_string(max_end) + ")");
    }
    if (s.end > max_end) {
      max_end = s.end;
      max_index = s.index;
    }
  }
  // Only when every tensor's extent is known can the rest be called trailing:
  // a tensor of unknown size or out of range leaves the real end unknown.
  bool extents_known = std::all_of(f_->tensors.begin(), f_->tensors.end(), [&](const GgufTensorInfo& t) {
    std::uint64_t start, end;
    return t.nbytes && !__builtin_add_overflow(f_->data_offset, t.offset, &start) &&
           !__builtin_add_overflow(start, *t.nbytes, &end) && end <= size;
  });
  if (extents_known && f_->data_end < size) {
    ByteView rest = bytes_.subspan(static_cast<std::size_t>(f_->data_end));
    bool zero_padding = rest.size() < a && std::all_of(rest.begin(), rest.end(), [](std::uint8_t b) { return b == 0; });
    if (!zero_padding) {
      Add(GgufAnomalyKind::kTrailingData, f_->data_end,
          std::to_string(rest.size()) + " bytes follow the end of the tensor data at offset " +
              std::to_string(f_->data_end));
    }
  }
}

}  // namespace

bool HasGgufMagic(ByteView bytes) {
  return bytes.size() >= 4 && bytes[0] == 'G' && bytes[1] == 'G' && bytes[2] == 'U' && bytes[3] == 'F';
}

std::string_view GgufValueTypeName(std::uint32_t type) {
  static constexpr std::string_view kNames[] = {"UINT8", "INT8",   "UINT16", "INT16", "UINT32", "INT32",  "FLOAT32",
                                                "BOOL",  "STRING", "ARRAY",  "UINT64", "INT64", "FLOAT64"};
  return type < 13 ? kNames[type] : "?";
}

std::uint32_t GgufScalarSize(std::uint32_t type) {
  static constexpr std::uint32_t kSizes[] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
  return type < 13 ? kSizes[type] : 0;
}

const GgufKv* GgufFile::Find(std::string_view key) const {
  for (const GgufKv& kv : kvs) {
    if (kv.key == key) return &kv;
  }
  return nullptr;
}

std::string_view GgufFile::StringValue(std::string_view key) const {
  const GgufKv* kv = Find(key);
  if (kv == nullptr || kv->type != static_cast<std::uint32_t>(GgufValueType::kString) || kv->strings.empty()) return {};
  return kv->strings[0];
}

bool GgufFile::Has(GgufAnomalyKind k) const {
  for (const GgufAnomaly& a : anomalies) {
    if (a.kind == k) return true;
  }
  return false;
}

Result<GgufFile> ReadGguf(ByteView bytes, const Limits& limits) {
  if (!HasGgufMagic(bytes) || bytes.size() < 8) return Status::Corruption("not a GGUF file (magic or version missing)");
  GgufFile f;
  f.input_size = bytes.size();
  std::uint32_t le = LoadU32LE(bytes, 4);
  std::uint32_t be = (le >> 24) | ((le >> 8) & 0xFF00) | ((le << 8) & 0xFF0000) | (le << 24);
  // A big-endian file's version reads as 0x0N000000 on a little-endian host
  // (llama.cpp's own test: low 16 bits zero).
  if ((le & 0xFFFF) == 0 && be >= 1 && be <= 3) {
    f.big_endian = true;
    f.version = be;
  } else {
    f.version = le;
  }
  if (f.version < 1 || f.version > 3) {
    f.anomalies.push_back({GgufAnomalyKind::kUnknownVersion, 4,
                           "GGUF version " + std::to_string(f.version) + "; readers know versions 1 to 3"});
    return f;
  }
  if (f.version == 1) {
    f.anomalies.push_back({GgufAnomalyKind::kLegacyVersion, 4,
                           "GGUF version 1 (32-bit counts); current llama.cpp refuses it, older loaders read it"});
  }
  Parser p(bytes, limits, &f);
  p.Run();
  return f;
}

ByteView GgufTensorData(const GgufFile& f, std::size_t i, ByteView bytes) {
  if (!f.header_complete || i >= f.tensors.size() || !f.tensors[i].nbytes) return {};
  std::uint64_t start, end;
  if (__builtin_add_overflow(f.data_offset, f.tensors[i].offset, &start) ||
      __builtin_add_overflow(start, *f.tensors[i].nbytes, &end) || end > bytes.size()) {
    return {};
  }
  return bytes.subspan(static_cast<std::size_t>(start), static_cast<std::size_t>(*f.tensors[i].nbytes));
}

}  // namespace modelgate
