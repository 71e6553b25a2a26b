// Content sniffing. Order matters: formats with strong magic numbers first,
// then pickle (decoded, not guessed), then weak signatures (zlib, lzma-alone)
// whose first bytes could also start a pickle.
#include "formats/routing/content_type.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "formats/hdf5/hdf5.h"
#include "formats/pickle/pickle_machine.h"
#include "formats/protobuf/proto_wire.h"
#include "formats/tensorflow/tensorflow.h"

namespace modelgate {

std::string_view ContentTypeName(ContentType t) {
  switch (t) {
    case ContentType::kUnknown: return "unknown";
    case ContentType::kEmpty: return "empty";
    case ContentType::kPickle: return "pickle";
    case ContentType::kZip: return "zip";
    case ContentType::kNpy: return "npy";
    case ContentType::kTar: return "tar";
    case ContentType::kGzip: return "gzip";
    case ContentType::kBzip2: return "bzip2";
    case ContentType::kXz: return "xz";
    case ContentType::kLzmaAlone: return "lzma";
    case ContentType::kZlib: return "zlib";
    case ContentType::kZstd: return "zstd";
    case ContentType::kSevenZip: return "7z";
    case ContentType::kSafetensors: return "safetensors";
    case ContentType::kGguf: return "gguf";
    case ContentType::kHdf5: return "hdf5";
    case ContentType::kOnnx: return "onnx";
    case ContentType::kTensorflow: return "tensorflow";
    case ContentType::kLfsPointer: return "git-lfs-pointer";
    case ContentType::kText: return "text";
  }
  return "unknown";
}

namespace {

bool StartsWith(ByteView b, std::string_view magic, std::size_t at = 0) {
  return b.size() >= at + magic.size() && std::memcmp(b.data() + at, magic.data(), magic.size()) == 0;
}

bool LooksLikeTar(ByteView b) {
  // ustar (POSIX) and "ustar  " (GNU) both put "ustar" at offset 257.
  if (StartsWith(b, "ustar", 257)) return true;
  // v7 tar: no magic; the header checksum must match. Check the cheap
  // structural facts first (routing runs on every member, tensor data
  // included): a name, and an octal checksum field ended by NUL or space.
  if (b.size() < 512 || b[0] == 0) return false;
  unsigned stored = 0;
  std::size_t i = 148;
  while (i < 156 && b[i] == ' ') ++i;
  std::size_t first_digit = i;
  for (; i < 156 && b[i] >= '0' && b[i] <= '7'; ++i) stored = stored * 8 + (b[i] - '0');
  if (i == first_digit || i == 156 || (b[i] != 0 && b[i] != ' ')) return false;
  unsigned sum = 0;
  for (std::size_t k = 0; k < 512; ++k) sum += (k >= 148 && k < 156) ? ' ' : b[k];
  return stored == sum;
}

// safetensors: u64 LE header length, then JSON starting with '{' (the
// reference crate refuses anything else; writers pad with trailing spaces
// only). A header length past the end of the input is still claimed when the
// JSON visibly starts (`{"` or `{}`, possibly with whitespace), so truncated
// files and length bombs reach the analyzer instead of "unknown".
bool LooksLikeSafetensors(ByteView b) {
  if (b.size() < 10 || b[8] != '{') return false;
  std::uint64_t n = LoadU64LE(b, 0);
  if (n < 2) return false;
  if (n <= b.size() - 8) return true;
  std::size_t i = 9;
  while (i < b.size() && i < 64 && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t')) ++i;
  return i < b.size() && (b[i] == '"' || b[i] == '}');
}

bool LooksLikeLzmaAlone(ByteView b) {
  // props byte (lc/lp/pb; 0x5D is the default), 4-byte dictionary size,
  // 8-byte uncompressed size (all 0xFF when unknown, as Python writes).
  if (b.size() < 13 || b[0] > 224) return false;
  std::uint32_t dict = LoadU32LE(b, 1);
  bool pow2ish = dict >= (1u << 12) && (dict & (dict - 1)) == 0;
  return b[0] == 0x5D && (pow2ish || dict == 0xFFFFFFFF);
}

// Protobuf has no magic number; these decide from the message structure.
bool LooksLikeTensorflow(ByteView b) { return SniffTensorflow(b).has_value(); }

//
// ONNX: every writer (onnx's SerializeToString, torch.onnx.export, the
// onnxruntime tools) emits ModelProto fields in field-number order, so a
// model starts with ir_version (field 1, varint: tag 0x08) holding a
// positive IR version. The following top-level fields must then be ModelProto fields
// with their proper wire types, text fields (producer_name, producer_version,
// domain, doc_string) must start as printable text, and the walk must reach
// graph (7), opset_import (8) or later fields, or the exact end of the input.
// That rules out pickles (0x80), text, zips and TensorFlow's SavedModel
// (field 1 varint too, but field 2 is a binary MetaGraphDef).
bool LooksLikeOnnx(ByteView b) {
  if (b.size() < 4 || b[0] != 0x08) return false;
  std::size_t pos = 1;
  std::uint64_t ir_version = 0;
  if (!proto_wire::ReadVarint(b, &pos, &ir_version) || ir_version == 0 || ir_version > INT32_MAX) return false;
  for (int fields = 0; fields < 16; ++fields) {
    if (pos == b.size()) return fields > 0;
    std::uint64_t tag = 0;
    if (!proto_wire::ReadVarint(b, &pos, &tag)) return false;
    std::uint64_t field = tag >> 3, wire = tag & 7;
    bool is_text = field == 2 || field == 3 || field == 4 || field == 6;
    bool is_varint = field == 5;
    bool is_message = field == 7 || field == 8 || field == 14 || field == 20 || field == 25;
    if (is_varint) {
      std::uint64_t v;
      if (wire != 0 || !proto_wire::ReadVarint(b, &pos, &v)) return false;
      continue;
    }
    if ((!is_text && !is_message) || wire != 2) return false;
    std::uint64_t len = 0;
    if (!proto_wire::ReadVarint(b, &pos, &len)) return false;
    // graph, opsets, metadata, training info or functions: the structure is
    // established. Its length may run past the end (a truncated model still
    // routes here and is reported as such).
    if (is_message) return len > 0;
    if (len > b.size() - pos) return false;
    for (std::size_t i = 0; i < len && i < 64; ++i) {
      std::uint8_t c = b[pos + i];
      if (c < 0x20 && c != '\n' && c != '\r' && c != '\t') return false;
    }
    pos += static_cast<std::size_t>(len);
  }
  return false;
}

bool LooksLikeText(ByteView b) {
  std::size_t n = std::min<std::size_t>(b.size(), 512);
  std::size_t bad = 0;
  for (std::size_t i = 0; i < n; ++i) {
    std::uint8_t c = b[i];
    if (c == 0 || (c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f')) ++bad;
  }
  return bad == 0;
}

}  // namespace

bool HasZipEndRecord(ByteView b) {
  if (b.size() < 22) return false;
  // The record is at most 65535 (comment) + 22 bytes from the end.
  std::size_t lo = b.size() > 65557 ? b.size() - 65557 : 0;
  return memmem(b.data() + lo, b.size() - lo, "PK\x05\x06", 4) != nullptr;
}

ContentType DetectContentType(ByteView b, Probe probe) {
  if (b.empty()) return ContentType::kEmpty;
  if (StartsWith(b, "\x93NUMPY")) return ContentType::kNpy;
  if (StartsWith(b, "PK\x03\x04") || StartsWith(b, "PK\x05\x06")) return ContentType::kZip;
  if (StartsWith(b, "\x1f\x8b")) return ContentType::kGzip;
  if (StartsWith(b, "BZh") && b.size() > 3 && b[3] >= '1' && b[3] <= '9') return ContentType::kBzip2;
  if (StartsWith(b, std::string_view("\xfd" "7zXZ\x00", 6))) return ContentType::kXz;
  if (StartsWith(b, "\x28\xb5\x2f\xfd")) return ContentType::kZstd;
  if (StartsWith(b, "7z\xbc\xaf\x27\x1c")) return ContentType::kSevenZip;
  if (StartsWith(b, "\x89HDF\r\n\x1a\n")) return ContentType::kHdf5;
  if (StartsWith(b, "GGUF")) return ContentType::kGguf;
  if (StartsWith(b, "ustar", 257)) return ContentType::kTar;
  // Before pickle: a header length such as 0x80 or 0x90 makes the first
  // byte a plausible pickle opcode, while '{' at offset 8 after a length that
  // fits the input is specific. Before the ZIP end-record search too: a
  // safetensors file with a ZIP appended is analysed as safetensors, whose
  // reader queues the appended bytes (and so the ZIP) as unowned data.
  if (LooksLikeSafetensors(b)) return ContentType::kSafetensors;
  if (pickle::LooksLikePickle(b)) return ContentType::kPickle;
  if (LooksLikeTar(b)) return ContentType::kTar;
  // A ZIP with bytes prepended: readers that search from the end still open it.
  if (probe == Probe::kFile && HasZipEndRecord(b)) return ContentType::kZip;
  // HDF5 after a user block: the superblock sits at 512, 1024, 2048 ... (one
  // 8-byte compare per power of two). Files only: each compare touches a
  // page, and members (every tensor record of a checkpoint) are routed by
  // the thousand; the HDF5 inside a .keras archive is written at offset 0.
  if (probe == Probe::kFile && FindHdf5Signature(b)) return ContentType::kHdf5;
  if (StartsWith(b, "version https://git-lfs.github.com/spec/")) return ContentType::kLfsPointer;
  if (LooksLikeOnnx(b)) return ContentType::kOnnx;
  if (LooksLikeTensorflow(b)) return ContentType::kTensorflow;
  if (b.size() >= 2 && b[0] == 0x78 && ((b[0] << 8) | b[1]) % 31 == 0) return ContentType::kZlib;
  if (LooksLikeLzmaAlone(b)) return ContentType::kLzmaAlone;
  if (probe == Probe::kFile && LooksLikeText(b)) return ContentType::kText;
  return ContentType::kUnknown;
}

}  // namespace modelgate
