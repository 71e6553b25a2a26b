// CollectModelFacts: the walk, the per-file work (hash + format facts, in
// parallel), the root files (config.json, README.md), the scan and the
// signature's presence.
#include "provenance/bom/model_facts.h"

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <functional>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>

#include "modelgate/mapped_file.h"
#include "modelgate/scan.h"
#include "provenance/bom/signature_facts.h"
#include "provenance/manifest.h"

namespace modelgate::provenance::bom {
namespace fs = std::filesystem;
namespace {

Status ReadFacts(const fs::path& disk_path, const Limits& limits, FileFacts* file) {
  Result<std::unique_ptr<MappedFile>> mapped = MappedFile::Open(disk_path.string());
  if (!mapped.ok()) return mapped.status();
  ByteView bytes = mapped.value()->bytes();
  if (bytes.size() != file->size) {
    return Status::IOError(disk_path.string() + ": changed while the BOM was being made (size differs)");
  }
  ReadFormatFacts(bytes, limits, file);
  return Status::Ok();
}

// Runs fn(i) for i in [0, n) on up to `jobs` threads; returns the first error
// by index so the message does not depend on scheduling.
Status ParallelFor(std::size_t n, unsigned jobs, const std::function<Status(std::size_t)>& fn,
                   const FactsProgress& progress) {
  std::vector<Status> results(n);
  std::atomic<std::size_t> next{0};
  std::mutex mu;
  std::size_t done = 0;
  auto worker = [&] {
    for (std::size_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) {
      results[i] = fn(i);
      if (progress) {
        std::lock_guard<std::mutex> lock(mu);
        progress(++done, n);
      }
    }
  };
  unsigned threads = jobs ? jobs : std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<std::size_t>(threads, std::max<std::size_t>(n, 1)));
  if (threads <= 1) {
    worker();
  } else {
    std::vector<std::thread> pool;
    for (unsigned k = 0; k < threads; ++k) pool.emplace_back(worker);
    for (std::thread& t : pool) t.join();
  }
  for (Status& s : results) {
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

// A root file the BOM reads by name (config.json, README.md), if it is a
// regular file of bounded size. Symlinks are not followed.
std::optional<std::string> ReadRootFile(const fs::path& path, std::uint64_t max_bytes) {
  std::error_code ec;
  fs::file_status st = fs::symlink_status(path, ec);
  if (ec || !fs::is_regular_file(st)) return std::nullopt;
  Result<std::unique_ptr<MappedFile>> mapped = MappedFile::Open(path.string());
  if (!mapped.ok()) return std::nullopt;
  std::string_view text = AsStringView(mapped.value()->bytes());
  if (text.size() > max_bytes) text = text.substr(0, max_bytes);
  return std::string(text);
}

void SummariseScan(const ScanReport& report, const fs::path& model, bool single_file, ModelFacts* facts) {
  facts->scan.ran = true;
  std::string root = model.string();
  std::string prefix = root.empty() || root.back() == '/' ? root : root + "/";
  std::set<std::string> ids;
  std::unordered_map<std::string, FileFacts*> by_path;
  for (FileFacts& f : facts->files) by_path[f.path] = &f;
  for (const FileReport& r : report.files) {
    for (const Finding& finding : r.findings) {
      ++facts->scan.by_severity[static_cast<std::size_t>(finding.severity)];
      ids.insert(finding.id);
      if (!facts->scan.highest || finding.severity > *facts->scan.highest) facts->scan.highest = finding.severity;
    }
    std::string rel = single_file ? facts->name
                      : r.path.compare(0, prefix.size(), prefix) == 0 ? r.path.substr(prefix.size())
                                                                       : r.path;
    auto it = by_path.find(rel);
    if (it == by_path.end()) continue;  // symlinks, special files, ignored paths: counted above only
    FileFacts* f = it->second;
    f->scanned = true;
    f->scan_format = r.format;
    f->findings = r.findings.size();
    if (!r.findings.empty()) f->highest = r.MaxSeverity();
  }
  facts->scan.finding_ids.assign(ids.begin(), ids.end());
}

std::string JoinNames(const char* label, const std::vector<std::string>& names) {
  if (names.empty()) return "";
  std::string out = std::string(label) + ": ";
  for (std::size_t i = 0; i < names.size() && i < 8; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > 8) out += ", ... (" + std::to_string(names.size()) + ")";
  return out;
}

// Reads model.sig and compares what it signed with `actual`. Not a
// verification: nothing cryptographic is checked.
void CompareWithSignature(const fs::path& sig, const Manifest& actual, const Limits& limits, SignatureFacts* out) {
  Result<std::unique_ptr<MappedFile>> mapped = MappedFile::Open(sig.string());
  if (!mapped.ok()) {
    out->status = "unreadable: " + mapped.status().message();
    return;
  }
  Result<ParsedStatement> statement = ReadSignedStatement(mapped.value()->bytes(), limits);
  if (!statement.ok()) {
    out->status = "unreadable: " + statement.status().message();
    return;
  }
  out->signed_root_digest_hex = ToHex(statement.value().subject_digest);
  const SerializationOptions& signed_as = statement.value().manifest.serialization;
  if (signed_as.method != SerializationMethod::kFiles || signed_as.hash != HashAlgorithm::kSha256) {
    out->status = std::string("signed as ") + (signed_as.method == SerializationMethod::kFiles ? "files" : "shards") +
                  "/" + std::string(HashAlgorithmName(signed_as.hash)) +
                  ": digests not compared, signature not verified (run modelgate verify)";
    return;
  }
  ManifestDifference diff = CompareManifests(statement.value().manifest, actual);
  if (diff.empty() && statement.value().subject_digest == actual.RootDigest()) {
    out->status = "digest matches, signature not verified (run modelgate verify)";
    return;
  }
  std::string what;
  for (const std::string& part : {JoinNames("changed", diff.changed), JoinNames("added", diff.added),
                                  JoinNames("missing", diff.missing)}) {
    if (!part.empty()) what += (what.empty() ? "" : "; ") + part;
  }
  out->status = "digest differs" + (what.empty() ? std::string() : " (" + what + ")") +
                ", signature not verified (run modelgate verify)";
}

}  // namespace

std::uint64_t ModelFacts::TotalTensors() const {
  std::uint64_t n = 0;
  for (const FileFacts& f : files) n += f.tensors.known ? f.tensors.tensors : 0;
  return n;
}

std::optional<std::uint64_t> ModelFacts::TotalParameters() const {
  std::optional<std::uint64_t> total;
  for (const FileFacts& f : files) {
    if (!f.tensors.known) continue;
    if (!f.tensors.parameters) return std::nullopt;
    std::uint64_t sum = total.value_or(0);
    if (sum > UINT64_MAX - *f.tensors.parameters) return std::nullopt;
    total = sum + *f.tensors.parameters;
  }
  return total;
}

std::vector<std::string> ModelFacts::AllDtypes() const {
  std::set<std::string> all;
  for (const FileFacts& f : files) all.insert(f.tensors.dtypes.begin(), f.tensors.dtypes.end());
  return {all.begin(), all.end()};
}

std::uint64_t ModelFacts::TotalSize() const {
  std::uint64_t n = 0;
  for (const FileFacts& f : files) n += f.size;
  return n;
}

Result<ModelFacts> CollectModelFacts(const fs::path& model, const CollectOptions& options,
                                     const FactsProgress& progress) {
  std::error_code ec;
  fs::file_status st = fs::status(model, ec);
  if (ec || !fs::exists(st)) return Status::IOError(model.string() + ": " + (ec ? ec.message() : "not found"));
  if (!fs::is_regular_file(st) && !fs::is_directory(st)) {
    return Status::InvalidArgument(model.string() + ": neither a regular file nor a folder");
  }
  // The signature manifest decides which files there are and their digests,
  // so the BOM lists exactly what `modelgate sign` signs.
  SerializationOptions serialization;
  serialization.allow_symlinks = options.allow_symlinks;
  serialization.threads = options.jobs;
  if (fs::is_directory(st)) serialization.ignore_paths.push_back(kSignatureFileName);
  Result<Manifest> manifest = BuildManifest(model, serialization, options.limits);
  if (!manifest.ok()) return manifest.status();

  ModelFacts facts;
  facts.name = manifest.value().model_name;
  facts.single_file = fs::is_regular_file(st);
  facts.root_digest_hex = ToHex(manifest.value().RootDigest());
  facts.manifest_warnings = manifest.value().warnings;
  std::vector<fs::path> disk_paths;
  for (const Resource& r : manifest.value().resources) {
    FileFacts& file = facts.files.emplace_back();
    // A single-file model's resource is "."; the BOM names the file.
    file.path = facts.single_file ? facts.name : r.name;
    file.sha256_hex = ToHex(r.digest);
    disk_paths.push_back(facts.single_file ? model : model / r.name);
    std::uintmax_t size = fs::file_size(disk_paths.back(), ec);
    if (ec) return Status::IOError(disk_paths.back().string() + ": " + ec.message());
    file.size = size;
  }
  MODELGATE_RETURN_IF_ERROR(ParallelFor(
      facts.files.size(), options.jobs,
      [&](std::size_t i) { return ReadFacts(disk_paths[i], options.limits, &facts.files[i]); }, progress));

  if (!facts.single_file) {
    if (auto config = ReadRootFile(model / "config.json", options.limits.max_repo_config_bytes + 1)) {
      facts.config = ReadConfigFacts(AsBytes(*config), options.limits);
    }
    if (auto readme = ReadRootFile(model / "README.md", std::uint64_t{16} << 20)) {
      facts.card = repo::ReadModelCard(*readme, options.limits);
      facts.has_card = facts.card.has_front_matter;
    }
  }

  fs::path sig = facts.single_file ? model.parent_path() / kSignatureFileName : model / kSignatureFileName;
  facts.signature.path = kSignatureFileName;
  facts.signature.present = fs::is_regular_file(fs::symlink_status(sig, ec));
  if (facts.signature.present) CompareWithSignature(sig, manifest.value(), options.limits, &facts.signature);

  if (options.scan) {
    ScanOptions scan_options;
    scan_options.limits = options.limits;
    scan_options.jobs = options.jobs;
    Result<ScanReport> report = ScanPaths({model.string()}, scan_options);
    if (!report.ok()) return report.status();
    SummariseScan(report.value(), model, facts.single_file, &facts);
  }
  return facts;
}

}  // namespace modelgate::provenance::bom
