// Tests of the BOM facts and their CycloneDX rendering. Expected values are
// computed independently in the tests (JSON header parsed here, GGUF/ONNX/npy
// files built here, SHA-256 through OpenSSL directly), never copied from the
// code under test. Schema validation of whole BOMs is tests/bom_test.sh.
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <onnx/onnx_pb.h>

#include "provenance/bom/cyclonedx.h"
#include "provenance/bom/model_facts.h"
#include "provenance/bom/signature_facts.h"

namespace modelgate::provenance::bom {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteFile(const fs::path& p, std::string_view bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string Hex(const unsigned char* d, std::size_t n) {
  std::string s;
  char buf[3];
  for (std::size_t i = 0; i < n; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", d[i]);
    s += buf;
  }
  return s;
}

// SHA-256 straight from OpenSSL: raw bytes.
std::string Sha256(std::string_view data) {
  unsigned char out[32];
  unsigned int len = 0;
  EXPECT_EQ(EVP_Digest(data.data(), data.size(), out, &len, EVP_sha256(), nullptr), 1);
  return std::string(reinterpret_cast<char*>(out), len);
}
std::string Sha256Hex(std::string_view data) {
  std::string raw = Sha256(data);
  return Hex(reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
}

FileFacts FactsOf(std::string_view bytes) {
  FileFacts f;
  ReadFormatFacts(AsBytes(bytes), Limits(), &f);
  return f;
}

std::string FactValue(const FileFacts& f, const std::string& key) {
  for (const auto& [k, v] : f.format_facts) {
    if (k == key) return v;
  }
  return "";
}

class TempDir {
 public:
  TempDir() {
    std::string templ = (fs::temp_directory_path() / "bomtest-XXXXXX").string();
    path_ = ::mkdtemp(templ.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// ---- tensor facts ----

TEST(BomFormatFacts, SafetensorsCountsMatchTheHeader) {
  std::string bytes = ReadFile(fs::path(MODELGATE_SOURCE_DIR) / "tests/fixtures/formats/safetensors/benign/mlp.safetensors");
  ASSERT_GT(bytes.size(), 8u);
  std::uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);  // little-endian host (x86-64, arm64)
  json header = json::parse(bytes.substr(8, n));
  std::uint64_t tensors = 0, params = 0;
  std::set<std::string> dtypes;
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") continue;
    ++tensors;
    std::uint64_t count = 1;
    for (const json& d : entry["shape"]) count *= d.get<std::uint64_t>();
    params += count;
    dtypes.insert(entry["dtype"].get<std::string>());
  }
  FileFacts f = FactsOf(bytes);
  EXPECT_EQ(f.format, "safetensors");
  ASSERT_TRUE(f.tensors.known) << f.tensors.unknown_reason;
  EXPECT_EQ(f.tensors.tensors, tensors);
  ASSERT_TRUE(f.tensors.parameters.has_value());
  EXPECT_EQ(*f.tensors.parameters, params);
  EXPECT_EQ(std::set<std::string>(f.tensors.dtypes.begin(), f.tensors.dtypes.end()), dtypes);
  EXPECT_EQ(FactValue(f, "safetensors:metadata:format"), header["__metadata__"]["format"].get<std::string>());
}

// A GGUF v3 file built here: one string kv and two F32 tensors.
std::string TinyGguf() {
  std::string b = "GGUF";
  auto u32 = [&](std::uint32_t v) { b.append(reinterpret_cast<const char*>(&v), 4); };
  auto u64 = [&](std::uint64_t v) { b.append(reinterpret_cast<const char*>(&v), 8); };
  auto str = [&](std::string_view s) {
    u64(s.size());
    b.append(s);
  };
  u32(3);
  u64(2);  // tensors
  u64(1);  // kvs
  str("general.architecture");
  u32(8);  // STRING
  str("llama");
  str("a");
  u32(2);
  u64(3);
  u64(2);
  u32(0);  // F32
  u64(0);
  str("b");
  u32(1);
  u64(4);
  u32(0);
  u64(32);
  while (b.size() % 32 != 0) b.push_back('\0');
  b.append(64, '\0');  // 6 floats padded to 32, then 4 floats padded to 32
  return b;
}

TEST(BomFormatFacts, GgufCountsAndGeneralKeys) {
  FileFacts f = FactsOf(TinyGguf());
  EXPECT_EQ(f.format, "gguf");
  ASSERT_TRUE(f.tensors.known) << f.tensors.unknown_reason;
  EXPECT_EQ(f.tensors.tensors, 2u);
  EXPECT_EQ(f.tensors.parameters, std::optional<std::uint64_t>(3 * 2 + 4));
  EXPECT_EQ(f.tensors.dtypes, std::vector<std::string>{"F32"});
  EXPECT_EQ(FactValue(f, "gguf:architecture"), "llama");
}

TEST(BomFormatFacts, OnnxInitializersAndInterface) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.set_producer_name("bomtest");
  m.add_opset_import()->set_version(17);
  onnx::GraphProto* g = m.mutable_graph();
  g->set_name("g");
  std::uint64_t expected = 0;
  const std::vector<std::vector<std::int64_t>> shapes = {{4, 3}, {4}, {2, 2, 5}};
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    onnx::TensorProto* t = g->add_initializer();
    t->set_name("w" + std::to_string(i));
    t->set_data_type(i == 2 ? onnx::TensorProto::FLOAT16 : onnx::TensorProto::FLOAT);
    std::uint64_t n = 1;
    for (std::int64_t d : shapes[i]) {
      t->add_dims(d);
      n *= static_cast<std::uint64_t>(d);
    }
    expected += n;
  }
  onnx::ValueInfoProto* in = g->add_input();
  in->set_name("x");
  in->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  in->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_param("batch");
  in->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_value(3);
  g->add_input()->set_name("w0");  // an initializer listed as input: not part of the interface
  g->add_output()->set_name("y");
  onnx::NodeProto* node = g->add_node();
  node->set_op_type("MatMul");
  node->add_input("x");
  node->add_input("w0");
  node->add_output("y");
  FileFacts f = FactsOf(m.SerializeAsString());
  EXPECT_EQ(f.format, "onnx");
  ASSERT_TRUE(f.tensors.known) << f.tensors.unknown_reason;
  EXPECT_EQ(f.tensors.tensors, shapes.size());
  EXPECT_EQ(f.tensors.parameters, std::optional<std::uint64_t>(expected));
  EXPECT_EQ(f.tensors.dtypes, (std::vector<std::string>{"FLOAT", "FLOAT16"}));
  EXPECT_EQ(f.onnx_inputs, std::vector<std::string>{"x: tensor(FLOAT)[batch,3]"});
  ASSERT_EQ(f.onnx_outputs.size(), 1u);
  EXPECT_EQ(FactValue(f, "onnx:producer"), "bomtest");
}

std::string Npy(std::string_view dict) {
  std::string header(dict);
  while ((10 + header.size() + 1) % 64 != 0) header.push_back(' ');
  header.push_back('\n');
  std::string b = "\x93NUMPY\x01";
  b.push_back('\0');
  b.push_back(static_cast<char>(header.size() & 0xff));
  b.push_back(static_cast<char>(header.size() >> 8));
  return b + header;
}

TEST(BomFormatFacts, NpyShapeAndDtype) {
  FileFacts f = FactsOf(Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 5), }") + std::string(60, '\0'));
  ASSERT_TRUE(f.tensors.known) << f.tensors.unknown_reason;
  EXPECT_EQ(f.tensors.tensors, 1u);
  EXPECT_EQ(f.tensors.parameters, std::optional<std::uint64_t>(15));
  EXPECT_EQ(f.tensors.dtypes, std::vector<std::string>{"<f4"});
  EXPECT_EQ(FactValue(f, "npy:shape"), "(3,5)");

  FileFacts objects = FactsOf(Npy("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }") + "\x80\x02N.");
  EXPECT_FALSE(objects.tensors.known);
  EXPECT_NE(objects.tensors.unknown_reason.find("object"), std::string::npos);
}

TEST(BomFormatFacts, UnknownFormatsSayWhy) {
  FileFacts text = FactsOf("just some text\n");
  EXPECT_FALSE(text.tensors.known);
  EXPECT_TRUE(text.tensors.holds_no_weights);
  FileFacts pickle = FactsOf(std::string("\x80\x02}q\x00.", 6));
  EXPECT_EQ(pickle.format, "pickle");
  EXPECT_FALSE(pickle.tensors.known);
  EXPECT_FALSE(pickle.tensors.holds_no_weights);
  EXPECT_NE(pickle.tensors.unknown_reason.find("not counted"), std::string::npos);
  // A safetensors file whose header is cut: counts unknown, not zero.
  std::string cut = ReadFile(fs::path(MODELGATE_SOURCE_DIR) / "tests/fixtures/formats/safetensors/benign/mlp.safetensors");
  FileFacts truncated = FactsOf(std::string_view(cut).substr(0, 40));
  EXPECT_FALSE(truncated.tensors.known);
}

// ---- config.json ----

TEST(BomConfigFacts, ArchitectureAndAliases) {
  ConfigFacts c = ReadConfigFacts(AsBytes(R"({"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2",
      "n_embd": 4, "n_layer": 2, "n_head": 2, "vocab_size": 8, "n_positions": 1024, "n_inner": null,
      "torch_dtype": "float32"})"),
                                  Limits());
  EXPECT_TRUE(c.error.empty()) << c.error;
  EXPECT_EQ(c.architectures, std::vector<std::string>{"GPT2LMHeadModel"});
  EXPECT_EQ(c.model_type, "gpt2");
  EXPECT_EQ(c.torch_dtype, "float32");
  FactList want = {{"hidden_size", "4"}, {"num_hidden_layers", "2"}, {"num_attention_heads", "2"},
                   {"vocab_size", "8"}, {"max_position_embeddings", "1024"}};
  EXPECT_EQ(c.sizes, want);
}

TEST(BomConfigFacts, HostileConfigIsAnErrorNotACrash) {
  std::string deep(100000, '[');
  ConfigFacts c = ReadConfigFacts(AsBytes(deep), Limits());
  EXPECT_FALSE(c.error.empty());
  EXPECT_TRUE(c.architectures.empty());
  ConfigFacts not_object = ReadConfigFacts(AsBytes("[1, 2]"), Limits());
  EXPECT_FALSE(not_object.error.empty());
}

// ---- whole models ----

TEST(BomModelFacts, HashesAndRootDigestAreIndependentSha256) {
  TempDir dir;
  WriteFile(dir.path() / "b.bin", "bravo");
  WriteFile(dir.path() / "a/x.txt", "alpha");
  WriteFile(dir.path() / "a-b", "dash");
  WriteFile(dir.path() / "model.sig", "{}");      // the signature is not part of the model
  WriteFile(dir.path() / ".git/HEAD", "ref");     // default ignore
  CollectOptions options;
  options.scan = false;
  options.jobs = 2;
  Result<ModelFacts> facts = CollectModelFacts(dir.path(), options);
  ASSERT_TRUE(facts.ok()) << facts.status().message();
  // Manifest order is by path components: "a/x.txt" < "a-b" < "b.bin".
  std::vector<std::string> names;
  for (const FileFacts& f : facts.value().files) names.push_back(f.path);
  EXPECT_EQ(names, (std::vector<std::string>{"a/x.txt", "a-b", "b.bin"}));
  EXPECT_EQ(facts.value().files[0].sha256_hex, Sha256Hex("alpha"));
  EXPECT_EQ(facts.value().files[1].sha256_hex, Sha256Hex("dash"));
  EXPECT_EQ(facts.value().files[2].sha256_hex, Sha256Hex("bravo"));
  EXPECT_EQ(facts.value().files[2].size, 5u);
  EXPECT_EQ(facts.value().root_digest_hex, Sha256Hex(Sha256("alpha") + Sha256("dash") + Sha256("bravo")));
  EXPECT_TRUE(facts.value().signature.present);
  EXPECT_FALSE(facts.value().scan.ran);

  // Tamper: one changed byte changes that file's hash and the root digest.
  WriteFile(dir.path() / "a-b", "dasH");
  Result<ModelFacts> again = CollectModelFacts(dir.path(), options);
  ASSERT_TRUE(again.ok());
  EXPECT_NE(again.value().files[1].sha256_hex, facts.value().files[1].sha256_hex);
  EXPECT_EQ(again.value().files[0].sha256_hex, facts.value().files[0].sha256_hex);
  EXPECT_NE(again.value().root_digest_hex, facts.value().root_digest_hex);
}

TEST(BomModelFacts, SingleFileIsNamedByItsFileName) {
  TempDir dir;
  WriteFile(dir.path() / "w.gguf", TinyGguf());
  CollectOptions options;
  options.scan = false;
  Result<ModelFacts> facts = CollectModelFacts(dir.path() / "w.gguf", options);
  ASSERT_TRUE(facts.ok()) << facts.status().message();
  ASSERT_EQ(facts.value().files.size(), 1u);
  EXPECT_TRUE(facts.value().single_file);
  EXPECT_EQ(facts.value().name, "w.gguf");
  EXPECT_EQ(facts.value().files[0].path, "w.gguf");
  EXPECT_EQ(facts.value().root_digest_hex, Sha256Hex(Sha256(TinyGguf())));
  EXPECT_EQ(facts.value().TotalParameters(), std::optional<std::uint64_t>(10));
  EXPECT_FALSE(facts.value().signature.present);
}

TEST(BomModelFacts, ErrorsNameThePath) {
  CollectOptions options;
  options.scan = false;
  Result<ModelFacts> missing = CollectModelFacts("/nonexistent/bom-model", options);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("/nonexistent/bom-model"), std::string::npos);

  TempDir dir;
  WriteFile(dir.path() / "real.bin", "x");
  fs::create_symlink(dir.path() / "real.bin", dir.path() / "link.bin");
  Result<ModelFacts> refused = CollectModelFacts(dir.path(), options);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("link.bin"), std::string::npos) << refused.status().message();
  options.allow_symlinks = true;
  Result<ModelFacts> allowed = CollectModelFacts(dir.path(), options);
  ASSERT_TRUE(allowed.ok()) << allowed.status().message();
  EXPECT_EQ(allowed.value().files.size(), 2u);
}

TEST(BomModelFacts, ScanResultsAreSummarised) {
  TempDir dir;
  // A protocol-0 pickle that calls os.system at load.
  WriteFile(dir.path() / "evil.pkl", "cos\nsystem\n(S'echo hi'\ntR.");
  WriteFile(dir.path() / "notes.txt", "hello\n");
  CollectOptions options;
  Result<ModelFacts> facts = CollectModelFacts(dir.path(), options);
  ASSERT_TRUE(facts.ok()) << facts.status().message();
  const ScanSummary& scan = facts.value().scan;
  ASSERT_TRUE(scan.ran);
  ASSERT_TRUE(scan.highest.has_value());
  EXPECT_EQ(*scan.highest, Severity::kCritical);
  EXPECT_GE(scan.by_severity[static_cast<std::size_t>(Severity::kCritical)], 1u);
  EXPECT_NE(std::find(scan.finding_ids.begin(), scan.finding_ids.end(), "PICKLE-CALL-DENYLISTED"),
            scan.finding_ids.end());
  const FileFacts& evil = facts.value().files[0];
  EXPECT_EQ(evil.path, "evil.pkl");
  EXPECT_TRUE(evil.scanned);
  EXPECT_EQ(evil.highest, std::optional<Severity>(Severity::kCritical));
}

// ---- rendering ----

ModelFacts CardModel(const fs::path& root) {
  WriteFile(root / "README.md", "---\nlicense: apache-2.0\npipeline_tag: text-generation\nbase_model: org/base\n"
                               "base_model_relation: finetune\ndatasets:\n- squad\n- glue\nlanguage:\n- en\n---\n# Card\n");
  WriteFile(root / "config.json", R"({"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 64})");
  WriteFile(root / "w.gguf", TinyGguf());
  CollectOptions options;
  options.scan = false;
  Result<ModelFacts> facts = CollectModelFacts(root, options);
  EXPECT_TRUE(facts.ok()) << facts.status().message();
  return facts.ok() ? facts.value() : ModelFacts();
}

std::string Property(const json& component, const std::string& name) {
  for (const json& p : component.value("properties", json::array())) {
    if (p["name"] == name) return p["value"].get<std::string>();
  }
  return "";
}

TEST(BomCycloneDx, ModelCardFieldsReachTheBom) {
  TempDir dir;
  ModelFacts facts = CardModel(dir.path());
  json bom = json::parse(RenderCycloneDx(facts, {false, "9.9.9"}));
  EXPECT_EQ(bom["bomFormat"], "CycloneDX");
  EXPECT_EQ(bom["specVersion"], "1.6");
  EXPECT_EQ(bom["metadata"]["tools"]["components"][0]["version"], "9.9.9");
  const json& model = bom["components"][0];
  EXPECT_EQ(model["type"], "machine-learning-model");
  EXPECT_EQ(model["name"], facts.name);
  const json& params = model["modelCard"]["modelParameters"];
  EXPECT_EQ(params["task"], "text-generation");
  EXPECT_EQ(params["architectureFamily"], "llama");
  EXPECT_EQ(params["modelArchitecture"], "LlamaForCausalLM");
  EXPECT_EQ(params["datasets"], json::parse(R"([{"ref": "dataset:squad"}, {"ref": "dataset:glue"}])"));
  EXPECT_EQ(model["licenses"][0]["license"]["id"], "Apache-2.0");
  EXPECT_EQ(model["pedigree"]["ancestors"][0]["name"], "org/base");
  EXPECT_EQ(model["hashes"][0]["alg"], "SHA-256");
  EXPECT_EQ(model["hashes"][0]["content"], facts.root_digest_hex);
  EXPECT_EQ(Property(model, "modelgate:config:hidden_size"), "64");
  EXPECT_EQ(Property(model, "modelgate:parameters"), "10");
  EXPECT_EQ(Property(model, "modelgate:card:language"), "en");
  EXPECT_EQ(Property(model, "modelgate:signature:status"), "absent");
  EXPECT_EQ(Property(model, "modelgate:scan:status"), "not scanned");
  // Every file is a component with its own SHA-256, and the model depends on it.
  std::set<std::string> refs, depends;
  for (const json& c : bom["components"]) {
    if (c["type"] == "file") {
      refs.insert(c["bom-ref"].get<std::string>());
      bool found = false;
      for (const FileFacts& f : facts.files) found |= (f.path == c["name"] && f.sha256_hex == c["hashes"][0]["content"]);
      EXPECT_TRUE(found) << c["name"];
    }
  }
  for (const json& d : bom["dependencies"][0]["dependsOn"]) depends.insert(d.get<std::string>());
  EXPECT_EQ(refs, depends);
  EXPECT_EQ(refs.size(), 3u);
  int datasets = 0;
  for (const json& c : bom["components"]) datasets += c["type"] == "data";
  EXPECT_EQ(datasets, 2);
}

TEST(BomCycloneDx, DeterministicOutputIsStable) {
  TempDir dir;
  ModelFacts facts = CardModel(dir.path());
  std::string a = RenderCycloneDx(facts, {true, "1"});
  std::string b = RenderCycloneDx(CardModel(dir.path()), {true, "1"});
  EXPECT_EQ(a, b);
  json bom = json::parse(a);
  EXPECT_FALSE(bom["metadata"].contains("timestamp"));
  std::string serial = bom["serialNumber"];
  ASSERT_EQ(serial.size(), 45u);
  EXPECT_EQ(serial[23], '5');  // version 5 (name-based)
  // Another model gives another serial number; random ones are version 4 and differ.
  facts.root_digest_hex = std::string(64, '0');
  EXPECT_NE(json::parse(RenderCycloneDx(facts, {true, "1"}))["serialNumber"], serial);
  std::string r1 = BomSerialNumber(false, "x"), r2 = BomSerialNumber(false, "x");
  EXPECT_NE(r1, r2);
  EXPECT_EQ(r1[23], '4');
  EXPECT_TRUE(json::parse(RenderCycloneDx(facts, {false, "1"}))["metadata"].contains("timestamp"));
}

TEST(BomCycloneDx, HostileStringsStayValidJson) {
  ModelFacts facts;
  facts.name = "m\xff\xfe";
  facts.root_digest_hex = std::string(64, 'a');
  facts.config.present = true;
  facts.config.model_type = std::string("x\xc3", 2) + std::string(5000, 'y');
  facts.card.license = "other";
  facts.card.license_name = "\"quoted\"";
  facts.card.license_link = "javascript:alert(1)";
  facts.has_card = true;
  std::string text = RenderCycloneDx(facts, {true, "1"});
  json bom = json::parse(text, nullptr, false);
  ASSERT_FALSE(bom.is_discarded());
  const json& model = bom["components"][0];
  EXPECT_LE(Property(model, "modelgate:config:model_type").size(), 300u);
  EXPECT_EQ(model["licenses"][0]["license"]["name"], "\"quoted\"");
  EXPECT_FALSE(model["licenses"][0]["license"].contains("url"));  // not an http(s) URL
}

TEST(BomCycloneDx, SpdxIdsFromCardLicenses) {
  EXPECT_EQ(SpdxLicenseId("apache-2.0"), "Apache-2.0");
  EXPECT_EQ(SpdxLicenseId("MIT"), "MIT");
  EXPECT_EQ(SpdxLicenseId("gpl-3.0"), "GPL-3.0-only");
  EXPECT_EQ(SpdxLicenseId("llama2"), "");
  EXPECT_EQ(SpdxLicenseId("other"), "");
}

}  // namespace
}  // namespace modelgate::provenance::bom

namespace modelgate::provenance::bom {
namespace {

// ---- signature (read, compared, never verified) ----

TEST(BomSignature, BundleErrorsNameTheCause) {
  Limits limits;
  Result<ParsedStatement> not_json = ReadSignedStatement(AsBytes("nope"), limits);
  ASSERT_FALSE(not_json.ok());
  EXPECT_NE(not_json.status().message().find("not valid JSON"), std::string::npos) << not_json.status().message();
  Result<ParsedStatement> no_media = ReadSignedStatement(AsBytes(R"({"dsseEnvelope": {}})"), limits);
  ASSERT_FALSE(no_media.ok());
  EXPECT_NE(no_media.status().message().find("mediaType"), std::string::npos) << no_media.status().message();
  Result<ParsedStatement> deep = ReadSignedStatement(AsBytes(std::string(10000, '[')), limits);
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.status().code(), StatusCode::kLimitExceeded);
  limits.max_bundle_bytes = 10;
  EXPECT_EQ(ReadSignedStatement(AsBytes(R"({"dsseEnvelope": {"payload": ""}})"), limits).status().code(),
            StatusCode::kLimitExceeded);
}

TEST(BomSignature, ReferenceBundleDigestMatchesThenNamesTheChange) {
  // v1.0.0 of the reference implementation, key-signed single file signme-1.
  const fs::path fixture = fs::path(MODELGATE_SOURCE_DIR) / "tests/fixtures/provenance/bundles/v1.0.0-elliptic-key";
  TempDir dir;
  fs::copy_file(fixture / "signme-1", dir.path() / "signme-1");
  fs::copy_file(fixture / "model.sig", dir.path() / "model.sig");
  CollectOptions options;
  options.scan = false;
  Result<ModelFacts> facts = CollectModelFacts(dir.path() / "signme-1", options);
  ASSERT_TRUE(facts.ok()) << facts.status().message();
  ASSERT_TRUE(facts.value().signature.present);
  EXPECT_EQ(facts.value().signature.status, "digest matches, signature not verified (run modelgate verify)");
  EXPECT_EQ(facts.value().signature.signed_root_digest_hex, facts.value().root_digest_hex);

  WriteFile(dir.path() / "signme-1", ReadFile(fixture / "signme-1") + "!");
  Result<ModelFacts> tampered = CollectModelFacts(dir.path() / "signme-1", options);
  ASSERT_TRUE(tampered.ok());
  EXPECT_NE(tampered.value().signature.status.find("digest differs"), std::string::npos)
      << tampered.value().signature.status;
  EXPECT_NE(tampered.value().signature.signed_root_digest_hex, tampered.value().root_digest_hex);
}

}  // namespace
}  // namespace modelgate::provenance::bom
