// Analyzers: one per content type. Each reads one Blob through its format
// reader, turns what the reader saw into findings (format readers never
// decide what is dangerous), and queues members it finds with
// ScanContext::EnqueueChild. None recurses: nesting goes through the queue.
//
// Each analyzer must leave at least one finding when it could not fully
// parse its input (parse errors are findings, never "clean").
#ifndef MODELGATE_SCAN_ANALYZERS_H_
#define MODELGATE_SCAN_ANALYZERS_H_

#include <string>
#include <string_view>

#include <vector>

#include "modelgate/scan.h"
#include "scan/scan_context.h"

namespace modelgate {

// How one kind of reader anomaly is reported: each analyzer maps its
// reader's anomaly kinds to these (a table of ids, severities and reasons).
struct FindingSpec {
  const char* id;
  Severity severity;
  const char* title;
  const char* why;  // the detail's second half: why it matters
};

void AnalyzePickle(const Blob& blob, ScanContext& ctx);   // pickle_analyzer.cc
void AnalyzeZip(const Blob& blob, ScanContext& ctx);      // zip_analyzer.cc
void AnalyzeNpy(const Blob& blob, ScanContext& ctx);      // npy_analyzer.cc
// tar, 7z and single-stream compression (gzip, bzip2, xz, lzma, zlib, zstd).
void AnalyzeArchive(const Blob& blob, ScanContext& ctx);  // archive_analyzer.cc
void AnalyzeSafetensors(const Blob& blob, ScanContext& ctx);  // safetensors_analyzer.cc
void AnalyzeGguf(const Blob& blob, ScanContext& ctx);         // gguf_analyzer.cc
void AnalyzeHdf5(const Blob& blob, ScanContext& ctx);         // hdf5_analyzer.cc (Keras .h5)
void AnalyzeOnnx(const Blob& blob, ScanContext& ctx);         // onnx_analyzer.cc
// SavedModel, frozen GraphDef and keras_metadata.pb.
void AnalyzeTensorflow(const Blob& blob, ScanContext& ctx);   // tensorflow_analyzer.cc

// A Keras model configuration as JSON (role "keras-config"): config.json of a
// .keras zip, the model_config attribute of a .h5 file, or the metadata JSON
// of keras_metadata.pb. Finds layers anywhere in the tree.
void AnalyzeKerasConfig(const Blob& blob, ScanContext& ctx);  // keras_analyzer.cc

// A Jinja chat template (GGUF tokenizer.chat_template, tokenizer_config.json
// chat_template). `where` names the field it came from, for the finding.
void AnalyzeChatTemplate(std::string_view template_text, const Blob& at, const std::string& where,
                         ScanContext& ctx);  // chat_template_analyzer.cc

// Model repositories (Hugging Face layout). Loaders read these files by
// name, so here (and only here) the file name decides the role:
// RepositoryRoleFor("x/config.json") == "hf-config", and so on; "" for files
// no loader opens by name.
std::string RepositoryRoleFor(std::string_view path);          // repository_analyzer.cc
// A file whose root blob has a repository role (config, tokenizer config,
// Python source, model card ...).
void AnalyzeRepositoryFile(const Blob& blob, ScanContext& ctx);  // repository_analyzer.cc
// A Git LFS pointer: the weights were never downloaded.
void AnalyzeLfsPointer(const Blob& blob, ScanContext& ctx);      // repository_analyzer.cc
// After a folder given to ScanPaths is scanned: the checks that need the
// repository as one unit (auto_map naming a module that is absent, ...).
// `files` are the reports of every file under `root`, in path order; findings
// are added to them.
void AnalyzeRepositoryFolder(const std::string& root, std::vector<FileReport>& files);  // repository_analyzer.cc

}  // namespace modelgate

#endif  // MODELGATE_SCAN_ANALYZERS_H_
