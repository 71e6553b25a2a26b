#include "cli/provenance_cli_util.h"

#include <fstream>
#include <system_error>

#include "provenance/signer.h"

namespace modelgate::cli {

namespace fs = std::filesystem;

std::optional<std::string> ReadSmallFile(const fs::path& path, std::uint64_t max_bytes, std::string* error) {
  std::error_code ec;
  if (!fs::exists(path, ec) || fs::is_directory(path, ec)) {
    *error = "cannot read " + path.string() + ": not a readable file";
    return std::nullopt;
  }
  // Pipes (`--key <(pass show ...)`) are fine; the bound is on what is read,
  // never on what a stat() claims.
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = "cannot read " + path.string();
    return std::nullopt;
  }
  std::string text;
  char buffer[65536];
  while (in) {
    in.read(buffer, sizeof(buffer));
    text.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (text.size() > max_bytes) {
      *error = "cannot read " + path.string() + ": larger than " + std::to_string(max_bytes) + " bytes";
      return std::nullopt;
    }
  }
  if (in.bad()) {
    *error = "cannot read " + path.string();
    return std::nullopt;
  }
  return text;
}

bool ResolveIgnorePaths(const fs::path& model, const std::vector<std::string>& args, std::vector<std::string>* out,
                        std::string* error) {
  std::error_code ec;
  const bool folder = fs::is_directory(model, ec);
  for (const std::string& arg : args) {
    const fs::path p(arg);
    if (fs::exists(fs::symlink_status(p, ec))) {
      if (std::optional<std::string> rel = provenance::PathInsideModel(model, p)) {
        out->push_back(*rel);
        continue;
      }
      if (p.is_absolute() || !folder) {
        *error = "--ignore-paths " + arg + " is not inside the model " + model.string();
        return false;
      }
    }
    const fs::path rel = p.lexically_normal();
    if (rel.is_absolute() || rel.empty() || *rel.begin() == "..") {
      *error = "--ignore-paths " + arg + " is not inside the model " + model.string();
      return false;
    }
    std::string s = rel.generic_string();
    while (!s.empty() && s.back() == '/') s.pop_back();
    out->push_back(s);
  }
  return true;
}

bool WriteFileAtomically(const fs::path& path, const std::string& text, std::string* error) {
  fs::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) {
      *error = "cannot write " + tmp.string();
      return false;
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    *error = "cannot write " + path.string();
    return false;
  }
  return true;
}

}  // namespace modelgate::cli
