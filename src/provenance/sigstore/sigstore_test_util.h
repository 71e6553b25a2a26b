// Shared fixtures for the Sigstore tests (tests/fixtures/provenance/sigstore).
#ifndef MODELGATE_PROVENANCE_SIGSTORE_SIGSTORE_TEST_UTIL_H_
#define MODELGATE_PROVENANCE_SIGSTORE_SIGSTORE_TEST_UTIL_H_

#include <fstream>
#include <iterator>
#include <string>

#include <nlohmann/json.hpp>

namespace modelgate::provenance::sigstore::testing {

inline std::string ReadSigstoreFixture(const std::string& name) {
  std::ifstream in(std::string(MODELGATE_SOURCE_DIR) + "/tests/fixtures/provenance/sigstore/" + name,
                   std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline nlohmann::json ReadSigstoreJson(const std::string& name) {
  return nlohmann::json::parse(ReadSigstoreFixture(name), nullptr, false);
}

}  // namespace modelgate::provenance::sigstore::testing

#endif  // MODELGATE_PROVENANCE_SIGSTORE_SIGSTORE_TEST_UTIL_H_
