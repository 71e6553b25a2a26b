// Fuzz target for offline Sigstore bundle verification: the input is bundle
// JSON; it is parsed (bounded), its envelope read, and its evidence verified
// against the public-good trusted root. The same bytes are also read as a
// trusted root. Nothing may crash; an accepted bundle must name the expected
// signer.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "provenance/sigstore/fuzz_trusted_root.h"
#include "provenance/sigstore/json_fields.h"
#include "provenance/sigstore/sigstore_verifier.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace modelgate;
  using namespace modelgate::provenance::sigstore;
  static const Limits limits = Limits::ForFuzzing();
  static const IdentityPolicy policy{"stefanb@us.ibm.com", "https://sigstore.verify.ibm.com/oauth2"};
  const TrustedRoot& root = FuzzTrustedRoot();
  std::string_view text(reinterpret_cast<const char*>(data), size);

  (void)TrustedRoot::Parse(text, limits);

  Result<nlohmann::json> bundle = ParseJsonBounded(text, limits.max_bundle_bytes, limits, "bundle");
  if (!bundle.ok()) return 0;
  Result<DsseView> view = DsseViewFromBundle(bundle.value(), limits);
  DsseView envelope = view.ok() ? view.value() : DsseView{};
  Result<provenance::Certificate> leaf = VerifySigstoreEvidence(bundle.value(), root, policy, envelope, limits);
  if (leaf.ok()) {
    bool named = false;
    for (const std::string& san : leaf->SubjectAlternativeNames()) named = named || san == policy.san;
    if (!named) std::abort();
  }
  return 0;
}
