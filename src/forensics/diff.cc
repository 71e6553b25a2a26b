#include "forensics/diff.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <numeric>
#include <optional>

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

// Row-prefix views of two matrices that differ only in their number of rows
// (plain dtypes: a row prefix is a byte prefix), or nullopt.
std::optional<std::pair<TensorInfo, TensorInfo>> CommonRows(const TensorInfo& b, const TensorInfo& c) {
  if (b.shape.size() != 2 || c.shape.size() != 2 || b.shape[1] != c.shape[1] || b.shape[1] == 0) return std::nullopt;
  if (DTypeSize(b.dtype) == 0 || DTypeSize(c.dtype) == 0 || b.encoded.empty() || c.encoded.empty()) {
    return std::nullopt;
  }
  const std::uint64_t rows = std::min(b.shape[0], c.shape[0]);
  if (rows == 0) return std::nullopt;
  auto prefix = [&](const TensorInfo& t) {
    TensorInfo v = t;
    v.shape[0] = rows;
    v.elements = rows * t.shape[1];
    v.encoded = ByteView(t.encoded.data(), std::min<std::uint64_t>(t.encoded.size(), v.elements * DTypeSize(t.dtype)));
    return v;
  };
  return std::make_pair(prefix(b), prefix(c));
}

// Rows appended to an embedding or output head: new tokens, named through
// the tokenizer. Benign for added chat or special tokens; also how a new
// trigger token is planted.
Finding RowsAdded(const ShapeChange& s, const Vocabulary& vocab, const Limits& limits) {
  const std::uint64_t first = s.base_shape[0], end = s.candidate_shape[0];
  std::string tokens;
  std::uint64_t listed = 0;
  for (std::uint64_t row = first; row < end && listed < limits.max_trigger_candidates; ++row, ++listed) {
    std::string_view t = vocab.Token(row);
    tokens += fmt::format("{}#{}{}", tokens.empty() ? "" : ", ", row, t.empty() ? "" : " '" + std::string(t) + "'");
  }
  if (end - first > listed) tokens += fmt::format(", ... ({} in all)", end - first);
  Finding f = Structural(
      "DIFF-ROWS-ADDED", Severity::kMedium, fmt::format("{} token row(s) added to {}", end - first, s.name),
      fmt::format("{} grows from {} to {} rows: tokens {}. The {} rows the base has were compared. New tokens are "
                  "normal for added chat or special tokens, and are also how a dedicated trigger token is planted: "
                  "probe them with `modelgate eval`.",
                  s.name, first, end, tokens, s.rows_compared),
      s.name);
  f.evidence.emplace_back("rows_added", std::to_string(end - first));
  f.evidence.emplace_back("tokens", tokens);
  return f;
}

}  // namespace

DiffReport DiffSources(const TensorSource& base, const TensorSource& candidate, const Vocabulary& vocab,
                       const DiffOptions& options, const DiffProgress& progress) {
  DiffReport report;
  report.problems = base.problems();
  report.problems.insert(report.problems.end(), candidate.problems().begin(), candidate.problems().end());

  // Match by name. Matrices whose row count changed (a resized vocabulary:
  // tokens added or removed) are compared over the rows they share, through
  // row-prefix views kept in these two sources.
  TensorSource base_rows, candidate_rows;
  struct Pair {
    const TensorSource* base;
    std::size_t bi;
    const TensorSource* candidate;
    std::size_t ci;
  };
  std::vector<Pair> pairs;
  for (std::size_t i = 0; i < base.tensors().size(); ++i) {
    const TensorInfo& b = base.tensors()[i];
    std::int64_t j = candidate.Find(b.name);
    if (j < 0) {
      report.only_in_base.push_back(b.name);
      continue;
    }
    const TensorInfo& c = candidate.tensors()[static_cast<std::size_t>(j)];
    if (b.shape != c.shape) {
      ShapeChange change{b.name, b.shape, c.shape, 0};
      std::optional<std::pair<TensorInfo, TensorInfo>> common = CommonRows(b, c);
      if (common) {
        change.rows_compared = common->first.shape[0];
        base_rows.Add(std::move(common->first));
        candidate_rows.Add(std::move(common->second));
        pairs.push_back({&base_rows, base_rows.tensors().size() - 1, &candidate_rows,
                         candidate_rows.tensors().size() - 1});
      }
      report.shape_changes.push_back(std::move(change));
      continue;
    }
    pairs.push_back({&base, i, &candidate, static_cast<std::size_t>(j)});
  }
  for (const TensorInfo& c : candidate.tensors()) {
    if (base.Find(c.name) < 0) report.only_in_candidate.push_back(c.name);
  }

  // Compare, largest first (the longest jobs start first on the pool).
  std::vector<std::size_t> order(pairs.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return pairs[a].base->tensors()[pairs[a].bi].elements > pairs[b].base->tensors()[pairs[b].bi].elements;
  });
  std::vector<std::optional<TensorDiff>> results(pairs.size());
  std::vector<std::optional<Status>> failures(pairs.size());
  std::mutex mu;
  std::size_t done = 0;
  auto compare = [&](const std::vector<std::size_t>& which, bool spectra) {
    ParallelFor(which.size(), options.jobs, [&](std::size_t k) {
      const std::size_t p = which[k];
      Result<TensorDiff> r = CompareTensor(*pairs[p].base, pairs[p].bi, *pairs[p].candidate, pairs[p].ci,
                                           options.limits, spectra ? &options.spectrum : nullptr);
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
    const TensorInfo& b = pairs[p].base->tensors()[pairs[p].bi];
    const TensorInfo& c = pairs[p].candidate->tensors()[pairs[p].ci];
    if (results[p]) {
      report.bytes_compared += b.encoded.size() + c.encoded.size();
      report.tensors.push_back(std::move(*results[p]));
    } else {
      report.problems.push_back({b.file, b.name, "not compared: " + failures[p]->message()});
    }
  }

  report.classification = ClassifyChange(report.tensors, vocab, options.limits);
  if (!report.shape_changes.empty() || !report.only_in_base.empty() || !report.only_in_candidate.empty()) {
    report.classification.summary += fmt::format(" (of the tensors compared; {} reshaped, {} removed, {} added)",
                                                 report.shape_changes.size(), report.only_in_base.size(),
                                                 report.only_in_candidate.size());
  }
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
    const TensorRole role = RoleOf(s.name, s.candidate_shape);
    if (s.rows_compared != 0 && s.candidate_shape[0] > s.base_shape[0] &&
        (role == TensorRole::kEmbedding || role == TensorRole::kOutputHead)) {
      report.findings.push_back(RowsAdded(s, vocab, options.limits));
      continue;
    }
    report.findings.push_back(Structural(
        "DIFF-SHAPE-CHANGED", Severity::kMedium, "tensor shape differs from the base",
        fmt::format("{} is {} in the base and {} in the candidate{} (resized vocabularies do this; so does "
                    "swapping in another model's weights).",
                    s.name, ShapeText(s.base_shape), ShapeText(s.candidate_shape),
                    s.rows_compared ? fmt::format("; the {} rows they share were compared", s.rows_compared) : ""),
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
