// Helpers shared by `modelgate sign` and `modelgate verify`: reading small
// input files (keys, certificates, bundles) and turning --ignore-paths
// arguments into model-relative paths.
#ifndef MODELGATE_CLI_PROVENANCE_CLI_UTIL_H_
#define MODELGATE_CLI_PROVENANCE_CLI_UTIL_H_

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace modelgate::cli {

// The whole file, or nullopt (unreadable, not a regular file, larger than
// max_bytes). `error` receives the reason.
std::optional<std::string> ReadSmallFile(const std::filesystem::path& path, std::uint64_t max_bytes,
                                         std::string* error);

// --ignore-paths arguments as model_signing takes them: a path that exists
// (relative to the working directory, or absolute) inside the model becomes
// its model-relative path; otherwise the argument is taken as relative to the
// model root. Returns false (with `error`) for a path outside the model.
bool ResolveIgnorePaths(const std::filesystem::path& model, const std::vector<std::string>& args,
                        std::vector<std::string>* out, std::string* error);

// Writes `text` to `path` through a temporary file and a rename, so a crash
// never leaves half a bundle where a verifier will look for one.
bool WriteFileAtomically(const std::filesystem::path& path, const std::string& text, std::string* error);

}  // namespace modelgate::cli

#endif  // MODELGATE_CLI_PROVENANCE_CLI_UTIL_H_
