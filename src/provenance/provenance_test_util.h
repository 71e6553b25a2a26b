// Test helpers for the provenance tests: fixture paths, whole-file reads and
// scratch model folders that clean up after themselves.
#ifndef MODELGATE_PROVENANCE_PROVENANCE_TEST_UTIL_H_
#define MODELGATE_PROVENANCE_PROVENANCE_TEST_UTIL_H_

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

namespace modelgate::provenance::testing {

inline std::filesystem::path Fixture(const std::string& rel) {
  return std::filesystem::path(MODELGATE_SOURCE_DIR) / "tests/fixtures/provenance" / rel;
}

inline std::string ReadAll(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void WriteAll(const std::filesystem::path& p, const std::string& text) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

// A fresh folder under the system temp dir, removed on destruction.
class ScratchDir {
 public:
  ScratchDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() / ("mg-prov-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace modelgate::provenance::testing

#endif  // MODELGATE_PROVENANCE_PROVENANCE_TEST_UTIL_H_
