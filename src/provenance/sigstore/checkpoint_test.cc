// Tests for signed notes and checkpoints: the real Rekor checkpoint of the
// v1.1.0 bundle verified with the public-good Rekor key, and hand-made notes.
#include "provenance/sigstore/checkpoint.h"

#include <gtest/gtest.h>

#include "modelgate/limits.h"
#include "provenance/sigstore/sigstore_test_util.h"

namespace modelgate::provenance::sigstore {
namespace {

std::string RealCheckpoint() {
  nlohmann::json bundle = testing::ReadSigstoreJson("v1.1.0-sigstore.model.sig");
  return bundle["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]["checkpoint"]["envelope"];
}

TEST(Checkpoint, RealRekorCheckpointVerifies) {
  Result<TrustedRoot> root =
      TrustedRoot::Parse(testing::ReadSigstoreFixture("prod-trusted_root.json"), Limits::Default());
  ASSERT_TRUE(root.ok());
  Result<Checkpoint> cp = VerifyCheckpoint(RealCheckpoint(), root->tlogs[0]);
  ASSERT_TRUE(cp.ok()) << cp.status().ToString();
  EXPECT_EQ(cp->origin, "rekor.sigstore.dev - 1193050959916656506");
  EXPECT_EQ(cp->tree_size, 476246825u);
  EXPECT_EQ(cp->root_hash.size(), 32u);
  EXPECT_TRUE(cp->extensions.empty());
  // The other log of the trusted root did not sign it.
  Result<Checkpoint> other = VerifyCheckpoint(RealCheckpoint(), root->tlogs[1]);
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.status().message().find("checkpoint: no signature by log"), std::string::npos);
}

TEST(Checkpoint, ParsesNotesWithSeveralSignaturesAndExtensions) {
  const std::string note =
      "example.com/log\n12\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\next one\n\n"
      "\xE2\x80\x94 a.example AQIDBAUG\n\xE2\x80\x94 b.example CQkJCQkJCQ==\n";
  Result<SignedNote> parsed = ParseSignedNote(note);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->text, "example.com/log\n12\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\next one\n");
  ASSERT_EQ(parsed->signatures.size(), 2u);
  EXPECT_EQ(parsed->signatures[0].name, "a.example");
  EXPECT_EQ(parsed->signatures[0].key_hint, std::string("\x01\x02\x03\x04"));
  EXPECT_EQ(parsed->signatures[0].signature, std::string("\x05\x06"));
  Result<Checkpoint> cp = ParseCheckpoint(parsed->text);
  ASSERT_TRUE(cp.ok()) << cp.status().ToString();
  EXPECT_EQ(cp->tree_size, 12u);
  EXPECT_EQ(cp->extensions, std::vector<std::string>{"ext one"});
}

TEST(Checkpoint, RejectsMalformedNotes) {
  const std::string body = "o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
  struct Case {
    std::string note;
    std::string error;
  };
  const Case cases[] = {
      {body + "\xE2\x80\x94 k AQIDBAUG\n", "no blank line"},
      {body + "\n", "no signature lines"},
      {body + "\n- k AQIDBAUG\n", "em dash"},
      {body + "\n\xE2\x80\x94 k AQIDBAUG", "final newline"},
      {body + "\n\xE2\x80\x94 k AQIDBA==\n", "shorter than its key hint"},
      {body + "\n\xE2\x80\x94 k AQID*AUG\n", "base64"},
      {body + "\n\xE2\x80\x94 kAQIDBAUG\n", "'\xE2\x80\x94 <name> <base64>'"},
  };
  for (const Case& c : cases) {
    Result<SignedNote> r = ParseSignedNote(c.note);
    ASSERT_FALSE(r.ok()) << c.note;
    EXPECT_NE(r.status().message().find(c.error), std::string::npos) << r.status().message();
  }
  EXPECT_FALSE(ParseSignedNote(std::string(kMaxNoteBytes + 1, 'a')).ok());
  EXPECT_FALSE(ParseCheckpoint("o\n01\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n").ok());
  EXPECT_FALSE(ParseCheckpoint("o\n1x\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n").ok());
  EXPECT_FALSE(ParseCheckpoint("o\n1\nAAAA\n").ok());  // not 32 bytes
  EXPECT_FALSE(ParseCheckpoint("o\n1\n").ok());
  EXPECT_FALSE(ParseCheckpoint("\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n").ok());
}

}  // namespace
}  // namespace modelgate::provenance::sigstore
