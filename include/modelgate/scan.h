// Scanning: static analysis of model files and folders.
//
// Nothing here executes, imports or unpickles model content: every file is
// read as bytes through bounded format readers and judged by rules. A file
// that cannot be fully parsed yields a finding, never an empty report.
#ifndef MODELGATE_SCAN_H_
#define MODELGATE_SCAN_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "modelgate/byte_reader.h"
#include "modelgate/finding.h"
#include "modelgate/limits.h"
#include "modelgate/status.h"

namespace modelgate {

class Policy;

struct ScanOptions {
  Limits limits;
  // The policy deciding which pickle globals are allowed. Must outlive the
  // scan. nullptr means Policy::Builtin().
  const Policy* policy = nullptr;
  // Worker threads for folders; 0 = hardware concurrency.
  unsigned jobs = 0;
};

// The result for one file on disk.
struct FileReport {
  std::string path;
  std::string format;          // top-level content type, e.g. "pytorch-zip", "pickle"
  std::uint64_t size = 0;
  std::vector<Finding> findings;  // sorted: most severe first

  // The highest severity among findings; kInfo when there are none.
  Severity MaxSeverity() const;
};

struct ScanReport {
  std::vector<FileReport> files;  // in path order
  double seconds = 0;
};

// Called after each file completes (from worker threads, serialised by the
// scanner): files done so far, and total files.
using ScanProgress = std::function<void(std::size_t done, std::size_t total)>;

// Scans files and folders. Folders are walked recursively; symlinks are never
// followed (each is reported). Returns kIOError when a named path cannot be
// read at all; unreadable files inside folders become findings instead.
Result<ScanReport> ScanPaths(const std::vector<std::string>& paths, const ScanOptions& options,
                             const ScanProgress& progress = nullptr);

// Scans one in-memory file as if it were read from `display_path`.
// Thread-safe; never fails (problems are findings).
FileReport ScanBytes(ByteView bytes, const std::string& display_path, const ScanOptions& options);

}  // namespace modelgate

#endif  // MODELGATE_SCAN_H_
