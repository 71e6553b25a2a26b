// Tests of the repository readers: model card front matter, Git LFS
// pointers, bounded JSON parsing and the config extractors.
#include <map>

#include <gtest/gtest.h>

#include "formats/repo/hf_config.h"
#include "formats/repo/lfs_pointer.h"
#include "formats/repo/model_card.h"

namespace modelgate::repo {
namespace {

TEST(ModelCard, ReadsCommonFields) {
  ModelCard c = ReadModelCard(
      "---\n"
      "language:\n- en\n- fr\n"
      "license: apache-2.0  # comment\n"
      "base_model: meta-llama/Llama-2-7b-hf\n"
      "datasets: [squad, \"glue\"]\n"
      "pipeline_tag: text-generation\n"
      "library_name: peft\n"
      "tags:\n  - a\n  - 'b: c'\n"
      "widget:\n  - text: hi\n"
      "inference:\n  parameters:\n    temperature: 0.7\n"
      "---\n# Title\n",
      Limits());
  EXPECT_TRUE(c.has_front_matter);
  EXPECT_TRUE(c.terminated);
  EXPECT_EQ(c.languages, (std::vector<std::string>{"en", "fr"}));
  EXPECT_EQ(c.license, "apache-2.0");
  EXPECT_EQ(c.base_models, (std::vector<std::string>{"meta-llama/Llama-2-7b-hf"}));
  EXPECT_EQ(c.datasets, (std::vector<std::string>{"squad", "glue"}));
  EXPECT_EQ(c.pipeline_tag, "text-generation");
  EXPECT_EQ(c.library_name, "peft");
  EXPECT_EQ(c.tags, (std::vector<std::string>{"a", "b: c"}));
  bool temperature = false;
  for (const auto& [k, v] : c.other) temperature |= k == "inference.parameters.temperature" && v == "0.7";
  EXPECT_TRUE(temperature);
}

TEST(ModelCard, BodyOffset) {
  std::string text = "---\nlicense: mit\n---\n# Title\n";
  ModelCard c = ReadModelCard(text, Limits());
  EXPECT_EQ(text.substr(c.body_offset), "# Title\n");
}

TEST(ModelCard, BaseModelList) {
  ModelCard c = ReadModelCard("---\nbase_model:\n- a/b\n- c/d\nbase_model_relation: merge\n---\n", Limits());
  EXPECT_EQ(c.base_models, (std::vector<std::string>{"a/b", "c/d"}));
  EXPECT_EQ(c.base_model_relation, "merge");
}

TEST(ModelCard, ModelIndexCounted) {
  ModelCard c = ReadModelCard(
      "---\nmodel-index:\n- name: m\n  results:\n  - task:\n      type: text-classification\n"
      "    dataset:\n      name: GLUE SST2\n      type: glue\n    metrics:\n    - type: accuracy\n      value: 0.9\n"
      "    - type: f1\n      value: 0.8\nlicense: mit\n---\n",
      Limits());
  EXPECT_TRUE(c.has_model_index);
  EXPECT_EQ(c.model_index_results, 2u);
  EXPECT_EQ(c.model_name, "m");
  EXPECT_EQ(c.model_index_datasets, (std::vector<std::string>{"GLUE SST2", "glue"}));
  EXPECT_EQ(c.license, "mit");
}

TEST(ModelCard, NoFrontMatterOrUnterminated) {
  EXPECT_FALSE(ReadModelCard("# Just a README\n", Limits()).has_front_matter);
  ModelCard c = ReadModelCard("---\nlicense: mit\n", Limits());
  EXPECT_TRUE(c.has_front_matter);
  EXPECT_FALSE(c.terminated);
  EXPECT_EQ(c.license, "mit");
}

TEST(ModelCard, UnsupportedYamlIsCounted) {
  ModelCard c = ReadModelCard("---\na: &x 1\nb: |\n  text\n  more\n\tc: 1\n---\n", Limits());
  EXPECT_GE(c.unparsed_lines, 3u);
}

TEST(ModelCard, SizeLimit) {
  Limits l;
  l.max_model_card_header_bytes = 64;
  std::string text = "---\n";
  for (int k = 0; k < 100; ++k) text += "tags: x\n";
  ModelCard c = ReadModelCard(text + "---\n", l);
  EXPECT_TRUE(c.too_large);
  EXPECT_FALSE(c.terminated);
}

TEST(ModelCard, BomAndCrlf) {
  ModelCard c = ReadModelCard("\xEF\xBB\xBF---\r\nlicense: mit\r\n---\r\n", Limits());
  EXPECT_TRUE(c.terminated);
  EXPECT_EQ(c.license, "mit");
}

const char kPointer[] =
    "version https://git-lfs.github.com/spec/v1\n"
    "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
    "size 12345\n";

TEST(LfsPointer, ParsesSpecExample) {
  auto p = ParseLfsPointer(AsBytes(kPointer));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p.value().size, 12345u);
  EXPECT_EQ(p.value().oid.substr(0, 8), "4d7a2146");
}

TEST(LfsPointer, RejectsDeviations) {
  std::string good = kPointer;
  for (std::string bad : {
           std::string("version https://git-lfs.github.com/spec/v1\nsize 1\noid sha256:") + std::string(64, 'a') + "\n",
           std::string("version https://git-lfs.github.com/spec/v1\noid sha256:") + std::string(64, 'A') + "\nsize 1\n",
           std::string("version https://git-lfs.github.com/spec/v1\noid sha256:") + std::string(63, 'a') + "\nsize 1\n",
           std::string("version https://git-lfs.github.com/spec/v1\noid sha256:") + std::string(64, 'a') + "\nsize 01\n",
           std::string("version https://git-lfs.github.com/spec/v1\noid sha256:") + std::string(64, 'a') + "\nsize 1",
           std::string("version https://git-lfs.github.com/spec/v1\r\noid sha256:") + std::string(64, 'a') + "\r\nsize 1\r\n",
           std::string("version https://git-lfs.github.com/spec/v2\noid sha256:") + std::string(64, 'a') + "\nsize 1\n",
           std::string("version https://git-lfs.github.com/spec/v1\noid sha256:") + std::string(64, 'a') + "\n",
           good + "zzz 1\n", good + std::string(1100, 'x')}) {
    EXPECT_FALSE(ParseLfsPointer(AsBytes(bad)).ok()) << bad;
  }
}

TEST(HfConfig, DepthIsBoundedBeforeParsing) {
  std::string deep = std::string(200, '[') + std::string(200, ']');
  auto r = ParseJsonBounded(AsBytes(deep), Limits());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kLimitExceeded);
  // Brackets inside strings do not count.
  std::string in_string = "{\"a\": \"" + std::string(500, '[') + "\"}";
  EXPECT_TRUE(ParseJsonBounded(AsBytes(in_string), Limits()).ok());
}

TEST(HfConfig, MalformedJsonIsCorruption) {
  for (const char* bad : {"{\"a\": 1,}", "{\"a\": NaN}", "{'a': 1}", "", "{\"a\": 1} x"}) {
    auto r = ParseJsonBounded(AsBytes(bad), Limits());
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kCorruption) << bad;
  }
}

TEST(HfConfig, AutoMapForms) {
  auto doc = ParseJsonBounded(AsBytes(R"({"auto_map": {
      "AutoConfig": "configuration_x.XConfig",
      "AutoModel": "org/repo--modeling_x.XModel",
      "AutoTokenizer": ["tokenization_x.XTokenizer", null],
      "AutoBad": 3,
      "AutoDots": "a.b.C"}})"), Limits());
  ASSERT_TRUE(doc.ok());
  std::vector<std::string> problems;
  auto entries = ReadAutoMap(doc.value(), &problems);
  ASSERT_EQ(entries.size(), 4u);
  ASSERT_EQ(problems.size(), 1u);
  std::map<std::string, AutoMapEntry> by_key;
  for (const auto& e : entries) by_key[e.key] = e;
  EXPECT_EQ(by_key["AutoConfig"].module, "configuration_x");
  EXPECT_EQ(by_key["AutoConfig"].class_name, "XConfig");
  EXPECT_EQ(by_key["AutoModel"].repo, "org/repo");
  EXPECT_EQ(by_key["AutoModel"].module, "modeling_x");
  EXPECT_EQ(by_key["AutoTokenizer[0]"].class_name, "XTokenizer");
  EXPECT_FALSE(by_key["AutoDots"].well_formed);
}

TEST(HfConfig, ChatTemplatesWeightMapModulesDiffusers) {
  auto tok = ParseJsonBounded(AsBytes(R"({"chat_template": [{"name": "default", "template": "{{ x }}"},
                                           {"name": "tool_use", "template": "{{ y }}"}]})"), Limits());
  ASSERT_TRUE(tok.ok());
  auto t = ReadChatTemplates(tok.value());
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[1].first, "chat_template[tool_use]");
  auto idx = ParseJsonBounded(AsBytes(R"({"weight_map": {"a": "m-1.safetensors", "b": 3}})"), Limits());
  auto wm = ReadWeightMap(idx.value());
  ASSERT_TRUE(wm.has_value());
  EXPECT_EQ(wm->size(), 2u);
  auto st = ParseJsonBounded(AsBytes(R"([{"idx":0,"name":"0","path":"","type":"my.Mod"}])"), Limits());
  auto mods = ReadStModules(st.value());
  ASSERT_TRUE(mods.has_value());
  EXPECT_EQ((*mods)[0].type, "my.Mod");
  auto di = ParseJsonBounded(AsBytes(R"({"_class_name": ["pipe", "P"], "unet": ["diffusers", "U"], "_x": 1})"), Limits());
  DiffusersIndex d = ReadDiffusersIndex(di.value());
  EXPECT_EQ(d.pipeline_module, "pipe");
  ASSERT_EQ(d.components.size(), 1u);
  EXPECT_EQ(d.components[0].library, "diffusers");
}

}  // namespace
}  // namespace modelgate::repo
