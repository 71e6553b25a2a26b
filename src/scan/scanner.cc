// The scanner: walks paths, maps each file, routes every blob by content and
// drains the per-file work queue. Folders are walked with an explicit stack;
// symlinks are reported and never followed; files are scanned in parallel
// (one file per task, results kept in path order).
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <thread>

#include "formats/pickle/pickle_machine.h"
#include "formats/routing/content_type.h"
#include "modelgate/mapped_file.h"
#include "modelgate/policy.h"
#include "modelgate/scan.h"
#include "scan/analyzers.h"

namespace modelgate {

namespace {

namespace fs = std::filesystem;

// Roles whose bytes the real loader unpickles whatever they look like.
bool RoleForcesPickle(const std::string& role) {
  return role == "torch-data-pkl" || role == "torchscript-constants" || role == "npy-object-array" ||
         role == "nested-pickle" || role == "torch-legacy-tar" || role == "torch-legacy-tar-storages" ||
         role == "torch-legacy-tar-tensors";
}

void ReportPolyglot(const Blob& blob, ScanContext& ctx, const char* first, const char* second) {
  ctx.Report("FILE-POLYGLOT", Severity::kHigh, std::string("Bytes are both a ") + first + " and a " + second,
             blob.member, 0,
             std::string("torch.load decides by the first four bytes while zipfile and miniz search for the ZIP "
                         "directory from the end, so different loaders (and scanners) see different content. "
                         "Both views were analysed. No model library writes such files."),
             {{"views", std::string(first) + "," + second}});
}

void Route(const Blob& blob, ContentType type, ScanContext& ctx, bool top_level) {
  if (RoleForcesPickle(blob.role) && type != ContentType::kPickle) {
    // torch.load of nested bytes accepts a zip; everything else is unpickled as is.
    bool nested_archive = blob.role == "nested-pickle" && type == ContentType::kZip;
    if (!nested_archive && type != ContentType::kEmpty) type = ContentType::kPickle;
  }
  if (blob.role == "call-argument" && type != ContentType::kPickle && type != ContentType::kZip) return;
  if (blob.role == "keras-config") {
    AnalyzeKerasConfig(blob, ctx);
    return;
  }
  if (top_level && !blob.role.empty()) {
    // A file a model-repository loader opens by name (config.json, *.py ...).
    AnalyzeRepositoryFile(blob, ctx);
    if (type == ContentType::kText || type == ContentType::kUnknown || type == ContentType::kEmpty) return;
  }
  switch (type) {
    case ContentType::kPickle:
      AnalyzePickle(blob, ctx);
      if (top_level && HasZipEndRecord(blob.bytes)) {
        ReportPolyglot(blob, ctx, "pickle", "ZIP archive");
        AnalyzeZip(blob, ctx);
      }
      return;
    case ContentType::kZip: {
      AnalyzeZip(blob, ctx);
      bool local_magic = blob.bytes.size() >= 4 && std::memcmp(blob.bytes.data(), "PK\x03\x04", 4) == 0;
      if (!local_magic && pickle::LooksLikePickle(blob.bytes)) {
        ReportPolyglot(blob, ctx, "ZIP archive", "pickle");
        AnalyzePickle(blob, ctx);
      }
      return;
    }
    case ContentType::kNpy: AnalyzeNpy(blob, ctx); return;
    case ContentType::kTar:
    case ContentType::kGzip:
    case ContentType::kBzip2:
    case ContentType::kXz:
    case ContentType::kLzmaAlone:
    case ContentType::kZlib:
    case ContentType::kZstd:
    case ContentType::kSevenZip: AnalyzeArchive(blob, ctx); return;
    case ContentType::kSafetensors: AnalyzeSafetensors(blob, ctx); return;
    case ContentType::kGguf: AnalyzeGguf(blob, ctx); return;
    case ContentType::kHdf5: AnalyzeHdf5(blob, ctx); return;
    case ContentType::kOnnx: AnalyzeOnnx(blob, ctx); return;
    case ContentType::kTensorflow: AnalyzeTensorflow(blob, ctx); return;
    case ContentType::kLfsPointer: AnalyzeLfsPointer(blob, ctx); return;
    case ContentType::kEmpty:
      if (top_level) {
        ctx.Report("FILE-EMPTY", Severity::kInfo, "Empty file", blob.member, std::nullopt, "The file has no bytes.");
      }
      return;
    case ContentType::kText:
    case ContentType::kUnknown:
      if (top_level) {
        ctx.Report("FILE-UNRECOGNISED", Severity::kInfo,
                   type == ContentType::kText ? "Text file, not a model format" : "Unrecognised binary format",
                   blob.member, std::nullopt,
                   "No model format was recognised in the bytes, so nothing in this file was analysed as a "
                   "model. If a loader is known to read it, report the format.",
                   {{"kind", std::string(ContentTypeName(type))}});
      }
      return;
  }
}

struct WorkItem {
  std::string path;
  // Set for entries reported without opening (symlinks, special files).
  std::string preset_format;
  std::vector<Finding> preset_findings;
};

Finding MakeFinding(const std::string& path, std::string id, Severity sev, std::string title, std::string detail,
                    std::vector<std::pair<std::string, std::string>> evidence = {}) {
  Finding f;
  f.id = std::move(id);
  f.severity = sev;
  f.title = std::move(title);
  f.path = path;
  f.detail = std::move(detail);
  f.evidence = std::move(evidence);
  return f;
}

bool Within(const fs::path& root, const fs::path& p) {
  auto r = root.begin(), q = p.begin();
  for (; r != root.end(); ++r, ++q) {
    if (q == p.end() || *r != *q) return false;
  }
  return true;
}

WorkItem SymlinkItem(const std::string& path, const fs::path& canon_root) {
  WorkItem w;
  w.path = path;
  w.preset_format = "symlink";
  std::error_code ec;
  fs::path target = fs::read_symlink(path, ec);
  fs::path resolved = fs::weakly_canonical(path, ec);
  bool inside = !ec && Within(canon_root, resolved);
  w.preset_findings.push_back(MakeFinding(
      path, inside ? "FILE-SYMLINK" : "FILE-SYMLINK-OUTSIDE", inside ? Severity::kInfo : Severity::kMedium,
      inside ? "Symbolic link (not followed)" : "Symbolic link pointing outside the scanned folder",
      inside ? "The link was not followed; its target inside the folder is scanned on its own."
             : "Loaders that open this path read a file outside the model folder (" + target.string() +
                   "), which was not scanned. Model repositories have no reason to link outside themselves.",
      {{"target", target.string()}}));
  return w;
}

// Walks `root` (a folder) with an explicit stack; appends files in sorted
// order. Uses readdir's d_type so a folder of thousands of files costs no
// stat call per file (lstat only where the file system does not say).
void WalkFolder(const std::string& root, std::vector<WorkItem>* out) {
  std::error_code ec;
  fs::path canon_root = fs::weakly_canonical(root, ec);
  std::vector<std::string> stack{root};
  std::vector<WorkItem> items;
  while (!stack.empty()) {
    std::string dir = std::move(stack.back());
    stack.pop_back();
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) {
      WorkItem w;
      w.path = dir;
      w.preset_format = "folder";
      w.preset_findings.push_back(MakeFinding(w.path, "FILE-UNREADABLE", Severity::kHigh, "Folder cannot be read",
                                              "The folder could not be listed (" + std::string(std::strerror(errno)) +
                                                  "); its content was not scanned."));
      items.push_back(std::move(w));
      continue;
    }
    std::string prefix = dir.empty() || dir.back() == '/' ? dir : dir + "/";
    while (const dirent* e = ::readdir(d)) {
      std::string_view name = e->d_name;
      if (name == "." || name == "..") continue;
      std::string p = prefix + std::string(name);
      unsigned char type = e->d_type;
      if (type == DT_UNKNOWN) {
        struct stat st;
        if (::lstat(p.c_str(), &st) != 0) continue;
        type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISLNK(st.st_mode) ? DT_LNK : S_ISREG(st.st_mode) ? DT_REG : DT_FIFO;
      }
      if (type == DT_DIR) {
        stack.push_back(std::move(p));
      } else if (type == DT_LNK) {
        items.push_back(SymlinkItem(p, canon_root));
      } else if (type == DT_REG) {
        items.push_back(WorkItem{std::move(p), "", {}});
      } else {
        WorkItem w;
        w.path = std::move(p);
        w.preset_format = "special";
        w.preset_findings.push_back(MakeFinding(w.path, "FILE-SPECIAL", Severity::kLow,
                                                "Not a regular file (device, FIFO or socket)",
                                                "Special files are not opened by the scanner."));
        items.push_back(std::move(w));
      }
    }
    ::closedir(d);
  }
  std::sort(items.begin(), items.end(), [](const WorkItem& a, const WorkItem& b) { return a.path < b.path; });
  for (auto& w : items) out->push_back(std::move(w));
}

FileReport ScanOne(const WorkItem& item, const ScanOptions& options) {
  if (!item.preset_format.empty()) {
    FileReport r;
    r.path = item.path;
    r.format = item.preset_format;
    r.findings = item.preset_findings;
    return r;
  }
  auto file = MappedFile::Open(item.path);
  if (!file.ok()) {
    FileReport r;
    r.path = item.path;
    r.format = "unreadable";
    r.findings.push_back(MakeFinding(item.path, "FILE-UNREADABLE", Severity::kHigh, "File cannot be read",
                                     file.status().ToString() + ". Its content was not scanned."));
    return r;
  }
  return ScanBytes(file.value()->bytes(), item.path, options);
}

}  // namespace

FileReport ScanBytes(ByteView bytes, const std::string& display_path, const ScanOptions& options) {
  const Policy& policy = options.policy ? *options.policy : Policy::Builtin();
  ScanContext ctx(display_path, options.limits, policy);
  FileReport report;
  report.path = display_path;
  report.size = bytes.size();
  ContentType type = DetectContentType(bytes);
  report.format = std::string(ContentTypeName(type));
  Blob root;
  root.bytes = bytes;
  root.role = RepositoryRoleFor(display_path);
  Route(root, type, ctx, true);
  while (ctx.HasPending()) {
    if (ctx.OutOfTime()) {
      ctx.Report("SCAN-TIME-LIMIT", Severity::kHigh, "Time budget for this file spent; not fully analysed", "",
                 std::nullopt,
                 "The scan stopped after " + std::to_string(options.limits.max_millis_per_file) +
                     " ms with members still queued, so the file is not known to be clean.");
      break;
    }
    Blob b = ctx.PopPending();
    Route(b, DetectContentType(b.bytes, Probe::kMember), ctx, false);
  }
  report.findings = ctx.TakeFindings();
  return report;
}

Result<ScanReport> ScanPaths(const std::vector<std::string>& paths, const ScanOptions& options,
                             const ScanProgress& progress) {
  auto start = std::chrono::steady_clock::now();
  std::vector<WorkItem> items;
  std::vector<std::pair<std::string, std::pair<std::size_t, std::size_t>>> folders;  // root, [first, last)
  for (const std::string& p : paths) {
    struct stat st;
    if (::stat(p.c_str(), &st) != 0) return Status::IOError(p + ": " + std::strerror(errno));
    if (S_ISDIR(st.st_mode)) {
      std::size_t first = items.size();
      WalkFolder(p, &items);
      folders.push_back({p, {first, items.size()}});
    } else {
      items.push_back(WorkItem{p, "", {}});
    }
  }
  ScanReport report;
  report.files.resize(items.size());
  unsigned jobs = options.jobs ? options.jobs : std::max(1u, std::thread::hardware_concurrency());
  jobs = std::min<unsigned>(jobs, static_cast<unsigned>(std::max<std::size_t>(1, items.size())));
  std::atomic<std::size_t> next{0};
  std::size_t done = 0;
  std::mutex progress_mu;
  auto worker = [&] {
    for (;;) {
      std::size_t i = next.fetch_add(1);
      if (i >= items.size()) return;
      report.files[i] = ScanOne(items[i], options);
      if (progress) {
        std::lock_guard<std::mutex> lock(progress_mu);
        progress(++done, items.size());
      }
    }
  };
  if (jobs <= 1) {
    worker();
  } else {
    std::vector<std::thread> threads;
    for (unsigned k = 0; k < jobs; ++k) threads.emplace_back(worker);
    for (auto& t : threads) t.join();
  }
  for (const auto& [root, range] : folders) {
    std::vector<FileReport> under(std::make_move_iterator(report.files.begin() + range.first),
                                  std::make_move_iterator(report.files.begin() + range.second));
    AnalyzeRepositoryFolder(root, under);
    std::move(under.begin(), under.end(), report.files.begin() + range.first);
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace modelgate
