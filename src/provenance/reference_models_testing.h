// Test support (header-only, used by *_test.cc): the fixture models of the
// OMS reference implementation, rebuilt exactly as its tests/conftest.py and
// tests/test_support.py build them (sigstore/model-transparency e3430730),
// under the names its statement goldens record as subject names.
#ifndef MODELGATE_PROVENANCE_REFERENCE_MODELS_TESTING_H_
#define MODELGATE_PROVENANCE_REFERENCE_MODELS_TESTING_H_

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace modelgate::provenance::testing {

inline constexpr std::string_view kKnownModelText = "This is a simple model";

// The fixture names of test_support.all_test_models.
inline const std::vector<std::string>& AllReferenceModels() {
  static const std::vector<std::string> kModels = {
      "sample_model_file",  "sample_model_folder",          "deep_model_folder",    "empty_model_file",
      "empty_model_folder", "model_folder_with_empty_file", "symlink_model_folder",
  };
  return kModels;
}

// A temporary folder removed (with its contents) on destruction.
class TempDir {
 public:
  TempDir() {
    const char* base = getenv("TMPDIR");
    std::string templ = std::string(base && *base ? base : "/tmp") + "/modelgate-prov-XXXXXX";
    if (mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = templ;
  }
  ~TempDir() {
    std::error_code ec;
    // Restore permissions a test may have removed, then delete.
    for (auto it = std::filesystem::recursive_directory_iterator(path_, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_directory(ec) && !it->is_symlink(ec)) {
        std::filesystem::permissions(it->path(), std::filesystem::perms::owner_all,
                                     std::filesystem::perm_options::add, ec);
      }
    }
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline void WriteFile(const std::filesystem::path& path, std::string_view bytes) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

inline std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Builds fixture `name` under `dir` and returns the model path. Subject
// names in the reference's statement goldens: file_model, empty_file_model,
// sample_model, empty_folder_model, empty_file_inside_model, deep_model,
// symlink_model.
inline std::filesystem::path MakeReferenceModel(const std::string& name, const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  if (name == "sample_model_file") {
    fs::path file = dir / "file_model";
    WriteFile(file, kKnownModelText);
    return file;
  }
  if (name == "empty_model_file") {
    fs::path file = dir / "empty_file_model";
    WriteFile(file, "");
    return file;
  }
  if (name == "sample_model_folder") {
    fs::path root = dir / "sample_model";
    fs::create_directories(root);
    for (int i = 0; i < 2; ++i) {
      for (int j = 0; j < 3; ++j) {
        const std::string f = "f" + std::to_string(i) + std::to_string(j);
        WriteFile(root / ("d" + std::to_string(i)) / f, "This is file " + f + " in d" + std::to_string(i) + ".");
      }
    }
    for (int i = 0; i < 4; ++i) {
      WriteFile(root / ("f" + std::to_string(i)), "This is file f" + std::to_string(i) + " in root.");
    }
    return root;
  }
  if (name == "empty_model_folder") {
    fs::path root = dir / "empty_folder_model";
    fs::create_directories(root);
    return root;
  }
  if (name == "model_folder_with_empty_file") {
    fs::path root = dir / "empty_file_inside_model";
    WriteFile(root / "empty_file", "");
    return root;
  }
  if (name == "deep_model_folder") {
    fs::path root = dir / "deep_model";
    fs::path current = root;
    for (int i = 0; i < 5; ++i) current /= "d" + std::to_string(i);
    fs::create_directories(current);
    for (int i = 0; i < 4; ++i) WriteFile(current / ("f" + std::to_string(i)), "This is file f" + std::to_string(i) + ".");
    return root;
  }
  if (name == "symlink_model_folder") {
    fs::path external = dir / "external" / "file";
    WriteFile(external, kKnownModelText);
    fs::path root = dir / "symlink_model";
    fs::create_directories(root);
    fs::create_symlink(fs::absolute(external), root / "symlink_file");
    return root;
  }
  throw std::runtime_error("unknown reference model " + name);
}

}  // namespace modelgate::provenance::testing

#endif  // MODELGATE_PROVENANCE_REFERENCE_MODELS_TESTING_H_
