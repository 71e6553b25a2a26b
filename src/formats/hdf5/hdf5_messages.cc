// Decoders for the HDF5 header messages Keras files use (datatype,
// dataspace, data layout, link, link/attribute info, attribute) and the
// global heap lookups behind variable-length data. Field layouts follow the
// HDF5 File Format Specification (version 3.0), section IV.A.2.
#include <algorithm>
#include <string>
#include <utility>

#include "formats/hdf5/hdf5_internal.h"

namespace modelgate::hdf5 {

// Values decoded per attribute: enough for every Keras attribute (weight
// name lists have one entry per weight), bounded for hostile shapes.
constexpr std::uint64_t kMaxDecodedElements = 65536;

bool ReadSized(ByteReader& r, std::uint8_t n, std::uint64_t* out) {
  switch (n) {
    case 1: { std::uint8_t v; if (!r.ReadU8(&v)) return false; *out = v; return true; }
    case 2: { std::uint16_t v; if (!r.ReadU16LE(&v)) return false; *out = v; return true; }
    case 4: { std::uint32_t v; if (!r.ReadU32LE(&v)) return false; *out = v; return true; }
    case 8: return r.ReadU64LE(out);
    default: return false;
  }
}

bool ElementCount(const std::vector<std::uint64_t>& shape, std::uint64_t* out) {
  std::uint64_t n = 1;
  for (std::uint64_t d : shape) {
    if (d != 0 && n > ~0ull / d) return false;
    n *= d;
  }
  *out = n;
  return true;
}

// Datatype message: class and version (1), class bit fields (3), size (4),
// then class-specific properties. Only the properties needed here are
// decoded; `consumed` is the encoded length when it is known (attribute
// messages v2/v3 carry the length separately anyway).
bool ParseDatatype(ByteView msg, Hdf5Datatype* out, std::uint64_t* consumed, std::string* error) {
  ByteReader r(msg);
  std::uint8_t cv = 0, b0 = 0, b1 = 0, b2 = 0;
  std::uint32_t size = 0;
  if (!r.ReadU8(&cv) || !r.ReadU8(&b0) || !r.ReadU8(&b1) || !r.ReadU8(&b2) || !r.ReadU32LE(&size)) {
    *error = "datatype message truncated";
    return false;
  }
  const std::uint8_t cls = cv & 0x0f, version = cv >> 4;
  if (version < 1 || version > 5) {
    *error = "datatype version " + std::to_string(version);
    return false;
  }
  out->size = size;
  out->type_class = cls <= 10 ? static_cast<Hdf5TypeClass>(cls) : Hdf5TypeClass::kUnknown;
  switch (out->type_class) {
    case Hdf5TypeClass::kInteger:
      out->is_signed = (b0 & 0x08) != 0;
      r.Skip(4);
      break;
    case Hdf5TypeClass::kFloat: r.Skip(12); break;
    case Hdf5TypeClass::kOpaque: {
      // The tag is NUL-padded to a multiple of 8; its length is in bits 0-7.
      std::uint32_t tag_len = b0;
      ByteView tag;
      if (!r.ReadBytes(tag_len, &tag)) {
        *error = "opaque tag truncated";
        return false;
      }
      std::string t(AsStringView(tag));
      t.erase(std::find(t.begin(), t.end(), '\0'), t.end());
      out->opaque_tag = t;
      break;
    }
    case Hdf5TypeClass::kCompound: out->compound_members = b0 | (static_cast<std::uint32_t>(b1) << 8); break;
    case Hdf5TypeClass::kVarLen: {
      // Bits 0-3: 0 sequence, 1 string. The base type follows.
      out->vlen_string = (b0 & 0x0f) == 1;
      std::uint8_t base_cv = 0, bb0 = 0, bb1 = 0, bb2 = 0;
      std::uint32_t base_size = 0;
      if (r.ReadU8(&base_cv) && r.ReadU8(&bb0) && r.ReadU8(&bb1) && r.ReadU8(&bb2) && r.ReadU32LE(&base_size)) {
        if (!out->vlen_string && (base_cv & 0x0f) == 0 && base_size == 1) out->vlen_bytes = true;
      }
      break;
    }
    default: break;
  }
  if (consumed) *consumed = r.pos();
  return true;
}

// Dataspace message v1: version, rank, flags, reserved (5 bytes), dims;
// v2: version, rank, flags, type (0 scalar, 1 simple, 2 null), dims.
bool ParseDataspace(ByteView msg, std::uint8_t length_size, std::vector<std::uint64_t>* shape, std::string* error) {
  ByteReader r(msg);
  std::uint8_t version = 0, rank = 0, flags = 0;
  if (!r.ReadU8(&version) || !r.ReadU8(&rank) || !r.ReadU8(&flags)) {
    *error = "dataspace message truncated";
    return false;
  }
  if (version == 1) {
    if (!r.Skip(5)) { *error = "dataspace message truncated"; return false; }
  } else if (version == 2) {
    std::uint8_t type = 0;
    if (!r.ReadU8(&type)) { *error = "dataspace message truncated"; return false; }
    if (type == 2) {  // null dataspace: no elements
      shape->assign(1, 0);
      return true;
    }
  } else {
    *error = "dataspace version " + std::to_string(version);
    return false;
  }
  if (rank > 32) {
    *error = "dataspace rank " + std::to_string(rank) + " over the library's 32";
    return false;
  }
  shape->clear();
  for (std::uint8_t i = 0; i < rank; ++i) {
    std::uint64_t d = 0;
    if (!ReadSized(r, length_size, &d)) {
      *error = "dataspace dimensions truncated";
      return false;
    }
    shape->push_back(d);
  }
  return true;
}

bool ParseLayout(const ParseState& st, ByteView msg, std::uint64_t msg_offset, Hdf5Dataset* out,
                 std::string* error) {
  ByteReader r(msg);
  std::uint8_t version = 0;
  if (!r.ReadU8(&version)) { *error = "layout message truncated"; return false; }
  std::uint8_t cls = 0;
  bool undefined = false;
  if (version == 1 || version == 2) {
    std::uint8_t rank = 0;
    if (!r.ReadU8(&rank) || !r.ReadU8(&cls) || !r.Skip(5)) { *error = "layout message truncated"; return false; }
    if (cls != 0 && !st.ReadAddress(r, &out->data_offset, &undefined)) {
      *error = "layout address truncated";
      return false;
    }
    std::uint64_t size = 1;
    for (std::uint8_t i = 0; i < rank; ++i) {
      std::uint32_t d = 0;
      if (!r.ReadU32LE(&d)) { *error = "layout dimensions truncated"; return false; }
      size = (d != 0 && size > ~0ull / d) ? ~0ull : size * d;
    }
    if (cls == 1) {
      out->layout = Hdf5Layout::kContiguous;
      out->data_size = size;
      out->allocated = !undefined;
    } else if (cls == 2) {
      out->layout = Hdf5Layout::kChunked;
    } else {
      std::uint32_t n = 0;
      if (!r.ReadU32LE(&n)) { *error = "compact size truncated"; return false; }
      out->layout = Hdf5Layout::kCompact;
      out->data_offset = msg_offset + r.pos();
      out->data_size = n;
      out->allocated = true;
    }
  } else if (version >= 3 && version <= 5) {
    if (!r.ReadU8(&cls)) { *error = "layout message truncated"; return false; }
    if (cls == 0) {
      std::uint16_t n = 0;
      if (!r.ReadU16LE(&n)) { *error = "compact size truncated"; return false; }
      out->layout = Hdf5Layout::kCompact;
      out->data_offset = msg_offset + r.pos();
      out->data_size = n;
      out->allocated = true;
    } else if (cls == 1) {
      if (!st.ReadAddress(r, &out->data_offset, &undefined) || !st.ReadLength(r, &out->data_size)) {
        *error = "contiguous layout truncated";
        return false;
      }
      out->layout = Hdf5Layout::kContiguous;
      out->allocated = !undefined;
    } else if (cls == 2) {
      out->layout = Hdf5Layout::kChunked;
    } else if (cls == 3) {
      out->layout = Hdf5Layout::kVirtual;
    } else {
      *error = "layout class " + std::to_string(cls);
      return false;
    }
  } else {
    *error = "layout version " + std::to_string(version);
    return false;
  }
  if (out->allocated) {
    out->in_bounds = out->data_offset <= st.bytes.size() && out->data_size <= st.bytes.size() - out->data_offset;
  }
  return true;
}

// Link message v1: version, flags, [type], [creation order], [charset],
// name length (1/2/4/8 bytes by flags bits 0-1), name, link information.
bool ParseLink(const ParseState& st, ByteView msg, Hdf5Link* out, std::string* error) {
  ByteReader r(msg);
  std::uint8_t version = 0, flags = 0, type = 0;
  if (!r.ReadU8(&version) || !r.ReadU8(&flags) || version != 1) {
    *error = "link message version or flags";
    return false;
  }
  if ((flags & 0x08) && !r.ReadU8(&type)) { *error = "link message truncated"; return false; }
  if ((flags & 0x04) && !r.Skip(8)) { *error = "link message truncated"; return false; }
  if ((flags & 0x10) && !r.Skip(1)) { *error = "link message truncated"; return false; }
  std::uint64_t name_len = 0;
  ByteView name;
  if (!ReadSized(r, static_cast<std::uint8_t>(1u << (flags & 3)), &name_len) || !r.ReadBytes(name_len, &name)) {
    *error = "link name truncated";
    return false;
  }
  out->name.assign(AsStringView(name));
  if (type == 0) {
    bool undefined = false;
    out->kind = Hdf5Link::Kind::kHard;
    if (!st.ReadAddress(r, &out->address, &undefined)) { *error = "hard link address truncated"; return false; }
  } else if (type == 1 || type == 64) {
    std::uint16_t n = 0;
    ByteView v;
    if (!r.ReadU16LE(&n) || !r.ReadBytes(n, &v)) { *error = "link value truncated"; return false; }
    out->kind = type == 1 ? Hdf5Link::Kind::kSoft : Hdf5Link::Kind::kExternal;
    std::string s(AsStringView(v));
    if (type == 64 && !s.empty()) {
      // External: a flags byte, then "file\0path\0".
      s.erase(0, 1);
      std::replace(s.begin(), s.end(), '\0', ':');
      while (!s.empty() && s.back() == ':') s.pop_back();
    }
    out->target = s;
  } else {
    out->kind = Hdf5Link::Kind::kOther;
    out->target = "link type " + std::to_string(type);
  }
  return true;
}

bool ParseDenseStorageInfo(const ParseState& st, ByteView msg, bool attribute_info, std::uint64_t* heap_address,
                           std::string* error) {
  ByteReader r(msg);
  std::uint8_t version = 0, flags = 0;
  if (!r.ReadU8(&version) || !r.ReadU8(&flags) || version != 0) {
    *error = "link/attribute info version";
    return false;
  }
  // Maximum creation index: 8 bytes in link info, 2 in attribute info.
  if ((flags & 1) && !r.Skip(attribute_info ? 2 : 8)) { *error = "info message truncated"; return false; }
  bool undefined = false;
  if (!st.ReadAddress(r, heap_address, &undefined)) { *error = "info message truncated"; return false; }
  if (undefined) *heap_address = kUndefined;
  return true;
}

namespace {

// Resolves a global heap object (collection address, index). The collection
// is parsed once: "GCOL", version 1, reserved (3), collection size, then
// objects: index (2), reference count (2), reserved (4), size, data padded
// to 8 bytes; index 0 is the free space and ends the list.
bool GlobalHeapObject(ParseState& st, std::uint64_t addr, std::uint32_t index, const std::string& path,
                      ByteView* out) {
  auto it = st.global_heaps.find(addr);
  if (it == st.global_heaps.end()) {
    if (st.bad_global_heaps.count(addr) || st.limit_hit) return false;
    ByteReader r;
    ByteView sig;
    std::uint8_t version = 0;
    std::uint64_t size = 0;
    if (!st.At(addr, &r) || !r.ReadBytes(4, &sig) || AsStringView(sig) != "GCOL" || !r.ReadU8(&version) ||
        !r.Skip(3) || !st.ReadLength(r, &size) || version != 1) {
      st.bad_global_heaps.insert(addr);
      st.Anomaly(Hdf5AnomalyKind::kBadSignature, addr, path, "no global heap collection (GCOL) at this address");
      return false;
    }
    ByteView coll;
    if (size < 16 || !st.View(addr, size, &coll)) {
      st.bad_global_heaps.insert(addr);
      st.Anomaly(Hdf5AnomalyKind::kTruncated, addr, path, "global heap collection runs past the end of the file");
      return false;
    }
    if (size > st.limits.max_hdf5_heap_bytes - std::min(st.heap_bytes, st.limits.max_hdf5_heap_bytes)) {
      st.bad_global_heaps.insert(addr);
      st.Limit(addr, path, "heap bytes (max_hdf5_heap_bytes)");
      return false;
    }
    st.heap_bytes += size;
    std::unordered_map<std::uint32_t, ByteView> objects;
    ByteReader c(coll);
    c.Skip(8u + st.length_size);
    while (c.remaining() >= 8u + st.length_size) {
      std::uint16_t idx = 0;
      std::uint64_t osize = 0;
      ByteView data;
      if (!c.ReadU16LE(&idx) || !c.Skip(6) || !st.ReadLength(c, &osize)) break;
      if (idx == 0) break;
      if (!c.ReadBytes(osize, &data)) {
        st.Anomaly(Hdf5AnomalyKind::kTruncated, addr, path, "global heap object runs past its collection");
        break;
      }
      c.Skip((8 - osize % 8) % 8);
      objects.emplace(idx, data);
    }
    it = st.global_heaps.emplace(addr, std::move(objects)).first;
  }
  auto obj = it->second.find(index);
  if (obj == it->second.end()) return false;
  *out = obj->second;
  return true;
}

// Decoded attribute values are copies: their total is bounded by
// max_hdf5_heap_bytes, however often a crafted file points at the same bytes.
bool ChargeDecoded(ParseState& st, std::uint64_t n, std::uint64_t offset, const std::string& path) {
  st.decoded_bytes += n;
  if (st.decoded_bytes > st.limits.max_hdf5_heap_bytes) {
    st.Limit(offset, path, "decoded attribute bytes (max_hdf5_heap_bytes)");
    return false;
  }
  return true;
}

std::string TrimFixedString(ByteView v, bool space_padded) {
  // As numpy does for 'S' values: trailing NULs go, embedded ones stay.
  std::string s(AsStringView(v));
  while (!s.empty() && s.back() == '\0') s.pop_back();
  if (space_padded) {
    while (!s.empty() && s.back() == ' ') s.pop_back();
  }
  return s;
}

}  // namespace

// Attribute message v1: version, reserved, name size (2), datatype size (2),
// dataspace size (2), then name, datatype and dataspace each padded to a
// multiple of 8, then the data. v2: version, flags, the three sizes, no
// padding. v3: as v2 plus a name character-set byte.
bool ParseAttribute(ParseState& st, const Message& m, const std::string& path, Hdf5Attribute* out,
                    std::string* error) {
  ByteReader r(m.data);
  std::uint8_t version = 0, flags = 0;
  std::uint16_t name_size = 0, type_size = 0, space_size = 0;
  if (!r.ReadU8(&version) || !r.ReadU8(&flags) || !r.ReadU16LE(&name_size) || !r.ReadU16LE(&type_size) ||
      !r.ReadU16LE(&space_size)) {
    *error = "attribute message truncated";
    return false;
  }
  if (version < 1 || version > 3) {
    *error = "attribute message version " + std::to_string(version);
    return false;
  }
  if (version == 3 && !r.Skip(1)) { *error = "attribute message truncated"; return false; }
  auto padded = [&](std::uint64_t n) { return version == 1 ? (n + 7) / 8 * 8 : n; };
  ByteView name, type, space;
  if (!r.ReadBytes(name_size, &name) || !r.Skip(padded(name_size) - name_size)) {
    *error = "attribute name truncated";
    return false;
  }
  out->name = TrimFixedString(name, false);
  out->offset = m.offset;
  if (!r.ReadBytes(type_size, &type) || !r.Skip(padded(type_size) - type_size) || !r.ReadBytes(space_size, &space) ||
      !r.Skip(padded(space_size) - space_size)) {
    *error = "attribute '" + out->name + "' datatype/dataspace truncated";
    return false;
  }
  if (version >= 2 && (flags & 0x03)) {
    *error = "attribute '" + out->name + "' uses a shared (committed) datatype or dataspace";
    return false;
  }
  if (!ParseDatatype(type, &out->type, nullptr, error) || !ParseDataspace(space, st.length_size, &out->shape, error)) {
    *error = "attribute '" + out->name + "': " + *error;
    return false;
  }
  out->raw = r.rest();
  std::uint64_t count = 0;
  if (!ElementCount(out->shape, &count)) {
    *error = "attribute '" + out->name + "' shape overflows";
    return false;
  }
  const Hdf5Datatype& t = out->type;
  if (t.type_class == Hdf5TypeClass::kString && t.size > 0) {
    std::uint64_t n = std::min<std::uint64_t>(count, out->raw.size() / t.size);
    if (n < count) out->values_complete = false;
    n = std::min(n, kMaxDecodedElements);
    for (std::uint64_t i = 0; i < n; ++i) {
      if (!ChargeDecoded(st, t.size, m.offset, path)) {
        out->values_complete = false;
        break;
      }
      out->strings.push_back(TrimFixedString(out->raw.subspan(i * t.size, t.size), false));
    }
  } else if (t.type_class == Hdf5TypeClass::kVarLen) {
    // Each element: length (4), global heap collection address, object index (4).
    const std::uint64_t elem = 4u + st.offset_size + 4u;
    ByteReader d(out->raw);
    for (std::uint64_t i = 0; i < count && i < kMaxDecodedElements; ++i) {
      std::uint32_t len = 0, index = 0;
      std::uint64_t addr = 0;
      bool undefined = false;
      if (d.remaining() < elem || !d.ReadU32LE(&len) || !st.ReadAddress(d, &addr, &undefined) ||
          !d.ReadU32LE(&index)) {
        out->values_complete = false;
        break;
      }
      if (len == 0) {
        out->vlen_items.emplace_back();
        if (t.vlen_string) out->strings.emplace_back();
        continue;
      }
      ByteView obj;
      if (undefined || !GlobalHeapObject(st, addr, index, path, &obj)) {
        out->values_complete = false;
        continue;
      }
      if (!ChargeDecoded(st, obj.size(), m.offset, path)) {
        out->values_complete = false;
        break;
      }
      out->vlen_items.push_back(obj);
      if (t.vlen_string) out->strings.push_back(TrimFixedString(obj.first(std::min<std::size_t>(obj.size(), len)), false));
    }
  }
  return true;
}

}  // namespace modelgate::hdf5

namespace modelgate {

std::string Hdf5Datatype::Describe() const {
  const std::string bits = std::to_string(size * 8);
  switch (type_class) {
    case Hdf5TypeClass::kInteger: return (is_signed ? "int" : "uint") + bits;
    case Hdf5TypeClass::kFloat: return "float" + bits;
    case Hdf5TypeClass::kString: return "string[" + std::to_string(size) + "]";
    case Hdf5TypeClass::kOpaque: return "opaque[" + std::to_string(size) + "] '" + opaque_tag + "'";
    case Hdf5TypeClass::kCompound: return "compound(" + std::to_string(compound_members) + ")";
    case Hdf5TypeClass::kVarLen: return vlen_string ? "vlen-string" : (vlen_bytes ? "vlen-bytes" : "vlen-sequence");
    case Hdf5TypeClass::kTime: return "time";
    case Hdf5TypeClass::kBitfield: return "bitfield" + bits;
    case Hdf5TypeClass::kReference: return "reference";
    case Hdf5TypeClass::kEnum: return "enum";
    case Hdf5TypeClass::kArray: return "array";
    case Hdf5TypeClass::kUnknown: break;
  }
  return "unknown";
}

}  // namespace modelgate
