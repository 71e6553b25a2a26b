// Merkle inclusion proofs of RFC 6962 / RFC 9162 (SHA-256 trees), as the
// Rekor transparency log serves them.
//
// Leaf hash = SHA-256(0x00 || leaf), node hash = SHA-256(0x01 || left ||
// right). VerifyInclusion recomputes the root from a leaf hash, its index,
// the tree size and the audit path (RFC 9162 section 2.1.3.2) and compares.
//
// Thread safety: pure functions.
#ifndef MODELGATE_PROVENANCE_SIGSTORE_MERKLE_H_
#define MODELGATE_PROVENANCE_SIGSTORE_MERKLE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "modelgate/status.h"

namespace modelgate::provenance::sigstore {

std::string MerkleLeafHash(std::string_view leaf);
std::string MerkleNodeHash(std::string_view left, std::string_view right);

// Ok when `proof` (32-byte hashes) leads from `leaf_hash` at `index` to
// `root_hash` in a tree of `tree_size` leaves. Errors name the failure:
// "inclusion proof: index 7 is not below tree size 7", "inclusion proof:
// 3 hashes where the tree needs 4", "inclusion proof: computed root hash
// <hex> differs from <hex>".
Status VerifyInclusion(std::uint64_t index, std::uint64_t tree_size, std::string_view leaf_hash,
                       const std::vector<std::string>& proof, std::string_view root_hash);

}  // namespace modelgate::provenance::sigstore

#endif  // MODELGATE_PROVENANCE_SIGSTORE_MERKLE_H_
