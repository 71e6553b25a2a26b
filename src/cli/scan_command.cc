// `modelgate scan`: static analysis of model files and folders.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "modelgate/policy.h"
#include "modelgate/report.h"
#include "modelgate/scan.h"

namespace modelgate::cli {

namespace {

struct ScanArgs {
  std::vector<std::string> paths;
  std::string format = "text";
  std::string fail_on = "high";
  unsigned jobs = 0;
  std::vector<std::string> policy_files;
  bool progress = false;
  bool show_info = false;
  std::string output;
};

int RunScan(const ScanArgs& args) {
  Severity fail_on;
  if (!ParseSeverity(args.fail_on, &fail_on)) {
    std::cerr << "modelgate scan: --fail-on must be one of critical, high, medium, low, info\n";
    return kExitUsage;
  }
  std::unique_ptr<Policy> policy;
  if (!args.policy_files.empty()) {
    policy = Policy::NewBuiltin();
    for (const std::string& file : args.policy_files) {
      std::ifstream in(file, std::ios::binary);
      if (!in) {
        std::cerr << "modelgate scan: cannot read policy file " << file << "\n";
        return kExitUsage;
      }
      std::stringstream text;
      text << in.rdbuf();
      Status s = policy->AddRules(text.str(), file);
      if (!s.ok()) {
        std::cerr << "modelgate scan: " << s.message() << "\n";
        return kExitUsage;
      }
    }
  }
  ScanOptions options;
  options.policy = policy.get();
  options.jobs = args.jobs;
  bool show_progress = args.progress || ::isatty(STDERR_FILENO);
  ScanProgress progress;
  if (show_progress) {
    progress = [](std::size_t done, std::size_t total) {
      if (total < 20) return;  // not worth a progress line
      if (done == total || done % 64 == 0) {
        std::fprintf(stderr, "\rscanned %zu/%zu files", done, total);
        if (done == total) std::fputc('\n', stderr);
      }
    };
  }
  Result<ScanReport> report = ScanPaths(args.paths, options, progress);
  if (!report.ok()) {
    std::cerr << "modelgate scan: " << report.status().message() << "\n";
    return kExitUsage;
  }
  ReportOptions ropts;
  ropts.fail_on = fail_on;
  ropts.show_info = args.show_info;
  ropts.tool_version = MODELGATE_VERSION;
  bool to_terminal = args.output.empty() && ::isatty(STDOUT_FILENO);
  ropts.color = to_terminal && std::getenv("NO_COLOR") == nullptr;
  std::string out;
  if (args.format == "json") {
    out = RenderJson(report.value(), ropts);
  } else if (args.format == "sarif") {
    out = RenderSarif(report.value(), ropts);
  } else {
    out = RenderText(report.value(), ropts);
  }
  if (args.output.empty()) {
    std::fwrite(out.data(), 1, out.size(), stdout);
  } else {
    std::ofstream f(args.output, std::ios::binary);
    f << out;
    if (!f) {
      std::cerr << "modelgate scan: cannot write " << args.output << "\n";
      return kExitUsage;
    }
  }
  return AnyFails(report.value(), fail_on) ? kExitFindings : kExitClean;
}

}  // namespace

CommandRunner RegisterScan(CLI::App& app) {
  auto args = std::make_shared<ScanArgs>();
  CLI::App* cmd = app.add_subcommand(
      "scan",
      "Static analysis of model files and folders (pickle, PyTorch, numpy, joblib, archives).\n"
      "Never executes, imports or unpickles model content.\n"
      "Exit codes: 0 nothing at or above --fail-on; 1 findings at or above it; 2 usage error or unreadable path.");
  cmd->add_option("paths", args->paths, "Files or folders to scan (folders recursively; symlinks are reported, not followed)")
      ->required();
  cmd->add_option("-f,--format", args->format, "Output format")
      ->check(CLI::IsMember({"text", "json", "sarif"}))
      ->capture_default_str();
  cmd->add_option("--fail-on", args->fail_on, "Lowest severity that makes the exit code 1")
      ->check(CLI::IsMember({"critical", "high", "medium", "low", "info"}))
      ->capture_default_str();
  cmd->add_option("-j,--jobs", args->jobs, "Files scanned in parallel (0 = one per core)")->capture_default_str();
  cmd->add_option("--policy", args->policy_files,
                  "Policy file(s) extending the built-in allow/deny lists (format: docs/policy.md)")
      ->check(CLI::ExistingFile);
  cmd->add_flag("--progress", args->progress, "Show progress on stderr even when it is not a terminal");
  cmd->add_flag("--show-info", args->show_info, "List info-level findings in the text report");
  cmd->add_option("-o,--output", args->output, "Write the report to this file instead of stdout");
  return [args] { return RunScan(*args); };
}

}  // namespace modelgate::cli
