// CycloneDX 1.6 JSON for ModelFacts. Field shapes follow bom-1.6.schema.json
// (tests/schema/cyclonedx-1.6/); every BOM the tests produce is validated
// against it.
#include "provenance/bom/cyclonedx.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <set>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "base/rfc3339.h"

namespace modelgate::provenance::bom {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::size_t kMaxText = 256;

std::string Clip(std::string_view s) {
  if (s.size() <= kMaxText) return std::string(s);
  return std::string(s.substr(0, kMaxText)) + "...";
}

std::string Join(const std::vector<std::string>& items, const char* sep = ",") {
  std::string out;
  for (const std::string& s : items) {
    if (!out.empty()) out += sep;
    out += s;
    if (out.size() > 4 * kMaxText) break;
  }
  return Clip(out);
}

// Only plain http(s) URLs without spaces, quotes or control characters: the
// schema wants an IRI reference, and a card's text is not trusted to be one.
bool IsPlainUrl(std::string_view s) {
  if (s.size() > 2048) return false;
  if (s.rfind("https://", 0) != 0 && s.rfind("http://", 0) != 0) return false;
  for (unsigned char c : s) {
    if (c <= 0x20 || c >= 0x7f || c == '"' || c == '<' || c == '>' || c == '\\' || c == '^' || c == '`' ||
        c == '{' || c == '|' || c == '}') {
      return false;
    }
  }
  return true;
}

class Properties {
 public:
  void Add(const std::string& name, const std::string& value) {
    if (value.empty()) return;
    list_.push_back(Json{{"name", "modelgate:" + name}, {"value", Clip(value)}});
  }
  bool empty() const { return list_.empty(); }
  Json Take() { return std::move(list_); }

 private:
  Json list_ = Json::array();
};

Json Sha256Hash(const std::string& hex) { return Json::array({Json{{"alg", "SHA-256"}, {"content", hex}}}); }

std::string DatasetRef(const std::string& name) { return "dataset:" + Clip(name); }
std::string FileRef(const std::string& path) { return "file:" + path; }

// ---- model component ----

Json ModelCard(const ModelFacts& f) {
  Json params = Json::object();
  if (!f.card.pipeline_tag.empty()) params["task"] = Clip(f.card.pipeline_tag);
  std::string family = f.config.model_type;
  std::string gguf_arch;
  for (const FileFacts& file : f.files) {
    for (const auto& [k, v] : file.format_facts) {
      if (k == "gguf:architecture" && gguf_arch.empty()) gguf_arch = v;
    }
  }
  if (family.empty()) family = gguf_arch;
  if (!family.empty()) params["architectureFamily"] = family;
  if (!f.config.architectures.empty()) params["modelArchitecture"] = Join(f.config.architectures, ", ");
  if (!f.card.datasets.empty()) {
    Json datasets = Json::array();
    std::set<std::string> seen;
    for (const std::string& d : f.card.datasets) {
      if (seen.insert(DatasetRef(d)).second) datasets.push_back(Json{{"ref", DatasetRef(d)}});
    }
    params["datasets"] = datasets;
  }
  // The interface is known only when the model is one ONNX graph.
  const FileFacts* onnx = nullptr;
  std::size_t onnx_files = 0;
  for (const FileFacts& file : f.files) {
    if (file.format == "onnx" && file.tensors.known) {
      onnx = &file;
      ++onnx_files;
    }
  }
  if (onnx_files == 1) {
    Json inputs = Json::array(), outputs = Json::array();
    for (const std::string& s : onnx->onnx_inputs) inputs.push_back(Json{{"format", Clip(s)}});
    for (const std::string& s : onnx->onnx_outputs) outputs.push_back(Json{{"format", Clip(s)}});
    if (!inputs.empty()) params["inputs"] = inputs;
    if (!outputs.empty()) params["outputs"] = outputs;
  }
  Json card = Json::object();
  if (!params.empty()) card["modelParameters"] = params;
  return card;
}

Json Licenses(const ModelFacts& f) {
  Json licenses = Json::array();
  auto add = [&](const std::string& id_or_name, const std::string& display_name, const std::string& url) {
    Json license = Json::object();
    std::string spdx = SpdxLicenseId(id_or_name);
    if (!spdx.empty()) {
      license["id"] = spdx;
    } else {
      license["name"] = Clip(display_name.empty() ? id_or_name : display_name);
    }
    if (IsPlainUrl(url)) license["url"] = url;
    licenses.push_back(Json{{"license", license}});
  };
  if (!f.card.license.empty()) {
    add(f.card.license, f.card.license == "other" ? f.card.license_name : "", f.card.license_link);
  } else {
    for (const FileFacts& file : f.files) {
      for (const auto& [k, v] : file.format_facts) {
        if (k == "gguf:license") {
          add(v, "", "");
          return licenses;
        }
      }
    }
  }
  return licenses;
}

Json ExternalReferences(const ModelFacts& f) {
  Json refs = Json::array();
  for (const FileFacts& file : f.files) {
    for (const auto& [k, v] : file.format_facts) {
      const char* type = k == "gguf:url"          ? "website"
                         : k == "gguf:repo_url"   ? "vcs"
                         : k == "gguf:source.url" ? "distribution"
                                                  : nullptr;
      if (type != nullptr && IsPlainUrl(v)) {
        refs.push_back(Json{{"url", v}, {"type", type}, {"comment", "from " + file.path + " (" + k + ")"}});
      }
    }
  }
  if (!f.card.license_link.empty() && IsPlainUrl(f.card.license_link)) {
    refs.push_back(Json{{"url", f.card.license_link}, {"type", "license"}, {"comment", "README.md license_link"}});
  }
  return refs;
}

Json ModelProperties(const ModelFacts& f) {
  Properties p;
  p.Add("oms:root-digest", "sha256:" + f.root_digest_hex);
  p.Add("oms:serialization", "files/sha256");
  p.Add("files", std::to_string(f.files.size()));
  p.Add("size", std::to_string(f.TotalSize()));
  std::size_t told = 0, weights = 0;
  for (const FileFacts& file : f.files) {
    if (file.tensors.known) ++told;
    if (!file.tensors.known && !file.tensors.holds_no_weights) ++weights;
  }
  if (told > 0) {
    p.Add("tensors", std::to_string(f.TotalTensors()));
    if (auto n = f.TotalParameters()) p.Add("parameters", std::to_string(*n));
    p.Add("dtypes", Join(f.AllDtypes()));
  }
  // Weights whose tensors were not counted make the totals a lower bound.
  p.Add("tensor-facts", weights == 0 ? (told > 0 ? "complete" : "") : "partial: " + std::to_string(weights) +
                                                                          " weight file(s) not counted");
  if (f.config.present) {
    if (!f.config.error.empty()) p.Add("config:error", f.config.error);
    p.Add("config:architectures", Join(f.config.architectures));
    p.Add("config:model_type", f.config.model_type);
    p.Add("config:torch_dtype", f.config.torch_dtype);
    for (const auto& [k, v] : f.config.sizes) p.Add("config:" + k, v);
  }
  if (f.has_card) {
    p.Add("card:license", f.card.license);
    p.Add("card:license_name", f.card.license_name);
    p.Add("card:pipeline_tag", f.card.pipeline_tag);
    p.Add("card:library_name", f.card.library_name);
    p.Add("card:model_name", f.card.model_name);
    p.Add("card:base_model", Join(f.card.base_models));
    p.Add("card:base_model_relation", f.card.base_model_relation);
    p.Add("card:datasets", Join(f.card.datasets));
    p.Add("card:language", Join(f.card.languages));
    p.Add("card:tags", Join(f.card.tags));
    p.Add("card:metrics", Join(f.card.metrics));
    if (f.card.has_model_index) p.Add("card:model-index-results", std::to_string(f.card.model_index_results));
  }
  if (f.scan.ran) {
    p.Add("scan:status", "scanned");
    p.Add("scan:highest-severity", f.scan.highest ? std::string(SeverityName(*f.scan.highest)) : "none");
    static constexpr Severity kOrder[] = {Severity::kCritical, Severity::kHigh, Severity::kMedium, Severity::kLow,
                                          Severity::kInfo};
    for (Severity s : kOrder) {
      p.Add("scan:findings:" + std::string(SeverityName(s)),
            std::to_string(f.scan.by_severity[static_cast<std::size_t>(s)]));
    }
    p.Add("scan:finding-ids", Join(f.scan.finding_ids));
  } else {
    p.Add("scan:status", "not scanned");
  }
  p.Add("signature:file", f.signature.path);
  p.Add("signature:status", f.signature.present ? f.signature.status : "absent");
  if (!f.signature.signed_root_digest_hex.empty()) {
    p.Add("signature:root-digest", "sha256:" + f.signature.signed_root_digest_hex);
  }
  p.Add("manifest:warnings", Join(f.manifest_warnings, "; "));
  return p.Take();
}

Json ModelComponent(const ModelFacts& f) {
  Json c = Json::object();
  c["bom-ref"] = "model";
  c["type"] = "machine-learning-model";
  c["name"] = Clip(f.name);
  Json card = ModelCard(f);
  if (!card.empty()) c["modelCard"] = card;
  c["hashes"] = Sha256Hash(f.root_digest_hex);
  Json licenses = Licenses(f);
  if (!licenses.empty()) c["licenses"] = licenses;
  Json refs = ExternalReferences(f);
  if (!refs.empty()) c["externalReferences"] = refs;
  if (!f.card.base_models.empty()) {
    Json ancestors = Json::array();
    for (const std::string& base : f.card.base_models) {
      Json a{{"type", "machine-learning-model"}, {"name", Clip(base)}};
      if (!f.card.base_model_relation.empty()) {
        a["properties"] = Json::array(
            {Json{{"name", "modelgate:card:base_model_relation"}, {"value", Clip(f.card.base_model_relation)}}});
      }
      ancestors.push_back(a);
    }
    c["pedigree"] = Json{{"ancestors", ancestors}};
  }
  c["properties"] = ModelProperties(f);
  return c;
}

// ---- file and dataset components ----

Json FileComponent(const FileFacts& file) {
  Json c{{"bom-ref", FileRef(file.path)}, {"type", "file"}, {"name", file.path}, {"hashes", Sha256Hash(file.sha256_hex)}};
  Properties p;
  p.Add("format", file.format);
  p.Add("size", std::to_string(file.size));
  if (file.tensors.known) {
    p.Add("tensors", std::to_string(file.tensors.tensors));
    p.Add("parameters", file.tensors.parameters ? std::to_string(*file.tensors.parameters) : "unknown");
    p.Add("dtypes", Join(file.tensors.dtypes));
  } else {
    p.Add("tensor-facts", "not available: " + file.tensors.unknown_reason);
  }
  for (const auto& [k, v] : file.format_facts) p.Add(k, v);
  if (file.scanned) {
    p.Add("scan:format", file.scan_format);
    p.Add("scan:findings", std::to_string(file.findings));
    p.Add("scan:highest-severity", file.highest ? std::string(SeverityName(*file.highest)) : "none");
  }
  c["properties"] = p.Take();
  return c;
}

Json DatasetComponent(const std::string& name) {
  return Json{{"bom-ref", DatasetRef(name)},
              {"type", "data"},
              {"name", Clip(name)},
              {"data", Json::array({Json{{"type", "dataset"}, {"name", Clip(name)}}})},
              {"properties", Json::array({Json{{"name", "modelgate:source"}, {"value", "README.md datasets"}}})}};
}


std::string FormatUuid(unsigned char b[16]) {
  char out[37];
  std::snprintf(out, sizeof out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return out;
}

}  // namespace

std::string BomSerialNumber(bool deterministic, const std::string& name) {
  unsigned char b[20] = {};
  if (deterministic) {
    // RFC 9562 version 5: SHA-1 over namespace || name. The namespace is
    // modelgate's own (a fixed random UUID), so ids never collide with
    // other tools' name-based ids.
    static constexpr unsigned char kNamespace[16] = {0x6d, 0x4b, 0x2a, 0x1e, 0x93, 0x0c, 0x4f, 0x5d,
                                                     0xa1, 0x77, 0x3b, 0xe2, 0x58, 0x0f, 0xc4, 0x19};
    std::string input(reinterpret_cast<const char*>(kNamespace), sizeof kNamespace);
    input += name;
    unsigned int len = 0;
    if (EVP_Digest(input.data(), input.size(), b, &len, EVP_sha1(), nullptr) != 1) std::abort();
    b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x50);
  } else {
    if (RAND_bytes(b, 16) != 1) std::abort();  // no entropy: no serial number worth the name
    b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
  }
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  return "urn:uuid:" + FormatUuid(b);
}

std::string SpdxLicenseId(const std::string& card_license) {
  // Hugging Face's license identifiers that are SPDX ids (compared without case).
  static constexpr const char* kSpdx[] = {
      "Apache-2.0",   "MIT",          "BSD-2-Clause", "BSD-3-Clause", "BSD-3-Clause-Clear", "BSL-1.0",
      "CC0-1.0",      "CC-BY-2.0",    "CC-BY-2.5",    "CC-BY-3.0",    "CC-BY-4.0",          "CC-BY-SA-3.0",
      "CC-BY-SA-4.0", "CC-BY-NC-2.0", "CC-BY-NC-3.0", "CC-BY-NC-4.0", "CC-BY-ND-4.0",       "CC-BY-NC-ND-3.0",
      "CC-BY-NC-ND-4.0", "CC-BY-NC-SA-2.0", "CC-BY-NC-SA-3.0", "CC-BY-NC-SA-4.0", "AFL-3.0", "Artistic-2.0",
      "ECL-2.0",      "EPL-1.0",      "EPL-2.0",      "EUPL-1.1",     "AGPL-3.0-only",      "GPL-2.0-only",
      "GPL-3.0-only", "LGPL-2.1-only", "LGPL-3.0-only", "ISC",        "MPL-2.0",
      "NCSA",         "ODbL-1.0",     "OFL-1.1",      "OSL-3.0",      "PDDL-1.0",           "Unlicense",
      "WTFPL",        "Zlib",         "LPPL-1.3c",    "ODC-By-1.0",   "OpenRAIL",           "C-UDA-1.0"};
  // HF's short forms of the GNU licenses mean the "-only" SPDX ids.
  static constexpr std::pair<const char*, const char*> kAliases[] = {
      {"gpl", "GPL-3.0-only"},       {"gpl-2.0", "GPL-2.0-only"}, {"gpl-3.0", "GPL-3.0-only"},
      {"lgpl-2.1", "LGPL-2.1-only"}, {"lgpl-3.0", "LGPL-3.0-only"}, {"agpl-3.0", "AGPL-3.0-only"},
      {"lgpl-lr", ""}};
  auto equal = [](std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
    }
    return true;
  };
  for (const auto& [alias, id] : kAliases) {
    if (equal(card_license, alias)) return id;
  }
  for (const char* id : kSpdx) {
    if (equal(card_license, id)) return id;
  }
  return "";
}

std::string RenderCycloneDx(const ModelFacts& f, const BomOptions& options) {
  Json bom = Json::object();
  bom["$schema"] = "http://cyclonedx.org/schema/bom-1.6.schema.json";
  bom["bomFormat"] = "CycloneDX";
  bom["specVersion"] = "1.6";
  bom["serialNumber"] = BomSerialNumber(options.deterministic, "sha256:" + f.root_digest_hex + " " + f.name);
  bom["version"] = 1;
  Json metadata = Json::object();
  if (!options.deterministic) metadata["timestamp"] = NowRfc3339();
  metadata["tools"] = Json{{"components", Json::array({Json{{"type", "application"},
                                                            {"name", "modelgate"},
                                                            {"version", options.tool_version}}})}};
  metadata["component"] = Json{{"type", "machine-learning-model"},
                               {"name", Clip(f.name)},
                               {"hashes", Sha256Hash(f.root_digest_hex)},
                               {"description", "the model described by component \"model\""}};
  bom["metadata"] = metadata;

  Json components = Json::array();
  components.push_back(ModelComponent(f));
  Json depends = Json::array();
  for (const FileFacts& file : f.files) {
    components.push_back(FileComponent(file));
    depends.push_back(FileRef(file.path));
  }
  std::set<std::string> seen;
  for (const std::string& d : f.card.datasets) {
    if (seen.insert(DatasetRef(d)).second) components.push_back(DatasetComponent(d));
  }
  bom["components"] = components;
  Json dependencies = Json::array({Json{{"ref", "model"}, {"dependsOn", depends}}});
  bom["dependencies"] = dependencies;
  return bom.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace modelgate::provenance::bom
