// Git LFS pointer files (https://github.com/git-lfs/git-lfs/blob/main/docs/spec.md):
// what a clone without `git lfs pull` leaves in place of a large file.
//
//   version https://git-lfs.github.com/spec/v1
//   oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393
//   size 12345
//
// Lines are "key value\n"; `version` first, the other keys in byte order
// (ext-N-name extension lines sort before oid); the whole file is under
// 1024 bytes. Thread-safe.
#ifndef MODELGATE_FORMATS_REPO_LFS_POINTER_H_
#define MODELGATE_FORMATS_REPO_LFS_POINTER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "modelgate/byte_reader.h"
#include "modelgate/status.h"

namespace modelgate::repo {

struct LfsPointer {
  std::string version;      // the spec URL
  std::string oid;          // 64 lower-case hex digits (without "sha256:")
  std::uint64_t size = 0;
  std::vector<std::string> extensions;  // ext-N-name lines, as written
};

// Parses a pointer strictly as the spec says. Fails (kCorruption, with the
// reason) on anything else: a missing or unknown key, keys out of order,
// an oid that is not sha256 + 64 hex digits, a size that is not a decimal
// without leading zeros, CR line ends, a missing final newline, >= 1024 bytes.
Result<LfsPointer> ParseLfsPointer(ByteView bytes);

}  // namespace modelgate::repo

#endif  // MODELGATE_FORMATS_REPO_LFS_POINTER_H_
