// Internal to the HDF5 reader: the parse state shared by the structure walk
// (hdf5.cc) and the message decoders (hdf5_messages.cc). Not a public API.
#ifndef MODELGATE_FORMATS_HDF5_HDF5_INTERNAL_H_
#define MODELGATE_FORMATS_HDF5_HDF5_INTERNAL_H_

#include <cstdint>
#include <map>
#include <set>
#include <unordered_map>
#include <string>
#include <utility>
#include <vector>

#include "formats/hdf5/hdf5.h"

namespace modelgate::hdf5 {

inline constexpr std::uint64_t kUndefined = ~0ull;

// Message type numbers (HDF5 File Format Specification, section IV.A.2).
enum MessageType : std::uint16_t {
  kMsgNil = 0x0000,
  kMsgDataspace = 0x0001,
  kMsgLinkInfo = 0x0002,
  kMsgDatatype = 0x0003,
  kMsgFillOld = 0x0004,
  kMsgFill = 0x0005,
  kMsgLink = 0x0006,
  kMsgExternalFiles = 0x0007,
  kMsgLayout = 0x0008,
  kMsgGroupInfo = 0x000A,
  kMsgFilters = 0x000B,
  kMsgAttribute = 0x000C,
  kMsgContinuation = 0x0010,
  kMsgSymbolTable = 0x0011,
  kMsgAttributeInfo = 0x0015,
};

// One header message, its data borrowed from the input.
struct Message {
  std::uint16_t type = 0;
  std::uint8_t flags = 0;
  std::uint64_t offset = 0;  // absolute offset of the message data
  ByteView data;
};

struct ParseState {
  ParseState(ByteView b, const Limits& l, Hdf5File& f) : bytes(b), limits(l), file(f) {}

  ByteView bytes;
  const Limits& limits;
  Hdf5File& file;
  std::uint64_t base = 0;  // absolute offset that relative addresses start from
  std::uint8_t offset_size = 8;
  std::uint8_t length_size = 8;
  std::uint64_t messages = 0;
  std::uint64_t heap_bytes = 0;     // local/global heap bytes read
  std::uint64_t decoded_bytes = 0;  // attribute string bytes copied out (same budget)
  bool limit_hit = false;
  // Global heap collections already parsed: address -> (index -> object bytes).
  std::map<std::uint64_t, std::unordered_map<std::uint32_t, ByteView>> global_heaps;
  std::set<std::uint64_t> bad_global_heaps;

  // Records an anomaly; beyond kMaxAnomalies only limit anomalies are kept
  // (a crafted file can repeat one problem millions of times).
  static constexpr std::size_t kMaxAnomalies = 1000;
  void Anomaly(Hdf5AnomalyKind kind, std::uint64_t offset, const std::string& path, std::string detail) {
    if (file.anomalies.size() >= kMaxAnomalies && kind != Hdf5AnomalyKind::kLimit) return;
    file.anomalies.push_back({kind, offset, path, std::move(detail)});
  }
  // Charges one unit of structure work (message, link, symbol entry, B-tree
  // node) against max_hdf5_messages. Returns false once the limit is hit.
  bool ChargeWork(std::uint64_t offset, const std::string& path) {
    if (++messages > limits.max_hdf5_messages) {
      Limit(offset, path, "header messages, links and B-tree entries (max_hdf5_messages)");
      return false;
    }
    return !limit_hit;
  }
  // Reports a limit once per parse; returns false so callers can `return`.
  bool Limit(std::uint64_t offset, const std::string& path, const std::string& what);

  // Reads an address (offset_size bytes) and makes it absolute; *undefined is
  // set for the all-ones "undefined address". An address that overflows
  // becomes kUndefined with *undefined false (it is out of bounds anyway).
  bool ReadAddress(ByteReader& r, std::uint64_t* abs, bool* undefined) const;
  bool ReadLength(ByteReader& r, std::uint64_t* out) const;
  // A reader positioned at absolute `offset`, or false when out of bounds.
  bool At(std::uint64_t offset, ByteReader* r) const;
  // A view of [offset, offset+size) or false when not inside the input.
  bool View(std::uint64_t offset, std::uint64_t size, ByteView* out) const;
};

// Reads an n-byte (1, 2, 4 or 8) little-endian unsigned integer.
bool ReadSized(ByteReader& r, std::uint8_t n, std::uint64_t* out);

// Message decoders (hdf5_messages.cc). Each returns false with *error set
// when the message is malformed or uses something not decoded.
bool ParseDatatype(ByteView msg, Hdf5Datatype* out, std::uint64_t* consumed, std::string* error);
bool ParseDataspace(ByteView msg, std::uint8_t length_size, std::vector<std::uint64_t>* shape, std::string* error);
bool ParseLayout(const ParseState& st, ByteView msg, std::uint64_t msg_offset, Hdf5Dataset* out,
                 std::string* error);
bool ParseLink(const ParseState& st, ByteView msg, Hdf5Link* out, std::string* error);
// Decodes an attribute message; string values and variable-length items are
// resolved (global heap lookups go through `st`, which records anomalies).
bool ParseAttribute(ParseState& st, const Message& m, const std::string& path, Hdf5Attribute* out,
                    std::string* error);
// Link info / attribute info: the fractal heap address (absolute, or
// kUndefined when links/attributes are stored compactly in the header).
bool ParseDenseStorageInfo(const ParseState& st, ByteView msg, bool attribute_info, std::uint64_t* heap_address,
                           std::string* error);

// Element count of a shape (1 for a scalar), or false on 64-bit overflow.
bool ElementCount(const std::vector<std::uint64_t>& shape, std::uint64_t* out);

}  // namespace modelgate::hdf5

#endif  // MODELGATE_FORMATS_HDF5_HDF5_INTERNAL_H_
