// Subcommands of the modelgate command-line tool. Each registers its options
// on a CLI11 subcommand and returns a function that runs it and yields the
// process exit code (0 clean, 1 findings at or above --fail-on, 2 usage error
// or unreadable path).
#ifndef MODELGATE_CLI_COMMANDS_H_
#define MODELGATE_CLI_COMMANDS_H_

#include <functional>

#include <CLI/CLI.hpp>

namespace modelgate::cli {

inline constexpr int kExitClean = 0;
inline constexpr int kExitFindings = 1;
inline constexpr int kExitUsage = 2;

using CommandRunner = std::function<int()>;

CommandRunner RegisterScan(CLI::App& app);
CommandRunner RegisterAttest(CLI::App& app);
CommandRunner RegisterBom(CLI::App& app);
CommandRunner RegisterManifest(CLI::App& app);
CommandRunner RegisterSign(CLI::App& app);
CommandRunner RegisterVerify(CLI::App& app);
CommandRunner RegisterDiff(CLI::App& app);
CommandRunner RegisterInspect(CLI::App& app);
CommandRunner RegisterSandboxProbe(CLI::App& app);
CommandRunner RegisterEval(CLI::App& app);
CommandRunner RegisterGenerate(CLI::App& app);
CommandRunner RegisterServeModel(CLI::App& app);

}  // namespace modelgate::cli

#endif  // MODELGATE_CLI_COMMANDS_H_
