// The trusted root the Sigstore fuzz targets verify against: the copy in
// tests/fixtures/provenance/sigstore, found from this source file's path
// (fuzz targets are built and run inside the source tree).
#ifndef MODELGATE_PROVENANCE_SIGSTORE_FUZZ_TRUSTED_ROOT_H_
#define MODELGATE_PROVENANCE_SIGSTORE_FUZZ_TRUSTED_ROOT_H_

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include "provenance/sigstore/trusted_root.h"

namespace modelgate::provenance::sigstore {

inline const TrustedRoot& FuzzTrustedRoot() {
  static const TrustedRoot root = [] {
    std::string here = __FILE__;
    std::string base = here.substr(0, here.rfind("src/provenance/sigstore/"));
    std::ifstream in(base + "tests/fixtures/provenance/sigstore/prod-trusted_root.json", std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), {});
    Result<TrustedRoot> parsed = TrustedRoot::Parse(text, Limits::ForFuzzing());
    if (!parsed.ok()) {
      std::fprintf(stderr, "fuzz: cannot load the trusted root under %s: %s\n", base.c_str(),
                   parsed.status().ToString().c_str());
      std::abort();
    }
    return std::move(parsed).value();
  }();
  return root;
}

}  // namespace modelgate::provenance::sigstore

#endif  // MODELGATE_PROVENANCE_SIGSTORE_FUZZ_TRUSTED_ROOT_H_
