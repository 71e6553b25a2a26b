// libFuzzer target for the ZIP reader: ParseZip, then both name lookups and
// ExtractEntry on every entry (output capped at 1 MiB per entry so each
// input stays fast). Seeds: fuzz/corpus/zip_fuzzer/.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "formats/zip/zip_reader.h"
#include "modelgate/limits.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace modelgate;
  static const Limits limits = Limits::ForFuzzing();
  Result<ZipArchive> parsed = ParseZip(ByteView(data, size), limits);
  if (!parsed.ok()) return 0;
  const ZipArchive& archive = parsed.value();
  MinizNameIndex index(archive);
  std::optional<std::string> prefix = PyTorchArchivePrefix(archive);
  if (prefix) {
    (void)index.Find(*prefix + "/data.pkl");
    (void)LooksLikeTorchScript(archive, *prefix);
  }
  std::uint64_t budget = 16u << 20;
  for (const ZipEntry& e : archive.entries) {
    const ZipEntry* torch = index.Find(e.name);
    const ZipEntry* zipfile = FindEntryLikeZipfile(archive, e.name);
    // Every record's own name must resolve to some record for both readers
    // when it is within miniz's declared count and holds no NUL.
    if (e.in_declared_count && e.name.find('\0') == std::string::npos && (!torch || !zipfile)) __builtin_trap();
    if (budget == 0) break;
    Result<ExtractedEntry> x = ExtractEntry(e, std::min<std::uint64_t>(budget, 1u << 20));
    if (x.ok()) budget -= std::min<std::uint64_t>(budget, x->bytes.size());
  }
  return 0;
}
