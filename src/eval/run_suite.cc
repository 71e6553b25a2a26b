#include "eval/run_suite.h"

#include <algorithm>
#include <utility>

namespace modelgate::eval {

std::vector<std::string> SuitePrompts(const Suite& suite) {
  std::vector<std::string> prompts;
  prompts.reserve(suite.cases.size());
  for (const SuiteCase& c : suite.cases) prompts.push_back(c.prompt);
  return prompts;
}

Result<SuiteResult> RunSuite(Backend& backend, const Suite& suite, const std::vector<std::string>& prompts,
                             const ProcessRunner& bandit, const SuiteRunOptions& options) {
  if (prompts.size() != suite.cases.size()) {
    return Status::InvalidArgument("RunSuite: one prompt per case is required");
  }
  const std::size_t batch = std::max<std::size_t>(1, options.batch);
  std::vector<Generation> generations;
  generations.reserve(prompts.size());
  for (std::size_t first = 0; first < prompts.size(); first += batch) {
    const std::size_t last = std::min(prompts.size(), first + batch);
    std::vector<GenerationRequest> requests;
    requests.reserve(last - first);
    for (std::size_t i = first; i < last; ++i) {
      requests.push_back(GenerationRequest{prompts[i], suite.chat, suite.cases[i].decoding});
    }
    Result<std::vector<Generation>> got = backend.Generate(requests);
    if (!got.ok()) return got.status();
    if (got->size() != requests.size()) {
      return Status::Corruption("backend returned " + std::to_string(got->size()) + " generations for " +
                                std::to_string(requests.size()) + " requests");
    }
    for (Generation& g : got.value()) generations.push_back(std::move(g));
    if (options.progress) options.progress(last, prompts.size());
  }
  Result<SuiteResult> scored = ScoreSuite(suite, prompts, generations, bandit);
  if (scored.ok()) scored->backend = backend.Describe();
  return scored;
}

Suite FirstCases(const Suite& suite, std::size_t n) {
  Suite out = suite;
  if (n != 0 && n < out.cases.size()) out.cases.resize(n);
  return out;
}

}  // namespace modelgate::eval
