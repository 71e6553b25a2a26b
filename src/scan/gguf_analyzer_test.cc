// Tests for AnalyzeGguf: the info finding, chat templates handed to the Jinja
// analysis, trailing bytes queued, severities of reader anomalies.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "modelgate/policy.h"
#include "scan/analyzers.h"

namespace modelgate {
namespace {

std::vector<std::uint8_t> Fixture(const std::string& name) {
  std::ifstream in(std::string(MODELGATE_SOURCE_DIR) + "/tests/fixtures/formats/gguf/" + name, std::ios::binary);
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), {});
}

struct Scanned {
  std::vector<Finding> findings;
  std::vector<Blob> children;
};

Scanned Scan(const std::vector<std::uint8_t>& bytes) {
  Limits limits;
  ScanContext ctx("m.gguf", limits, Policy::Builtin());
  Blob blob;
  blob.bytes = bytes;
  AnalyzeGguf(blob, ctx);
  Scanned s;
  while (ctx.HasPending()) s.children.push_back(ctx.PopPending());
  s.findings = ctx.TakeFindings();
  return s;
}

const Finding* Find(const Scanned& s, const std::string& id) {
  for (const Finding& f : s.findings) {
    if (f.id == id) return &f;
  }
  return nullptr;
}

std::string Evidence(const Finding& f, const std::string& key) {
  for (const auto& [k, v] : f.evidence) {
    if (k == key) return v;
  }
  return "";
}

TEST(GgufAnalyzer, BenignModelGetsOnlyTheInfoFinding) {
  std::vector<std::uint8_t> bytes = Fixture("benign/qwen2_v3_named_templates_align64.gguf");
  Scanned s = Scan(bytes);
  ASSERT_EQ(s.findings.size(), 1u);
  const Finding* info = Find(s, "GGUF-MODEL-INFO");
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->severity, Severity::kInfo);
  EXPECT_EQ(Evidence(*info, "architecture"), "qwen2");
  EXPECT_EQ(Evidence(*info, "tensor_count"), "5");
  EXPECT_EQ(Evidence(*info, "alignment"), "64");
  EXPECT_EQ(Evidence(*info, "chat_templates"), "2");  // chat_template and chat_template.tool_use
  EXPECT_TRUE(s.children.empty());
}

TEST(GgufAnalyzer, NamedChatTemplateIsAnalysed) {
  std::vector<std::uint8_t> bytes = Fixture("attack/ssti_named_template.gguf");
  Scanned s = Scan(bytes);
  const Finding* f = Find(s, "JINJA-DUNDER-ACCESS");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::kCritical);
  EXPECT_EQ(Evidence(*f, "template"), "GGUF tokenizer.chat_template.rag");
  EXPECT_EQ(Evidence(*f, "name"), "__globals__");
}

TEST(GgufAnalyzer, TrailingBytesAreQueued) {
  std::vector<std::uint8_t> bytes = Fixture("attack/trailing_pickle.gguf");
  Scanned s = Scan(bytes);
  const Finding* f = Find(s, "GGUF-TRAILING-DATA");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::kMedium);
  ASSERT_EQ(s.children.size(), 1u);
  EXPECT_EQ(s.children[0].member, "<gguf-trailing-data>");
  ASSERT_FALSE(s.children[0].bytes.empty());
  EXPECT_EQ(s.children[0].bytes[0], 0x80);  // the pickle's PROTO opcode
}

TEST(GgufAnalyzer, Severities) {
  std::vector<std::uint8_t> dup = Fixture("attack/duplicate_chat_template_key.gguf");
  Scanned d = Scan(dup);  // Find returns a pointer into the Scanned: keep it alive
  const Finding* f = Find(d, "GGUF-DUPLICATE-KEY");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::kHigh);
  std::vector<std::uint8_t> utf8 = Fixture("attack/invalid_utf8_chat_template.gguf");
  Scanned s = Scan(utf8);
  f = Find(s, "GGUF-INVALID-UTF8");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::kHigh);  // in a chat template
  std::vector<std::uint8_t> v1 = Fixture("benign/llama_v1.gguf");
  Scanned legacy = Scan(v1);
  f = Find(legacy, "GGUF-LEGACY-VERSION");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::kLow);
  std::vector<std::uint8_t> bomb = Fixture("attack/resource_string_length_2e63.gguf");
  Scanned b = Scan(bomb);
  f = Find(b, "GGUF-ABSURD-LENGTH");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::kHigh);
}

}  // namespace
}  // namespace modelgate
