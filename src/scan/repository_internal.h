// Internal pieces of the repository analysis shared by repository_analyzer.cc,
// repository_folder.cc and python_analyzer.cc. Not part of the public API.
#ifndef MODELGATE_SCAN_REPOSITORY_INTERNAL_H_
#define MODELGATE_SCAN_REPOSITORY_INTERNAL_H_

#include <string>
#include <string_view>

#include "scan/scan_context.h"

namespace modelgate {

// Findings for one Python source file (repository role "python-source").
// `file_label` names it in titles ("modeling_x.py").
void AnalyzePythonSource(std::string_view source, const Blob& blob, const std::string& file_label,
                         ScanContext& ctx);

// The file name part of a path ("a/b/config.json" -> "config.json").
std::string_view BaseName(std::string_view path);

// Repository roles (values of RepositoryRoleFor).
inline constexpr std::string_view kRoleConfig = "hf-config";
inline constexpr std::string_view kRoleTokenizerConfig = "hf-tokenizer-config";
inline constexpr std::string_view kRoleProcessorConfig = "hf-processor-config";
inline constexpr std::string_view kRoleGenerationConfig = "hf-generation-config";
inline constexpr std::string_view kRoleChatTemplateJinja = "hf-chat-template";
inline constexpr std::string_view kRoleChatTemplateJson = "hf-chat-template-json";
inline constexpr std::string_view kRoleStModules = "st-modules";
inline constexpr std::string_view kRoleStConfig = "st-config";
inline constexpr std::string_view kRoleDiffusersIndex = "diffusers-model-index";
inline constexpr std::string_view kRoleWeightIndex = "hf-weight-index";
inline constexpr std::string_view kRolePython = "python-source";
inline constexpr std::string_view kRoleModelCard = "model-card";

}  // namespace modelgate

#endif  // MODELGATE_SCAN_REPOSITORY_INTERNAL_H_
