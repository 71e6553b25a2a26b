// Fuzz target for the archive layer (also the tar / legacy-torch-tar
// reader): every codec's DecompressStream, ReadArchiveMembers, and
// AnalyzeArchive (which recognises legacy torch tars) on arbitrary bytes.
// Output caps are small so each input runs quickly.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "formats/archive/archive_reader.h"
#include "modelgate/policy.h"
#include "scan/analyzers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace modelgate;
  static const Limits limits = [] {
    Limits l = Limits::ForFuzzing();
    l.max_decompressed_bytes = 4u << 20;
    l.max_member_bytes = 1u << 20;
    return l;
  }();
  ByteView bytes(data, size);
  constexpr std::uint64_t kMaxOut = 1u << 20;
  for (Codec c : {Codec::kGzip, Codec::kZlib, Codec::kBzip2, Codec::kXz, Codec::kLzmaAlone, Codec::kZstd}) {
    Result<DecompressedStream> r = DecompressStream(bytes, c, kMaxOut);
    if (r.ok() && r->bytes.size() > kMaxOut) std::abort();
  }
  Result<ArchiveListing> l = ReadArchiveMembers(bytes, limits, 2u << 20);
  if (l.ok()) {
    std::uint64_t total = 0;
    for (const ArchiveMember& m : l->members) {
      if (m.data) {
        if (m.data->size() > limits.max_member_bytes) std::abort();
        total += m.data->size();
      }
    }
    if (total != l->data_bytes || total > (2u << 20)) std::abort();
  }
  ScanContext ctx("fuzz.bin", limits, Policy::Builtin());
  Blob blob;
  blob.bytes = bytes;
  AnalyzeArchive(blob, ctx);
  while (ctx.HasPending()) (void)ctx.PopPending();
  (void)ctx.TakeFindings();
  return 0;
}
