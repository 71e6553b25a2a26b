// Git LFS pointer parser: see lfs_pointer.h.
#include "formats/repo/lfs_pointer.h"

#include <string_view>

namespace modelgate::repo {

Result<LfsPointer> ParseLfsPointer(ByteView bytes) {
  if (bytes.size() >= 1024) return Status::Corruption("pointer files are under 1024 bytes; this is " + std::to_string(bytes.size()));
  std::string_view text = AsStringView(bytes);
  if (text.empty() || text.back() != '\n') return Status::Corruption("missing final newline");
  LfsPointer p;
  std::string last_key;
  bool have_oid = false, have_size = false;
  std::size_t line_no = 0;
  while (!text.empty()) {
    std::size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol + 1);
    ++line_no;
    std::size_t sp = line.find(' ');
    if (sp == std::string_view::npos || sp == 0) return Status::Corruption("line " + std::to_string(line_no) + " is not 'key value'");
    std::string key(line.substr(0, sp));
    std::string_view value = line.substr(sp + 1);
    for (char c : key) {
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-')) {
        return Status::Corruption("bad key on line " + std::to_string(line_no));
      }
    }
    for (char c : value) {
      if (c == '\r' || static_cast<unsigned char>(c) < 0x20) return Status::Corruption("control byte on line " + std::to_string(line_no));
    }
    if (line_no == 1) {
      if (key != "version") return Status::Corruption("first line is not 'version'");
      if (value != "https://git-lfs.github.com/spec/v1" && value != "https://hawser.github.com/spec/v1") {
        return Status::Corruption("unknown spec version");
      }
      p.version = std::string(value);
      continue;
    }
    if (key <= last_key && !last_key.empty()) return Status::Corruption("keys out of order at '" + key + "'");
    last_key = key;
    if (key == "oid") {
      if (value.substr(0, 7) != "sha256:" || value.size() != 71) return Status::Corruption("oid is not sha256:<64 hex>");
      for (char c : value.substr(7)) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return Status::Corruption("oid is not lower-case hex");
      }
      p.oid = std::string(value.substr(7));
      have_oid = true;
    } else if (key == "size") {
      if (value.empty() || value.size() > 19 || (value.size() > 1 && value[0] == '0')) {
        return Status::Corruption("size is not a plain decimal");
      }
      std::uint64_t n = 0;
      for (char c : value) {
        if (c < '0' || c > '9') return Status::Corruption("size is not a plain decimal");
        n = n * 10 + static_cast<std::uint64_t>(c - '0');
      }
      p.size = n;
      have_size = true;
    } else if (key.rfind("ext-", 0) == 0) {
      p.extensions.push_back(std::string(line));
    } else {
      return Status::Corruption("unknown key '" + key + "'");
    }
  }
  if (p.version.empty() || !have_oid || !have_size) return Status::Corruption("version, oid and size are required");
  return p;
}

}  // namespace modelgate::repo
