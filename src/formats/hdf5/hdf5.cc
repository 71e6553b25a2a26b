// HDF5 structure walk: superblock, object headers (v1, v2 and their
// continuation blocks), old-style groups (v1 B-tree, symbol nodes, local
// heap) and new-style compact links. Every walk uses an explicit stack, a
// visited set and the bounds in Limits.
#include "formats/hdf5/hdf5.h"

#include <algorithm>
#include <deque>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "formats/hdf5/hdf5_internal.h"

namespace modelgate {

using hdf5::kUndefined;
using hdf5::Message;
using hdf5::ParseState;

std::optional<std::uint64_t> FindHdf5Signature(ByteView bytes) {
  const std::string_view sig(kHdf5Signature, 8);
  for (std::uint64_t off = 0; off + 8 <= bytes.size(); off = off == 0 ? 512 : off * 2) {
    if (AsStringView(bytes.subspan(off, 8)) == sig) return off;
  }
  return std::nullopt;
}

bool Hdf5File::Has(Hdf5AnomalyKind k) const {
  for (const Hdf5Anomaly& a : anomalies) {
    if (a.kind == k) return true;
  }
  return false;
}

const Hdf5Attribute* Hdf5Object::FindAttribute(const std::string& n) const {
  for (const Hdf5Attribute& a : attributes) {
    if (a.name == n) return &a;
  }
  return nullptr;
}

namespace hdf5 {

bool ParseState::Limit(std::uint64_t offset, const std::string& path, const std::string& what) {
  if (!limit_hit) {
    limit_hit = true;
    Anomaly(Hdf5AnomalyKind::kLimit, offset, path, "limit reached: " + what + "; the rest of the file was not read");
  }
  return false;
}

bool ParseState::ReadAddress(ByteReader& r, std::uint64_t* abs, bool* undefined) const {
  std::uint64_t rel = 0;
  if (!ReadSized(r, offset_size, &rel)) return false;
  const std::uint64_t all_ones = offset_size >= 8 ? ~0ull : ((1ull << (8 * offset_size)) - 1);
  *undefined = rel == all_ones;
  *abs = (*undefined || rel > ~0ull - base) ? kUndefined : rel + base;
  return true;
}

bool ParseState::ReadLength(ByteReader& r, std::uint64_t* out) const { return ReadSized(r, length_size, out); }

bool ParseState::At(std::uint64_t offset, ByteReader* r) const {
  if (offset >= bytes.size()) return false;
  *r = ByteReader(bytes);
  return r->Seek(offset);
}

bool ParseState::View(std::uint64_t offset, std::uint64_t size, ByteView* out) const {
  if (offset > bytes.size() || size > bytes.size() - offset) return false;
  *out = bytes.subspan(offset, size);
  return true;
}

namespace {

bool ValidSize(std::uint8_t n) { return n == 2 || n == 4 || n == 8; }

Status ReadSuperblock(ParseState& st, std::uint64_t sb, std::uint64_t* root) {
  Hdf5File& f = st.file;
  ByteReader r(st.bytes);
  r.Seek(sb + 8);
  std::uint8_t version = 0;
  if (!r.ReadU8(&version)) return Status::Corruption("superblock truncated");
  f.superblock_version = version;
  st.base = sb;  // the library rebases addresses on the superblock's position
  std::uint64_t eof = 0;
  bool undefined = false;
  if (version <= 1) {
    std::uint8_t skip4[4], os = 0, ls = 0;
    for (std::uint8_t& b : skip4) {
      if (!r.ReadU8(&b)) return Status::Corruption("superblock truncated");
    }
    if (!r.ReadU8(&os) || !r.ReadU8(&ls) || !r.Skip(1 + 2 + 2 + 4 + (version == 1 ? 4 : 0))) {
      return Status::Corruption("superblock truncated");
    }
    if (!ValidSize(os) || !ValidSize(ls)) return Status::Corruption("superblock offset/length size invalid");
    st.offset_size = os;
    st.length_size = ls;
    std::uint64_t a = 0;
    // base address, free-space address, end-of-file address, driver info.
    if (!st.ReadAddress(r, &a, &undefined) || !st.ReadAddress(r, &a, &undefined) ||
        !st.ReadAddress(r, &eof, &undefined) || !st.ReadAddress(r, &a, &undefined)) {
      return Status::Corruption("superblock truncated");
    }
    // Root group symbol table entry: link name offset, object header address.
    if (!st.ReadAddress(r, &a, &undefined) || !st.ReadAddress(r, root, &undefined)) {
      return Status::Corruption("superblock truncated");
    }
  } else if (version == 2 || version == 3) {
    std::uint8_t os = 0, ls = 0;
    if (!r.ReadU8(&os) || !r.ReadU8(&ls) || !r.Skip(1)) return Status::Corruption("superblock truncated");
    if (!ValidSize(os) || !ValidSize(ls)) return Status::Corruption("superblock offset/length size invalid");
    st.offset_size = os;
    st.length_size = ls;
    std::uint64_t a = 0;
    // base address, superblock extension, end-of-file, root object header.
    if (!st.ReadAddress(r, &a, &undefined) || !st.ReadAddress(r, &a, &undefined) ||
        !st.ReadAddress(r, &eof, &undefined) || !st.ReadAddress(r, root, &undefined) || !r.Skip(4)) {
      return Status::Corruption("superblock truncated");
    }
    // The checksum (Jenkins lookup3) is not verified; see the header comment.
  } else {
    return Status::Corruption("unknown superblock version " + std::to_string(version));
  }
  f.offset_size = st.offset_size;
  f.length_size = st.length_size;
  // The end-of-file address counts the user block too (libhdf5 writes the
  // file size there), unlike every other address, which is relative.
  if (eof != kUndefined) eof -= st.base;
  f.eof_address = eof;
  if (eof != kUndefined && eof > st.bytes.size()) {
    st.Anomaly(Hdf5AnomalyKind::kTruncated, sb, "/",
               "end-of-file address " + std::to_string(eof) + " is beyond the " + std::to_string(st.bytes.size()) +
                   " bytes present");
  } else if (eof != kUndefined && eof < st.bytes.size()) {
    st.Anomaly(Hdf5AnomalyKind::kTrailingData, eof, "/",
               std::to_string(st.bytes.size() - eof) + " bytes follow the declared end of the HDF5 data");
  }
  return Status::Ok();
}

// Splits one block of object header messages into Message records.
// v1 messages: type (2), size (2), flags (1), reserved (3), data padded to 8.
// v2 messages: type (1), size (2), flags (1), [creation order (2)], data.
void SplitMessages(ParseState& st, std::uint64_t block_off, ByteView block, int version, bool crt_order,
                   std::uint64_t max_messages, const std::string& path, std::vector<Message>* out,
                   std::vector<std::pair<std::uint64_t, std::uint64_t>>* continuations) {
  ByteReader r(block);
  const std::size_t hdr = version == 1 ? 8 : (crt_order ? 6 : 4);
  while (r.remaining() >= hdr && out->size() < max_messages) {
    if (!st.ChargeWork(block_off + r.pos(), path)) return;
    Message m;
    std::uint16_t size = 0;
    const std::uint64_t at = block_off + r.pos();
    if (version == 1) {
      r.ReadU16LE(&m.type);
      r.ReadU16LE(&size);
      r.ReadU8(&m.flags);
      r.Skip(3);
    } else {
      std::uint8_t t = 0;
      r.ReadU8(&t);
      m.type = t;
      r.ReadU16LE(&size);
      r.ReadU8(&m.flags);
      if (crt_order) r.Skip(2);
    }
    m.offset = block_off + r.pos();
    if (!r.ReadBytes(size, &m.data)) {
      st.Anomaly(Hdf5AnomalyKind::kTruncated, at, path, "header message runs past its header block");
      return;
    }
    if (version == 1) r.Skip((8 - size % 8) % 8);
    if (m.type == kMsgContinuation) {
      ByteReader c(m.data);
      std::uint64_t addr = 0, len = 0;
      bool undefined = false;
      if (st.ReadAddress(c, &addr, &undefined) && st.ReadLength(c, &len)) {
        continuations->emplace_back(addr, len);
      } else {
        st.Anomaly(Hdf5AnomalyKind::kTruncated, at, path, "continuation message truncated");
      }
      continue;
    }
    out->push_back(m);
  }
}

// Reads every message of the object header at `addr` (following
// continuation blocks, each once). Returns false when the header itself
// cannot be read; *version is 1 or 2.
bool ReadObjectHeader(ParseState& st, std::uint64_t addr, const std::string& path, std::vector<Message>* out,
                      std::uint8_t* version) {
  ByteReader r;
  if (!st.At(addr, &r)) {
    st.Anomaly(Hdf5AnomalyKind::kTruncated, addr, path, "object header address is outside the file");
    return false;
  }
  std::vector<std::pair<std::uint64_t, std::uint64_t>> conts;
  std::uint64_t max_messages = ~0ull;
  bool crt_order = false;
  if (r.remaining() >= 4 && AsStringView(r.rest().first(4)) == "OHDR") {
    r.Skip(4);
    std::uint8_t v = 0, flags = 0;
    if (!r.ReadU8(&v) || !r.ReadU8(&flags) || v != 2) {
      st.Anomaly(Hdf5AnomalyKind::kBadValue, addr, path, "object header v2 with a bad version");
      return false;
    }
    *version = 2;
    crt_order = (flags & 0x04) != 0;
    std::uint64_t chunk = 0;
    ByteView block;
    if (((flags & 0x20) && !r.Skip(16)) || ((flags & 0x10) && !r.Skip(4)) ||
        !ReadSized(r, static_cast<std::uint8_t>(1u << (flags & 3)), &chunk) || !r.ReadBytes(chunk, &block)) {
      st.Anomaly(Hdf5AnomalyKind::kTruncated, addr, path, "object header runs past the end of the file");
      return false;
    }
    SplitMessages(st, r.pos() - chunk, block, 2, crt_order, max_messages, path, out, &conts);
  } else {
    std::uint8_t v = 0;
    std::uint16_t count = 0;
    std::uint32_t size = 0;
    if (!r.ReadU8(&v) || !r.Skip(1) || !r.ReadU16LE(&count) || !r.Skip(4) || !r.ReadU32LE(&size) || !r.Skip(4)) {
      st.Anomaly(Hdf5AnomalyKind::kTruncated, addr, path, "object header truncated");
      return false;
    }
    if (v != 1) {
      st.Anomaly(Hdf5AnomalyKind::kBadSignature, addr, path,
                 "no object header here (neither OHDR nor version 1; first byte " + std::to_string(v) + ")");
      return false;
    }
    *version = 1;
    max_messages = count;
    ByteView block;
    if (!r.ReadBytes(size, &block)) {
      st.Anomaly(Hdf5AnomalyKind::kTruncated, addr, path, "object header runs past the end of the file");
      block = r.rest();
    }
    SplitMessages(st, addr + 16, block, 1, false, max_messages, path, out, &conts);
  }
  std::set<std::uint64_t> seen_blocks;
  for (std::size_t i = 0; i < conts.size() && !st.limit_hit; ++i) {
    const auto [caddr, clen] = conts[i];
    if (!seen_blocks.insert(caddr).second) {
      st.Anomaly(Hdf5AnomalyKind::kCycle, caddr, path, "continuation blocks of one object header form a loop");
      break;
    }
    ByteView block;
    if (caddr == kUndefined || !st.View(caddr, clen, &block)) {
      st.Anomaly(Hdf5AnomalyKind::kTruncated, caddr, path, "continuation block lies outside the file");
      continue;
    }
    if (*version == 2) {
      if (block.size() < 8 || AsStringView(block.first(4)) != "OCHK") {
        st.Anomaly(Hdf5AnomalyKind::kBadSignature, caddr, path, "continuation block without OCHK signature");
        continue;
      }
      SplitMessages(st, caddr + 4, block.subspan(4, block.size() - 8), 2, crt_order, max_messages, path, out,
                    &conts);
    } else {
      SplitMessages(st, caddr, block, 1, false, max_messages, path, out, &conts);
    }
  }
  return true;
}

// Old-style group: the v1 B-tree of group nodes points at symbol nodes
// ("SNOD") whose entries name members by offset into the local heap.
void ReadSymbolTable(ParseState& st, ByteView msg, const std::string& path, std::vector<Hdf5Link>* links) {
  ByteReader m(msg);
  std::uint64_t btree = 0, heap = 0;
  bool u1 = false, u2 = false;
  if (!st.ReadAddress(m, &btree, &u1) || !st.ReadAddress(m, &heap, &u2)) {
    st.Anomaly(Hdf5AnomalyKind::kTruncated, 0, path, "symbol table message truncated");
    return;
  }
  // Local heap: "HEAP", version 0, reserved (3), data size, free list offset, data address.
  ByteReader h;
  ByteView sig, names;
  std::uint8_t hv = 0;
  std::uint64_t data_size = 0, free_list = 0, data_addr = 0;
  if (!st.At(heap, &h) || !h.ReadBytes(4, &sig) || AsStringView(sig) != "HEAP" || !h.ReadU8(&hv) || !h.Skip(3) ||
      !st.ReadLength(h, &data_size) || !st.ReadLength(h, &free_list) || !st.ReadAddress(h, &data_addr, &u1)) {
    st.Anomaly(Hdf5AnomalyKind::kBadSignature, heap, path, "no local heap (HEAP) where the group's names should be");
    return;
  }
  if (!st.View(data_addr, data_size, &names)) {
    st.Anomaly(Hdf5AnomalyKind::kTruncated, data_addr, path, "local heap data lies outside the file");
    return;
  }
  if (data_size > st.limits.max_hdf5_heap_bytes - std::min(st.heap_bytes, st.limits.max_hdf5_heap_bytes)) {
    st.Limit(heap, path, "heap bytes (max_hdf5_heap_bytes)");
    return;
  }
  st.heap_bytes += data_size;
  std::vector<std::uint64_t> stack{btree};
  std::set<std::uint64_t> visited;
  while (!stack.empty() && !st.limit_hit) {
    const std::uint64_t node = stack.back();
    stack.pop_back();
    if (!visited.insert(node).second) {
      st.Anomaly(Hdf5AnomalyKind::kCycle, node, path, "group B-tree node reached twice");
      continue;
    }
    if (!st.ChargeWork(node, path)) return;
    ByteReader r;
    ByteView s;
    if (!st.At(node, &r) || !r.ReadBytes(4, &s)) {
      st.Anomaly(Hdf5AnomalyKind::kTruncated, node, path, "group B-tree node lies outside the file");
      continue;
    }
    if (AsStringView(s) == "SNOD") {
      std::uint8_t v = 0;
      std::uint16_t n = 0;
      if (!r.ReadU8(&v) || !r.Skip(1) || !r.ReadU16LE(&n)) {
        st.Anomaly(Hdf5AnomalyKind::kTruncated, node, path, "symbol node truncated");
        continue;
      }
      for (std::uint16_t i = 0; i < n; ++i) {
        if (!st.ChargeWork(node, path)) return;
        std::uint64_t name_off = 0, obj = 0;
        if (!ReadSized(r, st.offset_size, &name_off) || !st.ReadAddress(r, &obj, &u1) || !r.Skip(24)) {
          st.Anomaly(Hdf5AnomalyKind::kTruncated, node, path, "symbol node entries truncated");
          break;
        }
        if (name_off >= names.size()) {
          st.Anomaly(Hdf5AnomalyKind::kBadValue, node, path, "symbol name offset outside the local heap");
          continue;
        }
        std::string_view rest = AsStringView(names.subspan(name_off));
        Hdf5Link l;
        l.name = std::string(rest.substr(0, rest.find('\0')));
        l.address = obj;
        links->push_back(std::move(l));
      }
      continue;
    }
    std::uint8_t type = 0, level = 0;
    std::uint16_t used = 0;
    if (AsStringView(s) != "TREE" || !r.ReadU8(&type) || !r.ReadU8(&level) || !r.ReadU16LE(&used) ||
        !r.Skip(2u * st.offset_size) || type != 0) {
      st.Anomaly(Hdf5AnomalyKind::kBadSignature, node, path, "group B-tree node without TREE/SNOD signature");
      continue;
    }
    std::vector<std::uint64_t> children;
    for (std::uint16_t i = 0; i < used; ++i) {
      if (!st.ChargeWork(node, path)) return;
      std::uint64_t child = 0;
      if (!r.Skip(st.length_size) || !st.ReadAddress(r, &child, &u1)) {
        st.Anomaly(Hdf5AnomalyKind::kTruncated, node, path, "group B-tree node truncated");
        break;
      }
      children.push_back(child);
    }
    stack.insert(stack.end(), children.rbegin(), children.rend());
  }
}

struct Pending {
  std::uint64_t address;
  std::string path;
  std::uint32_t depth;
  std::int64_t parent;  // index into objects, -1 for the root
};

void DecodeObject(ParseState& st, Hdf5Object& obj, const std::vector<Message>& msgs) {
  std::optional<Hdf5Datatype> dtype;
  std::vector<std::uint64_t> shape;
  bool is_group = false;
  std::string err;
  for (const Message& m : msgs) {
    err.clear();
    switch (m.type) {
      case kMsgAttribute: {
        if (m.flags & 0x02) {
          st.Anomaly(Hdf5AnomalyKind::kUnsupported, m.offset, obj.path, "shared attribute message not read");
          break;
        }
        Hdf5Attribute a;
        if (ParseAttribute(st, m, obj.path, &a, &err)) {
          obj.attributes.push_back(std::move(a));
        } else {
          st.Anomaly(Hdf5AnomalyKind::kUnsupported, m.offset, obj.path, err);
        }
        break;
      }
      case kMsgAttributeInfo:
      case kMsgLinkInfo: {
        std::uint64_t heap = kUndefined;
        bool attr = m.type == kMsgAttributeInfo;
        if (!attr) is_group = true;
        if (!ParseDenseStorageInfo(st, m.data, attr, &heap, &err)) {
          st.Anomaly(Hdf5AnomalyKind::kBadValue, m.offset, obj.path, err);
        } else if (heap != kUndefined) {
          (attr ? obj.dense_attributes : obj.dense_links) = true;
          st.Anomaly(Hdf5AnomalyKind::kUnsupported, m.offset, obj.path,
                     std::string(attr ? "attributes" : "links") +
                         " kept in dense storage (fractal heap) were not read");
        }
        break;
      }
      case kMsgLink: {
        is_group = true;
        Hdf5Link l;
        if (ParseLink(st, m.data, &l, &err)) {
          obj.links.push_back(std::move(l));
        } else {
          st.Anomaly(Hdf5AnomalyKind::kBadValue, m.offset, obj.path, err);
        }
        break;
      }
      case kMsgGroupInfo: is_group = true; break;
      case kMsgSymbolTable:
        is_group = true;
        ReadSymbolTable(st, m.data, obj.path, &obj.links);
        break;
      case kMsgDatatype: {
        Hdf5Datatype t;
        if (m.flags & 0x02) {
          st.Anomaly(Hdf5AnomalyKind::kUnsupported, m.offset, obj.path, "shared (committed) datatype not read");
        } else if (ParseDatatype(m.data, &t, nullptr, &err)) {
          dtype = t;
        } else {
          st.Anomaly(Hdf5AnomalyKind::kBadValue, m.offset, obj.path, err);
        }
        break;
      }
      case kMsgDataspace:
        if (!ParseDataspace(m.data, st.length_size, &shape, &err)) {
          st.Anomaly(Hdf5AnomalyKind::kBadValue, m.offset, obj.path, err);
        }
        break;
      case kMsgLayout: {
        Hdf5Dataset d;
        if (ParseLayout(st, m.data, m.offset, &d, &err)) {
          obj.dataset = d;
        } else {
          st.Anomaly(Hdf5AnomalyKind::kBadValue, m.offset, obj.path, err);
        }
        break;
      }
      case kMsgExternalFiles:
        st.Anomaly(Hdf5AnomalyKind::kExternalLink, m.offset, obj.path, "dataset stored in external raw files");
        break;
      default: break;
    }
  }
  if (obj.dataset) {
    obj.kind = Hdf5ObjectKind::kDataset;
    if (dtype) obj.dataset->type = *dtype;
    obj.dataset->shape = shape;
    for (const Message& m : msgs) {
      if (m.type == kMsgFilters) obj.dataset->filtered = true;
    }
  } else if (is_group) {
    obj.kind = Hdf5ObjectKind::kGroup;
  }
}

}  // namespace
}  // namespace hdf5

Result<Hdf5File> ReadHdf5(ByteView bytes, const Limits& limits) {
  std::optional<std::uint64_t> sb = FindHdf5Signature(bytes);
  if (!sb) return Status::Corruption("no HDF5 superblock signature at offset 0, 512, 1024, ...");
  Hdf5File file;
  file.superblock_offset = *sb;
  ParseState st(bytes, limits, file);
  std::uint64_t root = kUndefined;
  MODELGATE_RETURN_IF_ERROR(hdf5::ReadSuperblock(st, *sb, &root));

  std::unordered_map<std::uint64_t, std::size_t> visited;  // header address -> object index
  std::vector<hdf5::Pending> stack{{root, "/", 0, -1}};
  while (!stack.empty() && !st.limit_hit) {
    hdf5::Pending p = std::move(stack.back());
    stack.pop_back();
    auto seen = visited.find(p.address);
    if (seen != visited.end()) {
      // A cycle when the object is an ancestor of this path (paths are
      // built from the parent's, so ancestors are exactly the prefixes),
      // else a second hard link to an object already read.
      const std::string& prev = file.objects[seen->second].path;
      bool is_cycle = p.path.size() > prev.size() && p.path.compare(0, prev.size(), prev) == 0 &&
                      (prev == "/" || p.path[prev.size()] == '/');
      st.Anomaly(is_cycle ? Hdf5AnomalyKind::kCycle : Hdf5AnomalyKind::kSharedObject, p.address, p.path,
                 is_cycle ? "links back to its ancestor " + prev : "same object as " + prev);
      continue;
    }
    if (file.objects.size() >= limits.max_hdf5_objects) {
      st.Limit(p.address, p.path, "objects (max_hdf5_objects)");
      break;
    }
    if (p.depth > limits.max_hdf5_depth) {
      st.Limit(p.address, p.path, "group depth (max_hdf5_depth)");
      break;
    }
    std::vector<Message> msgs;
    Hdf5Object obj;
    obj.path = p.path;
    obj.address = p.address;
    obj.depth = p.depth;
    if (p.address == kUndefined ||
        !hdf5::ReadObjectHeader(st, p.address, p.path, &msgs, &obj.header_version)) {
      if (p.parent < 0) break;  // no root: nothing else is reachable
      continue;
    }
    hdf5::DecodeObject(st, obj, msgs);
    visited.emplace(p.address, file.objects.size());
    for (auto it = obj.links.rbegin(); it != obj.links.rend(); ++it) {
      // Paths are for reports: names and depth are capped so a crafted file
      // cannot make them grow with (name length x depth x links).
      const std::string child = (p.path == "/" ? "/" : p.path.substr(0, 4096) + "/") + it->name.substr(0, 200);
      switch (it->kind) {
        case Hdf5Link::Kind::kHard:
          stack.push_back({it->address, child, p.depth + 1, static_cast<std::int64_t>(file.objects.size())});
          break;
        case Hdf5Link::Kind::kSoft:
          st.Anomaly(Hdf5AnomalyKind::kSoftLink, p.address, child, "soft link to '" + it->target + "'");
          break;
        case Hdf5Link::Kind::kExternal:
          st.Anomaly(Hdf5AnomalyKind::kExternalLink, p.address, child, "external link to '" + it->target + "'");
          break;
        case Hdf5Link::Kind::kOther:
          st.Anomaly(Hdf5AnomalyKind::kUnsupported, p.address, child, "user-defined " + it->target);
          break;
      }
    }
    file.objects.push_back(std::move(obj));
  }
  return file;
}

}  // namespace modelgate
