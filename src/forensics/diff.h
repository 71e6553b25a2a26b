// DiffModels: compares a candidate model with the base it claims to derive
// from (`modelgate diff BASE CANDIDATE`). Tensors are matched by name;
// missing, added, reshaped and unreadable tensors become findings; matched
// tensors are compared elementwise and spectrally (tensor_compare.h) on a
// pool of threads, largest first; the change is then classified
// (classify.h). Nothing in either model is executed.
#ifndef MODELGATE_FORENSICS_DIFF_H_
#define MODELGATE_FORENSICS_DIFF_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "forensics/classify.h"
#include "forensics/tensor_compare.h"
#include "forensics/tensor_source.h"
#include "modelgate/finding.h"
#include "modelgate/limits.h"
#include "modelgate/status.h"

namespace modelgate::forensics {

// Which changed matrices get a spectral analysis. The spectrum decides the
// verdict only when nothing but hidden matrices changed (an edit or a merged
// adapter); in a fine-tune that also moved norms, biases or embeddings it is
// description only, and on a large model it costs far more than the
// elementwise pass (~0.5 s per 4096 x 4096 matrix).
enum class SpectraMode {
  kAuto,  // when the verdict needs them (a second pass over those matrices)
  kAll,   // every changed matrix within Limits::max_spectral_elements
  kNone,
};

struct DiffOptions {
  Limits limits;
  unsigned jobs = 0;          // threads; 0 = one per core
  SpectrumOptions spectrum;
  SpectraMode spectra = SpectraMode::kAuto;
  // tokenizer.json naming embedding rows; empty = the candidate folder's
  // (or the base folder's) tokenizer.json when there is one.
  std::string tokenizer;
};

struct ShapeChange {
  std::string name;
  std::vector<std::uint64_t> base_shape;
  std::vector<std::uint64_t> candidate_shape;
  // Matrices that differ only in their number of rows (tokens added to or
  // removed from a vocabulary) are compared over the rows they share; this
  // is that count (0 when the shapes are otherwise different).
  std::uint64_t rows_compared = 0;
};

struct DiffReport {
  std::string base;
  std::string candidate;
  std::string tokenizer;                   // the tokenizer.json used, if any
  std::vector<TensorDiff> tensors;         // compared tensors, in the base's order
  std::vector<std::string> only_in_base;
  std::vector<std::string> only_in_candidate;
  std::vector<ShapeChange> shape_changes;
  std::vector<TensorProblem> problems;     // unreadable tensors and files, either side
  Classification classification;
  std::vector<Finding> findings;           // classification + structural, with paths
  std::uint64_t bytes_compared = 0;        // encoded bytes of both sides of compared tensors
  double seconds = 0;
};

// Called after each compared tensor (from worker threads, serialised).
using DiffProgress = std::function<void(std::size_t done, std::size_t total)>;

// Opens both models (tensor_source.h) and compares them. Returns an error
// only when a model cannot be opened at all.
Result<DiffReport> DiffModels(const std::string& base, const std::string& candidate, const DiffOptions& options,
                              const DiffProgress& progress = nullptr);

// The same on sources already open (tests, and callers that reuse them).
DiffReport DiffSources(const TensorSource& base, const TensorSource& candidate, const Vocabulary& vocab,
                       const DiffOptions& options, const DiffProgress& progress = nullptr);

}  // namespace modelgate::forensics

#endif  // MODELGATE_FORENSICS_DIFF_H_
