// Tests for VerifyInclusion against a reference Merkle tree built here from
// RFC 6962's recursive definitions (MTH and PATH), for every index of every
// tree size up to 33, and against tampered proofs.
#include "provenance/sigstore/merkle.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace modelgate::provenance::sigstore {
namespace {

std::uint64_t LargestPowerOfTwoBelow(std::uint64_t n) {
  std::uint64_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

// MTH(D[n]) of RFC 6962 section 2.1.
std::string ReferenceRoot(const std::vector<std::string>& leaves, std::size_t begin, std::size_t end) {
  if (end - begin == 1) return MerkleLeafHash(leaves[begin]);
  std::size_t k = LargestPowerOfTwoBelow(end - begin);
  return MerkleNodeHash(ReferenceRoot(leaves, begin, begin + k), ReferenceRoot(leaves, begin + k, end));
}

// PATH(m, D[n]) of RFC 6962 section 2.1.1.
std::vector<std::string> ReferencePath(const std::vector<std::string>& leaves, std::size_t m, std::size_t begin,
                                       std::size_t end) {
  if (end - begin == 1) return {};
  std::size_t k = LargestPowerOfTwoBelow(end - begin);
  std::vector<std::string> path;
  if (m < k) {
    path = ReferencePath(leaves, m, begin, begin + k);
    path.push_back(ReferenceRoot(leaves, begin + k, end));
  } else {
    path = ReferencePath(leaves, m - k, begin + k, end);
    path.push_back(ReferenceRoot(leaves, begin, begin + k));
  }
  return path;
}

TEST(Merkle, HashesFollowRfc6962) {
  // RFC 6962 empty-leaf hash: SHA-256 of the single byte 0x00.
  EXPECT_EQ(MerkleLeafHash("").substr(0, 4), std::string("\x6e\x34\x0b\x9c", 4));
}

TEST(Merkle, EveryIndexOfEveryTreeSizeVerifies) {
  std::vector<std::string> leaves;
  for (int n = 1; n <= 33; ++n) {
    leaves.push_back("leaf " + std::to_string(n));
    const std::string root = ReferenceRoot(leaves, 0, leaves.size());
    for (std::size_t m = 0; m < leaves.size(); ++m) {
      std::vector<std::string> path = ReferencePath(leaves, m, 0, leaves.size());
      Status st = VerifyInclusion(m, leaves.size(), MerkleLeafHash(leaves[m]), path, root);
      ASSERT_TRUE(st.ok()) << "n=" << n << " m=" << m << ": " << st.ToString();
      // Wrong leaf, wrong index, flipped path hash: all fail.
      EXPECT_FALSE(VerifyInclusion(m, leaves.size(), MerkleLeafHash("other"), path, root).ok());
      if (leaves.size() > 1) {
        EXPECT_FALSE(VerifyInclusion((m + 1) % leaves.size(), leaves.size(), MerkleLeafHash(leaves[m]), path, root)
                         .ok());
        std::vector<std::string> bad = path;
        bad.back()[3] ^= 0x20;
        EXPECT_FALSE(VerifyInclusion(m, leaves.size(), MerkleLeafHash(leaves[m]), bad, root).ok());
      }
    }
  }
}

TEST(Merkle, RejectsMalformedProofs) {
  std::vector<std::string> leaves = {"a", "b", "c", "d", "e"};
  const std::string root = ReferenceRoot(leaves, 0, 5);
  std::vector<std::string> path = ReferencePath(leaves, 2, 0, 5);
  const std::string leaf = MerkleLeafHash("c");
  Status st = VerifyInclusion(5, 5, leaf, path, root);
  EXPECT_EQ(st.message(), "inclusion proof: index 5 is not below tree size 5");
  std::vector<std::string> longer = path;
  longer.push_back(root);
  st = VerifyInclusion(2, 5, leaf, longer, root);
  EXPECT_EQ(st.message(), "inclusion proof: 4 hashes where the tree needs 3");
  std::vector<std::string> short_hash = path;
  short_hash[0].pop_back();
  EXPECT_FALSE(VerifyInclusion(2, 5, leaf, short_hash, root).ok());
  EXPECT_FALSE(VerifyInclusion(2, 5, leaf, path, "short").ok());
  st = VerifyInclusion(2, 5, leaf, path, MerkleLeafHash("x"));
  EXPECT_EQ(st.message().rfind("inclusion proof: computed root hash ", 0), 0u) << st.message();
  EXPECT_FALSE(VerifyInclusion(0, 0, leaf, {}, root).ok());
  // Indices near 2^64: no shift past the word (UBSan would report it).
  EXPECT_FALSE(VerifyInclusion(~0ull - 1, ~0ull, leaf, path, root).ok());
  EXPECT_FALSE(VerifyInclusion(1ull << 63, ~0ull, leaf, path, root).ok());
  EXPECT_FALSE(VerifyInclusion(0, (1ull << 63) + 1, leaf, path, root).ok());
}

}  // namespace
}  // namespace modelgate::provenance::sigstore
