// Hdf5Reader: a minimal, faithful, bounded reader of the parts of HDF5 that
// Keras (.h5 / .hdf5 models, the model.weights.h5 member of .keras zips)
// uses: the group tree, attributes and dataset descriptions.
//
// Why not libhdf5: Debian's libhdf5 (1.10) has a long record of memory-safety
// CVEs on crafted files, cannot be bounded from outside (time, memory,
// recursion), and would put its whole C parser in our process. Keras needs
// only the group tree, attributes and a few datasets, so this reader decodes
// exactly those structures from the bytes in memory, with every read checked
// (ByteReader) and every walk iterative:
//
// - superblock versions 0-3, found at offset 0, 512, 1024, 2048 ... (after a
//   user block); addresses are relative to the superblock's position, as the
//   library treats them;
// - object headers v1 and v2 ("OHDR"), continuation blocks (v1 raw, v2
//   "OCHK"); v2 checksums are not verified (the library would reject a bad
//   checksum, so a mismatch can only hide nothing from us; noted in docs);
// - messages: dataspace, datatype (integer, float, fixed and variable-length
//   strings, variable-length sequences, opaque, compound header only), link
//   info, link, group info, symbol table, attribute v1-v3, attribute info,
//   data layout v1-v4 (compact, contiguous, chunked reported only),
//   continuation;
// - old-style groups: v1 B-tree "TREE" nodes, "SNOD" symbol nodes, local
//   heap "HEAP" names; new-style groups with compact links;
// - the global heap ("GCOL") for variable-length strings and sequences.
//
// Not read (reported as Hdf5Anomaly kUnsupported): dense attribute and link
// storage (fractal heap + v2 B-tree), shared (committed) datatypes and
// dataspaces in attributes, virtual layouts, chunk contents (never
// decompressed).
//
// The reader decides nothing about danger; the analyzer (src/scan/
// hdf5_analyzer.cc) turns anomalies and contents into findings.
#ifndef MODELGATE_FORMATS_HDF5_HDF5_H_
#define MODELGATE_FORMATS_HDF5_HDF5_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "modelgate/byte_reader.h"
#include "modelgate/limits.h"
#include "modelgate/status.h"

namespace modelgate {

inline constexpr char kHdf5Signature[] = "\x89HDF\r\n\x1a\n";

// Offset of the first HDF5 superblock signature in `bytes` (0, 512, 1024,
// 2048 ... up to the size), or nullopt. Cost: one 8-byte compare per power of
// two.
std::optional<std::uint64_t> FindHdf5Signature(ByteView bytes);

enum class Hdf5TypeClass : std::uint8_t {
  kInteger = 0, kFloat = 1, kTime = 2, kString = 3, kBitfield = 4, kOpaque = 5, kCompound = 6,
  kReference = 7, kEnum = 8, kVarLen = 9, kArray = 10, kUnknown = 255,
};

struct Hdf5Datatype {
  Hdf5TypeClass type_class = Hdf5TypeClass::kUnknown;
  std::uint32_t size = 0;         // bytes per element as stored
  bool vlen_string = false;       // kVarLen whose type is "string"
  bool vlen_bytes = false;        // kVarLen sequence of 1-byte integers
  bool is_signed = false;         // kInteger
  std::string opaque_tag;         // kOpaque
  std::uint32_t compound_members = 0;
  // Short human rendering: "float32", "int64", "string[12]", "vlen-string",
  // "opaque[9] 'tag'", "compound(3)" ...
  std::string Describe() const;
};

enum class Hdf5Layout : std::uint8_t { kNone, kCompact, kContiguous, kChunked, kVirtual };

struct Hdf5Attribute {
  std::string name;
  Hdf5Datatype type;
  std::vector<std::uint64_t> shape;  // empty for a scalar
  std::uint64_t offset = 0;          // file offset of the attribute message
  ByteView raw;                      // the stored data (borrowed from the input)
  // Decoded values when the type is a string (fixed or variable length),
  // one per element, up to a bounded count; trailing NULs of fixed strings
  // are dropped (h5py does the same for null-padded strings).
  std::vector<std::string> strings;
  // Variable-length sequences/strings resolved in the global heap (borrowed).
  std::vector<ByteView> vlen_items;
  bool values_complete = true;  // false when some vlen element could not be resolved
};

struct Hdf5Dataset {
  Hdf5Datatype type;
  std::vector<std::uint64_t> shape;
  Hdf5Layout layout = Hdf5Layout::kNone;
  // Contiguous: file offset and size (may lie outside the input: see
  // in_bounds). Compact: the data inside the layout message.
  std::uint64_t data_offset = 0;
  std::uint64_t data_size = 0;
  bool allocated = false;  // contiguous storage has an address
  bool in_bounds = false;  // [data_offset, +data_size) lies inside the input
  bool filtered = false;   // a filter pipeline message is present (chunked compression)
};

enum class Hdf5ObjectKind : std::uint8_t { kGroup, kDataset, kOther };

struct Hdf5Link {
  std::string name;
  enum class Kind : std::uint8_t { kHard, kSoft, kExternal, kOther } kind = Kind::kHard;
  std::uint64_t address = 0;  // kHard: object header address (absolute)
  std::string target;         // kSoft: path; kExternal: "file:path"
};

struct Hdf5Object {
  std::string path;               // "/" for the root, "/model_weights/dense" ...
  std::uint64_t address = 0;      // absolute file offset of the object header
  std::uint8_t header_version = 0;
  std::uint32_t depth = 0;        // 0 for the root
  Hdf5ObjectKind kind = Hdf5ObjectKind::kOther;
  std::vector<Hdf5Attribute> attributes;
  std::optional<Hdf5Dataset> dataset;
  std::vector<Hdf5Link> links;  // group members (hard links were followed)
  bool dense_attributes = false;  // attributes in a fractal heap: not read
  bool dense_links = false;       // links in a fractal heap: not read
  const Hdf5Attribute* FindAttribute(const std::string& name) const;
};

enum class Hdf5AnomalyKind : std::uint8_t {
  kTruncated,      // a structure runs past the end of the input
  kBadSignature,   // "OHDR", "TREE", "SNOD", "HEAP", "GCOL" ... missing
  kBadValue,       // a field the library would reject (version, sizes)
  kCycle,          // a group links to one of its ancestors
  kSharedObject,   // the same object reached by two paths (hard links)
  kLimit,          // a bound from Limits was hit: part of the file unread
  kUnsupported,    // valid HDF5 this reader does not decode
  kExternalLink,   // link into another file
  kSoftLink,       // link by path
  kTrailingData,   // bytes beyond the end-of-file address
};

struct Hdf5Anomaly {
  Hdf5AnomalyKind kind;
  std::uint64_t offset = 0;
  std::string path;  // object path where known
  std::string detail;
};

struct Hdf5File {
  std::uint64_t superblock_offset = 0;  // == user block size
  std::uint8_t superblock_version = 0;
  std::uint8_t offset_size = 8;
  std::uint8_t length_size = 8;
  std::uint64_t eof_address = 0;  // as declared (absolute)
  std::vector<Hdf5Object> objects;  // objects[0] is the root when parsing got that far
  std::vector<Hdf5Anomaly> anomalies;
  bool Has(Hdf5AnomalyKind k) const;
  const Hdf5Object* Root() const { return objects.empty() ? nullptr : &objects[0]; }
};

// Reads the HDF5 structure from memory.
// Returns kCorruption when no superblock can be read at all (no signature,
// unknown superblock version, truncated superblock); every later problem is
// an Hdf5Anomaly and the objects read so far are kept. Views in the result
// (Hdf5Attribute::raw, vlen_items) borrow from `bytes`; everything else is
// owned. Thread-safe (no shared state).
Result<Hdf5File> ReadHdf5(ByteView bytes, const Limits& limits);

}  // namespace modelgate

#endif  // MODELGATE_FORMATS_HDF5_HDF5_H_
