// The PyTorch loader on bytes already in memory, for AddPytorchFile (which
// maps the file) and the fuzzer. See tensor_source.h for the contract and
// pytorch_tensors.cc for the two layouts it reads.
#ifndef MODELGATE_FORENSICS_PYTORCH_TENSORS_H_
#define MODELGATE_FORENSICS_PYTORCH_TENSORS_H_

#include <string>

#include "forensics/tensor_source.h"

namespace modelgate::forensics {

// Adds the tensors of the torch.save checkpoint `file` (named `path` in
// TensorInfo::file and problems) to `out`. Every `encoded` view points into
// `file`, which must outlive `out` (AddPytorchFile has `out` adopt it).
// Returns kNotSupported when `file` is neither a torch.save zip nor a legacy
// torch.save pickle; anything else that cannot be read is a problem in `out`.
Status AddPytorchBytes(const std::string& path, ByteView file, const Limits& limits, TensorSource* out);

}  // namespace modelgate::forensics

#endif  // MODELGATE_FORENSICS_PYTORCH_TENSORS_H_
