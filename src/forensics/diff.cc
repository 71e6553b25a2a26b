#include "forensics/diff.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <numeric>

#include <fmt/format.h>

#include "base/parallel.h"

namespace modelgate::forensics {
namespace {

std::string ShapeText(const std::vector<std::uint64_t>& shape) { return fmt::format("[{}]", fmt::join(shape, ", ")); }

Finding Structural(std::string id, Severity sev, std::string title, std::string detail, const std::string& tensor) {
  Finding f;
  f.id = std::move(id);
  f.severity = sev;
  f.title = std::move(title);
  f.detail = std::move(detail);
  if (!tensor.empty()) f.evidence.emplace_back("tensor", tensor);
  return f;
}

// tokenizer.json next to a model: in the folder, or beside the file.
std::string FindTokenizer(const std::string& model) {
  std::error_code ec;
  std::filesystem::path p(model);
  std::filesystem::path dir = std::filesystem::is_directory(p, ec) ? p : p.parent_path();
  std::filesystem::path t = dir / "tokenizer.json";
  return std::filesystem::is_regular_file(t, ec) ? t.string() : std::string();
}

}  // namespace

DiffReport DiffSources(const TensorSource& base, const TensorSource& candidate, const Vocabulary& vocab,
                       const DiffOptions& options, const DiffProgress& progress) {
  DiffReport report;
  report.problems = base.problems();
  report.problems.insert(report.problems.end(), candidate.problems().begin(), candidate.problems().end());

  // Match by name.
  std::vector<std::pair<std::size_t, std::size_t>> pairs;
  for (std::size_t i = 0; i < base.tensors().size(); ++i) {
    const TensorInfo& b = base.tensors()[i];
    std::int64_t j = candidate.Find(b.name);
    if (j < 0) {
      report.only_in_base.push_back(b.name);
      continue;
    }
    const TensorInfo& c = candidate.tensors()[static_cast<std::size_t>(j)];
    if (b.shape != c.shape) {
      report.shape_changes.push_back({b.name, b.shape, c.shape});
      continue;
    }
    pairs.emplace_back(i, static_cast<std::size_t>(j));
  }
  for (const TensorInfo& c : candidate.tensors()) {
    if (base.Find(c.name) < 0) report.only_in_candidate.push_back(c.name);
  }

  // Compare, largest first (the longest jobs start first on the pool).
  std::vector<std::size_t> order(pairs.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return base.tensors()[pairs[a].first].elements > base.tensors()[pairs[b].first].elements;
  });
  std::vector<std::optional<TensorDiff>> results(pairs.size());
  std::vector<std::optional<Status>> failures(pairs.size());
  std::mutex mu;
  std::size_t done = 0;
  auto compare = [&](const std::vector<std::size_t>& which, bool spectra) {
    ParallelFor(which.size(), options.jobs, [&](std::size_t k) {
      const std::size_t p = which[k];
      Result<TensorDiff> r = CompareTensor(base, pairs[p].first, candidate, pairs[p].second, options.limits,
                                           spectra ? &options.spectrum : nullptr);
      if (r.ok()) {
        results[p] = std::move(r.value());
      } else {
        failures[p] = r.status();
      }
      if (progress) {
        std::lock_guard<std::mutex> lock(mu);
        progress(++done, which.size());
      }
    });
  };
  compare(order, options.spectra == SpectraMode::kAll);
  if (options.spectra == SpectraMode::kAuto) {
    // Second pass, with spectra, over the changed hidden matrices when they
    // are all that changed: only then does their rank decide the verdict.
    bool only_hidden = true;
    std::vector<std::size_t> again;
    for (std::size_t p : order) {
      if (!results[p] || results[p]->changed == 0) continue;
      if (results[p]->role != TensorRole::kHiddenMatrix) only_hidden = false;
      again.push_back(p);
    }
    if (only_hidden && !again.empty()) {
      done = 0;
      compare(again, true);
    }
  }
  for (std::size_t p = 0; p < pairs.size(); ++p) {
    const TensorInfo& b = base.tensors()[pairs[p].first];
    const TensorInfo& c = candidate.tensors()[pairs[p].second];
    if (results[p]) {
      report.bytes_compared += b.encoded.size() + c.encoded.size();
      report.tensors.push_back(std::move(*results[p]));
    } else {
      report.problems.push_back({b.file, b.name, "not compared: " + failures[p]->message()});
    }
  }

  report.classification = ClassifyChange(report.tensors, vocab, options.limits);
  report.findings = report.classification.findings;

  for (const std::string& name : report.only_in_base) {
    report.findings.push_back(Structural("DIFF-TENSOR-REMOVED", Severity::kMedium, "tensor missing from the candidate",
                                         "The base has " + name + "; the candidate does not.", name));
  }
  for (const std::string& name : report.only_in_candidate) {
    report.findings.push_back(Structural("DIFF-TENSOR-ADDED", Severity::kMedium, "tensor not in the base",
                                         "The candidate adds " + name + ", which the base does not have: extra "
                                         "weights are not explained by fine-tuning the base.", name));
  }
  for (const ShapeChange& s : report.shape_changes) {
    report.findings.push_back(Structural(
        "DIFF-SHAPE-CHANGED", Severity::kMedium, "tensor shape differs from the base",
        fmt::format("{} is {} in the base and {} in the candidate (resized vocabularies do this; so does "
                    "swapping in another model's weights).",
                    s.name, ShapeText(s.base_shape), ShapeText(s.candidate_shape)),
        s.name));
  }
  for (const TensorProblem& p : report.problems) {
    Finding f = Structural("DIFF-UNREADABLE", Severity::kMedium, "tensor or file could not be read",
                           "Not compared, so a change there cannot be excluded: " + p.message, p.tensor);
    f.path = p.file;
    report.findings.push_back(std::move(f));
  }
  return report;
}

Result<DiffReport> DiffModels(const std::string& base, const std::string& candidate, const DiffOptions& options,
                              const DiffProgress& progress) {
  const auto start = std::chrono::steady_clock::now();
  Result<std::unique_ptr<TensorSource>> b = OpenTensors(base, options.limits);
  if (!b.ok()) return b.status();
  Result<std::unique_ptr<TensorSource>> c = OpenTensors(candidate, options.limits);
  if (!c.ok()) return c.status();

  Vocabulary vocab;
  std::string tokenizer = options.tokenizer;
  if (tokenizer.empty()) tokenizer = FindTokenizer(candidate);
  if (tokenizer.empty()) tokenizer = FindTokenizer(base);
  std::optional<Finding> tokenizer_problem;
  if (!tokenizer.empty()) {
    Result<Vocabulary> v = ReadTokenizerJson(tokenizer, options.limits);
    if (v.ok()) {
      vocab = std::move(v.value());
    } else {
      tokenizer_problem = Structural("DIFF-TOKENIZER-UNREADABLE", Severity::kLow, "tokenizer.json could not be read",
                                     "Embedding rows are named by number only: " + v.status().message(), "");
      tokenizer_problem->path = tokenizer;
    }
  }
  DiffReport report = DiffSources(*b.value(), *c.value(), vocab, options, progress);
  report.base = base;
  report.candidate = candidate;
  report.tokenizer = tokenizer;
  if (tokenizer_problem) report.findings.push_back(std::move(*tokenizer_problem));
  for (Finding& f : report.findings) {
    if (f.path.empty()) f.path = candidate;
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace modelgate::forensics
