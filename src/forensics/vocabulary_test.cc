#include "forensics/vocabulary.h"

#include <string>

#include <gtest/gtest.h>

namespace modelgate::forensics {
namespace {

TEST(VocabularyTest, ReadsModelVocabAndAddedTokens) {
  const std::string json = R"({"added_tokens": [{"id": 3, "content": "<|trigger|>", "special": false}],
    "model": {"type": "BPE", "vocab": {"hello": 0, "Ġworld": 1, "cf": 2, "x": 3}}})";
  Result<Vocabulary> v = ParseTokenizerJson(json, Limits{});
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->Token(1), "Ġworld");
  EXPECT_EQ(v->Token(2), "cf");
  EXPECT_EQ(v->Token(3), "<|trigger|>");  // added tokens win over the model's entry
  EXPECT_EQ(v->Token(99), "");
}

TEST(VocabularyTest, ReadsUnigramArrays) {
  Result<Vocabulary> v = ParseTokenizerJson(R"({"model": {"type": "Unigram", "vocab": [["<unk>", 0], ["▁a", -1.5]]}})",
                                            Limits{});
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->Token(0), "<unk>");
  EXPECT_EQ(v->Token(1), "▁a");
}

TEST(VocabularyTest, RefusesBadJsonAndDeepNesting) {
  EXPECT_FALSE(ParseTokenizerJson("{\"model\": ", Limits{}).ok());
  EXPECT_FALSE(ParseTokenizerJson("[1, 2]", Limits{}).ok());
  std::string deep(10000, '[');
  EXPECT_EQ(ParseTokenizerJson("{\"a\": " + deep, Limits{}).status().code(), StatusCode::kCorruption);
  // A tokenizer without a vocabulary it knows: empty, not an error.
  Result<Vocabulary> v = ParseTokenizerJson(R"({"model": {"type": "WordPiece", "vocab": 7}})", Limits{});
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->size(), 0u);
}

}  // namespace
}  // namespace modelgate::forensics
