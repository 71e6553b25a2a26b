// RFC 9162 inclusion proof verification: see merkle.h.
#include "provenance/sigstore/merkle.h"

#include "provenance/crypto.h"
#include "provenance/sigstore/json_fields.h"

namespace modelgate::provenance::sigstore {

namespace {
constexpr std::size_t kHashSize = 32;
}

std::string MerkleLeafHash(std::string_view leaf) {
  std::string data;
  data.reserve(leaf.size() + 1);
  data.push_back('\x00');
  data.append(leaf);
  return Sha256(data);
}

std::string MerkleNodeHash(std::string_view left, std::string_view right) {
  std::string data;
  data.reserve(left.size() + right.size() + 1);
  data.push_back('\x01');
  data.append(left);
  data.append(right);
  return Sha256(data);
}

Status VerifyInclusion(std::uint64_t index, std::uint64_t tree_size, std::string_view leaf_hash,
                       const std::vector<std::string>& proof, std::string_view root_hash) {
  if (index >= tree_size) {
    return Status::Corruption("inclusion proof: index " + std::to_string(index) + " is not below tree size " +
                              std::to_string(tree_size));
  }
  if (leaf_hash.size() != kHashSize || root_hash.size() != kHashSize) {
    return Status::Corruption("inclusion proof: leaf or root hash is not 32 bytes");
  }
  // The path length is fixed by index and size: the inner part (where the
  // paths of index and of the last leaf diverge) plus the right border.
  std::uint64_t diverge = index ^ (tree_size - 1);
  std::size_t inner = 0;
  while (diverge != 0) ++inner, diverge >>= 1;
  std::size_t border = 0;
  // inner is 64 only when index has bit 63 set: then nothing is left above it.
  for (std::uint64_t rest = inner < 64 ? index >> inner : 0; rest != 0; rest >>= 1) border += rest & 1;
  if (proof.size() != inner + border) {
    return Status::Corruption("inclusion proof: " + std::to_string(proof.size()) + " hashes where the tree needs " +
                              std::to_string(inner + border));
  }
  std::uint64_t fn = index;
  std::uint64_t sn = tree_size - 1;
  std::string r(leaf_hash);
  for (const std::string& p : proof) {
    if (p.size() != kHashSize) return Status::Corruption("inclusion proof: a path hash is not 32 bytes");
    if (sn == 0) return Status::Corruption("inclusion proof: longer than the tree");
    if ((fn & 1) != 0 || fn == sn) {
      r = MerkleNodeHash(p, r);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = MerkleNodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return Status::Corruption("inclusion proof: shorter than the tree");
  if (r != root_hash) {
    return Status::Corruption("inclusion proof: computed root hash " + Hex(r) + " differs from " + Hex(root_hash));
  }
  return Status::Ok();
}

}  // namespace modelgate::provenance::sigstore
