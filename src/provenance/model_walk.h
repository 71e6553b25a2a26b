// ModelWalk: the files of a model, enumerated as OMS v1.0 and the reference
// implementation (sigstore/model-transparency) enumerate them.
//
// - A regular file is a single-file model: one entry named ".".
// - A folder is walked without recursion (explicit stack), bounded by
//   Limits::max_model_depth and max_model_files. Names are the POSIX relative
//   paths ("d0/f00"), built from the directory entries themselves, so they
//   are canonical by construction (no "./", no "//", no trailing "/").
//   Components that are not valid UTF-8 are refused (spec 6.1.2 item 7).
// - Ignored paths are skipped before anything else is looked at: the
//   defaults (".git", ".gitignore", ".gitattributes", ".github" at the top
//   level) and the caller's exact relative paths; a folder excludes its
//   whole subtree.
// - Symlinks: refused (kInvalidArgument naming the link) unless allowed.
//   When allowed, a link to a regular file is hashed under the link's own
//   name; a link whose target lies outside the model adds a warning (spec
//   6.1.1). A link to a folder is refused even when links are allowed: the
//   reference's walk (pathlib "**" glob) does not descend into linked
//   folders, so following one would sign files the reference never checks,
//   and skipping it would leave files silently unsigned.
// - FIFOs, sockets and devices are refused and never opened. A folder seen
//   twice (a bind-mount loop) is refused as a cycle.
//
// Thread safety: reentrant.
#ifndef MODELGATE_PROVENANCE_MODEL_WALK_H_
#define MODELGATE_PROVENANCE_MODEL_WALK_H_

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "modelgate/limits.h"
#include "modelgate/status.h"

namespace modelgate::provenance {

// Identity of a file as measured by the walk (stat of the link target when
// a symlink is followed). Used to detect change and by the digest cache.
struct FileIdentity {
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
  std::int64_t ctime_ns = 0;
  std::uint64_t inode = 0;
  std::uint64_t device = 0;
};

struct ModelFile {
  std::string name;             // canonical relative path, or "." for a single-file model
  std::filesystem::path path;   // what to open
  FileIdentity identity;
  bool via_symlink = false;     // the name is a symlink (followed)
};

struct WalkOptions {
  bool allow_symlinks = false;
  bool ignore_git_paths = true;
  std::vector<std::string> ignore_paths;  // canonical (see NormalizeIgnorePath)
};

struct ModelWalk {
  std::vector<ModelFile> files;        // sorted by path components
  std::vector<std::string> warnings;   // e.g. a symlink that leaves the model
  bool single_file = false;
};

// Enumerates `model`. Errors: kIOError (missing or unreadable path, with the
// path and the OS error), kInvalidArgument (symlink refused, special file,
// invalid UTF-8 name, cycle), kLimitExceeded (too deep, too many files).
Result<ModelWalk> WalkModel(const std::filesystem::path& model, const WalkOptions& options, const Limits& limits);

// Canonical form of a user ignore path: '/' separators, "./" and "//"
// collapsed, no trailing '/'. kInvalidArgument for an empty or absolute
// path, ".." components or glob characters (* ? [), as spec 6.2.1 requires.
Result<std::string> NormalizeIgnorePath(std::string_view path);

// The default exclusions of spec 6.2, in the order the spec lists them.
const std::vector<std::string>& DefaultIgnorePaths();

// True when the relative path `name` equals `ignore` or lies below it.
bool IsIgnoredBy(std::string_view name, std::string_view ignore);

// Strict weak order of the reference implementation: by path components,
// each compared bytewise (UTF-8 byte order is code point order).
bool PathComponentsLess(std::string_view a, std::string_view b);

}  // namespace modelgate::provenance

#endif  // MODELGATE_PROVENANCE_MODEL_WALK_H_
