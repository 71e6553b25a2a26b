// Safetensors reader. The checks follow safetensors/src/tensor.rs
// (read_metadata, Metadata::validate) of the reference crate; where they go
// further (overlaps, gaps, duplicate keys, unknown fields) it is to describe
// how other readers (Python's json module, hand-written loaders) could see a
// file differently.
#include "formats/safetensors/safetensors.h"

#include <algorithm>
#include <array>
#include <string_view>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "base/utf8.h"

namespace modelgate {

namespace {

constexpr std::array<SafetensorsDtype, 21> kDtypes = {{
    {"BOOL", 8},      {"U8", 8},         {"I8", 8},         {"F8_E5M2", 8}, {"F8_E4M3", 8},  {"F8_E8M0", 8},
    {"I16", 16},      {"U16", 16},       {"F16", 16},       {"BF16", 16},   {"I32", 32},     {"U32", 32},
    {"F32", 32},      {"C64", 64},       {"F64", 64},       {"I64", 64},    {"U64", 64},     {"F4", 4},
    {"F6_E2M3", 6},   {"F6_E3M2", 6},    {"F8_E4M3FNUZ", 8},
}};

constexpr std::size_t kRenderCap = 4096;

using json = nlohmann::json;

// SAX handler: builds the tensor list and metadata without a DOM, counting
// nesting itself (nlohmann's SAX parser is iterative, so nothing recurses).
class HeaderHandler {
 public:
  HeaderHandler(SafetensorsFile* f, const Limits& limits) : f_(f), limits_(limits) {}

  bool null() { return Scalar("null", Kind::kNull); }
  bool boolean(bool v) { return Scalar(v ? "true" : "false", Kind::kOther); }
  bool number_integer(json::number_integer_t v) { return Scalar(std::to_string(v), Kind::kOther); }
  bool number_unsigned(json::number_unsigned_t v) {
    unsigned_value_ = v;
    return Scalar(std::to_string(v), Kind::kUnsigned);
  }
  bool number_float(json::number_float_t, const json::string_t& s) { return Scalar(s, Kind::kOther); }
  bool string(json::string_t& s) {
    string_value_ = &s;
    bool ok = Scalar(json(s).dump(), Kind::kString);
    string_value_ = nullptr;
    return ok;
  }
  bool binary(json::binary_t&) { return Scalar("<binary>", Kind::kOther); }
  bool start_object(std::size_t) { return Open(true); }
  bool end_object() { return Close(); }
  bool start_array(std::size_t) { return Open(false); }
  bool end_array() { return Close(); }
  bool key(json::string_t& k);
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& ex) {
    if (!too_deep_) Add(SafetensorsAnomalyKind::kHeaderJson, position, ex.what());
    json_ok_ = false;
    return false;
  }

  bool json_ok() const { return json_ok_ && !too_deep_; }

 private:
  enum class Frame { kRoot, kMetadata, kTensor, kShape, kOffsets, kIgnored };
  enum class Kind { kNull, kUnsigned, kString, kOther };
  struct Open_ {
    Frame frame;
    bool is_object;
    bool first = true;  // for rendering commas
  };

  void Add(SafetensorsAnomalyKind k, std::uint64_t pos, std::string detail, std::string tensor = "") {
    f_->anomalies.push_back({k, 8 + pos, std::move(detail), std::move(tensor)});
  }
  void Structure(std::string detail, std::string tensor = "") {
    Add(SafetensorsAnomalyKind::kHeaderStructure, 0, std::move(detail), std::move(tensor));
  }
  // Renders a non-string __metadata__ value (bounded).
  void Render(std::string_view token, bool is_key = false) {
    if (render_ == nullptr) return;
    if (!stack_.empty() && stack_.back().frame == Frame::kIgnored && !after_key_) {
      if (!stack_.back().first) Append(",");
      stack_.back().first = false;
    }
    Append(token);
    if (is_key) Append(":");
    after_key_ = is_key;
  }
  void Append(std::string_view s) {
    render_->value_bytes += s.size();
    if (render_->value.size() < kRenderCap) render_->value.append(s.substr(0, kRenderCap - render_->value.size()));
  }

  bool Scalar(const std::string& token, Kind kind);
  bool Open(bool is_object);
  bool Close();
  void FinishTensor();

  SafetensorsFile* f_;
  const Limits& limits_;
  std::vector<Open_> stack_;
  std::unordered_set<std::string> root_keys_;
  std::unordered_set<std::string> inner_keys_;  // keys of the open metadata or tensor object
  std::string key_;                             // last key at the current object level
  bool json_ok_ = true;
  bool too_deep_ = false;
  bool too_many_reported_ = false;
  bool after_key_ = false;
  SafetensorsMetadataEntry* render_ = nullptr;  // non-string metadata value being rendered
  std::size_t render_depth_ = 0;
  // The tensor being read.
  SafetensorsTensor cur_;
  bool have_dtype_ = false, have_shape_ = false, have_offsets_ = false;
  bool cur_broken_ = false;
  std::vector<std::uint64_t> offsets_;
  std::uint64_t unsigned_value_ = 0;
  json::string_t* string_value_ = nullptr;
};

bool HeaderHandler::key(json::string_t& k) {
  Render(json(k).dump(), true);
  if (stack_.empty()) return true;
  Frame fr = stack_.back().frame;
  if (fr == Frame::kRoot) {
    if (!root_keys_.insert(k).second) {
      Add(SafetensorsAnomalyKind::kDuplicateKey, 0, "top-level key \"" + k + "\" appears more than once", k);
    }
  } else if ((fr == Frame::kMetadata || fr == Frame::kTensor) && stack_.size() == 2) {
    if (!inner_keys_.insert(k).second) {
      Add(SafetensorsAnomalyKind::kDuplicateKey, 0,
          "key \"" + k + "\" appears more than once in " + (fr == Frame::kMetadata ? "__metadata__" : "a tensor entry"),
          fr == Frame::kMetadata ? "__metadata__" : cur_.name);
    }
    if (fr == Frame::kTensor && k != "dtype" && k != "shape" && k != "data_offsets") {
      Add(SafetensorsAnomalyKind::kUnknownField, 0, "tensor entry has an unknown key \"" + k + "\"", cur_.name);
    }
  }
  key_ = k;
  return true;
}

bool HeaderHandler::Scalar(const std::string& token, Kind kind) {
  if (render_ != nullptr) {
    Render(token);
    return true;
  }
  if (stack_.empty()) {
    Structure("header is a JSON " + std::string(kind == Kind::kString ? "string" : "scalar") + ", not an object");
    return true;
  }
  Frame fr = stack_.back().frame;
  switch (fr) {
    case Frame::kRoot:
      if (key_ == "__metadata__") {
        f_->has_metadata = true;
        if (kind != Kind::kNull) {
          Add(SafetensorsAnomalyKind::kMetadataNotObject, 0, "__metadata__ is " + token.substr(0, 200) +
                                                                 ", not an object of strings");
        }
      } else {
        Structure("entry \"" + key_ + "\" is " + token.substr(0, 200) + ", not a tensor object", key_);
      }
      return true;
    case Frame::kMetadata: {
      SafetensorsMetadataEntry e;
      e.key = key_;
      e.is_string = kind == Kind::kString;
      if (e.is_string) {
        e.value = *string_value_;
        e.value_bytes = string_value_->size();
      } else {
        e.value = token.substr(0, kRenderCap);
        e.value_bytes = token.size();
        Add(SafetensorsAnomalyKind::kMetadataNotString, 0,
            "__metadata__[\"" + key_ + "\"] is " + token.substr(0, 200) + ", not a string", key_);
      }
      f_->metadata.push_back(std::move(e));
      return true;
    }
    case Frame::kTensor:
      if (key_ == "dtype") {
        if (kind == Kind::kString) {
          cur_.dtype = *string_value_;
          have_dtype_ = true;
        } else {
          Structure("dtype of \"" + cur_.name + "\" is " + token.substr(0, 100) + ", not a string", cur_.name);
          cur_broken_ = true;
        }
      } else if (key_ == "shape" || key_ == "data_offsets") {
        Structure(key_ + " of \"" + cur_.name + "\" is " + token.substr(0, 100) + ", not an array", cur_.name);
        cur_broken_ = true;
      }
      return true;
    case Frame::kShape:
    case Frame::kOffsets:
      if (kind != Kind::kUnsigned) {
        Structure(std::string(fr == Frame::kShape ? "shape" : "data_offsets") + " of \"" + cur_.name +
                      "\" holds " + token.substr(0, 100) + ", not a non-negative integer",
                  cur_.name);
        cur_broken_ = true;
      } else if (fr == Frame::kShape) {
        cur_.shape.push_back(unsigned_value_);
      } else {
        offsets_.push_back(unsigned_value_);
      }
      return true;
    case Frame::kIgnored:
      return true;
  }
  return true;
}

bool HeaderHandler::Open(bool is_object) {
  if (stack_.size() + 1 > kSafetensorsMaxJsonDepth - 1) {
    too_deep_ = true;
    Add(SafetensorsAnomalyKind::kHeaderTooDeep, 0,
        "JSON nesting deeper than " + std::to_string(kSafetensorsMaxJsonDepth - 1) +
            " (serde_json's recursion limit)");
    return false;
  }
  if (render_ != nullptr) {
    Render(is_object ? "{" : "[");
    after_key_ = false;
    stack_.push_back({Frame::kIgnored, is_object, true});
    return true;
  }
  Frame next = Frame::kIgnored;
  if (stack_.empty()) {
    if (is_object) {
      next = Frame::kRoot;
    } else {
      Structure("header is a JSON array, not an object");
    }
  } else {
    switch (stack_.back().frame) {
      case Frame::kRoot:
        if (key_ == "__metadata__") {
          f_->has_metadata = true;
          if (is_object) {
            next = Frame::kMetadata;
            inner_keys_.clear();
          } else {
            Add(SafetensorsAnomalyKind::kMetadataNotObject, 0, "__metadata__ is an array, not an object of strings");
          }
        } else if (!is_object) {
          Structure("entry \"" + key_ + "\" is an array, not a tensor object", key_);
        } else if (f_->tensors.size() >= limits_.max_safetensors_tensors) {
          if (!too_many_reported_) {
            too_many_reported_ = true;
            Add(SafetensorsAnomalyKind::kTooManyTensors, 0,
                "more than " + std::to_string(limits_.max_safetensors_tensors) + " tensors; the rest were not checked",
                key_);
          }
        } else {
          next = Frame::kTensor;
          inner_keys_.clear();
          cur_ = SafetensorsTensor();
          cur_.name = key_;
          have_dtype_ = have_shape_ = have_offsets_ = cur_broken_ = false;
          offsets_.clear();
        }
        break;
      case Frame::kMetadata: {
        SafetensorsMetadataEntry e;
        e.key = key_;
        e.is_string = false;
        f_->metadata.push_back(std::move(e));
        render_ = &f_->metadata.back();
        render_depth_ = stack_.size();
        Add(SafetensorsAnomalyKind::kMetadataNotString, 0,
            "__metadata__[\"" + key_ + "\"] is " + (is_object ? "an object" : "an array") + ", not a string", key_);
        Render(is_object ? "{" : "[");
        after_key_ = false;
        break;
      }
      case Frame::kTensor:
        // A repeated field replaces the earlier value, as Python's json does
        // (serde refuses it; the duplicate is reported either way).
        if (key_ == "shape" && !is_object) {
          next = Frame::kShape;
          have_shape_ = true;
          cur_.shape.clear();
        } else if (key_ == "data_offsets" && !is_object) {
          next = Frame::kOffsets;
          have_offsets_ = true;
          offsets_.clear();
        } else if (key_ == "dtype" || key_ == "shape" || key_ == "data_offsets") {
          Structure(key_ + " of \"" + cur_.name + "\" has the wrong JSON type", cur_.name);
          cur_broken_ = true;
        }
        break;
      case Frame::kShape:
      case Frame::kOffsets:
        Structure("nested container in the shape or data_offsets of \"" + cur_.name + "\"", cur_.name);
        cur_broken_ = true;
        break;
      case Frame::kIgnored:
        break;
    }
  }
  stack_.push_back({next, is_object, true});
  return true;
}

bool HeaderHandler::Close() {
  if (stack_.empty()) return true;
  Open_ top = stack_.back();
  stack_.pop_back();
  if (render_ != nullptr) {
    Append(top.is_object ? "}" : "]");  // closers take no comma
    if (stack_.size() == render_depth_) render_ = nullptr;
    return true;
  }
  if (top.frame == Frame::kTensor) FinishTensor();
  return true;
}

void HeaderHandler::FinishTensor() {
  if (!have_dtype_ || !have_shape_ || !have_offsets_) {
    std::string missing = !have_dtype_ ? "dtype" : !have_shape_ ? "shape" : "data_offsets";
    Structure("tensor \"" + cur_.name + "\" has no " + missing, cur_.name);
    cur_broken_ = true;
  }
  if (have_offsets_ && offsets_.size() != 2 && !cur_broken_) {
    Structure("data_offsets of \"" + cur_.name + "\" has " + std::to_string(offsets_.size()) + " values, not 2",
              cur_.name);
    cur_broken_ = true;
  }
  if (offsets_.size() == 2) {
    cur_.begin = offsets_[0];
    cur_.end = offsets_[1];
  }
  // A broken entry is kept (so its offsets still count for the layout) but
  // never marked valid.
  if (cur_broken_) cur_.dtype_bits = 0;
  cur_.valid = !cur_broken_;
  f_->tensors.push_back(std::move(cur_));
  cur_ = SafetensorsTensor();
}

void AddAnomaly(SafetensorsFile& f, SafetensorsAnomalyKind k, std::uint64_t offset, std::string detail,
                std::string tensor = "") {
  f.anomalies.push_back({k, offset, std::move(detail), std::move(tensor)});
}

// Checks each tensor on its own: dtype, element count, size, bounds.
void ValidateTensors(SafetensorsFile& f) {
  for (SafetensorsTensor& t : f.tensors) {
    if (!t.valid) continue;  // structure problem already reported
    bool ok = true;
    std::optional<SafetensorsDtype> d = LookupSafetensorsDtype(t.dtype);
    if (!d) {
      AddAnomaly(f, SafetensorsAnomalyKind::kUnknownDtype, f.data_offset,
                             "tensor \"" + t.name + "\" has dtype \"" + t.dtype.substr(0, 100) + "\"", t.name);
      ok = false;
    } else {
      t.dtype_bits = d->bits;
    }
    std::uint64_t count = 1;
    bool overflow = false;
    for (std::uint64_t dim : t.shape) {
      if (__builtin_mul_overflow(count, dim, &count)) overflow = true;
    }
    std::uint64_t bits = 0;
    if (!overflow && d && __builtin_mul_overflow(count, static_cast<std::uint64_t>(d->bits), &bits)) overflow = true;
    if (overflow) {
      AddAnomaly(f, SafetensorsAnomalyKind::kShapeOverflow, f.data_offset,
                             "element count or byte size of \"" + t.name + "\" overflows 64 bits", t.name);
      ok = false;
    } else {
      t.element_count = count;
      if (d) t.expected_bytes = bits / 8;
    }
    if (t.begin > t.end) {
      AddAnomaly(f, SafetensorsAnomalyKind::kBadOffsets, f.data_offset,
                             "tensor \"" + t.name + "\" has data_offsets [" + std::to_string(t.begin) + ", " +
                                 std::to_string(t.end) + "]: begin after end",
                             t.name);
      ok = false;
    } else if (t.end > f.data_size) {
      AddAnomaly(f, SafetensorsAnomalyKind::kOffsetOutOfBounds, f.data_offset,
                             "tensor \"" + t.name + "\" ends at buffer offset " + std::to_string(t.end) +
                                 " but the buffer holds " + std::to_string(f.data_size) + " bytes",
                             t.name);
      ok = false;
    }
    if (!overflow && d && t.begin <= t.end && (bits % 8 != 0 || t.end - t.begin != bits / 8)) {
      AddAnomaly(f, SafetensorsAnomalyKind::kSizeMismatch, f.data_offset,
                             "tensor \"" + t.name + "\" spans " + std::to_string(t.end - t.begin) + " bytes but " +
                                 t.dtype + " x " + std::to_string(count) + " elements need " +
                                 (bits % 8 != 0 ? "a fractional byte count" : std::to_string(bits / 8)),
                             t.name);
      ok = false;
    }
    t.valid = ok;
  }
}

// Sorts the tensors' ranges and finds overlaps, gaps and trailing bytes.
void CheckLayout(SafetensorsFile& f, std::uint32_t max_regions) {
  std::uint64_t unrecorded_gaps = 0, unrecorded_bytes = 0;
  std::vector<const SafetensorsTensor*> order;
  for (const SafetensorsTensor& t : f.tensors) {
    if (t.begin <= t.end) order.push_back(&t);
  }
  std::sort(order.begin(), order.end(), [](const SafetensorsTensor* a, const SafetensorsTensor* b) {
    return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
  });
  std::uint64_t covered = 0;  // buffer bytes [0, covered) are owned
  const SafetensorsTensor* owner = nullptr;
  for (const SafetensorsTensor* t : order) {
    std::uint64_t begin = std::min(t->begin, f.data_size);
    std::uint64_t end = std::min(t->end, f.data_size);
    if (begin < covered && begin < end && owner != nullptr) {
      AddAnomaly(f, SafetensorsAnomalyKind::kOverlap, f.data_offset + begin,
                             "tensors \"" + owner->name + "\" and \"" + t->name + "\" share buffer bytes [" +
                                 std::to_string(begin) + ", " + std::to_string(std::min(end, covered)) + ")",
                             t->name);
    } else if (begin > covered && f.unowned.size() >= max_regions) {
      ++unrecorded_gaps;
      unrecorded_bytes += begin - covered;
    } else if (begin > covered) {
      f.unowned.push_back({f.data_offset + covered, begin - covered, false});
      AddAnomaly(f, SafetensorsAnomalyKind::kGap, f.data_offset + covered,
                             std::to_string(begin - covered) + " buffer bytes at [" + std::to_string(covered) + ", " +
                                 std::to_string(begin) + ") belong to no tensor (before \"" + t->name + "\")",
                             t->name);
    }
    if (end > covered) {
      covered = end;
      owner = t;
    }
  }
  f.unrecorded_gaps = unrecorded_gaps;
  f.unrecorded_gap_bytes = unrecorded_bytes;
  if (covered < f.data_size) {
    f.unowned.push_back({f.data_offset + covered, f.data_size - covered, true});
    AddAnomaly(f, SafetensorsAnomalyKind::kTrailingData, f.data_offset + covered,
                           std::to_string(f.data_size - covered) + " bytes follow the last tensor (buffer offset " +
                               std::to_string(covered) + ")");
  }
}

}  // namespace

std::optional<SafetensorsDtype> LookupSafetensorsDtype(std::string_view name) {
  for (const SafetensorsDtype& d : kDtypes) {
    if (name == d.name) return d;
  }
  return std::nullopt;
}

bool SafetensorsFile::Has(SafetensorsAnomalyKind k) const {
  return std::any_of(anomalies.begin(), anomalies.end(), [k](const SafetensorsAnomaly& a) { return a.kind == k; });
}

bool SafetensorsFile::CrateAccepts() const {
  for (const SafetensorsAnomaly& a : anomalies) {
    // The crate ignores unknown fields; duplicate top-level or metadata keys
    // are collapsed by its HashMap (last wins) and only refused when the
    // shadowed entry leaves a gap, which is reported separately.
    if (a.kind == SafetensorsAnomalyKind::kUnknownField || a.kind == SafetensorsAnomalyKind::kTooManyTensors) continue;
    if (a.kind == SafetensorsAnomalyKind::kDuplicateKey && (a.tensor.empty() || a.detail.find("top-level") == 0 ||
                                                            a.tensor == "__metadata__")) {
      continue;
    }
    return false;
  }
  return header_parsed;
}

Result<SafetensorsFile> ReadSafetensors(ByteView bytes, const Limits& limits) {
  if (bytes.size() < 8) return Status::Corruption("shorter than the 8-byte safetensors header length");
  SafetensorsFile f;
  f.header_length = LoadU64LE(bytes, 0);
  std::uint64_t available = bytes.size() - 8;
  f.data_offset = f.header_length > UINT64_MAX - 8 ? UINT64_MAX : 8 + f.header_length;
  f.data_size = f.header_length <= available ? available - f.header_length : 0;
  if (f.header_length > kSafetensorsMaxHeaderSize) {
    AddAnomaly(f, SafetensorsAnomalyKind::kHeaderOverCrateLimit, 0,
                           "header length " + std::to_string(f.header_length) + " exceeds the crate's limit of " +
                               std::to_string(kSafetensorsMaxHeaderSize) +
                               (f.header_length > available ? " and the file size" : ""));
    return f;
  }
  if (f.header_length > available) {
    AddAnomaly(f, SafetensorsAnomalyKind::kHeaderTruncated, 0,
                           "header length " + std::to_string(f.header_length) + " but only " +
                               std::to_string(available) + " bytes follow");
    return f;
  }
  if (f.header_length > limits.max_safetensors_header_bytes) {
    AddAnomaly(f, SafetensorsAnomalyKind::kHeaderTooLarge, 0,
                           "header length " + std::to_string(f.header_length) + " exceeds the scanner's limit of " +
                               std::to_string(limits.max_safetensors_header_bytes));
    return f;
  }
  std::string_view text = AsStringView(bytes.subspan(8, static_cast<std::size_t>(f.header_length)));
  if (!IsValidUtf8(text)) {
    AddAnomaly(f, SafetensorsAnomalyKind::kHeaderNotUtf8, 8, "header is not valid UTF-8");
    return f;
  }
  if (text.empty() || text[0] != '{') {
    AddAnomaly(f, SafetensorsAnomalyKind::kHeaderStart, 8, "header does not start with '{'");
  }
  HeaderHandler handler(&f, limits);
  bool ok = json::sax_parse(text.data(), text.data() + text.size(), &handler, nlohmann::detail::input_format_t::json,
                            /*strict=*/true);
  if (!ok || !handler.json_ok()) {
    // Tensors read before the error stay listed (for the report) but none is
    // valid: the header as a whole was not understood.
    for (SafetensorsTensor& t : f.tensors) t.valid = false;
    return f;
  }
  f.header_parsed = true;
  ValidateTensors(f);
  CheckLayout(f, limits.max_safetensors_unowned_regions);
  return f;
}

ByteView TensorBytes(const SafetensorsFile& f, const SafetensorsTensor& t, ByteView file_bytes) {
  if (!t.valid || f.data_offset > file_bytes.size() || t.end > file_bytes.size() - f.data_offset) return ByteView();
  return file_bytes.subspan(static_cast<std::size_t>(f.data_offset + t.begin), static_cast<std::size_t>(t.end - t.begin));
}

}  // namespace modelgate
