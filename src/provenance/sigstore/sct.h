// Certificate transparency for Fulcio certificates: the SCT Fulcio embeds in
// every leaf must be signed by a CT log of the trusted root (ctlogs).
//
// Thread safety: pure function.
#ifndef MODELGATE_PROVENANCE_SIGSTORE_SCT_H_
#define MODELGATE_PROVENANCE_SIGSTORE_SCT_H_

#include "modelgate/status.h"
#include "provenance/crypto.h"
#include "provenance/sigstore/trusted_root.h"

namespace modelgate::provenance::sigstore {

// Ok when `leaf` embeds at least one SCT, every SCT naming a CT log of
// `root` verifies with that log's key (SHA-256), and at least one does.
// `issuer` is the CA certificate that signed `leaf` (its key hash is part
// of the signed data). SCTs of logs the root does not list are ignored.
// Errors: "certificate transparency: no embedded SCT", "certificate
// transparency: SCT of log <hex> does not verify", "certificate
// transparency: no SCT from a CT log of the trusted root".
Status VerifyEmbeddedScts(const Certificate& leaf, const Certificate& issuer, const TrustedRoot& root);

}  // namespace modelgate::provenance::sigstore

#endif  // MODELGATE_PROVENANCE_SIGSTORE_SCT_H_
