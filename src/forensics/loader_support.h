// Pieces every tensor format loader needs: mapping a file into a
// TensorSource, checked element counts, and the model-wide tensor bound.
// Internal to src/forensics (not part of the TensorSource contract).
#ifndef MODELGATE_FORENSICS_LOADER_SUPPORT_H_
#define MODELGATE_FORENSICS_LOADER_SUPPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "forensics/tensor_source.h"

namespace modelgate::forensics {

// Maps `path`, adopts the mapping into `out` and stores its bytes in *bytes.
// On failure adds a problem for `path` and returns kIOError.
Status MapIntoSource(const std::string& path, TensorSource* out, ByteView* bytes);

// Product of `shape` (1 for a scalar) in *elements. Returns an empty string
// on success, otherwise why the shape is refused (rank over
// Limits::max_tensor_rank, or the product overflows 64 bits).
std::string CheckShape(const std::vector<std::uint64_t>& shape, const Limits& limits, std::uint64_t* elements);

// Adds `t` unless the source already holds Limits::max_model_tensors
// tensors; then records a problem and returns kLimitExceeded (loaders stop).
Status AddBounded(TensorInfo t, const Limits& limits, TensorSource* out);

// Records a problem and returns `status` (for "nothing usable" exits).
Status Fail(TensorSource* out, const std::string& file, Status status);

// The last path component of `path` ("a/b/w.npy" -> "w.npy").
std::string BaseName(const std::string& path);

}  // namespace modelgate::forensics

#endif  // MODELGATE_FORENSICS_LOADER_SUPPORT_H_
