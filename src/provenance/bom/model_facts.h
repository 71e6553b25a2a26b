// ModelFacts: what a bill of materials says about a model, collected without
// executing anything.
//
// CollectModelFacts() enumerates and hashes a model folder (or a single file)
// with BuildManifest (manifest.h: the OMS "files" serialisation with SHA-256,
// the git paths and the signature file model.sig left out, symlinks refused
// unless allowed), so the BOM's files and digests are the signature's. It
// then routes every file by
// content (formats/routing) and asks the format's own reader what it can
// tell: tensor and parameter counts and dtypes (safetensors, GGUF, ONNX
// initializers, numpy .npy), GGUF general.* keys, ONNX producer and
// interface. At the model root it reads config.json (architecture) and the
// README.md front matter (model card). Optionally it runs the scanner and
// summarises its findings. Every reader used is a bounded reader of hostile
// bytes; what a reader cannot tell stays unknown (std::nullopt or an empty
// list with a reason), never guessed.
//
// Thread safety: CollectModelFacts() is reentrant; it uses up to `jobs`
// worker threads internally.
#ifndef MODELGATE_PROVENANCE_BOM_MODEL_FACTS_H_
#define MODELGATE_PROVENANCE_BOM_MODEL_FACTS_H_

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "formats/repo/model_card.h"
#include "modelgate/byte_reader.h"
#include "modelgate/finding.h"
#include "modelgate/limits.h"
#include "modelgate/status.h"

namespace modelgate::provenance::bom {

// The name of the detached signature inside a model folder or beside a file.
inline constexpr const char* kSignatureFileName = "model.sig";

// Key/value facts, in the order they were found.
using FactList = std::vector<std::pair<std::string, std::string>>;

// Tensors of one file, as its format declares them.
struct TensorFacts {
  bool known = false;                       // the format tells tensor facts and they were read
  std::uint64_t tensors = 0;
  std::optional<std::uint64_t> parameters;  // element count; nullopt when a shape is unknown or overflows
  std::vector<std::string> dtypes;          // as the format names them, sorted, unique
  std::string unknown_reason;               // set when !known: why not
  bool holds_no_weights = false;            // text, empty, LFS pointer: nothing to count here
};

// TensorFacts::unknown_reason of files that hold no tensors at all.
inline constexpr const char* kNoWeightsHere = "no tensors in this file";

struct FileFacts {
  std::string path;        // POSIX path relative to the model root; a single-file model: its file name
  std::uint64_t size = 0;
  std::string sha256_hex;  // of the file's bytes
  std::string format;      // ContentTypeName of the routed content ("safetensors", "zip" ...)
  TensorFacts tensors;
  FactList format_facts;   // format-specific: ("gguf:architecture", "llama") ...
  // ONNX graph interface (a "tensor(FLOAT)[1,3,224,224]" string per input/output).
  std::vector<std::string> onnx_inputs, onnx_outputs;
  // Scanner results for this file (when the scan ran).
  bool scanned = false;
  std::string scan_format;
  std::uint64_t findings = 0;
  std::optional<Severity> highest;  // nullopt: no findings
};

// config.json at the model root (Hugging Face transformers).
struct ConfigFacts {
  bool present = false;
  std::string error;  // set when present but unreadable (not JSON, too deep ...)
  std::vector<std::string> architectures;
  std::string model_type;
  std::string torch_dtype;
  // Selected integer fields under their transformers names, in a fixed order
  // (hidden_size, num_hidden_layers, num_attention_heads, vocab_size,
  // max_position_embeddings, intermediate_size); GPT-2 style aliases (n_embd,
  // n_layer, n_head, n_positions, d_model, num_layers) are mapped to them.
  FactList sizes;
};

struct ScanSummary {
  bool ran = false;
  std::array<std::uint64_t, 5> by_severity = {};  // indexed by Severity (info .. critical)
  std::optional<Severity> highest;
  std::vector<std::string> finding_ids;           // sorted, unique
};

struct SignatureFacts {
  bool present = false;
  std::string path;  // as it would be looked for (relative to the model's parent for a single file)
  // When present: what its payload says compared with the model now.
  // "digest matches, signature not verified (run modelgate verify)",
  // "digest differs (changed: a; added: b; missing: c), signature not verified",
  // "unreadable: <reason>", or "signed as <method>/<hash>: digests not compared ...".
  std::string status;
  std::string signed_root_digest_hex;  // the in-toto subject digest, when readable
};

struct ModelFacts {
  std::string name;          // final component of the model path
  bool single_file = false;
  std::vector<FileFacts> files;  // manifest order
  // OMS root digest for the "files" serialisation with SHA-256: SHA-256 over
  // the concatenated raw file digests in manifest order.
  std::string root_digest_hex;
  ConfigFacts config;
  bool has_card = false;     // README.md at the root with front matter
  repo::ModelCard card;
  ScanSummary scan;
  SignatureFacts signature;
  std::vector<std::string> manifest_warnings;  // e.g. a followed symlink that leaves the model

  // Sums over files whose tensor facts are known.
  std::uint64_t TotalTensors() const;
  // nullopt when no file tells parameters, or on overflow.
  std::optional<std::uint64_t> TotalParameters() const;
  std::vector<std::string> AllDtypes() const;
  std::uint64_t TotalSize() const;
};

using FactsProgress = std::function<void(std::size_t done, std::size_t total)>;

struct CollectOptions {
  Limits limits;
  bool scan = true;   // run the scanner and record its results
  bool allow_symlinks = false;  // as the manifest: refused unless allowed, then followed
  unsigned jobs = 0;  // 0: hardware concurrency
};

// Collects the facts of `model` (a file or a folder).
// Errors: kIOError when `model` does not exist or a listed file cannot be
// read (the message names the path); kInvalidArgument when `model` is
// neither a regular file nor a folder, or the manifest refuses it (a symlink
// without allow_symlinks, a special file); kLimitExceeded from the manifest.
Result<ModelFacts> CollectModelFacts(const std::filesystem::path& model, const CollectOptions& options,
                                     const FactsProgress& progress = nullptr);

// Tensor and format facts of one file's bytes (routing + the format reader).
// Never fails: what cannot be read is reported in TensorFacts::unknown_reason.
// Exposed for tests. Thread-safe.
void ReadFormatFacts(ByteView bytes, const Limits& limits, FileFacts* file);

// config.json facts from its bytes. Exposed for tests. Thread-safe.
ConfigFacts ReadConfigFacts(ByteView bytes, const Limits& limits);

}  // namespace modelgate::provenance::bom

#endif  // MODELGATE_PROVENANCE_BOM_MODEL_FACTS_H_
