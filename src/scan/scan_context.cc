#include "scan/scan_context.h"

#include <algorithm>
#include <utility>

namespace modelgate {

std::string JoinMember(const std::string& parent, const std::string& name) {
  if (parent.empty()) return name;
  return parent + "!" + name;
}

ScanContext::ScanContext(std::string path, const Limits& limits, const Policy& policy)
    : path_(std::move(path)), limits_(limits), policy_(policy), start_(std::chrono::steady_clock::now()) {}

void ScanContext::Report(std::string id, Severity severity, std::string title, const std::string& member,
                         std::optional<std::uint64_t> offset, std::string detail,
                         std::vector<std::pair<std::string, std::string>> evidence) {
  IdCount& n = per_id_count_[id];
  if (++n.count > limits_.max_findings_per_file) {
    // Not stored; TakeFindings lifts a stored one to this severity so the
    // file's verdict never drops because of the cap (O(1) here: a hostile
    // archive can produce millions of reports).
    n.beyond_cap = std::max(n.beyond_cap, severity);
    return;
  }
  Finding f;
  f.id = std::move(id);
  f.severity = severity;
  f.title = std::move(title);
  f.path = path_;
  f.member = member;
  f.offset = offset;
  f.detail = std::move(detail);
  f.evidence = std::move(evidence);
  findings_.push_back(std::move(f));
}

void ScanContext::EnqueueChild(const Blob& parent, const std::string& name, ByteView bytes,
                               std::shared_ptr<const std::vector<std::uint8_t>> owner, std::string role) {
  std::string member = JoinMember(parent.member, name);
  if (parent.depth + 1 > limits_.max_nesting_depth) {
    Report("CONTAINER-DEPTH-LIMIT", Severity::kHigh, "Containers nested deeper than the scanner follows",
           member, std::nullopt,
           "This member sits more than " + std::to_string(limits_.max_nesting_depth) +
               " containers deep. Its bytes were not analysed. Benign models do not nest archives this "
               "deeply; deep nesting is a known way to hide a payload from scanners.",
           {{"depth", std::to_string(parent.depth + 1)}});
    return;
  }
  Blob child;
  child.bytes = bytes;
  child.owner = owner ? std::move(owner) : parent.owner;
  child.member = std::move(member);
  child.depth = parent.depth + 1;
  child.role = std::move(role);
  queue_.push_back(std::move(child));
}

bool ScanContext::ChargeDecompressed(std::uint64_t n, const Blob& at) {
  if (n > DecompressionBudget()) {
    decompressed_ = limits_.max_decompressed_bytes;
    if (!decompression_reported_) {
      decompression_reported_ = true;
      Report("CONTAINER-DECOMPRESSION-LIMIT", Severity::kHigh,
             "Decompressed size exceeds the scanner's budget", at.member, std::nullopt,
             "Expanding this file's compressed members would exceed " +
                 std::to_string(limits_.max_decompressed_bytes) +
                 " bytes, so the rest was not analysed. This is either a very large model or a "
                 "decompression bomb; either way the unread part is not known to be clean.",
             {{"budget_bytes", std::to_string(limits_.max_decompressed_bytes)}});
    }
    return false;
  }
  decompressed_ += n;
  return true;
}

std::uint64_t ScanContext::DecompressionBudget() const {
  return limits_.max_decompressed_bytes - std::min(decompressed_, limits_.max_decompressed_bytes);
}

bool ScanContext::OutOfTime() const {
  if (limits_.max_millis_per_file == 0) return false;
  auto elapsed = std::chrono::steady_clock::now() - start_;
  return elapsed > std::chrono::milliseconds(limits_.max_millis_per_file);
}

Blob ScanContext::PopPending() {
  Blob b = std::move(queue_.front());
  queue_.pop_front();
  return b;
}

std::vector<Finding> ScanContext::TakeFindings() {
  for (const auto& [id, n] : per_id_count_) {
    if (n.count > limits_.max_findings_per_file) {
      Finding* first = nullptr;
      Severity stored = Severity::kInfo;
      for (Finding& f : findings_) {
        if (f.id != id) continue;
        if (first == nullptr) first = &f;
        stored = std::max(stored, f.severity);
      }
      if (first != nullptr && stored < n.beyond_cap) first->severity = n.beyond_cap;
      Report("REPORT-FINDINGS-CAPPED", Severity::kInfo, "More findings of one kind than are listed", "",
             std::nullopt,
             id + " occurred " + std::to_string(n.count) + " times; the first " +
                 std::to_string(limits_.max_findings_per_file) + " are listed.",
             {{"id", id}, {"count", std::to_string(n.count)}});
    }
  }
  std::stable_sort(findings_.begin(), findings_.end(),
                   [](const Finding& a, const Finding& b) { return a.severity > b.severity; });
  return std::move(findings_);
}

}  // namespace modelgate
