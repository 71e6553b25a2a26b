// ProtoWireReader: a checked, allocation-free walk over the fields of one
// protobuf message, reading the wire format in place (no copies).
//
// Shared by the protobuf formats. The TensorFlow reader uses it for the container messages (SavedModel,
// MetaGraphDef, GraphDef, FunctionDefLibrary, FunctionDef, NodeDef, keras
// SavedMetadata) so that a graph of a million nodes is walked one node at a
// time instead of being materialised, and content routing uses it to decide
// cheaply whether bytes have the structure of a TensorFlow file. Leaf
// messages (attribute values, saver and asset definitions) are parsed with
// the protobuf library from the generated schema (tf_graph.proto).
//
// Every read is bounds-checked against the message's bytes. Thread-safe:
// a reader owns nothing and mutates only itself.
#ifndef MODELGATE_FORMATS_PROTOBUF_PROTO_WIRE_H_
#define MODELGATE_FORMATS_PROTOBUF_PROTO_WIRE_H_

#include <cstddef>
#include <cstdint>

#include "modelgate/byte_reader.h"

namespace modelgate::proto_wire {

enum WireType : std::uint8_t { kVarint = 0, kFixed64 = 1, kLen = 2, kStartGroup = 3, kEndGroup = 4, kFixed32 = 5 };

struct WireField {
  std::uint32_t number = 0;
  WireType type = kVarint;
  std::uint64_t varint = 0;  // kVarint, kFixed32, kFixed64: the value
  ByteView bytes;            // kLen: the payload (clipped to the input when truncated)
  std::size_t offset = 0;    // offset of the tag within the walked message
};

enum class WireStep {
  kField,      // *f holds the next field
  kEnd,        // the message ended cleanly
  kMalformed,  // bad tag, varint or wire type, or an unbalanced group
  kTruncated,  // a length or value runs past the end of the bytes
};

// Reads a base-128 varint at *pos (at most 10 bytes). False on overrun or an
// over-long encoding; *pos is then unspecified.
inline bool ReadVarint(ByteView b, std::size_t* pos, std::uint64_t* out) {
  std::uint64_t v = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    if (*pos >= b.size()) return false;
    std::uint8_t c = b[(*pos)++];
    v |= static_cast<std::uint64_t>(c & 0x7f) << shift;
    if ((c & 0x80) == 0) {
      *out = v;
      return true;
    }
  }
  return false;
}

class ProtoWireReader {
 public:
  // `max_group_depth` bounds nested (deprecated) groups, which protobuf
  // skips as unknown fields.
  explicit ProtoWireReader(ByteView message, std::uint32_t max_group_depth = 100)
      : b_(message), max_group_depth_(max_group_depth) {}

  std::size_t pos() const { return pos_; }

  // Reads the next field. Groups are skipped (protobuf keeps them as unknown
  // fields; TensorFlow's schema has none). For a truncated kLen field, *f is
  // filled with the bytes that are present before kTruncated is returned.
  WireStep Next(WireField* f) {
    for (;;) {
      *f = WireField();
      if (pos_ >= b_.size()) return WireStep::kEnd;
      std::size_t start = pos_;
      std::uint64_t tag = 0;
      if (!ReadVarint(b_, &pos_, &tag)) return Bad(start);
      std::uint64_t number = tag >> 3;
      auto type = static_cast<std::uint8_t>(tag & 7);
      if (number == 0 || number > 536870911u) return WireStep::kMalformed;
      f->number = static_cast<std::uint32_t>(number);
      f->type = static_cast<WireType>(type);
      f->offset = start;
      switch (type) {
        case kVarint:
          if (!ReadVarint(b_, &pos_, &f->varint)) return Bad(start);
          return WireStep::kField;
        case kFixed64:
          if (b_.size() - pos_ < 8) return WireStep::kTruncated;
          f->varint = LoadU64LE(b_, pos_);
          pos_ += 8;
          return WireStep::kField;
        case kFixed32:
          if (b_.size() - pos_ < 4) return WireStep::kTruncated;
          f->varint = LoadU32LE(b_, pos_);
          pos_ += 4;
          return WireStep::kField;
        case kLen: {
          std::uint64_t len = 0;
          if (!ReadVarint(b_, &pos_, &len)) return Bad(start);
          if (len > 0x7fffffffu) return WireStep::kMalformed;  // protobuf refuses negative int32 lengths
          if (len > b_.size() - pos_) {
            f->bytes = b_.subspan(pos_);
            pos_ = b_.size();
            return WireStep::kTruncated;
          }
          f->bytes = b_.subspan(pos_, static_cast<std::size_t>(len));
          pos_ += static_cast<std::size_t>(len);
          return WireStep::kField;
        }
        case kStartGroup: {
          WireStep s = SkipGroup(static_cast<std::uint32_t>(number));
          if (s != WireStep::kField) return s;
          continue;  // groups are invisible to callers
        }
        default:
          return WireStep::kMalformed;  // end-group without start, or types 6 and 7
      }
    }
  }

 private:
  // A varint that fails is truncated when it ran into the end of the bytes.
  WireStep Bad(std::size_t) const { return pos_ >= b_.size() ? WireStep::kTruncated : WireStep::kMalformed; }

  WireStep SkipGroup(std::uint32_t number) {
    // Explicit depth counter; nested groups need no stack because every end
    // tag must close the innermost open group, checked by field number only
    // for the outermost (protobuf checks each, but any mismatch is malformed
    // input TensorFlow rejects too).
    std::uint32_t depth = 1;
    while (depth > 0) {
      if (depth > max_group_depth_) return WireStep::kMalformed;
      if (pos_ >= b_.size()) return WireStep::kTruncated;
      std::size_t start = pos_;
      std::uint64_t tag = 0, v = 0;
      if (!ReadVarint(b_, &pos_, &tag)) return Bad(start);
      switch (tag & 7) {
        case kVarint:
          if (!ReadVarint(b_, &pos_, &v)) return Bad(start);
          break;
        case kFixed64:
          if (b_.size() - pos_ < 8) return WireStep::kTruncated;
          pos_ += 8;
          break;
        case kFixed32:
          if (b_.size() - pos_ < 4) return WireStep::kTruncated;
          pos_ += 4;
          break;
        case kLen:
          if (!ReadVarint(b_, &pos_, &v)) return Bad(start);
          if (v > b_.size() - pos_) return WireStep::kTruncated;
          pos_ += static_cast<std::size_t>(v);
          break;
        case kStartGroup: ++depth; break;
        case kEndGroup:
          --depth;
          if (depth == 0 && (tag >> 3) != number) return WireStep::kMalformed;
          break;
        default: return WireStep::kMalformed;
      }
    }
    return WireStep::kField;
  }

  ByteView b_;
  std::size_t pos_ = 0;
  std::uint32_t max_group_depth_;
};

}  // namespace modelgate::proto_wire

#endif  // MODELGATE_FORMATS_PROTOBUF_PROTO_WIRE_H_
