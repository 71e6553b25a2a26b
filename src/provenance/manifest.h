// Manifest: the OpenSSF Model Signing (OMS) list of a model's file digests.
//
// A model is a single file or a folder. BuildManifest() enumerates it the way
// OMS v1.0 (and the reference implementation, sigstore/model-transparency)
// does, hashes every file (method "files") or every fixed-size shard of every
// file (method "shards"), and returns the resources in payload order: sorted
// by path components, shards by numeric start offset. The root digest is
// SHA-256 over the concatenated raw resource digests in that order.
//
// Enumeration rules (spec section 6; details and reasons in model_walk.h and
// docs/provenance/manifest.md):
// - names are POSIX relative paths from the model root ('/' separators, no
//   "./" prefix); a single-file model's only resource is named ".";
// - default ignores (.git, .gitignore, .gitattributes, .github at the top
//   level) unless `ignore_git_paths` is false, plus `ignore_paths` (exact
//   relative paths; a folder excludes everything below it);
// - symlinks: refused (error naming the link) unless allow_symlinks; then a
//   link to a file is hashed under the link's name (a target outside the
//   model adds a warning); a link to a folder is refused (the reference
//   does not descend into linked folders); a folder seen twice is a cycle;
// - special files (FIFOs, sockets, devices) are an error, never read;
// - in "shards" mode an empty file has no resource at all.
//
// Hashing: a pool of `threads` workers takes one job per file ("files") or
// per shard ("shards"); a single large file in "files" mode is one
// sequential SHA-256 stream. Each file is checked against the walk's
// (device, inode, size) before and after hashing.
//
// Thread safety: BuildManifest() is reentrant; it uses up to `threads`
// worker threads internally.
#ifndef MODELGATE_PROVENANCE_MANIFEST_H_
#define MODELGATE_PROVENANCE_MANIFEST_H_

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "modelgate/limits.h"
#include "modelgate/status.h"

namespace modelgate::provenance {

class DigestCache;

enum class HashAlgorithm { kSha256, kBlake2b };  // blake2b is BLAKE2b-512

// "sha256", "blake2b".
std::string_view HashAlgorithmName(HashAlgorithm algorithm);
std::optional<HashAlgorithm> ParseHashAlgorithm(std::string_view name);

enum class SerializationMethod { kFiles, kShards };

// What the predicate's "serialization" object records, plus how to run.
struct SerializationOptions {
  SerializationMethod method = SerializationMethod::kFiles;
  HashAlgorithm hash = HashAlgorithm::kSha256;
  std::uint64_t shard_size = 1'000'000'000;  // only for kShards
  bool allow_symlinks = false;
  // Exact relative paths excluded from the manifest (besides the defaults).
  // Recorded in the statement's serialization.ignore_paths together with the
  // default ones when ignore_git_paths is true.
  std::vector<std::string> ignore_paths;
  bool ignore_git_paths = true;
  // Not recorded: how to compute.
  unsigned threads = 0;               // 0: std::thread::hardware_concurrency()
  DigestCache* cache = nullptr;       // opt-in; never used by verify unless asked
};

struct Resource {
  std::string name;       // "d0/f00"; "." for a single file; shards "path:start:end"
  std::string algorithm;  // "sha256", "blake2b", "sha256-sharded-1000000000"
  std::string digest;     // raw digest bytes (32 for sha256, 64 for blake2b)
};

struct Manifest {
  std::string model_name;               // the in-toto subject name
  SerializationOptions serialization;   // as signed
  std::vector<Resource> resources;      // payload order
  // Not signed: what the walk noticed (e.g. a symlink leaving the model, an
  // ignored corrupt digest cache). Callers print them.
  std::vector<std::string> warnings;

  // SHA-256 over the concatenated raw resource digests, in payload order.
  std::string RootDigest() const;
};

// Enumerates and hashes `model` (a file or a folder); see model_walk.h for
// the enumeration rules. model_name is the final path component of `model`
// (of its absolute form when that is empty, "." or ".."). An empty folder
// gives an empty manifest, as the reference does; signers reject it (spec
// 6.1 item 1). Errors: kIOError (unreadable file, with the path; a file
// that changed while hashed), kInvalidArgument (symlink refused, special
// file, ignore path with glob characters or "..", shard_size 0),
// kLimitExceeded (Limits::max_model_files, max_model_depth,
// max_manifest_resources).
Result<Manifest> BuildManifest(const std::filesystem::path& model, const SerializationOptions& options,
                               const Limits& limits = Limits());

// The resource algorithm for `options`: "sha256", "blake2b", or for shards
// "<hash>-sharded-<shard_size>" (as the reference writes it).
std::string ResourceAlgorithm(const SerializationOptions& options);

// The ignore paths a statement records: the caller's plus the defaults when
// ignore_git_paths, normalised, sorted and without duplicates.
std::vector<std::string> RecordedIgnorePaths(const SerializationOptions& options);

// The file a resource name belongs to: "d0/f00:0:8" -> "d0/f00" for shards
// (the last two ':' components are the range), the name itself for files.
std::string_view ResourceFileName(std::string_view name, SerializationMethod method);

// What differs between a signed manifest and the model as it is now.
// Names are file paths (shard resources are folded into their file).
struct ManifestDifference {
  std::vector<std::string> changed;  // in both, digest differs
  std::vector<std::string> added;    // on disk, not signed
  std::vector<std::string> missing;  // signed, not on disk
  bool empty() const { return changed.empty() && added.empty() && missing.empty(); }
};
ManifestDifference CompareManifests(const Manifest& signed_manifest, const Manifest& actual);

// Lowercase hex of raw bytes.
std::string ToHex(std::string_view raw);

}  // namespace modelgate::provenance

#endif  // MODELGATE_PROVENANCE_MANIFEST_H_
