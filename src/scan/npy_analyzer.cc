// AnalyzeNpy: turns what the .npy reader saw into findings.
//
// Severity policy (docs/formats/npy.md, "Findings"):
// - An object dtype (anywhere, including one nested structured field) means
//   the data section is a pickle that numpy.load(allow_pickle=True)
//   unpickles. That is medium on its own: loading needs the caller to opt in
//   and a benign object array (a list of strings) exists, but whoever passes
//   allow_pickle=True hands the file code execution. The pickle itself is
//   queued with role "npy-object-array" so the pickle analyzer reports any
//   call in it at its own (critical/high) severity.
// - A header this reader cannot evaluate but numpy might (valid Python
//   literal syntax outside the evaluated subset, or longer than our limit) is
//   high: the loader could read it while the scanner could not. Duplicate
//   dict keys are high as a parse differential (Python keeps the last).
// - A header numpy itself rejects, or data that does not match the shape, is
//   medium: the file is damaged and np.load fails, but nothing runs.
#include <string>
#include <utility>
#include <vector>

#include "formats/npy/npy.h"
#include "scan/analyzers.h"

namespace modelgate {
namespace {

using NpySpec = FindingSpec;

NpySpec SpecFor(NpyAnomalyKind k) {
  switch (k) {
    case NpyAnomalyKind::kHeaderUnsupported:
      return {"NPY-HEADER-UNSUPPORTED", Severity::kHigh, "npy header uses literal syntax the scanner does not evaluate",
              "numpy evaluates the header with ast.literal_eval and may accept it, so the loader could read a dtype "
              "(possibly an object dtype) that the scanner could not see. No numpy version writes such headers."};
    case NpyAnomalyKind::kHeaderTooLarge:
      return {"NPY-HEADER-TOO-LARGE", Severity::kHigh, "npy header is larger than the scanner examines",
              "numpy.load(allow_pickle=True) ignores its own header size cap and would parse it; the scanner did "
              "not, so the dtype is unknown."};
    case NpyAnomalyKind::kDuplicateKey:
      return {"NPY-DUPLICATE-KEY", Severity::kHigh, "npy header repeats a dict key",
              "Python keeps the last value; a reader that keeps the first sees a different dtype or shape. numpy "
              "never writes this."};
    case NpyAnomalyKind::kHeaderOverNumpyLimit:
      return {"NPY-HEADER-OVER-NUMPY-LIMIT", Severity::kLow, "npy header exceeds numpy's default size cap",
              "numpy.load refuses headers over 10000 characters unless allow_pickle=True is passed, which also "
              "enables unpickling; very large structured dtypes legitimately produce this."};
    case NpyAnomalyKind::kUnknownDtype:
      return {"NPY-UNKNOWN-DTYPE", Severity::kLow, "npy dtype string the scanner cannot size",
              "The data length could not be checked against the shape."};
    case NpyAnomalyKind::kShapeOverflow:
      return {"NPY-SHAPE-OVERFLOW", Severity::kMedium, "npy shape overflows 64-bit arithmetic",
              "numpy computes the element count in int64 and wraps silently; no real array has this shape."};
    case NpyAnomalyKind::kDataTruncated:
    case NpyAnomalyKind::kEmptyObjectData:
      return {"NPY-DATA-TRUNCATED", Severity::kMedium, "npy data is shorter than its header declares",
              "numpy.load fails on this file; it is damaged or was cut short."};
    case NpyAnomalyKind::kTrailingData:
      return {"NPY-TRAILING-DATA", Severity::kMedium, "Bytes follow the npy array data",
              "numpy ignores them, so they can carry content another tool reads. They were queued for analysis."};
    case NpyAnomalyKind::kUnknownVersion:
      return {"NPY-UNKNOWN-VERSION", Severity::kMedium, "npy format version numpy does not read",
              "numpy reads versions 1.0, 2.0 and 3.0 only and rejects this file."};
    case NpyAnomalyKind::kHeaderTruncated:
      return {"NPY-HEADER-TRUNCATED", Severity::kMedium, "npy header runs past the end of the file",
              "numpy.load fails on this file; it is damaged or was cut short."};
    default:
      return {"NPY-HEADER-INVALID", Severity::kMedium, "npy header numpy would reject",
              "numpy.load raises on this header, so nothing in the file is loaded; the file is damaged or "
              "hand-made."};
  }
}

std::string JoinList(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

void AnalyzeNpy(const Blob& blob, ScanContext& ctx) {
  Result<NpyFile> r = ReadNpy(blob.bytes, ctx.limits());
  if (!r.ok()) {
    ctx.Report("NPY-HEADER-INVALID", Severity::kMedium, "npy preamble is damaged", blob.member, 0,
               r.status().message() + ". numpy.load fails on this file.");
    return;
  }
  const NpyFile& f = r.value();
  std::vector<std::pair<std::string, std::string>> base = {
      {"version", std::to_string(f.major) + "." + std::to_string(f.minor)}, {"descr", f.descr.substr(0, 300)}};
  for (const NpyAnomaly& a : f.anomalies) {
    NpySpec s = SpecFor(a.kind);
    auto ev = base;
    ev.emplace_back("problem", a.detail);
    ctx.Report(s.id, s.severity, s.title, blob.member, a.offset, a.detail + ". " + s.why, std::move(ev));
  }
  std::uint64_t data_off = f.data_offset;
  bool have_data = data_off < blob.bytes.size();
  ByteView data = have_data ? blob.bytes.subspan(static_cast<std::size_t>(data_off)) : ByteView();
  if (f.has_object) {
    auto ev = base;
    ev.emplace_back("object_fields", JoinList(f.object_fields));
    ev.emplace_back("pickle_offset", std::to_string(data_off));
    ev.emplace_back("pickle_bytes", std::to_string(data.size()));
    ctx.Report("NPY-OBJECT-ARRAY", Severity::kMedium, "npy object array: its data is a pickle", blob.member,
               data_off,
               (f.object_fields == std::vector<std::string>{"<descr>"}
                    ? std::string("The dtype is object")
                    : "The dtype holds Python objects (fields " + JoinList(f.object_fields) + ")") +
                   ", so the array data is a pickle stream. numpy.load refuses it by default, but "
                   "numpy.load(allow_pickle=True) unpickles it, which runs any callable the pickle names. The "
                   "pickle was queued and analysed as its own member.",
               std::move(ev));
    if (!data.empty()) ctx.EnqueueChild(blob, "<npy-object-data>", data, nullptr, "npy-object-array");
    return;
  }
  if (!data.empty() && (f.header_state == NpyHeaderState::kUnsupported ||
                        f.header_state == NpyHeaderState::kTooLarge)) {
    // The dtype is unknown: let routing look at the data (it may be a pickle).
    ctx.EnqueueChild(blob, "<npy-data>", data, nullptr);
    return;
  }
  if (f.expected_data_bytes && data.size() > *f.expected_data_bytes) {
    ByteView trailing = data.subspan(static_cast<std::size_t>(*f.expected_data_bytes));
    ctx.EnqueueChild(blob, "<npy-trailing-data>", trailing, nullptr);
  }
}

}  // namespace modelgate
