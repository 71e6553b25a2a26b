// `modelgate manifest`: prints the OMS manifest of a model (debugging aid).
// Text lines are those of the reference implementation's goldens:
// "name:hexdigest" ("path:start:end:hexdigest" for shards). JSON adds the
// serialization, the root digest, the unsigned statement and any warnings.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "provenance/digest_cache.h"
#include "provenance/manifest.h"
#include "provenance/statement.h"

namespace modelgate::cli {

namespace {

struct ManifestArgs {
  std::string model;
  std::string method = "files";
  std::uint64_t shard_size = 1'000'000'000;
  std::string hash = "sha256";
  std::vector<std::string> ignore_paths;
  bool no_git_ignores = false;
  bool allow_symlinks = false;
  unsigned threads = 0;
  std::string cache;
  std::string format = "text";
};

int RunManifest(const ManifestArgs& args) {
  using namespace provenance;
  SerializationOptions options;
  options.method = args.method == "shards" ? SerializationMethod::kShards : SerializationMethod::kFiles;
  options.shard_size = args.shard_size;
  options.hash = args.hash == "blake2b" ? HashAlgorithm::kBlake2b : HashAlgorithm::kSha256;
  options.ignore_paths = args.ignore_paths;
  options.ignore_git_paths = !args.no_git_ignores;
  options.allow_symlinks = args.allow_symlinks;
  options.threads = args.threads;
  DigestCache cache;
  if (!args.cache.empty()) {
    cache.Load(args.cache);
    options.cache = &cache;
  }
  Result<Manifest> manifest = BuildManifest(args.model, options);
  if (!manifest.ok()) {
    std::cerr << "modelgate manifest: " << manifest.status().message() << "\n";
    return kExitUsage;
  }
  for (const std::string& w : manifest->warnings) std::cerr << "modelgate manifest: warning: " << w << "\n";
  if (!args.cache.empty()) {
    Status saved = cache.Save(args.cache);
    if (!saved.ok()) std::cerr << "modelgate manifest: warning: " << saved.message() << "\n";
  }
  std::string out;
  if (args.format == "json") {
    nlohmann::json doc;
    doc["model"] = args.model;
    doc["model_name"] = manifest->model_name;
    doc["root_digest"] = {{"sha256", ToHex(manifest->RootDigest())}};
    doc["resources"] = nlohmann::json::array();
    for (const Resource& r : manifest->resources) {
      doc["resources"].push_back({{"name", r.name}, {"algorithm", r.algorithm}, {"digest", ToHex(r.digest)}});
    }
    doc["warnings"] = manifest->warnings;
    doc["statement"] = nlohmann::json::parse(StatementJson(manifest.value()), nullptr, false);
    out = doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  } else {
    for (const Resource& r : manifest->resources) out += r.name + ":" + ToHex(r.digest) + "\n";
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitClean;
}

}  // namespace

CommandRunner RegisterManifest(CLI::App& app) {
  auto args = std::make_shared<ManifestArgs>();
  CLI::App* cmd = app.add_subcommand(
      "manifest",
      "Print the OpenSSF Model Signing manifest of a model file or folder (the digests `sign` would sign).\n"
      "Text: one 'name:hexdigest' line per file (shards: 'path:start:end:hexdigest'), as the reference\n"
      "implementation's goldens. Exit codes: 0 printed; 2 usage error, unreadable path or refused entry.");
  cmd->add_option("model", args->model, "Model file or folder")->required();
  cmd->add_option("--method", args->method, "Serialization method")
      ->check(CLI::IsMember({"files", "shards"}))
      ->capture_default_str();
  cmd->add_option("--shard-size", args->shard_size, "Shard size in bytes (method shards)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 62))
      ->capture_default_str();
  cmd->add_option("--hash", args->hash, "File hash algorithm (blake3: no Debian library)")
      ->check(CLI::IsMember({"sha256", "blake2b"}))
      ->capture_default_str();
  cmd->add_option("--ignore-paths", args->ignore_paths,
                  "Relative paths to leave out (a folder leaves out its subtree); .git, .gitignore, .gitattributes "
                  "and .github are left out by default");
  cmd->add_flag("--no-git-ignores", args->no_git_ignores, "Include .git, .gitignore, .gitattributes and .github");
  cmd->add_flag("--allow-symlinks", args->allow_symlinks, "Follow symlinks to files (refused otherwise)");
  cmd->add_option("-j,--threads", args->threads, "Hashing threads (0 = one per core)")->capture_default_str();
  cmd->add_option("--cache", args->cache,
                  "Digest cache file (opt-in; trusts size/mtime/ctime/inode to skip unchanged files)");
  cmd->add_option("-f,--format", args->format, "Output format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  return [args] { return RunManifest(*args); };
}

}  // namespace modelgate::cli
