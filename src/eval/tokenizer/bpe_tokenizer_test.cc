// BpeTokenizer against reference encodings computed in Python with the real
// regex patterns (scripts/fixtures/bpe_tokenizers.py), plus hand-derived
// pre-tokenizer splits and the refusals of hostile tokenizer.json files.
#include "eval/tokenizer/bpe_tokenizer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "eval/tokenizer/pre_tokenizer.h"

namespace modelgate::eval {
namespace {

using nlohmann::json;

std::string FixtureDir(const std::string& style) {
  return std::string(MODELGATE_SOURCE_DIR) + "/tests/fixtures/eval/tokenizers/" + style;
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::unique_ptr<BpeTokenizer> Load(const std::string& style) {
  auto t = BpeTokenizer::FromFile(FixtureDir(style) + "/tokenizer.json", Limits{});
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return t.ok() ? std::move(t.value()) : nullptr;
}

class ReferenceEncodings : public ::testing::TestWithParam<std::string> {};

TEST_P(ReferenceEncodings, EncodeAndDecodeMatchPython) {
  const std::string style = GetParam();
  auto tok = Load(style);
  ASSERT_NE(tok, nullptr);
  const json expected = json::parse(ReadText(FixtureDir(style) + "/expected.json"));
  EXPECT_EQ(tok->vocab_size(), expected["vocab_size"].get<std::size_t>());
  ASSERT_GT(expected["cases"].size(), 25u);
  for (const json& c : expected["cases"]) {
    const auto text = c["text"].get<std::string>();
    const bool add_bos = c["add_bos"].get<bool>();
    const auto ids = c["ids"].get<std::vector<TokenId>>();
    EXPECT_EQ(tok->Encode(text, add_bos), ids) << style << ": \"" << text << "\"";
    EXPECT_EQ(tok->Decode(ids), c["decoded"].get<std::string>()) << style << ": \"" << text << "\"";
    // GPT-2 and Llama 3 neither normalise nor add spaces: exact round trip
    // (except where lstrip / rstrip tokens swallow spaces).
    const bool strips = text.find("<mask>") != std::string::npos || text.find("<rs>") != std::string::npos;
    if ((style == "gpt2" || style == "llama3") && !strips) {
      EXPECT_EQ(tok->Decode(tok->Encode(text)), text) << style;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(BpeTokenizer, ReferenceEncodings, ::testing::Values("gpt2", "gpt2_prefix", "llama3", "qwen2"));

std::vector<std::string> Split(SplitPattern p, std::string_view text) {
  std::vector<std::size_t> lengths;
  SplitLengths(p, text, &lengths);
  std::vector<std::string> out;
  std::size_t pos = 0;
  for (std::size_t n : lengths) {
    out.emplace_back(text.substr(pos, n));
    pos += n;
  }
  EXPECT_EQ(pos, text.size());
  return out;
}

using Pieces = std::vector<std::string>;

TEST(BpePreTokenizer, Llama3SpacesBeforeWordsAndNewlines) {
  // \s+(?!\S) leaves the last space for " world"; \s*[\r\n]+ ends at the
  // last newline of the run.
  EXPECT_EQ(Split(SplitPattern::kLlama3, "Hello  world\n\n  x"), (Pieces{"Hello", " ", " world", "\n\n", " ", " x"}));
  EXPECT_EQ(Split(SplitPattern::kLlama3, "a \n b"), (Pieces{"a", " \n", " b"}));
  EXPECT_EQ(Split(SplitPattern::kLlama3, "end   "), (Pieces{"end", "   "}));
}

TEST(BpePreTokenizer, DigitsGroupByThreeForLlama3AndOneForQwen2) {
  EXPECT_EQ(Split(SplitPattern::kLlama3, "12345"), (Pieces{"123", "45"}));
  EXPECT_EQ(Split(SplitPattern::kQwen2, "12345"), (Pieces{"1", "2", "3", "4", "5"}));
  EXPECT_EQ(Split(SplitPattern::kGpt2, "12345 678"), (Pieces{"12345", " 678"}));
}

TEST(BpePreTokenizer, ContractionsAreCaseSensitiveOnlyInGpt2) {
  EXPECT_EQ(Split(SplitPattern::kGpt2, "don't I'LL"), (Pieces{"don", "'t", " I", "'", "LL"}));
  EXPECT_EQ(Split(SplitPattern::kLlama3, "don't I'LL"), (Pieces{"don", "'t", " I", "'LL"}));
}

TEST(BpePreTokenizer, PunctuationTakesTrailingNewlinesInLlama3) {
  EXPECT_EQ(Split(SplitPattern::kLlama3, "x;\n\ny"), (Pieces{"x", ";\n\n", "y"}));
  // GPT-2 has no newline rule: \s+(?!\S) gives one newline back.
  EXPECT_EQ(Split(SplitPattern::kGpt2, "x;\n\ny"), (Pieces{"x", ";", "\n", "\n", "y"}));
  EXPECT_EQ(Split(SplitPattern::kLlama3, "(hello"), (Pieces{"(hello"}));
  EXPECT_EQ(Split(SplitPattern::kGpt2, "(hello"), (Pieces{"(", "hello"}));
}

TEST(BpePreTokenizer, InvalidUtf8BytesAreOtherCharacters) {
  EXPECT_EQ(Split(SplitPattern::kGpt2, "a\xff\xfe b"), (Pieces{"a", "\xff\xfe", " b"}));
}

TEST(BpePreTokenizer, RecognisesOnlyTheKnownPatterns) {
  EXPECT_EQ(RecognizeSplitPattern(R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)"),
            SplitPattern::kGpt2);
  EXPECT_FALSE(RecognizeSplitPattern(R"(\w+|\s+)"));
  EXPECT_FALSE(RecognizeSplitPattern(""));
}

TEST(BpeTokenizer, SpecialTokensBosAndEos) {
  auto llama = Load("llama3");
  ASSERT_NE(llama, nullptr);
  const auto bos = llama->TokenIdOf("<|begin_of_text|>");
  ASSERT_TRUE(bos.has_value());
  EXPECT_EQ(llama->bos_id(), bos);
  EXPECT_TRUE(llama->IsSpecial(*bos));
  const auto eot = llama->TokenIdOf("<|eot_id|>");
  const auto eot_text = llama->TokenIdOf("<|end_of_text|>");
  ASSERT_TRUE(eot && eot_text);
  EXPECT_EQ(llama->eos_ids(), (std::vector<TokenId>{*eot_text, *eot}));
  const std::vector<TokenId> ids = llama->Encode("<|begin_of_text|>hi<|eot_id|>");
  EXPECT_EQ(ids.front(), *bos);
  EXPECT_EQ(llama->Decode(ids, /*skip_special=*/true), "hi");

  auto gpt2 = Load("gpt2");
  ASSERT_NE(gpt2, nullptr);
  EXPECT_FALSE(gpt2->bos_id().has_value());
  EXPECT_EQ(gpt2->Encode("hi", /*add_bos=*/true), gpt2->Encode("hi"));
  const auto space = gpt2->TokenIdOf("\xC4\xA0");  // "Ġ", the space byte
  ASSERT_TRUE(space.has_value());
  EXPECT_EQ(gpt2->TokenBytes(*space), " ");
  EXPECT_EQ(gpt2->TokenText(*space), "\xC4\xA0");
  EXPECT_FALSE(gpt2->TokenText(-1).has_value());
  EXPECT_FALSE(gpt2->TokenText(1 << 30).has_value());
  EXPECT_EQ(gpt2->Decode(std::vector<TokenId>{-5, 1 << 30}), "");
}

TEST(BpeTokenizer, InvalidUtf8RoundTripsAsBytes) {
  auto tok = Load("qwen2");
  ASSERT_NE(tok, nullptr);
  const std::string text = "ok \xff\xfe\xc3 then \xe2\x82";
  EXPECT_EQ(tok->Decode(tok->Encode(text)), text);
}

TEST(BpeTokenizer, LongWordIsNotQuadratic) {
  auto tok = Load("gpt2");
  ASSERT_NE(tok, nullptr);
  std::string word;
  for (int i = 0; i < 50000; ++i) word += "he";  // "h e" is a merge of the fixture
  const auto start = std::chrono::steady_clock::now();
  const auto ids = tok->Encode(word);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(tok->Decode(ids), word);
  EXPECT_LE(ids.size(), word.size() / 2);
  EXPECT_LT(s, 2.0) << "100 kB word took " << s << " s";
}

TEST(BpeTokenizer, EncodeSpeedOnOneMegabyte) {
  // Reports MB/s for docs/eval/tokenizer.md (the fixtures' vocabularies are
  // small, so merges are few; real vocabularies spend more per piece).
  for (const std::string style : {"gpt2", "llama3", "qwen2"}) {
    auto tok = Load(style);
    ASSERT_NE(tok, nullptr);
    const json expected = json::parse(ReadText(FixtureDir(style) + "/expected.json"));
    std::string text;
    while (text.size() < (1u << 20)) {
      for (const json& c : expected["cases"]) text += c["text"].get<std::string>() + "\n";
    }
    // CPU time, not wall time: the build machine is shared.
    const std::clock_t start = std::clock();
    const auto ids = tok->Encode(text);
    const double s = static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC;
    std::printf("[ BpeTokenizer ] %s: %zu bytes -> %zu tokens in %.3f s CPU, %.1f MB/s\n", style.c_str(), text.size(),
                ids.size(), s, static_cast<double>(text.size()) / 1e6 / s);
    EXPECT_FALSE(ids.empty());
  }
}

// --- Refusals: each mutates the GPT-2 fixture in one way.

json Gpt2Doc() { return json::parse(ReadText(FixtureDir("gpt2") + "/tokenizer.json")); }

StatusCode CodeOf(const json& doc, const Limits& limits = Limits{}) {
  auto t = BpeTokenizer::FromJson(doc.dump(), limits);
  return t.ok() ? StatusCode::kOk : t.status().code();
}

TEST(BpeTokenizerJson, AcceptsTheFixtureUnchanged) { EXPECT_EQ(CodeOf(Gpt2Doc()), StatusCode::kOk); }

TEST(BpeTokenizerJson, RefusesMalformedAndDeepJson) {
  EXPECT_EQ(BpeTokenizer::FromJson("{\"model\": ", Limits{}).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(BpeTokenizer::FromJson("[1, 2]", Limits{}).status().code(), StatusCode::kCorruption);
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_EQ(BpeTokenizer::FromJson(deep, Limits{}).status().code(), StatusCode::kLimitExceeded);
  Limits small;
  small.max_tokenizer_bytes = 100;
  EXPECT_EQ(CodeOf(Gpt2Doc(), small), StatusCode::kLimitExceeded);
}

TEST(BpeTokenizerJson, RefusesInconsistentTablesAsCorruption) {
  json doc = Gpt2Doc();
  doc["model"]["merges"].push_back("Ġ zzzz-unknown");
  EXPECT_EQ(CodeOf(doc), StatusCode::kCorruption);

  doc = Gpt2Doc();
  doc["model"]["merges"].push_back("a b c");
  EXPECT_EQ(CodeOf(doc), StatusCode::kCorruption);

  doc = Gpt2Doc();
  doc["model"]["vocab"]["duplicate"] = doc["model"]["vocab"]["a"];
  EXPECT_EQ(CodeOf(doc), StatusCode::kCorruption);

  doc = Gpt2Doc();
  doc["model"]["vocab"]["far"] = 1 << 30;
  EXPECT_EQ(CodeOf(doc), StatusCode::kCorruption);

  doc = Gpt2Doc();
  doc["model"]["vocab"]["negative"] = -1;
  EXPECT_EQ(CodeOf(doc), StatusCode::kCorruption);

  doc = Gpt2Doc();
  doc["added_tokens"].push_back(doc["added_tokens"][1]);  // same id twice
  EXPECT_EQ(CodeOf(doc), StatusCode::kCorruption);

  doc = Gpt2Doc();
  doc["added_tokens"][1]["id"] = doc["model"]["vocab"]["a"];  // id of another token
  EXPECT_EQ(CodeOf(doc), StatusCode::kCorruption);
}

TEST(BpeTokenizerJson, RefusesOtherFamiliesAsNotSupported) {
  json doc = Gpt2Doc();
  doc["model"]["type"] = "WordPiece";
  EXPECT_EQ(CodeOf(doc), StatusCode::kNotSupported);

  doc = Gpt2Doc();
  doc["model"]["byte_fallback"] = true;
  EXPECT_EQ(CodeOf(doc), StatusCode::kNotSupported);

  doc = Gpt2Doc();
  doc["normalizer"] = {{"type", "NFKC"}};
  EXPECT_EQ(CodeOf(doc), StatusCode::kNotSupported);

  doc = Gpt2Doc();
  doc["pre_tokenizer"] = {{"type", "Sequence"},
                          {"pretokenizers",
                           {{{"type", "Split"}, {"pattern", {{"Regex", "\\w+"}}}, {"behavior", "Isolated"}},
                            {{"type", "ByteLevel"}, {"use_regex", false}}}}};
  EXPECT_EQ(CodeOf(doc), StatusCode::kNotSupported);

  doc = Gpt2Doc();
  doc["pre_tokenizer"] = {{"type", "Whitespace"}};
  EXPECT_EQ(CodeOf(doc), StatusCode::kNotSupported);

  doc = Gpt2Doc();
  doc["decoder"] = {{"type", "WordPiece"}};
  EXPECT_EQ(CodeOf(doc), StatusCode::kNotSupported);

  doc = Gpt2Doc();
  doc["model"]["vocab"].erase("a");  // byte 'a' has no token and there is no unk
  auto& merges = doc["model"]["merges"];
  json kept = json::array();
  for (const auto& m : merges) {
    const std::string s = m.get<std::string>();
    if (s.find('a') == std::string::npos) kept.push_back(m);
  }
  merges = kept;
  EXPECT_EQ(CodeOf(doc), StatusCode::kNotSupported);
}

TEST(BpeTokenizerJson, RefusesCountsPastLimits) {
  Limits l;
  l.max_vocab_size = 100;
  EXPECT_EQ(CodeOf(Gpt2Doc(), l), StatusCode::kLimitExceeded);
  l = Limits{};
  l.max_bpe_merges = 10;
  EXPECT_EQ(CodeOf(Gpt2Doc(), l), StatusCode::kLimitExceeded);
  l = Limits{};
  l.max_added_tokens = 2;
  EXPECT_EQ(CodeOf(Gpt2Doc(), l), StatusCode::kLimitExceeded);
  l = Limits{};
  l.max_added_token_bytes = 5;
  EXPECT_EQ(CodeOf(Gpt2Doc(), l), StatusCode::kLimitExceeded);
  l = Limits{};
  l.max_added_tokens_total_bytes = 20;  // the four tokens hold 13 + 6 + 4 + 4 bytes
  EXPECT_EQ(CodeOf(Gpt2Doc(), l), StatusCode::kLimitExceeded);
}

}  // namespace
}  // namespace modelgate::eval
