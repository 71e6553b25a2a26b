// Test helpers for the provenance tests: fixture paths, plus (from
// reference_models_testing.h) whole-file reads and writes and temporary
// folders that clean up after themselves.
#ifndef MODELGATE_PROVENANCE_PROVENANCE_TEST_UTIL_H_
#define MODELGATE_PROVENANCE_PROVENANCE_TEST_UTIL_H_

#include <filesystem>
#include <string>

#include "provenance/reference_models_testing.h"

namespace modelgate::provenance::testing {

inline std::filesystem::path Fixture(const std::string& rel) {
  return std::filesystem::path(MODELGATE_SOURCE_DIR) / "tests/fixtures/provenance" / rel;
}

}  // namespace modelgate::provenance::testing

#endif  // MODELGATE_PROVENANCE_PROVENANCE_TEST_UTIL_H_
