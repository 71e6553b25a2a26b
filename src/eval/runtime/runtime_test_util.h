// Test helpers for the runtime: the committed PyTorch fixtures
// (scripts/eval_models/make_runtime_fixtures.py) and a safetensors writer
// for damaged copies of them.
#ifndef MODELGATE_EVAL_RUNTIME_RUNTIME_TEST_UTIL_H_
#define MODELGATE_EVAL_RUNTIME_RUNTIME_TEST_UTIL_H_

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

namespace modelgate::eval::testing {

inline std::string FixtureDir(const std::string& name) {
  return std::string(MODELGATE_SOURCE_DIR) + "/tests/fixtures/eval/runtime/" + name;
}

inline std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline nlohmann::json Reference(const std::string& name) {
  return nlohmann::json::parse(ReadText(FixtureDir(name) + "/reference.json"));
}

struct NamedTensor {
  std::string name;
  std::vector<std::uint64_t> shape;
  std::vector<float> values;
};

// Writes an f32 safetensors file (u64 header length, JSON header, data).
inline void WriteSafetensors(const std::string& path, const std::vector<NamedTensor>& tensors) {
  nlohmann::json header = nlohmann::json::object();
  std::uint64_t offset = 0;
  for (const NamedTensor& t : tensors) {
    header[t.name] = {{"dtype", "F32"}, {"shape", t.shape}, {"data_offsets", {offset, offset + 4 * t.values.size()}}};
    offset += 4 * t.values.size();
  }
  std::string h = header.dump();
  h.append((8 - h.size() % 8) % 8, ' ');
  std::ofstream out(path, std::ios::binary);
  const std::uint64_t n = h.size();
  out.write(reinterpret_cast<const char*>(&n), 8);
  out << h;
  for (const NamedTensor& t : tensors) out.write(reinterpret_cast<const char*>(t.values.data()), static_cast<std::streamsize>(4 * t.values.size()));
}

// A fresh temporary folder holding a copy of `config_json` as config.json.
inline std::string TempModelDir(const std::string& tag, const std::string& config_json) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / ("modelgate_runtime_" + tag + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "config.json") << config_json;
  return dir.string();
}

}  // namespace modelgate::eval::testing

#endif  // MODELGATE_EVAL_RUNTIME_RUNTIME_TEST_UTIL_H_
