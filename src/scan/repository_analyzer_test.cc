// Repository analysis through the scanner: role mapping, findings for
// Python sources, configs, LFS pointers and model cards, and the folder
// checks (run on temporary folders).
#include <sys/stat.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "modelgate/scan.h"
#include "scan/analyzers.h"

namespace modelgate {
namespace {

namespace fs = std::filesystem;

FileReport Scan(const std::string& name, std::string_view text) {
  return ScanBytes(AsBytes(text), name, ScanOptions());
}

const Finding* Has(const FileReport& r, std::string_view id) {
  for (const Finding& f : r.findings) {
    if (f.id == id) return &f;
  }
  return nullptr;
}

std::string Ev(const Finding& f, std::string_view key) {
  for (const auto& [k, v] : f.evidence) {
    if (k == key) return v;
  }
  return "";
}

TEST(RepositoryRole, ByBaseName) {
  EXPECT_EQ(RepositoryRoleFor("a/b/config.json"), "hf-config");
  EXPECT_EQ(RepositoryRoleFor("config.json"), "hf-config");
  EXPECT_EQ(RepositoryRoleFor("x/tokenizer_config.json"), "hf-tokenizer-config");
  EXPECT_EQ(RepositoryRoleFor("x/preprocessor_config.json"), "hf-processor-config");
  EXPECT_EQ(RepositoryRoleFor("x/image_processor_config.json"), "hf-processor-config");
  EXPECT_EQ(RepositoryRoleFor("x/generation_config.json"), "hf-generation-config");
  EXPECT_EQ(RepositoryRoleFor("x/modules.json"), "st-modules");
  EXPECT_EQ(RepositoryRoleFor("x/config_sentence_transformers.json"), "st-config");
  EXPECT_EQ(RepositoryRoleFor("x/model_index.json"), "diffusers-model-index");
  EXPECT_EQ(RepositoryRoleFor("x/model.safetensors.index.json"), "hf-weight-index");
  EXPECT_EQ(RepositoryRoleFor("x/pytorch_model.bin.index.json"), "hf-weight-index");
  EXPECT_EQ(RepositoryRoleFor("x/modeling_x.py"), "python-source");
  EXPECT_EQ(RepositoryRoleFor("x/README.md"), "model-card");
  EXPECT_EQ(RepositoryRoleFor("x/chat_template.jinja"), "hf-chat-template");
  // Not opened by name by any loader.
  EXPECT_EQ(RepositoryRoleFor("x/readme.md"), "");
  EXPECT_EQ(RepositoryRoleFor("x/requirements.txt"), "");
  EXPECT_EQ(RepositoryRoleFor("x/config.json.bak"), "");
  EXPECT_EQ(RepositoryRoleFor("x/my_config.json"), "");
  EXPECT_EQ(RepositoryRoleFor("x/.py"), "");
  EXPECT_EQ(RepositoryRoleFor("x/model.safetensors"), "");
  EXPECT_EQ(RepositoryRoleFor("x/vocab.json"), "");
}

TEST(RepositoryPython, ProcessAtImportIsCritical) {
  FileReport r = Scan("m/modeling_x.py", "import os\nos.system('true')\n");
  const Finding* f = Has(r, "PYTHON-PROCESS");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::kCritical);
  EXPECT_EQ(Ev(*f, "line:col"), "2:1");
  EXPECT_EQ(Ev(*f, "resolved"), "os.system");
  EXPECT_EQ(r.findings.front().severity, Severity::kCritical);  // sorted most severe first
}

TEST(RepositoryPython, ProcessInFunctionIsHigh) {
  FileReport r = Scan("modeling_x.py", "import subprocess as sp\nclass M:\n    def __init__(self):\n"
                                       "        sp.run(['true'])\n");
  const Finding* f = Has(r, "PYTHON-PROCESS");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::kHigh);
  EXPECT_EQ(Ev(*f, "call"), "sp.run");
  EXPECT_EQ(Ev(*f, "resolved"), "subprocess.run");
}

TEST(RepositoryPython, ObfuscatedExecIsCritical) {
  FileReport r = Scan("modeling_x.py", "import base64\ndef f():\n    exec(base64.b64decode("
                                       "'X19pbXBvcnRfXygnb3MnKS5zeXN0ZW0oJ3RydWUnKQ=='))\n");
  const Finding* f = Has(r, "PYTHON-OBFUSCATED-EXEC");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::kCritical);
  EXPECT_EQ(Ev(*f, "decoded"), "__import__('os').system('true')");
}

TEST(RepositoryPython, ConcatenatedLiteralsAreNotObfuscationButChrIs) {
  FileReport plain = Scan("modeling_x.py", "def f():\n    exec('def g():\\n' + '    return 1')\n");
  EXPECT_NE(Has(plain, "PYTHON-EXEC"), nullptr);
  EXPECT_EQ(Has(plain, "PYTHON-OBFUSCATED-EXEC"), nullptr);
  FileReport chr = Scan("modeling_x.py", "exec(chr(49) + chr(43) + chr(49))\n");
  ASSERT_NE(Has(chr, "PYTHON-OBFUSCATED-EXEC"), nullptr);
  EXPECT_EQ(Ev(*Has(chr, "PYTHON-OBFUSCATED-EXEC"), "decoded"), "1+1");
}

TEST(RepositoryPython, ConstantsOfDangerousModulesAreNotReferences) {
  FileReport r = Scan("modeling_x.py", "import subprocess, ctypes\nPIPE = subprocess.PIPE\nT = ctypes.c_int\n"
                                       "try:\n    pass\nexcept subprocess.CalledProcessError:\n    pass\n");
  EXPECT_EQ(Has(r, "PYTHON-DANGEROUS-REFERENCE"), nullptr);
  EXPECT_EQ(Has(r, "PYTHON-PROCESS"), nullptr);
  FileReport ref = Scan("modeling_x.py", "import os\nHOOKS = {'run': os.system}\n");
  EXPECT_NE(Has(ref, "PYTHON-DANGEROUS-REFERENCE"), nullptr);
}

TEST(RepositoryPython, ComputedGetattrOnOrdinaryModulesIsFine) {
  FileReport ok = Scan("modeling_x.py", "import torch\nfrom torch import nn\ndef f(c):\n"
                                        "    return getattr(torch, c.dtype), getattr(nn, c.act)()\n");
  EXPECT_LT(ok.MaxSeverity(), Severity::kHigh);
  FileReport bad = Scan("modeling_x.py", "import os\ndef f(c):\n    return getattr(os, c.name)('true')\n");
  ASSERT_NE(Has(bad, "PYTHON-DYNAMIC-ATTRIBUTE"), nullptr);
}

TEST(RepositoryPython, NetworkAndWrites) {
  FileReport r = Scan("modeling_x.py", "import requests\ndef f():\n    requests.get('https://x.invalid')\n"
                                       "open('/etc/cron.d/x', 'w').write('true')\n");
  ASSERT_NE(Has(r, "PYTHON-NETWORK"), nullptr);
  ASSERT_NE(Has(r, "PYTHON-FILE-WRITE"), nullptr);
  EXPECT_EQ(Has(r, "PYTHON-FILE-WRITE")->severity, Severity::kHigh);
}

TEST(RepositoryPython, BenignModelingFileStaysBelowHigh) {
  FileReport r = Scan("modeling_x.py",
                      "import math, os, json, warnings, logging\nfrom typing import Optional\nimport torch\n"
                      "from torch import nn\nfrom transformers.modeling_utils import PreTrainedModel\n"
                      "from .configuration_x import XConfig\nlogger = logging.getLogger(__name__)\n"
                      "class X(PreTrainedModel):\n    config_class = XConfig\n"
                      "    def __init__(self, config):\n        super().__init__(config)\n"
                      "        self.f = nn.Linear(2, 2)\n        self.s = getattr(config, 'scale', 1.0)\n"
                      "    def forward(self, x):\n        self.eval()\n        return torch.compile(self.f)(x) * math.sqrt(2)\n"
                      "def load_vocab(path):\n    with open(os.path.join(path, 'vocab.json'), encoding='utf-8') as f:\n"
                      "        return json.load(f)\n"
                      "def save(path, data):\n    with open(path, 'w', encoding='utf-8') as f:\n"
                      "        f.write(json.dumps(data))\n    warnings.warn('saved')\n");
  EXPECT_LT(r.MaxSeverity(), Severity::kMedium);
  ASSERT_NE(Has(r, "PYTHON-SOURCE"), nullptr);
}

TEST(RepositoryPython, ImportOnlyIsLowOrMedium) {
  FileReport r = Scan("modeling_x.py", "import socket\nimport subprocess\n");
  EXPECT_LT(r.MaxSeverity(), Severity::kHigh);
  EXPECT_NE(Has(r, "PYTHON-IMPORT-RISKY"), nullptr);
}

TEST(RepositoryPython, ParseErrorIsMediumAndLimitsHigh) {
  FileReport r = Scan("modeling_x.py", "x = 'unterminated\n");
  ASSERT_NE(Has(r, "PYTHON-PARSE-ERROR"), nullptr);
  EXPECT_EQ(Has(r, "PYTHON-PARSE-ERROR")->severity, Severity::kMedium);
  std::string deep = "x = " + std::string(500, '[') + std::string(500, ']') + "\n";
  FileReport d = Scan("modeling_x.py", deep);
  ASSERT_NE(Has(d, "PYTHON-LIMIT"), nullptr);
}

TEST(RepositoryConfig, AutoMapIsMediumOtherRepoHigh) {
  FileReport r = Scan("r/config.json", R"({"auto_map": {"AutoModel": "modeling_x.X"}})");
  ASSERT_NE(Has(r, "REPO-REMOTE-CODE"), nullptr);
  EXPECT_EQ(r.MaxSeverity(), Severity::kMedium);
  FileReport o = Scan("r/config.json", R"({"auto_map": {"AutoModel": "evil/code--modeling_x.X"}})");
  ASSERT_NE(Has(o, "REPO-AUTO-MAP-OTHER-REPO"), nullptr);
  EXPECT_EQ(Ev(*Has(o, "REPO-AUTO-MAP-OTHER-REPO"), "repository"), "evil/code");
  FileReport p = Scan("r/tokenizer_config.json", R"({"auto_map": {"AutoTokenizer": ["../x.T", null]}})");
  ASSERT_NE(Has(p, "REPO-AUTO-MAP-PATH"), nullptr);
}

TEST(RepositoryConfig, MalformedAndDeep) {
  FileReport m = Scan("r/config.json", "{\"a\": 1,}");
  ASSERT_NE(Has(m, "REPO-CONFIG-MALFORMED"), nullptr);
  EXPECT_EQ(Has(m, "REPO-CONFIG-MALFORMED")->severity, Severity::kMedium);
  FileReport d = Scan("r/config.json", std::string(1000, '[') + std::string(1000, ']'));
  ASSERT_NE(Has(d, "REPO-CONFIG-LIMIT"), nullptr);
  EXPECT_EQ(Has(d, "REPO-CONFIG-LIMIT")->severity, Severity::kHigh);
}

TEST(RepositoryConfig, ChatTemplateIsHandedToTheTemplateAnalyzer) {
  // A benign template raises nothing; an SSTI walk in a named template is
  // reported with the field it came from.
  FileReport ok = Scan("r/tokenizer_config.json", R"({"chat_template": "{{ bos_token }}{{ messages[0]['content'] }}"})");
  for (const Finding& f : ok.findings) EXPECT_EQ(f.id.rfind("JINJA-", 0), std::string::npos) << f.id;
  FileReport r = Scan("r/tokenizer_config.json",
                      R"({"chat_template": [{"name": "default", "template": "{{ ''.__class__.__mro__ }}"}]})");
  const Finding* f = Has(r, "JINJA-DUNDER-ACCESS");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::kCritical);
  EXPECT_NE(Ev(*f, "template").find("chat_template[default]"), std::string::npos) << Ev(*f, "template");
}

TEST(RepositoryConfig, WeightIndexPaths) {
  FileReport r = Scan("r/model.safetensors.index.json",
                      R"({"weight_map": {"a": "../x.safetensors", "b": "payload.py", "c": "m.bin"}})");
  ASSERT_NE(Has(r, "REPO-WEIGHT-MAP-PATH"), nullptr);
  ASSERT_NE(Has(r, "REPO-WEIGHT-MAP-SUSPICIOUS"), nullptr);
  EXPECT_EQ(Has(r, "REPO-WEIGHT-MAP-SUSPICIOUS")->severity, Severity::kHigh);
}

TEST(RepositoryConfig, SentenceTransformersModules) {
  FileReport ok = Scan("r/modules.json", R"([{"idx":0,"name":"0","path":"","type":"sentence_transformers.models.Transformer"}])");
  EXPECT_LT(ok.MaxSeverity(), Severity::kMedium);
  FileReport custom = Scan("r/modules.json", R"([{"idx":0,"name":"0","path":"","type":"my_mod.Pool"}])");
  EXPECT_EQ(Has(custom, "REPO-ST-CUSTOM-MODULE")->severity, Severity::kMedium);
  FileReport os = Scan("r/modules.json", R"([{"idx":0,"name":"0","path":"../..","type":"os.system"}])");
  EXPECT_EQ(Has(os, "REPO-ST-CUSTOM-MODULE")->severity, Severity::kHigh);
  ASSERT_NE(Has(os, "REPO-ST-MODULE-PATH"), nullptr);
}

TEST(RepositoryLfs, PointerIsMediumWithOidAndSize) {
  std::string p = "version https://git-lfs.github.com/spec/v1\noid sha256:" + std::string(64, 'a') + "\nsize 42\n";
  FileReport r = Scan("r/model.safetensors", p);
  const Finding* f = Has(r, "REPO-LFS-POINTER");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::kMedium);
  EXPECT_EQ(Ev(*f, "size"), "42");
  EXPECT_EQ(Ev(*f, "oid"), "sha256:" + std::string(64, 'a'));
  // A pointer in place of a .py file is a pointer, not Python.
  FileReport py = Scan("r/modeling_x.py", p);
  EXPECT_NE(Has(py, "REPO-LFS-POINTER"), nullptr);
  EXPECT_EQ(Has(py, "PYTHON-SOURCE"), nullptr);
  FileReport bad = Scan("r/model.bin", "version https://git-lfs.github.com/spec/v1\nsize x\n");
  EXPECT_EQ(Has(bad, "REPO-LFS-POINTER-MALFORMED")->severity, Severity::kMedium);
}

TEST(RepositoryCard, MetadataAsEvidence) {
  FileReport r = Scan("r/README.md", "---\nlicense: mit\nbase_model: a/b\ndatasets:\n- d1\nmodel-index:\n- name: x\n"
                                     "  results:\n  - metrics:\n    - value: 1\n---\n# x\n");
  const Finding* f = Has(r, "REPO-MODEL-CARD");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(Ev(*f, "license"), "mit");
  EXPECT_EQ(Ev(*f, "base_model"), "a/b");
  EXPECT_EQ(Ev(*f, "datasets"), "d1");
  ASSERT_NE(Has(r, "REPO-MODEL-CARD-CLAIMS"), nullptr);
  EXPECT_EQ(Ev(*Has(r, "REPO-MODEL-CARD-CLAIMS"), "results"), "1");
  EXPECT_EQ(Has(r, "FILE-UNRECOGNISED"), nullptr);
}

class TempRepo : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("mg-repo-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  void Write(const std::string& rel, const std::string& text) {
    fs::create_directories((root_ / rel).parent_path());
    std::ofstream(root_ / rel) << text;
  }
  std::map<std::string, FileReport> ScanRoot() {
    auto r = ScanPaths({root_.string()}, ScanOptions());
    EXPECT_TRUE(r.ok());
    std::map<std::string, FileReport> out;
    for (FileReport& f : r.value().files) out[fs::path(f.path).lexically_relative(root_).string()] = f;
    return out;
  }
  fs::path root_;
};

TEST_F(TempRepo, AutoMapLinksAndMissingModules) {
  Write("m/config.json", R"({"auto_map": {"AutoConfig": "configuration_x.XC", "AutoModel": "modeling_gone.X"}})");
  Write("m/configuration_x.py", "class XC:\n    pass\n");
  Write("m/helper.py", "x = 1\n");
  auto files = ScanRoot();
  ASSERT_NE(Has(files["m/config.json"], "REPO-AUTO-MAP-MODULE-MISSING"), nullptr);
  ASSERT_NE(Has(files["m/configuration_x.py"], "REPO-AUTO-MAP-LINK"), nullptr);
  EXPECT_EQ(Has(files["m/configuration_x.py"], "REPO-PYTHON-UNREFERENCED"), nullptr);
  ASSERT_NE(Has(files["m/helper.py"], "REPO-PYTHON-UNREFERENCED"), nullptr);
  // Findings stay sorted most severe first after the folder pass.
  const auto& fs_ = files["m/config.json"].findings;
  for (std::size_t k = 1; k < fs_.size(); ++k) EXPECT_GE(fs_[k - 1].severity, fs_[k].severity);
}

TEST_F(TempRepo, WeightIndexMissingShardsAndLfsSummary) {
  Write("config.json", "{}");
  Write("model.safetensors.index.json", R"({"weight_map": {"a": "m-1.safetensors", "b": "m-2.safetensors"}})");
  Write("m-1.safetensors", "version https://git-lfs.github.com/spec/v1\noid sha256:" + std::string(64, 'b') + "\nsize 7\n");
  auto files = ScanRoot();
  const Finding* miss = Has(files["model.safetensors.index.json"], "REPO-WEIGHT-MAP-MISSING");
  ASSERT_NE(miss, nullptr);
  EXPECT_EQ(miss->severity, Severity::kHigh);
  EXPECT_EQ(Ev(*miss, "missing"), "m-2.safetensors");
  const Finding* lfs = Has(files["config.json"], "REPO-LFS-SUMMARY");
  ASSERT_NE(lfs, nullptr);
  EXPECT_EQ(Ev(*lfs, "count"), "1");
}

TEST_F(TempRepo, CompleteShardsAreClean) {
  Write("pytorch_model.bin.index.json", R"({"weight_map": {"a": "p-1.bin"}})");
  Write("p-1.bin", "x");
  auto files = ScanRoot();
  EXPECT_EQ(Has(files["pytorch_model.bin.index.json"], "REPO-WEIGHT-MAP-MISSING"), nullptr);
}

TEST_F(TempRepo, FolderPassNeverOpensSymlinksOrFifos) {
  // A config.json that links outside the repository is reported by the walk
  // and not followed; a FIFO named like a weight index must not block the
  // folder pass.
  fs::path outside = root_.string() + "-outside.json";
  std::ofstream(outside) << R"({"auto_map": {"AutoModel": "modeling_gone.X"}})";
  fs::create_directories(root_ / "m");
  fs::create_symlink(outside, root_ / "m/config.json");
  ASSERT_EQ(::mkfifo((root_ / "m/model.safetensors.index.json").c_str(), 0600), 0);
  auto files = ScanRoot();
  fs::remove(outside);
  ASSERT_NE(Has(files["m/config.json"], "FILE-SYMLINK-OUTSIDE"), nullptr);
  EXPECT_EQ(Has(files["m/config.json"], "REPO-AUTO-MAP-MODULE-MISSING"), nullptr);
  ASSERT_NE(Has(files["m/model.safetensors.index.json"], "FILE-SPECIAL"), nullptr);
}

}  // namespace
}  // namespace modelgate
