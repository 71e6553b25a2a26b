// SniffTensorflow: is this protobuf a SavedModel, a GraphDef or a keras
// SavedMetadata? Decided from the wire structure of the first fields only,
// within the first 64 KiB, so it costs a few dozen byte reads on any input.
//
// The checks follow the order in which protobuf serialisers (C++, Python)
// write fields: by field number. TensorFlow always writes the SavedModel
// schema version (field 1 = 1) before the meta graphs, and NodeDef name and
// op first.
#include <algorithm>

#include "formats/protobuf/proto_wire.h"
#include "formats/tensorflow/tensorflow.h"

namespace modelgate {
namespace {

using proto_wire::ProtoWireReader;
using proto_wire::WireField;
using proto_wire::WireStep;

constexpr std::size_t kSniffBytes = 64 * 1024;
constexpr int kMaxFieldsPerLevel = 16;

bool IsNameChar(std::uint8_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == '-' || c == '/' || c == '>';
}

// A node or op name as TensorFlow accepts them (NodeDef names match
// [A-Za-z0-9.][A-Za-z0-9_>./-]*; op names and function names are identifiers).
bool IsTfName(ByteView s, bool allow_partial) {
  if (s.empty() || s.size() > 4096) return allow_partial && !s.empty();
  return std::all_of(s.begin(), s.end(), IsNameChar);
}

bool StartsWith(ByteView b, std::string_view p) {
  return b.size() >= p.size() && AsStringView(b.first(p.size())) == p;
}

// Walks up to kMaxFieldsPerLevel fields of `msg`, calling check(field) for
// each; accepts when at least `min_fields` were seen and every one passed.
// A message cut short (by the file's end or the sniff window) is judged on
// the fields present.
template <class Check>
bool FieldsAre(ByteView msg, int min_fields, Check check) {
  ProtoWireReader r(msg, 8);
  WireField f;
  int n = 0;
  for (; n < kMaxFieldsPerLevel; ++n) {
    WireStep s = r.Next(&f);
    if (s == WireStep::kEnd) break;
    if (s == WireStep::kMalformed) return false;
    if (s == WireStep::kTruncated) {
      // A truncated length-delimited field still has a valid tag.
      if (f.number == 0 || f.type != proto_wire::kLen) break;
      if (!check(f, true)) return false;
      ++n;
      break;
    }
    if (!check(f, false)) return false;
  }
  return n >= min_fields;
}

bool LooksLikeMetaInfoDef(ByteView b) {
  return FieldsAre(b, 0, [](const WireField& f, bool) {
    if (f.number == 7) return f.type == proto_wire::kVarint;  // stripped_default_attrs
    return f.number >= 1 && f.number <= 8 && f.type == proto_wire::kLen;
  });
}

// NodeDef: fields 1-7, all length-delimited, with a name (1) and an op (2)
// that are TensorFlow names. Serialisers write name and op first, but
// TensorFlow accepts any order, so the order is not required.
bool LooksLikeNodeDef(ByteView b) {
  bool have_name = false, have_op = false;
  bool ok = FieldsAre(b, 2, [&](const WireField& f, bool truncated) {
    if (f.number < 1 || f.number > 7 || f.type != proto_wire::kLen) return false;
    if (f.number == 1 || f.number == 2) {
      if (!IsTfName(f.bytes, truncated)) return false;
      (f.number == 1 ? have_name : have_op) = true;
    }
    if (f.number == 4 && !f.bytes.empty() && !truncated) {
      // Devices are "/device:CPU:0", "/job:worker/replica:0/task:1/device:GPU:0".
      return AsStringView(f.bytes).find(':') != std::string_view::npos;
    }
    return true;
  });
  return ok && have_name && have_op;
}

bool LooksLikeLibrary(ByteView b) {
  // FunctionDefLibrary { FunctionDef function = 1 { OpDef signature = 1 { name = 1 } } }
  ProtoWireReader lib(b, 8);
  WireField f;
  WireStep s = lib.Next(&f);
  if ((s != WireStep::kField && s != WireStep::kTruncated) || f.number != 1 || f.type != proto_wire::kLen) return false;
  ProtoWireReader fn(f.bytes, 8);
  s = fn.Next(&f);
  if ((s != WireStep::kField && s != WireStep::kTruncated) || f.number != 1 || f.type != proto_wire::kLen) return false;
  ProtoWireReader sig(f.bytes, 8);
  s = sig.Next(&f);
  if ((s != WireStep::kField && s != WireStep::kTruncated) || f.number != 1 || f.type != proto_wire::kLen) return false;
  return IsTfName(f.bytes, s == WireStep::kTruncated);
}

// GraphDef: leading versions (4) / version (3) fields are skipped (writers put
// them last, TensorFlow takes any order); the first node (1) or library (2)
// decides, and the field after it must be a GraphDef field too.
bool LooksLikeGraphDef(ByteView b) {
  ProtoWireReader r(b, 8);
  WireField f;
  WireStep s = WireStep::kEnd;
  for (int skipped = 0;; ++skipped) {
    s = r.Next(&f);
    if (s != WireStep::kField && s != WireStep::kTruncated) return false;
    if (skipped < 2 && s == WireStep::kField && f.number == 3 && f.type == proto_wire::kVarint) continue;
    if (skipped < 2 && s == WireStep::kField && f.number == 4 && f.type == proto_wire::kLen) {
      bool versions_ok = FieldsAre(f.bytes, 0, [](const WireField& g, bool) {
        return g.number >= 1 && g.number <= 3 && (g.type == proto_wire::kVarint || (g.number == 3 && g.type == proto_wire::kLen));
      });
      if (!versions_ok) return false;
      continue;
    }
    break;
  }
  if (f.type != proto_wire::kLen || f.bytes.empty()) return false;
  bool first_ok = (f.number == 1 && LooksLikeNodeDef(f.bytes)) || (f.number == 2 && LooksLikeLibrary(f.bytes));
  if (!first_ok) return false;
  if (s == WireStep::kTruncated) return true;
  s = r.Next(&f);
  if (s == WireStep::kEnd || (s == WireStep::kTruncated && f.type == proto_wire::kLen)) return true;
  if (s != WireStep::kField) return false;
  if (f.number == 3) return f.type == proto_wire::kVarint;
  return f.number >= 1 && f.number <= 5 && f.type == proto_wire::kLen;
}

// MetaGraphDef: fields 1-7, all length-delimited; the first one present is
// checked in depth (a MetaInfoDef, or a GraphDef) when `deep`.
bool LooksLikeMetaGraphDef(ByteView b, bool deep) {
  int index = 0;
  bool first_deep_ok = !deep;
  bool ok = FieldsAre(b, 1, [&](const WireField& f, bool truncated) {
    bool field_ok = f.number >= 1 && f.number <= 7 && f.type == proto_wire::kLen;
    if (field_ok && index++ == 0) {
      if (f.number == 1 && !truncated) field_ok = LooksLikeMetaInfoDef(f.bytes);
      if (deep) {
        first_deep_ok = (f.number == 1 && field_ok && !f.bytes.empty()) ||
                        (f.number == 2 && !f.bytes.empty() && LooksLikeGraphDef(f.bytes));
      }
    }
    return field_ok;
  });
  return ok && first_deep_ok;
}

// SavedModel: TensorFlow writes schema version 1 first. The loader checks
// neither the version nor the order, so other versions, or no version at
// all, are accepted when the first MetaGraphDef passes the deep check.
bool LooksLikeSavedModel(ByteView b) {
  ProtoWireReader r(b, 8);
  WireField f;
  WireStep s = r.Next(&f);
  bool deep = true;
  if (s == WireStep::kField && f.number == 1 && f.type == proto_wire::kVarint) {
    if (f.varint > 0xffff) return false;
    deep = f.varint != 1;
    s = r.Next(&f);
  }
  if ((s != WireStep::kField && s != WireStep::kTruncated) || f.number != 2 || f.type != proto_wire::kLen) return false;
  return !f.bytes.empty() && LooksLikeMetaGraphDef(f.bytes, deep);
}

bool LooksLikeKerasMetadata(ByteView b) {
  ProtoWireReader r(b, 8);
  WireField f;
  WireStep s = r.Next(&f);
  if ((s != WireStep::kField && s != WireStep::kTruncated) || f.number != 1 || f.type != proto_wire::kLen) return false;
  bool evidence = false;
  bool ok = FieldsAre(f.bytes, 1, [&](const WireField& g, bool) {
    switch (g.number) {
      case 2: return g.type == proto_wire::kVarint;  // node_id
      case 3:                                // node_path: "root", "root.layer-0"
        evidence |= StartsWith(g.bytes, "root");
        return g.type == proto_wire::kLen;
      case 4:  // identifier: "_tf_keras_layer", "_tf_keras_model" ...
        evidence |= StartsWith(g.bytes, "_tf_keras");
        return g.type == proto_wire::kLen;
      case 5:  // metadata: a JSON object
        evidence |= StartsWith(g.bytes, "{");
        return g.type == proto_wire::kLen;
      case 1:  // an early version's VersionDef
      case 6: return g.type == proto_wire::kLen;
      default: return false;
    }
  });
  return ok && evidence;
}

}  // namespace

std::optional<TfFileKind> SniffTensorflow(ByteView bytes) {
  ByteView b = bytes.first(std::min(bytes.size(), kSniffBytes));
  if (b.size() < 4) return std::nullopt;
  switch (b[0]) {
    case 0x08:  // field 1, varint: SavedModel schema version
      if (LooksLikeSavedModel(b)) return TfFileKind::kSavedModel;
      return std::nullopt;
    case 0x0a:  // field 1, length-delimited: a GraphDef node or a SavedMetadata object
      if (LooksLikeGraphDef(b)) return TfFileKind::kGraphDef;
      if (LooksLikeKerasMetadata(b)) return TfFileKind::kKerasMetadata;
      return std::nullopt;
    case 0x12:  // field 2: a GraphDef's library, or a SavedModel without a version
      if (LooksLikeGraphDef(b)) return TfFileKind::kGraphDef;
      if (LooksLikeSavedModel(b)) return TfFileKind::kSavedModel;
      return std::nullopt;
    case 0x18:  // a GraphDef starting with its (deprecated) version or versions
    case 0x22:
      if (LooksLikeGraphDef(b)) return TfFileKind::kGraphDef;
      return std::nullopt;
    default: return std::nullopt;
  }
}

}  // namespace modelgate
