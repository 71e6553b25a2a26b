#include "provenance/model_walk.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <set>
#include <utility>

#include "base/utf8.h"

namespace modelgate::provenance {

namespace fs = std::filesystem;

namespace {

std::string OsError(const fs::path& path, std::string_view what) {
  return path.string() + ": " + std::string(what) + ": " + std::strerror(errno);
}

FileIdentity IdentityOf(const struct stat& st) {
  FileIdentity id;
  id.size = static_cast<std::uint64_t>(st.st_size);
  id.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  id.ctime_ns = static_cast<std::int64_t>(st.st_ctim.tv_sec) * 1'000'000'000 + st.st_ctim.tv_nsec;
  id.inode = static_cast<std::uint64_t>(st.st_ino);
  id.device = static_cast<std::uint64_t>(st.st_dev);
  return id;
}

const char* KindName(mode_t mode) {
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  return "not a regular file or folder";
}

// realpath() as a string; empty when it cannot be resolved.
std::string Resolved(const fs::path& p) {
  std::unique_ptr<char, decltype(&std::free)> r(realpath(p.c_str(), nullptr), &std::free);
  return r ? std::string(r.get()) : std::string();
}

bool IsInside(const std::string& resolved, const std::string& root) {
  if (resolved == root) return true;
  if (root == "/") return !resolved.empty();
  return resolved.size() > root.size() && resolved.compare(0, root.size(), root) == 0 &&
         resolved[root.size()] == '/';
}

struct DirCloser {
  void operator()(DIR* d) const { closedir(d); }
};

struct Frame {
  fs::path dir;
  std::string rel;  // "" for the root
  std::uint32_t depth;
};

class Walker {
 public:
  Walker(const fs::path& root, const WalkOptions& options, const Limits& limits)
      : root_(root), options_(options), limits_(limits) {
    if (options_.ignore_git_paths) {
      for (const std::string& d : DefaultIgnorePaths()) ignores_.push_back(d);
    }
    for (const std::string& p : options_.ignore_paths) ignores_.push_back(p);
  }

  Result<ModelWalk> Run() {
    struct stat st;
    if (lstat(root_.c_str(), &st) != 0) return Status::IOError(OsError(root_, "cannot read model"));
    const bool root_is_link = S_ISLNK(st.st_mode);
    if (root_is_link) {
      if (!options_.allow_symlinks) {
        return Status::InvalidArgument(root_.string() + ": the model path is a symlink (allow symlinks to follow it)");
      }
      if (stat(root_.c_str(), &st) != 0) return Status::IOError(OsError(root_, "broken symlink"));
    }
    if (S_ISREG(st.st_mode)) {
      walk_.single_file = true;
      walk_.files.push_back(ModelFile{".", root_, IdentityOf(st), root_is_link});
      return std::move(walk_);
    }
    if (!S_ISDIR(st.st_mode)) {
      return Status::InvalidArgument(root_.string() + ": the model is " + KindName(st.st_mode));
    }
    root_resolved_ = Resolved(root_);
    visited_.insert({st.st_dev, st.st_ino});
    stack_.push_back(Frame{root_, "", 0});
    while (!stack_.empty()) {
      Frame frame = std::move(stack_.back());
      stack_.pop_back();
      MODELGATE_RETURN_IF_ERROR(ListDirectory(frame));
    }
    std::sort(walk_.files.begin(), walk_.files.end(),
              [](const ModelFile& a, const ModelFile& b) { return PathComponentsLess(a.name, b.name); });
    return std::move(walk_);
  }

 private:
  bool Ignored(const std::string& rel) const {
    return std::any_of(ignores_.begin(), ignores_.end(), [&](const std::string& ig) { return IsIgnoredBy(rel, ig); });
  }

  Status ListDirectory(const Frame& frame) {
    std::unique_ptr<DIR, DirCloser> dir(opendir(frame.dir.c_str()));
    if (!dir) return Status::IOError(OsError(frame.dir, "cannot list folder"));
    std::vector<std::string> names;
    for (;;) {
      errno = 0;
      const dirent* e = readdir(dir.get());
      if (e == nullptr) {
        if (errno != 0) return Status::IOError(OsError(frame.dir, "cannot list folder"));
        break;
      }
      const std::string_view name(e->d_name);
      if (name == "." || name == "..") continue;
      names.emplace_back(name);
    }
    for (const std::string& name : names) {
      if (++entries_ > static_cast<std::uint64_t>(limits_.max_model_files) * 2 + 1024) {
        return Status::LimitExceeded(root_.string() + ": more than " + std::to_string(limits_.max_model_files) +
                                     " files and folders in the model");
      }
      const std::string rel = frame.rel.empty() ? name : frame.rel + "/" + name;
      if (Ignored(rel)) continue;
      if (!IsValidUtf8(name)) {
        return Status::InvalidArgument(frame.dir.string() + ": a file name is not valid UTF-8 (" + HexName(name) +
                                       "); OMS names must be UTF-8");
      }
      MODELGATE_RETURN_IF_ERROR(Visit(frame, frame.dir / name, rel));
    }
    return Status::Ok();
  }

  static std::string HexName(const std::string& name) {
    std::string out;
    for (unsigned char c : name) {
      if (c >= 0x20 && c < 0x7f) {
        out += static_cast<char>(c);
      } else {
        static constexpr char kDigits[] = "0123456789abcdef";
        out += "\\x";
        out += kDigits[c >> 4];
        out += kDigits[c & 0xF];
      }
    }
    return out;
  }

  Status Visit(const Frame& frame, const fs::path& path, const std::string& rel) {
    struct stat st;
    if (lstat(path.c_str(), &st) != 0) return Status::IOError(OsError(path, "cannot read"));
    bool via_symlink = false;
    if (S_ISLNK(st.st_mode)) {
      if (!options_.allow_symlinks) {
        return Status::InvalidArgument(rel + ": is a symlink; symlinks are refused unless allowed (allow_symlinks)");
      }
      if (stat(path.c_str(), &st) != 0) return Status::IOError(OsError(path, "broken symlink " + rel));
      if (S_ISDIR(st.st_mode)) {
        return Status::InvalidArgument(rel + ": is a symlink to a folder; OMS implementations do not descend into "
                                       "linked folders, so its files could not be signed");
      }
      via_symlink = true;
      const std::string target = Resolved(path);
      if (!root_resolved_.empty() && !IsInside(target, root_resolved_)) {
        walk_.warnings.push_back(rel + ": symlink points outside the model (" + target + ")");
      }
    }
    if (S_ISREG(st.st_mode)) {
      if (walk_.files.size() >= limits_.max_model_files) {
        return Status::LimitExceeded(root_.string() + ": more than " + std::to_string(limits_.max_model_files) +
                                     " files in the model");
      }
      walk_.files.push_back(ModelFile{rel, path, IdentityOf(st), via_symlink});
      return Status::Ok();
    }
    if (S_ISDIR(st.st_mode)) {
      if (frame.depth + 1 > limits_.max_model_depth) {
        return Status::LimitExceeded(rel + ": folders nest deeper than " + std::to_string(limits_.max_model_depth) +
                                     " levels");
      }
      if (!visited_.insert({st.st_dev, st.st_ino}).second) {
        return Status::InvalidArgument(rel + ": folder was already visited (a cycle, e.g. a bind mount)");
      }
      stack_.push_back(Frame{path, rel, frame.depth + 1});
      return Status::Ok();
    }
    return Status::InvalidArgument(rel + ": is " + KindName(st.st_mode) + "; only regular files and folders are "
                                   "allowed in a model");
  }

  fs::path root_;
  const WalkOptions& options_;
  const Limits& limits_;
  std::vector<std::string> ignores_;
  std::string root_resolved_;
  std::set<std::pair<dev_t, ino_t>> visited_;
  std::vector<Frame> stack_;
  std::uint64_t entries_ = 0;
  ModelWalk walk_;
};

}  // namespace

const std::vector<std::string>& DefaultIgnorePaths() {
  static const std::vector<std::string> kDefaults = {".git", ".gitignore", ".gitattributes", ".github"};
  return kDefaults;
}

Result<std::string> NormalizeIgnorePath(std::string_view path) {
  if (path.empty()) return Status::InvalidArgument("ignore path is empty");
  if (path.front() == '/') {
    return Status::InvalidArgument("ignore path \"" + std::string(path) + "\" is absolute; use a path relative to the model");
  }
  if (path.find_first_of("*?[") != std::string_view::npos) {
    return Status::InvalidArgument("ignore path \"" + std::string(path) + "\" contains glob characters (* ? [)");
  }
  if (path.find('\0') != std::string_view::npos) {
    return Status::InvalidArgument("ignore path contains a NUL byte");
  }
  std::string out;
  std::size_t pos = 0;
  while (pos <= path.size()) {
    std::size_t next = path.find('/', pos);
    if (next == std::string_view::npos) next = path.size();
    const std::string_view part = path.substr(pos, next - pos);
    pos = next + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      return Status::InvalidArgument("ignore path \"" + std::string(path) + "\" leaves the model (\"..\")");
    }
    if (!out.empty()) out += '/';
    out += part;
  }
  if (out.empty()) return Status::InvalidArgument("ignore path \"" + std::string(path) + "\" names the model root");
  return out;
}

bool IsIgnoredBy(std::string_view name, std::string_view ignore) {
  if (name.size() < ignore.size() || name.compare(0, ignore.size(), ignore) != 0) return false;
  return name.size() == ignore.size() || name[ignore.size()] == '/';
}

bool PathComponentsLess(std::string_view a, std::string_view b) {
  // Comparing component lists equals comparing the strings with '/' ranked
  // below every other byte (a component never contains '/' or NUL).
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    unsigned char ca = static_cast<unsigned char>(a[i]);
    unsigned char cb = static_cast<unsigned char>(b[i]);
    if (ca == cb) continue;
    if (ca == '/') return true;
    if (cb == '/') return false;
    return ca < cb;
  }
  return a.size() < b.size();
}

Result<ModelWalk> WalkModel(const fs::path& model, const WalkOptions& options, const Limits& limits) {
  Walker walker(model, options, limits);
  return walker.Run();
}

}  // namespace modelgate::provenance
