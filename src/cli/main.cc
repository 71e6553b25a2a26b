// modelgate: the gate every model passes before use. This file only wires
// subcommands; each lives in its own <command>_command.cc.
#include <cstdio>
#include <iostream>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"modelgate: keeps compromised machine-learning models out of production.\n"
               "Static analysis never executes, imports or unpickles model content."};
  app.set_version_flag("--version", std::string("modelgate ") + MODELGATE_VERSION);
  app.require_subcommand(1);
  modelgate::cli::CommandRunner scan = modelgate::cli::RegisterScan(app);
  modelgate::cli::CommandRunner attest = modelgate::cli::RegisterAttest(app);
  modelgate::cli::CommandRunner bom = modelgate::cli::RegisterBom(app);
  modelgate::cli::CommandRunner manifest = modelgate::cli::RegisterManifest(app);
  modelgate::cli::CommandRunner sign = modelgate::cli::RegisterSign(app);
  modelgate::cli::CommandRunner verify = modelgate::cli::RegisterVerify(app);
  modelgate::cli::CommandRunner diff = modelgate::cli::RegisterDiff(app);
  modelgate::cli::CommandRunner inspect = modelgate::cli::RegisterInspect(app);
  modelgate::cli::CommandRunner eval = modelgate::cli::RegisterEval(app);
  modelgate::cli::CommandRunner generate = modelgate::cli::RegisterGenerate(app);
  modelgate::cli::CommandRunner serve_model = modelgate::cli::RegisterServeModel(app);
  modelgate::cli::CommandRunner sandbox_probe = modelgate::cli::RegisterSandboxProbe(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return modelgate::cli::kExitUsage;
  }
  if (app.got_subcommand("scan")) return scan();
  if (app.got_subcommand("attest")) return attest();
  if (app.got_subcommand("bom")) return bom();
  if (app.got_subcommand("manifest")) return manifest();
  if (app.got_subcommand("sign")) return sign();
  if (app.got_subcommand("verify")) return verify();
  if (app.got_subcommand("diff")) return diff();
  if (app.got_subcommand("inspect")) return inspect();
  if (app.got_subcommand("eval")) return eval();
  if (app.got_subcommand("generate")) return generate();
  if (app.got_subcommand("serve-model")) return serve_model();
  if (app.got_subcommand("sandbox-probe")) return sandbox_probe();
  return modelgate::cli::kExitUsage;
}
