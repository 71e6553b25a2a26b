// ScanContext: the state of scanning one top-level file.
//
// Containers are expanded with an explicit work queue, never by recursion:
// an analyzer that finds members calls EnqueueChild(), and the scanner loop
// (scanner.cc) pops blobs and routes each by content. Depth, total
// decompressed bytes and time are charged here, against Limits.
//
// Not thread-safe: one context per file, used by one thread.
#ifndef MODELGATE_SCAN_SCAN_CONTEXT_H_
#define MODELGATE_SCAN_SCAN_CONTEXT_H_

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "modelgate/byte_reader.h"
#include "modelgate/finding.h"
#include "modelgate/limits.h"

namespace modelgate {

class Policy;

// A run of bytes to analyse: the file itself or a member extracted from it.
struct Blob {
  ByteView bytes;  // borrowed from the mapped file or from `owner`
  std::shared_ptr<const std::vector<std::uint8_t>> owner;  // set for extracted bytes
  std::string member;   // member chain joined with "!", "" for the file itself
  std::uint32_t depth = 0;  // containers above this blob
  // Hint from the enclosing container about how the real loader treats the
  // blob (e.g. "torch-data-pkl" for the pickle torch.load unpickles). Never a
  // file name test; only containers set it.
  std::string role;
};

class ScanContext {
 public:
  ScanContext(std::string path, const Limits& limits, const Policy& policy);

  const Limits& limits() const { return limits_; }
  const Policy& policy() const { return policy_; }
  const std::string& path() const { return path_; }

  // Records a finding. `member` and `offset` locate it inside the file.
  // Findings beyond limits().max_findings_per_file with the same id are
  // counted, not stored (see TakeFindings).
  void Report(std::string id, Severity severity, std::string title, const std::string& member,
              std::optional<std::uint64_t> offset, std::string detail,
              std::vector<std::pair<std::string, std::string>> evidence = {});

  // Queues a member for analysis. Refuses (and reports CONTAINER-DEPTH-LIMIT)
  // when parent.depth + 1 exceeds limits().max_nesting_depth.
  // `name` is the member's name inside the parent; the child's member chain
  // becomes parent.member + "!" + name.
  void EnqueueChild(const Blob& parent, const std::string& name, ByteView bytes,
                    std::shared_ptr<const std::vector<std::uint8_t>> owner, std::string role = "");

  // Charges n decompressed bytes against limits().max_decompressed_bytes.
  // Returns false, having reported CONTAINER-DECOMPRESSION-LIMIT once, when the budget is
  // exhausted; the caller then stops extracting.
  bool ChargeDecompressed(std::uint64_t n, const Blob& at);
  // Bytes still allowed to be decompressed for this file.
  std::uint64_t DecompressionBudget() const;

  // True once limits().max_millis_per_file has elapsed (checked by long loops).
  bool OutOfTime() const;

  bool HasPending() const { return !queue_.empty(); }
  Blob PopPending();

  // Moves out the findings, most severe first; appends a summary finding for
  // each id whose occurrences were capped.
  std::vector<Finding> TakeFindings();

 private:
  std::string path_;
  const Limits& limits_;
  const Policy& policy_;
  std::deque<Blob> queue_;
  std::vector<Finding> findings_;
  struct IdCount {
    std::uint32_t count = 0;
    Severity beyond_cap = Severity::kInfo;  // most severe occurrence not stored
  };
  std::map<std::string, IdCount> per_id_count_;
  std::uint64_t decompressed_ = 0;
  bool decompression_reported_ = false;
  std::chrono::steady_clock::time_point start_;
};

// Joins a member chain: JoinMember("", "a") == "a", JoinMember("a", "b") == "a!b".
std::string JoinMember(const std::string& parent, const std::string& name);

}  // namespace modelgate

#endif  // MODELGATE_SCAN_SCAN_CONTEXT_H_
